// SPDX-License-Identifier: (GPL-2.0-only OR MIT)
/* Test-only: counts what XDP, tc and cgroup/connect4 see, so the interop tests can prove that an
 * attachment really ran on real packets. Not part of the product. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

enum dp_test_hook { DP_TEST_XDP = 0, DP_TEST_TC = 1, DP_TEST_CONNECT4 = 2, DP_TEST_HOOKS = 3 };

struct dp_test_counter {
	__u64 packets;
	__u64 bytes;
};

struct dp_test_key {
	__u32 hook;
	__u8  proto;
	__u8  pad[3];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DP_TEST_HOOKS);
	__type(key, __u32);
	__type(value, struct dp_test_counter);
} dp_test_hooks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct dp_test_key);
	__type(value, __u64);
} dp_test_protos SEC(".maps");

/* Set before load by the tests to prove .rodata knobs reach the kernel. */
const volatile __s32 dp_test_tc_verdict = TC_ACT_OK;

char LICENSE[] SEC("license") = "Dual MIT/GPL";

static __always_inline void count(__u32 hook, __u64 len, void *data, void *data_end)
{
	struct dp_test_counter *c = bpf_map_lookup_elem(&dp_test_hooks, &hook);
	if (c) {
		c->packets++;
		c->bytes += len;
	}
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return;
	struct iphdr *ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end)
		return;
	struct dp_test_key key = { .hook = hook, .proto = ip->protocol };
	__u64 one = 1, *n = bpf_map_lookup_elem(&dp_test_protos, &key);
	if (n)
		__sync_fetch_and_add(n, 1);
	else
		bpf_map_update_elem(&dp_test_protos, &key, &one, BPF_NOEXIST);
}

SEC("xdp")
int dp_test_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
	count(DP_TEST_XDP, data_end - data, data, data_end);
	return XDP_PASS;
}

SEC("tc")
int dp_test_tc(struct __sk_buff *skb)
{
	count(DP_TEST_TC, skb->len, (void *)(long)skb->data, (void *)(long)skb->data_end);
	return dp_test_tc_verdict;
}

SEC("cgroup/connect4")
int dp_test_connect4(struct bpf_sock_addr *ctx)
{
	count(DP_TEST_CONNECT4, 0, 0, 0);
	return 1;
}
