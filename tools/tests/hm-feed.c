// SPDX-License-Identifier: GPL-2.0
/*
 * hm-feed: synthetic /dev/hybrid-migrate records for the tools tests.
 *
 *   hm-feed [--hold] [--pid FILE] RECORD... -- COMMAND [ARG...]
 *	Runs COMMAND with descriptor 3 one end of a SOCK_SEQPACKET socket
 *	pair, sends it the RECORDs (one message each, as read(2) on the
 *	device returns them), then ends the stream (not with --hold: the
 *	command's end stays open with nothing more to read), prints every
 *	message the command sends back, e.g. "ACK size=16 type=1 seq=5", and
 *	last "EXIT STATUS" once the command exited.  --pid writes the
 *	command's process id to FILE before it starts.
 *   hm-feed --write RECORD...
 *	Writes the records to standard output (a file of records).
 *
 * RECORD is TYPE[,FIELD=VALUE...]: TYPE prepare, abort, complete, lost or
 * a number; FIELD one of those in fields[] below; "short" instead of a
 * record is 100 bytes of one.
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <linux/hybrid_migrate.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define OFF(f)		offsetof(struct hybrid_migrate_event, f)

static const struct {
	const char *name;
	size_t off, size;
} fields[] = {
	{ "size", OFF(size), 4 },
	{ "flags", OFF(flags), 2 },
	{ "seq", OFF(seq), 8 },
	{ "ts", OFF(timestamp_ns), 8 },
	{ "rt", OFF(realtime_ns), 8 },
	{ "gen", OFF(generation), 8 },
	{ "id", OFF(prepare.migration_id), 8 },	/* the same in every type */
	{ "deadline", OFF(prepare.deadline_ns), 8 },
	{ "timeout", OFF(prepare.timeout_ms), 4 },
	{ "ackers", OFF(prepare.ackers), 4 },
	{ "reason", OFF(abort.reason), 4 },
	{ "resume", OFF(complete.resume_ns), 8 },
	{ "changes", OFF(complete.changes), 4 },
	{ "cflags", OFF(complete.flags), 4 },
	{ "old_domid", OFF(complete.old_domid), 4 },
	{ "new_domid", OFF(complete.new_domid), 4 },
	{ "old_tsc", OFF(complete.old_tsc_khz), 4 },
	{ "new_tsc", OFF(complete.new_tsc_khz), 4 },
	{ "old_xen", OFF(complete.old_xen_version), 4 },
	{ "new_xen", OFF(complete.new_xen_version), 4 },
	{ "count", OFF(lost.count), 8 },
};

static void set_field(struct hybrid_migrate_event *ev, const char *name,
		      unsigned long long v)
{
	unsigned int i;
	char *p = (char *)ev;

	for (i = 0; i < ARRAY_SIZE(fields); i++) {
		if (strcmp(fields[i].name, name))
			continue;
		if (fields[i].size == 2) {
			__u16 x = v;

			memcpy(p + fields[i].off, &x, 2);
		} else if (fields[i].size == 4) {
			__u32 x = v;

			memcpy(p + fields[i].off, &x, 4);
		} else {
			memcpy(p + fields[i].off, &v, 8);
		}
		return;
	}
	fprintf(stderr, "hm-feed: unknown field '%s'\n", name);
	exit(2);
}

/* Parses RECORD into *EV; returns its length. */
static size_t parse_record(const char *spec, struct hybrid_migrate_event *ev)
{
	static const char * const types[] = { "prepare", "abort", "complete", "lost" };
	char *copy = strdup(spec), *tok, *save, *eq;
	unsigned int i;

	memset(ev, 0, sizeof(*ev));
	if (!strcmp(spec, "short")) {
		ev->size = sizeof(*ev);
		ev->type = HYBRID_EV_PREPARE;
		free(copy);
		return 100;
	}
	tok = strtok_r(copy, ",", &save);
	ev->size = sizeof(*ev);
	ev->type = strtoul(tok, NULL, 0);
	for (i = 0; i < ARRAY_SIZE(types); i++)
		if (!strcmp(tok, types[i]))
			ev->type = i + 1;
	while ((tok = strtok_r(NULL, ",", &save))) {
		eq = strchr(tok, '=');
		if (!eq) {
			fprintf(stderr, "hm-feed: '%s': FIELD=VALUE expected\n", tok);
			exit(2);
		}
		*eq = '\0';
		set_field(ev, tok, strtoull(eq + 1, NULL, 0));
	}
	free(copy);
	return sizeof(*ev);
}

int main(int argc, char **argv)
{
	struct hybrid_migrate_event ev;
	int i, hold = 0, sv[2], status;
	const char *pidfile = NULL;
	char buf[256];
	ssize_t n;
	pid_t pid;

	if (argc > 1 && !strcmp(argv[1], "--write")) {
		for (i = 2; i < argc; i++) {
			size_t len = parse_record(argv[i], &ev);

			if (fwrite(&ev, 1, len, stdout) != len)
				return 1;
		}
		return 0;
	}
	i = 1;
	if (i < argc && !strcmp(argv[i], "--hold")) {
		hold = 1;
		i++;
	}
	if (i + 1 < argc && !strcmp(argv[i], "--pid")) {
		pidfile = argv[i + 1];
		i += 2;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
		perror("hm-feed: socketpair");
		return 1;
	}
	for (; i < argc && strcmp(argv[i], "--"); i++) {
		size_t len = parse_record(argv[i], &ev);

		if (send(sv[0], &ev, len, 0) != (ssize_t)len) {
			perror("hm-feed: send");
			return 1;
		}
	}
	if (i + 1 >= argc) {
		fputs("usage: hm-feed [--hold] [--pid FILE] RECORD... -- COMMAND [ARG...]\n",
		      stderr);
		return 2;
	}
	if (!hold)
		shutdown(sv[0], SHUT_WR);
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		perror("hm-feed: fork");
		return 1;
	}
	if (!pid) {
		FILE *f = pidfile ? fopen(pidfile, "w") : NULL;

		/* before the command runs, so that it is there once it speaks */
		if (pidfile && (!f || fprintf(f, "%d\n", (int)getpid()) < 0 || fclose(f)))
			_exit(126);
		if (dup2(sv[1], 3) != 3)
			_exit(126);
		execvp(argv[i + 1], argv + i + 1);
		_exit(127);
	}
	close(sv[1]);
	/* Until the command exits and its end closes. */
	while ((n = recv(sv[0], buf, sizeof(buf), 0)) > 0) {
		struct hybrid_migrate_ack a;

		if (n != sizeof(a)) {
			printf("MSG len=%zd\n", n);
			continue;
		}
		memcpy(&a, buf, sizeof(a));
		printf("ACK size=%u type=%u seq=%llu\n", a.size, a.type,
		       (unsigned long long)a.seq);
	}
	if (waitpid(pid, &status, 0) < 0) {
		perror("hm-feed: waitpid");
		return 1;
	}
	printf("EXIT %d\n", WIFEXITED(status) ? WEXITSTATUS(status) :
	       128 + WTERMSIG(status));
	return 0;
}
