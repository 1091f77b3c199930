// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of drivers/hybrid/irq-msg.c, run in user space: the MSI
 * message for a Xen HVM pirq, the pirq EOI rule, and the device lists of
 * hybrid-irq's adopt and exclude parameters.
 */
#include <errno.h>

#include "kselftest_harness.h"
#include "irq-msg.h"

/*
 * Xen's hvm_inject_msi() as it reads a message, written out again from
 * its description: vector 0 is a pirq made of address bits 40-63 and the
 * 8-bit destination id.
 */
static unsigned long long xen_pirq_of(const struct hybrid_msi_raw *m)
{
	unsigned long long addr = (unsigned long long)m->address_hi << 32 |
				  m->address_lo;

	if (m->data & 0xff)
		return 0;
	return ((addr >> 32) & 0xffffff00) | ((m->address_lo >> 12) & 0xff);
}

TEST(compose_small_pirq)
{
	struct hybrid_msi_raw m;

	ASSERT_EQ(0, hybrid_msi_compose_pirq(55, &m));
	EXPECT_EQ(0xfee37000U, m.address_lo);	/* dest id 55 = 0x37 */
	EXPECT_EQ(0U, m.address_hi);
	EXPECT_EQ(0x700U, m.data);		/* vector 0, ExtINT */
	EXPECT_EQ(55ULL, xen_pirq_of(&m));
}

TEST(compose_large_pirq)
{
	static const unsigned int pirqs[] = {
		1, 0xff, 0x100, 0x1ff, 0x12345, 0xabcdef, 0x7fffffff,
	};
	struct hybrid_msi_raw m;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(pirqs); i++) {
		ASSERT_EQ(0, hybrid_msi_compose_pirq(pirqs[i], &m));
		EXPECT_EQ(pirqs[i], xen_pirq_of(&m));
		EXPECT_EQ(0xfee00000U, m.address_lo & 0xfff00fffU);
	}
}

TEST(compose_refuses_what_xen_cannot_decode)
{
	struct hybrid_msi_raw m = { 1, 2, 3 };

	EXPECT_EQ(-EINVAL, hybrid_msi_compose_pirq(0, &m));
	EXPECT_EQ(-EINVAL, hybrid_msi_compose_pirq(0x80000000U, &m));
	EXPECT_EQ(-EINVAL, hybrid_msi_compose_pirq(0xffffffffU, &m));
	/* and leaves the message alone */
	EXPECT_EQ(1U, m.address_lo);
	EXPECT_EQ(2U, m.address_hi);
	EXPECT_EQ(3U, m.data);
}

TEST(decode_round_trip)
{
	struct hybrid_msi_decoded d;
	struct hybrid_msi_raw m;
	unsigned int pirq;

	for (pirq = 1; pirq < 0x2000000; pirq = pirq * 3 + 1) {
		ASSERT_EQ(0, hybrid_msi_compose_pirq(pirq, &m));
		hybrid_msi_decode(&m, false, &d);
		ASSERT_EQ(HYBRID_MSI_PIRQ, d.target);
		ASSERT_EQ(pirq, d.pirq);
		/* the extended destination id does not apply to pirqs */
		hybrid_msi_decode(&m, true, &d);
		ASSERT_EQ(pirq, d.pirq);
	}
}

TEST(decode_lapic)
{
	/* what Linux writes for vector 0x22 to APIC id 1, edge, fixed */
	struct hybrid_msi_raw m = { 0xfee01000U, 0, 0x0022 };
	struct hybrid_msi_decoded d;

	hybrid_msi_decode(&m, false, &d);
	EXPECT_EQ(HYBRID_MSI_LAPIC, d.target);
	EXPECT_EQ(0x22, d.vector);
	EXPECT_EQ(1U, d.dest);
	EXPECT_EQ(0, d.delivery_mode);
	EXPECT_FALSE(d.logical);
	EXPECT_FALSE(d.level);
	EXPECT_STREQ("lapic", hybrid_msi_target_name(d.target));
}

TEST(decode_lapic_extended_destination)
{
	/* APIC id 0x2a5: low 8 bits 0xa5, bits 8-14 (0x2) in address 5-11 */
	struct hybrid_msi_raw m = { 0xfeea5000U | 0x2 << 5, 0, 0x41 };
	struct hybrid_msi_decoded d;

	hybrid_msi_decode(&m, true, &d);
	EXPECT_EQ(HYBRID_MSI_LAPIC, d.target);
	EXPECT_EQ(0x2a5U, d.dest);
	hybrid_msi_decode(&m, false, &d);
	EXPECT_EQ(0xa5U, d.dest);
}

TEST(decode_invalid)
{
	struct hybrid_msi_raw not_msi = { 0x12345000U, 0, 0x22 };
	struct hybrid_msi_raw pirq0 = { 0xfee00000U, 0, 0x700 };
	struct hybrid_msi_raw negative = { 0xfee01000U, 0x80000000U, 0x700 };
	struct hybrid_msi_decoded d;

	hybrid_msi_decode(&not_msi, false, &d);
	EXPECT_EQ(HYBRID_MSI_INVALID, d.target);
	hybrid_msi_decode(&pirq0, false, &d);
	EXPECT_EQ(HYBRID_MSI_INVALID, d.target);
	hybrid_msi_decode(&negative, false, &d);
	EXPECT_EQ(HYBRID_MSI_INVALID, d.target);
	EXPECT_STREQ("invalid", hybrid_msi_target_name(d.target));
	EXPECT_STREQ("pirq", hybrid_msi_target_name(HYBRID_MSI_PIRQ));
}

TEST(eoi_rule)
{
	/* mapped at bind time (passed through): as Xen says, always yes */
	EXPECT_TRUE(hybrid_pirq_needs_eoi(0, true));
	EXPECT_FALSE(hybrid_pirq_needs_eoi(0, false));
	/* unmapped at bind time: an emulated MSI pirq, nothing to EOI */
	EXPECT_FALSE(hybrid_pirq_needs_eoi(-EINVAL, false));
	/* any other failure: EOI rather than risk a stuck device */
	EXPECT_TRUE(hybrid_pirq_needs_eoi(-ENOENT, false));
	EXPECT_TRUE(hybrid_pirq_needs_eoi(-EFAULT, false));
	EXPECT_TRUE(hybrid_pirq_needs_eoi(-EPERM, true));
}

TEST(dev_list_valid)
{
	EXPECT_TRUE(hybrid_dev_list_valid("", true));
	EXPECT_TRUE(hybrid_dev_list_valid("\t\n", false));
	EXPECT_TRUE(hybrid_dev_list_valid("0000:00:04.0", false));
	EXPECT_TRUE(hybrid_dev_list_valid("0000:00:04.0\n", false));
	EXPECT_TRUE(hybrid_dev_list_valid("0000:00:04.0,0000:03:1f.7", false));
	EXPECT_TRUE(hybrid_dev_list_valid(" 0000:00:04.0  ffff:FF:00.1 ,", false));
	EXPECT_TRUE(hybrid_dev_list_valid("all", true));
	EXPECT_TRUE(hybrid_dev_list_valid("all,0000:00:04.0", true));

	EXPECT_FALSE(hybrid_dev_list_valid("all", false));
	EXPECT_FALSE(hybrid_dev_list_valid("bogus", true));
	EXPECT_FALSE(hybrid_dev_list_valid("alll", true));
	EXPECT_FALSE(hybrid_dev_list_valid("00:04.0", true));	/* no domain */
	EXPECT_FALSE(hybrid_dev_list_valid("0000:00:04.8", true));	/* function 8 */
	EXPECT_FALSE(hybrid_dev_list_valid("0000:00:20.0", true));	/* slot 32 */
	EXPECT_FALSE(hybrid_dev_list_valid("0000:00:04.00", true));
	EXPECT_FALSE(hybrid_dev_list_valid("0000:0g:04.0", true));
	EXPECT_FALSE(hybrid_dev_list_valid("0000-00:04.0", true));
	EXPECT_FALSE(hybrid_dev_list_valid("0000:00:04.0;0000:00:05.0", true));
}

TEST(dev_list_has)
{
	const char *nic = "0000:00:04.0";

	EXPECT_FALSE(hybrid_dev_list_has("", nic, true));
	EXPECT_TRUE(hybrid_dev_list_has("0000:00:04.0", nic, false));
	EXPECT_TRUE(hybrid_dev_list_has("0000:00:05.0, 0000:00:04.0\n", nic, false));
	EXPECT_TRUE(hybrid_dev_list_has("0000:00:0A.0", "0000:00:0a.0", false));
	EXPECT_FALSE(hybrid_dev_list_has("0000:00:04.1", nic, true));
	EXPECT_FALSE(hybrid_dev_list_has("0000:00:04.0", "0000:00:04", true));
	EXPECT_TRUE(hybrid_dev_list_has("all", nic, true));
	EXPECT_FALSE(hybrid_dev_list_has("all", nic, false));
	EXPECT_TRUE(hybrid_dev_list_has("0000:00:05.0 all", nic, true));
}

/*
 * The policy's whole decision table: 32 combinations of the five facts,
 * each checked against the rule as docs/interrupts.md states it, written
 * out independently of the code's order of tests.
 */
TEST(policy_table)
{
	struct hybrid_irq_facts f;
	enum hybrid_irq_path want;
	unsigned int bits;

	for (bits = 0; bits < 32; bits++) {
		f.on_pirq = bits & 1;
		f.apic_virt = bits & 2;
		f.assist = bits & 4;
		f.assist_on = bits & 8;
		f.hvm_pirqs = bits & 16;

		if (f.on_pirq)
			want = HYBRID_PATH_PIRQ;
		else if (!f.apic_virt && f.assist && f.assist_on)
			want = HYBRID_PATH_ASSIST;
		else if (!f.apic_virt && f.hvm_pirqs)
			want = HYBRID_PATH_EVTCHN;
		else
			want = HYBRID_PATH_LEAVE;
		EXPECT_EQ(want, hybrid_irq_policy(&f)) {
			TH_LOG("facts 0x%02x", bits);
		}
	}
}

/* The rows docs/interrupts.md names, one by one. */
TEST(policy_rows)
{
	struct hybrid_irq_facts amd_viridian = {
		.assist = true, .assist_on = true,
	};
	struct hybrid_irq_facts intel_apicv = {
		.apic_virt = true, .assist = true, .assist_on = true,
		.hvm_pirqs = true,
	};
	struct hybrid_irq_facts pirqs_only = { .hvm_pirqs = true };
	struct hybrid_irq_facts both_off = {
		.assist = true, .hvm_pirqs = true,
	};
	struct hybrid_irq_facts nothing = { };
	struct hybrid_irq_facts xen417_boot = {
		.on_pirq = true, .assist = true, .assist_on = true,
		.hvm_pirqs = true,
	};

	EXPECT_EQ(HYBRID_PATH_ASSIST, hybrid_irq_policy(&amd_viridian));
	EXPECT_EQ(HYBRID_PATH_LEAVE, hybrid_irq_policy(&intel_apicv));
	EXPECT_EQ(HYBRID_PATH_EVTCHN, hybrid_irq_policy(&pirqs_only));
	EXPECT_EQ(HYBRID_PATH_EVTCHN, hybrid_irq_policy(&both_off));
	EXPECT_EQ(HYBRID_PATH_LEAVE, hybrid_irq_policy(&nothing));
	EXPECT_EQ(HYBRID_PATH_PIRQ, hybrid_irq_policy(&xen417_boot));
}

TEST_HARNESS_MAIN
