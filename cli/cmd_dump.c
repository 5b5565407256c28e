// SPDX-License-Identifier: GPL-2.0-only
/*
 * driftguard dump: print the flight recorder of a container (or command)
 * that a running `driftguard enforce` or `driftguard learn` records: its
 * last N syscalls, oldest first.
 */
#include <argp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "common/cleanup.h"
#include "cli/commands.h"
#include "common/errors.h"
#include "flight/flight.h"
#include "containers/identity.h"

struct dump_opts {
	const char *what;
	const char *index_dir;
	bool json;
};

enum { OPT_INDEX_DIR = 0x100 };

static const struct argp_option dump_options[] = {
	{"json", 'j', NULL, 0, "Print JSON: the session and its syscalls", 0},
	{"index-dir", OPT_INDEX_DIR, "DIR", OPTION_HIDDEN,
	 "Where learn writes its index (default " DG_FLIGHT_INDEX_DIR ")", 0},
	{"verbose", 'v', NULL, 0, "Print debug messages", 0},
	{0},
};

static error_t dump_parse(int key, char *arg, struct argp_state *state)
{
	struct dump_opts *o = state->input;

	switch (key) {
	case 'j':
		o->json = true;
		break;
	case OPT_INDEX_DIR:
		o->index_dir = arg;
		break;
	case 'v':
		dg_verbose = true;
		break;
	case ARGP_KEY_ARG:
		if (o->what)
			argp_error(state, "one CONTAINER at a time");
		o->what = arg;
		break;
	case ARGP_KEY_END:
		if (!o->what)
			argp_error(state, "which session? give a container id or name, or cmd:PID");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp dump_argp = {
	.options = dump_options,
	.parser = dump_parse,
	.args_doc = "CONTAINER",
	.doc = "Print the last syscalls (the flight recorder) of a container that `driftguard "
	       "enforce` or `driftguard learn` is recording, oldest first: time "
	       "(CLOCK_MONOTONIC), tid, ABI, syscall, its six argument registers and its return "
	       "value.\v"
	       "CONTAINER is a container's id (or a prefix of at least 4 characters) or name: "
	       "every container enforce watches, or the one of `learn --container`; `cmd:PID`, "
	       "PID being the learn process's (or its workload's) pid, for `learn -- CMD`; the "
	       "id or name of a container that `learn -- runc run ...` started. The ring holds "
	       "the last --flight-recorder N syscalls (enforce: 256 by default; learn: off "
	       "unless asked). Exit status: 0, 1 when nothing matches or the ring cannot be "
	       "read, 2 on bad usage.",
};

/*
 * A container the user named by id or name, started under `learn -- runc
 * run ...`: the pids from its init up to pid 1, so that the learn session
 * whose workload is the runtime can be found. 0-terminated; NULL if none.
 */
static pid_t *container_ancestry(const char *what)
{
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0, cap = 64;
	pid_t pid = 0;

	for (const char *const *root = dg_identity_default_state_roots; *root && !pid; root++) {
		_cleanup_free_ struct dg_identity *ids = NULL;
		size_t count = 0;

		if (dg_identity_list_runc(*root, NULL, &ids, &count)) {
			dg_err_clear();
			continue;
		}
		for (size_t i = 0; i < count; i++)
			if (ids[i].init_pid > 0 &&
			    (!strcmp(ids[i].id, what) || (ids[i].name[0] && !strcmp(ids[i].name, what))))
				pid = ids[i].init_pid;
	}
	if (!pid)
		return NULL;
	pids = calloc(cap, sizeof(*pids));
	if (!pids)
		return NULL;
	while (pid > 1 && n + 1 < cap) {
		_cleanup_fclose_ FILE *f = NULL;
		char path[64], line[1024], *p;
		int ppid;

		pids[n++] = pid;
		snprintf(path, sizeof(path), "/proc/%d/stat", pid);
		f = fopen(path, "r");
		/* "pid (comm) state ppid": comm may hold anything, read after the last ')' */
		if (!f || !fgets(line, sizeof(line), f))
			break;
		p = strrchr(line, ')');
		if (!p || sscanf(p, ") %*c %d", &ppid) != 1)
			break;
		pid = ppid;
	}
	return TAKE_PTR(pids);
}

static int print_text(const struct dg_flight_target *t, const struct dg_flight_entry *e, size_t n,
		      uint64_t total)
{
	char line[512];

	printf("# %s (%s pid %d): %llu syscalls recorded, the last %zu (ring of %u), oldest "
	       "first\n",
	       t->name, t->tool, t->owner_pid, (unsigned long long)total, n, t->entries);
	printf("# %20s %7s %-6s %s\n", "time (monotonic s)", "tid", "abi", "syscall(args) = ret");
	for (size_t i = 0; i < n; i++)
		printf("%s\n", dg_flight_format_line(&e[i], line, sizeof(line)));
	return 0;
}

static int print_json(const struct dg_flight_target *t, const struct dg_flight_entry *e, size_t n,
		      uint64_t total)
{
	json_t *out, *list;
	int rc = 0;

	out = json_pack("{s:s, s:s, s:i, s:O, s:i, s:I}", "name", t->name, "tool", t->tool, "pid",
			(int)t->owner_pid, "session", t->session_json, "entries", (int)t->entries,
			"total", (json_int_t)total);
	list = json_array();
	if (!out || !list || json_object_set_new(out, "syscalls", list)) {
		json_decref(out);
		return dg_err(ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < n; i++)
		if (json_array_append_new(list, dg_flight_entry_to_json(&e[i]))) {
			rc = dg_err(ENOMEM, "out of memory");
			break;
		}
	if (!rc && json_dumpf(out, stdout, JSON_INDENT(2)) == 0)
		putchar('\n');
	json_decref(out);
	return rc;
}

int cmd_dump(int argc, char **argv)
{
	struct dump_opts o = {0};
	struct dg_flight_target t;
	_cleanup_free_ struct dg_flight_entry *entries = NULL;
	_cleanup_free_ pid_t *ancestry = NULL;
	uint64_t total = 0;
	size_t n = 0;
	int rc;

	argp_parse(&dump_argp, argc, argv, 0, NULL, &o);
	ancestry = container_ancestry(o.what);
	rc = dg_flight_find(o.index_dir, o.what, ancestry, &t);
	if (!rc) {
		rc = dg_flight_read(&t, &entries, &n, &total);
		if (rc)
			rc = dg_err_wrap(rc, "%s", t.name);
	}
	if (!rc)
		rc = o.json ? print_json(&t, entries, n, total) : print_text(&t, entries, n, total);
	dg_flight_target_clear(&t);
	if (rc) {
		fprintf(stderr, "driftguard dump: %s\n", dg_errmsg());
		return 1;
	}
	return fflush(stdout) ? 1 : 0;
}
