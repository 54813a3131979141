/* SPDX-License-Identifier: (GPL-2.0-only OR MIT) */
/*
 * ICMPv6 errors about translated flows (packet too big from a router on a
 * masqueraded path, port unreachable from a container behind a published
 * port, ...): dp_icmp.h's rules for IPv6. The quoted packet gets the tuple
 * its sender used, the outer header goes to that sender.
 *
 * Checksums: ICMPv6's covers the pseudo-header, so the outer addresses go
 * through dp6_rewrite_addr (BPF_F_PSEUDO_HDR); every changed word of the
 * quote is written with a DP_W_QUOTE writer (mirrored into the ICMPv6
 * checksum), the quoted L4 checksum updated by arithmetic over the quoted
 * pseudo-header. A quote carrying extension headers is never translated.
 */
#ifndef DP_ICMP6_H
#define DP_ICMP6_H

#include <stddef.h>
#include <linux/bpf.h>
#include <linux/in.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>
#include "dp_abi.h"
#include "dp_csum.h"
#include "dp_csum6.h"
#include "dp_maps6.h"
#include "dp_nat6.h"
#include "dp_parse6.h"
#include "dp_policy6.h"
#include "dp_stats.h"

#define DP_ICMP6_CSUM_OFF  2
#define DP_ICMP6_QUOTE_OFF 8 /* type, code, checksum, and 4 bytes (MTU, pointer or unused) */

static __always_inline int dp6_is_icmp_error(const struct dp_pkt6 *p)
{
	return p->tuple.proto == IPPROTO_ICMPV6 && p->icmp_type >= ICMPV6_DEST_UNREACH &&
	       p->icmp_type <= ICMPV6_PARAMPROB && p->frag == DP_FRAG_NONE;
}

/* The quoted packet's tuple (ports as dp_parse6 reads them) at l3_off; -1
 * when it cannot be one of our flows. */
static __always_inline int dp6_quote_parse(struct __sk_buff *skb, __u32 l3_off, struct dp_ct6_key *q)
{
	__u8 h[8]; /* version, flow label, payload length, next header, hop limit */
	__u8 l4[8];
	__u32 l4_off = l3_off + DP_IPV6_HLEN;

	__builtin_memset(q, 0, sizeof(*q));
	if (bpf_skb_load_bytes(skb, l3_off, h, sizeof(h)) || (h[0] >> 4) != 6 ||
	    bpf_skb_load_bytes(skb, l3_off + offsetof(struct ipv6hdr, saddr), q->saddr, 32))
		return -1;
	q->proto = h[6];
	switch (q->proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		if (bpf_skb_load_bytes(skb, l4_off, l4, 4))
			return -1;
		__builtin_memcpy(&q->sport, &l4[0], 2);
		__builtin_memcpy(&q->dport, &l4[2], 2);
		return 0;
	case IPPROTO_ICMPV6:
		if (bpf_skb_load_bytes(skb, l4_off, l4, 8))
			return -1;
		if (l4[0] == ICMPV6_ECHO_REQUEST)
			__builtin_memcpy(&q->sport, &l4[4], 2);
		else if (l4[0] == ICMPV6_ECHO_REPLY)
			__builtin_memcpy(&q->dport, &l4[4], 2);
		else
			return -1;
		return 0;
	}
	return -1;
}

/* Returns 0 when the error is not about one of our flows, else a verdict. */
static __always_inline int dp6_icmp_error(struct __sk_buff *skb, const struct dp_pkt6 *p)
{
	__u32 q_off = p->l4_off + DP_ICMP6_QUOTE_OFF, csum_off = p->l4_off + DP_ICMP6_CSUM_OFF;
	struct dp_writer quote = { .skb = skb, .kind = DP_W_QUOTE, .mirror_off = csum_off };
	struct dp_ct6_key q, rk, in;
	const __be32 *out_saddr;
	struct dp_ct6_val *v;

	if (dp6_quote_parse(skb, q_off, &q))
		return 0;
	/* The quoted packet's reply would match this entry. */
	__builtin_memset(&rk, 0, sizeof(rk));
	dp6_copy(rk.saddr, q.daddr);
	dp6_copy(rk.daddr, q.saddr);
	rk.sport = q.dport;
	rk.dport = q.sport;
	rk.proto = q.proto;
	v = bpf_map_lookup_elem(&dp_ct6, &rk);
	if (!v)
		return 0;
	/* The quote gets the tuple its sender used: the reverse of the entry's. */
	in = q;
	dp6_copy(in.saddr, v->nat_daddr);
	dp6_copy(in.daddr, v->nat_saddr);
	in.sport = v->nat_dport;
	in.dport = v->nat_sport;
	dp_count_mapping(v->mapping_id, p->len);
	/* An error from the quoted destination itself speaks for it; a router
	 * in between keeps its own address. */
	out_saddr = dp6_eq(p->tuple.saddr, q.daddr) ? in.daddr : p->tuple.saddr;

	if (dp6_w_rewrite(&quote, q_off, q_off + DP_IPV6_HLEN, &q, &in) ||
	    dp6_rewrite_addr(skb, p->l3_off + DP_IP6_SADDR_OFF, csum_off, 0, p->tuple.saddr, out_saddr) ||
	    dp6_rewrite_addr(skb, p->l3_off + DP_IP6_DADDR_OFF, csum_off, 0, p->tuple.daddr, in.saddr))
		return DP_DROP_REWRITE;
	return dp6_deliver(skb, p, out_saddr, in.saddr);
}

#endif /* DP_ICMP6_H */
