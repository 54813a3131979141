// dpb: small, self-terminating traffic tools for perf/run. Every mode takes a lifetime or a
// duration and exits on its own. Servers answer on both families (one socket each); clients and
// the flood take IPv4 or IPv6 addresses.
//
//   dpb rr-server PORT LIFETIME_S          TCP: accept, read 1 byte, answer 1 byte, close (2 workers)
//   dpb cps IP PORT SECONDS CONCURRENCY    TCP: connect, send 1 byte, read the answer, close with RST;
//                                          prints "cps RATE ok N errors E"
//   dpb udp-hold PORT LIFETIME_S           UDP: a bound socket never read (the UDP MIB counts arrivals)
//   dpb udp-echo PORT LIFETIME_S           UDP: echo every datagram back
//   dpb udp-ping IP PORT SECONDS           UDP ping-pong, 64-byte payload; prints "rtt_us p50 P50 p99 P99 n N lost L"
//   dpb udp-flood IFACE DSTMAC SRCIP DSTIP DPORT MODE SECONDS MAXPKTS SEED
//                                          64-byte frames on AF_PACKET (qdisc bypass, sendmmsg; IPv6:
//                                          80 bytes, the same 18-byte payload behind the longer header);
//                                          MODE est: one flow (source port 40000);
//                                          MODE new: every packet a new flow (source port and the low 15
//                                          bits of the source address from a bijection of the packet index);
//                                          SRCIP and DSTIP of one family
//                                          prints "sent N seconds S"
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	perror(what);
	exit(2);
}

/* An IPv4 or IPv6 address (by its spelling) and port. */
struct addr {
	union { struct sockaddr sa; struct sockaddr_in in; struct sockaddr_in6 in6; };
	socklen_t len;
};

static struct addr addr_of(const char *ip, int port)
{
	struct addr a = { 0 };
	if (strchr(ip, ':')) {
		a.in6 = (struct sockaddr_in6){ .sin6_family = AF_INET6, .sin6_port = htons(port) };
		a.len = sizeof a.in6;
		if (inet_pton(AF_INET6, ip, &a.in6.sin6_addr) == 1) return a;
	} else {
		a.in = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons(port) };
		a.len = sizeof a.in;
		if (inet_pton(AF_INET, ip, &a.in.sin_addr) == 1) return a;
	}
	fprintf(stderr, "bad address %s\n", ip);
	exit(2);
}

/* Bound to the wildcard address of one family (IPv6 only for AF_INET6, so the two never overlap);
 * -1 for IPv6 on a kernel without it. */
static int listener(int family, int type, int port)
{
	int s = socket(family, type, 0), one = 1;
	if (s < 0 && family == AF_INET6 && errno == EAFNOSUPPORT) return -1;
	if (s < 0) die("socket");
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	setsockopt(s, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
	struct addr a = addr_of(family == AF_INET6 ? "::" : "0.0.0.0", port);
	if (family == AF_INET6) setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
	if (bind(s, &a.sa, a.len) < 0) die("bind");
	if (type == SOCK_STREAM && listen(s, 4096) < 0) die("listen");
	return s;
}

static const int families[2] = { AF_INET, AF_INET6 };

/* ---- rr-server ---- */
static void rr_worker(int port, int lifetime)
{
	int ep = epoll_create1(0), ls[2];
	for (int f = 0; f < 2; f++) {
		if ((ls[f] = listener(families[f], SOCK_STREAM, port)) < 0) continue;
		fcntl(ls[f], F_SETFL, O_NONBLOCK); /* the accept loop below drains the backlog and must not block */
		struct epoll_event ev = { .events = EPOLLIN, .data.fd = ls[f] };
		epoll_ctl(ep, EPOLL_CTL_ADD, ls[f], &ev);
	}
	double end = now() + lifetime;
	struct epoll_event evs[256];
	while (now() < end) {
		int n = epoll_wait(ep, evs, 256, 500);
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			if (fd == ls[0] || fd == ls[1]) {
				for (int k = 0; k < 64; k++) {
					int c = accept4(fd, NULL, NULL, SOCK_NONBLOCK);
					if (c < 0) break;
					struct epoll_event ce = { .events = EPOLLIN, .data.fd = c };
					epoll_ctl(ep, EPOLL_CTL_ADD, c, &ce);
				}
			} else {
				char b[64];
				ssize_t r = read(fd, b, sizeof b);
				if (r > 0) (void)!write(fd, "y", 1);
				if (r > 0 || (r == 0) || (r < 0 && errno != EAGAIN)) close(fd);
			}
		}
	}
	exit(0);
}

static int rr_server(int argc, char **argv)
{
	if (argc < 4) return 2;
	int port = atoi(argv[2]), lifetime = atoi(argv[3]);
	pid_t kids[2];
	for (int i = 0; i < 2; i++)
		if ((kids[i] = fork()) == 0) rr_worker(port, lifetime);
	for (int i = 0; i < 2; i++) waitpid(kids[i], NULL, 0);
	return 0;
}

/* ---- cps client ---- */
struct conn { int fd; int state; };

static int cps_open(int ep, const struct addr *dst, struct conn *c)
{
	int fd = socket(dst->sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd < 0) return -1;
	int r = connect(fd, &dst->sa, dst->len);
	if (r < 0 && errno != EINPROGRESS) { close(fd); return -1; }
	c->fd = fd;
	c->state = 0;
	struct epoll_event ev = { .events = EPOLLOUT | EPOLLIN, .data.ptr = c };
	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	return 0;
}

static void cps_close_rst(int fd)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
	close(fd);
}

static int cps(int argc, char **argv)
{
	if (argc < 6) return 2;
	struct addr dst = addr_of(argv[2], atoi(argv[3]));
	double secs = atof(argv[4]);
	int conc = atoi(argv[5]);
	if (conc < 1 || conc > 4096) conc = 64;
	struct conn *cs = calloc(conc, sizeof *cs);
	int ep = epoll_create1(0);
	long ok = 0, errs = 0;
	for (int i = 0; i < conc; i++)
		if (cps_open(ep, &dst, &cs[i]) < 0) { errs++; cs[i].fd = -1; }
	double start = now(), end = start + secs, t;
	struct epoll_event evs[512];
	while ((t = now()) < end) {
		int n = epoll_wait(ep, evs, 512, 50);
		for (int i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;
			int done = 0, failed = 0;
			if (evs[i].events & (EPOLLERR | EPOLLHUP) && c->state == 0) failed = 1;
			else if (c->state == 0 && (evs[i].events & EPOLLOUT)) {
				if (write(c->fd, "x", 1) == 1) {
					c->state = 1;
					struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
					epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
				} else failed = 1;
			} else if (c->state == 1 && (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
				char b[8];
				ssize_t r = read(c->fd, b, sizeof b);
				if (r > 0) done = 1;
				else if (r < 0 && errno == EAGAIN) continue;
				else failed = 1;
			}
			if (done || failed) {
				if (done) ok++; else errs++;
				epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
				cps_close_rst(c->fd);
				if (cps_open(ep, &dst, c) < 0) { errs++; c->fd = -1; }
			}
		}
		/* reopen slots whose socket() failed (port exhaustion); bounded by conc */
		for (int i = 0; i < conc; i++)
			if (cs[i].fd < 0 && cps_open(ep, &dst, &cs[i]) < 0) cs[i].fd = -1;
	}
	double el = now() - start;
	printf("cps %.0f ok %ld errors %ld seconds %.3f\n", ok / el, ok, errs, el);
	return 0;
}

/* ---- udp hold: a bound socket that is never read (arrivals counted by the kernel's UDP MIB) ---- */
static int udp_hold(int argc, char **argv)
{
	if (argc < 4) return 2;
	for (int f = 0; f < 2; f++) listener(families[f], SOCK_DGRAM, atoi(argv[2]));
	sleep(atoi(argv[3]));
	return 0;
}

/* ---- udp echo / ping ---- */
static int udp_echo(int argc, char **argv)
{
	if (argc < 4) return 2;
	struct pollfd p[2];
	for (int f = 0; f < 2; f++) p[f] = (struct pollfd){ .fd = listener(families[f], SOCK_DGRAM, atoi(argv[2])), .events = POLLIN };
	double end = now() + atoi(argv[3]);
	char b[2048];
	while (now() < end) {
		if (poll(p, 2, 500) <= 0) continue;
		for (int f = 0; f < 2; f++) {
			if (!(p[f].revents & POLLIN)) continue;
			struct sockaddr_storage from;
			socklen_t fl = sizeof from;
			ssize_t r = recvfrom(p[f].fd, b, sizeof b, MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
			if (r > 0) sendto(p[f].fd, b, r, 0, (struct sockaddr *)&from, fl);
		}
	}
	return 0;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int udp_ping(int argc, char **argv)
{
	if (argc < 5) return 2;
	struct addr dst = addr_of(argv[2], atoi(argv[3]));
	double secs = atof(argv[4]);
	int s = socket(dst.sa.sa_family, SOCK_DGRAM, 0);
	if (connect(s, &dst.sa, dst.len) < 0) die("connect");
	size_t cap = 2000000, n = 0;
	long lost = 0;
	double *rtt = malloc(cap * sizeof *rtt);
	char b[64] = { 0 }, r[2048];
	double end = now() + secs;
	uint64_t seq = 0;
	while (now() < end && n < cap) {
		seq++;
		memcpy(b, &seq, sizeof seq);
		double t0 = now();
		if (send(s, b, sizeof b, 0) < 0) { lost++; usleep(1000); continue; }
		for (;;) {
			struct pollfd p = { .fd = s, .events = POLLIN };
			if (poll(&p, 1, 100) <= 0) { lost++; break; }
			ssize_t k = recv(s, r, sizeof r, 0);
			if (k >= (ssize_t)sizeof seq && memcmp(r, &seq, sizeof seq) == 0) {
				rtt[n++] = (now() - t0) * 1e6;
				break;
			}
			if (k < 0) { lost++; break; }
		}
	}
	if (n == 0) { printf("rtt_us p50 nan p99 nan n 0 lost %ld\n", lost); return 1; }
	qsort(rtt, n, sizeof *rtt, cmp_d);
	printf("rtt_us p50 %.1f p99 %.1f n %zu lost %ld\n", rtt[n / 2], rtt[(size_t)(n * 0.99)], n, lost);
	return 0;
}

/* ---- udp flood on AF_PACKET ---- */
static uint16_t csum_fold(uint32_t s)
{
	while (s >> 16) s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static uint32_t csum_add(uint32_t s, const void *p, size_t len)
{
	const uint8_t *b = p; /* bytes, not uint16_t loads: no strict-aliasing surprises at -O2 */
	for (; len > 1; len -= 2, b += 2) s += (uint32_t)(b[0] << 8 | b[1]);
	if (len) s += (uint32_t)b[0] << 8;
	return s;
}

#define PAYLOAD 18
#define FRAME4 (14 + 20 + 8 + PAYLOAD) /* 60 + 4-byte FCS = 64 bytes on the wire */
#define FRAME6 (14 + 40 + 8 + PAYLOAD) /* the smallest IPv6 frame with the same payload */
#define BATCH 64

/* The addresses of a flood frame: 4 or 16 bytes each, in network order. */
struct ends {
	int family;
	size_t alen;
	uint8_t s[16], d[16];
};

static struct ends ends_of(const char *src, const char *dst)
{
	struct addr s = addr_of(src, 0), d = addr_of(dst, 0);
	struct ends e = { .family = s.sa.sa_family };
	if (s.sa.sa_family != d.sa.sa_family) { fprintf(stderr, "%s and %s: not one family\n", src, dst); exit(2); }
	if (e.family == AF_INET6) {
		e.alen = 16;
		memcpy(e.s, &s.in6.sin6_addr, 16);
		memcpy(e.d, &d.in6.sin6_addr, 16);
	} else {
		e.alen = 4;
		memcpy(e.s, &s.in.sin_addr, 4);
		memcpy(e.d, &d.in.sin_addr, 4);
	}
	return e;
}

static size_t frame_len(const struct ends *e)
{
	return e->family == AF_INET6 ? FRAME6 : FRAME4;
}

static void build(uint8_t *f, const uint8_t *dmac, const uint8_t *smac, const struct ends *e, uint16_t sport, uint16_t dport)
{
	size_t len = frame_len(e), l3 = e->family == AF_INET6 ? 40 : 20;
	memset(f, 0, len);
	struct ether_header *eh = (void *)f;
	memcpy(eh->ether_dhost, dmac, 6);
	memcpy(eh->ether_shost, smac, 6);
	if (e->family == AF_INET6) {
		eh->ether_type = htons(ETHERTYPE_IPV6);
		struct ip6_hdr *ip = (void *)(f + 14);
		ip->ip6_flow = htonl(6u << 28);
		ip->ip6_plen = htons(len - 14 - l3);
		ip->ip6_nxt = IPPROTO_UDP;
		ip->ip6_hlim = 64;
		memcpy(&ip->ip6_src, e->s, 16);
		memcpy(&ip->ip6_dst, e->d, 16);
	} else {
		eh->ether_type = htons(ETHERTYPE_IP);
		struct iphdr *ip = (void *)(f + 14);
		ip->version = 4;
		ip->ihl = 5;
		ip->tot_len = htons(len - 14);
		ip->ttl = 64;
		ip->protocol = IPPROTO_UDP;
		memcpy(&ip->saddr, e->s, 4);
		memcpy(&ip->daddr, e->d, 4);
		ip->check = htons(csum_fold(csum_add(0, ip, 20)));
	}
	struct udphdr *u = (void *)(f + 14 + l3);
	size_t ulen = len - 14 - l3;
	u->source = htons(sport);
	u->dest = htons(dport);
	u->len = htons(ulen);
	memcpy(u + 1, "dpbench-64-byte-ud", PAYLOAD);
	/* the pseudo-header of either family sums to addresses + protocol + UDP length */
	uint32_t ph = csum_add(csum_add(0, e->s, e->alen), e->d, e->alen) + IPPROTO_UDP + ulen;
	uint16_t c = csum_fold(csum_add(ph, u, ulen));
	u->check = htons(c ? c : 0xffff);
}

static int parse_mac(const char *s, uint8_t *m)
{
	return sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) == 6 ? 0 : -1;
}

static int udp_flood(int argc, char **argv)
{
	if (argc < 11) return 2;
	const char *ifname = argv[2];
	uint8_t dmac[6], smac[6];
	if (parse_mac(argv[3], dmac) < 0) { fprintf(stderr, "bad mac\n"); return 2; }
	struct ends e = ends_of(argv[4], argv[5]);
	int dport = atoi(argv[6]), newflows = strcmp(argv[7], "new") == 0;
	double secs = atof(argv[8]);
	long maxp = atol(argv[9]);
	uint32_t seed = (uint32_t)atol(argv[10]);

	int s = socket(AF_PACKET, SOCK_RAW, 0);
	if (s < 0) die("AF_PACKET");
	int one = 1;
	setsockopt(s, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one);
	int ifindex = if_nametoindex(ifname);
	if (!ifindex) die("if_nametoindex");
	char path[128];
	snprintf(path, sizeof path, "/sys/class/net/%s/address", ifname);
	FILE *mf = fopen(path, "r");
	char macs[64] = "";
	if (mf) { (void)!fgets(macs, sizeof macs, mf); fclose(mf); }
	if (parse_mac(macs, smac) < 0) memset(smac, 0x02, 6);
	struct sockaddr_ll ll = { .sll_family = AF_PACKET, .sll_ifindex = ifindex, .sll_halen = 6 };
	memcpy(ll.sll_addr, dmac, 6);

	static uint8_t frames[BATCH][FRAME6];
	struct iovec iov[BATCH];
	struct mmsghdr msgs[BATCH];
	memset(msgs, 0, sizeof msgs);
	for (int i = 0; i < BATCH; i++) {
		build(frames[i], dmac, smac, &e, 40000, dport);
		iov[i].iov_base = frames[i];
		iov[i].iov_len = frame_len(&e);
		msgs[i].msg_hdr.msg_name = &ll;
		msgs[i].msg_hdr.msg_namelen = sizeof ll;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	uint8_t *low = e.s + e.alen - 2; /* the source address's low 15 bits vary with new flows */
	low[0] &= 0x80;
	low[1] = 0;
	const uint8_t base = low[0];
	long sent = 0;
	uint64_t idx = (uint64_t)seed * 1000003u;
	double start = now(), end = start + secs;
	while (sent < maxp && now() < end) {
		int b = BATCH;
		if (maxp - sent < b) b = (int)(maxp - sent);
		if (newflows)
			for (int i = 0; i < b; i++) {
				/* odd multiplier: a bijection of the index on 30 bits, so every packet is a new 5-tuple */
				uint32_t x = (uint32_t)((idx++ * 2654435761u) & 0x3fffffffu);
				low[0] = base | (uint8_t)((x >> 8) & 0x7f);
				low[1] = (uint8_t)x;
				build(frames[i], dmac, smac, &e, 32768 + (x >> 15), dport);
			}
		int r = sendmmsg(s, msgs, b, 0);
		if (r > 0) sent += r;
		else if (r < 0 && errno != ENOBUFS && errno != EAGAIN) die("sendmmsg");
	}
	printf("sent %ld seconds %.4f\n", sent, now() - start);
	return 0;
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc >= 2) {
		if (!strcmp(argv[1], "rr-server")) return rr_server(argc, argv);
		if (!strcmp(argv[1], "cps")) return cps(argc, argv);
		if (!strcmp(argv[1], "udp-hold")) return udp_hold(argc, argv);
		if (!strcmp(argv[1], "udp-echo")) return udp_echo(argc, argv);
		if (!strcmp(argv[1], "udp-ping")) return udp_ping(argc, argv);
		if (!strcmp(argv[1], "udp-flood")) return udp_flood(argc, argv);
	}
	fprintf(stderr, "usage: dpb rr-server|cps|udp-echo|udp-ping|udp-flood ...\n");
	return 2;
}
