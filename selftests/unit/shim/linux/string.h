/* SPDX-License-Identifier: GPL-2.0 */
/* User-space stand-in for the kernel's <linux/string.h>, for unit tests. */
#ifndef _UNIT_SHIM_LINUX_STRING_H
#define _UNIT_SHIM_LINUX_STRING_H

#include <string.h>

#endif
