/* SPDX-License-Identifier: (GPL-2.0-only OR MIT) */
/*
 * Connection tracking for translated flows: two entries per flow (one per
 * direction, keyed by the tuple as it appears on the wire), one TCP state
 * machine close to nf_conntrack's, expiry computed here, collected by the
 * control plane's sweeper.
 */
#ifndef DP_CT_H
#define DP_CT_H

#include <linux/bpf.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include "dp_abi.h"
#include "dp_maps.h"
#include "dp_parse.h"

#define DP_NS_PER_SEC 1000000000ULL

static __always_inline __u32 dp_ct_default_timeout(__u8 proto, __u8 state)
{
	__u32 s;

	switch (state) {
	case DP_CT_SYN_SENT:    s = DP_CT_TO_SYN_SENT; break;
	case DP_CT_SYN_RECV:    s = DP_CT_TO_SYN_RECV; break;
	case DP_CT_ESTABLISHED: s = DP_CT_TO_ESTABLISHED; break;
	case DP_CT_FIN_WAIT:    s = DP_CT_TO_FIN_WAIT; break;
	case DP_CT_CLOSE_WAIT:  s = DP_CT_TO_CLOSE_WAIT; break;
	case DP_CT_LAST_ACK:    s = DP_CT_TO_LAST_ACK; break;
	case DP_CT_TIME_WAIT:   s = DP_CT_TO_TIME_WAIT; break;
	case DP_CT_REPLIED:
		s = proto == IPPROTO_UDP ? DP_CT_TO_UDP_REPLIED : DP_CT_TO_ICMP;
		break;
	case DP_CT_UNREPLIED:
		s = proto == IPPROTO_UDP ? DP_CT_TO_UDP : DP_CT_TO_ICMP;
		break;
	default:                s = DP_CT_TO_CLOSE; break;
	}
	return s;
}

/* Lifetime from now for a flow in this state: the configured one, or the default. */
static __always_inline __u64 dp_ct_timeout(__u8 proto, __u8 state)
{
	__u32 cls = proto == IPPROTO_ICMP ? DP_CT_TIMEOUT_CLASS_ICMP : state;
	__u32 s = dp_ct_default_timeout(proto, state);
	struct dp_config *cfg = dp_cfg();

	barrier_var(cls); /* keep the bound check: clang folds it into the state switch above */
	if (cfg && cls < DP_CT_TIMEOUT_CLASSES && cfg->ct_timeout[cls])
		s = cfg->ct_timeout[cls];
	return (__u64)s * DP_NS_PER_SEC;
}

static __always_inline __u32 dp_ct_ms(__u64 ns)
{
	return (__u32)(ns / 1000000);
}

/* The state whose timeout a flow gets now: a replied UDP flow no older than
 * DP_CT_UDP_STREAM_MS is a request and its answer, and keeps the unreplied
 * timeout (nf_conntrack_proto_udp's stream_ts). */
static __always_inline __u8 dp_ct_timeout_state(__u8 proto, __u8 state, __u32 created_ms, __u64 now)
{
	if (proto == IPPROTO_UDP && state == DP_CT_REPLIED &&
	    (__u32)(dp_ct_ms(now) - created_ms) <= DP_CT_UDP_STREAM_MS)
		return DP_CT_UNREPLIED;
	return state;
}

/* nf_conntrack's early-drop rule: a flow may give up its entries for a new one
 * unless it is assured (a TCP connection past its handshake and not closing, as
 * tcp_can_early_drop; a UDP flow answered and alive beyond the stream window);
 * an expired flow always may. ICMP echo flows are never assured. */
static __always_inline int dp_ct_can_early_drop(__u8 proto, __u8 state, __u32 created_ms,
						__u64 expires_ns, __u64 now)
{
	if (expires_ns < now)
		return 1;
	if (state == DP_CT_REPLIED && proto == IPPROTO_UDP) /* a request and its answer, or a stream */
		return dp_ct_timeout_state(proto, state, created_ms, now) != DP_CT_REPLIED;
	return state != DP_CT_ESTABLISHED;
}

/* TCP: next state from the current one, the packet's direction and flags. */
static __always_inline __u8 dp_ct_tcp_next(__u8 state, int reply, __u8 flags)
{
	if (flags & DP_TCP_RST)
		return DP_CT_CLOSE;
	if (flags & DP_TCP_SYN) {
		if (!(flags & DP_TCP_ACK)) {
			/* A new SYN reopens a closed or closing tuple (port reuse). */
			if (!reply && (state == DP_CT_NONE || state == DP_CT_SYN_SENT ||
				       state == DP_CT_TIME_WAIT || state == DP_CT_CLOSE))
				return DP_CT_SYN_SENT;
			return state;
		}
		if (reply && (state == DP_CT_SYN_SENT || state == DP_CT_SYN_RECV))
			return DP_CT_SYN_RECV;
		return state;
	}
	if (flags & DP_TCP_FIN) {
		switch (state) {
		case DP_CT_SYN_RECV:
		case DP_CT_ESTABLISHED:
			return reply ? DP_CT_CLOSE_WAIT : DP_CT_FIN_WAIT;
		case DP_CT_FIN_WAIT:
			return reply ? DP_CT_LAST_ACK : state;
		case DP_CT_CLOSE_WAIT:
			return reply ? state : DP_CT_LAST_ACK;
		}
		return state;
	}
	if (flags & DP_TCP_ACK) {
		if (state == DP_CT_SYN_RECV && !reply)
			return DP_CT_ESTABLISHED;
		if (state == DP_CT_LAST_ACK)
			return DP_CT_TIME_WAIT;
	}
	return state;
}

static __always_inline __u8 dp_ct_next(const struct dp_pkt *p, __u8 state, int reply)
{
	if (p->tuple.proto == IPPROTO_TCP)
		return dp_ct_tcp_next(state, reply, p->tcp_flags);
	if (reply || state == DP_CT_REPLIED)
		return DP_CT_REPLIED;
	return DP_CT_UNREPLIED;
}

/* Opening packets are the only ones that may create a flow. */
static __always_inline int dp_ct_opens(const struct dp_pkt *p)
{
	switch (p->tuple.proto) {
	case IPPROTO_TCP:
		return (p->tcp_flags & (DP_TCP_SYN | DP_TCP_ACK | DP_TCP_RST)) == DP_TCP_SYN;
	case IPPROTO_UDP:
		return dp_has_l4(p);
	case IPPROTO_ICMP:
		return p->icmp_type == ICMP_ECHO;
	}
	return 0;
}

static __always_inline void dp_ct_key_of(struct dp_ct_key *k, const struct dp_pkt *p)
{
	__builtin_memset(k, 0, sizeof(*k));
	k->saddr = p->tuple.saddr;
	k->daddr = p->tuple.daddr;
	k->sport = p->tuple.sport;
	k->dport = p->tuple.dport;
	k->proto = p->tuple.proto;
}

/* The peer entry is keyed by the reverse of this entry's translated tuple. */
static __always_inline void dp_ct_peer_key(struct dp_ct_key *k, const struct dp_ct_val *v, __u8 proto)
{
	__builtin_memset(k, 0, sizeof(*k));
	k->saddr = v->nat_daddr;
	k->daddr = v->nat_saddr;
	k->sport = v->nat_dport;
	k->dport = v->nat_sport;
	k->proto = proto;
}

/* An entry's expiry is pushed to its peer when it moves into another epoch of
 * ~1.07 s (2^30 ns): a flow's two directions then lag each other by at most that. */
#define DP_CT_SYNC_SHIFT 30

/* Whether a packet's update of its own entry must reach the peer entry too:
 * the state or SEEN_REPLY changed, or the expiry moved into another epoch
 * (about once a second on a busy flow; at once after a pause, or when a UDP
 * flow's timeout grows from 30 s to 120 s). */
static __always_inline int dp_ct_sync_peer(__u8 old_state, __u8 state, __u8 old_flags, __u8 flags,
					   __u64 old_expires, __u64 expires)
{
	return old_state != state || old_flags != flags ||
	       (old_expires >> DP_CT_SYNC_SHIFT) != (expires >> DP_CT_SYNC_SHIFT);
}

/*
 * Account a packet of a known flow in its own direction's entry. The peer
 * entry is looked up and written only when dp_ct_sync_peer says so, so a busy
 * flow costs one lookup a packet and each direction's entry stays with the CPU
 * that handles that direction. Readers take the later expiry of the two (the
 * sweeper removes a flow when both expired). Races between CPUs may lose a
 * counter increment or a state step; never a translation (that is immutable
 * after creation).
 */
static __always_inline void dp_ct_touch(const struct dp_pkt *p, struct dp_ct_val *v)
{
	__u8 flags = v->flags | ((v->flags & DP_CT_F_REPLY) ? DP_CT_F_SEEN_REPLY : 0);
	__u8 state = dp_ct_next(p, v->state, v->flags & DP_CT_F_REPLY);
	__u64 now = bpf_ktime_get_ns();
	__u64 expires = now + dp_ct_timeout(p->tuple.proto,
					    dp_ct_timeout_state(p->tuple.proto, state, v->created_ms, now));
	int sync = dp_ct_sync_peer(v->state, state, v->flags, flags, v->expires_ns, expires);
	struct dp_ct_key pk;
	struct dp_ct_val *peer;

	v->packets++;
	v->bytes += p->len;
	v->last_seen_ns = now;
	v->expires_ns = expires;
	v->state = state;
	v->flags = flags;
	if (!sync)
		return;
	dp_ct_peer_key(&pk, v, p->tuple.proto);
	peer = bpf_map_lookup_elem(&dp_ct, &pk);
	if (peer) {
		peer->last_seen_ns = now;
		peer->expires_ns = expires;
		peer->state = state;
		peer->flags |= flags & DP_CT_F_SEEN_REPLY;
	}
}

static __always_inline __u8 dp_ct_initial_state(const struct dp_pkt *p)
{
	return p->tuple.proto == IPPROTO_TCP ? DP_CT_SYN_SENT : DP_CT_UNREPLIED;
}

#endif /* DP_CT_H */
