// SPDX-License-Identifier: GPL-2.0-only
/*
 * driftguard check FILE...: read each seccomp profile (OCI linux.seccomp, a
 * whole config.json, or Docker's and Podman's form evaluated for this host)
 * with every problem listed, and compile it with libseccomp, as runc would.
 */
#include <argp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "cli/commands.h"
#include "cli/profile_options.h"
#include "common/errors.h"
#include "generator/profile.h"
#include "generator/profile_load.h"

#define VERB "driftguard check"

enum { OPT_STRICT = 0x100 };

struct check_env {
	bool quiet;
	bool strict;
	struct dg_read_opts read;
	char **files;
	int n_files;
};

static const struct argp_option check_options[] = {
	{"quiet", 'q', NULL, 0, "Print nothing for valid profiles, only errors", 0},
	{"strict", OPT_STRICT, NULL, 0,
	 "Only the OCI form, as runc reads config.json: Docker/Podman keys and syscall names "
	 "libseccomp does not know are errors",
	 0},
	{0},
};

static error_t check_parse_opt(int key, char *arg, struct argp_state *state)
{
	struct check_env *env = state->input;

	switch (key) {
	case 'q':
		env->quiet = true;
		break;
	case OPT_STRICT:
		env->strict = true;
		break;
	case ARGP_KEY_INIT:
		state->child_inputs[0] = &env->read;
		break;
	case ARGP_KEY_ARG:
		(void)arg;
		return ARGP_ERR_UNKNOWN; /* the rest are files: ARGP_KEY_ARGS */
	case ARGP_KEY_ARGS:
		env->files = state->argv + state->next;
		env->n_files = state->argc - state->next;
		break;
	case ARGP_KEY_NO_ARGS:
		argp_error(state, "no profile given; usage: " VERB " FILE...");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* Distinct syscall names that some SCMP_ACT_ALLOW rule names. */
static size_t count_allowed(const struct dg_profile *p)
{
	size_t n = 0;

	for (size_t i = 0; i < p->n_rules; i++) {
		const struct dg_rule *r = &p->rules[i];

		if (r->action.kind != DG_ACT_ALLOW)
			continue;
		for (size_t k = 0; k < r->n_names; k++) {
			bool seen = false;

			for (size_t j = 0; j < i && !seen; j++) {
				const struct dg_rule *o = &p->rules[j];

				if (o->action.kind != DG_ACT_ALLOW)
					continue;
				for (size_t x = 0; x < o->n_names && !seen; x++)
					seen = strcmp(o->names[x], r->names[k]) == 0;
			}
			n += !seen;
		}
	}
	return n;
}

/* "X86_64,X86": the native architecture (always in the filter) and the listed ones. */
static void print_arches(const struct dg_profile *p)
{
	uint32_t native = seccomp_arch_native();
	bool listed = false;
	const char *sep = "";

	for (size_t i = 0; i < p->n_arches; i++)
		listed = listed || p->arches[i] == native;
	if (!listed) {
		const char *name = dg_arch_name(native);

		printf("%s", name ? name + strlen("SCMP_ARCH_") : "native");
		sep = ",";
	}
	for (size_t i = 0; i < p->n_arches; i++) {
		const char *name = dg_arch_name(p->arches[i]);

		printf("%s%s", sep, name ? name + strlen("SCMP_ARCH_") : "?");
		sep = ",";
	}
}

static int check_one(const char *file, const struct dg_profile_host *host, bool quiet)
{
	_cleanup_(dg_profile_freep) struct dg_profile *p = NULL;
	_cleanup_(dg_problems_free) struct dg_problems problems = {0};
	size_t n_warnings;
	int rc;

	/* Problems carry the file name (and line:column or JSON path) already. */
	rc = dg_profile_read_file(file, host, &problems, &p);
	/* Every problem of the file, errors and (unless quiet) warnings, one line each. */
	dg_print_problems(VERB, &problems, quiet);
	if (rc < 0)
		return rc;
	n_warnings = problems.n - problems.n_errors;
	rc = dg_profile_validate(p);
	if (rc < 0) {
		dg_err_wrap(rc, "%s: libseccomp cannot build this profile", file);
		fprintf(stderr, VERB ": %s\n", dg_errmsg());
		return rc;
	}
	if (quiet)
		return 0;
	printf("%s: ok (%zu syscalls allowed, default %s, arches ", file, count_allowed(p),
	       dg_action_name(p->default_action.kind));
	print_arches(p);
	if (n_warnings)
		printf("; %zu warning%s", n_warnings, n_warnings == 1 ? "" : "s");
	printf(")\n");
	return 0;
}

int cmd_check(int argc, char **argv)
{
	static const struct argp_child children[] = {
		{&dg_read_argp, 0, NULL, 0},
		{0},
	};
	static const struct argp argp = {
		.options = check_options,
		.parser = check_parse_opt,
		.children = children,
		.args_doc = "FILE...",
		.doc = "Check seccomp profiles: read each FILE (a linux.seccomp object, a whole "
		       "config.json, or a Docker/Podman profile whose conditions are evaluated for "
		       "this machine; - for standard input), list every problem, and compile it "
		       "with libseccomp as runc would.\vExit status: 0 all valid (warnings "
		       "allowed), 1 some profile is invalid, 2 usage error.",
	};
	struct check_env env = {0};
	struct dg_profile_host host = {0};
	int failed = 0;

	/* main() names the program "driftguard check" in argv[0] for argp. */
	if (argp_parse(&argp, argc, argv, 0, NULL, &env) != 0)
		return 2;
	if (!env.strict && dg_profile_host_detect(&host) < 0) {
		fprintf(stderr, VERB ": %s\n", dg_errmsg());
		return 1;
	}
	host.caps = env.read.caps;

	for (int i = 0; i < env.n_files; i++) {
		if (check_one(env.files[i], env.strict ? NULL : &host, env.quiet) < 0)
			failed = 1;
	}
	fflush(stdout);
	return failed;
}
