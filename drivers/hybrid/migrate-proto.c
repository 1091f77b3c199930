// SPDX-License-Identifier: GPL-2.0
/*
 * hybrid-migrate: the host's request grammar (docs/protocol.md) and the
 * comparison of CPU feature snapshots.
 */
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>

#include "migrate-proto.h"

const u32 hybrid_cpuid_leaves[HYBRID_CPUID_NR_LEAVES][2] = {
	{ 0x00000001, 0 },
	{ 0x00000007, 0 },
	{ 0x00000007, 1 },
	{ 0x0000000d, 1 },
	{ 0x80000001, 0 },
	{ 0x80000007, 0 },
	{ 0x80000008, 0 },
};

/* Parses a decimal u64 with no sign and no leading zeros; moves *s past it. */
static int parse_u64(const char **s, u64 *val)
{
	const char *p = *s;
	u64 v = 0;

	if (*p < '0' || *p > '9' || (p[0] == '0' && p[1] >= '0' && p[1] <= '9'))
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (U64_MAX - (*p - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (*p - '0');
	}
	*s = p;
	*val = v;
	return 0;
}

static bool skip_word(const char **s, const char *word)
{
	size_t n = strlen(word);

	if (strncmp(*s, word, n) != 0)
		return false;
	*s += n;
	return true;
}

/*
 * Parses the host's request: "prepare ID TIMEOUT_MS", "abort ID", or the
 * empty string (no request).  IDs are 1..2^64-1, timeouts 1..one hour.
 * A single trailing newline is tolerated.  Returns 0 or -EINVAL/-ERANGE;
 * *req is only written on success.
 */
int hybrid_parse_request(const char *s, struct hybrid_req *req)
{
	struct hybrid_req r = { .op = HYBRID_REQ_NONE };
	u64 timeout;
	int err;

	if (skip_word(&s, "prepare ")) {
		r.op = HYBRID_REQ_PREPARE;
		err = parse_u64(&s, &r.id);
		if (err)
			return err;
		if (!skip_word(&s, " "))
			return -EINVAL;
		err = parse_u64(&s, &timeout);
		if (err)
			return err;
		if (!timeout || timeout > HYBRID_MAX_TIMEOUT_MS)
			return -ERANGE;
		r.timeout_ms = timeout;
	} else if (skip_word(&s, "abort ")) {
		r.op = HYBRID_REQ_ABORT;
		err = parse_u64(&s, &r.id);
		if (err)
			return err;
	}
	if (r.op != HYBRID_REQ_NONE && !r.id)
		return -ERANGE;
	if (*s == '\n')
		s++;
	if (*s)
		return -EINVAL;
	*req = r;
	return 0;
}

/* Bits that differ between CPUs of one domain: leaf 1 EBX[31:24], APIC ID. */
static u32 volatile_mask(unsigned int i, unsigned int reg)
{
	return (i == 0 && reg == 1) ? 0xff000000U : 0;
}

/*
 * Sets *changed to before XOR after, ignoring bits that differ between
 * CPUs, and returns whether any CPUID leaf differs.  The TSC frequency is
 * XORed too, but left to the caller to judge.
 */
bool hybrid_cpu_features_diff(const struct hybrid_cpu_features *before,
			      const struct hybrid_cpu_features *after,
			      struct hybrid_cpu_features *changed)
{
	bool any = false;
	unsigned int i;

	memset(changed, 0, sizeof(*changed));
	for (i = 0; i < HYBRID_CPUID_NR_LEAVES; i++) {
		const struct hybrid_cpuid_leaf *a = &before->leaves[i];
		const struct hybrid_cpuid_leaf *b = &after->leaves[i];
		struct hybrid_cpuid_leaf *c = &changed->leaves[i];

		c->leaf = a->leaf;
		c->subleaf = a->subleaf;
		c->eax = (a->eax ^ b->eax) & ~volatile_mask(i, 0);
		c->ebx = (a->ebx ^ b->ebx) & ~volatile_mask(i, 1);
		c->ecx = (a->ecx ^ b->ecx) & ~volatile_mask(i, 2);
		c->edx = (a->edx ^ b->edx) & ~volatile_mask(i, 3);
		if (c->eax | c->ebx | c->ecx | c->edx)
			any = true;
	}
	changed->tsc_khz = before->tsc_khz ^ after->tsc_khz;
	return any;
}
