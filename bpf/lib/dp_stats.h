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

#endif /* DP_STATS_H */
