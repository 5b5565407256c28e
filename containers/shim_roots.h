/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The runc state directories of the containerd shims that run now, for
 * engines whose state lies where driftguard does not look by default: a
 * dockerd with another --exec-root (snap's docker: /run/snap.docker), a
 * containerd whose runc runtime has another root. Each shim runs runc with
 * --root <root>/<namespace>:
 *  - containerd-shim-runc-v2 reads <root> from options.json in its bundle,
 *    which is its working directory; without one, runc's default for
 *    containerd, /run/containerd/runc;
 *  - the v1 containerd-shim is told -runtime-root <root>.
 * The namespace is the shim's -namespace argument.
 *
 * Only shims that run as root in our own mount namespace count: a process
 * in a container can call itself "containerd-shim", but not leave its mount
 * namespace, and the paths it would name are not ours.
 */
#ifndef __DG_SHIM_ROOTS_H
#define __DG_SHIM_ROOTS_H

#include <stddef.h>

#include "containers/identity.h"

struct dg_shim_root {
	char path[DG_IDENTITY_PATH_MAX];      /* <root>/<namespace> */
	char namespace[DG_IDENTITY_NAME_MAX]; /* containerd's namespace */
};

/*
 * The distinct state directories of the running shims, at most `max`, into
 * `out`; returns how many. Processes that vanish or cannot be read are
 * skipped: this is a best effort that never fails.
 */
size_t dg_shim_roots(struct dg_shim_root *out, size_t max);

#endif /* __DG_SHIM_ROOTS_H */
