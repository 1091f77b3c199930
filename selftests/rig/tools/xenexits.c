// SPDX-License-Identifier: GPL-2.0
/*
 * xenexits: count an HVM guest's VM exits by reason, and the interrupts
 * Xen injected into it, from xentrace's binary output.  Runs in dom0.
 *
 *   xenexits FILE                 parse a trace written by
 *                                 `xentrace -e 0x0008f000 FILE`
 *   xenexits -t SECONDS [-o FILE] run xentrace for SECONDS, then parse
 *
 * Record format (Xen public/trace.h): a u32 header (event id in bits
 * 0-27, number of extra u32 words in bits 28-30, bit 31 set when a 64-bit
 * TSC follows), the TSC if present, then the extra words.  xentrace adds
 * its own records (CPU change, lost records) in the same format.
 *
 * Only HVM-class records are counted and they carry no domain id: run it
 * while exactly one HVM guest is running (dom0 is PV and logs none).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define TRC_64_FLAG		0x100
#define TRC_LOST_RECORDS	0x0001f001
#define TRC_HVM_VMEXIT		0x00081002	/* Xen <= 4.19 */
#define TRC_HVM_SVM_EXIT	0x00081003	/* Xen >= 4.20, AMD */
#define TRC_HVM_VMX_EXIT	0x00081004	/* Xen >= 4.20, Intel */
#define TRC_HVM_INJ_VIRQ	0x00082004
#define TRC_HVM_MSR_WRITE	0x0008200d
#define TRC_HVM_VMMCALL		0x00082012

#define UPCALL_VECTOR		0xf3
#define MSR_X2APIC_EOI		0x80b

struct name { unsigned int code; const char *name; };

static const struct name svm_reasons[] = {
	{ 0x00, "CR0_READ" }, { 0x03, "CR3_READ" }, { 0x04, "CR4_READ" },
	{ 0x08, "CR8_READ" }, { 0x10, "CR0_WRITE" }, { 0x13, "CR3_WRITE" },
	{ 0x14, "CR4_WRITE" }, { 0x18, "CR8_WRITE" },
	{ 0x41, "EXCP_DB" }, { 0x47, "EXCP_NM" }, { 0x43, "EXCP_BP" }, { 0x46, "EXCP_UD" },
	{ 0x4e, "EXCP_PF" }, { 0x52, "EXCP_MC" },
	{ 0x60, "INTR" }, { 0x61, "NMI" }, { 0x62, "SMI" }, { 0x63, "INIT" },
	{ 0x64, "VINTR" }, { 0x65, "CR0_SEL_WRITE" }, { 0x6d, "RDPMC" },
	{ 0x6e, "RDTSC" }, { 0x72, "CPUID" }, { 0x74, "IRET" },
	{ 0x76, "INVD" }, { 0x77, "PAUSE" }, { 0x78, "HLT" },
	{ 0x79, "INVLPG" }, { 0x7a, "INVLPGA" }, { 0x7b, "IOIO" },
	{ 0x7c, "MSR" }, { 0x7d, "TASK_SWITCH" }, { 0x7f, "SHUTDOWN" },
	{ 0x80, "VMRUN" }, { 0x81, "VMMCALL" }, { 0x87, "RDTSCP" },
	{ 0x89, "WBINVD" }, { 0x8a, "MONITOR" }, { 0x8b, "MWAIT" },
	{ 0x8d, "XSETBV" }, { 0x400, "NPF" }, { 0x401, "AVIC_INCOMPLETE_IPI" },
	{ 0x402, "AVIC_NOACCEL" },
	{ 0, NULL }
};

#define MAXCODE 0x1000
static unsigned long exits[MAXCODE], exits_other;
static unsigned long vectors[256], hypercalls[64], hypercalls_other;
static unsigned long records, lost, exit_total, eoi_writes, msr_writes;
static int exit_id_seen;

static const char *reason_name(unsigned int code)
{
	const struct name *n;

	for (n = svm_reasons; n->name; n++)
		if (n->code == code)
			return n->name;
	return "?";
}

static int parse(const char *file)
{
	FILE *f = fopen(file, "rb");
	uint32_t hdr, extra[7], tsc[2];
	unsigned long i, interrupts = 0, device = 0;

	if (!f) {
		fprintf(stderr, "xenexits: %s: %s\n", file, strerror(errno));
		return 2;
	}
	while (fread(&hdr, 4, 1, f) == 1) {
		uint32_t ev = hdr & 0x0fffffff, base = ev & ~TRC_64_FLAG;
		unsigned int n = (hdr >> 28) & 7;

		if ((hdr >> 31) && fread(tsc, 4, 2, f) != 2)
			break;
		if (n && fread(extra, 4, n, f) != n)
			break;
		records++;
		if (ev == TRC_LOST_RECORDS) {
			lost++;
			continue;
		}
		if (base == TRC_HVM_VMEXIT || base == TRC_HVM_SVM_EXIT ||
		    base == TRC_HVM_VMX_EXIT) {
			if (!n)
				continue;
			exit_id_seen = ev;
			exit_total++;
			if (extra[0] < MAXCODE)
				exits[extra[0]]++;
			else
				exits_other++;
		} else if (base == TRC_HVM_INJ_VIRQ && n) {
			vectors[extra[0] & 0xff]++;
		} else if (base == TRC_HVM_MSR_WRITE && n) {
			msr_writes++;
			if (extra[0] == MSR_X2APIC_EOI)
				eoi_writes++;
		} else if (base == TRC_HVM_VMMCALL && n) {
			if (extra[0] < 64)
				hypercalls[extra[0]]++;
			else
				hypercalls_other++;
		}
	}
	fclose(f);

	printf("records %lu lost_records %lu\n", records, lost);
	printf("exit_record_id 0x%x\n", exit_id_seen);
	printf("exits_total %lu\n", exit_total);
	for (i = 0; i < MAXCODE; i++)
		if (exits[i])
			printf("exit 0x%03lx %-16s %lu\n", i, reason_name(i), exits[i]);
	if (exits_other)
		printf("exit other %lu\n", exits_other);
	for (i = 0; i < 256; i++) {
		if (!vectors[i])
			continue;
		printf("injected_vector 0x%02lx %lu%s\n", i, vectors[i],
		       i == UPCALL_VECTOR ? " (upcall)" : "");
		interrupts += vectors[i];
		if (i != UPCALL_VECTOR && i >= 0x20)
			device += vectors[i];
	}
	for (i = 0; i < 64; i++)
		if (hypercalls[i])
			printf("hypercall %lu %lu\n", i, hypercalls[i]);
	printf("interrupts_injected %lu\n", interrupts);
	printf("upcalls %lu\n", vectors[UPCALL_VECTOR]);
	printf("device_vectors %lu\n", device);
	printf("msr_writes %lu x2apic_eoi_writes %lu\n", msr_writes, eoi_writes);
	if (interrupts)
		printf("eoi_per_interrupt %.2f\n", (double)eoi_writes / interrupts);
	printf("physdevop %lu\n", hypercalls[33]);
	return exit_total ? 0 : 1;
}

int main(int argc, char **argv)
{
	const char *out = "/tmp/xenexits.trace", *secs = NULL;
	int c;

	while ((c = getopt(argc, argv, "t:o:")) != -1) {
		switch (c) {
		case 't':
			secs = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		default:
			fprintf(stderr, "usage: xenexits FILE | -t SECONDS [-o FILE]\n");
			return 2;
		}
	}
	if (secs) {
		pid_t pid = fork();
		int st;

		if (pid == 0) {
			execlp("xentrace", "xentrace", "-D", "-e", "0x0008f000",
			       "-S", "256", "-T", secs, out, (char *)NULL);
			perror("xenexits: xentrace");
			_exit(127);
		}
		if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) ||
		    WEXITSTATUS(st)) {
			fprintf(stderr, "xenexits: xentrace failed\n");
			return 2;
		}
		return parse(out);
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: xenexits FILE | -t SECONDS [-o FILE]\n");
		return 2;
	}
	return parse(argv[optind]);
}
