// SPDX-License-Identifier: GPL-2.0
/*
 * hybrid-irq's inventory: for every MSI and MSI-X vector of a PCI
 * device, how the interrupt reaches the guest now (a vector on the
 * virtual LAPIC, a Xen pirq Linux bound at boot, an event channel
 * hybrid-irq moved it to), how many interrupts it took, and, for a pirq,
 * whether Xen wants PHYSDEVOP_eoi after each.
 */

#include <linux/device.h>
#include <linux/irq.h>
#include <linux/irqdesc.h>
#include <linux/msi.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/string.h>

#include <asm/xen/hypercall.h>

#include <xen/interface/physdev.h>
#include <xen/interface/xen.h>
#include <xen/hybrid.h>

#include "compat/compat.h"
#include "hybrid-irq.h"

u64 hirq_count(struct irq_data *d)
{
	struct irq_desc *desc = irq_data_to_desc(d);
	unsigned int cpu;
	u64 n = 0;

	for_each_possible_cpu(cpu)
		n += irq_desc_kstat_cpu(desc, cpu);
	return n;
}

/* Where the message the device holds for @irq sends it, as Xen reads it. */
void hirq_decode_msg(unsigned int irq, struct hybrid_msi_decoded *dec)
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

const char *hirq_delivery_name(enum hirq_delivery w)
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

/*
 * Calls @w->fn for each MSI/MSI-X vector of @pdev, with the device's
 * driver and its MSI descriptors held still.
 */
void hirq_walk_vecs(struct pci_dev *pdev, struct hirq_walk *w)
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
