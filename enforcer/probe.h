/* SPDX-License-Identifier: GPL-2.0-only */
/* What this kernel supports, probed (never inferred from version numbers). */
#ifndef __DG_PROBE_H
#define __DG_PROBE_H

#include <stdbool.h>

struct dg_feature {
	bool ok;
	char detail[256]; /* why not, or where */
};

struct dg_probe {
	char kernel[128];
	struct dg_feature btf;
	struct dg_feature tp_btf;
	struct dg_feature task_storage;
	struct dg_feature lsm_list;    /* "bpf" in the active LSM list */
	struct dg_feature lsm_prog;    /* an lsm/ program loads, attaches, and runs */
	struct dg_feature trampoline;  /* fentry loads */
	struct dg_feature fentry_prog; /* fentry/security_bprm_check attaches and runs */
	struct dg_feature send_signal;
	struct dg_feature kfunc_path_d_path;
	struct dg_feature kfunc_task_from_pid;
	struct dg_feature kfunc_cgroup_from_id;
	struct dg_feature kfunc_task_under_cgroup;
	char lsms[256];
};

/* Fill *p. Needs root for the program loads; never fails as a whole. */
void dg_probe_run(struct dg_probe *p);

/* True when BPF-LSM can enforce here: bpf is active and a program ran. */
bool dg_probe_lsm_usable(const struct dg_probe *p);

#endif /* __DG_PROBE_H */
