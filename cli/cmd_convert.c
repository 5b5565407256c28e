// SPDX-License-Identifier: GPL-2.0-only
/*
 * driftguard convert IN -o OUT --format oci|spo|k8s: one profile in another
 * form. IN is read as `check` reads it (a Docker or Podman profile is
 * evaluated for this machine), compiled with libseccomp, then written as the
 * OCI JSON runtimes read, a Security Profiles Operator SeccompProfile, or the
 * OCI JSON plus the pod securityContext snippet that names it.
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

#define VERB "driftguard convert"

enum { OPT_STRICT = 0x100 };

struct convert_env {
	struct dg_read_opts read;
	struct dg_export_opts out;
	const char *input;
	bool strict;
};

static const struct argp_option convert_options[] = {
	{"strict", OPT_STRICT, NULL, 0, "Read IN as the OCI form only (as check --strict)", 0},
	{0},
};

static error_t convert_parse_opt(int key, char *arg, struct argp_state *state)
{
	struct convert_env *env = state->input;

	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = &env->read;
		state->child_inputs[1] = &env->out;
		break;
	case OPT_STRICT:
		env->strict = true;
		break;
	case ARGP_KEY_ARG:
		if (env->input)
			argp_error(state, "one input profile at a time; merge several with "
					  "driftguard merge");
		env->input = arg;
		break;
	case ARGP_KEY_END:
		if (!env->input)
			argp_error(state, "no input profile given; usage: " VERB
					  " IN -o OUT --format oci|spo|k8s");
		if (!env->out.output)
			argp_error(state, "-o OUT is required");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static int convert(const struct convert_env *env)
{
	_cleanup_(dg_profile_freep) struct dg_profile *p = NULL;
	_cleanup_(dg_problems_free) struct dg_problems problems = {0};
	struct dg_profile_host host;
	size_t n_errors;
	int rc;

	if (!env->strict) {
		rc = dg_profile_host_detect(&host);
		if (rc < 0)
			return rc;
		host.caps = env->read.caps;
	}
	rc = dg_profile_read_file(env->input, env->strict ? NULL : &host, &problems, &p);
	dg_print_problems(VERB, &problems, false);
	n_errors = problems.n_errors;
	dg_problems_free(&problems);
	if (rc < 0)
		return dg_err(-rc, "%s: %zu problem%s, nothing written", env->input, n_errors,
			      n_errors == 1 ? "" : "s");
	rc = dg_profile_export(p, env->out.format, env->out.output, env->out.name, &problems);
	/* What the format could not hold, said whether or not the file was written. */
	dg_print_problems(VERB, &problems, false);
	return rc;
}

int cmd_convert(int argc, char **argv)
{
	static const struct argp_child children[] = {
		{&dg_read_argp, 0, NULL, 0},
		{&dg_export_argp, 0, NULL, 0},
		{0},
	};
	static const struct argp argp = {
		.options = convert_options,
		.parser = convert_parse_opt,
		.children = children,
		.args_doc = "IN -o OUT",
		.doc = "Convert a seccomp profile (OCI, or Docker/Podman evaluated for this "
		       "machine as check does) to the OCI JSON runtimes read, a Security Profiles "
		       "Operator SeccompProfile, or the OCI JSON and a Kubernetes pod snippet. "
		       "The profile is compiled with libseccomp first; files are written "
		       "atomically.\vExit status: 0 written, 1 error, 2 usage error.",
	};
	struct convert_env env = {0};

	/* main() names the program "driftguard convert" in argv[0] for argp. */
	if (argp_parse(&argp, argc, argv, 0, NULL, &env) != 0)
		return 2;
	if (convert(&env) < 0) {
		fprintf(stderr, VERB ": %s\n", dg_errmsg());
		return 1;
	}
	return 0;
}
