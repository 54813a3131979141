/* SPDX-License-Identifier: (GPL-2.0-only OR MIT) */
/* IPv6 addresses: comparison, classification, and the lookups of dp_maps6.h. */
#ifndef DP_POLICY6_H
#define DP_POLICY6_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "dp_abi.h"
#include "dp_maps6.h"
#include "dp_policy.h"

static __always_inline void dp6_copy(__be32 *dst, const __be32 *src)
{
	dst[0] = src[0];
	dst[1] = src[1];
	dst[2] = src[2];
	dst[3] = src[3];
}

static __always_inline int dp6_eq(const __be32 *a, const __be32 *b)
{
	return a[0] == b[0] && a[1] == b[1] && a[2] == b[2] && a[3] == b[3];
}

static __always_inline int dp6_is_zero(const __be32 *a)
{
	return !(a[0] | a[1] | a[2] | a[3]);
}

static __always_inline int dp6_is_loopback(const __be32 *a)
{
	return !(a[0] | a[1] | a[2]) && a[3] == bpf_htonl(1);
}

/* ff00::/8 */
static __always_inline int dp6_is_multi(const __be32 *a)
{
	return (bpf_ntohl(a[0]) >> 24) == 0xff;
}

/* fe80::/10: stays on its link, the kernel never forwards it. */
static __always_inline int dp6_is_linklocal(const __be32 *a)
{
	return (bpf_ntohl(a[0]) & 0xffc00000) == 0xfe800000;
}

static __always_inline int dp6_is_host_addr(const __be32 *addr)
{
	struct dp_hostaddr6_key k;

	dp6_copy(k.addr, addr);
	return bpf_map_lookup_elem(&dp_hostaddr6, &k) != NULL;
}

static __always_inline struct dp_network6 *dp6_network_of(const __be32 *addr)
{
	struct dp_network6_key k = { .prefixlen = 128 };

	dp6_copy(k.addr, addr);
	return bpf_map_lookup_elem(&dp_networks6, &k);
}

static __always_inline struct dp_endpoint *dp6_endpoint_of(const __be32 *addr)
{
	struct dp_endpoint6_key k;

	dp6_copy(k.addr, addr);
	return bpf_map_lookup_elem(&dp_endpoints6, &k);
}

/* The mapping of {proto, port} published on [::], or NULL (dp_portmap_any_find's twin). */
static __always_inline struct dp_portmap6_val *dp6_portmap_any_find(__u8 proto, __be16 port)
{
	__u32 slot = dp_portmap_any_slot(proto, port);
	struct dp_portmap6_val *v = bpf_map_lookup_elem(&dp_portmap6_any, &slot);

	return v && dp_portmap_any_published(&v->mapping_id) ? v : NULL;
}

/* As dp_portmap_find: the mapping on [::] when daddr is a local address,
 * else the one bound to exactly daddr (never both: [::] first); ::1
 * mappings only for the socket hooks. */
static __always_inline struct dp_portmap6_val *dp6_portmap_find(const __be32 *daddr, __u8 proto,
								__be16 dport, int sockets)
{
	struct dp_portmap6_key k = { .port = dport, .proto = proto };
	struct dp_portmap6_val *v;
	int loopback = dp6_is_loopback(daddr);

	if (loopback && !sockets)
		return NULL;
	v = dp6_portmap_any_find(proto, dport);
	if (v)
		return loopback || dp6_is_host_addr(daddr) ? v : NULL;
	dp6_copy(k.addr, daddr);
	return bpf_map_lookup_elem(&dp_portmap6, &k);
}

#endif /* DP_POLICY6_H */
