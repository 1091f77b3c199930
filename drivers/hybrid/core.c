// SPDX-License-Identifier: GPL-2.0
/*
 * hybrid core: binds to a Xen HVM (or PVH) domain at load time, discovers
 * what the hypervisor offers and publishes it under /sys/hypervisor/hybrid/
 * for operators and for the capability drivers that load on top of it.
 *
 * Anywhere else (bare metal, another hypervisor, a Xen PV domain) loading
 * fails with -ENODEV and one line saying why.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/platform_device.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/workqueue.h>

#include <asm/xen/hypercall.h>
#include <asm/xen/hypervisor.h>

#include <xen/events.h>
#include <xen/features.h>
#include <xen/hvm.h>
#include <xen/xen.h>
#include <xen/xen-ops.h>
#include <xen/xenbus.h>
#include <xen/interface/hvm/params.h>
#include <xen/interface/physdev.h>
#include <xen/interface/version.h>
#include <xen/hybrid.h>

#include "compat/compat.h"
#include "hvmfeat.h"

#define HYBRID_DOMID_UNKNOWN	0x7ff4	/* DOMID_INVALID */
#define HYBRID_HV_CPUID_BASE	0x40000000	/* Hyper-V's leaves */

static DEFINE_MUTEX(info_lock);	/* protects info and info_before */
static struct hybrid_info info;
static struct hybrid_info info_before;	/* as it was before the last resume */
static atomic_t info_stale = ATOMIC_INIT(0);
static struct kobject *hybrid_kobj;

/* Returns the reason this is no place to bind, or NULL if it is. */
static const char *hybrid_unsupported(void)
{
	if (!xen_domain())
		return "not running on Xen";
	if (xen_pv_domain())
		return "this is a Xen PV domain; hybrid serves HVM and PVH domains";
	if (!xen_hvm_domain())
		return "unknown Xen domain type";
	return NULL;
}

/*
 * With viridian on, Xen answers CPUID 0x40000000 as Hyper-V does and moves
 * its own leaves up (Linux finds them there still).  Bit 4 of leaf
 * 0x40000003's EAX (AccessIntrCtrlRegs) offers the APIC MSRs, the VP assist
 * page among them; Xen sets it for every viridian domain.
 */
static bool hybrid_viridian_apic(u32 xen_base)
{
	u32 eax, ebx, ecx, edx;

	if (xen_base <= HYBRID_HV_CPUID_BASE)
		return false;
	cpuid(HYBRID_HV_CPUID_BASE, &eax, &ebx, &ecx, &edx);
	if (ebx != 0x7263694d || ecx != 0x666f736f || edx != 0x76482074 ||
	    eax < HYBRID_HV_CPUID_BASE + 3)
		return false;	/* not "Microsoft Hv" */
	return cpuid_eax(HYBRID_HV_CPUID_BASE + 3) & BIT(4);
}

/*
 * Asks the hypervisor what it offers.  Runs at load and after every resume:
 * a restored or migrated domain may find another Xen and another domid.
 * Only a Xen that does not put the domid in its CPUID leaf makes it ask
 * xenstore, and only if @xenstore allows; else the domid stays unknown.
 */
static void hybrid_discover(struct hybrid_info *hi, bool xenstore)
{
	struct xen_extraversion extra;
	u32 base, eax, ebx, ecx, edx;
	unsigned int domid;
	int version;

	memset(hi, 0, sizeof(*hi));
	hi->pvh = xen_pvh_domain();

	version = HYPERVISOR_xen_version(XENVER_version, NULL);
	hi->xen_major = version >> 16;
	hi->xen_minor = version & 0xffff;
	memset(&extra, 0, sizeof(extra));
	if (HYPERVISOR_xen_version(XENVER_extraversion, &extra) == 0)
		strscpy(hi->xen_extra, extra.extraversion,
			sizeof(hi->xen_extra));

	hi->domid = HYBRID_DOMID_UNKNOWN;
	base = xen_cpuid_base();
	if (base && cpuid_eax(base) >= base + 4) {
		hi->hvm_leaf = base + 4;
		cpuid(hi->hvm_leaf, &eax, &ebx, &ecx, &edx);
		hi->hvm_flags = eax;
		if (eax & XEN_HVM_CPUID_DOMID_PRESENT)
			hi->domid = ecx & 0xffff;
	}
	if (hi->domid == HYBRID_DOMID_UNKNOWN && xenstore &&
	    xenbus_scanf(XBT_NIL, "", "domid", "%u", &domid) == 1)
		hi->domid = domid;

	hi->hvm_pirqs = xen_feature(XENFEAT_hvm_pirqs);
	hi->viridian_apic = hybrid_viridian_apic(base);
	hi->callback = hybrid_callback_mode(xen_have_vector_callback,
					    hybrid_percpu_upcall());
}

/**
 * hybrid_get_info - what the hypervisor offers, as last discovered
 * @hi: filled with a copy
 */
void hybrid_get_info(struct hybrid_info *hi)
{
	mutex_lock(&info_lock);
	*hi = info;
	mutex_unlock(&info_lock);
}
EXPORT_SYMBOL_GPL(hybrid_get_info);

/**
 * hybrid_refresh_info - what changed at the last resume
 * @before: filled with what was true before the domain last resumed
 * @after: filled with what is true now
 *
 * Discovers again if the domain resumed since the last discovery; every
 * caller after the same resume gets the same answer.  Sleeps (xenstore may
 * be asked, and waits until it has resumed).
 */
void hybrid_refresh_info(struct hybrid_info *before, struct hybrid_info *after)
{
	mutex_lock(&info_lock);
	if (atomic_xchg(&info_stale, 0)) {
		info_before = info;
		hybrid_discover(&info, true);
	}
	*before = info_before;
	*after = info;
	mutex_unlock(&info_lock);
}
EXPORT_SYMBOL_GPL(hybrid_refresh_info);

/**
 * hybrid_refresh_info_early - hybrid_refresh_info() without xenstore
 * @before: as for hybrid_refresh_info()
 * @after: as for hybrid_refresh_info()
 *
 * For Xen resume notifiers registered after the core's, which run before
 * xenstore is back and before processes are thawed.  Hypercalls and CPUID
 * tell everything but, on a Xen that does not put it in CPUID, the domid:
 * then nothing is refreshed and -EAGAIN says to call hybrid_refresh_info()
 * later, from a context that may wait for xenstore.  May sleep.
 *
 * Return: 0 if @before and @after are filled in.
 */
int hybrid_refresh_info_early(struct hybrid_info *before,
			      struct hybrid_info *after)
{
	struct hybrid_info hi;
	int err = 0;

	mutex_lock(&info_lock);
	if (atomic_read(&info_stale)) {
		hybrid_discover(&hi, false);
		if (hi.domid == HYBRID_DOMID_UNKNOWN) {
			err = -EAGAIN;
			goto out;
		}
		atomic_set(&info_stale, 0);
		info_before = info;
		info = hi;
	}
	*before = info_before;
	*after = info;
out:
	mutex_unlock(&info_lock);
	return err;
}
EXPORT_SYMBOL_GPL(hybrid_refresh_info_early);

static void hybrid_refresh_fn(struct work_struct *work)
{
	struct hybrid_info before, after;

	hybrid_refresh_info(&before, &after);
	if (before.domid != after.domid ||
	    before.xen_major != after.xen_major ||
	    before.xen_minor != after.xen_minor)
		pr_info("resumed as domain %u on Xen %u.%u%s (was domain %u on Xen %u.%u)\n",
			after.domid, after.xen_major, after.xen_minor,
			after.xen_extra, before.domid, before.xen_major,
			before.xen_minor);
}

static DECLARE_WORK(hybrid_refresh_work, hybrid_refresh_fn);

/*
 * MSI pirqs.  Xen never frees an MSI pirq it handed an HVM domain
 * (PHYSDEVOP_unmap_pirq on DOMID_SELF only unmaps the emulated IRQ), so
 * the pirqs hybrid-irq takes for the vectors it moves come back here when
 * it gives them back, and go out again before Xen is asked for more.  The
 * pool lives in the core so that it outlasts hybrid-irq's reloads, and it
 * is emptied when the domain is restored (save/restore, live migration):
 * the restored domain is a new one, which never handed those pirqs out.
 * A cancelled suspend (xl save -c, a migration that failed) resumes the
 * same domain, whose pirqs are still its own: the pool is kept, or every
 * such resume would leave the pool's pirqs allocated in Xen for good.
 *
 * Only the PM core tells the two apart (drivers/xen/manage.c resumes
 * devices with PMSG_RESTORE or PMSG_THAW; its resume notifier says
 * nothing), hence a platform device of the core's own, whose .restore
 * runs before any driver's .complete, where hybrid-irq moves its vectors
 * again.
 */
#define HYBRID_PIRQ_POOL	64

static DEFINE_SPINLOCK(pirq_lock);
static int pirq_pool[HYBRID_PIRQ_POOL];
static unsigned int pirq_pool_len;

/**
 * hybrid_pirq_get - an MSI pirq of this domain, bound to nothing
 *
 * Returns the pirq, or a negative errno from PHYSDEVOP_get_free_pirq.
 */
int hybrid_pirq_get(void)
{
	struct physdev_get_free_pirq op = { .type = MAP_PIRQ_TYPE_MSI };
	int ret = -1;

	spin_lock(&pirq_lock);
	if (pirq_pool_len)
		ret = pirq_pool[--pirq_pool_len];
	spin_unlock(&pirq_lock);
	if (ret >= 0)
		return ret;

	ret = HYPERVISOR_physdev_op(PHYSDEVOP_get_free_pirq, &op);
	return ret ? ret : op.pirq;
}
EXPORT_SYMBOL_GPL(hybrid_pirq_get);

/**
 * hybrid_pirq_put - give back a pirq from hybrid_pirq_get()
 * @pirq: the pirq, with no event channel bound to it any more
 */
void hybrid_pirq_put(int pirq)
{
	bool kept = false;

	spin_lock(&pirq_lock);
	if (pirq_pool_len < HYBRID_PIRQ_POOL) {
		pirq_pool[pirq_pool_len++] = pirq;
		kept = true;
	}
	spin_unlock(&pirq_lock);
	if (!kept)
		pr_warn_once("MSI pirq pool full: pirq %d stays allocated\n",
			     pirq);
}
EXPORT_SYMBOL_GPL(hybrid_pirq_put);

static int hybrid_pm_restore(struct device *dev)
{
	spin_lock(&pirq_lock);
	pirq_pool_len = 0;
	spin_unlock(&pirq_lock);
	return 0;
}

static const struct dev_pm_ops hybrid_pm_ops = {
	.restore = hybrid_pm_restore,
};

static struct platform_driver hybrid_pm_driver = {
	.driver = {
		.name = "hybrid",
		.pm = &hybrid_pm_ops,
	},
};

static struct platform_device *hybrid_pm_dev;

/*
 * The event callback of a domain that takes Xen's events on the platform
 * PCI device's INTx line (booted with xen_no_vector_callback).  Xen does
 * not save HVM_PARAM_CALLBACK_IRQ with the domain, and the kernel sets it
 * again only in xen-platform-pci's resume_noirq callback, which the PCI
 * core does not call for the PMSG_RESTORE that drivers/xen/manage.c
 * resumes devices with after a restore or a live migration.  Such a
 * domain then never hears from xenstored again and hangs in xs_resume().
 * The resume notifier runs before that, and sets the value read at load.
 * Zero when the domain has a vector callback: the kernel sets it itself.
 */
static u64 intx_via;

static void hybrid_intx_init(void)
{
	u64 via = 0;
	int ret;

	if (info.callback != HYBRID_CALLBACK_INTX)
		return;
	ret = hvm_get_parameter(HVM_PARAM_CALLBACK_IRQ, &via);
	if (ret || !via) {
		pr_warn("cannot read the INTx event callback (%d, via %#llx): it will not be set again after a restore\n",
			ret, via);
		return;
	}
	intx_via = via;
}

static void hybrid_intx_resume(void)
{
	int ret;

	if (!intx_via)
		return;
	ret = xen_set_callback_via(intx_via);
	if (ret)
		pr_err("cannot set the INTx event callback again after resume (via %#llx): %d\n",
		       intx_via, ret);
	else
		pr_info_once("set the INTx event callback again after resume (via %#llx), as after every resume from now on\n",
			     intx_via);
}

/*
 * Called by drivers/xen/manage.c after every resume, before xenstore and
 * devices are back: only note it, and discover again from a work item.
 * The INTx event callback, if any, is set again at once: xenstore needs it.
 */
static int hybrid_resume_notify(struct notifier_block *nb,
				unsigned long action, void *data)
{
	hybrid_intx_resume();
	atomic_set(&info_stale, 1);
	schedule_work(&hybrid_refresh_work);
	return NOTIFY_OK;
}

static struct notifier_block hybrid_resume_nb = {
	.notifier_call = hybrid_resume_notify,
};

static ssize_t mode_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	struct hybrid_info hi;

	hybrid_get_info(&hi);
	return sysfs_emit(buf, "%s\n", hi.pvh ? "pvh" : "hvm");
}

static ssize_t xen_version_show(struct kobject *kobj,
				struct kobj_attribute *attr, char *buf)
{
	struct hybrid_info hi;

	hybrid_get_info(&hi);
	return sysfs_emit(buf, "%u.%u%s\n", hi.xen_major, hi.xen_minor,
			  hi.xen_extra);
}

static ssize_t domid_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	struct hybrid_info hi;

	hybrid_get_info(&hi);
	return sysfs_emit(buf, "%u\n", hi.domid);
}

static ssize_t callback_show(struct kobject *kobj, struct kobj_attribute *attr,
			     char *buf)
{
	struct hybrid_info hi;

	hybrid_get_info(&hi);
	return sysfs_emit(buf, "%s\n", hybrid_callback_name(hi.callback));
}

static ssize_t hvm_pirqs_show(struct kobject *kobj,
			      struct kobj_attribute *attr, char *buf)
{
	struct hybrid_info hi;

	hybrid_get_info(&hi);
	return sysfs_emit(buf, "%d\n", hi.hvm_pirqs);
}

static ssize_t hvm_cpuid_show(struct kobject *kobj,
			      struct kobj_attribute *attr, char *buf)
{
	struct hybrid_info hi;
	char names[128];

	hybrid_get_info(&hi);
	hybrid_hvm_flags_format(hi.hvm_flags, names, sizeof(names));
	return sysfs_emit(buf, "0x%08x %s\n", hi.hvm_flags, names);
}

static ssize_t viridian_show(struct kobject *kobj,
			     struct kobj_attribute *attr, char *buf)
{
	struct hybrid_info hi;

	hybrid_get_info(&hi);
	return sysfs_emit(buf, "%d\n", hi.viridian_apic);
}

static ssize_t apic_virt_show(struct kobject *kobj,
			      struct kobj_attribute *attr, char *buf)
{
	struct hybrid_info hi;

	hybrid_get_info(&hi);
	return sysfs_emit(buf, "%d\n", !!HYBRID_APIC_VIRT(&hi));
}

static struct kobj_attribute mode_attr = __ATTR_RO(mode);
static struct kobj_attribute xen_version_attr = __ATTR_RO(xen_version);
static struct kobj_attribute domid_attr = __ATTR_RO(domid);
static struct kobj_attribute callback_attr = __ATTR_RO(callback);
static struct kobj_attribute hvm_pirqs_attr = __ATTR_RO(hvm_pirqs);
static struct kobj_attribute hvm_cpuid_attr = __ATTR_RO(hvm_cpuid);
static struct kobj_attribute viridian_attr = __ATTR_RO(viridian);
static struct kobj_attribute apic_virt_attr = __ATTR_RO(apic_virt);

static struct attribute *hybrid_attrs[] = {
	&mode_attr.attr,
	&xen_version_attr.attr,
	&domid_attr.attr,
	&callback_attr.attr,
	&hvm_pirqs_attr.attr,
	&hvm_cpuid_attr.attr,
	&viridian_attr.attr,
	&apic_virt_attr.attr,
	NULL,
};

static const struct attribute_group hybrid_attr_group = {
	.attrs = hybrid_attrs,
};

/**
 * hybrid_sysfs_dir - /sys/hypervisor/hybrid, for the capability drivers'
 * own attributes (removed again before they unload)
 */
struct kobject *hybrid_sysfs_dir(void)
{
	return hybrid_kobj;
}
EXPORT_SYMBOL_GPL(hybrid_sysfs_dir);

static int __init hybrid_init(void)
{
	const char *why;
	int err;

	why = hybrid_unsupported();
	if (why) {
		pr_info("%s, not loading\n", why);
		return -ENODEV;
	}

	hybrid_discover(&info, true);
	info_before = info;
	hybrid_intx_init();

	hybrid_kobj = kobject_create_and_add("hybrid", hypervisor_kobj);
	if (!hybrid_kobj)
		return -ENOMEM;

	err = sysfs_create_group(hybrid_kobj, &hybrid_attr_group);
	if (err)
		goto err_kobj;

	err = platform_driver_register(&hybrid_pm_driver);
	if (err)
		goto err_group;
	hybrid_pm_dev = platform_device_register_simple("hybrid",
							PLATFORM_DEVID_NONE,
							NULL, 0);
	if (IS_ERR(hybrid_pm_dev)) {
		err = PTR_ERR(hybrid_pm_dev);
		goto err_driver;
	}

	xen_resume_notifier_register(&hybrid_resume_nb);

	pr_info("bound to Xen %u.%u%s %s domain %u, callback %s, hvm_pirqs %d\n",
		info.xen_major, info.xen_minor, info.xen_extra,
		info.pvh ? "PVH" : "HVM", info.domid,
		hybrid_callback_name(info.callback), info.hvm_pirqs);
	return 0;

err_driver:
	platform_driver_unregister(&hybrid_pm_driver);
err_group:
	sysfs_remove_group(hybrid_kobj, &hybrid_attr_group);
err_kobj:
	kobject_put(hybrid_kobj);
	return err;
}
module_init(hybrid_init);

static void __exit hybrid_exit(void)
{
	xen_resume_notifier_unregister(&hybrid_resume_nb);
	cancel_work_sync(&hybrid_refresh_work);
	platform_device_unregister(hybrid_pm_dev);
	platform_driver_unregister(&hybrid_pm_driver);
	sysfs_remove_group(hybrid_kobj, &hybrid_attr_group);
	kobject_put(hybrid_kobj);
}
module_exit(hybrid_exit);

/* Load automatically on Xen HVM guests. */
HYBRID_PLATFORM_ALIAS();

MODULE_DESCRIPTION("Hybrid HVM: paravirtual services for Xen HVM guests");
MODULE_LICENSE("GPL");
