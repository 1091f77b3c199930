// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of /dev/hybrid-migrate in a Xen HVM guest, with hybrid-migrate.ko
 * loaded.  Requests are injected through the driver's debugfs file, which
 * takes the same grammar as the host's xenstore node; the end-to-end path
 * through xenstore and real migrations is tested from dom0.
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/hybrid_migrate.h>
#include <linux/netlink.h>

#include "kselftest_harness.h"

#define DEV		"/dev/hybrid-migrate"
#define DEBUGFS		"/sys/kernel/debug/hybrid-migrate/"
#define INJECT		DEBUGFS "inject"
#define PARAMS		"/sys/module/hybrid_migrate/parameters/"
#define EV_SIZE		sizeof(struct hybrid_migrate_event)

/* An address the process may not touch: a PROT_NONE page. */
static void *no_access(void)
{
	static void *p;

	if (!p)
		p = mmap(NULL, sysconf(_SC_PAGESIZE), PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p;
}

/* Migration ids unique across tests (each test runs in its own process). */
static unsigned long long new_id(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int inject(const char *fmt, ...)
{
	char buf[96];
	va_list ap;
	int fd, n, err = 0;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fd = open(INJECT, O_WRONLY);
	if (fd < 0 && errno == ENOENT) {
		mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
		fd = open(INJECT, O_WRONLY);
	}
	if (fd < 0)
		return -errno;
	if (write(fd, buf, n) != n)
		err = -errno;
	close(fd);
	return err;
}

/* Writes a number to a file (debugfs, cgroupfs); 0 or -errno. */
static int put_num(const char *path, long long val)
{
	char buf[32];
	int fd, n, err = 0;

	n = snprintf(buf, sizeof(buf), "%lld", val);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	if (write(fd, buf, n) != n)
		err = -errno;
	close(fd);
	return err;
}

/* Reads a number from a file; -1 if it cannot. */
static long long get_num(const char *path)
{
	char buf[32] = "";
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	if (read(fd, buf, sizeof(buf) - 1) <= 0)
		buf[0] = '\0';
	close(fd);
	return buf[0] ? atoll(buf) : -1;
}

static int param_get(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), PARAMS "%s", name);
	return get_num(path);
}

static int param_set(const char *name, int val)
{
	char path[128];

	snprintf(path, sizeof(path), PARAMS "%s", name);
	return put_num(path, val);
}

/* Waits until a counter in debugfs exceeds before; bounded by 10 s. */
static int wait_counter(const char *name, long long before)
{
	int i;

	for (i = 0; i < 1000; i++) {
		if (get_num(name) > before)
			return 0;
		usleep(10000);
	}
	return -1;
}

static int open_dev(int flags)
{
	return open(DEV, flags | O_CLOEXEC);
}

/* Reads one record without blocking; returns 1, 0 if none, or -errno. */
static int read_one(int fd, struct hybrid_migrate_event *ev)
{
	int fl = fcntl(fd, F_GETFL);
	ssize_t n;

	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	n = read(fd, ev, sizeof(*ev));
	fcntl(fd, F_SETFL, fl);
	if (n < 0)
		return errno == EAGAIN ? 0 : -errno;
	return n == sizeof(*ev) ? 1 : -EIO;
}

static int get_info(int fd, struct hybrid_migrate_info *info)
{
	memset(info, 0xa5, sizeof(*info));
	return ioctl(fd, HYBRID_MIGRATE_IOC_GET_INFO, info) ? -errno : 0;
}

static int ack(int fd, __u64 seq)
{
	struct hybrid_migrate_ack a = {
		.size = sizeof(a), .type = HYBRID_MSG_ACK, .seq = seq,
	};
	ssize_t n = write(fd, &a, sizeof(a));

	return n == sizeof(a) ? 0 : -errno;
}

/* Leaves no migration pending for the next test. */
static void settle(int fd)
{
	struct hybrid_migrate_info info;

	if (!get_info(fd, &info) && info.state != HYBRID_STATE_IDLE)
		inject("abort %llu", (unsigned long long)info.migration_id);
}

TEST(info_and_flags)
{
	struct hybrid_migrate_info info;
	int r = open_dev(O_RDONLY), w = open_dev(O_RDWR);

	ASSERT_LE(0, r);
	ASSERT_LE(0, w);
	ASSERT_EQ(0, get_info(r, &info));
	EXPECT_EQ(HYBRID_MIGRATE_ABI_VERSION, info.abi_version);
	EXPECT_EQ(HYBRID_STATE_IDLE, info.state);
	EXPECT_EQ(0, info.file_flags);
	EXPECT_EQ(0, info.migration_id);
	EXPECT_EQ(0, info.__pad);
	EXPECT_NE(0, info.domid);
	ASSERT_EQ(0, get_info(w, &info));
	EXPECT_EQ(HYBRID_FILE_CAN_ACK, info.file_flags);
	close(r);
	close(w);
}

TEST(bad_reads)
{
	struct hybrid_migrate_event ev[2];
	int fd = open_dev(O_RDONLY | O_NONBLOCK);
	unsigned long long id = new_id();

	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, read(fd, ev, EV_SIZE - 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, read(fd, ev, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, read(fd, ev, sizeof(ev)));
	EXPECT_EQ(EAGAIN, errno);

	ASSERT_EQ(0, inject("prepare %llu 60000", id));
	/* A fault loses nothing: the record is still there afterwards. */
	EXPECT_EQ(-1, read(fd, no_access(), EV_SIZE));
	EXPECT_EQ(EFAULT, errno);
	/* A buffer for one and a half records gets exactly one. */
	EXPECT_EQ(EV_SIZE, read(fd, ev, EV_SIZE + EV_SIZE / 2));
	EXPECT_EQ(HYBRID_EV_PREPARE, ev[0].type);
	EXPECT_EQ(id, ev[0].prepare.migration_id);
	EXPECT_EQ(EV_SIZE, ev[0].size);
	settle(fd);
	close(fd);
}

TEST(bad_writes)
{
	struct hybrid_migrate_ack a = { .size = sizeof(a), .type = HYBRID_MSG_ACK };
	int r = open_dev(O_RDONLY), w = open_dev(O_RDWR);
	char junk[64];

	ASSERT_LE(0, r);
	ASSERT_LE(0, w);
	EXPECT_EQ(-1, write(r, &a, sizeof(a)));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, write(w, &a, sizeof(a) - 1));
	EXPECT_EQ(EINVAL, errno);
	memset(junk, 0x5a, sizeof(junk));
	EXPECT_EQ(-1, write(w, junk, sizeof(junk)));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, write(w, junk, sizeof(a)));
	EXPECT_EQ(EINVAL, errno);
	a.type = 7;
	EXPECT_EQ(-1, write(w, &a, sizeof(a)));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, write(w, no_access(), sizeof(a)));
	EXPECT_EQ(EFAULT, errno);
	/* Acks of sequence numbers that are no pending PREPARE */
	EXPECT_EQ(-ENOENT, ack(w, 0));
	EXPECT_EQ(-ENOENT, ack(w, ~0ULL));
	close(r);
	close(w);
}

TEST(bad_ioctls)
{
	int r = open_dev(O_RDONLY), w = open_dev(O_RDWR);
	__u64 seq = 1;

	ASSERT_LE(0, r);
	ASSERT_LE(0, w);
	EXPECT_EQ(-1, ioctl(r, _IO(HYBRID_MIGRATE_IOC_MAGIC, 0x7f)));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(r, 0));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(r, HYBRID_MIGRATE_IOC_GET_INFO, no_access()));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(r, HYBRID_MIGRATE_IOC_GET_CPU, no_access()));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(r, HYBRID_MIGRATE_IOC_ACK, &seq));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, ioctl(w, HYBRID_MIGRATE_IOC_ACK, no_access()));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(w, HYBRID_MIGRATE_IOC_ACK, &seq));
	EXPECT_EQ(ENOENT, errno);
	close(r);
	close(w);
}

TEST(mmap_rules)
{
	struct hybrid_migrate_info info;
	struct hybrid_migrate_page *p;
	int r = open_dev(O_RDONLY), w = open_dev(O_RDWR);
	long pg = sysconf(_SC_PAGESIZE);
	void *m;

	ASSERT_LE(0, r);
	ASSERT_LE(0, w);
	p = mmap(NULL, pg, PROT_READ, MAP_SHARED, r, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(HYBRID_MIGRATE_ABI_VERSION, p->abi_version);
	EXPECT_EQ(0, p->seq & 1);
	ASSERT_EQ(0, get_info(r, &info));
	EXPECT_EQ(info.generation, p->generation);
	EXPECT_EQ(-1, mprotect(p, pg, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	munmap(p, pg);

	m = mmap(NULL, 2 * pg, PROT_READ, MAP_SHARED, r, 0);
	EXPECT_EQ(MAP_FAILED, m);
	EXPECT_EQ(EINVAL, errno);
	m = mmap(NULL, pg, PROT_READ, MAP_SHARED, r, pg);
	EXPECT_EQ(MAP_FAILED, m);
	EXPECT_EQ(EINVAL, errno);
	m = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, w, 0);
	EXPECT_EQ(MAP_FAILED, m);
	EXPECT_EQ(EPERM, errno);
	m = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE, r, 0);
	EXPECT_EQ(MAP_FAILED, m);
	EXPECT_EQ(EPERM, errno);
	/* A read-only private mapping cannot be made writable either. */
	m = mmap(NULL, pg, PROT_READ, MAP_PRIVATE, r, 0);
	ASSERT_NE(MAP_FAILED, m);
	EXPECT_EQ(-1, mprotect(m, pg, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	munmap(m, pg);
	close(r);
	close(w);
}

TEST(prepare_ack_abort)
{
	struct hybrid_migrate_event er, ew;
	struct hybrid_migrate_info info;
	struct hybrid_migrate_page *p;
	int r = open_dev(O_RDONLY), w = open_dev(O_RDWR);
	unsigned long long id = new_id();
	__u64 seq;

	ASSERT_LE(0, r);
	ASSERT_LE(0, w);
	p = mmap(NULL, sysconf(_SC_PAGESIZE), PROT_READ, MAP_SHARED, r, 0);
	ASSERT_NE(MAP_FAILED, p);

	ASSERT_EQ(0, inject("prepare %llu 60000", id));
	ASSERT_EQ(1, read_one(r, &er));
	ASSERT_EQ(1, read_one(w, &ew));
	EXPECT_EQ(HYBRID_EV_PREPARE, er.type);
	EXPECT_EQ(er.seq, ew.seq);
	EXPECT_EQ(id, er.prepare.migration_id);
	EXPECT_EQ(60000, er.prepare.timeout_ms);
	EXPECT_EQ(1, er.prepare.ackers);
	EXPECT_EQ(0, er.flags);
	EXPECT_EQ(HYBRID_EVF_ACK_REQUIRED, ew.flags);
	EXPECT_GT(er.prepare.deadline_ns, er.timestamp_ns);
	EXPECT_EQ(0, read_one(r, &er));
	seq = ew.seq;

	ASSERT_EQ(0, get_info(r, &info));
	EXPECT_EQ(HYBRID_STATE_PREPARING, info.state);
	EXPECT_EQ(id, info.migration_id);
	EXPECT_EQ(1, info.ackers);
	EXPECT_EQ(0, info.acked);
	EXPECT_EQ(seq, info.last_seq);
	EXPECT_EQ(HYBRID_STATE_PREPARING, p->state);
	EXPECT_EQ(id, p->migration_id);

	EXPECT_EQ(-ENOENT, ack(w, seq + 1));
	EXPECT_EQ(0, ack(w, seq));
	ASSERT_EQ(0, get_info(r, &info));
	EXPECT_EQ(HYBRID_STATE_READY, info.state);
	EXPECT_EQ(1, info.acked);
	EXPECT_EQ(HYBRID_STATE_READY, p->state);
	EXPECT_EQ(-EALREADY, ack(w, seq));
	EXPECT_EQ(-1, ioctl(w, HYBRID_MIGRATE_IOC_ACK, &seq));
	EXPECT_EQ(EALREADY, errno);

	ASSERT_EQ(0, inject("abort %llu", id));
	ASSERT_EQ(1, read_one(r, &er));
	EXPECT_EQ(HYBRID_EV_ABORT, er.type);
	EXPECT_EQ(seq + 1, er.seq);
	EXPECT_EQ(id, er.abort.migration_id);
	EXPECT_EQ(HYBRID_ABORT_HOST, er.abort.reason);
	ASSERT_EQ(1, read_one(w, &ew));
	EXPECT_EQ(0, memcmp(&er, &ew, sizeof(er)));
	ASSERT_EQ(0, get_info(r, &info));
	EXPECT_EQ(HYBRID_STATE_IDLE, info.state);
	EXPECT_EQ(HYBRID_STATE_IDLE, p->state);
	EXPECT_EQ(-ENOENT, ack(w, seq));
	close(r);
	close(w);
}

TEST(prepare_without_writers_is_ready_at_once)
{
	struct hybrid_migrate_event ev;
	struct hybrid_migrate_info info;
	int r = open_dev(O_RDONLY);
	unsigned long long id = new_id();

	ASSERT_LE(0, r);
	ASSERT_EQ(0, inject("prepare %llu 60000", id));
	ASSERT_EQ(1, read_one(r, &ev));
	EXPECT_EQ(0, ev.prepare.ackers);
	ASSERT_EQ(0, get_info(r, &info));
	EXPECT_EQ(HYBRID_STATE_READY, info.state);
	settle(r);
	close(r);
}

TEST(close_counts_as_ack)
{
	struct hybrid_migrate_event ev;
	struct hybrid_migrate_info info;
	int w1 = open_dev(O_RDWR), w2 = open_dev(O_WRONLY), r = open_dev(O_RDONLY);
	unsigned long long id = new_id();

	ASSERT_LE(0, w1);
	ASSERT_LE(0, w2);
	ASSERT_LE(0, r);
	ASSERT_EQ(0, inject("prepare %llu 60000", id));
	ASSERT_EQ(1, read_one(w1, &ev));
	EXPECT_EQ(2, ev.prepare.ackers);
	EXPECT_EQ(0, ack(w1, ev.seq));
	ASSERT_EQ(0, get_info(r, &info));
	EXPECT_EQ(HYBRID_STATE_PREPARING, info.state);
	EXPECT_EQ(1, info.acked);
	close(w2);
	ASSERT_EQ(0, get_info(r, &info));
	EXPECT_EQ(HYBRID_STATE_READY, info.state);
	EXPECT_EQ(2, info.acked);
	EXPECT_EQ(2, info.ackers);
	settle(r);
	close(w1);
	close(r);
}

TEST(late_opener_need_not_ack)
{
	struct hybrid_migrate_event ev;
	struct hybrid_migrate_info info;
	int w1 = open_dev(O_RDWR), w2;
	unsigned long long id = new_id();

	ASSERT_LE(0, w1);
	ASSERT_EQ(0, inject("prepare %llu 60000", id));
	ASSERT_EQ(1, read_one(w1, &ev));
	w2 = open_dev(O_RDWR);
	ASSERT_LE(0, w2);
	/* The late file got no PREPARE, and its ack is taken and ignored. */
	EXPECT_EQ(0, read_one(w2, &ev));
	EXPECT_EQ(0, ack(w2, ev.seq));
	ASSERT_EQ(0, get_info(w2, &info));
	EXPECT_EQ(HYBRID_STATE_PREPARING, info.state);
	EXPECT_EQ(0, info.acked);
	close(w2);
	ASSERT_EQ(0, get_info(w1, &info));
	EXPECT_EQ(HYBRID_STATE_PREPARING, info.state);
	settle(w1);
	close(w1);
}

TEST(ack_timeout)
{
	struct hybrid_migrate_event ev;
	struct hybrid_migrate_info info;
	struct timespec t0, t;
	int old = param_get("max_ack_ms");
	int w = open_dev(O_RDWR);
	unsigned long long id = new_id();

	ASSERT_LE(0, w);
	ASSERT_LT(0, old);
	ASSERT_EQ(0, param_set("max_ack_ms", 300));
	ASSERT_EQ(0, inject("prepare %llu 60000", id));
	ASSERT_EQ(1, read_one(w, &ev));
	/* Polls the state; the driver's own timer decides, bounded by 10 s. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		ASSERT_EQ(0, get_info(w, &info));
		if (info.state != HYBRID_STATE_PREPARING)
			break;
		usleep(10000);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (t.tv_sec - t0.tv_sec < 10);
	param_set("max_ack_ms", old);
	EXPECT_EQ(HYBRID_STATE_READY, info.state);
	EXPECT_EQ(0, info.acked);
	/* A late ack is still taken. */
	EXPECT_EQ(0, ack(w, ev.seq));
	settle(w);
	close(w);
}

TEST(supersede_and_duplicates)
{
	struct hybrid_migrate_event ev[4];
	int r = open_dev(O_RDONLY);
	unsigned long long a = new_id(), b = a + 1;

	ASSERT_LE(0, r);
	ASSERT_EQ(0, inject("prepare %llu 60000", a));
	ASSERT_EQ(0, inject("prepare %llu 60000", a));	/* the same request */
	ASSERT_EQ(0, inject("prepare %llu 60000", b));
	ASSERT_EQ(0, inject("abort %llu", a));		/* no longer pending */
	ASSERT_EQ(3 * EV_SIZE, read(r, ev, sizeof(ev)));
	EXPECT_EQ(HYBRID_EV_PREPARE, ev[0].type);
	EXPECT_EQ(a, ev[0].prepare.migration_id);
	EXPECT_EQ(HYBRID_EV_ABORT, ev[1].type);
	EXPECT_EQ(a, ev[1].abort.migration_id);
	EXPECT_EQ(HYBRID_ABORT_SUPERSEDED, ev[1].abort.reason);
	EXPECT_EQ(HYBRID_EV_PREPARE, ev[2].type);
	EXPECT_EQ(b, ev[2].prepare.migration_id);
	EXPECT_EQ(ev[0].seq + 1, ev[1].seq);
	EXPECT_EQ(ev[1].seq + 1, ev[2].seq);
	settle(r);
	close(r);
}

TEST(malformed_requests)
{
	EXPECT_EQ(-EINVAL, inject("prepare"));
	EXPECT_EQ(-EINVAL, inject("prepare 12 x"));
	EXPECT_EQ(-ERANGE, inject("prepare 0 10"));
	EXPECT_EQ(-ERANGE, inject("prepare 12 0"));
	EXPECT_EQ(-EINVAL, inject("suspend"));
}

TEST(overflow_reports_lost)
{
	int qlen = param_get("queue_len"), n = 100, i;
	struct hybrid_migrate_event *ev;
	int r = open_dev(O_RDONLY | O_NONBLOCK);
	unsigned long long id = new_id();
	ssize_t got;

	ASSERT_LE(0, r);
	ASSERT_LT(0, qlen);
	ASSERT_LT(qlen, 2 * n);
	ev = calloc(2 * n + 1, EV_SIZE);
	ASSERT_NE(NULL, ev);
	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, inject("prepare %llu 60000", id + i));
		ASSERT_EQ(0, inject("abort %llu", id + i));
	}
	got = read(r, ev, (2 * n + 1) * EV_SIZE);
	ASSERT_EQ((qlen + 1) * (ssize_t)EV_SIZE, got);
	EXPECT_EQ(HYBRID_EV_LOST, ev[0].type);
	EXPECT_EQ(0, ev[0].seq);
	EXPECT_EQ(2 * n - qlen, ev[0].lost.count);
	for (i = 2; i <= qlen; i++)
		EXPECT_EQ(ev[i - 1].seq + 1, ev[i].seq);
	/* The newest record is the last abort. */
	EXPECT_EQ(HYBRID_EV_ABORT, ev[qlen].type);
	EXPECT_EQ(id + n - 1, ev[qlen].abort.migration_id);
	EXPECT_EQ(-1, read(r, ev, EV_SIZE));
	EXPECT_EQ(EAGAIN, errno);
	free(ev);
	close(r);
}

TEST(many_readers_see_everything)
{
	enum { READERS = 8, PAIRS = 10 };
	struct hybrid_migrate_event ev[2 * PAIRS + 1];
	unsigned long long id = new_id();
	int fds[READERS], i, j;

	for (i = 0; i < READERS; i++) {
		fds[i] = open_dev(i & 1 ? O_RDONLY : O_RDWR);
		ASSERT_LE(0, fds[i]);
	}
	for (i = 0; i < PAIRS; i++) {
		ASSERT_EQ(0, inject("prepare %llu 60000", id + i));
		ASSERT_EQ(0, inject("abort %llu", id + i));
	}
	for (i = 0; i < READERS; i++) {
		fcntl(fds[i], F_SETFL, O_NONBLOCK);
		ASSERT_EQ(2 * PAIRS * (ssize_t)EV_SIZE,
			  read(fds[i], ev, sizeof(ev)));
		for (j = 0; j < 2 * PAIRS; j++) {
			EXPECT_EQ(j & 1 ? HYBRID_EV_ABORT : HYBRID_EV_PREPARE,
				  ev[j].type);
			EXPECT_EQ(id + j / 2, ev[j].prepare.migration_id);
			if (j)
				EXPECT_EQ(ev[j - 1].seq + 1, ev[j].seq);
		}
		close(fds[i]);
	}
}

struct blocked {
	int fd;
	pid_t tid;
	ssize_t got;
	int err;
	struct hybrid_migrate_event ev;
};

static void *blocked_reader(void *arg)
{
	struct blocked *b = arg;

	__atomic_store_n(&b->tid, (pid_t)syscall(SYS_gettid), __ATOMIC_RELEASE);
	b->got = read(b->fd, &b->ev, sizeof(b->ev));
	b->err = errno;
	return NULL;
}

/* Waits until thread tid sleeps (state S); bounded by 10 s. */
static int wait_sleeping(pid_t tid)
{
	char path[64], buf[256], *p;
	int i, fd;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	for (i = 0; i < 1000; i++) {
		fd = open(path, O_RDONLY);
		if (fd >= 0) {
			ssize_t n = read(fd, buf, sizeof(buf) - 1);

			close(fd);
			buf[n > 0 ? n : 0] = '\0';
			p = strrchr(buf, ')');
			if (p && p[1] == ' ' && p[2] == 'S')
				return 0;
		}
		usleep(10000);
	}
	return -1;
}

TEST(blocked_read_and_epoll_wake)
{
	struct blocked b = { .fd = open_dev(O_RDONLY) };
	struct epoll_event ee = { .events = EPOLLIN }, out;
	unsigned long long id = new_id();
	int ep = epoll_create1(0), r2 = open_dev(O_RDONLY);
	pthread_t t;

	ASSERT_LE(0, b.fd);
	ASSERT_LE(0, r2);
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, r2, &ee));
	EXPECT_EQ(0, epoll_wait(ep, &out, 1, 0));

	ASSERT_EQ(0, pthread_create(&t, NULL, blocked_reader, &b));
	while (!__atomic_load_n(&b.tid, __ATOMIC_ACQUIRE))
		sched_yield();
	ASSERT_EQ(0, wait_sleeping(b.tid));
	ASSERT_EQ(0, inject("prepare %llu 60000", id));
	pthread_join(t, NULL);
	EXPECT_EQ((ssize_t)EV_SIZE, b.got);
	EXPECT_EQ(HYBRID_EV_PREPARE, b.ev.type);
	EXPECT_EQ(id, b.ev.prepare.migration_id);
	EXPECT_EQ(1, epoll_wait(ep, &out, 1, 10000));
	EXPECT_TRUE(out.events & EPOLLIN);
	settle(r2);
	close(ep);
	close(r2);
	close(b.fd);
}

TEST(module_stays_while_open)
{
	int fd = open_dev(O_RDONLY);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, syscall(SYS_delete_module, "hybrid_migrate", O_NONBLOCK));
	EXPECT_EQ(EWOULDBLOCK, errno);
	/* ... and the file still works. */
	EXPECT_EQ(0, ioctl(fd, HYBRID_MIGRATE_IOC_GET_INFO,
			   &(struct hybrid_migrate_info){}));
	close(fd);
}

TEST(cpu_snapshot)
{
	static const unsigned int leaves[][2] = {
		{ 1, 0 }, { 7, 0 }, { 7, 1 }, { 0xd, 1 },
		{ 0x80000001, 0 }, { 0x80000007, 0 }, { 0x80000008, 0 },
	};
	struct hybrid_migrate_cpu cpu;
	struct hybrid_migrate_page *p;
	unsigned int i, a, b, c, d;
	int fd = open_dev(O_RDONLY);

	ASSERT_LE(0, fd);
	memset(&cpu, 0xa5, sizeof(cpu));
	ASSERT_EQ(0, ioctl(fd, HYBRID_MIGRATE_IOC_GET_CPU, &cpu));
	for (i = 0; i < HYBRID_CPUID_NR_LEAVES; i++) {
		struct hybrid_cpuid_leaf *l = &cpu.current_features.leaves[i];

		EXPECT_EQ(leaves[i][0], l->leaf);
		EXPECT_EQ(leaves[i][1], l->subleaf);
		__cpuid_count(leaves[i][0], leaves[i][1], a, b, c, d);
		if (i == 0) {
			/* EBX[31:24] is the APIC ID of the CPU it ran on. */
			b &= 0x00ffffff;
			l->ebx &= 0x00ffffff;
		}
		EXPECT_EQ(a, l->eax);
		EXPECT_EQ(b, l->ebx);
		EXPECT_EQ(c, l->ecx);
		EXPECT_EQ(d, l->edx);
	}
	EXPECT_EQ(0, cpu.current_features.__pad);
	if (!cpu.changed_generation) {
		cpu.current_features.leaves[0].ebx = cpu.before.leaves[0].ebx;
		EXPECT_EQ(0, memcmp(&cpu.before, &cpu.current_features,
				    sizeof(cpu.before)));
		for (i = 0; i < sizeof(cpu.changed); i++)
			EXPECT_EQ(0, ((unsigned char *)&cpu.changed)[i]);
	}
	p = mmap(NULL, sysconf(_SC_PAGESIZE), PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(cpu.current_features.leaves[1].ebx, p->features.leaves[1].ebx);
	close(fd);
}

/*
 * A timeout already running when a newer PREPARE re-arms the timer must
 * not answer that PREPARE: the driver's test hook holds the old run
 * before it takes the lock, as a loaded machine could.
 */
TEST(stale_timeout_leaves_newer_prepare_alone)
{
	struct hybrid_migrate_info info;
	unsigned long long a = new_id(), b = a + 1;
	int old = param_get("max_ack_ms");
	int w = open_dev(O_RDWR);
	long long entered = get_num(DEBUGFS "timeouts_entered");
	long long done = get_num(DEBUGFS "timeouts_done");

	ASSERT_LE(0, w);
	ASSERT_LE(0, entered);
	ASSERT_LE(0, done);
	ASSERT_EQ(0, put_num(DEBUGFS "stall_timeout_ms", 1000));
	ASSERT_EQ(0, param_set("max_ack_ms", 50));
	ASSERT_EQ(0, inject("prepare %llu 60000", a));
	/* The first wait's timeout has started and is held. */
	ASSERT_EQ(0, wait_counter(DEBUGFS "timeouts_entered", entered));
	ASSERT_EQ(0, param_set("max_ack_ms", 60000));
	ASSERT_EQ(0, inject("prepare %llu 60000", b));
	/* The held run ends; the newer PREPARE must still wait for w. */
	ASSERT_EQ(0, wait_counter(DEBUGFS "timeouts_done", done));
	put_num(DEBUGFS "stall_timeout_ms", 0);
	param_set("max_ack_ms", old);
	ASSERT_EQ(0, get_info(w, &info));
	EXPECT_EQ(HYBRID_STATE_PREPARING, info.state);
	EXPECT_EQ(b, info.migration_id);
	EXPECT_EQ(0, info.acked);
	settle(w);
	close(w);
}

struct reader {
	int fd;
	ssize_t got;
	struct hybrid_migrate_event ev;
};

static void *read_one_record(void *arg)
{
	struct reader *r = arg;

	r->got = read(r->fd, &r->ev, sizeof(r->ev));
	return NULL;
}

/* Two threads reading one file each get a record of their own. */
TEST(two_readers_of_one_file)
{
	struct reader r1, r2;
	struct hybrid_migrate_event ev;
	unsigned long long id = new_id();
	pthread_t t1, t2;
	int fd = open_dev(O_RDONLY | O_NONBLOCK);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, inject("prepare %llu 60000", id));
	ASSERT_EQ(0, inject("abort %llu", id));
	/* Each read holds its record 300 ms between taking and consuming. */
	ASSERT_EQ(0, put_num(DEBUGFS "stall_read_ms", 300));
	r1 = (struct reader){ .fd = fd };
	r2 = (struct reader){ .fd = fd };
	ASSERT_EQ(0, pthread_create(&t1, NULL, read_one_record, &r1));
	ASSERT_EQ(0, pthread_create(&t2, NULL, read_one_record, &r2));
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	put_num(DEBUGFS "stall_read_ms", 0);
	ASSERT_EQ((ssize_t)EV_SIZE, r1.got);
	ASSERT_EQ((ssize_t)EV_SIZE, r2.got);
	EXPECT_NE(r1.ev.seq, r2.ev.seq);
	EXPECT_EQ(HYBRID_EV_PREPARE + HYBRID_EV_ABORT, r1.ev.type + r2.ev.type);
	/* Nothing more, and no LOST record with a wrapped count. */
	EXPECT_EQ(-1, read(fd, &ev, sizeof(ev)));
	EXPECT_EQ(EAGAIN, errno);
	close(fd);
}

/* Reads records until a COMPLETE; returns 1 if one came, else 0. */
static int read_complete(int fd, struct hybrid_migrate_event *ev)
{
	while (read_one(fd, ev) == 1)
		if (ev->type == HYBRID_EV_COMPLETE)
			return 1;
	return 0;
}

/*
 * A resume names the PREPARE answered before it, but not one answered
 * announce_ttl_ms or longer ago: that host never followed its request.
 * With a ttl of 0 no answered PREPARE names a resume, even when Xen's
 * clock reads the same at the answer and at the resume.
 */
TEST(announced_resume_and_stale_announcement)
{
	struct hybrid_migrate_event ev;
	unsigned long long id = new_id();
	int old = param_get("announce_ttl_ms");
	int fd = open_dev(O_RDONLY);

	ASSERT_LE(0, fd);
	ASSERT_LT(0, old);
	/* No writer: answered "ready" at once, then the domain resumes. */
	ASSERT_EQ(0, inject("prepare %llu 60000", id));
	ASSERT_EQ(0, put_num(DEBUGFS "fake_resume", 1));
	ASSERT_EQ(1, read_complete(fd, &ev));
	EXPECT_EQ(HYBRID_COMPLETE_ANNOUNCED, ev.complete.flags);
	EXPECT_EQ(id, ev.complete.migration_id);

	ASSERT_EQ(0, param_set("announce_ttl_ms", 0));
	ASSERT_EQ(0, inject("prepare %llu 60000", id + 1));
	ASSERT_EQ(0, put_num(DEBUGFS "fake_resume", 1));
	param_set("announce_ttl_ms", old);
	ASSERT_EQ(1, read_complete(fd, &ev));
	EXPECT_EQ(0, ev.complete.flags);
	EXPECT_EQ(0, ev.complete.migration_id);
	close(fd);
}

/* The last line of the driver's resume timeline has early=E; E or -1. */
static int last_resume_early(void)
{
	char buf[4096], *p;
	ssize_t n;
	int fd = open(DEBUGFS "timeline", O_RDONLY);

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strrchr(buf, '=');
	return p ? atoi(p + 1) : -1;
}

/*
 * COMPLETE is raised from the resume notifier where Xen tells the domid
 * in CPUID, else from a work item (forced here through the test hook):
 * either way one COMPLETE, the generation one up, in the page as well.
 */
TEST(complete_from_notifier_or_work)
{
	struct hybrid_migrate_event ev;
	struct hybrid_migrate_info info;
	struct hybrid_migrate_page *p;
	int fd = open_dev(O_RDONLY), late;

	ASSERT_LE(0, fd);
	p = mmap(NULL, sysconf(_SC_PAGESIZE), PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	for (late = 0; late <= 1; late++) {
		ASSERT_EQ(0, get_info(fd, &info));
		ASSERT_EQ(0, put_num(DEBUGFS "force_late", late));
		ASSERT_EQ(0, put_num(DEBUGFS "fake_resume", 1));
		put_num(DEBUGFS "force_late", 0);
		ASSERT_EQ(1, read_complete(fd, &ev));
		EXPECT_EQ(info.generation + 1, ev.generation);
		EXPECT_EQ(info.generation + 1, p->generation);
		EXPECT_LE(ev.complete.resume_ns, ev.timestamp_ns);
		EXPECT_EQ(!late, last_resume_early());
		EXPECT_EQ(0, read_one(fd, &ev));
	}
	munmap(p, sysconf(_SC_PAGESIZE));
	close(fd);
}

/*
 * The device's next uevent for a generation after @after: its
 * HYBRID_MIGRATE_GENERATION, or -1 if none came within the socket's
 * timeout.  The uevents are sent from a work item: those of an earlier
 * test's resumes may still come after this test's socket is bound.
 */
static long long next_uevent(int s, long long after)
{
	char buf[4096], *p;
	long long gen;
	ssize_t n;
	int ours;

	while ((n = recv(s, buf, sizeof(buf) - 1, 0)) > 0) {
		buf[n] = '\0';
		ours = 0;
		gen = -1;
		for (p = buf; p < buf + n; p += strlen(p) + 1) {
			if (!strcmp(p, "DEVNAME=hybrid-migrate"))
				ours = 1;
			if (!strncmp(p, "HYBRID_MIGRATE_GENERATION=", 26))
				gen = atoll(p + 26);
		}
		if (ours && gen > after)
			return gen;
	}
	return -1;
}

/* Each resume sends one KOBJ_CHANGE uevent with its generation. */
TEST(uevent_per_resume)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = 1 };
	struct timeval tv = { .tv_sec = 10 };
	struct hybrid_migrate_info info;
	int fd = open_dev(O_RDONLY);
	int s = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC,
		       NETLINK_KOBJECT_UEVENT);

	ASSERT_LE(0, fd);
	ASSERT_LE(0, s);
	ASSERT_EQ(0, bind(s, (struct sockaddr *)&sa, sizeof(sa)));
	ASSERT_EQ(0, setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	ASSERT_EQ(0, get_info(fd, &info));
	ASSERT_EQ(0, put_num(DEBUGFS "fake_resume", 1));
	ASSERT_EQ(0, put_num(DEBUGFS "fake_resume", 1));
	EXPECT_EQ((long long)info.generation + 1,
		  next_uevent(s, info.generation));
	EXPECT_EQ((long long)info.generation + 2,
		  next_uevent(s, info.generation));
	close(s);
	close(fd);
}

/* Writable (EPOLLOUT) exactly while the file's ack is awaited. */
TEST(pollout_while_ack_awaited)
{
	struct hybrid_migrate_event ev;
	unsigned long long id = new_id();
	int w = open_dev(O_RDWR), r = open_dev(O_RDONLY);
	struct pollfd pw = { .fd = w, .events = POLLOUT };
	struct pollfd pr = { .fd = r, .events = POLLOUT };

	ASSERT_LE(0, w);
	ASSERT_LE(0, r);
	EXPECT_EQ(0, poll(&pw, 1, 0));
	ASSERT_EQ(0, inject("prepare %llu 60000", id));
	EXPECT_EQ(1, poll(&pw, 1, 0));
	EXPECT_TRUE(pw.revents & POLLOUT);
	EXPECT_EQ(0, poll(&pr, 1, 0));
	ASSERT_EQ(1, read_one(w, &ev));
	ASSERT_EQ(0, ack(w, ev.seq));
	pw.revents = 0;
	EXPECT_EQ(0, poll(&pw, 1, 0));
	settle(w);
	close(w);
	close(r);
}

/*
 * A user without CAP_SYS_ADMIN holds at most max_user_files open files,
 * over all its processes; root is not bound.
 */
TEST(open_files_bound_per_user)
{
	enum { MAX = 4 };
	int old = param_get("max_user_files");
	int st, fds[MAX], i, fd, up[2], down[2];
	/* by its directory: the rig's guest has / at mode 0700 */
	int dev = open("/dev", O_PATH | O_DIRECTORY | O_CLOEXEC);
	pid_t child, other;
	char c;

	ASSERT_LE(0, dev);
	ASSERT_LT(0, old);
	ASSERT_EQ(0, param_set("max_user_files", MAX));
	/* up: the child holds its files; down closed: root has opened */
	ASSERT_EQ(0, pipe(up));
	ASSERT_EQ(0, pipe(down));
	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		close(up[0]);
		close(down[1]);
		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(10);
		for (i = 0; i < MAX; i++) {
			fds[i] = openat(dev, "hybrid-migrate", O_RDONLY);
			if (fds[i] < 0)
				_exit(11);
		}
		if (openat(dev, "hybrid-migrate", O_RDONLY) >= 0 || errno != EMFILE)
			_exit(12);
		/* Another process of the same user is bound too. */
		other = fork();
		if (!other)
			_exit(openat(dev, "hybrid-migrate", O_RDONLY) < 0 &&
			      errno == EMFILE ? 0 : 13);
		if (other < 0 || waitpid(other, &st, 0) != other ||
		    !WIFEXITED(st) || WEXITSTATUS(st))
			_exit(14);
		/* One closed: one more may open. */
		close(fds[0]);
		fd = openat(dev, "hybrid-migrate", O_RDONLY);
		if (fd < 0)
			_exit(15);
		/* Hold the files while root opens. */
		if (write(up[1], "x", 1) != 1)
			_exit(16);
		if (read(down[0], &c, 1) != 0)
			_exit(17);
		_exit(0);
	}
	close(up[1]);
	close(down[0]);
	if (read(up[0], &c, 1) != 1) {
		waitpid(child, &st, 0);
		param_set("max_user_files", old);
		ASSERT_TRUE(WIFEXITED(st));
		/* the exit code says which step failed */
		ASSERT_EQ(0, WEXITSTATUS(st));
	}
	fd = openat(dev, "hybrid-migrate", O_RDONLY);
	EXPECT_LE(0, fd);
	close(fd);
	close(up[0]);
	close(down[1]);
	close(dev);
	ASSERT_EQ(child, waitpid(child, &st, 0));
	param_set("max_user_files", old);
	ASSERT_TRUE(WIFEXITED(st));
	EXPECT_EQ(0, WEXITSTATUS(st));
}

#define CG	"/sys/fs/cgroup"

/* Each open file's ring is charged to the opener's memory cgroup. */
TEST(rings_charged_to_the_opener)
{
	enum { FILES = 100 };
	long long before, after;
	int fds[FILES], i, fd;

	if (access(CG "/cgroup.procs", F_OK))
		mount("cgroup2", CG, "cgroup2", 0, NULL);
	fd = open(CG "/cgroup.subtree_control", O_WRONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(7, write(fd, "+memory", 7));
	close(fd);
	mkdir(CG "/hm-test", 0755);
	ASSERT_EQ(0, access(CG "/hm-test/memory.current", R_OK));
	ASSERT_EQ(0, put_num(CG "/hm-test/cgroup.procs", getpid()));
	before = get_num(CG "/hm-test/memory.current");
	for (i = 0; i < FILES; i++) {
		fds[i] = open_dev(O_RDONLY);
		ASSERT_LE(0, fds[i]);
	}
	after = get_num(CG "/hm-test/memory.current");
	for (i = 0; i < FILES; i++)
		close(fds[i]);
	put_num(CG "/cgroup.procs", getpid());
	rmdir(CG "/hm-test");
	ASSERT_LE(0, before);
	/*
	 * Each ring is queue_len records.  memcg charges the counter a batch
	 * of 64 pages ahead, so up to 256 KiB of the rings may come from a
	 * charge made before: ask for half of what they take.
	 */
	EXPECT_LE((long long)FILES * param_get("queue_len") * EV_SIZE / 2,
		  after - before);
	TH_LOG("%d open files: memory.current %lld -> %lld", FILES, before, after);
}

TEST_HARNESS_MAIN
