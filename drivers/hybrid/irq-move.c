// SPDX-License-Identifier: GPL-2.0
/*
 * hybrid-irq: moving a LAPIC vector onto an event channel of its own, in
 * a domain where Xen offers HVM pirqs, and giving it back.
 */

#include <linux/cpumask.h>
#include <linux/device.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/irq_work.h>
#include <linux/irqdesc.h>
#include <linux/msi.h>
#include <linux/pci.h>
#include <linux/percpu.h>
#include <linux/workqueue.h>

#include <asm/xen/hypercall.h>

#include <xen/events.h>
#include <xen/interface/event_channel.h>
#include <xen/interface/physdev.h>
#include <xen/interface/xen.h>
#include <xen/hybrid.h>

#include "compat/compat.h"
#include "hybrid-irq.h"

/* The name of a moved vector's irq_chip, in /proc/interrupts. */
#define HIRQ_MOVED_CHIP	"xen-hybrid"

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
int hirq_move_vec(struct hirq_adopt *a, struct irq_desc *desc)
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
 * Gives a moved vector back to the LAPIC; device lock, hirq_lock and MSI
 * lock held.  The IRQ is disabled (its event channel masked), the device's
 * entry masked, its LAPIC message and the original chip and flow put
 * back, the event channel closed, and the IRQ enabled (which unmasks the
 * entry).  An event still pending on the closed channel would be lost, so
 * the vector is sent once more on the LAPIC (hirq_resend()): at worst the
 * driver's handler runs once without cause, and no interrupt goes missing.
 */
void hirq_unmove_vec(struct hirq_adopt *a)
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
void hirq_unbind_gone(struct hirq_adopt *a)
{
	cancel_work_sync(&a->mv_aff);
	unbind_from_irqhandler(a->evirq, a);
	irq_work_sync(&a->mv_replay);
	hirq_pirq_release(a->pirq);
}

/*
 * A LAPIC vector hybrid-irq can move: Xen offers HVM pirqs, the message
 * names a LAPIC vector, and the driver has a handler on it (the move
 * unmasks the device's entry, which must not be masked for a reason).
 */
bool hirq_movable(struct irq_data *d, const struct irq_chip *orig)
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
