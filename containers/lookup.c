// SPDX-License-Identifier: GPL-2.0-only
/* One-shot lookups for commands (see lookup.h). */
#include "containers/lookup.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/errors.h"
#include "containers/cgroups.h"
#include "containers/inventory.h"
#include "containers/procfs.h"
#include "containers/runtime_state.h"

/* The ancestry of a process is at most this long (a loop guard). */
#define MAX_ANCESTRY 64

int dg_container_to_record(const char *state_root, const char *id,
			   struct dg_container_to_record *out)
{
	const char *const roots[] = {state_root, NULL};
	struct dg_inventory_opts o = {.state_roots = roots, .cgroup2_optional = true};
	_cleanup_(dg_inventory_freep) struct dg_inventory *inv = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!dg_id_is_runc(id, strlen(id)))
		return dg_err(EINVAL, "\"%s\" is not a valid container id", id);
	rc = dg_inventory_new(&o, &inv);
	if (rc)
		return rc;
	rc = dg_inventory_by_id(inv, id, &out->ident);
	if (rc == -ENOENT) /* not listed: say why, a state that cannot be read or none */
		rc = dg_runtime_state_read(state_root, id, dg_inventory_cgroup_root(inv),
					   &out->ident);
	if (rc == -ENOENT)
		return dg_err(ENOENT,
			      "no container \"%s\" in %s; list them with `runc list` (`crun list` "
			      "for crun), or pass --runtime-root for another runtime",
			      id, state_root);
	if (rc)
		return rc;
	if (out->ident.init_pid <= 0)
		return dg_err(ESRCH, "container \"%s\" is not running (its init process is gone)",
			      id);
	rc = dg_process_cgroup(out->ident.init_pid, dg_inventory_cgroup_root(inv), out->init_cgroup,
			       sizeof(out->init_cgroup), &out->init_cgroup_id);
	return rc ? dg_err_wrap(rc, "container \"%s\"", id) : 0;
}

int dg_process_cgroup(pid_t pid, const char *cgroup_root, char *path, size_t len, uint64_t *id)
{
	int rc;

	rc = dg_proc_cgroup(pid, path, len);
	if (rc)
		return rc;
	if (cgroup_root && cgroup_root[0]) {
		*id = dg_cgroup_id(cgroup_root, path);
		if (!*id)
			return dg_err(ENOENT, "no cgroup %s under %s", path, cgroup_root);
		return 0;
	}
	/* Hybrid hosts may not mount v2 anywhere: look at it privately. */
	return dg_cgroup_id_unmounted(path, id);
}

int dg_container_of_task(struct dg_inventory *inv, uint64_t cgroup_id, bool in_container,
			 struct dg_identity *out)
{
	/* Whatever stopped the lookup (the host, a cgroup gone, the cgroup
	 * tree changing under the walk), the kernel's judgement decides. */
	if (!dg_inventory_resolve_id(inv, cgroup_id, out))
		return 0;
	dg_err_clear();
	if (!in_container)
		return -ENOENT;
	/* A runtime whose state lies where we do not look, in a cgroup of no
	 * convention: what is known is its cgroup. */
	memset(out, 0, sizeof(*out));
	out->runtime = DG_RUNTIME_UNKNOWN;
	out->cgroup_id = cgroup_id;
	if (dg_inventory_cgroup_path(inv, cgroup_id, out->cgroup, sizeof(out->cgroup)))
		out->cgroup[0] = '\0'; /* gone already: the display gives its id */
	dg_err_clear();
	return 0;
}

int dg_container_ancestry(const char *what, pid_t **out)
{
	struct dg_inventory_opts o = {.cgroup2_optional = true};
	_cleanup_(dg_inventory_freep) struct dg_inventory *inv = NULL;
	_cleanup_free_ pid_t *pids = NULL;
	struct dg_identity c;
	size_t n = 0;
	pid_t pid;
	int rc;

	*out = NULL;
	rc = dg_inventory_new(&o, &inv);
	if (!rc)
		rc = dg_inventory_running_named(inv, what, &c);
	if (rc)
		return rc;
	pids = calloc(MAX_ANCESTRY, sizeof(*pids));
	if (!pids)
		return dg_err(ENOMEM, "out of memory");
	for (pid = c.init_pid; pid > 1 && n + 1 < MAX_ANCESTRY;) {
		struct dg_proc_stat st;

		pids[n++] = pid;
		if (dg_proc_stat(pid, &st))
			break;
		pid = st.ppid;
	}
	dg_err_clear();
	*out = TAKE_PTR(pids);
	return 0;
}
