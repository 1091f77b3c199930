#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# notify-test.sh: tests of tools/xl-migrate-notify without Xen.  Stub
# xl, xenstore-read, xenstore-write and xenstore-watch commands keep a
# xenstore in files; the stub xenstore-write plays the guest, which
# answers a request as it is written (as the guest's driver would), and
# the stub xl plays the toolstack: a migration on this host (the domain
# gets a new domid and reports its resume), to another host (the domain
# is gone here and reports in that host's store, read through a stub ssh
# command) or a failure.  Prints TAP lines "ok - tools: notify: ...".
# Nothing waits on time: a step waits for a process to exit or for a
# line on a FIFO.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
notify=$top/tools/xl-migrate-notify
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bin=$tmp/bin
mkdir -p "$bin"
export STUB=$tmp/here REMOTE=$tmp/there

tap() { # STATUS(0=ok) DESCRIPTION
	if [ "$1" -eq 0 ]; then
		echo "ok - tools: notify: $2"
	else
		echo "not ok - tools: notify: $2"
	fi
}

run() { # ARGS...: runs the tool, keeping stdout, stderr and the exit status
	"$notify" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

expect() { # DESCRIPTION CONDITION...
	local what=$1
	shift
	if "$@"; then
		tap 0 "$what"
	else
		{
			echo "exit status $rc; stdout:"
			sed 's/^/  /' "$tmp/out"
			echo "stderr:"
			sed 's/^/  /' "$tmp/err"
		} >&2
		tap 1 "$what"
	fi
}

# json KEY: KEY of the JSON line on stdout, read by a strict reader (one
# line, an object, no duplicate keys, "version" 1 first, "exit" an
# integer: tools/tests/json-strict.py); "BAD" if it is not that
json() {
	python3 "$top/tools/tests/json-strict.py" --int exit "$tmp/out" "$1" 2>/dev/null || echo BAD
}

# ---- the stubs ----

cat >"$bin/xenstore-read" <<-'EOF'
#!/bin/sh
[ -f "$STUB/xs$1" ] || { echo "xenstore-read: couldn't read path $1" >&2; exit 1; }
cat "$STUB/xs$1"
EOF

# The guest answers each request as it is written (GUEST: ack, silent, or
# odd: an answer with JSON's special characters); EVENTS, if set, is a
# FIFO told of each request.
cat >"$bin/xenstore-write" <<-'EOF'
#!/bin/sh
mkdir -p "$(dirname "$STUB/xs$1")"
printf '%s' "$2" >"$STUB/xs$1.new" && mv "$STUB/xs$1.new" "$STUB/xs$1"
case $1 in */control/hybrid-migrate) ;; *) exit 0 ;; esac
resp=$STUB/xs${1%/control/hybrid-migrate}/data/hybrid-migrate/response
set -- $2
case $1:$(cat "$STUB/guest") in
prepare:ack) printf '%s ready 1 1' "$2" >"$resp" ;;
prepare:odd) printf '%s ready 1 1 "q\\b' "$2" >"$resp" ;;
abort:*) printf '%s aborted' "$2" >"$resp" ;;
esac
[ -z "${EVENTS:-}" ] || echo "$1" >"$EVENTS"
EOF

# Prints the path at once and at every change of its node (a stub may
# look now and then: the tool under test waits on its output).
cat >"$bin/xenstore-watch" <<-'EOF'
#!/bin/sh
echo "$1"
last=$(cat "$STUB/xs$1" 2>/dev/null)
while :; do
	now=$(cat "$STUB/xs$1" 2>/dev/null)
	[ "$now" = "$last" ] || { echo "$1"; last=$now; }
	sleep 0.05
done
EOF

# xl domid DOMAIN; xl migrate [OPT...] DOMAIN HOST as MIGRATE says (here:
# the domain gets domid+1 on this host; there: it goes to REMOTE's store,
# as domid 9; fail); xl save DOMAIN FILE
cat >"$bin/xl" <<-'EOF'
#!/bin/bash
case $1 in
domid) [ -f "$STUB/dom/$2" ] && exec cat "$STUB/dom/$2"; echo "xl: no domain $2" >&2; exit 1 ;;
save) echo "$*" >"$STUB/xl.args"; exit 0 ;;
migrate) ;;
*) exit 1 ;;
esac
echo "$*" >"$STUB/xl.args"
shift
dom=${*: -2:1}
old=$(cat "$STUB/dom/$dom")
req=$(cat "$STUB/xs/local/domain/$old/control/hybrid-migrate" 2>/dev/null)
id=${req#prepare }
id=${id%% *}
case $(cat "$STUB/migrate") in
fail) exit 1 ;;
here) new=$((old + 1)) to=$STUB ;;
there) new=9 to=$REMOTE; rm "$STUB/dom/$dom" ;;
esac
mkdir -p "$to/dom" "$to/xs/local/domain/$new/data/hybrid-migrate"
echo "$new" >"$to/dom/$dom"
echo 1 >"$to/xs/local/domain/$new/data/hybrid-migrate/version"
[ -z "$id" ] || printf '%s complete 1 0x1' "$id" >"$to/xs/local/domain/$new/data/hybrid-migrate/response"
EOF

# stubssh HOST COMMAND...: COMMAND in HOST's store (REMOTE)
cat >"$bin/stubssh" <<-'EOF'
#!/bin/sh
shift
STUB=$REMOTE exec "$@"
EOF
chmod +x "$bin"/*
export PATH=$bin:$PATH

# setup GUEST MIGRATE [noversion]: domain g on domid 3
setup() {
	rm -rf "$STUB" "$REMOTE"
	mkdir -p "$STUB/dom" "$STUB/xs/local/domain/3/data/hybrid-migrate" "$REMOTE"
	echo 3 >"$STUB/dom/g"
	[ "${3:-}" = noversion ] || echo 1 >"$STUB/xs/local/domain/3/data/hybrid-migrate/version"
	echo "$1" >"$STUB/guest"
	echo "$2" >"$STUB/migrate"
}
req() { cat "$STUB/xs/local/domain/3/control/hybrid-migrate" 2>/dev/null; }

# ---- -t ----

for t in 010 08 0 3601 99999 1x ''; do
	setup ack here
	run -t "$t" g h
	expect "-t '$t' is refused (exit 2), nothing announced" \
		eval '[ $rc -eq 2 ] && grep -q "whole seconds" "$tmp/err" && [ -z "$(req)" ] && [ ! -f "$STUB/xl.args" ]'
done
setup ack here
run -t 10 --prepare g
expect "-t 10 gives the guest 10000 ms" \
	eval '[ $rc -eq 0 ] && grep -q "^prepare [0-9]* 10000$" "$STUB/xs/local/domain/3/control/hybrid-migrate"'

# ---- migrations ----

setup ack here
run --json -t 5 g "xl migrate-receive" -s ""
expect "a migration on this host: exit 0, acked, completion read from the new domid" \
	eval '[ $rc -eq 0 ] && [ "$(json result)" = done ] && [ "$(json complete)" = "$(json id) complete 1 0x1" ] && [ "$(json answer)" = "$(json id) ready 1 1" ]'
expect "xl migrate got the options, the domain and the host" \
	eval '[ "$(cat "$STUB/xl.args")" = "migrate -s  g xl migrate-receive" ]'

setup ack there
run --json g otherhost
expect "a migration to another host: exit 0, the completion left to that host" \
	eval '[ $rc -eq 0 ] && [ "$(json result)" = remote ] && [ "$(json host)" = otherhost ] && grep -q "migrated to otherhost, where the guest reports" "$tmp/err"'

setup ack there
run --json --check-remote g otherhost -s stubssh
expect "--check-remote reads the completion on the other host through xl's -s command" \
	eval '[ $rc -eq 0 ] && [ "$(json result)" = done ] && [ "$(json complete)" = "$(json id) complete 1 0x1" ]'

setup ack there
run --json --check-remote g otherhost -s false
expect "--check-remote that cannot reach the host: exit 3" \
	eval '[ $rc -eq 3 ] && [ "$(json result)" = remote-unread ]'

setup ack fail
run --json g otherhost
expect "xl migrate fails: exit 1 and the guest is told it is aborted" \
	eval '[ $rc -eq 1 ] && [ "$(json result)" = failed ] && [ "$(req)" = "abort $(json id)" ]'

setup silent here
run --json -t 1 g "xl migrate-receive" -s ""
expect "a guest that does not answer: exit 3, the migration went ahead" \
	eval '[ $rc -eq 3 ] && [ "$(json result)" = timeout ] && [ -f "$STUB/xl.args" ]'

setup ack here noversion
run --json g "xl migrate-receive" -s ""
expect "a guest that does not speak the protocol: exit 4, migrated without notice" \
	eval '[ $rc -eq 4 ] && [ "$(json result)" = unsupported ] && [ -z "$(req)" ] && [ -f "$STUB/xl.args" ]'

setup ack here
run --json --save g /tmp/g.save
expect "--save: exit 0, xl save ran" \
	eval '[ $rc -eq 0 ] && [ "$(json result)" = done ] && [ "$(cat "$STUB/xl.args")" = "save g /tmp/g.save" ]'

setup odd here
run --json --prepare g
expect "--json escapes what the guest answers (a quote and a backslash)" \
	eval '[ $rc -eq 0 ] && [ "$(json answer)" = "$(json id) ready 1 1 \"q\\b" ]'

setup ack here
run --abort g 12x
expect "--abort takes a decimal id" eval '[ $rc -eq 2 ]'
run --abort g 42
expect "--abort: the guest answers aborted" eval '[ $rc -eq 0 ] && [ "$(req)" = "abort 42" ]'

# ---- signals ----

# The tool starts with the three signals at their defaults: a background
# command of a shell without job control ignores SIGINT, nohup (or a CI
# runner) makes SIGHUP ignored, and a shell cannot trap a signal ignored
# when it started.
dfl='import os, signal, sys
for s in (signal.SIGINT, signal.SIGHUP, signal.SIGTERM):
    signal.signal(s, signal.SIG_DFL)
os.execvp(sys.argv[1], sys.argv[1:])'
for sig in TERM INT HUP; do
	setup silent here
	mkfifo "$tmp/events"
	exec 3<>"$tmp/events"	# open both ways: no writer blocks
	EVENTS=$tmp/events python3 -c "$dfl" "$notify" --json -t 60 g "xl migrate-receive" -s "" \
		>"$tmp/out" 2>"$tmp/err" &
	pid=$!
	ev= ev2=
	read -r -t 30 -u 3 ev	# the PREPARE is out
	kill -s "$sig" "$pid"
	# the ABORT; a tool that sends none within 30 s has failed, and goes
	read -r -t 30 -u 3 ev2 || kill -9 "$pid"
	wait "$pid"
	rc=$?
	exec 3<&-
	rm -f "$tmp/events"
	expect "SIG$sig while waiting for the guest: abort sent, exit 1, no migration" \
		eval '[ "$ev $ev2" = "prepare abort" ] && [ $rc -eq 1 ] && [ "$(json result)" = interrupted ] && [ "$(req)" = "abort $(json id)" ] && [ ! -f "$STUB/xl.args" ]'
done
