/* SPDX-License-Identifier: (GPL-2.0-only OR MIT) */
/*
 * What a packet from the uplink must be before it may open a flow. Translated
 * packets are redirected past the host's IP layer, so what ip_rcv would
 * refuse must be refused here, or garbage creates conntrack state (and fills
 * the table). Packets of known flows need no check: they create nothing, and
 * the container's stack validates them as it always does.
 */
#ifndef DP_VALID_H
#define DP_VALID_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "dp_abi.h"
#include "dp_csum.h"
#include "dp_parse.h"
#include "dp_policy.h"

#define DP_IP_HDR_MAX 60

/* RFC 1122 3.2.1.3: sources no packet from the wire may carry (and our own). */
static __always_inline int dp_is_martian(__be32 saddr)
{
	__u32 a = bpf_ntohl(saddr);

	return (a >> 24) == 0 || dp_is_loopback(saddr) || dp_is_multi(saddr) || dp_is_host_addr(saddr);
}

/* The IPv4 header sums to 0xffff (RFC 1071) when its checksum is right.
 * Summed in place (the parser saw it in the linear data): no stack copy. */
static __always_inline int dp_ip_csum_ok(struct __sk_buff *skb, const struct dp_pkt *p)
{
	void *data_end = (void *)(long)skb->data_end;
	__u16 *w = (void *)(long)skb->data + ETH_HLEN;
	__u32 words = (p->l4_off - p->l3_off) / 2, sum = 0, i;

	if (p->l3_off != ETH_HLEN)
		return 0;
	for (i = 0; i < DP_IP_HDR_MAX / 2; i++) {
		__u16 *word = w + i;

		if (i >= words)
			break;
		barrier_var(word); /* keep the bound check on the pointer, not on data_end */
		if ((void *)(word + 1) > data_end)
			return 0;
		sum += *word;
	}
	return dp_csum_fold(sum) == 0xffff;
}

/* 0, or the reason this uplink packet may not open a flow. */
static __always_inline int dp_uplink_opener_invalid(struct __sk_buff *skb, const struct dp_pkt *p)
{
	if (p->l3_off + p->tot_len > skb->len || !dp_ip_csum_ok(skb, p))
		return DP_DROP_MALFORMED;
	if (dp_is_martian(p->tuple.saddr))
		return DP_DROP_MARTIAN;
	return 0;
}

#endif /* DP_VALID_H */
