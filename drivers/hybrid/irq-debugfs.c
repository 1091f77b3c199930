// SPDX-License-Identifier: GPL-2.0
/*
 * hybrid-irq's debugfs files: irqs (one line per vector), devices (one
 * line per device, with the reason it is where it is), assist (the VP
 * assist pages) and maskbench, which masks and unmasks one vector many
 * times for counting what that costs in VM exits on each delivery path;
 * docs/interrupts.md.
 */

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/interrupt.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>

#include <xen/hybrid.h>

#include "irq-assist.h"
#include "compat/compat.h"
#include "hybrid-irq.h"

static struct dentry *hirq_debugfs;

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
const char *hirq_reason(enum hirq_delivery where,
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

void hirq_debugfs_init(void)
{
	hirq_debugfs = debugfs_create_dir("hybrid-irq", NULL);
	debugfs_create_file("irqs", 0400, hirq_debugfs, NULL, &hirq_irqs_fops);
	debugfs_create_file("devices", 0400, hirq_debugfs, NULL,
			    &hirq_devices_fops);
	debugfs_create_file("maskbench", 0600, hirq_debugfs, NULL,
			    &hirq_bench_fops);
	debugfs_create_file("assist", 0400, hirq_debugfs, NULL,
			    &hirq_assist_debugfs_fops);
}

void hirq_debugfs_exit(void)
{
	debugfs_remove_recursive(hirq_debugfs);
}
