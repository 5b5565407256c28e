/* SPDX-License-Identifier: GPL-2.0-only */
/* Helpers shared by the profile unit tests. */
#ifndef __DG_TEST_COMMON_H
#define __DG_TEST_COMMON_H

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/errors.h"
#include "generator/profile.h"

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

/* Parses a file of the data directory; fails the test on error. */
static inline struct dg_profile *load(const char *name)
{
	struct dg_profile *p = NULL;
	int rc = dg_profile_parse_file(data_path(name), &p);

	if (rc < 0)
		fail_msg("%s: %s", name, dg_errmsg());
	return p;
}

/* Parses text that must fail; returns a copy of the message. */
static inline const char *parse_error(const char *text)
{
	struct dg_profile *p = NULL;
	int rc = dg_profile_parse_string(text, "t.json", &p);

	assert_int_equal(rc, -EINVAL);
	assert_null(p);
	return dg_errmsg();
}

static inline void assert_contains(const char *haystack, const char *needle)
{
	if (!strstr(haystack, needle))
		fail_msg("\"%s\" does not contain \"%s\"", haystack, needle);
}

/*
 * libseccomp asks the running kernel which actions it supports. Where it
 * cannot (valgrind, seccomp(2) blocked, an old kernel), pretend API level 5
 * (KILL_PROCESS, LOG, NOTIFY) so that the tests check our code, not the host.
 */
static inline void seccomp_host_independent(void)
{
	if (seccomp_api_get() < 5 && seccomp_api_set(5) < 0)
		fprintf(stderr, "cannot set the libseccomp API level; expect failures\n");
}

#endif /* __DG_TEST_COMMON_H */
