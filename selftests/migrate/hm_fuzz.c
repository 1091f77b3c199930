// SPDX-License-Identifier: GPL-2.0
/*
 * hm_fuzz: drives /dev/hybrid-migrate with random system calls from
 * several threads, for the debug guest (make rig-debug), where KASAN,
 * lockdep, UBSAN and kmemleak judge what the driver did with them.
 *
 *   hm_fuzz SECONDS [THREADS [SEED]]
 *
 * Each thread picks, at random: open (any access mode, with or without
 * O_NONBLOCK), close, read (any size, into good, unmapped or read-only
 * memory), write (random bytes or a well-formed ack of any seq), ioctl
 * (the driver's numbers with every size and direction, and random ones,
 * with good and bad pointers), mmap (any length, offset and protection,
 * shared or private) followed by mprotect, mremap and munmap, poll, and
 * dup.  The files are shared by all threads, so one closes what another
 * reads.  Another thread injects PREPARE and ABORT storms through the
 * driver's debugfs file "inject", and a fake resume now and then
 * ("fake_resume"), unless the driver's debugfs is not there.
 *
 * The kernel's reports are the verdict; the program itself only checks
 * what the ABI promises, and counts what it could not believe:
 *   - read() returns whole records of a known type and size, or an error;
 *   - the ioctls fill every byte of what they copy out (the buffer is
 *     poisoned first, a run of 16 poison bytes left means it was not);
 *   - the mapped page is never writable.
 * At the end it prints one line,
 *
 *   HMFUZZ calls=N open=N read=N write=N ioctl=N mmap=N poll=N injects=N
 *          resumes=N records=N efault=N bad=N
 *
 * and exits 0 if bad is 0.  A SIGSEGV or SIGBUS prints "HMFUZZ bad:
 * signal N at 0xADDR ip 0xIP in OP" (OP: what the thread was doing) and
 * exits 3.  Blocked readers are left to
 * exit_group().
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include <linux/hybrid_migrate.h>

#define DEV		"/dev/hybrid-migrate"
#define DEBUGFS		"/sys/kernel/debug/hybrid-migrate/"
#define NFILES		16
#define POISON		0xa5
#define BUFSZ		(64 * 1024)

static atomic_int files[NFILES];
static atomic_ulong n_calls, n_open, n_read, n_write, n_ioctl, n_mmap,
	n_poll, n_inject, n_resume, n_records, n_efault, n_bad;
static atomic_int stop;
static atomic_char sink;
static char *ro_page;		/* mapped PROT_READ: the kernel may not write it */
/*
 * An address the kernel may neither read nor write.  It stays mapped
 * PROT_NONE: unmapped, the next mmap (a thread's stack) would take it.
 */
static char *hole;
static long pagesz;
static __thread const char *doing = "main";	/* for the fault handler */

static void flaw(const char *what, long a, long b)
{
	atomic_fetch_add(&n_bad, 1);
	fprintf(stderr, "HMFUZZ bad: %s (%ld, %ld)\n", what, a, b);
}

/* xorshift64*, one state per thread */
static unsigned long long rnd(unsigned long long *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

static unsigned int pick(unsigned long long *s, unsigned int n)
{
	return rnd(s) % n;
}

/* A pointer for the kernel to use: mostly good, sometimes not. */
static void *some_ptr(unsigned long long *s, char *good)
{
	switch (pick(s, 10)) {
	case 0:
		return NULL;
	case 1:
		return hole;
	case 2:
		return ro_page;
	case 3:
		return (void *)0xffff888000000000UL;	/* kernel memory */
	case 4:
		return good + 1;			/* misaligned */
	default:
		return good;
	}
}

static int some_fd(unsigned long long *s)
{
	return atomic_load(&files[pick(s, NFILES)]);
}

static void count_errno(long r)
{
	if (r < 0 && errno == EFAULT)
		atomic_fetch_add(&n_efault, 1);
}

static void do_open(unsigned long long *s)
{
	static const int modes[] = { O_RDONLY, O_WRONLY, O_RDWR };
	int flags = modes[pick(s, 3)] | O_CLOEXEC;
	int fd, old;

	if (pick(s, 4))
		flags |= O_NONBLOCK;
	fd = open(DEV, flags);
	atomic_fetch_add(&n_open, 1);
	if (fd < 0)
		return;
	old = atomic_exchange(&files[pick(s, NFILES)], fd);
	if (old >= 0)
		close(old);
}

static void do_close(unsigned long long *s)
{
	int fd = atomic_exchange(&files[pick(s, NFILES)], -1);

	if (fd >= 0)
		close(fd);
}

/* Checks the records read() returned into buf. */
static void check_records(const char *buf, long r)
{
	const struct hybrid_migrate_event *ev;
	long off;

	if (r % sizeof(*ev)) {
		flaw("read returned part of a record", r, sizeof(*ev));
		return;
	}
	for (off = 0; off < r; off += sizeof(*ev)) {
		ev = (const void *)(buf + off);
		atomic_fetch_add(&n_records, 1);
		if (ev->size != sizeof(*ev) || ev->type < HYBRID_EV_PREPARE ||
		    ev->type > HYBRID_EV_LOST)
			flaw("record of unknown size or type", ev->size, ev->type);
	}
}

static void do_read(unsigned long long *s, char *buf)
{
	int fd = some_fd(s);
	size_t len;
	void *p;
	long r;

	switch (pick(s, 4)) {
	case 0:
		len = pick(s, 2 * sizeof(struct hybrid_migrate_event));
		break;
	case 1:
		len = sizeof(struct hybrid_migrate_event) * (1 + pick(s, 8));
		break;
	case 2:
		len = pick(s, BUFSZ);
		break;
	default:
		len = (size_t)rnd(s);	/* absurd: must fail cleanly */
		break;
	}
	p = some_ptr(s, buf);
	if ((p == buf || p == buf + 1) && len > BUFSZ - 1)
		len = BUFSZ - 1;
	/* a blocking read must not hang the thread: ask poll first */
	if (fd >= 0 && (fcntl(fd, F_GETFL) & O_NONBLOCK) == 0) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (poll(&pfd, 1, 0) != 1)
			return;
	}
	r = read(fd, p, len);
	atomic_fetch_add(&n_read, 1);
	count_errno(r);
	if (r > 0 && p == buf)
		check_records(buf, r);
	else if (r > 0 && p != buf + 1)
		flaw("read into a bad pointer succeeded", r, (long)p);
}

static void do_write(unsigned long long *s, char *buf)
{
	struct hybrid_migrate_ack ack = {
		.size = sizeof(ack), .type = HYBRID_MSG_ACK,
	};
	struct hybrid_migrate_info info;
	int fd = some_fd(s);
	long r;

	switch (pick(s, 3)) {
	case 0:		/* an ack of the pending PREPARE, if any */
		if (ioctl(fd, HYBRID_MIGRATE_IOC_GET_INFO, &info) == 0)
			ack.seq = info.last_seq;
		r = write(fd, &ack, sizeof(ack));
		break;
	case 1:		/* an ack of any seq, any size */
		ack.seq = rnd(s) % 1000;
		r = write(fd, &ack, pick(s, sizeof(ack) + 8));
		break;
	default:	/* anything */
		for (r = 0; r < 64; r++)
			buf[r] = rnd(s);
		r = write(fd, some_ptr(s, buf), pick(s, 4096));
		break;
	}
	atomic_fetch_add(&n_write, 1);
	count_errno(r);
}

/* true if buf[0..len) still holds 16 poison bytes in a row */
static int poisoned(const unsigned char *buf, size_t len)
{
	size_t i, run = 0;

	for (i = 0; i < len; i++) {
		run = buf[i] == POISON ? run + 1 : 0;
		if (run == 16)
			return 1;
	}
	return 0;
}

static void do_ioctl(unsigned long long *s, char *buf)
{
	static const unsigned long good[] = {
		HYBRID_MIGRATE_IOC_GET_INFO, HYBRID_MIGRATE_IOC_GET_CPU,
		HYBRID_MIGRATE_IOC_ACK,
	};
	int fd = some_fd(s);
	unsigned long cmd;
	size_t len = 0;
	void *p;
	long r;

	switch (pick(s, 4)) {
	case 0:
	case 1:
		cmd = good[pick(s, 3)];
		len = _IOC_SIZE(cmd);
		break;
	case 2:		/* the driver's magic, any number, size, direction */
		cmd = _IOC(pick(s, 4), HYBRID_MIGRATE_IOC_MAGIC, pick(s, 16),
			   pick(s, 1024));
		break;
	default:
		cmd = (unsigned int)rnd(s);
		break;
	}
	p = pick(s, 8) ? some_ptr(s, buf) : (void *)(unsigned long)rnd(s);
	if (p == buf && cmd == HYBRID_MIGRATE_IOC_ACK)
		*(__u64 *)buf = rnd(s) % 1000;
	else if (p == buf)
		memset(buf, POISON, 4096);
	r = ioctl(fd, cmd, p);
	atomic_fetch_add(&n_ioctl, 1);
	count_errno(r);
	if (r == 0 && p == buf && len && cmd != HYBRID_MIGRATE_IOC_ACK &&
	    poisoned((unsigned char *)buf, len))
		flaw("ioctl left bytes of its answer unwritten", cmd, len);
}

static void do_mmap(unsigned long long *s)
{
	static const int prots[] = {
		PROT_READ, PROT_READ | PROT_WRITE, PROT_READ | PROT_EXEC,
		PROT_WRITE, PROT_NONE,
	};
	int fd = some_fd(s), prot = prots[pick(s, 5)];
	size_t len = pagesz * pick(s, 3), len2;
	off_t off = pick(s, 4) ? 0 : pagesz * (off_t)pick(s, 4);
	char *m, *m2;

	if (!pick(s, 8))
		len = pick(s, 3 * pagesz);
	m = mmap(NULL, len, prot, pick(s, 2) ? MAP_SHARED : MAP_PRIVATE, fd,
		 off);
	atomic_fetch_add(&n_mmap, 1);
	if (m == MAP_FAILED)
		return;
	if (prot & PROT_WRITE)
		flaw("the page mapped writable", prot, off);
	if (prot & PROT_READ)
		atomic_fetch_xor(&sink, m[0]);	/* the page is there */
	if (mprotect(m, len, PROT_READ | PROT_WRITE) == 0)
		flaw("the page made writable by mprotect", len, off);
	mprotect(m, len, prots[pick(s, 5)]);
	len2 = len + pagesz * pick(s, 3);
	m2 = mremap(m, len, len2, MREMAP_MAYMOVE);
	if (m2 != MAP_FAILED) {
		m = m2;
		len = len2;
	}
	munmap(m, len);
}

static void do_poll(unsigned long long *s)
{
	struct pollfd pfd[3];
	int i;

	for (i = 0; i < 3; i++) {
		pfd[i].fd = some_fd(s);
		pfd[i].events = POLLIN | POLLOUT | POLLPRI;
	}
	poll(pfd, 3, pick(s, 3));
	atomic_fetch_add(&n_poll, 1);
}

static void do_dup(unsigned long long *s)
{
	int fd = some_fd(s), d, old;

	if (fd < 0)
		return;
	d = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (d < 0)
		return;
	old = atomic_exchange(&files[pick(s, NFILES)], d);
	if (old >= 0)
		close(old);
}

static void *fuzzer(void *arg)
{
	unsigned long long s = (unsigned long)arg;
	char *buf = malloc(BUFSZ);

	if (!buf)
		return NULL;
	while (!atomic_load(&stop)) {
		switch (pick(&s, 16)) {
		case 0:
		case 1:
			doing = "open";
			do_open(&s);
			break;
		case 2:
			doing = "close";
			do_close(&s);
			break;
		case 3:
		case 4:
		case 5:
			doing = "read";
			do_read(&s, buf);
			break;
		case 6:
		case 7:
			doing = "write";
			do_write(&s, buf);
			break;
		case 8:
		case 9:
		case 10:
			doing = "ioctl";
			do_ioctl(&s, buf);
			break;
		case 11:
		case 12:
			doing = "mmap";
			do_mmap(&s);
			break;
		case 13:
			doing = "dup";
			do_dup(&s);
			break;
		default:
			doing = "poll";
			do_poll(&s);
			break;
		}
		atomic_fetch_add(&n_calls, 1);
	}
	free(buf);
	return NULL;
}

static int debugfs_write(const char *file, const char *s)
{
	int fd = open(file, O_WRONLY | O_CLOEXEC);
	int r;

	if (fd < 0)
		return -1;
	r = write(fd, s, strlen(s));
	close(fd);
	return r < 0 ? -1 : 0;
}

/* PREPARE and ABORT storms, and a fake resume now and then. */
static void *storm(void *arg)
{
	unsigned long long s = (unsigned long)arg;
	unsigned long long id = 900000;
	char req[64];
	int i, n;

	doing = "storm";
	while (!atomic_load(&stop)) {
		n = 1 + pick(&s, 20);
		for (i = 0; i < n; i++) {
			switch (pick(&s, 4)) {
			case 0:
			case 1:
				snprintf(req, sizeof(req), "prepare %llu %u",
					 ++id, 1 + pick(&s, 300));
				break;
			case 2:
				snprintf(req, sizeof(req), "abort %llu",
					 id - pick(&s, 2));
				break;
			default:	/* malformed */
				snprintf(req, sizeof(req), "%s %llx",
					 pick(&s, 2) ? "prepare" : "x",
					 (unsigned long long)rnd(&s));
				break;
			}
			if (debugfs_write(DEBUGFS "inject", req) == 0 ||
			    errno != ENOENT)
				atomic_fetch_add(&n_inject, 1);
		}
		if (!pick(&s, 8) &&
		    debugfs_write(DEBUGFS "fake_resume", "1") == 0)
			atomic_fetch_add(&n_resume, 1);
		usleep(1000 * pick(&s, 50));
	}
	return NULL;
}

static size_t put_hex(char *p, unsigned long v)
{
	static const char hex[] = "0123456789abcdef";
	int i;

	for (i = 0; i < 16; i++)
		p[i] = hex[(v >> (60 - 4 * i)) & 0xf];
	return 16;
}

/* Writes "HMFUZZ bad: signal N at 0xADDR ip 0xIP in OP", async-signal-safe. */
static void on_fault(int sig, siginfo_t *si, void *ctx)
{
	char msg[128] = "HMFUZZ bad: signal ";
	unsigned long ip = 0;
	size_t n = strlen(msg), k = strlen(doing);

#ifdef REG_RIP
	ip = ((ucontext_t *)ctx)->uc_mcontext.gregs[REG_RIP];
#else
	(void)ctx;
#endif
	msg[n++] = '0' + sig / 10;
	msg[n++] = '0' + sig % 10;
	memcpy(msg + n, " at 0x", 6);
	n += 6;
	n += put_hex(msg + n, (unsigned long)si->si_addr);
	memcpy(msg + n, " ip 0x", 6);
	n += 6;
	n += put_hex(msg + n, ip);
	memcpy(msg + n, " in ", 4);
	n += 4;
	if (k > sizeof(msg) - n - 1)
		k = sizeof(msg) - n - 1;
	memcpy(msg + n, doing, k);
	n += k;
	msg[n++] = '\n';
	if (write(2, msg, n) < 0)
		_exit(4);
	_exit(3);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { 0 };
	unsigned int secs, threads, i;
	unsigned long long seed;
	pthread_t *t;
	time_t end;

	if (argc < 2) {
		fprintf(stderr, "usage: hm_fuzz SECONDS [THREADS [SEED]]\n");
		return 2;
	}
	secs = strtoul(argv[1], NULL, 0);
	threads = argc > 2 ? strtoul(argv[2], NULL, 0) : 4;
	seed = argc > 3 ? strtoull(argv[3], NULL, 0) : (unsigned long long)time(NULL);
	if (!threads || threads > 64) {
		fprintf(stderr, "hm_fuzz: 1 to 64 threads\n");
		return 2;
	}
	printf("HMFUZZ seed=%llu threads=%u secs=%u\n", seed, threads, secs);
	fflush(stdout);
	sa.sa_sigaction = on_fault;	/* the page readable, never a crash */
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	pagesz = sysconf(_SC_PAGESIZE);
	ro_page = mmap(NULL, pagesz, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	hole = mmap(NULL, pagesz, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ro_page == MAP_FAILED || hole == MAP_FAILED)
		return 1;
	for (i = 0; i < NFILES; i++)
		atomic_init(&files[i], -1);
	t = calloc(threads + 1, sizeof(*t));
	if (!t)
		return 1;
	for (i = 0; i < threads; i++)
		pthread_create(&t[i], NULL, fuzzer,
			       (void *)(unsigned long)(seed * 2654435761ULL + i + 1));
	pthread_create(&t[threads], NULL, storm, (void *)(unsigned long)(seed + 77));
	end = time(NULL) + secs;
	while (time(NULL) < end)
		sleep(1);
	atomic_store(&stop, 1);
	/* a thread may be blocked in read() or poll(): exit() ends it */
	sleep(1);
	printf("HMFUZZ calls=%lu open=%lu read=%lu write=%lu ioctl=%lu mmap=%lu",
	       n_calls, n_open, n_read, n_write, n_ioctl, n_mmap);
	printf(" poll=%lu injects=%lu resumes=%lu records=%lu efault=%lu bad=%lu\n",
	       n_poll, n_inject, n_resume, n_records, n_efault, n_bad);
	fflush(stdout);
	_exit(n_bad ? 1 : 0);
}
