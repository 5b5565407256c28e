// SPDX-License-Identifier: GPL-2.0-only
#include "flight/flight_watch.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/cleanup.h"
#include "common/errors.h"
#include "common/json_text.h"
#include "flight/flight.h"
#include "containers/identity.h"
#include "containers/inventory.h"
#include "generator/recorder.h"

/* A container that exited keeps its ring this long, for its last events and dumps. */
#define DG_GONE_GRACE_S 5

struct watched {
	struct dg_identity ident;
	uint64_t cgroup_id;
	unsigned int session;
	uint64_t first_seq;
	uint64_t found_ns;    /* CLOCK_MONOTONIC when its ring started */
	json_t *session_json; /* its entry in the index */
	time_t gone_at;	      /* when the inventory said it stopped or went; 0: running */
};

struct dg_flight_watch {
	struct dg_recorder *rec;
	struct dg_flight_pub pub;
	struct dg_inventory *inv; /* NULL until subscribed */
	bool changed;		  /* sessions to publish again */
	bool missing;		  /* a running container has no session: try again */
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

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
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
		w->missing = true;
		return false;
	}
	memset(x, 0, sizeof(*x));
	if (dg_recorder_new_session(w->rec, &x->session, &x->first_seq) ||
	    dg_recorder_watch_cgroup(w->rec, x->session, ident->cgroup_id, 0)) {
		warn_once(w, ident, dg_errmsg());
		dg_err_clear();
		if (x->session)
			dg_recorder_release_session(w->rec, x->session);
		w->missing = true;
		return false;
	}
	if (x->session > dg_recorder_flight_rings(w->rec))
		warn_once(w, ident, "the rings that fit in the memory budget are all taken");
	x->ident = *ident;
	x->cgroup_id = ident->cgroup_id;
	x->found_ns = mono_ns();
	if (dg_identity_to_json(ident, &ident_json))
		dg_err_clear();
	x->session_json = json_pack(
		"{s:i, s:I, s:o, s:o*}", "session", (int)x->session, "first_seq",
		(json_int_t)x->first_seq, "name",
		dg_json_text(dg_identity_display(ident, name, sizeof(name)), sizeof(name)),
		"container", ident_json);
	w->n++;
	dg_debug("flight recorder: container %s (cgroup %llu) in session %u", name,
		 (unsigned long long)ident->cgroup_id, x->session);
	return true;
}

/* Another state directory lists it running still (one container, two runtimes' roots). */
static bool listed_running(struct dg_flight_watch *w, uint64_t cgroup_id)
{
	for (size_t i = 0; i < dg_inventory_count(w->inv); i++) {
		const struct dg_identity *c = dg_inventory_get(w->inv, i);

		if (dg_identity_running(c) && c->cgroup_id == cgroup_id)
			return true;
	}
	return false;
}

/* Its cgroup is no longer watched at once; its ring is given back after the grace. */
static void stopped(struct dg_flight_watch *w, uint64_t cgroup_id)
{
	struct watched *x = find_cgroup(w, cgroup_id);

	if (!x || x->gone_at || listed_running(w, cgroup_id))
		return;
	x->gone_at = mono_seconds();
	if (dg_recorder_unwatch_cgroup(w->rec, x->cgroup_id))
		dg_err_clear(); /* a cgroup's id is never reused */
}

static void on_container(void *ctx, enum dg_inventory_change what, const struct dg_identity *c,
			 const struct dg_identity *before)
{
	struct dg_flight_watch *w = ctx;
	struct watched *x;

	/* Another cgroup now (deleted and made again between two looks): that one stopped. */
	if (before && before->cgroup_id && before->cgroup_id != c->cgroup_id)
		stopped(w, before->cgroup_id);
	if (what == DG_CONTAINER_GONE || !dg_identity_running(c)) {
		stopped(w, c->cgroup_id);
		return;
	}
	x = find_cgroup(w, c->cgroup_id);
	if (!x) {
		w->changed |= watch(w, c);
		return;
	}
	/* Back after it seemed gone (its state being rewritten): the same session
	 * again, not a second one. */
	if (x->gone_at && !dg_recorder_watch_cgroup(w->rec, x->session, x->cgroup_id, 0))
		x->gone_at = 0;
	dg_err_clear();
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

/* Sessions for the running containers that have none (sessions were all taken). */
static void watch_missing(struct dg_flight_watch *w)
{
	w->missing = false;
	for (size_t i = 0; i < dg_inventory_count(w->inv); i++) {
		const struct dg_identity *c = dg_inventory_get(w->inv, i);

		if (dg_identity_running(c) && !find_cgroup(w, c->cgroup_id))
			w->changed |= watch(w, c);
	}
}

void dg_flight_watch_tick(struct dg_flight_watch *w)
{
	time_t now = mono_seconds();

	for (size_t i = w->n; i-- > 0;) {
		struct watched *x = &w->w[i];

		if (!x->gone_at || now - x->gone_at < DG_GONE_GRACE_S)
			continue;
		dg_recorder_release_session(w->rec, x->session);
		dg_debug("flight recorder: container %s is gone, session %u released", x->ident.id,
			 x->session);
		json_decref(x->session_json);
		w->w[i] = w->w[--w->n];
		w->changed = true;
	}
	if (w->missing)
		watch_missing(w);
	if (w->changed && republish(w)) {
		dg_warn("flight recorder: %s; `driftguard dump` may not see every container",
			dg_errmsg());
		dg_err_clear();
	}
	w->changed = false;
}

int dg_flight_watch_new(unsigned int entries, struct dg_inventory *inv,
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
	/* The containers running now get their sessions at once. */
	w->inv = inv;
	rc = dg_inventory_subscribe(inv, on_container, w);
	if (rc) {
		dg_flight_watch_free(TAKE_PTR(w));
		return rc;
	}
	if (w->changed && republish(w)) {
		dg_warn("flight recorder: %s; `driftguard dump` may not see every container",
			dg_errmsg());
		dg_err_clear();
	}
	w->changed = false;
	*out = TAKE_PTR(w);
	return 0;
}

void dg_flight_watch_free(struct dg_flight_watch *w)
{
	if (!w)
		return;
	if (w->inv)
		dg_inventory_unsubscribe(w->inv, on_container, w);
	for (size_t i = 0; i < w->n; i++)
		json_decref(w->w[i].session_json);
	dg_flight_unpublish(&w->pub);
	dg_recorder_close(w->rec);
	json_decref(w->warned);
	free(w);
}

unsigned int dg_flight_watch_entries(const struct dg_flight_watch *w)
{
	return dg_recorder_flight_entries(w->rec);
}

int dg_flight_watch_identity(struct dg_flight_watch *w, uint64_t cgroup_id, struct dg_identity *out)
{
	struct watched *x = find_cgroup(w, cgroup_id);

	if (!x)
		return -ENOENT;
	*out = x->ident;
	return 0;
}

/* Why `x`'s tail up to until_ns is empty, into why: e (n) is its whole ring as read. */
static void why_empty(const struct watched *x, const struct dg_flight_entry *e, size_t n,
		      unsigned int entries, uint64_t until_ns, char *why, size_t why_len)
{
	if (until_ns < x->found_ns)
		snprintf(why, why_len,
			 "nothing recorded before the decision: the container was found only "
			 "after it (its ring starts then)");
	else if (n && e[0].seq > x->first_seq)
		snprintf(why, why_len,
			 "the container made more than %u syscalls between the decision and the "
			 "reading of its event: its ring (--flight-recorder %u) had moved on",
			 entries, entries);
	else
		snprintf(why, why_len,
			 "nothing recorded before the decision: the container's tasks made no "
			 "syscall between its being found and the decision");
}

int dg_flight_watch_tail(struct dg_flight_watch *w, uint64_t cgroup_id, uint64_t until_ns,
			 size_t want, json_t **out, char *why, size_t why_len)
{
	_cleanup_free_ struct dg_flight_entry *e = NULL;
	_cleanup_(json_decrefp) json_t *list = NULL;
	struct dg_flight_ring ring = {.entries = dg_recorder_flight_entries(w->rec)};
	struct watched *x = find_cgroup(w, cgroup_id);
	size_t n = 0, start, end;
	uint64_t total;
	int rc;

	*out = NULL;
	if (why_len)
		why[0] = '\0';
	if (!x)
		return dg_err(ENOENT, "not a recorded container");
	if (x->session > dg_recorder_flight_rings(w->rec))
		return dg_err(ENOENT, "the container has no ring (more containers than rings)");
	rc = dg_recorder_flight_fds(w->rec, &ring.ring_fd, &ring.heads_fd);
	if (rc)
		return rc;
	ring.session = x->session;
	ring.first_seq = x->first_seq;
	/* The whole ring: the container went on after the decision, maybe for long under load. */
	rc = dg_flight_read_ring(&ring, ring.entries, &e, &n, &total);
	if (rc)
		return rc;
	end = n;
	while (end > 0 && e[end - 1].ts > until_ns)
		end--;
	start = end > want ? end - want : 0;
	if (!end && want)
		why_empty(x, e, n, ring.entries, until_ns, why, why_len);
	list = json_array();
	if (!list)
		return dg_err(ENOMEM, "out of memory");
	for (size_t i = start; i < end; i++)
		if (json_array_append_new(list, dg_flight_entry_to_json(&e[i])))
			return dg_err(ENOMEM, "out of memory");
	*out = TAKE_PTR(list);
	return 0;
}

uint64_t dg_flight_watch_lost_tasks(struct dg_flight_watch *w)
{
	return dg_recorder_lost_tasks(w->rec);
}

int dg_flight_watch_prog_stats(struct dg_flight_watch *w, uint64_t run_ns[2], uint64_t run_cnt[2])
{
	return dg_recorder_prog_stats(w->rec, run_ns, run_cnt);
}
