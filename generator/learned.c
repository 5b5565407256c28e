// SPDX-License-Identifier: GPL-2.0-only
#include "generator/learned.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/errors.h"
#include "common/macros.h"
#include "common/syscall_abi.h"
#include "generator/runtime_baselines.h"

/*
 * Syscalls that libc and language runtimes try first and fall back from when
 * the kernel answers ENOSYS. If the learning run never made them, the profile
 * answers ENOSYS rather than EPERM, so the fallback path still works (Docker
 * does this for clone3: moby#42681, runc#2746). EPERM would be taken as a
 * real failure.
 *   clone3       glibc >= 2.34 pthread_create/posix_spawn -> clone
 *   faccessat2   glibc >= 2.33 faccessat(flags) -> faccessat
 *   fchmodat2    glibc >= 2.39 fchmodat(flags) -> emulation
 *   close_range  glibc closefrom, Go, systemd -> /proc/self/fd walk
 *   openat2      runc/securejoin, systemd -> openat
 *   statx        glibc on 32-bit ABIs, coreutils -> fstatat
 *   rseq         glibc >= 2.35 registration at startup -> rseq disabled
 *   epoll_pwait2 libuv, glib -> epoll_pwait
 *   pidfd_open   Go >= 1.23 os.StartProcess, systemd -> plain pids
 */
static const char *const enosys_fallbacks[] = {
	"clone3", "faccessat2", "fchmodat2",	"close_range", "openat2",
	"statx",  "rseq",	"epoll_pwait2", "pidfd_open",
};

/*
 * Allowed whether recorded or not, under any runtime: these are the
 * workload's, not a runtime's, so they stay here and not in a baseline.
 *   rt_sigreturn  returning from a signal handler is no attack surface, and
 *                 without it any handled signal kills the process: a run that
 *                 happened to see no signal must not produce such a trap.
 *   exit          a thread's end (the last thread of a program that forked but
 *                 started no thread was seen spinning at 93 % CPU on failed
 *                 exit() calls; SPO#142 is the same bug in a peer).
 *   exit_group    the process's end, for the same reason.
 * What a runtime does after installing the filter (runc's Go scheduler,
 * its privilege drop without noNewPrivileges, ...) comes from the runtime
 * baselines (generator/runtime_baselines.h), which learn unions in.
 */
static const char *const always_allowed[] = {"exit", "exit_group", "rt_sigreturn"};

unsigned int dg_syscalls_count(const struct dg_syscalls *s, enum dg_abi abi)
{
	unsigned int n = 0;

	for (unsigned int nr = 0; nr < DG_MAX_SYSCALL; nr++)
		n += s->seen[abi][nr] != 0;
	return n;
}

bool dg_syscalls_seen(const struct dg_syscalls *s, const char *name)
{
	for (int abi = 0; abi < DG_ABI_COUNT; abi++) {
		int nr = seccomp_syscall_resolve_name_arch(dg_abi_arch(abi), name);

		if (nr < 0)
			continue;
		/* x32 numbers are recorded without the x32 bit. */
		nr &= ~DG_X32_SYSCALL_BIT;
		if (nr < DG_MAX_SYSCALL && s->seen[abi][nr])
			return true;
	}
	return false;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool in_sorted(char **names, size_t n, const char *name)
{
	return bsearch(&name, names, n, sizeof(*names), cmp_str) != NULL;
}

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static int push_name(char ***v, size_t *count, size_t *cap, char *name)
{
	if (!name)
		return dg_err(ENOMEM, "out of memory");
	if (*count == *cap) {
		size_t ncap = *cap ? *cap * 2 : 128;
		char **nv = realloc(*v, ncap * sizeof(**v));

		if (!nv) {
			free(name);
			return dg_err(ENOMEM, "out of memory");
		}
		*v = nv;
		*cap = ncap;
	}
	(*v)[(*count)++] = name;
	return 0;
}

/* Append the names of `list` that libseccomp knows. */
static int push_list(char ***v, size_t *count, size_t *cap, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int rc;

		if (seccomp_syscall_resolve_name(list[i]) == __NR_SCMP_ERROR)
			continue;
		rc = push_name(v, count, cap, strdup(list[i]));
		if (rc)
			return rc;
	}
	return 0;
}

struct name_vec {
	char **v;
	size_t count, cap;
};

/* dg_runtime_baseline_each() callback: a baseline's name, if this libseccomp knows it. */
static int push_baseline_name(void *ctx, const char *name)
{
	struct name_vec *nv = ctx;

	return push_list(&nv->v, &nv->count, &nv->cap, &name, 1);
}

/*
 * Collect the recorded names of all ABIs, the always allowed ones and those
 * of the runtime baselines `baselines` (DG_BASELINE_*), sorted and
 * deduplicated, into *names.
 */
static int collect_names(const struct dg_syscalls *s, unsigned int baselines, char ***names,
			 size_t *n)
{
	size_t cap = 0, count = 0, out = 0;
	char **v = NULL;
	int rc;

	for (int abi = 0; abi < DG_ABI_COUNT; abi++) {
		for (unsigned int nr = 0; nr < DG_MAX_SYSCALL; nr++) {
			char *name;

			if (!s->seen[abi][nr])
				continue;
			name = dg_abi_syscall_name(abi, nr);
			if (!name) {
				/*
				 * libseccomp is older than the kernel: an OCI
				 * profile can only name syscalls, so this one
				 * cannot be allowed. Say so loudly.
				 */
				dg_warn("the workload used syscall %u of the %s ABI, which this "
					"libseccomp (%u.%u.%u) cannot name; the profile cannot "
					"allow it and the workload may fail there; a newer "
					"libseccomp names it",
					nr, dg_arch_name(dg_abi_arch(abi)),
					seccomp_version()->major, seccomp_version()->minor,
					seccomp_version()->micro);
				continue;
			}
			rc = push_name(&v, &count, &cap, name);
			if (rc) {
				free_names(v, count);
				return rc;
			}
		}
	}
	rc = push_list(&v, &count, &cap, always_allowed, ARRAY_SIZE(always_allowed));
	if (!rc && baselines) {
		struct name_vec nv = {v, count, cap};

		rc = dg_runtime_baseline_each(baselines, push_baseline_name, &nv);
		v = nv.v;
		count = nv.count;
		cap = nv.cap;
	}
	if (rc) {
		free_names(v, count);
		return rc;
	}
	qsort(v, count, sizeof(*v), cmp_str);
	/* The same name from several ABIs or lists appears once. */
	for (size_t i = 0; i < count; i++) {
		if (out && !strcmp(v[out - 1], v[i]))
			free(v[i]);
		else
			v[out++] = v[i];
	}
	*names = v;
	*n = out;
	return 0;
}

int dg_profile_from_syscalls(const struct dg_syscalls *s, unsigned int baselines,
			     struct dg_profile **out)
{
	_cleanup_(dg_profile_freep) struct dg_profile *p = NULL;
	const struct dg_action allow = {.kind = DG_ACT_ALLOW};
	const struct dg_action enosys = {.kind = DG_ACT_ERRNO, .has_ret = true, .ret = ENOSYS};
	const char *fallbacks[ARRAY_SIZE(enosys_fallbacks)];
	size_t n_names = 0, n_fallbacks = 0;
	char **names = NULL;
	int rc;

	p = dg_profile_new();
	if (!p)
		return dg_err(ENOMEM, "out of memory");
	p->default_action =
		(struct dg_action){.kind = DG_ACT_ERRNO, .has_ret = true, .ret = DG_DEFAULT_ERRNO};

	/* The native ABI always: runtimes keep it in every filter. */
	rc = dg_profile_add_arch(p, SCMP_ARCH_X86_64);
	for (int abi = DG_ABI_X86_64 + 1; rc == 0 && abi < DG_ABI_COUNT; abi++)
		if (dg_syscalls_count(s, abi))
			rc = dg_profile_add_arch(p, dg_abi_arch(abi));
	if (rc)
		return rc;

	rc = collect_names(s, baselines, &names, &n_names);
	if (rc)
		return rc;
	if (n_names)
		rc = dg_profile_add_rule(p, (const char *const *)names, n_names, &allow, NULL, 0);

	for (size_t i = 0; rc == 0 && i < ARRAY_SIZE(enosys_fallbacks); i++) {
		const char *name = enosys_fallbacks[i];

		if (in_sorted(names, n_names, name))
			continue;
		/* Only names libseccomp knows: older libseccomp lacks some. */
		if (seccomp_syscall_resolve_name(name) == __NR_SCMP_ERROR)
			continue;
		fallbacks[n_fallbacks++] = name;
	}
	if (rc == 0 && n_fallbacks)
		rc = dg_profile_add_rule(p, fallbacks, n_fallbacks, &enosys, NULL, 0);
	free_names(names, n_names);
	if (rc)
		return rc;
	*out = TAKE_PTR(p);
	return 0;
}
