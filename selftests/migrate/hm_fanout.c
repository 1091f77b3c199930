// SPDX-License-Identifier: GPL-2.0
/*
 * hm_fanout: what a PREPARE costs the driver with many open files.
 *
 *   hm_fanout [N...]      (default: 1 100 10000)
 *
 * As root, in a guest with hybrid-migrate loaded and debugfs mounted:
 * for each N, holds N read-only files of /dev/hybrid-migrate open (none
 * acknowledges, so the driver answers "ready" at once), injects
 * "prepare ID 60000" through debugfs five times and prints the median
 * time of the injecting write(), which covers the whole synchronous path:
 * the request parsed, a record queued for each of the N files, readers
 * woken, the answer handed to the xenstore work item.  Then the
 * migration is aborted.  Prints a table:
 *
 *   files  prepare_us  per_file_ns
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define INJECT	"/sys/kernel/debug/hybrid-migrate/inject"
#define ROUNDS	5

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int inject(const char *s)
{
	int fd = open(INJECT, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

static int cmp(const void *a, const void *b)
{
	unsigned long long x = *(const unsigned long long *)a;
	unsigned long long y = *(const unsigned long long *)b;

	return x < y ? -1 : x > y;
}

/*
 * Median time of one PREPARE with n files open, in ns, in *median; 0, or
 * -1 on error.  The median itself can be 0: under Xen's clock without a
 * stable TSC, two readings may be equal (pvclock's last-value clamp).
 */
static int measure(int n, unsigned long long *id, unsigned long long *median)
{
	unsigned long long t[ROUNDS], t0;
	char req[64];
	int *fds, i, r, ok = 1;

	fds = calloc(n, sizeof(*fds));
	if (!fds)
		return -1;
	for (i = 0; i < n; i++) {
		fds[i] = open("/dev/hybrid-migrate", O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0) {
			perror("open");
			n = i;
			ok = 0;
			break;
		}
	}
	for (r = 0; ok && r < ROUNDS; r++) {
		snprintf(req, sizeof(req), "prepare %llu 60000", ++*id);
		t0 = now_ns();
		if (inject(req)) {
			perror(INJECT);
			ok = 0;
			break;
		}
		t[r] = now_ns() - t0;
		snprintf(req, sizeof(req), "abort %llu", *id);
		inject(req);
	}
	for (i = 0; i < n; i++)
		close(fds[i]);
	free(fds);
	if (!ok)
		return -1;
	qsort(t, ROUNDS, sizeof(t[0]), cmp);
	*median = t[ROUNDS / 2];
	return 0;
}

int main(int argc, char **argv)
{
	static const int defaults[] = { 1, 100, 10000 };
	struct rlimit rl = { 20000, 20000 };
	unsigned long long id = now_ns(), ns;
	int i, n, count = argc > 1 ? argc - 1 : 3, rc = 0;

	if (setrlimit(RLIMIT_NOFILE, &rl))
		perror("setrlimit");
	printf("%8s %12s %12s\n", "files", "prepare_us", "per_file_ns");
	for (i = 0; i < count; i++) {
		n = argc > 1 ? atoi(argv[i + 1]) : defaults[i];
		if (measure(n, &id, &ns)) {
			printf("%8d %12s %12s\n", n, "failed", "-");
			rc = 1;
			continue;
		}
		printf("%8d %12.1f %12llu\n", n, ns / 1000.0, ns / n);
	}
	return rc;
}
