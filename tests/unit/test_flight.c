// SPDX-License-Identifier: GPL-2.0-only
/*
 * The flight recorder's user-space half (flight/flight.c): decoding and
 * formatting of dump entries, putting a ring in order, and finding a
 * session in learn's index files (written to a temporary directory).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/errors.h"
#include "flight/flight.h"

static struct dg_flight_entry entry(unsigned int abi, unsigned int nr, long long ret, bool done)
{
	struct dg_flight_entry e = {
		.seq = 7,
		.ts = 2906248341245ULL,
		.args = {0x7ffea2d32d14ULL, 0, 0x431449, 0, 0, 0xffffffffffffffffULL},
		.ret = ret,
		.tid = 24214,
		.nr = nr,
		.abi = (unsigned short)abi,
		.flags = done ? DG_FLIGHT_RET : 0,
	};
	return e;
}

static void test_abi_names(void **state)
{
	(void)state;
	assert_string_equal(dg_flight_abi_name(DG_ABI_X86_64), "x86_64");
	assert_string_equal(dg_flight_abi_name(DG_ABI_I386), "i386");
	assert_string_equal(dg_flight_abi_name(DG_ABI_X32), "x32");
	assert_string_equal(dg_flight_abi_name(9), "?");
}

static void test_syscall_names(void **state)
{
	char buf[64];

	(void)state;
	/* Names depend on the ABI: 20 is writev on x86-64, getpid on i386. */
	assert_string_equal(dg_flight_syscall_name(DG_ABI_X86_64, 110, buf, sizeof(buf)),
			    "getppid");
	assert_string_equal(dg_flight_syscall_name(DG_ABI_X86_64, 20, buf, sizeof(buf)), "writev");
	assert_string_equal(dg_flight_syscall_name(DG_ABI_I386, 20, buf, sizeof(buf)), "getpid");
	assert_string_equal(dg_flight_syscall_name(DG_ABI_X32, 39, buf, sizeof(buf)), "getpid");
	assert_string_equal(dg_flight_syscall_name(DG_ABI_X86_64, 1000, buf, sizeof(buf)),
			    "syscall_1000");
	assert_string_equal(dg_flight_syscall_name(7, 39, buf, sizeof(buf)), "syscall_39");
}

static void test_format_ret(void **state)
{
	struct dg_flight_entry e;
	char buf[160];

	(void)state;
	e = entry(DG_ABI_X86_64, 0, 0, false);
	assert_string_equal(dg_flight_format_ret(&e, buf, sizeof(buf)), "? (in progress)");
	e = entry(DG_ABI_X86_64, 0, 24212, true);
	assert_string_equal(dg_flight_format_ret(&e, buf, sizeof(buf)), "24212");
	e = entry(DG_ABI_X86_64, 0, -2, true);
	assert_string_equal(dg_flight_format_ret(&e, buf, sizeof(buf)),
			    "-2 ENOENT (No such file or directory)");
	e = entry(DG_ABI_X86_64, 0, -4095, true);
	assert_non_null(strstr(dg_flight_format_ret(&e, buf, sizeof(buf)), "-4095 "));
	/* A pointer (mmap) and something below -4095 are no errno: hex. */
	e = entry(DG_ABI_X86_64, 9, 0x7f1c2a000000LL, true);
	assert_string_equal(dg_flight_format_ret(&e, buf, sizeof(buf)), "0x7f1c2a000000");
	e = entry(DG_ABI_X86_64, 0, -4096, true);
	assert_string_equal(dg_flight_format_ret(&e, buf, sizeof(buf)), "0xfffffffffffff000");
}

static void test_format_line(void **state)
{
	struct dg_flight_entry e = entry(DG_ABI_X86_64, 39, 24214, true);
	char buf[512];

	(void)state;
	assert_string_equal(dg_flight_format_line(&e, buf, sizeof(buf)),
			    "      2906.248341245   24214 x86_64 getpid(0x7ffea2d32d14, 0x0, "
			    "0x431449, 0x0, 0x0, 0xffffffffffffffff) = 24214");
	e = entry(DG_ABI_I386, 3, 0, false);
	assert_string_equal(dg_flight_format_line(&e, buf, sizeof(buf)),
			    "      2906.248341245   24214 i386   read(0x7ffea2d32d14, 0x0, 0x431449, "
			    "0x0, 0x0, 0xffffffffffffffff) = ? (in progress)");
	/* Truncation is safe. */
	assert_int_equal(strlen(dg_flight_format_line(&e, buf, 20)), 19);
}

static void test_entry_json(void **state)
{
	struct dg_flight_entry e = entry(DG_ABI_X86_64, 257, -13, true);
	json_t *j;

	(void)state;
	j = dg_flight_entry_to_json(&e);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(j, "seq")), 7);
	assert_int_equal(json_integer_value(json_object_get(j, "ts_ns")), 2906248341245LL);
	assert_int_equal(json_integer_value(json_object_get(j, "tid")), 24214);
	assert_string_equal(json_string_value(json_object_get(j, "abi")), "x86_64");
	assert_int_equal(json_integer_value(json_object_get(j, "nr")), 257);
	assert_string_equal(json_string_value(json_object_get(j, "name")), "openat");
	assert_int_equal(json_integer_value(json_object_get(j, "ret")), -13);
	assert_string_equal(json_string_value(json_object_get(j, "errno")), "EACCES");
	assert_int_equal(json_array_size(json_object_get(j, "args")), 6);
	assert_string_equal(json_string_value(json_array_get(json_object_get(j, "args"), 5)),
			    "0xffffffffffffffff");
	json_decref(j);

	e = entry(DG_ABI_X86_64, 0, 0, false);
	j = dg_flight_entry_to_json(&e);
	assert_non_null(j);
	assert_true(json_is_null(json_object_get(j, "ret")));
	assert_null(json_object_get(j, "errno"));
	json_decref(j);
}

static void put(struct dg_flight_entry *ring, unsigned int n, uint64_t seq)
{
	ring[seq & (n - 1)] = entry(DG_ABI_X86_64, (unsigned int)seq, 0, true);
	ring[seq & (n - 1)].seq = seq;
}

static void test_order(void **state)
{
	struct dg_flight_entry ring[4] = {0}, again[4], out[4];
	size_t n;

	(void)state;
	/* Empty ring. */
	assert_int_equal(dg_flight_order(ring, NULL, 4, 0, 0, out), 0);
	/* Not wrapped: seq 0..2; slot 3 never written is left out. */
	for (uint64_t s = 0; s < 3; s++)
		put(ring, 4, s);
	n = dg_flight_order(ring, NULL, 4, 0, 3, out);
	assert_int_equal(n, 3);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(out[i].seq, i);
	/* Wrapped: head 7 means seq 3..6, oldest first. */
	for (uint64_t s = 3; s < 7; s++)
		put(ring, 4, s);
	n = dg_flight_order(ring, NULL, 4, 0, 7, out);
	assert_int_equal(n, 4);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(out[i].seq, 3 + i);
		assert_int_equal(out[i].nr, 3 + i);
	}
	/* Slot of seq 7 reserved (head 8) but not written yet: still seq 3, left out. */
	n = dg_flight_order(ring, NULL, 4, 0, 8, out);
	assert_int_equal(n, 3);
	assert_int_equal(out[0].seq, 4);
	assert_int_equal(out[2].seq, 6);
	/* Read while being overwritten by a later lap: that slot is left out. */
	ring[5 & 3].seq = 9;
	n = dg_flight_order(ring, NULL, 4, 0, 7, out);
	assert_int_equal(n, 3);
	assert_int_equal(out[1].seq, 4);
	assert_int_equal(out[2].seq, 6);
	/* Torn copies: the first read saw seq 4 and 6, the second saw slot 0
	 * being rewritten and slot 2 rewritten by a later lap: both left out. */
	ring[5 & 3].seq = 5;
	memcpy(again, ring, sizeof(ring));
	again[4 & 3].seq = DG_FLIGHT_WRITING;
	again[6 & 3].seq = 10;
	n = dg_flight_order(ring, again, 4, 0, 7, out);
	assert_int_equal(n, 2);
	assert_int_equal(out[0].seq, 3);
	assert_int_equal(out[1].seq, 5);
	/* One being written when first read is left out too. */
	ring[3 & 3].seq = DG_FLIGHT_WRITING;
	n = dg_flight_order(ring, NULL, 4, 0, 7, out);
	assert_int_equal(n, 3);
	assert_int_equal(out[0].seq, 4);
	/* A ring is a power of two. */
	assert_int_equal(dg_flight_order(ring, NULL, 3, 0, 2, out), 0);
}

/* A reused session slot: what is below the session's first_seq is not its own. */
static void test_order_first(void **state)
{
	struct dg_flight_entry ring[4] = {0}, out[4];
	size_t n;

	(void)state;
	/* The previous session wrote seq 0..1 and left; the new one starts at 2. */
	for (uint64_t s = 0; s < 4; s++)
		put(ring, 4, s);
	n = dg_flight_order(ring, NULL, 4, 2, 4, out);
	assert_int_equal(n, 2);
	assert_int_equal(out[0].seq, 2);
	assert_int_equal(out[1].seq, 3);
	/* Nothing of its own yet. */
	assert_int_equal(dg_flight_order(ring, NULL, 4, 4, 4, out), 0);
	/* Once the ring wrapped past first, first no longer matters. */
	for (uint64_t s = 4; s < 9; s++)
		put(ring, 4, s);
	n = dg_flight_order(ring, NULL, 4, 2, 9, out);
	assert_int_equal(n, 4);
	assert_int_equal(out[0].seq, 5);
}

static json_t *cmd_session(int workload)
{
	return json_pack("{s:i, s:s, s:i, s:[s]}", "session", 1, "name", "cmd:4242", "pid",
			 workload, "command", "sleep");
}

static json_t *ctr_session(const char *id, const char *name)
{
	/* "...999": a session whose slot served an earlier container. */
	return json_pack("{s:i, s:i, s:s, s:{s:s, s:s, s:s}}", "session", 1, "first_seq",
			 strstr(id, "999") ? 77 : 0, "name", "runc:x", "container", "runtime",
			 "runc", "id", id, "name", name);
}

static void test_matches(void **state)
{
	json_t *c = cmd_session(4243), *k = ctr_session("dgtest-abcdef", "web");

	(void)state;
	assert_true(dg_flight_session_matches(c, 4242, "cmd:4242", false));
	assert_true(dg_flight_session_matches(c, 4242, "4242", false));
	assert_true(dg_flight_session_matches(c, 4242, "4243", false));
	assert_false(dg_flight_session_matches(c, 4242, "424", true));
	assert_false(dg_flight_session_matches(c, 4242, "", true));
	assert_false(dg_flight_session_matches(c, 4242, "cmd:1", true));
	assert_true(dg_flight_session_matches(k, 99, "dgtest-abcdef", false));
	assert_true(dg_flight_session_matches(k, 99, "web", false));
	assert_true(dg_flight_session_matches(k, 99, "runc:x", false));
	assert_true(dg_flight_session_matches(k, 99, "99", false));
	/* Prefixes: only when allowed, and at least 4 characters. */
	assert_false(dg_flight_session_matches(k, 99, "dgtest", false));
	assert_true(dg_flight_session_matches(k, 99, "dgtest", true));
	assert_false(dg_flight_session_matches(k, 99, "dgt", true));
	assert_false(dg_flight_session_matches(k, 99, "we", true));
	json_decref(c);
	json_decref(k);
}

/* An index file of `tool` process `pid` with one session. */
static void write_index(const char *dir, const char *tool, int pid, json_t *session)
{
	char path[512];
	json_t *index;

	snprintf(path, sizeof(path), "%s/%s-%d.json", dir, tool, pid);
	index = json_pack("{s:i, s:s, s:i, s:s, s:i, s:i, s:[o]}", "version",
			  DG_FLIGHT_INDEX_VERSION, "tool", tool, "pid", pid, "pin_dir",
			  "/nonexistent", "entries", 256, "entry_size",
			  (int)sizeof(struct dg_flight_entry), "sessions", session);
	assert_non_null(index);
	assert_int_equal(json_dump_file(index, path, 0), 0);
	json_decref(index);
}

static int dead_pid(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	return pid;
}

static void test_find(void **state)
{
	char dir[] = "/tmp/dg-flight-test.XXXXXX", cmd[512];
	struct dg_flight_target t;
	pid_t extra[] = {555, 0};
	int self = getpid(), rc;

	(void)state;
	assert_non_null(mkdtemp(dir));
	/* Nothing running. */
	rc = dg_flight_find(dir, "web", NULL, &t);
	assert_int_equal(rc, -ENOENT);
	assert_non_null(strstr(dg_errmsg(), "no flight recorder is running"));
	/* A stale index (its owner is gone) is ignored. */
	write_index(dir, "learn", dead_pid(), ctr_session("dgtest-stale", "web"));
	rc = dg_flight_find(dir, "web", NULL, &t);
	assert_int_equal(rc, -ENOENT);
	/* A live one (this process stands in for learn). */
	write_index(dir, "learn", self, ctr_session("dgtest-abcdef", "web"));
	rc = dg_flight_find(dir, "web", NULL, &t);
	assert_int_equal(rc, 0);
	assert_string_equal(t.tool, "learn");
	assert_int_equal(t.owner_pid, self);
	assert_int_equal(t.first_seq, 0);
	assert_int_equal(t.session, 1);
	assert_int_equal(t.entries, 256);
	assert_string_equal(t.pin_dir, "/nonexistent");
	assert_string_equal(t.name, "runc:x");
	dg_flight_target_clear(&t);
	assert_int_equal(dg_flight_find(dir, "dgtest-ab", NULL, &t), 0);
	dg_flight_target_clear(&t);
	/* Unknown: says what is being learned. */
	rc = dg_flight_find(dir, "db", NULL, &t);
	assert_int_equal(rc, -ENOENT);
	assert_non_null(strstr(dg_errmsg(), "no flight recorder records \"db\"; recorded: runc:x"));
	assert_null(t.session_json);
	/* A command session found through the pids of a container it started. */
	write_index(dir, "learn", getppid(), cmd_session(555));
	assert_int_equal(dg_flight_find(dir, "db", extra, &t), 0);
	assert_string_equal(t.name, "cmd:4242");
	dg_flight_target_clear(&t);
	/* Ambiguous: learn and enforce record containers named "web". An
	 * enforce session whose slot served before starts at its first_seq. */
	snprintf(cmd, sizeof(cmd), "%s/learn-%d.json", dir, getppid());
	unlink(cmd);
	write_index(dir, "enforce", getppid(), ctr_session("dgtest-abc999", "web"));
	assert_int_equal(dg_flight_find(dir, "dgtest-abc999", NULL, &t), 0);
	assert_string_equal(t.tool, "enforce");
	assert_int_equal(t.first_seq, 77);
	dg_flight_target_clear(&t);
	/* Temporary and foreign files are not indexes. */
	snprintf(cmd, sizeof(cmd), "cp %s/enforce-%d.json %s/enforce-%d.json.tmp; cp "
		 "%s/enforce-%d.json %s/other-1.json", dir, getppid(), dir, self, dir, getppid(),
		 dir);
	assert_int_equal(system(cmd), 0);
	rc = dg_flight_find(dir, "web", NULL, &t);
	assert_int_equal(rc, -EEXIST);
	assert_non_null(strstr(dg_errmsg(), "ambiguous"));
	/* An exact id wins over another's prefix. */
	assert_int_equal(dg_flight_find(dir, "dgtest-abcdef", NULL, &t), 0);
	assert_int_equal(t.owner_pid, self);
	dg_flight_target_clear(&t);
	assert_int_equal(dg_flight_find(dir, "dgtest-abc", NULL, &t), -EEXIST);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_abi_names),  cmocka_unit_test(test_syscall_names),
		cmocka_unit_test(test_format_ret), cmocka_unit_test(test_format_line),
		cmocka_unit_test(test_entry_json), cmocka_unit_test(test_order),
		cmocka_unit_test(test_order_first),
		cmocka_unit_test(test_matches),	   cmocka_unit_test(test_find),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
