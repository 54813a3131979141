/* SPDX-License-Identifier: (GPL-2.0-only OR MIT) */
/*
 * IPv6 translation: published ports (DNAT, source kept) and packets of known
 * flows, delivered as dp_fwd.h delivers IPv4 (bpf_redirect_peer into a
 * container, else the FIB), decrementing the hop limit (no header checksum).
 */
#ifndef DP_NAT6_H
#define DP_NAT6_H

#include <linux/bpf.h>
#include <linux/in.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include "dp_abi.h"
#include "dp_csum6.h"
#include "dp_ct6.h"
#include "dp_frag6.h"
#include "dp_fwd.h"
#include "dp_maps6.h"
#include "dp_parse6.h"
#include "dp_policy6.h"
#include "dp_stats.h"

static __always_inline int dp6_hop_dec(struct __sk_buff *skb, const struct dp_pkt6 *p)
{
	__u8 next = p->hop_limit - 1;

	return bpf_skb_store_bytes(skb, p->l3_off + DP_IP6_HOP_OFF, &next, sizeof(next), 0) ? -1 : 0;
}

static __always_inline int dp6_to_endpoint(struct __sk_buff *skb, const struct dp_pkt6 *p,
					   const struct dp_endpoint *ep)
{
	struct dp_writer w = { .skb = skb, .kind = DP_W_SKB };

	if (dp_set_macs(&w, ep->mac, ep->gw_mac) || dp6_hop_dec(skb, p))
		return DP_DROP_REWRITE;
	return bpf_redirect_peer(ep->ifindex, 0);
}

/* After translation to {saddr -> daddr}: a container, or wherever the FIB says. */
static __always_inline int dp6_deliver(struct __sk_buff *skb, const struct dp_pkt6 *p,
				       const __be32 *saddr, const __be32 *daddr)
{
	struct dp_writer w = { .skb = skb, .kind = DP_W_SKB };
	struct dp_endpoint *ep = dp6_endpoint_of(daddr);
	struct bpf_fib_lookup fib;
	int rc;

	if (ep)
		return dp6_to_endpoint(skb, p, ep);
	__builtin_memset(&fib, 0, sizeof(fib));
	fib.family = DP_AF_INET6;
	fib.l4_protocol = p->tuple.proto;
	dp6_copy(fib.ipv6_src, saddr);
	dp6_copy(fib.ipv6_dst, daddr);
	fib.ifindex = skb->ingress_ifindex ? skb->ingress_ifindex : skb->ifindex;
	rc = bpf_fib_lookup(skb, &fib, sizeof(fib), 0);
	if (rc == BPF_FIB_LKUP_RET_SUCCESS) {
		if (dp_set_macs(&w, fib.dmac, fib.smac) || dp6_hop_dec(skb, p))
			return DP_DROP_REWRITE;
		return bpf_redirect(fib.ifindex, 0);
	}
	if (rc == BPF_FIB_LKUP_RET_NO_NEIGH) {
		if (dp6_hop_dec(skb, p))
			return DP_DROP_REWRITE;
		return bpf_redirect_neigh(fib.ifindex, NULL, 0, 0);
	}
	return DP_DROP_FIB;
}

/* Translate a packet of a known flow (a later fragment: its addresses) and send it on. */
static __always_inline int dp6_nat_apply(struct __sk_buff *skb, const struct dp_pkt6 *p,
					 struct dp_ct6_val *v)
{
	dp_ct6_touch(p, v);
	dp_count_mapping(v->mapping_id, p->len);
	if (dp6_rewrite(skb, p, v->nat_saddr, v->nat_daddr, v->nat_sport, v->nat_dport))
		return DP_DROP_REWRITE;
	dp_frag6_remember(p);
	return dp6_deliver(skb, p, v->nat_saddr, v->nat_daddr);
}

/* New flow to a published port: destination -> the container, source kept. */
static __always_inline int dp6_dnat_new(struct __sk_buff *skb, const struct dp_pkt6 *p,
					const struct dp_portmap6_val *pm, __u8 flags)
{
	struct dp_endpoint *ep = dp6_endpoint_of(pm->ctr_addr);
	struct dp_ct6_val fwd = {};
	struct dp_ct6_val *v;
	int rc;

	if (!ep)
		return DP_DROP_NO_ENDPOINT;
	dp6_copy(fwd.nat_saddr, p->tuple.saddr);
	dp6_copy(fwd.nat_daddr, pm->ctr_addr);
	fwd.nat_sport = p->tuple.sport;
	fwd.nat_dport = pm->ctr_port;
	fwd.mapping_id = pm->mapping_id;
	fwd.flags = DP_CT_F_DNAT | flags;
	fwd.state = p->tuple.proto == IPPROTO_TCP ? DP_CT_SYN_SENT : DP_CT_UNREPLIED;
	fwd.last_seen_ns = bpf_ktime_get_ns();
	fwd.expires_ns = fwd.last_seen_ns + dp_ct6_timeout(p->tuple.proto, fwd.state);
	fwd.packets = 1;
	fwd.bytes = p->len;
	rc = dp_ct6_insert_pair(&p->tuple, &fwd);
	if (rc == -DP_EEXIST) {
		v = bpf_map_lookup_elem(&dp_ct6, &p->tuple);
		return v ? dp6_nat_apply(skb, p, v) : DP_DROP_UNKNOWN;
	}
	if (rc)
		return rc;
	dp_count_mapping(fwd.mapping_id, p->len);
	if (dp6_rewrite(skb, p, fwd.nat_saddr, fwd.nat_daddr, fwd.nat_sport, fwd.nat_dport))
		return DP_DROP_REWRITE;
	dp_frag6_remember(p);
	return dp6_to_endpoint(skb, p, ep);
}

#endif /* DP_NAT6_H */
