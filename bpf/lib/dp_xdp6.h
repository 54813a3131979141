/* SPDX-License-Identifier: (GPL-2.0-only OR MIT) */
/*
 * XDP fast path for IPv6, dp_xdp.h's rules: packets of established flows
 * whose translation ends in a container (published-port flows, replies of
 * masqueraded flows) are rewritten here (arithmetic, through dp_csum6.h's
 * writer helpers) and XDP_REDIRECTed to the container's host-side veth.
 * Only the plain shape is taken: no extension headers (so no fragments),
 * hop limit above 1, TCP, UDP or ICMPv6 echo; the rest passes to tc.
 */
#ifndef DP_XDP6_H
#define DP_XDP6_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "dp_abi.h"
#include "dp_csum.h"
#include "dp_csum6.h"
#include "dp_ct6.h"
#include "dp_fwd.h"
#include "dp_maps6.h"
#include "dp_parse6.h"
#include "dp_policy6.h"
#include "dp_stats.h"

/* The packet's tuple, as dp_parse6 reads it, by direct access: 0, or -1 (tc's). */
static __always_inline int dp6_xdp_parse(void *data, void *data_end, struct dp_pkt6 *p)
{
	struct ethhdr *eth = data;
	struct ipv6hdr *ip6 = (void *)(eth + 1);
	__u8 *l4 = (void *)(ip6 + 1);

	__builtin_memset(p, 0, sizeof(*p));
	if ((void *)(l4 + 8) > data_end || eth->h_proto != bpf_htons(ETH_P_IPV6) || ip6->version != 6)
		return -1;
	p->len = data_end - data;
	p->l3_off = ETH_HLEN;
	p->l4_off = ETH_HLEN + DP_IPV6_HLEN;
	p->payload_len = bpf_ntohs(ip6->payload_len);
	p->hop_limit = ip6->hop_limit;
	p->tuple.proto = ip6->nexthdr;
	if (p->hop_limit <= 1 || p->l4_off + p->payload_len > p->len)
		return -1;
	__builtin_memcpy(p->tuple.saddr, &ip6->saddr, 16);
	__builtin_memcpy(p->tuple.daddr, &ip6->daddr, 16);
	switch (p->tuple.proto) {
	case IPPROTO_TCP:
		if ((void *)(l4 + 20) > data_end || p->payload_len < 20)
			return -1;
		p->tcp_flags = l4[DP_TCP_FLAGS_OFF];
		break;
	case IPPROTO_UDP:
		if (p->payload_len < 8)
			return -1;
		break;
	case IPPROTO_ICMPV6:
		if (p->payload_len < 8)
			return -1;
		p->icmp_type = l4[0];
		if (l4[0] == ICMPV6_ECHO_REQUEST)
			__builtin_memcpy(&p->tuple.sport, &l4[4], 2);
		else if (l4[0] == ICMPV6_ECHO_REPLY)
			__builtin_memcpy(&p->tuple.dport, &l4[4], 2);
		else
			return -1;
		p->has_ports = 1;
		return 0;
	default:
		return -1;
	}
	__builtin_memcpy(&p->tuple.sport, &l4[0], 2);
	__builtin_memcpy(&p->tuple.dport, &l4[2], 2);
	p->has_ports = 1;
	return 0;
}

/* Its own BPF stack frame, as the tc programs' IPv6 path. */
static __noinline int dp6_xdp_uplink_fast(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct dp_writer w = { .xdp = ctx, .kind = DP_W_XDP };
	struct dp_endpoint *ep;
	struct dp_ct6_val *v;
	struct dp_ct6_key to;
	struct dp_pkt6 p;
	__u8 hop;

	if (dp6_xdp_parse(data, data_end, &p))
		return XDP_PASS;
	v = bpf_map_lookup_elem(&dp_ct6, &p.tuple);
	if (!v)
		return XDP_PASS;
	ep = dp6_endpoint_of(v->nat_daddr);
	if (!ep)
		return XDP_PASS;
	to = p.tuple;
	dp6_copy(to.saddr, v->nat_saddr);
	dp6_copy(to.daddr, v->nat_daddr);
	to.sport = v->nat_sport;
	to.dport = v->nat_dport;
	hop = p.hop_limit - 1;
	/* The parser saw every field: a failure means the frame changed under us. */
	if (dp6_w_rewrite(&w, p.l3_off, p.l4_off, &p.tuple, &to) || dp_set_macs(&w, ep->mac, ep->gw_mac) ||
	    dp_w_store(&w, p.l3_off + DP_IP6_HOP_OFF, &hop, sizeof(hop))) {
		dp_count_drop_dir(DP_DROP_REWRITE, DP_DIR_INGRESS, p.len);
		return XDP_DROP;
	}
	dp_ct6_touch(&p, v);
	dp_count_mapping(v->mapping_id, p.len);
	dp_count(&dp_fwd, DP_FWD_XDP, p.len);
	return bpf_redirect(ep->ifindex, 0);
}

#endif /* DP_XDP6_H */
