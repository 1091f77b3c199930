// SPDX-License-Identifier: GPL-2.0
/*
 * hm_spin: an application that looks at the generation page all the time,
 * to tell whether any process can see the old generation after a resume.
 *
 *   hm_spin [GAP_MS]
 *
 * Reads CLOCK_MONOTONIC and the page's generation about every millisecond.
 * Processes are frozen while the domain is suspended, so a resume shows as
 * a gap longer than GAP_MS (default 200) between two samples; for every
 * such gap, and for every change of the generation, it prints a line
 *
 *   HMSPIN before=NS gen=G after=NS gen=G
 *
 * (the samples either side) and flushes it.  The rig's dom0 matches the
 * gaps with the driver's record of each resume: the first sample after a
 * resume must already show the new generation.  "after" of such a gap is
 * also when this process ran again: an upper bound of the thaw.
 *
 * It also listens for the device's uevents and prints, for each,
 *
 *   HMSPIN uevent at=NS gen=G
 *
 * with G from HYBRID_MIGRATE_GENERATION.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/hybrid_migrate.h>
#include <linux/netlink.h>

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* A socket for the kernel's uevents, or -1. */
static int uevent_socket(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = 1 };
	int s = socket(AF_NETLINK, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		       NETLINK_KOBJECT_UEVENT);

	if (s >= 0 && bind(s, (struct sockaddr *)&sa, sizeof(sa))) {
		close(s);
		s = -1;
	}
	return s;
}

/* Prints the device's uevents queued on s. */
static void uevents(int s)
{
	char buf[4096], *p, *gen;
	ssize_t n;
	int ours;

	while ((n = recv(s, buf, sizeof(buf) - 1, 0)) > 0) {
		buf[n] = '\0';
		ours = 0;
		gen = NULL;
		/* NUL-separated: "change@/devices/...", then KEY=VALUE */
		for (p = buf; p < buf + n; p += strlen(p) + 1) {
			if (!strncmp(p, "DEVNAME=hybrid-migrate", 22))
				ours = 1;
			if (!strncmp(p, "HYBRID_MIGRATE_GENERATION=", 26))
				gen = p + 26;
		}
		if (ours && gen) {
			printf("HMSPIN uevent at=%llu gen=%s\n", now_ns(), gen);
			fflush(stdout);
		}
	}
}

int main(int argc, char **argv)
{
	const struct timespec tick = { .tv_nsec = 1000000 };
	const struct hybrid_migrate_page *page;
	unsigned long long gap_ns, t, prev_t, g, prev_g;
	int fd, us;

	gap_ns = (argc > 1 ? strtoull(argv[1], NULL, 10) : 200) * 1000000ULL;
	fd = open("/dev/hybrid-migrate", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		perror("/dev/hybrid-migrate");
		return 1;
	}
	page = mmap(NULL, sysconf(_SC_PAGESIZE), PROT_READ, MAP_SHARED, fd, 0);
	if (page == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	us = uevent_socket();
	if (us < 0)
		perror("uevent socket");
	prev_g = __atomic_load_n(&page->generation, __ATOMIC_ACQUIRE);
	prev_t = now_ns();
	printf("HMSPIN ready at=%llu gen=%llu\n", prev_t, prev_g);
	fflush(stdout);
	for (;;) {
		nanosleep(&tick, NULL);
		/* The time first: a generation read later is no older. */
		t = now_ns();
		g = __atomic_load_n(&page->generation, __ATOMIC_ACQUIRE);
		if (t - prev_t > gap_ns || g != prev_g) {
			printf("HMSPIN before=%llu gen=%llu after=%llu gen=%llu\n",
			       prev_t, prev_g, t, g);
			fflush(stdout);
		}
		prev_t = t;
		prev_g = g;
		if (us >= 0)
			uevents(us);
	}
}
