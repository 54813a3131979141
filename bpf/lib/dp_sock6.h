/* SPDX-License-Identifier: (GPL-2.0-only OR MIT) */
/*
 * cgroup socket hooks of AF_INET6 sockets, dp_sock.h's twins over dp_portmap6:
 * a host process reaching [::1]:hostPort or one of the host's IPv6 addresses
 * talks to the container directly and sees the address it asked for.
 *
 * An IPv4-mapped destination (::ffff:a.b.c.d, a dual-stack socket reaching
 * IPv4) is IPv4 traffic: it is looked up in dp_portmap and remembered in the
 * IPv4 record, dp_sock_orig. That is also where the kernel's sendmsg4 hook
 * leaves it (udpv6_sendmsg hands such datagrams to udp_sendmsg), so recvmsg6
 * and getpeername6 restore mapped peers from there whichever hook saw them.
 */
#ifndef DP_SOCK6_H
#define DP_SOCK6_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "dp_abi.h"
#include "dp_policy6.h"
#include "dp_sock.h"

/* The socket hooks' own record, freed with the socket as dp_sock_orig. */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__type(key, int);
	__type(value, struct dp_sock_orig6);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} dp_sock_orig6 SEC(".maps");

/* ::ffff:0:0/96 */
static __always_inline int dp6_is_v4mapped(const __be32 *a)
{
	return !(a[0] | a[1]) && a[2] == bpf_htonl(0xffff);
}

static __always_inline void dp_sock6_user_addr(const struct bpf_sock_addr *ctx, __be32 *addr)
{
	addr[0] = ctx->user_ip6[0];
	addr[1] = ctx->user_ip6[1];
	addr[2] = ctx->user_ip6[2];
	addr[3] = ctx->user_ip6[3];
}

static __always_inline void dp_sock6_set_user_addr(struct bpf_sock_addr *ctx, const __be32 *addr)
{
	ctx->user_ip6[0] = addr[0];
	ctx->user_ip6[1] = addr[1];
	ctx->user_ip6[2] = addr[2];
	ctx->user_ip6[3] = addr[3];
}

/* As dp_sock_publish_lookup, over dp_portmap6 and dp_sock_orig6. */
static __always_inline struct dp_portmap6_val *dp_sock6_publish_lookup(struct bpf_sock_addr *ctx,
								      const __be32 *addr, __be16 port)
{
	struct dp_portmap6_val *pm = dp6_portmap_find(addr, ctx->protocol, port, 1);
	struct dp_sock_orig6 *orig;

	if (!pm)
		return NULL;
	orig = bpf_sk_storage_get(&dp_sock_orig6, ctx->sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (orig) {
		dp6_copy(orig->addr, addr);
		orig->port = port;
		dp6_copy(orig->ctr_addr, pm->ctr_addr);
		orig->ctr_port = pm->ctr_port;
	}
	return pm;
}

static __always_inline int dp_sock6_redirect(struct bpf_sock_addr *ctx, __u32 path)
{
	__be16 port = (__be16)ctx->user_port;
	__be32 addr[4];

	if (!dp_sock_ours(ctx))
		return DP_SOCK_ALLOW;
	dp_sock6_user_addr(ctx, addr);
	if (dp6_is_v4mapped(addr)) {
		struct dp_portmap_val *pm = dp_sock_publish_lookup(ctx, addr[3], port);

		if (!pm)
			return DP_SOCK_ALLOW;
		ctx->user_ip6[3] = pm->ctr_addr;
		ctx->user_port = pm->ctr_port;
	} else {
		struct dp_portmap6_val *pm = dp_sock6_publish_lookup(ctx, addr, port);

		if (!pm)
			return DP_SOCK_ALLOW;
		dp_sock6_set_user_addr(ctx, pm->ctr_addr);
		ctx->user_port = pm->ctr_port;
	}
	dp_count(&dp_fwd, path, 0);
	return DP_SOCK_ALLOW;
}

static __always_inline int dp_sock6_restore(struct bpf_sock_addr *ctx)
{
	__be16 port = (__be16)ctx->user_port;
	struct dp_sock_orig6 *orig;
	__be32 addr[4];

	if (!dp_sock_own_netns(ctx))
		return DP_SOCK_ALLOW;
	dp_sock6_user_addr(ctx, addr);
	if (dp6_is_v4mapped(addr)) {
		struct dp_sock_orig *orig4 = dp_sock_asked(ctx, addr[3], port);

		if (orig4) {
			ctx->user_ip6[3] = orig4->addr;
			ctx->user_port = orig4->port;
		}
		return DP_SOCK_ALLOW;
	}
	orig = bpf_sk_storage_get(&dp_sock_orig6, ctx->sk, 0, 0);
	if (orig && dp6_eq(addr, orig->ctr_addr) && port == orig->ctr_port) {
		dp_sock6_set_user_addr(ctx, orig->addr);
		ctx->user_port = orig->port;
	}
	return DP_SOCK_ALLOW;
}

#endif /* DP_SOCK6_H */
