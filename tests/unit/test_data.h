/* SPDX-License-Identifier: GPL-2.0-only */
/* Where the unit tests' data files are, and a substring assertion for messages. */
#ifndef __DG_TEST_DATA_H
#define __DG_TEST_DATA_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#ifndef TEST_DATA_DIR
#define TEST_DATA_DIR "tests/unit/data"
#endif

/* $DG_TEST_DATA, else -DTEST_DATA_DIR=..., else tests/unit/data (from the repo root). */
static inline const char *data_path(const char *name)
{
	static char buf[4096];
	const char *dir = getenv("DG_TEST_DATA");

	snprintf(buf, sizeof(buf), "%s/%s", dir && dir[0] ? dir : TEST_DATA_DIR, name);
	return buf;
}

static inline void assert_contains(const char *haystack, const char *needle)
{
	if (!strstr(haystack, needle))
		fail_msg("\"%s\" does not contain \"%s\"", haystack, needle);
}

#endif /* __DG_TEST_DATA_H */
