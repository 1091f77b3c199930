// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of drivers/hybrid/hvmfeat.c, run in user space.
 */
#include <string.h>

#include "kselftest_harness.h"
#include "hvmfeat.h"

TEST(callback_mode)
{
	EXPECT_EQ(HYBRID_CALLBACK_INTX, hybrid_callback_mode(false, false));
	/* A per-vCPU vector without vector callbacks cannot happen: INTx. */
	EXPECT_EQ(HYBRID_CALLBACK_INTX, hybrid_callback_mode(false, true));
	EXPECT_EQ(HYBRID_CALLBACK_VECTOR, hybrid_callback_mode(true, false));
	EXPECT_EQ(HYBRID_CALLBACK_PERCPU_VECTOR,
		  hybrid_callback_mode(true, true));
}

TEST(callback_names)
{
	EXPECT_STREQ("intx", hybrid_callback_name(HYBRID_CALLBACK_INTX));
	EXPECT_STREQ("vector", hybrid_callback_name(HYBRID_CALLBACK_VECTOR));
	EXPECT_STREQ("percpu-vector",
		     hybrid_callback_name(HYBRID_CALLBACK_PERCPU_VECTOR));
	EXPECT_STREQ("unknown", hybrid_callback_name((enum hybrid_callback)42));
}

TEST(flags_none)
{
	char buf[64] = "garbage";

	EXPECT_EQ(0, hybrid_hvm_flags_format(0, buf, sizeof(buf)));
	EXPECT_STREQ("", buf);
}

TEST(flags_some)
{
	/* vCPU id, domid and upcall vector, no APIC virtualization. */
	char buf[128];
	int n;

	n = hybrid_hvm_flags_format(0x58, buf, sizeof(buf));
	EXPECT_STREQ("vcpu-id domid upcall-vector", buf);
	EXPECT_EQ((int)strlen(buf), n);
}

TEST(flags_all_and_unknown)
{
	char buf[256];

	hybrid_hvm_flags_format(0x0000000f, buf, sizeof(buf));
	EXPECT_STREQ("apic-access-virt x2apic-virt iommu-mappings vcpu-id", buf);
	hybrid_hvm_flags_format(0x80000070, buf, sizeof(buf));
	EXPECT_STREQ("domid ext-dest-id upcall-vector bit31", buf);
}

TEST(flags_truncate)
{
	char buf[8];
	int n;

	memset(buf, 'x', sizeof(buf));
	n = hybrid_hvm_flags_format(0x3, buf, sizeof(buf));
	EXPECT_EQ(7, n);
	EXPECT_EQ('\0', buf[7]);
	EXPECT_EQ(0, strncmp(buf, "apic-ac", 7));
	/* A zero-sized buffer is never written. */
	EXPECT_EQ(0, hybrid_hvm_flags_format(0x3, buf, 0));
}

TEST_HARNESS_MAIN
