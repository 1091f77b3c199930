/* SPDX-License-Identifier: GPL-2.0 */
/* User-space stand-in for <linux/bits.h>, for the unit tests. */
#ifndef _UNIT_SHIM_LINUX_BITS_H
#define _UNIT_SHIM_LINUX_BITS_H

#define BIT(n) (1UL << (n))

#endif
