/* SPDX-License-Identifier: (GPL-2.0-only OR MIT) */
/* Address classification and published-port lookup. */
#ifndef DP_POLICY_H
#define DP_POLICY_H

#include <linux/bpf.h>
#include <linux/in.h>
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

/* The slot of {proto, port} in dp_portmap_any and dp_portmap6_any;
 * DP_PORTMAP_ANY_SLOTS (no slot) for a protocol never published. */
static __always_inline __u32 dp_portmap_any_slot(__u8 proto, __be16 port)
{
	if (proto == IPPROTO_TCP)
		return DP_PORTMAP_ANY_SLOT(0, bpf_ntohs(port));
	if (proto == IPPROTO_UDP)
		return DP_PORTMAP_ANY_SLOT(1, bpf_ntohs(port));
	return DP_PORTMAP_ANY_SLOTS;
}

/* A slot's mapping id, read before anything else of the slot: the writer
 * stores the id last (dp_abi.h), so what follows this read is complete. */
static __always_inline int dp_portmap_any_published(const __u32 *mapping_id)
{
	__u32 id = *(const volatile __u32 *)mapping_id;

	asm volatile("" ::: "memory"); /* the slot's other loads stay after the id's */
	return id != 0;
}

/* The mapping of {proto, port} published on every IPv4 address, or NULL. */
static __always_inline struct dp_portmap_val *dp_portmap_any_find(__u8 proto, __be16 port)
{
	__u32 slot = dp_portmap_any_slot(proto, port);
	struct dp_portmap_val *v = bpf_map_lookup_elem(&dp_portmap_any, &slot);

	return v && dp_portmap_any_published(&v->mapping_id) ? v : NULL;
}

/*
 * Published port for {daddr, proto, dport}: the one published on every
 * address when daddr is a local address, else the one bound to exactly daddr.
 * A port is never published on both (the control plane refuses the overlap,
 * as Docker does), so every-address is looked up first: one indexed load for
 * the common case. Loopback destinations only for socket hooks: a 127.0.0.1
 * mapping is never matched from the wire.
 */
static __always_inline struct dp_portmap_val *dp_portmap_find(__be32 daddr, __u8 proto, __be16 dport,
							     int sockets)
{
	struct dp_portmap_key k = { .addr = daddr, .port = dport, .proto = proto };
	struct dp_portmap_val *v;
	int loopback = dp_is_loopback(daddr);

	if (loopback && !sockets)
		return NULL;
	v = dp_portmap_any_find(proto, dport);
	if (v)
		return loopback || dp_is_host_addr(daddr) ? v : NULL;
	return bpf_map_lookup_elem(&dp_portmap, &k);
}

#endif /* DP_POLICY_H */
