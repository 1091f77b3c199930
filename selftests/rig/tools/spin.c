// SPDX-License-Identifier: GPL-2.0
/*
 * spin: a process that wakes about every millisecond and reads the clock,
 * as the hybrid-migrate suite's page watcher (hm_spin) does, without
 * hybrid's device: the load of a guest with hybrid, for a control guest
 * without it (RIG_GUESTS option "spin", docs/testing.md).
 *
 *   spin      runs until killed
 *
 * Each wakeup arms a one-shot timer in the guest and takes its interrupt,
 * which is what keeps such a guest from idling through a suspend.
 */
#include <stdio.h>
#include <time.h>

int main(void)
{
	const struct timespec tick = { .tv_nsec = 1000000 };
	struct timespec now;

	for (;;) {
		if (nanosleep(&tick, NULL) || clock_gettime(CLOCK_MONOTONIC, &now)) {
			perror("spin");
			return 1;
		}
	}
}
