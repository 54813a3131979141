/* SPDX-License-Identifier: (GPL-2.0-only OR MIT) */
/*
 * IPv6 conntrack: dp_ct.h's rules (two entries per flow, the same TCP state
 * machine and timeouts, BPF_NOEXIST pair insert with rollback, early drop of
 * an unreplied flow when the table is full) on dp_ct6.
 */
#ifndef DP_CT6_H
#define DP_CT6_H

#include <linux/bpf.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include "dp_abi.h"
#include "dp_ct.h"
#include "dp_ct_insert.h"
#include "dp_maps6.h"
#include "dp_parse6.h"
#include "dp_policy6.h"
#include "dp_stats.h"

/* ICMPv6 echo flows live as long as ICMP echo flows. */
static __always_inline __u64 dp_ct6_timeout(__u8 proto, __u8 state)
{
	return dp_ct_timeout(proto == IPPROTO_ICMPV6 ? IPPROTO_ICMP : proto, state);
}

static __always_inline __u8 dp_ct6_next(const struct dp_pkt6 *p, __u8 state, int reply)
{
	if (p->tuple.proto == IPPROTO_TCP)
		return dp_ct_tcp_next(state, reply, p->tcp_flags);
	if (reply || state == DP_CT_REPLIED)
		return DP_CT_REPLIED;
	return DP_CT_UNREPLIED;
}

static __always_inline int dp_ct6_opens(const struct dp_pkt6 *p)
{
	switch (p->tuple.proto) {
	case IPPROTO_TCP:
		return (p->tcp_flags & (DP_TCP_SYN | DP_TCP_ACK | DP_TCP_RST)) == DP_TCP_SYN;
	case IPPROTO_UDP:
		return dp6_has_l4(p);
	case IPPROTO_ICMPV6:
		return p->icmp_type == ICMPV6_ECHO_REQUEST;
	}
	return 0;
}

static __always_inline void dp_ct6_peer_key(struct dp_ct6_key *k, const struct dp_ct6_val *v, __u8 proto)
{
	__builtin_memset(k, 0, sizeof(*k));
	dp6_copy(k->saddr, v->nat_daddr);
	dp6_copy(k->daddr, v->nat_saddr);
	k->sport = v->nat_dport;
	k->dport = v->nat_sport;
	k->proto = proto;
}

/* dp_ct_touch for IPv6: the peer entry written only when dp_ct_sync_peer says so. */
static __always_inline void dp_ct6_touch(const struct dp_pkt6 *p, struct dp_ct6_val *v)
{
	__u8 flags = v->flags | ((v->flags & DP_CT_F_REPLY) ? DP_CT_F_SEEN_REPLY : 0);
	__u8 state = dp_ct6_next(p, v->state, v->flags & DP_CT_F_REPLY);
	__u64 now = bpf_ktime_get_ns();
	__u64 expires = now + dp_ct6_timeout(p->tuple.proto,
					     dp_ct_timeout_state(p->tuple.proto, state, v->created_ms, now));
	int sync = dp_ct_sync_peer(v->state, state, v->flags, flags, v->expires_ns, expires);
	struct dp_ct6_key pk;
	struct dp_ct6_val *peer;

	v->packets++;
	v->bytes += p->len;
	v->last_seen_ns = now;
	v->expires_ns = expires;
	v->state = state;
	v->flags = flags;
	if (!sync)
		return;
	dp_ct6_peer_key(&pk, v, p->tuple.proto);
	peer = bpf_map_lookup_elem(&dp_ct6, &pk);
	if (peer) {
		peer->last_seen_ns = now;
		peer->expires_ns = expires;
		peer->state = state;
		peer->flags |= flags & DP_CT_F_SEEN_REPLY;
	}
}

/* dp_ct_early_drop for dp_ct6: evict one unreplied flow among the last ones
 * this CPU created (dp_scratch6's FIFO). IPv6 flows own no reservation
 * besides their two entries (see dp_ifaddr6). A global function, checked once. */
__noinline int dp_ct6_early_drop(void)
{
	struct dp_scratch6 *s = dp_scratch6_get();
	struct dp_ct6_key *k;
	struct dp_ct6_val *v;
	__u32 i;
	__u64 now = bpf_ktime_get_ns();

	if (!s)
		return 0;
	for (i = 0; i < DP_CT_EARLY_DROP_TRIES; i++) {
		if (s->head == s->next)
			return 0; /* no candidate left */
		if (s->next - s->head > DP_CT_RECENT)
			s->head = s->next - DP_CT_RECENT; /* older ones were overwritten */
		k = &s->keys[s->head++ % DP_CT_RECENT];
		if (!k->proto)
			continue;
		v = bpf_map_lookup_elem(&dp_ct6, k);
		if (!v || (v->flags & DP_CT_F_REPLY) ||
		    !dp_ct_can_early_drop(k->proto, v->state, v->created_ms, v->expires_ns, now))
			continue;
		dp_ct6_peer_key(&s->scratch, v, k->proto);
		bpf_map_delete_elem(&dp_ct6, &s->scratch);
		bpf_map_delete_elem(&dp_ct6, k);
		__builtin_memset(k, 0, sizeof(*k));
		dp_count_drop(DP_DROP_CT_EARLY_DROP, 0);
		return 1;
	}
	return 0;
}

static __always_inline long dp_ct6_add(const struct dp_ct6_key *k, const struct dp_ct6_val *v)
{
	long err = bpf_map_update_elem(&dp_ct6, k, v, BPF_NOEXIST);

	if (err && err != -DP_EEXIST && dp_ct6_early_drop())
		err = bpf_map_update_elem(&dp_ct6, k, v, BPF_NOEXIST);
	return err;
}

/* Both entries of a new flow, or neither: 0, -EEXIST (another CPU created it
 * first) or a drop reason (CT_COLLISION: the reply tuple is taken). The reply
 * entry is built in per-CPU scratch; the new flow joins the early-drop
 * candidates. */
static __always_inline int dp_ct6_insert_pair(const struct dp_ct6_key *orig, const struct dp_ct6_val *fwd)
{
	struct dp_scratch6 *s = dp_scratch6_get();
	long err;

	if (!s)
		return DP_DROP_UNKNOWN;
	dp_ct6_peer_key(&s->reply_key, fwd, orig->proto);
	__builtin_memcpy(&s->reply_val, fwd, sizeof(s->reply_val));
	s->reply_val.packets = 0;
	s->reply_val.bytes = 0;
	dp6_copy(s->reply_val.nat_saddr, orig->daddr);
	dp6_copy(s->reply_val.nat_daddr, orig->saddr);
	s->reply_val.nat_sport = orig->dport;
	s->reply_val.nat_dport = orig->sport;
	s->reply_val.flags |= DP_CT_F_REPLY;
	err = dp_ct6_add(orig, fwd);
	if (err == -DP_EEXIST)
		return -DP_EEXIST;
	if (err)
		return DP_DROP_CT_FULL;
	err = dp_ct6_add(&s->reply_key, &s->reply_val);
	if (err) {
		bpf_map_delete_elem(&dp_ct6, orig);
		return err == -DP_EEXIST ? DP_DROP_CT_COLLISION : DP_DROP_CT_FULL;
	}
	__builtin_memcpy(&s->keys[s->next++ % DP_CT_RECENT], orig, sizeof(*orig));
	return 0;
}

#endif /* DP_CT6_H */
