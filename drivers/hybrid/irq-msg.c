// SPDX-License-Identifier: GPL-2.0
/*
 * Encoding and decoding of x86 MSI messages for Xen HVM pirqs, and the
 * EOI rule for pirqs.
 *
 * Xen's hvm_inject_msi() reads a message whose vector is 0 as a pirq:
 * bits 8-31 of the pirq from bits 8-31 of the upper address, bits 0-7
 * from the destination id field (address bits 12-19).  Any other vector
 * goes to the virtual LAPIC.
 */
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>

#include "irq-msg.h"

#define MSI_ADDR_BASE		0xfee00000U
#define MSI_ADDR_BASE_MASK	0xfff00000U
#define MSI_ADDR_DEST_SHIFT	12
#define MSI_ADDR_EXT_DEST_SHIFT	5	/* Xen's extended destination id */
#define MSI_ADDR_LOGICAL	BIT(2)
#define MSI_DATA_DELIVERY_SHIFT	8
#define MSI_DATA_LEVEL		BIT(15)
#define MSI_DELIVERY_EXTINT	7

/**
 * hybrid_msi_compose_pirq - the MSI message that Xen delivers as @pirq
 * @pirq: a pirq from PHYSDEVOP_get_free_pirq, 1 to HYBRID_PIRQ_MAX
 * @msg: filled in
 *
 * The same message Linux writes for its own HVM pirqs: vector 0, ExtINT
 * delivery (which no real MSI uses), physical destination.
 * Returns 0, or -EINVAL for a pirq Xen would not decode.
 */
int hybrid_msi_compose_pirq(u32 pirq, struct hybrid_msi_raw *msg)
{
	if (pirq == 0 || pirq > HYBRID_PIRQ_MAX)
		return -EINVAL;
	msg->address_hi = pirq & 0xffffff00U;
	msg->address_lo = MSI_ADDR_BASE | (pirq & 0xff) << MSI_ADDR_DEST_SHIFT;
	msg->data = MSI_DELIVERY_EXTINT << MSI_DATA_DELIVERY_SHIFT;
	return 0;
}

/**
 * hybrid_msi_decode - where a message goes, as Xen reads it
 * @msg: the message
 * @ext_dest_id: the domain uses Xen's extended destination id
 *	(XEN_HVM_CPUID_EXT_DEST_ID): address bits 5-11 are APIC id bits 8-14
 * @out: filled in
 */
void hybrid_msi_decode(const struct hybrid_msi_raw *msg, bool ext_dest_id,
		       struct hybrid_msi_decoded *out)
{
	u32 dest = (msg->address_lo >> MSI_ADDR_DEST_SHIFT) & 0xff;

	memset(out, 0, sizeof(*out));
	out->delivery_mode = (msg->data >> MSI_DATA_DELIVERY_SHIFT) & 7;
	out->logical = msg->address_lo & MSI_ADDR_LOGICAL;
	out->level = msg->data & MSI_DATA_LEVEL;
	if ((msg->address_lo & MSI_ADDR_BASE_MASK) != MSI_ADDR_BASE) {
		out->target = HYBRID_MSI_INVALID;
		return;
	}
	out->vector = msg->data & 0xff;
	if (!out->vector) {
		out->pirq = (msg->address_hi & 0xffffff00U) | dest;
		out->target = out->pirq && out->pirq <= HYBRID_PIRQ_MAX ?
			      HYBRID_MSI_PIRQ : HYBRID_MSI_INVALID;
		return;
	}
	if (ext_dest_id)
		dest |= ((msg->address_lo >> MSI_ADDR_EXT_DEST_SHIFT) & 0x7f) << 8;
	out->dest = dest;
	out->target = HYBRID_MSI_LAPIC;
}

const char *hybrid_msi_target_name(enum hybrid_msi_target target)
{
	switch (target) {
	case HYBRID_MSI_LAPIC:
		return "lapic";
	case HYBRID_MSI_PIRQ:
		return "pirq";
	default:
		return "invalid";
	}
}

/**
 * hybrid_pirq_needs_eoi - must completing this pirq call PHYSDEVOP_eoi?
 * @query_rc: what PHYSDEVOP_irq_status_query returned for it when it was
 *	bound
 * @xen_says_needs_eoi: XENIRQSTAT_needs_eoi in the query's flags
 *
 * Xen answers the query for an HVM domain in one of two ways.  A pirq
 * mapped to nothing gets -EINVAL: an emulated device's MSI pirq, which
 * Xen maps as an emulated IRQ when the device model injects it, and
 * which has no physical interrupt to acknowledge.  A mapped pirq always
 * gets XENIRQSTAT_needs_eoi (Xen says so conservatively, for any guest
 * without a pirq_eoi_map page); a passed-through device's pirq is mapped
 * before the guest binds it, and its physical interrupt stays
 * unacknowledged until the EOI hypercall.  Any other failure: EOI, since
 * a spurious EOI costs one hypercall and a lost one stops the device.
 * This is Linux's own rule (it queries at startup).
 */
bool hybrid_pirq_needs_eoi(int query_rc, bool xen_says_needs_eoi)
{
	if (query_rc == -EINVAL)
		return false;
	if (query_rc)
		return true;
	return xen_says_needs_eoi;
}

/*
 * Device lists, as the adopt and exclude parameters give them: tokens
 * separated by commas or spaces, each a PCI name in the form Linux
 * prints them (domain:bus:slot.function, 0000:00:04.0) or, where
 * allowed, "all".
 */
#define LIST_SEP	", \t\n"

static bool hex_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f') ||
		      (s[i] >= 'A' && s[i] <= 'F')))
			return false;
	return true;
}

/* "dddd:bb:ss.f": 12 characters, the slot below 0x20, the function below 8 */
static bool pci_name_shape(const char *s, size_t n)
{
	return n == 12 && hex_digits(s, 4) && s[4] == ':' &&
	       hex_digits(s + 5, 2) && s[7] == ':' && hex_digits(s + 8, 2) &&
	       s[10] == '.' && s[11] >= '0' && s[11] <= '7' &&
	       (s[8] == '0' || s[8] == '1');
}

/**
 * hybrid_irq_policy - the cheapest path of an adopted vector
 * @f: what the hypervisor offers and where the vector is
 *
 * A vector Linux bound to a pirq stays there (adopted in place): hybrid
 * cannot take it off.  A LAPIC vector stays as it is where Xen virtualizes
 * the APIC (its EOI costs no exit; Linux chose the LAPIC on purpose), has
 * its EOIs elided where the APIC assist is there (no upcall, no EOI exit),
 * else moves onto an event channel where Xen offers HVM pirqs (no MSI-X
 * table exits for masking, one upcall EOI per event), else stays alone.
 */
enum hybrid_irq_path hybrid_irq_policy(const struct hybrid_irq_facts *f)
{
	if (f->on_pirq)
		return HYBRID_PATH_PIRQ;
	if (f->apic_virt)
		return HYBRID_PATH_LEAVE;
	if (f->assist && f->assist_on)
		return HYBRID_PATH_ASSIST;
	if (f->hvm_pirqs)
		return HYBRID_PATH_EVTCHN;
	return HYBRID_PATH_LEAVE;
}

/**
 * hybrid_dev_list_valid - is @list a device list hybrid-irq accepts?
 * @list: the parameter's text; an empty list is valid
 * @all_ok: whether "all" may stand in it
 */
bool hybrid_dev_list_valid(const char *list, bool all_ok)
{
	const char *p = list + strspn(list, LIST_SEP);
	size_t n;

	while (*p) {
		n = strcspn(p, LIST_SEP);
		if (!pci_name_shape(p, n) &&
		    !(all_ok && n == 3 && !strncmp(p, "all", 3)))
			return false;
		p += n;
		p += strspn(p, LIST_SEP);
	}
	return true;
}

/**
 * hybrid_dev_list_has - does @list name the device @name?
 * @list: a valid device list
 * @name: the device's PCI name, as pci_name() gives it (lower case)
 * @all_ok: whether "all" in @list names every device
 *
 * Names compare without regard to case, since users may type either.
 */
bool hybrid_dev_list_has(const char *list, const char *name, bool all_ok)
{
	const char *p = list + strspn(list, LIST_SEP);
	size_t len = strlen(name), n;

	while (*p) {
		n = strcspn(p, LIST_SEP);
		if ((n == len && !strncasecmp(p, name, n)) ||
		    (all_ok && n == 3 && !strncmp(p, "all", 3)))
			return true;
		p += n;
		p += strspn(p, LIST_SEP);
	}
	return false;
}
