/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * /dev/hybrid-migrate: live-migration notices for applications in a Xen
 * HVM guest.  Documented field by field in docs/uapi.md.
 *
 * Every structure here has a fixed size and explicit padding, and is laid
 * out the same for 32- and 64-bit user space.
 */
#ifndef _UAPI_LINUX_HYBRID_MIGRATE_H
#define _UAPI_LINUX_HYBRID_MIGRATE_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define HYBRID_MIGRATE_ABI_VERSION	1

/* Event types, in struct hybrid_migrate_event.type */
#define HYBRID_EV_PREPARE	1	/* a migration is about to happen */
#define HYBRID_EV_ABORT		2	/* a prepared migration was cancelled */
#define HYBRID_EV_COMPLETE	3	/* the domain has resumed */
#define HYBRID_EV_LOST		4	/* this reader lost older records */

/* struct hybrid_migrate_event.flags */
#define HYBRID_EVF_ACK_REQUIRED	(1U << 0) /* PREPARE: this file must ack */

/* Why a prepared migration was aborted (abort.reason) */
#define HYBRID_ABORT_HOST	1	/* the host cancelled it */
#define HYBRID_ABORT_SUPERSEDED	2	/* a newer PREPARE replaced it */

/* What a resume changed (complete.changes) */
#define HYBRID_CHANGED_DOMAIN	(1U << 0) /* a new domain: restored or moved */
#define HYBRID_CHANGED_DOMID	(1U << 1) /* the domain id differs */
#define HYBRID_CHANGED_CPU	(1U << 2) /* CPU features differ, see ioctl */
#define HYBRID_CHANGED_TSC	(1U << 3) /* TSC frequency differs */
#define HYBRID_CHANGED_XEN	(1U << 4) /* hypervisor version differs */

/* complete.flags */
#define HYBRID_COMPLETE_ANNOUNCED (1U << 0) /* a PREPARE came before it */

struct hybrid_migrate_prepare {
	__u64 migration_id;	/* chosen by the host, echoed by ABORT/COMPLETE */
	__u64 deadline_ns;	/* CLOCK_MONOTONIC time the host proceeds at */
	__u32 timeout_ms;	/* the host's timeout as it asked */
	__u32 ackers;		/* files whose ack is awaited */
};

struct hybrid_migrate_abort {
	__u64 migration_id;
	__u32 reason;		/* HYBRID_ABORT_* */
	__u32 __pad;
};

struct hybrid_migrate_complete {
	__u64 migration_id;	/* of the PREPARE before it, or 0 */
	__u64 resume_ns;	/* CLOCK_MONOTONIC time the kernel resumed */
	__u32 changes;		/* HYBRID_CHANGED_* */
	__u32 flags;		/* HYBRID_COMPLETE_* */
	__u32 old_domid;
	__u32 new_domid;
	__u32 old_tsc_khz;	/* 0 where Xen does not say */
	__u32 new_tsc_khz;
	__u32 old_xen_version;	/* major << 16 | minor */
	__u32 new_xen_version;
};

struct hybrid_migrate_lost {
	__u64 count;		/* records this file lost since the last read */
};

/*
 * One record as read(2) returns it.  read() returns whole records only:
 * a buffer shorter than one record gets -EINVAL.
 */
struct hybrid_migrate_event {
	__u32 size;		/* sizeof(struct hybrid_migrate_event) */
	__u16 type;		/* HYBRID_EV_* */
	__u16 flags;		/* HYBRID_EVF_* */
	__u64 seq;		/* event sequence number, from 1; 0 for LOST */
	__u64 timestamp_ns;	/* CLOCK_MONOTONIC time of the event */
	__u64 realtime_ns;	/* CLOCK_REALTIME time of the event */
	__u64 generation;	/* the generation counter after this event */
	union {
		struct hybrid_migrate_prepare prepare;
		struct hybrid_migrate_abort abort;
		struct hybrid_migrate_complete complete;
		struct hybrid_migrate_lost lost;
		__u8 __reserved[88];
	};
};

/* write(2) of exactly one of these acknowledges a PREPARE. */
#define HYBRID_MSG_ACK		1

struct hybrid_migrate_ack {
	__u32 size;		/* sizeof(struct hybrid_migrate_ack) */
	__u32 type;		/* HYBRID_MSG_ACK */
	__u64 seq;		/* seq of the PREPARE being acknowledged */
};

/* Migration state, in struct hybrid_migrate_info and the mapped page */
#define HYBRID_STATE_IDLE	0
#define HYBRID_STATE_PREPARING	1	/* PREPARE sent, acks awaited */
#define HYBRID_STATE_READY	2	/* answered the host, waiting for it */

/* A CPUID leaf as executed in the guest. */
struct hybrid_cpuid_leaf {
	__u32 leaf;
	__u32 subleaf;
	__u32 eax;
	__u32 ebx;
	__u32 ecx;
	__u32 edx;
};

/*
 * The leaves that matter to applications, in this order: 0x1, 0x7.0,
 * 0x7.1, 0xd.1, 0x80000001, 0x80000007, 0x80000008.
 */
#define HYBRID_CPUID_NR_LEAVES	7

struct hybrid_cpu_features {
	struct hybrid_cpuid_leaf leaves[HYBRID_CPUID_NR_LEAVES];
	__u32 tsc_khz;		/* from Xen's CPUID leaf, 0 if not given */
	__u32 __pad;
};

/* HYBRID_MIGRATE_IOC_GET_INFO */
struct hybrid_migrate_info {
	__u32 abi_version;	/* HYBRID_MIGRATE_ABI_VERSION */
	__u32 state;		/* HYBRID_STATE_* */
	__u64 generation;
	__u64 last_seq;		/* seq of the newest event */
	__u64 migration_id;	/* of the pending PREPARE, or 0 */
	__u64 deadline_ns;	/* of the pending PREPARE, or 0 */
	__u32 ackers;		/* acks awaited for it ... */
	__u32 acked;		/* ... and received */
	__u32 domid;
	__u32 xen_version;	/* major << 16 | minor */
	__u32 file_flags;	/* HYBRID_FILE_* for the calling file */
	__u32 __pad;
};

#define HYBRID_FILE_CAN_ACK	(1U << 0) /* opened for writing */

/* HYBRID_MIGRATE_IOC_GET_CPU: the snapshot now and the last change. */
struct hybrid_migrate_cpu {
	struct hybrid_cpu_features current_features;
	struct hybrid_cpu_features before;	/* before the last change */
	struct hybrid_cpu_features changed;	/* before XOR current */
	__u64 changed_generation;	/* generation of the last change, or 0 */
};

#define HYBRID_MIGRATE_IOC_MAGIC	0xb7
#define HYBRID_MIGRATE_IOC_GET_INFO \
	_IOR(HYBRID_MIGRATE_IOC_MAGIC, 0x01, struct hybrid_migrate_info)
#define HYBRID_MIGRATE_IOC_GET_CPU \
	_IOR(HYBRID_MIGRATE_IOC_MAGIC, 0x02, struct hybrid_migrate_cpu)
#define HYBRID_MIGRATE_IOC_ACK \
	_IOW(HYBRID_MIGRATE_IOC_MAGIC, 0x03, __u64)

/*
 * The page mmap(2) gives, read-only, at offset 0.  Fields other than
 * generation are consistent only when read under the sequence counter:
 *
 *	do {
 *		s = page->seq;			(then a read barrier)
 *		... copy what is needed ...
 *		(a read barrier)
 *	} while ((s & 1) || s != page->seq);
 *
 * generation alone is a naturally aligned 64-bit value; on 64-bit user
 * space one load of it is the whole check.
 */
struct hybrid_migrate_page {
	__u32 abi_version;
	__u32 seq;
	__u64 generation;
	__u32 state;		/* HYBRID_STATE_* */
	__u32 __pad;
	__u64 migration_id;	/* of the pending PREPARE, or 0 */
	__u64 deadline_ns;
	__u64 resume_ns;	/* CLOCK_MONOTONIC time of the last resume */
	struct hybrid_cpu_features features;
};

#endif /* _UAPI_LINUX_HYBRID_MIGRATE_H */
