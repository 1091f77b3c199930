#!/bin/sh
# Example for RIG_EXTRA_GUEST: runs in the guest (busybox sh) after the
# built-in tests, with hybrid.ko loaded.  Print TAP lines; numbering is
# redone by the rig.  A non-zero exit status is a failure too.
if [ "$(cat /sys/hypervisor/hybrid/mode)" = hvm ]; then
	echo "ok 1 - example: hybrid mode is hvm"
else
	echo "not ok 1 - example: hybrid mode is hvm"
fi
