/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Learning a container started by an OCI runtime (runc, crun, youki, runsc
 * all share the `run|create --bundle DIR` command line of the OCI runtime
 * CLI). The runtime is given a copy of the bundle's config.json whose
 * linux.seccomp is a permissive "learning" filter. The runtime installs it at
 * the very point where the final profile will apply, so the recorder starts
 * counting a task's syscalls when the task gets a filter (DG_TASK_GATE_SECCOMP)
 * - the runtime's own setup before that point stays out of the profile, and
 * everything after it, the runtime's last steps included, goes in.
 */
#ifndef __DG_LEARN_BUNDLE_H
#define __DG_LEARN_BUNDLE_H

#include <stdbool.h>

struct dg_learn_bundle {
	char dir[64];  /* temporary bundle directory */
	int bundle_arg; /* index in argv of the rewritten bundle argument, -1 if appended */
	bool replaced_seccomp; /* the original config had a seccomp profile */
	char *glued_arg; /* "--bundle=TMP" when the original glued its value */
};

/*
 * If argv (a command line) is an OCI runtime `run` or `create` with a bundle
 * that has config.json, write the learning bundle and return 1 with *new_argv
 * pointing at a rewritten copy of argv (malloc'd; strings shared with argv
 * except the new bundle argument). Returns 0 when argv is not such a command.
 */
int dg_learn_bundle_prepare(char **argv, struct dg_learn_bundle *b, char ***new_argv);

/* Remove the temporary bundle. */
void dg_learn_bundle_cleanup(struct dg_learn_bundle *b);

#endif /* __DG_LEARN_BUNDLE_H */
