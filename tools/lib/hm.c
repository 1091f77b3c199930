// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libhybridmigrate: handles, events, acks, ioctls and the mapped page of
 * /dev/hybrid-migrate.  See hybrid-migrate.h and libhybridmigrate(3).
 *
 * A handle's fields are written once, when it is made, except the page
 * pointer, which is set with one compare-and-exchange; so every call but
 * hm_close() may run concurrently on one handle.  The descriptor is
 * non-blocking: waiting is poll(2), so a timeout holds even when another
 * thread took the record poll() announced.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "hybrid-migrate.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#ifndef HM_LIB_VERSION
#define HM_LIB_VERSION "1.0.0"
#endif

struct hm_handle {
	int fd;
	unsigned int flags;
	size_t page_size;
	const struct hybrid_migrate_page *page;	/* NULL until mapped */
};

int hm_open(const char *path, unsigned int flags, struct hm_handle **hp)
{
	int fd, err;

	if (!hp || (flags & ~HM_OPEN_ACK))
		return -EINVAL;
	*hp = NULL;
	fd = open(path ? path : HM_DEFAULT_DEVICE,
		  (flags & HM_OPEN_ACK ? O_RDWR : O_RDONLY) | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	err = hm_open_fd(fd, flags, hp);
	if (err)
		close(fd);
	return err;
}

int hm_open_fd(int fd, unsigned int flags, struct hm_handle **hp)
{
	struct hm_handle *h;
	int fl;

	if (!hp || fd < 0 || (flags & ~HM_OPEN_ACK))
		return -EINVAL;
	*hp = NULL;
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || (!(fl & O_NONBLOCK) && fcntl(fd, F_SETFL, fl | O_NONBLOCK)))
		return -errno;
	fl = fcntl(fd, F_GETFD);
	if (fl < 0 || (!(fl & FD_CLOEXEC) && fcntl(fd, F_SETFD, fl | FD_CLOEXEC)))
		return -errno;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->fd = fd;
	h->flags = flags;
	h->page_size = sysconf(_SC_PAGESIZE);
	*hp = h;
	return 0;
}

void hm_close(struct hm_handle *h)
{
	if (!h)
		return;
	if (h->page)
		munmap((void *)h->page, h->page_size);
	close(h->fd);
	free(h);
}

int hm_fd(const struct hm_handle *h)
{
	return h->fd;
}

int hm_wait(struct hm_handle *h, int timeout_ms)
{
	struct pollfd p = { .fd = h->fd, .events = POLLIN };
	int n = poll(&p, 1, timeout_ms < 0 ? -1 : timeout_ms);

	if (n < 0)
		return -errno;
	if (n && (p.revents & POLLNVAL))
		return -EBADF;
	return n ? 1 : 0;
}

static __s64 now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__s64)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The rest of a record a stream delivered in pieces. */
static int read_rest(struct hm_handle *h, struct hybrid_migrate_event *ev,
		     size_t got)
{
	while (got < sizeof(*ev)) {
		ssize_t n = read(h->fd, (char *)ev + got, sizeof(*ev) - got);
		int err;

		if (n > 0) {
			got += n;
			continue;
		}
		if (!n)
			return -EBADMSG;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -errno;
		err = hm_wait(h, -1);
		if (err < 0 && err != -EINTR)
			return err;
	}
	return 0;
}

int hm_read_event(struct hm_handle *h, struct hybrid_migrate_event *ev,
		  int timeout_ms)
{
	__s64 end = timeout_ms > 0 ? now_ms() + timeout_ms : 0;
	int wait = timeout_ms, err;
	ssize_t n;

	for (;;) {
		n = read(h->fd, ev, sizeof(*ev));
		if (n > 0)
			break;
		if (!n)
			return -ENODATA;
		if (errno != EAGAIN)
			return -errno;
		if (timeout_ms > 0) {
			__s64 left = end - now_ms();

			wait = left > 0 ? (int)left : 0;
		}
		if (!wait)
			return 0;
		err = hm_wait(h, wait);
		if (err <= 0)
			return err;
	}
	if ((size_t)n < sizeof(*ev)) {
		err = read_rest(h, ev, n);
		if (err)
			return err;
	}
	if (ev->size != sizeof(*ev))
		return -EBADMSG;
	return 1;
}

int hm_ack(struct hm_handle *h, __u64 seq)
{
	struct hybrid_migrate_ack a = {
		.size = sizeof(a),
		.type = HYBRID_MSG_ACK,
		.seq = seq,
	};
	ssize_t n;

	if (!(h->flags & HM_OPEN_ACK))
		return -EBADF;
	/* A socket whose reader went away must not raise SIGPIPE. */
	n = send(h->fd, &a, sizeof(a), MSG_NOSIGNAL);
	if (n < 0 && errno == ENOTSOCK)
		n = write(h->fd, &a, sizeof(a));
	if (n < 0)
		return -errno;
	return n == sizeof(a) ? 0 : -EIO;
}

int hm_get_info(struct hm_handle *h, struct hybrid_migrate_info *info)
{
	memset(info, 0, sizeof(*info));
	return ioctl(h->fd, HYBRID_MIGRATE_IOC_GET_INFO, info) ? -errno : 0;
}

int hm_get_cpu(struct hm_handle *h, struct hybrid_migrate_cpu *cpu)
{
	memset(cpu, 0, sizeof(*cpu));
	return ioctl(h->fd, HYBRID_MIGRATE_IOC_GET_CPU, cpu) ? -errno : 0;
}

int hm_map_page(struct hm_handle *h, const struct hybrid_migrate_page **pagep)
{
	const struct hybrid_migrate_page *page, *old = NULL;
	struct stat st;
	void *m;

	page = __atomic_load_n(&h->page, __ATOMIC_ACQUIRE);
	if (page) {
		*pagep = page;
		return 0;
	}
	if (fstat(h->fd, &st))
		return -errno;
	if (!S_ISCHR(st.st_mode))
		return -ENODEV;
	m = mmap(NULL, h->page_size, PROT_READ, MAP_SHARED, h->fd, 0);
	if (m == MAP_FAILED)
		return -errno;
	page = m;
	if (page->abi_version != HYBRID_MIGRATE_ABI_VERSION) {
		munmap(m, h->page_size);
		return -EPROTO;
	}
	if (!__atomic_compare_exchange_n(&h->page, &old, page, 0,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		munmap(m, h->page_size);	/* another thread was first */
		page = old;
	}
	*pagep = page;
	return 0;
}

void hm_page_read(const struct hybrid_migrate_page *page,
		  struct hybrid_migrate_page *copy)
{
	const __u32 *src = (const __u32 *)page;
	__u32 *dst = (__u32 *)copy, seq;
	size_t i;

	do {
		seq = __atomic_load_n(&page->seq, __ATOMIC_ACQUIRE);
		for (i = 0; i < sizeof(*page) / sizeof(*src); i++)
			dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
	} while ((seq & 1) || seq != __atomic_load_n(&page->seq, __ATOMIC_RELAXED));
}

const char *hm_event_name(unsigned int type)
{
	switch (type) {
	case HYBRID_EV_PREPARE:
		return "PREPARE";
	case HYBRID_EV_ABORT:
		return "ABORT";
	case HYBRID_EV_COMPLETE:
		return "COMPLETE";
	case HYBRID_EV_LOST:
		return "LOST";
	}
	return "UNKNOWN";
}

const char *hm_state_name(unsigned int state)
{
	switch (state) {
	case HYBRID_STATE_IDLE:
		return "idle";
	case HYBRID_STATE_PREPARING:
		return "preparing";
	case HYBRID_STATE_READY:
		return "ready";
	}
	return "unknown";
}

const char *hm_abort_reason_name(unsigned int reason)
{
	switch (reason) {
	case HYBRID_ABORT_HOST:
		return "host";
	case HYBRID_ABORT_SUPERSEDED:
		return "superseded";
	}
	return "unknown";
}

const char *hm_change_next(__u32 *mask)
{
	static const char * const names[] = {
		"domain", "domid", "cpu", "tsc", "xen",
	};
	unsigned int bit;

	if (!*mask)
		return NULL;
	bit = __builtin_ctz(*mask);
	*mask &= *mask - 1;
	return bit < ARRAY_SIZE(names) ? names[bit] : "unknown";
}

const char *hm_strerror(int err)
{
	if (err < 0)
		err = -err;
	switch (err) {
	case 0:
		return "Success";
	case ENODATA:
		return "End of the event stream";
	case EBADMSG:
		return "Malformed event record";
	case ENOTTY:
		return "Not a hybrid-migrate device";
	case EPROTO:
		return "Unsupported hybrid-migrate ABI version";
	}
	return strerror(err);
}

const char *hm_version(void)
{
	return HM_LIB_VERSION;
}
