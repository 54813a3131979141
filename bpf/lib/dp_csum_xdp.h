/* SPDX-License-Identifier: (GPL-2.0-only OR MIT) */
/*
 * XDP has no csum helpers: incremental updates by RFC 1624 eqn. 3,
 * HC' = ~(~HC + ~m + m'), on 16-bit words. Ones-complement sums do not care
 * about byte order, so network-order words are used as they are.
 */
#ifndef DP_CSUM_XDP_H
#define DP_CSUM_XDP_H

#include <linux/types.h>

static __always_inline __u16 dp_csum_fold(__u32 s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)s;
}

static __always_inline void dp_csum_update16(__sum16 *csum, __u16 old, __u16 new)
{
	__u32 s = (__u16)~*csum + (__u16)~old + (__u32)new;

	*csum = (__sum16)~dp_csum_fold(s);
}

static __always_inline void dp_csum_update32(__sum16 *csum, __u32 old, __u32 new)
{
	dp_csum_update16(csum, old >> 16, new >> 16);
	dp_csum_update16(csum, old & 0xffff, new & 0xffff);
}

#endif /* DP_CSUM_XDP_H */
