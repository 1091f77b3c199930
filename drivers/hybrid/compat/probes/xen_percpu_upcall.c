// SPDX-License-Identifier: GPL-2.0
/*
 * xen_percpu_upcall: the kernel can take event-channel upcalls on a
 * per-vCPU vector (HVMOP_set_evtchn_upcall_vector); v6.2, backported to
 * 6.1.y.
 */
#include <linux/irqflags.h>
#include <linux/types.h>
#include <asm/ptrace.h>
#include <xen/xen.h>
#include <asm/xen/events.h>

bool hybrid_probe(void);
bool hybrid_probe(void)
{
	return xen_percpu_upcall;
}
