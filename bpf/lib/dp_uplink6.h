/* SPDX-License-Identifier: (GPL-2.0-only OR MIT) */
/* tc ingress on the host's uplinks, IPv6: published ports in, replies of known flows (NAT66 included), ICMPv6 errors about them. */
#ifndef DP_UPLINK6_H
#define DP_UPLINK6_H

#include <linux/bpf.h>
#include <linux/in.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include "dp_abi.h"
#include "dp_ct6.h"
#include "dp_icmp6.h"
#include "dp_maps6.h"
#include "dp_nat6.h"
#include "dp_parse6.h"
#include "dp_policy6.h"

/* RFC 4291: sources no opener from the wire may carry (and our own); a
 * link-local client could not be answered from a container's link. */
static __always_inline int dp6_is_martian(const __be32 *saddr)
{
	return dp6_is_zero(saddr) || dp6_is_loopback(saddr) || dp6_is_multi(saddr) ||
	       dp6_is_linklocal(saddr) || dp6_is_host_addr(saddr);
}

/* No flow and no published port: drop what targets containers directly. */
static __always_inline int dp6_uplink_unknown(const struct dp_pkt6 *p)
{
	const __be32 *daddr = p->tuple.daddr;

	if (dp6_is_multi(daddr) || dp6_is_linklocal(daddr) || dp6_is_host_addr(daddr))
		return TC_ACT_OK;
	if (dp6_endpoint_of(daddr) || dp6_network_of(daddr))
		return DP_DROP_DIRECT_ROUTED;
	return TC_ACT_OK;
}

static __always_inline int dp6_uplink(struct __sk_buff *skb, const struct dp_pkt6 *p)
{
	struct dp_portmap6_val *pm;
	struct dp_ct6_val *v;
	int rc;

	if (dp6_is_ndisc(p))
		return TC_ACT_OK; /* neighbour discovery, router solicitation: the stack's */
	if (dp6_is_icmp_error(p) && p->hop_limit > 1) {
		rc = dp6_icmp_error(skb, p);
		if (rc)
			return rc;
	}
	if (!p->has_ports || p->hop_limit <= 1)
		return dp6_uplink_unknown(p);
	v = bpf_map_lookup_elem(&dp_ct6, &p->tuple);
	if (v)
		return dp6_nat_apply(skb, p, v);
	if (p->tuple.proto != IPPROTO_ICMPV6 && dp_ct6_opens(p)) {
		pm = dp6_portmap_find(p->tuple.daddr, p->tuple.proto, p->tuple.dport, 0);
		if (pm)
			return dp6_is_martian(p->tuple.saddr) ? DP_DROP_MARTIAN : dp6_dnat_new(skb, p, pm, NULL, 0);
	}
	return dp6_uplink_unknown(p);
}

#endif /* DP_UPLINK6_H */
