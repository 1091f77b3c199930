/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pure decoding of what Xen tells an HVM guest.  No kernel state here:
 * this file is also built into the user-space unit tests.
 */
#ifndef _HYBRID_HVMFEAT_H
#define _HYBRID_HVMFEAT_H

#include <linux/types.h>
#include <xen/hybrid.h>

enum hybrid_callback hybrid_callback_mode(bool vector, bool percpu);
const char *hybrid_callback_name(enum hybrid_callback cb);
int hybrid_hvm_flags_format(u32 flags, char *buf, size_t len);

#endif /* _HYBRID_HVMFEAT_H */
