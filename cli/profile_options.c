// SPDX-License-Identifier: GPL-2.0-only
#include "cli/profile_options.h"

#include <stdio.h>

#include "common/errors.h"
#include "generator/profile_load.h"

enum { OPT_CAPS = 0x200, OPT_NAME };

static const struct argp_option read_options[] = {
	{"container-caps", OPT_CAPS, "SET", 0,
	 "The container capabilities Docker/Podman conditions (includes/excludes caps) are "
	 "evaluated for: docker (default), podman, all, none, CAP_X, -CAP_X, comma-separated",
	 0},
	{0},
};

static error_t read_parse_opt(int key, char *arg, struct argp_state *state)
{
	struct dg_read_opts *o = state->input;

	switch (key) {
	case ARGP_KEY_INIT:
		if (dg_caps_set_parse("docker", &o->caps) < 0)
			argp_failure(state, 1, 0, "%s", dg_errmsg());
		break;
	case OPT_CAPS:
		if (dg_caps_set_parse(arg, &o->caps) < 0)
			argp_error(state, "--container-caps: %s", dg_errmsg());
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

const struct argp dg_read_argp = {.options = read_options, .parser = read_parse_opt};

static const struct argp_option export_options[] = {
	{"output", 'o', "OUT", 0,
	 "Write the profile to OUT (- for standard output, except with --format k8s)", 0},
	{"format", 'f', "FORMAT", 0,
	 "oci (runtime-spec JSON, the default), spo (a Security Profiles Operator "
	 "SeccompProfile, YAML) or k8s (OUT.json, the profile, and OUT.yaml, a pod "
	 "securityContext naming it)",
	 0},
	{"name", OPT_NAME, "NAME", 0, "metadata.name of the SeccompProfile (default: OUT's name)",
	 0},
	{0},
};

static error_t export_parse_opt(int key, char *arg, struct argp_state *state)
{
	struct dg_export_opts *o = state->input;

	switch (key) {
	case ARGP_KEY_INIT:
		o->format = DG_EXPORT_OCI;
		break;
	case 'o':
		if (!arg[0])
			argp_error(state, "-o needs a file name (or - for standard output)");
		o->output = arg;
		break;
	case 'f':
		if (dg_export_format_parse(arg, &o->format) < 0)
			argp_error(state, "--format: %s", dg_errmsg());
		break;
	case OPT_NAME:
		o->name = arg;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

const struct argp dg_export_argp = {.options = export_options, .parser = export_parse_opt};

void dg_print_problems(const char *verb, const struct dg_problems *problems, bool quiet)
{
	for (size_t i = 0; i < problems->n; i++) {
		if (problems->v[i].error)
			fprintf(stderr, "%s: %s\n", verb, problems->v[i].msg);
		else if (!quiet)
			fprintf(stderr, "%s: warning: %s\n", verb, problems->v[i].msg);
	}
}
