/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The decision on an executed or mapped file: the compiled policy user space
 * keeps in maps (two generations, see enforce.h), which tasks a rule
 * applies to, and first-match evaluation over the rules, the reference being
 * dg_policy_bpf_decide() in enforcer/rules.c.
 *
 * Included by .bpf.c files only (after vmlinux.h and libbpf's headers).
 */
#ifndef __DG_POLICY_BPF_H
#define __DG_POLICY_BPF_H

#include "enforce.h"
#include "lib/origin.bpf.h"
#include "lib/path.bpf.h"

/* Policy: two generations, user space fills the inactive one and flips. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, (DG_GENERATIONS * DG_MAX_RULES));
	__type(key, __u32);
	__type(value, struct dg_rule_bpf);
} rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, DG_GENERATIONS);
	__type(key, __u32);
	__type(value, struct dg_policy_hdr);
} policy SEC(".maps");

volatile __u32 active_gen;

/*
 * DG_SCOPE_CGROUPS, turned around (struct dg_cgroup_key): one lookup per
 * ancestor level and decision, instead of comparing ids rule by rule.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, (DG_GENERATIONS * DG_MAX_CGROUP_KEYS));
	__type(key, struct dg_cgroup_key);
	__type(value, __u32); /* bit i: kernel rule i */
} cgroup_rules SEC(".maps");

/*
 * The cgroups (v2 ids) of the containers the runtimes' state directories
 * list, filled by user space from the container inventory
 * (enforcer/container_cgroups.c): what makes a container of one that has no
 * pid namespace of its own (--pid=host, hostPID pods).
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DG_MAX_CONTAINER_CGROUPS);
	__type(key, __u64);
	__type(value, __u8);
} container_cgroups SEC(".maps");

/* Entries in container_cgroups, kept by user space: 0 spares host tasks the cgroup walk. */
volatile __u32 n_container_cgroups;

static __always_inline __u64 current_mntns(struct task_struct *task)
{
	return BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum);
}

/* Deepest cgroup level looked at for DG_SCOPE_CGROUPS and container_cgroups. */
#define MAX_CGROUP_LEVEL 16

static long in_container_cgroup(__u64 level, void *found)
{
	__u64 id = bpf_get_current_ancestor_cgroup_id((int)level + 1);

	if (!id)
		return 1;
	if (bpf_map_lookup_elem(&container_cgroups, &id)) {
		*(bool *)found = true;
		return 1;
	}
	return 0;
}

/*
 * For DG_SCOPE_ALL and DG_SCOPE_HOST: whether the current task is in a
 * container. What makes a container is what its runtime made: a pid
 * namespace below the host's (`pid_level`, container_pid_level()), or a
 * cgroup (at any ancestor level) that a runtime's state names. Not the mount
 * namespace: systemd services with PrivateTmp, CI runners and kind nodes run
 * on the host in mount namespaces of their own, and so do runtimes started
 * from them.
 */
static __always_inline bool in_container(__u32 pid_level)
{
	bool found = false;

	if (pid_level)
		return true;
	if (!n_container_cgroups)
		return false;
	bpf_loop(MAX_CGROUP_LEVEL, in_container_cgroup, &found, 0);
	return found;
}

/* Rules whose cgroups contain the current task (any ancestor level). */
static __always_inline __u32 cgroup_rule_mask(__u32 gen)
{
	struct dg_cgroup_key key = {.gen = gen};
	__u32 mask = 0, *m;

	for (int level = 1; level <= MAX_CGROUP_LEVEL; level++) {
		key.cgroup_id = bpf_get_current_ancestor_cgroup_id(level);
		if (!key.cgroup_id)
			break;
		m = bpf_map_lookup_elem(&cgroup_rules, &key);
		if (m)
			mask |= *m;
	}
	return mask;
}

static __always_inline bool path_matches(const struct dg_rule_bpf *r, const struct scratch *s)
{
	unsigned int len = s->path_len, n;

	if (r->path_match == DG_PATH_ANY)
		return true;
	/* A partial path is unknown: path conditions (exceptions too) do not match. */
	if (!s->ev.path_complete)
		return false;
	n = r->prefix_len;
	if (n > len || n >= DG_PATTERN_MAX)
		return false;
	if (r->path_match == DG_PATH_EXACT && n != len)
		return false;
	for (int i = 0; i < DG_PATTERN_MAX; i++) {
		if (i >= (int)n)
			break;
		if (s->ev.path[i & (DG_PATH_MAX - 1)] != r->prefix[i])
			return false;
	}
	if (r->path_match != DG_PATH_GLOB)
		return true;
	n = r->suffix_len;
	if (n >= DG_PATTERN_MAX || n + r->prefix_len > len)
		return false;
	for (int i = 0; i < DG_PATTERN_MAX; i++) {
		if (i >= (int)n)
			break;
		if (s->ev.path[(len - n + i) & (DG_PATH_MAX - 1)] != r->suffix[i])
			return false;
	}
	return true;
}

struct eval_ctx {
	struct scratch *s;
	__u32 gen;
	__u32 n_rules;
	__u8 origin;
	__u8 kind;
	bool container;
	__u8 action;
	__u32 rule;
	__u32 cgroup_mask;
	bool probe;	/* first pass: stop at the first rule the path could decide */
	bool candidate; /* the first pass found one */
};

static long eval_rule(__u64 i, struct eval_ctx *c)
{
	__u32 key = c->gen * DG_MAX_RULES + (__u32)i;
	struct dg_rule_bpf *r;

	if (i >= c->n_rules)
		return 1;
	r = bpf_map_lookup_elem(&rules, &key);
	if (!r)
		return 1;
	if (!(r->origins & c->origin) || !(r->kinds & c->kind))
		return 0;
	switch (r->scope) {
	case DG_SCOPE_ALL:
		if (!c->container)
			return 0;
		break;
	case DG_SCOPE_HOST:
		if (c->container)
			return 0;
		break;
	case DG_SCOPE_CGROUPS:
		if (!(c->cgroup_mask & (1u << (i & 31))))
			return 0;
		break;
	default:
		break;
	}
	if (c->probe) {
		/* First pass: is any rule a candidate at all? */
		c->candidate = true;
		return 1;
	}
	if (!path_matches(r, c->s))
		return 0;
	c->action = r->action;
	c->rule = (__u32)i;
	return 1; /* first match decides */
}

/*
 * The runtime's self-copy: an exec of the very inode the task already runs
 * (current->mm->exe_file, same inode, whatever the mount or path it is
 * reached by) runs the bytes that already run. runc re-executes itself from a
 * detached read-only bind mount of its own binary (ensure_cloned_binary), a
 * mount whose root is the file: off every root. Such an exec is judged by the
 * origin of the file the task runs, not by the mount it is reached through.
 * A drifted program stays drifted (its exe_file is drift too); an attacker
 * cannot choose the inode by a name or a path; prctl(PR_SET_MM_EXE_FILE)
 * gains nothing either, as the origin is that of the exe_file it names.
 *
 * Only security_bprm_check (the lsm and fentry hooks: decide_bprm()) sees
 * the old exe_file at decision time (it runs before the new mm); the
 * tracepoint flavour's exec tracepoint comes after it, so
 * there the caller passes the origin recorded when the exec syscall began
 * (self_origin; 0: not a self-exec). Returns the running file when `file`
 * is its inode, else NULL. decide_file() then classifies that one instead of
 * `file`: one classify() either way (each copy costs stack and verifier work).
 */
static __always_inline struct file *running_exe(struct file *file, struct task_struct *task)
{
	struct file *exe = BPF_CORE_READ(task, mm, exe_file);

	if (!exe || exe == file || BPF_CORE_READ(exe, f_inode) != BPF_CORE_READ(file, f_inode))
		return NULL;
	return exe;
}

/*
 * Decide for `file` executed or mapped as `kind`; fills the scratch event.
 * Returns the action to take (audit_only already applied). `backend` and
 * `d_path` are constants in every caller: the kfunc that only LSM programs
 * may call, on a trusted file, is compiled into those alone, so the signal
 * backend's programs never reference it (on 6.12 the verifier would refuse
 * them). `at_bprm_check`, `self_origin`: see running_exe().
 *
 * Two passes: the first, without the path, finds out whether any rule can
 * match this task, origin and kind at all. Most executions are of image files
 * that no rule is about: they are decided without building a path.
 */
static __always_inline __u8 decide_file(struct file *file, __u8 kind, __u8 backend, bool d_path,
					bool at_bprm_check, __u8 self_origin, struct scratch **out)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct eval_ctx c = {};
	struct dg_policy_hdr *hdr;
	struct file *judged = file, *exe = NULL;
	__u32 zero = 0, pid_level;

	c.gen = active_gen & 1;
	hdr = bpf_map_lookup_elem(&policy, &c.gen);
	c.s = bpf_map_lookup_elem(&scratch_map, &zero);
	if (!hdr || !c.s)
		return DG_VERDICT_NONE;
	/* The scratch buffer also serves callers that go on after NONE. */
	*out = c.s;
	pid_level = container_pid_level(task);
	c.container = in_container(pid_level);
	if (at_bprm_check && kind != DG_KIND_MAPPING)
		exe = running_exe(file, task);
	if (exe)
		judged = exe;
	c.origin = self_origin ?: classify(judged, task, c.container, pid_level);
	c.s->ev.origin = c.origin;
	c.s->ev.self_exec = self_origin || exe;
	c.s->ev.container = c.container;
	if (!hdr->n_rules)
		return DG_VERDICT_NONE;
	c.n_rules = hdr->n_rules;
	c.kind = kind;
	/*
	 * What is known before deciding is written once, here (the origin
	 * above: callers keep the origin of an exec chain whatever is
	 * decided); the decision itself is written last.
	 */
	c.s->ev.kind = kind;
	c.s->ev.backend = backend;
	c.s->ev.action = DG_VERDICT_NONE;
	c.cgroup_mask = cgroup_rule_mask(c.gen);
	c.probe = true;
	bpf_loop(DG_MAX_RULES, eval_rule, &c, 0);
	if (!c.candidate)
		return DG_VERDICT_NONE;
	c.probe = false;
	file_path(file, task, c.s, d_path);
	bpf_loop(DG_MAX_RULES, eval_rule, &c, 0);
	if (c.action == DG_VERDICT_BLOCK && hdr->audit_only)
		c.action = DG_VERDICT_AUDIT;
	c.s->ev.rule = c.rule;
	c.s->ev.action = c.action;
	return c.action;
}

static __always_inline __u8 decide(struct file *file, __u8 kind, __u8 backend, struct scratch **out)
{
	return decide_file(file, kind, backend, backend == DG_BACKEND_LSM, false, 0, out);
}

/*
 * At security_bprm_check (the lsm and fentry hooks): the task still runs its
 * old program, so an exec of that very file is known (running_exe()).
 */
static __always_inline __u8 decide_bprm(struct file *file, __u8 kind, __u8 backend,
					struct scratch **out)
{
	return decide_file(file, kind, backend, backend == DG_BACKEND_LSM, true, 0, out);
}

#endif /* __DG_POLICY_BPF_H */
