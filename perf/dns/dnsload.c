// perf/dns/dnsload.c: the DNS benchmark's two ends, in C so neither is the slow part.
//   dnsload stub ADDR                      UDP server on ADDR:53: every query gets one A record (198.18.5.5)
//   dnsload load SERVER NAME SECONDS WIN   keeps WIN A queries for NAME in flight to SERVER:53 over UDP for
//                                          SECONDS; prints "qps=N p50_us=N p99_us=N answered=N lost=N bad=N"
// A query unanswered after 1 s counts as lost and is replaced; "bad" counts answers that are not NOERROR
// with at least one answer record.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int die(const char *what)
{
	perror(what);
	return 1;
}

static int stub(const char *addr)
{
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(53)};
	if (s < 0 || inet_pton(AF_INET, addr, &sa.sin_addr) != 1 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return die("stub: bind");
	static const uint8_t answer[] = {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 30, 0, 4, 198, 18, 5, 5};
	uint8_t buf[1500];
	for (;;) {
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(s, buf, sizeof(buf) - sizeof(answer), 0, (struct sockaddr *)&from, &fl);
		if (n < 12)
			continue;
		buf[2] |= 0x80; // QR
		buf[3] = 0x80;  // RA, NOERROR
		buf[6] = 0;
		buf[7] = 1; // ANCOUNT
		buf[8] = buf[9] = buf[10] = buf[11] = 0;
		// The question ends at the first zero label after the header, then type and class.
		ssize_t q = 12;
		while (q < n && buf[q])
			q += buf[q] + 1;
		q += 5;
		if (q > n)
			continue;
		memcpy(buf + q, answer, sizeof(answer));
		sendto(s, buf, q + sizeof(answer), 0, (struct sockaddr *)&from, fl);
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int load(const char *server, const char *name, int seconds, int window)
{
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(53)};
	if (s < 0 || inet_pton(AF_INET, server, &sa.sin_addr) != 1 || connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return die("load: connect");
	uint8_t query[300] = {0, 0, 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 0};
	size_t qlen = 12;
	for (const char *label = name; *label;) {
		const char *dot = strchr(label, '.');
		size_t len = dot ? (size_t)(dot - label) : strlen(label);
		query[qlen++] = (uint8_t)len;
		memcpy(query + qlen, label, len);
		qlen += len;
		label += len + (dot ? 1 : 0);
	}
	query[qlen++] = 0;
	query[qlen++] = 0, query[qlen++] = 1, query[qlen++] = 0, query[qlen++] = 1;

	static uint64_t sent_at[65536];
	size_t cap = 1 << 22, count = 0;
	uint64_t *lat = malloc(cap * sizeof(*lat));
	uint64_t lost = 0, bad = 0, inflight = 0;
	uint16_t next_id = 1;
	uint64_t start = now_ns(), end = start + (uint64_t)seconds * 1000000000ull, last_sweep = start;
	while (now_ns() < end) {
		while (inflight < (uint64_t)window) {
			uint16_t id = next_id++;
			if (!next_id)
				next_id = 1;
			query[0] = id >> 8, query[1] = id & 0xff;
			if (send(s, query, qlen, 0) < 0 && errno != ECONNREFUSED)
				return die("load: send");
			sent_at[id] = now_ns();
			inflight++;
		}
		struct pollfd p = {.fd = s, .events = POLLIN};
		if (poll(&p, 1, 100) > 0) {
			uint8_t buf[1500];
			ssize_t n;
			while ((n = recv(s, buf, sizeof(buf), MSG_DONTWAIT)) >= 12) {
				uint16_t id = (uint16_t)(buf[0] << 8 | buf[1]);
				if (!sent_at[id])
					continue; // already counted lost
				uint64_t t = now_ns() - sent_at[id];
				sent_at[id] = 0;
				inflight--;
				if ((buf[3] & 0x0f) != 0 || (buf[6] << 8 | buf[7]) == 0)
					bad++;
				if (count < cap)
					lat[count++] = t;
			}
		}
		uint64_t t = now_ns();
		if (t - last_sweep > 100000000ull) { // queries older than 1 s are lost: free their slot
			for (int id = 1; id < 65536; id++)
				if (sent_at[id] && t - sent_at[id] > 1000000000ull)
					sent_at[id] = 0, inflight--, lost++;
			last_sweep = t;
		}
	}
	double secs = (now_ns() - start) / 1e9;
	qsort(lat, count, sizeof(*lat), cmp_u64);
	printf("qps=%.0f p50_us=%.0f p99_us=%.0f answered=%zu lost=%llu bad=%llu\n", count / secs,
	       count ? lat[count / 2] / 1e3 : 0, count ? lat[count * 99 / 100] / 1e3 : 0, count,
	       (unsigned long long)lost, (unsigned long long)bad);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "stub"))
		return stub(argv[2]);
	if (argc == 6 && !strcmp(argv[1], "load"))
		return load(argv[2], argv[3], atoi(argv[4]), atoi(argv[5]));
	fprintf(stderr, "usage: dnsload stub ADDR | dnsload load SERVER NAME SECONDS WINDOW\n");
	return 2;
}
