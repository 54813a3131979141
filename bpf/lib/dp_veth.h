/* SPDX-License-Identifier: (GPL-2.0-only OR MIT) */
/* tc ingress on the host side of a container's veth: traffic leaving a container. */
#ifndef DP_VETH_H
#define DP_VETH_H

#include <linux/bpf.h>
#include <linux/in.h>
#include <linux/pkt_cls.h>
#include "dp_abi.h"
#include "dp_ct.h"
#include "dp_icmp.h"
#include "dp_maps.h"
#include "dp_nat.h"
#include "dp_parse.h"
#include "dp_policy.h"
#include "dp_spoof.h"

/* Container -> published port of the host (its own or another container's). */
static __always_inline int dp_veth_hairpin(struct __sk_buff *skb, const struct dp_pkt *p,
					   const struct dp_ct_key *k, const struct dp_network *src_net,
					   int *verdict)
{
	struct dp_portmap_val *pm;
	__be32 snat = 0;

	if (p->tuple.proto == IPPROTO_ICMP || !dp_ct_opens(p))
		return 0;
	pm = dp_portmap_find(k->daddr, k->proto, k->dport, 0);
	if (!pm)
		return 0;
	if (pm->ctr_addr == k->saddr)
		snat = src_net->gateway;
	*verdict = dp_dnat_new(skb, p, k, pm, snat, DP_CT_F_HAIRPIN);
	return 1;
}

static __always_inline int dp_veth(struct __sk_buff *skb, const struct dp_pkt *p)
{
	struct dp_network *src_net, *dst_net;
	struct dp_ct_val *v;
	struct dp_ct_key k;
	int verdict;

	if (!dp_veth_sender(skb, p->tuple.saddr))
		return DP_DROP_SPOOFED;
	if (p->icmp_err && p->ttl > 1) {
		verdict = dp_icmp_error(skb, p);
		if (verdict)
			return verdict;
	}
	dp_ct_key_of(&k, p);
	if (p->has_ports && p->ttl > 1) {
		v = bpf_map_lookup_elem(&dp_ct, &k);
		if (v)
			return dp_nat_apply(skb, p, v);
	}
	/* Policy for every packet: the sender is a known endpoint (above). */
	src_net = dp_network_of(k.saddr);
	if (!src_net)
		return DP_DROP_UNKNOWN; /* an endpoint outside every network */
	if (dp_is_multi(k.daddr))
		return TC_ACT_OK;
	if (p->has_ports && p->ttl > 1 && dp_veth_hairpin(skb, p, &k, src_net, &verdict))
		return verdict;

	dst_net = dp_network_of(k.daddr);
	if (dp_is_host_addr(k.daddr))
		return TC_ACT_OK; /* gateway and other host addresses: the host's business */
	if (dst_net) {
		if (dst_net->network_id != src_net->network_id)
			return DP_DROP_INTER_NETWORK;
		return (src_net->flags & DP_NET_F_ICC) ? TC_ACT_OK : DP_DROP_ICC;
	}
	if (src_net->flags & DP_NET_F_INTERNAL)
		return DP_DROP_INTERNAL_NETWORK;
	if (!(src_net->flags & DP_NET_F_MASQUERADE))
		return TC_ACT_OK;
	if (p->frag == DP_FRAG_LATER) /* would leave with the container's address */
		return p->has_ports ? DP_DROP_FRAGMENT : DP_DROP_FRAG_NO_STATE;
	if (p->ttl <= 1)
		return TC_ACT_OK; /* the stack sends time exceeded */
	return dp_masq_new(skb, p, &k);
}

#endif /* DP_VETH_H */
