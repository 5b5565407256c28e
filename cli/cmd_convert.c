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
#include "common/errors.h"
#include "generator/profile.h"
#include "generator/profile_export.h"
#include "generator/profile_load.h"

#define VERB "driftguard convert"

enum { OPT_STRICT = 0x100, OPT_CAPS, OPT_NAME };

struct convert_env {
	const char *input;
	const char *output;
	const char *name;
	enum dg_export_format format;
	bool strict;
	uint64_t caps;
};

static const struct argp_option convert_options[] = {
	{"output", 'o', "OUT", 0, "Write the result to OUT (- for standard output; not for k8s)",
	 0},
	{"format", 'f', "FORMAT", 0,
	 "oci (runtime-spec JSON, the default), spo (a Security Profiles Operator "
	 "SeccompProfile, YAML) or k8s (OUT.json, the profile, and OUT.yaml, a pod "
	 "securityContext naming it)",
	 0},
	{"name", OPT_NAME, "NAME", 0, "metadata.name of the SeccompProfile (default: OUT's name)",
	 0},
	{"container-caps", OPT_CAPS, "SET", 0,
	 "Capabilities Docker/Podman conditions are evaluated for (as in check; default docker)",
	 0},
	{"strict", OPT_STRICT, NULL, 0, "Read IN as the OCI form only (as check --strict)", 0},
	{0},
};

static error_t convert_parse_opt(int key, char *arg, struct argp_state *state)
{
	struct convert_env *env = state->input;

	switch (key) {
	case 'o':
		if (!arg[0])
			argp_error(state, "-o needs a file name (or - for standard output)");
		env->output = arg;
		break;
	case 'f':
		if (dg_export_format_parse(arg, &env->format) < 0)
			argp_error(state, "--format: %s", dg_errmsg());
		break;
	case OPT_NAME:
		env->name = arg;
		break;
	case OPT_CAPS:
		if (dg_caps_set_parse(arg, &env->caps) < 0)
			argp_error(state, "--container-caps: %s", dg_errmsg());
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
		if (!env->output)
			argp_error(state, "-o OUT is required");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static void print_problems(const struct dg_problems *problems)
{
	for (size_t i = 0; i < problems->n; i++)
		fprintf(stderr, VERB ": %s%s\n",
			problems->v[i].error ? "" : "warning: ", problems->v[i].msg);
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
		host.caps = env->caps;
	}
	rc = dg_profile_read_file(env->input, env->strict ? NULL : &host, &problems, &p);
	print_problems(&problems);
	n_errors = problems.n_errors;
	dg_problems_free(&problems);
	if (rc < 0)
		return dg_err(-rc, "%s: %zu problem%s, nothing written", env->input, n_errors,
			      n_errors == 1 ? "" : "s");
	rc = dg_profile_export(p, env->format, env->output, env->name, &problems);
	/* What the format could not hold, said whether or not the file was written. */
	print_problems(&problems);
	return rc;
}

int cmd_convert(int argc, char **argv)
{
	static const struct argp argp = {
		.options = convert_options,
		.parser = convert_parse_opt,
		.args_doc = "IN -o OUT",
		.doc = "Convert a seccomp profile (OCI, or Docker/Podman evaluated for this "
		       "machine as check does) to the OCI JSON runtimes read, a Security Profiles "
		       "Operator SeccompProfile, or the OCI JSON and a Kubernetes pod snippet. "
		       "The profile is compiled with libseccomp first; files are written "
		       "atomically.\vExit status: 0 written, 1 error, 2 usage error.",
	};
	struct convert_env env = {.format = DG_EXPORT_OCI};

	/* main() names the program "driftguard convert" in argv[0] for argp. */
	if (dg_caps_set_parse("docker", &env.caps) < 0 ||
	    argp_parse(&argp, argc, argv, 0, NULL, &env) != 0)
		return 2;
	if (convert(&env) < 0) {
		fprintf(stderr, VERB ": %s\n", dg_errmsg());
		return 1;
	}
	return 0;
}
