/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Interface of the hybrid core module (hybrid.ko) to the capability
 * drivers that load on top of it.
 */
#ifndef _XEN_HYBRID_H
#define _XEN_HYBRID_H

#include <linux/types.h>

/*
 * Every hybrid module carries the Xen platform PCI device (vendor 0x5853,
 * device 0x0001) as a module alias, so that udev loads it on Xen HVM
 * guests: the device is there exactly when a domain has a Xen device
 * model.  Needs <linux/module.h> and <linux/pci.h>.
 */
#define HYBRID_PLATFORM_ALIAS()						\
	static const struct pci_device_id hybrid_platform_ids[] = {	\
		{ PCI_DEVICE(0x5853, 0x0001) },				\
		{ }							\
	};								\
	MODULE_DEVICE_TABLE(pci, hybrid_platform_ids)

/* How the kernel receives event-channel upcalls from Xen. */
enum hybrid_callback {
	HYBRID_CALLBACK_INTX,		/* platform PCI device's INTx line */
	HYBRID_CALLBACK_VECTOR,		/* one global callback vector */
	HYBRID_CALLBACK_PERCPU_VECTOR,	/* per-vCPU upcall vector, LAPIC EOI */
};

/* What the hypervisor offers this domain, discovered at load time. */
struct hybrid_info {
	bool pvh;			/* PVH rather than HVM with a device model */
	u16 domid;
	u16 xen_major;
	u16 xen_minor;
	char xen_extra[16];		/* XENVER_extraversion, NUL-terminated */
	u32 hvm_leaf;			/* CPUID leaf of Xen's HVM flags (0 if none) */
	u32 hvm_flags;			/* EAX of that leaf: XEN_HVM_CPUID_* */
	bool hvm_pirqs;			/* XENFEAT_hvm_pirqs */
	enum hybrid_callback callback;
	/*
	 * Xen's viridian enlightenments (Hyper-V's CPUID leaves at 0x40000000,
	 * Xen's moved up) with the APIC MSRs, the VP assist page among them.
	 */
	bool viridian_apic;
};

/* Xen virtualizes APIC accesses: an EOI write costs no VM exit. */
#define HYBRID_APIC_VIRT(hi) \
	((hi)->hvm_flags & (XEN_HVM_CPUID_APIC_ACCESS_VIRT | \
			    XEN_HVM_CPUID_X2APIC_VIRT))

void hybrid_get_info(struct hybrid_info *info);
struct kobject *hybrid_sysfs_dir(void);
void hybrid_refresh_info(struct hybrid_info *before, struct hybrid_info *after);
int hybrid_refresh_info_early(struct hybrid_info *before,
			      struct hybrid_info *after);

int hybrid_pirq_get(void);
void hybrid_pirq_put(int pirq);

#endif /* _XEN_HYBRID_H */
