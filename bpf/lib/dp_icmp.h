/* SPDX-License-Identifier: (GPL-2.0-only OR MIT) */
/*
 * ICMP errors about translated flows (port unreachable from a container,
 * fragmentation needed from a router on a masqueraded path, ...) are
 * translated like a reply of the quoted packet's flow: the quoted packet
 * gets the tuple its sender used, the outer header goes to that sender.
 *
 * Checksums: both headers go through dp_rewrite. The quote with a
 * DP_W_QUOTE writer (every changed word mirrored into the ICMP checksum), the
 * outer header addresses only (ICMP has no pseudo-header).
 */
#ifndef DP_ICMP_H
#define DP_ICMP_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "dp_abi.h"
#include "dp_csum.h"
#include "dp_fwd.h"
#include "dp_maps.h"
#include "dp_parse.h"
#include "dp_stats.h"

/* Returns 0 when the error is not about one of our flows, else a verdict. */
static __always_inline int dp_icmp_error(struct __sk_buff *skb, const struct dp_pkt *p)
{
	struct dp_writer quote = { .skb = skb, .kind = DP_W_QUOTE,
				   .mirror_off = p->l4_off + DP_ICMP_CSUM_OFF };
	struct dp_writer outer = { .skb = skb, .kind = DP_W_SKB };
	struct dp_ct_key rk = {}, inner, out;
	struct dp_ct_val *v;

	/* The quoted packet's reply would match this entry. */
	rk.saddr = p->inner.daddr;
	rk.daddr = p->inner.saddr;
	rk.sport = p->inner.dport;
	rk.dport = p->inner.sport;
	rk.proto = p->inner.proto;
	v = bpf_map_lookup_elem(&dp_ct, &rk);
	if (!v)
		return 0;
	/* The quote gets the tuple its sender used: the reverse of the entry's. */
	inner = p->inner;
	inner.saddr = v->nat_daddr;
	inner.daddr = v->nat_saddr;
	inner.sport = v->nat_dport;
	inner.dport = v->nat_sport;
	/* An error from the quoted destination itself speaks for it; a router
	 * in between keeps its own address. */
	out = p->tuple;
	out.saddr = p->tuple.saddr == p->inner.daddr ? inner.daddr : p->tuple.saddr;
	out.daddr = inner.saddr;
	dp_count_mapping(v->mapping_id, p->len);

	if (dp_rewrite(&quote, p->inner_l3_off, p->inner_l4_off, 1, &p->inner, &inner) ||
	    dp_rewrite(&outer, p->l3_off, p->l4_off, 0, &p->tuple, &out))
		return DP_DROP_REWRITE;
	return dp_deliver(skb, p, out.saddr, out.daddr);
}

#endif /* DP_ICMP_H */
