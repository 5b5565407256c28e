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
#include "test_data.h"

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

/* The first rule of p with this action, with (or without) args, that names name. */
static inline const struct dg_rule *find_rule(const struct dg_profile *p, enum dg_action_kind kind,
					      bool with_args, const char *name)
{
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct dg_rule *r = &p->rules[i];

		if (r->action.kind != kind || (r->n_args > 0) != with_args)
			continue;
		for (size_t k = 0; k < r->n_names; k++) {
			if (strcmp(r->names[k], name) == 0)
				return r;
		}
	}
	return NULL;
}

/* A profile of one SCMP_ACT_ALLOW rule for name, built by code (not parsed). */
static inline struct dg_profile *one_rule(const char *name, const struct dg_arg *args,
					  size_t n_args)
{
	struct dg_profile *p = dg_profile_new();
	struct dg_action allow = {.kind = DG_ACT_ALLOW};
	const char *names[] = {name};

	assert_non_null(p);
	assert_int_equal(dg_profile_add_rule(p, names, 1, &allow, args, n_args), 0);
	return p;
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
