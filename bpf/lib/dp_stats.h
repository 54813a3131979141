/* SPDX-License-Identifier: (GPL-2.0-only OR MIT) */
/* Per-CPU counters: per mapping id and per drop reason. */
#ifndef DP_STATS_H
#define DP_STATS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "dp_abi.h"
#include "dp_maps.h"

static __always_inline void dp_count(void *map, __u32 index, __u32 bytes)
{
	struct dp_counter *c = bpf_map_lookup_elem(map, &index);

	if (c) {
		c->packets++;
		c->bytes += bytes;
	}
}

static __always_inline void dp_count_mapping(__u32 mapping_id, __u32 bytes)
{
	if (mapping_id)
		dp_count(&dp_mapstats, mapping_id, bytes);
}

static __always_inline void dp_count_drop(int reason, __u32 bytes)
{
	if (reason > DP_DROP_BASE || reason < DP_DROP_LAST)
		reason = DP_DROP_UNKNOWN;
	dp_count(&dp_drops, DP_DROP_INDEX(reason), bytes);
}

/* A dropped packet by reason and direction (dp_drops by reason alone). */
static __always_inline void dp_count_drop_dir(int reason, __u32 dir, __u32 bytes)
{
	if (reason > DP_DROP_BASE || reason < DP_DROP_LAST)
		reason = DP_DROP_UNKNOWN;
	dp_count_drop(reason, bytes);
	dp_count(&dp_drop_dir, DP_DROP_INDEX(reason) * 2 + (dir & 1), bytes);
}

/* The path of a packet translated by a flow, from the entry's flags. */
static __always_inline __u32 dp_fwd_path_of(__u8 flags)
{
	if (flags & DP_CT_F_HAIRPIN)
		return DP_FWD_HAIRPIN;
	if (flags & DP_CT_F_DNAT)
		return (flags & DP_CT_F_REPLY) ? DP_FWD_DNAT_REPLY : DP_FWD_DNAT;
	return (flags & DP_CT_F_REPLY) ? DP_FWD_MASQ_REPLY : DP_FWD_MASQUERADE;
}

/* A packet a flow translated: per mapping and per path. */
static __always_inline void dp_count_flow(__u32 mapping_id, __u8 flags, __u32 bytes)
{
	dp_count_mapping(mapping_id, bytes);
	dp_count(&dp_fwd, dp_fwd_path_of(flags), bytes);
}

#endif /* DP_STATS_H */
