/* SPDX-License-Identifier: (GPL-2.0-only OR MIT) */
/*
 * Drop and trace events for `dataplane monitor`: one dp_event record in the
 * dp_events ring buffer, only for the types dp_event_ctl asks for (nobody
 * listening: one array lookup), and at most `rate` a second per CPU with
 * bursts of `burst` (a token bucket in dp_event_state), so a flood of drops
 * costs the host a bounded amount of work whatever the reader does. Events
 * over the rate and those a full ring buffer refuses are counted, not lost
 * silently.
 */
#ifndef DP_EVENTS_H
#define DP_EVENTS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "dp_abi.h"
#include "dp_maps.h"
#include "dp_parse.h"
#include "dp_parse6.h"

/* One token, refilled at ctl->rate a second up to ctl->burst. */
static __always_inline int dp_event_take(const struct dp_event_ctl *ctl, struct dp_event_state *st)
{
	__u64 rate = ctl->rate ? ctl->rate : DP_EVENTS_RATE_DEFAULT;
	__u64 burst = (ctl->burst ? ctl->burst : DP_EVENTS_BURST_DEFAULT) * 1000ULL;
	__u64 now = bpf_ktime_get_ns();
	__u64 elapsed = now - st->last_ns;

	/* Far behind (or first use): the bucket is full. 1000 tokens_milli a token. */
	if (!st->last_ns || elapsed >= 1000000000ULL * 1000)
		st->tokens_milli = burst;
	else
		st->tokens_milli += elapsed * rate / 1000000;
	if (st->tokens_milli > burst)
		st->tokens_milli = burst;
	st->last_ns = now;
	if (st->tokens_milli < 1000) {
		st->rate_limited++;
		return 0;
	}
	st->tokens_milli -= 1000;
	return 1;
}

/* Key 0 of the one-entry arrays, from .rodata: a key on the stack would cost
 * the emitters 8 of the 32 bytes of BPF stack dp_veth6_in leaves them. */
static const __u32 dp_key0 = 0;

/* Whether a reader asked for events of this type: an array lookup the
 * verifier inlines (every translated packet asks for DP_EVENT_TRACE). */
static __always_inline int dp_event_wanted(__u32 type)
{
	struct dp_event_ctl *ctl = bpf_map_lookup_elem(&dp_event_ctl, &dp_key0);

	return ctl && (ctl->mask & (1U << type));
}

/* A record for an event of this type with what every event says filled in, or
 * NULL: nobody asked for the type, the rate is spent, or the ring buffer is
 * full (counted). The caller adds the tuple, then dp_event_submit. */
static __always_inline struct dp_event *dp_event_reserve(__u32 type, int reason, __u32 ifindex, __u32 prog,
							 struct dp_event_state **state)
{
	struct dp_event_state *st;
	struct dp_event_ctl *ctl;
	struct dp_event *e;

	ctl = bpf_map_lookup_elem(&dp_event_ctl, &dp_key0);
	if (!ctl || !(ctl->mask & (1U << type)))
		return NULL;
	st = bpf_map_lookup_elem(&dp_event_state, &dp_key0);
	if (!st || !dp_event_take(ctl, st))
		return NULL;
	e = bpf_ringbuf_reserve(&dp_events, sizeof(*e), 0);
	if (!e) {
		st->lost++;
		return NULL;
	}
	*state = st;
	e->ts_ns = bpf_ktime_get_ns();
	e->type = type;
	e->reason = reason;
	e->ifindex = ifindex;
	e->prog = prog;
	e->pad = 0; /* ring buffer memory is not zeroed: every byte is written */
	return e;
}

static __always_inline int dp_event_submit(struct dp_event *e, struct dp_event_state *st, __u32 len,
					   __be16 sport, __be16 dport, __u8 proto, __u8 family)
{
	e->len = len;
	e->sport = sport;
	e->dport = dport;
	e->proto = proto;
	e->family = family;
	bpf_ringbuf_submit(e, 0);
	st->emitted++;
	return 1;
}

/* The record of an IPv4 packet's event (dp_event_emit calls it when asked for). */
static __noinline int dp_event_record(__u32 type, int reason, __u32 ifindex, __u32 prog,
				      const struct dp_pkt *p)
{
	struct dp_event_state *st = NULL;
	struct dp_event *e;

	if (!p || !(e = dp_event_reserve(type, reason, ifindex, prog, &st)) || !st)
		return 0;
	e->saddr[0] = p->tuple.saddr;
	e->saddr[1] = e->saddr[2] = e->saddr[3] = 0;
	e->daddr[0] = p->tuple.daddr;
	e->daddr[1] = e->daddr[2] = e->daddr[3] = 0;
	return dp_event_submit(e, st, p->len, p->tuple.sport, p->tuple.dport, p->tuple.proto, DP_AF_INET);
}

/* The same for an IPv6 packet: the record holds both families. */
static __noinline int dp_event_record6(__u32 type, int reason, __u32 ifindex, __u32 prog,
				       const struct dp_pkt6 *p)
{
	struct dp_event_state *st = NULL;
	struct dp_event *e;

	if (!p || !(e = dp_event_reserve(type, reason, ifindex, prog, &st)) || !st)
		return 0;
	__builtin_memcpy(e->saddr, p->tuple.saddr, sizeof(e->saddr));
	__builtin_memcpy(e->daddr, p->tuple.daddr, sizeof(e->daddr));
	return dp_event_submit(e, st, p->len, p->tuple.sport, p->tuple.dport, p->tuple.proto, DP_AF_INET6);
}

/* Report a packet's event when a reader asked for its type: the check is
 * inlined, so while nobody listens a packet pays no call. */
static __always_inline int dp_event_emit(__u32 type, int reason, __u32 ifindex, __u32 prog,
					 const struct dp_pkt *p)
{
	return dp_event_wanted(type) ? dp_event_record(type, reason, ifindex, prog, p) : 0;
}

static __always_inline int dp_event_emit6(__u32 type, int reason, __u32 ifindex, __u32 prog,
					  const struct dp_pkt6 *p)
{
	return dp_event_wanted(type) ? dp_event_record6(type, reason, ifindex, prog, p) : 0;
}

#endif /* DP_EVENTS_H */
