#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The rig's RIG_EXTRA_DOM0 "parts" of the hybrid-migrate suite: the parts
# the rig runs one by one, each as a scenario of its own, instead of
# run.sh whole (run.sh --parts names them).
exec ./run.sh --parts
