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

#include <linux/if_ether.h>
#include "dp_ct.h"
#include "dp_csum_xdp.h"
#include "dp_policy.h"
#include "dp_stats.h"

#define DP_MAX_L4_OFF (ETH_HLEN + 60)

/* Rewrite in place; returns 0, or -1 when the headers are not where the parser saw them. */
static __always_inline int dp_xdp_rewrite(void *data, void *data_end, const struct dp_pkt *p,
					  const struct dp_ct_val *v, const struct dp_endpoint *ep)
{
	struct ethhdr *eth = data;
	struct iphdr *ip = data + ETH_HLEN;
	__u32 l4_off = p->l4_off;
	__sum16 *l4csum = NULL;
	__be16 *sport = NULL, *dport = NULL;
	__u8 *l4;

	if ((void *)(ip + 1) > data_end || l4_off > DP_MAX_L4_OFF)
		return -1;
	l4 = data + l4_off;
	if ((void *)(l4 + 8) > data_end)
		return -1;

	switch (p->tuple.proto) {
	case IPPROTO_TCP:
		if ((void *)(l4 + 20) > data_end)
			return -1;
		l4csum = (__sum16 *)(l4 + 16);
		sport = (__be16 *)l4;
		dport = (__be16 *)(l4 + 2);
		break;
	case IPPROTO_UDP:
		if (*(__sum16 *)(l4 + 6))
			l4csum = (__sum16 *)(l4 + 6); /* 0 = no checksum: stays 0 */
		sport = (__be16 *)l4;
		dport = (__be16 *)(l4 + 2);
		break;
	case IPPROTO_ICMP:
		/* Echo id: "sport" of requests, "dport" of replies; no pseudo-header. */
		if (p->icmp_type == ICMP_ECHO)
			sport = (__be16 *)(l4 + 4);
		else
			dport = (__be16 *)(l4 + 4);
		if (sport && *sport != v->nat_sport)
			dp_csum_update16((__sum16 *)(l4 + 2), *sport, v->nat_sport);
		if (dport && *dport != v->nat_dport)
			dp_csum_update16((__sum16 *)(l4 + 2), *dport, v->nat_dport);
		break;
	default:
		return -1;
	}

	if (l4csum) {
		dp_csum_update32(l4csum, ip->saddr, v->nat_saddr);
		dp_csum_update32(l4csum, ip->daddr, v->nat_daddr);
		if (sport)
			dp_csum_update16(l4csum, *sport, v->nat_sport);
		if (dport)
			dp_csum_update16(l4csum, *dport, v->nat_dport);
		if (p->tuple.proto == IPPROTO_UDP && !*l4csum)
			*l4csum = (__sum16)0xffff;
	}
	if (sport)
		*sport = v->nat_sport;
	if (dport)
		*dport = v->nat_dport;

	dp_csum_update32(&ip->check, ip->saddr, v->nat_saddr);
	dp_csum_update32(&ip->check, ip->daddr, v->nat_daddr);
	ip->saddr = v->nat_saddr;
	ip->daddr = v->nat_daddr;
	/* We are the router: TTL shares a 16-bit word with the protocol. */
	dp_csum_update16(&ip->check, bpf_htons((__u16)ip->ttl << 8), bpf_htons((__u16)(ip->ttl - 1) << 8));
	ip->ttl--;

	__builtin_memcpy(eth->h_dest, ep->mac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, ep->gw_mac, ETH_ALEN);
	return 0;
}

static __always_inline int dp_xdp_uplink_fast(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct dp_endpoint *ep;
	struct dp_ct_val *v;
	struct dp_ct_key k;
	struct dp_pkt p;

	if (dp_parse(data, data_end, &p) != DP_PARSE_OK || !p.has_ports || p.frag || p.ttl <= 1)
		return XDP_PASS;
	dp_ct_key_of(&k, &p);
	v = bpf_map_lookup_elem(&dp_ct, &k);
	if (!v)
		return XDP_PASS;
	ep = dp_endpoint_of(v->nat_daddr);
	if (!ep)
		return XDP_PASS;
	if (dp_xdp_rewrite(data, data_end, &p, v, ep))
		return XDP_PASS;
	dp_ct_touch(&p, v);
	dp_count_mapping(v->mapping_id, p.len);
	return bpf_redirect(ep->ifindex, 0);
}

#endif /* DP_XDP_H */
