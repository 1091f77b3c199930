// SPDX-License-Identifier: GPL-2.0
/*
 * hmp: run commands on a QEMU human monitor listening on a unix socket
 * (-monitor unix:PATH,server=on,wait=off).  Runs on the host, to record
 * where a hung emulated machine's CPUs are.
 *
 *   hmp SOCKET COMMAND...
 *
 * Prints each command's output after a "(qemu) COMMAND" line, without the
 * monitor's terminal escapes.  Gives up after 10 s without a prompt.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define PROMPT "(qemu) "

static char buf[1 << 20];

/* read until the monitor prompts again; the text before the prompt */
static int until_prompt(int fd, size_t *len)
{
	size_t n = 0, pl = strlen(PROMPT);
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t r;

	for (;;) {
		if (n >= pl && !memcmp(buf + n - pl, PROMPT, pl)) {
			*len = n - pl;
			return 0;
		}
		if (n == sizeof(buf) - 1 || poll(&p, 1, 10000) != 1)
			return -1;
		r = read(fd, buf + n, sizeof(buf) - 1 - n);
		if (r <= 0)
			return -1;
		n += r;
	}
}

/* the monitor's output without escape sequences and carriage returns */
static void print_clean(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] == '\033') {
			/* ESC [ parameters final-byte */
			if (i + 1 < len && s[i + 1] == '[') {
				i += 2;
				while (i < len && (s[i] < '@' || s[i] > '~'))
					i++;
			}
			continue;
		}
		if (s[i] != '\r')
			putchar(s[i]);
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len;
	char *nl;
	int fd, i;

	if (argc < 3 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: hmp SOCKET COMMAND...\n");
		return 2;
	}
	strcpy(sa.sun_path, argv[1]);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		perror(argv[1]);
		return 1;
	}
	if (until_prompt(fd, &len)) {
		fprintf(stderr, "hmp: no monitor prompt on %s\n", argv[1]);
		return 1;
	}
	for (i = 2; i < argc; i++) {
		if (dprintf(fd, "%s\n", argv[i]) < 0 || until_prompt(fd, &len)) {
			fprintf(stderr, "hmp: no answer to '%s'\n", argv[i]);
			return 1;
		}
		printf("(qemu) %s\n", argv[i]);
		/* the monitor echoes the command line first */
		buf[len] = '\0';
		nl = memchr(buf, '\n', len);
		if (nl)
			print_clean(nl + 1, len - (nl + 1 - buf));
	}
	return 0;
}
