/* SPDX-License-Identifier: (GPL-2.0-only OR MIT) */
/*
 * What a packet from the uplink must be before it may open a flow. Translated
 * packets are redirected past the host's IP layer, so what ip_rcv would
 * refuse must be refused here, or garbage creates conntrack state (and fills
 * the table). Packets of known flows need no check: they create nothing, and
 * the container's stack validates them as it always does.
 */
#ifndef DP_VALID_H
#define DP_VALID_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_core_read.h>
#include "dp_abi.h"
#include "dp_csum.h"
#include "dp_maps.h"
#include "dp_parse.h"
#include "dp_policy.h"

#define DP_IP_HDR_MAX 60

/* RFC 1122 3.2.1.3: sources no packet from the wire may carry (and our own). */
static __always_inline int dp_is_martian(__be32 saddr)
{
	__u32 a = bpf_ntohl(saddr);

	return (a >> 24) == 0 || dp_is_loopback(saddr) || dp_is_multi(saddr) || dp_is_host_addr(saddr);
}

/* The IPv4 header sums to 0xffff (RFC 1071) when its checksum is right.
 * Summed in place (the parser saw it in the linear data): no stack copy. */
static __always_inline int dp_ip_csum_ok(struct __sk_buff *skb, const struct dp_pkt *p)
{
	void *data_end = (void *)(long)skb->data_end;
	__u16 *w = (void *)(long)skb->data + ETH_HLEN;
	__u32 words = (p->l4_off - p->l3_off) / 2, sum = 0, i;

	if (p->l3_off != ETH_HLEN)
		return 0;
	for (i = 0; i < DP_IP_HDR_MAX / 2; i++) {
		__u16 *word = w + i;

		if (i >= words)
			break;
		barrier_var(word); /* keep the bound check on the pointer, not on data_end */
		if ((void *)(word + 1) > data_end)
			return 0;
		sum += *word;
	}
	return dp_csum_fold(sum) == 0xffff;
}

/* ---- TCP/UDP checksums ----
 * skb->ip_summed says whether anyone verified the L4 checksum: the NIC
 * (CHECKSUM_UNNECESSARY), or it is summed in skb->csum for the stack to
 * compare (CHECKSUM_COMPLETE), or the sender left it to be filled
 * (CHECKSUM_PARTIAL: veth traffic, whose checksum field holds only the
 * pseudo-header sum). Only CHECKSUM_NONE means "nobody did": then we sum the
 * segment ourselves. __sk_buff does not expose ip_summed; the kernel's
 * sk_buff does, through bpf_cast_to_kern_ctx and a CO-RE bitfield read. */
extern void *bpf_cast_to_kern_ctx(void *obj) __ksym;

struct sk_buff___dp {
	__u8 ip_summed:2;
} __attribute__((preserve_access_index));

#define DP_CHECKSUM_NONE 0
#define DP_CSUM_CHUNKS   3 /* segments up to 1536 bytes are checked; longer ones go unchecked */

static __always_inline int dp_l4_unverified(struct __sk_buff *skb)
{
	struct sk_buff___dp *k = bpf_cast_to_kern_ctx(skb);

	return BPF_CORE_READ_BITFIELD(k, ip_summed) == DP_CHECKSUM_NONE;
}

/* Sums the segment in 512-byte chunks (bpf_csum_diff's limit) copied to
 * per-CPU scratch, on top of the pseudo-header; a zero UDP checksum means
 * "none" (RFC 768). First fragments are not checked: their checksum covers
 * the later fragments too. */
static __noinline int dp_l4_csum_ok(struct __sk_buff *skb, const struct dp_pkt *p)
{
	__u32 l4_off = p->l4_off, l4_len = p->tot_len - (p->l4_off - p->l3_off);
	__be32 saddr = p->tuple.saddr, daddr = p->tuple.daddr;
	__u8 proto = p->tuple.proto;
	struct dp_csum_scratch *s;
	__u32 zero = 0, i;
	__u16 udp_csum;
	__s64 sum;

	if (proto == IPPROTO_UDP) {
		if (bpf_skb_load_bytes(skb, l4_off + 6, &udp_csum, sizeof(udp_csum)))
			return 0;
		if (!udp_csum)
			return 1;
	}
	if (l4_len > DP_CSUM_CHUNK * DP_CSUM_CHUNKS)
		return 1;
	s = bpf_map_lookup_elem(&dp_csum_scratch, &zero);
	if (!s)
		return 1;
	/* Pseudo-header: addresses, then {0, proto, length} as one network-order word. */
	sum = bpf_csum_diff(0, 0, &saddr, sizeof(saddr), 0);
	sum = bpf_csum_diff(0, 0, &daddr, sizeof(daddr), (__u32)sum);
	*(__be32 *)s->buf = bpf_htonl(((__u32)proto << 16) | l4_len);
	sum = bpf_csum_diff(0, 0, (__be32 *)s->buf, 4, (__u32)sum);
	for (i = 0; i < DP_CSUM_CHUNKS; i++) {
		__u32 off = i * DP_CSUM_CHUNK;
		__u64 n; /* 64-bit: a u32 is checked on a zero-extended copy, and the bound is lost */

		if (off >= l4_len)
			break;
		n = l4_len - off;
		if (n > DP_CSUM_CHUNK)
			n = DP_CSUM_CHUNK;
		barrier_var(n);
		n &= 2 * DP_CSUM_CHUNK - 1; /* bounds the verifier sees on the register passed */
		if (n < 1 || n > DP_CSUM_CHUNK)
			return 0;
		/* The tail is zero-padded to a 32-bit word, as RFC 1071 pads an odd byte. */
		if (n & 3)
			*(__u32 *)(s->buf + ((n & ~3u) & (DP_CSUM_CHUNK - 4))) = 0;
		if (bpf_skb_load_bytes(skb, l4_off + off, s->buf, n))
			return 0;
		n = (n + 3) & ~3ull;
		barrier_var(n);
		if (n > DP_CSUM_CHUNK)
			return 0;
		sum = bpf_csum_diff(0, 0, (__be32 *)s->buf, n, (__u32)sum);
		if (sum < 0)
			return 0;
	}
	return dp_csum_fold((__u32)sum) == 0xffff;
}

/* 0, or the reason this uplink packet may not open a flow. */
static __always_inline int dp_uplink_opener_invalid(struct __sk_buff *skb, const struct dp_pkt *p)
{
	if (p->l3_off + p->tot_len > skb->len || !dp_ip_csum_ok(skb, p))
		return DP_DROP_MALFORMED;
	if (dp_is_martian(p->tuple.saddr))
		return DP_DROP_MARTIAN;
	if (p->frag == DP_FRAG_NONE && p->tuple.proto != IPPROTO_ICMP && dp_l4_unverified(skb) &&
	    !dp_l4_csum_ok(skb, p))
		return DP_DROP_BAD_CHECKSUM;
	return 0;
}

#endif /* DP_VALID_H */
