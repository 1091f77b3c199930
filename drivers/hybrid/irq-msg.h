/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pure parts of the interrupt path: how an x86 MSI message names its
 * target, a LAPIC vector or a Xen HVM pirq, when completing a pirq needs
 * PHYSDEVOP_eoi, and the device lists of hybrid-irq's adopt and exclude
 * parameters.  No kernel state here: this file is also built
 * into the user-space unit tests.
 */
#ifndef _HYBRID_IRQ_MSG_H
#define _HYBRID_IRQ_MSG_H

#include <linux/types.h>

/* An MSI message as the PCI function holds it. */
struct hybrid_msi_raw {
	u32 address_lo;
	u32 address_hi;
	u32 data;
};

enum hybrid_msi_target {
	HYBRID_MSI_INVALID,	/* not an x86 MSI address */
	HYBRID_MSI_LAPIC,	/* a vector on a local APIC */
	HYBRID_MSI_PIRQ,	/* vector 0: Xen turns it into a pirq event */
};

struct hybrid_msi_decoded {
	enum hybrid_msi_target target;
	u32 pirq;		/* HYBRID_MSI_PIRQ */
	u32 dest;		/* HYBRID_MSI_LAPIC: destination APIC id */
	u8 vector;		/* HYBRID_MSI_LAPIC */
	u8 delivery_mode;
	bool logical;
	bool level;
};

/* The largest pirq every Xen version decodes (older ones use an int). */
#define HYBRID_PIRQ_MAX		0x7fffffffU

int hybrid_msi_compose_pirq(u32 pirq, struct hybrid_msi_raw *msg);
void hybrid_msi_decode(const struct hybrid_msi_raw *msg, bool ext_dest_id,
		       struct hybrid_msi_decoded *out);
const char *hybrid_msi_target_name(enum hybrid_msi_target target);

bool hybrid_pirq_needs_eoi(int query_rc, bool xen_says_needs_eoi);

/* The path hybrid-irq puts an adopted vector on. */
enum hybrid_irq_path {
	HYBRID_PATH_LEAVE,	/* left alone, on Linux's LAPIC path */
	HYBRID_PATH_PIRQ,	/* Linux's own pirq, adopted in place */
	HYBRID_PATH_ASSIST,	/* the LAPIC, EOIs elided by Xen's APIC assist */
	HYBRID_PATH_EVTCHN,	/* moved onto an event channel of its own */
};

/* What decides the path of one vector. */
struct hybrid_irq_facts {
	bool on_pirq;		/* Linux bound it to a pirq at boot */
	bool apic_virt;		/* Xen virtualizes the APIC: EOIs cost no exit */
	bool assist;		/* the APIC assist is registered on every vCPU */
	bool assist_on;		/* and the operator lets hybrid-irq use it */
	bool hvm_pirqs;		/* Xen offers HVM pirqs (XENFEAT_hvm_pirqs) */
};

enum hybrid_irq_path hybrid_irq_policy(const struct hybrid_irq_facts *f);

bool hybrid_dev_list_valid(const char *list, bool all_ok);
bool hybrid_dev_list_has(const char *list, const char *name, bool all_ok);

#endif /* _HYBRID_IRQ_MSG_H */
