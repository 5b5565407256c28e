// SPDX-License-Identifier: GPL-2.0-only
/*
 * Building the libseccomp filter of a profile the way runc does
 * (libcontainer/seccomp/seccomp_linux.go), and exporting it as BPF to prove
 * that it generates.
 */
#include "generator/profile.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/errors.h"

DG_DEFINE_CLEANUP(scmp_filter_ctx, seccomp_release)

#define N_SYSCALL_ARGS 6

static int add_rule(scmp_filter_ctx ctx, size_t i, const struct dg_rule *r, const char *name,
		    uint32_t act)
{
	struct scmp_arg_cmp cmp[N_SYSCALL_ARGS * 4];
	unsigned int count[N_SYSCALL_ARGS + 2] = {0};
	bool repeated = false;
	size_t n = r->n_args;
	int nr, rc = 0;

	nr = seccomp_syscall_resolve_name(name);
	if (nr == __NR_SCMP_ERROR)
		return dg_err(EINVAL,
			      "syscalls[%zu] (\"%s\"): unknown syscall; remove it from the rule", i,
			      name);
	if (n > sizeof(cmp) / sizeof(cmp[0]))
		return dg_err(EINVAL,
			      "syscalls[%zu] (\"%s\"): %zu argument comparisons are too many", i,
			      name, n);
	for (size_t k = 0; k < n; k++) {
		const struct dg_arg *a = &r->args[k];

		/* Out of range indexes are for libseccomp to refuse, with its error. */
		if (a->index < N_SYSCALL_ARGS + 2 && ++count[a->index] > 1)
			repeated = true;
		cmp[k] = (struct scmp_arg_cmp){
			.arg = a->index,
			.op = a->op,
			.datum_a = a->value,
			.datum_b = a->value_two,
		};
	}
	/*
	 * libseccomp compares each argument once per rule: like runc, a rule that
	 * compares one argument several times becomes one rule per comparison.
	 */
	if (repeated) {
		for (size_t k = 0; k < n && rc == 0; k++)
			rc = seccomp_rule_add_array(ctx, act, nr, 1, &cmp[k]);
	} else {
		rc = seccomp_rule_add_array(ctx, act, nr, (unsigned int)n, cmp);
	}
	if (rc < 0)
		return dg_err(rc, "syscalls[%zu] (\"%s\"): libseccomp refused the rule: %s", i,
			      name, strerror(-rc));
	return 0;
}

/* What runc refuses before it builds the filter. */
static int check_runtime_rules(const struct dg_profile *p)
{
	if (p->default_action.kind == DG_ACT_NOTIFY)
		return dg_err(EINVAL, "defaultAction: SCMP_ACT_NOTIFY cannot be the default action "
				      "(runc refuses it); notify for chosen syscalls instead");
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct dg_rule *r = &p->rules[i];

		if (r->action.kind != DG_ACT_NOTIFY)
			continue;
		if (!p->listener_path)
			return dg_err(EINVAL,
				      "syscalls[%zu]: SCMP_ACT_NOTIFY needs \"listenerPath\", the "
				      "socket of the seccomp agent; add it or use another action",
				      i);
		for (size_t k = 0; k < r->n_names; k++) {
			if (strcmp(r->names[k], "write") == 0)
				return dg_err(
					EINVAL,
					"syscalls[%zu] (\"write\"): SCMP_ACT_NOTIFY cannot be "
					"used for write (runc needs it to hand the listener "
					"fd over); use another action for write",
					i);
		}
	}
	return 0;
}

int dg_profile_compile(const struct dg_profile *p, scmp_filter_ctx *out)
{
	_cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
	_cleanup_close_ int fd = -1;
	uint32_t def;
	int rc;

	rc = check_runtime_rules(p);
	if (rc < 0)
		return rc;

	def = dg_action_to_scmp(&p->default_action);
	ctx = seccomp_init(def);
	if (!ctx)
		return dg_err(
			EINVAL,
			"defaultAction: libseccomp refused %s (the kernel may not support it)",
			dg_action_name(p->default_action.kind));

	/* Every architecture before any rule: rules are not copied to later ones. */
	for (size_t i = 0; i < p->n_arches; i++) {
		const char *name = dg_arch_name(p->arches[i]);

		rc = seccomp_arch_add(ctx, p->arches[i]);
		if (rc < 0 && rc != -EEXIST)
			return dg_err(rc, "architectures[%zu] (\"%s\"): libseccomp refused it: %s",
				      i, name ? name : "?", strerror(-rc));
	}

	/*
	 * p->flags are not applied: they are seccomp(2) flags for whoever loads
	 * the filter (TSYNC, LOG, SPEC_ALLOW, WAIT_KILLABLE_RECV), they do not
	 * change the BPF program, and whether libseccomp takes them depends on
	 * the kernel of the host that checks, not of the one that runs the
	 * container. The parser has checked their names.
	 */
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct dg_rule *r = &p->rules[i];
		uint32_t act = dg_action_to_scmp(&r->action);

		/* libseccomp refuses (-EACCES) a rule that repeats the default. */
		if (act == def)
			continue;
		for (size_t k = 0; k < r->n_names; k++) {
			rc = add_rule(ctx, i, r, r->names[k], act);
			if (rc < 0)
				return rc;
		}
	}

	fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return dg_err(errno, "cannot open /dev/null: %s", strerror(errno));
	rc = seccomp_export_bpf(ctx, fd);
	if (rc < 0)
		return dg_err(rc, "libseccomp could not generate the BPF program: %s",
			      strerror(-rc));
	if (out)
		*out = TAKE_PTR(ctx);
	return 0;
}

int dg_profile_validate(const struct dg_profile *p)
{
	return dg_profile_compile(p, NULL);
}
