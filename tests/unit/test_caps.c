// SPDX-License-Identifier: GPL-2.0-only
/*
 * Recorded capability checks -> OCI process.capabilities and a Kubernetes
 * securityContext.capabilities snippet: names from libcap, denied checks kept
 * out of the sets and reported with the syscall that made them, the empty
 * set, atomic writing.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "generator/caps_profile.h"
#include "common/cleanup.h"
#include "common/errors.h"
#include "bpf/recorder.h"
#include "test_files.h"

#define CAP_CHOWN 0
#define CAP_NET_BIND_SERVICE 10
#define CAP_SYS_ADMIN 21
#define CAP_CHECKPOINT_RESTORE 40

static struct dg_caps_slot *new_slot(void)
{
	struct dg_caps_slot *s = calloc(1, sizeof(*s));

	assert_non_null(s);
	return s;
}

static void see(struct dg_caps_slot *s, enum dg_cap_verdict v, int cap, unsigned int abi,
		unsigned int nr)
{
	s->use[v][cap].seen = 1;
	s->use[v][cap].abi = (unsigned char)abi;
	s->use[v][cap].syscall = nr;
}

/* The slot the BPF side fills for the workload of tests/vm/learn_caps.sh. */
static struct dg_caps_slot *chown_bind_slot(void)
{
	struct dg_caps_slot *s = new_slot();

	see(s, DG_CAP_GRANTED, CAP_NET_BIND_SERVICE, DG_ABI_X86_64, 49); /* bind */
	see(s, DG_CAP_GRANTED, CAP_CHOWN, DG_ABI_X86_64, 260);		 /* fchownat */
	see(s, DG_CAP_DENIED, CAP_SYS_ADMIN, DG_ABI_X86_64, 165);	 /* mount */
	return s;
}

static void assert_names(json_t *arr, const char *const *want, size_t n)
{
	assert_true(json_is_array(arr));
	assert_int_equal(json_array_size(arr), n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(json_string_value(json_array_get(arr, i)), want[i]);
}

static void test_format_parse(void **state)
{
	enum dg_caps_format f;

	(void)state;
	assert_int_equal(dg_caps_format_parse("oci", &f), 0);
	assert_int_equal(f, DG_CAPS_FORMAT_OCI);
	assert_int_equal(dg_caps_format_parse("k8s", &f), 0);
	assert_int_equal(f, DG_CAPS_FORMAT_K8S);
	assert_int_equal(dg_caps_format_parse("yaml", &f), -EINVAL);
	assert_non_null(strstr(dg_errmsg(), "\"yaml\""));
}

static void test_names_from_libcap(void **state)
{
	char name[64];

	(void)state;
	assert_int_equal(dg_cap_name(CAP_CHOWN, name, sizeof(name)), 0);
	assert_string_equal(name, "CAP_CHOWN");
	assert_int_equal(dg_cap_name(CAP_NET_BIND_SERVICE, name, sizeof(name)), 0);
	assert_string_equal(name, "CAP_NET_BIND_SERVICE");
	assert_int_equal(dg_cap_name(CAP_CHECKPOINT_RESTORE, name, sizeof(name)), 0);
	assert_string_equal(name, "CAP_CHECKPOINT_RESTORE");
	/* libcap spells unknown capabilities as numbers: no name. */
	assert_int_equal(dg_cap_name(63, name, sizeof(name)), -ENOENT);
	assert_int_equal(dg_cap_name(-1, name, sizeof(name)), -ENOENT);
	assert_int_equal(dg_cap_name(CAP_CHOWN, name, 4), -ENOENT);
}

static void test_oci_granted_only(void **state)
{
	static const char *const want[] = {"CAP_CHOWN", "CAP_NET_BIND_SERVICE"};
	_cleanup_free_ struct dg_caps_slot *s = chown_bind_slot();
	json_auto_t *o = NULL;

	(void)state;
	assert_int_equal(dg_caps_to_json(s, DG_CAPS_FORMAT_OCI, &o), 0);
	assert_int_equal(json_object_size(o), 4);
	assert_names(json_object_get(o, "bounding"), want, 2);
	assert_names(json_object_get(o, "effective"), want, 2);
	assert_names(json_object_get(o, "permitted"), want, 2);
	assert_names(json_object_get(o, "ambient"), NULL, 0);
	assert_null(json_object_get(o, "inheritable"));
	assert_int_equal(dg_caps_count(s, DG_CAP_GRANTED), 2);
	assert_int_equal(dg_caps_count(s, DG_CAP_DENIED), 1);
}

static void test_k8s_drop_all_add(void **state)
{
	static const char *const want[] = {"CHOWN", "NET_BIND_SERVICE"};
	static const char *const all[] = {"ALL"};
	_cleanup_free_ struct dg_caps_slot *s = chown_bind_slot();
	json_auto_t *o = NULL;
	json_t *caps;

	(void)state;
	assert_int_equal(dg_caps_to_json(s, DG_CAPS_FORMAT_K8S, &o), 0);
	assert_int_equal(json_object_size(o), 1);
	caps = json_object_get(json_object_get(o, "securityContext"), "capabilities");
	assert_true(json_is_object(caps));
	assert_int_equal(json_object_size(caps), 2);
	assert_names(json_object_get(caps, "drop"), all, 1);
	assert_names(json_object_get(caps, "add"), want, 2);
}

static void test_empty_set(void **state)
{
	static const char *const all[] = {"ALL"};
	_cleanup_free_ struct dg_caps_slot *s = new_slot();
	json_auto_t *oci = NULL, *k8s = NULL;
	json_t *caps;

	(void)state;
	/* Only denials: still an empty set, not an error. */
	see(s, DG_CAP_DENIED, CAP_SYS_ADMIN, DG_ABI_X86_64, 165);
	assert_int_equal(dg_caps_to_json(s, DG_CAPS_FORMAT_OCI, &oci), 0);
	assert_names(json_object_get(oci, "bounding"), NULL, 0);
	assert_names(json_object_get(oci, "effective"), NULL, 0);
	assert_names(json_object_get(oci, "permitted"), NULL, 0);
	assert_names(json_object_get(oci, "ambient"), NULL, 0);
	assert_int_equal(dg_caps_to_json(s, DG_CAPS_FORMAT_K8S, &k8s), 0);
	caps = json_object_get(json_object_get(k8s, "securityContext"), "capabilities");
	assert_names(json_object_get(caps, "drop"), all, 1);
	assert_names(json_object_get(caps, "add"), NULL, 0);
}

static void test_unnamed_granted_is_an_error(void **state)
{
	_cleanup_free_ struct dg_caps_slot *s = new_slot();
	json_auto_t *o = NULL;

	(void)state;
	see(s, DG_CAP_GRANTED, 63, DG_ABI_X86_64, DG_CAP_NO_SYSCALL);
	assert_int_equal(dg_caps_to_json(s, DG_CAPS_FORMAT_OCI, &o), -ENOENT);
	assert_null(o);
	assert_non_null(strstr(dg_errmsg(), "capability 63"));
}

static char *report(const struct dg_caps_slot *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	dg_caps_report(s, "", f);
	fclose(f);
	return buf;
}

static void test_report_lists_denied_separately(void **state)
{
	_cleanup_free_ struct dg_caps_slot *s = chown_bind_slot();
	_cleanup_free_ char *text = NULL;

	(void)state;
	see(s, DG_CAP_DENIED, 63, DG_ABI_X86_64, DG_CAP_NO_SYSCALL);
	text = report(s);
	assert_string_equal(
		text, "granted (in the set): CAP_CHOWN (fchownat), CAP_NET_BIND_SERVICE (bind)\n"
		      "denied (not in the set): CAP_SYS_ADMIN (mount), capability 63 (-)\n");
}

static void test_report_i386_and_empty(void **state)
{
	_cleanup_free_ struct dg_caps_slot *s = new_slot();
	_cleanup_free_ char *a = NULL, *b = NULL;

	(void)state;
	a = report(s);
	assert_string_equal(a, "granted (in the set): none\ndenied (not in the set): none\n");
	/* i386's 182 is chown; x86-64's 182 is putpmsg. */
	see(s, DG_CAP_GRANTED, CAP_CHOWN, DG_ABI_I386, 182);
	b = report(s);
	assert_string_equal(b, "granted (in the set): CAP_CHOWN (chown/i386)\n"
			       "denied (not in the set): none\n");
}

static void test_write_file_atomic(void **state)
{
	static const char *const want[] = {"CAP_CHOWN", "CAP_NET_BIND_SERVICE"};
	_cleanup_free_ struct dg_caps_slot *s = chown_bind_slot();
	char dir[] = "/tmp/dg-test-caps.XXXXXX", path[64], bad[96];
	json_auto_t *o = NULL;
	json_error_t jerr;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/caps.json", dir);
	assert_int_equal(dg_caps_write_file(s, DG_CAPS_FORMAT_OCI, path), 0);
	o = json_load_file(path, 0, &jerr);
	assert_non_null(o);
	assert_names(json_object_get(o, "bounding"), want, 2);
	/* Rewritten in place with the other format; no temporary file left. */
	assert_int_equal(dg_caps_write_file(s, DG_CAPS_FORMAT_K8S, path), 0);
	assert_int_equal(count_entries(dir), 1);
	/* A set that cannot be named is not written at all, the old file stays. */
	see(s, DG_CAP_GRANTED, 63, DG_ABI_X86_64, DG_CAP_NO_SYSCALL);
	assert_int_equal(dg_caps_write_file(s, DG_CAPS_FORMAT_OCI, path), -ENOENT);
	assert_int_equal(count_entries(dir), 1);
	json_decref(o);
	o = json_load_file(path, 0, &jerr);
	assert_non_null(json_object_get(o, "securityContext"));
	/* No such directory: an error naming the file. */
	snprintf(bad, sizeof(bad), "%s/missing/caps.json", dir);
	s->use[DG_CAP_GRANTED][63].seen = 0;
	assert_int_equal(dg_caps_write_file(s, DG_CAPS_FORMAT_OCI, bad), -ENOENT);
	assert_non_null(strstr(dg_errmsg(), bad));
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_parse),
		cmocka_unit_test(test_names_from_libcap),
		cmocka_unit_test(test_oci_granted_only),
		cmocka_unit_test(test_k8s_drop_all_add),
		cmocka_unit_test(test_empty_set),
		cmocka_unit_test(test_unnamed_granted_is_an_error),
		cmocka_unit_test(test_report_lists_denied_separately),
		cmocka_unit_test(test_report_i386_and_empty),
		cmocka_unit_test(test_write_file_atomic),
	};

	dg_quiet = true;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
