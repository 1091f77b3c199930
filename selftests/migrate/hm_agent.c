// SPDX-License-Identifier: GPL-2.0
/*
 * hm_agent: a guest program for the end-to-end tests and the demo.  Reads
 * /dev/hybrid-migrate and prints every record as one line:
 *
 *   HMEV seq=N type=PREPARE gen=G id=ID ... latency_us=L
 *
 * acknowledging each PREPARE.  --no-ack opens the device read-only (an
 * observer); --hold opens it for writing but never acknowledges (an
 * application that holds a migration up).  For COMPLETE, latency_us is the
 * time from the kernel's resume to this program having the record.  With
 * --count N it exits after N COMPLETE records.  Built with libhybridmigrate
 * (tools/lib) for the names of the records.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hybrid-migrate.h"

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	struct hybrid_migrate_event ev;
	int i, fd, do_ack = 1, writer = 1, count = -1, completes = 0;
	const char *dev = "/dev/hybrid-migrate";

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--no-ack")) {
			do_ack = 0;
			writer = 0;
		} else if (!strcmp(argv[i], "--hold")) {
			do_ack = 0;
		} else if (!strcmp(argv[i], "--count") && i + 1 < argc) {
			count = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--device") && i + 1 < argc) {
			dev = argv[++i];
		} else {
			fputs("usage: hm_agent [--no-ack|--hold] [--count N] [--device PATH]\n",
			      stderr);
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	fd = open(dev, writer ? O_RDWR : O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, "hm_agent: %s: %s\n", dev, strerror(errno));
		return 1;
	}
	printf("HMAGENT ready ack=%d writer=%d\n", do_ack, writer);

	while (count < 0 || completes < count) {
		ssize_t n = read(fd, &ev, sizeof(ev));
		unsigned long long t = now_ns();

		if (n < 0 && errno == EINTR)
			continue;
		if (n != sizeof(ev)) {
			fprintf(stderr, "hm_agent: read: %s\n",
				n < 0 ? strerror(errno) : "short record");
			return 1;
		}
		printf("HMEV seq=%llu type=%s gen=%llu flags=%u",
		       (unsigned long long)ev.seq, hm_event_name(ev.type),
		       (unsigned long long)ev.generation, ev.flags);
		switch (ev.type) {
		case HYBRID_EV_PREPARE:
			printf(" id=%llu timeout_ms=%u ackers=%u\n",
			       (unsigned long long)ev.prepare.migration_id,
			       ev.prepare.timeout_ms, ev.prepare.ackers);
			if (do_ack && (ev.flags & HYBRID_EVF_ACK_REQUIRED)) {
				struct hybrid_migrate_ack a = {
					.size = sizeof(a),
					.type = HYBRID_MSG_ACK,
					.seq = ev.seq,
				};
				int rc = write(fd, &a, sizeof(a)) == sizeof(a) ? 0 : errno;

				printf("HMACK seq=%llu rc=%d\n",
				       (unsigned long long)ev.seq, rc);
			}
			break;
		case HYBRID_EV_ABORT:
			printf(" id=%llu reason=%u\n",
			       (unsigned long long)ev.abort.migration_id,
			       ev.abort.reason);
			break;
		case HYBRID_EV_COMPLETE:
			completes++;
			printf(" id=%llu changes=0x%x cflags=0x%x",
			       (unsigned long long)ev.complete.migration_id,
			       ev.complete.changes, ev.complete.flags);
			printf(" domid=%u->%u tsc_khz=%u->%u xen=0x%x->0x%x",
			       ev.complete.old_domid, ev.complete.new_domid,
			       ev.complete.old_tsc_khz, ev.complete.new_tsc_khz,
			       ev.complete.old_xen_version,
			       ev.complete.new_xen_version);
			printf(" latency_us=%llu\n",
			       (t - ev.complete.resume_ns) / 1000);
			break;
		case HYBRID_EV_LOST:
			printf(" count=%llu\n",
			       (unsigned long long)ev.lost.count);
			break;
		default:
			printf("\n");
		}
	}
	return 0;
}
