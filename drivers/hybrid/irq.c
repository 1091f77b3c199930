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
 * and if not, why.  Nothing is changed.
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
#include <linux/irqdesc.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/msi.h>
#include <linux/pci.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>

#include <asm/xen/hypercall.h>

#include <xen/events.h>
#include <xen/interface/physdev.h>
#include <xen/hybrid.h>

#include "compat/compat.h"
#include "irq-msg.h"

/* The name of the irq_chip Linux gives its HVM pirqs (events_base.c). */
#define XEN_PIRQ_CHIP	"xen-pirq"

enum hirq_delivery {
	HIRQ_NONE,
	HIRQ_LAPIC,		/* vector on the virtual LAPIC */
	HIRQ_STOCK_PIRQ,	/* Linux's own pirq event channel */
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
};

static struct dentry *hirq_debugfs;

static u64 hirq_count(struct irq_data *d)
{
	struct irq_desc *desc = irq_data_to_desc(d);
	unsigned int cpu;
	u64 n = 0;

	for_each_possible_cpu(cpu)
		n += irq_desc_kstat_cpu(desc, cpu);
	return n;
}

/* Looks at one interrupt; false if it went away meanwhile. */
static bool hirq_probe_vec(unsigned int irq, struct hirq_vec *v)
{
	struct physdev_irq_status_query q;
	struct hybrid_msi_decoded dec;
	struct hybrid_msi_raw raw;
	struct hybrid_info hi;
	struct irq_chip *chip;
	struct irq_data *d;
	struct msi_msg msg;

	d = irq_get_irq_data(irq);
	if (!d)
		return false;
	v->irq = irq;
	chip = irq_data_get_irq_chip(d);
	strscpy(v->chip, chip && chip->name ? chip->name : "none",
		sizeof(v->chip));
	v->count = hirq_count(d);

	if (!strcmp(v->chip, XEN_PIRQ_CHIP)) {
		/* Only for Linux's own pirq chip is chip_data a pirq's. */
		v->delivery = HIRQ_STOCK_PIRQ;
		v->pirq = xen_pirq_from_irq(irq);
		memset(&q, 0, sizeof(q));
		q.irq = v->pirq;
		v->eoi_rc = HYPERVISOR_physdev_op(PHYSDEVOP_irq_status_query,
						  &q);
		v->xen_needs_eoi = !v->eoi_rc &&
				   (q.flags & XENIRQSTAT_needs_eoi);
		return true;
	}

	get_cached_msi_msg(irq, &msg);
	raw.address_lo = msg.address_lo;
	raw.address_hi = msg.address_hi;
	raw.data = msg.data;
	hybrid_get_info(&hi);
	hybrid_msi_decode(&raw, hi.hvm_flags & XEN_HVM_CPUID_EXT_DEST_ID, &dec);
	switch (dec.target) {
	case HYBRID_MSI_LAPIC:
		v->delivery = HIRQ_LAPIC;
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
	device_unlock(dev);
}

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
	if (v->delivery != HIRQ_STOCK_PIRQ)
		seq_puts(m, "-\n");
	else if (v->eoi_rc == -EINVAL)
		seq_puts(m, "unmapped\n");
	else if (v->eoi_rc)
		seq_printf(m, "error(%d)\n", v->eoi_rc);
	else
		seq_printf(m, "%s\n", v->xen_needs_eoi ? "needs-eoi" : "no-eoi");
}

static int hirq_irqs_show(struct seq_file *m, void *unused)
{
	struct hirq_walk w = { .fn = hirq_show_vec, .arg = m };
	struct pci_dev *pdev = NULL;

	seq_puts(m, "# irq device kind entry delivery chip pirq vector/apic count xen_eoi_query\n");
	for_each_pci_dev(pdev)
		hirq_walk_vecs(pdev, &w);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(hirq_irqs);

#define HIRQ_NO_PIRQS	"stays on the LAPIC: Xen offers this domain no HVM pirqs"
#define HIRQ_PIRQ_HINT	"hvm_pirq = 1 in its xl.cfg allows them (Xen 4.19 and later)"
#define HIRQ_ON_LAPIC	"on the LAPIC, Xen offers HVM pirqs"
#define HIRQ_NOT_YET	"moving it to event channels is not implemented yet"

/* Why a device's vectors are where they are, and whether they could move. */
static const char *hirq_reason(enum hirq_delivery where,
			       const struct hybrid_info *hi)
{
	switch (where) {
	case HIRQ_STOCK_PIRQ:
		return "on pirq event channels, bound by Linux at boot";
	case HIRQ_LAPIC:
		if (!hi->hvm_pirqs)
			return HIRQ_NO_PIRQS "; " HIRQ_PIRQ_HINT;
		return HIRQ_ON_LAPIC "; " HIRQ_NOT_YET;
	case HIRQ_MIXED:
		return "vectors of several kinds; left alone";
	default:
		return "a message hybrid does not recognise; left alone";
	}
}

static void hirq_count_vec(struct pci_dev *pdev, const struct hirq_vec *v,
			   void *arg)
{
	(*(unsigned int *)arg)++;
}

static int hirq_devices_show(struct seq_file *m, void *unused)
{
	struct hirq_walk w = { .fn = hirq_count_vec };
	struct pci_dev *pdev = NULL;
	struct hybrid_info hi;
	unsigned int n;

	hybrid_get_info(&hi);
	seq_puts(m, "# device driver kind vectors delivery reason\n");
	for_each_pci_dev(pdev) {
		n = 0;
		w.arg = &n;
		hirq_walk_vecs(pdev, &w);
		if (w.all == HIRQ_NONE)
			continue;
		seq_printf(m, "%s %s %s %u %s %s\n", pci_name(pdev),
			   pdev->driver ? pdev->driver->name : "-",
			   pdev->msix_enabled ? "msix" : "msi", n,
			   hirq_delivery_name(w.all), hirq_reason(w.all, &hi));
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
	u64 t0;

	if (v->irq != b->irq || b->found || !irq_has_action(v->irq))
		return;
	b->found = true;
	irq_set_status_flags(v->irq, IRQ_DISABLE_UNLAZY);
	t0 = ktime_get_ns();
	for (i = 0; i < b->count; i++) {
		disable_irq(v->irq);
		enable_irq(v->irq);
	}
	b->ns = ktime_get_ns() - t0;
	irq_clear_status_flags(v->irq, IRQ_DISABLE_UNLAZY);
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

static int __init hybrid_irq_init(void)
{
	struct hirq_walk w = { };
	struct pci_dev *pdev = NULL;
	struct hybrid_info hi;

	hybrid_get_info(&hi);
	for_each_pci_dev(pdev) {
		hirq_walk_vecs(pdev, &w);
		if (w.all == HIRQ_LAPIC || w.all == HIRQ_MIXED ||
		    w.all == HIRQ_OTHER)
			pci_info(pdev, "hybrid-irq: MSI%s %s\n",
				 pdev->msix_enabled ? "-X" : "",
				 hirq_reason(w.all, &hi));
	}

	hirq_debugfs = debugfs_create_dir("hybrid-irq", NULL);
	debugfs_create_file("irqs", 0400, hirq_debugfs, NULL, &hirq_irqs_fops);
	debugfs_create_file("devices", 0400, hirq_debugfs, NULL,
			    &hirq_devices_fops);
	debugfs_create_file("maskbench", 0600, hirq_debugfs, NULL,
			    &hirq_bench_fops);
	return 0;
}
module_init(hybrid_irq_init);

static void __exit hybrid_irq_exit(void)
{
	debugfs_remove_recursive(hirq_debugfs);
}
module_exit(hybrid_irq_exit);

/* Load with the core on Xen HVM guests. */
HYBRID_PLATFORM_ALIAS();

MODULE_DESCRIPTION("Hybrid HVM: the interrupt path of Xen HVM guests");
MODULE_LICENSE("GPL");
