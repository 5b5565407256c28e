// SPDX-License-Identifier: GPL-2.0-only
/* bpffs mounted where driftguard pins (bpffs.h). */
#include "common/bpffs.h"

#include <errno.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "common/errors.h"

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif

int dg_bpffs_ensure(void)
{
	struct statfs st;

	if (statfs(DG_BPFFS_MOUNT, &st) == 0 && st.f_type == BPF_FS_MAGIC)
		return 0;
	if (mount("bpf", DG_BPFFS_MOUNT, "bpf", 0, "mode=0700"))
		return dg_err(errno, "cannot mount bpffs on %s: %s; mount it (mount -t bpf bpf %s)",
			      DG_BPFFS_MOUNT, strerror(errno), DG_BPFFS_MOUNT);
	dg_debug("mounted bpffs on %s", DG_BPFFS_MOUNT);
	return 0;
}

int dg_bpffs_mkdir(const char *dir)
{
	if (mkdir(dir, 0700) && errno != EEXIST)
		return dg_err(errno, "cannot create %s: %s", dir, strerror(errno));
	return 0;
}
