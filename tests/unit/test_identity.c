// SPDX-License-Identifier: GPL-2.0-only
/*
 * Container identity (containers/identity.c): the cgroup path parser on the
 * paths real runtimes create, the runc/crun state readers on the state files
 * in data/identity, and the resolver on a cgroup tree made in a temporary
 * directory (any directory's inode stands in for a cgroup id).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/errors.h"
#include "containers/identity.h"

#ifndef TEST_DATA_DIR
#define TEST_DATA_DIR "tests/unit/data"
#endif

#define H1 "3f2a1b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708"
#define H2 "9d1c0e2f3a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5"
#define H3 "5e8b7a6c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a"
#define UID "0f3c1a2b-4d5e-6f70-8192-a3b4c5d6e7f8"
#define UID_ "0f3c1a2b_4d5e_6f70_8192_a3b4c5d6e7f8"
#define STATIC_UID "6d5f5e8b1d3d4b1ba1d28dd9d7c7c1e0"

/* $DG_TEST_DATA/identity/NAME, else TEST_DATA_DIR/identity/NAME. */
static const char *data(const char *name)
{
	static char buf[4096];
	const char *dir = getenv("DG_TEST_DATA");

	snprintf(buf, sizeof(buf), "%s/identity/%s", dir && dir[0] ? dir : TEST_DATA_DIR, name);
	return buf;
}

struct path_case {
	const char *path;
	int rc;
	enum dg_runtime runtime;
	const char *id;
	const char *cgroup;
	const char *pod_uid;
	enum dg_qos qos;
};

static const struct path_case path_cases[] = {
	/* docker, cgroupfs driver, as a line of /proc/PID/cgroup and as a directory */
	{"/docker/" H1, 0, DG_RUNTIME_DOCKER, H1, "/docker/" H1, "", DG_QOS_NONE},
	{"0::/docker/" H1 "\n", 0, DG_RUNTIME_DOCKER, H1, "/docker/" H1, "", DG_QOS_NONE},
	{"/sys/fs/cgroup/unified/docker/" H1, 0, DG_RUNTIME_DOCKER, H1, "/docker/" H1, "",
	 DG_QOS_NONE},
	/* docker, systemd driver; a container running systemd makes init.scope */
	{"/system.slice/docker-" H1 ".scope", 0, DG_RUNTIME_DOCKER, H1,
	 "/system.slice/docker-" H1 ".scope", "", DG_QOS_NONE},
	{"/sys/fs/cgroup/system.slice/docker-" H1 ".scope/init.scope", 0, DG_RUNTIME_DOCKER, H1,
	 "/system.slice/docker-" H1 ".scope", "", DG_QOS_NONE},
	{"//system.slice//docker-" H1 ".scope/", 0, DG_RUNTIME_DOCKER, H1,
	 "/system.slice/docker-" H1 ".scope", "", DG_QOS_NONE},
	/* rootless docker */
	{"/user.slice/user-1000.slice/user@1000.service/user.slice/docker-" H1 ".scope", 0,
	 DG_RUNTIME_DOCKER, H1,
	 "/user.slice/user-1000.slice/user@1000.service/user.slice/docker-" H1 ".scope", "",
	 DG_QOS_NONE},
	/* containerd CRI, cgroupfs driver: the runtime is not in the path */
	{"/kubepods/besteffort/pod" UID "/" H2, 0, DG_RUNTIME_CRI, H2,
	 "/kubepods/besteffort/pod" UID "/" H2, UID, DG_QOS_BESTEFFORT},
	{"/kubepods/burstable/pod" UID "/" H2 "/nested/deeper", 0, DG_RUNTIME_CRI, H2,
	 "/kubepods/burstable/pod" UID "/" H2, UID, DG_QOS_BURSTABLE},
	{"/kubepods/pod" UID "/" H2, 0, DG_RUNTIME_CRI, H2, "/kubepods/pod" UID "/" H2, UID,
	 DG_QOS_GUARANTEED},
	/* static pods have a 32-hex uid */
	{"/kubepods/burstable/pod" STATIC_UID "/" H2, 0, DG_RUNTIME_CRI, H2,
	 "/kubepods/burstable/pod" STATIC_UID "/" H2, STATIC_UID, DG_QOS_BURSTABLE},
	/* containerd CRI, systemd driver */
	{"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
	 ".slice/cri-containerd-" H2 ".scope",
	 0, DG_RUNTIME_CRI_CONTAINERD, H2,
	 "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
	 ".slice/cri-containerd-" H2 ".scope",
	 UID, DG_QOS_BURSTABLE},
	{"/kubepods.slice/kubepods-pod" UID_ ".slice/cri-containerd-" H2 ".scope", 0,
	 DG_RUNTIME_CRI_CONTAINERD, H2,
	 "/kubepods.slice/kubepods-pod" UID_ ".slice/cri-containerd-" H2 ".scope", UID,
	 DG_QOS_GUARANTEED},
	/* kubelet with --cgroup-root (kind's nodes) */
	{"/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/"
	 "kubelet-kubepods-besteffort-pod" UID_ ".slice/cri-containerd-" H2 ".scope",
	 0, DG_RUNTIME_CRI_CONTAINERD, H2,
	 "/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/"
	 "kubelet-kubepods-besteffort-pod" UID_ ".slice/cri-containerd-" H2 ".scope",
	 UID, DG_QOS_BESTEFFORT},
	/* cri-o, with crun's "container" sub-cgroup; its conmon is no container */
	{"/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_ ".slice/crio-" H3
	 ".scope/container",
	 0, DG_RUNTIME_CRIO, H3,
	 "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_ ".slice/crio-" H3
	 ".scope",
	 UID, DG_QOS_BESTEFFORT},
	{"/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_
	 ".slice/crio-conmon-" H3 ".scope",
	 -ENOENT, DG_RUNTIME_NONE, "", "", "", DG_QOS_NONE},
	{"/kubepods/besteffort/pod" UID "/crio-" H3, 0, DG_RUNTIME_CRIO, H3,
	 "/kubepods/besteffort/pod" UID "/crio-" H3, UID, DG_QOS_BESTEFFORT},
	/* podman: root, rootless, split cgroups, conmon, pods, cgroupfs driver */
	{"/machine.slice/libpod-" H3 ".scope", 0, DG_RUNTIME_PODMAN, H3,
	 "/machine.slice/libpod-" H3 ".scope", "", DG_QOS_NONE},
	{"/machine.slice/libpod-" H3 ".scope/container", 0, DG_RUNTIME_PODMAN, H3,
	 "/machine.slice/libpod-" H3 ".scope", "", DG_QOS_NONE},
	{"/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" H3 ".scope", 0,
	 DG_RUNTIME_PODMAN, H3,
	 "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" H3 ".scope", "",
	 DG_QOS_NONE},
	{"/machine.slice/libpod-conmon-" H3 ".scope", -ENOENT, DG_RUNTIME_NONE, "", "", "",
	 DG_QOS_NONE},
	{"/machine.slice/machine-libpod_pod_" H1 ".slice/libpod-" H3 ".scope", 0, DG_RUNTIME_PODMAN,
	 H3, "/machine.slice/machine-libpod_pod_" H1 ".slice/libpod-" H3 ".scope", "", DG_QOS_NONE},
	{"/libpod_parent/libpod-" H3, 0, DG_RUNTIME_PODMAN, H3, "/libpod_parent/libpod-" H3, "",
	 DG_QOS_NONE},
	/* runc/crun with a systemd cgroupsPath "system.slice:runc:dgtest-1" */
	{"/system.slice/runc-dgtest-1.scope", 0, DG_RUNTIME_RUNC, "dgtest-1",
	 "/system.slice/runc-dgtest-1.scope", "", DG_QOS_NONE},
	{"/machine.slice/crun-web_1.scope/sub", 0, DG_RUNTIME_CRUN, "web_1",
	 "/machine.slice/crun-web_1.scope", "", DG_QOS_NONE},
	/* nesting: the outermost container wins (a container names its sub-cgroups) */
	{"/system.slice/docker-" H1 ".scope/docker/" H2, 0, DG_RUNTIME_DOCKER, H1,
	 "/system.slice/docker-" H1 ".scope", "", DG_QOS_NONE},
	{"/docker/" H1 "/kubepods/besteffort/pod" UID "/" H2, 0, DG_RUNTIME_DOCKER, H1,
	 "/docker/" H1, "", DG_QOS_NONE},
	{"/docker/" H1 "/system.slice/crio-conmon-" H3 ".scope", 0, DG_RUNTIME_DOCKER, H1,
	 "/docker/" H1, "", DG_QOS_NONE},

	/* the host, and look-alikes that are not containers */
	{"/", -ENOENT, DG_RUNTIME_NONE, "", "", "", DG_QOS_NONE},
	{"0::/\n", -ENOENT, DG_RUNTIME_NONE, "", "", "", DG_QOS_NONE},
	{"/sys/fs/cgroup", -ENOENT, DG_RUNTIME_NONE, "", "", "", DG_QOS_NONE},
	{"/init.scope", -ENOENT, DG_RUNTIME_NONE, "", "", "", DG_QOS_NONE},
	{"/system.slice/containerd.service", -ENOENT, DG_RUNTIME_NONE, "", "", "", DG_QOS_NONE},
	{"/system.slice/docker.service", -ENOENT, DG_RUNTIME_NONE, "", "", "", DG_QOS_NONE},
	{"/user.slice/user-1000.slice/session-3.scope", -ENOENT, DG_RUNTIME_NONE, "", "", "",
	 DG_QOS_NONE},
	/* plain runc with a cgroupfs cgroupsPath: only its state directory can tell */
	{"/dgtest-1", -ENOENT, DG_RUNTIME_NONE, "", "", "", DG_QOS_NONE},
	/* wrong id lengths, upper case, unrelated names around a 64-hex id */
	{"/docker/"
	 "3f2a1b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70",
	 -ENOENT, DG_RUNTIME_NONE, "", "", "", DG_QOS_NONE},
	{"/docker/" H1 "0", -ENOENT, DG_RUNTIME_NONE, "", "", "", DG_QOS_NONE},
	{"/docker/3F2A1B4C5D6E7F8091A2B3C4D5E6F708192A3B4C5D6E7F8091A2B3C4D5E6F708", -ENOENT,
	 DG_RUNTIME_NONE, "", "", "", DG_QOS_NONE},
	{"/system.slice/docker-" H1 "a.scope", -ENOENT, DG_RUNTIME_NONE, "", "", "", DG_QOS_NONE},
	{"/system.slice/foo-" H1 ".scope", -ENOENT, DG_RUNTIME_NONE, "", "", "", DG_QOS_NONE},
	{"/system.slice/mydocker-" H1 ".scope", -ENOENT, DG_RUNTIME_NONE, "", "", "", DG_QOS_NONE},
	{"/system.slice/docker-" H1 ".scope.d", -ENOENT, DG_RUNTIME_NONE, "", "", "", DG_QOS_NONE},
	{"/system.slice/docker-" H1, -ENOENT, DG_RUNTIME_NONE, "", "", "", DG_QOS_NONE},
	{"/mydocker/" H1, -ENOENT, DG_RUNTIME_NONE, "", "", "", DG_QOS_NONE},
	{"/" H1, -ENOENT, DG_RUNTIME_NONE, "", "", "", DG_QOS_NONE},
	{"/backup-" H1 "/data", -ENOENT, DG_RUNTIME_NONE, "", "", "", DG_QOS_NONE},
	{"/system.slice/runc-.scope", -ENOENT, DG_RUNTIME_NONE, "", "", "", DG_QOS_NONE},
	{"/system.slice/runc-a:b.scope", -ENOENT, DG_RUNTIME_NONE, "", "", "", DG_QOS_NONE},
	/* a pod without a container, hex outside a pod, a pod outside kubepods */
	{"/kubepods/besteffort/pod" UID, -ENOENT, DG_RUNTIME_NONE, "", "", "", DG_QOS_NONE},
	{"/kubepods.slice/kubepods-pod" UID_ ".slice", -ENOENT, DG_RUNTIME_NONE, "", "", "",
	 DG_QOS_NONE},
	{"/kubepods/besteffort/" H2, -ENOENT, DG_RUNTIME_NONE, "", "", "", DG_QOS_NONE},
	{"/kubepods/besteffort/pod" UID "/sub/" H2, -ENOENT, DG_RUNTIME_NONE, "", "", "",
	 DG_QOS_NONE},
	{"/apps/pod" UID "/" H2, -ENOENT, DG_RUNTIME_NONE, "", "", "", DG_QOS_NONE},
	{"/kubepods/besteffort/podnot-a-uid!/" H2, -ENOENT, DG_RUNTIME_NONE, "", "", "",
	 DG_QOS_NONE},

	/* not cgroup paths at all */
	{"", -EINVAL, DG_RUNTIME_NONE, "", "", "", DG_QOS_NONE},
	{"docker/" H1, -EINVAL, DG_RUNTIME_NONE, "", "", "", DG_QOS_NONE},
	{"4:memory:/docker/" H1, -EINVAL, DG_RUNTIME_NONE, "", "", "", DG_QOS_NONE},
};

static void test_cgroup_paths(void **state)
{
	struct dg_identity id;

	(void)state;
	for (size_t i = 0; i < sizeof(path_cases) / sizeof(path_cases[0]); i++) {
		const struct path_case *c = &path_cases[i];
		int rc = dg_identity_from_cgroup_path(c->path, &id);

		if (rc != c->rc)
			fail_msg("%s: rc %d, expected %d (%s)", c->path, rc, c->rc, dg_errmsg());
		if (rc && !dg_errmsg()[0])
			fail_msg("%s: no error message", c->path);
		if (id.runtime != c->runtime || strcmp(id.id, c->id) ||
		    strcmp(id.cgroup, c->cgroup) || strcmp(id.pod_uid, c->pod_uid) ||
		    id.qos != c->qos)
			fail_msg("%s: got %s \"%s\" cgroup \"%s\" pod \"%s\" qos %d", c->path,
				 dg_runtime_name(id.runtime), id.id, id.cgroup, id.pod_uid, id.qos);
		dg_err_clear();
	}
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(dg_runtime_name(DG_RUNTIME_NONE), "host");
	assert_string_equal(dg_runtime_name(DG_RUNTIME_CRI_CONTAINERD), "cri-containerd");
	assert_string_equal(dg_runtime_name(DG_RUNTIME_CRIO), "cri-o");
	assert_string_equal(dg_runtime_name((enum dg_runtime)99), "unknown");
	assert_string_equal(dg_qos_name(DG_QOS_BESTEFFORT), "besteffort");
	assert_string_equal(dg_qos_name(DG_QOS_NONE), "");
}

static void test_display(void **state)
{
	struct dg_identity id = {0};
	char buf[256], tiny[8];

	(void)state;
	assert_string_equal(dg_identity_display(&id, buf, sizeof(buf)), "host");
	id.runtime = DG_RUNTIME_RUNC;
	strcpy(id.id, "dgtest-1");
	assert_string_equal(dg_identity_display(&id, buf, sizeof(buf)), "runc:dgtest-1");
	strcpy(id.name, "dgtest-1"); /* a name that is the id says nothing more */
	assert_string_equal(dg_identity_display(&id, buf, sizeof(buf)), "runc:dgtest-1");
	strcpy(id.name, "nginx");
	assert_string_equal(dg_identity_display(&id, buf, sizeof(buf)), "runc:dgtest-1 (nginx)");

	id.runtime = DG_RUNTIME_CRI_CONTAINERD;
	strcpy(id.id, H1);
	strcpy(id.pod_name, "web");
	strcpy(id.pod_namespace, "default");
	assert_string_equal(dg_identity_display(&id, buf, sizeof(buf)),
			    "cri-containerd:3f2a1b4c5d6e (pod default/web, container nginx)");
	id.pod_name[0] = '\0';
	strcpy(id.pod_uid, UID);
	id.name[0] = '\0';
	assert_string_equal(dg_identity_display(&id, buf, sizeof(buf)),
			    "cri-containerd:3f2a1b4c5d6e (pod " UID ")");
	/* truncated, never overrun */
	assert_string_equal(dg_identity_display(&id, tiny, sizeof(tiny)), "cri-con");
}

static void test_json(void **state)
{
	struct dg_identity id = {0};
	json_t *obj = NULL;

	(void)state;
	assert_int_equal(dg_identity_from_cgroup_path("/kubepods/besteffort/pod" UID "/" H2, &id),
			 0);
	strcpy(id.pod_name, "web");
	id.cgroup_id = 4242;
	assert_int_equal(dg_identity_to_json(&id, &obj), 0);
	assert_string_equal(json_string_value(json_object_get(obj, "runtime")), "cri");
	assert_string_equal(json_string_value(json_object_get(obj, "id")), H2);
	assert_null(json_object_get(obj, "name"));
	assert_string_equal(json_string_value(json_object_get(json_object_get(obj, "pod"), "qos")),
			    "besteffort");
	assert_string_equal(json_string_value(json_object_get(json_object_get(obj, "pod"), "uid")),
			    UID);
	assert_int_equal(json_integer_value(json_object_get(obj, "cgroup_id")), 4242);
	assert_null(json_object_get(obj, "init_pid"));
	json_decref(obj);
}

static void test_runc_state(void **state)
{
	struct dg_identity id;
	char root[4096];

	(void)state;
	snprintf(root, sizeof(root), "%s", data("runc"));
	/* plain runc, hybrid host: cgroup_paths[""] below /sys/fs/cgroup/unified */
	assert_int_equal(dg_identity_from_runc(root, "dgtest-1", "/sys/fs/cgroup/unified", &id), 0);
	assert_int_equal(id.runtime, DG_RUNTIME_RUNC);
	assert_string_equal(id.id, "dgtest-1");
	assert_string_equal(id.name, "nginx");
	assert_string_equal(id.cgroup, "/dgtest-1");
	assert_string_equal(id.bundle, "/nonexistent/dgtest-1");
	assert_int_equal(id.init_pid, 0); /* not running */
	assert_int_equal(id.mntns, 0);

	/* docker's runc root: the systemd scope names docker */
	assert_int_equal(dg_identity_from_runc(root, H1, "/sys/fs/cgroup", &id), 0);
	assert_int_equal(id.runtime, DG_RUNTIME_DOCKER);
	assert_string_equal(id.cgroup, "/system.slice/docker-" H1 ".scope");
	assert_string_equal(id.name, "");

	/* containerd CRI, cgroupfs: the path names no runtime, the annotations do */
	assert_int_equal(dg_identity_from_runc(root, H2, "/sys/fs/cgroup", &id), 0);
	assert_int_equal(id.runtime, DG_RUNTIME_CRI_CONTAINERD);
	assert_string_equal(id.name, "web");
	assert_string_equal(id.pod_name, "web-7d9f8c6b5-x2x4z");
	assert_string_equal(id.pod_namespace, "default");
	assert_string_equal(id.pod_uid, UID);
	assert_int_equal(id.qos, DG_QOS_BURSTABLE);
	assert_false(id.sandbox);

	/* another cgroup root: runc's absolute path cannot be made relative */
	assert_int_equal(dg_identity_from_runc(root, "dgtest-1", "/run/cgroup2", &id), 0);
	assert_string_equal(id.cgroup, "");

	assert_int_equal(dg_identity_from_runc(root, "no-such", "/sys/fs/cgroup", &id), -ENOENT);
	assert_non_null(strstr(dg_errmsg(), "no-such"));
	assert_int_equal(dg_identity_from_runc(root, "broken", "/sys/fs/cgroup", &id), -EINVAL);
	assert_non_null(strstr(dg_errmsg(), "state.json"));
	assert_int_equal(dg_identity_from_runc(root, "../runc", "/sys/fs/cgroup", &id), -EINVAL);
	assert_int_equal(dg_identity_from_runc(root, "", "/sys/fs/cgroup", &id), -EINVAL);
	dg_err_clear();
}

static void test_crun_status(void **state)
{
	struct dg_identity id;
	char root[4096];

	(void)state;
	snprintf(root, sizeof(root), "%s", data("crun"));
	/* cri-o with crun: status, and the copy of config.json beside it */
	assert_int_equal(dg_identity_from_runc(root, H3, "/sys/fs/cgroup", &id), 0);
	assert_int_equal(id.runtime, DG_RUNTIME_CRIO);
	assert_string_equal(id.name, "proxy");
	assert_string_equal(id.pod_name, "ingress-0");
	assert_string_equal(id.pod_namespace, "infra");
	assert_string_equal(id.pod_uid, "7c1e2d3f-aaaa-bbbb-cccc-0123456789ab");
	assert_int_equal(id.qos, DG_QOS_BESTEFFORT);
	assert_non_null(strstr(id.cgroup, "/crio-" H3 ".scope"));
	assert_non_null(strstr(id.bundle, "/userdata"));

	assert_int_equal(dg_identity_from_runc(root, "dgtest-crun", "/sys/fs/cgroup", &id), 0);
	assert_int_equal(id.runtime, DG_RUNTIME_CRUN);
	assert_string_equal(id.cgroup, "/dgtest-crun");
	assert_string_equal(id.name, "");
}

static int cmp_ids(const void *a, const void *b)
{
	return strcmp(((const struct dg_identity *)a)->id, ((const struct dg_identity *)b)->id);
}

static void test_list(void **state)
{
	struct dg_identity *all = NULL;
	size_t n = 99;
	char root[4096];

	(void)state;
	snprintf(root, sizeof(root), "%s", data("runc"));
	/* "broken" is skipped */
	assert_int_equal(dg_identity_list_runc(root, "/sys/fs/cgroup", &all, &n), 0);
	assert_int_equal(n, 3);
	qsort(all, n, sizeof(*all), cmp_ids);
	assert_string_equal(all[0].id, H1);
	assert_string_equal(all[1].id, H2);
	assert_string_equal(all[2].id, "dgtest-1");
	free(all);

	assert_int_equal(dg_identity_list_runc("/nonexistent/state", "/sys/fs/cgroup", &all, &n),
			 0);
	assert_int_equal(n, 0);
	assert_null(all);
}

/* ---- on a cgroup tree made of plain directories ---- */

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

static void mkdirs(const char *rel)
{
	char cmd[8192];

	snprintf(cmd, sizeof(cmd), "mkdir -p '%s/%s'", tmp, rel);
	assert_int_equal(system(cmd), 0);
}

static uint64_t ino(const char *rel)
{
	char path[8192];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", tmp, rel);
	assert_int_equal(stat(path, &st), 0);
	return st.st_ino;
}

/* A runc state directory for a stopped container with cgroup cg/<cgroup>. */
static void write_state(const char *id, const char *cgroup, const char *labels)
{
	char path[8192];
	FILE *f;

	snprintf(path, sizeof(path), "%s/state/%s", tmp, id);
	mkdirs(path + strlen(tmp) + 1);
	strcat(path, "/state.json");
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f,
		"{\"id\": \"%s\", \"init_process_pid\": 2147483647, \"init_process_start\": 1, "
		"\"config\": {\"labels\": [%s]}, \"cgroup_paths\": {\"\": \"%s/cg%s\"}}\n",
		id, labels, tmp, cgroup);
	fclose(f);
}

static void test_resolver(void **state)
{
	_cleanup_(dg_identity_resolver_freep) struct dg_identity_resolver *r = NULL;
	struct dg_identity id;
	char cgroot[128], stateroot[128], bundle[128], labels[256], cmd[8192];
	const char *roots[] = {stateroot, NULL};

	(void)state;
	snprintf(cgroot, sizeof(cgroot), "%s/cg", tmp);
	snprintf(stateroot, sizeof(stateroot), "%s/state", tmp);
	mkdirs("cg/system.slice/docker-" H1 ".scope/init.scope");
	mkdirs("cg/user.slice");
	mkdirs("cg/ctr1/inner/deeper");
	mkdirs("cg/parent/ctr2");
	mkdirs("cg/ctr1x");
	/* ctr1: annotations in runc's labels; ctr2: in the bundle's config.json */
	write_state("ctr1", "/ctr1", "\"io.kubernetes.cri.container-name=nginx\", \"bundle=/x\"");
	snprintf(bundle, sizeof(bundle), "%s/bundle2", tmp);
	mkdirs("bundle2");
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s/config.json'", data("bundle_config.json"), bundle);
	assert_int_equal(system(cmd), 0);
	snprintf(labels, sizeof(labels), "\"bundle=%s\"", bundle);
	write_state("ctr2", "/parent/ctr2", labels);

	assert_int_equal(dg_identity_resolver_new(cgroot, roots, &r), 0);

	/* a plain runc cgroup and its sub-cgroups, by id */
	assert_int_equal(dg_identity_resolve_id(r, ino("cg/ctr1/inner/deeper"), &id), 0);
	assert_int_equal(id.runtime, DG_RUNTIME_RUNC);
	assert_string_equal(id.id, "ctr1");
	assert_string_equal(id.name, "nginx");
	assert_string_equal(id.cgroup, "/ctr1");
	assert_int_equal(id.cgroup_id, ino("cg/ctr1"));
	assert_int_equal(dg_identity_resolve_id(r, ino("cg/ctr1"), &id), 0);
	assert_string_equal(id.id, "ctr1");
	/* "/ctr1x" is not below "/ctr1" */
	assert_int_equal(dg_identity_resolve_id(r, ino("cg/ctr1x"), &id), -ENOENT);
	assert_int_equal(id.runtime, DG_RUNTIME_NONE);

	/* /<parent>/<id>, named from the bundle */
	assert_int_equal(dg_identity_resolve_id(r, ino("cg/parent/ctr2"), &id), 0);
	assert_string_equal(id.id, "ctr2");
	assert_string_equal(id.name, "from-bundle");
	assert_string_equal(id.pod_name, "bpod");
	assert_string_equal(id.pod_namespace, "bns");
	assert_true(id.sandbox);
	assert_int_equal(id.runtime, DG_RUNTIME_CRI_CONTAINERD);
	assert_int_equal(dg_identity_resolve_id(r, ino("cg/parent"), &id), -ENOENT);

	/* a docker scope the state directories do not know: the parser names it */
	assert_int_equal(dg_identity_resolve_id(
				 r, ino("cg/system.slice/docker-" H1 ".scope/init.scope"), &id),
			 0);
	assert_int_equal(id.runtime, DG_RUNTIME_DOCKER);
	assert_string_equal(id.id, H1);
	assert_int_equal(id.cgroup_id, ino("cg/system.slice/docker-" H1 ".scope"));

	/* the host */
	assert_int_equal(dg_identity_resolve_id(r, ino("cg"), &id), -ENOENT);
	assert_int_equal(dg_identity_resolve_id(r, ino("cg/user.slice"), &id), -ENOENT);
	assert_int_equal(dg_identity_resolve_id(r, ino("state"), &id), -ENOENT);
	assert_non_null(strstr(dg_errmsg(), "no cgroup with id"));

	/* by path, with the prefixes of /proc/PID/cgroup */
	assert_int_equal(dg_identity_resolve_path(r, "0::/ctr1/inner\n", &id), 0);
	assert_string_equal(id.id, "ctr1");
	assert_int_equal(id.cgroup_id, ino("cg/ctr1"));
	assert_int_equal(dg_identity_resolve_path(r, "//parent//ctr2/", &id), 0);
	assert_string_equal(id.id, "ctr2");
	assert_int_equal(dg_identity_resolve_path(r, "relative", &id), -EINVAL);

	/* a container started after the caches were filled is found (after 1 s) */
	mkdirs("cg/late/sub");
	write_state("late", "/late", "\"bundle=/y\"");
	sleep(1);
	usleep(200 * 1000);
	assert_int_equal(dg_identity_resolve_id(r, ino("cg/late/sub"), &id), 0);
	assert_string_equal(id.id, "late");
	assert_string_equal(id.bundle, "/y");

	/* flush forgets everything; lookups fill the caches again */
	dg_identity_resolver_flush(r);
	assert_int_equal(dg_identity_resolve_id(r, ino("cg/ctr1/inner"), &id), 0);
	assert_string_equal(id.id, "ctr1");
	dg_err_clear();
}

static void test_resolver_errors(void **state)
{
	struct dg_identity_resolver *r = NULL;
	struct dg_identity id;
	const char *none[] = {NULL};

	(void)state;
	assert_int_equal(dg_identity_resolver_new("/nonexistent/cgroup", none, &r), 0);
	assert_int_equal(dg_identity_resolve_id(r, 1, &id), -ENOENT);
	assert_non_null(strstr(dg_errmsg(), "/nonexistent/cgroup"));
	/* the pure parser needs no tree */
	assert_int_equal(dg_identity_resolve_path(r, "/docker/" H1, &id), 0);
	assert_int_equal(id.runtime, DG_RUNTIME_DOCKER);
	assert_int_equal(id.cgroup_id, 0);
	dg_identity_resolver_free(r);
	dg_identity_resolver_free(NULL);
	dg_err_clear();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cgroup_paths),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_display),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_runc_state),
		cmocka_unit_test(test_crun_status),
		cmocka_unit_test(test_list),
		cmocka_unit_test_setup_teardown(test_resolver, setup_tmp, teardown_tmp),
		cmocka_unit_test(test_resolver_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
