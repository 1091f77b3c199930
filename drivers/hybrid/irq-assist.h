/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hybrid-irq's use of Xen's APIC assist (the Hyper-V VP assist page that
 * Xen implements for domains with viridian): see irq-assist.c.
 */
#ifndef _HYBRID_IRQ_ASSIST_H
#define _HYBRID_IRQ_ASSIST_H

#include <linux/types.h>

struct seq_file;

int hirq_assist_init(void);
void hirq_assist_exit(void);
void hirq_assist_resume(void);
bool hirq_assist_ready(void);
unsigned int hirq_assist_registered(void);
bool hirq_assist_take(void);
const char *hirq_assist_why_not(void);
void hirq_assist_show(struct seq_file *m);

#endif /* _HYBRID_IRQ_ASSIST_H */
