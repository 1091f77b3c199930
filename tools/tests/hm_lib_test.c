// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of libhybridmigrate without Xen: the feature-name table and diffs,
 * reading records from sockets, pipes and files, acks as written, the
 * generation check and the sequence-counter copy on a page of our own,
 * and how calls fail on something that is not the device.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "hybrid-migrate.h"
#include "kselftest_harness.h"

static const struct {
	const char *name;
	__u32 leaf, subleaf;
	unsigned int reg, bit;
} known[] = {
	{ "sse2", 0x1, 0, HM_REG_EDX, 26 },
	{ "pni", 0x1, 0, HM_REG_ECX, 0 },
	{ "sse4_2", 0x1, 0, HM_REG_ECX, 20 },
	{ "aes", 0x1, 0, HM_REG_ECX, 25 },
	{ "hypervisor", 0x1, 0, HM_REG_ECX, 31 },
	{ "avx2", 0x7, 0, HM_REG_EBX, 5 },
	{ "avx512f", 0x7, 0, HM_REG_EBX, 16 },
	{ "sha_ni", 0x7, 0, HM_REG_EBX, 29 },
	{ "vaes", 0x7, 0, HM_REG_ECX, 9 },
	{ "fsrm", 0x7, 0, HM_REG_EDX, 4 },
	{ "avx_vnni", 0x7, 1, HM_REG_EAX, 4 },
	{ "xsaveopt", 0xd, 1, HM_REG_EAX, 0 },
	{ "lahf_lm", 0x80000001, 0, HM_REG_ECX, 0 },
	{ "rdtscp", 0x80000001, 0, HM_REG_EDX, 27 },
	{ "lm", 0x80000001, 0, HM_REG_EDX, 29 },
	{ "invtsc", 0x80000007, 0, HM_REG_EDX, 8 },
	{ "clzero", 0x80000008, 0, HM_REG_EBX, 0 },
};

/* The ABI's order of the leaves in struct hybrid_cpu_features */
static const __u32 slots[HYBRID_CPUID_NR_LEAVES][2] = {
	{ 0x1, 0 }, { 0x7, 0 }, { 0x7, 1 }, { 0xd, 1 },
	{ 0x80000001, 0 }, { 0x80000007, 0 }, { 0x80000008, 0 },
};

static void set_bit(struct hybrid_cpu_features *f, const char *name)
{
	const struct hm_feature *feat = hm_feature_by_name(name);
	struct hybrid_cpuid_leaf *l;

	if (!feat)
		abort();
	l = &f->leaves[feat->slot];
	switch (feat->reg) {
	case HM_REG_EAX:
		l->eax |= 1U << feat->bit;
		break;
	case HM_REG_EBX:
		l->ebx |= 1U << feat->bit;
		break;
	case HM_REG_ECX:
		l->ecx |= 1U << feat->bit;
		break;
	default:
		l->edx |= 1U << feat->bit;
	}
}

static void snapshot(struct hybrid_cpu_features *f)
{
	unsigned int i;

	memset(f, 0, sizeof(*f));
	for (i = 0; i < HYBRID_CPUID_NR_LEAVES; i++) {
		f->leaves[i].leaf = slots[i][0];
		f->leaves[i].subleaf = slots[i][1];
	}
}

/* The names set in F, space-separated, in table order. */
static char *names(const struct hybrid_cpu_features *f)
{
	static char buf[1024];
	const struct hm_feature *feat = NULL;

	buf[0] = '\0';
	while ((feat = hm_feature_next_set(f, feat))) {
		if (buf[0])
			strcat(buf, " ");
		strcat(buf, feat->name);
	}
	return buf;
}

static struct hybrid_migrate_event record(unsigned int type, __u64 seq)
{
	struct hybrid_migrate_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.size = sizeof(ev);
	ev.type = type;
	ev.seq = seq;
	return ev;
}

TEST(known_bits_have_known_names)
{
	const struct hm_feature *f;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(known); i++) {
		f = hm_feature_by_name(known[i].name);
		ASSERT_NE(NULL, f) TH_LOG("%s missing", known[i].name);
		EXPECT_STREQ(known[i].name, f->name);
		EXPECT_EQ(known[i].leaf, f->leaf) TH_LOG("%s", known[i].name);
		EXPECT_EQ(known[i].subleaf, f->subleaf) TH_LOG("%s", known[i].name);
		EXPECT_EQ(known[i].reg, f->reg) TH_LOG("%s", known[i].name);
		EXPECT_EQ(known[i].bit, f->bit) TH_LOG("%s", known[i].name);
	}
	EXPECT_EQ(NULL, hm_feature_by_name("no_such_feature"));
	EXPECT_EQ(NULL, hm_feature_by_name(NULL));
}

TEST(table_is_sorted_unique_and_matches_the_abi)
{
	const struct hm_feature *f = NULL, *g, *prev = NULL;
	unsigned int n = 0;
	const char *c;

	while ((f = hm_feature_next(f))) {
		n++;
		ASSERT_LT(f->slot, HYBRID_CPUID_NR_LEAVES);
		EXPECT_EQ(slots[f->slot][0], f->leaf) TH_LOG("%s", f->name);
		EXPECT_EQ(slots[f->slot][1], f->subleaf) TH_LOG("%s", f->name);
		EXPECT_LE(f->reg, HM_REG_EDX);
		EXPECT_LT(f->bit, 32);
		for (c = f->name; *c; c++)
			EXPECT_TRUE((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
				    *c == '_') TH_LOG("%s", f->name);
		if (prev) {
			/* strictly increasing (slot, reg, bit): no bit named twice */
			EXPECT_TRUE(prev->slot < f->slot ||
				    (prev->slot == f->slot && (prev->reg < f->reg ||
				     (prev->reg == f->reg && prev->bit < f->bit))))
				TH_LOG("%s after %s", f->name, prev->name);
		}
		g = hm_feature_by_name(f->name);
		EXPECT_EQ(f, g) TH_LOG("%s named twice", f->name);
		prev = f;
	}
	EXPECT_LT(200, n);
}

TEST(has_feature_and_iteration)
{
	struct hybrid_cpu_features f;

	snapshot(&f);
	set_bit(&f, "aes");
	set_bit(&f, "avx2");
	EXPECT_EQ(1, hm_has_feature(&f, "aes"));
	EXPECT_EQ(1, hm_has_feature(&f, "avx2"));
	EXPECT_EQ(0, hm_has_feature(&f, "sse4_2"));
	EXPECT_EQ(0, hm_has_feature(&f, "avx512f"));
	EXPECT_EQ(-ENOENT, hm_has_feature(&f, "avx3"));
	EXPECT_STREQ("aes avx2", names(&f));
	EXPECT_EQ(0, hm_features_unnamed(&f));
	/* 0x80000001 EDX bit 0 duplicates "fpu": no name of its own */
	f.leaves[4].edx |= 1;
	EXPECT_EQ(1, hm_features_unnamed(&f));
	EXPECT_STREQ("aes avx2", names(&f));
}

TEST(diff_names_exactly_the_changed_features)
{
	struct hybrid_cpu_features before, after, gained, lost;

	snapshot(&before);
	set_bit(&before, "sse4_2");
	set_bit(&before, "aes");
	set_bit(&before, "avx2");
	set_bit(&before, "invtsc");
	after = before;
	after.leaves[2].eax = 0;
	after.leaves[0].ecx &= ~(1U << 20);	/* sse4_2 lost */
	set_bit(&after, "avx512f");
	set_bit(&after, "xsaveopt");
	after.leaves[0].eax ^= 0x10;		/* the stepping: no name */
	after.tsc_khz = 12345;

	hm_features_diff(&before, &after, &gained, &lost);
	EXPECT_STREQ("avx512f xsaveopt", names(&gained));
	EXPECT_STREQ("sse4_2", names(&lost));
	EXPECT_EQ(1, hm_features_unnamed(&gained) + hm_features_unnamed(&lost));
	EXPECT_EQ(0, gained.tsc_khz);
	EXPECT_EQ(0x80000001, gained.leaves[4].leaf);
	/* Either side may be left out; nothing changed, nothing named. */
	hm_features_diff(&after, &after, NULL, &lost);
	EXPECT_STREQ("", names(&lost));
	hm_features_diff(&before, &after, &gained, NULL);
	EXPECT_STREQ("avx512f xsaveopt", names(&gained));
}

TEST(records_from_a_socket)
{
	struct hybrid_migrate_event ev = record(HYBRID_EV_PREPARE, 5), got;
	struct timespec t0, t1;
	struct hm_handle *h;
	int sv[2];

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv));
	ASSERT_EQ(0, hm_open_fd(sv[1], 0, &h));
	EXPECT_EQ(sv[1], hm_fd(h));
	EXPECT_EQ(0, hm_read_event(h, &got, 0));
	EXPECT_EQ(0, hm_wait(h, 0));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	EXPECT_EQ(0, hm_read_event(h, &got, 30));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	EXPECT_LE(29, (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000);

	ev.prepare.migration_id = 77;
	ASSERT_EQ(sizeof(ev), send(sv[0], &ev, sizeof(ev), 0));
	ev = record(HYBRID_EV_LOST, 0);
	ev.lost.count = 3;
	ASSERT_EQ(sizeof(ev), send(sv[0], &ev, sizeof(ev), 0));
	EXPECT_EQ(1, hm_wait(h, -1));
	ASSERT_EQ(1, hm_read_event(h, &got, -1));
	EXPECT_EQ(HYBRID_EV_PREPARE, got.type);
	EXPECT_EQ(5, got.seq);
	EXPECT_EQ(77, got.prepare.migration_id);
	ASSERT_EQ(1, hm_read_event(h, &got, 0));
	EXPECT_EQ(HYBRID_EV_LOST, got.type);
	EXPECT_EQ(3, got.lost.count);
	shutdown(sv[0], SHUT_WR);
	EXPECT_EQ(-ENODATA, hm_read_event(h, &got, -1));
	hm_close(h);
	close(sv[0]);
}

struct reader {
	struct hm_handle *h;
	struct hybrid_migrate_event ev;
	pid_t tid;
	int r;
};

static void *blocked_reader(void *arg)
{
	struct reader *rd = arg;

	__atomic_store_n(&rd->tid, gettid(), __ATOMIC_RELEASE);
	rd->r = hm_read_event(rd->h, &rd->ev, -1);
	return NULL;
}

/*
 * Waits until thread TID sleeps (state S in /proc), polling that state;
 * bounded by 10 s.  Returns 0 once it does.
 */
static int wait_sleeping(pid_t tid)
{
	struct timespec tick = { 0, 1000000 };
	char path[64], buf[256], *p;
	int i, fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	for (i = 0; i < 10000; i++) {
		fd = open(path, O_RDONLY);
		if (fd < 0)
			return -1;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		buf[n > 0 ? n : 0] = '\0';
		p = strrchr(buf, ')');
		if (p && p[1] == ' ' && p[2] == 'S')
			return 0;
		nanosleep(&tick, NULL);
	}
	return -1;
}

TEST(blocking_read_returns_when_a_record_comes)
{
	struct hybrid_migrate_event ev = record(HYBRID_EV_COMPLETE, 9);
	struct reader rd = { };
	pthread_t t;
	int sv[2];

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv));
	ASSERT_EQ(0, hm_open_fd(sv[1], 0, &rd.h));
	ASSERT_EQ(0, pthread_create(&t, NULL, blocked_reader, &rd));
	while (!__atomic_load_n(&rd.tid, __ATOMIC_ACQUIRE))
		sched_yield();
	/* Only once it waits: a read that does not block would return 0. */
	EXPECT_EQ(0, wait_sleeping(rd.tid));
	ASSERT_EQ(sizeof(ev), send(sv[0], &ev, sizeof(ev), 0));
	pthread_join(t, NULL);
	EXPECT_EQ(1, rd.r);
	EXPECT_EQ(HYBRID_EV_COMPLETE, rd.ev.type);
	EXPECT_EQ(9, rd.ev.seq);
	hm_close(rd.h);
	close(sv[0]);
}

TEST(short_and_malformed_records)
{
	struct hybrid_migrate_event ev = record(HYBRID_EV_ABORT, 2), got;
	struct hm_handle *h;
	int p[2];

	/* A record in two pieces is put together; a cut one is malformed. */
	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(0, hm_open_fd(p[0], 0, &h));
	ASSERT_EQ(100, write(p[1], &ev, 100));
	ASSERT_EQ(sizeof(ev) - 100, write(p[1], (char *)&ev + 100, sizeof(ev) - 100));
	ASSERT_EQ(1, hm_read_event(h, &got, 0));
	EXPECT_EQ(0, memcmp(&ev, &got, sizeof(ev)));
	ev.size = 64;
	ASSERT_EQ(sizeof(ev), write(p[1], &ev, sizeof(ev)));
	EXPECT_EQ(-EBADMSG, hm_read_event(h, &got, 0));
	ev.size = sizeof(ev);
	ASSERT_EQ(100, write(p[1], &ev, 100));
	close(p[1]);
	EXPECT_EQ(-EBADMSG, hm_read_event(h, &got, 0));
	hm_close(h);
}

TEST(ack_is_one_16_byte_record)
{
	struct hybrid_migrate_ack a;
	struct hm_handle *h, *ro;
	int sv[2], sv2[2];

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv));
	ASSERT_EQ(0, hm_open_fd(sv[1], HM_OPEN_ACK, &h));
	ASSERT_EQ(0, hm_ack(h, 42));
	memset(&a, 0xa5, sizeof(a));
	ASSERT_EQ(16, recv(sv[0], &a, sizeof(a), MSG_DONTWAIT));
	EXPECT_EQ(16, a.size);
	EXPECT_EQ(HYBRID_MSG_ACK, a.type);
	EXPECT_EQ(42, a.seq);
	EXPECT_EQ(-1, recv(sv[0], &a, sizeof(a), MSG_DONTWAIT));
	hm_close(h);
	close(sv[0]);

	/* A stream whose reader went away: an error, not SIGPIPE. */
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	ASSERT_EQ(0, hm_open_fd(sv[1], HM_OPEN_ACK, &h));
	close(sv[0]);
	EXPECT_EQ(-EPIPE, hm_ack(h, 43));
	hm_close(h);

	/* Not opened to acknowledge: nothing is written. */
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv2));
	ASSERT_EQ(0, hm_open_fd(sv2[1], 0, &ro));
	EXPECT_EQ(-EBADF, hm_ack(ro, 42));
	EXPECT_EQ(-1, recv(sv2[0], &a, sizeof(a), MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
	hm_close(ro);
	close(sv2[0]);
}

TEST(not_a_device)
{
	struct hybrid_migrate_event ev = record(HYBRID_EV_PREPARE, 1), got;
	const struct hybrid_migrate_page *page = (void *)1;
	char path[] = "/tmp/hm_lib_test.XXXXXX";
	struct hybrid_migrate_info info;
	struct hybrid_migrate_cpu cpu;
	struct hm_handle *h = (void *)1;
	int fd = mkstemp(path);

	ASSERT_LE(0, fd);
	ASSERT_EQ(sizeof(ev), write(fd, &ev, sizeof(ev)));
	close(fd);
	ASSERT_EQ(0, hm_open(path, 0, &h));
	unlink(path);
	EXPECT_EQ(-ENOTTY, hm_get_info(h, &info));
	EXPECT_EQ(-ENOTTY, hm_get_cpu(h, &cpu));
	EXPECT_EQ(-ENODEV, hm_map_page(h, &page));
	EXPECT_EQ((void *)1, page);
	ASSERT_EQ(1, hm_read_event(h, &got, 0));
	EXPECT_EQ(1, got.seq);
	EXPECT_EQ(-ENODATA, hm_read_event(h, &got, 0));
	hm_close(h);

	EXPECT_EQ(-ENOENT, hm_open("/nonexistent/hybrid-migrate", 0, &h));
	EXPECT_EQ(NULL, h);
	EXPECT_EQ(-EINVAL, hm_open("/dev/null", 0x80, &h));
	EXPECT_EQ(-EINVAL, hm_open_fd(-1, 0, &h));
	hm_close(NULL);
}

TEST(generation_check_on_a_page)
{
	struct hybrid_migrate_page *p, copy;
	struct hm_gen g;

	p = mmap(NULL, sysconf(_SC_PAGESIZE), PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	p->generation = 5;
	hm_gen_init(&g, p);
	EXPECT_EQ(5, hm_page_generation(p));
	EXPECT_EQ(0, hm_gen_changed(&g));
	EXPECT_EQ(0, hm_gen_changed(&g));
	p->generation = 6;
	EXPECT_EQ(1, hm_gen_changed(&g));
	EXPECT_EQ(6, g.seen);
	EXPECT_EQ(0, hm_gen_changed(&g));

	p->seq = 2;
	p->state = HYBRID_STATE_READY;
	p->features.tsc_khz = 1000;
	hm_page_read(p, &copy);
	EXPECT_EQ(0, memcmp(p, &copy, sizeof(copy)));
	munmap(p, sysconf(_SC_PAGESIZE));
}

/* A writer that updates the page as the kernel does, seq odd meanwhile. */
struct writer {
	struct hybrid_migrate_page *p;
	int done;
};

#define WRITES	200000

static void *page_writer(void *arg)
{
	struct writer *w = arg;
	struct hybrid_migrate_page *p = w->p;
	__u32 i, j;

	for (i = 1; i <= WRITES; i++) {
		__atomic_store_n(&p->seq, p->seq + 1, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_RELEASE);
		__atomic_store_n(&p->generation, i, __ATOMIC_RELAXED);
		for (j = 0; j < HYBRID_CPUID_NR_LEAVES; j++)
			__atomic_store_n(&p->features.leaves[j].ecx, i, __ATOMIC_RELAXED);
		__atomic_store_n(&p->features.tsc_khz, i, __ATOMIC_RELAXED);
		__atomic_store_n(&p->seq, p->seq + 1, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

TEST(page_copies_are_consistent_under_updates)
{
	struct hybrid_migrate_page copy;
	struct writer w;
	unsigned long reads = 0, bad = 0;
	pthread_t t;
	__u32 j;

	w.p = mmap(NULL, sysconf(_SC_PAGESIZE), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, w.p);
	w.done = 0;
	ASSERT_EQ(0, pthread_create(&t, NULL, page_writer, &w));
	while (!__atomic_load_n(&w.done, __ATOMIC_ACQUIRE)) {
		hm_page_read(w.p, &copy);
		reads++;
		for (j = 0; j < HYBRID_CPUID_NR_LEAVES; j++)
			bad += copy.features.leaves[j].ecx != copy.generation;
		bad += copy.features.tsc_khz != copy.generation;
		bad += copy.seq & 1;
	}
	pthread_join(t, NULL);
	EXPECT_EQ(0, bad) TH_LOG("%lu torn copies in %lu reads", bad, reads);
	EXPECT_EQ(WRITES, hm_page_generation(w.p));
	munmap(w.p, sysconf(_SC_PAGESIZE));
}

TEST(names_and_messages)
{
	__u32 mask = 0x1f | 0x80;

	EXPECT_STREQ("PREPARE", hm_event_name(HYBRID_EV_PREPARE));
	EXPECT_STREQ("ABORT", hm_event_name(HYBRID_EV_ABORT));
	EXPECT_STREQ("COMPLETE", hm_event_name(HYBRID_EV_COMPLETE));
	EXPECT_STREQ("LOST", hm_event_name(HYBRID_EV_LOST));
	EXPECT_STREQ("UNKNOWN", hm_event_name(99));
	EXPECT_STREQ("preparing", hm_state_name(HYBRID_STATE_PREPARING));
	EXPECT_STREQ("superseded", hm_abort_reason_name(HYBRID_ABORT_SUPERSEDED));
	EXPECT_STREQ("domain", hm_change_next(&mask));
	EXPECT_STREQ("domid", hm_change_next(&mask));
	EXPECT_STREQ("cpu", hm_change_next(&mask));
	EXPECT_STREQ("tsc", hm_change_next(&mask));
	EXPECT_STREQ("xen", hm_change_next(&mask));
	EXPECT_STREQ("unknown", hm_change_next(&mask));
	EXPECT_EQ(NULL, hm_change_next(&mask));
	EXPECT_STREQ("End of the event stream", hm_strerror(-ENODATA));
	EXPECT_STREQ("No such file or directory", hm_strerror(-ENOENT));
	EXPECT_STREQ("Not a hybrid-migrate device", hm_strerror(-ENOTTY));
	EXPECT_STREQ("1.0.0", hm_version());
}

TEST_HARNESS_MAIN
