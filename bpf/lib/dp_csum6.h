/* SPDX-License-Identifier: (GPL-2.0-only OR MIT) */
/*
 * IPv6 rewrites at tc. IPv6 has no header checksum; TCP, UDP and ICMPv6 all
 * sum the pseudo-header. A 16-byte address change reaches the L4 checksum as
 * one bpf_csum_diff folded in by bpf_l4_csum_replace with BPF_F_PSEUDO_HDR
 * (correct for CHECKSUM_PARTIAL skbs too, as in dp_csum.h); ports and the
 * echo id as 16-bit replacements. UDP checksum 0 stays 0 (MANGLED_0).
 * Through a dp_csum.h writer (an ICMPv6 error's quote, XDP) the same
 * rewrite is done by arithmetic, an address 32 bits at a time.
 */
#ifndef DP_CSUM6_H
#define DP_CSUM6_H

#include <stddef.h>
#include <linux/bpf.h>
#include <linux/in.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>
#include "dp_abi.h"
#include "dp_csum.h"
#include "dp_parse6.h"
#include "dp_policy6.h"

#define DP_IP6_SADDR_OFF offsetof(struct ipv6hdr, saddr)
#define DP_IP6_DADDR_OFF offsetof(struct ipv6hdr, daddr)
#define DP_IP6_HOP_OFF   offsetof(struct ipv6hdr, hop_limit)

/* dp_l4_layout with ICMPv6, whose checksum (unlike ICMP's) covers the pseudo-header. */
static __always_inline int dp6_l4_layout(__u8 proto, struct dp_l4_layout *l)
{
	if (proto != IPPROTO_ICMPV6)
		return proto == IPPROTO_ICMP ? -1 : dp_l4_layout(proto, l);
	dp_l4_layout(IPPROTO_ICMP, l);
	l->pseudo = 1;
	return 0;
}

static __always_inline int dp6_rewrite_addr(struct __sk_buff *skb, __u32 field_off, __u32 csum_off,
					    __u32 csum_flags, const __be32 *old, const __be32 *new)
{
	__s64 diff;

	if (dp6_eq(old, new))
		return 0;
	if (csum_off) {
		diff = bpf_csum_diff((__be32 *)old, 16, (__be32 *)new, 16, 0);
		if (diff < 0 ||
		    bpf_l4_csum_replace(skb, csum_off, 0, diff, BPF_F_PSEUDO_HDR |
					(csum_flags & DP_CS_ZERO ? BPF_F_MARK_MANGLED_0 : 0)))
			return -1;
	}
	return bpf_skb_store_bytes(skb, field_off, new, 16, 0) ? -1 : 0;
}

static __always_inline int dp6_rewrite_port(struct __sk_buff *skb, __u32 field_off, __u32 csum_off,
					    __u32 csum_flags, __be16 old, __be16 new)
{
	if (old == new)
		return 0;
	if (bpf_l4_csum_replace(skb, csum_off, old, new, sizeof(new) |
				(csum_flags & DP_CS_ZERO ? BPF_F_MARK_MANGLED_0 : 0)))
		return -1;
	return bpf_skb_store_bytes(skb, field_off, &new, sizeof(new), 0) ? -1 : 0;
}

/* The packet's own headers -> the tuple *to (addresses; ports or echo id when
 * the L4 header is here). 0, or -1: the packet may be half rewritten, drop it. */
static __always_inline int dp6_rewrite(struct __sk_buff *skb, const struct dp_pkt6 *p,
				       const __be32 *saddr, const __be32 *daddr, __be16 sport, __be16 dport)
{
	struct dp_l4_layout l = {};
	int l4 = dp6_has_l4(p) && !dp6_l4_layout(p->tuple.proto, &l);
	__u32 csum_off = l4 ? p->l4_off + l.csum_off : 0;

	if (dp6_rewrite_addr(skb, p->l3_off + DP_IP6_SADDR_OFF, csum_off, l.csum_flags, p->tuple.saddr, saddr) ||
	    dp6_rewrite_addr(skb, p->l3_off + DP_IP6_DADDR_OFF, csum_off, l.csum_flags, p->tuple.daddr, daddr))
		return -1;
	if (!l4)
		return 0;
	if (dp6_rewrite_port(skb, p->l4_off + l.sport_off, csum_off, l.csum_flags, p->tuple.sport, sport) ||
	    dp6_rewrite_port(skb, p->l4_off + l.dport_off, csum_off, l.csum_flags, p->tuple.dport, dport))
		return -1;
	return 0;
}

/* ---- through a dp_csum.h writer (a quote inside an ICMPv6 error, XDP):
 * addresses word by word, each change folded into the L4 checksum by
 * arithmetic over the pseudo-header (dp_rewrite_addr's rule). ---- */
static __always_inline int dp6_w_addr(struct dp_writer *w, __u32 field_off, __u32 csum_off,
				      const struct dp_l4_layout *l, const __be32 *old, const __be32 *new)
{
	__u32 i;

	for (i = 0; i < 4; i++) {
		if (old[i] == new[i])
			continue;
		if (dp_w_csum(w, csum_off, old[i], new[i], 4, l->csum_flags | DP_CS_PSEUDO) ||
		    dp_w_field(w, field_off + 4 * i, old[i], new[i], 4))
			return -1;
	}
	return 0;
}

/* The IPv6 header at l3_off (no extension headers read) and the TCP/UDP/ICMPv6
 * echo header at l4_off: tuple *from -> *to. 0 or -1, as dp_rewrite. */
static __always_inline int dp6_w_rewrite(struct dp_writer *w, __u32 l3_off, __u32 l4_off,
					 const struct dp_ct6_key *from, const struct dp_ct6_key *to)
{
	struct dp_l4_layout l = {};
	__u32 csum_off;

	if (dp6_l4_layout(from->proto, &l))
		return -1;
	csum_off = l4_off + l.csum_off;
	if (dp6_w_addr(w, l3_off + DP_IP6_SADDR_OFF, csum_off, &l, from->saddr, to->saddr) ||
	    dp6_w_addr(w, l3_off + DP_IP6_DADDR_OFF, csum_off, &l, from->daddr, to->daddr) ||
	    dp_rewrite_port(w, l4_off, l.sport_off, &l, from->sport, to->sport) ||
	    dp_rewrite_port(w, l4_off, l.dport_off, &l, from->dport, to->dport))
		return -1;
	return 0;
}

#endif /* DP_CSUM6_H */
