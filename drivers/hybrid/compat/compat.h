/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place where differences between kernel versions are handled.
 *
 * Every HAVE_* macro comes from compat/probes.h, which compat/probe.sh
 * generates at build time by compiling compat/probes/<name>.c against
 * the target kernel.  Nothing here tests LINUX_VERSION_CODE: a feature
 * is used if the kernel being built against has it, whatever its
 * version, so distribution backports are picked up as they are.
 *
 * Xen interface constants newer than some kernels' copy of Xen's public
 * headers are carried here too, each naming the Xen header it is from.
 */
#ifndef _HYBRID_COMPAT_H
#define _HYBRID_COMPAT_H

#include <linux/bits.h>
#include <linux/irqflags.h>
#include <linux/mm.h>
#include <linux/types.h>
#include <asm/ptrace.h>
#include <xen/xen.h>
#include <asm/xen/events.h>
#include <asm/xen/cpuid.h>

#include "compat/probes.h"

/* xen/include/public/arch-x86/cpuid.h */
#ifndef XEN_HVM_CPUID_DOMID_PRESENT
#define XEN_HVM_CPUID_DOMID_PRESENT	BIT(4)
#endif
#ifndef XEN_HVM_CPUID_EXT_DEST_ID
#define XEN_HVM_CPUID_EXT_DEST_ID	BIT(5)
#endif
#ifndef XEN_HVM_CPUID_UPCALL_VECTOR
#define XEN_HVM_CPUID_UPCALL_VECTOR	BIT(6)
#endif

/* Does this kernel take its event-channel upcalls on a per-vCPU vector? */
static inline bool hybrid_percpu_upcall(void)
{
#ifdef HAVE_XEN_PERCPU_UPCALL
	return xen_percpu_upcall;
#else
	return false;
#endif
}

/* vm_flags became read-only with accessors in v6.3. */
static inline void hybrid_vm_flags_mod(struct vm_area_struct *vma,
				       vm_flags_t set, vm_flags_t clear)
{
#ifdef HAVE_VM_FLAGS_MOD
	vm_flags_mod(vma, set, clear);
#else
	vma->vm_flags = (vma->vm_flags | set) & ~clear;
#endif
}

#endif /* _HYBRID_COMPAT_H */
