// SPDX-License-Identifier: GPL-2.0
/*
 * udpsend: send UDP datagrams at a fixed rate, for a steady interrupt
 * load on the guest's NIC.  Runs in dom0.
 *
 *   udpsend ADDR PORT RATE SECONDS   RATE datagrams of 64 bytes a second
 *
 * Prints "sent N" at the end.  Paced on CLOCK_MONOTONIC: datagram i
 * leaves at i / RATE seconds, so a late start catches up rather than
 * drifting.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	char payload[64] = "hybrid rig udpsend";
	unsigned long sent = 0, i, total;
	double rate, secs, t0, due;
	struct timespec ts;
	int fd;

	if (argc != 5 || inet_pton(AF_INET, argv[1], &to.sin_addr) != 1) {
		fprintf(stderr, "usage: udpsend ADDR PORT RATE SECONDS\n");
		return 2;
	}
	to.sin_port = htons(atoi(argv[2]));
	rate = atof(argv[3]);
	secs = atof(argv[4]);
	if (rate <= 0 || rate > 1e6 || secs <= 0 || secs > 3600) {
		fprintf(stderr, "udpsend: RATE in (0, 1e6], SECONDS in (0, 3600]\n");
		return 2;
	}
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("udpsend: socket");
		return 1;
	}
	total = (unsigned long)(rate * secs);
	t0 = now();
	for (i = 0; i < total; i++) {
		due = t0 + i / rate - now();
		if (due > 0) {
			ts.tv_sec = (time_t)due;
			ts.tv_nsec = (long)((due - ts.tv_sec) * 1e9);
			nanosleep(&ts, NULL);
		}
		if (sendto(fd, payload, sizeof(payload), 0,
			   (struct sockaddr *)&to, sizeof(to)) == sizeof(payload))
			sent++;
		else if (errno != ENOBUFS && errno != EAGAIN)
			perror("udpsend: sendto");
	}
	printf("sent %lu\n", sent);
	close(fd);
	return 0;
}
