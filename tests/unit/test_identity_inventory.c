// SPDX-License-Identifier: GPL-2.0-only
/*
 * The inventory (containers/inventory.c): the containers of state
 * directories shaped like /run/runc, made in a temporary directory with
 * fake state files, on a cgroup tree of plain directories (any directory's
 * inode stands in for a cgroup id); what it tells subscribers as containers
 * come, change and go; the cgroup id -> identity resolution; the selectors
 * of drift rules resolved from it (enforcer/policy_resolver.c); and the
 * lookups of commands (lookup.c). "Running" containers are this process,
 * with its real start time.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
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
#include "containers/cgroups.h"
#include "containers/inventory.h"
#include "containers/lookup.h"
#include "containers/procfs.h"
#include "enforcer/policy_resolver.h"

#ifndef TEST_DATA_DIR
#define TEST_DATA_DIR "tests/unit/data"
#endif

#define H1 "3f2a1b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708"
#define H2 "9d1c0e2f3a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5"

/* $DG_TEST_DATA/identity/NAME, else TEST_DATA_DIR/identity/NAME. */
static const char *data(const char *name)
{
	static char buf[4096];
	const char *dir = getenv("DG_TEST_DATA");

	snprintf(buf, sizeof(buf), "%s/identity/%s", dir && dir[0] ? dir : TEST_DATA_DIR, name);
	return buf;
}

static int cmp_ids(const void *a, const void *b)
{
	return strcmp(((const struct dg_identity *)a)->id, ((const struct dg_identity *)b)->id);
}

static void test_list(void **state)
{
	_cleanup_(dg_inventory_freep) struct dg_inventory *inv = NULL;
	const char *roots[] = {NULL, NULL};
	struct dg_identity all[8];
	char root[4096];
	size_t n;

	(void)state;
	snprintf(root, sizeof(root), "%s", data("runc"));
	roots[0] = root;
	/* "broken" is skipped */
	assert_int_equal(
		dg_inventory_new(&(struct dg_inventory_opts){.cgroup_root = "/sys/fs/cgroup",
							     .state_roots = roots},
				 &inv),
		0);
	n = dg_inventory_count(inv);
	assert_int_equal(n, 3);
	for (size_t i = 0; i < n; i++)
		all[i] = *dg_inventory_get(inv, i);
	assert_null(dg_inventory_get(inv, n));
	qsort(all, n, sizeof(*all), cmp_ids);
	assert_string_equal(all[0].id, H1);
	assert_string_equal(all[1].id, H2);
	assert_string_equal(all[2].id, "dgtest-1");
	dg_inventory_free(TAKE_PTR(inv));

	roots[0] = "/nonexistent/state";
	assert_int_equal(
		dg_inventory_new(&(struct dg_inventory_opts){.cgroup_root = "/sys/fs/cgroup",
							     .state_roots = roots},
				 &inv),
		0);
	assert_int_equal(dg_inventory_count(inv), 0);
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
	_cleanup_(dg_inventory_freep) struct dg_inventory *r = NULL;
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

	assert_int_equal(dg_inventory_new(&(struct dg_inventory_opts){.cgroup_root = cgroot,
								      .state_roots = roots},
					  &r),
			 0);

	/* a plain runc cgroup and its sub-cgroups, by id */
	assert_int_equal(dg_inventory_resolve_id(r, ino("cg/ctr1/inner/deeper"), &id), 0);
	assert_int_equal(id.runtime, DG_RUNTIME_RUNC);
	assert_string_equal(id.id, "ctr1");
	assert_string_equal(id.name, "nginx");
	assert_string_equal(id.cgroup, "/ctr1");
	assert_int_equal(id.cgroup_id, ino("cg/ctr1"));
	assert_int_equal(dg_inventory_resolve_id(r, ino("cg/ctr1"), &id), 0);
	assert_string_equal(id.id, "ctr1");
	/* "/ctr1x" is not below "/ctr1" */
	assert_int_equal(dg_inventory_resolve_id(r, ino("cg/ctr1x"), &id), -ENOENT);
	assert_int_equal(id.runtime, DG_RUNTIME_NONE);

	/* /<parent>/<id>, named from the bundle */
	assert_int_equal(dg_inventory_resolve_id(r, ino("cg/parent/ctr2"), &id), 0);
	assert_string_equal(id.id, "ctr2");
	assert_string_equal(id.name, "from-bundle");
	assert_string_equal(id.pod_name, "bpod");
	assert_string_equal(id.pod_namespace, "bns");
	assert_true(id.sandbox);
	assert_int_equal(id.runtime, DG_RUNTIME_CRI_CONTAINERD);
	assert_int_equal(dg_inventory_resolve_id(r, ino("cg/parent"), &id), -ENOENT);

	/* a docker scope the state directories do not know: the parser names it */
	assert_int_equal(dg_inventory_resolve_id(
				 r, ino("cg/system.slice/docker-" H1 ".scope/init.scope"), &id),
			 0);
	assert_int_equal(id.runtime, DG_RUNTIME_DOCKER);
	assert_string_equal(id.id, H1);
	assert_int_equal(id.cgroup_id, ino("cg/system.slice/docker-" H1 ".scope"));

	/* the host */
	assert_int_equal(dg_inventory_resolve_id(r, ino("cg"), &id), -ENOENT);
	assert_int_equal(dg_inventory_resolve_id(r, ino("cg/user.slice"), &id), -ENOENT);
	assert_int_equal(dg_inventory_resolve_id(r, ino("state"), &id), -ENOENT);
	assert_non_null(strstr(dg_errmsg(), "no cgroup with id"));

	/* by path, with the prefixes of /proc/PID/cgroup */
	assert_int_equal(dg_inventory_resolve_path(r, "0::/ctr1/inner\n", &id), 0);
	assert_string_equal(id.id, "ctr1");
	assert_int_equal(id.cgroup_id, ino("cg/ctr1"));
	assert_int_equal(dg_inventory_resolve_path(r, "//parent//ctr2/", &id), 0);
	assert_string_equal(id.id, "ctr2");
	assert_int_equal(dg_inventory_resolve_path(r, "relative", &id), -EINVAL);

	/* a container started after the caches were filled is found (after 1 s) */
	mkdirs("cg/late/sub");
	write_state("late", "/late", "\"bundle=/y\"");
	sleep(1);
	usleep(200 * 1000);
	assert_int_equal(dg_inventory_resolve_id(r, ino("cg/late/sub"), &id), 0);
	assert_string_equal(id.id, "late");
	assert_string_equal(id.bundle, "/y");

	/* what a refresh reads again still resolves */
	dg_inventory_refresh(r);
	assert_int_equal(dg_inventory_resolve_id(r, ino("cg/ctr1/inner"), &id), 0);
	assert_string_equal(id.id, "ctr1");
	dg_err_clear();
}

static void test_resolver_errors(void **state)
{
	struct dg_inventory *r = NULL;
	struct dg_identity id;
	const char *none[] = {NULL};

	(void)state;
	assert_int_equal(
		dg_inventory_new(&(struct dg_inventory_opts){.cgroup_root = "/nonexistent/cgroup",
							     .state_roots = none},
				 &r),
		0);
	assert_int_equal(dg_inventory_resolve_id(r, 1, &id), -ENOENT);
	assert_non_null(strstr(dg_errmsg(), "/nonexistent/cgroup"));
	/* the pure parser needs no tree */
	assert_int_equal(dg_inventory_resolve_path(r, "/docker/" H1, &id), 0);
	assert_int_equal(id.runtime, DG_RUNTIME_DOCKER);
	assert_int_equal(id.cgroup_id, 0);
	dg_inventory_free(r);
	dg_inventory_free(NULL);
	dg_err_clear();
}

/* ---- live: what subscribers hear ---- */

static unsigned long long my_start_time(void)
{
	struct dg_proc_stat st;

	assert_int_equal(dg_proc_stat(getpid(), &st), 0);
	return st.start_time;
}

/*
 * runc's way: the container directory first, then state.json renamed into
 * it. start 0: this process's start time (it runs); else a stale one.
 */
static void write_live_state(const char *root_rel, const char *id, const char *cgroup,
			     unsigned long long start, const char *labels)
{
	char dir[1024], tmpfile[1200], file[1200];
	FILE *f;

	snprintf(dir, sizeof(dir), "%s/%s", root_rel, id);
	mkdirs(dir);
	snprintf(tmpfile, sizeof(tmpfile), "%s/%s/.state-tmp", tmp, dir);
	snprintf(file, sizeof(file), "%s/%s/state.json", tmp, dir);
	f = fopen(tmpfile, "w");
	assert_non_null(f);
	fprintf(f,
		"{\"id\": \"%s\", \"init_process_pid\": %d, \"init_process_start\": %llu, "
		"\"config\": {\"labels\": [%s]}, \"cgroup_paths\": {\"\": \"%s/cg%s\"}}\n",
		id, getpid(), start ? start : my_start_time(), labels, tmp, cgroup);
	fclose(f);
	assert_int_equal(rename(tmpfile, file), 0);
}

struct heard {
	enum dg_inventory_change what;
	char id[DG_IDENTITY_ID_MAX];
	pid_t pid, before_pid;
	uint64_t cgroup_id;
};

struct ear {
	struct heard h[16];
	size_t n;
};

static void listen(void *ctx, enum dg_inventory_change what, const struct dg_identity *c,
		   const struct dg_identity *before)
{
	struct ear *e = ctx;

	assert_true(e->n < 16);
	assert_true((what == DG_CONTAINER_CHANGED) == (before != NULL));
	e->h[e->n++] = (struct heard){.what = what,
				      .pid = c->init_pid,
				      .before_pid = before ? before->init_pid : -1,
				      .cgroup_id = c->cgroup_id};
	snprintf(e->h[e->n - 1].id, sizeof(e->h[0].id), "%s", c->id);
}

/* The inventory's fd says so within a second, and refresh tells: without the 1 s rescan. */
static void changed_now(struct dg_inventory *inv, struct ear *e)
{
	struct pollfd pfd = {.fd = dg_inventory_fd(inv), .events = POLLIN};

	assert_int_equal(poll(&pfd, 1, 1000), 1);
	e->n = 0;
	dg_inventory_refresh(inv);
}

static void test_events(void **state)
{
	_cleanup_(dg_inventory_freep) struct dg_inventory *inv = NULL;
	char cgroot[128], stateroot[128];
	const char *roots[] = {stateroot, NULL};
	struct dg_identity id;
	struct ear e = {0}, late = {0};

	(void)state;
	snprintf(cgroot, sizeof(cgroot), "%s/cg", tmp);
	snprintf(stateroot, sizeof(stateroot), "%s/run/runc", tmp);
	mkdirs("cg/c1");
	mkdirs("cg/c2");
	/* The state directory does not exist yet: runc makes it at its first container. */
	assert_int_equal(dg_inventory_new(&(struct dg_inventory_opts){.cgroup_root = cgroot,
								      .state_roots = roots},
					  &inv),
			 0);
	assert_int_equal(dg_inventory_subscribe(inv, listen, &e), 0);
	assert_int_equal(e.n, 0);

	/* created: its directory, then its state, before its process runs the command */
	mkdirs("run/runc/c1");
	changed_now(inv, &e);
	assert_int_equal(e.n, 0); /* a directory without state is no container yet */
	write_live_state("run/runc", "c1", "/c1", 0, "\"io.kubernetes.container.name=web\"");
	changed_now(inv, &e);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.h[0].what, DG_CONTAINER_APPEARED);
	assert_string_equal(e.h[0].id, "c1");
	assert_int_equal(e.h[0].pid, getpid());
	assert_int_equal(e.h[0].cgroup_id, ino("cg/c1"));

	/* a second one, in a directory made after the watch began */
	write_live_state("run/runc", "c2", "/c2", 0, "");
	changed_now(inv, &e);
	if (!e.n) /* its state came after the scan its directory caused: the next one */
		changed_now(inv, &e);
	assert_int_equal(e.n, 1);
	assert_string_equal(e.h[0].id, "c2");
	assert_int_equal(dg_inventory_count(inv), 2);

	/* a new subscriber hears of what is there */
	assert_int_equal(dg_inventory_subscribe(inv, listen, &late), 0);
	assert_int_equal(late.n, 2);
	assert_int_equal(late.h[0].what, DG_CONTAINER_APPEARED);
	dg_inventory_unsubscribe(inv, listen, &late);

	/* lookups */
	assert_int_equal(dg_inventory_by_id(inv, "c1", &id), 0);
	assert_string_equal(id.name, "web");
	assert_int_equal(dg_inventory_by_id(inv, "nope", &id), -ENOENT);
	assert_string_equal(dg_errmsg(), "");
	assert_int_equal(dg_inventory_running_named(inv, "web", &id), 0);
	assert_string_equal(id.id, "c1");
	assert_int_equal(dg_inventory_running_named(inv, "c2", &id), 0);
	assert_int_equal(dg_inventory_running_named(inv, "nope", &id), -ENOENT);
	assert_int_equal(dg_inventory_resolve_id(inv, ino("cg/c2"), &id), 0);
	assert_string_equal(id.id, "c2");

	/* stopped: the runtime rewrote its state, its init is not this process any more */
	write_live_state("run/runc", "c1", "/c1", my_start_time() + 1,
			 "\"io.kubernetes.container.name=web\"");
	changed_now(inv, &e);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.h[0].what, DG_CONTAINER_CHANGED);
	assert_int_equal(e.h[0].pid, 0);
	assert_int_equal(e.h[0].before_pid, getpid());
	assert_int_equal(dg_inventory_running_named(inv, "web", &id), -ENOENT);
	assert_int_equal(dg_inventory_by_id(inv, "c1", &id), 0);

	/* deleted */
	{
		char cmd[256];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s/run/runc/c1'", tmp);
		assert_int_equal(system(cmd), 0);
	}
	changed_now(inv, &e);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.h[0].what, DG_CONTAINER_GONE);
	assert_string_equal(e.h[0].id, "c1");
	assert_int_equal(dg_inventory_count(inv), 1);

	/* the whole state directory goes, and comes back */
	{
		char cmd[256];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s/run/runc'", tmp);
		assert_int_equal(system(cmd), 0);
	}
	changed_now(inv, &e);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.h[0].what, DG_CONTAINER_GONE);
	assert_int_equal(dg_inventory_count(inv), 0);
	write_live_state("run/runc", "c3", "/c1", 0, "");
	changed_now(inv, &e);
	if (!e.n)
		changed_now(inv, &e);
	assert_int_equal(e.n, 1);
	assert_string_equal(e.h[0].id, "c3");

	/* nothing changed: nothing told, even past the rescan interval */
	usleep(1100 * 1000);
	e.n = 0;
	dg_inventory_refresh(inv);
	assert_int_equal(e.n, 0);
	dg_inventory_unsubscribe(inv, listen, &e);
	dg_err_clear();
}

/* A state that cannot be read (a runtime writing it in place) keeps what was known. */
static void test_unreadable_state(void **state)
{
	_cleanup_(dg_inventory_freep) struct dg_inventory *inv = NULL;
	char cgroot[128], stateroot[128], file[256];
	const char *roots[] = {stateroot, NULL};
	struct ear e = {0};
	FILE *f;

	(void)state;
	snprintf(cgroot, sizeof(cgroot), "%s/cg", tmp);
	snprintf(stateroot, sizeof(stateroot), "%s/state", tmp);
	mkdirs("cg/c1");
	write_live_state("state", "c1", "/c1", 0, "");
	assert_int_equal(dg_inventory_new(&(struct dg_inventory_opts){.cgroup_root = cgroot,
								      .state_roots = roots},
					  &inv),
			 0);
	assert_int_equal(dg_inventory_subscribe(inv, listen, &e), 0);
	assert_int_equal(e.n, 1);
	snprintf(file, sizeof(file), "%s/state/c1/state.json", tmp);
	f = fopen(file, "w");
	assert_non_null(f);
	fputs("{\"id\": \"c1\", \"init_pro", f);
	fclose(f);
	changed_now(inv, &e);
	assert_int_equal(e.n, 0);
	assert_int_equal(dg_inventory_count(inv), 1);
	dg_inventory_unsubscribe(inv, listen, &e);
	dg_err_clear();
}

/* Drift rules' selectors, resolved from the inventory and its cgroup tree. */
static void test_policy_resolver(void **state)
{
	_cleanup_(dg_inventory_freep) struct dg_inventory *inv = NULL;
	char cgroot[128], stateroot[128];
	const char *roots[] = {stateroot, NULL};
	char *ids[] = {"c1"}, *names[] = {"we*"}, *cgroups[] = {"/apps/*"};
	struct dg_container_selector sel = {.scope = DG_SCOPE_CGROUPS};
	struct dg_container_resolver r;
	unsigned long long found[8];
	size_t n = 0;

	(void)state;
	snprintf(cgroot, sizeof(cgroot), "%s/cg", tmp);
	snprintf(stateroot, sizeof(stateroot), "%s/state", tmp);
	mkdirs("cg/c1");
	mkdirs("cg/c2");
	mkdirs("cg/stopped");
	mkdirs("cg/apps/a/deeper");
	mkdirs("cg/apps/b");
	write_live_state("state", "c1", "/c1", 0, "");
	write_live_state("state", "c2", "/c2", 0, "\"io.kubernetes.container.name=web\"");
	write_live_state("state", "stopped", "/stopped", my_start_time() + 1,
			 "\"io.kubernetes.container.name=web2\"");
	assert_int_equal(dg_inventory_new(&(struct dg_inventory_opts){.cgroup_root = cgroot,
								      .state_roots = roots},
					  &inv),
			 0);
	r = dg_live_resolver(inv);

	sel.ids = ids;
	sel.n_ids = 1;
	assert_int_equal(r.resolve(r.ctx, &sel, found, 8, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(found[0], ino("cg/c1"));

	/* by name: the running one only */
	sel.n_ids = 0;
	sel.names = names;
	sel.n_names = 1;
	assert_int_equal(r.resolve(r.ctx, &sel, found, 8, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(found[0], ino("cg/c2"));

	/* by cgroup: the walk; each cgroup that is, or is below, a match */
	sel.n_names = 0;
	sel.cgroups = cgroups;
	sel.n_cgroups = 1;
	assert_int_equal(r.resolve(r.ctx, &sel, found, 8, &n), 0);
	assert_int_equal(n, 3);
	for (size_t i = 0; i < n; i++)
		assert_true(found[i] == ino("cg/apps/a") || found[i] == ino("cg/apps/b") ||
			    found[i] == ino("cg/apps/a/deeper"));
	/* more than fit: counted */
	assert_int_equal(r.resolve(r.ctx, &sel, found, 1, &n), 0);
	assert_int_equal(n, 3);
}

/* learn --container's lookup: this process plays the container's init. */
static void test_container_to_record(void **state)
{
	_cleanup_free_ struct dg_container_to_record *c = calloc(1, sizeof(*c));
	char stateroot[128], self[4096], cgroot[PATH_MAX];

	(void)state;
	assert_non_null(c);
	snprintf(stateroot, sizeof(stateroot), "%s/state", tmp);
	mkdirs("cg/c1");
	write_live_state("state", "c1", "/c1", 0, "");
	write_live_state("state", "old", "/c1", my_start_time() + 1, "");

	assert_int_equal(dg_container_to_record(stateroot, "no-such", c), -ENOENT);
	assert_non_null(strstr(dg_errmsg(), "runc list"));
	dg_err_clear();
	assert_int_equal(dg_container_to_record(stateroot, "old", c), -ESRCH);
	assert_non_null(strstr(dg_errmsg(), "not running"));
	dg_err_clear();
	assert_int_equal(dg_container_to_record(stateroot, "../x", c), -EINVAL);
	dg_err_clear();
	if (dg_cgroup2_root(cgroot, sizeof(cgroot))) {
		dg_err_clear();
		skip(); /* no cgroup2 here: the init's cgroup id needs it */
	}
	assert_int_equal(dg_container_to_record(stateroot, "c1", c), 0);
	assert_string_equal(c->ident.id, "c1");
	assert_int_equal(c->ident.init_pid, getpid());
	/* what is recorded is the cgroup the init runs in */
	assert_int_equal(dg_proc_cgroup(getpid(), self, sizeof(self)), 0);
	assert_string_equal(c->init_cgroup, self);
	assert_int_equal(c->init_cgroup_id, dg_cgroup_id(cgroot, self));
	assert_true(c->init_cgroup_id > 0);
}

static void test_ancestry(void **state)
{
	pid_t *pids = NULL;

	(void)state;
	assert_int_equal(dg_container_ancestry("dg-no-such-container-here", &pids), -ENOENT);
	assert_null(pids);
	dg_err_clear();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list),
		cmocka_unit_test_setup_teardown(test_resolver, setup_tmp, teardown_tmp),
		cmocka_unit_test(test_resolver_errors),
		cmocka_unit_test_setup_teardown(test_events, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_unreadable_state, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_policy_resolver, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_container_to_record, setup_tmp, teardown_tmp),
		cmocka_unit_test(test_ancestry),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
