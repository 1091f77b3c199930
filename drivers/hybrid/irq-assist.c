// SPDX-License-Identifier: GPL-2.0
/*
 * hybrid-irq: Xen's APIC assist.
 *
 * Xen implements the Hyper-V VP assist page for HVM domains whose xl.cfg
 * enables it (viridian = ["base", "apic_assist"], or viridian = 1).  Each
 * vCPU may give Xen a page of its own (MSR 0x40000073, the page's address
 * and an enable bit).  When Xen delivers an edge-triggered vector above
 * 0x10 to a vCPU whose local APIC has nothing else in service, it sets bit
 * 0 of the page's first word.  A guest that clears that bit atomically may
 * leave out the vector's EOI: Xen completes it by itself the next time it
 * finds an interrupt pending for the vCPU.  A guest that writes the EOI
 * anyway finds the bit cleared by Xen.  On a host without APIC
 * virtualization every EOI write is a VM exit; this one is not made.
 *
 * A stock kernel on Xen with viridian never registers the page (Linux's
 * own Hyper-V code runs only under Hyper-V), and it could not use it: the
 * kernel's EOI is not a module's to replace.  hybrid-irq registers a page
 * on every online vCPU, and gives the device vectors it adopts on the
 * LAPIC an irq_ack that calls hirq_assist_take() and writes the EOI only
 * if the bit was clear.  From a vector's delivery to its irq_ack
 * interrupts are off, so the bit an irq_ack finds set is that vector's.
 *
 * A page is registered and dropped in an irq_work on its vCPU.  The
 * self-IPI that runs it is an interrupt pending, at which Xen completes an
 * EOI skipped earlier; a vCPU that dropped its page with an EOI still
 * owed would never see it completed, and its vector would stay in service.
 * Xen clears a page when it is registered, and keeps the registration in
 * the domain's saved state; after a resume it is checked anyway, and made
 * again where it is no longer in force.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/cpuhotplug.h>
#include <linux/gfp.h>
#include <linux/irq.h>
#include <linux/irq_work.h>
#include <linux/kernel.h>
#include <linux/percpu.h>
#include <linux/seq_file.h>
#include <linux/workqueue.h>

#include <asm/io.h>
#include <asm/msr.h>
#include <asm/processor.h>

#include <xen/hybrid.h>

#include "compat/compat.h"
#include "hybrid-irq.h"
#include "irq-assist.h"

/* Hyper-V's Top Level Functional Specification, as Xen implements it. */
#define HV_MSR_VP_ASSIST_PAGE		0x40000073
#define HV_VP_ASSIST_PAGE_ENABLE	BIT_ULL(0)
#define HV_APIC_ASSIST_NO_EOI		BIT(0)

#define HIRQ_NO_VIRIDIAN \
	"the domain has no viridian APIC MSRs (xl.cfg: viridian = [\"base\", \"apic_assist\"])"

struct hirq_assist_cpu {
	u32 *page;		/* the VP assist page; bit 0 of word 0 */
	struct irq_work work;
	bool want;		/* what the irq_work is to do: register or drop */
	bool registered;	/* Xen has the page */
	int failed;		/* registering it failed, while online */
	int err;		/* of the irq_work's MSR write */
	unsigned int redone;	/* registrations made again after a resume */
};

static DEFINE_PER_CPU(struct hirq_assist_cpu, hirq_assist_cpus);
static int hirq_assist_state;		/* the CPU hotplug state, if > 0 */
static const char *hirq_assist_off;	/* why the assist is not used */

static u64 hirq_assist_msr_val(const struct hirq_assist_cpu *ac)
{
	return virt_to_phys(ac->page) | HV_VP_ASSIST_PAGE_ENABLE;
}

/* On the vCPU itself, interrupts off, just after its own EOI. */
static void hirq_assist_msr(struct irq_work *work)
{
	struct hirq_assist_cpu *ac = container_of(work, struct hirq_assist_cpu,
						  work);
	u64 val = ac->want ? hirq_assist_msr_val(ac) : 0;
	u64 now = 0;

	ac->err = wrmsrl_safe(HV_MSR_VP_ASSIST_PAGE, val);
	if (!ac->err &&
	    (rdmsrl_safe(HV_MSR_VP_ASSIST_PAGE, &now) || now != val))
		ac->err = -EIO;
	if (ac->err)
		return;
	ac->registered = ac->want;
	/* Xen no longer writes it; nothing may find the bit set now. */
	if (!ac->want)
		WRITE_ONCE(*ac->page, 0);
}

/* Registers or drops this vCPU's page; from a task bound to the vCPU. */
static int hirq_assist_set(struct hirq_assist_cpu *ac, bool want)
{
	ac->want = want;
	ac->err = 0;
	irq_work_queue(&ac->work);
	irq_work_sync(&ac->work);
	return ac->err;
}

static int hirq_assist_online(unsigned int cpu)
{
	struct hirq_assist_cpu *ac = per_cpu_ptr(&hirq_assist_cpus, cpu);
	int err = -ENOMEM;

	if (!ac->page)
		ac->page = (u32 *)get_zeroed_page(GFP_KERNEL);
	if (ac->page)
		err = hirq_assist_set(ac, true);
	/* A vCPU works without it: its bit is never set. */
	ac->failed = err;
	if (err)
		pr_warn("vCPU %u: VP assist page not registered: %d\n", cpu,
			err);
	return 0;
}

static int hirq_assist_offline(unsigned int cpu)
{
	struct hirq_assist_cpu *ac = per_cpu_ptr(&hirq_assist_cpus, cpu);
	int err;

	ac->failed = 0;
	if (!ac->registered)
		return 0;
	err = hirq_assist_set(ac, false);
	if (err)
		pr_warn("vCPU %u: VP assist page not dropped: %d\n", cpu, err);
	return 0;
}

/* Why the assist cannot be used here, or NULL. */
static const char *hirq_assist_probe(void)
{
	struct hybrid_info hi;

	hybrid_get_info(&hi);
	if (hi.hvm_flags &
	    (XEN_HVM_CPUID_APIC_ACCESS_VIRT | XEN_HVM_CPUID_X2APIC_VIRT))
		return "Xen virtualizes the APIC: EOIs cost no exit";
	if (!hi.viridian_apic)
		return HIRQ_NO_VIRIDIAN;
	return NULL;
}

/**
 * hirq_assist_init - registers a VP assist page on every online vCPU
 *
 * Returns 0, also where the assist cannot be used (hirq_assist_ready()
 * says so then), or a negative errno.
 */
int hirq_assist_init(void)
{
	unsigned int cpu;
	int ret;

	for_each_possible_cpu(cpu)
		init_irq_work(&per_cpu_ptr(&hirq_assist_cpus, cpu)->work,
			      hirq_assist_msr);
	hirq_assist_off = hirq_assist_probe();
	if (hirq_assist_off)
		return 0;
	ret = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "hybrid/irq-assist:online",
				hirq_assist_online, hirq_assist_offline);
	if (ret < 0) {
		hirq_assist_off = "CPU hotplug state not available";
		return ret;
	}
	hirq_assist_state = ret;
	return 0;
}

/*
 * Drops every page; no adopted vector may use the assist any more.  A page
 * Xen did not let go of stays allocated.
 */
void hirq_assist_exit(void)
{
	struct hirq_assist_cpu *ac;
	unsigned int cpu;

	if (hirq_assist_state > 0)
		cpuhp_remove_state(hirq_assist_state);
	hirq_assist_state = 0;
	for_each_possible_cpu(cpu) {
		ac = per_cpu_ptr(&hirq_assist_cpus, cpu);
		if (ac->registered)
			continue;
		free_page((unsigned long)ac->page);
		ac->page = NULL;
	}
}

static long hirq_assist_recheck(void *arg)
{
	struct hirq_assist_cpu *ac = arg;
	u64 now = 0;

	if (!ac->registered)
		return 0;
	if (!rdmsrl_safe(HV_MSR_VP_ASSIST_PAGE, &now) &&
	    now == hirq_assist_msr_val(ac))
		return 0;
	ac->registered = false;
	ac->failed = hirq_assist_set(ac, true);
	if (!ac->failed)
		ac->redone++;
	return 0;
}

/* After a resume: every online vCPU's registration still in force. */
void hirq_assist_resume(void)
{
	unsigned int cpu;

	if (hirq_assist_state <= 0)
		return;
	cpus_read_lock();
	for_each_online_cpu(cpu)
		work_on_cpu(cpu, hirq_assist_recheck,
			    per_cpu_ptr(&hirq_assist_cpus, cpu));
	cpus_read_unlock();
}

/* Why adopted vectors cannot have their EOIs elided, or NULL. */
const char *hirq_assist_why_not(void)
{
	unsigned int cpu;

	if (hirq_assist_off)
		return hirq_assist_off;
	for_each_online_cpu(cpu)
		if (per_cpu_ptr(&hirq_assist_cpus, cpu)->failed)
			return "the VP assist page MSR failed on a vCPU";
	return NULL;
}

bool hirq_assist_ready(void)
{
	return !hirq_assist_why_not();
}

/* How many vCPUs have their page registered. */
unsigned int hirq_assist_registered(void)
{
	unsigned int cpu, n = 0;

	for_each_possible_cpu(cpu)
		n += per_cpu_ptr(&hirq_assist_cpus, cpu)->registered;
	return n;
}

/**
 * hirq_assist_take - may the vector being acknowledged skip its EOI?
 *
 * Called from an irq_ack, interrupts off.  True if Xen had set this vCPU's
 * assist bit for the vector, which is then cleared: Xen completes the EOI.
 * False otherwise: the caller writes the EOI.
 */
bool hirq_assist_take(void)
{
	u32 *page = this_cpu_read(hirq_assist_cpus.page);

	return page && (xchg(page, 0) & HV_APIC_ASSIST_NO_EOI);
}

/* For debugfs: one line per possible vCPU. */
void hirq_assist_show(struct seq_file *m)
{
	const struct hirq_assist_cpu *ac;
	const char *why = hirq_assist_why_not();
	unsigned int cpu;

	seq_printf(m, "assist %s%s\n", why ? "off: " : "ready",
		   why ? why : "");
	seq_puts(m, "# cpu online registered failed redone\n");
	for_each_possible_cpu(cpu) {
		ac = per_cpu_ptr(&hirq_assist_cpus, cpu);
		seq_printf(m, "%u %d %d %d %u\n", cpu, cpu_online(cpu),
			   ac->registered, ac->failed, ac->redone);
	}
}

/*
 * The assisted EOI (irq-assist.c): an adopted LAPIC vector's irq_ack
 * leaves the EOI to Xen when Xen set this vCPU's assist bit for it.  The
 * original irq_ack (the vector domain's, through the MSI chip) also
 * finishes the kernel's affinity changes: a move pending until the next
 * interrupt, and the old vector's release once one came on the new
 * target.  It runs in full while a change is under way, and the assist
 * only after the first interrupt on the new target.
 */
void hirq_as_ack(struct irq_data *d)
{
	struct hirq_adopt *a = hirq_ad(d);
	const struct cpumask *eff;

	atomic64_inc(&a->eois);
	if (!READ_ONCE(a->settling) && !irqd_is_setaffinity_pending(d) &&
	    hirq_assist_take()) {
		atomic64_inc(&a->elided);
		return;
	}
	if (READ_ONCE(a->settling)) {
		eff = irq_data_get_effective_affinity_mask(d);
		if (cpumask_test_cpu(smp_processor_id(), eff))
			WRITE_ONCE(a->settling, false);
	}
	a->orig->irq_ack(d);
}

int hirq_as_set_affinity(struct irq_data *d, const struct cpumask *dest,
			 bool force)
{
	struct hirq_adopt *a = hirq_ad(d);

	WRITE_ONCE(a->settling, true);
	return a->orig->irq_set_affinity(d, dest, force);
}
