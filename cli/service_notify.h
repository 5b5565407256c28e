/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Telling the service manager where enforce stands (sd_notify(3), for the
 * unit's Type=notify): READY=1 once it enforces, RELOADING=1 then READY=1
 * around a reload, STOPPING=1 when it stops. Nothing happens when
 * NOTIFY_SOCKET is not set (not run by systemd), or in a build without
 * libsystemd (then the unit is Type=simple: deploy/meson.build).
 */
#ifndef __DG_SERVICE_NOTIFY_H
#define __DG_SERVICE_NOTIFY_H

/* Enforcing: the programs attached, the policy installed, SIGHUP handled. */
void dg_notify_ready(void);
/* A reload begins; dg_notify_ready() when it ended, whether the rules were taken or not. */
void dg_notify_reloading(void);
void dg_notify_stopping(void);

#endif /* __DG_SERVICE_NOTIFY_H */
