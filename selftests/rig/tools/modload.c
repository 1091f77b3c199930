// SPDX-License-Identifier: GPL-2.0
/*
 * modload: load a module file with finit_module(2) and report exactly what
 * the kernel answered, so tests assert on errno rather than on a message.
 *
 *   modload FILE [PARAMS]   prints "modload: ok" or "modload: errno N
 *                           (TEXT)"; exits 0 on success, else with the
 *                           errno value.  PARAMS as for insmod, in one
 *                           argument ("adopt=all exclude=0000:00:05.0").
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int fd, err;

	if (argc != 2 && argc != 3) {
		fprintf(stderr, "usage: modload FILE [PARAMS]\n");
		return 255;
	}
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		perror(argv[1]);
		return 255;
	}
	if (syscall(SYS_finit_module, fd, argc == 3 ? argv[2] : "", 0) == 0) {
		printf("modload: ok\n");
		return 0;
	}
	err = errno;
	printf("modload: errno %d (%s)\n", err, strerror(err));
	return err;
}
