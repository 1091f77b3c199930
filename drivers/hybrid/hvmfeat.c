// SPDX-License-Identifier: GPL-2.0
/*
 * Decoding of Xen's HVM feature leaf and event-channel callback mode.
 */
#include <linux/kernel.h>

#include "hvmfeat.h"

/* Names of the XEN_HVM_CPUID_* bits, from Xen's public arch-x86/cpuid.h. */
static const char * const hvm_flag_names[] = {
	"apic-access-virt",	/* bit 0: virtualized APIC registers */
	"x2apic-virt",		/* bit 1: virtualized x2APIC accesses */
	"iommu-mappings",	/* bit 2: memory mapped from other domains */
	"vcpu-id",		/* bit 3: vCPU id in EBX */
	"domid",		/* bit 4: domid in ECX */
	"ext-dest-id",		/* bit 5: MSI extended destination id */
	"upcall-vector",	/* bit 6: HVMOP_set_evtchn_upcall_vector */
};

enum hybrid_callback hybrid_callback_mode(bool vector, bool percpu)
{
	if (!vector)
		return HYBRID_CALLBACK_INTX;
	return percpu ? HYBRID_CALLBACK_PERCPU_VECTOR : HYBRID_CALLBACK_VECTOR;
}

const char *hybrid_callback_name(enum hybrid_callback cb)
{
	switch (cb) {
	case HYBRID_CALLBACK_INTX:
		return "intx";
	case HYBRID_CALLBACK_VECTOR:
		return "vector";
	case HYBRID_CALLBACK_PERCPU_VECTOR:
		return "percpu-vector";
	}
	return "unknown";
}

/*
 * Writes the names of the set flags, space separated, and "bitN" for bits
 * this code does not know.  Returns the length written, as scnprintf().
 */
int hybrid_hvm_flags_format(u32 flags, char *buf, size_t len)
{
	int n = 0;
	unsigned int bit;

	if (len)
		buf[0] = '\0';
	for (bit = 0; bit < 32; bit++) {
		if (!(flags & (1u << bit)))
			continue;
		if (bit < ARRAY_SIZE(hvm_flag_names))
			n += scnprintf(buf + n, len - n, "%s%s", n ? " " : "",
				       hvm_flag_names[bit]);
		else
			n += scnprintf(buf + n, len - n, "%sbit%u", n ? " " : "",
				       bit);
	}
	return n;
}
