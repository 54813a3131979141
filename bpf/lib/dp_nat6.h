/* SPDX-License-Identifier: (GPL-2.0-only OR MIT) */
/*
 * IPv6 translation: published ports (DNAT, source kept), masquerade (NAT66)
 * with ports allocated here, and packets of known flows, delivered as
 * dp_fwd.h delivers IPv4 (bpf_redirect_peer into a container, else the FIB),
 * decrementing the hop limit (no header checksum).
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
#include "dp_nat.h"
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

/* tot_len stays 0 so the kernel checks the MTU against the skb, as dp_fib. */
static __always_inline int dp6_fib(struct __sk_buff *skb, const struct dp_pkt6 *p, const __be32 *saddr,
				   const __be32 *daddr, struct bpf_fib_lookup *fib)
{
	__builtin_memset(fib, 0, sizeof(*fib));
	fib->family = DP_AF_INET6;
	fib->l4_protocol = p->tuple.proto;
	dp6_copy(fib->ipv6_src, saddr);
	dp6_copy(fib->ipv6_dst, daddr);
	fib->ifindex = skb->ingress_ifindex ? skb->ingress_ifindex : skb->ifindex;
	return bpf_fib_lookup(skb, fib, sizeof(*fib), 0);
}

static __always_inline int dp6_to_fib(struct __sk_buff *skb, const struct dp_pkt6 *p,
				      const struct bpf_fib_lookup *fib, int rc)
{
	struct dp_writer w = { .skb = skb, .kind = DP_W_SKB };

	if (rc == BPF_FIB_LKUP_RET_SUCCESS) {
		if (dp_set_macs(&w, fib->dmac, fib->smac) || dp6_hop_dec(skb, p))
			return DP_DROP_REWRITE;
		return bpf_redirect(fib->ifindex, 0);
	}
	if (rc == BPF_FIB_LKUP_RET_NO_NEIGH) {
		if (dp6_hop_dec(skb, p))
			return DP_DROP_REWRITE;
		return bpf_redirect_neigh(fib->ifindex, NULL, 0, 0);
	}
	if (rc == BPF_FIB_LKUP_RET_FWD_DISABLED)
		return DP_DROP_FORWARDING_OFF;
	return DP_DROP_FIB;
}

/* After translation to {saddr -> daddr}: a container, or wherever the FIB says. */
static __always_inline int dp6_deliver(struct __sk_buff *skb, const struct dp_pkt6 *p,
				       const __be32 *saddr, const __be32 *daddr)
{
	struct dp_endpoint *ep = dp6_endpoint_of(daddr);
	struct bpf_fib_lookup fib;
	int rc;

	if (ep)
		return dp6_to_endpoint(skb, p, ep);
	rc = dp6_fib(skb, p, saddr, daddr, &fib);
	return dp6_to_fib(skb, p, &fib, rc);
}

/* Translate a packet of a known flow (a later fragment: its addresses) and send it on. */
static __always_inline int dp6_nat_apply(struct __sk_buff *skb, const struct dp_pkt6 *p,
					 struct dp_ct6_val *v)
{
	dp_ct6_touch(p, v);
	dp_count_flow(v->mapping_id, v->flags, p->len);
	if (dp6_rewrite(skb, p, v->nat_saddr, v->nat_daddr, v->nat_sport, v->nat_dport))
		return DP_DROP_REWRITE;
	dp_frag6_remember(p);
	return dp6_deliver(skb, p, v->nat_saddr, v->nat_daddr);
}

/*
 * dp_port_has_socket for IPv6: a host socket would receive the replies of a
 * flow masqueraded to {nat_saddr, nat_sport} towards {nat_daddr, nat_dport}.
 * The tuple is built in per-CPU scratch (dp_veth6_in leaves 32 bytes of BPF
 * stack to the functions it calls); a global function, verified once.
 */
__noinline int dp6_port_has_socket(struct __sk_buff *skb, const struct dp_ct6_val *fwd, __u32 proto)
{
	struct dp_scratch6 *s = dp_scratch6_get();
	struct bpf_sock_tuple *t;

	if (!s || !fwd)
		return 0;
	dp6_copy(s->scratch.saddr, fwd->nat_daddr); /* as a reply arrives: from the remote end */
	dp6_copy(s->scratch.daddr, fwd->nat_saddr);
	s->scratch.sport = fwd->nat_dport;
	s->scratch.dport = fwd->nat_sport;
	t = (struct bpf_sock_tuple *)&s->scratch; /* dp_ct6_key begins as bpf_sock_tuple.ipv6 */
	return dp_tuple_has_socket(skb, t, sizeof(t->ipv6), proto);
}

/* dp_flow_claim for IPv6: source port (ICMPv6: echo id) port, when no host
 * socket would take its replies and its reply entry can be inserted. */
static __always_inline int dp6_flow_claim(struct __sk_buff *skb, const struct dp_pkt6 *p,
					  struct dp_ct6_val *fwd, __be16 port)
{
	fwd->nat_sport = port;
	if (dp6_port_has_socket(skb, fwd, p->tuple.proto))
		return DP_DROP_CT_COLLISION;
	return dp_ct6_insert_pair(&p->tuple, fwd);
}

/*
 * Insert a new flow whose translated tuple is *fwd. With alloc the source
 * port (ICMPv6: echo id) is chosen here as dp_flow_create chooses it: the
 * flow's own when free, else a random start in the masquerade range and
 * linear probing, a candidate being free when no host socket would take its
 * replies and the flow's reply entry can be inserted (see dp_ifaddr6).
 * Returns 0, -EEXIST (the flow appeared on another CPU meanwhile) or a drop
 * reason.
 */
static __always_inline int dp6_flow_create(struct __sk_buff *skb, const struct dp_pkt6 *p,
					   struct dp_ct6_val *fwd, int alloc)
{
	__u32 lo, n, start, i;
	int rc;

	fwd->state = p->tuple.proto == IPPROTO_TCP ? DP_CT_SYN_SENT : DP_CT_UNREPLIED;
	fwd->last_seen_ns = bpf_ktime_get_ns();
	fwd->created_ms = dp_ct_ms(fwd->last_seen_ns);
	fwd->expires_ns = fwd->last_seen_ns + dp_ct6_timeout(p->tuple.proto, fwd->state);
	fwd->packets = 1;
	fwd->bytes = p->len;
	if (!alloc)
		return dp_ct6_insert_pair(&p->tuple, fwd);

	rc = dp6_flow_claim(skb, p, fwd, p->tuple.sport);
	if (rc != DP_DROP_CT_COLLISION)
		return rc;
	dp_snat_range(&lo, &n);
	start = bpf_get_prandom_u32();
	for (i = 0; i < DP_SNAT_PROBES_MAX; i++) {
		if (i >= dp_snat_probes || i >= n)
			break;
		rc = dp6_flow_claim(skb, p, fwd, bpf_htons((__u16)(lo + (start + i) % n)));
		if (rc != DP_DROP_CT_COLLISION)
			return rc;
	}
	return DP_DROP_SNAT_EXHAUSTED;
}

/* Finish a new flow: 0 = first packet translated, deliver it now; anything
 * else is the final verdict (the flow another CPU created meanwhile was
 * joined and delivered, or a drop reason). */
static __always_inline int dp6_flow_start(struct __sk_buff *skb, const struct dp_pkt6 *p,
					  struct dp_ct6_val *fwd, int rc)
{
	struct dp_ct6_val *v;

	if (rc == -DP_EEXIST) {
		v = bpf_map_lookup_elem(&dp_ct6, &p->tuple);
		return v ? dp6_nat_apply(skb, p, v) : DP_DROP_UNKNOWN;
	}
	if (rc)
		return rc;
	dp_count_flow(fwd->mapping_id, fwd->flags, p->len);
	if (dp6_rewrite(skb, p, fwd->nat_saddr, fwd->nat_daddr, fwd->nat_sport, fwd->nat_dport))
		return DP_DROP_REWRITE;
	dp_frag6_remember(p);
	return 0;
}

/* New flow to a published port: destination -> the container, source kept;
 * with snat_addr also the source masqueraded to it (a container reaching its
 * own published port: without it the reply would stay inside the container). */
static __always_inline int dp6_dnat_new(struct __sk_buff *skb, const struct dp_pkt6 *p,
					const struct dp_portmap6_val *pm, const __be32 *snat_addr, __u8 flags)
{
	struct dp_endpoint *ep = dp6_endpoint_of(pm->ctr_addr);
	struct dp_ct6_val fwd = {};
	int rc;

	if (!ep)
		return DP_DROP_NO_ENDPOINT;
	dp6_copy(fwd.nat_saddr, snat_addr ? snat_addr : p->tuple.saddr);
	dp6_copy(fwd.nat_daddr, pm->ctr_addr);
	fwd.nat_sport = p->tuple.sport;
	fwd.nat_dport = pm->ctr_port;
	fwd.mapping_id = pm->mapping_id;
	fwd.flags = DP_CT_F_DNAT | flags | (snat_addr ? DP_CT_F_SNAT : 0);
	rc = dp6_flow_create(skb, p, &fwd, snat_addr != NULL);
	rc = dp6_flow_start(skb, p, &fwd, rc);
	if (rc)
		return rc;
	return dp6_to_endpoint(skb, p, ep);
}

/* Masquerade address for the egress device (ifindex 0: the fallback), or NULL. */
static __always_inline const __be32 *dp6_masq_addr(__u32 ifindex)
{
	struct dp_ifaddr_key k = { .ifindex = ifindex };
	struct dp_ifaddr6 *a = bpf_map_lookup_elem(&dp_ifaddr6, &k);

	if (!a) {
		k.ifindex = 0;
		a = bpf_map_lookup_elem(&dp_ifaddr6, &k);
	}
	return a && !dp6_is_zero(a->addr) ? a->addr : NULL;
}

/* New flow leaving the network (NAT66): source = the egress device's address. */
static __always_inline int dp6_masq_new(struct __sk_buff *skb, const struct dp_pkt6 *p)
{
	struct bpf_fib_lookup fib;
	struct dp_ct6_val fwd = {};
	const __be32 *masq;
	int fib_rc, rc;

	if (!p->has_ports)
		return DP_DROP_UNSUPPORTED;
	if (!dp_ct6_opens(p))
		return DP_DROP_NO_CONNTRACK;
	fib_rc = dp6_fib(skb, p, p->tuple.saddr, p->tuple.daddr, &fib);
	if (fib_rc == BPF_FIB_LKUP_RET_FWD_DISABLED)
		return DP_DROP_FORWARDING_OFF; /* the stack would drop it silently */
	if (!dp_fib_usable(fib_rc))
		return TC_ACT_OK; /* untranslated: the stack answers (unreachable, packet too big) */
	masq = dp6_masq_addr(fib.ifindex);
	if (!masq)
		return DP_DROP_NO_SNAT_ADDRESS;
	dp6_copy(fwd.nat_saddr, masq);
	dp6_copy(fwd.nat_daddr, p->tuple.daddr);
	fwd.nat_dport = p->tuple.dport;
	fwd.flags = DP_CT_F_SNAT;
	rc = dp6_flow_create(skb, p, &fwd, 1);
	rc = dp6_flow_start(skb, p, &fwd, rc);
	if (rc)
		return rc;
	return dp6_to_fib(skb, p, &fib, fib_rc);
}

#endif /* DP_NAT6_H */
