// SPDX-License-Identifier: GPL-2.0-only
#include "enforcer/enforcer.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "common/cleanup.h"
#include "bpf/enforce.skel.h"
#include "common/errors.h"
#include "containers/procfs.h"
#include "enforcer/enforce_load.h"
#include "enforcer/pinning.h"

struct dg_enforcer {
	struct enforce_bpf *skel;
	struct ring_buffer *rb;
	enum dg_backend backend;
	dg_event_fn on_event;
	void *ctx;
	uint64_t turn_end_ns; /* dg_enforcer_poll()'s max_ms, as a CLOCK_MONOTONIC time (0: none) */
	/* Pinning (pinning.h): what the state map says, and the next policy's names. */
	struct dg_pin_state state;
	char next_path[sizeof(((struct dg_pin_state *)0)->rules_path)];
	char next_names[DG_MAX_RULES][DG_PIN_RULE_NAME];
	int state_fd; /* -1 until pinned */
	char pin_dir[sizeof(((struct dg_pinned_set *)0)->dir)];
	bool pinned; /* our set is in bpffs: close() leaves it there, as a crash would */
};

DG_DEFINE_CLEANUP(struct enforce_bpf *, enforce_bpf__destroy);

static int bpf_errno(int rc)
{
	return rc < 0 ? -rc : (errno ? errno : EINVAL);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int handle_event(void *ctx, void *data, size_t size)
{
	struct dg_enforcer *e = ctx;

	if (size >= sizeof(struct dg_exec_event))
		e->on_event(data, e->ctx);
	/* An error stops libbpf's read after this record; the rest wait for the next call. */
	if (e->turn_end_ns && now_ns() >= e->turn_end_ns)
		return -EAGAIN;
	return 0;
}

/*
 * The host's pid namespace: tasks in one below it are in a container
 * (bpf/lib/origin.bpf.h, container_pid_level()). That of pid 1, or, where
 * pid 1 cannot be inspected (a sandbox), our own: run driftguard on the host.
 */
static int host_pidns(uint32_t *out)
{
	*out = (uint32_t)dg_proc_pidns(1);
	if (*out)
		return 0;
	dg_debug("cannot read pid 1's pid namespace: taking our own as the host's");
	*out = (uint32_t)dg_proc_pidns(getpid());
	if (!*out)
		return dg_err(EPERM, "cannot read our own pid namespace (/proc/self/ns/pid): "
				     "is /proc mounted?");
	return 0;
}

/* Another daemon's pinned set that still runs: two would fight over the pins. */
static int refuse_running_owner(void)
{
	_cleanup_free_ struct dg_pinned_set *sets = NULL;
	size_t n;
	char who[96];
	int rc;

	rc = dg_pins_scan(&sets, &n);
	if (rc)
		return rc;
	for (size_t i = 0; i < n; i++)
		if (sets[i].has_state && sets[i].state.pid != (uint32_t)getpid() &&
		    dg_pin_owner_alive(&sets[i].state))
			return dg_err(EBUSY,
				      "driftguard enforce %s already enforces (%s); stop it first "
				      "(`driftguard stop`)",
				      dg_pin_owner_text(&sets[i].state, who, sizeof(who)),
				      sets[i].dir);
	return 0;
}

/* FNV-1a of the BPF object: two daemons of the same build share map layouts. */
static uint64_t build_hash(void)
{
	size_t sz;
	const unsigned char *p = enforce_bpf__elf_bytes(&sz);
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < sz; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

static void init_state(struct dg_enforcer *e)
{
	e->state.version = DG_PIN_STATE_VERSION;
	e->state.pid = (uint32_t)getpid();
	e->state.start_time = dg_pin_start_time(getpid());
	e->state.started_at = (int64_t)time(NULL);
	e->state.build = build_hash();
	e->state.backend = (uint32_t)e->backend;
}

int dg_enforcer_open(enum dg_backend_choice choice, dg_event_fn on_event, void *ctx,
		     struct dg_enforcer **out, char *why, size_t why_len)
{
	_cleanup_(enforce_bpf__destroyp) struct enforce_bpf *skel = NULL;
	struct dg_enforcer *e;
	enum dg_backend backend;
	uint32_t pidns = 0;
	int rc;

	rc = refuse_running_owner();
	if (rc)
		return rc;
	rc = host_pidns(&pidns);
	if (rc)
		return rc;
	rc = dg_enforce_load(choice, pidns, &skel, &backend, why, why_len);
	if (rc)
		return rc;
	e = calloc(1, sizeof(*e));
	if (!e)
		return dg_err(ENOMEM, "out of memory");
	e->on_event = on_event;
	e->ctx = ctx;
	e->backend = backend;
	e->state_fd = -1;
	init_state(e);
	e->rb = ring_buffer__new(bpf_map__fd(skel->maps.events), handle_event, e, NULL);
	if (!e->rb) {
		rc = dg_err(errno, "cannot open the event ring buffer: %s", strerror(errno));
		free(e);
		return rc;
	}
	e->skel = TAKE_PTR(skel);
	*out = e;
	return 0;
}

void dg_enforcer_close(struct dg_enforcer *e)
{
	if (!e)
		return;
	ring_buffer__free(e->rb);
	/*
	 * Pinned: leave the kernel as a crash would. (Destroying a tracepoint's
	 * link would also disable its perf event, which the pinned link shares.)
	 */
	if (e->pinned)
		for (int i = 0; i < e->skel->skeleton->prog_cnt; i++) {
			struct bpf_link *link = *e->skel->skeleton->progs[i].link;

			if (link)
				bpf_link__disconnect(link);
		}
	enforce_bpf__destroy(e->skel);
	if (e->state_fd >= 0)
		close(e->state_fd);
	free(e);
}

enum dg_backend dg_enforcer_backend(const struct dg_enforcer *e)
{
	return e->backend;
}

/* The pinned state map follows every policy install (nothing before pinning). */
static int write_state(struct dg_enforcer *e)
{
	uint32_t key = 0;

	if (e->state_fd < 0)
		return 0;
	if (bpf_map_update_elem(e->state_fd, &key, &e->state, BPF_ANY))
		return dg_err(errno, "cannot update the pinned state: %s", strerror(errno));
	return 0;
}

/* Replace generation gen of cgroup_rules: cgroup id -> mask of the rules selecting it. */
static int set_cgroup_rules(struct dg_enforcer *e, uint32_t gen, const struct dg_policy_hdr *hdr,
			    const struct dg_rule_bpf *rules)
{
	struct bpf_map *map = e->skel->maps.cgroup_rules;
	struct dg_cgroup_key key, next;
	bool more;
	int rc;

	/* Drop this generation's old entries (the other one is live). */
	more = !bpf_map__get_next_key(map, NULL, &next, sizeof(next));
	while (more) {
		key = next;
		more = !bpf_map__get_next_key(map, &key, &next, sizeof(next));
		if (key.gen == gen)
			bpf_map__delete_elem(map, &key, sizeof(key), 0);
	}
	for (uint32_t i = 0; i < hdr->n_rules; i++) {
		if (rules[i].scope != DG_SCOPE_CGROUPS)
			continue;
		for (unsigned int j = 0; j < rules[i].n_cgroups && j < DG_RULE_MAX_CGROUPS; j++) {
			uint32_t mask = 0;

			key = (struct dg_cgroup_key){.cgroup_id = rules[i].cgroup_ids[j],
						     .gen = gen};
			bpf_map__lookup_elem(map, &key, sizeof(key), &mask, sizeof(mask), 0);
			mask |= 1u << i;
			rc = bpf_map__update_elem(map, &key, sizeof(key), &mask, sizeof(mask),
						  BPF_ANY);
			if (rc)
				return dg_err(
					bpf_errno(rc), "cannot scope rule %u to cgroup %llu: %s", i,
					(unsigned long long)key.cgroup_id, strerror(bpf_errno(rc)));
		}
	}
	return 0;
}

int dg_enforcer_set_policy(struct dg_enforcer *e, const struct dg_policy_hdr *hdr,
			   const struct dg_rule_bpf *rules)
{
	uint32_t gen = (e->skel->bss->active_gen + 1) & 1;
	int rc;

	if (hdr->n_rules > DG_MAX_RULES)
		return dg_err(E2BIG, "%u rules, at most %d", hdr->n_rules, DG_MAX_RULES);
	for (uint32_t i = 0; i < hdr->n_rules; i++) {
		uint32_t key = gen * DG_MAX_RULES + i;

		rc = bpf_map__update_elem(e->skel->maps.rules, &key, sizeof(key), &rules[i],
					  sizeof(rules[i]), BPF_ANY);
		if (rc)
			return dg_err(bpf_errno(rc), "cannot write rule %u: %s", i,
				      strerror(bpf_errno(rc)));
	}
	rc = set_cgroup_rules(e, gen, hdr, rules);
	if (rc)
		return rc;
	rc = bpf_map__update_elem(e->skel->maps.policy, &gen, sizeof(gen), hdr, sizeof(*hdr),
				  BPF_ANY);
	if (rc)
		return dg_err(bpf_errno(rc), "cannot write the policy: %s",
			      strerror(bpf_errno(rc)));
	/* The switch: programs read active_gen once per decision. */
	__atomic_store_n(&e->skel->bss->active_gen, gen, __ATOMIC_SEQ_CST);
	e->state.generation++;
	e->state.installed_at = (int64_t)time(NULL);
	e->state.n_rules = hdr->n_rules;
	e->state.audit_only = hdr->audit_only;
	memcpy(e->state.rules_path, e->next_path, sizeof(e->state.rules_path));
	memcpy(e->state.rule_names, e->next_names, sizeof(e->state.rule_names));
	/* The policy is in force: a stale description is not worth refusing it. */
	if (write_state(e)) {
		dg_warn("%s: an enforce adopting ours would name its rules wrongly", dg_errmsg());
		dg_err_clear();
	}
	return 0;
}

int dg_enforcer_container_cgroup(struct dg_enforcer *e, uint64_t cgroup_id, bool member)
{
	struct bpf_map *map = e->skel->maps.container_cgroups;
	uint8_t one = 1;
	int rc;

	if (!member) {
		if (!bpf_map__delete_elem(map, &cgroup_id, sizeof(cgroup_id), 0))
			__atomic_fetch_sub(&e->skel->bss->n_container_cgroups, 1, __ATOMIC_SEQ_CST);
		return 0;
	}
	rc = bpf_map__update_elem(map, &cgroup_id, sizeof(cgroup_id), &one, sizeof(one),
				  BPF_NOEXIST);
	if (rc == -EEXIST)
		return 0;
	if (rc)
		return dg_err(bpf_errno(rc), "cannot mark cgroup %llu as a container's: %s",
			      (unsigned long long)cgroup_id, strerror(bpf_errno(rc)));
	__atomic_fetch_add(&e->skel->bss->n_container_cgroups, 1, __ATOMIC_SEQ_CST);
	return 0;
}

void dg_enforcer_label_policy(struct dg_enforcer *e, const char *rules_path,
			      const char *const names[], unsigned int n)
{
	snprintf(e->next_path, sizeof(e->next_path), "%s", rules_path);
	memset(e->next_names, 0, sizeof(e->next_names));
	for (unsigned int i = 0; i < n && i < DG_MAX_RULES; i++)
		snprintf(e->next_names[i], sizeof(e->next_names[i]), "%s", names[i] ?: "?");
}

int dg_enforcer_poll(struct dg_enforcer *e, int timeout_ms, unsigned int max_ms)
{
	int rc;

	e->turn_end_ns = max_ms ? now_ns() + (uint64_t)max_ms * 1000000 : 0;
	rc = ring_buffer__poll(e->rb, timeout_ms);
	e->turn_end_ns = 0;
	if (rc == -EAGAIN)
		return 1;
	if (rc == -EINTR)
		return rc;
	if (rc < 0)
		return dg_err(-rc, "reading events: %s", strerror(-rc));
	return 0;
}

int dg_enforcer_fd(const struct dg_enforcer *e)
{
	return ring_buffer__epoll_fd(e->rb);
}

void dg_enforcer_stats(const struct dg_enforcer *e, struct dg_enforcer_stats *out)
{
	out->blocked = __atomic_load_n(&e->skel->bss->n_blocked, __ATOMIC_RELAXED);
	out->audited = __atomic_load_n(&e->skel->bss->n_audited, __ATOMIC_RELAXED);
	out->dropped = __atomic_load_n(&e->skel->bss->events_dropped, __ATOMIC_RELAXED);
}

/* Reading an adopted set's ring: its events, named by its own rules. */
struct adopted_ring {
	const struct dg_pin_state *state; /* NULL: an incomplete set */
	dg_adopted_event_fn fn;
	void *ctx;
	uint64_t read;
};

static int handle_adopted_event(void *ctx, void *data, size_t size)
{
	struct adopted_ring *r = ctx;
	const struct dg_exec_event *ev = data;
	const char *name = "?";

	if (size < sizeof(*ev))
		return 0;
	if (r->state && ev->rule < DG_MAX_RULES && r->state->rule_names[ev->rule][0])
		name = r->state->rule_names[ev->rule];
	r->fn(ev, name, r->ctx);
	r->read++;
	return 0;
}

/* What an adopted set's .bss counted, when it is of our build (same layout). */
static void add_adopted_counts(struct dg_enforcer *e, const struct dg_pinned_set *set, int bss_fd,
			       struct dg_adoption *out)
{
	struct bpf_map_info info = {0};
	uint32_t len = sizeof(info), key = 0;
	struct enforce_bpf__bss bss;

	if (bss_fd < 0 || !set->has_state || set->state.build != e->state.build ||
	    bpf_map_get_info_by_fd(bss_fd, &info, &len) || info.value_size != sizeof(bss) ||
	    bpf_map_lookup_elem(bss_fd, &key, &bss))
		return;
	out->has_counts = true;
	out->blocked += bss.n_blocked;
	out->audited += bss.n_audited;
	out->dropped += bss.events_dropped;
}

/* Remove one set found pinned, then read what queued in its ring. */
static void adopt_set(struct dg_enforcer *e, const struct dg_pinned_set *set,
		      dg_adopted_event_fn fn, void *ctx, struct dg_adoption *out)
{
	_cleanup_close_ int events_fd = dg_pins_open_map(set, "events");
	_cleanup_close_ int bss_fd = dg_pins_open_map(set, "bss");
	struct adopted_ring r = {
		.state = set->has_state ? &set->state : NULL, .fn = fn, .ctx = ctx};
	struct ring_buffer *rb;

	/* Its links go with their last reference: our programs already enforce. */
	if (dg_pins_remove(set)) {
		dg_warn("%s; it still enforces beside us (`driftguard stop` removes it)",
			dg_errmsg());
		dg_err_clear();
	}
	out->sets++;
	if (!set->has_state)
		out->incomplete++;
	else if (!out->has_state || set->state.generation > out->from.generation) {
		out->has_state = true;
		out->from = set->state;
	}
	if (events_fd >= 0) {
		rb = ring_buffer__new(events_fd, handle_adopted_event, &r, NULL);
		if (rb) {
			ring_buffer__consume(rb);
			ring_buffer__free(rb);
		}
	}
	out->events_read += r.read;
	add_adopted_counts(e, set, bss_fd, out);
}

int dg_enforcer_pin(struct dg_enforcer *e, dg_adopted_event_fn fn, void *ctx,
		    struct dg_adoption *out)
{
	_cleanup_free_ struct dg_pinned_set *sets = NULL;
	size_t n = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = refuse_running_owner();
	if (!rc)
		rc = dg_pins_scan(&sets, &n);
	if (rc)
		return rc;
	/* Our generations follow those of the state we adopt. */
	for (size_t i = 0; i < n; i++)
		if (sets[i].has_state && sets[i].state.generation > out->from.generation)
			out->from.generation = sets[i].state.generation;
	e->state.generation += out->from.generation;
	rc = dg_pin_state_map_new();
	if (rc < 0)
		return rc;
	e->state_fd = rc;
	rc = write_state(e);
	if (rc)
		return rc;
	snprintf(e->pin_dir, sizeof(e->pin_dir), "%s/%u-%llu", DG_ENFORCE_PIN_DIR, e->state.pid,
		 (unsigned long long)e->state.start_time);
	rc = dg_pins_create(e->pin_dir, e->skel->skeleton, e->state_fd);
	if (rc)
		return rc;
	e->pinned = true;
	snprintf(out->dir, sizeof(out->dir), "%s", e->pin_dir);
	out->from.generation = 0;
	for (size_t i = 0; i < n; i++)
		if (strcmp(sets[i].dir, e->pin_dir))
			adopt_set(e, &sets[i], fn, ctx, out);
	return 0;
}

int dg_enforcer_unpin(struct dg_enforcer *e)
{
	struct dg_pinned_set self = {0};
	int rc;

	if (!e->pinned)
		return 0;
	snprintf(self.dir, sizeof(self.dir), "%s", e->pin_dir);
	rc = dg_pins_remove(&self);
	if (!rc)
		e->pinned = false;
	return rc;
}

uint64_t dg_enforcer_generation(const struct dg_enforcer *e)
{
	return e->state.generation;
}

bool dg_enforcer_pinned(const struct dg_enforcer *e)
{
	return e->pinned;
}

int dg_enforcer_prog_stats(const struct dg_enforcer *e, dg_prog_stats_fn fn, void *ctx)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, e->skel->obj)
	{
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		if (fd < 0)
			continue; /* the other backend's, not loaded */
		memset(&info, 0, sizeof(info));
		if (bpf_prog_get_info_by_fd(fd, &info, &len))
			return dg_err(errno, "cannot read the stats of program %s: %s",
				      bpf_program__name(prog), strerror(errno));
		fn(ctx, bpf_program__name(prog), info.run_time_ns, info.run_cnt);
	}
	return 0;
}
