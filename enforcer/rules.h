/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Drift rules (docs/rules.md): the YAML rules file, its user-space model, the
 * reference evaluator that the BPF side mirrors, and the compiler to the
 * `struct dg_rule_bpf` form of bpf/enforce.h. One header for one model; the
 * code is one file a concern: rules.c (the model), rules_parse.c (with
 * rules_parse_containers.c), rules_interpreters.c (kind interpreted's list),
 * rules_match.c, rules_decide.c (the reference evaluators), rules_compile.c.
 *
 * Precedence, in one place: exceptions first (a match allows), then rules in
 * file order, the first match decides; no match is DG_VERDICT_NONE (allowed,
 * no event). `mode: audit` turns BLOCK into AUDIT and leaves ALLOW alone.
 */
#ifndef __DG_RULES_H
#define __DG_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "bpf/enforce.h"
#include "common/cleanup.h"

enum dg_policy_mode {
	DG_MODE_ENFORCE = 0,
	DG_MODE_AUDIT = 1, /* every block is only logged (hdr.audit_only) */
};

#define DG_ORIGIN_ALL (DG_ORIGIN_UPPER | DG_ORIGIN_MEMFD | DG_ORIGIN_OFF_ROOTFS | DG_ORIGIN_IMAGE)
/* The default of `kind`: every kind but interpreted, which is opt-in (named, never implied). */
#define DG_KIND_ALL (DG_KIND_BINARY | DG_KIND_SCRIPT | DG_KIND_MAPPING)
#define DG_RULE_NAME_MAX 64 /* bytes of a rule name, NUL included */

/*
 * `containers:` of a rule. scope is DG_SCOPE_ALL, _HOST or _ANY for the
 * words all/host/any; DG_SCOPE_CGROUPS for a mapping, whose lists stay
 * symbolic until dg_policy_compile() asks the resolver. A task matches a
 * mapping when any one entry matches (see dg_selector_matches()).
 */
struct dg_container_selector {
	enum dg_scope scope;
	char **ids; /* full container id, or a prefix of at least 12 characters */
	size_t n_ids;
	char **names; /* container names; '*' matches any characters */
	size_t n_names;
	char **cgroups; /* cgroup v2 paths; '*' within a component, '**' across '/' */
	size_t n_cgroups;
};

/* One path condition, already split the way the kernel compares it. */
struct dg_path_pattern {
	enum dg_path_match match; /* DG_PATH_EXACT, _PREFIX or _GLOB */
	char *text;		  /* as written, e.g. "/opt/app/" */
	char *prefix;		  /* EXACT: the path; PREFIX: the text; GLOB: before '*' */
	char *suffix;		  /* GLOB: after '*'; "" otherwise */
};

/* An exception (action ALLOW) or a rule, in evaluation order. */
struct dg_drift_rule {
	char *name;
	bool exception;
	enum dg_verdict action; /* ALLOW, AUDIT or BLOCK (never NONE) */
	struct dg_container_selector containers;
	unsigned int origins;	       /* enum dg_origin mask */
	unsigned int kinds;	       /* enum dg_kind mask */
	struct dg_path_pattern *paths; /* any one matches; none: every path */
	size_t n_paths;
	unsigned int line, column; /* of the entry in the file, 1-based */
};

struct dg_policy {
	char *source; /* file name used in messages */
	enum dg_policy_mode mode;
	struct dg_drift_rule *rules; /* exceptions first, then rules, in file order */
	size_t n_rules;		     /* all entries, exceptions included */
	size_t n_exceptions;
	char **interpreters; /* `interpreters:`; none: the default (dg_policy_interpreters()) */
	size_t n_interpreters;
};

/*
 * Parse and validate a rules file (rules_parse.c). On error returns a
 * negative errno and a message "FILE:LINE:COLUMN: KEY.PATH: what is wrong
 * and what is allowed"; *out is then NULL.
 */
int dg_policy_load_file(const char *path, struct dg_policy **out);
int dg_policy_load_string(const char *yaml, const char *name, struct dg_policy **out);
void dg_policy_free(struct dg_policy *p);
DG_DEFINE_CLEANUP(struct dg_policy *, dg_policy_free);

/*
 * The interpreters of kind interpreted (rules_interpreters.c): the list the
 * file gives, or the default one.
 */
const char *const *dg_policy_interpreters(const struct dg_policy *p, size_t *n);

/*
 * Into hdr: the interpreter list, when a rule has kind interpreted (else
 * n_interpreters 0); dg_policy_compile() calls it.
 */
void dg_interpreters_compile(const struct dg_policy *p, struct dg_policy_hdr *hdr);

/*
 * Whether a task running the binary `name` (its file's name) is one of the
 * compiled interpreters, exactly as the kernel compares it.
 */
bool dg_interpreter_matches(const struct dg_policy_hdr *hdr, const char *name);

/* What the kernel knows about one execution or executable mapping. */
struct dg_exec_facts {
	unsigned int origin; /* enum dg_origin bit(s) of the file */
	unsigned int kind;   /* enum dg_kind bit */
	const char *path;    /* full path; NULL when unknown: path rules don't match */
	bool in_container;
	const char *container_id; /* NULL on the host */
	const char *container_name;
	const char *cgroup; /* cgroup v2 path of the task, "/kubepods/..." */
};

/*
 * The reference evaluator (rules_decide.c). Returns the action to take
 * (after the audit-mode downgrade) and stores the index of the deciding
 * entry of p->rules in *rule_index (-1 when nothing matched); rule_index may
 * be NULL.
 */
enum dg_verdict dg_policy_decide(const struct dg_policy *p, const struct dg_exec_facts *f,
				 int *rule_index);

/* Whether one selector matches a task; what resolvers must agree with (rules_match.c). */
bool dg_selector_matches(const struct dg_container_selector *sel, bool in_container,
			 const char *container_id, const char *container_name, const char *cgroup);

/* Whether a path matches one pattern, exactly as the kernel compares it. */
bool dg_path_matches(const struct dg_path_pattern *pat, const char *path);

/*
 * Resolves a DG_SCOPE_CGROUPS selector to the cgroup v2 ids of what it
 * selects now: the cgroup of every running container whose id or name
 * matches, and every cgroup whose path matches a cgroups pattern (the kernel
 * matches those cgroups and their descendants). Stores at most max ids,
 * sets *n to the number found (which may exceed max); returns 0 or a
 * negative errno with dg_err().
 */
struct dg_container_resolver {
	int (*resolve)(void *ctx, const struct dg_container_selector *sel, unsigned long long *ids,
		       size_t max, size_t *n);
	void *ctx;
};

/*
 * Compile to the kernel form (rules_compile.c). rules has room for
 * DG_MAX_RULES. A rule with several paths becomes one kernel rule per path,
 * and one with more than DG_RULE_MAX_CGROUPS resolved cgroups one per group
 * of them, in order and with the same action. A selector that resolves to
 * nothing yields rules with scope DG_SCOPE_CGROUPS and n_cgroups 0, which
 * match nothing. -E2BIG when the result exceeds DG_MAX_RULES; r may be NULL
 * when no rule needs it.
 */
int dg_policy_compile(const struct dg_policy *p, const struct dg_container_resolver *r,
		      struct dg_policy_hdr *hdr, struct dg_rule_bpf *rules);

/*
 * The same, and src[i] (room for DG_MAX_RULES) receives the index in
 * p->rules of the entry that kernel rule i came from, to name the rule of
 * an event (dg_exec_event.rule is a kernel rule index).
 */
int dg_policy_compile_map(const struct dg_policy *p, const struct dg_container_resolver *r,
			  struct dg_policy_hdr *hdr, struct dg_rule_bpf *rules, unsigned int *src);

/*
 * The reference for bpf/enforce.bpf.c: evaluates the compiled form as the
 * kernel must, with the same first-match loop as dg_policy_decide().
 * ancestors are the cgroup ids of the task's cgroup and all its ancestors
 * (bpf_get_current_ancestor_cgroup_id()). path NULL: unknown.
 */
enum dg_verdict dg_policy_bpf_decide(const struct dg_policy_hdr *hdr,
				     const struct dg_rule_bpf *rules, unsigned int origin,
				     unsigned int kind, const char *path, bool in_container,
				     const unsigned long long *ancestors, size_t n_ancestors,
				     int *rule_index);

#endif /* __DG_RULES_H */
