// SPDX-License-Identifier: GPL-2.0
/*
 * xsc: minimal xenstore client for the rig's guest initramfs.  Speaks the
 * xenstore wire protocol (header of four u32: type, req_id, tx_id, len,
 * then the payload) over the guest kernel's /dev/xen/xenbus, so the guest
 * needs no Xen userland.
 *
 *   xsc read PATH           prints the value, exit 1 if absent
 *   xsc write PATH VALUE
 *   xsc rm PATH
 *   xsc wait PATH SECONDS   polls until PATH exists; prints it; exit 2 on
 *                           timeout
 *   xsc next PATH OLD       waits, with a xenstore watch (no polling),
 *                           until PATH exists with a value other than OLD;
 *                           prints it
 *
 * Relative paths are relative to the domain's home (/local/domain/<id>).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum {
	XS_READ = 2, XS_WATCH = 4, XS_WRITE = 11, XS_RM = 13, XS_WATCH_EVENT = 15,
	XS_ERROR = 16
};

struct hdr {
	uint32_t type, req_id, tx_id, len;
};

static int fd;
static char reply[4096 + 1];
static int watch_fired;

static void read_full(void *buf, size_t len)
{
	char *p = buf;
	ssize_t n;

	while (len) {
		n = read(fd, p, len);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			perror("xsc: read");
			exit(3);
		}
		p += n;
		len -= n;
	}
}

/* Reads one message: returns its type, payload in reply[]. */
static uint32_t read_msg(void)
{
	struct hdr h;

	read_full(&h, sizeof(h));
	if (h.len > 4096) {
		fprintf(stderr, "xsc: reply too long\n");
		exit(3);
	}
	read_full(reply, h.len);
	reply[h.len] = 0;
	return h.type;
}

/*
 * Sends one request; returns the reply's type, payload in reply[].  Watch
 * events that come first are noted in watch_fired.
 */
static int request(uint32_t type, const char *a, const char *b, size_t blen)
{
	static uint32_t id;
	char buf[sizeof(struct hdr) + 4096];
	struct hdr h = { type, ++id, 0, 0 };
	size_t alen = strlen(a) + 1;
	uint32_t t;

	if (alen + blen > 4096) {
		fprintf(stderr, "xsc: message too long for xenstore\n");
		exit(3);
	}
	h.len = alen + blen;
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), a, alen);
	if (blen)
		memcpy(buf + sizeof(h) + alen, b, blen);
	if (write(fd, buf, sizeof(h) + h.len) != (ssize_t)(sizeof(h) + h.len)) {
		perror("xsc: write");
		exit(3);
	}
	while ((t = read_msg()) == XS_WATCH_EVENT)
		watch_fired = 1;
	return t;
}

/* xsc next PATH OLD */
static int next(const char *path, const char *old)
{
	static const char token[] = "xsc";
	char arg[4096];
	size_t plen = strlen(path) + 1;

	if (plen + sizeof(token) > sizeof(arg)) {
		fprintf(stderr, "xsc: path too long\n");
		return 3;
	}
	memcpy(arg, path, plen);
	if (request(XS_WATCH, arg, token, sizeof(token)) == XS_ERROR) {
		fprintf(stderr, "xsc: watch %s: %s\n", path, reply);
		return 1;
	}
	for (;;) {
		watch_fired = 0;
		if (request(XS_READ, path, NULL, 0) != XS_ERROR && strcmp(reply, old)) {
			printf("%s\n", reply);
			return 0;
		}
		/* the watch fires for every change under PATH */
		while (!watch_fired)
			if (read_msg() == XS_WATCH_EVENT)
				watch_fired = 1;
	}
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: xsc read|write|rm|wait|next PATH [VALUE|SECONDS|OLD]\n");
		return 3;
	}
	fd = open("/dev/xen/xenbus", O_RDWR);
	if (fd < 0) {
		perror("xsc: /dev/xen/xenbus");
		return 3;
	}
	if (!strcmp(argv[1], "read")) {
		if (request(XS_READ, argv[2], NULL, 0) == XS_ERROR)
			return 1;
		printf("%s\n", reply);
		return 0;
	}
	if (!strcmp(argv[1], "write") && argc == 4) {
		if (request(XS_WRITE, argv[2], argv[3], strlen(argv[3])) == XS_ERROR) {
			fprintf(stderr, "xsc: write %s: %s\n", argv[2], reply);
			return 1;
		}
		return 0;
	}
	if (!strcmp(argv[1], "rm")) {
		if (request(XS_RM, argv[2], NULL, 0) == XS_ERROR)
			return 1;
		return 0;
	}
	if (!strcmp(argv[1], "next") && argc == 4)
		return next(argv[2], argv[3]);
	if (!strcmp(argv[1], "wait") && argc == 4) {
		struct timespec t0, t, d = { 0, 100 * 1000 * 1000 };
		double limit = atof(argv[3]);

		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (;;) {
			if (request(XS_READ, argv[2], NULL, 0) != XS_ERROR) {
				printf("%s\n", reply);
				return 0;
			}
			clock_gettime(CLOCK_MONOTONIC, &t);
			if ((t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9 > limit)
				return 2;
			nanosleep(&d, NULL);
		}
	}
	fprintf(stderr, "xsc: bad arguments\n");
	return 3;
}
