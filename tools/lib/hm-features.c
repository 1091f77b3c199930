// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * CPU feature names for the CPUID leaves /dev/hybrid-migrate carries.
 *
 * The names are those Linux 6.12 shows in /proc/cpuinfo
 * (arch/x86/include/asm/cpufeatures.h, and arch/x86/kernel/cpu/scattered.c
 * for bits of 0x80000007 EDX and 0x80000008 EBX), or, for bits it hides
 * there, its X86_FEATURE_ name in lower case.  One exception: the invariant
 * TSC bit (0x80000007 EDX bit 8), which Linux shows as the two synthetic
 * flags constant_tsc and nonstop_tsc, is called "invtsc".
 *
 * Bits that duplicate leaf 1 EDX in 0x80000001 EDX have no name here, as in
 * Linux.  The table is sorted by slot, register and bit.
 */
#include <errno.h>
#include <string.h>

#include "hybrid-migrate.h"

/* The slots of struct hybrid_cpu_features.leaves[], as the ABI orders them */
#define LEAF_0	0x1
#define SUB_0	0
#define LEAF_1	0x7
#define SUB_1	0
#define LEAF_2	0x7
#define SUB_2	1
#define LEAF_3	0xd
#define SUB_3	1
#define LEAF_4	0x80000001
#define SUB_4	0
#define LEAF_5	0x80000007
#define SUB_5	0
#define LEAF_6	0x80000008
#define SUB_6	0

#define F(s, r, b, n) {							\
	.name = n, .leaf = LEAF_##s, .subleaf = SUB_##s, .slot = s,	\
	.reg = HM_REG_##r, .bit = b					\
}

static const struct hm_feature features[] = {
	/* CPUID 0x1 ECX */
	F(0, ECX,  0, "pni"),
	F(0, ECX,  1, "pclmulqdq"),
	F(0, ECX,  2, "dtes64"),
	F(0, ECX,  3, "monitor"),
	F(0, ECX,  4, "ds_cpl"),
	F(0, ECX,  5, "vmx"),
	F(0, ECX,  6, "smx"),
	F(0, ECX,  7, "est"),
	F(0, ECX,  8, "tm2"),
	F(0, ECX,  9, "ssse3"),
	F(0, ECX, 10, "cid"),
	F(0, ECX, 11, "sdbg"),
	F(0, ECX, 12, "fma"),
	F(0, ECX, 13, "cx16"),
	F(0, ECX, 14, "xtpr"),
	F(0, ECX, 15, "pdcm"),
	F(0, ECX, 17, "pcid"),
	F(0, ECX, 18, "dca"),
	F(0, ECX, 19, "sse4_1"),
	F(0, ECX, 20, "sse4_2"),
	F(0, ECX, 21, "x2apic"),
	F(0, ECX, 22, "movbe"),
	F(0, ECX, 23, "popcnt"),
	F(0, ECX, 24, "tsc_deadline_timer"),
	F(0, ECX, 25, "aes"),
	F(0, ECX, 26, "xsave"),
	F(0, ECX, 27, "osxsave"),
	F(0, ECX, 28, "avx"),
	F(0, ECX, 29, "f16c"),
	F(0, ECX, 30, "rdrand"),
	F(0, ECX, 31, "hypervisor"),

	/* CPUID 0x1 EDX */
	F(0, EDX,  0, "fpu"),
	F(0, EDX,  1, "vme"),
	F(0, EDX,  2, "de"),
	F(0, EDX,  3, "pse"),
	F(0, EDX,  4, "tsc"),
	F(0, EDX,  5, "msr"),
	F(0, EDX,  6, "pae"),
	F(0, EDX,  7, "mce"),
	F(0, EDX,  8, "cx8"),
	F(0, EDX,  9, "apic"),
	F(0, EDX, 11, "sep"),
	F(0, EDX, 12, "mtrr"),
	F(0, EDX, 13, "pge"),
	F(0, EDX, 14, "mca"),
	F(0, EDX, 15, "cmov"),
	F(0, EDX, 16, "pat"),
	F(0, EDX, 17, "pse36"),
	F(0, EDX, 18, "pn"),
	F(0, EDX, 19, "clflush"),
	F(0, EDX, 21, "dts"),
	F(0, EDX, 22, "acpi"),
	F(0, EDX, 23, "mmx"),
	F(0, EDX, 24, "fxsr"),
	F(0, EDX, 25, "sse"),
	F(0, EDX, 26, "sse2"),
	F(0, EDX, 27, "ss"),
	F(0, EDX, 28, "ht"),
	F(0, EDX, 29, "tm"),
	F(0, EDX, 30, "ia64"),
	F(0, EDX, 31, "pbe"),

	/* CPUID 0x7.0 EBX */
	F(1, EBX,  0, "fsgsbase"),
	F(1, EBX,  1, "tsc_adjust"),
	F(1, EBX,  2, "sgx"),
	F(1, EBX,  3, "bmi1"),
	F(1, EBX,  4, "hle"),
	F(1, EBX,  5, "avx2"),
	F(1, EBX,  6, "fdp_excptn_only"),
	F(1, EBX,  7, "smep"),
	F(1, EBX,  8, "bmi2"),
	F(1, EBX,  9, "erms"),
	F(1, EBX, 10, "invpcid"),
	F(1, EBX, 11, "rtm"),
	F(1, EBX, 12, "cqm"),
	F(1, EBX, 13, "zero_fcs_fds"),
	F(1, EBX, 14, "mpx"),
	F(1, EBX, 15, "rdt_a"),
	F(1, EBX, 16, "avx512f"),
	F(1, EBX, 17, "avx512dq"),
	F(1, EBX, 18, "rdseed"),
	F(1, EBX, 19, "adx"),
	F(1, EBX, 20, "smap"),
	F(1, EBX, 21, "avx512ifma"),
	F(1, EBX, 23, "clflushopt"),
	F(1, EBX, 24, "clwb"),
	F(1, EBX, 25, "intel_pt"),
	F(1, EBX, 26, "avx512pf"),
	F(1, EBX, 27, "avx512er"),
	F(1, EBX, 28, "avx512cd"),
	F(1, EBX, 29, "sha_ni"),
	F(1, EBX, 30, "avx512bw"),
	F(1, EBX, 31, "avx512vl"),

	/* CPUID 0x7.0 ECX */
	F(1, ECX,  1, "avx512vbmi"),
	F(1, ECX,  2, "umip"),
	F(1, ECX,  3, "pku"),
	F(1, ECX,  4, "ospke"),
	F(1, ECX,  5, "waitpkg"),
	F(1, ECX,  6, "avx512_vbmi2"),
	F(1, ECX,  7, "shstk"),
	F(1, ECX,  8, "gfni"),
	F(1, ECX,  9, "vaes"),
	F(1, ECX, 10, "vpclmulqdq"),
	F(1, ECX, 11, "avx512_vnni"),
	F(1, ECX, 12, "avx512_bitalg"),
	F(1, ECX, 13, "tme"),
	F(1, ECX, 14, "avx512_vpopcntdq"),
	F(1, ECX, 16, "la57"),
	F(1, ECX, 22, "rdpid"),
	F(1, ECX, 24, "bus_lock_detect"),
	F(1, ECX, 25, "cldemote"),
	F(1, ECX, 27, "movdiri"),
	F(1, ECX, 28, "movdir64b"),
	F(1, ECX, 29, "enqcmd"),
	F(1, ECX, 30, "sgx_lc"),

	/* CPUID 0x7.0 EDX */
	F(1, EDX,  2, "avx512_4vnniw"),
	F(1, EDX,  3, "avx512_4fmaps"),
	F(1, EDX,  4, "fsrm"),
	F(1, EDX,  8, "avx512_vp2intersect"),
	F(1, EDX,  9, "srbds_ctrl"),
	F(1, EDX, 10, "md_clear"),
	F(1, EDX, 11, "rtm_always_abort"),
	F(1, EDX, 13, "tsx_force_abort"),
	F(1, EDX, 14, "serialize"),
	F(1, EDX, 15, "hybrid_cpu"),
	F(1, EDX, 16, "tsxldtrk"),
	F(1, EDX, 18, "pconfig"),
	F(1, EDX, 19, "arch_lbr"),
	F(1, EDX, 20, "ibt"),
	F(1, EDX, 22, "amx_bf16"),
	F(1, EDX, 23, "avx512_fp16"),
	F(1, EDX, 24, "amx_tile"),
	F(1, EDX, 25, "amx_int8"),
	F(1, EDX, 26, "spec_ctrl"),
	F(1, EDX, 27, "intel_stibp"),
	F(1, EDX, 28, "flush_l1d"),
	F(1, EDX, 29, "arch_capabilities"),
	F(1, EDX, 30, "core_capabilities"),
	F(1, EDX, 31, "spec_ctrl_ssbd"),

	/* CPUID 0x7.1 EAX */
	F(2, EAX,  4, "avx_vnni"),
	F(2, EAX,  5, "avx512_bf16"),
	F(2, EAX,  7, "cmpccxadd"),
	F(2, EAX,  8, "arch_perfmon_ext"),
	F(2, EAX, 10, "fzrm"),
	F(2, EAX, 11, "fsrs"),
	F(2, EAX, 12, "fsrc"),
	F(2, EAX, 17, "fred"),
	F(2, EAX, 18, "lkgs"),
	F(2, EAX, 19, "wrmsrns"),
	F(2, EAX, 21, "amx_fp16"),
	F(2, EAX, 23, "avx_ifma"),
	F(2, EAX, 26, "lam"),

	/* CPUID 0xd.1 EAX */
	F(3, EAX,  0, "xsaveopt"),
	F(3, EAX,  1, "xsavec"),
	F(3, EAX,  2, "xgetbv1"),
	F(3, EAX,  3, "xsaves"),
	F(3, EAX,  4, "xfd"),

	/* CPUID 0x80000001 ECX */
	F(4, ECX,  0, "lahf_lm"),
	F(4, ECX,  1, "cmp_legacy"),
	F(4, ECX,  2, "svm"),
	F(4, ECX,  3, "extapic"),
	F(4, ECX,  4, "cr8_legacy"),
	F(4, ECX,  5, "abm"),
	F(4, ECX,  6, "sse4a"),
	F(4, ECX,  7, "misalignsse"),
	F(4, ECX,  8, "3dnowprefetch"),
	F(4, ECX,  9, "osvw"),
	F(4, ECX, 10, "ibs"),
	F(4, ECX, 11, "xop"),
	F(4, ECX, 12, "skinit"),
	F(4, ECX, 13, "wdt"),
	F(4, ECX, 15, "lwp"),
	F(4, ECX, 16, "fma4"),
	F(4, ECX, 17, "tce"),
	F(4, ECX, 19, "nodeid_msr"),
	F(4, ECX, 21, "tbm"),
	F(4, ECX, 22, "topoext"),
	F(4, ECX, 23, "perfctr_core"),
	F(4, ECX, 24, "perfctr_nb"),
	F(4, ECX, 26, "bpext"),
	F(4, ECX, 27, "ptsc"),
	F(4, ECX, 28, "perfctr_llc"),
	F(4, ECX, 29, "mwaitx"),

	/* CPUID 0x80000001 EDX */
	F(4, EDX, 11, "syscall"),
	F(4, EDX, 19, "mp"),
	F(4, EDX, 20, "nx"),
	F(4, EDX, 22, "mmxext"),
	F(4, EDX, 25, "fxsr_opt"),
	F(4, EDX, 26, "pdpe1gb"),
	F(4, EDX, 27, "rdtscp"),
	F(4, EDX, 29, "lm"),
	F(4, EDX, 30, "3dnowext"),
	F(4, EDX, 31, "3dnow"),

	/* CPUID 0x80000007 EBX */
	F(5, EBX,  0, "overflow_recov"),
	F(5, EBX,  1, "succor"),
	F(5, EBX,  3, "smca"),

	/* CPUID 0x80000007 EDX */
	F(5, EDX,  7, "hw_pstate"),
	F(5, EDX,  8, "invtsc"),	/* constant_tsc, nonstop_tsc */
	F(5, EDX,  9, "cpb"),
	F(5, EDX, 11, "proc_feedback"),

	/* CPUID 0x80000008 EBX */
	F(6, EBX,  0, "clzero"),
	F(6, EBX,  1, "irperf"),
	F(6, EBX,  2, "xsaveerptr"),
	F(6, EBX,  4, "rdpru"),
	F(6, EBX,  6, "mba"),
	F(6, EBX,  9, "wbnoinvd"),
	F(6, EBX, 12, "amd_ibpb"),
	F(6, EBX, 14, "amd_ibrs"),
	F(6, EBX, 15, "amd_stibp"),
	F(6, EBX, 17, "amd_stibp_always_on"),
	F(6, EBX, 23, "amd_ppin"),
	F(6, EBX, 24, "amd_ssbd"),
	F(6, EBX, 25, "virt_ssbd"),
	F(6, EBX, 26, "amd_ssb_no"),
	F(6, EBX, 27, "cppc"),
	F(6, EBX, 28, "amd_psfd"),
	F(6, EBX, 29, "btc_no"),
	F(6, EBX, 30, "amd_ibpb_ret"),
	F(6, EBX, 31, "brs"),
};

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define NR_FEATURES	ARRAY_SIZE(features)

static __u32 reg_value(const struct hybrid_cpuid_leaf *l, unsigned int reg)
{
	switch (reg) {
	case HM_REG_EAX:
		return l->eax;
	case HM_REG_EBX:
		return l->ebx;
	case HM_REG_ECX:
		return l->ecx;
	default:
		return l->edx;
	}
}

static void reg_set(struct hybrid_cpuid_leaf *l, unsigned int reg, __u32 v)
{
	switch (reg) {
	case HM_REG_EAX:
		l->eax = v;
		break;
	case HM_REG_EBX:
		l->ebx = v;
		break;
	case HM_REG_ECX:
		l->ecx = v;
		break;
	default:
		l->edx = v;
	}
}

const struct hm_feature *hm_feature_next(const struct hm_feature *prev)
{
	if (!prev)
		return features;
	if (prev < features || prev + 1 >= features + NR_FEATURES)
		return NULL;
	return prev + 1;
}

const struct hm_feature *hm_feature_by_name(const char *name)
{
	size_t i;

	if (!name)
		return NULL;
	for (i = 0; i < NR_FEATURES; i++)
		if (!strcmp(features[i].name, name))
			return &features[i];
	return NULL;
}

int hm_feature_test(const struct hybrid_cpu_features *f,
		    const struct hm_feature *feat)
{
	return (reg_value(&f->leaves[feat->slot], feat->reg) >> feat->bit) & 1;
}

int hm_has_feature(const struct hybrid_cpu_features *f, const char *name)
{
	const struct hm_feature *feat = hm_feature_by_name(name);

	return feat ? hm_feature_test(f, feat) : -ENOENT;
}

const struct hm_feature *hm_feature_next_set(const struct hybrid_cpu_features *f,
					     const struct hm_feature *prev)
{
	const struct hm_feature *feat = prev;

	while ((feat = hm_feature_next(feat)))
		if (hm_feature_test(f, feat))
			return feat;
	return NULL;
}

unsigned int hm_features_unnamed(const struct hybrid_cpu_features *f)
{
	struct hybrid_cpu_features rest = *f;
	unsigned int slot, reg, n = 0;
	size_t i;

	for (i = 0; i < NR_FEATURES; i++) {
		const struct hm_feature *feat = &features[i];
		struct hybrid_cpuid_leaf *l = &rest.leaves[feat->slot];

		reg_set(l, feat->reg, reg_value(l, feat->reg) & ~(1U << feat->bit));
	}
	for (slot = 0; slot < HYBRID_CPUID_NR_LEAVES; slot++)
		for (reg = HM_REG_EAX; reg <= HM_REG_EDX; reg++)
			n += __builtin_popcount(reg_value(&rest.leaves[slot], reg));
	return n;
}

void hm_features_diff(const struct hybrid_cpu_features *before,
		      const struct hybrid_cpu_features *after,
		      struct hybrid_cpu_features *gained,
		      struct hybrid_cpu_features *lost)
{
	struct hybrid_cpu_features g = *after, l = *after;
	unsigned int slot, reg;

	for (slot = 0; slot < HYBRID_CPUID_NR_LEAVES; slot++) {
		for (reg = HM_REG_EAX; reg <= HM_REG_EDX; reg++) {
			__u32 b = reg_value(&before->leaves[slot], reg);
			__u32 a = reg_value(&after->leaves[slot], reg);

			reg_set(&g.leaves[slot], reg, a & ~b);
			reg_set(&l.leaves[slot], reg, b & ~a);
		}
	}
	g.tsc_khz = 0;
	l.tsc_khz = 0;
	if (gained)
		*gained = g;
	if (lost)
		*lost = l;
}
