#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# in-root.sh ROOT CMD [ARG...]: runs CMD chrooted into the build root
# ROOT with /proc and /dev mounted, as dkms and its package scripts need
# them, in a mount namespace of its own, so that the mounts go away with
# the command whatever happens to it.
exec unshare --mount sh -c 'mount -t proc proc "$0/proc" &&
	mount --rbind /dev "$0/dev" && exec chroot "$0" "$@"' "$@"
