/* SPDX-License-Identifier: (GPL-2.0-only OR MIT) */
/*
 * Creating a flow's conntrack pair, and making room for it under pressure.
 * dp_ct is a HASH, never an LRU: an established flow is never evicted. When
 * it is full, a new flow may evict one that is not assured (nf_conntrack's
 * early_drop, dp_ct_can_early_drop), so forged openers (a SYN flood with bad
 * checksums or spoofed sources) cannot lock real clients out until their
 * entries expire. The candidates are the last flows created on this CPU
 * (dp_ct_recent), oldest first: a flood's own entries. When none is left, the
 * control plane's sweeper evicts under pressure (ConntrackPressure).
 */
#ifndef DP_CT_INSERT_H
#define DP_CT_INSERT_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "dp_abi.h"
#include "dp_ct.h"
#include "dp_maps.h"
#include "dp_stats.h"

#define DP_CT_EARLY_DROP_TRIES 8 /* candidates looked at per full-table insert */

/* Evict one flow that is not assured (both entries: a masqueraded one's port goes with its reply entry).
 * A global function: the verifier checks it once, not at every insert. */
__noinline int dp_ct_early_drop(void)
{
	__u32 zero = 0, i;
	__u64 now = bpf_ktime_get_ns();
	struct dp_ct_recent *r = bpf_map_lookup_elem(&dp_ct_recent, &zero);
	struct dp_ct_key *k;
	struct dp_ct_val *v;

	if (!r)
		return 0;
	for (i = 0; i < DP_CT_EARLY_DROP_TRIES; i++) {
		if (r->head == r->next)
			return 0; /* no candidate left */
		if (r->next - r->head > DP_CT_RECENT)
			r->head = r->next - DP_CT_RECENT; /* older ones were overwritten */
		k = &r->keys[r->head++ % DP_CT_RECENT];
		if (!k->proto)
			continue;
		v = bpf_map_lookup_elem(&dp_ct, k);
		if (!v || (v->flags & DP_CT_F_REPLY) ||
		    !dp_ct_can_early_drop(k->proto, v->state, v->created_ms, v->expires_ns, now))
			continue;
		dp_ct_peer_key(&r->scratch, v, k->proto);
		bpf_map_delete_elem(&dp_ct, &r->scratch);
		bpf_map_delete_elem(&dp_ct, k);
		__builtin_memset(k, 0, sizeof(*k));
		dp_count_drop(DP_DROP_CT_EARLY_DROP, 0);
		return 1;
	}
	return 0;
}

/* One entry with BPF_NOEXIST; a full table first gives up an unreplied flow. */
static __always_inline long dp_ct_add(const struct dp_ct_key *k, const struct dp_ct_val *v)
{
	long err = bpf_map_update_elem(&dp_ct, k, v, BPF_NOEXIST);

	if (err && err != -DP_EEXIST && dp_ct_early_drop())
		err = bpf_map_update_elem(&dp_ct, k, v, BPF_NOEXIST);
	return err;
}

/* Reply entry of a flow whose original entry is *fwd (keyed *orig). */
static __always_inline void dp_ct_make_reply(struct dp_ct_key *rk, struct dp_ct_val *rv,
					     const struct dp_ct_key *orig, const struct dp_ct_val *fwd)
{
	dp_ct_peer_key(rk, fwd, orig->proto);
	__builtin_memcpy(rv, fwd, sizeof(*rv));
	rv->packets = 0;
	rv->bytes = 0;
	rv->nat_saddr = orig->daddr;
	rv->nat_daddr = orig->saddr;
	rv->nat_sport = orig->dport;
	rv->nat_dport = orig->sport;
	rv->flags |= DP_CT_F_REPLY;
}

/*
 * Insert both entries of a new flow with BPF_NOEXIST; if the second fails,
 * remove the first (cilium's pattern), so a flow is either whole or absent.
 * Returns 0, -EEXIST when another CPU created the same flow first, or a drop
 * reason. The new flow joins the early-drop candidates.
 */
static __always_inline int dp_ct_insert_pair(const struct dp_ct_key *orig, const struct dp_ct_val *fwd)
{
	__u32 zero = 0;
	struct dp_ct_recent *r = bpf_map_lookup_elem(&dp_ct_recent, &zero);
	long err;

	if (!r)
		return DP_DROP_UNKNOWN;
	dp_ct_make_reply(&r->reply_key, &r->reply_val, orig, fwd);
	err = dp_ct_add(orig, fwd);
	if (err == -DP_EEXIST)
		return -DP_EEXIST;
	if (err)
		return DP_DROP_CT_FULL;
	err = dp_ct_add(&r->reply_key, &r->reply_val);
	if (err) {
		bpf_map_delete_elem(&dp_ct, orig);
		return err == -DP_EEXIST ? DP_DROP_CT_COLLISION : DP_DROP_CT_FULL;
	}
	__builtin_memcpy(&r->keys[r->next++ % DP_CT_RECENT], orig, sizeof(*orig));
	return 0;
}

#endif /* DP_CT_INSERT_H */
