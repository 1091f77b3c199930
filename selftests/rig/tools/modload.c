// SPDX-License-Identifier: GPL-2.0
/*
 * modload: load a module file with finit_module(2) and report exactly what
 * the kernel answered, so tests assert on errno rather than on a message.
 *
 *   modload FILE [PARAMS]   prints "modload: ok" or "modload: errno N
 *                           (TEXT)"; exits 0 on success, else with the
 *                           errno value.  PARAMS as for insmod, in one
 *                           argument ("adopt=all exclude=0000:00:05.0").
 *
 * After a load it also writes where hybrid's modules now lie to the
 * kernel log and to the console (the guest keeps kernel messages off
 * the console while its tests run, so the kernel log alone does not
 * reach it):
 *
 *   rig: hybrid modules: NAME START-END [NAME START-END]...
 *
 * (16 hex digits each, from /proc/modules), so that dom0 can tell
 * whether the RIP Xen dumps after a guest's triple fault was in them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static void log_hybrid_modules(void)
{
	char line[256], name[64], msg[512] = "<6>rig: hybrid modules:";
	unsigned long size, addr;
	size_t n = strlen(msg);
	FILE *f = fopen("/proc/modules", "re");
	ssize_t r = 0;
	int fd;

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "hybrid", 6) ||
		    sscanf(line, "%63s %lu %*s %*s %*s %lx", name, &size, &addr) != 3 ||
		    !addr || n + 100 > sizeof(msg))
			continue;
		n += snprintf(msg + n, sizeof(msg) - n, " %s %016lx-%016lx",
			      name, addr, addr + size);
	}
	fclose(f);
	/* hints for dom0: the test goes on without them */
	fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		r = write(fd, msg, n);
		close(fd);
	}
	fd = open("/dev/console", O_WRONLY | O_NOCTTY | O_CLOEXEC);
	if (fd >= 0) {
		msg[n++] = '\n';
		r = write(fd, msg + 3, n - 3);	/* without the "<6>" */
		close(fd);
	}
	(void)r;
}

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
		log_hybrid_modules();
		printf("modload: ok\n");
		return 0;
	}
	err = errno;
	printf("modload: errno %d (%s)\n", err, strerror(err));
	return err;
}
