/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The cgroup naming conventions of container engines: docker, containerd
 * (CRI), cri-o, podman and runc/crun with systemd. A pure parser: it reads
 * no file. A path it does not recognise is the host (-ENOENT): it never
 * guesses.
 */
#ifndef __DG_CGROUP_PATH_H
#define __DG_CGROUP_PATH_H

#include <stddef.h>

#include "containers/identity.h"

/*
 * path is a cgroup v2 path ("/docker/<id>"), a line of /proc/PID/cgroup
 * ("0::/docker/<id>"), or a directory under /sys/fs/cgroup or
 * /sys/fs/cgroup/unified. Fills runtime, id, cgroup, pod_uid and qos.
 * Returns 0 for a container, -ENOENT for the host (out->runtime is NONE),
 * -EINVAL for something that is not a cgroup path.
 *
 * Sub-cgroups resolve to the container above them. When container
 * names nest (docker in docker, kind), the outermost wins: the host created
 * that one, while the names below it are the container's own to choose, so
 * a container cannot pass itself off as another by naming a sub-cgroup.
 * Conmon's scopes (crio-conmon-*, libpod-conmon-*) are not containers.
 */
int dg_identity_from_cgroup_path(const char *path, struct dg_identity *out);

/*
 * The cgroup path `path` (any form the parser takes) as "/a/b": prefixes
 * dropped, no doubled or trailing '/'; "/" for the root.
 */
void dg_cgroup_path_normalise(const char *path, char *buf, size_t len);

/* cgroup is `container` or below it ("/ctr1x" is not below "/ctr1"). */
bool dg_cgroup_path_within(const char *cgroup, const char *container);

#endif /* __DG_CGROUP_PATH_H */
