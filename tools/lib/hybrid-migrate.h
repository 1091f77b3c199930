/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libhybridmigrate: a small C library over /dev/hybrid-migrate, the
 * live-migration notices of hybrid-migrate.ko in a Xen HVM guest.
 * Installed as <hybrid-migrate.h>; the device's ABI is
 * <linux/hybrid_migrate.h>, documented in libhybridmigrate(3) and
 * hybrid-migrate(4).
 *
 * Every function that can fail returns a negative errno value; the
 * library keeps no global mutable state.  A handle may be shared by the
 * threads of a process for every call but hm_close(), which must be the
 * last call on it.  A struct hm_gen (the hot-path check) belongs to one
 * thread, or to whoever serialises its use.
 */
#ifndef HYBRID_MIGRATE_H
#define HYBRID_MIGRATE_H

#include <stddef.h>
#include <linux/types.h>
#include <linux/hybrid_migrate.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HM_DEFAULT_DEVICE	"/dev/hybrid-migrate"

/* hm_open() flags */
#define HM_OPEN_ACK	0x1U	/* open for writing: acknowledge PREPAREs */

struct hm_handle;

/*
 * Opens PATH (NULL: HM_DEFAULT_DEVICE) and stores a new handle in *HP.
 * With HM_OPEN_ACK the file is an acknowledger: every PREPARE waits for
 * its hm_ack() (or its close).  Returns 0 or -errno.
 */
int hm_open(const char *path, unsigned int flags, struct hm_handle **hp);

/*
 * Makes a handle of the open file descriptor FD, which the handle then
 * owns (hm_close() closes it).  FD may be something else than the device,
 * a pipe, socket or file holding event records: reading and acking work
 * on any of them, the ioctls then fail with -ENOTTY and hm_map_page()
 * with -ENODEV.
 */
int hm_open_fd(int fd, unsigned int flags, struct hm_handle **hp);

/* Unmaps the page, closes the file, frees the handle.  NULL is ignored. */
void hm_close(struct hm_handle *h);

/* The file descriptor, for the caller's own poll/epoll loop. */
int hm_fd(const struct hm_handle *h);

/*
 * Waits up to TIMEOUT_MS milliseconds (-1: for ever, 0: not at all) for a
 * record to read.  Returns 1 if one is there (or the stream ended), 0 on
 * timeout, -EINTR if a signal came, or -errno.
 */
int hm_wait(struct hm_handle *h, int timeout_ms);

/*
 * Reads the next event record into *EV, waiting up to TIMEOUT_MS as
 * hm_wait() does.  Returns 1 with a record, 0 if none came in time,
 * -ENODATA at the end of a stream (a pipe, socket or file; the device has
 * none), -EBADMSG for a short or malformed record, -EINTR, or -errno.
 * Threads sharing a handle each get different records.
 */
int hm_read_event(struct hm_handle *h, struct hybrid_migrate_event *ev,
		  int timeout_ms);

/*
 * Acknowledges the PREPARE whose seq is SEQ (write(2) of a struct
 * hybrid_migrate_ack).  -EBADF: not opened with HM_OPEN_ACK; -ENOENT: SEQ
 * is not the pending PREPARE; -EALREADY: acknowledged already.
 */
int hm_ack(struct hm_handle *h, __u64 seq);

/* HYBRID_MIGRATE_IOC_GET_INFO and HYBRID_MIGRATE_IOC_GET_CPU. */
int hm_get_info(struct hm_handle *h, struct hybrid_migrate_info *info);
int hm_get_cpu(struct hm_handle *h, struct hybrid_migrate_cpu *cpu);

/*
 * Maps the device's read-only page once per handle (later calls, from any
 * thread, return the same mapping) and stores it in *PAGEP.  It stays
 * valid until hm_close().  -ENODEV if the file is no character device,
 * -EPROTO if the page has another ABI version.
 */
int hm_map_page(struct hm_handle *h, const struct hybrid_migrate_page **pagep);

/*
 * Copies the whole page under its sequence counter: a consistent snapshot
 * of state, ids, times and CPU features.
 */
void hm_page_read(const struct hybrid_migrate_page *page,
		  struct hybrid_migrate_page *copy);

/*
 * The generation counter of a mapped page.  On 64-bit user space this is
 * one load (the ABI guarantees the field alone is naturally aligned and
 * written whole); on 32-bit user space its two halves are read under the
 * sequence counter, each with a 32-bit load, so that no 32-bit CPU needs
 * libatomic for it.  No system call, no allocation, no lock.
 */
static inline __u64 hm_page_generation(const struct hybrid_migrate_page *page)
{
#if __SIZEOF_POINTER__ >= 8
	return __atomic_load_n(&page->generation, __ATOMIC_RELAXED);
#else
	const __u32 *half = (const __u32 *)&page->generation;
	__u32 seq, w0, w1;

	do {
		seq = __atomic_load_n(&page->seq, __ATOMIC_ACQUIRE);
		w0 = __atomic_load_n(&half[0], __ATOMIC_RELAXED);
		w1 = __atomic_load_n(&half[1], __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
	} while ((seq & 1) || seq != __atomic_load_n(&page->seq, __ATOMIC_RELAXED));
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return (__u64)w1 << 32 | w0;
#else
	return (__u64)w0 << 32 | w1;
#endif
#endif
}

/* Loads of the page one hm_page_generation() makes when nothing changes. */
#if __SIZEOF_POINTER__ >= 8
#define HM_GEN_LOADS	1
#else
#define HM_GEN_LOADS	4
#endif

/* The hot-path check: the generation last seen, and where to look. */
struct hm_gen {
	const struct hybrid_migrate_page *page;
	__u64 seen;
};

/* Starts watching PAGE from its current generation. */
static inline void hm_gen_init(struct hm_gen *g,
			       const struct hybrid_migrate_page *page)
{
	g->page = page;
	g->seen = hm_page_generation(page);
}

/*
 * 1 if the domain resumed (a COMPLETE happened) since the last call that
 * returned 1 (or hm_gen_init()), and then remembers the new generation;
 * 0 otherwise.
 */
static inline int hm_gen_changed(struct hm_gen *g)
{
	__u64 now = hm_page_generation(g->page);

	if (__builtin_expect(now == g->seen, 1))
		return 0;
	g->seen = now;
	return 1;
}

/*
 * CPU features by name.  The table maps CPUID leaf, subleaf, register and
 * bit to the names Linux shows in /proc/cpuinfo (or, where it shows none,
 * its X86_FEATURE_ name in lower case), for the leaves the ABI carries.
 */
#define HM_REG_EAX	0
#define HM_REG_EBX	1
#define HM_REG_ECX	2
#define HM_REG_EDX	3

struct hm_feature {
	const char *name;
	__u32 leaf;
	__u32 subleaf;
	unsigned int slot;	/* index in hybrid_cpu_features.leaves[] */
	unsigned int reg;	/* HM_REG_* */
	unsigned int bit;
};

/* The table entry after PREV (NULL: the first), or NULL after the last. */
const struct hm_feature *hm_feature_next(const struct hm_feature *prev);

/* The entry called NAME, or NULL. */
const struct hm_feature *hm_feature_by_name(const char *name);

/* 1 if FEAT is set in F, else 0. */
int hm_feature_test(const struct hybrid_cpu_features *f,
		    const struct hm_feature *feat);

/* 1 if the feature called NAME is set in F, 0 if not, -ENOENT if unknown. */
int hm_has_feature(const struct hybrid_cpu_features *f, const char *name);

/* The next named feature after PREV (NULL: the first) set in F, or NULL. */
const struct hm_feature *hm_feature_next_set(const struct hybrid_cpu_features *f,
					     const struct hm_feature *prev);

/* How many bits set in F have no name in the table. */
unsigned int hm_features_unnamed(const struct hybrid_cpu_features *f);

/*
 * What changed from BEFORE to AFTER, as two sets: bits set in AFTER only
 * (GAINED) and in BEFORE only (LOST); either may be NULL.  Iterate them
 * with hm_feature_next_set().  For the kernel's last change:
 * hm_features_diff(&cpu.before, &cpu.current_features, &gained, &lost).
 */
void hm_features_diff(const struct hybrid_cpu_features *before,
		      const struct hybrid_cpu_features *after,
		      struct hybrid_cpu_features *gained,
		      struct hybrid_cpu_features *lost);

/* Names of HYBRID_EV_*, HYBRID_STATE_*, HYBRID_ABORT_* ("UNKNOWN" else). */
const char *hm_event_name(unsigned int type);
const char *hm_state_name(unsigned int state);
const char *hm_abort_reason_name(unsigned int reason);

/*
 * Name of the lowest HYBRID_CHANGED_* bit set in *MASK, which it then
 * clears; NULL when *MASK is 0.  Unknown bits come out as "unknown".
 */
const char *hm_change_next(__u32 *mask);

/* A message for ERR, a value returned by the library (negative errno). */
const char *hm_strerror(int err);

/* The library's version, "MAJOR.MINOR.PATCH". */
const char *hm_version(void);

#ifdef __cplusplus
}
#endif

#endif /* HYBRID_MIGRATE_H */
