/* SPDX-License-Identifier: (GPL-2.0-only OR MIT) */
/*
 * The one place where tc programs rewrite headers. Every change goes through
 * bpf_l3/l4_csum_replace, which also handle CHECKSUM_PARTIAL skbs (veth
 * traffic from containers): with BPF_F_PSEUDO_HDR only the pseudo-header sum
 * is adjusted. UDP checksum 0 ("none") stays 0 (BPF_F_MARK_MANGLED_0).
 * ICMP has no pseudo-header: an address change leaves its checksum alone.
 */
#ifndef DP_CSUM_H
#define DP_CSUM_H

#include <stddef.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "dp_parse.h"

#define DP_IP_CHECK_OFF offsetof(struct iphdr, check)
#define DP_IP_SADDR_OFF offsetof(struct iphdr, saddr)
#define DP_IP_DADDR_OFF offsetof(struct iphdr, daddr)
#define DP_IP_TTL_OFF   offsetof(struct iphdr, ttl)

/* Offset of the L4 checksum and the flags its updates need; -1 if none. */
static __always_inline int dp_l4_csum(const struct dp_pkt *p, __u32 *off, __u64 *flags)
{
	switch (p->tuple.proto) {
	case IPPROTO_TCP:
		*off = p->l4_off + 16;
		*flags = 0;
		return 0;
	case IPPROTO_UDP:
		*off = p->l4_off + 6;
		*flags = BPF_F_MARK_MANGLED_0;
		return 0;
	case IPPROTO_ICMP:
		*off = p->l4_off + 2;
		*flags = 0;
		return 0;
	}
	return -1;
}

static __always_inline int dp_set_addr(struct __sk_buff *skb, const struct dp_pkt *p,
				       __u32 field, __be32 old, __be32 new)
{
	__u32 csum_off;
	__u64 flags;

	if (old == new)
		return 0;
	if (p->has_ports && p->tuple.proto != IPPROTO_ICMP &&
	    !dp_l4_csum(p, &csum_off, &flags) &&
	    bpf_l4_csum_replace(skb, csum_off, old, new, flags | BPF_F_PSEUDO_HDR | sizeof(new)))
		return -1;
	if (bpf_l3_csum_replace(skb, p->l3_off + DP_IP_CHECK_OFF, old, new, sizeof(new)))
		return -1;
	return bpf_skb_store_bytes(skb, p->l3_off + field, &new, sizeof(new), 0);
}

/* field: offset of the 16-bit port (or ICMP echo id) inside the L4 header. */
static __always_inline int dp_set_port(struct __sk_buff *skb, const struct dp_pkt *p,
				       __u32 field, __be16 old, __be16 new)
{
	__u32 csum_off;
	__u64 flags;

	if (old == new)
		return 0;
	if (dp_l4_csum(p, &csum_off, &flags))
		return -1;
	if (bpf_l4_csum_replace(skb, csum_off, old, new, flags | sizeof(new)))
		return -1;
	return bpf_skb_store_bytes(skb, p->l4_off + field, &new, sizeof(new), 0);
}

/* Rewrite the packet's tuple into {saddr, daddr, sport, dport}. */
static __always_inline int dp_rewrite_tuple(struct __sk_buff *skb, const struct dp_pkt *p,
					    __be32 saddr, __be32 daddr, __be16 sport, __be16 dport)
{
	if (dp_set_addr(skb, p, DP_IP_SADDR_OFF, p->tuple.saddr, saddr) ||
	    dp_set_addr(skb, p, DP_IP_DADDR_OFF, p->tuple.daddr, daddr))
		return -1;
	if (p->tuple.proto == IPPROTO_ICMP) {
		/* Echo id: the "sport" of requests, the "dport" of replies. */
		if (p->icmp_type == ICMP_ECHO)
			return dp_set_port(skb, p, 4, p->tuple.sport, sport);
		return dp_set_port(skb, p, 4, p->tuple.dport, dport);
	}
	if (dp_set_port(skb, p, 0, p->tuple.sport, sport) ||
	    dp_set_port(skb, p, 2, p->tuple.dport, dport))
		return -1;
	return 0;
}

/* We forward without the IP stack, so we are the router that decrements. */
static __always_inline int dp_ttl_dec(struct __sk_buff *skb, const struct dp_pkt *p)
{
	__u8 ttl = p->ttl - 1;

	if (bpf_l3_csum_replace(skb, p->l3_off + DP_IP_CHECK_OFF, bpf_htons((__u16)p->ttl << 8),
				bpf_htons((__u16)ttl << 8), 2))
		return -1;
	return bpf_skb_store_bytes(skb, p->l3_off + DP_IP_TTL_OFF, &ttl, sizeof(ttl), 0);
}

static __always_inline int dp_set_macs(struct __sk_buff *skb, const __u8 *dst, const __u8 *src)
{
	__u8 macs[2 * ETH_ALEN];

	__builtin_memcpy(macs, dst, ETH_ALEN);
	__builtin_memcpy(macs + ETH_ALEN, src, ETH_ALEN);
	return bpf_skb_store_bytes(skb, 0, macs, sizeof(macs), 0);
}

#endif /* DP_CSUM_H */
