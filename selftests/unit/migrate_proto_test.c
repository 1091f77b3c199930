// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of drivers/hybrid/migrate-proto.c and of the UAPI layout,
 * run in user space.
 */
#include <stddef.h>
#include <string.h>

#include "kselftest_harness.h"
#include "migrate-proto.h"

TEST(request_prepare)
{
	struct hybrid_req r;

	ASSERT_EQ(0, hybrid_parse_request("prepare 7 30000", &r));
	EXPECT_EQ(HYBRID_REQ_PREPARE, r.op);
	EXPECT_EQ(7, r.id);
	EXPECT_EQ(30000, r.timeout_ms);

	ASSERT_EQ(0, hybrid_parse_request("prepare 18446744073709551615 1\n", &r));
	EXPECT_EQ(18446744073709551615ULL, r.id);
	EXPECT_EQ(1, r.timeout_ms);
}

TEST(request_abort_and_none)
{
	struct hybrid_req r;

	ASSERT_EQ(0, hybrid_parse_request("abort 42", &r));
	EXPECT_EQ(HYBRID_REQ_ABORT, r.op);
	EXPECT_EQ(42, r.id);

	ASSERT_EQ(0, hybrid_parse_request("", &r));
	EXPECT_EQ(HYBRID_REQ_NONE, r.op);
}

TEST(request_bad)
{
	static const char * const bad[] = {
		"prepare", "prepare ", "prepare 7", "prepare 7 ", "prepare  7 1",
		"prepare 7 1 ", "prepare 7 1x", "prepare -7 1", "prepare +7 1",
		"prepare 07 1", "prepare 7 01", "PREPARE 7 1", "abort", "abort ",
		"abort x", "abort 1 2", "abort 1\n\n", "\n\n", " ", "suspend",
	};
	struct hybrid_req r = { .op = HYBRID_REQ_ABORT, .id = 99 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_NE(0, hybrid_parse_request(bad[i], &r)) {
			TH_LOG("accepted \"%s\"", bad[i]);
		}
	}
	/* A rejected request leaves *req alone. */
	EXPECT_EQ(HYBRID_REQ_ABORT, r.op);
	EXPECT_EQ(99, r.id);
}

TEST(request_ranges)
{
	struct hybrid_req r;

	EXPECT_EQ(-ERANGE, hybrid_parse_request("prepare 0 10", &r));
	EXPECT_EQ(-ERANGE, hybrid_parse_request("abort 0", &r));
	EXPECT_EQ(-ERANGE, hybrid_parse_request("prepare 7 0", &r));
	EXPECT_EQ(-ERANGE, hybrid_parse_request("prepare 7 3600001", &r));
	EXPECT_EQ(0, hybrid_parse_request("prepare 7 3600000", &r));
	EXPECT_EQ(-ERANGE,
		  hybrid_parse_request("prepare 18446744073709551616 1", &r));
	EXPECT_EQ(-ERANGE,
		  hybrid_parse_request("prepare 7 99999999999999999999", &r));
}

static void fill(struct hybrid_cpu_features *f)
{
	unsigned int i;

	memset(f, 0, sizeof(*f));
	for (i = 0; i < HYBRID_CPUID_NR_LEAVES; i++) {
		f->leaves[i].leaf = hybrid_cpuid_leaves[i][0];
		f->leaves[i].subleaf = hybrid_cpuid_leaves[i][1];
		f->leaves[i].eax = 0x1000 + i;
		f->leaves[i].ebx = 0x2000 + i;
		f->leaves[i].ecx = 0x3000 + i;
		f->leaves[i].edx = 0x4000 + i;
	}
	f->tsc_khz = 2000000;
}

TEST(cpu_same)
{
	struct hybrid_cpu_features a, b, c;
	unsigned int i;

	fill(&a);
	fill(&b);
	EXPECT_FALSE(hybrid_cpu_features_diff(&a, &b, &c));
	for (i = 0; i < HYBRID_CPUID_NR_LEAVES; i++) {
		EXPECT_EQ(hybrid_cpuid_leaves[i][0], c.leaves[i].leaf);
		EXPECT_EQ(hybrid_cpuid_leaves[i][1], c.leaves[i].subleaf);
		EXPECT_EQ(0, c.leaves[i].eax | c.leaves[i].ebx |
			     c.leaves[i].ecx | c.leaves[i].edx);
	}
	EXPECT_EQ(0, c.tsc_khz);
}

TEST(cpu_apic_id_is_not_a_change)
{
	struct hybrid_cpu_features a, b, c;

	fill(&a);
	fill(&b);
	b.leaves[0].ebx ^= 0x03000000;	/* another vCPU's APIC ID */
	EXPECT_FALSE(hybrid_cpu_features_diff(&a, &b, &c));
	EXPECT_EQ(0, c.leaves[0].ebx);
	b.leaves[0].ebx ^= 0x00000100;	/* but CLFLUSH size is */
	EXPECT_TRUE(hybrid_cpu_features_diff(&a, &b, &c));
	EXPECT_EQ(0x100, c.leaves[0].ebx);
}

TEST(cpu_feature_lost_and_gained)
{
	struct hybrid_cpu_features a, b, c;

	fill(&a);
	fill(&b);
	a.leaves[1].ebx |= 1u << 5;	/* 7.0 EBX: AVX2 before ... */
	b.leaves[1].ebx &= ~(1u << 5);	/* ... not after */
	b.leaves[4].ecx |= 1u << 11;	/* 0x80000001 ECX: XOP gained */
	EXPECT_TRUE(hybrid_cpu_features_diff(&a, &b, &c));
	EXPECT_EQ(1u << 5, c.leaves[1].ebx);
	EXPECT_EQ(1u << 11, c.leaves[4].ecx);
	EXPECT_EQ(0, c.leaves[1].ecx | c.leaves[4].edx | c.leaves[6].ebx);
	/* Which side has the bit tells lost from gained. */
	EXPECT_EQ(1u << 5, a.leaves[1].ebx & c.leaves[1].ebx);
	EXPECT_EQ(1u << 11, b.leaves[4].ecx & c.leaves[4].ecx);
}

TEST(cpu_tsc_is_reported_apart)
{
	struct hybrid_cpu_features a, b, c;

	fill(&a);
	fill(&b);
	b.tsc_khz = 2100000;
	EXPECT_FALSE(hybrid_cpu_features_diff(&a, &b, &c));
	EXPECT_EQ(2000000 ^ 2100000, c.tsc_khz);
}

/* The ABI is the same for 32- and 64-bit user space: fixed offsets. */
TEST(uapi_layout)
{
	EXPECT_EQ(128, sizeof(struct hybrid_migrate_event));
	EXPECT_EQ(8, offsetof(struct hybrid_migrate_event, seq));
	EXPECT_EQ(32, offsetof(struct hybrid_migrate_event, generation));
	EXPECT_EQ(40, offsetof(struct hybrid_migrate_event, prepare));
	EXPECT_EQ(48, sizeof(struct hybrid_migrate_complete));
	EXPECT_EQ(16, sizeof(struct hybrid_migrate_ack));
	EXPECT_EQ(64, sizeof(struct hybrid_migrate_info));
	EXPECT_EQ(176, sizeof(struct hybrid_cpu_features));
	EXPECT_EQ(536, sizeof(struct hybrid_migrate_cpu));
	EXPECT_EQ(528, offsetof(struct hybrid_migrate_cpu, changed_generation));
	EXPECT_EQ(224, sizeof(struct hybrid_migrate_page));
	EXPECT_EQ(8, offsetof(struct hybrid_migrate_page, generation));
}

TEST_HARNESS_MAIN
