// SPDX-License-Identifier: GPL-2.0-only
#include "enforcer/enforcer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "common/cleanup.h"
#include "bpf/enforce.skel.h"
#include "common/errors.h"
#include "common/macros.h"
#include "containers/procfs.h"
#include "enforcer/probe.h"

struct dg_enforcer {
	struct enforce_bpf *skel;
	struct ring_buffer *rb;
	enum dg_backend backend;
	dg_event_fn on_event;
	void *ctx;
};

DG_DEFINE_CLEANUP(struct enforce_bpf *, enforce_bpf__destroy);

static int bpf_errno(int rc)
{
	return rc < 0 ? -rc : (errno ? errno : EINVAL);
}

static int handle_event(void *ctx, void *data, size_t size)
{
	struct dg_enforcer *e = ctx;

	if (size >= sizeof(struct dg_exec_event))
		e->on_event(data, e->ctx);
	return 0;
}

/*
 * The host's mount namespace: tasks in any other are "in a container". That
 * of pid 1, or, where pid 1 cannot be inspected (a sandbox), our own: run
 * driftguard on the host.
 */
static int host_mntns(uint64_t *out)
{
	*out = dg_proc_mntns(1);
	if (*out)
		return 0;
	dg_debug("cannot read pid 1's mount namespace: taking our own as the host's");
	*out = dg_proc_mntns(getpid());
	if (!*out)
		return dg_err(EPERM, "cannot read our own mount namespace (/proc/self/ns/mnt): "
				     "is /proc mounted?");
	return 0;
}

/*
 * The signal backend judges scripts at the interpreter's open of them, on the
 * syscalls:sys_exit_open* tracepoints, whose ids libbpf reads from tracefs.
 */
static int ensure_tracefs(void)
{
	if (!access("/sys/kernel/tracing/events/syscalls", F_OK) ||
	    !access("/sys/kernel/debug/tracing/events/syscalls", F_OK))
		return 0;
	if (mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL))
		return dg_err(errno,
			      "the signal backend needs tracefs, and mounting it on "
			      "/sys/kernel/tracing failed: %s; mount it and retry",
			      strerror(errno));
	dg_info("mounted tracefs on /sys/kernel/tracing (needed to judge scripts)");
	if (access("/sys/kernel/tracing/events/syscalls", F_OK))
		return dg_err(ENOTSUP, "this kernel has no syscall tracepoints "
				       "(CONFIG_FTRACE_SYSCALLS): the signal backend cannot judge "
				       "scripts");
	return 0;
}

/*
 * What is loaded: the LSM backend, or one of the signal backend's two
 * flavours (bpf/enforce.bpf.c says what each program sees).
 */
enum flavour {
	FLAVOUR_LSM,
	FLAVOUR_FENTRY,	    /* signal: fentry/security_bprm_check + security_mmap_file */
	FLAVOUR_TRACEPOINT, /* signal: sched_process_exec + the interpreter's open */
};

static const char *const signal_fentry_why =
	"signal, fentry flavour (fentry/security_bprm_check and security_mmap_file see what "
	"BPF-LSM sees; a drifted program is killed with SIGKILL before its first instruction, "
	"but the exec itself succeeds)";
static const char *const signal_tracepoint_why =
	"signal, tracepoint flavour (tp_btf/sched_process_exec + SIGKILL: the final binary "
	"and its ELF loader are judged before their first instruction, executable mappings "
	"at their mmap syscall, a script when its interpreter opens it)";

/*
 * DG_SIGNAL_FLAVOUR=fentry|tracepoint picks the signal backend's flavour
 * (tests run the tracepoint flavour where fentry works, as DG_CAPS_BACKEND
 * does for capability learning); unset, the probe decides.
 */
static int choose_backend(enum dg_backend_choice choice, enum flavour *out, char *why,
			  size_t why_len)
{
	const char *want = getenv("DG_SIGNAL_FLAVOUR");
	struct dg_probe p;

	dg_probe_run(&p);
	if (choice != DG_BACKEND_CHOICE_SIGNAL && dg_probe_lsm_usable(&p)) {
		snprintf(why, why_len, "lsm (%s; %s)", p.lsm_list.detail, p.lsm_prog.detail);
		*out = FLAVOUR_LSM;
		return 0;
	}
	if (choice == DG_BACKEND_CHOICE_LSM)
		return dg_err(ENOTSUP,
			      "BPF-LSM cannot enforce on this kernel: %s; %s. Boot with "
			      "lsm=<current list>,bpf, or use --backend signal",
			      p.lsm_list.ok ? "bpf is an active LSM" : p.lsm_list.detail,
			      p.lsm_prog.detail);
	if (!p.tp_btf.ok && !p.fentry_prog.ok)
		return dg_err(ENOTSUP,
			      "neither BPF-LSM (%s), fentry (%s) nor tp_btf (%s) works here: "
			      "cannot enforce",
			      p.lsm_prog.detail, p.fentry_prog.detail, p.tp_btf.detail);
	if (choice == DG_BACKEND_CHOICE_SIGNAL)
		snprintf(why, why_len, "(asked for)%s",
			 dg_probe_lsm_usable(&p) ? "; BPF-LSM is active and would block instead"
						 : "");
	else
		snprintf(why, why_len, "because BPF-LSM cannot enforce here (%s)",
			 p.lsm_prog.ok ? p.lsm_list.detail : p.lsm_prog.detail);
	if (want && want[0]) {
		if (strcmp(want, "tracepoint") && strcmp(want, "fentry"))
			return dg_err(EINVAL, "DG_SIGNAL_FLAVOUR is fentry or tracepoint, not \"%s\"",
				      want);
		if (!strcmp(want, "fentry") && !p.fentry_prog.ok)
			return dg_err(ENOTSUP, "DG_SIGNAL_FLAVOUR=fentry, but %s",
				      p.fentry_prog.detail);
		if (!strcmp(want, "tracepoint") && !p.tp_btf.ok)
			return dg_err(ENOTSUP, "DG_SIGNAL_FLAVOUR=tracepoint, but %s",
				      p.tp_btf.detail);
		snprintf(why + strlen(why), why_len - strlen(why), "; DG_SIGNAL_FLAVOUR=%s", want);
		*out = strcmp(want, "fentry") ? FLAVOUR_TRACEPOINT : FLAVOUR_FENTRY;
		return 0;
	}
	if (p.fentry_prog.ok) {
		*out = FLAVOUR_FENTRY;
		return 0;
	}
	/* The reason trampolines are out, for the start line. */
	snprintf(why + strlen(why), why_len - strlen(why), "; fentry: %s", p.fentry_prog.detail);
	*out = FLAVOUR_TRACEPOINT;
	return 0;
}

/*
 * Autoload exactly the programs of one flavour; `loader`: the tracepoint
 * flavour's check of the ELF loader (dg_exec_loader) too.
 */
static void select_programs(struct enforce_bpf *skel, enum flavour f, bool loader)
{
	struct bpf_program *lsm[] = {skel->progs.dg_bprm_check, skel->progs.dg_mmap_file};
	struct bpf_program *fentry[] = {skel->progs.dg_bprm_check_fentry,
					skel->progs.dg_mmap_file_fentry};
	struct bpf_program *tp[] = {
		skel->progs.dg_exec_signal,	     skel->progs.dg_script_openat,
		skel->progs.dg_script_open,	     skel->progs.dg_script_openat2,
		skel->progs.dg_script_enter_openat,  skel->progs.dg_script_enter_open,
		skel->progs.dg_script_enter_openat2, skel->progs.dg_mmap_enter};
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, skel->obj) bpf_program__set_autoload(prog, false);
	for (size_t i = 0; f == FLAVOUR_LSM && i < ARRAY_SIZE(lsm); i++)
		bpf_program__set_autoload(lsm[i], true);
	for (size_t i = 0; f == FLAVOUR_FENTRY && i < ARRAY_SIZE(fentry); i++)
		bpf_program__set_autoload(fentry[i], true);
	for (size_t i = 0; f == FLAVOUR_TRACEPOINT && i < ARRAY_SIZE(tp); i++)
		bpf_program__set_autoload(tp[i], true);
	bpf_program__set_autoload(skel->progs.dg_exec_loader, f == FLAVOUR_TRACEPOINT && loader);
}

/* Open, load and attach one flavour. */
static int load_flavour(enum flavour f, bool loader, uint64_t mntns, struct enforce_bpf **out)
{
	_cleanup_(enforce_bpf__destroyp) struct enforce_bpf *skel = NULL;
	int rc;

	skel = enforce_bpf__open();
	if (!skel)
		return dg_err(errno, "cannot open the enforcer's BPF object: %s", strerror(errno));
	skel->rodata->host_mntns = mntns;
	select_programs(skel, f, loader);
	if (f == FLAVOUR_TRACEPOINT) {
		rc = ensure_tracefs();
		if (rc)
			return rc;
	}
	rc = enforce_bpf__load(skel);
	if (rc)
		return dg_err(bpf_errno(rc),
			      "the kernel refused the enforcer's BPF programs: %s "
			      "(run with -v for the verifier log)",
			      strerror(bpf_errno(rc)));
	rc = enforce_bpf__attach(skel);
	if (rc)
		return dg_err(bpf_errno(rc), "cannot attach the enforcer: %s",
			      strerror(bpf_errno(rc)));
	*out = TAKE_PTR(skel);
	return 0;
}

int dg_enforcer_open(enum dg_backend_choice choice, dg_event_fn on_event, void *ctx,
		     struct dg_enforcer **out, char *why, size_t why_len)
{
	_cleanup_(enforce_bpf__destroyp) struct enforce_bpf *skel = NULL;
	char reason[640] = "";
	struct dg_enforcer *e;
	enum flavour f = FLAVOUR_TRACEPOINT;
	uint64_t mntns = 0;
	int rc;

	rc = choose_backend(choice, &f, reason, sizeof(reason));
	if (rc)
		return rc;
	rc = host_mntns(&mntns);
	if (rc)
		return rc;
	rc = load_flavour(f, true, mntns, &skel);
	if (rc && f == FLAVOUR_FENTRY) {
		/* fentry attached in the probe, not here (a function inlined?): fall back. */
		dg_info("the fentry flavour of the signal backend failed (%s): using tracepoints",
			dg_errmsg());
		f = FLAVOUR_TRACEPOINT;
		rc = load_flavour(f, true, mntns, &skel);
	}
	if (rc && f == FLAVOUR_TRACEPOINT) {
		/* Everything but the loader's check, rather than nothing. */
		snprintf(reason + strlen(reason), sizeof(reason) - strlen(reason),
			 "; the ELF loader is NOT judged: its program was refused (%s)",
			 dg_errmsg());
		rc = load_flavour(f, false, mntns, &skel);
	}
	if (rc)
		return rc;
	if (f == FLAVOUR_LSM)
		snprintf(why, why_len, "%s", reason);
	else
		snprintf(why, why_len, "%s, %s",
			 f == FLAVOUR_FENTRY ? signal_fentry_why : signal_tracepoint_why, reason);
	e = calloc(1, sizeof(*e));
	if (!e)
		return dg_err(ENOMEM, "out of memory");
	e->on_event = on_event;
	e->ctx = ctx;
	e->backend = f == FLAVOUR_LSM ? DG_BACKEND_LSM : DG_BACKEND_SIGNAL;
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
	enforce_bpf__destroy(e->skel);
	free(e);
}

enum dg_backend dg_enforcer_backend(const struct dg_enforcer *e)
{
	return e->backend;
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
	return 0;
}

int dg_enforcer_poll(struct dg_enforcer *e, int timeout_ms)
{
	int rc = ring_buffer__poll(e->rb, timeout_ms);

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
