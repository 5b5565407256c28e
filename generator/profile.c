// SPDX-License-Identifier: GPL-2.0-only
/*
 * Names of actions, architectures and comparison operators, and the
 * allocation helpers of struct dg_profile.
 */
#include "generator/profile.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/errors.h"

static const char *const action_names[] = {
	[DG_ACT_KILL_PROCESS] = "SCMP_ACT_KILL_PROCESS",
	[DG_ACT_KILL_THREAD] = "SCMP_ACT_KILL_THREAD",
	[DG_ACT_TRAP] = "SCMP_ACT_TRAP",
	[DG_ACT_ERRNO] = "SCMP_ACT_ERRNO",
	[DG_ACT_NOTIFY] = "SCMP_ACT_NOTIFY",
	[DG_ACT_TRACE] = "SCMP_ACT_TRACE",
	[DG_ACT_LOG] = "SCMP_ACT_LOG",
	[DG_ACT_ALLOW] = "SCMP_ACT_ALLOW",
};

#define N_ACTIONS (sizeof(action_names) / sizeof(action_names[0]))

const char *dg_action_name(enum dg_action_kind kind)
{
	if ((unsigned int)kind >= N_ACTIONS)
		return NULL;
	return action_names[kind];
}

int dg_action_from_name(const char *name, enum dg_action_kind *out)
{
	/* runtime-spec: SCMP_ACT_KILL is the older name of SCMP_ACT_KILL_THREAD. */
	if (strcmp(name, "SCMP_ACT_KILL") == 0) {
		*out = DG_ACT_KILL_THREAD;
		return 0;
	}
	for (size_t i = 0; i < N_ACTIONS; i++) {
		if (strcmp(name, action_names[i]) == 0) {
			*out = (enum dg_action_kind)i;
			return 0;
		}
	}
	return dg_err(EINVAL,
		      "unknown action \"%s\"; use one of SCMP_ACT_KILL_PROCESS, "
		      "SCMP_ACT_KILL_THREAD (SCMP_ACT_KILL), SCMP_ACT_TRAP, SCMP_ACT_ERRNO, "
		      "SCMP_ACT_NOTIFY, SCMP_ACT_TRACE, SCMP_ACT_LOG, SCMP_ACT_ALLOW",
		      name);
}

uint32_t dg_action_to_scmp(const struct dg_action *a)
{
	/* As runc: ERRNO and TRACE without errnoRet return EPERM. */
	uint16_t ret = a->has_ret ? (uint16_t)a->ret : EPERM;

	switch (a->kind) {
	case DG_ACT_KILL_PROCESS:
		return SCMP_ACT_KILL_PROCESS;
	case DG_ACT_KILL_THREAD:
		return SCMP_ACT_KILL_THREAD;
	case DG_ACT_TRAP:
		return SCMP_ACT_TRAP;
	case DG_ACT_ERRNO:
		return SCMP_ACT_ERRNO(ret);
	case DG_ACT_NOTIFY:
		return SCMP_ACT_NOTIFY;
	case DG_ACT_TRACE:
		return SCMP_ACT_TRACE(ret);
	case DG_ACT_LOG:
		return SCMP_ACT_LOG;
	case DG_ACT_ALLOW:
		return SCMP_ACT_ALLOW;
	}
	/* Not an action: the strictest one, never a silent allow. */
	return SCMP_ACT_KILL_PROCESS;
}

#define ARCH_PREFIX "SCMP_ARCH_"

/*
 * The architecture names runtime-spec defines. Only the spelling lives here:
 * the tokens always come from libseccomp (seccomp_arch_resolve_name), so a
 * name this libseccomp does not know simply never matches.
 */
static const char *const oci_arch_names[] = {
	"SCMP_ARCH_X86",     "SCMP_ARCH_X86_64",   "SCMP_ARCH_X32",	    "SCMP_ARCH_ARM",
	"SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS",	   "SCMP_ARCH_MIPS64",	    "SCMP_ARCH_MIPS64N32",
	"SCMP_ARCH_MIPSEL",  "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
	"SCMP_ARCH_PPC64",   "SCMP_ARCH_PPC64LE",  "SCMP_ARCH_S390",	    "SCMP_ARCH_S390X",
	"SCMP_ARCH_PARISC",  "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64",	    "SCMP_ARCH_LOONGARCH64",
	"SCMP_ARCH_M68K",    "SCMP_ARCH_SH",	   "SCMP_ARCH_SHEB",
};

/* libseccomp token of "SCMP_ARCH_X86_64" ("x86_64" to libseccomp), 0 if unknown. */
static uint32_t resolve_arch(const char *name)
{
	const char *rest = name + strlen(ARCH_PREFIX);
	char lower[32];
	size_t len;

	if (strncmp(name, ARCH_PREFIX, strlen(ARCH_PREFIX)) != 0)
		return 0;
	len = strlen(rest);
	if (len == 0 || len >= sizeof(lower))
		return 0;
	for (size_t i = 0; i <= len; i++) {
		/* OCI names are upper case; "SCMP_ARCH_x86_64" is not one. */
		if (islower((unsigned char)rest[i]))
			return 0;
		lower[i] = (char)tolower((unsigned char)rest[i]);
	}
	return seccomp_arch_resolve_name(lower);
}

int dg_arch_from_name(const char *name, uint32_t *token)
{
	uint32_t t;

	if (strncmp(name, ARCH_PREFIX, strlen(ARCH_PREFIX)) != 0)
		return dg_err(EINVAL,
			      "unknown architecture \"%s\"; architectures are written as "
			      "\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_AARCH64\", ...",
			      name);
	t = resolve_arch(name);
	if (t == 0)
		return dg_err(EINVAL,
			      "unknown architecture \"%s\" (this libseccomp %u.%u.%u does not know "
			      "it)",
			      name, SCMP_VER_MAJOR, SCMP_VER_MINOR, SCMP_VER_MICRO);
	*token = t;
	return 0;
}

/* Leaves the current error message alone: callers use it on error paths. */
const char *dg_arch_name(uint32_t token)
{
	if (token == 0)
		return NULL;
	for (size_t i = 0; i < sizeof(oci_arch_names) / sizeof(oci_arch_names[0]); i++) {
		if (resolve_arch(oci_arch_names[i]) == token)
			return oci_arch_names[i];
	}
	return NULL;
}

bool dg_arch_name_is_oci(const char *name)
{
	for (size_t i = 0; i < sizeof(oci_arch_names) / sizeof(oci_arch_names[0]); i++) {
		if (strcmp(name, oci_arch_names[i]) == 0)
			return true;
	}
	return false;
}

static const struct {
	const char *name;
	enum scmp_compare op;
} op_names[] = {
	{"SCMP_CMP_NE", SCMP_CMP_NE},
	{"SCMP_CMP_LT", SCMP_CMP_LT},
	{"SCMP_CMP_LE", SCMP_CMP_LE},
	{"SCMP_CMP_EQ", SCMP_CMP_EQ},
	{"SCMP_CMP_GE", SCMP_CMP_GE},
	{"SCMP_CMP_GT", SCMP_CMP_GT},
	{"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
};

#define N_OPS (sizeof(op_names) / sizeof(op_names[0]))

int dg_op_from_name(const char *name, enum scmp_compare *out)
{
	for (size_t i = 0; i < N_OPS; i++) {
		if (strcmp(name, op_names[i].name) == 0) {
			*out = op_names[i].op;
			return 0;
		}
	}
	return dg_err(EINVAL,
		      "unknown operator \"%s\"; use one of SCMP_CMP_NE, SCMP_CMP_LT, "
		      "SCMP_CMP_LE, SCMP_CMP_EQ, SCMP_CMP_GE, SCMP_CMP_GT, SCMP_CMP_MASKED_EQ",
		      name);
}

const char *dg_op_name(enum scmp_compare op)
{
	for (size_t i = 0; i < N_OPS; i++) {
		if (op_names[i].op == op)
			return op_names[i].name;
	}
	return NULL;
}

struct dg_profile *dg_profile_new(void)
{
	struct dg_profile *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->default_action.kind = DG_ACT_ERRNO;
	return p;
}

int dg_profile_add_arch(struct dg_profile *p, uint32_t token)
{
	uint32_t *a;

	for (size_t i = 0; i < p->n_arches; i++) {
		if (p->arches[i] == token)
			return 0;
	}
	a = reallocarray(p->arches, p->n_arches + 1, sizeof(*a));
	if (!a)
		return dg_err(ENOMEM, "out of memory");
	a[p->n_arches++] = token;
	p->arches = a;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int dg_profile_add_rule(struct dg_profile *p, const char *const *names, size_t n_names,
			const struct dg_action *action, const struct dg_arg *args, size_t n_args)
{
	struct dg_rule *rules, *r;
	_cleanup_free_ struct dg_arg *a = NULL;
	char **v;
	size_t n = 0;

	if (n_names == 0)
		return dg_err(EINVAL, "a rule needs at least one syscall name");
	v = calloc(n_names, sizeof(*v));
	if (!v)
		return dg_err(ENOMEM, "out of memory");
	for (size_t i = 0; i < n_names; i++) {
		if (!names[i] || !names[i][0]) {
			free_names(v, n_names);
			return dg_err(EINVAL, "empty syscall name");
		}
		v[i] = strdup(names[i]);
		if (!v[i]) {
			free_names(v, n_names);
			return dg_err(ENOMEM, "out of memory");
		}
	}
	qsort(v, n_names, sizeof(*v), cmp_str);
	for (size_t i = 0; i < n_names; i++) {
		if (n > 0 && strcmp(v[n - 1], v[i]) == 0) {
			free(v[i]);
			continue;
		}
		v[n++] = v[i];
	}
	if (n_args > 0) {
		a = calloc(n_args, sizeof(*a));
		if (!a) {
			free_names(v, n);
			return dg_err(ENOMEM, "out of memory");
		}
		memcpy(a, args, n_args * sizeof(*a));
	}
	rules = reallocarray(p->rules, p->n_rules + 1, sizeof(*rules));
	if (!rules) {
		free_names(v, n);
		return dg_err(ENOMEM, "out of memory");
	}
	p->rules = rules;
	r = &rules[p->n_rules++];
	*r = (struct dg_rule){
		.names = v,
		.n_names = n,
		.action = *action,
		.args = TAKE_PTR(a),
		.n_args = n_args,
	};
	return 0;
}

void dg_profile_free(struct dg_profile *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_rules; i++) {
		free_names(p->rules[i].names, p->rules[i].n_names);
		free(p->rules[i].args);
	}
	free(p->rules);
	free(p->arches);
	free_names(p->flags, p->n_flags);
	free(p->listener_path);
	free(p->listener_metadata);
	free(p->comment);
	free(p);
}

int dg_profile_set_comment(struct dg_profile *p, const char *comment)
{
	char *c = NULL;

	if (comment && !(c = strdup(comment)))
		return dg_err(ENOMEM, "out of memory");
	free(p->comment);
	p->comment = c;
	return 0;
}
