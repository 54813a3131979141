/* SPDX-License-Identifier: (GPL-2.0-only OR MIT) */
/* tc ingress on the host side of a container's veth, IPv6: traffic leaving a container. */
#ifndef DP_VETH6_H
#define DP_VETH6_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/pkt_cls.h>
#include "dp_abi.h"
#include "dp_ct6.h"
#include "dp_icmp6.h"
#include "dp_maps6.h"
#include "dp_nat6.h"
#include "dp_parse6.h"
#include "dp_policy6.h"
#include "dp_spoof.h"

/* The endpoint that sent this frame from saddr, or NULL (spoofed): dp_sender's rules. */
static __always_inline struct dp_endpoint *dp6_veth_sender(struct __sk_buff *skb, const __be32 *saddr)
{
	void *data = (void *)(long)skb->data;
	struct ethhdr *eth = data;
	struct dp_endpoint *ep;

	if ((void *)(eth + 1) > (void *)(long)skb->data_end)
		return NULL;
	ep = dp6_endpoint_of(saddr);
	if (!ep || ep->ifindex != skb->ingress_ifindex || !dp_mac_eq(eth->h_source, ep->mac))
		return NULL;
	return ep;
}

/* Container -> published port of the host (its own or another container's). */
static __always_inline int dp6_veth_hairpin(struct __sk_buff *skb, const struct dp_pkt6 *p,
					    const struct dp_network6 *src_net, int *verdict)
{
	struct dp_portmap6_val *pm;

	if (p->tuple.proto == IPPROTO_ICMPV6 || !dp_ct6_opens(p))
		return 0;
	pm = dp6_portmap_find(p->tuple.daddr, p->tuple.proto, p->tuple.dport, 0);
	if (!pm)
		return 0;
	*verdict = dp6_dnat_new(skb, p, pm, dp6_eq(pm->ctr_addr, p->tuple.saddr) ? src_net->gateway : NULL,
				DP_CT_F_HAIRPIN);
	return 1;
}

static __always_inline int dp6_veth(struct __sk_buff *skb, const struct dp_pkt6 *p)
{
	const __be32 *saddr = p->tuple.saddr, *daddr = p->tuple.daddr;
	struct dp_network6 *src_net, *dst_net;
	struct dp_ct6_val *v;
	int verdict;

	/* Neighbour discovery, router solicitation, and what a link-local or
	 * unspecified source sends (DAD, MLD): stays on the link, the stack's. */
	if (dp6_is_ndisc(p) || dp6_is_linklocal(saddr) || dp6_is_zero(saddr))
		return TC_ACT_OK;
	if (!dp6_veth_sender(skb, saddr))
		return DP_DROP_SPOOFED;
	if (dp6_is_icmp_error(p) && p->hop_limit > 1) {
		verdict = dp6_icmp_error(skb, p);
		if (verdict)
			return verdict;
	}
	if (p->has_ports && p->hop_limit > 1) {
		v = bpf_map_lookup_elem(&dp_ct6, &p->tuple);
		if (v)
			return dp6_nat_apply(skb, p, v);
	}
	src_net = dp6_network_of(saddr);
	if (!src_net)
		return DP_DROP_UNKNOWN; /* an endpoint outside every network */
	if (dp6_is_multi(daddr) || dp6_is_linklocal(daddr))
		return TC_ACT_OK;
	if (p->has_ports && p->hop_limit > 1 && dp6_veth_hairpin(skb, p, src_net, &verdict))
		return verdict;
	if (dp6_is_host_addr(daddr))
		return TC_ACT_OK; /* gateway and other host addresses: the host's business */
	dst_net = dp6_network_of(daddr);
	if (dst_net) {
		if (dst_net->network_id != src_net->network_id)
			return DP_DROP_INTER_NETWORK;
		return (src_net->flags & DP_NET_F_ICC) ? TC_ACT_OK : DP_DROP_ICC;
	}
	if (src_net->flags & DP_NET_F_INTERNAL)
		return DP_DROP_INTERNAL_NETWORK;
	if (!(src_net->flags & DP_NET_F_MASQUERADE))
		return TC_ACT_OK; /* routed with the container's address */
	if (p->frag == DP_FRAG_LATER) /* would leave with the container's address */
		return p->has_ports ? DP_DROP_FRAGMENT : DP_DROP_FRAG_NO_STATE;
	if (p->hop_limit <= 1)
		return TC_ACT_OK; /* the stack sends time exceeded */
	return dp6_masq_new(skb, p);
}

#endif /* DP_VETH6_H */
