/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The flight recorder's index files (their format: flight.h), shared by the
 * side that publishes them (flight_publish.c, with the pins) and the side
 * that reads them (flight_index.c, dump). No libbpf.
 */
#ifndef __DG_FLIGHT_INDEX_H
#define __DG_FLIGHT_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <jansson.h>

/*
 * The name of an index file, "learn-4242.json": true with its tool
 * ("learn", "enforce"; tool may be NULL) and owner pid; false for anything
 * else (".tmp" files too).
 */
bool dg_flight_index_name(const char *name, char *tool, size_t len, pid_t *pid);

/* The process that published an index (or pinned maps) still runs. */
bool dg_flight_owner_alive(pid_t pid);

/*
 * The index of `tool` process `pid` whose maps are pinned in `pin_dir`:
 * version, entry size and `sessions` (borrowed). NULL when out of memory.
 */
json_t *dg_flight_index_new(const char *tool, pid_t pid, const char *pin_dir, unsigned int entries,
			    json_t *sessions);

/* Write `index` to `path` atomically (a rename). */
int dg_flight_index_write(const char *path, json_t *index);

#endif /* __DG_FLIGHT_INDEX_H */
