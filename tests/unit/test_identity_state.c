// SPDX-License-Identifier: GPL-2.0-only
/*
 * What containers/ reads from the system: the runc/crun state readers
 * (runtime_state.c) on the state files in data/identity, /proc (procfs.c)
 * on this very process, and the cgroup tree walker (cgroups.c) on a tree of
 * plain directories (any directory's inode stands in for a cgroup id).
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/errors.h"
#include "containers/cgroups.h"
#include "containers/procfs.h"
#include "containers/runtime_state.h"

#ifndef TEST_DATA_DIR
#define TEST_DATA_DIR "tests/unit/data"
#endif

#define H1 "3f2a1b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708"
#define H2 "9d1c0e2f3a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5"
#define H3 "5e8b7a6c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a"
#define UID "0f3c1a2b-4d5e-6f70-8192-a3b4c5d6e7f8"

/* $DG_TEST_DATA/identity/NAME, else TEST_DATA_DIR/identity/NAME. */
static const char *data(const char *name)
{
	static char buf[4096];
	const char *dir = getenv("DG_TEST_DATA");

	snprintf(buf, sizeof(buf), "%s/identity/%s", dir && dir[0] ? dir : TEST_DATA_DIR, name);
	return buf;
}

static void test_runc_state(void **state)
{
	struct dg_identity id;
	char root[4096];

	(void)state;
	snprintf(root, sizeof(root), "%s", data("runc"));
	/* plain runc, hybrid host: cgroup_paths[""] below /sys/fs/cgroup/unified */
	assert_int_equal(dg_runtime_state_read(root, "dgtest-1", "/sys/fs/cgroup/unified", &id), 0);
	assert_int_equal(id.runtime, DG_RUNTIME_RUNC);
	assert_string_equal(id.id, "dgtest-1");
	assert_string_equal(id.name, "nginx");
	assert_string_equal(id.cgroup, "/dgtest-1");
	assert_string_equal(id.bundle, "/nonexistent/dgtest-1");
	assert_int_equal(id.init_pid, 0); /* not running */
	assert_int_equal(id.mntns, 0);

	/* docker's runc root: the systemd scope names docker */
	assert_int_equal(dg_runtime_state_read(root, H1, "/sys/fs/cgroup", &id), 0);
	assert_int_equal(id.runtime, DG_RUNTIME_DOCKER);
	assert_string_equal(id.cgroup, "/system.slice/docker-" H1 ".scope");
	assert_string_equal(id.name, "");

	/* containerd CRI, cgroupfs: the path names no runtime, the annotations do */
	assert_int_equal(dg_runtime_state_read(root, H2, "/sys/fs/cgroup", &id), 0);
	assert_int_equal(id.runtime, DG_RUNTIME_CRI_CONTAINERD);
	assert_string_equal(id.name, "web");
	assert_string_equal(id.pod_name, "web-7d9f8c6b5-x2x4z");
	assert_string_equal(id.pod_namespace, "default");
	assert_string_equal(id.pod_uid, UID);
	assert_int_equal(id.qos, DG_QOS_BURSTABLE);
	assert_false(id.sandbox);

	/* another cgroup root: runc's absolute path cannot be made relative */
	assert_int_equal(dg_runtime_state_read(root, "dgtest-1", "/run/cgroup2", &id), 0);
	assert_string_equal(id.cgroup, "");

	assert_int_equal(dg_runtime_state_read(root, "no-such", "/sys/fs/cgroup", &id), -ENOENT);
	assert_non_null(strstr(dg_errmsg(), "no-such"));
	assert_int_equal(dg_runtime_state_read(root, "broken", "/sys/fs/cgroup", &id), -EINVAL);
	assert_non_null(strstr(dg_errmsg(), "state.json"));
	assert_int_equal(dg_runtime_state_read(root, "../runc", "/sys/fs/cgroup", &id), -EINVAL);
	assert_int_equal(dg_runtime_state_read(root, "", "/sys/fs/cgroup", &id), -EINVAL);
	dg_err_clear();
}

static void test_crun_status(void **state)
{
	struct dg_identity id;
	char root[4096];

	(void)state;
	snprintf(root, sizeof(root), "%s", data("crun"));
	/* cri-o with crun: status, and the copy of config.json beside it */
	assert_int_equal(dg_runtime_state_read(root, H3, "/sys/fs/cgroup", &id), 0);
	assert_int_equal(id.runtime, DG_RUNTIME_CRIO);
	assert_string_equal(id.name, "proxy");
	assert_string_equal(id.pod_name, "ingress-0");
	assert_string_equal(id.pod_namespace, "infra");
	assert_string_equal(id.pod_uid, "7c1e2d3f-aaaa-bbbb-cccc-0123456789ab");
	assert_int_equal(id.qos, DG_QOS_BESTEFFORT);
	assert_non_null(strstr(id.cgroup, "/crio-" H3 ".scope"));
	assert_non_null(strstr(id.bundle, "/userdata"));

	assert_int_equal(dg_runtime_state_read(root, "dgtest-crun", "/sys/fs/cgroup", &id), 0);
	assert_int_equal(id.runtime, DG_RUNTIME_CRUN);
	assert_string_equal(id.cgroup, "/dgtest-crun");
	assert_string_equal(id.name, "");
}

/* ---- on files made in a temporary directory ---- */

static char tmp[64];

static int setup_tmp(void **state)
{
	(void)state;
	strcpy(tmp, "/tmp/dg-identity-XXXXXX");
	return mkdtemp(tmp) ? 0 : -1;
}

static int teardown_tmp(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	return system(cmd) == 0 ? 0 : -1;
}

static void write_file(const char *rel, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void write_file(const char *rel, const char *fmt, ...)
{
	char path[8192], cmd[8300];
	va_list ap;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmp, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
	assert_int_equal(system(cmd), 0);
	f = fopen(path, "w");
	assert_non_null(f);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
}

static unsigned long long my_start_time(void)
{
	struct dg_proc_stat st;

	assert_int_equal(dg_proc_stat(getpid(), &st), 0);
	return st.start_time;
}

/* The init pid counts only while its start time is the runtime's: pids are reused. */
static void test_start_time_check(void **state)
{
	struct dg_identity id;
	char root[128], self_cgroup[4096];
	struct stat ns;

	(void)state;
	snprintf(root, sizeof(root), "%s/state", tmp);
	write_file("state/live/state.json",
		   "{\"init_process_pid\": %d, \"init_process_start\": %llu, "
		   "\"config\": {\"labels\": [\"bundle=/b\"]}}",
		   getpid(), my_start_time());
	write_file("state/reused/state.json",
		   "{\"init_process_pid\": %d, \"init_process_start\": %llu, "
		   "\"cgroup_paths\": {\"\": \"/sys/fs/cgroup/reused\"}}",
		   getpid(), my_start_time() + 1);
	write_file("state/crun-live/status",
		   "{\"pid\": %d, \"process-start-time\": %llu, \"cgroup-path\": \"c1\", "
		   "\"bundle\": \"/cb\"}",
		   getpid(), my_start_time());

	assert_int_equal(dg_runtime_state_read(root, "live", "", &id), 0);
	assert_int_equal(id.init_pid, getpid());
	assert_int_equal(stat("/proc/self/ns/mnt", &ns), 0);
	assert_int_equal(id.mntns, ns.st_ino);
	assert_string_equal(id.bundle, "/b");
	/* no cgroup in the state: the init's */
	assert_int_equal(dg_proc_cgroup(getpid(), self_cgroup, sizeof(self_cgroup)), 0);
	assert_non_null(strstr(self_cgroup, id.cgroup[0] ? id.cgroup : "/"));
	assert_int_equal(id.cgroup_id, 0); /* no cgroup root: no id */

	assert_int_equal(dg_runtime_state_read(root, "reused", "/sys/fs/cgroup", &id), 0);
	assert_int_equal(id.init_pid, 0);
	assert_int_equal(id.mntns, 0);
	assert_string_equal(id.cgroup, "/reused");

	/* crun: relative cgroup path, the init's start time */
	assert_int_equal(dg_runtime_state_read(root, "crun-live", "", &id), 0);
	assert_int_equal(id.runtime, DG_RUNTIME_CRUN);
	assert_int_equal(id.init_pid, getpid());
	assert_string_equal(id.cgroup, "/c1");
	assert_string_equal(id.bundle, "/cb");

	/* an init that exited and was not reaped yet (a zombie): stopped, as runc and crun say */
	{
		struct dg_proc_stat zs;
		pid_t child = fork();

		assert_true(child >= 0);
		if (child == 0)
			_exit(0);
		for (int i = 0; i < 500; i++) {
			assert_int_equal(dg_proc_stat(child, &zs), 0);
			if (zs.state == 'Z')
				break;
			usleep(1000);
		}
		assert_int_equal(zs.state, 'Z');
		write_file("state/zombie/state.json",
			   "{\"init_process_pid\": %d, \"init_process_start\": %llu}", child,
			   zs.start_time);
		assert_int_equal(dg_runtime_state_read(root, "zombie", "", &id), 0);
		assert_int_equal(id.init_pid, 0);
		assert_int_equal(waitpid(child, NULL, 0), child);
	}

	/* a directory without state is no container (yet) */
	write_file("state/empty/other", "x");
	assert_int_equal(dg_runtime_state_read(root, "empty", "", &id), -ENOENT);
	dg_err_clear();
}

static void test_proc(void **state)
{
	struct dg_proc_stat st;
	char cgroup[4096];

	(void)state;
	assert_int_equal(dg_proc_stat(getpid(), &st), 0);
	assert_int_equal(st.state, 'R'); /* reading its own stat */
	assert_int_equal(st.ppid, getppid());
	assert_true(st.start_time > 0);
	/* pid_max is at most 2^22: this one never exists */
	assert_int_equal(dg_proc_stat(1 << 23, &st), -ENOENT);
	assert_string_equal(dg_errmsg(), "");
	assert_true(dg_proc_mntns(getpid()) > 0);
	assert_int_equal(dg_proc_mntns(1 << 23), 0);
	assert_int_equal(dg_proc_cgroup(getpid(), cgroup, sizeof(cgroup)), 0);
	assert_int_equal(cgroup[0], '/');
	assert_int_not_equal(dg_proc_cgroup(1 << 23, cgroup, sizeof(cgroup)), 0);
	dg_err_clear();
}

static void test_mountinfo(void **state)
{
	struct dg_mount m;

	(void)state;
	assert_int_equal(dg_mountinfo_parse("40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - "
					    "cgroup2 cgroup2 rw\n",
					    &m),
			 0);
	assert_string_equal(m.root, "/");
	assert_string_equal(m.mount_point, "/sys/fs/cgroup/unified");
	assert_string_equal(m.fstype, "cgroup2");
	/* optional fields, a bind mount of a sub-tree, escapes */
	assert_int_equal(dg_mountinfo_parse("61 40 0:37 /kubepods/pod\\0401 /mnt/my\\040cg "
					    "rw shared:5 master:1 - cgroup2 none rw\n",
					    &m),
			 0);
	assert_string_equal(m.root, "/kubepods/pod 1");
	assert_string_equal(m.mount_point, "/mnt/my cg");
	assert_string_equal(m.fstype, "cgroup2");
	assert_int_equal(dg_mountinfo_parse("garbage\n", &m), -EINVAL);
	assert_int_equal(dg_mountinfo_parse("1 2 3 / /x rw\n", &m), -EINVAL);
	assert_int_equal(dg_mountinfo_parse("", &m), -EINVAL);
}

static uint64_t ino(const char *rel)
{
	char path[8192];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", tmp, rel);
	assert_int_equal(stat(path, &st), 0);
	return st.st_ino;
}

struct visited {
	char paths[16][64];
	uint64_t ids[16];
	size_t n;
	size_t stop_at; /* 0: never */
};

static int visit(void *ctx, const char *cgroup, uint64_t id)
{
	struct visited *v = ctx;

	assert_true(v->n < 16);
	snprintf(v->paths[v->n], sizeof(v->paths[0]), "%s", cgroup);
	v->ids[v->n++] = id;
	return v->n == v->stop_at ? -ECANCELED : 0;
}

static ssize_t visited_at(const struct visited *v, const char *path)
{
	for (size_t i = 0; i < v->n; i++)
		if (!strcmp(v->paths[i], path))
			return (ssize_t)i;
	return -1;
}

static void test_cgroup_walk(void **state)
{
	_cleanup_(dg_cgroup_index_freep) struct dg_cgroup_index *idx = NULL;
	struct visited v = {0};
	char root[128], link[256];

	(void)state;
	write_file("cg/a/b/cgroup.procs", "%s", "");
	write_file("cg/a/c/cgroup.procs", "%s", "");
	write_file("cg/d/cgroup.procs", "%s", "");
	write_file("elsewhere/e/cgroup.procs", "%s", "");
	snprintf(root, sizeof(root), "%s/cg", tmp);
	/* a symlink is no cgroup, and is not followed */
	snprintf(link, sizeof(link), "%s/cg/link", tmp);
	assert_int_equal(symlink("../elsewhere", link), 0);

	assert_int_equal(dg_cgroup_walk(root, visit, &v), 0);
	assert_int_equal(v.n, 5);
	assert_string_equal(v.paths[0], "/");
	assert_int_equal(v.ids[0], ino("cg"));
	assert_true(visited_at(&v, "/a") >= 0 && visited_at(&v, "/a") < visited_at(&v, "/a/b"));
	assert_true(visited_at(&v, "/a") < visited_at(&v, "/a/c"));
	assert_true(visited_at(&v, "/d") > 0);
	assert_int_equal(v.ids[visited_at(&v, "/a/b")], ino("cg/a/b"));
	assert_int_equal(visited_at(&v, "/link"), -1);

	/* a visit's error stops the walk */
	memset(&v, 0, sizeof(v));
	v.stop_at = 2;
	assert_int_equal(dg_cgroup_walk(root, visit, &v), -ECANCELED);
	assert_int_equal(v.n, 2);

	assert_int_equal(dg_cgroup_index_build(root, &idx), 0);
	assert_string_equal(dg_cgroup_index_path(idx, ino("cg/a/c")), "/a/c");
	assert_string_equal(dg_cgroup_index_path(idx, ino("cg")), "/");
	assert_null(dg_cgroup_index_path(idx, ino("elsewhere/e")));

	assert_int_equal(dg_cgroup_id(root, "/a/b"), ino("cg/a/b"));
	assert_int_equal(dg_cgroup_id(root, "/"), ino("cg"));
	assert_int_equal(dg_cgroup_id(root, "/nope"), 0);
	assert_int_equal(dg_cgroup_id("", "/a"), 0);

	assert_int_equal(dg_cgroup_walk("/nonexistent/cg", visit, &v), -ENOENT);
	assert_non_null(strstr(dg_errmsg(), "/nonexistent/cg"));
	dg_err_clear();
}

static void test_cgroup2_root(void **state)
{
	char root[PATH_MAX];
	int rc;

	(void)state;
	rc = dg_cgroup2_root(root, sizeof(root));
	if (rc == -ENODEV) {
		/* a sandbox without cgroup2: the message says so */
		assert_non_null(strstr(dg_errmsg(), "cgroup2 is not mounted"));
		dg_err_clear();
		skip();
	}
	assert_int_equal(rc, 0);
	assert_int_equal(root[0], '/');
	assert_int_equal(dg_cgroup2_root(root, 4), -ENAMETOOLONG);
	dg_err_clear();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_runc_state),
		cmocka_unit_test(test_crun_status),
		cmocka_unit_test_setup_teardown(test_start_time_check, setup_tmp, teardown_tmp),
		cmocka_unit_test(test_proc),
		cmocka_unit_test(test_mountinfo),
		cmocka_unit_test_setup_teardown(test_cgroup_walk, setup_tmp, teardown_tmp),
		cmocka_unit_test(test_cgroup2_root),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
