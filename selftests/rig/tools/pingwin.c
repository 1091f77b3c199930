// SPDX-License-Identifier: GPL-2.0
/*
 * pingwin: ICMP echo with a fixed window of unanswered requests, for a
 * loss test that no queue on the way can overflow.  Runs in dom0.
 *
 *   pingwin ADDR COUNT WINDOW WAIT
 *
 * Sends COUNT echo requests to ADDR, never more than WINDOW of them
 * unanswered at a time: the next one leaves only when a reply comes
 * in, or when a request has waited WAIT seconds for its reply, and is
 * counted lost.  ping -A -l does not do this: it keeps sending while
 * the guest is stalled, and the backlog overflows the tap queue or the
 * NIC's ring, which is emulation speed and not a lost interrupt.
 *
 * Prints one line:
 *   sent N received N lost N late N dup N rtt_max_ms X rtt_avg_ms X
 * (late: replies that came after their request was counted lost; dup:
 * a second reply to an answered request), and the first lost sequence
 * numbers on stderr.  After MAX_LOST losses it sends no more (a dead NIC
 * would otherwise cost COUNT / WINDOW * WAIT seconds) and waits only for
 * the requests already out.  Exits 0 when every request was answered
 * once and in time, 1 when not, 2 on a usage or socket error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_COUNT	65535
#define MAX_WINDOW	64
#define PAYLOAD		56
#define MAX_LOST	10

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint16_t csum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint32_t sum = 0;

	for (; len > 1; b += 2, len -= 2)
		sum += (uint32_t)b[0] << 8 | b[1];
	if (len)
		sum += (uint32_t)b[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

static unsigned long parse(const char *s, unsigned long lo, unsigned long hi)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return 0;
	return v;
}

int main(int argc, char **argv)
{
	struct sockaddr_in to = { .sin_family = AF_INET }, from;
	unsigned long count, window, wait, next = 0, oldest = 0, busy = 0;
	unsigned long received = 0, lost = 0, late = 0, dup = 0;
	double *sent_at, rtt, rtt_max = 0, rtt_sum = 0, t;
	unsigned char *state;	/* 0 unsent, 1 waiting, 2 answered, 3 lost */
	unsigned char pkt[sizeof(struct icmphdr) + PAYLOAD];
	unsigned char buf[2048];
	struct icmphdr *icmp;
	struct pollfd pfd;
	uint16_t id;
	int fd;

	if (argc != 5 || inet_pton(AF_INET, argv[1], &to.sin_addr) != 1) {
		fprintf(stderr, "usage: pingwin ADDR COUNT WINDOW WAIT\n");
		return 2;
	}
	count = parse(argv[2], 1, MAX_COUNT);
	window = parse(argv[3], 1, MAX_WINDOW);
	wait = parse(argv[4], 1, 600);
	if (!count || !window || !wait) {
		fprintf(stderr,
			"pingwin: COUNT in [1, %d], WINDOW in [1, %d], WAIT in [1, 600] s\n",
			MAX_COUNT, MAX_WINDOW);
		return 2;
	}
	sent_at = calloc(count, sizeof(*sent_at));
	state = calloc(count, 1);
	if (!sent_at || !state) {
		fprintf(stderr, "pingwin: out of memory\n");
		return 2;
	}
	fd = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	if (fd < 0) {
		perror("pingwin: socket");
		return 2;
	}
	id = (uint16_t)getpid();
	pfd.fd = fd;
	pfd.events = POLLIN;

	while ((next < count && lost < MAX_LOST) || busy) {
		while (next < count && lost < MAX_LOST && busy < window) {
			memset(pkt, 0, sizeof(pkt));
			icmp = (struct icmphdr *)pkt;
			icmp->type = ICMP_ECHO;
			icmp->un.echo.id = htons(id);
			icmp->un.echo.sequence = htons((uint16_t)next);
			memcpy(pkt + sizeof(*icmp), "hybrid rig pingwin", 18);
			icmp->checksum = csum(pkt, sizeof(pkt));
			if (sendto(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&to,
				   sizeof(to)) != (ssize_t)sizeof(pkt)) {
				perror("pingwin: sendto");
				return 2;
			}
			sent_at[next] = now();
			state[next++] = 1;
			busy++;
		}

		/* requests leave in order, so the oldest waiting one expires first */
		while (oldest < next && state[oldest] != 1)
			oldest++;
		t = now();
		if (oldest < next && sent_at[oldest] + wait <= t) {
			state[oldest] = 3;
			lost++;
			busy--;
			fprintf(stderr, "pingwin: seq %lu unanswered after %lu s\n",
				oldest, wait);
			continue;
		}
		if (poll(&pfd, 1, (int)((sent_at[oldest] + wait - t) * 1000) + 1) < 0) {
			if (errno == EINTR)
				continue;
			perror("pingwin: poll");
			return 2;
		}
		if (!(pfd.revents & POLLIN))
			continue;

		socklen_t flen = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0,
				     (struct sockaddr *)&from, &flen);
		struct iphdr *ip = (struct iphdr *)buf;
		unsigned long seq;

		if (n < (ssize_t)sizeof(*ip) ||
		    n < (ssize_t)(ip->ihl * 4 + sizeof(*icmp)) ||
		    from.sin_addr.s_addr != to.sin_addr.s_addr)
			continue;
		icmp = (struct icmphdr *)(buf + ip->ihl * 4);
		if (icmp->type != ICMP_ECHOREPLY || ntohs(icmp->un.echo.id) != id)
			continue;
		seq = ntohs(icmp->un.echo.sequence);
		if (seq >= next)
			continue;
		switch (state[seq]) {
		case 1:
			state[seq] = 2;
			received++;
			busy--;
			rtt = (now() - sent_at[seq]) * 1000;
			rtt_sum += rtt;
			if (rtt > rtt_max)
				rtt_max = rtt;
			break;
		case 2:
			dup++;
			break;
		case 3:
			late++;
			break;
		}
	}
	printf("sent %lu received %lu lost %lu late %lu dup %lu rtt_max_ms %.1f rtt_avg_ms %.1f\n",
	       next, received, lost, late, dup, rtt_max,
	       received ? rtt_sum / received : 0.0);
	close(fd);
	return received == count && !dup ? 0 : 1;
}
