// SPDX-License-Identifier: GPL-2.0-only
/* driftguard: learn least-privilege seccomp profiles, block container drift. */
#include <argp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "cli/commands.h"
#include "config.h"
#include "common/errors.h"
#include "common/macros.h"

const char *argp_program_version = "driftguard " DG_VERSION;
const char *argp_program_bug_address = "the driftguard issue tracker";

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help;
} verbs[] = {
	{"learn", cmd_learn, "record a command or container, write its seccomp profile"},
	{"hook", cmd_hook, "OCI hook: learn a podman container (io.containers.trace-syscall)"},
	{"dump", cmd_dump, "print the last syscalls of a session that learn records"},
	{"check", cmd_check, "validate OCI seccomp profiles"},
	{"merge", cmd_merge, "union of seccomp profiles"},
	{"convert", cmd_convert, "a seccomp profile as OCI JSON, SPO SeccompProfile, pod snippet"},
	{"enforce", cmd_enforce, "block execution of drifted files by YAML rules"},
	{"reload", cmd_reload, "make the running enforcer re-read its rules"},
	{"stop", cmd_stop, "stop the enforcer and remove its pinned programs"},
	{"probe", cmd_probe, "what this kernel supports, which backends will be used"},
};

/*
 * libbpf's messages go through our prefix; its debug chatter, and the
 * verifier's and BTF's multi-line logs, only with -v.
 */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	static bool in_log;
	char line[1024];

	if (dg_verbose) {
		fputs("driftguard: ", stderr);
		return vfprintf(stderr, fmt, ap);
	}
	if (level != LIBBPF_WARN)
		return 0;
	vsnprintf(line, sizeof(line), fmt, ap);
	if (strstr(line, "-- BEGIN")) {
		in_log = true;
		fputs("driftguard: libbpf: (kernel log omitted; -v shows it)\n", stderr);
		return 0;
	}
	if (in_log) {
		in_log = !strstr(line, "-- END");
		return 0;
	}
	fprintf(stderr, "driftguard: %s", line);
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out, "Usage: driftguard COMMAND [OPTION...]\n\nCommands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(verbs); i++)
		fprintf(out, "  %-8s %s\n", verbs[i].name, verbs[i].help);
	fprintf(out, "\n`driftguard COMMAND --help` describes each one.\n");
}

int main(int argc, char **argv)
{
	char name[64];

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("%s\n", argp_program_version);
		return 0;
	}
	libbpf_set_print(libbpf_print);
	/* argp's usage errors exit 2, like other CLI tools. */
	argp_err_exit_status = 2;
	for (size_t i = 0; i < ARRAY_SIZE(verbs); i++) {
		if (strcmp(argv[1], verbs[i].name))
			continue;
		/* argp names the program after argv[0]: "driftguard learn". */
		snprintf(name, sizeof(name), "driftguard %s", verbs[i].name);
		argv[1] = name;
		return verbs[i].run(argc - 1, argv + 1);
	}
	fprintf(stderr,
		"driftguard: unknown command \"%s\"; run `driftguard --help` for the list\n",
		argv[1]);
	return 2;
}
