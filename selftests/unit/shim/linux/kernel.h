/* SPDX-License-Identifier: GPL-2.0 */
/* User-space stand-in for <linux/kernel.h>, for the unit tests. */
#ifndef _UNIT_SHIM_LINUX_KERNEL_H
#define _UNIT_SHIM_LINUX_KERNEL_H

#include <stdarg.h>
#include <stdio.h>
#include <linux/types.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define U64_MAX ((u64)~0ULL)

/* As the kernel's: returns what was written, never what would have been. */
static inline
int scnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!size)
		return 0;
	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n < 0)
		return 0;
	return (size_t)n >= size ? (int)size - 1 : n;
}

#endif
