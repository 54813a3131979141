/* SPDX-License-Identifier: (GPL-2.0-only OR MIT) */
/*
 * cgroup bind hooks: the host-port reservation of --hold-host-ports without a
 * socket per port. A process of the hooked cgroup binding a published port
 * gets EADDRINUSE, with the kernel's own rules for held sockets: a specific
 * address conflicts with the same address or the wildcard, a wildcard with
 * every address of its family, and a dual-stack [::] also with IPv4. The
 * published-port maps are the only state; a port the runtime holds itself
 * (DP_PORTMAP_F_UNGUARDED) is left to the runtime. Only in the daemon's network
 * namespace; port 0 (the kernel picks one) is left to the kernel.
 */
#ifndef DP_BIND_H
#define DP_BIND_H

#include <linux/bpf.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_core_read.h>
#include "dp_abi.h"
#include "dp_maps.h"
#include "dp_maps6.h"
#include "dp_policy.h"
#include "dp_policy6.h"
#include "dp_sock.h"

#define DP_BIND_EADDRINUSE 98

/* What a wildcard bind looks for while walking the host's addresses. */
struct dp_bind_walk {
	__be16 port;
	__u8   proto;
	__u8   found;
};

/* IPV6_V6ONLY is not among bpf_getsockopt's options: read the socket's flag
 * through the kernel's context, as CO-RE bitfields (see dp_valid.h). */
extern void *bpf_cast_to_kern_ctx(void *obj) __ksym;

struct sock_common___dp {
	unsigned char skc_ipv6only:1;
} __attribute__((preserve_access_index));

struct sock___dp {
	struct sock_common___dp __sk_common;
} __attribute__((preserve_access_index));

struct bpf_sock_addr_kern___dp {
	struct sock___dp *sk;
} __attribute__((preserve_access_index));

static __always_inline int dp_bind_v6only(struct bpf_sock_addr *ctx)
{
	struct bpf_sock_addr_kern___dp *k = bpf_cast_to_kern_ctx(ctx);
	struct sock___dp *sk = k->sk;

	return sk && BPF_CORE_READ_BITFIELD(&sk->__sk_common, skc_ipv6only);
}

static __always_inline int dp_bind_refuse(struct bpf_sock_addr *ctx)
{
	bpf_set_retval(-DP_BIND_EADDRINUSE);
	return 0; /* with the retval set, bind(2) fails with it instead of EPERM */
}

/* A published port the runtime does not hold itself. */
static __always_inline int dp_guarded(const struct dp_portmap_val *v)
{
	return v && !(v->flags & DP_PORTMAP_F_UNGUARDED);
}

static __always_inline int dp_guarded6(const struct dp_portmap6_val *v)
{
	return v && !(v->flags & DP_PORTMAP_F_UNGUARDED);
}

static long dp_bind_walk_hostaddr(void *map, struct dp_hostaddr_key *key, struct dp_hostaddr *val,
				  struct dp_bind_walk *w)
{
	struct dp_portmap_key k = { .addr = key->addr, .port = w->port, .proto = w->proto };

	w->found = dp_guarded(bpf_map_lookup_elem(&dp_portmap, &k));
	return w->found; /* 1 stops the walk */
}

static long dp_bind_walk_hostaddr6(void *map, struct dp_hostaddr6_key *key, struct dp_hostaddr *val,
				   struct dp_bind_walk *w)
{
	struct dp_portmap6_key k = { .port = w->port, .proto = w->proto };

	__builtin_memcpy(k.addr, key->addr, sizeof(k.addr));
	w->found = dp_guarded6(bpf_map_lookup_elem(&dp_portmap6, &k));
	return w->found;
}

/* Published on addr (0.0.0.0: on every address), guarded. */
static __always_inline int dp_bind4_published(__be32 addr, __be16 port, __u8 proto)
{
	struct dp_portmap_key k = { .addr = addr, .port = port, .proto = proto };

	if (!addr)
		return dp_guarded(dp_portmap_any_find(proto, port));
	return dp_guarded(bpf_map_lookup_elem(&dp_portmap, &k));
}

/* Published on addr, or on every address (0.0.0.0); for a wildcard bind, on
 * any one address: the host's (dp_hostaddr) and loopback, which the socket
 * hooks serve without being a host address. */
static __always_inline int dp_bind4_taken(__be32 addr, __be16 port, __u8 proto)
{
	struct dp_bind_walk w = { .port = port, .proto = proto };

	if (dp_bind4_published(addr, port, proto))
		return 1;
	if (addr != 0)
		return dp_bind4_published(0, port, proto);
	if (dp_bind4_published(bpf_htonl(INADDR_LOOPBACK), port, proto))
		return 1;
	bpf_for_each_map_elem(&dp_hostaddr, dp_bind_walk_hostaddr, &w, 0);
	return w.found;
}

static __always_inline int dp_bind6_taken(const __be32 *addr, __be16 port, __u8 proto)
{
	struct dp_portmap6_key k = { .port = port, .proto = proto };
	struct dp_bind_walk w = { .port = port, .proto = proto };

	if (dp_guarded6(dp6_portmap_any_find(proto, port)))
		return 1; /* [::] conflicts with every IPv6 address, and every one with it */
	if (addr[0] | addr[1] | addr[2] | addr[3]) {
		__builtin_memcpy(k.addr, addr, sizeof(k.addr));
		return dp_guarded6(bpf_map_lookup_elem(&dp_portmap6, &k));
	}
	k.addr[3] = bpf_htonl(1); /* ::1 */
	if (dp_guarded6(bpf_map_lookup_elem(&dp_portmap6, &k)))
		return 1;
	bpf_for_each_map_elem(&dp_hostaddr6, dp_bind_walk_hostaddr6, &w, 0);
	return w.found;
}

static __always_inline int dp_bind4(struct bpf_sock_addr *ctx)
{
	__be16 port = (__be16)ctx->user_port;
	__u8 proto = ctx->protocol;

	if (port == 0 || (proto != IPPROTO_TCP && proto != IPPROTO_UDP) || !dp_sock_own_netns(ctx))
		return DP_SOCK_ALLOW;
	return dp_bind4_taken(ctx->user_ip4, port, proto) ? dp_bind_refuse(ctx) : DP_SOCK_ALLOW;
}

static __always_inline int dp_bind6(struct bpf_sock_addr *ctx)
{
	__be32 addr[4] = { ctx->user_ip6[0], ctx->user_ip6[1], ctx->user_ip6[2], ctx->user_ip6[3] };
	__be16 port = (__be16)ctx->user_port;
	__u8 proto = ctx->protocol;

	if (port == 0 || (proto != IPPROTO_TCP && proto != IPPROTO_UDP) || !dp_sock_own_netns(ctx))
		return DP_SOCK_ALLOW;
	/* ::ffff:a.b.c.d binds the IPv4 address a.b.c.d */
	if (addr[0] == 0 && addr[1] == 0 && addr[2] == bpf_htonl(0xffff))
		return dp_bind4_taken(addr[3], port, proto) ? dp_bind_refuse(ctx) : DP_SOCK_ALLOW;
	if (dp_bind6_taken(addr, port, proto))
		return dp_bind_refuse(ctx);
	if (addr[0] | addr[1] | addr[2] | addr[3])
		return DP_SOCK_ALLOW;
	/* [::] without IPV6_V6ONLY also takes 0.0.0.0 */
	if (dp_bind_v6only(ctx))
		return DP_SOCK_ALLOW;
	return dp_bind4_taken(0, port, proto) ? dp_bind_refuse(ctx) : DP_SOCK_ALLOW;
}

#endif /* DP_BIND_H */
