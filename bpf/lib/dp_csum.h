/* SPDX-License-Identifier: (GPL-2.0-only OR MIT) */
/*
 * The one place where headers are rewritten and their checksums kept valid:
 * every field offset (offsetof on the UAPI headers), the RFC 1624 arithmetic,
 * and dp_rewrite, which the outer header (tc), the header an ICMP error
 * quotes (tc) and the XDP fast path all use. They differ only in the writer:
 *
 *  - DP_W_SKB: bpf_l3/l4_csum_replace, which also handle CHECKSUM_PARTIAL
 *    skbs (veth traffic from containers): with BPF_F_PSEUDO_HDR only the
 *    pseudo-header sum is adjusted. UDP checksum 0 ("none") stays 0
 *    (BPF_F_MARK_MANGLED_0).
 *  - DP_W_QUOTE: inside an ICMP error the skb's checksum state describes the
 *    ICMP message, not the quote: checksums are updated by arithmetic, and
 *    every changed word is mirrored into the ICMP checksum. A checksum field
 *    beyond the end of the quote is left alone.
 *  - DP_W_XDP: direct packet access and the same arithmetic.
 *
 * ICMP has no pseudo-header: an address change leaves its checksum alone.
 */
#ifndef DP_CSUM_H
#define DP_CSUM_H

#include <stddef.h>
#include <linux/bpf.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include "dp_abi.h"
#include "dp_parse.h"

#define DP_IP_CHECK_OFF  offsetof(struct iphdr, check)
#define DP_IP_SADDR_OFF  offsetof(struct iphdr, saddr)
#define DP_IP_DADDR_OFF  offsetof(struct iphdr, daddr)
#define DP_IP_TTL_OFF    offsetof(struct iphdr, ttl)
#define DP_L4_SPORT_OFF  offsetof(struct udphdr, source)
#define DP_L4_DPORT_OFF  offsetof(struct udphdr, dest)
#define DP_UDP_CSUM_OFF  offsetof(struct udphdr, check)
#define DP_TCP_CSUM_OFF  offsetof(struct tcphdr, check)
#define DP_ICMP_CSUM_OFF offsetof(struct dp_icmphdr, checksum)
#define DP_ICMP_ID_OFF   offsetof(struct dp_icmphdr, id)
_Static_assert(offsetof(struct tcphdr, source) == DP_L4_SPORT_OFF &&
	       offsetof(struct tcphdr, dest) == DP_L4_DPORT_OFF, "TCP and UDP ports differ");

/* Deepest offset a writer touches: eth + IPv4 with options + ICMP + quoted
 * IPv4 with options + a TCP header. Bounds XDP's variable offsets. */
#define DP_MAX_FIELD_OFF (ETH_HLEN + 60 + 8 + 60 + 20)

/* ---- RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m') on 16-bit words. Ones-complement
 * sums do not care about byte order: network-order words are used as they are. */
static __always_inline __u16 dp_csum_fold(__u32 s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)s;
}

static __always_inline __u16 dp_csum_update(__u16 csum, __u32 old, __u32 new, __u32 size)
{
	__u32 s = (__u16)~csum;

	if (size == 4) {
		s += (__u16)~(old >> 16) + (new >> 16);
		old &= 0xffff;
		new &= 0xffff;
	}
	s += (__u16)~old + new;
	return (__u16)~dp_csum_fold(s);
}

/* ---- where an L4 header's rewritable fields are (relative to its start) ---- */
enum dp_csum_flags {
	DP_CS_L3     = 1 << 0, /* an IPv4 header checksum: plain arithmetic */
	DP_CS_PSEUDO = 1 << 1, /* the changed word is in the pseudo-header */
	DP_CS_ZERO   = 1 << 2, /* UDP: 0 means "no checksum" and stays 0 */
};

struct dp_l4_layout {
	__u32 sport_off;
	__u32 dport_off;
	__u32 csum_off;
	__u32 csum_flags;     /* DP_CS_ZERO for UDP */
	__u8  pseudo;         /* checksum covers the pseudo-header (addresses) */
};

/* ICMP echo: the id is in both port slots; by construction one side of the
 * tuple is 0 in the old and the new tuple (see dp_ct_key), so it never moves. */
static __always_inline int dp_l4_layout(__u8 proto, struct dp_l4_layout *l)
{
	l->sport_off = DP_L4_SPORT_OFF;
	l->dport_off = DP_L4_DPORT_OFF;
	l->csum_flags = 0;
	l->pseudo = 1;
	switch (proto) {
	case IPPROTO_TCP:
		l->csum_off = DP_TCP_CSUM_OFF;
		return 0;
	case IPPROTO_UDP:
		l->csum_off = DP_UDP_CSUM_OFF;
		l->csum_flags = DP_CS_ZERO;
		return 0;
	case IPPROTO_ICMP:
		l->sport_off = DP_ICMP_ID_OFF;
		l->dport_off = DP_ICMP_ID_OFF;
		l->csum_off = DP_ICMP_CSUM_OFF;
		l->pseudo = 0;
		return 0;
	}
	return -1;
}

/* ---- writers ---- */
enum dp_writer_kind { DP_W_SKB, DP_W_QUOTE, DP_W_XDP };

struct dp_writer {
	struct __sk_buff *skb;  /* DP_W_SKB, DP_W_QUOTE */
	struct xdp_md *xdp;     /* DP_W_XDP */
	__u32 mirror_off;       /* DP_W_QUOTE: the ICMP checksum covering the quote */
	__u8 kind;
};

/* XDP: a pointer to size bytes at off, or NULL. */
static __always_inline void *dp_xdp_at(struct xdp_md *xdp, __u32 off, __u32 size)
{
	void *data = (void *)(long)xdp->data;
	void *data_end = (void *)(long)xdp->data_end;
	void *ptr;

	if (off > DP_MAX_FIELD_OFF)
		return NULL;
	ptr = data + off;
	if (ptr + size > data_end)
		return NULL;
	return ptr;
}

/* Raw bytes (MACs, TTL): never inside a quote. */
static __always_inline int dp_w_store(struct dp_writer *w, __u32 off, const void *val, __u32 size)
{
	void *ptr;

	if (w->kind != DP_W_XDP)
		return bpf_skb_store_bytes(w->skb, off, val, size, 0) ? -1 : 0;
	ptr = dp_xdp_at(w->xdp, off, size);
	if (!ptr)
		return -1;
	__builtin_memcpy(ptr, val, size);
	return 0;
}

/* A 16- or 32-bit field (network order) whose old value is known. */
static __always_inline int dp_w_field(struct dp_writer *w, __u32 off, __u32 old, __u32 new, __u32 size)
{
	__u16 v16 = new;
	void *ptr;

	if (w->kind == DP_W_XDP) {
		ptr = dp_xdp_at(w->xdp, off, size);
		if (!ptr)
			return -1;
		if (size == 4)
			*(__u32 *)ptr = new;
		else
			*(__u16 *)ptr = v16;
		return 0;
	}
	if (bpf_skb_store_bytes(w->skb, off, size == 4 ? (void *)&new : (void *)&v16, size, 0))
		return -1;
	if (w->kind == DP_W_QUOTE &&
	    bpf_l4_csum_replace(w->skb, w->mirror_off, old, new, size))
		return -1;
	return 0;
}

/* The checksum at off, for a word old -> new of the data it covers. */
static __always_inline int dp_w_csum(struct dp_writer *w, __u32 off, __u32 old, __u32 new, __u32 size,
				     __u32 flags)
{
	__u16 *ptr, cur, upd;

	if (w->kind == DP_W_SKB) {
		if (flags & DP_CS_L3)
			return bpf_l3_csum_replace(w->skb, off, old, new, size) ? -1 : 0;
		return bpf_l4_csum_replace(w->skb, off, old, new,
					   size | (flags & DP_CS_PSEUDO ? BPF_F_PSEUDO_HDR : 0) |
					   (flags & DP_CS_ZERO ? BPF_F_MARK_MANGLED_0 : 0)) ? -1 : 0;
	}
	if (w->kind == DP_W_XDP) {
		ptr = dp_xdp_at(w->xdp, off, sizeof(*ptr));
		if (!ptr)
			return -1;
		cur = *ptr;
	} else if (bpf_skb_load_bytes(w->skb, off, &cur, sizeof(cur))) {
		return 0; /* beyond the end of the quote: nothing to keep valid */
	}
	if ((flags & DP_CS_ZERO) && !cur)
		return 0;
	upd = dp_csum_update(cur, old, new, size);
	if ((flags & DP_CS_ZERO) && !upd)
		upd = 0xffff;
	if (w->kind == DP_W_XDP) {
		*ptr = upd;
		return 0;
	}
	return dp_w_field(w, off, cur, upd, sizeof(upd));
}

/* ---- the one rewrite helper ---- */
static __always_inline int dp_rewrite_addr(struct dp_writer *w, __u32 l3_off, __u32 field,
					   __u32 l4_csum_off, const struct dp_l4_layout *l,
					   __be32 old, __be32 new)
{
	if (old == new)
		return 0;
	if (l4_csum_off && l->pseudo &&
	    dp_w_csum(w, l4_csum_off, old, new, sizeof(new), l->csum_flags | DP_CS_PSEUDO))
		return -1;
	if (dp_w_csum(w, l3_off + DP_IP_CHECK_OFF, old, new, sizeof(new), DP_CS_L3))
		return -1;
	return dp_w_field(w, l3_off + field, old, new, sizeof(new));
}

static __always_inline int dp_rewrite_port(struct dp_writer *w, __u32 l4_off, __u32 field,
					   const struct dp_l4_layout *l, __be16 old, __be16 new)
{
	if (old == new)
		return 0;
	if (dp_w_csum(w, l4_off + l->csum_off, old, new, sizeof(new), l->csum_flags))
		return -1;
	return dp_w_field(w, l4_off + field, old, new, sizeof(new));
}

/*
 * Rewrite the IPv4 header at l3_off, and with l4 the TCP/UDP/ICMP echo header
 * at l4_off, from tuple *from to tuple *to (addresses, ports or echo id), with
 * every checksum kept valid. Without l4 (non-first fragments, ICMP errors'
 * outer header) only the addresses and the IPv4 checksum change. Returns 0 or
 * -1 (a helper failed; the packet may be half rewritten: drop it).
 */
static __always_inline int dp_rewrite(struct dp_writer *w, __u32 l3_off, __u32 l4_off, int l4,
				      const struct dp_ct_key *from, const struct dp_ct_key *to)
{
	struct dp_l4_layout l = {};
	__u32 csum_off;

	if (l4 && dp_l4_layout(from->proto, &l))
		l4 = 0;
	csum_off = l4 ? l4_off + l.csum_off : 0;
	if (dp_rewrite_addr(w, l3_off, DP_IP_SADDR_OFF, csum_off, &l, from->saddr, to->saddr) ||
	    dp_rewrite_addr(w, l3_off, DP_IP_DADDR_OFF, csum_off, &l, from->daddr, to->daddr))
		return -1;
	if (!l4)
		return 0;
	if (dp_rewrite_port(w, l4_off, l.sport_off, &l, from->sport, to->sport) ||
	    dp_rewrite_port(w, l4_off, l.dport_off, &l, from->dport, to->dport))
		return -1;
	return 0;
}

/* tc: the packet's own headers -> {saddr, daddr, sport, dport}. */
static __always_inline int dp_rewrite_tuple(struct __sk_buff *skb, const struct dp_pkt *p,
					    __be32 saddr, __be32 daddr, __be16 sport, __be16 dport)
{
	struct dp_writer w = { .skb = skb, .kind = DP_W_SKB };
	struct dp_ct_key to = p->tuple;

	to.saddr = saddr;
	to.daddr = daddr;
	to.sport = sport;
	to.dport = dport;
	return dp_rewrite(&w, p->l3_off, p->l4_off, dp_has_l4(p), &p->tuple, &to);
}

#endif /* DP_CSUM_H */
