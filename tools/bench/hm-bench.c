// SPDX-License-Identifier: GPL-2.0
/*
 * hm-bench: what a "did the domain migrate?" check costs, per check.
 *
 *   (a) the generation check of libhybridmigrate on the mapped page of
 *       /dev/hybrid-migrate, and the same code on an anonymous page (the
 *       same loads, so the same cost when the line is cached);
 *   (b) one system call on the device per check: read() of a record with
 *       none queued (EAGAIN), and ioctl(HYBRID_MIGRATE_IOC_GET_INFO);
 *   (c) getrandom(8 bytes, GRND_NONBLOCK), one system call per check.
 *
 * Rows it cannot measure (no device) say so.  "page loads" is the number
 * of loads of the page the check makes, from its code (HM_GEN_LOADS);
 * "instr" is user+kernel instructions per check from perf_event_open(2),
 * where the machine has the counter.
 *
 *   hm-bench [-n CHECKS] [-r RUNS] [--device PATH]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/syscall.h>

#include "hybrid-migrate.h"

struct bench {
	struct hm_gen gen;
	struct hm_handle *h;
	unsigned long long sink;
};

static void check_gen(struct bench *b, unsigned long n)
{
	unsigned long i;

	for (i = 0; i < n; i++)
		b->sink += hm_gen_changed(&b->gen);
}

static void check_read(struct bench *b, unsigned long n)
{
	struct hybrid_migrate_event ev;
	unsigned long i;

	for (i = 0; i < n; i++)
		b->sink += read(hm_fd(b->h), &ev, sizeof(ev)) > 0;
}

static void check_ioctl(struct bench *b, unsigned long n)
{
	struct hybrid_migrate_info info;
	unsigned long i;

	for (i = 0; i < n; i++) {
		ioctl(hm_fd(b->h), HYBRID_MIGRATE_IOC_GET_INFO, &info);
		b->sink += info.generation;
	}
}

static void check_getrandom(struct bench *b, unsigned long n)
{
	unsigned long long r;
	unsigned long i;

	for (i = 0; i < n; i++) {
		if (getrandom(&r, sizeof(r), GRND_NONBLOCK) == sizeof(r))
			b->sink += r & 1;
	}
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int perf_open(void)
{
	struct perf_event_attr a = {
		.type = PERF_TYPE_HARDWARE,
		.size = sizeof(a),
		.config = PERF_COUNT_HW_INSTRUCTIONS,
		.disabled = 1,
		.exclude_hv = 1,
	};

	return syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median ns per check over RUNS runs of N checks; instructions in *INSTR. */
static double measure(struct bench *b, void (*fn)(struct bench *, unsigned long),
		      unsigned long n, int runs, int perf, double *instr)
{
	double t[16], t0;
	long long count;
	int i;

	fn(b, n / 10 + 1);	/* warm up */
	for (i = 0; i < runs; i++) {
		t0 = now_ns();
		fn(b, n);
		t[i] = (now_ns() - t0) / n;
	}
	qsort(t, runs, sizeof(t[0]), cmp_double);
	*instr = -1;
	if (perf >= 0) {
		ioctl(perf, PERF_EVENT_IOC_RESET, 0);
		ioctl(perf, PERF_EVENT_IOC_ENABLE, 0);
		fn(b, n);
		ioctl(perf, PERF_EVENT_IOC_DISABLE, 0);
		if (read(perf, &count, sizeof(count)) == sizeof(count))
			*instr = (double)count / n;
	}
	return t[runs / 2];
}

static void row(const char *name, struct bench *b,
		void (*fn)(struct bench *, unsigned long), unsigned long n,
		int runs, int perf, const char *loads, const char *calls,
		const char *missing)
{
	double ns, instr;

	if (missing) {
		printf("%-44s %s\n", name, missing);
		return;
	}
	ns = measure(b, fn, n, runs, perf, &instr);
	printf("%-44s %9.2f  %-10s %-8s ", name, ns, loads, calls);
	if (instr < 0)
		printf("n/a\n");
	else
		printf("%.1f\n", instr);
}

int main(int argc, char **argv)
{
	const char *dev = getenv("HYBRID_MIGRATE_DEVICE");
	unsigned long n = 10000000, nsys;
	struct bench dv = { }, anon = { }, sys = { };
	const struct hybrid_migrate_page *page = NULL;
	const char *nodev = NULL;
	char why[256], loads[8];
	int i, runs = 5, perf, perf_errno, err;
	void *m;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-n") && i + 1 < argc) {
			n = strtoul(argv[++i], NULL, 10);
		} else if (!strcmp(argv[i], "-r") && i + 1 < argc) {
			runs = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--device") && i + 1 < argc) {
			dev = argv[++i];
		} else {
			fputs("usage: hm-bench [-n CHECKS] [-r RUNS] [--device PATH]\n", stderr);
			return 64;
		}
	}
	if (!n || runs < 1 || runs > 16) {
		fputs("hm-bench: -n must be positive, -r 1 to 16\n", stderr);
		return 64;
	}
	nsys = n / 10 ? n / 10 : 1;
	if (!dev || !*dev)
		dev = HM_DEFAULT_DEVICE;

	err = hm_open(dev, 0, &dv.h);
	if (!err)
		err = hm_map_page(dv.h, &page);
	if (err) {
		snprintf(why, sizeof(why), "not measured: %s: %s", dev, hm_strerror(err));
		nodev = why;
	} else {
		hm_gen_init(&dv.gen, page);
	}
	/* The same check on a page of our own, laid out as the device's. */
	m = mmap(NULL, sysconf(_SC_PAGESIZE), PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED) {
		perror("hm-bench: mmap");
		return 1;
	}
	((struct hybrid_migrate_page *)m)->abi_version = HYBRID_MIGRATE_ABI_VERSION;
	hm_gen_init(&anon.gen, m);
	perf = perf_open();
	perf_errno = errno;
	snprintf(loads, sizeof(loads), "%d", HM_GEN_LOADS);

	printf("hm-bench: %lu checks a run (system call rows: %lu), median of %d runs\n",
	       n, nsys, runs);
	printf("%-44s %9s  %-10s %-8s %s\n", "check", "ns/check", "page loads",
	       "syscalls", "instr/check");
	row("(a) generation check, device page", &dv, check_gen, n, runs, perf,
	    loads, "0", nodev);
	row("(a) generation check, anonymous page", &anon, check_gen, n, runs,
	    perf, loads, "0", NULL);
	row("(b) read() per check, device (EAGAIN)", &dv, check_read, nsys, runs,
	    perf, "-", "1", nodev);
	row("(b) ioctl(GET_INFO) per check, device", &dv, check_ioctl, nsys, runs,
	    perf, "-", "1", nodev);
	row("(c) getrandom(8 B, GRND_NONBLOCK)", &sys, check_getrandom, nsys,
	    runs, perf, "-", "1", NULL);
	if (perf < 0)
		printf("instr/check: n/a, no hardware instruction counter here (%s)\n",
		       strerror(perf_errno));
	if (nodev)
		printf("device rows not measured: no usable %s on this machine\n", dev);
	hm_close(dv.h);
	return dv.sink + anon.sink + sys.sink == ~0ULL;
}
