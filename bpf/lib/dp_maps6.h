/* SPDX-License-Identifier: (GPL-2.0-only OR MIT) */
/* The IPv6 maps (see the IPv6 section of dp_abi.h): the IPv4 maps' twins with
 * 16-byte addresses; dp_mapstats, dp_drops, dp_config and dp_frag are shared. */
#ifndef DP_MAPS6_H
#define DP_MAPS6_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "dp_abi.h"
#include "dp_maps.h"

/* HASH, not LRU, as dp_ct. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct dp_ct6_key);
	__type(value, struct dp_ct6_val);
	__uint(max_entries, DP_CT6_MAX_DEFAULT);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} dp_ct6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct dp_portmap6_key);
	__type(value, struct dp_portmap6_val);
	__uint(max_entries, DP_PORTMAP_MAX);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} dp_portmap6 SEC(".maps");

/* Ports published on [::] (dp_abi.h: DP_PORTMAP_ANY_SLOT). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct dp_portmap6_val);
	__uint(max_entries, DP_PORTMAP_ANY_SLOTS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} dp_portmap6_any SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct dp_endpoint6_key);
	__type(value, struct dp_endpoint);
	__uint(max_entries, DP_ENDPOINT_MAX);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} dp_endpoints6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__type(key, struct dp_network6_key);
	__type(value, struct dp_network6);
	__uint(max_entries, DP_NETWORK_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} dp_networks6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct dp_hostaddr6_key);
	__type(value, struct dp_hostaddr);
	__uint(max_entries, DP_HOSTADDR_MAX);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} dp_hostaddr6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct dp_ifaddr_key);
	__type(value, struct dp_ifaddr6);
	__uint(max_entries, DP_IFADDR_MAX);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} dp_ifaddr6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct dp_scratch6);
	__uint(max_entries, 1);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} dp_scratch6 SEC(".maps");

static __always_inline struct dp_scratch6 *dp_scratch6_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&dp_scratch6, &zero);
}

#endif /* DP_MAPS6_H */
