// SPDX-License-Identifier: GPL-2.0
/*
 * hybrid-migrate: tells applications about live migration through
 * /dev/hybrid-migrate.
 *
 * A host that means to migrate the domain first writes a request to the
 * domain's xenstore node control/hybrid-migrate (docs/protocol.md).  The
 * driver turns it into a PREPARE event for every open file, waits until
 * every file opened for writing acknowledged it (or closed, or a bounded
 * timeout passed) and answers in data/hybrid-migrate/response.  After the
 * domain resumed, wherever that is, every open file gets a COMPLETE event
 * saying what changed, and the generation counter goes up by one.  The
 * generation, the state and the CPU feature snapshot are also in a page
 * that can be mapped read-only.
 *
 * Locking: hm.lock (a mutex) serialises every change of state: requests,
 * acks, resumes, open and release.  Each file has a ring of records under
 * its own spinlock; readers take only that spinlock and the file's read
 * mutex, so nothing that produces events ever waits for a reader.
 *
 * Memory: each open file's ring is charged to the opener's memory cgroup,
 * and a user without CAP_SYS_ADMIN may hold at most max_user_files open
 * files of the device.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/poll.h>
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/delay.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include <asm/xen/hypervisor.h>

#include <xen/xen.h>
#include <xen/xen-ops.h>
#include <xen/xenbus.h>
#include <xen/hybrid.h>
#include <uapi/linux/hybrid_migrate.h>

#include "compat/compat.h"
#include "migrate-proto.h"

#define HM_REQUEST_NODE		"control/hybrid-migrate"
#define HM_DATA_DIR		"data/hybrid-migrate"
#define HM_PROTOCOL_VERSION	"1"

static unsigned int queue_len = 64;
module_param(queue_len, uint, 0444);
MODULE_PARM_DESC(queue_len, "Records each open file can hold before losing the oldest (4-4096)");

static unsigned int max_ack_ms = 30000;
module_param(max_ack_ms, uint, 0644);
MODULE_PARM_DESC(max_ack_ms, "Longest wait for acks, whatever the host asks (ms)");

static unsigned int max_user_files = 64;
module_param(max_user_files, uint, 0644);
MODULE_PARM_DESC(max_user_files, "Open files of the device one user may hold, CAP_SYS_ADMIN exempt (0: no bound)");

static unsigned int announce_ttl_ms = 3600000;
module_param(announce_ttl_ms, uint, 0644);
MODULE_PARM_DESC(announce_ttl_ms, "How long after its answer a PREPARE still names the next resume (ms)");

/* One open file. */
struct hm_file {
	struct list_head node;		/* in hm.files, under hm.lock */
	bool can_ack;			/* opened for writing */
	kuid_t uid;			/* opener's, for max_user_files */
	struct mutex read_lock;		/* one reader at a time */
	u64 must_ack_seq;		/* PREPARE this file must ack, or 0 */
	u64 acked_seq;			/* PREPARE this file acked, or 0 */

	spinlock_t ring_lock;		/* protects the fields below */
	u64 head, tail;			/* records written and read, ever */
	u64 lost;			/* records dropped since last read */
	struct hybrid_migrate_event *ring;	/* queue_len records */
};

static struct {
	struct mutex lock;		/* protects all below but the page */
	struct list_head files;
	wait_queue_head_t wq;		/* readers wait here for records */

	u64 seq;			/* of the newest event */
	u64 generation;

	/* The pending PREPARE, if state != IDLE */
	u32 state;
	u64 id;				/* host's migration id */
	u64 prepare_seq;
	u64 deadline_ns;
	u32 ackers, acked;
	unsigned long ack_until;	/* jiffies: when the ack wait ends */
	u64 last_req_id;		/* newest request handled */
	enum hybrid_req_op last_req_op;
	u64 announced_id;		/* id to report in the next COMPLETE */
	u64 announced_until_ns;		/* ... if the resume comes before */

	struct hybrid_cpu_features cpu, cpu_before, cpu_changed;
	u64 cpu_changed_generation;
	u32 incarnation;		/* Xen's TSC incarnation: restores */

	char response[64];		/* what to write to xenstore next */
	bool republish;			/* rewrite the data/ nodes too */

	struct hybrid_migrate_page *page;
	bool have_device;		/* the misc device is registered */
	u64 uevent_generation;		/* newest generation told to udev */
	bool dying;
} hm;

static atomic_t hm_resumes = ATOMIC_INIT(0);
static atomic64_t hm_resume_ns = ATOMIC64_INIT(0);
static bool hm_force_late;		/* test hook: COMPLETE from the work */

/* The last resumes, for debugfs's timeline; under hm.lock. */
#define HM_TIMELINE_LEN	32
static struct hm_resume_record {
	u64 resume_ns;			/* the resume notifier ran */
	u64 complete_ns;		/* page and COMPLETE out */
	u64 generation;
	bool early;			/* raised from the notifier */
} hm_timeline[HM_TIMELINE_LEN];
static unsigned int hm_timeline_n;	/* records ever written */

static void hm_resume_fn(struct work_struct *work);
static void hm_timeout_fn(struct work_struct *work);
static void hm_xenstore_fn(struct work_struct *work);
static DECLARE_WORK(hm_resume_work, hm_resume_fn);
static DECLARE_DELAYED_WORK(hm_timeout_work, hm_timeout_fn);
static DECLARE_WORK(hm_xenstore_work, hm_xenstore_fn);
static void hm_uevent_fn(struct work_struct *work);
static DECLARE_WORK(hm_uevent_work, hm_uevent_fn);
static struct miscdevice hm_misc;

/* --- CPU features ------------------------------------------------------ */

/*
 * Runs in the resume notifier, where every CPUID is an exit to Xen: each
 * leaf is read once, the two maxima first.
 */
static void hm_read_cpu(struct hybrid_cpu_features *f, u32 *incarnation)
{
	u32 base, eax, ebx, ecx, edx;
	u32 max_basic = cpuid_eax(0), max_ext = cpuid_eax(0x80000000);
	unsigned int i;

	memset(f, 0, sizeof(*f));
	for (i = 0; i < HYBRID_CPUID_NR_LEAVES; i++) {
		struct hybrid_cpuid_leaf *l = &f->leaves[i];
		u32 leaf = hybrid_cpuid_leaves[i][0];
		u32 max = leaf & 0x80000000 ? max_ext : max_basic;

		l->leaf = leaf;
		l->subleaf = hybrid_cpuid_leaves[i][1];
		if (leaf <= max)
			cpuid_count(leaf, l->subleaf, &l->eax, &l->ebx,
				    &l->ecx, &l->edx);
	}

	/* Xen's TSC leaf: ECX is the guest TSC kHz, EDX the incarnation. */
	*incarnation = 0;
	base = xen_cpuid_base();
	if (base && cpuid_eax(base) >= base + 3) {
		cpuid_count(base + 3, 0, &eax, &ebx, &ecx, &edx);
		f->tsc_khz = ecx;
		*incarnation = edx;
	}
}

/* --- the mapped page ------------------------------------------------------ */

/* Called with hm.lock held after any change the page shows. */
static void hm_update_page(void)
{
	struct hybrid_migrate_page *p = hm.page;

	WRITE_ONCE(p->seq, p->seq + 1);
	smp_wmb();	/* odd seq before the fields; pairs with readers' rmb */
	p->state = hm.state;
	p->migration_id = hm.state ? hm.id : 0;
	p->deadline_ns = hm.state ? hm.deadline_ns : 0;
	p->resume_ns = atomic64_read(&hm_resume_ns);
	p->features = hm.cpu;
	WRITE_ONCE(p->generation, hm.generation);
	smp_wmb();	/* the fields before even seq; pairs with readers' rmb */
	WRITE_ONCE(p->seq, p->seq + 1);
}

/* --- events --------------------------------------------------------------- */

static void hm_init_event(struct hybrid_migrate_event *ev, u16 type)
{
	memset(ev, 0, sizeof(*ev));
	ev->size = sizeof(*ev);
	ev->type = type;
	ev->timestamp_ns = ktime_get_ns();
	ev->realtime_ns = ktime_get_real_ns();
}

static void hm_push(struct hm_file *f, const struct hybrid_migrate_event *ev)
{
	unsigned long flags;

	spin_lock_irqsave(&f->ring_lock, flags);
	if (f->head - f->tail == queue_len) {
		f->tail++;
		f->lost++;
	}
	f->ring[f->head % queue_len] = *ev;
	f->head++;
	spin_unlock_irqrestore(&f->ring_lock, flags);
}

/* Gives ev the next sequence number and queues it for every open file. */
static void hm_broadcast(struct hybrid_migrate_event *ev)
{
	struct hm_file *f;

	lockdep_assert_held(&hm.lock);
	ev->seq = ++hm.seq;
	ev->generation = hm.generation;
	list_for_each_entry(f, &hm.files, node)
		hm_push(f, ev);
	wake_up_interruptible_all(&hm.wq);
}

/* --- answers to the host ---------------------------------------------------- */

static void hm_respond(const char *fmt, ...) __printf(1, 2);

static void hm_respond(const char *fmt, ...)
{
	va_list args;

	lockdep_assert_held(&hm.lock);
	va_start(args, fmt);
	vscnprintf(hm.response, sizeof(hm.response), fmt, args);
	va_end(args);
	if (!hm.dying)
		schedule_work(&hm_xenstore_work);
}

static void hm_xenstore_fn(struct work_struct *work)
{
	char response[sizeof(hm.response)];
	char generation[24];
	bool republish;
	int err = 0;

	mutex_lock(&hm.lock);
	strscpy(response, hm.response, sizeof(response));
	hm.response[0] = '\0';
	republish = hm.republish;
	hm.republish = false;
	snprintf(generation, sizeof(generation), "%llu", hm.generation);
	mutex_unlock(&hm.lock);

	if (republish) {
		err = xenbus_write(XBT_NIL, HM_DATA_DIR, "version",
				   HM_PROTOCOL_VERSION);
		if (!err)
			err = xenbus_write(XBT_NIL, HM_DATA_DIR, "generation",
					   generation);
	}
	if (!err && response[0])
		err = xenbus_write(XBT_NIL, HM_DATA_DIR, "response", response);
	if (err)
		pr_warn_ratelimited("cannot write %s: %d\n", HM_DATA_DIR, err);
}

/*
 * One KOBJ_CHANGE uevent on the device for each generation since the last
 * (as the in-tree vmgenid driver does for a new VM generation), so that
 * udev rules and systemd units can react to a resume without a daemon.
 */
static void hm_uevent_fn(struct work_struct *work)
{
	char env_gen[48];
	char *envp[3];
	struct device *dev;
	u64 gen;

	envp[0] = "HYBRID_MIGRATE_RESUMED=1";
	envp[1] = env_gen;
	envp[2] = NULL;

	for (;;) {
		mutex_lock(&hm.lock);
		dev = hm.have_device ? hm_misc.this_device : NULL;
		gen = hm.uevent_generation + 1;
		if (!dev || gen > hm.generation) {
			if (!dev)
				hm.uevent_generation = hm.generation;
			mutex_unlock(&hm.lock);
			return;
		}
		hm.uevent_generation = gen;
		mutex_unlock(&hm.lock);

		snprintf(env_gen, sizeof(env_gen),
			 "HYBRID_MIGRATE_GENERATION=%llu", gen);
		kobject_uevent_env(&dev->kobj, KOBJ_CHANGE, envp);
	}
}

/* --- PREPARE, acks, ABORT -------------------------------------------------- */

static void hm_finish_prepare(const char *how)
{
	lockdep_assert_held(&hm.lock);
	hm.state = HYBRID_STATE_READY;
	/* A host that never follows its answer must not name a later resume. */
	hm.announced_until_ns = ktime_get_ns() +
				(u64)READ_ONCE(announce_ttl_ms) * NSEC_PER_MSEC;
	hm_respond("%llu %s %u %u", hm.id, how, hm.acked, hm.ackers);
	hm_update_page();
}

static void hm_count_ack(struct hm_file *f)
{
	lockdep_assert_held(&hm.lock);
	f->acked_seq = f->must_ack_seq;
	WRITE_ONCE(f->must_ack_seq, 0);
	hm.acked++;
	if (hm.state == HYBRID_STATE_PREPARING && hm.acked == hm.ackers) {
		cancel_delayed_work(&hm_timeout_work);
		hm_finish_prepare("ready");
	}
}

/* Forgets the pending PREPARE, if any. */
static void hm_end_prepare(void)
{
	struct hm_file *f;

	lockdep_assert_held(&hm.lock);
	cancel_delayed_work(&hm_timeout_work);
	list_for_each_entry(f, &hm.files, node)
		WRITE_ONCE(f->must_ack_seq, 0);
	hm.state = HYBRID_STATE_IDLE;
	hm.prepare_seq = 0;
}

static void hm_abort(u32 reason)
{
	struct hybrid_migrate_event ev;

	lockdep_assert_held(&hm.lock);
	hm_end_prepare();
	hm_init_event(&ev, HYBRID_EV_ABORT);
	ev.abort.migration_id = hm.id;
	ev.abort.reason = reason;
	hm.announced_id = 0;
	hm_broadcast(&ev);
	hm_update_page();
}

static void hm_prepare(u64 id, u32 timeout_ms)
{
	struct hybrid_migrate_event ev;
	struct hm_file *f;
	u32 wait_ms;

	lockdep_assert_held(&hm.lock);
	if (hm.state != HYBRID_STATE_IDLE)
		hm_abort(HYBRID_ABORT_SUPERSEDED);

	hm.id = id;
	hm.announced_id = id;
	hm.announced_until_ns = U64_MAX;	/* until answered */
	hm.state = HYBRID_STATE_PREPARING;
	hm.deadline_ns = ktime_get_ns() + (u64)timeout_ms * NSEC_PER_MSEC;
	hm.prepare_seq = hm.seq + 1;
	hm.acked = 0;
	hm.ackers = 0;
	list_for_each_entry(f, &hm.files, node) {
		WRITE_ONCE(f->must_ack_seq, f->can_ack ? hm.prepare_seq : 0);
		hm.ackers += f->can_ack;
	}

	hm_init_event(&ev, HYBRID_EV_PREPARE);
	ev.prepare.migration_id = id;
	ev.prepare.deadline_ns = hm.deadline_ns;
	ev.prepare.timeout_ms = timeout_ms;
	ev.prepare.ackers = hm.ackers;
	ev.seq = ++hm.seq;
	ev.generation = hm.generation;
	/* Each file's copy says whether that file's ack is awaited. */
	list_for_each_entry(f, &hm.files, node) {
		ev.flags = f->must_ack_seq ? HYBRID_EVF_ACK_REQUIRED : 0;
		hm_push(f, &ev);
	}
	wake_up_interruptible_all(&hm.wq);

	if (!hm.ackers) {
		hm_finish_prepare("ready");
		return;
	}
	hm_update_page();
	wait_ms = min(timeout_ms, READ_ONCE(max_ack_ms));
	hm.ack_until = jiffies + msecs_to_jiffies(wait_ms);
	mod_delayed_work(system_wq, &hm_timeout_work, msecs_to_jiffies(wait_ms));
}

/* Test hooks, in debugfs: stall the timeout and readers to open races. */
static u32 hm_stall_timeout_ms, hm_stall_read_ms;
static atomic_t hm_timeouts_entered = ATOMIC_INIT(0);
static atomic_t hm_timeouts_done = ATOMIC_INIT(0);

static void hm_timeout_fn(struct work_struct *work)
{
	atomic_inc(&hm_timeouts_entered);
	if (READ_ONCE(hm_stall_timeout_ms))
		msleep(READ_ONCE(hm_stall_timeout_ms));

	mutex_lock(&hm.lock);
	/*
	 * cancel_delayed_work() cannot stop a run that already started and
	 * waits for the lock: a newer PREPARE may have armed the timer since.
	 * Only the wait that is due ends here.
	 */
	if (hm.state == HYBRID_STATE_PREPARING &&
	    !time_before(jiffies, hm.ack_until))
		hm_finish_prepare("timeout");
	mutex_unlock(&hm.lock);
	atomic_inc(&hm_timeouts_done);
}

/* Acts on a request from the host (or from debugfs, for tests). */
static int hm_request(const char *s)
{
	struct hybrid_req req;
	int err;

	err = hybrid_parse_request(s, &req);
	if (err)
		return err;

	mutex_lock(&hm.lock);
	/* The watch fires again on resume and on unrelated writes. */
	if (req.op == HYBRID_REQ_NONE ||
	    (req.op == hm.last_req_op && req.id == hm.last_req_id))
		goto out;
	hm.last_req_op = req.op;
	hm.last_req_id = req.id;

	if (req.op == HYBRID_REQ_PREPARE) {
		hm_prepare(req.id, req.timeout_ms);
	} else if (hm.state != HYBRID_STATE_IDLE && req.id == hm.id) {
		hm_abort(HYBRID_ABORT_HOST);
		hm_respond("%llu aborted", req.id);
	} else {
		hm_respond("%llu unknown", req.id);
	}
out:
	mutex_unlock(&hm.lock);
	return 0;
}

static void hm_request_changed(struct xenbus_watch *watch, const char *path,
			       const char *token)
{
	char *s;
	int err;

	s = xenbus_read(XBT_NIL, HM_REQUEST_NODE, "", NULL);
	if (IS_ERR(s))
		return;		/* absent: no request */
	err = hm_request(s);
	if (err)
		pr_warn_ratelimited("ignoring malformed request \"%.40s\": %d\n",
				    s, err);
	kfree(s);
}

static struct xenbus_watch hm_watch = {
	.node = HM_REQUEST_NODE,
	.callback = hm_request_changed,
};

/* --- resume --------------------------------------------------------------- */

/*
 * Raises the COMPLETE of one resume: the generation goes up, the page
 * shows it, every open file gets the event.  Nothing here needs xenstore;
 * the answer to the host is written later, from a work item.
 */
static void hm_complete(const struct hybrid_info *before,
			const struct hybrid_info *after,
			const struct hybrid_cpu_features *cpu, u32 incarnation,
			bool early)
{
	struct hm_resume_record *r;
	struct hybrid_migrate_event ev;
	u32 changes = 0;

	lockdep_assert_held(&hm.lock);
	if (incarnation != hm.incarnation)
		changes |= HYBRID_CHANGED_DOMAIN;
	if (before->domid != after->domid)
		changes |= HYBRID_CHANGED_DOMID | HYBRID_CHANGED_DOMAIN;
	if (before->xen_major != after->xen_major ||
	    before->xen_minor != after->xen_minor)
		changes |= HYBRID_CHANGED_XEN;
	if (cpu->tsc_khz != hm.cpu.tsc_khz)
		changes |= HYBRID_CHANGED_TSC;
	if (hybrid_cpu_features_diff(&hm.cpu, cpu, &hm.cpu_changed)) {
		changes |= HYBRID_CHANGED_CPU;
		hm.cpu_before = hm.cpu;
		hm.cpu_changed_generation = hm.generation + 1;
	}

	/*
	 * At or after the limit: Xen's clock can read the same for a while
	 * (its last-value clamp), and a ttl of 0 must mean "only while the
	 * PREPARE is pending" even then.
	 */
	if (hm.announced_id &&
	    atomic64_read(&hm_resume_ns) >= hm.announced_until_ns)
		hm.announced_id = 0;	/* answered too long ago */
	hm_end_prepare();
	hm_init_event(&ev, HYBRID_EV_COMPLETE);
	ev.complete.migration_id = hm.announced_id;
	ev.complete.resume_ns = atomic64_read(&hm_resume_ns);
	ev.complete.changes = changes;
	ev.complete.flags = hm.announced_id ? HYBRID_COMPLETE_ANNOUNCED : 0;
	ev.complete.old_domid = before->domid;
	ev.complete.new_domid = after->domid;
	ev.complete.old_tsc_khz = hm.cpu.tsc_khz;
	ev.complete.new_tsc_khz = cpu->tsc_khz;
	ev.complete.old_xen_version = before->xen_major << 16 | before->xen_minor;
	ev.complete.new_xen_version = after->xen_major << 16 | after->xen_minor;

	/* The page first: a process may run as soon as the event is out. */
	hm.generation++;
	hm.cpu = *cpu;
	hm.incarnation = incarnation;
	hm_update_page();
	hm_broadcast(&ev);

	/* udev hears of it from a work item: a uevent allocates. */
	if (!hm.dying)
		schedule_work(&hm_uevent_work);

	/* A new domain has a fresh data/ directory: publish again. */
	hm.republish = true;
	if (hm.announced_id)
		hm_respond("%llu complete %llu", hm.announced_id,
			   hm.generation);
	else if (!hm.dying)
		schedule_work(&hm_xenstore_work);
	hm.announced_id = 0;

	r = &hm_timeline[hm_timeline_n++ % HM_TIMELINE_LEN];
	r->resume_ns = ev.complete.resume_ns;
	r->complete_ns = ktime_get_ns();
	r->generation = hm.generation;
	r->early = early;
}

/*
 * Called by drivers/xen/manage.c after the domain resumed (or its suspend
 * was cancelled), before devices and xenstore are resumed and before
 * processes are thawed, in the task that suspended the domain.  Where Xen
 * tells the domid in CPUID (every Xen this driver is tested on), the
 * COMPLETE is raised here, so that no process runs again before the page
 * and the event say the domain resumed.  Else it waits for xenstore, in a
 * work item.
 */
static int hm_resume_notify(struct notifier_block *nb, unsigned long action,
			    void *data)
{
	struct hybrid_info before, after;
	struct hybrid_cpu_features cpu;
	u32 incarnation;

	atomic64_set(&hm_resume_ns, ktime_get_ns());
	if (!READ_ONCE(hm_force_late) &&
	    !hybrid_refresh_info_early(&before, &after)) {
		hm_read_cpu(&cpu, &incarnation);
		mutex_lock(&hm.lock);
		hm_complete(&before, &after, &cpu, incarnation, true);
		mutex_unlock(&hm.lock);
		return NOTIFY_OK;
	}
	atomic_inc(&hm_resumes);
	schedule_work(&hm_resume_work);
	return NOTIFY_OK;
}

static struct notifier_block hm_resume_nb = {
	.notifier_call = hm_resume_notify,
};

static void hm_resume_fn(struct work_struct *work)
{
	struct hybrid_info before, after;
	struct hybrid_cpu_features cpu;
	u32 incarnation;

	/* Waits, if need be, until xenstore has resumed. */
	hybrid_refresh_info(&before, &after);
	hm_read_cpu(&cpu, &incarnation);

	mutex_lock(&hm.lock);
	while (atomic_add_unless(&hm_resumes, -1, 0)) {
		hm_complete(&before, &after, &cpu, incarnation, false);
		before = after;
	}
	mutex_unlock(&hm.lock);
}

/* --- the device ----------------------------------------------------------- */

static void hm_free_file(struct hm_file *f)
{
	kvfree(f->ring);
	kfree(f);
}

/* Whether the opener may hold one more file; called with hm.lock held. */
static bool hm_may_open(kuid_t uid)
{
	unsigned int max = READ_ONCE(max_user_files), n = 0;
	struct hm_file *f;

	lockdep_assert_held(&hm.lock);
	if (!max || capable(CAP_SYS_ADMIN))
		return true;
	list_for_each_entry(f, &hm.files, node)
		if (uid_eq(f->uid, uid) && ++n >= max)
			return false;
	return true;
}

static int hm_open(struct inode *inode, struct file *file)
{
	struct hm_file *f;
	int err = 0;

	/* Apart, so that the default ring is one 8 KiB object, not order 2. */
	f = kzalloc(sizeof(*f), GFP_KERNEL_ACCOUNT);
	if (!f)
		return -ENOMEM;
	f->ring = kvcalloc(queue_len, sizeof(*f->ring), GFP_KERNEL_ACCOUNT);
	if (!f->ring) {
		kfree(f);
		return -ENOMEM;
	}
	spin_lock_init(&f->ring_lock);
	mutex_init(&f->read_lock);
	f->can_ack = file->f_mode & FMODE_WRITE;
	f->uid = current_euid();
	file->private_data = f;

	mutex_lock(&hm.lock);
	if (hm_may_open(f->uid))
		list_add_tail(&f->node, &hm.files);
	else
		err = -EMFILE;
	mutex_unlock(&hm.lock);
	if (err) {
		hm_free_file(f);
		return err;
	}
	return stream_open(inode, file);
}

static int hm_release(struct inode *inode, struct file *file)
{
	struct hm_file *f = file->private_data;

	mutex_lock(&hm.lock);
	list_del(&f->node);
	/* A file that goes away counts as having acknowledged. */
	if (f->must_ack_seq)
		hm_count_ack(f);
	mutex_unlock(&hm.lock);
	hm_free_file(f);
	return 0;
}

static bool hm_readable(struct hm_file *f)
{
	unsigned long flags;
	bool ret;

	spin_lock_irqsave(&f->ring_lock, flags);
	ret = f->head != f->tail || f->lost;
	spin_unlock_irqrestore(&f->ring_lock, flags);
	return ret;
}

/*
 * Takes the oldest record (or a LOST record, if records were dropped) into
 * *ev without consuming it; returns false if there is none.  *token says
 * what to consume once the record reached user space.
 */
static bool hm_peek(struct hm_file *f, struct hybrid_migrate_event *ev,
		    u64 *token, bool *lost)
{
	unsigned long flags;
	bool ret = true;

	spin_lock_irqsave(&f->ring_lock, flags);
	if (f->lost) {
		*lost = true;
		*token = f->lost;
		hm_init_event(ev, HYBRID_EV_LOST);
		ev->lost.count = f->lost;
		ev->generation = READ_ONCE(hm.page->generation);
	} else if (f->head != f->tail) {
		*lost = false;
		*token = f->tail;
		*ev = f->ring[f->tail % queue_len];
	} else {
		ret = false;
	}
	spin_unlock_irqrestore(&f->ring_lock, flags);
	return ret;
}

static void hm_consume(struct hm_file *f, u64 token, bool lost)
{
	unsigned long flags;

	spin_lock_irqsave(&f->ring_lock, flags);
	if (lost) {
		f->lost -= token;
	} else if (f->tail == token) {
		f->tail++;
	} else {
		/*
		 * The ring overflowed while the record was being copied: it
		 * was counted as lost, but the reader has it.
		 */
		f->lost--;
	}
	spin_unlock_irqrestore(&f->ring_lock, flags);
}

static ssize_t hm_read(struct file *file, char __user *buf, size_t count,
		       loff_t *ppos)
{
	struct hm_file *f = file->private_data;
	struct hybrid_migrate_event ev;
	size_t done = 0;
	bool lost;
	u64 token;
	int err;

	if (count < sizeof(ev))
		return -EINVAL;

	for (;;) {
		/* Two readers of one file must not both take a record. */
		if (mutex_lock_interruptible(&f->read_lock))
			return -ERESTARTSYS;
		while (done + sizeof(ev) <= count &&
		       hm_peek(f, &ev, &token, &lost)) {
			if (READ_ONCE(hm_stall_read_ms))
				msleep(READ_ONCE(hm_stall_read_ms));
			if (copy_to_user(buf + done, &ev, sizeof(ev))) {
				mutex_unlock(&f->read_lock);
				return done ? done : -EFAULT;
			}
			hm_consume(f, token, lost);
			done += sizeof(ev);
		}
		mutex_unlock(&f->read_lock);
		if (done)
			return done;
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		err = wait_event_interruptible(hm.wq, hm_readable(f));
		if (err)
			return err;
	}
}

/*
 * Readable: a record waits.  Writable: a PREPARE waits for this file's
 * acknowledgment (hm_prepare() wakes hm.wq when it asks for one).
 */
static __poll_t hm_poll(struct file *file, poll_table *wait)
{
	struct hm_file *f = file->private_data;
	__poll_t mask = 0;

	poll_wait(file, &hm.wq, wait);
	if (hm_readable(f))
		mask |= EPOLLIN | EPOLLRDNORM;
	if (READ_ONCE(f->must_ack_seq))
		mask |= EPOLLOUT | EPOLLWRNORM;
	return mask;
}

static int hm_ack(struct hm_file *f, u64 seq)
{
	int err = 0;

	mutex_lock(&hm.lock);
	if (!seq || seq != hm.prepare_seq)
		err = -ENOENT;		/* no such pending PREPARE */
	else if (f->acked_seq == seq)
		err = -EALREADY;
	else if (f->must_ack_seq == seq)
		hm_count_ack(f);
	/* else: the file was opened after the PREPARE; nothing awaits it */
	mutex_unlock(&hm.lock);
	return err;
}

static ssize_t hm_write(struct file *file, const char __user *buf,
			size_t count, loff_t *ppos)
{
	struct hm_file *f = file->private_data;
	struct hybrid_migrate_ack ack;
	int err;

	if (count != sizeof(ack))
		return -EINVAL;
	if (copy_from_user(&ack, buf, sizeof(ack)))
		return -EFAULT;
	if (ack.size != sizeof(ack) || ack.type != HYBRID_MSG_ACK)
		return -EINVAL;
	err = hm_ack(f, ack.seq);
	return err ? err : count;
}

static long hm_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct hm_file *f = file->private_data;
	void __user *uarg = (void __user *)arg;
	struct hybrid_migrate_info info;
	struct hybrid_migrate_cpu *cpu;
	struct hybrid_info hi;
	u64 seq;
	int err = 0;

	switch (cmd) {
	case HYBRID_MIGRATE_IOC_GET_INFO:
		hybrid_get_info(&hi);
		memset(&info, 0, sizeof(info));
		mutex_lock(&hm.lock);
		info.abi_version = HYBRID_MIGRATE_ABI_VERSION;
		info.state = hm.state;
		info.generation = hm.generation;
		info.last_seq = hm.seq;
		if (hm.state != HYBRID_STATE_IDLE) {
			info.migration_id = hm.id;
			info.deadline_ns = hm.deadline_ns;
			info.ackers = hm.ackers;
			info.acked = hm.acked;
		}
		mutex_unlock(&hm.lock);
		info.domid = hi.domid;
		info.xen_version = hi.xen_major << 16 | hi.xen_minor;
		info.file_flags = f->can_ack ? HYBRID_FILE_CAN_ACK : 0;
		if (copy_to_user(uarg, &info, sizeof(info)))
			return -EFAULT;
		return 0;

	case HYBRID_MIGRATE_IOC_GET_CPU:
		cpu = kzalloc(sizeof(*cpu), GFP_KERNEL);
		if (!cpu)
			return -ENOMEM;
		mutex_lock(&hm.lock);
		cpu->current_features = hm.cpu;
		if (hm.cpu_changed_generation) {
			cpu->before = hm.cpu_before;
			cpu->changed = hm.cpu_changed;
		} else {
			cpu->before = hm.cpu;
		}
		cpu->changed_generation = hm.cpu_changed_generation;
		mutex_unlock(&hm.lock);
		if (copy_to_user(uarg, cpu, sizeof(*cpu)))
			err = -EFAULT;
		kfree(cpu);
		return err;

	case HYBRID_MIGRATE_IOC_ACK:
		if (!f->can_ack)
			return -EBADF;
		if (copy_from_user(&seq, uarg, sizeof(seq)))
			return -EFAULT;
		return hm_ack(f, seq);
	}
	return -ENOTTY;
}

static int hm_mmap(struct file *file, struct vm_area_struct *vma)
{
	if (vma->vm_pgoff != 0 || vma->vm_end - vma->vm_start != PAGE_SIZE)
		return -EINVAL;
	if (vma->vm_flags & VM_WRITE)
		return -EPERM;
	hybrid_vm_flags_mod(vma, VM_DONTEXPAND | VM_DONTDUMP, VM_MAYWRITE);
	return remap_pfn_range(vma, vma->vm_start,
			       page_to_pfn(virt_to_page(hm.page)), PAGE_SIZE,
			       vma->vm_page_prot);
}

static const struct file_operations hm_fops = {
	.owner = THIS_MODULE,
	.open = hm_open,
	.release = hm_release,
	.read = hm_read,
	.write = hm_write,
	.poll = hm_poll,
	.unlocked_ioctl = hm_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = hm_mmap,
	.llseek = noop_llseek,
};

static struct miscdevice hm_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "hybrid-migrate",
	.fops = &hm_fops,
	.mode = 0644,
};

/* --- debugfs: requests for tests, without a host ---------------------------- */

static ssize_t hm_inject_write(struct file *file, const char __user *buf,
			       size_t count, loff_t *ppos)
{
	char s[64];
	int err;

	if (count >= sizeof(s))
		return -EINVAL;
	if (copy_from_user(s, buf, count))
		return -EFAULT;
	s[count] = '\0';
	err = hm_request(s);
	return err ? err : count;
}

static const struct file_operations hm_inject_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = hm_inject_write,
	.llseek = noop_llseek,
};

/* Any write runs the resume path as if the domain had just resumed. */
static ssize_t hm_fake_resume_write(struct file *file, const char __user *buf,
				    size_t count, loff_t *ppos)
{
	hm_resume_notify(NULL, 0, NULL);
	flush_work(&hm_resume_work);
	return count;
}

static const struct file_operations hm_fake_resume_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = hm_fake_resume_write,
	.llseek = noop_llseek,
};

static struct dentry *hm_debugfs;

/* --- load and unload ------------------------------------------------------- */

/*
 * Stops the work items for good: after this nothing of the driver runs
 * on its own.  The resume notifier and the watch must be gone already.
 */
static void hm_stop_work(void)
{
	mutex_lock(&hm.lock);
	hm.dying = true;	/* no new xenstore or uevent work */
	mutex_unlock(&hm.lock);
	cancel_work_sync(&hm_resume_work);
	cancel_delayed_work_sync(&hm_timeout_work);
	cancel_work_sync(&hm_uevent_work);
	flush_work(&hm_xenstore_work);
}

/* One line per resume, oldest first: times are CLOCK_MONOTONIC ns. */
static int hm_timeline_show(struct seq_file *m, void *unused)
{
	unsigned int i, n;

	mutex_lock(&hm.lock);
	n = min_t(unsigned int, hm_timeline_n, HM_TIMELINE_LEN);
	for (i = hm_timeline_n - n; i != hm_timeline_n; i++) {
		const struct hm_resume_record *r =
			&hm_timeline[i % HM_TIMELINE_LEN];

		seq_printf(m, "resume_ns=%llu complete_ns=%llu gen=%llu early=%d\n",
			   r->resume_ns, r->complete_ns, r->generation,
			   r->early);
	}
	mutex_unlock(&hm.lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(hm_timeline);

static void hm_debugfs_init(void)
{
	hm_debugfs = debugfs_create_dir("hybrid-migrate", NULL);
	debugfs_create_file("inject", 0200, hm_debugfs, NULL, &hm_inject_fops);
	debugfs_create_file("fake_resume", 0200, hm_debugfs, NULL,
			    &hm_fake_resume_fops);
	debugfs_create_u32("stall_timeout_ms", 0600, hm_debugfs,
			   &hm_stall_timeout_ms);
	debugfs_create_u32("stall_read_ms", 0600, hm_debugfs,
			   &hm_stall_read_ms);
	debugfs_create_bool("force_late", 0600, hm_debugfs, &hm_force_late);
	debugfs_create_file("timeline", 0400, hm_debugfs, NULL,
			    &hm_timeline_fops);
	debugfs_create_atomic_t("timeouts_entered", 0400, hm_debugfs,
				&hm_timeouts_entered);
	debugfs_create_atomic_t("timeouts_done", 0400, hm_debugfs,
				&hm_timeouts_done);
}

/* Test hook: fail the load at step N (1: watch, 2: device). */
static unsigned int fail_init_at;
module_param(fail_init_at, uint, 0400);
MODULE_PARM_DESC(fail_init_at, "Tests only: fail loading at step N (1 watch, 2 device)");

static int __init hm_init(void)
{
	int err;

	if (!xen_hvm_domain())
		return -ENODEV;
	if (queue_len < 4 || queue_len > 4096) {
		pr_err("queue_len must be 4..4096\n");
		return -EINVAL;
	}

	mutex_init(&hm.lock);
	INIT_LIST_HEAD(&hm.files);
	init_waitqueue_head(&hm.wq);
	hm.page = (void *)get_zeroed_page(GFP_KERNEL);
	if (!hm.page)
		return -ENOMEM;
	hm.page->abi_version = HYBRID_MIGRATE_ABI_VERSION;
	hm_read_cpu(&hm.cpu, &hm.incarnation);
	hm_update_page();

	xen_resume_notifier_register(&hm_resume_nb);

	err = fail_init_at == 1 ? -ENOSPC : register_xenbus_watch(&hm_watch);
	if (err) {
		pr_err("cannot watch %s: %d\n", HM_REQUEST_NODE, err);
		goto err_notifier;
	}

	mutex_lock(&hm.lock);
	hm.republish = true;
	mutex_unlock(&hm.lock);
	schedule_work(&hm_xenstore_work);

	hm_debugfs_init();

	/* Last: once registered, the device can be opened. */
	err = fail_init_at == 2 ? -EBUSY : misc_register(&hm_misc);
	if (err)
		goto err_watch;
	mutex_lock(&hm.lock);
	hm.have_device = true;
	hm.uevent_generation = hm.generation;
	mutex_unlock(&hm.lock);

	pr_info("/dev/%s ready, generation %llu\n", hm_misc.name,
		hm.generation);
	return 0;

err_watch:
	debugfs_remove_recursive(hm_debugfs);
	unregister_xenbus_watch(&hm_watch);
err_notifier:
	/*
	 * A resume in the window may have queued work that queues more:
	 * stop it all before the page and the module's text go away.
	 */
	xen_resume_notifier_unregister(&hm_resume_nb);
	hm_stop_work();
	xenbus_rm(XBT_NIL, HM_DATA_DIR, "version");
	free_page((unsigned long)hm.page);
	return err;
}
module_init(hm_init);

static void __exit hm_exit(void)
{
	/* No file is open (each holds a module reference): stop the sources. */
	mutex_lock(&hm.lock);
	hm.have_device = false;
	mutex_unlock(&hm.lock);
	cancel_work_sync(&hm_uevent_work);
	misc_deregister(&hm_misc);
	debugfs_remove_recursive(hm_debugfs);
	unregister_xenbus_watch(&hm_watch);
	xen_resume_notifier_unregister(&hm_resume_nb);
	cancel_work_sync(&hm_resume_work);
	cancel_delayed_work_sync(&hm_timeout_work);

	/*
	 * Tell a host that announced a migration that nobody here listens
	 * any more: it need not wait for our answer, nor for a resume report.
	 */
	mutex_lock(&hm.lock);
	if (hm.state != HYBRID_STATE_IDLE)
		hm_respond("%llu withdrawn %u %u", hm.id, hm.acked, hm.ackers);
	mutex_unlock(&hm.lock);
	hm_stop_work();
	xenbus_rm(XBT_NIL, HM_DATA_DIR, "version");
	free_page((unsigned long)hm.page);
}
module_exit(hm_exit);

/* Load with the core on Xen HVM guests. */
HYBRID_PLATFORM_ALIAS();

MODULE_DESCRIPTION("Hybrid HVM: live-migration notices for applications");
MODULE_LICENSE("GPL");
