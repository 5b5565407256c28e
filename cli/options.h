/* SPDX-License-Identifier: GPL-2.0-only */
/* Option parsing shared by the commands' argp parsers. */
#ifndef __DG_OPTIONS_H
#define __DG_OPTIONS_H

#include <argp.h>
#include <stddef.h>

#include "common/macros.h"

/*
 * The value of option --`option` that is one of `choices` (a table indexed
 * by the enum it names, as common/enum_names.h, every slot named): its index. Anything else
 * is a usage error, "--gate is auto, none or seccomp, not "x"" (argp_error:
 * the process exits 2); -1 only where argp was told not to exit.
 */
int dg_parse_choice(struct argp_state *state, const char *option, const char *const *choices,
		    size_t n, const char *arg);

#define DG_PARSE_CHOICE(state, option, choices, arg) \
	dg_parse_choice(state, option, choices, ARRAY_SIZE(choices), arg)

#endif /* __DG_OPTIONS_H */
