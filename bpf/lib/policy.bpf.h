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

/* Set by user space before load. */
const volatile __u64 host_mntns = 0; /* mount namespace of the host's pid 1 */

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

/* Deepest cgroup level looked at for DG_SCOPE_CGROUPS. */
#define MAX_CGROUP_LEVEL 16

static __always_inline __u64 current_mntns(struct task_struct *task)
{
	return BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum);
}

/* For DG_SCOPE_ALL and DG_SCOPE_HOST: a mount namespace other than the host's. */
static __always_inline bool in_container(struct task_struct *task)
{
	return current_mntns(task) != host_mntns;
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
 * Decide for `file` executed or mapped as `kind`; fills the scratch event.
 * Returns the action to take (audit_only already applied). `backend` and
 * `d_path` are constants in every caller: the kfunc that only LSM programs
 * may call, on a trusted file, is compiled into those alone, so the signal
 * backend's programs never reference it (on 6.12 the verifier would refuse
 * them).
 *
 * Two passes: the first, without the path, finds out whether any rule can
 * match this task, origin and kind at all. Most executions are of image files
 * that no rule is about: they are decided without building a path.
 */
static __always_inline __u8 decide_file(struct file *file, __u8 kind, __u8 backend, bool d_path,
					struct scratch **out)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct eval_ctx c = {};
	struct dg_policy_hdr *hdr;
	__u32 zero = 0;

	c.gen = active_gen & 1;
	hdr = bpf_map_lookup_elem(&policy, &c.gen);
	c.s = bpf_map_lookup_elem(&scratch_map, &zero);
	if (!hdr || !c.s)
		return DG_VERDICT_NONE;
	/* The scratch buffer also serves callers that go on after NONE. */
	*out = c.s;
	c.container = in_container(task);
	c.origin = classify(file, task, c.container);
	c.s->ev.origin = c.origin;
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
	return decide_file(file, kind, backend, backend == DG_BACKEND_LSM, out);
}

#endif /* __DG_POLICY_BPF_H */
