/* SPDX-License-Identifier: (GPL-2.0-only OR MIT) */
/* Every map of the data path, in one object so all programs share them.
 * Pinned by name: the loader sets pin_root_path to the instance's bpffs
 * directory, so maps (and the flows in them) outlive the daemon. */
#ifndef DP_MAPS_H
#define DP_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "dp_abi.h"

/* errno of a BPF_NOEXIST update on an existing key (<errno.h> is not for -target bpf) */
#define DP_EEXIST 17

/* HASH, not LRU: a full table refuses new flows (counted) and never evicts
 * an established one. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct dp_ct_key);
	__type(value, struct dp_ct_val);
	__uint(max_entries, DP_CT_MAX_DEFAULT);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} dp_ct SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct dp_portmap_key);
	__type(value, struct dp_portmap_val);
	__uint(max_entries, DP_PORTMAP_MAX);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} dp_portmap SEC(".maps");

/* Ports published on every address (dp_abi.h: DP_PORTMAP_ANY_SLOT). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct dp_portmap_val);
	__uint(max_entries, DP_PORTMAP_ANY_SLOTS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} dp_portmap_any SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct dp_endpoint_key);
	__type(value, struct dp_endpoint);
	__uint(max_entries, DP_ENDPOINT_MAX);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} dp_endpoints SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__type(key, struct dp_network_key);
	__type(value, struct dp_network);
	__uint(max_entries, DP_NETWORK_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} dp_networks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct dp_hostaddr_key);
	__type(value, struct dp_hostaddr);
	__uint(max_entries, DP_HOSTADDR_MAX);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} dp_hostaddr SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct dp_ifaddr_key);
	__type(value, struct dp_ifaddr);
	__uint(max_entries, DP_IFADDR_MAX);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} dp_ifaddr SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct dp_config);
	__uint(max_entries, 1);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} dp_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct dp_counter);
	__uint(max_entries, DP_MAPPING_ID_MAX);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} dp_mapstats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct dp_counter);
	__uint(max_entries, DP_DROP_SLOTS);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} dp_drops SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct dp_ct_recent);
	__uint(max_entries, 1);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} dp_ct_recent SEC(".maps");

/* Per-CPU scratch for summing an opener's TCP/UDP segment (dp_valid.h):
 * bpf_csum_diff takes at most 512 bytes of memory, not packet data of a
 * variable length. Not pinned, not ABI: nothing outside reads it. */
#define DP_CSUM_CHUNK 512
struct dp_csum_scratch {
	__u8 buf[DP_CSUM_CHUNK];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct dp_csum_scratch);
	__uint(max_entries, 1);
} dp_csum_scratch SEC(".maps");

/* LRU: old datagrams make room for new ones; see dp_frag_key. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct dp_frag_key);
	__type(value, struct dp_frag_val);
	__uint(max_entries, DP_FRAG_MAX);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} dp_frag SEC(".maps");

/* Freed with the socket: no leak when applications never close cleanly. */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__type(key, int);
	__type(value, struct dp_sock_orig);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} dp_sock_orig SEC(".maps");

/* Knobs fixed at load time (set in .rodata before load). */
const volatile __u32 dp_snat_probes = 32; /* ports tried per new masquerade flow, <= DP_SNAT_PROBES_MAX */

static __always_inline struct dp_config *dp_cfg(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&dp_config, &zero);
}

/* ---- observability (dp_stats.h, dp_events.h) ---- */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct dp_counter);
	__uint(max_entries, DP_FWD_SLOTS);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} dp_fwd SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct dp_counter);
	__uint(max_entries, DP_DROP_DIR_SLOTS);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} dp_drop_dir SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, DP_EVENTS_RINGBUF_BYTES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} dp_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct dp_event_ctl);
	__uint(max_entries, 1);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} dp_event_ctl SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct dp_event_state);
	__uint(max_entries, 1);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} dp_event_state SEC(".maps");

#endif /* DP_MAPS_H */
