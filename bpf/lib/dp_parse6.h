/* SPDX-License-Identifier: (GPL-2.0-only OR MIT) */
/*
 * IPv6 parsing (tc only): every field is read with bpf_skb_load_bytes at an
 * offset, so headers beyond the linear data need no pull and the walk over
 * extension headers needs no packet-pointer arithmetic for the verifier.
 * Extension headers are walked up to DP_IPV6_EXT_MAX deep; a packet with more
 * is never translated (it passes untouched, as malformed ones do).
 */
#ifndef DP_PARSE6_H
#define DP_PARSE6_H

#include <stddef.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "dp_abi.h"
#include "dp_parse.h"

/* By hand, as ICMP in dp_parse.h (<linux/icmpv6.h> is not for -target bpf). */
#define ICMPV6_DEST_UNREACH   1
#define ICMPV6_PKT_TOOBIG     2
#define ICMPV6_TIME_EXCEED    3
#define ICMPV6_PARAMPROB      4
#define ICMPV6_ECHO_REQUEST   128
#define ICMPV6_ECHO_REPLY     129
#define ICMPV6_ROUTER_SOLICIT 133 /* 133..137: RS, RA, NS, NA, redirect */
#define ICMPV6_NDISC_REDIRECT 137

#define DP_NEXTHDR_HOP      0
#define DP_NEXTHDR_ROUTING  43
#define DP_NEXTHDR_FRAGMENT 44
#define DP_NEXTHDR_AUTH     51
#define DP_NEXTHDR_DEST     60

#define DP_IPV6_HLEN    40
#define DP_IPV6_EXT_MAX 4   /* extension headers walked before giving up */
#define DP_IP6_MF       0x0001
#define DP_IP6_OFFMASK  0xfff8

/* What the programs need from an IPv6 packet; offsets are from the frame start. */
struct dp_pkt6 {
	struct dp_ct6_key tuple; /* ports: see dp_ct_key (ICMPv6 echo id); pad zeroed: a ready dp_ct6 key */
	__u32 l3_off;
	__u32 l4_off;
	__u32 len;               /* whole frame, for counters */
	__u16 payload_len;       /* IPv6 payload length, host order */
	__u8  hop_limit;
	__u8  frag;              /* enum dp_frag */
	__u8  tcp_flags;
	__u8  icmp_type;
	__u8  has_ports;
	__u8  pad;
	__be32 frag_id;          /* fragment header identification */
};

static __always_inline int dp6_has_l4(const struct dp_pkt6 *p)
{
	return p->has_ports && p->frag != DP_FRAG_LATER;
}

/* Neighbour discovery and router solicitation/advertisement: never ours. */
static __always_inline int dp6_is_ndisc(const struct dp_pkt6 *p)
{
	return p->tuple.proto == IPPROTO_ICMPV6 && p->icmp_type >= ICMPV6_ROUTER_SOLICIT &&
	       p->icmp_type <= ICMPV6_NDISC_REDIRECT && p->frag == DP_FRAG_NONE;
}

/* An L4 header of size bytes lies inside both the frame and the payload length. */
static __always_inline int dp6_l4_fits(const struct dp_pkt6 *p, __u32 size)
{
	return p->l4_off - p->l3_off - DP_IPV6_HLEN + size <= p->payload_len;
}

/* Skip extension headers; off and *nexthdr end at the upper-layer header. */
static __always_inline int dp6_parse_ext(struct __sk_buff *skb, struct dp_pkt6 *p, __u32 *off, __u8 *nexthdr)
{
	__u8 h[8]; /* next header, length, and for fragments offset/flags and id */
	__u16 fo;
	__u32 i;

	for (i = 0; i < DP_IPV6_EXT_MAX; i++) {
		switch (*nexthdr) {
		case DP_NEXTHDR_HOP:
		case DP_NEXTHDR_ROUTING:
		case DP_NEXTHDR_DEST:
		case DP_NEXTHDR_AUTH:
		case DP_NEXTHDR_FRAGMENT:
			break;
		default:
			return DP_PARSE_OK;
		}
		if (bpf_skb_load_bytes(skb, *off, h, sizeof(h)))
			return DP_PARSE_BAD;
		if (*nexthdr == DP_NEXTHDR_FRAGMENT) {
			fo = bpf_ntohs(*(__be16 *)&h[2]);
			p->frag = (fo & DP_IP6_OFFMASK) ? DP_FRAG_LATER :
				  (fo & DP_IP6_MF) ? DP_FRAG_FIRST : DP_FRAG_NONE;
			__builtin_memcpy(&p->frag_id, &h[4], sizeof(p->frag_id));
			*off += 8;
		} else if (*nexthdr == DP_NEXTHDR_AUTH) {
			*off += ((__u32)h[1] + 2) * 4;
		} else {
			*off += ((__u32)h[1] + 1) * 8;
		}
		*nexthdr = h[0];
	}
	return DP_PARSE_BAD; /* deeper than we walk: never translated */
}

static __always_inline int dp6_parse_l4(struct __sk_buff *skb, struct dp_pkt6 *p)
{
	__u8 h[14]; /* TCP up to the flags; UDP ports; ICMPv6 type, code, checksum, id */

	if (p->frag == DP_FRAG_LATER)
		return DP_PARSE_OK; /* no L4 header: has_ports stays 0 */
	switch (p->tuple.proto) {
	case IPPROTO_TCP:
		if (!dp6_l4_fits(p, 20) || bpf_skb_load_bytes(skb, p->l4_off, h, 14) || (h[12] >> 4) < 5)
			return DP_PARSE_BAD;
		p->tcp_flags = h[DP_TCP_FLAGS_OFF];
		break;
	case IPPROTO_UDP:
		if (!dp6_l4_fits(p, 8) || bpf_skb_load_bytes(skb, p->l4_off, h, 4))
			return DP_PARSE_BAD;
		break;
	case IPPROTO_ICMPV6:
		if (!dp6_l4_fits(p, 8) || bpf_skb_load_bytes(skb, p->l4_off, h, 8))
			return DP_PARSE_BAD;
		p->icmp_type = h[0];
		if (h[0] == ICMPV6_ECHO_REQUEST)
			__builtin_memcpy(&p->tuple.sport, &h[4], 2);
		else if (h[0] == ICMPV6_ECHO_REPLY)
			__builtin_memcpy(&p->tuple.dport, &h[4], 2);
		else
			return DP_PARSE_OK;
		p->has_ports = 1;
		return DP_PARSE_OK;
	default:
		return DP_PARSE_OK;
	}
	__builtin_memcpy(&p->tuple.sport, &h[0], 2);
	__builtin_memcpy(&p->tuple.dport, &h[2], 2);
	p->has_ports = 1;
	return DP_PARSE_OK;
}

/* DP_PARSE_OK, or DP_PARSE_BAD for anything never to translate (truncated,
 * not version 6, payload beyond the frame, jumbograms, too many extensions). */
static __always_inline int dp_parse6(struct __sk_buff *skb, struct dp_pkt6 *p)
{
	struct {
		__u8   vtc;     /* version, traffic class (high bits) */
		__u8   flow[3];
		__be16 payload_len;
		__u8   nexthdr;
		__u8   hop_limit;
	} h;
	__u32 off = ETH_HLEN;
	__u8 nexthdr;
	int rc;

	__builtin_memset(p, 0, sizeof(*p));
	p->len = skb->len;
	if (bpf_skb_load_bytes(skb, off, &h, sizeof(h)) || (h.vtc >> 4) != 6)
		return DP_PARSE_BAD;
	if (bpf_skb_load_bytes(skb, off + offsetof(struct ipv6hdr, saddr), p->tuple.saddr, 32))
		return DP_PARSE_BAD;
	p->l3_off = off;
	p->payload_len = bpf_ntohs(h.payload_len);
	p->hop_limit = h.hop_limit;
	if (!p->payload_len || off + DP_IPV6_HLEN + p->payload_len > skb->len)
		return DP_PARSE_BAD;
	off += DP_IPV6_HLEN;
	nexthdr = h.nexthdr;
	rc = dp6_parse_ext(skb, p, &off, &nexthdr);
	if (rc)
		return rc;
	p->l4_off = off;
	p->tuple.proto = nexthdr;
	return dp6_parse_l4(skb, p);
}

#endif /* DP_PARSE6_H */
