#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench-irq: VM exits of the interrupt path, counted by Xen.
#
# Boots the rig's Xen profiles (PROFILE, default "xen417 xen420": a 6.1
# guest on Xen 4.17, booted as is and with xen_no_vector_callback (its
# MSIs left on the LAPIC, for hybrid-irq to move), a 6.12 guest on Xen
# 4.20 with and without hvm_pirq)
# with only the irqbench scenario, then prints two Markdown tables from
# the IRQBENCH lines dom0 wrote (selftests/rig/dom0/scenarios.sh):
#
#  - per received packet and per delivered NIC interrupt, under no load,
#    a flood ping and UDP streams at IRQBENCH_RATES datagrams/s, each for
#    IRQBENCH_SECS: VM exits in all and by reason, net of the idle
#    window's;
#  - per mask+unmask of one NIC vector (hybrid-irq's maskbench,
#    IRQBENCH_MASKS pairs against a window with none; exits in all are
#    also net of the idle window's rate over the run's length).
#
# Each guest runs it all twice: with the NIC as the stock kernel has it,
# and adopted by hybrid-irq.  The rows are labelled with issue #6's
# configurations: (a) stock LAPIC, (b) stock pirq, (c) hybrid-irq's.
# The guests are the rig's defaults with one vCPU each, as in
# BASELINES.md, whatever options make check gives them (RIG_GUESTS, if
# set, replaces them for every profile).
#
#   selftests/irq/bench.sh            run, then print
#   selftests/irq/bench.sh --print    print from the last run's results
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)

# bench_guests PROFILE: the profile's guests for the bench
bench_guests() {
	case $1 in
	xen417) echo "g61:$DEB12_KABI-amd64:default g61nvcvir:$DEB12_KABI-amd64:default:novcb,vir" ;;
	xen420) echo "g613vir:$DEB13_KABI-amd64:default:vir g613pirqvir:$DEB13_KABI-amd64:1:vir" ;;
	esac
}

if [ "${1:-}" != --print ]; then
	. "$top/selftests/versions.env"
	mkdir -p "$top/build"
	: >"$top/build/bench-irq.log"
	for p in ${PROFILE:-xen417 xen420}; do
		PROFILE=$p SCENARIO=irqbench RIG_GUESTS=${RIG_GUESTS:-$(bench_guests "$p")} \
			"$top/selftests/check.sh" rig >>"$top/build/bench-irq.log" 2>&1 || true
	done
fi

lines=$(cat "$top"/build/rig/xen4*/results.tap 2>/dev/null | sed -n 's/^# IRQBENCH //p')
if [ -z "$lines" ]; then
	echo "bench-irq: no IRQBENCH lines in build/rig/*/results.tap (see build/bench-irq.log)" >&2
	exit 1
fi

label() { # PROFILE GUEST DELIVERY
	case $1 in
	xen417) x="Xen 4.17" ;;
	xen420) x="Xen 4.20" ;;
	*) x=$1 ;;
	esac
	case $2 in *pirq*) x="$x, hvm_pirq=1" ;; esac
	case $2 in *nvc*) x="$x, guest booted with xen_no_vector_callback" ;; esac
	case $2 in *vir*) x="$x, viridian" ;; esac
	case $3 in
	pirq) echo "(b) $x, stock pirq event channels" ;;
	lapic) echo "(a) $x, LAPIC vectors" ;;
	pirq/adopted) echo "(c) $x, pirq event channels, adopted by hybrid-irq" ;;
	evtchn/adopted) echo "(c) $x, moved onto event channels by hybrid-irq" ;;
	lapic/adopted) echo "(c) $x, LAPIC vectors, left alone by hybrid-irq (adopt=NIC)" ;;
	assist/adopted) echo "(d) $x, LAPIC vectors, EOI assisted by hybrid-irq" ;;
	*) echo "$x, $3" ;;
	esac
}

echo "$lines" | awk -v OFS=' | ' '
function kv(s,   i, n, a, b) {
	delete v
	n = split(s, a, " ")
	for (i = 1; i <= n; i++)
		if (split(a[i], b, "=") == 2)
			v[b[1]] = b[2]
}
function per(x, y, n) { return n > 0 ? sprintf("%.2f", (x - y) / n) : "-" }
$4 !~ /^mask/ {
	key = $1 " " $2 " " $3
	kv($0)
	if ($4 == "idle") {
		for (k in v) idle[key, k] = v[k]
		next
	}
	if (!(key in seen)) { order[++nk] = key; seen[key] = 1 }
	row[key, ++nr[key]] = $0
	next
}
{
	key = $1 " " $2 " " $3
	kv($0)
	if (v["ops"] == 0) { for (k in v) m0[key, k] = v[k]; next }
	mask[key] = $0
}
END {
	print "### VM exits per received packet and per delivered NIC interrupt (net of an idle window)"
	print ""
	print "| configuration | load | NIC irqs | rx pkts | exits/pkt | exits/irq | APIC EOI writes/irq | upcalls/irq | device-vector EOI writes/irq | device vectors/irq | VINTR/irq | NPF/irq | VMMCALL/irq | PHYSDEVOP | lost |"
	print "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
	for (i = 1; i <= nk; i++) {
		key = order[i]
		for (j = 1; j <= nr[key]; j++) {
			split(row[key, j], f, " ")
			kv(row[key, j])
			n = v["dev_irqs"]
			printf "| %s | %s | %d | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %d | %d |\n", \
				"@" key, f[4], n, v["rx"], \
				per(v["exits"], idle[key, "exits"], v["rx"]), \
				per(v["exits"], idle[key, "exits"], n), \
				per(v["eoi"], idle[key, "eoi"], n), \
				per(v["upcalls"], idle[key, "upcalls"], n), \
				per(v["eoi"] - v["upcalls"], idle[key, "eoi"] - idle[key, "upcalls"], n), \
				per(v["devvec"], idle[key, "devvec"], n), \
				per(v["vintr"], idle[key, "vintr"], n), \
				per(v["npf"], idle[key, "npf"], n), \
				per(v["vmmcall"], idle[key, "vmmcall"], n), \
				v["physdevop"], v["lost"]
		}
		printf "| %s | idle (%ss) | %d | %d | - | %d exits | %d | %d | %d | %d | %d | %d | %d | %d | %d |\n", \
			"@" key, idle[key, "secs"], idle[key, "dev_irqs"], idle[key, "rx"], idle[key, "exits"], \
			idle[key, "eoi"], idle[key, "upcalls"], idle[key, "eoi"] - idle[key, "upcalls"], \
			idle[key, "devvec"], idle[key, "vintr"], \
			idle[key, "npf"], idle[key, "vmmcall"], idle[key, "physdevop"], idle[key, "lost"]
	}
	print ""
	print "### VM exits per mask+unmask of one NIC vector (hybrid-irq maskbench)"
	print ""
	print "| configuration | pairs | ns/pair in the guest | exits/pair | NPF/pair | VMMCALL/pair | MSR/pair | lost |"
	print "|---|---|---|---|---|---|---|---|"
	for (i = 1; i <= nk; i++) {
		key = order[i]
		if (!(key in mask))
			continue
		kv(mask[key])
		n = v["ops"]
		r = mask[key]
		sub(/.*result=./, "", r)
		split(r, rr, " ")
		# the background (timer, xenstore) grows with the run: take the
		# idle window rate times the length of the run off as well
		bg = idle[key, "secs"] > 0 ? idle[key, "exits"] / idle[key, "secs"] * rr[3] / 1e9 : 0
		printf "| %s | %d | %s | %s | %s | %s | %s | %d |\n", "@" key, n, \
			(rr[3] ~ /^[0-9]+/ && n ? sprintf("%.0f", rr[3] / n) : "-"), \
			per(v["exits"], m0[key, "exits"] + bg, n), per(v["npf"], m0[key, "npf"], n), \
			per(v["vmmcall"], m0[key, "vmmcall"], n), per(v["msr"], m0[key, "msr"], n), v["lost"]
	}
}' | while IFS= read -r l; do
	case $l in
	"| @"*)
		k=${l#| @}
		k=${k%% |*}
		set -- $k
		echo "| $(label "$1" "$2" "$3") ($2)${l#"| @$k"}"
		;;
	*) echo "$l" ;;
	esac
done
