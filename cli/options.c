// SPDX-License-Identifier: GPL-2.0-only
#include "cli/options.h"

#include <stdio.h>
#include <string.h>

#include "common/enum_names.h"

int dg_parse_choice(struct argp_state *state, const char *option, const char *const *choices,
		    size_t n, const char *arg)
{
	char list[256] = "";
	size_t used = 0;
	int value = dg_enum_value(choices, n, arg);

	if (value >= 0)
		return value;
	/* "auto, none or seccomp" */
	for (size_t i = 0; i < n && used < sizeof(list); i++)
		used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s",
					 !i ? "" : (i + 1 < n ? ", " : " or "), choices[i]);
	argp_error(state, "--%s is %s, not \"%s\"", option, list, arg);
	return -1;
}
