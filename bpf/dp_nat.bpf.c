// SPDX-License-Identifier: (GPL-2.0-only OR MIT)
/*
 * Dataplane NAT: every program of the data path in one object so they share
 * the maps. Entry points only parse, dispatch and turn drop reasons into
 * counted TC_ACT_SHOT; the logic lives in lib/.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include "dp_abi.h"
#include "dp_events.h"
#include "dp_frag.h"
#include "dp_parse.h"
#include "dp_stats.h"
#include "dp_uplink.h"
#include "dp_veth.h"
#include "dp_sock.h"
#include "dp_sock6.h"
#include "dp_spoof.h"
#include "dp_xdp.h"
#include "dp_uplink6.h"
#include "dp_veth6.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

/* Puts the ABI's constant enums into the BTF for the ABI test; libbpf skips
 * the section ("unrecognized data section"), so nothing is loaded. */
static const struct dp_abi_constants dp_abi_constants __attribute__((section(".dp_abi"), used));
static const struct dp_abi_obs_constants dp_abi_obs_constants __attribute__((section(".dp_abi"), used));

/* Drops are counted, and reported to `dataplane monitor` when it listens;
 * traces report translated packets (redirected by us) the same way. */
static __always_inline int dp_tc_verdict(struct __sk_buff *skb, const struct dp_pkt *p, int rc, __u32 prog)
{
	if (rc >= TC_ACT_UNSPEC) {
		if (rc == TC_ACT_REDIRECT)
			dp_event_emit(DP_EVENT_TRACE, rc, skb->ingress_ifindex, prog, p);
		return rc;
	}
	dp_count_drop_dir(rc, prog == DP_PROG_VETH_IN ? DP_DIR_EGRESS : DP_DIR_INGRESS, p->len);
	dp_event_emit(DP_EVENT_DROP, rc, skb->ingress_ifindex, prog, p);
	return TC_ACT_SHOT;
}

static __always_inline int dp_tc_verdict6(struct __sk_buff *skb, const struct dp_pkt6 *p, int rc, __u32 prog)
{
	if (rc >= TC_ACT_UNSPEC) {
		if (rc == TC_ACT_REDIRECT)
			dp_event_emit6(DP_EVENT_TRACE, rc, skb->ingress_ifindex, prog, p);
		return rc;
	}
	dp_count_drop_dir(rc, prog == DP_PROG_VETH_IN ? DP_DIR_EGRESS : DP_DIR_INGRESS, p->len);
	dp_event_emit6(DP_EVENT_DROP, rc, skb->ingress_ifindex, prog, p);
	return TC_ACT_SHOT;
}

/* Each family has its own function, so its own BPF stack frame: the IPv4 path
 * needs nearly all of the 512 bytes (the verifier adds up a call chain's
 * frames; the entry programs themselves keep none). */
static __always_inline int dp_eth_is_ipv6(struct __sk_buff *skb)
{
	struct ethhdr *eth = (void *)(long)skb->data;

	return (void *)(eth + 1) <= (void *)(long)skb->data_end && eth->h_proto == bpf_htons(ETH_P_IPV6);
}

/* Malformed, truncated and other frames pass untouched: never translated. */
static __noinline int dp_uplink4_in(struct __sk_buff *skb)
{
	struct dp_pkt p;

	if (dp_parse_skb(skb, &p) != DP_PARSE_OK)
		return TC_ACT_OK;
	dp_frag_resolve(&p);
	return dp_tc_verdict(skb, &p, dp_uplink(skb, &p), DP_PROG_UPLINK_IN);
}

static __noinline int dp_uplink6_in(struct __sk_buff *skb)
{
	struct dp_pkt6 p;

	if (skb->vlan_present || dp_parse6(skb, &p) != DP_PARSE_OK)
		return TC_ACT_OK;
	dp_frag6_resolve(&p);
	return dp_tc_verdict6(skb, &p, dp6_uplink(skb, &p), DP_PROG_UPLINK_IN);
}

SEC("tc")
int dp_uplink_in(struct __sk_buff *skb)
{
	return dp_eth_is_ipv6(skb) ? dp_uplink6_in(skb) : dp_uplink4_in(skb);
}

static __noinline int dp_veth4_in(struct __sk_buff *skb)
{
	struct dp_pkt p;
	int rc = dp_parse_skb(skb, &p);

	if (rc == DP_PARSE_NOT_IPV4)
		return dp_tc_verdict(skb, &p, dp_veth_arp(skb), DP_PROG_VETH_IN);
	if (rc != DP_PARSE_OK)
		return TC_ACT_OK;
	dp_frag_resolve(&p);
	return dp_tc_verdict(skb, &p, dp_veth(skb, &p), DP_PROG_VETH_IN);
}

static __noinline int dp_veth6_in(struct __sk_buff *skb)
{
	struct dp_pkt6 p;

	if (dp_parse6(skb, &p) != DP_PARSE_OK)
		return TC_ACT_OK;
	dp_frag6_resolve(&p);
	return dp_tc_verdict6(skb, &p, dp6_veth(skb, &p), DP_PROG_VETH_IN);
}

SEC("tc")
int dp_veth_in(struct __sk_buff *skb)
{
	return dp_eth_is_ipv6(skb) ? dp_veth6_in(skb) : dp_veth4_in(skb);
}

/* Uplink fast path for established flows into containers; the rest goes to tc. */
SEC("xdp")
int dp_xdp_uplink(struct xdp_md *ctx)
{
	return dp_xdp_uplink_fast(ctx);
}

/* On the container side of each veth while the fast path is on: a veth accepts
 * XDP_REDIRECTed frames only when the receiving peer runs XDP (it enables the
 * peer's NAPI); without it the kernel drops them. */
SEC("xdp")
int dp_xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("cgroup/connect4")
int dp_connect4(struct bpf_sock_addr *ctx)
{
	return dp_sock_redirect(ctx, DP_FWD_SOCK_CONNECT);
}

SEC("cgroup/sendmsg4")
int dp_sendmsg4(struct bpf_sock_addr *ctx)
{
	return dp_sock_redirect(ctx, DP_FWD_SOCK_SENDMSG);
}

SEC("cgroup/recvmsg4")
int dp_recvmsg4(struct bpf_sock_addr *ctx)
{
	return dp_sock_restore(ctx);
}

SEC("cgroup/getpeername4")
int dp_getpeername4(struct bpf_sock_addr *ctx)
{
	return dp_sock_restore(ctx);
}

SEC("cgroup/connect6")
int dp_connect6(struct bpf_sock_addr *ctx)
{
	return dp_sock6_redirect(ctx, DP_FWD_SOCK_CONNECT);
}

SEC("cgroup/sendmsg6")
int dp_sendmsg6(struct bpf_sock_addr *ctx)
{
	return dp_sock6_redirect(ctx, DP_FWD_SOCK_SENDMSG);
}

SEC("cgroup/recvmsg6")
int dp_recvmsg6(struct bpf_sock_addr *ctx)
{
	return dp_sock6_restore(ctx);
}

SEC("cgroup/getpeername6")
int dp_getpeername6(struct bpf_sock_addr *ctx)
{
	return dp_sock6_restore(ctx);
}

/* ---- host-port reservation (--hold-host-ports): see lib/dp_bind.h ---- */
#include "dp_bind.h"

SEC("cgroup/bind4")
int dp_bind4_guard(struct bpf_sock_addr *ctx)
{
	return dp_bind4(ctx);
}

SEC("cgroup/bind6")
int dp_bind6_guard(struct bpf_sock_addr *ctx)
{
	return dp_bind6(ctx);
}
