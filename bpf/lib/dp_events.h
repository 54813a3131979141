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

static __noinline int dp_event_emit(__u32 type, int reason, __u32 ifindex, __u32 prog,
				    const struct dp_pkt *p)
{
	struct dp_event_state *st;
	struct dp_event_ctl *ctl;
	struct dp_event *e;
	__u32 zero = 0;

	if (!p)
		return 0;
	ctl = bpf_map_lookup_elem(&dp_event_ctl, &zero);
	if (!ctl || !(ctl->mask & (1U << type)))
		return 0;
	st = bpf_map_lookup_elem(&dp_event_state, &zero);
	if (!st || !dp_event_take(ctl, st))
		return 0;
	e = bpf_ringbuf_reserve(&dp_events, sizeof(*e), 0);
	if (!e) {
		st->lost++;
		return 0;
	}
	e->ts_ns = bpf_ktime_get_ns();
	e->type = type;
	e->reason = reason;
	e->ifindex = ifindex;
	e->len = p->len;
	/* Ring buffer memory is not zeroed: every byte is written. */
	e->saddr[0] = p->tuple.saddr;
	e->saddr[1] = e->saddr[2] = e->saddr[3] = 0;
	e->daddr[0] = p->tuple.daddr;
	e->daddr[1] = e->daddr[2] = e->daddr[3] = 0;
	e->sport = p->tuple.sport;
	e->dport = p->tuple.dport;
	e->proto = p->tuple.proto;
	e->prog = prog;
	e->family = DP_AF_INET;
	e->pad = 0;
	bpf_ringbuf_submit(e, 0);
	st->emitted++;
	return 1;
}

#endif /* DP_EVENTS_H */
