/* SPDX-License-Identifier: (GPL-2.0-only OR MIT) */
/* tc ingress on the host's uplinks: published ports in, masquerade replies in. */
#ifndef DP_UPLINK_H
#define DP_UPLINK_H

#include <linux/bpf.h>
#include <linux/in.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include "dp_abi.h"
#include "dp_ct.h"
#include "dp_icmp.h"
#include "dp_maps.h"
#include "dp_nat.h"
#include "dp_parse.h"
#include "dp_policy.h"
#include "dp_valid.h"

/* No flow and no published port: drop what targets containers directly. */
static __always_inline int dp_uplink_unknown(const struct dp_pkt *p)
{
	__be32 daddr = p->tuple.daddr;

	if (dp_is_host_addr(daddr))
		return TC_ACT_OK;
	if (dp_endpoint_of(daddr) || dp_network_of(daddr))
		return DP_DROP_DIRECT_ROUTED;
	return TC_ACT_OK;
}

static __always_inline int dp_uplink(struct __sk_buff *skb, const struct dp_pkt *p)
{
	struct dp_portmap_val *pm;
	struct dp_ct_val *v;
	struct dp_ct_key k;
	int rc;

	/* A tag the rx path took off: for a VLAN device on top, never ours. */
	if (skb->vlan_present)
		return TC_ACT_OK;
	if (p->icmp_err && p->ttl > 1) {
		rc = dp_icmp_error(skb, p);
		if (rc)
			return rc;
	}
	/* Later fragments without ports from dp_frag go to the stack (it
	 * reassembles what is its own; see dp_frag.h). */
	if (!p->has_ports || p->ttl <= 1)
		return dp_uplink_unknown(p);
	dp_ct_key_of(&k, p);
	v = bpf_map_lookup_elem(&dp_ct, &k);
	if (v)
		return dp_nat_apply(skb, p, v);
	if (p->tuple.proto != IPPROTO_ICMP && dp_ct_opens(p)) {
		pm = dp_portmap_find(k.daddr, k.proto, k.dport, 0);
		if (pm) {
			rc = dp_uplink_opener_invalid(skb, p);
			return rc ? rc : dp_dnat_new(skb, p, &k, pm, 0, 0);
		}
	}
	return dp_uplink_unknown(p);
}

#endif /* DP_UPLINK_H */
