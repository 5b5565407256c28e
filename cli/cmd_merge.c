// SPDX-License-Identifier: GPL-2.0-only
/*
 * driftguard merge A.json B.json ... -o OUT.json: one profile that allows the
 * union of what the inputs allow, with the strictest default; written only
 * once it compiles, atomically.
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

#define VERB "driftguard merge"

struct merge_env {
	const char *output;
	char **files;
	int n_files;
};

static const struct argp_option merge_options[] = {
	{"output", 'o', "OUT", 0, "Write the merged profile to OUT (- for standard output)", 0},
	{0},
};

static error_t merge_parse_opt(int key, char *arg, struct argp_state *state)
{
	struct merge_env *env = state->input;

	switch (key) {
	case 'o':
		if (!arg[0])
			argp_error(state, "-o needs a file name (or - for standard output)");
		env->output = arg;
		break;
	case ARGP_KEY_ARG:
		return ARGP_ERR_UNKNOWN; /* the rest are files: ARGP_KEY_ARGS */
	case ARGP_KEY_ARGS:
		env->files = state->argv + state->next;
		env->n_files = state->argc - state->next;
		break;
	case ARGP_KEY_NO_ARGS:
		argp_error(state,
			   "no input profile given; usage: " VERB " A.json B.json... -o OUT.json");
		break;
	case ARGP_KEY_END:
		if (!env->output)
			argp_error(state, "-o OUT is required (use -o - for standard output)");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

struct inputs {
	struct dg_profile **p;
	size_t n;
};

static void inputs_free(struct inputs *in)
{
	for (size_t i = 0; i < in->n; i++)
		dg_profile_free(in->p[i]);
	free(in->p);
}

/*
 * What dg_profile_merge() refuses, said with the file names (it can only
 * number its inputs).
 */
static int check_mergeable(const struct inputs *in, char **files)
{
	const char *listener = NULL, *listener_file = NULL;

	for (size_t i = 0; i < in->n; i++) {
		const struct dg_profile *p = in->p[i];
		enum dg_action_kind k = p->default_action.kind;

		if (k == DG_ACT_ALLOW || k == DG_ACT_LOG)
			return dg_err(EINVAL,
				      "%s: default action %s permits every syscall it does not "
				      "list, so a union with it allows everything; merge only "
				      "deny-by-default profiles (e.g. SCMP_ACT_ERRNO)",
				      files[i], dg_action_name(k));
		if (!p->listener_path)
			continue;
		if (!listener) {
			listener = p->listener_path;
			listener_file = files[i];
		} else if (strcmp(listener, p->listener_path) != 0) {
			return dg_err(
				EINVAL,
				"%s: listenerPath \"%s\" differs from \"%s\" in %s; a profile "
				"has one seccomp agent, so give them the same listenerPath",
				files[i], p->listener_path, listener, listener_file);
		}
	}
	return 0;
}

static int merge_files(const struct merge_env *env)
{
	_cleanup_(inputs_free) struct inputs in = {0};
	_cleanup_(dg_profile_freep) struct dg_profile *merged = NULL;
	int rc;

	in.p = calloc((size_t)env->n_files, sizeof(*in.p));
	if (!in.p)
		return dg_err(ENOMEM, "out of memory");
	for (int i = 0; i < env->n_files; i++) {
		/* Parse errors carry the file name (and line:column) already. */
		rc = dg_profile_parse_file(env->files[i], &in.p[in.n]);
		if (rc < 0)
			return rc;
		in.n++;
	}
	rc = check_mergeable(&in, env->files);
	if (rc < 0)
		return rc;
	rc = dg_profile_merge(in.p, in.n, &merged);
	if (rc < 0)
		return rc;
	return dg_profile_write_file(merged, env->output);
}

int cmd_merge(int argc, char **argv)
{
	static const struct argp argp = {
		.options = merge_options,
		.parser = merge_parse_opt,
		.args_doc = "PROFILE... -o OUT",
		.doc = "Merge OCI seccomp profiles (e.g. of several runs or replicas) into one "
		       "that allows what any of them allows, with the strictest default action. "
		       "The result is compiled with libseccomp before it is written, atomically; "
		       "on any error nothing is written.\vExit status: 0 written, 1 error, "
		       "2 usage error.",
	};
	struct merge_env env = {0};

	/* main() names the program "driftguard merge" in argv[0] for argp. */
	if (argp_parse(&argp, argc, argv, 0, NULL, &env) != 0)
		return 2;

	if (merge_files(&env) < 0) {
		fprintf(stderr, VERB ": %s\n", dg_errmsg());
		return 1;
	}
	if (strcmp(env.output, "-") != 0)
		dg_info("merge: %d profiles merged into %s", env.n_files, env.output);
	return 0;
}
