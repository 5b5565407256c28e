// SPDX-License-Identifier: GPL-2.0-only
/*
 * driftguard check FILE...: parse each seccomp profile (OCI linux.seccomp or a
 * whole config.json) and compile it with libseccomp, as runc would.
 */
#include <argp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "cli/commands.h"
#include "common/errors.h"
#include "generator/profile.h"

DG_DEFINE_CLEANUP(struct dg_profile *, dg_profile_free);

#define VERB "driftguard check"

struct check_env {
	bool quiet;
	char **files;
	int n_files;
};

static const struct argp_option check_options[] = {
	{"quiet", 'q', NULL, 0, "Print nothing for valid profiles, only errors", 0},
	{0},
};

static error_t check_parse_opt(int key, char *arg, struct argp_state *state)
{
	struct check_env *env = state->input;

	switch (key) {
	case 'q':
		env->quiet = true;
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

static int check_one(const char *file, bool quiet)
{
	_cleanup_(dg_profile_freep) struct dg_profile *p = NULL;
	int rc;

	/* Parse errors carry the file name (and line:column) already. */
	rc = dg_profile_parse_file(file, &p);
	if (rc < 0)
		return rc;
	rc = dg_profile_validate(p);
	if (rc < 0)
		return dg_err_wrap(rc, "%s: libseccomp cannot build this profile", file);
	if (quiet)
		return 0;
	printf("%s: ok (%zu syscalls allowed, default %s, arches ", file, count_allowed(p),
	       dg_action_name(p->default_action.kind));
	print_arches(p);
	printf(")\n");
	return 0;
}

int cmd_check(int argc, char **argv)
{
	static const struct argp argp = {
		.options = check_options,
		.parser = check_parse_opt,
		.args_doc = "FILE...",
		.doc = "Check OCI seccomp profiles: parse each FILE (a linux.seccomp object or a "
		       "whole config.json, - for standard input) and compile it with libseccomp "
		       "as runc would.\vExit status: 0 all valid, 1 some profile is invalid, "
		       "2 usage error.",
	};
	struct check_env env = {0};
	int failed = 0;

	/* main() names the program "driftguard check" in argv[0] for argp. */
	if (argp_parse(&argp, argc, argv, 0, NULL, &env) != 0)
		return 2;

	for (int i = 0; i < env.n_files; i++) {
		if (check_one(env.files[i], env.quiet) < 0) {
			fprintf(stderr, VERB ": %s\n", dg_errmsg());
			failed = 1;
		}
	}
	fflush(stdout);
	return failed;
}
