/* SPDX-License-Identifier: (GPL-2.0-only OR MIT) */
/*
 * Flow creation and translation: DNAT of published ports, masquerade with
 * source ports claimed here, and applying a flow's translation to a packet.
 */
#ifndef DP_NAT_H
#define DP_NAT_H

#include <linux/bpf.h>
#include <linux/in.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "dp_abi.h"
#include "dp_csum.h"
#include "dp_ct.h"
#include "dp_ct_insert.h"
#include "dp_frag.h"
#include "dp_fwd.h"
#include "dp_maps.h"
#include "dp_parse.h"
#include "dp_policy.h"
#include "dp_stats.h"

/* Translate a packet of a known flow (a later fragment: its L3 header) and send it on. */
static __always_inline int dp_nat_apply(struct __sk_buff *skb, const struct dp_pkt *p,
					struct dp_ct_val *v)
{
	__be32 saddr = v->nat_saddr, daddr = v->nat_daddr;
	__be16 sport = v->nat_sport, dport = v->nat_dport;

	dp_ct_touch(p, v);
	dp_count_flow(v->mapping_id, v->flags, p->len);
	if (dp_rewrite_tuple(skb, p, saddr, daddr, sport, dport))
		return DP_DROP_REWRITE;
	dp_frag_remember(p);
	return dp_deliver(skb, p, saddr, daddr);
}

static __always_inline void dp_snat_range(__u32 *lo, __u32 *n)
{
	struct dp_config *cfg = dp_cfg();
	__u32 min = cfg ? cfg->snat_port_min : 0;
	__u32 max = cfg ? cfg->snat_port_max : 0;

	if (!min && !max) {
		min = DP_SNAT_PORT_MIN_DEFAULT;
		max = DP_SNAT_PORT_MAX_DEFAULT;
	}
	*lo = min;
	*n = (min && max >= min) ? max - min + 1 : 0; /* 0: bad range, nothing to allocate */
}

/*
 * A host socket would receive the replies of a flow masqueraded to
 * {laddr, lport} towards {raddr, rport} (a connected or listening one, a
 * TIME_WAIT one): that port is not ours to take. nf_conntrack sees the host's
 * own flows; we see its sockets. A global function: verified once, not at
 * every probe.
 */
static __always_inline int dp_tuple_has_socket(struct __sk_buff *skb, struct bpf_sock_tuple *t, __u32 size, __u32 proto)
{
	struct bpf_sock *sk;

	if (proto == IPPROTO_TCP)
		sk = bpf_skc_lookup_tcp(skb, t, size, BPF_F_CURRENT_NETNS, 0);
	else if (proto == IPPROTO_UDP)
		sk = bpf_sk_lookup_udp(skb, t, size, BPF_F_CURRENT_NETNS, 0);
	else
		return 0;
	if (!sk)
		return 0;
	bpf_sk_release(sk);
	return 1;
}

__noinline int dp_port_has_socket(struct __sk_buff *skb, __be32 raddr, __be32 laddr, __u32 ports, __u32 proto)
{
	struct bpf_sock_tuple t = {};

	t.ipv4.saddr = raddr;
	t.ipv4.daddr = laddr;
	t.ipv4.sport = (__be16)(ports >> 16);
	t.ipv4.dport = (__be16)ports;
	return dp_tuple_has_socket(skb, &t, sizeof(t.ipv4), proto);
}

/* Claim source port (ICMP: echo id) port for a flow: free when no host socket
 * would take its replies and its reply entry can be inserted. Returns 0,
 * -EEXIST, DP_DROP_CT_COLLISION (taken: try another) or a drop reason. */
static __always_inline int dp_flow_claim(struct __sk_buff *skb, const struct dp_ct_key *orig,
					 struct dp_ct_val *fwd, __be16 port)
{
	fwd->nat_sport = port;
	if (dp_port_has_socket(skb, fwd->nat_daddr, fwd->nat_saddr,
			       (__u32)fwd->nat_dport << 16 | port, orig->proto))
		return DP_DROP_CT_COLLISION;
	return dp_ct_insert_pair(orig, fwd);
}

/*
 * Insert a new flow. *fwd holds the translated tuple; with alloc the source
 * port (ICMP: echo id) is chosen here as Linux chooses it: the flow's own when
 * free, else the masquerade range from a random start, a bounded number of
 * probes. A port is free when the flow's reply tuple is (nf_nat's tuple
 * uniqueness): the reply entry, inserted with BPF_NOEXIST, is the claim, so a
 * port is reused towards other remote ends. Returns 0, -EEXIST (the flow
 * appeared on another CPU meanwhile) or a drop reason.
 */
static __always_inline int dp_flow_create(struct __sk_buff *skb, const struct dp_pkt *p,
					  const struct dp_ct_key *orig, struct dp_ct_val *fwd, int alloc)
{
	__u32 lo, n, start, i;
	int rc;

	fwd->state = dp_ct_initial_state(p);
	fwd->last_seen_ns = bpf_ktime_get_ns();
	fwd->created_ms = dp_ct_ms(fwd->last_seen_ns);
	fwd->expires_ns = fwd->last_seen_ns + dp_ct_timeout(p->tuple.proto, fwd->state);
	fwd->packets = 1;
	fwd->bytes = p->len;
	if (!alloc)
		return dp_ct_insert_pair(orig, fwd);

	rc = dp_flow_claim(skb, orig, fwd, orig->sport);
	if (rc != DP_DROP_CT_COLLISION)
		return rc;
	dp_snat_range(&lo, &n);
	start = bpf_get_prandom_u32();
	for (i = 0; i < DP_SNAT_PROBES_MAX; i++) {
		if (i >= dp_snat_probes || i >= n)
			break;
		rc = dp_flow_claim(skb, orig, fwd, bpf_htons((__u16)(lo + (start + i) % n)));
		if (rc != DP_DROP_CT_COLLISION)
			return rc;
	}
	return DP_DROP_SNAT_EXHAUSTED;
}

/* Finish a new flow: 0 = first packet translated, deliver it now; anything
 * else is the final verdict (the flow another CPU created meanwhile was
 * joined and delivered, or a drop reason). */
static __always_inline int dp_flow_start(struct __sk_buff *skb, const struct dp_pkt *p,
					 const struct dp_ct_key *k, struct dp_ct_val *fwd, int rc)
{
	struct dp_ct_val *v;

	if (rc == -DP_EEXIST) {
		v = bpf_map_lookup_elem(&dp_ct, k);
		return v ? dp_nat_apply(skb, p, v) : DP_DROP_UNKNOWN;
	}
	if (rc)
		return rc;
	dp_count_flow(fwd->mapping_id, fwd->flags, p->len);
	if (dp_rewrite_tuple(skb, p, fwd->nat_saddr, fwd->nat_daddr, fwd->nat_sport, fwd->nat_dport))
		return DP_DROP_REWRITE;
	dp_frag_remember(p);
	return 0;
}

/*
 * New flow to a published port. snat_addr != 0 also masquerades the source
 * (a container reaching its own published port: without it the reply would
 * stay inside the container).
 */
static __always_inline int dp_dnat_new(struct __sk_buff *skb, const struct dp_pkt *p,
				       const struct dp_ct_key *k, const struct dp_portmap_val *pm,
				       __be32 snat_addr, __u8 flags)
{
	struct dp_endpoint *ep = dp_endpoint_of(pm->ctr_addr);
	struct dp_ct_val fwd = {};
	int rc;

	if (!ep)
		return DP_DROP_NO_ENDPOINT;
	fwd.nat_saddr = snat_addr ? snat_addr : k->saddr;
	fwd.nat_sport = k->sport;
	fwd.nat_daddr = pm->ctr_addr;
	fwd.nat_dport = pm->ctr_port;
	fwd.mapping_id = pm->mapping_id;
	fwd.flags = DP_CT_F_DNAT | flags | (snat_addr ? DP_CT_F_SNAT : 0);
	rc = dp_flow_create(skb, p, k, &fwd, snat_addr != 0);
	rc = dp_flow_start(skb, p, k, &fwd, rc);
	if (rc)
		return rc;
	return dp_to_endpoint(skb, p, ep);
}

/* Masquerade address for the egress device; ifindex 0 is the fallback. */
static __always_inline __be32 dp_masq_addr(__u32 ifindex)
{
	struct dp_ifaddr_key k = { .ifindex = ifindex };
	struct dp_ifaddr *a = bpf_map_lookup_elem(&dp_ifaddr, &k);

	if (!a) {
		k.ifindex = 0;
		a = bpf_map_lookup_elem(&dp_ifaddr, &k);
	}
	return a ? a->addr : 0;
}

/* New flow leaving the network: source = host address of the egress route. */
static __always_inline int dp_masq_new(struct __sk_buff *skb, const struct dp_pkt *p,
				       const struct dp_ct_key *k)
{
	struct bpf_fib_lookup fib;
	struct dp_ct_val fwd = {};
	int fib_rc, rc;

	if (!p->has_ports)
		return DP_DROP_UNSUPPORTED;
	if (!dp_ct_opens(p))
		return DP_DROP_NO_CONNTRACK;
	fib_rc = dp_fib(skb, p, k->saddr, k->daddr, &fib);
	if (fib_rc == BPF_FIB_LKUP_RET_FWD_DISABLED)
		return DP_DROP_FORWARDING_OFF; /* the stack would drop it silently */
	if (!dp_fib_usable(fib_rc))
		return TC_ACT_OK; /* untranslated: the stack answers (unreachable, frag needed) */
	fwd.nat_saddr = dp_masq_addr(fib.ifindex);
	if (!fwd.nat_saddr)
		return DP_DROP_NO_SNAT_ADDRESS;
	fwd.nat_daddr = k->daddr;
	fwd.nat_dport = k->dport;
	fwd.flags = DP_CT_F_SNAT;
	rc = dp_flow_create(skb, p, k, &fwd, 1);
	rc = dp_flow_start(skb, p, k, &fwd, rc);
	if (rc)
		return rc;
	return dp_to_fib(skb, p, &fib, fib_rc);
}

#endif /* DP_NAT_H */
