// SPDX-License-Identifier: GPL-2.0-only
/*
 * driftguard merge A.json B.json ... -o OUT.json: one profile that allows the
 * union of what the inputs allow, with the strictest default; written only
 * once it compiles, atomically, as OCI JSON, an SPO SeccompProfile or for a
 * pod (--format). Inputs are read as `check` reads them.
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
#include "generator/profile_export.h"
#include "generator/profile_load.h"
#include "generator/text_file.h"

#define VERB "driftguard merge"

struct merge_env {
	struct dg_read_opts read;
	struct dg_export_opts out;
	char **files;
	int n_files;
};

static error_t merge_parse_opt(int key, char *arg, struct argp_state *state)
{
	struct merge_env *env = state->input;

	(void)arg;
	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = &env->read;
		state->child_inputs[1] = &env->out;
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
		if (!env->out.output)
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

/* Every input, with every problem of each; fails when any has an error. */
static int read_inputs(const struct merge_env *env, struct inputs *in)
{
	_cleanup_(dg_problems_free) struct dg_problems problems = {0};
	struct dg_profile_host host;
	size_t bad = 0;
	int rc;

	rc = dg_profile_host_detect(&host);
	if (rc < 0)
		return rc;
	host.caps = env->read.caps;
	in->p = calloc((size_t)env->n_files, sizeof(*in->p));
	if (!in->p)
		return dg_err(ENOMEM, "out of memory");
	for (int i = 0; i < env->n_files; i++) {
		/* Problems carry the file name (and line:column or JSON path) already. */
		rc = dg_profile_read_file(env->files[i], &host, &problems, &in->p[in->n]);
		if (rc == -ENOMEM)
			return rc;
		if (rc < 0)
			bad++;
		else
			in->n++;
	}
	dg_print_problems(VERB, &problems, false);
	if (bad)
		return dg_err(EINVAL,
			      "%zu of %d inputs have problems (listed above); nothing written", bad,
			      env->n_files);
	return 0;
}

static int merge_files(const struct merge_env *env)
{
	_cleanup_(inputs_free) struct inputs in = {0};
	_cleanup_(dg_profile_freep) struct dg_profile *merged = NULL;
	_cleanup_(dg_problems_free) struct dg_problems notes = {0};
	int rc;

	/* A wrong -o fails before the inputs are read, as learn's does. */
	rc = dg_output_check(env->out.output);
	if (rc < 0)
		return rc;
	rc = read_inputs(env, &in);
	if (rc < 0)
		return rc;
	rc = dg_profile_merge_named(in.p, (const char *const *)env->files, in.n, &merged);
	if (rc < 0)
		return rc;
	rc = dg_profile_export(merged, env->out.format, env->out.output, env->out.name, &notes);
	/* What the format could not hold, said whether or not the file was written. */
	dg_print_problems(VERB, &notes, false);
	return rc;
}

int cmd_merge(int argc, char **argv)
{
	static const struct argp_child children[] = {
		{&dg_read_argp, 0, NULL, 0},
		{&dg_export_argp, 0, NULL, 0},
		{0},
	};
	static const struct argp argp = {
		.parser = merge_parse_opt,
		.children = children,
		.args_doc = "PROFILE... -o OUT",
		.doc = "Merge seccomp profiles (e.g. of several runs or replicas, or a learned "
		       "one and Docker's default; read as check reads them) into one that allows "
		       "what any of them allows, with the strictest default action. The result is "
		       "compiled with libseccomp before it is written, atomically; on any error "
		       "nothing is written.\vExit status: 0 written, 1 error, 2 usage error.",
	};
	struct merge_env env = {0};

	/* main() names the program "driftguard merge" in argv[0] for argp. */
	if (argp_parse(&argp, argc, argv, 0, NULL, &env) != 0)
		return 2;

	if (merge_files(&env) < 0) {
		fprintf(stderr, VERB ": %s\n", dg_errmsg());
		return 1;
	}
	if (strcmp(env.out.output, "-") != 0)
		dg_info("merge: %d profiles merged into %s", env.n_files, env.out.output);
	return 0;
}
