// SPDX-License-Identifier: GPL-2.0-only
/*
 * The events of the drift policy (enforcer/events.c): the exact JSON line
 * `driftguard enforce` writes for a decision, with and without a container
 * and syscalls.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "enforcer/events.h"

/* 1700000000 s is 2023-11-14T22:13:20Z. */
#define REAL_S 1700000000LL
#define MONO_NS 5000123456789LL

static struct dg_exec_event event(void)
{
	struct dg_exec_event ev = {
		.time_ns = MONO_NS,
		.cgroup_id = 42,
		.pid = 100,
		.tid = 101,
		.rule = 0,
		.action = DG_VERDICT_BLOCK,
		.backend = DG_BACKEND_LSM,
		.hook = DG_HOOK_LSM_BPRM,
		.kind = DG_KIND_SCRIPT,
		.origin = DG_ORIGIN_UPPER | DG_ORIGIN_OFF_ROOTFS,
		.fupper_layer = 1,
		.eupper_layer = 0,
		.path_complete = 1,
	};

	snprintf(ev.comm, sizeof(ev.comm), "sh");
	snprintf(ev.path, sizeof(ev.path), "/tmp/x.sh");
	return ev;
}

/* What dg_event_print() writes for `line` (consumed). */
static char *printed(json_t *line)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	dg_event_print(f, line);
	fclose(f);
	json_decref(line);
	return text;
}

static long long offset(void)
{
	/* MONO_NS + offset = REAL_S.123456789 */
	return REAL_S * 1000000000LL + 123456789LL - MONO_NS;
}

static void test_host_event(void **state)
{
	struct dg_exec_event ev = event();
	json_t *line;
	char *text;

	(void)state;
	line = dg_event_to_json(&ev, NULL, "no-drift", offset());
	assert_non_null(line);
	dg_event_set_syscalls(line, NULL, "the flight recorder is off (--flight-recorder 0)");
	text = printed(line);
	assert_string_equal(
		text,
		"{\"time\":\"2023-11-14T22:13:20.123456Z\",\"container\":{\"runtime\":\"host\"},"
		"\"cgroup_id\":42,\"pid\":100,\"tid\":101,\"comm\":\"sh\",\"path\":\"/tmp/x.sh\","
		"\"path_complete\":true,\"fupper_layer\":true,\"eupper_layer\":false,"
		"\"origin\":[\"upper\",\"off-rootfs\"],\"kind\":\"script\",\"reason\":\"upper "
		"script\",\"rule\":\"no-drift\",\"action\":\"block\",\"backend\":\"lsm\",\"hook\":"
		"\"lsm/bprm_check_security\","
		"\"syscalls_unavailable\":\"the flight recorder is off (--flight-recorder 0)\","
		"\"syscalls\":null}\n");
	free(text);
}

static void test_container_event(void **state)
{
	struct dg_exec_event ev = event();
	struct dg_identity ident = {.runtime = DG_RUNTIME_RUNC};
	json_t *line, *tail;
	char *text;

	(void)state;
	snprintf(ident.id, sizeof(ident.id), "dgtest-1");
	ev.action = DG_VERDICT_AUDIT;
	ev.backend = DG_BACKEND_SIGNAL;
	ev.hook = DG_HOOK_FENTRY_BPRM;
	ev.kind = DG_KIND_BINARY | DG_KIND_MAPPING;
	ev.origin = 0;
	line = dg_event_to_json(&ev, &ident, "?", offset());
	assert_non_null(line);
	tail = json_pack("[{s:i}]", "seq", 7);
	dg_event_set_syscalls(line, tail, NULL);
	text = printed(line);
	assert_string_equal(
		text,
		"{\"time\":\"2023-11-14T22:13:20.123456Z\",\"container\":{\"runtime\":\"runc\","
		"\"id\":\"dgtest-1\",\"name\":\"\",\"display\":\"runc:dgtest-1\"},"
		"\"cgroup_id\":42,\"pid\":100,\"tid\":101,\"comm\":\"sh\",\"path\":\"/tmp/x.sh\","
		"\"path_complete\":true,\"fupper_layer\":true,\"eupper_layer\":false,"
		"\"origin\":[],\"kind\":\"binary\",\"reason\":\"unknown binary\",\"rule\":\"?\","
		"\"action\":\"audit\",\"backend\":\"signal\",\"hook\":\"fentry/"
		"security_bprm_check\",\"syscalls\":[{\"seq\":7}]}\n");
	free(text);
}

/* A container found after the decision: an empty tail, and why. */
static void test_empty_tail(void **state)
{
	struct dg_exec_event ev = event();
	json_t *line;

	(void)state;
	line = dg_event_to_json(&ev, NULL, "r", offset());
	assert_non_null(line);
	dg_event_set_syscalls(line, json_array(), NULL);
	assert_int_equal(json_array_size(json_object_get(line, "syscalls")), 0);
	assert_string_equal(json_string_value(json_object_get(line, "syscalls_unavailable")),
			    "nothing recorded before the decision: the container was found only "
			    "after it (its ring starts then)");
	json_decref(line);
}

/*
 * Bytes that are not UTF-8 (a file name, a comm cut inside a character, a
 * runc id) still make an event, escaped, with their raw bytes in
 * KEY_base64: the event is never lost.
 */
static void test_not_utf8(void **state)
{
	struct dg_exec_event ev = event();
	struct dg_identity ident = {.runtime = DG_RUNTIME_RUNC};
	json_t *line, *c;
	char *text;

	(void)state;
	snprintf(ev.path, sizeof(ev.path), "/tmp/%c%c.sh", 0xff, 0xfe);
	/* "ééééééé" and the first byte of an 8th: what the kernel keeps of a longer comm */
	memcpy(ev.comm, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3", 15);
	ev.comm[15] = '\0';
	snprintf(ident.id, sizeof(ident.id), "id%c", 0x80);
	line = dg_event_to_json(&ev, &ident, "no-drift", offset());
	assert_non_null(line);
	assert_string_equal(json_string_value(json_object_get(line, "path")), "/tmp/\\xff\\xfe.sh");
	assert_string_equal(json_string_value(json_object_get(line, "path_base64")),
			    "L3RtcC///i5zaA==");
	assert_string_equal(json_string_value(json_object_get(line, "comm")),
			    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\\xc3");
	assert_non_null(json_object_get(line, "comm_base64"));
	c = json_object_get(line, "container");
	assert_string_equal(json_string_value(json_object_get(c, "id")), "id\\x80");
	assert_string_equal(json_string_value(json_object_get(c, "id_base64")), "aWSA");
	assert_string_equal(json_string_value(json_object_get(c, "display")), "runc:id\\x80");
	dg_event_set_syscalls(line, NULL, "off");
	text = printed(line);
	/* The raw fields follow their text; the rest of the line is as ever. */
	assert_non_null(strstr(text, "\"path\":\"/tmp/\\\\xff\\\\xfe.sh\",\"path_base64\":"));
	assert_non_null(strstr(text, "\"path_complete\":true,"));
	free(text);
}

/* The line for the identical events of a --coalesce window. */
static void test_coalesced(void **state)
{
	struct dg_exec_event ev = event();
	json_t *line;
	char *text;

	(void)state;
	line = dg_event_to_json(&ev, NULL, "r", offset());
	assert_non_null(line);
	assert_int_equal(dg_event_set_coalesced(line, 49, MONO_NS - 1000000000LL, offset()), 0);
	text = printed(line);
	assert_non_null(strstr(text,
			       "\"backend\":\"lsm\",\"hook\":\"lsm/bprm_check_security\","
			       "\"coalesced\":49,"
			       "\"first_time\":\"2023-11-14T22:13:19.123456Z\","
			       "\"syscalls_unavailable\":\"coalesced: the first event of this "
			       "kind, written at once, carries its syscalls\",\"syscalls\":null}"));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host_event), cmocka_unit_test(test_container_event),
		cmocka_unit_test(test_empty_tail), cmocka_unit_test(test_not_utf8),
		cmocka_unit_test(test_coalesced),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
