#!/bin/sh
# Example for RIG_EXTRA_DOM0: runs in dom0 once per guest, after the
# built-in scenarios, with GUEST (name), DOMID and RES (a directory whose
# files end up in the host's artifacts) in the environment.
if xl list "$GUEST" >"$RES/$GUEST-example-xl-list.txt" 2>&1; then
	echo "ok 1 - example: xl list shows $GUEST (domain $DOMID)"
else
	echo "not ok 1 - example: xl list shows $GUEST"
fi
