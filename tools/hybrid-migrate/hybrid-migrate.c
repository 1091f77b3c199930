// SPDX-License-Identifier: GPL-2.0
/*
 * hybrid-migrate: the command line side of /dev/hybrid-migrate.
 *
 *   hybrid-migrate status       binding, device state, CPU features
 *   hybrid-migrate watch        events as they arrive, text or JSON lines
 *   hybrid-migrate wait         block until the next COMPLETE
 *   hybrid-migrate hook         run commands on events, acknowledge PREPAREs
 *
 * Documented in hybrid-migrate(1).  Depends on nothing but libc and
 * libhybridmigrate (linked in statically).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include "hybrid-migrate.h"

#ifndef HM_TOOL_VERSION
#define HM_TOOL_VERSION "unknown"
#endif

#define PROG		"hybrid-migrate"
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define SYSFS_DIR	"/sys/hypervisor/hybrid"

/* Exit status, as documented in hybrid-migrate(1) */
#define EXIT_ERROR	1	/* anything else went wrong */
#define EXIT_TIMEOUT	2	/* wait: no COMPLETE in time */
#define EXIT_NODEV	3	/* the device could not be opened */
#define EXIT_USAGE	64	/* bad command line */

static const char usage_main[] =
	"usage: " PROG " [--device PATH | --fd N] COMMAND [OPTION...]\n"
	"       " PROG " --help | --version\n"
	"\n"
	"Live-migration notices of a Xen HVM guest (/dev/hybrid-migrate).\n"
	"\n"
	"commands:\n"
	"  status [--json]              binding, device state, generation, CPU features\n"
	"  watch [--json] [--count N]   print events as they arrive, one a line\n"
	"  wait [--timeout SEC] [--json]\n"
	"                               block until the next COMPLETE\n"
	"  hook [--prepare CMD] [--complete CMD] [--abort CMD] [--command-timeout SEC]\n"
	"                               run commands on events, acknowledge PREPAREs\n"
	"\n"
	"options:\n"
	"  --device PATH   the device (default: $HYBRID_MIGRATE_DEVICE, else\n"
	"                  " HM_DEFAULT_DEVICE ")\n"
	"  --fd N          use the open file descriptor N instead\n"
	"  -h, --help      this text; COMMAND --help: the command's\n"
	"  --version       the version\n"
	"\n"
	"exit status: 0 done; 1 error; 2 wait timed out; 3 the device could not\n"
	"be opened; 64 bad command line.  See hybrid-migrate(1).\n";

static const char usage_status[] =
	"usage: " PROG " status [--json]\n"
	"\n"
	"Prints what hybrid.ko found (" SYSFS_DIR "), the device's state and\n"
	"generation, the CPU features it reports and their last change.\n"
	"  --json   one JSON object\n";

static const char usage_watch[] =
	"usage: " PROG " watch [--json] [--count N]\n"
	"\n"
	"Prints every event (PREPARE, ABORT, COMPLETE, LOST) as it arrives, one a\n"
	"line, until interrupted or N events were printed.  Never acknowledges.\n"
	"  --json      one JSON object a line\n"
	"  --count N   exit after N events\n";

static const char usage_wait[] =
	"usage: " PROG " wait [--timeout SEC] [--json]\n"
	"\n"
	"Blocks until the next COMPLETE (the domain resumed) and prints it.\n"
	"Exit status 0 when it came, 2 when SEC seconds passed first, 1 on error.\n"
	"  --timeout SEC   give up after SEC seconds (fractions allowed)\n"
	"  --json          print the COMPLETE as JSON\n";

static const char usage_hook[] =
	"usage: " PROG " hook [--prepare CMD] [--complete CMD] [--abort CMD]\n"
	"                     [--command-timeout SEC]\n"
	"\n"
	"Runs CMD with /bin/sh -c on each event of its kind, with the event in\n"
	"HYBRID_MIGRATE_* environment variables.  With --prepare, the device is\n"
	"opened for writing and each PREPARE is acknowledged once CMD exited 0;\n"
	"if it fails, it is not acknowledged and the migration goes ahead when\n"
	"the guest's timeout passes.  An empty CMD is the same as none.  A\n"
	"command still running at its timeout is killed (its process group) and\n"
	"counts as failed.  Events that come meanwhile wait in the device's\n"
	"queue and are handled after it.\n"
	"  --prepare CMD           before a migration\n"
	"  --complete CMD          after the domain resumed\n"
	"  --abort CMD             when an announced migration was called off\n"
	"  --command-timeout SEC   longest a command may run (fractions allowed;\n"
	"                          default: a PREPARE's until 1 s before the host's\n"
	"                          deadline, at least 1 s; the others' 60 s)\n";

struct ctx {
	const char *device;	/* path, or NULL with fd */
	int fd;			/* --fd, or -1 */
	sigset_t waitmask;	/* signals unblocked while waiting */
};

static int stop;	/* a termination signal came */

static void on_signal(int sig)
{
	__atomic_store_n(&stop, sig, __ATOMIC_RELAXED);
}

static int usage_error(const char *usage, const char *fmt, const char *arg)
{
	fprintf(stderr, PROG ": ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n%s", usage);
	return EXIT_USAGE;
}

/*
 * Output of fields: key=value text on one line (events), JSON, one
 * "key: value" a line (status), or environment variables (hook).
 *
 * JSON (docs/operations.md, "JSON output"): every object begins with
 * "version", this format's; each key once; counters are numbers, and
 * nanosecond times and migration ids, which can pass 2^53, strings.
 */
#define JSON_VERSION	1
enum fmt { FMT_TEXT, FMT_JSON, FMT_LINES, FMT_ENV };

struct emit {
	enum fmt fmt;
	FILE *f;
	int fields;		/* fields so far */
	int items;		/* list items so far */
	char key[64];		/* the open list's key, for FMT_ENV */
	char list[2048];	/* the open list's value, for FMT_ENV */
};

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void env_set(const char *key, const char *value)
{
	char name[96];
	size_t i, n = snprintf(name, sizeof(name), "HYBRID_MIGRATE_%s", key);

	for (i = 0; i < n && i < sizeof(name); i++)
		if (name[i] >= 'a' && name[i] <= 'z')
			name[i] -= 'a' - 'A';
	setenv(name, value, 1);
}

static void emit_key(struct emit *e, const char *key)
{
	if (e->fmt == FMT_JSON) {
		if (!e->fields)
			fprintf(e->f, "{\"version\":%d", JSON_VERSION);
		fprintf(e->f, ",\"%s\":", key);
	} else if (e->fmt == FMT_TEXT) {
		fprintf(e->f, "%s%s=", e->fields ? " " : "", key);
	} else {
		fprintf(e->f, "%s%s:%*s", e->fields ? "\n" : "", key,
			(int)(24 - strlen(key)), "");
	}
	e->fields++;
}

static void emit_str(struct emit *e, const char *key, const char *v)
{
	if (e->fmt == FMT_ENV) {
		env_set(key, v);
		return;
	}
	emit_key(e, key);
	if (e->fmt == FMT_JSON)
		json_string(e->f, v);
	else
		fputs(v, e->f);
}

static void emit_u64(struct emit *e, const char *key, unsigned long long v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%llu", v);
	if (e->fmt == FMT_ENV) {
		env_set(key, buf);
		return;
	}
	emit_key(e, key);
	fputs(buf, e->f);
}

/* A 64-bit value JSON readers may round: a string in JSON. */
static void emit_u64s(struct emit *e, const char *key, unsigned long long v)
{
	char buf[24];

	if (e->fmt != FMT_JSON) {
		emit_u64(e, key, v);
		return;
	}
	snprintf(buf, sizeof(buf), "%llu", v);
	emit_str(e, key, buf);
}

static void emit_bool(struct emit *e, const char *key, int v)
{
	if (e->fmt == FMT_ENV) {
		env_set(key, v ? "1" : "0");
		return;
	}
	emit_key(e, key);
	if (e->fmt == FMT_JSON)
		fputs(v ? "true" : "false", e->f);
	else
		fputs(v ? "yes" : "no", e->f);
}

/* The type of a record: a bare word first in text. */
static void emit_type(struct emit *e, const char *v)
{
	if (e->fmt == FMT_TEXT) {
		fputs(v, e->f);
		e->fields++;
	} else {
		emit_str(e, "type", v);
	}
}

/* Major << 16 | minor, as "4.17" */
static void emit_xen_version(struct emit *e, const char *key, __u32 v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%u.%u", v >> 16, v & 0xffff);
	emit_str(e, key, buf);
}

/* A CLOCK_REALTIME time: nanoseconds, or UTC in text. */
static void emit_time(struct emit *e, const char *key, __u64 ns)
{
	time_t t = ns / 1000000000ULL;
	char buf[48];
	struct tm tm;

	if (e->fmt == FMT_JSON || e->fmt == FMT_ENV || !gmtime_r(&t, &tm)) {
		emit_u64s(e, key, ns);
		return;
	}
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	emit_key(e, "time");
	fprintf(e->f, "%s.%06lluZ", buf, (ns % 1000000000ULL) / 1000);
}

static void emit_list_begin(struct emit *e, const char *key)
{
	e->items = 0;
	if (e->fmt == FMT_ENV) {
		snprintf(e->key, sizeof(e->key), "%s", key);
		e->list[0] = '\0';
		return;
	}
	emit_key(e, key);
	if (e->fmt == FMT_JSON)
		fputc('[', e->f);
}

static void emit_item(struct emit *e, const char *item)
{
	if (e->fmt == FMT_ENV) {
		size_t n = strlen(e->list);

		snprintf(e->list + n, sizeof(e->list) - n, "%s%s",
			 e->items ? " " : "", item);
	} else if (e->fmt == FMT_JSON) {
		if (e->items)
			fputc(',', e->f);
		json_string(e->f, item);
	} else {
		fprintf(e->f, "%s%s", !e->items ? "" :
			e->fmt == FMT_LINES ? " " : ",", item);
	}
	e->items++;
}

static void emit_list_end(struct emit *e)
{
	if (e->fmt == FMT_ENV)
		env_set(e->key, e->list);
	else if (e->fmt == FMT_JSON)
		fputc(']', e->f);
	else if (!e->items)
		fputc('-', e->f);
}

/* Ends a record: a line, flushed at once. */
static void emit_end(struct emit *e)
{
	if (e->fmt == FMT_JSON && !e->fields)
		fprintf(e->f, "{\"version\":%d}", JSON_VERSION);
	else if (e->fmt == FMT_JSON)
		fputc('}', e->f);
	if (e->fmt != FMT_ENV) {
		fputc('\n', e->f);
		fflush(e->f);
	}
	e->fields = 0;
}

static void emit_features(struct emit *e, const char *key,
			  const struct hybrid_cpu_features *f)
{
	const struct hm_feature *feat = NULL;

	emit_list_begin(e, key);
	while ((feat = hm_feature_next_set(f, feat)))
		emit_item(e, feat->name);
	emit_list_end(e);
}

/* The last CPU change, if the kernel says it happened at GENERATION (0: any). */
static void emit_cpu_change(struct emit *e, struct hm_handle *h, __u64 generation)
{
	struct hybrid_cpu_features gained, lost;
	struct hybrid_migrate_cpu cpu;

	if (hm_get_cpu(h, &cpu) || !cpu.changed_generation ||
	    (generation && cpu.changed_generation != generation))
		return;
	hm_features_diff(&cpu.before, &cpu.current_features, &gained, &lost);
	emit_features(e, "cpu_gained", &gained);
	emit_features(e, "cpu_lost", &lost);
	emit_u64(e, "cpu_unnamed_changes", hm_features_unnamed(&gained) +
					   hm_features_unnamed(&lost));
}

static void emit_event(struct emit *e, struct hm_handle *h,
		       const struct hybrid_migrate_event *ev)
{
	__u32 mask;
	const char *name;

	emit_type(e, hm_event_name(ev->type));
	emit_u64(e, "seq", ev->seq);
	emit_u64(e, "generation", ev->generation);
	emit_u64s(e, "timestamp_ns", ev->timestamp_ns);
	emit_time(e, "realtime_ns", ev->realtime_ns);
	emit_u64(e, "flags", ev->flags);
	switch (ev->type) {
	case HYBRID_EV_PREPARE:
		emit_u64s(e, "migration_id", ev->prepare.migration_id);
		emit_u64s(e, "deadline_ns", ev->prepare.deadline_ns);
		emit_u64(e, "timeout_ms", ev->prepare.timeout_ms);
		emit_u64(e, "ackers", ev->prepare.ackers);
		emit_bool(e, "ack_required", ev->flags & HYBRID_EVF_ACK_REQUIRED);
		break;
	case HYBRID_EV_ABORT:
		emit_u64s(e, "migration_id", ev->abort.migration_id);
		emit_str(e, "reason", hm_abort_reason_name(ev->abort.reason));
		emit_u64(e, "reason_code", ev->abort.reason);
		break;
	case HYBRID_EV_COMPLETE:
		emit_u64s(e, "migration_id", ev->complete.migration_id);
		emit_u64s(e, "resume_ns", ev->complete.resume_ns);
		emit_bool(e, "announced",
			  ev->complete.flags & HYBRID_COMPLETE_ANNOUNCED);
		emit_list_begin(e, "changes");
		mask = ev->complete.changes;
		while ((name = hm_change_next(&mask)))
			emit_item(e, name);
		emit_list_end(e);
		emit_u64(e, "changes_mask", ev->complete.changes);
		emit_u64(e, "old_domid", ev->complete.old_domid);
		emit_u64(e, "new_domid", ev->complete.new_domid);
		emit_u64(e, "old_tsc_khz", ev->complete.old_tsc_khz);
		emit_u64(e, "new_tsc_khz", ev->complete.new_tsc_khz);
		emit_xen_version(e, "old_xen_version", ev->complete.old_xen_version);
		emit_xen_version(e, "new_xen_version", ev->complete.new_xen_version);
		if (ev->complete.changes & HYBRID_CHANGED_CPU)
			emit_cpu_change(e, h, ev->generation);
		break;
	case HYBRID_EV_LOST:
		emit_u64(e, "count", ev->lost.count);
		break;
	default:
		emit_u64(e, "type_code", ev->type);
	}
}

static int open_device(struct ctx *c, unsigned int flags, struct hm_handle **hp)
{
	const char *hint = "";
	int err;

	if (c->fd >= 0) {
		err = hm_open_fd(c->fd, flags, hp);
		if (err)
			fprintf(stderr, PROG ": descriptor %d: %s\n", c->fd,
				hm_strerror(err));
		return err ? EXIT_NODEV : 0;
	}
	err = hm_open(c->device, flags, hp);
	if (!err)
		return 0;
	if (err == -ENOENT || err == -ENODEV || err == -ENXIO)
		hint = " (is hybrid-migrate.ko loaded? modprobe hybrid-migrate)";
	else if (err == -EACCES && (flags & HM_OPEN_ACK))
		hint = " (acknowledging needs write access to the device)";
	fprintf(stderr, PROG ": %s: %s%s\n", c->device, hm_strerror(err), hint);
	return EXIT_NODEV;
}

/*
 * The next event, waiting up to *LEFT_MS (-1: for ever; updated).  The
 * termination signals are blocked but while waiting in ppoll(), so none
 * is missed between the check of stop and the wait.  Returns as
 * hm_read_event(), or -EINTR once a termination signal came.
 */
static int next_event(struct ctx *c, struct hm_handle *h,
		      struct hybrid_migrate_event *ev, int *left_ms)
{
	struct timespec t0, t1, ts, *tsp;
	struct pollfd p = { .fd = hm_fd(h), .events = POLLIN };
	int r;

	for (;;) {
		if (__atomic_load_n(&stop, __ATOMIC_RELAXED))
			return -EINTR;
		r = hm_read_event(h, ev, 0);
		if (r)
			return r;
		if (!*left_ms)
			return 0;
		tsp = NULL;
		if (*left_ms > 0) {
			ts.tv_sec = *left_ms / 1000;
			ts.tv_nsec = (*left_ms % 1000) * 1000000L;
			tsp = &ts;
		}
		clock_gettime(CLOCK_MONOTONIC, &t0);
		r = ppoll(&p, 1, tsp, &c->waitmask);
		if (r < 0 && errno != EINTR)
			return -errno;
		if (*left_ms > 0) {
			long ms;

			clock_gettime(CLOCK_MONOTONIC, &t1);
			ms = (t1.tv_sec - t0.tv_sec) * 1000 +
			     (t1.tv_nsec - t0.tv_nsec) / 1000000;
			*left_ms = ms >= *left_ms ? 0 : *left_ms - (int)ms;
		}
	}
}

static int read_error(struct ctx *c, int err)
{
	fprintf(stderr, PROG ": %s: %s\n", c->device ? c->device : "descriptor",
		hm_strerror(err));
	return EXIT_ERROR;
}

/* Parses a subcommand's options; returns 0, or the exit status. */
static int parse(int argc, char **argv, const char *shortopts,
		 const struct option *longopts, const char *usage,
		 int (*handle)(void *arg, int opt, const char *val), void *arg)
{
	int opt, err;

	opterr = 0;
	optind = 0;
	while ((opt = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		if (opt == 'h') {
			fputs(usage, stdout);
			return -1;
		}
		if (opt == '?')
			return usage_error(usage, "unknown or incomplete option '%s'",
					   argv[optind - 1]);
		err = handle(arg, opt, optarg);
		if (err)
			return err;
	}
	if (optind < argc)
		return usage_error(usage, "unexpected argument '%s'", argv[optind]);
	return 0;
}

static int parse_uint(const char *s, unsigned long long *v)
{
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno || *end ? -1 : 0;
}

/* ---- status ---- */

/* Options of status, watch and wait */
struct watch_opts {
	int wait;			/* the options of wait, not watch */
	int json;
	unsigned long long count;	/* 0: no limit */
	int timeout_ms;			/* wait: -1 for ever */
};

static int watch_opt(void *arg, int opt, const char *val)
{
	struct watch_opts *o = arg;
	char *end;
	double sec;

	switch (opt) {
	case 'j':
		o->json = 1;
		break;
	case 'c':
		if (o->wait)
			return usage_error(usage_wait, "unknown option '%s'", "--count");
		if (parse_uint(val, &o->count) || !o->count)
			return usage_error(usage_watch,
					   "--count takes a positive integer, not '%s'", val);
		break;
	case 't':
		if (!o->wait)
			return usage_error(usage_watch, "unknown option '%s'", "--timeout");
		errno = 0;
		sec = strtod(val, &end);
		if (errno || *end || end == val || sec < 0 || sec > 2000000)
			return usage_error(usage_wait,
					   "--timeout takes seconds (0 to 2000000), not '%s'", val);
		o->timeout_ms = (int)(sec * 1000 + 0.5);
		break;
	}
	return 0;
}

static void status_binding(struct emit *e)
{
	static const char * const files[] = {
		"mode", "xen_version", "domid", "callback", "hvm_pirqs",
		"hvm_cpuid",
	};
	const char *dir = getenv("HYBRID_MIGRATE_SYSFS");
	char path[512], buf[256];
	unsigned int i;
	FILE *f;

	if (!dir)
		dir = SYSFS_DIR;
	emit_str(e, "sysfs", dir);
	for (i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		f = fopen(path, "r");
		if (!f) {
			if (!i) {
				emit_bool(e, "bound", 0);
				return;
			}
			continue;
		}
		if (!i)
			emit_bool(e, "bound", 1);
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = '\0';
		fclose(f);
		buf[strcspn(buf, "\n")] = '\0';
		emit_str(e, files[i], buf);
	}
}

static int status_device(struct ctx *c, struct emit *e, struct hm_handle *h)
{
	const struct hybrid_migrate_page *page;
	struct hybrid_migrate_page copy;
	struct hybrid_migrate_info info;
	struct hybrid_migrate_cpu cpu;
	int err;

	err = hm_get_info(h, &info);
	if (err) {
		emit_end(e);
		fprintf(stderr, PROG ": %s: %s\n", c->device ? c->device : "descriptor",
			hm_strerror(err));
		return EXIT_ERROR;
	}
	emit_u64(e, "abi_version", info.abi_version);
	emit_str(e, "state", hm_state_name(info.state));
	emit_u64(e, "generation", info.generation);
	emit_u64(e, "last_seq", info.last_seq);
	emit_u64s(e, "migration_id", info.migration_id);
	emit_u64s(e, "deadline_ns", info.deadline_ns);
	emit_u64(e, "ackers", info.ackers);
	emit_u64(e, "acked", info.acked);
	/* hybrid-migrate's own view; sysfs's domid and xen_version come first */
	emit_u64(e, "device_domid", info.domid);
	emit_xen_version(e, "device_xen_version", info.xen_version);
	if (!hm_map_page(h, &page)) {
		hm_page_read(page, &copy);
		emit_u64s(e, "resume_ns", copy.resume_ns);
	}
	if (!hm_get_cpu(h, &cpu)) {
		emit_u64(e, "tsc_khz", cpu.current_features.tsc_khz);
		emit_features(e, "features", &cpu.current_features);
		emit_u64(e, "cpu_changed_generation", cpu.changed_generation);
		emit_cpu_change(e, h, 0);
	}
	emit_end(e);
	return 0;
}

static int cmd_status(struct ctx *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	struct watch_opts o = { .timeout_ms = -1 };
	struct emit e = { .f = stdout };
	struct hm_handle *h;
	int r;

	r = parse(argc, argv, "+h", longopts, usage_status, watch_opt, &o);
	if (r)
		return r < 0 ? 0 : r;
	e.fmt = o.json ? FMT_JSON : FMT_LINES;
	status_binding(&e);
	emit_str(&e, "device", c->device ? c->device : "descriptor");
	r = open_device(c, 0, &h);
	if (r) {
		emit_bool(&e, "open", 0);
		emit_end(&e);
		return r;
	}
	r = status_device(c, &e, h);
	hm_close(h);
	return r;
}

/* watch, or with WAIT wait: events until the end, N of them, or a COMPLETE */
static int watch_events(struct ctx *c, int argc, char **argv, int wait)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "count", required_argument, NULL, 'c' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	struct watch_opts o = { .wait = wait, .timeout_ms = -1 };
	struct hybrid_migrate_event ev;
	unsigned long long n = 0;
	struct emit e = { .f = stdout };
	struct hm_handle *h;
	int r;

	r = parse(argc, argv, "+h", longopts, wait ? usage_wait : usage_watch,
		  watch_opt, &o);
	if (r)
		return r < 0 ? 0 : r;
	e.fmt = o.json ? FMT_JSON : FMT_TEXT;
	r = open_device(c, 0, &h);
	if (r)
		return r;
	while ((r = next_event(c, h, &ev, &o.timeout_ms)) > 0) {
		if (wait && ev.type != HYBRID_EV_COMPLETE)
			continue;
		emit_event(&e, h, &ev);
		emit_end(&e);
		if (wait || ++n == o.count)
			break;
	}
	hm_close(h);
	if (r > 0 || (!wait && (r == -EINTR || r == -ENODATA)))
		return 0;
	if (!r) {
		fprintf(stderr, PROG ": no COMPLETE within the timeout\n");
		return EXIT_TIMEOUT;
	}
	if (r == -EINTR)
		return EXIT_ERROR;
	return read_error(c, r);
}

static int cmd_watch(struct ctx *c, int argc, char **argv)
{
	return watch_events(c, argc, argv, 0);
}

static int cmd_wait(struct ctx *c, int argc, char **argv)
{
	return watch_events(c, argc, argv, 1);
}

/* ---- hook ---- */

#define HOOK_MARGIN_MS		1000	/* a PREPARE command ends this early */
#define HOOK_MIN_MS		1000
#define HOOK_OTHER_MS		60000	/* ABORT and COMPLETE commands */
#define HOOK_GRACE_MS		300	/* SIGTERM to SIGKILL */
#define HOOK_TIMED_OUT		(-2)	/* run_command(): killed at its timeout */
#define HOOK_STOPPED		(-3)	/* killed: the hook was told to stop */

struct hook_opts {
	const char *cmd[HYBRID_EV_LOST];	/* by HYBRID_EV_* - 1 */
	long timeout_ms;			/* --command-timeout, or -1 */
};

static int hook_opt(void *arg, int opt, const char *val)
{
	struct hook_opts *o = arg;
	double sec;
	char *end;

	if (opt == 't') {
		errno = 0;
		sec = strtod(val, &end);
		if (errno || *end || end == val || !(sec > 0) || sec > 86400)
			return usage_error(usage_hook,
					   "--command-timeout takes seconds (above 0, at most 86400), not '%s'",
					   val);
		o->timeout_ms = (long)(sec * 1000 + 0.5);
		if (!o->timeout_ms)
			o->timeout_ms = 1;
		return 0;
	}
	o->cmd[opt - 1] = *val ? val : NULL;
	return 0;
}

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* How long the command for @ev may run, in ms. */
static long command_timeout(const struct hook_opts *o,
			    const struct hybrid_migrate_event *ev)
{
	long long left;

	if (o->timeout_ms > 0)
		return o->timeout_ms;
	if (ev->type != HYBRID_EV_PREPARE)
		return HOOK_OTHER_MS;
	/* the host's deadline is on this guest's monotonic clock */
	if (ev->prepare.deadline_ns)
		left = (long long)(ev->prepare.deadline_ns / 1000000) - mono_ms();
	else
		left = ev->prepare.timeout_ms;
	left -= HOOK_MARGIN_MS;
	return left < HOOK_MIN_MS ? HOOK_MIN_MS : left > LONG_MAX ? LONG_MAX : (long)left;
}

/*
 * Waits for @pid for at most @ms (-1: for ever) while taking SIGCHLD and
 * the termination signals (all blocked here); returns its wait status, 0
 * with *@sig set if a termination signal came, or -1 at the timeout.
 */
static int wait_child(pid_t pid, long ms, int *sig)
{
	long long end = ms < 0 ? 0 : mono_ms() + ms;
	struct timespec ts, *tsp;
	sigset_t set;
	int status, r;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	for (;;) {
		r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			return status;
		if (r < 0 && errno != EINTR)
			return -1;
		tsp = NULL;
		if (ms >= 0) {
			long long left = end - mono_ms();

			if (left <= 0)
				return -1;
			ts.tv_sec = left / 1000;
			ts.tv_nsec = (left % 1000) * 1000000L;
			tsp = &ts;
		}
		r = sigtimedwait(&set, NULL, tsp);
		if (r == SIGTERM || r == SIGINT || r == SIGHUP) {
			*sig = r;
			return 0;
		}
	}
}

/* Ends @pid's process group: SIGTERM, then SIGKILL after a grace. */
static void kill_child(pid_t pid)
{
	int sig = 0, status;

	kill(-pid, SIGTERM);
	if (wait_child(pid, HOOK_GRACE_MS, &sig) < 0 || sig) {
		kill(-pid, SIGKILL);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	if (sig)
		__atomic_store_n(&stop, sig, __ATOMIC_RELAXED);
}

/*
 * Runs CMD with the event in the environment, in a process group of its
 * own, for at most @ms; returns its wait status, HOOK_TIMED_OUT, or
 * HOOK_STOPPED when a termination signal came meanwhile.
 */
static int run_command(struct ctx *c, struct hm_handle *h, const char *cmd,
		       const struct hybrid_migrate_event *ev, long ms)
{
	struct emit e = { .fmt = FMT_ENV };
	sigset_t chld, old;
	int status, sig = 0;
	pid_t pid;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &old);
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		return -1;
	}
	if (!pid) {
		setpgid(0, 0);
		sigprocmask(SIG_SETMASK, &c->waitmask, NULL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		emit_event(&e, h, ev);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid);	/* as the child does: whichever runs first */
	status = wait_child(pid, ms, &sig);
	if (sig) {
		kill_child(pid);
		__atomic_store_n(&stop, sig, __ATOMIC_RELAXED);
		status = HOOK_STOPPED;
	} else if (status == -1) {
		kill_child(pid);
		status = HOOK_TIMED_OUT;
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return status;
}

static void describe_status(int status, long ms, char *buf, size_t len)
{
	if (status == HOOK_TIMED_OUT)
		snprintf(buf, len, "ran out of its %ld ms and was killed", ms);
	else if (status == HOOK_STOPPED)
		snprintf(buf, len, "was killed: the hook was told to stop");
	else if (status < 0)
		snprintf(buf, len, "could not be run: %s", strerror(errno));
	else if (WIFEXITED(status))
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
	else
		snprintf(buf, len, "was killed by signal %d", WTERMSIG(status));
}

static void hook_event(struct ctx *c, struct hm_handle *h, struct hook_opts *o,
		       const struct hybrid_migrate_event *ev)
{
	const char *cmd = NULL;
	char why[96];
	int status, err;
	long ms;

	if (ev->type == HYBRID_EV_LOST) {
		fprintf(stderr, PROG ": lost %llu older events (queue overflow)\n",
			(unsigned long long)ev->lost.count);
		return;
	}
	if (ev->type >= HYBRID_EV_PREPARE && ev->type <= HYBRID_EV_COMPLETE)
		cmd = o->cmd[ev->type - 1];
	if (!cmd)
		return;
	ms = command_timeout(o, ev);
	status = run_command(c, h, cmd, ev, ms);
	if (status == 0) {
		if (ev->type != HYBRID_EV_PREPARE ||
		    !(ev->flags & HYBRID_EVF_ACK_REQUIRED))
			return;
		err = hm_ack(h, ev->seq);
		if (err == -ENOENT)
			fprintf(stderr, PROG ": PREPARE seq %llu %s\n",
				(unsigned long long)ev->seq,
				"is no longer pending; not acknowledged");
		else if (err && err != -EALREADY)
			fprintf(stderr, PROG ": acknowledging PREPARE seq %llu: %s\n",
				(unsigned long long)ev->seq, hm_strerror(err));
		return;
	}
	describe_status(status, ms, why, sizeof(why));
	fprintf(stderr, PROG ": %s command for seq %llu %s%s\n",
		hm_event_name(ev->type), (unsigned long long)ev->seq, why,
		ev->type == HYBRID_EV_PREPARE ?
		"; not acknowledged: the migration waits for the guest's timeout" : "");
}

static int cmd_hook(struct ctx *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "prepare", required_argument, NULL, HYBRID_EV_PREPARE },
		{ "abort", required_argument, NULL, HYBRID_EV_ABORT },
		{ "complete", required_argument, NULL, HYBRID_EV_COMPLETE },
		{ "command-timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	struct hybrid_migrate_event ev;
	struct hook_opts o = { .timeout_ms = -1 };
	struct hm_handle *h;
	int r, forever = -1;

	r = parse(argc, argv, "+h", longopts, usage_hook, hook_opt, &o);
	if (r)
		return r < 0 ? 0 : r;
	r = open_device(c, o.cmd[HYBRID_EV_PREPARE - 1] ? HM_OPEN_ACK : 0, &h);
	if (r)
		return r;
	while ((r = next_event(c, h, &ev, &forever)) > 0)
		hook_event(c, h, &o, &ev);
	hm_close(h);
	if (r == -EINTR || r == -ENODATA)
		return 0;
	return read_error(c, r);
}

/* ---- main ---- */

static const struct {
	const char *name;
	int (*run)(struct ctx *c, int argc, char **argv);
} commands[] = {
	{ "status", cmd_status },
	{ "watch", cmd_watch },
	{ "wait", cmd_wait },
	{ "hook", cmd_hook },
};

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "fd", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ }
	};
	struct ctx c = { .fd = -1 };
	struct sigaction sa = { .sa_handler = on_signal };
	unsigned long long fd;
	sigset_t block;
	unsigned int i;
	int opt;

	c.device = getenv("HYBRID_MIGRATE_DEVICE");
	if (!c.device || !*c.device)
		c.device = HM_DEFAULT_DEVICE;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			c.device = optarg;
			break;
		case 'f':
			if (parse_uint(optarg, &fd) || fd > 65535)
				return usage_error(usage_main, "--fd takes a number, not '%s'",
						   optarg);
			c.fd = (int)fd;
			c.device = NULL;
			break;
		case 'h':
			fputs(usage_main, stdout);
			return 0;
		case 'V':
			printf(PROG " %s (libhybridmigrate %s, ABI %d)\n",
			       HM_TOOL_VERSION, hm_version(), HYBRID_MIGRATE_ABI_VERSION);
			return 0;
		default:
			return usage_error(usage_main, "unknown or incomplete option '%s'",
					   argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return usage_error(usage_main, "%s", "no command given");

	/* Termination signals: blocked, and taken only while waiting. */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &c.waitmask);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(argv[optind], commands[i].name))
			return commands[i].run(&c, argc - optind, argv + optind);
	return usage_error(usage_main, "unknown command '%s'", argv[optind]);
}
