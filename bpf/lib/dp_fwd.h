/* SPDX-License-Identifier: (GPL-2.0-only OR MIT) */
/*
 * Delivery of translated packets. Never TC_ACT_OK after a source rewrite to
 * a host address: the stack would drop it as a martian. Containers are
 * reached with bpf_redirect_peer, everything else with a FIB lookup and
 * bpf_redirect (MACs known) or bpf_redirect_neigh (neighbour unresolved).
 * We forward without the IP stack, so we are the router: MACs and TTL are
 * ours to set (through a dp_csum.h writer, so tc and XDP share them).
 */
#ifndef DP_FWD_H
#define DP_FWD_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "dp_abi.h"
#include "dp_csum.h"
#include "dp_parse.h"
#include "dp_policy.h"

/* The TTL shares a 16-bit word with the protocol; the checksum sees that word. */
static __always_inline __u16 dp_ttl_word(__u8 ttl)
{
	return bpf_htons((__u16)ttl << 8);
}

static __always_inline int dp_ttl_dec(struct dp_writer *w, __u32 l3_off, __u8 ttl)
{
	__u8 next = ttl - 1;

	if (dp_w_csum(w, l3_off + DP_IP_CHECK_OFF, dp_ttl_word(ttl), dp_ttl_word(next), 2, DP_CS_L3))
		return -1;
	return dp_w_store(w, l3_off + DP_IP_TTL_OFF, &next, sizeof(next));
}

static __always_inline int dp_set_macs(struct dp_writer *w, const __u8 *dst, const __u8 *src)
{
	__u8 macs[2 * ETH_ALEN];

	__builtin_memcpy(macs, dst, ETH_ALEN);
	__builtin_memcpy(macs + ETH_ALEN, src, ETH_ALEN);
	return dp_w_store(w, offsetof(struct ethhdr, h_dest), macs, sizeof(macs));
}

/* Last hop inside the host: MACs of the container and its gateway, TTL. */
static __always_inline int dp_to_link(struct dp_writer *w, const struct dp_pkt *p, const __u8 *dst,
				      const __u8 *src)
{
	return dp_set_macs(w, dst, src) || dp_ttl_dec(w, p->l3_off, p->ttl) ? -1 : 0;
}

static __always_inline int dp_to_endpoint(struct __sk_buff *skb, const struct dp_pkt *p,
					  const struct dp_endpoint *ep)
{
	struct dp_writer w = { .skb = skb, .kind = DP_W_SKB };

	if (dp_to_link(&w, p, ep->mac, ep->gw_mac))
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
	struct dp_writer w = { .skb = skb, .kind = DP_W_SKB };

	if (rc == BPF_FIB_LKUP_RET_SUCCESS) {
		if (dp_to_link(&w, p, fib->dmac, fib->smac))
			return DP_DROP_REWRITE;
		return bpf_redirect(fib->ifindex, 0);
	}
	if (rc == BPF_FIB_LKUP_RET_NO_NEIGH) {
		if (dp_ttl_dec(&w, p->l3_off, p->ttl))
			return DP_DROP_REWRITE;
		return bpf_redirect_neigh(fib->ifindex, NULL, 0, 0);
	}
	/* The kernel would not route it either (Docker warns at run time: see ForwardingWarning). */
	if (rc == BPF_FIB_LKUP_RET_FWD_DISABLED)
		return DP_DROP_FORWARDING_OFF;
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
