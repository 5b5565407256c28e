/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * In-memory model of an OCI runtime-spec `linux.seccomp` profile
 * (config-linux.md#seccomp), and the operations driftguard performs on it:
 * parse (check), validate by compiling with libseccomp, write, merge.
 *
 * All functions follow common/error.h: negative errno + dg_errmsg().
 */
#ifndef __DG_PROFILE_H
#define __DG_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <seccomp.h>

#include "common/cleanup.h"

/*
 * OCI seccomp actions. Ordered from the strictest to the most permissive,
 * as runtime-spec#1317 proposes; merge keeps the strictest default.
 */
enum dg_action_kind {
	DG_ACT_KILL_PROCESS,
	DG_ACT_KILL_THREAD, /* also "SCMP_ACT_KILL" on input */
	DG_ACT_TRAP,
	DG_ACT_ERRNO,
	DG_ACT_NOTIFY,
	DG_ACT_TRACE,
	DG_ACT_LOG,
	DG_ACT_ALLOW,
};

struct dg_action {
	enum dg_action_kind kind;
	bool has_ret; /* errnoRet given (ERRNO, TRACE) */
	uint32_t ret; /* errno for ERRNO, message for TRACE */
};

struct dg_arg {
	unsigned int index; /* 0..5 */
	uint64_t value;
	uint64_t value_two;
	enum scmp_compare op;
};

struct dg_rule {
	char **names; /* syscall names, n_names >= 1 */
	size_t n_names;
	struct dg_action action;
	struct dg_arg *args;
	size_t n_args;
};

struct dg_profile {
	/* moby's free-text "comment" (runtimes ignore it): what the profile was
	 * learned from, by whom, when. NULL when absent. */
	char *comment;
	/* default_action.ret/has_ret carry "defaultErrnoRet". */
	struct dg_action default_action;
	uint32_t *arches; /* libseccomp SCMP_ARCH_* tokens, in input order */
	size_t n_arches;
	char **flags; /* "SECCOMP_FILTER_FLAG_*" strings */
	size_t n_flags;
	char *listener_path;	 /* NULL when absent */
	char *listener_metadata; /* NULL when absent */
	struct dg_rule *rules;
	size_t n_rules;
};

/* Action names of the OCI spec <-> enum. */
const char *dg_action_name(enum dg_action_kind kind);
int dg_action_from_name(const char *name, enum dg_action_kind *out);
/* libseccomp action value (SCMP_ACT_*) for an action. */
uint32_t dg_action_to_scmp(const struct dg_action *a);

/* "SCMP_ARCH_X86_64" <-> libseccomp token (resolved through libseccomp). */
int dg_arch_from_name(const char *name, uint32_t *token);
/* Returns a static string such as "SCMP_ARCH_X86_64", NULL if unknown. */
const char *dg_arch_name(uint32_t token);
/* Is name one of the runtime spec's architectures (even one libseccomp does not know)? */
bool dg_arch_name_is_oci(const char *name);

/* "SCMP_CMP_EQ" <-> enum scmp_compare. */
int dg_op_from_name(const char *name, enum scmp_compare *out);
const char *dg_op_name(enum scmp_compare op);

/*
 * Parse a profile. Syntax errors are reported as "NAME:LINE:COLUMN: ...",
 * semantic errors with the JSON path of the offending value
 * ("NAME: syscalls[3].names[1]: unknown syscall \"foo\"").
 * Accepts a bare linux.seccomp object; also a whole OCI config.json, whose
 * .linux.seccomp is taken. The OCI form only, as a runtime reads it; the
 * engines' form and a list of every problem: generator/profile_load.h.
 */
int dg_profile_parse_file(const char *path, struct dg_profile **out);
int dg_profile_parse_string(const char *text, const char *name, struct dg_profile **out);

/*
 * Compile the profile with libseccomp exactly as runc builds its filter
 * (native arch always present, rules whose action equals the default are
 * skipped) and export the BPF, to prove the kernel would accept it.
 */
int dg_profile_compile(const struct dg_profile *p, scmp_filter_ctx *out);
int dg_profile_validate(const struct dg_profile *p);

/* Serialise as pretty JSON (2-space indent, stable key order), NUL-ended. */
char *dg_profile_to_string(const struct dg_profile *p);
/* The same as a JSON object (a new reference); NULL when not representable. */
json_t *dg_profile_to_json(const struct dg_profile *p);
/* Validate, then write atomically (temp file + rename); never a partial file. */
int dg_profile_write_file(const struct dg_profile *p, const char *path);

/*
 * Union of what the inputs allow. The strictest default action wins.
 * Refuses (-EINVAL, message names the input) what it cannot represent
 * without widening: permissive defaults (ALLOW/LOG), conflicting listeners.
 * Two denials of the same syscall under the same argument comparisons that
 * differ only in errno keep the earlier input's, with a warning.
 */
int dg_profile_merge(struct dg_profile *const *in, size_t n, struct dg_profile **out);
/* The same, calling the inputs by labels[i] (file names) instead of "input N" in messages. */
int dg_profile_merge_named(struct dg_profile *const *in, const char *const *labels, size_t n,
			   struct dg_profile **out);

/* Allocation helpers for code that builds a profile. */
struct dg_profile *dg_profile_new(void);
int dg_profile_add_arch(struct dg_profile *p, uint32_t token);
/* Appends a rule with copies of names (sorted, deduplicated). */
int dg_profile_add_rule(struct dg_profile *p, const char *const *names, size_t n_names,
			const struct dg_action *action, const struct dg_arg *args, size_t n_args);
void dg_profile_free(struct dg_profile *p);
DG_DEFINE_CLEANUP(struct dg_profile *, dg_profile_free);
/* Replace the comment (NULL: none). */
int dg_profile_set_comment(struct dg_profile *p, const char *comment);

#endif /* __DG_PROFILE_H */
