// SPDX-License-Identifier: GPL-2.0-only
#include "common/enum_names.h"

#include <errno.h>
#include <string.h>

const char *dg_enum_name(const char *const *table, size_t n, unsigned int value,
			 const char *fallback)
{
	if (value >= n || !table[value])
		return fallback;
	return table[value];
}

int dg_enum_value(const char *const *table, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (table[i] && !strcmp(table[i], name))
			return (int)i;
	return -ENOENT;
}
