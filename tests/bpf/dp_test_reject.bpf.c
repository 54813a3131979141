// SPDX-License-Identifier: (GPL-2.0-only OR MIT)
/* Test-only: the verifier must reject this (packet read without a bounds check), so the tests can
 * show that a load failure carries the verifier's log. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual MIT/GPL";

SEC("xdp")
int dp_test_unchecked_read(struct xdp_md *ctx)
{
	unsigned char *data = (void *)(long)ctx->data;
	return data[20] == 1 ? XDP_DROP : XDP_PASS;
}
