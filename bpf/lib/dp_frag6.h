/* SPDX-License-Identifier: (GPL-2.0-only OR MIT) */
/* IPv6 fragments: dp_frag.h's design on the same dp_frag map, keyed with the
 * 16-byte addresses, family AF_INET6 and the fragment header's 32-bit id. */
#ifndef DP_FRAG6_H
#define DP_FRAG6_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "dp_abi.h"
#include "dp_ct.h"
#include "dp_maps.h"
#include "dp_parse6.h"
#include "dp_policy6.h"

static __always_inline void dp_frag6_key_of(struct dp_frag_key *k, const struct dp_pkt6 *p)
{
	__builtin_memset(k, 0, sizeof(*k));
	dp6_copy(k->saddr, p->tuple.saddr);
	dp6_copy(k->daddr, p->tuple.daddr);
	k->id = p->frag_id;
	k->family = DP_AF_INET6;
	k->proto = p->tuple.proto;
}

static __always_inline void dp_frag6_remember(const struct dp_pkt6 *p)
{
	struct dp_frag_key k;
	struct dp_frag_val v = {};

	if (p->frag != DP_FRAG_FIRST)
		return;
	dp_frag6_key_of(&k, p);
	v.expires_ns = bpf_ktime_get_ns() + (__u64)DP_FRAG_LIFETIME_SEC * DP_NS_PER_SEC;
	v.sport = p->tuple.sport;
	v.dport = p->tuple.dport;
	bpf_map_update_elem(&dp_frag, &k, &v, BPF_ANY);
}

static __always_inline void dp_frag6_resolve(struct dp_pkt6 *p)
{
	struct dp_frag_key k;
	struct dp_frag_val *v;

	if (p->frag != DP_FRAG_LATER)
		return;
	dp_frag6_key_of(&k, p);
	v = bpf_map_lookup_elem(&dp_frag, &k);
	if (!v || v->expires_ns < bpf_ktime_get_ns())
		return;
	p->tuple.sport = v->sport;
	p->tuple.dport = v->dport;
	p->has_ports = 1;
}

#endif /* DP_FRAG6_H */
