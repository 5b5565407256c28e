/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The runtime baselines (profiles/runtimes/NAME.json): what runc and crun
 * themselves do after they have installed a container's seccomp filter,
 * with noNewPrivileges true and false. `learn` unions them into what it
 * writes, so that a profile learned under one runtime and setting starts
 * under the others (profiles/README.md).
 *
 * The files are compiled into the binary (generator/meson.build reads them
 * at configure time): learn gets the baselines that match its own build
 * wherever the binary runs (the build tree, an installed prefix, a copied
 * binary), with no path to look up. The installed copies in
 * ${datadir}/driftguard/profiles/runtimes/ are the same files, for
 * `driftguard merge` by hand. After profiles/generate-baselines.sh, rebuild.
 */
#ifndef __DG_RUNTIME_BASELINES_H
#define __DG_RUNTIME_BASELINES_H

#include <stddef.h>

/* Which baselines: a runtime stands for both of its noNewPrivileges settings. */
#define DG_BASELINE_RUNC (1u << 0)
#define DG_BASELINE_CRUN (1u << 1)
#define DG_BASELINE_ALL (DG_BASELINE_RUNC | DG_BASELINE_CRUN)

/* "all", "runc", "crun", "none" to a DG_BASELINE_* set; -EINVAL with a message otherwise. */
int dg_runtime_baseline_parse(const char *s, unsigned int *out);

/* "runc, runc-nnp, crun, crun-nnp (runc 1.1.5+ds1, crun 1.8.1)" or "none", for a comment. */
void dg_runtime_baseline_describe(unsigned int which, char *buf, size_t len);

/* Calls fn for every syscall name the selected baselines allow (names may repeat). */
int dg_runtime_baseline_each(unsigned int which, int (*fn)(void *ctx, const char *name), void *ctx);

#endif /* __DG_RUNTIME_BASELINES_H */
