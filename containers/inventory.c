// SPDX-License-Identifier: GPL-2.0-only
/* The live list of containers (see inventory.h). */
#include "containers/inventory.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/errors.h"
#include "containers/cgroup_path.h"
#include "containers/cgroups.h"
#include "containers/engine_names.h"
#include "containers/runtime_state.h"
#include "containers/shim_roots.h"
#include "containers/state_watch.h"

/* Without word from inotify, the state is read again this often (seconds). */
#define RESCAN_INTERVAL_S 1.0
/* The running shims are looked for this often, and at most once a second at
 * lookups that miss (a /proc walk: not at every scan). */
#define DISCOVER_INTERVAL_S 10.0
/* The state directories found (namespaces, shims) stop being added here. */
#define MAX_ROOTS 256
#define MAX_SHIMS 64

/* A state directory. */
struct root {
	char *path;
	/* A default root ending in a component "*": <dir> is not read itself; each subdirectory is
	 * containerd's root of the namespace of its name. */
	bool per_namespace;
	/* What a plain runc container here belongs to (docker, containerd with
	 * ns); DG_RUNTIME_NONE: runc's own, or as its state and cgroup say. */
	enum dg_runtime engine;
	char ns[DG_IDENTITY_NAME_MAX];
};

struct entry {
	struct dg_identity ident;
	size_t root; /* index of its state directory */
	bool seen;   /* by the scan going on */
};

struct subscriber {
	dg_inventory_cb cb;
	void *ctx;
};

struct dg_inventory {
	char cgroup_root[PATH_MAX];
	struct root *roots; /* only ever appended to: entries keep their index */
	size_t n_roots;
	bool discover; /* the default roots: add the running shims' roots too */
	double discover_time;
	struct dg_state_watch *watch;

	struct entry *e;
	size_t n, cap;
	double scan_time;
	bool busy; /* scanning or telling subscribers: no scan within a scan */

	struct dg_cgroup_index *cgroups; /* built at the first lookup by id that needs it */
	double cgroups_time;

	struct subscriber *subs;
	size_t n_subs;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void dg_inventory_free(struct dg_inventory *inv)
{
	if (!inv)
		return;
	dg_state_watch_free(inv->watch);
	dg_cgroup_index_free(inv->cgroups);
	for (size_t i = 0; i < inv->n_roots; i++)
		free(inv->roots[i].path);
	free(inv->roots);
	free(inv->e);
	free(inv->subs);
	free(inv);
}

static void notify(struct dg_inventory *inv, enum dg_inventory_change what,
		   const struct dg_identity *c, const struct dg_identity *before)
{
	for (size_t i = 0; i < inv->n_subs; i++)
		inv->subs[i].cb(inv->subs[i].ctx, what, c, before);
}

static struct entry *find_entry(struct dg_inventory *inv, size_t root, const char *id)
{
	for (size_t i = 0; i < inv->n; i++)
		if (inv->e[i].root == root && !strcmp(inv->e[i].ident.id, id))
			return &inv->e[i];
	return NULL;
}

/* A container its state and cgroup leave as plain runc's: the engine that owns the root. */
static void apply_root(const struct root *r, struct dg_identity *c)
{
	if (c->runtime != DG_RUNTIME_RUNC || r->engine == DG_RUNTIME_NONE)
		return;
	c->runtime = r->engine;
	if (r->engine == DG_RUNTIME_CONTAINERD)
		snprintf(c->ctr_namespace, sizeof(c->ctr_namespace), "%s", r->ns);
	dg_engine_name_fill(c);
}

/*
 * One container directory of state directory r: listed, updated, or left as
 * it was. There is room for one more entry.
 */
static void scan_one(struct dg_inventory *inv, size_t r, const char *id)
{
	struct entry *e = find_entry(inv, r, id);
	struct dg_identity fresh;
	int rc;

	rc = dg_runtime_state_read(inv->roots[r].path, id, inv->cgroup_root, &fresh);
	if (!rc)
		apply_root(&inv->roots[r], &fresh);
	if (rc == -ENOENT) {
		/* No state (yet, or any more): not a container; gone if it was one. */
	} else if (rc) {
		dg_debug("container %s of %s: %s; reading it again later", id, inv->roots[r].path,
			 dg_errmsg());
		if (e)
			e->seen = true;
	} else if (e) {
		e->seen = true;
		if (!dg_identity_equal(&e->ident, &fresh)) {
			struct dg_identity before = e->ident;

			e->ident = fresh;
			notify(inv, DG_CONTAINER_CHANGED, &fresh, &before);
		}
	} else {
		inv->e[inv->n++] = (struct entry){.ident = fresh, .root = r, .seen = true};
		notify(inv, DG_CONTAINER_APPEARED, &fresh, NULL);
	}
	dg_err_clear();
}

static int reserve(struct dg_inventory *inv, size_t more)
{
	size_t cap = inv->cap ? inv->cap : 16;
	struct entry *bigger;

	while (cap < inv->n + more)
		cap *= 2;
	if (cap == inv->cap)
		return 0;
	bigger = realloc(inv->e, cap * sizeof(*bigger));
	if (!bigger)
		return dg_err(ENOMEM, "out of memory");
	inv->e = bigger;
	inv->cap = cap;
	return 0;
}

/* Reads state directory r again; what it no longer holds is gone. */
static void scan_root(struct dg_inventory *inv, size_t r)
{
	struct dirent *de;
	DIR *d;

	for (size_t i = 0; i < inv->n; i++)
		if (inv->e[i].root == r)
			inv->e[i].seen = false;
	if (inv->roots[r].per_namespace)
		return;
	d = opendir(inv->roots[r].path);
	if (!d && errno != ENOENT) {
		dg_debug("cannot read state directory %s: %s; reading it again later",
			 inv->roots[r].path, strerror(errno));
		return; /* nothing proven gone */
	}
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.' || (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN) ||
		    !dg_id_is_runc(de->d_name, strlen(de->d_name)))
			continue;
		if (reserve(inv, 1)) {
			dg_err_clear();
			closedir(d);
			return; /* out of memory: keep what is known */
		}
		scan_one(inv, r, de->d_name);
	}
	if (d)
		closedir(d);
	for (size_t i = inv->n; i-- > 0;) {
		struct entry gone;

		if (inv->e[i].root != r || inv->e[i].seen)
			continue;
		gone = inv->e[i];
		inv->e[i] = inv->e[--inv->n];
		notify(inv, DG_CONTAINER_GONE, &gone.ident, NULL);
	}
}

/*
 * Adds state directory `path` unless it is listed. ns: the containerd
 * namespace it is the root of, NULL for a root of the defaults. Roots
 * beyond MAX_ROOTS or that cannot be added are not read (debug message).
 */
static int add_root(struct dg_inventory *inv, const char *path, const char *ns)
{
	size_t n = strlen(path);
	struct root *bigger, *r;

	for (size_t i = 0; i < inv->n_roots; i++)
		if (!strcmp(inv->roots[i].path, path))
			return 0;
	if (inv->n_roots >= MAX_ROOTS)
		return dg_err(ENOSPC, "more than %d state directories: %s is not read", MAX_ROOTS,
			      path);
	bigger = realloc(inv->roots, (inv->n_roots + 1) * sizeof(*bigger));
	if (!bigger)
		return dg_err(ENOMEM, "out of memory");
	inv->roots = bigger;
	r = &inv->roots[inv->n_roots];
	*r = (struct root){.path = strdup(path)};
	if (!r->path)
		return dg_err(ENOMEM, "out of memory");
	if (!ns && n > 2 && !strcmp(path + n - 2, "/*")) {
		r->per_namespace = true;
		r->path[n - 2] = '\0';
	}
	/* docker's runc root is <exec-root>/runtime-runc/moby, whatever the exec root. */
	if (n > 18 && !strcmp(path + n - 18, "/runtime-runc/moby")) {
		r->engine = DG_RUNTIME_DOCKER;
	} else if (ns) {
		r->engine = DG_RUNTIME_CONTAINERD;
		snprintf(r->ns, sizeof(r->ns), "%s", ns);
	}
	if (inv->watch) {
		int rc = dg_state_watch_add(inv->watch, r->path);

		if (rc) {
			free(r->path);
			return rc;
		}
	}
	inv->n_roots++;
	return 0;
}

static void add_root_or_say(struct dg_inventory *inv, const char *path, const char *ns)
{
	if (add_root(inv, path, ns))
		dg_debug("%s", dg_errmsg());
	dg_err_clear();
}

/* Each namespace of containerd (a subdirectory of a per-namespace root) is a root. */
static void add_namespaces(struct dg_inventory *inv)
{
	for (size_t r = 0; r < inv->n_roots; r++) {
		struct dirent *de;
		DIR *d;

		if (!inv->roots[r].per_namespace || !(d = opendir(inv->roots[r].path)))
			continue;
		while ((de = readdir(d))) {
			char path[PATH_MAX];

			if (de->d_name[0] == '.' ||
			    (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN) ||
			    (size_t)snprintf(path, sizeof(path), "%s/%s", inv->roots[r].path,
					     de->d_name) >= sizeof(path))
				continue;
			add_root_or_say(inv, path, de->d_name);
		}
		closedir(d);
	}
}

/* The running shims' roots; true if one was new. */
static bool add_shim_roots(struct dg_inventory *inv)
{
	struct dg_shim_root *found = calloc(MAX_SHIMS, sizeof(*found));
	size_t before = inv->n_roots, n;

	inv->discover_time = now_s();
	if (!found)
		return false;
	n = dg_shim_roots(found, MAX_SHIMS);
	for (size_t i = 0; i < n; i++)
		add_root_or_say(inv, found[i].path, found[i].namespace);
	free(found);
	return inv->n_roots != before;
}

/*
 * Scans when due (inotify said so, or a second passed); true if it did.
 * missed: a lookup found nothing, so look for new shims now if the last
 * look was a second ago.
 */
static bool refresh(struct dg_inventory *inv, bool force, bool missed)
{
	double since_discovery = now_s() - inv->discover_time;
	bool changed;

	if (inv->busy)
		return false;
	changed = dg_state_watch_changed(inv->watch);
	if (inv->discover &&
	    (force || since_discovery >= (missed ? RESCAN_INTERVAL_S : DISCOVER_INTERVAL_S)))
		changed |= add_shim_roots(inv);
	if (!force && !changed && now_s() - inv->scan_time < RESCAN_INTERVAL_S)
		return false;
	inv->busy = true;
	inv->scan_time = now_s();
	add_namespaces(inv);
	for (size_t r = 0; r < inv->n_roots; r++)
		scan_root(inv, r);
	inv->busy = false;
	return true;
}

void dg_inventory_refresh(struct dg_inventory *inv)
{
	refresh(inv, false, false);
}

int dg_inventory_new(const struct dg_inventory_opts *o, struct dg_inventory **out)
{
	_cleanup_(dg_inventory_freep) struct dg_inventory *inv = NULL;
	const char *const *roots = o->state_roots ? o->state_roots : dg_default_state_roots;
	int rc;

	*out = NULL;
	inv = calloc(1, sizeof(*inv));
	if (!inv)
		return dg_err(ENOMEM, "out of memory");
	if (o->cgroup_root) {
		snprintf(inv->cgroup_root, sizeof(inv->cgroup_root), "%s", o->cgroup_root);
	} else {
		rc = dg_cgroup2_root(inv->cgroup_root, sizeof(inv->cgroup_root));
		if (rc && !o->cgroup2_optional)
			return rc;
		if (rc)
			dg_debug("%s: no cgroup ids", dg_errmsg());
		dg_err_clear();
	}
	inv->discover = !o->state_roots;
	/* Watch first, then read: nothing written in between is missed. */
	rc = dg_state_watch_new((const char *const[]){NULL}, &inv->watch);
	if (rc)
		return rc;
	for (size_t i = 0; roots[i]; i++) {
		rc = add_root(inv, roots[i], NULL);
		if (rc)
			return rc;
	}
	refresh(inv, true, false);
	*out = TAKE_PTR(inv);
	return 0;
}

const char *dg_inventory_cgroup_root(const struct dg_inventory *inv)
{
	return inv->cgroup_root;
}

int dg_inventory_fd(const struct dg_inventory *inv)
{
	return dg_state_watch_fd(inv->watch);
}

int dg_inventory_subscribe(struct dg_inventory *inv, dg_inventory_cb cb, void *ctx)
{
	struct subscriber *bigger = realloc(inv->subs, (inv->n_subs + 1) * sizeof(*bigger));

	if (!bigger)
		return dg_err(ENOMEM, "out of memory");
	inv->subs = bigger;
	inv->subs[inv->n_subs++] = (struct subscriber){.cb = cb, .ctx = ctx};
	for (size_t i = 0; i < inv->n; i++)
		cb(ctx, DG_CONTAINER_APPEARED, &inv->e[i].ident, NULL);
	return 0;
}

void dg_inventory_unsubscribe(struct dg_inventory *inv, dg_inventory_cb cb, void *ctx)
{
	for (size_t i = 0; i < inv->n_subs; i++)
		if (inv->subs[i].cb == cb && inv->subs[i].ctx == ctx) {
			inv->subs[i] = inv->subs[--inv->n_subs];
			return;
		}
}

const char *dg_inventory_state_root(const struct dg_inventory *inv, const char *id)
{
	for (size_t i = 0; i < inv->n; i++)
		if (!strcmp(inv->e[i].ident.id, id))
			return inv->roots[inv->e[i].root].path;
	return NULL;
}

size_t dg_inventory_count(const struct dg_inventory *inv)
{
	return inv->n;
}

const struct dg_identity *dg_inventory_get(const struct dg_inventory *inv, size_t i)
{
	return i < inv->n ? &inv->e[i].ident : NULL;
}

static const struct dg_identity *by_id(struct dg_inventory *inv, const char *id, bool running)
{
	for (size_t i = 0; i < inv->n; i++)
		if (!strcmp(inv->e[i].ident.id, id) && (!running || inv->e[i].ident.init_pid > 0))
			return &inv->e[i].ident;
	return NULL;
}

int dg_inventory_by_id(struct dg_inventory *inv, const char *id, struct dg_identity *out)
{
	const struct dg_identity *c = by_id(inv, id, false);

	if (!c && refresh(inv, false, true))
		c = by_id(inv, id, false);
	if (!c)
		return -ENOENT;
	*out = *c;
	return 0;
}

static const struct dg_identity *running_named(struct dg_inventory *inv, const char *what)
{
	const struct dg_identity *c = by_id(inv, what, true);

	for (size_t i = 0; !c && i < inv->n; i++)
		if (inv->e[i].ident.init_pid > 0 && inv->e[i].ident.name[0] &&
		    !strcmp(inv->e[i].ident.name, what))
			c = &inv->e[i].ident;
	return c;
}

int dg_inventory_running_named(struct dg_inventory *inv, const char *what, struct dg_identity *out)
{
	const struct dg_identity *c = running_named(inv, what);

	if (!c && refresh(inv, false, true))
		c = running_named(inv, what);
	if (!c)
		return -ENOENT;
	*out = *c;
	return 0;
}

/* ---- cgroup -> container ------------------------------------------------ */

/* The outermost listed container whose cgroup holds `cgroup`, or the one with `id`. */
static const struct dg_identity *find_container(struct dg_inventory *inv, const char *cgroup,
						const char *id)
{
	const struct dg_identity *best = NULL;

	for (size_t i = 0; i < inv->n; i++) {
		const struct dg_identity *c = &inv->e[i].ident;

		if (id && id[0] && !strcmp(c->id, id))
			return c;
		if (!strcmp(c->cgroup, "/") || !dg_cgroup_path_within(cgroup, c->cgroup))
			continue;
		if (!best || strlen(c->cgroup) < strlen(best->cgroup))
			best = c;
	}
	return best;
}

static int resolve_once(struct dg_inventory *inv, const char *norm, struct dg_identity *out)
{
	const struct dg_identity *c;
	int rc = dg_identity_from_cgroup_path(norm, out);

	if (rc && rc != -ENOENT)
		return rc;
	c = find_container(inv, norm, rc ? NULL : out->id);
	if (c && rc == 0 && strcmp(c->id, out->id) && strlen(c->cgroup) >= strlen(out->cgroup))
		c = NULL; /* the parsed container is outermost */
	if (!c)
		return rc;
	if (rc == 0 && !strcmp(c->id, out->id)) {
		/* Same container: keep the parser's cgroup and pod, add what state knows. */
		struct dg_identity parsed = *out;

		*out = *c;
		snprintf(out->cgroup, sizeof(out->cgroup), "%s", parsed.cgroup);
		if (parsed.runtime != DG_RUNTIME_CRI || out->runtime == DG_RUNTIME_RUNC ||
		    out->runtime == DG_RUNTIME_CRUN)
			out->runtime = parsed.runtime;
		if (parsed.pod_uid[0])
			snprintf(out->pod_uid, sizeof(out->pod_uid), "%s", parsed.pod_uid);
		if (parsed.qos)
			out->qos = parsed.qos;
	} else {
		*out = *c;
	}
	dg_err_clear();
	return 0;
}

int dg_inventory_resolve_path(struct dg_inventory *inv, const char *path, struct dg_identity *out)
{
	char norm[DG_IDENTITY_PATH_MAX];
	int rc;

	dg_cgroup_path_normalise(path, norm, sizeof(norm));
	rc = resolve_once(inv, norm, out);
	/* Not listed (the host, or a container just made): read the state again. */
	if ((rc == -ENOENT || (!rc && !out->init_pid && !out->name[0])) &&
	    refresh(inv, false, true))
		rc = resolve_once(inv, norm, out);
	if (!rc && !out->cgroup_id)
		out->cgroup_id = dg_cgroup_id(inv->cgroup_root, out->cgroup);
	return rc;
}

int dg_inventory_cgroup_path(struct dg_inventory *inv, uint64_t id, char *buf, size_t len)
{
	const char *path = NULL;
	int rc;

	for (size_t i = 0; i < inv->n && !path; i++)
		if (inv->e[i].ident.cgroup_id == id && inv->e[i].ident.cgroup[0])
			path = inv->e[i].ident.cgroup;
	if (!path && inv->cgroups)
		path = dg_cgroup_index_path(inv->cgroups, id);
	/* Not in the map (made before the cgroup was): ask the kernel for this one. */
	if (!path && inv->cgroup_root[0] && !dg_cgroup_path_of_id(inv->cgroup_root, id, buf, len))
		return 0;
	dg_err_clear();
	if (!path && (!inv->cgroups || now_s() - inv->cgroups_time >= RESCAN_INTERVAL_S)) {
		dg_cgroup_index_free(inv->cgroups);
		inv->cgroups = NULL;
		inv->cgroups_time = now_s();
		if (!inv->cgroup_root[0])
			return dg_err(ENODEV, "cgroup2 is not mounted: cgroup ids are unknown");
		rc = dg_cgroup_index_build(inv->cgroup_root, &inv->cgroups);
		if (rc)
			return rc;
		path = dg_cgroup_index_path(inv->cgroups, id);
	}
	if (!path)
		return dg_err(ENOENT, "no cgroup with id %llu under %s", (unsigned long long)id,
			      inv->cgroup_root);
	snprintf(buf, len, "%s", path);
	return 0;
}

int dg_inventory_resolve_id(struct dg_inventory *inv, uint64_t cgroup_id, struct dg_identity *out)
{
	char path[DG_IDENTITY_PATH_MAX];
	uint64_t cid;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = dg_inventory_cgroup_path(inv, cgroup_id, path, sizeof(path));
	if (rc)
		return rc;
	rc = dg_inventory_resolve_path(inv, path, out);
	if (rc)
		return rc;
	/* Report the container's cgroup id even when asked about a sub-cgroup. */
	cid = dg_cgroup_id(inv->cgroup_root, out->cgroup);
	if (cid)
		out->cgroup_id = cid;
	return 0;
}
