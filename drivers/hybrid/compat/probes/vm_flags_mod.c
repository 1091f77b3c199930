// SPDX-License-Identifier: GPL-2.0
/*
 * vm_flags_mod: vma->vm_flags is changed through accessors (v6.3).
 */
#include <linux/mm.h>

void hybrid_probe(struct vm_area_struct *vma);
void hybrid_probe(struct vm_area_struct *vma)
{
	vm_flags_mod(vma, VM_DONTEXPAND, VM_MAYWRITE);
}
