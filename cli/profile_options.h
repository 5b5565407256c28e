/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The options that the profile commands (check, convert, merge) share, as
 * argp children: how Docker/Podman profiles are read (--container-caps) and
 * where and in which form the result goes (-o, --format, --name). A parent
 * hands each child its struct in ARGP_KEY_INIT (state->child_inputs[i]).
 */
#ifndef __DG_PROFILE_OPTIONS_H
#define __DG_PROFILE_OPTIONS_H

#include <argp.h>
#include <stdbool.h>
#include <stdint.h>

#include "generator/profile.h"
#include "generator/profile_export.h"

struct dg_read_opts {
	uint64_t caps; /* Docker's default set unless --container-caps */
};

struct dg_export_opts {
	const char *output; /* NULL: not given (the parent decides whether it is required) */
	const char *name;
	enum dg_export_format format;
};

extern const struct argp dg_read_argp;
extern const struct argp dg_export_argp;

/* "VERB: MSG" for errors, "VERB: warning: MSG" for warnings unless quiet. */
void dg_print_problems(const char *verb, const struct dg_problems *problems, bool quiet);

#endif /* __DG_PROFILE_OPTIONS_H */
