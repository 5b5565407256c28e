/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kind interpreted (opt-in): a regular file that a task running one of the
 * policy's interpreters opens for reading (`sh upper.sh`, `python3 x.py`,
 * `. ./lib.sh`), judged as a script is.
 *
 * An interpreter is known by the name of the binary the task exec'd: the
 * dentry of mm->exe_file, i.e. the file exec'd with its symlinks resolved
 * (/bin/sh -> dash is "dash"), never comm, which prctl(PR_SET_NAME) sets to
 * anything. Naming an image interpreter otherwise takes a copy or a hard
 * link, which is a new (drifted) file. The answer is kept in task storage
 * with the exec it is about (task->self_exec_id, which every exec
 * increments) and the list it was matched against (dg_policy_hdr.interp_id):
 * a task pays one task storage lookup per open, and matches names once per
 * exec (or list). Nothing at all is looked at while no rule has the kind.
 *
 * Included by .bpf.c files only (after vmlinux.h and libbpf's headers).
 */
#ifndef __DG_INTERPRETER_BPF_H
#define __DG_INTERPRETER_BPF_H

#include "enforce.h"
#include "lib/mapping.bpf.h"
#include "lib/path.bpf.h"
#include "lib/policy.bpf.h"

#define FMODE_READ 0x1
#define FMODE_EXEC 0x20	  /* f_mode: opened for an exec, judged there */
#define __FMODE_EXEC 0x20 /* the same, as f_flags has it */
#define S_IFMT 00170000
#define S_IFREG 0100000

struct interp_seen {
	__u64 exec_id; /* task->self_exec_id the answer is about */
	__u32 list;    /* dg_policy_hdr.interp_id it was matched against */
	__u8 interpreter;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct interp_seen);
} interp_tasks SEC(".maps");

struct interp_match {
	const char *name; /* in the scratch buffer */
	__u32 len;
	__u32 gen;
	bool found;
};

/* One name of the list against the binary's (dg_interpreter_matches() in user space). */
static long match_interpreter(__u64 i, struct interp_match *m)
{
	struct dg_policy_hdr *hdr = bpf_map_lookup_elem(&policy, &m->gen);
	struct dg_interp_bpf *b;
	__u32 plen, slen, len = m->len;

	if (!hdr || i >= DG_MAX_INTERPRETERS || i >= hdr->n_interpreters)
		return 1;
	b = &hdr->interpreters[i];
	plen = b->prefix_len;
	slen = b->suffix_len;
	if (plen >= DG_INTERP_NAME_MAX || slen >= DG_INTERP_NAME_MAX || len < plen + slen ||
	    (!b->glob && len != plen))
		return 0;
	for (int j = 0; j < DG_INTERP_NAME_MAX; j++) {
		if (j >= (int)plen)
			break;
		if (m->name[j & (DG_INTERP_EXE_NAME_MAX - 1)] != b->prefix[j])
			return 0;
	}
	for (int j = 0; b->glob && j < DG_INTERP_NAME_MAX; j++) {
		if (j >= (int)slen)
			break;
		if (m->name[(len - slen + j) & (DG_INTERP_EXE_NAME_MAX - 1)] != b->suffix[j])
			return 0;
	}
	m->found = true;
	return 1;
}

/* The active policy's generation and list id, when a rule has kind interpreted. */
static __always_inline bool interpreters_listed(__u32 *gen, __u32 *list)
{
	struct dg_policy_hdr *hdr;

	*gen = active_gen & 1;
	hdr = bpf_map_lookup_elem(&policy, gen);
	if (!hdr || !hdr->n_interpreters)
		return false;
	*list = hdr->interp_id;
	return true;
}

/* Whether `task` runs a listed interpreter (see above). */
static __always_inline bool is_interpreter(struct task_struct *task, __u32 gen, __u32 list)
{
	__u64 exec_id = BPF_CORE_READ(task, self_exec_id);
	struct interp_match m = {.gen = gen};
	const unsigned char *name;
	struct interp_seen *seen;
	struct scratch *s;
	__u32 zero = 0;
	long len;

	seen = bpf_task_storage_get(&interp_tasks, task, NULL, 0);
	if (seen && seen->exec_id == exec_id && seen->list == list)
		return seen->interpreter;
	s = bpf_map_lookup_elem(&scratch_map, &zero);
	if (!s)
		return false;
	name = BPF_CORE_READ(task, mm, exe_file, f_path.dentry, d_name.name);
	/* One byte more than a name may have: a longer name is cut, and never matches. */
	len = bpf_probe_read_kernel_str(s->buf, DG_INTERP_EXE_NAME_MAX + 1, name);
	if (len > 1 && len <= DG_INTERP_EXE_NAME_MAX) {
		m.name = s->buf;
		m.len = (__u32)len - 1;
		bpf_loop(DG_MAX_INTERPRETERS, match_interpreter, &m, 0);
	}
	seen = bpf_task_storage_get(&interp_tasks, task, NULL, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (seen) {
		seen->exec_id = exec_id;
		seen->list = list;
		seen->interpreter = m.found;
	}
	return m.found;
}

/*
 * Whether opening `file` is a read of a regular file: not an open for an
 * exec (judged as one), and not overlayfs's own open of a layer's file (the
 * overlay file it stands for was judged just before).
 */
static __always_inline bool reads_regular_file(struct file *file)
{
	unsigned int mode = BPF_CORE_READ(file, f_mode);
	struct path user;

	if (!(mode & FMODE_READ) || (mode & FMODE_EXEC) ||
	    (BPF_CORE_READ(file, f_flags) & __FMODE_EXEC))
		return false;
	if ((BPF_CORE_READ(file, f_inode, i_mode) & S_IFMT) != S_IFREG)
		return false;
	return !ovl_layer_file(file, &user);
}

#endif /* __DG_INTERPRETER_BPF_H */
