// SPDX-License-Identifier: GPL-2.0-only
#include "flight/flight_watch.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/errors.h"
#include "flight/flight.h"
#include "containers/identity.h"
#include "generator/recorder.h"

#define DG_MAX_ROOTS 16

/* A container that exited keeps its ring this long, for its last events and dumps. */
#define DG_GONE_GRACE_S 5

struct watched {
	struct dg_identity ident;
	uint64_t cgroup_id;
	unsigned int session;
	uint64_t first_seq;
	json_t *session_json; /* its entry in the index */
	bool seen;	      /* listed by the current scan */
	time_t gone_at;	      /* when a scan first missed it; 0: running */
};

struct dg_flight_watch {
	struct dg_recorder *rec;
	struct dg_flight_pub pub;
	const char *const *roots;
	struct timespec mtime[DG_MAX_ROOTS]; /* of each state directory at the last scan */
	int inotify_fd;
	int root_wd[DG_MAX_ROOTS]; /* inotify watch of each state directory, -1: none yet */
	char cgroup_root[256];
	time_t last_scan;
	struct watched w[DG_MAX_SESSIONS];
	size_t n;
	json_t *warned; /* ids told that they have no flight recorder */
};

static time_t mono_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

int dg_flight_watch_new(unsigned int entries, const char *const *state_roots,
			struct dg_flight_watch **out)
{
	struct dg_recorder_opts ro = {.flight_entries = entries,
				      .flight_rings = DG_MAX_SESSIONS - 1};
	_cleanup_free_ struct dg_flight_watch *w = NULL;
	json_t *none;
	int ring_fd, heads_fd, rc;

	w = calloc(1, sizeof(*w));
	if (!w)
		return dg_err(ENOMEM, "out of memory");
	w->roots = state_roots ? state_roots : dg_identity_default_state_roots;
	for (size_t i = 0; i < DG_MAX_ROOTS; i++)
		w->root_wd[i] = -1;
	w->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->inotify_fd < 0)
		return dg_err(errno, "inotify: %s", strerror(errno));
	rc = dg_cgroup2_root(w->cgroup_root, sizeof(w->cgroup_root));
	if (!rc)
		rc = (w->warned = json_object()) ? 0 : dg_err(ENOMEM, "out of memory");
	if (!rc)
		rc = dg_recorder_open_opts(&ro, &w->rec);
	if (rc) {
		dg_flight_watch_free(TAKE_PTR(w));
		return rc;
	}
	none = json_array();
	rc = dg_recorder_flight_fds(w->rec, &ring_fd, &heads_fd);
	if (!rc)
		rc = none ? dg_flight_publish(&w->pub, "enforce", ring_fd, heads_fd,
					      dg_recorder_flight_entries(w->rec), none)
			  : dg_err(ENOMEM, "out of memory");
	json_decref(none);
	if (rc) {
		dg_flight_watch_free(TAKE_PTR(w));
		return rc;
	}
	if (dg_recorder_flight_rings(w->rec) < DG_MAX_SESSIONS - 1)
		dg_warn("flight recorder: rings of %u syscalls take much memory: only the first %u "
			"containers get one",
			dg_recorder_flight_entries(w->rec), dg_recorder_flight_rings(w->rec));
	*out = TAKE_PTR(w);
	return 0;
}

void dg_flight_watch_free(struct dg_flight_watch *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->n; i++)
		json_decref(w->w[i].session_json);
	dg_flight_unpublish(&w->pub);
	dg_recorder_close(w->rec);
	json_decref(w->warned);
	if (w->inotify_fd >= 0)
		close(w->inotify_fd);
	free(w);
}

unsigned int dg_flight_watch_entries(const struct dg_flight_watch *w)
{
	return dg_recorder_flight_entries(w->rec);
}

int dg_flight_watch_fd(const struct dg_flight_watch *w)
{
	return w->inotify_fd;
}

#define DG_CONTAINER_DIR_EVENTS (IN_MOVED_TO | IN_CLOSE_WRITE | IN_ONLYDIR)

/*
 * Watch state directory i and the container directories already in it; if
 * it does not exist yet (runc makes /run/runc at its first container), watch
 * its nearest existing parent, whose events bring us back here. True when
 * the directory is watched now.
 */
static bool watch_root(struct dg_flight_watch *w, size_t i)
{
	char parent[4096], *slash;
	struct dirent *de;
	DIR *d;

	w->root_wd[i] = inotify_add_watch(w->inotify_fd, w->roots[i],
					  IN_CREATE | IN_DELETE | IN_MOVED_TO | IN_ONLYDIR);
	if (w->root_wd[i] < 0) {
		snprintf(parent, sizeof(parent), "%s", w->roots[i]);
		while ((slash = strrchr(parent, '/')) && slash != parent) {
			*slash = '\0';
			if (inotify_add_watch(w->inotify_fd, parent,
					      IN_CREATE | IN_MOVED_TO | IN_ONLYDIR | IN_MASK_ADD) >=
			    0)
				break;
		}
		return false;
	}
	d = opendir(w->roots[i]);
	while (d && (de = readdir(d))) {
		char dir[4096];

		if (de->d_name[0] == '.')
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", w->roots[i], de->d_name);
		inotify_add_watch(w->inotify_fd, dir, DG_CONTAINER_DIR_EVENTS);
	}
	if (d)
		closedir(d);
	return true;
}

/*
 * Did a state directory change? inotify on each one that exists, and on
 * each container directory in it, since the state file of a new container
 * is written (renamed into place) after its directory appears; the parent
 * of one that does not exist yet; and the mtimes, as a fallback.
 */
static bool roots_changed(struct dg_flight_watch *w)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool changed = false;
	ssize_t len;

	while ((len = read(w->inotify_fd, buf, sizeof(buf))) > 0) {
		changed = true;
		for (char *p = buf; p < buf + len;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;

			/* A state directory removed: watch for it to come back. */
			for (size_t i = 0;
			     (ev->mask & IN_IGNORED) && w->roots[i] && i < DG_MAX_ROOTS; i++)
				if (ev->wd == w->root_wd[i])
					w->root_wd[i] = -1;
			for (size_t i = 0;
			     ev->len && (ev->mask & IN_ISDIR) && w->roots[i] && i < DG_MAX_ROOTS;
			     i++) {
				char dir[4096];

				if (ev->wd != w->root_wd[i])
					continue;
				snprintf(dir, sizeof(dir), "%s/%s", w->roots[i], ev->name);
				inotify_add_watch(w->inotify_fd, dir, DG_CONTAINER_DIR_EVENTS);
			}
			p += sizeof(*ev) + ev->len;
		}
	}
	for (size_t i = 0; w->roots[i] && i < DG_MAX_ROOTS; i++) {
		struct stat st;
		struct timespec m = {0};

		if (w->root_wd[i] < 0 && watch_root(w, i))
			changed = true;
		if (!stat(w->roots[i], &st))
			m = st.st_mtim;
		if (m.tv_sec != w->mtime[i].tv_sec || m.tv_nsec != w->mtime[i].tv_nsec)
			changed = true;
		w->mtime[i] = m;
	}
	return changed;
}

static struct watched *find_cgroup(struct dg_flight_watch *w, uint64_t cgroup_id)
{
	for (size_t i = 0; i < w->n; i++)
		if (w->w[i].cgroup_id == cgroup_id)
			return &w->w[i];
	return NULL;
}

static void warn_once(struct dg_flight_watch *w, const struct dg_identity *ident, const char *why)
{
	if (json_object_get(w->warned, ident->id))
		return;
	json_object_set_new(w->warned, ident->id, json_true());
	dg_warn("container %s has no flight recorder: %s", ident->id, why);
}

/* A session for a container that was not recorded yet. */
static bool watch(struct dg_flight_watch *w, const struct dg_identity *ident)
{
	struct watched *x = &w->w[w->n];
	json_t *ident_json = NULL;
	char name[512];

	if (w->n >= DG_MAX_SESSIONS - 1) {
		warn_once(w, ident, "all recording sessions are in use");
		return false;
	}
	memset(x, 0, sizeof(*x));
	if (dg_recorder_new_session(w->rec, &x->session, &x->first_seq) ||
	    dg_recorder_watch_cgroup(w->rec, x->session, ident->cgroup_id, 0)) {
		warn_once(w, ident, dg_errmsg());
		dg_err_clear();
		if (x->session)
			dg_recorder_release_session(w->rec, x->session);
		return false;
	}
	if (x->session > dg_recorder_flight_rings(w->rec))
		warn_once(w, ident, "the rings that fit in the memory budget are all taken");
	x->ident = *ident;
	x->cgroup_id = ident->cgroup_id;
	x->seen = true;
	if (dg_identity_to_json(ident, &ident_json))
		dg_err_clear();
	x->session_json =
		json_pack("{s:i, s:I, s:s, s:o*}", "session", (int)x->session, "first_seq",
			  (json_int_t)x->first_seq, "name",
			  dg_identity_display(ident, name, sizeof(name)), "container", ident_json);
	w->n++;
	dg_debug("flight recorder: container %s (cgroup %llu) in session %u", name,
		 (unsigned long long)ident->cgroup_id, x->session);
	return true;
}

/* Its cgroup is no longer watched at once; its ring is given back after the grace. */
static void unwatch(struct dg_flight_watch *w, size_t i, time_t now)
{
	struct watched *x = &w->w[i];

	if (!x->gone_at) {
		x->gone_at = now;
		if (dg_recorder_unwatch_cgroup(w->rec, x->cgroup_id))
			dg_err_clear(); /* a cgroup's id is never reused */
		return;
	}
	if (now - x->gone_at < DG_GONE_GRACE_S)
		return;
	dg_recorder_release_session(w->rec, x->session);
	dg_debug("flight recorder: container %s is gone, session %u released", x->ident.id,
		 x->session);
	json_decref(x->session_json);
	w->w[i] = w->w[--w->n];
}

static int republish(struct dg_flight_watch *w)
{
	_cleanup_(json_decrefp) json_t *sessions = json_array();

	if (!sessions)
		return dg_err(ENOMEM, "out of memory");
	for (size_t i = 0; i < w->n; i++)
		if (w->w[i].session_json && json_array_append(sessions, w->w[i].session_json))
			return dg_err(ENOMEM, "out of memory");
	return dg_flight_publish_sessions(&w->pub, sessions);
}

void dg_flight_watch_refresh(struct dg_flight_watch *w)
{
	bool changed = false;
	time_t now = mono_seconds();

	if (!roots_changed(w) && now == w->last_scan)
		return;
	w->last_scan = now;
	for (size_t i = 0; i < w->n; i++)
		w->w[i].seen = false;
	for (size_t r = 0; w->roots[r] && r < DG_MAX_ROOTS; r++) {
		_cleanup_free_ struct dg_identity *ids = NULL;
		size_t count = 0;

		if (dg_identity_list_runc(w->roots[r], w->cgroup_root, &ids, &count)) {
			/* Keep what is recorded: a failed scan proves nothing gone. */
			dg_debug("flight recorder: %s; scanning again later", dg_errmsg());
			dg_err_clear();
			w->last_scan = 0;
			return;
		}
		for (size_t k = 0; k < count; k++) {
			struct watched *x;

			if (ids[k].init_pid <= 0 || !ids[k].cgroup_id)
				continue; /* stopped, or no cgroup v2 to watch */
			x = find_cgroup(w, ids[k].cgroup_id);
			/* Back after a scan missed it (its state being rewritten):
			 * the same session again, not a second one. */
			if (x && x->gone_at &&
			    !dg_recorder_watch_cgroup(w->rec, x->session, x->cgroup_id, 0))
				x->gone_at = 0;
			dg_err_clear();
			if (x)
				x->seen = true;
			else if (watch(w, &ids[k]))
				changed = true;
		}
	}
	for (size_t i = w->n; i-- > 0;)
		if (!w->w[i].seen) {
			size_t before = w->n;

			unwatch(w, i, now);
			changed |= w->n != before;
		}
	if (changed && republish(w)) {
		dg_warn("flight recorder: %s; `driftguard dump` may not see every container",
			dg_errmsg());
		dg_err_clear();
	}
}

int dg_flight_watch_identity(struct dg_flight_watch *w, uint64_t cgroup_id,
			     struct dg_identity *out)
{
	struct watched *x = find_cgroup(w, cgroup_id);

	if (!x)
		return -ENOENT;
	*out = x->ident;
	return 0;
}

int dg_flight_watch_tail(struct dg_flight_watch *w, uint64_t cgroup_id, uint64_t until_ns,
			 size_t want, json_t **out)
{
	_cleanup_free_ struct dg_flight_entry *e = NULL;
	_cleanup_(json_decrefp) json_t *list = NULL;
	struct dg_flight_ring ring = {.entries = dg_recorder_flight_entries(w->rec)};
	struct watched *x = find_cgroup(w, cgroup_id);
	size_t n = 0, start, end;
	uint64_t total;
	int rc;

	*out = NULL;
	if (!x)
		return dg_err(ENOENT, "not a recorded container");
	if (x->session > dg_recorder_flight_rings(w->rec))
		return dg_err(ENOENT, "the container has no ring (more containers than rings)");
	rc = dg_recorder_flight_fds(w->rec, &ring.ring_fd, &ring.heads_fd);
	if (rc)
		return rc;
	ring.session = x->session;
	ring.first_seq = x->first_seq;
	/* The container went on after the decision: read past what we want. */
	rc = dg_flight_read_ring(&ring, want * 2 + 64, &e, &n, &total);
	if (rc)
		return rc;
	end = n;
	while (end > 0 && e[end - 1].ts > until_ns)
		end--;
	start = end > want ? end - want : 0;
	list = json_array();
	if (!list)
		return dg_err(ENOMEM, "out of memory");
	for (size_t i = start; i < end; i++)
		if (json_array_append_new(list, dg_flight_entry_to_json(&e[i])))
			return dg_err(ENOMEM, "out of memory");
	*out = TAKE_PTR(list);
	return 0;
}
