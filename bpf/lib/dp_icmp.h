/* SPDX-License-Identifier: (GPL-2.0-only OR MIT) */
/*
 * ICMP errors about translated flows (port unreachable from a container,
 * fragmentation needed from a router on a masqueraded path, ...) are
 * translated like a reply of the quoted packet's flow: the quoted packet
 * gets the tuple its sender used, the outer header goes to that sender.
 *
 * Checksums: the quoted IPv4 header keeps a valid checksum (l3_csum_replace
 * on it), so it sums to the same value and the ICMP checksum only needs the
 * quoted ports. The quoted L4 checksum is left alone (the quote is
 * truncated; nobody verifies it).
 */
#ifndef DP_ICMP_H
#define DP_ICMP_H

#include "dp_nat.h"

static __always_inline int dp_icmp_inner_addr(struct __sk_buff *skb, const struct dp_pkt *p,
					      __u32 field, __be32 old, __be32 new)
{
	if (old == new)
		return 0;
	if (bpf_l3_csum_replace(skb, p->inner_l3_off + DP_IP_CHECK_OFF, old, new, sizeof(new)))
		return -1;
	return bpf_skb_store_bytes(skb, p->inner_l3_off + field, &new, sizeof(new), 0);
}

static __always_inline int dp_icmp_inner_port(struct __sk_buff *skb, const struct dp_pkt *p,
					      __u32 field, __be16 old, __be16 new)
{
	if (old == new)
		return 0;
	if (bpf_l4_csum_replace(skb, p->l4_off + 2, old, new, sizeof(new)))
		return -1;
	return bpf_skb_store_bytes(skb, p->inner_l4_off + field, &new, sizeof(new), 0);
}

/* Returns 0 when the error is not about one of our flows, else a verdict. */
static __always_inline int dp_icmp_error(struct __sk_buff *skb, const struct dp_pkt *p)
{
	struct dp_ct_key rk = {};
	struct dp_ct_val *v;
	__be32 isrc, idst, osrc;
	__be16 isport, idport;
	int bad;

	/* The quoted packet's reply would match this entry. */
	rk.saddr = p->inner.daddr;
	rk.daddr = p->inner.saddr;
	rk.sport = p->inner.dport;
	rk.dport = p->inner.sport;
	rk.proto = p->inner.proto;
	v = bpf_map_lookup_elem(&dp_ct, &rk);
	if (!v)
		return 0;
	isrc = v->nat_daddr;
	idst = v->nat_saddr;
	isport = v->nat_dport;
	idport = v->nat_sport;
	/* An error from the quoted destination itself speaks for it; a router
	 * in between keeps its own address. */
	osrc = p->tuple.saddr == p->inner.daddr ? idst : p->tuple.saddr;
	dp_count_mapping(v->mapping_id, p->len);

	bad = dp_icmp_inner_addr(skb, p, DP_IP_SADDR_OFF, p->inner.saddr, isrc) ||
	      dp_icmp_inner_addr(skb, p, DP_IP_DADDR_OFF, p->inner.daddr, idst);
	if (!bad && p->inner.proto == IPPROTO_ICMP)
		bad = p->inner.sport ? dp_icmp_inner_port(skb, p, 4, p->inner.sport, isport)
				     : dp_icmp_inner_port(skb, p, 4, p->inner.dport, idport);
	else if (!bad)
		bad = dp_icmp_inner_port(skb, p, 0, p->inner.sport, isport) ||
		      dp_icmp_inner_port(skb, p, 2, p->inner.dport, idport);
	if (bad || dp_set_addr(skb, p, DP_IP_SADDR_OFF, p->tuple.saddr, osrc) ||
	    dp_set_addr(skb, p, DP_IP_DADDR_OFF, p->tuple.daddr, isrc))
		return DP_DROP_REWRITE;
	return dp_deliver(skb, p, osrc, isrc);
}

#endif /* DP_ICMP_H */
