/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Names of enum values kept in a table indexed by the value
 * (`static const char *const names[] = {[X] = "x", ...}`): one bounds-checked
 * lookup each way instead of a check written next to every table.
 */
#ifndef __DG_ENUM_NAMES_H
#define __DG_ENUM_NAMES_H

#include <stddef.h>

#include "common/macros.h"

/* table[value]; `fallback` when value is past the table or its slot is empty. */
const char *dg_enum_name(const char *const *table, size_t n, unsigned int value,
			 const char *fallback);

/* The value whose name is `name`; -ENOENT (no message) when none is. */
int dg_enum_value(const char *const *table, size_t n, const char *name);

/* The same for a table that is an array in scope. */
#define DG_ENUM_NAME(table, value, fallback) dg_enum_name(table, ARRAY_SIZE(table), value, fallback)
#define DG_ENUM_VALUE(table, name) dg_enum_value(table, ARRAY_SIZE(table), name)

#endif /* __DG_ENUM_NAMES_H */
