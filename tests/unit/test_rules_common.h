/* SPDX-License-Identifier: GPL-2.0-only */
/* Helpers shared by the unit tests of the drift rules (test_rules_*.c). */
#ifndef __DG_TEST_RULES_COMMON_H
#define __DG_TEST_RULES_COMMON_H

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/errors.h"
#include "enforcer/rules.h"
#include "test_data.h"

/* Loads a rules file of the data directory; fails the test on error. */
static inline struct dg_policy *load_file(const char *name)
{
	struct dg_policy *p = NULL;

	if (dg_policy_load_file(data_path(name), &p) < 0)
		fail_msg("%s: %s", name, dg_errmsg());
	return p;
}

/* Loads rules text (named t.yaml in messages); fails the test on error. */
static inline struct dg_policy *from(const char *yaml)
{
	struct dg_policy *p = NULL;

	if (dg_policy_load_string(yaml, "t.yaml", &p) < 0)
		fail_msg("%s", dg_errmsg());
	return p;
}

/* Loads rules text that must be refused; the message (dg_errmsg()). */
static inline const char *load_error(const char *yaml)
{
	struct dg_policy *p = (struct dg_policy *)1;
	int rc = dg_policy_load_string(yaml, "t.yaml", &p);

	assert_int_equal(rc, -EINVAL);
	assert_null(p);
	return dg_errmsg();
}

/* Rules text to be refused, and where and what its message must say. */
struct rules_err_case {
	const char *yaml;
	const char *prefix; /* "t.yaml:LINE:COLUMN: key.path: " */
	const char *text;   /* in the rest of the message */
};

/* How many of the n cases were refused with another message (each printed). */
static inline size_t rules_err_cases_failed(const struct rules_err_case *cases, size_t n)
{
	size_t bad = 0;

	for (size_t i = 0; i < n; i++) {
		const char *msg = load_error(cases[i].yaml);

		if (strncmp(msg, cases[i].prefix, strlen(cases[i].prefix)) != 0 ||
		    !strstr(msg + strlen(cases[i].prefix), cases[i].text)) {
			print_error("case %zu: \"%s\"\n    want \"%s...%s\"\n", i, msg,
				    cases[i].prefix, cases[i].text);
			bad++;
		}
	}
	return bad;
}

/* A rule that is valid, to be completed by each case. */
#define R0 "rules:\n  - name: r0\n    match: {origin: upper}\n    action: block\n"

/* n exceptions then m rules, each rule with k paths; free() the result. */
static inline char *many(size_t n, size_t m, size_t k)
{
	size_t len = 64 + (n + m) * 160 + m * k * 16;
	char *s = malloc(len), *q = s;

	assert_non_null(s);
	q += sprintf(q, "exceptions:\n");
	for (size_t i = 0; i < n; i++)
		q += sprintf(q, "  - name: e%zu\n    path: /e%zu\n", i, i);
	q += sprintf(q, "rules:\n");
	for (size_t i = 0; i < m; i++) {
		q += sprintf(q,
			     "  - name: r%zu\n    action: block\n    match:\n"
			     "      origin: upper\n      path:\n",
			     i);
		for (size_t j = 0; j < k; j++)
			q += sprintf(q, "        - /r%zu/p%zu\n", i, j);
	}
	return s;
}

/* An execution of a drifted binary in a container named web. */
static inline struct dg_exec_facts in_web(void)
{
	return (struct dg_exec_facts){
		.origin = DG_ORIGIN_UPPER,
		.kind = DG_KIND_BINARY,
		.path = "/usr/local/bin/tini",
		.in_container = true,
		.container_id = "0123456789abcdef0123",
		.container_name = "web",
		.cgroup = "/kubepods/burstable/pod1/0123456789abcdef0123",
	};
}

#endif /* __DG_TEST_RULES_COMMON_H */
