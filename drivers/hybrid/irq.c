// SPDX-License-Identifier: GPL-2.0
/*
 * hybrid-irq: the interrupt path of a Xen HVM guest, device by device.
 *
 * The inventory (irq-inv.c) reports, for every MSI and MSI-X vector of
 * every PCI device, how the interrupt reaches the guest now, and the
 * devices file says whether each device could take another path, and if
 * not, why (irq-debugfs.c).
 *
 * This part adopts the devices the operator names (the adopt and exclude
 * parameters, at load time or in sysfs), each vector on the path the
 * policy picks from what Xen offers (hybrid_irq_policy(), irq-msg.c).
 * Vectors Linux put on pirq event channels are adopted in place: each
 * gets a copy of its irq_chip that counts completions, masks and unmasks
 * and hands each call on to the original, so the interrupt path stays
 * exactly Linux's.  Vectors on the LAPIC keep it with their EOIs elided
 * where Xen offers the APIC assist (irq-assist.c), are moved onto an
 * event channel of their own where Xen offers HVM pirqs (irq-move.c),
 * and are left alone otherwise.  Adoption is undone on unload, when the
 * device's driver unbinds, and around a suspend, after which it is done
 * again.  See docs/interrupts.md.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/irq.h>
#include <linux/irqdesc.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/msi.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include <xen/hybrid.h>

#include "compat/compat.h"
#include "irq-assist.h"
#include "hybrid-irq.h"

/* The name of the irq_chip Linux gives its HVM pirqs (events_base.c). */
#define XEN_PIRQ_CHIP	"xen-pirq"

/*
 * hirq_lock protects hirq_adopted, the policy, hirq_live, hirq_suspending
 * and hirq_resends.  It nests inside the device lock and outside the
 * device's MSI descriptor lock; an interrupt's chip is swapped only with
 * all three held, so a walk holding them sees either no adoption or a
 * live one.
 */
DEFINE_MUTEX(hirq_lock);
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

/* The adoption whose chip @chip is, if any; under hirq_lock. */
struct hirq_adopt *hirq_find(const struct irq_chip *chip)
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
bool hirq_pirq_chip(const struct irq_chip *chip)
{
	return chip && chip->name && !strcmp(chip->name, XEN_PIRQ_CHIP);
}

/*
 * Adoption.  An adopted vector's chip is a copy of its own with these
 * callbacks in place of the ones the original has; each counts and calls
 * the original's.  Only vectors on Linux's edge flow are adopted (every
 * MSI on x86): handle_edge_irq() reads the chip afresh under the
 * descriptor's lock for each call, so a callback here always finds its
 * adoption through the interrupt's current chip.
 */
struct hirq_adopt *hirq_ad(struct irq_data *d)
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
 * Lazy disabling off around a change that must reach the irq_chip, the
 * driver's own IRQ_DISABLE_UNLAZY kept: hirq_unlazy_end() clears the flag
 * only if hirq_unlazy_begin() set it.
 */
bool hirq_unlazy_begin(unsigned int irq)
{
	bool was = irq_check_status_bit(irq, IRQ_DISABLE_UNLAZY);

	if (!was)
		irq_set_status_flags(irq, IRQ_DISABLE_UNLAZY);
	return was;
}

void hirq_unlazy_end(unsigned int irq, bool was)
{
	if (!was)
		irq_clear_status_flags(irq, IRQ_DISABLE_UNLAZY);
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
void hirq_resend(struct hirq_adopt *a, struct irq_data *d)
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

/* The device's adopt/exclude policy; under hirq_lock. */
#define HIRQ_POLICY_MAX	256
static char hirq_adopt_list[HIRQ_POLICY_MAX];
static char hirq_exclude_list[HIRQ_POLICY_MAX];

bool hirq_excluded(struct pci_dev *pdev)
{
	return hybrid_dev_list_has(hirq_exclude_list, pci_name(pdev), false);
}

bool hirq_wanted(struct pci_dev *pdev)
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

/* Use the APIC assist (writable in sysfs); under hirq_lock. */
bool hirq_assist_on = true;

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

	hirq_debugfs_init();
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
	hirq_debugfs_exit();
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

