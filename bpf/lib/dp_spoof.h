/* SPDX-License-Identifier: (GPL-2.0-only OR MIT) */
/*
 * Anti-spoofing on a container's veth: a container may only send as itself.
 * Its IPv4 source address must be an endpoint whose veth is the one the
 * packet came in on (skb->ingress_ifindex, the host side at tc ingress) and
 * whose MAC the frame carries; an ARP packet may only claim that address
 * (or none: a probe). Everything else is a counted SPOOFED drop. The endpoint
 * map is keyed by address, so the check is one lookup the policy reuses.
 */
#ifndef DP_SPOOF_H
#define DP_SPOOF_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "dp_abi.h"
#include "dp_maps.h"
#include "dp_policy.h"

/* An IPv4-over-Ethernet ARP packet, by hand: <linux/if_arp.h> pulls in
 * glibc's <sys/socket.h> (see dp_icmphdr). */
struct dp_arp {
	__be16 ar_hrd;
	__be16 ar_pro;
	__u8   ar_hln;
	__u8   ar_pln;
	__be16 ar_op;
	__u8   sha[ETH_ALEN];
	__be32 spa;
	__u8   tha[ETH_ALEN];
	__be32 tpa;
} __attribute__((packed));

static __always_inline int dp_mac_eq(const __u8 *a, const __u8 *b)
{
	const __u16 *x = (const __u16 *)a, *y = (const __u16 *)b; /* both 2-byte aligned */

	return x[0] == y[0] && x[1] == y[1] && x[2] == y[2];
}

/* The endpoint that sent this frame as saddr from mac, or NULL (spoofed). */
static __always_inline struct dp_endpoint *dp_sender(struct __sk_buff *skb, __be32 saddr, const __u8 *mac)
{
	struct dp_endpoint *ep = dp_endpoint_of(saddr);

	if (!ep || ep->ifindex != skb->ingress_ifindex || !dp_mac_eq(mac, ep->mac))
		return NULL;
	return ep;
}

/* IPv4 from a container: its endpoint, or NULL. */
static __always_inline struct dp_endpoint *dp_veth_sender(struct __sk_buff *skb, __be32 saddr)
{
	void *data = (void *)(long)skb->data;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > (void *)(long)skb->data_end)
		return NULL;
	return dp_sender(skb, saddr, eth->h_source);
}

/* Non-IPv4 frames from a container: ARP must speak for the container itself,
 * anything else is not ours to judge (IPv6 comes with its own data path). */
static __always_inline int dp_veth_arp(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct dp_arp *arp = (void *)(eth + 1);

	if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_ARP))
		return TC_ACT_OK;
	if ((void *)(arp + 1) > data_end || arp->ar_pro != bpf_htons(ETH_P_IP) ||
	    arp->ar_hln != ETH_ALEN || arp->ar_pln != sizeof(arp->spa))
		return DP_DROP_SPOOFED;
	if (!dp_mac_eq(arp->sha, eth->h_source))
		return DP_DROP_SPOOFED;
	if (!arp->spa) /* a probe (RFC 5227) claims no address */
		return TC_ACT_OK;
	return dp_sender(skb, arp->spa, arp->sha) ? TC_ACT_OK : DP_DROP_SPOOFED;
}

#endif /* DP_SPOOF_H */
