// SPDX-License-Identifier: GPL-2.0
/*
 * hybrid-irq: the interrupt path of a Xen HVM guest, device by device.
 *
 * This part takes the inventory.  For every MSI and MSI-X vector of
 * every PCI device it reports how the interrupt reaches the guest now: a
 * vector on the virtual LAPIC, or a Xen pirq on an event channel as
 * Linux's PVHVM code binds them at boot when the domain has HVM pirqs
 * and Xen advertises no APIC virtualization.  It counts the interrupts,
 * asks Xen whether a pirq needs PHYSDEVOP_eoi, and says for each device
 * whether the hypervisor would let its vectors move to event channels,
 * and if not, why.
 *
 * It also adopts the devices the operator names (the adopt and exclude
 * parameters, at load time or in sysfs).  Vectors Linux put on pirq
 * event channels are adopted in place: each gets a copy of its irq_chip
 * that counts completions, masks and unmasks and hands each call on to
 * the original, so the interrupt path stays exactly Linux's.  Vectors on
 * the LAPIC, in a domain where Xen offers HVM pirqs, are moved onto an
 * event channel of their own (see hirq_move_vec()); without HVM pirqs
 * they are left alone.  Adoption is undone on unload, when the device's
 * driver unbinds, and around a suspend, after which it is done again.
 *
 * Read in debugfs: hybrid-irq/irqs (one line per vector) and
 * hybrid-irq/devices (one line per device); see docs/interrupts.md.
 * hybrid-irq/maskbench masks and unmasks one vector many times, for
 * counting what that costs in VM exits on each delivery path.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/irq_work.h>
#include <linux/irqdesc.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/msi.h>
#include <linux/pci.h>
#include <linux/percpu.h>
#include <linux/platform_device.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>

#include <asm/xen/hypercall.h>

#include <xen/events.h>
#include <xen/interface/event_channel.h>
#include <xen/interface/physdev.h>
#include <xen/interface/xen.h>
#include <xen/hybrid.h>

#include "compat/compat.h"
#include "irq-assist.h"
#include "irq-msg.h"

/* The name of the irq_chip Linux gives its HVM pirqs (events_base.c). */
#define XEN_PIRQ_CHIP	"xen-pirq"
/* The name of a moved vector's irq_chip, in /proc/interrupts. */
#define HIRQ_MOVED_CHIP	"xen-hybrid"

enum hirq_delivery {
	HIRQ_NONE,
	HIRQ_LAPIC,		/* vector on the virtual LAPIC */
	HIRQ_STOCK_PIRQ,	/* Linux's own pirq event channel */
	HIRQ_EVTCHN,		/* moved by hybrid-irq to a pirq event channel */
	HIRQ_ASSIST,		/* on the LAPIC, EOI elided by Xen's APIC assist */
	HIRQ_OTHER,		/* a pirq message Linux did not bind, or garbage */
	HIRQ_MIXED,		/* a device with vectors of several kinds */
};

struct hirq_vec {
	unsigned int irq;
	unsigned int entry;
	bool msix;
	enum hirq_delivery delivery;
	char chip[32];
	u32 pirq;
	u8 vector;
	u32 dest;
	u64 count;
	int eoi_rc;		/* PHYSDEVOP_irq_status_query's answer, now */
	bool xen_needs_eoi;
	bool adopted;
	u64 since;			/* interrupts since adoption */
	u64 eois, masks, unmasks;	/* since adoption */
	u64 elided;			/* of those eois, left to Xen */
};

/*
 * An adopted vector: its irq_chip is @chip, a copy of @orig.  Adopted in
 * place (a stock pirq), @chip's completion and mask callbacks count and
 * then call @orig's.  Moved (@moved, from the LAPIC), the interrupt
 * arrives on the event channel @port of @pirq, whose own IRQ @evirq runs
 * the device's IRQ, and the device keeps its IRQ number and handler;
 * @chip never calls the event channel's irq_chip (see hirq_move_vec()).
 * Linked on hirq_adopted while @chip may be the interrupt's chip.
 */
struct hirq_adopt {
	struct list_head node;
	struct pci_dev *pdev;		/* holds a reference */
	unsigned int irq;
	const struct irq_chip *orig;
	struct irq_chip chip;
	u64 count0;			/* interrupts when adopted */
	atomic64_t eois;
	atomic64_t masks;
	atomic64_t unmasks;

	bool assisted;			/* EOIs elided where Xen allows */
	bool settling;			/* an affinity change to complete */
	atomic64_t elided;

	bool moved;
	int pirq;
	evtchn_port_t port;
	int evirq;
	int eoi_rc;			/* PHYSDEVOP_irq_status_query at bind */
	bool xen_eoi;			/* PHYSDEVOP_eoi after each interrupt */
	struct msi_msg lapic_msg;	/* what the device is given back */
	struct msi_msg pirq_msg;
	unsigned long mv_state;		/* HIRQ_MV_MASKED, HIRQ_MV_HELD */
	struct irq_work mv_replay;	/* a held or resent interrupt, again */
	struct work_struct mv_aff;	/* moves @evirq to @mv_cpu */
	unsigned int mv_cpu;
	irq_flow_handler_t orig_handler;
	const char *orig_name;
	char name[24];			/* the event channel's, "hybrid-DEV" */
};

/*
 * hirq_lock protects hirq_adopted, the policy, hirq_live, hirq_suspending
 * and hirq_resends.  It nests inside the device lock and outside the
 * device's MSI descriptor lock; an interrupt's chip is swapped only with
 * all three held, so a walk holding them sees either no adoption or a
 * live one.
 */
static DEFINE_MUTEX(hirq_lock);
static LIST_HEAD(hirq_adopted);
static bool hirq_live;		/* between init and exit */
static bool hirq_suspending;	/* between PM prepare and complete */

/*
 * A vector given back before a suspend, to be sent once more when every
 * driver has resumed (hirq_resend()); on hirq_resends, under hirq_lock.
 */
struct hirq_later {
	struct list_head node;
	struct pci_dev *pdev;		/* holds a reference */
	unsigned int irq;
};

static LIST_HEAD(hirq_resends);

static struct dentry *hirq_debugfs;

/* The adoption whose chip @chip is, if any; under hirq_lock. */
static struct hirq_adopt *hirq_find(const struct irq_chip *chip)
{
	struct hirq_adopt *a;

	list_for_each_entry(a, &hirq_adopted, node)
		if (&a->chip == chip)
			return a;
	return NULL;
}

/*
 * Linux's own pirq chip (or an adoption's copy of it), the only one whose
 * chip_data is a pirq's.
 */
static bool hirq_pirq_chip(const struct irq_chip *chip)
{
	return chip && chip->name && !strcmp(chip->name, XEN_PIRQ_CHIP);
}

static u64 hirq_count(struct irq_data *d)
{
	struct irq_desc *desc = irq_data_to_desc(d);
	unsigned int cpu;
	u64 n = 0;

	for_each_possible_cpu(cpu)
		n += irq_desc_kstat_cpu(desc, cpu);
	return n;
}

/* Where the message the device holds for @irq sends it, as Xen reads it. */
static void hirq_decode_msg(unsigned int irq, struct hybrid_msi_decoded *dec)
{
	struct hybrid_msi_raw raw;
	struct hybrid_info hi;
	struct msi_msg msg;

	get_cached_msi_msg(irq, &msg);
	raw.address_lo = msg.address_lo;
	raw.address_hi = msg.address_hi;
	raw.data = msg.data;
	hybrid_get_info(&hi);
	hybrid_msi_decode(&raw, hi.hvm_flags & XEN_HVM_CPUID_EXT_DEST_ID, dec);
}

/* Looks at one interrupt; false if it went away meanwhile. */
static bool hirq_probe_vec(unsigned int irq, struct hirq_vec *v)
{
	struct physdev_irq_status_query q;
	struct hybrid_msi_decoded dec;
	struct hirq_adopt *a;
	struct irq_chip *chip;
	struct irq_data *d;

	d = irq_get_irq_data(irq);
	if (!d)
		return false;
	v->irq = irq;
	chip = irq_data_get_irq_chip(d);
	strscpy(v->chip, chip && chip->name ? chip->name : "none",
		sizeof(v->chip));
	v->count = hirq_count(d);
	a = hirq_find(chip);
	if (a) {
		v->adopted = true;
		v->since = v->count - a->count0;
		v->eois = atomic64_read(&a->eois);
		v->masks = atomic64_read(&a->masks);
		v->unmasks = atomic64_read(&a->unmasks);
		v->elided = atomic64_read(&a->elided);
	}
	if (a && a->moved) {
		v->delivery = HIRQ_EVTCHN;
		v->pirq = a->pirq;
		v->eoi_rc = a->eoi_rc;
		v->xen_needs_eoi = a->xen_eoi;
		return true;
	}

	hirq_decode_msg(irq, &dec);
	if (hirq_pirq_chip(chip)) {
		/*
		 * The pirq as the device's message names it: asking the event
		 * code (xen_pirq_from_irq()) BUG()s on an IRQ that is no pirq's,
		 * and a chip is only recognised here by its name.
		 */
		v->delivery = HIRQ_STOCK_PIRQ;
		v->pirq = dec.target == HYBRID_MSI_PIRQ ? dec.pirq : 0;
		memset(&q, 0, sizeof(q));
		q.irq = v->pirq;
		v->eoi_rc = HYPERVISOR_physdev_op(PHYSDEVOP_irq_status_query,
						  &q);
		v->xen_needs_eoi = !v->eoi_rc &&
				   (q.flags & XENIRQSTAT_needs_eoi);
		return true;
	}

	switch (dec.target) {
	case HYBRID_MSI_LAPIC:
		v->delivery = a && a->assisted ? HIRQ_ASSIST : HIRQ_LAPIC;
		v->vector = dec.vector;
		v->dest = dec.dest;
		break;
	case HYBRID_MSI_PIRQ:
		v->delivery = HIRQ_OTHER;
		v->pirq = dec.pirq;
		break;
	default:
		v->delivery = HIRQ_OTHER;
		break;
	}
	return true;
}

static const char *hirq_delivery_name(enum hirq_delivery w)
{
	switch (w) {
	case HIRQ_LAPIC:
		return "lapic";
	case HIRQ_STOCK_PIRQ:
		return "pirq";
	case HIRQ_EVTCHN:
		return "evtchn";
	case HIRQ_ASSIST:
		return "assist";
	case HIRQ_MIXED:
		return "mixed";
	case HIRQ_NONE:
		return "none";
	default:
		return "other";
	}
}

struct hirq_walk {
	/* called for each vector, if set */
	void (*fn)(struct pci_dev *pdev, const struct hirq_vec *v, void *arg);
	void *arg;
	/* how the device's vectors are delivered, taken together */
	enum hirq_delivery all;
};

/*
 * Calls @w->fn for each MSI/MSI-X vector of @pdev, with the device's
 * driver and its MSI descriptors held still.
 */
static void hirq_walk_vecs(struct pci_dev *pdev, struct hirq_walk *w)
{
	struct device *dev = &pdev->dev;
	struct msi_desc *desc;
	struct hirq_vec v;
	unsigned int k, n;

	w->all = HIRQ_NONE;
	device_lock(dev);
	mutex_lock(&hirq_lock);
	if (!dev->msi.data || !(pdev->msi_enabled || pdev->msix_enabled))
		goto out;
	msi_lock_descs(dev);
	msi_for_each_desc(desc, dev, MSI_DESC_ASSOCIATED) {
		n = desc->pci.msi_attrib.is_msix ? 1 : desc->nvec_used;
		for (k = 0; k < n; k++) {
			memset(&v, 0, sizeof(v));
			v.msix = desc->pci.msi_attrib.is_msix;
			v.entry = desc->msi_index + k;
			if (!hirq_probe_vec(desc->irq + k, &v))
				continue;
			if (w->all == HIRQ_NONE)
				w->all = v.delivery;
			else if (w->all != v.delivery)
				w->all = HIRQ_MIXED;
			if (w->fn)
				w->fn(pdev, &v, w->arg);
		}
	}
	msi_unlock_descs(dev);
out:
	mutex_unlock(&hirq_lock);
	device_unlock(dev);
}

/*
 * Adoption.  An adopted vector's chip is a copy of its own with these
 * callbacks in place of the ones the original has; each counts and calls
 * the original's.  Only vectors on Linux's edge flow are adopted (every
 * MSI on x86): handle_edge_irq() reads the chip afresh under the
 * descriptor's lock for each call, so a callback here always finds its
 * adoption through the interrupt's current chip.
 */
static struct hirq_adopt *hirq_ad(struct irq_data *d)
{
	return container_of(irq_data_get_irq_chip(d), struct hirq_adopt, chip);
}

static void hirq_ad_ack(struct irq_data *d)
{
	struct hirq_adopt *a = hirq_ad(d);

	atomic64_inc(&a->eois);
	a->orig->irq_ack(d);
}

static void hirq_ad_eoi(struct irq_data *d)
{
	struct hirq_adopt *a = hirq_ad(d);

	atomic64_inc(&a->eois);
	a->orig->irq_eoi(d);
}

static void hirq_ad_mask(struct irq_data *d)
{
	struct hirq_adopt *a = hirq_ad(d);

	atomic64_inc(&a->masks);
	a->orig->irq_mask(d);
}

static void hirq_ad_unmask(struct irq_data *d)
{
	struct hirq_adopt *a = hirq_ad(d);

	atomic64_inc(&a->unmasks);
	a->orig->irq_unmask(d);
}

static void hirq_ad_mask_ack(struct irq_data *d)
{
	struct hirq_adopt *a = hirq_ad(d);

	atomic64_inc(&a->masks);
	atomic64_inc(&a->eois);
	a->orig->irq_mask_ack(d);
}

/* Linux's pirq chip masks in irq_disable and unmasks in irq_enable. */
static void hirq_ad_disable(struct irq_data *d)
{
	struct hirq_adopt *a = hirq_ad(d);

	atomic64_inc(&a->masks);
	a->orig->irq_disable(d);
}

static void hirq_ad_enable(struct irq_data *d)
{
	struct hirq_adopt *a = hirq_ad(d);

	atomic64_inc(&a->unmasks);
	a->orig->irq_enable(d);
}

/*
 * The assisted EOI (irq-assist.c): an adopted LAPIC vector's irq_ack
 * leaves the EOI to Xen when Xen set this vCPU's assist bit for it.  The
 * original irq_ack (the vector domain's, through the MSI chip) also
 * finishes the kernel's affinity changes: a move pending until the next
 * interrupt, and the old vector's release once one came on the new
 * target.  It runs in full while a change is under way, and the assist
 * only after the first interrupt on the new target.
 */
static void hirq_as_ack(struct irq_data *d)
{
	struct hirq_adopt *a = hirq_ad(d);
	const struct cpumask *eff;

	atomic64_inc(&a->eois);
	if (!READ_ONCE(a->settling) && !irqd_is_setaffinity_pending(d) &&
	    hirq_assist_take()) {
		atomic64_inc(&a->elided);
		return;
	}
	if (READ_ONCE(a->settling)) {
		eff = irq_data_get_effective_affinity_mask(d);
		if (cpumask_test_cpu(smp_processor_id(), eff))
			WRITE_ONCE(a->settling, false);
	}
	a->orig->irq_ack(d);
}

static int hirq_as_set_affinity(struct irq_data *d, const struct cpumask *dest,
				bool force)
{
	struct hirq_adopt *a = hirq_ad(d);

	WRITE_ONCE(a->settling, true);
	return a->orig->irq_set_affinity(d, dest, force);
}

/*
 * Lazy disabling off around a change that must reach the irq_chip, the
 * driver's own IRQ_DISABLE_UNLAZY kept: hirq_unlazy_end() clears the flag
 * only if hirq_unlazy_begin() set it.
 */
static bool hirq_unlazy_begin(unsigned int irq)
{
	bool was = irq_check_status_bit(irq, IRQ_DISABLE_UNLAZY);

	if (!was)
		irq_set_status_flags(irq, IRQ_DISABLE_UNLAZY);
	return was;
}

static void hirq_unlazy_end(unsigned int irq, bool was)
{
	if (!was)
		irq_clear_status_flags(irq, IRQ_DISABLE_UNLAZY);
}

/*
 * Moving a LAPIC vector onto an event channel.  The device is given the
 * MSI message of a pirq of its own (Xen turns the device model's MSI into
 * an event on the pirq's channel), and that channel's IRQ runs the
 * device's IRQ with generic_handle_irq(): the driver keeps its IRQ number
 * and handler.  Meanwhile the device's IRQ has the moved chip and
 * hirq_mv_flow() in place of the LAPIC's; completing it is the event
 * channel's own (clearing the pending bit, no LAPIC EOI).
 *
 * The event channel's IRQ belongs to genirq and to Linux's event channel
 * code, which keep its state (masked, disabled, pending, affinity) under
 * its descriptor's lock.  The moved chip, called under the device IRQ's
 * lock, never calls that IRQ's irq_chip behind their back:
 *
 *  - Masking is the moved chip's own: an event that comes while the
 *    device's IRQ is masked is held (HIRQ_MV_HELD) and run again on
 *    unmask, from an irq_work.  It costs no exit, and not even the event
 *    channel's mask bit.  The event channel is masked and unmasked by its
 *    own IRQ's flow alone.
 *  - A resend is the same irq_work, on this vCPU.
 *  - Affinity: the device's IRQ is the one users and irqbalance move.
 *    The event channel's IRQ is bound with IRQF_NOBALANCING (its
 *    smp_affinity refuses writes) and follows the device's, one vCPU,
 *    through irq_set_affinity() from a work item: that takes its lock,
 *    which cannot be taken under the device IRQ's (the kernel calls
 *    irq_set_affinity callbacks holding a lock of irq_do_set_affinity()'s
 *    own, which irq_set_affinity() would take again).
 */
#define HIRQ_MV_MASKED	0
#define HIRQ_MV_HELD	1

static DEFINE_PER_CPU(bool, hirq_dispatching);

/* Runs the device's IRQ once, or holds the interrupt while it is masked. */
static void hirq_mv_deliver(struct hirq_adopt *a)
{
	struct irq_data *d = irq_get_irq_data(a->irq);

	/* Given back meanwhile (the event was already on its way). */
	if (!d || irq_data_get_irq_chip(d) != &a->chip)
		return;
	if (test_bit(HIRQ_MV_MASKED, &a->mv_state)) {
		set_bit(HIRQ_MV_HELD, &a->mv_state);
		/* HELD before MASKED is read again; pairs with the unmask's. */
		smp_mb__after_atomic();
		/* Still masked: the unmask will find it held. */
		if (test_bit(HIRQ_MV_MASKED, &a->mv_state))
			return;
		/* Unmasked meanwhile: whoever clears the bit runs it. */
		if (!test_and_clear_bit(HIRQ_MV_HELD, &a->mv_state))
			return;
	}
	/* One completion per interrupt the driver sees; not one it will see again. */
	if (!irqd_irq_disabled(d))
		atomic64_inc(&a->eois);
	__this_cpu_write(hirq_dispatching, true);
	generic_handle_irq(a->irq);
	__this_cpu_write(hirq_dispatching, false);
}

/* The event channel's handler: the device's interrupt, once. */
static irqreturn_t hirq_mv_event(int evirq, void *data)
{
	struct hirq_adopt *a = data;
	struct physdev_eoi eoi = { .irq = a->pirq };

	hirq_mv_deliver(a);
	if (a->xen_eoi)
		HYPERVISOR_physdev_op(PHYSDEVOP_eoi, &eoi);
	return IRQ_HANDLED;
}

/* An interrupt held while masked, or resent: in hard interrupt context. */
static void hirq_mv_replay(struct irq_work *work)
{
	hirq_mv_deliver(container_of(work, struct hirq_adopt, mv_replay));
}

/*
 * The moved IRQ's flow handler.  From hirq_mv_deliver() it is the simple
 * flow: nothing to acknowledge.  Anything else is a LAPIC interrupt the
 * device sent before its message changed, which the local APIC must see
 * completed, or it would hold back every vector of lower priority.
 */
static void hirq_mv_flow(struct irq_desc *desc)
{
	if (!__this_cpu_read(hirq_dispatching))
		irq_chip_ack_parent(irq_desc_get_irq_data(desc));
	handle_simple_irq(desc);
}

static void hirq_mv_mask(struct irq_data *d)
{
	struct hirq_adopt *a = hirq_ad(d);

	atomic64_inc(&a->masks);
	set_bit(HIRQ_MV_MASKED, &a->mv_state);
}

static void hirq_mv_unmask(struct irq_data *d)
{
	struct hirq_adopt *a = hirq_ad(d);

	atomic64_inc(&a->unmasks);
	clear_bit(HIRQ_MV_MASKED, &a->mv_state);
	/* MASKED cleared before HELD is read; pairs with hirq_mv_deliver(). */
	smp_mb__after_atomic();
	if (test_and_clear_bit(HIRQ_MV_HELD, &a->mv_state))
		irq_work_queue(&a->mv_replay);
}

/* A resend (an interrupt that came while disabled), on this vCPU. */
static int hirq_mv_retrigger(struct irq_data *d)
{
	irq_work_queue(&hirq_ad(d)->mv_replay);
	return 1;
}

/* Moves the event channel's IRQ to where the device's IRQ was sent. */
static void hirq_mv_aff_work(struct work_struct *work)
{
	struct hirq_adopt *a = container_of(work, struct hirq_adopt, mv_aff);
	unsigned int cpu = READ_ONCE(a->mv_cpu);
	int ret;

	ret = irq_set_affinity(a->evirq, cpumask_of(cpu));
	if (ret)
		dev_warn_ratelimited(&a->pdev->dev,
				     "hybrid-irq: event channel of irq %u stays off vCPU %u: %d\n",
				     a->irq, cpu, ret);
}

/*
 * One vCPU of @dest for the event channel: the current one if it is in
 * @dest, else the first online one (any one of @dest when @force: the
 * kernel is taking a vCPU down).  Without the vector callback Xen sends
 * every event to vCPU 0, and the answer is the same as the event
 * channel's own.
 */
static int hirq_mv_set_affinity(struct irq_data *d, const struct cpumask *dest,
				bool force)
{
	struct hirq_adopt *a = hirq_ad(d);
	unsigned int cpu = READ_ONCE(a->mv_cpu);

	if (!xen_support_evtchn_rebind())
		return -EINVAL;
	if (!cpumask_test_cpu(cpu, dest) || !cpu_online(cpu)) {
		cpu = cpumask_first_and(dest, cpu_online_mask);
		if (cpu >= nr_cpu_ids) {
			if (!force)
				return -EINVAL;
			cpu = cpumask_first(dest);
		}
	}
	WRITE_ONCE(a->mv_cpu, cpu);
	schedule_work(&a->mv_aff);
	irq_data_update_effective_affinity(d, cpumask_of(cpu));
	return IRQ_SET_MASK_OK;
}

/*
 * The kernel writes the message itself when the driver frees the IRQ
 * (zeros) and requests it again (a LAPIC vector, maybe a new one): the
 * LAPIC message is kept to give back, and the device gets the pirq's.
 */
static void hirq_mv_write_msg(struct irq_data *d, struct msi_msg *msg)
{
	struct hirq_adopt *a = hirq_ad(d);
	struct msi_msg m = *msg;

	if (m.address_lo || m.address_hi || m.data) {
		a->lapic_msg = m;
		m = a->pirq_msg;
	}
	a->orig->irq_write_msi_msg(d, &m);
}

/* The pirq's emulated IRQ goes, so that its next binding starts afresh. */
static void hirq_pirq_release(int pirq)
{
	struct physdev_unmap_pirq unmap = { .domid = DOMID_SELF, .pirq = pirq };

	HYPERVISOR_physdev_op(PHYSDEVOP_unmap_pirq, &unmap);
	hybrid_pirq_put(pirq);
}

/*
 * A pirq, its event channel and that channel's IRQ, for @a.  On failure
 * the pirq is not given back to the pool: Xen may have refused it (bound
 * already), or the failed binding may have left it bound to a port that
 * is no longer ours to close, and the pool would hand it out again and
 * again.  One pirq stays allocated per failure.
 */
static int hirq_mv_bind(struct hirq_adopt *a)
{
	struct evtchn_bind_pirq bind = { };
	struct physdev_irq_status_query q = { };
	struct hybrid_msi_raw raw;
	int ret;

	a->pirq = hybrid_pirq_get();
	if (a->pirq < 0)
		return a->pirq;
	ret = hybrid_msi_compose_pirq(a->pirq, &raw);
	if (ret)
		return ret;
	a->pirq_msg.address_lo = raw.address_lo;
	a->pirq_msg.address_hi = raw.address_hi;
	a->pirq_msg.data = raw.data;

	bind.pirq = a->pirq;
	ret = HYPERVISOR_event_channel_op(EVTCHNOP_bind_pirq, &bind);
	if (ret)
		return ret;
	a->port = bind.port;
	q.irq = a->pirq;
	a->eoi_rc = HYPERVISOR_physdev_op(PHYSDEVOP_irq_status_query, &q);
	a->xen_eoi = hybrid_pirq_needs_eoi(a->eoi_rc,
					   q.flags & XENIRQSTAT_needs_eoi);

	snprintf(a->name, sizeof(a->name), "hybrid-%s", pci_name(a->pdev));
	init_irq_work(&a->mv_replay, hirq_mv_replay);
	INIT_WORK(&a->mv_aff, hirq_mv_aff_work);
	ret = bind_evtchn_to_irqhandler(a->port, hirq_mv_event, IRQF_NOBALANCING,
					a->name, a);
	if (ret < 0)
		return ret;
	a->evirq = ret;
	return 0;
}

/*
 * The event channel goes where the device's LAPIC vector went, as far as
 * Xen lets it (without the vector callback every event goes to vCPU 0).
 */
static void hirq_mv_place(struct hirq_adopt *a, struct irq_data *d)
{
	unsigned int cpu;

	cpu = cpumask_first_and(irq_data_get_effective_affinity_mask(d),
				cpu_online_mask);
	if (cpu >= nr_cpu_ids)
		cpu = cpumask_first(cpu_online_mask);
	a->mv_cpu = cpu;
	if (xen_support_evtchn_rebind())
		irq_set_affinity(a->evirq, cpumask_of(cpu));
}

/*
 * Moves one LAPIC vector with a handler onto an event channel; device
 * lock, hirq_lock and MSI lock held.  With the IRQ disabled (and its
 * MSI-X entry masked: lazy disabling off), the IRQ gets the moved chip
 * and flow, and then the device the pirq's message; then the entry is
 * unmasked and the IRQ enabled.  What came meanwhile is resent, on the
 * event channel.
 *
 * The order matters: QEMU treats an entry whose message is a pirq's as
 * unmasked whatever its mask bit says (masking a pirq is the event
 * channel's business), so a message the device held back while masked
 * goes out as the pirq's data is written.  The event must find the
 * moved chip, whose disabled IRQ keeps it for the resend.
 */
static int hirq_move_vec(struct hirq_adopt *a, struct irq_desc *desc)
{
	struct irq_data *d = irq_desc_get_irq_data(desc);
	unsigned int irq = a->irq;
	bool unlazy;
	int ret;

	ret = hirq_mv_bind(a);
	if (ret)
		return ret;
	hirq_mv_place(a, d);

	a->chip.name = HIRQ_MOVED_CHIP;
	a->chip.irq_mask = hirq_mv_mask;
	a->chip.irq_unmask = hirq_mv_unmask;
	a->chip.irq_disable = NULL;
	a->chip.irq_enable = NULL;
	a->chip.irq_mask_ack = NULL;
	a->chip.irq_retrigger = hirq_mv_retrigger;
	a->chip.irq_set_affinity = hirq_mv_set_affinity;
	a->chip.irq_write_msi_msg = hirq_mv_write_msg;
	a->moved = true;

	unlazy = hirq_unlazy_begin(irq);
	disable_irq(irq);
	/* What came on the LAPIC until now is not the move's to count. */
	a->count0 = hirq_count(d);
	get_cached_msi_msg(irq, &a->lapic_msg);
	a->orig_handler = desc->handle_irq;
	a->orig_name = desc->name;
	irq_set_chip_and_handler_name(irq, &a->chip, hirq_mv_flow,
				      a->orig_name);
	pci_write_msi_msg(irq, &a->pirq_msg);
	/* The kernel thinks it masked; the event channel's mask is the one now. */
	a->orig->irq_unmask(d);
	hirq_unlazy_end(irq, unlazy);
	enable_irq(irq);
	return 0;
}

/*
 * Sends a vector given back once more; device lock, hirq_lock and MSI lock
 * held.  Before a suspend not at once but from hirq_pm_complete(): the
 * driver is about to freeze, and its handler run without cause just then
 * can start work that races with the freeze (e1000e arms its watchdog,
 * whose work its freeze does not wait for; docs/interrupts.md).  The
 * kernel holds what comes after suspend_device_irqs() until the resume
 * in the same way; this hold starts earlier, at prepare.
 */
static void hirq_resend(struct hirq_adopt *a, struct irq_data *d)
{
	struct hirq_later *l;

	if (hirq_suspending) {
		l = kzalloc(sizeof(*l), GFP_KERNEL);
		if (l) {
			l->pdev = pci_dev_get(a->pdev);
			l->irq = a->irq;
			list_add_tail(&l->node, &hirq_resends);
			return;
		}
	}
	irq_chip_retrigger_hierarchy(d);
}

/*
 * Gives a moved vector back to the LAPIC; device lock, hirq_lock and MSI
 * lock held.  The IRQ is disabled (its event channel masked), the device's
 * entry masked, its LAPIC message and the original chip and flow put
 * back, the event channel closed, and the IRQ enabled (which unmasks the
 * entry).  An event still pending on the closed channel would be lost, so
 * the vector is sent once more on the LAPIC (hirq_resend()): at worst the
 * driver's handler runs once without cause, and no interrupt goes missing.
 */
static void hirq_unmove_vec(struct hirq_adopt *a)
{
	struct irq_data *d = irq_get_irq_data(a->irq);
	struct msi_msg off = { }, half;
	unsigned int irq = a->irq;
	bool unlazy;

	unlazy = hirq_unlazy_begin(irq);
	disable_irq(irq);
	synchronize_irq(a->evirq);
	/* Nothing is replayed or placed from here on: the IRQ is disabled. */
	irq_work_sync(&a->mv_replay);
	cancel_work_sync(&a->mv_aff);
	a->orig->irq_mask(d);
	if (irqd_is_activated(d)) {
		/*
		 * The data first: while it is the pirq's, QEMU ignores the
		 * mask bit, and a message sent between the writes of a new
		 * address and the data would name some other pirq.  With a
		 * vector in the data the entry is masked, and the device
		 * holds back what it sends until the unmask.
		 */
		half = a->pirq_msg;
		half.data = a->lapic_msg.data;
		pci_write_msi_msg(irq, &half);
		pci_write_msi_msg(irq, &a->lapic_msg);
	} else {
		/* Freed by the driver meanwhile: the kernel writes a new one on request. */
		pci_write_msi_msg(irq, &off);
	}
	irq_set_chip_and_handler_name(irq, a->orig, a->orig_handler,
				      a->orig_name);
	unbind_from_irqhandler(a->evirq, a);
	hirq_pirq_release(a->pirq);
	hirq_unlazy_end(irq, unlazy);
	enable_irq(irq);
	if (irq_has_action(irq))
		hirq_resend(a, d);
}

/* A moved vector whose IRQ the driver freed: only the binding goes. */
static void hirq_unbind_gone(struct hirq_adopt *a)
{
	cancel_work_sync(&a->mv_aff);
	unbind_from_irqhandler(a->evirq, a);
	irq_work_sync(&a->mv_replay);
	hirq_pirq_release(a->pirq);
}

/* The device's adopt/exclude policy; under hirq_lock. */
#define HIRQ_POLICY_MAX	256
static char hirq_adopt_list[HIRQ_POLICY_MAX];
static char hirq_exclude_list[HIRQ_POLICY_MAX];

static bool hirq_excluded(struct pci_dev *pdev)
{
	return hybrid_dev_list_has(hirq_exclude_list, pci_name(pdev), false);
}

static bool hirq_wanted(struct pci_dev *pdev)
{
	return !hirq_excluded(pdev) &&
	       hybrid_dev_list_has(hirq_adopt_list, pci_name(pdev), true);
}

/*
 * Gives back @pdev's adopted vectors (all of them, or only those whose
 * interrupt no longer uses the adoption's chip: freed by the driver
 * since).  Device lock and hirq_lock held.
 */
static void hirq_release_dev(struct pci_dev *pdev, bool all)
{
	struct device *dev = &pdev->dev;
	struct hirq_adopt *a, *tmp;
	LIST_HEAD(gone);
	struct irq_data *d;
	bool locked;

	/* Without MSI data the device has no vectors: all are stale. */
	locked = dev->msi.data;
	if (locked)
		msi_lock_descs(dev);
	list_for_each_entry_safe(a, tmp, &hirq_adopted, node) {
		if (a->pdev != pdev)
			continue;
		d = locked ? irq_get_irq_data(a->irq) : NULL;
		if (d && irq_data_get_irq_chip(d) == &a->chip) {
			if (!all)
				continue;
			if (a->moved)
				hirq_unmove_vec(a);
			else
				irq_set_chip(a->irq, a->orig);
		} else {
			if (a->moved)
				hirq_unbind_gone(a);
			a->irq = 0;	/* freed since; not ours to touch */
		}
		list_move(&a->node, &gone);
	}
	if (locked)
		msi_unlock_descs(dev);

	list_for_each_entry_safe(a, tmp, &gone, node) {
		/* A handler on another CPU may still be in our callbacks. */
		if (a->irq)
			synchronize_irq(a->irq);
		list_del(&a->node);
		pci_dev_put(a->pdev);
		kfree(a);
	}
}

/*
 * A LAPIC vector hybrid-irq can move: Xen offers HVM pirqs, the message
 * names a LAPIC vector, and the driver has a handler on it (the move
 * unmasks the device's entry, which must not be masked for a reason).
 */
static bool hirq_movable(struct irq_data *d, const struct irq_chip *orig)
{
	struct msi_desc *md = irq_data_get_msi_desc(d);
	struct hybrid_msi_decoded dec;
	struct hybrid_info hi;

	/* MSI vectors of one device share one message: MSI-X, or MSI alone. */
	if (!md || (!md->pci.msi_attrib.is_msix && md->nvec_used > 1))
		return false;
	hybrid_get_info(&hi);
	/* With APIC virtualization Linux keeps MSIs on the LAPIC on purpose. */
	if (HYBRID_APIC_VIRT(&hi))
		return false;
	if (!hi.hvm_pirqs || !orig->irq_mask || !orig->irq_unmask ||
	    !orig->irq_write_msi_msg || !irq_has_action(d->irq) ||
	    !irqd_is_activated(d))
		return false;
	hirq_decode_msg(d->irq, &dec);
	return dec.target == HYBRID_MSI_LAPIC;
}

/* Use the APIC assist (writable in sysfs); under hirq_lock. */
static bool hirq_assist_on = true;

/* The path the policy wants for a vector on @chip; under hirq_lock. */
static enum hybrid_irq_path hirq_policy(const struct irq_chip *chip)
{
	struct hybrid_irq_facts f = { };
	struct hybrid_info hi;

	hybrid_get_info(&hi);
	f.on_pirq = hirq_pirq_chip(chip);
	f.apic_virt = HYBRID_APIC_VIRT(&hi);
	f.assist = hirq_assist_ready();
	f.assist_on = hirq_assist_on;
	f.hvm_pirqs = hi.hvm_pirqs;
	return hybrid_irq_policy(&f);
}

/*
 * A LAPIC vector whose EOIs the APIC assist can elide: the message names
 * a LAPIC vector, which stays as it is, and the chip acknowledges.
 */
static bool hirq_assistable(struct irq_data *d, const struct irq_chip *orig)
{
	struct hybrid_msi_decoded dec;

	if (!orig->irq_ack)
		return false;
	hirq_decode_msg(d->irq, &dec);
	return dec.target == HYBRID_MSI_LAPIC;
}

/*
 * Adopts one vector: a stock pirq in place; a LAPIC vector in place with
 * its EOIs assisted where Xen offers the APIC assist, else by moving it
 * onto an event channel where Xen offers HVM pirqs.  Device lock,
 * hirq_lock and MSI lock held.
 */
static int hirq_adopt_vec(struct pci_dev *pdev, unsigned int irq)
{
	const struct irq_chip *orig;
	struct irq_desc *desc;
	struct hirq_adopt *a;
	struct irq_data *d;
	enum hybrid_irq_path path;
	bool pirq, assist;
	int ret;

	d = irq_get_irq_data(irq);
	if (!d)
		return 0;	/* went away meanwhile */
	orig = irq_data_get_irq_chip(d);
	desc = irq_data_to_desc(d);
	if (!orig || hirq_find(orig))
		return 0;
	path = hirq_policy(orig);
	pirq = path == HYBRID_PATH_PIRQ;
	assist = path == HYBRID_PATH_ASSIST && hirq_assistable(d, orig);
	if (path == HYBRID_PATH_LEAVE ||
	    (path == HYBRID_PATH_ASSIST && !assist) ||
	    (path == HYBRID_PATH_EVTCHN && !hirq_movable(d, orig)))
		return 0;	/* left alone; the devices file says why */
	if (desc->handle_irq != handle_edge_irq)
		return -EOPNOTSUPP;

	a = kzalloc(sizeof(*a), GFP_KERNEL);
	if (!a)
		return -ENOMEM;
	a->pdev = pci_dev_get(pdev);
	a->irq = irq;
	a->orig = orig;
	a->chip = *orig;
	if (!pirq && !assist) {
		ret = hirq_move_vec(a, desc);
		if (ret) {
			pci_dev_put(a->pdev);
			kfree(a);
			return ret;
		}
		list_add_tail(&a->node, &hirq_adopted);
		return 0;
	}
	a->count0 = hirq_count(d);
	if (orig->irq_ack)
		a->chip.irq_ack = hirq_ad_ack;
	if (orig->irq_eoi)
		a->chip.irq_eoi = hirq_ad_eoi;
	if (orig->irq_mask)
		a->chip.irq_mask = hirq_ad_mask;
	if (orig->irq_unmask)
		a->chip.irq_unmask = hirq_ad_unmask;
	if (orig->irq_mask_ack)
		a->chip.irq_mask_ack = hirq_ad_mask_ack;
	if (orig->irq_disable)
		a->chip.irq_disable = hirq_ad_disable;
	if (orig->irq_enable)
		a->chip.irq_enable = hirq_ad_enable;
	if (assist) {
		a->assisted = true;
		a->chip.irq_ack = hirq_as_ack;
		if (orig->irq_set_affinity)
			a->chip.irq_set_affinity = hirq_as_set_affinity;
	}
	list_add_tail(&a->node, &hirq_adopted);
	irq_set_chip(irq, &a->chip);
	return 0;
}

/*
 * Adopts @pdev's vectors: stock pirqs in place, LAPIC vectors moved onto
 * event channels where Xen offers HVM pirqs; device lock, hirq_lock
 * held.  Without HVM pirqs a device on the LAPIC is left alone, and the
 * devices file says why.
 */
static int hirq_adopt_dev(struct pci_dev *pdev)
{
	struct device *dev = &pdev->dev;
	struct msi_desc *desc;
	unsigned int k, n;
	int ret = 0;

	hirq_release_dev(pdev, false);
	if (!dev->msi.data || !(pdev->msi_enabled || pdev->msix_enabled))
		return 0;
	msi_lock_descs(dev);
	msi_for_each_desc(desc, dev, MSI_DESC_ASSOCIATED) {
		n = desc->pci.msi_attrib.is_msix ? 1 : desc->nvec_used;
		for (k = 0; k < n && !ret; k++)
			ret = hirq_adopt_vec(pdev, desc->irq + k);
	}
	msi_unlock_descs(dev);
	if (ret)
		hirq_release_dev(pdev, true);
	return ret;
}

/* Brings @pdev in line with the policy; device lock held. */
static void hirq_apply(struct pci_dev *pdev)
{
	int ret;

	mutex_lock(&hirq_lock);
	if (hirq_live && hirq_wanted(pdev)) {
		ret = hirq_adopt_dev(pdev);
		if (ret)
			pci_warn(pdev, "hybrid-irq: not adopted: %d\n", ret);
	} else {
		hirq_release_dev(pdev, true);
	}
	mutex_unlock(&hirq_lock);
}

static void hirq_apply_all(void)
{
	struct pci_dev *pdev = NULL;

	for_each_pci_dev(pdev) {
		device_lock(&pdev->dev);
		hirq_apply(pdev);
		device_unlock(&pdev->dev);
	}
}

/* Gives back every adopted vector. */
static void hirq_release_all(void)
{
	struct pci_dev *pdev;
	struct hirq_adopt *a;

	for (;;) {
		mutex_lock(&hirq_lock);
		a = list_first_entry_or_null(&hirq_adopted, struct hirq_adopt,
					     node);
		pdev = a ? pci_dev_get(a->pdev) : NULL;
		mutex_unlock(&hirq_lock);
		if (!pdev)
			return;
		device_lock(&pdev->dev);
		mutex_lock(&hirq_lock);
		hirq_release_dev(pdev, true);
		mutex_unlock(&hirq_lock);
		device_unlock(&pdev->dev);
		pci_dev_put(pdev);
	}
}

/*
 * The adopt and exclude parameters: "all" (adopt only) or PCI names such
 * as 0000:00:04.0, separated by commas or spaces.  Writing one in sysfs
 * applies the policy at once.
 */
static int hirq_param_set(const char *val, const struct kernel_param *kp)
{
	char buf[HIRQ_POLICY_MAX];
	bool live;
	char *s;

	if (strscpy(buf, val, sizeof(buf)) < 0)
		return -ENOSPC;
	s = strim(buf);
	if (!hybrid_dev_list_valid(s, kp->arg == hirq_adopt_list))
		return -EINVAL;

	mutex_lock(&hirq_lock);
	strscpy(kp->arg, s, HIRQ_POLICY_MAX);
	live = hirq_live;
	mutex_unlock(&hirq_lock);
	/* At load, before init, the policy is only stored. */
	if (live)
		hirq_apply_all();
	return 0;
}

static int hirq_param_get(char *buf, const struct kernel_param *kp)
{
	int n;

	mutex_lock(&hirq_lock);
	n = sysfs_emit(buf, "%s\n", (char *)kp->arg);
	mutex_unlock(&hirq_lock);
	return n;
}

static const struct kernel_param_ops hirq_param_ops = {
	.set = hirq_param_set,
	.get = hirq_param_get,
};

module_param_cb(adopt, &hirq_param_ops, hirq_adopt_list, 0644);
MODULE_PARM_DESC(adopt, "PCI devices whose MSI vectors hybrid-irq adopts: \"all\" or names like 0000:00:04.0");
module_param_cb(exclude, &hirq_param_ops, hirq_exclude_list, 0644);
MODULE_PARM_DESC(exclude, "PCI devices never adopted, even with adopt=all");

/*
 * The assist parameter: whether adopted LAPIC vectors take the assisted
 * EOI where Xen offers it (the default) or, off, move onto event channels
 * where Xen offers HVM pirqs.  Changing it in sysfs gives every vector
 * back and adopts again.
 */
static int hirq_assist_param_set(const char *val,
				 const struct kernel_param *kp)
{
	bool on, live;
	int ret;

	ret = kstrtobool(val, &on);
	if (ret)
		return ret;
	mutex_lock(&hirq_lock);
	live = hirq_live && on != hirq_assist_on;
	hirq_assist_on = on;
	mutex_unlock(&hirq_lock);
	if (live) {
		hirq_release_all();
		hirq_apply_all();
	}
	return 0;
}

static int hirq_assist_param_get(char *buf, const struct kernel_param *kp)
{
	bool on;

	mutex_lock(&hirq_lock);
	on = hirq_assist_on;
	mutex_unlock(&hirq_lock);
	return sysfs_emit(buf, "%c\n", on ? 'Y' : 'N');
}

static const struct kernel_param_ops hirq_assist_param_ops = {
	.set = hirq_assist_param_set,
	.get = hirq_assist_param_get,
};

module_param_cb(assist, &hirq_assist_param_ops, NULL, 0644);
MODULE_PARM_DESC(assist, "Adopted LAPIC vectors have their EOIs elided by Xen's APIC assist where offered (viridian); N moves them onto event channels instead");

/* Drivers binding and unbinding: adopt after probe, give back before remove. */
static int hirq_bus_notify(struct notifier_block *nb, unsigned long action,
			   void *data)
{
	struct pci_dev *pdev = to_pci_dev(data);

	/* The driver core holds the device lock for these. */
	switch (action) {
	case BUS_NOTIFY_BOUND_DRIVER:
		hirq_apply(pdev);
		break;
	case BUS_NOTIFY_UNBIND_DRIVER:
	case BUS_NOTIFY_UNBOUND_DRIVER:
		mutex_lock(&hirq_lock);
		hirq_release_dev(pdev, true);
		mutex_unlock(&hirq_lock);
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block hirq_bus_nb = {
	.notifier_call = hirq_bus_notify,
};

/*
 * Around a suspend (save/restore, live migration) drivers free their
 * vectors and allocate new ones (e1000e does, in freeze and thaw).  A
 * device of our own gives every vector back in .prepare, before any
 * driver freezes, and adopts again in .complete, after every driver has
 * resumed.
 */
static int hirq_pm_prepare(struct device *dev)
{
	mutex_lock(&hirq_lock);
	hirq_suspending = true;
	mutex_unlock(&hirq_lock);
	hirq_release_all();
	return 0;
}

/* Is @irq one of @pdev's vectors?  Device lock and MSI lock held. */
static bool hirq_dev_has_irq(struct pci_dev *pdev, unsigned int irq)
{
	struct msi_desc *desc;

	msi_for_each_desc(desc, &pdev->dev, MSI_DESC_ASSOCIATED) {
		if (irq >= desc->irq && irq < desc->irq + desc->nvec_used)
			return true;
	}
	return false;
}

/*
 * Sends once more what was given back in .prepare, where the vector is
 * still the device's and has a handler: drivers that free their vectors
 * in freeze have new ones, and their handlers run once without cause.
 */
static void hirq_resend_later(void)
{
	struct hirq_later *l, *tmp;
	struct irq_data *d;
	struct device *dev;
	LIST_HEAD(todo);

	mutex_lock(&hirq_lock);
	hirq_suspending = false;
	list_splice_init(&hirq_resends, &todo);
	mutex_unlock(&hirq_lock);

	list_for_each_entry_safe(l, tmp, &todo, node) {
		dev = &l->pdev->dev;
		device_lock(dev);
		if (dev->msi.data) {
			msi_lock_descs(dev);
			d = irq_get_irq_data(l->irq);
			if (hirq_dev_has_irq(l->pdev, l->irq) &&
			    irq_has_action(l->irq) && d)
				irq_chip_retrigger_hierarchy(d);
			msi_unlock_descs(dev);
		}
		device_unlock(dev);
		list_del(&l->node);
		pci_dev_put(l->pdev);
		kfree(l);
	}
}

static void hirq_pm_complete(struct device *dev)
{
	hirq_resend_later();
	hirq_assist_resume();
	hirq_apply_all();
}

static const struct dev_pm_ops hirq_pm_ops = {
	.prepare = hirq_pm_prepare,
	.complete = hirq_pm_complete,
};

static struct platform_driver hirq_pm_driver = {
	.driver = {
		.name = "hybrid-irq",
		.pm = &hirq_pm_ops,
	},
};

static struct platform_device *hirq_pm_dev;

static void hirq_show_vec(struct pci_dev *pdev, const struct hirq_vec *v,
			  void *arg)
{
	struct seq_file *m = arg;

	seq_printf(m, "%u %s %s %u %s %s ", v->irq, pci_name(pdev),
		   v->msix ? "msix" : "msi", v->entry,
		   hirq_delivery_name(v->delivery), v->chip);
	if (v->pirq)
		seq_printf(m, "%u - ", v->pirq);
	else if (v->vector)
		seq_printf(m, "- 0x%02x/%u ", v->vector, v->dest);
	else
		seq_puts(m, "- - ");
	seq_printf(m, "%llu ", v->count);
	if (v->delivery != HIRQ_STOCK_PIRQ && v->delivery != HIRQ_EVTCHN)
		seq_puts(m, "- ");
	else if (v->eoi_rc == -EINVAL)
		seq_puts(m, "unmapped ");
	else if (v->eoi_rc)
		seq_printf(m, "error(%d) ", v->eoi_rc);
	else
		seq_printf(m, "%s ", v->xen_needs_eoi ? "needs-eoi" : "no-eoi");
	if (v->adopted)
		seq_printf(m, "adopted %llu %llu %llu %llu %llu\n", v->since,
			   v->eois, v->masks, v->unmasks, v->elided);
	else
		seq_puts(m, "- - - - - -\n");
}

static int hirq_irqs_show(struct seq_file *m, void *unused)
{
	struct hirq_walk w = { .fn = hirq_show_vec, .arg = m };
	struct pci_dev *pdev = NULL;

	seq_puts(m, "# irq device kind entry delivery chip pirq vector/apic count xen_eoi_query hybrid since eois masks unmasks elided\n");
	for_each_pci_dev(pdev)
		hirq_walk_vecs(pdev, &w);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(hirq_irqs);

#define HIRQ_NO_PIRQS	"stays on the LAPIC: Xen offers this domain no HVM pirqs"
#define HIRQ_PIRQ_HINT	"hvm_pirq = 1 in its xl.cfg allows them (Xen 4.19 and later)"
#define HIRQ_ON_LAPIC	"on the LAPIC, Xen offers HVM pirqs"
#define HIRQ_MOVABLE	"adopt moves it onto event channels"
#define HIRQ_NO_ASSIST	"no APIC assist either"
#define HIRQ_ASSIST_OFF	"the APIC assist is turned off (assist=N)"
#define HIRQ_APIC_VIRT	"stays on the LAPIC: Xen virtualizes the APIC, its EOIs cost no exit"
#define HIRQ_ASSISTABLE	"on the LAPIC, Xen offers the APIC assist; adopt elides its EOIs"

/* Why a device's vectors are where they are, and whether they could move. */
static const char *hirq_reason(enum hirq_delivery where,
			       const struct hybrid_info *hi)
{
	bool ready = hirq_assist_ready(), on;

	mutex_lock(&hirq_lock);
	on = hirq_assist_on;
	mutex_unlock(&hirq_lock);

	switch (where) {
	case HIRQ_STOCK_PIRQ:
		return "on pirq event channels, bound by Linux at boot";
	case HIRQ_EVTCHN:
		return "on pirq event channels, moved there by hybrid-irq";
	case HIRQ_ASSIST:
		return "on the LAPIC, its EOIs elided by Xen's APIC assist";
	case HIRQ_LAPIC:
		if (HYBRID_APIC_VIRT(hi))
			return HIRQ_APIC_VIRT;
		if (ready && on)
			return HIRQ_ASSISTABLE;
		if (!hi->hvm_pirqs && ready)
			return HIRQ_NO_PIRQS "; " HIRQ_PIRQ_HINT "; " HIRQ_ASSIST_OFF;
		if (!hi->hvm_pirqs)
			return HIRQ_NO_PIRQS "; " HIRQ_PIRQ_HINT "; " HIRQ_NO_ASSIST;
		return HIRQ_ON_LAPIC "; " HIRQ_MOVABLE;
	case HIRQ_MIXED:
		return "vectors of several kinds; left alone";
	default:
		return "a message hybrid does not recognise; left alone";
	}
}

struct hirq_dev_sum {
	unsigned int vecs;
	unsigned int adopted;
};

static void hirq_count_vec(struct pci_dev *pdev, const struct hirq_vec *v,
			   void *arg)
{
	struct hirq_dev_sum *sum = arg;

	sum->vecs++;
	sum->adopted += v->adopted;
}

static const char *hirq_control(struct pci_dev *pdev,
				const struct hirq_dev_sum *sum)
{
	bool excluded, wanted;

	if (sum->adopted == sum->vecs)
		return "adopted";
	if (sum->adopted)
		return "partly-adopted";
	mutex_lock(&hirq_lock);
	excluded = hirq_excluded(pdev);
	wanted = hirq_wanted(pdev);
	mutex_unlock(&hirq_lock);
	if (excluded)
		return "excluded";
	return wanted ? "left-alone" : "-";
}

static int hirq_devices_show(struct seq_file *m, void *unused)
{
	struct hirq_walk w = { .fn = hirq_count_vec };
	struct pci_dev *pdev = NULL;
	struct hirq_dev_sum sum;
	struct hybrid_info hi;

	hybrid_get_info(&hi);
	seq_puts(m, "# device driver kind vectors delivery hybrid reason\n");
	for_each_pci_dev(pdev) {
		memset(&sum, 0, sizeof(sum));
		w.arg = &sum;
		hirq_walk_vecs(pdev, &w);
		if (w.all == HIRQ_NONE)
			continue;
		seq_printf(m, "%s %s %s %u %s %s %s\n", pci_name(pdev),
			   pdev->driver ? pdev->driver->name : "-",
			   pdev->msix_enabled ? "msix" : "msi", sum.vecs,
			   hirq_delivery_name(w.all), hirq_control(pdev, &sum),
			   hirq_reason(w.all, &hi));
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(hirq_devices);

/*
 * maskbench: "IRQ COUNT" written masks and unmasks one of the inventory's
 * vectors COUNT times through the kernel's own interface, disable_irq()
 * and enable_irq(), with lazy disabling off meanwhile so that each call
 * reaches the irq_chip: an MSI-X table write on the LAPIC path, an
 * event-channel mask bit on the pirq path.  Reading gives "IRQ COUNT NS"
 * of the last run.  The hypervisor's trace counts the exits.
 */
#define HIRQ_BENCH_MAX	100000

struct hirq_bench {
	unsigned int irq;
	unsigned int count;
	bool found;
	u64 ns;
};

static DEFINE_MUTEX(hirq_bench_lock);	/* one run at a time; protects last */
static struct hirq_bench hirq_bench_last;

/* Runs with the device's driver and MSI descriptors held still. */
static void hirq_bench_vec(struct pci_dev *pdev, const struct hirq_vec *v,
			   void *arg)
{
	struct hirq_bench *b = arg;
	unsigned int i;
	bool unlazy;
	u64 t0;

	if (v->irq != b->irq || b->found || !irq_has_action(v->irq))
		return;
	b->found = true;
	unlazy = hirq_unlazy_begin(v->irq);
	t0 = ktime_get_ns();
	for (i = 0; i < b->count; i++) {
		disable_irq(v->irq);
		enable_irq(v->irq);
	}
	b->ns = ktime_get_ns() - t0;
	hirq_unlazy_end(v->irq, unlazy);
}

static ssize_t hirq_bench_write(struct file *file, const char __user *ubuf,
				size_t len, loff_t *ppos)
{
	struct hirq_bench b = { };
	struct hirq_walk w = { .fn = hirq_bench_vec, .arg = &b };
	struct pci_dev *pdev = NULL;
	char buf[32];

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	if (sscanf(buf, "%u %u", &b.irq, &b.count) != 2 ||
	    b.count > HIRQ_BENCH_MAX)
		return -EINVAL;

	mutex_lock(&hirq_bench_lock);
	for_each_pci_dev(pdev) {
		hirq_walk_vecs(pdev, &w);
		if (b.found) {
			pci_dev_put(pdev);
			break;
		}
	}
	if (b.found)
		hirq_bench_last = b;
	mutex_unlock(&hirq_bench_lock);
	/* only an MSI/MSI-X vector with a handler */
	return b.found ? len : -ENOENT;
}

static int hirq_bench_show(struct seq_file *m, void *unused)
{
	mutex_lock(&hirq_bench_lock);
	seq_printf(m, "%u %u %llu\n", hirq_bench_last.irq,
		   hirq_bench_last.count, hirq_bench_last.ns);
	mutex_unlock(&hirq_bench_lock);
	return 0;
}

static int hirq_bench_open(struct inode *inode, struct file *file)
{
	return single_open(file, hirq_bench_show, NULL);
}

static const struct file_operations hirq_bench_fops = {
	.owner = THIS_MODULE,
	.open = hirq_bench_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
	.write = hirq_bench_write,
};

static int hirq_assist_debugfs_show(struct seq_file *m, void *unused)
{
	hirq_assist_show(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(hirq_assist_debugfs);

/* /sys/hypervisor/hybrid/apic_assist, while hybrid-irq is loaded. */
static ssize_t apic_assist_show(struct kobject *kobj,
				struct kobj_attribute *attr, char *buf)
{
	const char *why = hirq_assist_why_not();

	if (why)
		return sysfs_emit(buf, "off: %s\n", why);
	return sysfs_emit(buf, "registered %u/%u vCPUs\n",
			  hirq_assist_registered(), num_online_cpus());
}

static struct kobj_attribute hirq_apic_assist_attr = __ATTR_RO(apic_assist);

static int __init hybrid_irq_init(void)
{
	struct hirq_walk w = { };
	struct pci_dev *pdev = NULL;
	struct hybrid_info hi;
	int ret;

	ret = hirq_assist_init();
	if (ret)
		return ret;
	hybrid_get_info(&hi);
	for_each_pci_dev(pdev) {
		hirq_walk_vecs(pdev, &w);
		if (w.all == HIRQ_LAPIC || w.all == HIRQ_MIXED ||
		    w.all == HIRQ_OTHER)
			pci_info(pdev, "hybrid-irq: MSI%s %s\n",
				 pdev->msix_enabled ? "-X" : "",
				 hirq_reason(w.all, &hi));
	}

	ret = sysfs_create_file(hybrid_sysfs_dir(), &hirq_apic_assist_attr.attr);
	if (ret)
		goto err_assist;
	ret = platform_driver_register(&hirq_pm_driver);
	if (ret)
		goto err_sysfs;
	hirq_pm_dev = platform_device_register_simple("hybrid-irq",
						      PLATFORM_DEVID_NONE,
						      NULL, 0);
	if (IS_ERR(hirq_pm_dev)) {
		ret = PTR_ERR(hirq_pm_dev);
		goto err_driver;
	}
	ret = bus_register_notifier(&pci_bus_type, &hirq_bus_nb);
	if (ret)
		goto err_device;

	mutex_lock(&hirq_lock);
	hirq_live = true;
	mutex_unlock(&hirq_lock);
	hirq_apply_all();

	hirq_debugfs = debugfs_create_dir("hybrid-irq", NULL);
	debugfs_create_file("irqs", 0400, hirq_debugfs, NULL, &hirq_irqs_fops);
	debugfs_create_file("devices", 0400, hirq_debugfs, NULL,
			    &hirq_devices_fops);
	debugfs_create_file("maskbench", 0600, hirq_debugfs, NULL,
			    &hirq_bench_fops);
	debugfs_create_file("assist", 0400, hirq_debugfs, NULL,
			    &hirq_assist_debugfs_fops);
	return 0;

err_device:
	platform_device_unregister(hirq_pm_dev);
err_driver:
	platform_driver_unregister(&hirq_pm_driver);
err_sysfs:
	sysfs_remove_file(hybrid_sysfs_dir(), &hirq_apic_assist_attr.attr);
err_assist:
	hirq_assist_exit();
	return ret;
}
module_init(hybrid_irq_init);

static void __exit hybrid_irq_exit(void)
{
	debugfs_remove_recursive(hirq_debugfs);
	mutex_lock(&hirq_lock);
	hirq_live = false;
	mutex_unlock(&hirq_lock);
	bus_unregister_notifier(&pci_bus_type, &hirq_bus_nb);
	platform_device_unregister(hirq_pm_dev);
	platform_driver_unregister(&hirq_pm_driver);
	hirq_resend_later();
	hirq_release_all();
	sysfs_remove_file(hybrid_sysfs_dir(), &hirq_apic_assist_attr.attr);
	hirq_assist_exit();
}
module_exit(hybrid_irq_exit);

/* Load with the core on Xen HVM guests. */
HYBRID_PLATFORM_ALIAS();

MODULE_DESCRIPTION("Hybrid HVM: the interrupt path of Xen HVM guests");
MODULE_LICENSE("GPL");
