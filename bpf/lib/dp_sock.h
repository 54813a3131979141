/* SPDX-License-Identifier: (GPL-2.0-only OR MIT) */
/*
 * cgroup socket hooks: a host process connecting (TCP) or sending (UDP) to
 * 127.0.0.1:hostPort or hostIP:hostPort talks to the container directly;
 * recvmsg/getpeername show it the address it asked for. They act only in the
 * daemon's network namespace (dp_config.netns_cookie) because the cgroup is
 * shared with other namespaces. One remembered destination per socket: an
 * unconnected UDP socket talking to two published ports sees the last one.
 */
#ifndef DP_SOCK_H
#define DP_SOCK_H

#include <linux/bpf.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include "dp_abi.h"
#include "dp_maps.h"
#include "dp_policy.h"
#include "dp_stats.h"

#define DP_SOCK_ALLOW 1

static __always_inline int dp_sock_own_netns(struct bpf_sock_addr *ctx)
{
	struct dp_config *cfg = dp_cfg();

	return cfg && cfg->netns_cookie && bpf_get_netns_cookie(ctx) == cfg->netns_cookie;
}

/* TCP or UDP, in the daemon's namespace: a socket the hooks may rewrite. */
static __always_inline int dp_sock_ours(struct bpf_sock_addr *ctx)
{
	return (ctx->protocol == IPPROTO_TCP || ctx->protocol == IPPROTO_UDP) && dp_sock_own_netns(ctx);
}

/* The published port at addr:port, remembered on the socket for recvmsg and
 * getpeername; NULL when addr:port is not published. */
static __always_inline struct dp_portmap_val *dp_sock_publish_lookup(struct bpf_sock_addr *ctx, __be32 addr,
								     __be16 port)
{
	struct dp_portmap_val *pm = dp_portmap_find(addr, ctx->protocol, port, 1);
	struct dp_sock_orig *orig;

	if (!pm)
		return NULL;
	orig = bpf_sk_storage_get(&dp_sock_orig, ctx->sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (orig) {
		orig->addr = addr;
		orig->port = port;
		orig->ctr_addr = pm->ctr_addr;
		orig->ctr_port = pm->ctr_port;
	}
	return pm;
}

/* What the socket asked for, when addr:port is the container it was sent to. */
static __always_inline struct dp_sock_orig *dp_sock_asked(struct bpf_sock_addr *ctx, __be32 addr, __be16 port)
{
	struct dp_sock_orig *orig = bpf_sk_storage_get(&dp_sock_orig, ctx->sk, 0, 0);

	return orig && addr == orig->ctr_addr && port == orig->ctr_port ? orig : NULL;
}

static __always_inline int dp_sock_redirect(struct bpf_sock_addr *ctx, __u32 path)
{
	struct dp_portmap_val *pm;

	if (!dp_sock_ours(ctx))
		return DP_SOCK_ALLOW;
	pm = dp_sock_publish_lookup(ctx, ctx->user_ip4, (__be16)ctx->user_port);
	if (!pm)
		return DP_SOCK_ALLOW;
	ctx->user_ip4 = pm->ctr_addr;
	ctx->user_port = pm->ctr_port;
	dp_count(&dp_fwd, path, 0);
	return DP_SOCK_ALLOW;
}

static __always_inline int dp_sock_restore(struct bpf_sock_addr *ctx)
{
	struct dp_sock_orig *orig;

	if (!dp_sock_own_netns(ctx))
		return DP_SOCK_ALLOW;
	orig = dp_sock_asked(ctx, ctx->user_ip4, (__be16)ctx->user_port);
	if (orig) {
		ctx->user_ip4 = orig->addr;
		ctx->user_port = orig->port;
	}
	return DP_SOCK_ALLOW;
}

#endif /* DP_SOCK_H */
