/* SPDX-License-Identifier: (GPL-2.0-only OR MIT) */
/*
 * IPv4 fragments of translated datagrams (see dp_frag_key in dp_abi.h): the
 * first fragment, translated like any packet of its flow, leaves its ports in
 * dp_frag; a later fragment finds them there, looks its flow up in dp_ct like
 * a packet with ports, and gets the same translation minus the L4 header it
 * does not carry. A later fragment that arrives before its first one finds
 * nothing: the caller decides (the uplink passes it to the stack, a container
 * veth drops it rather than let it leave with a private source).
 */
#ifndef DP_FRAG_H
#define DP_FRAG_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "dp_abi.h"
#include "dp_ct.h"
#include "dp_maps.h"
#include "dp_parse.h"

static __always_inline void dp_frag_key_of(struct dp_frag_key *k, const struct dp_pkt *p)
{
	__builtin_memset(k, 0, sizeof(*k));
	k->saddr[0] = p->tuple.saddr;
	k->daddr[0] = p->tuple.daddr;
	k->id = bpf_htonl(bpf_ntohs(p->ip_id));
	k->family = DP_AF_INET;
	k->proto = p->tuple.proto;
}

/* After translating a first fragment: its datagram's later fragments follow it. */
static __always_inline void dp_frag_remember(const struct dp_pkt *p)
{
	struct dp_frag_key k;
	struct dp_frag_val v = {};

	if (p->frag != DP_FRAG_FIRST)
		return;
	dp_frag_key_of(&k, p);
	v.expires_ns = bpf_ktime_get_ns() + (__u64)DP_FRAG_LIFETIME_SEC * DP_NS_PER_SEC;
	v.sport = p->tuple.sport;
	v.dport = p->tuple.dport;
	bpf_map_update_elem(&dp_frag, &k, &v, BPF_ANY); /* best effort: LRU makes room */
}

/* A later fragment gets its datagram's ports (has_ports set) when the first
 * fragment was translated here; anything else is left as it was. */
static __always_inline void dp_frag_resolve(struct dp_pkt *p)
{
	struct dp_frag_key k;
	struct dp_frag_val *v;

	if (p->frag != DP_FRAG_LATER)
		return;
	dp_frag_key_of(&k, p);
	v = bpf_map_lookup_elem(&dp_frag, &k);
	if (!v || v->expires_ns < bpf_ktime_get_ns())
		return;
	p->tuple.sport = v->sport;
	p->tuple.dport = v->dport;
	p->has_ports = 1;
}

#endif /* DP_FRAG_H */
