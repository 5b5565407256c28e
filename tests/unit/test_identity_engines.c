// SPDX-License-Identifier: GPL-2.0-only
/*
 * What engines add to runc's state: docker's and podman's container names
 * (containers/engine_names.c), from their records laid out as docker 20.10
 * and podman 4.3 leave them, in a scratch directory (docker's bundle mounts
 * <data-root>/containers/<id>/hostname on /etc/hostname, its
 * config.v2.json has the name; podman's bundle is
 * <graphroot>/overlay-containers/<id>/userdata, the names are in
 * containers.json beside it); and the inventory's engine roots: containerd's
 * per-namespace roots and docker's <exec-root>/runtime-runc/moby
 * (data/identity/containerd, data/identity/dockerexec). Last, a name looked
 * for again while the container is held at its exec fifo.
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
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/errors.h"
#include "containers/engine_names.h"
#include "containers/inventory.h"
#include "containers/runtime_state.h"

#ifndef TEST_DATA_DIR
#define TEST_DATA_DIR "tests/unit/data"
#endif

#define H1 "3f2a1b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708"
#define H2 "9d1c0e2f3a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5"

static char scratch[64];

/* Writes TEXT (a printf format) to scratch/REL, making its directories. */
static void put(const char *rel, const char *fmt, ...)
{
	char path[PATH_MAX * 2];
	va_list ap;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", scratch, rel);
	for (char *p = path + strlen(scratch) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0700);
		*p = '/';
	}
	f = fopen(path, "w");
	assert_non_null(f);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
}

static int setup(void **state)
{
	(void)state;
	snprintf(scratch, sizeof(scratch), "/tmp/dg-engine-names.XXXXXX");
	return mkdtemp(scratch) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", scratch);
	return system(cmd) == 0 ? 0 : -1;
}

static struct dg_identity ident(enum dg_runtime rt, const char *id, const char *bundle_rel)
{
	struct dg_identity c = {.runtime = rt};

	snprintf(c.id, sizeof(c.id), "%s", id);
	snprintf(c.bundle, sizeof(c.bundle), "%s/%s", scratch, bundle_rel);
	return c;
}

static void test_docker(void **state)
{
	struct dg_identity c;

	(void)state;
	put("exec/moby/" H1 "/config.json",
	    "{\"mounts\": [{\"destination\": \"/etc/resolv.conf\", \"source\": "
	    "\"/elsewhere/containers/" H1 "/resolv.conf\"}, {\"destination\": \"/etc/hostname\", "
	    "\"source\": \"%s/data/containers/" H1 "/hostname\"}]}",
	    scratch);
	put("data/containers/" H1 "/config.v2.json", "{\"ID\": \"" H1 "\", \"Name\": \"/web\"}");
	c = ident(DG_RUNTIME_DOCKER, H1, "exec/moby/" H1);
	dg_engine_name_fill(&c);
	assert_string_equal(c.name, "web");

	/* a name known already stays */
	snprintf(c.name, sizeof(c.name), "kept");
	dg_engine_name_fill(&c);
	assert_string_equal(c.name, "kept");

	/* records of another container: no name */
	put("exec/moby/" H2 "/config.json",
	    "{\"mounts\": [{\"destination\": \"/etc/hostname\", \"source\": "
	    "\"%s/data/containers/" H1 "/hostname\"}]}",
	    scratch);
	c = ident(DG_RUNTIME_DOCKER, H2, "exec/moby/" H2);
	dg_engine_name_fill(&c);
	assert_string_equal(c.name, "");
	/* config.v2.json of another id */
	put("exec/moby/" H2 "/config.json",
	    "{\"mounts\": [{\"destination\": \"/etc/hostname\", \"source\": "
	    "\"%s/data/containers/" H2 "/hostname\"}]}",
	    scratch);
	put("data/containers/" H2 "/config.v2.json", "{\"ID\": \"" H1 "\", \"Name\": \"/web\"}");
	dg_engine_name_fill(&c);
	assert_string_equal(c.name, "");
	/* not docker's: its records are not looked for */
	c = ident(DG_RUNTIME_RUNC, H1, "exec/moby/" H1);
	dg_engine_name_fill(&c);
	assert_string_equal(c.name, "");
	/* no bundle, a bundle without config.json */
	c = ident(DG_RUNTIME_DOCKER, H1, "nowhere");
	dg_engine_name_fill(&c);
	assert_string_equal(c.name, "");
	c.bundle[0] = '\0';
	dg_engine_name_fill(&c);
	assert_string_equal(c.name, "");
}

static void test_podman(void **state)
{
	struct dg_identity c;

	(void)state;
	put("graph/overlay-containers/" H1 "/userdata/config.json", "{}");
	put("graph/overlay-containers/containers.json",
	    "[{\"id\": \"" H2 "\", \"names\": [\"other\"]}, {\"id\": \"" H1
	    "\", \"names\": [\"db\", \"alias\"]}]");
	c = ident(DG_RUNTIME_PODMAN, H1, "graph/overlay-containers/" H1 "/userdata");
	dg_engine_name_fill(&c);
	assert_string_equal(c.name, "db");

	/* not listed */
	put("graph/overlay-containers/containers.json", "[]");
	c = ident(DG_RUNTIME_PODMAN, H1, "graph/overlay-containers/" H1 "/userdata");
	dg_engine_name_fill(&c);
	assert_string_equal(c.name, "");
	/* a bundle not laid out as podman's (another id, no userdata) */
	c = ident(DG_RUNTIME_PODMAN, H2, "graph/overlay-containers/" H1 "/userdata");
	dg_engine_name_fill(&c);
	assert_string_equal(c.name, "");
	c = ident(DG_RUNTIME_PODMAN, H1, "graph/overlay-containers/" H1);
	dg_engine_name_fill(&c);
	assert_string_equal(c.name, "");
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* docker's container H2: its bundle under scratch/held, runc's state in scratch/held/root */
static void put_held_docker(void)
{
	put("held/moby/" H2 "/config.json",
	    "{\"mounts\": [{\"destination\": \"/etc/hostname\", \"source\": "
	    "\"%s/held/data/containers/" H2 "/hostname\"}]}",
	    scratch);
	put("held/root/" H2 "/exec.fifo", "");
}

static void test_name_while_held(void **state)
{
	char root[PATH_MAX], records[PATH_MAX];
	struct dg_identity c;
	double t;
	pid_t pid;
	int status;

	(void)state;
	put_held_docker();
	snprintf(root, sizeof(root), "%s/held/root", scratch);
	snprintf(records, sizeof(records), "%s/held/data/containers/" H2 "/config.v2.json",
		 scratch);
	assert_true(dg_runtime_state_held(root, H2));
	assert_false(dg_runtime_state_held(root, H1));

	/* held, its records never written: looked for again until max_ms */
	c = ident(DG_RUNTIME_DOCKER, H2, "held/moby/" H2);
	t = now_ms();
	dg_engine_name_fill_held(&c, root, 60);
	assert_string_equal(c.name, "");
	assert_true(now_ms() - t >= 50);

	/* written while it is held: found then, not after max_ms */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		usleep(30 * 1000);
		put("held/data/containers/" H2 "/config.v2.json",
		    "{\"ID\": \"" H2 "\", \"Name\": \"/late\"}");
		_exit(0);
	}
	t = now_ms();
	dg_engine_name_fill_held(&c, root, 20000);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_string_equal(c.name, "late");
	assert_true(now_ms() - t < 10000);

	/* released (no exec fifo): one look, no wait */
	assert_int_equal(unlink(records), 0);
	snprintf(records, sizeof(records), "%s/held/root/" H2 "/exec.fifo", scratch);
	assert_int_equal(unlink(records), 0);
	c = ident(DG_RUNTIME_DOCKER, H2, "held/moby/" H2);
	t = now_ms();
	dg_engine_name_fill_held(&c, root, 20000);
	assert_string_equal(c.name, "");
	assert_true(now_ms() - t < 10000);

	/* held, but not an engine's container (no records to wait for), or no state root */
	put_held_docker();
	c = ident(DG_RUNTIME_RUNC, H2, "held/moby/" H2);
	t = now_ms();
	dg_engine_name_fill_held(&c, root, 20000);
	c = ident(DG_RUNTIME_DOCKER, H2, "held/moby/" H2);
	dg_engine_name_fill_held(&c, NULL, 20000);
	assert_string_equal(c.name, "");
	assert_true(now_ms() - t < 10000);
}

/* $DG_TEST_DATA/identity/NAME, else TEST_DATA_DIR/identity/NAME. */
static const char *data(const char *name)
{
	static char buf[4][4096];
	static int next;
	const char *dir = getenv("DG_TEST_DATA");
	char *b = buf[next++ % 4];

	snprintf(b, sizeof(buf[0]), "%s/identity/%s", dir && dir[0] ? dir : TEST_DATA_DIR, name);
	return b;
}

static void test_engine_roots(void **state)
{
	_cleanup_(dg_inventory_freep) struct dg_inventory *inv = NULL;
	const char *roots[] = {data("containerd/*"), data("dockerexec/runtime-runc/moby"), NULL};
	struct dg_identity c;

	(void)state;
	assert_int_equal(
		dg_inventory_new(
			&(struct dg_inventory_opts){.cgroup_root = "/sys/fs/cgroup/unified",
						    .state_roots = roots},
			&inv),
		0);
	assert_int_equal(dg_inventory_count(inv), 2);
	/* each subdirectory of a "*" root is a namespace's; its cgroup names no engine */
	assert_int_equal(dg_inventory_by_id(inv, "web", &c), 0);
	assert_int_equal(c.runtime, DG_RUNTIME_CONTAINERD);
	assert_string_equal(c.ctr_namespace, "ctrns");
	assert_string_equal(c.cgroup, "/ctrns/web");
	/* docker's runc root, a --cgroup-parent of no convention */
	assert_int_equal(dg_inventory_by_id(inv, H1, &c), 0);
	assert_int_equal(c.runtime, DG_RUNTIME_DOCKER);
	assert_string_equal(c.ctr_namespace, "");
	assert_string_equal(c.cgroup, "/my-parent/" H1);
	/* the namespace's parent itself holds no container */
	assert_int_equal(dg_inventory_by_id(inv, "ctrns", &c), -ENOENT);
	dg_err_clear();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_docker),
		cmocka_unit_test(test_podman),
		cmocka_unit_test(test_engine_roots),
		cmocka_unit_test(test_name_while_held),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
