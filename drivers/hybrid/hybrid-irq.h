/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hybrid-irq's own declarations, shared by its parts:
 *
 *   irq.c          adoption: the policy applied to each device, the
 *                  counting chip of vectors adopted in place, the
 *                  parameters, driver binding and suspend
 *   irq-inv.c      the inventory: where each MSI vector goes, counted
 *   irq-move.c     moving a LAPIC vector onto an event channel and back
 *   irq-assist.c   the assisted EOI: VP assist pages and their chip
 *   irq-msg.c      pure parts: MSI messages and the policy table
 *   irq-debugfs.c  the debugfs files, maskbench among them
 */
#ifndef _HYBRID_IRQ_H
#define _HYBRID_IRQ_H

#include <linux/atomic.h>
#include <linux/irq.h>
#include <linux/irq_work.h>
#include <linux/list.h>
#include <linux/msi.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/types.h>
#include <linux/workqueue.h>

#include <xen/interface/event_channel.h>

#include "irq-msg.h"

struct hybrid_info;

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

/* irq.c */
extern struct mutex hirq_lock;
extern bool hirq_assist_on;
struct hirq_adopt *hirq_find(const struct irq_chip *chip);
struct hirq_adopt *hirq_ad(struct irq_data *d);
bool hirq_pirq_chip(const struct irq_chip *chip);
bool hirq_excluded(struct pci_dev *pdev);
bool hirq_wanted(struct pci_dev *pdev);
bool hirq_unlazy_begin(unsigned int irq);
void hirq_unlazy_end(unsigned int irq, bool was);
void hirq_resend(struct hirq_adopt *a, struct irq_data *d);

/* irq-inv.c */
struct hirq_walk {
	/* called for each vector, if set */
	void (*fn)(struct pci_dev *pdev, const struct hirq_vec *v, void *arg);
	void *arg;
	/* how the device's vectors are delivered, taken together */
	enum hirq_delivery all;
};

u64 hirq_count(struct irq_data *d);
void hirq_decode_msg(unsigned int irq, struct hybrid_msi_decoded *dec);
const char *hirq_delivery_name(enum hirq_delivery w);
void hirq_walk_vecs(struct pci_dev *pdev, struct hirq_walk *w);

/* irq-move.c */
bool hirq_movable(struct irq_data *d, const struct irq_chip *orig);
int hirq_move_vec(struct hirq_adopt *a, struct irq_desc *desc);
void hirq_unmove_vec(struct hirq_adopt *a);
void hirq_unbind_gone(struct hirq_adopt *a);

/* irq-assist.c: the assisted chip's callbacks */
void hirq_as_ack(struct irq_data *d);
int hirq_as_set_affinity(struct irq_data *d, const struct cpumask *dest,
			 bool force);

/* irq-debugfs.c */
const char *hirq_reason(enum hirq_delivery where, const struct hybrid_info *hi);
void hirq_debugfs_init(void);
void hirq_debugfs_exit(void);

#endif /* _HYBRID_IRQ_H */
