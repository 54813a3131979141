/* SPDX-License-Identifier: (GPL-2.0-only OR MIT) */
/*
 * dp_abi.h: the only kernel/user ABI of the Dataplane data path.
 *
 * Every map key and value, every enum user space reads, every limit.
 * The C# mirrors (controlplane/.../DataPath) are checked against the BTF of
 * the compiled object by a test, so change both sides in one commit.
 *
 * Conventions:
 *  - __be* fields are in network byte order (C# names them ...Be).
 *  - Explicit, zeroed padding; every struct's size is asserted below.
 *  - Times are CLOCK_MONOTONIC nanoseconds (bpf_ktime_get_ns); the sweeper
 *    compares them with clock_gettime(CLOCK_MONOTONIC).
 *  - IPv6 has its own maps and *6 types with the IPv4 ones' shape (16-byte
 *    addresses): see the IPv6 section at the end.
 */
#ifndef DP_ABI_H
#define DP_ABI_H

#include <linux/types.h>

/* ---- limits (map sizes are defaults: the loader may change max_entries) ----
 * Constants are enums, not #defines, so they reach the object's BTF (see
 * struct dp_abi_constants) and the ABI test compares them with the C# mirrors. */
enum dp_limits {
	DP_CT_MAX_DEFAULT        = 262144, /* entries; a flow uses two */
	DP_PORTMAP_MAX           = 16384,  /* ports published on one address */
	DP_PORTMAP_ANY_SLOTS     = 2 * 65536, /* on every address: TCP ports, then UDP */
	DP_MAPPING_ID_MAX        = 16384,  /* mapping ids are 1..MAX-1; 0 = no mapping */
	DP_ENDPOINT_MAX          = 16384,
	DP_NETWORK_MAX           = 1024,
	DP_HOSTADDR_MAX          = 1024,
	DP_IFADDR_MAX            = 1024,
	DP_DROP_SLOTS            = 32,     /* size of dp_drops; > number of reasons */
	/* Masquerade source ports when dp_config leaves the range zero: above the
	 * kernel's default ephemeral range (32768-60999) so host sockets and SNAT
	 * flows do not compete for the same ports. */
	DP_SNAT_PORT_MIN_DEFAULT = 61000,
	DP_SNAT_PORT_MAX_DEFAULT = 65535,
	DP_SNAT_PROBES_MAX       = 64,     /* hard bound of the probing loop */
	DP_FRAG_MAX              = 8192,   /* datagrams in flight as fragments (LRU) */
	DP_FRAG_LIFETIME_SEC     = 5,      /* later fragments must follow the first within this */
	DP_CT_RECENT             = 64,     /* flows remembered per CPU as early-drop candidates */
	DP_CT6_MAX_DEFAULT       = 65536,  /* IPv6 conntrack entries; a flow uses two */
	/* A replied UDP flow gets the replied timeout only from a packet this long
	 * after its first one (nf_conntrack's stream_ts): a request and its
	 * answer keep the unreplied one. */
	DP_CT_UDP_STREAM_MS      = 2000,
};

/* Address families as the kernel numbers them (AF_INET, AF_INET6). */
enum dp_family {
	DP_AF_INET  = 2,
	DP_AF_INET6 = 10,
};

/* ---- drop reasons ----
 * Negative, below every TC_ACT_* (-1..8) and XDP_* (0..4) value, so a helper
 * can return either a verdict or a reason. Counted in dp_drops at index
 * DP_DROP_INDEX(reason). */
enum dp_drop_reason {
	DP_DROP_BASE            = -130,
	DP_DROP_UNKNOWN         = -130, /* internal error, should not happen */
	DP_DROP_DIRECT_ROUTED   = -131, /* outside -> container IP without NAT state */
	DP_DROP_CT_FULL         = -132, /* conntrack table full: new flow refused */
	DP_DROP_SNAT_EXHAUSTED  = -133, /* no free masquerade port in the range */
	DP_DROP_INTER_NETWORK   = -134, /* container -> another network's subnet */
	DP_DROP_ICC             = -135, /* same network, ICC disabled */
	DP_DROP_INTERNAL_NETWORK = -136, /* internal network -> outside */
	DP_DROP_NO_SNAT_ADDRESS = -137, /* no masquerade address for the egress ifindex */
	DP_DROP_REWRITE         = -138, /* a rewrite/checksum helper failed mid-way */
	DP_DROP_NO_ENDPOINT     = -139, /* translated to a container that has no endpoint */
	DP_DROP_FIB             = -140, /* translated packet has no usable route */
	DP_DROP_FRAGMENT        = -141, /* non-first fragment of a datagram whose flow is gone */
	DP_DROP_CT_COLLISION    = -142, /* reply tuple of a new flow already in use */
	DP_DROP_NO_CONNTRACK   = -143, /* non-opening packet (e.g. TCP ACK) of an unknown flow */
	DP_DROP_UNSUPPORTED     = -144, /* protocol we cannot masquerade (non-echo ICMP, GRE...) */
	DP_DROP_FRAG_NO_STATE   = -145, /* non-first fragment whose first fragment was not translated here */
	DP_DROP_SPOOFED         = -146, /* from a container veth: source address/MAC not that container's */
	DP_DROP_MALFORMED       = -147, /* would open a flow: bad IPv4 header checksum, tot_len beyond the frame */
	DP_DROP_MARTIAN         = -148, /* would open a flow: source is ours, loopback, zero or multicast */
	DP_DROP_BAD_CHECKSUM    = -149, /* would open a flow: TCP/UDP checksum the kernel did not verify is wrong */
	DP_DROP_CT_EARLY_DROP   = -150, /* not a packet: an unreplied flow evicted to admit a new one (table full) */
	DP_DROP_FORWARDING_OFF  = -151, /* to be routed, but forwarding is off on the device it came in on */
	DP_DROP_LAST            = -151,
};
#define DP_DROP_INDEX(reason) ((__u32)(DP_DROP_BASE - (reason)))
#define DP_DROP_COUNT         (DP_DROP_BASE - DP_DROP_LAST + 1)

/* ---- conntrack ---- */
enum dp_ct_state {
	DP_CT_NONE        = 0,
	DP_CT_SYN_SENT    = 1,
	DP_CT_SYN_RECV    = 2,
	DP_CT_ESTABLISHED = 3,
	DP_CT_FIN_WAIT    = 4, /* originator sent FIN */
	DP_CT_CLOSE_WAIT  = 5, /* responder sent FIN */
	DP_CT_LAST_ACK    = 6, /* both sent FIN */
	DP_CT_TIME_WAIT   = 7,
	DP_CT_CLOSE       = 8, /* RST seen */
	DP_CT_UNREPLIED   = 9, /* UDP / ICMP echo, one direction seen */
	DP_CT_REPLIED     = 10,/* UDP / ICMP echo, both directions seen */
};

/* Timeouts in seconds, close to nf_conntrack's defaults; dp_config.ct_timeout
 * overrides them per class: the state for TCP and UDP,
 * DP_CT_TIMEOUT_CLASS_ICMP for ICMP echo flows. */
enum dp_ct_timeout_class {
	DP_CT_TIMEOUT_CLASS_ICMP = 11,
	DP_CT_TIMEOUT_CLASSES    = 12,
};

enum dp_ct_timeout_default {
	DP_CT_TO_SYN_SENT     = 120,
	DP_CT_TO_SYN_RECV     = 60,
	DP_CT_TO_ESTABLISHED  = 432000, /* 5 days */
	DP_CT_TO_FIN_WAIT     = 120,
	DP_CT_TO_CLOSE_WAIT   = 60,
	DP_CT_TO_LAST_ACK     = 30,
	DP_CT_TO_TIME_WAIT    = 120,
	DP_CT_TO_CLOSE        = 10,
	DP_CT_TO_UDP          = 30,
	DP_CT_TO_UDP_REPLIED  = 120,
	DP_CT_TO_ICMP         = 30,
};

enum dp_ct_flags {
	DP_CT_F_REPLY      = 1 << 0, /* entry matches the reply direction */
	DP_CT_F_DNAT       = 1 << 1, /* destination translated (published port) */
	DP_CT_F_SNAT       = 1 << 2, /* source translated; its reply entry claims the port */
	DP_CT_F_SEEN_REPLY = 1 << 3,
	DP_CT_F_HAIRPIN    = 1 << 4, /* container -> published port of the host */
};

/*
 * One entry per direction, keyed by the tuple as the packet carries it.
 * ICMP echo: the echo id is the port: sport = id for requests, dport = id for
 * replies (the other port is 0), so reversing a tuple stays consistent.
 */
struct dp_ct_key {
	__be32 saddr;
	__be32 daddr;
	__be16 sport;
	__be16 dport;
	__u8   proto;   /* IPPROTO_TCP / IPPROTO_UDP / IPPROTO_ICMP */
	__u8   pad[3];
};

/*
 * nat_* is the whole tuple after translation. The peer entry's key is the
 * reverse of it: {nat_daddr, nat_saddr, nat_dport, nat_sport, proto}.
 * Both entries carry the same state and expiry (updated together).
 * A DP_CT_F_SNAT flow's reply entry is its claim on its source port: no
 * other flow may have the same reply tuple (nf_nat's tuple uniqueness).
 */
struct dp_ct_val {
	__u64  expires_ns;    /* CLOCK_MONOTONIC; sweeper deletes when < now */
	__u64  last_seen_ns;
	__u64  packets;       /* this direction; approximate under races */
	__u64  bytes;
	__be32 nat_saddr;
	__be32 nat_daddr;
	__be16 nat_sport;
	__be16 nat_dport;
	__u32  mapping_id;    /* published-port mapping that owns the flow, 0 = none */
	__u8   state;         /* enum dp_ct_state */
	__u8   flags;         /* enum dp_ct_flags */
	__u8   pad[2];
	__u32  created_ms;    /* CLOCK_MONOTONIC ms of the first packet, modulo 2^32 (ages up to 49 days) */
};

/* Per CPU: the original keys of the last DP_CT_RECENT flows created, a FIFO
 * of candidates when a full table must give up an unreplied flow: written at
 * keys[next % N], looked at from keys[head % N] (head < next, at most N
 * behind); proto 0 = empty. */
struct dp_ct_recent {
	__u32  next;
	__u32  head;
	struct dp_ct_key keys[DP_CT_RECENT];
	/* Per-CPU scratch of flow creation: the callers leave no stack for it. */
	struct dp_ct_key scratch;    /* keys built while evicting */
	struct dp_ct_key reply_key;  /* the reply entry being inserted */
	struct dp_ct_val reply_val;
};

/* ---- fragments ----
 * Later fragments carry no L4 header. The first fragment of a translated
 * datagram leaves its ports here, keyed by the datagram's identity as it
 * arrived; later fragments take the ports from here and their translation
 * from dp_ct (Cilium's approach). LRU with a short lifetime: nothing to sweep.
 * Ready for IPv6: 16-byte addresses (IPv4 in the first word, the rest 0) and
 * the 32-bit identification of the IPv6 fragment header.
 */
struct dp_frag_key {
	__be32 saddr[4];
	__be32 daddr[4];
	__be32 id;            /* IPv4: the 16-bit id in the low-order (last) bytes */
	__u8   family;        /* enum dp_family */
	__u8   proto;
	__u8   pad[2];
};

struct dp_frag_val {
	__u64  expires_ns;    /* CLOCK_MONOTONIC; ignored (and replaced) after */
	__be16 sport;         /* ports of the datagram (ICMP echo: see dp_ct_key) */
	__be16 dport;
	__u32  pad;
};

/* ---- published ports ---- */
enum dp_portmap_flags {
	/* The runtime holds the host port itself (reserveHostPorts false): the
	 * bind guard (lib/dp_bind.h) lets binds to it through. */
	DP_PORTMAP_F_UNGUARDED = 1 << 0,
};

/* A port published on one host address. Ports published on every local
 * address (0.0.0.0, [::]) live in dp_portmap_any / dp_portmap6_any, not here.
 * A mapping on 127.0.0.0/8 is only seen by the cgroup socket hooks, never
 * from the wire. (addr = 0 is never written: see dp_portmap_any.) */
struct dp_portmap_key {
	__be32 addr;
	__be16 port;
	__u8   proto;
	__u8   pad;
};

struct dp_portmap_val {
	__be32 ctr_addr;
	__be16 ctr_port;
	__u16  pad;
	__u32  mapping_id;    /* 1..DP_MAPPING_ID_MAX-1, index of dp_mapstats */
	__u32  flags;         /* enum dp_portmap_flags (dp_portmap6_val's too) */
};

/*
 * Ports published on every local address of a family: one slot per
 * {protocol, port}, DP_PORTMAP_ANY_SLOT(proto, port), an ARRAY the control
 * plane writes through mmap (BPF_F_MMAPABLE): no hashing, no bucket lock and
 * no syscall per port, and one indexed load on the new-flow path. A slot is
 * published when its mapping_id is not 0; the writer stores mapping_id last
 * when publishing and first (as 0) when unpublishing, so a reader that sees
 * an id sees the translation written before it.
 */
#define DP_PORTMAP_ANY_SLOT(proto_is_udp, port_host_order) \
	((__u32)(proto_is_udp) << 16 | (__u32)(port_host_order))

/* ---- endpoints (containers), keyed by container address ---- */
struct dp_endpoint_key {
	__be32 addr;
};

struct dp_endpoint {
	__u32 ifindex;        /* host-side veth (bpf_redirect_peer target) */
	__u32 network_id;
	__u8  mac[6];         /* container's MAC */
	__u8  gw_mac[6];      /* source MAC of frames we deliver (the bridge's MAC) */
	__u32 flags;          /* reserved, 0 */
};

/* ---- networks: LPM trie subnet -> network ---- */
struct dp_network_key {
	__u32  prefixlen;     /* LPM trie key header */
	__be32 addr;
};

enum dp_network_flags {
	DP_NET_F_ICC        = 1 << 0, /* containers of this network may talk to each other */
	DP_NET_F_INTERNAL   = 1 << 1, /* no outside access */
	DP_NET_F_MASQUERADE = 1 << 2, /* masquerade traffic leaving the network */
};

struct dp_network {
	__u32  network_id;
	__u32  flags;         /* enum dp_network_flags */
	__be32 gateway;       /* source of self-hairpin flows */
	__u32  pad;
};

/* ---- host addresses ---- */
/* Every local address of the host namespace (uplinks and bridge gateways):
 * the destinations a wildcard published port matches. */
struct dp_hostaddr_key {
	__be32 addr;
};

struct dp_hostaddr {
	__u32 ifindex;
	__u32 flags;          /* reserved, 0 */
};

/* Masquerade source per egress ifindex (from bpf_fib_lookup); ifindex 0 is
 * the fallback for egress devices without their own entry. */
struct dp_ifaddr_key {
	__u32 ifindex;
};

struct dp_ifaddr {
	__be32 addr;
	__u32  flags;         /* reserved, 0 */
};

/* ---- runtime configuration: dp_config[0] ---- */
struct dp_config {
	__u64 netns_cookie;   /* cgroup hooks act only in this netns; 0 = never act */
	__u16 snat_port_min;  /* host order; 0/0 = defaults above */
	__u16 snat_port_max;
	__u32 flags;          /* reserved, 0 */
	__u32 ct_timeout[DP_CT_TIMEOUT_CLASSES]; /* seconds by class (see DP_CT_TO_*); 0 = default */
};

/* ---- counters (per-CPU arrays; user space sums the CPUs) ---- */
struct dp_counter {
	__u64 packets;
	__u64 bytes;
};

/* ---- cgroup socket hooks: original destination per socket (sk_storage) ---- */
struct dp_sock_orig {
	__be32 addr;          /* what the application asked for */
	__be32 ctr_addr;      /* what it was rewritten to */
	__be16 port;
	__be16 ctr_port;
};

/* Never loaded: one variable of this type (dp_nat.bpf.c, section .dp_abi,
 * which libbpf skips) makes clang emit every constant enum into the object's
 * BTF, where the ABI test reads them. List each constant enum here. */
struct dp_abi_constants {
	enum dp_limits             limits;
	enum dp_drop_reason        drop_reason;
	enum dp_ct_state           ct_state;
	enum dp_ct_timeout_class   ct_timeout_class;
	enum dp_ct_timeout_default ct_timeout_default;
	enum dp_ct_flags           ct_flags;
	enum dp_network_flags      network_flags;
	enum dp_portmap_flags      portmap_flags;
	enum dp_family             family;
};

/* ---- map names (pinned by name under the instance's pin directory) ---- */
#define DP_MAP_CT        "dp_ct"
#define DP_MAP_PORTMAP   "dp_portmap"
#define DP_MAP_PORTMAP_ANY "dp_portmap_any"
#define DP_MAP_ENDPOINTS "dp_endpoints"
#define DP_MAP_NETWORKS  "dp_networks"
#define DP_MAP_HOSTADDR  "dp_hostaddr"
#define DP_MAP_IFADDR    "dp_ifaddr"
#define DP_MAP_CONFIG    "dp_config"
#define DP_MAP_MAPSTATS  "dp_mapstats"
#define DP_MAP_DROPS     "dp_drops"
#define DP_MAP_SOCKORIG  "dp_sock_orig"
#define DP_MAP_FRAG      "dp_frag"
#define DP_MAP_CT_RECENT "dp_ct_recent"

_Static_assert(sizeof(struct dp_ct_key) == 16, "dp_ct_key");
_Static_assert(sizeof(struct dp_ct_val) == 56, "dp_ct_val");
_Static_assert(sizeof(struct dp_ct_recent) == 8 + 16 * (DP_CT_RECENT + 2) + 56, "dp_ct_recent");
_Static_assert(sizeof(struct dp_frag_key) == 40, "dp_frag_key");
_Static_assert(sizeof(struct dp_frag_val) == 16, "dp_frag_val");
_Static_assert(sizeof(struct dp_portmap_key) == 8, "dp_portmap_key");
_Static_assert(sizeof(struct dp_portmap_val) == 16, "dp_portmap_val");
_Static_assert(sizeof(struct dp_endpoint_key) == 4, "dp_endpoint_key");
_Static_assert(sizeof(struct dp_endpoint) == 24, "dp_endpoint");
_Static_assert(sizeof(struct dp_network_key) == 8, "dp_network_key");
_Static_assert(sizeof(struct dp_network) == 16, "dp_network");
_Static_assert(sizeof(struct dp_hostaddr_key) == 4, "dp_hostaddr_key");
_Static_assert(sizeof(struct dp_hostaddr) == 8, "dp_hostaddr");
_Static_assert(sizeof(struct dp_ifaddr_key) == 4, "dp_ifaddr_key");
_Static_assert(sizeof(struct dp_ifaddr) == 8, "dp_ifaddr");
_Static_assert(sizeof(struct dp_config) == 64, "dp_config");
_Static_assert(sizeof(struct dp_counter) == 16, "dp_counter");
_Static_assert(sizeof(struct dp_sock_orig) == 12, "dp_sock_orig");
_Static_assert(DP_DROP_COUNT <= DP_DROP_SLOTS, "dp_drops too small");

/* ---- observability: forward counters and drop/trace events ---- */
/* dp_fwd index: the path a translated packet took (counted per packet). */
enum dp_fwd_path {
	DP_FWD_DNAT          = 0, /* to a published port's container (original direction) */
	DP_FWD_DNAT_REPLY    = 1, /* container's reply of a published-port flow */
	DP_FWD_MASQUERADE    = 2, /* container -> outside, source translated */
	DP_FWD_MASQ_REPLY    = 3, /* outside's reply to a masqueraded flow */
	DP_FWD_HAIRPIN       = 4, /* container -> published port of the host, both directions */
	DP_FWD_XDP           = 5, /* redirected by the XDP fast path */
	DP_FWD_SOCK_CONNECT  = 6, /* cgroup connect4/6 rewrote a host socket's destination */
	DP_FWD_SOCK_SENDMSG  = 7, /* cgroup sendmsg4/6 rewrote a datagram's destination */
};

/* dp_drop_dir index: DP_DROP_INDEX(reason) * 2 + direction, for drops of a
 * packet seen by a tc or XDP program (dp_drops counts every drop by reason). */
enum dp_direction {
	DP_DIR_INGRESS = 0, /* arrived on an uplink */
	DP_DIR_EGRESS  = 1, /* sent by a container (its veth) */
};

enum dp_event_type {
	DP_EVENT_DROP  = 1,
	DP_EVENT_TRACE = 2,
};

/* Where the event was seen (the program). */
enum dp_event_prog {
	DP_PROG_UPLINK_IN = 1,
	DP_PROG_VETH_IN   = 2,
	DP_PROG_XDP       = 3,
};

enum dp_obs_limits {
	DP_FWD_SLOTS            = 8,          /* size of dp_fwd; > number of paths */
	DP_DROP_DIR_SLOTS       = 64,         /* size of dp_drop_dir: DP_DROP_SLOTS x 2 directions */
	DP_EVENTS_RINGBUF_BYTES = 256 * 1024, /* dp_events ring buffer */
	DP_EVENTS_RATE_DEFAULT  = 1000,       /* events per second per CPU when dp_event_ctl leaves 0 */
	DP_EVENTS_BURST_DEFAULT = 200,        /* bucket depth per CPU when dp_event_ctl leaves 0 */
};

/* dp_event_ctl[0], written by the daemon: which events to emit (a mask of
 * 1 << enum dp_event_type; 0 = none, nothing costs more than one lookup)
 * and the per-CPU token bucket. */
struct dp_event_ctl {
	__u32 mask;
	__u32 rate;           /* tokens per second per CPU; 0 = default */
	__u32 burst;          /* bucket depth; 0 = default */
	__u32 pad;
};

/* dp_event_state[0], per CPU: the token bucket and what became of events. */
struct dp_event_state {
	__u64 last_ns;        /* last refill */
	__u64 tokens_milli;   /* tokens x 1000 (sub-token refills accumulate) */
	__u64 emitted;
	__u64 rate_limited;   /* wanted but over the rate */
	__u64 lost;           /* ring buffer full (no reader keeping up) */
};

/* One ring buffer record. Tuple as the packet carried it when seen; the
 * addresses have IPv6's shape (IPv4 in the first word, the rest 0), as
 * dp_frag_key, so both families share the record. */
struct dp_event {
	__u64  ts_ns;         /* CLOCK_MONOTONIC */
	__u32  type;          /* enum dp_event_type */
	__s32  reason;        /* drop: enum dp_drop_reason; trace: the tc/XDP verdict */
	__u32  ifindex;       /* interface the packet came in on */
	__u32  len;           /* frame length */
	__be32 saddr[4];
	__be32 daddr[4];
	__be16 sport;
	__be16 dport;
	__u8   proto;
	__u8   prog;          /* enum dp_event_prog */
	__u8   family;        /* enum dp_family */
	__u8   pad;
};

struct dp_abi_obs_constants {
	enum dp_fwd_path     fwd_path;
	enum dp_direction    direction;
	enum dp_event_type   event_type;
	enum dp_event_prog   event_prog;
	enum dp_obs_limits   obs_limits;
	struct dp_event      ringbuf_record; /* no map names it as key or value: its BTF comes from here */
};

#define DP_MAP_FWD         "dp_fwd"
#define DP_MAP_DROP_DIR    "dp_drop_dir"
#define DP_MAP_EVENTS      "dp_events"
#define DP_MAP_EVENT_CTL   "dp_event_ctl"
#define DP_MAP_EVENT_STATE "dp_event_state"

_Static_assert(sizeof(struct dp_event_ctl) == 16, "dp_event_ctl");
_Static_assert(sizeof(struct dp_event_state) == 40, "dp_event_state");
_Static_assert(sizeof(struct dp_event) == 64, "dp_event");
_Static_assert(DP_DROP_DIR_SLOTS >= DP_DROP_SLOTS * 2, "dp_drop_dir too small");

/* ==== IPv6 ====
 * Own maps with the IPv4 maps' shape and 16-byte addresses (network order, as
 * struct in6_addr holds them), rather than one family-agnostic table: IPv4
 * keys stay 16 bytes (its hash and lookups cost exactly what they did) and
 * IPv4 packets never touch an IPv6 map. A flow never changes family (no
 * NAT46/64), so nothing needs both. */
struct dp_ct6_key {
	__be32 saddr[4];
	__be32 daddr[4];
	__be16 sport;
	__be16 dport;
	__u8   proto;   /* IPPROTO_TCP / IPPROTO_UDP / IPPROTO_ICMPV6 */
	__u8   pad[3];
};

/* dp_ct_val with 16-byte addresses; the same rules (see dp_ct_val). */
struct dp_ct6_val {
	__u64  expires_ns;
	__u64  last_seen_ns;
	__u64  packets;
	__u64  bytes;
	__be32 nat_saddr[4];
	__be32 nat_daddr[4];
	__be16 nat_sport;
	__be16 nat_dport;
	__u32  mapping_id;
	__u8   state;
	__u8   flags;
	__u8   pad[2];
	__u32  created_ms;
};

/* addr all-zero = every local IPv6 address (dp_hostaddr6); ::1 only for the
 * socket hooks, never from the wire. */
struct dp_portmap6_key {
	__be32 addr[4];
	__be16 port;
	__u8   proto;
	__u8   pad;
};

struct dp_portmap6_val {
	__be32 ctr_addr[4];
	__be16 ctr_port;
	__u16  pad;
	__u32  mapping_id;    /* shared id space with dp_portmap (one dp_mapstats) */
	__u32  flags;         /* reserved, 0 */
};

/* Container IPv6 address -> struct dp_endpoint (same value as IPv4's). */
struct dp_endpoint6_key {
	__be32 addr[4];
};

struct dp_network6_key {
	__u32  prefixlen;     /* LPM trie key header */
	__be32 addr[4];
};

struct dp_network6 {
	__u32  network_id;    /* the same id as the network's IPv4 subnet */
	__u32  flags;         /* enum dp_network_flags */
	__be32 gateway[4];    /* source of self-hairpin flows */
};

/* Every local IPv6 address of the host namespace -> struct dp_hostaddr. */
struct dp_hostaddr6_key {
	__be32 addr[4];
};

/* Masquerade (NAT66) source per egress ifindex, keyed by struct dp_ifaddr_key
 * (0 = the fallback), as dp_ifaddr for IPv4. A masqueraded flow's port (echo
 * id) needs no reservation map: the flow's reply entry in dp_ct6, inserted
 * with BPF_NOEXIST, is its claim on {address, port, remote address, remote
 * port} (nf_nat's tuple uniqueness), so a port is reused only towards another
 * remote end. */
struct dp_ifaddr6 {
	__be32 addr[4];
	__u32  flags;         /* reserved, 0 */
};

/* Per-CPU scratch of IPv6 flow creation: the reply entry being inserted, and
 * dp_ct_recent's early-drop FIFO for dp_ct6 (same rules, see dp_ct_recent). */
struct dp_scratch6 {
	__u32  next;
	__u32  head;
	struct dp_ct6_key keys[DP_CT_RECENT];
	struct dp_ct6_key scratch;   /* keys built while evicting */
	struct dp_ct6_key reply_key;
	struct dp_ct6_val reply_val;
};

#define DP_MAP_CT6        "dp_ct6"
#define DP_MAP_PORTMAP6   "dp_portmap6"
#define DP_MAP_PORTMAP6_ANY "dp_portmap6_any"
#define DP_MAP_ENDPOINTS6 "dp_endpoints6"
#define DP_MAP_NETWORKS6  "dp_networks6"
#define DP_MAP_HOSTADDR6  "dp_hostaddr6"
#define DP_MAP_SCRATCH6   "dp_scratch6"
#define DP_MAP_IFADDR6    "dp_ifaddr6"

_Static_assert(sizeof(struct dp_ct6_key) == 40, "dp_ct6_key");
_Static_assert(sizeof(struct dp_ct6_val) == 80, "dp_ct6_val");
_Static_assert(sizeof(struct dp_portmap6_key) == 20, "dp_portmap6_key");
_Static_assert(sizeof(struct dp_portmap6_val) == 28, "dp_portmap6_val");
_Static_assert(sizeof(struct dp_endpoint6_key) == 16, "dp_endpoint6_key");
_Static_assert(sizeof(struct dp_network6_key) == 20, "dp_network6_key");
_Static_assert(sizeof(struct dp_network6) == 24, "dp_network6");
_Static_assert(sizeof(struct dp_hostaddr6_key) == 16, "dp_hostaddr6_key");
_Static_assert(sizeof(struct dp_ifaddr6) == 20, "dp_ifaddr6");
_Static_assert(sizeof(struct dp_scratch6) == 8 + 40 * (DP_CT_RECENT + 2) + 80, "dp_scratch6");

/* ==== cgroup socket hooks of IPv6 sockets ====
 * dp_sock_orig with 16-byte addresses, kept in dp_sock_orig6 (sk_storage) for
 * an AF_INET6 socket whose destination connect6/sendmsg6 rewrote. IPv4-mapped
 * destinations (::ffff:a.b.c.d) use dp_portmap and dp_sock_orig. */
struct dp_sock_orig6 {
	__be32 addr[4];       /* what the application asked for */
	__be32 ctr_addr[4];   /* what it was rewritten to */
	__be16 port;
	__be16 ctr_port;
};

#define DP_MAP_SOCKORIG6 "dp_sock_orig6"

_Static_assert(sizeof(struct dp_sock_orig6) == 36, "dp_sock_orig6");

#endif /* DP_ABI_H */
