/* SPDX-License-Identifier: (GPL-2.0-only OR MIT) */
/*
 * Bounded header parsing through a cursor (xdp-tutorial's idiom): each step
 * checks bounds against data_end, advances, and reports what it found.
 * Works on (data, data_end), so tc and XDP share it.
 */
#ifndef DP_PARSE_H
#define DP_PARSE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "dp_abi.h"

/*
 * ICMP by hand: <linux/icmp.h> pulls in <linux/if.h> and through it glibc's
 * <sys/socket.h>, which needs 32-bit libc headers under -target bpf.
 */
#define ICMP_ECHOREPLY     0
#define ICMP_DEST_UNREACH  3
#define ICMP_ECHO          8
#define ICMP_TIME_EXCEEDED 11
#define ICMP_PARAMETERPROB 12

struct dp_icmphdr {
	__u8 type;
	__u8 code;
	__sum16 checksum;
	__be16 id;       /* echo only */
	__be16 sequence; /* echo only */
};

enum dp_parse_rc {
	DP_PARSE_OK = 0,
	DP_PARSE_NOT_IPV4,  /* pass untouched */
	DP_PARSE_SHORT,     /* headers not in linear data (or truncated packet) */
	DP_PARSE_BAD,       /* malformed: pass untouched, never translate */
};

enum dp_frag {
	DP_FRAG_NONE = 0,
	DP_FRAG_FIRST,      /* offset 0, MF set: ports present, translated */
	DP_FRAG_LATER,      /* offset > 0: no L4 header, never translated */
};

#define DP_IP_MF      0x2000
#define DP_IP_OFFMASK 0x1fff

/* What the programs need from a packet; offsets are from the frame start. */
struct dp_pkt {
	struct dp_ct_key tuple; /* ports: see dp_ct_key (ICMP echo id) */
	__u32 l3_off;
	__u32 l4_off;
	__u32 len;              /* whole frame, for counters */
	__u16 tot_len;          /* IPv4 total length, host order */
	__u8  ttl;
	__u8  frag;             /* enum dp_frag */
	__u8  tcp_flags;        /* TCP flag byte (FIN 0x01 SYN 0x02 RST 0x04 ACK 0x10) */
	__u8  icmp_type;
	__u8  has_ports;        /* TCP/UDP, or ICMP echo: translatable (later fragments: ports from dp_frag) */
	__u8  icmp_err;         /* ICMP error quoting a packet: inner_* valid */
	__be16 ip_id;           /* IPv4 identification (fragments) */
	struct dp_ct_key inner; /* tuple of the quoted packet, as quoted */
	__u32 inner_l3_off;
	__u32 inner_l4_off;
};

/* The L4 header is in this packet (not only its ports, as in later fragments). */
static __always_inline int dp_has_l4(const struct dp_pkt *p)
{
	return p->has_ports && p->frag != DP_FRAG_LATER;
}

/* The flag byte: bitfields in struct tcphdr, so no offsetof. */
#define DP_TCP_FLAGS_OFF 13
#define DP_TCP_FIN 0x01
#define DP_TCP_SYN 0x02
#define DP_TCP_RST 0x04
#define DP_TCP_ACK 0x10

struct dp_cursor {
	void *pos;
	void *end;
	void *start;
};

static __always_inline int dp_parse_eth(struct dp_cursor *c, __u16 *proto)
{
	struct ethhdr *eth = c->pos;

	if ((void *)(eth + 1) > c->end)
		return DP_PARSE_SHORT;
	c->pos = eth + 1;
	*proto = eth->h_proto;
	return DP_PARSE_OK;
}

static __always_inline int dp_parse_ipv4(struct dp_cursor *c, struct dp_pkt *p)
{
	struct iphdr *ip = c->pos;
	__u32 hlen;
	__u16 frag;

	if ((void *)(ip + 1) > c->end)
		return DP_PARSE_SHORT;
	if (ip->version != 4 || ip->ihl < 5)
		return DP_PARSE_BAD;
	hlen = ip->ihl * 4;
	/* Options (ihl > 5) are skipped, never interpreted. */
	if (c->pos + hlen > c->end)
		return DP_PARSE_SHORT;
	p->tot_len = bpf_ntohs(ip->tot_len);
	if (p->tot_len < hlen)
		return DP_PARSE_BAD;
	p->l3_off = c->pos - c->start;
	p->l4_off = p->l3_off + hlen;
	p->ttl = ip->ttl;
	p->ip_id = ip->id;
	p->tuple.saddr = ip->saddr;
	p->tuple.daddr = ip->daddr;
	p->tuple.proto = ip->protocol;
	frag = bpf_ntohs(ip->frag_off);
	if (frag & DP_IP_OFFMASK)
		p->frag = DP_FRAG_LATER;
	else if (frag & DP_IP_MF)
		p->frag = DP_FRAG_FIRST;
	c->pos += hlen;
	return DP_PARSE_OK;
}

static __always_inline int dp_is_icmp_error(__u8 type)
{
	return type == ICMP_DEST_UNREACH || type == ICMP_TIME_EXCEEDED || type == ICMP_PARAMETERPROB;
}

/* The packet an ICMP error quotes: IPv4 header (options allowed) and the
 * first 8 bytes of its L4 header, enough for ports or the echo id. */
static __always_inline void dp_parse_icmp_inner(struct dp_cursor *c, struct dp_pkt *p)
{
	struct iphdr *ip = c->pos;
	struct dp_icmphdr *l4; /* the first 8 bytes: ports (TCP/UDP), or type and echo id */
	struct udphdr *ports;
	__u32 hlen;

	if ((void *)(ip + 1) > c->end || ip->version != 4 || ip->ihl < 5)
		return;
	hlen = ip->ihl * 4;
	l4 = c->pos + hlen;
	ports = (struct udphdr *)l4;
	if ((void *)(l4 + 1) > c->end)
		return;
	p->inner.saddr = ip->saddr;
	p->inner.daddr = ip->daddr;
	p->inner.proto = ip->protocol;
	p->inner_l3_off = c->pos - c->start;
	p->inner_l4_off = p->inner_l3_off + hlen;
	switch (ip->protocol) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		p->inner.sport = ports->source;
		p->inner.dport = ports->dest;
		break;
	case IPPROTO_ICMP:
		if (l4->type == ICMP_ECHO)
			p->inner.sport = l4->id;
		else if (l4->type == ICMP_ECHOREPLY)
			p->inner.dport = l4->id;
		else
			return;
		break;
	default:
		return;
	}
	p->icmp_err = 1;
}

/* L4 header must lie inside both the buffer and the IPv4 total length. */
static __always_inline int dp_l4_fits(struct dp_cursor *c, const struct dp_pkt *p, __u32 size)
{
	if (c->pos + size > c->end)
		return DP_PARSE_SHORT;
	if (p->l4_off - p->l3_off + size > p->tot_len)
		return DP_PARSE_BAD;
	return DP_PARSE_OK;
}

static __always_inline int dp_parse_l4(struct dp_cursor *c, struct dp_pkt *p)
{
	int rc;

	if (p->frag == DP_FRAG_LATER)
		return DP_PARSE_OK; /* no L4 header: has_ports stays 0 */

	switch (p->tuple.proto) {
	case IPPROTO_TCP: {
		struct tcphdr *tcp = c->pos;

		rc = dp_l4_fits(c, p, sizeof(*tcp));
		if (rc)
			return rc;
		if (tcp->doff < 5)
			return DP_PARSE_BAD;
		p->tuple.sport = tcp->source;
		p->tuple.dport = tcp->dest;
		p->tcp_flags = ((__u8 *)tcp)[DP_TCP_FLAGS_OFF];
		p->has_ports = 1;
		break;
	}
	case IPPROTO_UDP: {
		struct udphdr *udp = c->pos;

		rc = dp_l4_fits(c, p, sizeof(*udp));
		if (rc)
			return rc;
		p->tuple.sport = udp->source;
		p->tuple.dport = udp->dest;
		p->has_ports = 1;
		break;
	}
	case IPPROTO_ICMP: {
		struct dp_icmphdr *icmp = c->pos;

		rc = dp_l4_fits(c, p, sizeof(*icmp));
		if (rc)
			return rc;
		p->icmp_type = icmp->type;
		if (icmp->type == ICMP_ECHO) {
			p->tuple.sport = icmp->id;
			p->has_ports = 1;
		} else if (icmp->type == ICMP_ECHOREPLY) {
			p->tuple.dport = icmp->id;
			p->has_ports = 1;
		} else if (dp_is_icmp_error(icmp->type)) {
			c->pos = icmp + 1;
			dp_parse_icmp_inner(c, p);
		}
		break;
	}
	default:
		break;
	}
	return DP_PARSE_OK;
}

static __always_inline int dp_parse(void *data, void *data_end, struct dp_pkt *p)
{
	struct dp_cursor c = { .pos = data, .end = data_end, .start = data };
	__u16 proto;
	int rc;

	__builtin_memset(p, 0, sizeof(*p));
	p->len = data_end - data;
	rc = dp_parse_eth(&c, &proto);
	if (rc)
		return rc;
	if (proto != bpf_htons(ETH_P_IP))
		return DP_PARSE_NOT_IPV4;
	rc = dp_parse_ipv4(&c, p);
	if (rc)
		return rc;
	return dp_parse_l4(&c, p);
}

/* Largest header stack we ever read: eth + IPv4 with options + ICMP +
 * quoted IPv4 with options + 8 bytes. */
#define DP_PULL_LEN (ETH_HLEN + 60 + 8 + 60 + 8)

/* tc: parse the linear part; if headers sit beyond it, pull once and retry. */
static __always_inline int dp_parse_skb(struct __sk_buff *skb, struct dp_pkt *p)
{
	int rc = dp_parse((void *)(long)skb->data, (void *)(long)skb->data_end, p);

	if (rc == DP_PARSE_SHORT && skb->len > skb->data_end - skb->data) {
		__u32 want = skb->len < DP_PULL_LEN ? skb->len : DP_PULL_LEN;

		if (bpf_skb_pull_data(skb, want))
			return DP_PARSE_SHORT;
		rc = dp_parse((void *)(long)skb->data, (void *)(long)skb->data_end, p);
	}
	p->len = skb->len;
	return rc;
}

#endif /* DP_PARSE_H */
