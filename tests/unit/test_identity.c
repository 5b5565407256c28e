// SPDX-License-Identifier: GPL-2.0-only
/*
 * Container identity (containers/identity.c) and the cgroup path parser
 * (containers/cgroup_path.c) on the paths real runtimes create. The state
 * readers, /proc and the cgroup tree are in test_identity_state.c, the
 * inventory in test_identity_inventory.c.
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
#include "containers/cgroup_path.h"
#include "containers/identity.h"

#define H1 "3f2a1b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708"
#define H2 "9d1c0e2f3a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5"
#define H3 "5e8b7a6c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a"
#define UID "0f3c1a2b-4d5e-6f70-8192-a3b4c5d6e7f8"
#define UID_ "0f3c1a2b_4d5e_6f70_8192_a3b4c5d6e7f8"
#define STATIC_UID "6d5f5e8b1d3d4b1ba1d28dd9d7c7c1e0"

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
	/* containerd's ids are per namespace */
	memset(&id, 0, sizeof(id));
	id.runtime = DG_RUNTIME_CONTAINERD;
	strcpy(id.id, "web");
	strcpy(id.ctr_namespace, "default");
	assert_string_equal(dg_identity_display(&id, buf, sizeof(buf)), "containerd:default/web");
	/* docker's names */
	memset(&id, 0, sizeof(id));
	id.runtime = DG_RUNTIME_DOCKER;
	strcpy(id.id, H1);
	strcpy(id.name, "web");
	assert_string_equal(dg_identity_display(&id, buf, sizeof(buf)),
			    "docker:3f2a1b4c5d6e (web)");
	/* a container nothing names: its cgroup, or its id once the cgroup is gone */
	memset(&id, 0, sizeof(id));
	id.runtime = DG_RUNTIME_UNKNOWN;
	id.cgroup_id = 42;
	assert_string_equal(dg_identity_display(&id, buf, sizeof(buf)),
			    "unknown container (cgroup id 42)");
	strcpy(id.cgroup, "/machine/x");
	assert_string_equal(dg_identity_display(&id, buf, sizeof(buf)),
			    "unknown container (cgroup /machine/x)");
	assert_string_equal(dg_runtime_name(DG_RUNTIME_UNKNOWN), "unknown");
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

/* A cgroup named with bytes that are not UTF-8 still converts: escaped, raw bytes kept. */
static void test_json_not_utf8(void **state)
{
	struct dg_identity id = {.runtime = DG_RUNTIME_RUNC};
	json_t *obj = NULL;

	(void)state;
	strcpy(id.id, "web");
	strcpy(id.cgroup, "/system.slic\xa4/web");
	strcpy(id.name, "caf\xc3"); /* cut inside a character */
	assert_int_equal(dg_identity_to_json(&id, &obj), 0);
	assert_string_equal(json_string_value(json_object_get(obj, "cgroup")),
			    "/system.slic\\xa4/web");
	assert_string_equal(json_string_value(json_object_get(obj, "cgroup_base64")),
			    "L3N5c3RlbS5zbGljpC93ZWI=");
	assert_string_equal(json_string_value(json_object_get(obj, "name")), "caf\\xc3");
	assert_null(json_object_get(obj, "id_base64"));
	json_decref(obj);
}

static void test_normalise(void **state)
{
	static const char *const cases[][2] = {
		{"0::/ctr1/inner\n", "/ctr1/inner"},
		{"//parent//ctr2/", "/parent/ctr2"},
		{"/sys/fs/cgroup/unified/a/b", "/a/b"},
		{"/sys/fs/cgroup", "/"},
		{"/", "/"},
		{"0::/\n", "/"},
	};
	char buf[64];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		dg_cgroup_path_normalise(cases[i][0], buf, sizeof(buf));
		assert_string_equal(buf, cases[i][1]);
	}
	assert_true(dg_cgroup_path_within("/ctr1/inner", "/ctr1"));
	assert_true(dg_cgroup_path_within("/ctr1", "/ctr1"));
	assert_false(dg_cgroup_path_within("/ctr1x", "/ctr1"));
	assert_false(dg_cgroup_path_within("/ctr1", ""));
	assert_true(dg_cgroup_path_within("/anything", "/"));
}

static void test_ids_and_equality(void **state)
{
	struct dg_identity a = {0}, b = {0};

	(void)state;
	assert_true(dg_id_is_engine(H1, strlen(H1)));
	assert_false(dg_id_is_engine("dgtest-1", 8));
	assert_true(dg_id_is_runc("dgtest-1", 8));
	assert_false(dg_id_is_runc("..", 2));
	assert_false(dg_id_is_runc("a/b", 3));
	assert_false(dg_id_is_runc("", 0));

	/* bytes past a string's end do not count */
	strcpy(a.cgroup, "/longer/path");
	strcpy(a.cgroup, "/t1");
	strcpy(b.cgroup, "/t1");
	assert_true(dg_identity_equal(&a, &b));
	b.init_pid = 7;
	assert_false(dg_identity_equal(&a, &b));
	assert_false(dg_identity_running(&b));
	b.cgroup_id = 42;
	assert_true(dg_identity_running(&b));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cgroup_paths),	 cmocka_unit_test(test_names),
		cmocka_unit_test(test_display),		 cmocka_unit_test(test_json),
		cmocka_unit_test(test_json_not_utf8),	 cmocka_unit_test(test_normalise),
		cmocka_unit_test(test_ids_and_equality),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
