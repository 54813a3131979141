/* SPDX-License-Identifier: (GPL-2.0-only OR MIT) */
/* Address classification and published-port lookup. */
#ifndef DP_POLICY_H
#define DP_POLICY_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "dp_abi.h"
#include "dp_maps.h"

static __always_inline int dp_is_loopback(__be32 addr)
{
	return (bpf_ntohl(addr) >> 24) == 127;
}

/* Multicast, limited broadcast and class E: never translated. */
static __always_inline int dp_is_multi(__be32 addr)
{
	return bpf_ntohl(addr) >= 0xe0000000;
}

static __always_inline int dp_is_host_addr(__be32 addr)
{
	struct dp_hostaddr_key k = { .addr = addr };

	return bpf_map_lookup_elem(&dp_hostaddr, &k) != NULL;
}

static __always_inline struct dp_network *dp_network_of(__be32 addr)
{
	struct dp_network_key k = { .prefixlen = 32, .addr = addr };

	return bpf_map_lookup_elem(&dp_networks, &k);
}

static __always_inline struct dp_endpoint *dp_endpoint_of(__be32 addr)
{
	struct dp_endpoint_key k = { .addr = addr };

	return bpf_map_lookup_elem(&dp_endpoints, &k);
}

/*
 * Published port for {daddr, proto, dport}: the wildcard mapping when daddr
 * is a local address, else the one bound to exactly daddr. A port is never
 * published on both (the control plane refuses the overlap, as Docker does),
 * so the wildcard is looked up first: one lookup for the common case, not a
 * miss on the exact key before it. Loopback destinations only for socket
 * hooks: a 127.0.0.1 mapping is never matched from the wire.
 */
static __always_inline struct dp_portmap_val *dp_portmap_find(__be32 daddr, __u8 proto, __be16 dport,
							     int sockets)
{
	struct dp_portmap_key k = { .addr = 0, .port = dport, .proto = proto };
	struct dp_portmap_val *v;
	int loopback = dp_is_loopback(daddr);

	if (loopback && !sockets)
		return NULL;
	v = bpf_map_lookup_elem(&dp_portmap, &k);
	if (v)
		return loopback || dp_is_host_addr(daddr) ? v : NULL;
	k.addr = daddr;
	return bpf_map_lookup_elem(&dp_portmap, &k);
}

#endif /* DP_POLICY_H */
