/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bpffs, where driftguard pins what must outlive a process: the flight
 * recorder's rings (flight/flight_publish.c, DG_BPFFS_ROOT/<owner pid>/)
 * and the enforcer's programs, links and maps (enforcer/pinning.c,
 * DG_BPFFS_ROOT/enforce/). Names in bpffs cannot contain a dot.
 */
#ifndef __DG_BPFFS_H
#define __DG_BPFFS_H

#define DG_BPFFS_MOUNT "/sys/fs/bpf"
#define DG_BPFFS_ROOT DG_BPFFS_MOUNT "/driftguard"

/* bpffs on /sys/fs/bpf, mounted (mode 0700) if it is not, as systemd does at boot. */
int dg_bpffs_ensure(void);

/* mkdir that accepts an existing directory; a message on error. */
int dg_bpffs_mkdir(const char *dir);

#endif /* __DG_BPFFS_H */
