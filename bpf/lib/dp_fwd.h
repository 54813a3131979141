/* SPDX-License-Identifier: (GPL-2.0-only OR MIT) */
/*
 * Delivery of translated packets. Never TC_ACT_OK after a source rewrite to
 * a host address: the stack would drop it as a martian. Containers are
 * reached with bpf_redirect_peer, everything else with a FIB lookup and
 * bpf_redirect (MACs known) or bpf_redirect_neigh (neighbour unresolved).
 */
#ifndef DP_FWD_H
#define DP_FWD_H

#include <linux/pkt_cls.h>
#include "dp_csum.h"
#include "dp_policy.h"

#define DP_AF_INET 2

static __always_inline int dp_to_endpoint(struct __sk_buff *skb, const struct dp_pkt *p,
					  const struct dp_endpoint *ep)
{
	if (dp_set_macs(skb, ep->mac, ep->gw_mac) || dp_ttl_dec(skb, p))
		return DP_DROP_REWRITE;
	return bpf_redirect_peer(ep->ifindex, 0);
}

/* tot_len stays 0 so the kernel checks the MTU against the skb (GSO aware). */
static __always_inline int dp_fib(struct __sk_buff *skb, const struct dp_pkt *p, __be32 saddr,
				  __be32 daddr, struct bpf_fib_lookup *fib)
{
	__builtin_memset(fib, 0, sizeof(*fib));
	fib->family = DP_AF_INET;
	fib->l4_protocol = p->tuple.proto;
	fib->ipv4_src = saddr;
	fib->ipv4_dst = daddr;
	fib->ifindex = skb->ingress_ifindex ? skb->ingress_ifindex : skb->ifindex;
	return bpf_fib_lookup(skb, fib, sizeof(*fib), 0);
}

static __always_inline int dp_fib_usable(int rc)
{
	return rc == BPF_FIB_LKUP_RET_SUCCESS || rc == BPF_FIB_LKUP_RET_NO_NEIGH;
}

static __always_inline int dp_to_fib(struct __sk_buff *skb, const struct dp_pkt *p,
				     const struct bpf_fib_lookup *fib, int rc)
{
	if (rc == BPF_FIB_LKUP_RET_SUCCESS) {
		if (dp_set_macs(skb, fib->dmac, fib->smac) || dp_ttl_dec(skb, p))
			return DP_DROP_REWRITE;
		return bpf_redirect(fib->ifindex, 0);
	}
	if (rc == BPF_FIB_LKUP_RET_NO_NEIGH) {
		if (dp_ttl_dec(skb, p))
			return DP_DROP_REWRITE;
		return bpf_redirect_neigh(fib->ifindex, NULL, 0, 0);
	}
	return DP_DROP_FIB;
}

/* After translation to {saddr -> daddr}. */
static __always_inline int dp_deliver(struct __sk_buff *skb, const struct dp_pkt *p, __be32 saddr,
				      __be32 daddr)
{
	struct dp_endpoint *ep = dp_endpoint_of(daddr);
	struct bpf_fib_lookup fib;
	int rc;

	if (ep)
		return dp_to_endpoint(skb, p, ep);
	rc = dp_fib(skb, p, saddr, daddr, &fib);
	return dp_to_fib(skb, p, &fib, rc);
}

#endif /* DP_FWD_H */
