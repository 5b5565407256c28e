// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the limits on a rules file (enforcer/yaml_doc.h): size,
 * nesting depth, anchors and %TAG directives. Each limit is tested at its
 * value (passes the limit, then fails on the schema or loads) and one above
 * (refused with its message and position), and a directory given as the file
 * is named as one.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "test_rules_common.h"
#include "test_files.h"

#include "common/cleanup.h"
#include "enforcer/yaml_doc.h"

/* The documented values (yaml_doc.h, docs): a change must be deliberate. */
_Static_assert(DG_YAML_SIZE_MAX == 1024 * 1024, "1 MiB");
_Static_assert(DG_YAML_DEPTH_MAX == 64, "64 levels");
_Static_assert(DG_YAML_ANCHORS_MAX == 1024, "1024 anchors and aliases");
_Static_assert(DG_YAML_TAG_DIRECTIVES_MAX == 16, "16 %TAG directives");

#define DEEP "nesting deeper than 64 levels; a rules file needs far fewer"

/* Loads text that must fail with -err; returns the message. */
static const char *refused(const char *yaml, int err)
{
	struct dg_policy *p = (struct dg_policy *)1;

	assert_int_equal(dg_policy_load_string(yaml, "t.yaml", &p), -err);
	assert_null(p);
	return dg_errmsg();
}

/* A growing string; free() it. */
struct text {
	char *s;
	size_t len, cap;
};

static void put(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (t->len + (size_t)n + 1 > t->cap) {
		t->cap = (t->len + (size_t)n + 1) * 2;
		t->s = realloc(t->s, t->cap);
		assert_non_null(t->s);
	}
	va_start(ap, fmt);
	vsnprintf(t->s + t->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

static void repeat(struct text *t, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put(t, "%s", s);
}

/* ---- nesting ------------------------------------------------------------------------------ */

/* "rules: [[...[x]...]]": the root mapping is level 1, the rules list 2, then one per '['. */
static char *flow_nested(size_t depth)
{
	struct text t = {0};

	put(&t, "rules: ");
	repeat(&t, "[", depth - 1);
	put(&t, "x");
	repeat(&t, "]", depth - 1);
	put(&t, "\n");
	return t.s;
}

static void test_flow_depth(void **state)
{
	_cleanup_free_ char *at = flow_nested(64), *above = flow_nested(65);
	const char *msg;

	(void)state;
	msg = refused(at, EINVAL); /* through the limits, refused by the schema */
	assert_string_equal(msg, "t.yaml:1:9: rules[0]: must be a mapping, not a list");
	msg = refused(above, EINVAL);
	/* "rules: " is 7 columns; the 64th '[' is level 65 */
	assert_string_equal(msg, "t.yaml:1:71: " DEEP);
}

/*
 * Block mappings indented one more column each line ("k1:\n k2:\n  k3: x"),
 * the last holding a block list: depth mappings and lists in all.
 */
static char *block_nested(size_t depth)
{
	struct text t = {0};
	size_t i;

	for (i = 0; i + 1 < depth; i++)
		put(&t, "%*sk%zu:\n", (int)i, "", i);
	put(&t, "%*s- x\n", (int)i, "");
	return t.s;
}

static void test_block_depth(void **state)
{
	_cleanup_free_ char *at = block_nested(64), *above = block_nested(65);
	const char *msg;

	(void)state;
	msg = refused(at, EINVAL);
	assert_string_equal(msg, "t.yaml:1:1: k0: unknown key; allowed keys are mode, exceptions, "
				 "rules, interpreters");
	msg = refused(above, EINVAL);
	/* the list under k63, at line 65 column 65, is level 65 */
	assert_string_equal(msg, "t.yaml:65:65: " DEEP);
}

/* Block levels then flow ones: neither alone is deep, together they are. */
static void test_mixed_depth(void **state)
{
	struct text t = {0};
	const char *msg;

	(void)state;
	for (size_t i = 0; i < 40; i++)
		put(&t, "%*sk%zu:\n", (int)i, "", i); /* 40 mappings */
	put(&t, "%*s- ", 40, "");		      /* an indentless list: 41 */
	repeat(&t, "[", 24);			      /* the 24th is 65 */
	repeat(&t, "]", 24);
	put(&t, "\n");
	msg = refused(t.s, EINVAL);
	assert_string_equal(msg, "t.yaml:41:66: " DEEP);
	free(t.s);
}

/* Libyaml's scanner is quadratic in the depth: 29 s for this before the limit. */
static void test_very_deep_is_refused_early(void **state)
{
	_cleanup_free_ char *deep = flow_nested(100000);
	struct timespec t0, t1;
	const char *msg;
	double s;

	(void)state;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	msg = refused(deep, EINVAL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_string_equal(msg, "t.yaml:1:71: " DEEP);
	/* milliseconds; the bound is loose for valgrind and a busy machine */
	s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (s > 5.0)
		fail_msg("refusing took %.1f s", s);
}

/* ---- anchors and directives --------------------------------------------------------------- */

/* "rules: [&a0 x, *a0, &a1 x, *a1, ...]": n anchors and aliases in all (n even). */
static char *anchored(size_t n)
{
	struct text t = {0};

	put(&t, "rules: [");
	for (size_t i = 0; i < n / 2; i++)
		put(&t, "&a%zu x, *a%zu, ", i, i);
	put(&t, "y]\n");
	return t.s;
}

static void test_anchors(void **state)
{
	_cleanup_free_ char *at = anchored(1024), *above = anchored(1026);
	const char *msg;
	char want[160];

	(void)state;
	msg = refused(at, EINVAL);
	assert_string_equal(msg, "t.yaml:1:9: rules[0]: must be a mapping, not a string");
	msg = refused(above, EINVAL);
	/* the 1025th is the anchor &a512, after 512 anchors and 512 aliases */
	snprintf(want, sizeof(want),
		 "t.yaml:1:%td: more than 1024 anchors and aliases (&name, *name); a rules file "
		 "needs far fewer",
		 strstr(above, "&a512 ") - above + 1);
	assert_string_equal(msg, want);
}

static char *tagged(size_t n)
{
	struct text t = {0};

	for (size_t i = 0; i < n; i++)
		put(&t, "%%TAG !t%zu! tag:example.com,2024:\n", i);
	put(&t, "---\nrules: []\n");
	return t.s;
}

static void test_tag_directives(void **state)
{
	_cleanup_free_ char *at = tagged(16), *above = tagged(17);
	const char *msg;

	(void)state;
	msg = refused(at, EINVAL);
	assert_string_equal(msg,
			    "t.yaml:18:8: rules: empty list; a policy needs at least one rule");
	msg = refused(above, EINVAL);
	assert_string_equal(msg, "t.yaml:17:1: more than 16 %TAG directives; a rules file needs "
				 "none");
}

/* ---- size --------------------------------------------------------------------------------- */

/* A valid rules file of exactly len bytes: R0, then a comment that fills it. */
static char *sized(size_t len)
{
	char *s = malloc(len + 1);
	size_t head = strlen(R0);

	assert_non_null(s);
	assert_true(len > head + 3);
	memcpy(s, R0, head);
	s[head] = '#';
	memset(s + head + 1, 'x', len - head - 2);
	s[len - 1] = '\n';
	s[len] = '\0';
	return s;
}

static void test_size_string(void **state)
{
	_cleanup_free_ char *at = sized(1024 * 1024), *above = sized(1024 * 1024 + 1);

	(void)state;
	dg_policy_free(from(at));
	assert_string_equal(refused(above, EFBIG),
			    "t.yaml: larger than 1024 KiB (1048577 bytes); a rules file is far "
			    "smaller: is this the right file?");
}

static void test_size_file(void **state)
{
	_cleanup_free_ char *at = sized(1024 * 1024), *above = sized(1024 * 1024 + 1);
	struct dg_policy *p = NULL;
	char path[128], want[256];

	(void)state;
	snprintf(path, sizeof(path), "%s/at.yaml", tmpdir);
	write_text(path, at);
	assert_int_equal(dg_policy_load_file(path, &p), 0);
	dg_policy_free(p);

	snprintf(path, sizeof(path), "%s/above.yaml", tmpdir);
	write_text(path, above);
	assert_int_equal(dg_policy_load_file(path, &p), -EFBIG);
	assert_null(p);
	snprintf(want, sizeof(want),
		 "%s: larger than 1024 KiB (1048577 bytes); a rules file is far smaller: is this "
		 "the right file?",
		 path);
	assert_string_equal(dg_errmsg(), want);
}

/* Not a regular file: its size is known once more than the limit was read. */
static void test_size_endless(void **state)
{
	struct dg_policy *p = NULL;

	(void)state;
	assert_int_equal(dg_policy_load_file("/dev/zero", &p), -EFBIG);
	assert_null(p);
	assert_string_equal(dg_errmsg(), "/dev/zero: larger than 1024 KiB; a rules file is far "
					 "smaller: is this the right file?");
}

/* ---- not a file --------------------------------------------------------------------------- */

static void test_directory(void **state)
{
	struct dg_policy *p = NULL;
	char want[128];

	(void)state;
	assert_int_equal(dg_policy_load_file(tmpdir, &p), -EISDIR);
	assert_null(p);
	snprintf(want, sizeof(want), "%s: is a directory; give the path of a rules file", tmpdir);
	assert_string_equal(dg_errmsg(), want);
}

/* An empty input (here /dev/null) is still "empty", not a size or type problem. */
static void test_dev_null(void **state)
{
	struct dg_policy *p = NULL;

	(void)state;
	assert_int_equal(dg_policy_load_file("/dev/null", &p), -EINVAL);
	assert_null(p);
	assert_string_equal(dg_errmsg(),
			    "/dev/null:1:1: empty rules file; it needs at least `rules:`");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flow_depth),
		cmocka_unit_test(test_block_depth),
		cmocka_unit_test(test_mixed_depth),
		cmocka_unit_test(test_very_deep_is_refused_early),
		cmocka_unit_test(test_anchors),
		cmocka_unit_test(test_tag_directives),
		cmocka_unit_test(test_size_string),
		cmocka_unit_test(test_size_file),
		cmocka_unit_test(test_size_endless),
		cmocka_unit_test(test_directory),
		cmocka_unit_test(test_dev_null),
	};

	return cmocka_run_group_tests(tests, setup_tmpdir, teardown_tmpdir);
}
