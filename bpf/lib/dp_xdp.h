/* SPDX-License-Identifier: (GPL-2.0-only OR MIT) */
/*
 * XDP fast path on the uplink: packets of established flows whose
 * translation ends in a container (published-port flows, replies of
 * masqueraded flows) are rewritten here and XDP_REDIRECTed to the
 * container's host-side veth. Everything else (new flows, ICMP errors,
 * fragments, TTL <= 1, anything odd) is XDP_PASSed untouched to tc,
 * which owns the full logic.
 *
 * Redirecting into a veth needs the container-side peer to accept XDP
 * frames (an XDP program attached there, or GRO/NAPI enabled on it);
 * otherwise the kernel drops them.
 *
 * Only for uplinks whose frames carry complete L4 checksums (physical NICs).
 * A veth uplink whose peer uses checksum offload delivers CHECKSUM_PARTIAL
 * packets; XDP cannot see that, the redirected frame becomes CHECKSUM_NONE,
 * and the container drops it as corrupt (seen in the lab: TCP stalls; with
 * tx checksumming off on the peer it works). tc handles both cases.
 */
#ifndef DP_XDP_H
#define DP_XDP_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "dp_abi.h"
#include "dp_csum.h"
#include "dp_ct.h"
#include "dp_fwd.h"
#include "dp_maps.h"
#include "dp_parse.h"
#include "dp_policy.h"
#include "dp_stats.h"
#include "dp_xdp6.h"

/* The parser saw every field in the frame, so a failure means the frame
 * changed under us: drop it (it may be half rewritten). */
static __always_inline int dp_xdp_drop(const struct dp_pkt *p)
{
	dp_count_drop_dir(DP_DROP_REWRITE, DP_DIR_INGRESS, p->len);
	return XDP_DROP;
}

static __always_inline int dp_xdp_uplink_fast(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct dp_writer w = { .xdp = ctx, .kind = DP_W_XDP };
	struct dp_endpoint *ep;
	struct dp_ct_val *v;
	struct dp_ct_key k, to;
	struct dp_pkt p;
	int rc = dp_parse(data, data_end, &p);

	if (rc == DP_PARSE_NOT_IPV4)
		return dp6_xdp_uplink_fast(ctx); /* IPv6; other frames pass there */
	if (rc != DP_PARSE_OK || !p.has_ports || p.frag || p.ttl <= 1)
		return XDP_PASS;
	dp_ct_key_of(&k, &p);
	v = bpf_map_lookup_elem(&dp_ct, &k);
	if (!v)
		return XDP_PASS;
	ep = dp_endpoint_of(v->nat_daddr);
	if (!ep)
		return XDP_PASS;
	to = k;
	to.saddr = v->nat_saddr;
	to.daddr = v->nat_daddr;
	to.sport = v->nat_sport;
	to.dport = v->nat_dport;
	if (dp_rewrite(&w, p.l3_off, p.l4_off, 1, &k, &to) || dp_to_link(&w, &p, ep->mac, ep->gw_mac))
		return dp_xdp_drop(&p);
	dp_ct_touch(&p, v);
	dp_count_mapping(v->mapping_id, p.len);
	dp_count(&dp_fwd, DP_FWD_XDP, p.len);
	return bpf_redirect(ep->ifindex, 0);
}

#endif /* DP_XDP_H */
