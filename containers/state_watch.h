/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Did a runtime's state directory change? inotify on each state directory,
 * on each container directory in it (a container's state file is written,
 * renamed into place, after its directory appears, and before its process
 * runs the container's command), and on the nearest existing parent of a
 * state directory that does not exist yet (runc makes /run/runc at its
 * first container); the directories' mtimes as a fallback.
 */
#ifndef __DG_STATE_WATCH_H
#define __DG_STATE_WATCH_H

#include <stdbool.h>

#include "common/cleanup.h"

struct dg_state_watch;

/* roots: NULL-terminated, borrowed for the life of the watch. */
int dg_state_watch_new(const char *const *roots, struct dg_state_watch **out);
void dg_state_watch_free(struct dg_state_watch *w);
DG_DEFINE_CLEANUP(struct dg_state_watch *, dg_state_watch_free);

/* One more state directory (borrowed like the others), from the next call on. */
int dg_state_watch_add(struct dg_state_watch *w, const char *root);

/* Readable (poll(2)) when something changed. */
int dg_state_watch_fd(const struct dg_state_watch *w);

/*
 * Whether a state directory may have changed since the last call (true the
 * first time): drains the fd and watches what appeared. Cheap.
 */
bool dg_state_watch_changed(struct dg_state_watch *w);

#endif /* __DG_STATE_WATCH_H */
