# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# dom0 side of the hybrid-irq tests (dash), sourced by the migrate suite's
# run.sh with the rig's helpers loaded.  The guest's tests leave
# hybrid-irq loaded with adopt=<its NIC>, which adopts the NIC where it is
# on pirqs, moves it onto event channels where it is on the LAPIC and Xen
# offers HVM pirqs, and leaves it alone on the LAPIC otherwise; these
# change that while dom0 pings the guest and count what came back.
#
#   scen_irq_traffic NAME  give the NIC back, adopt it again, unload and
#                          load hybrid-irq, over and over while dom0 sends
#                          IRQ_PINGS echo requests: every one answered;
#                          then 200 more, and the adoption's completions
#                          match the interrupts (where the NIC is on
#                          pirqs or moved onto event channels; left alone
#                          on the LAPIC, the answers are reported)
#   scen_irq_affinity NAME on a guest with 2 vCPUs: the NIC's vectors
#                          moved from one vCPU to the other and back,
#                          over and over while dom0 sends IRQ_PINGS echo
#                          requests: after each move most of the
#                          interrupts on its new vCPU, every request
#                          answered, and the
#                          adoption's completions still match its
#                          interrupts
#   scen_irq_checkpoint NAME
#                          xl save -c, a checkpoint: the guest suspends
#                          and its suspend is cancelled once the image
#                          is written.  Once with the NIC as it is and,
#                          where it is on the assisted path, once more
#                          moved onto event channels (assist=N): the
#                          domain runs on, its NIC is on the same path
#                          (moved: with the same pirqs as before, a
#                          cancelled suspend takes no new pirq from Xen)
#                          and answers 50 pings; then assisted again
#   scen_irq_after NAME    after save/restore and migrations: the NIC is
#                          adopted again and answers every ping
#
#   irq_stream_start, irq_window_open, irq_window_close,
#   irq_window_hold, irq_window_release, irq_stream_stop NAME KIND
#                          a stream of pings from dom0 across the migrate
#                          suite's announced save/restore (held for its
#                          window) and, with RIG_STREAM=1, its live
#                          migrations (scen_notify brackets each with a
#                          window): none lost outside the windows, traffic
#                          back within IRQ_RESUME_MAX seconds of each, and
#                          the NIC adopted again counts its completions

# 50 a second: at 200 a second both 6.12 guests under TCG logged soft
# lockups of a kworker for 20-50 s, with or without adoption, and lost
# replies.
IRQ_PINGS=${IRQ_PINGS:-1000}

# irq_state NAME: the guest's irq-state answer in IRQSTATE, or fail
irq_state() {
	IRQSTATE=
	ask "$(xl domid "$1")" 60 irq-state || return 1
	IRQSTATE=$ANSWER
}

irq_kv() { echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

# irq_ours: true if IRQSTATE says the NIC is hybrid-irq's, on Linux's
# pirqs adopted in place, on event channels it moved them to, or on the
# LAPIC with its EOIs assisted
irq_ours() {
	case $(irq_kv delivery "$IRQSTATE") in
	pirq | evtchn | assist) return 0 ;;
	esac
	return 1
}

# irq_adopted NAME DESC: ok if every vector of the NIC is adopted where
# it is on pirqs or could move there, and none where it is on the LAPIC
# without HVM pirqs (left alone)
irq_adopted() {
	if ! irq_state "$1"; then
		not_ok "$2 (the guest did not answer)"
		return
	fi
	_v=$(irq_kv vecs "$IRQSTATE")
	_w=0
	irq_ours && _w=$_v
	if [ "${_v:-0}" -gt 0 ] && [ "$(irq_kv adopted "$IRQSTATE")" = "$_w" ]; then
		ok "$2 ($IRQSTATE)"
	else
		not_ok "$2"
		diag "  got: $IRQSTATE"
	fi
}

# irq_completions NAME DESC: ok if the adopted NIC's completions are
# within 2 of its interrupts since adoption, and those are 50 or more;
# on the assisted path also that Xen's assist elided half of them or more
# (guest.sh, irq_elided)
irq_completions() {
	irq_state "$1"
	_e=$(irq_kv eois "$IRQSTATE")
	_i=$(irq_kv since "$IRQSTATE")
	if [ "${_i:-0}" -ge 50 ] && [ "$_e" -ge $(( _i - 2 )) ] && [ "$_e" -le $(( _i + 2 )) ]; then
		ok "$2 ($IRQSTATE)"
	else
		not_ok "$2, 50 or more ($IRQSTATE)"
	fi
	[ "$(irq_kv delivery "$IRQSTATE")" = assist ] || return 0
	_x=$(irq_kv elided "$IRQSTATE")
	if [ "$(( ${_x:-0} * 2 ))" -ge "${_e:-0}" ] && [ "${_e:-0}" -gt 0 ]; then
		ok "$2: Xen's APIC assist elided $_x of $_e EOIs"
	else
		not_ok "$2: Xen's APIC assist elided half of the EOIs or more ($_x of $_e)"
	fi
}

# irq_reported WHAT: true, with WHAT reported, where IRQSTATE says the
# NIC is left alone on the LAPIC: its traffic is not judged, since the
# stock 6.12 LAPIC guest lost echo requests under TCG on its own (9% at
# 200 a second, 2% at 100).  Where the guest did not answer (IRQSTATE
# empty), or the NIC is hybrid-irq's, the traffic is judged.
irq_reported() {
	if [ -z "$IRQSTATE" ] || irq_ours; then
		return 1
	fi
	diag "irq: LAPIC NIC left alone: $1"
}

# irq_judged NAME WHAT: true where the NIC's traffic is judged, after
# reading its state afresh (irq_reported)
irq_judged() {
	irq_state "$1"
	! irq_reported "$2"
}

# irq_under_pings DOMID OUT CMD...: while dom0 sends IRQ_PINGS echo
# requests (ping's output in OUT, its exit status in PING_RC), ask the
# guest CMD... one after another, over and over; every answer must begin
# with "ok".  ROUNDS: whole rounds answered; LAST: the last answer; BAD:
# the first command that failed and why, or empty.
irq_under_pings() {
	_d=$1 _o=$2
	shift 2
	ping -q -c "$IRQ_PINGS" -i 0.02 -W 10 "$GUEST_IP" >"$_o" 2>&1 &
	_p=$!
	ROUNDS=0 LAST= BAD=
	while [ -z "$BAD" ] && kill -0 "$_p" 2>/dev/null; do
		for _c in "$@"; do
			if ! ask "$_d" 180 $_c; then
				BAD="$_c: no answer"
			else
				case $ANSWER in
				ok*) LAST=$ANSWER ;;
				*) BAD="$_c: $ANSWER" ;;
				esac
			fi
			[ -z "$BAD" ] || break
		done
		[ -n "$BAD" ] || ROUNDS=$(( ROUNDS + 1 ))
	done
	wait "$_p"
	PING_RC=$?
}

scen_irq_traffic() {
	_n=$1
	_d=$(xl domid "$_n")
	irq_adopted "$_n" "irq: the guest's NIC is adopted (on pirqs, in place or moved there) or left alone (on the LAPIC) before the traffic"
	_t=$(now)
	irq_under_pings "$_d" "$RES/irq-ping.out" \
		"irq-adopt none" "irq-adopt nic" irq-rmmod "irq-load nic"
	_cycles=$ROUNDS _rc=$PING_RC
	is "${BAD:-none}" none "irq: NIC given back, adopted, hybrid-irq unloaded and loaded with adopt, $_cycles times under traffic"
	if [ "$_cycles" -gt 0 ]; then
		ok "irq: at least one whole cycle ran while dom0 pinged ($(elapsed "$_t")s)"
	else
		not_ok "irq: at least one whole cycle ran while dom0 pinged"
	fi
	_s=$(ping_summary "$RES/irq-ping.out")
	irq_adopted "$_n" "irq: the NIC is adopted (or left alone) at the end"
	# Left alone, nothing of the NIC's changed hands: its count is
	# reported (the state irq_adopted read).
	irq_reported "ping exit $_rc, sent and received ${_s:-none}" && return
	is "$_rc ${_s:-none}" "0 $IRQ_PINGS $IRQ_PINGS" \
		"irq: all $IRQ_PINGS echo requests sent across the moves were answered (ping exit, sent, received)"
	[ "$_rc" = 0 ] || diag "$(tail -n 3 "$RES/irq-ping.out")"
	# The last adoption under traffic of its own: each interrupt since it
	# was completed once through the adoption's chip.
	ping -q -c 200 -i 0.02 -W 10 "$GUEST_IP" >"$RES/irq-ping2.out" 2>&1
	_rc=$?
	is "$_rc $(ping_summary "$RES/irq-ping2.out")" "0 200 200" \
		"irq: 200 more pings of the adopted NIC, all answered"
	irq_completions "$_n" "irq: its completions counted match its interrupts since adoption"
}

scen_irq_affinity() {
	_n=$1
	_d=$(xl domid "$_n")
	_nv=$(xl list "$_n" 2>/dev/null | awk 'NR == 2 { print $4 }')
	if [ -z "$_nv" ]; then
		not_ok "irq: the guest's vCPUs, for moving its NIC's affinity (no domain $_n)"
		return
	fi
	if [ "$_nv" -lt 2 ]; then
		diag "irq: $_n has $_nv vCPU(s): its NIC's affinity is moved only in a guest with 2"
		return
	fi
	_t=$(now)
	irq_under_pings "$_d" "$RES/irq-ping-aff.out" "irq-affinity 1" "irq-affinity 0"
	_moves=$(( ROUNDS * 2 )) _rc=$PING_RC
	is "${BAD:-none}" none "irq: the NIC's vectors moved between vCPUs 0 and 1 under traffic, the interrupts after each move on its new vCPU"
	if [ "$_moves" -ge 2 ]; then
		ok "irq: $_moves moves while dom0 pinged ($(elapsed "$_t")s; last: $LAST)"
	else
		not_ok "irq: two moves or more while dom0 pinged (got $_moves)"
	fi
	_s=$(ping_summary "$RES/irq-ping-aff.out")
	irq_judged "$_n" "ping exit $_rc, sent and received ${_s:-none}" || return
	is "$_rc ${_s:-none}" "0 $IRQ_PINGS $IRQ_PINGS" \
		"irq: all $IRQ_PINGS echo requests sent across the affinity moves were answered (ping exit, sent, received)"
	irq_completions "$_n" "irq: after the moves the completions counted still match the interrupts since adoption"
}

# irq_checkpoint NAME WHAT: one checkpoint of NAME, its NIC WHAT
irq_checkpoint() {
	_d=$(xl domid "$1")
	if ! ask "$_d" 60 irq-pirqs; then
		not_ok "irq: checkpoint, NIC $2: the guest reports its NIC's pirqs"
		return 1
	fi
	_p0=$ANSWER
	_t=$(now)
	if timeout 300 xl save -c "$1" "/save/$1.ckpt" >"$RES/$1-ckpt.out" 2>&1; then
		ok "irq: checkpoint, NIC $2: xl save -c ($(elapsed "$_t")s; $_p0)"
	else
		not_ok "irq: checkpoint, NIC $2: xl save -c"
		diag "$(tail -n 10 "$RES/$1-ckpt.out")"
		xen_hints
		rm -f "/save/$1.ckpt"
		return 1
	fi
	rm -f "/save/$1.ckpt"
	# hybrid-migrate tells of a cancelled suspend as of any resume
	RESUMES=$(( ${RESUMES:-0} + 1 ))
	is "$(xl domid "$1" 2>/dev/null)" "$_d" "irq: checkpoint, NIC $2: the domain runs on as domain $_d"
	alive "$1" "irq: checkpoint, NIC $2: after the cancelled suspend" || return 1
	ask "$_d" 60 irq-pirqs
	case $_p0 in
	delivery=evtchn*)
		# hybrid's own pirqs, from its pool
		is "$ANSWER" "$_p0" "irq: checkpoint, NIC $2: the NIC is moved again, onto the same pirqs" ;;
	*)
		# Linux's own pirqs (e1000e's vectors are new after a thaw)
		is "${ANSWER%% *}" "${_p0%% *}" "irq: checkpoint, NIC $2: the NIC is on the same path ($ANSWER)" ;;
	esac
	# where echo requests stop, should they: QEMU's reads of the NIC's
	# tap in dom0, the guest's NIC counters, its ICMP counters
	pings_traced "$_d" 50 "$RES/irq-ping-ckpt.out"
	_rc=$PING_RC _s=$PINGS
	diag "irq: checkpoint, NIC $2: over the pings QEMU read $TAP_READ frame(s) from the tap; the guest's counters: $NET_DELTA"
	irq_judged "$1" "after the checkpoint: ping exit $_rc, sent and received ${_s:-none}" || return 0
	_w="irq: checkpoint, NIC $2: it answers 50 pings of 50"
	if [ "$_rc $_s" = "0 50 50" ]; then
		ok "$_w"
	elif nic_deaf; then
		ok "irq: checkpoint, NIC $2: its receive interrupts arrive ($NET_DELTA)"
		todo "$_w" "stock e1000e after a thaw: interrupts arrive, its driver hands the stack nothing (docs/testing.md)"
	elif replies_lost_outside; then
		todo "$_w" "dom0 got ${_s#* } replies, but the guest took in and answered every request and its NIC sent them (docs/testing.md)"
	else
		is "$_rc $_s" "0 50 50" "$_w"
	fi
}

scen_irq_checkpoint() {
	_n=$1
	irq_checkpoint "$_n" "as it is" || return
	irq_state "$_n"
	[ "$(irq_kv delivery "$IRQSTATE")" = assist ] || return 0
	ask "$(xl domid "$_n")" 60 irq-assist N
	is "$ANSWER" ok "irq: checkpoint: assist=N gives the assisted NIC back and adopts it again"
	irq_state "$_n"
	case $(irq_kv delivery "$IRQSTATE") in
	evtchn) irq_checkpoint "$_n" "moved onto event channels" ;;
	*) diag "irq: checkpoint: with assist=N the NIC is $(irq_kv delivery "$IRQSTATE"), not moved (no HVM pirqs)" ;;
	esac
	ask "$(xl domid "$_n")" 60 irq-assist Y
	is "$ANSWER" ok "irq: checkpoint: assist=Y"
	irq_state "$_n"
	is "$(irq_kv delivery "$IRQSTATE")" assist "irq: checkpoint: the NIC is assisted again"
}

scen_irq_after() {
	_n=$1
	irq_adopted "$_n" "irq: after save/restore and migrations the NIC is adopted again (or still left alone)"
	ping -q -c 50 -i 0.02 -W 10 "$GUEST_IP" >"$RES/irq-ping-after.out" 2>&1
	_rc=$?
	_s=$(ping_summary "$RES/irq-ping-after.out")
	if irq_ours; then
		is "$_rc $_s" "0 50 50" "irq: and the adopted NIC answers 50 pings of 50"
	else
		# left alone: the stock LAPIC path's own losses are reported
		is "$_rc" 0 "irq: and the NIC answers pings (sent and received: $_s)"
	fi
}

# A stream of 20 echo requests a second from dom0, each answer stamped
# with dom0's clock (ping -D), running while the migrate suite saves and
# restores or migrates the guest.  Each move is a window of dom0 time;
# the guest is paused for part of it, and what is sent then is lost.
#
# A save/restore's window is held: dom0 sends nothing from the save
# until the restored guest's agent answers.  Traffic that reaches the
# emulated e1000e while the restored guest resumes its devices leaves
# the NIC receiving nothing more, with or without hybrid's modules
# (docs/testing.md, "A suspend under traffic").  Live migrations are
# not held, and stream only on request (RIG_STREAM=1): one of two
# control migrations lost the NIC too.
IRQ_RESUME_MAX=${IRQ_RESUME_MAX:-20}
IRQ_STREAM=

irq_stream_start() {
	: >"$RES/irq-windows"
	ping -D -i 0.05 -W 10 "$GUEST_IP" >"$RES/irq-stream.out" 2>&1 &
	IRQ_STREAM=$!
}

irq_window_open() {
	[ -z "$IRQ_STREAM" ] || printf '%s ' "$(date +%s.%N)" >>"$RES/irq-windows"
}

irq_window_close() {
	[ -z "$IRQ_STREAM" ] || date +%s.%N >>"$RES/irq-windows"
}

# irq_window_hold, irq_window_release: a window in which ping is stopped
irq_window_hold() {
	[ -n "$IRQ_STREAM" ] || return 0
	irq_window_open
	kill -STOP "$IRQ_STREAM"
}

irq_window_release() {
	[ -n "$IRQ_STREAM" ] || return 0
	kill -CONT "$IRQ_STREAM"
	irq_window_close
}

# irq_stream_answers SINCE: how many echo replies came after dom0 time SINCE
irq_stream_answers() {
	awk -v t="$1" '/ bytes from .*icmp_seq=/ && !/DUP!/ && substr($1, 2) + 0 > t { n++ }
		END { print n + 0 }' "$RES/irq-stream.out"
}

irq_stream_back() { [ "$(irq_stream_answers "$1")" -ge 100 ]; }

# irq_stream_verdict: one line from the stream and its windows,
#   "lost=L gaps=G dup=D late=S tail=T resume=MAX inside=I"
# L: requests lost outside every window (a gap in the answered sequence
#    numbers whose last answer before and first after span no window,
#    or any gap before the first answer)
# G: gaps that a window explains, I requests in them; MAX: the longest
#    time from a window's end to the first answer after its gap; S: how
#    many of those came more than IRQ_RESUME_MAX seconds after the
#    window's end
# T: requests sent after the last answer, in flight when the stream
#    stopped: "tail=" is 0 to 9, or "many"
irq_stream_verdict() {
	awk -v wf="$RES/irq-windows" -v max="$IRQ_RESUME_MAX" '
	BEGIN {
		while ((getline l < wf) > 0)
			if (split(l, a, " ") == 2) { ws[++nw] = a[1]; we[nw] = a[2] }
	}
	/ bytes from .*icmp_seq=/ {
		if (/DUP!/) { dup++; next }
		s = $0; sub(/.*icmp_seq=/, "", s); sub(/ .*/, "", s); s += 0
		at[s] = substr($1, 2) + 0
		if (s > top) top = s
	}
	/ packets transmitted, / { sent = $1 }
	END {
		prev = 0
		for (s = 1; s <= top; s++) {
			if (!(s in at)) continue
			if (s > prev + 1) {
				w = 0
				for (j = 1; prev && j <= nw; j++)
					if (at[prev] < we[j] && at[s] > ws[j]) w = j
				if (!w) {
					lost += s - prev - 1
				} else {
					gaps++
					inside += s - prev - 1
					r = at[s] - we[w]
					if (r > rmax) rmax = r
					if (r > max) late++
				}
			}
			prev = s
		}
		tail = sent - top
		printf "lost=%d gaps=%d dup=%d late=%d tail=%s resume=%.1f inside=%d\n",
			lost, gaps, dup, late, tail < 10 ? tail : "many", rmax, inside
	}' "$RES/irq-stream.out"
}

# irq_stream_stop NAME KIND: once 100 answers came after the last
# window, stop the stream and judge it; KIND: migration or save
irq_stream_stop() {
	[ -n "$IRQ_STREAM" ] || return
	_w=$(tail -n 1 "$RES/irq-windows" | cut -d' ' -f2)
	_w=${_w:-0}
	_nw=$(grep -c ' ' "$RES/irq-windows")
	case $2 in
	save)
		_last="the announced save/restore (held from the save until the guest answered)"
		_across="an announced save/restore" ;;
	*)
		_last="the last migration"
		_across="$_nw live migrations" ;;
	esac
	if wait_for 120 irq_stream_back "$_w"; then
		ok "irq: the stream of pings is answered again after $_last"
	else
		not_ok "irq: the stream of pings is answered again after $_last (100 answers in 120 s)"
	fi
	kill -INT "$IRQ_STREAM"
	wait "$IRQ_STREAM"
	IRQ_STREAM=
	_v=$(irq_stream_verdict)
	_s=$(ping_summary "$RES/irq-stream.out")
	irq_judged "$1" "stream across $_across: sent and received ${_s:-none}, $_v" || return
	like "$_v" "lost=0 gaps=[0-9]+ dup=0 late=0 tail=[0-9] resume=.*" \
		"irq: a stream of pings across $_across of the adopted NIC: none lost outside its windows, answered again within ${IRQ_RESUME_MAX}s of each (sent and received ${_s:-none}; $_v)"
	irq_completions "$1" "irq: the NIC adopted again after the last resume counts its completions"
}
