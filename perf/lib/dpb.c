// dpb: small, self-terminating traffic tools for perf/run. Every mode takes a lifetime or a
// duration and exits on its own.
//
//   dpb rr-server PORT LIFETIME_S          TCP: accept, read 1 byte, answer 1 byte, close (2 workers)
//   dpb cps IP PORT SECONDS CONCURRENCY    TCP: connect, send 1 byte, read the answer, close with RST;
//                                          prints "cps RATE ok N errors E"
//   dpb udp-hold PORT LIFETIME_S           UDP: a bound socket never read (the UDP MIB counts arrivals)
//   dpb udp-echo PORT LIFETIME_S           UDP: echo every datagram back
//   dpb udp-ping IP PORT SECONDS           UDP ping-pong, 64-byte payload; prints "rtt_us p50 P50 p99 P99 n N lost L"
//   dpb udp-flood IFACE DSTMAC SRCIP DSTIP DPORT MODE SECONDS MAXPKTS SEED
//                                          64-byte frames on AF_PACKET (qdisc bypass, sendmmsg);
//                                          MODE est: one flow (source port 40000);
//                                          MODE new: every packet a new flow (source port and the low 15
//                                          bits of the source address from a bijection of the packet index);
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

static struct sockaddr_in addr_of(const char *ip, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	if (inet_pton(AF_INET, ip, &a.sin_addr) != 1) {
		fprintf(stderr, "bad address %s\n", ip);
		exit(2);
	}
	return a;
}

static int listener(int type, int port)
{
	int s = socket(AF_INET, type, 0), one = 1;
	if (s < 0) die("socket");
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	setsockopt(s, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	if (bind(s, (struct sockaddr *)&a, sizeof a) < 0) die("bind");
	if (type == SOCK_STREAM && listen(s, 4096) < 0) die("listen");
	return s;
}

/* ---- rr-server ---- */
static void rr_worker(int port, int lifetime)
{
	int ls = listener(SOCK_STREAM, port);
	fcntl(ls, F_SETFL, O_NONBLOCK); /* the accept loop below drains the backlog and must not block */
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = ls };
	epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
	double end = now() + lifetime;
	struct epoll_event evs[256];
	while (now() < end) {
		int n = epoll_wait(ep, evs, 256, 500);
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			if (fd == ls) {
				for (int k = 0; k < 64; k++) {
					int c = accept4(ls, NULL, NULL, SOCK_NONBLOCK);
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

static int cps_open(int ep, struct sockaddr_in *dst, struct conn *c)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd < 0) return -1;
	int r = connect(fd, (struct sockaddr *)dst, sizeof *dst);
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
	struct sockaddr_in dst = addr_of(argv[2], atoi(argv[3]));
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
	int s = listener(SOCK_DGRAM, atoi(argv[2]));
	(void)s;
	sleep(atoi(argv[3]));
	return 0;
}

/* ---- udp echo / ping ---- */
static int udp_echo(int argc, char **argv)
{
	if (argc < 4) return 2;
	int s = listener(SOCK_DGRAM, atoi(argv[2]));
	double end = now() + atoi(argv[3]);
	struct timeval tv = { .tv_sec = 0, .tv_usec = 500000 };
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	char b[2048];
	while (now() < end) {
		struct sockaddr_in from;
		socklen_t fl = sizeof from;
		ssize_t r = recvfrom(s, b, sizeof b, 0, (struct sockaddr *)&from, &fl);
		if (r > 0) sendto(s, b, r, 0, (struct sockaddr *)&from, fl);
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
	struct sockaddr_in dst = addr_of(argv[2], atoi(argv[3]));
	double secs = atof(argv[4]);
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	if (connect(s, (struct sockaddr *)&dst, sizeof dst) < 0) die("connect");
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

#define FRAME 60 /* + 4-byte FCS = 64 bytes on the wire */
#define BATCH 64

static void build(uint8_t *f, const uint8_t *dmac, const uint8_t *smac, uint32_t saddr, uint32_t daddr, uint16_t sport, uint16_t dport)
{
	memset(f, 0, FRAME);
	struct ether_header *eh = (void *)f;
	memcpy(eh->ether_dhost, dmac, 6);
	memcpy(eh->ether_shost, smac, 6);
	eh->ether_type = htons(ETHERTYPE_IP);
	struct iphdr *ip = (void *)(f + 14);
	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons(FRAME - 14);
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->saddr = saddr;
	ip->daddr = daddr;
	ip->check = htons(csum_fold(csum_add(0, ip, 20)));
	struct udphdr *u = (void *)(f + 34);
	u->source = htons(sport);
	u->dest = htons(dport);
	u->len = htons(FRAME - 34);
	memcpy(f + 42, "dpbench-64-byte-ud", 18);
	struct { uint32_t s, d; uint8_t z, p; uint16_t l; } ph = { saddr, daddr, 0, IPPROTO_UDP, u->len };
	uint16_t c = csum_fold(csum_add(csum_add(0, &ph, sizeof ph), u, FRAME - 34));
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
	uint32_t saddr = addr_of(argv[4], 0).sin_addr.s_addr, daddr = addr_of(argv[5], 0).sin_addr.s_addr;
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

	static uint8_t frames[BATCH][FRAME];
	struct iovec iov[BATCH];
	struct mmsghdr msgs[BATCH];
	memset(msgs, 0, sizeof msgs);
	for (int i = 0; i < BATCH; i++) {
		build(frames[i], dmac, smac, saddr, daddr, 40000, dport);
		iov[i].iov_base = frames[i];
		iov[i].iov_len = FRAME;
		msgs[i].msg_hdr.msg_name = &ll;
		msgs[i].msg_hdr.msg_namelen = sizeof ll;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	uint32_t base = ntohl(saddr) & ~0x7fffu;
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
				build(frames[i], dmac, smac, htonl(base | (x & 0x7fff)), daddr, 32768 + (x >> 15), dport);
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
