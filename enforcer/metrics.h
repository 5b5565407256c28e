/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * enforce's Prometheus metrics (README, "Metrics"): the counters the event
 * loop keeps and their text exposition format, version 0.0.4. Pure: no
 * HTTP (enforcer/metrics_http.c serves dg_metrics_render()), no BPF (the
 * loop samples the kernel's counters and hands them in).
 *
 * Thread-safe: every function takes the store's mutex, so the event loop
 * counts while the HTTP thread renders. The functions that count or set
 * do nothing with a NULL store (enforce without --metrics).
 *
 * Label cardinality is bounded: the first DG_METRICS_MAX_CONTAINERS
 * container label values and the first DG_METRICS_MAX_RULES rule names
 * keep their own series; later ones are counted under "other". Action,
 * origin and kind come from small fixed sets.
 */
#ifndef __DG_METRICS_H
#define __DG_METRICS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include <jansson.h>

#include "common/cleanup.h"

#define DG_METRICS_MAX_CONTAINERS 64 /* container label values, "host" included */
#define DG_METRICS_MAX_RULES 64	     /* rule label values, across reloads */
#define DG_METRICS_MAX_PROGS 16	     /* BPF programs with run time/count series */
#define DG_METRICS_OTHER "other"     /* the label value beyond a bound */

struct dg_metrics;

int dg_metrics_new(struct dg_metrics **out);
void dg_metrics_free(struct dg_metrics *m);
DG_DEFINE_CLEANUP(struct dg_metrics *, dg_metrics_free);

/*
 * Count one decision, by the event line that enforce writes for it
 * (enforcer/events.h): its "action", "rule", "origin" (the list, joined
 * by ","), "kind" and container ("display", or "host"); a line of
 * --coalesce counts as the "coalesced" decisions it stands for.
 */
void dg_metrics_count_event(struct dg_metrics *m, const json_t *line);

/* Count one decision by its labels (the bounds applied here). */
void dg_metrics_count_decision(struct dg_metrics *m, const char *action, const char *rule,
			       const char *origin, const char *kind, const char *container);

/* The backend in use ("lsm", "signal"): driftguard_backend_info{backend}. */
void dg_metrics_set_backend(struct dg_metrics *m, const char *backend);

/* A policy of n_rules kernel rules was installed: the rules generation goes up by one. */
void dg_metrics_policy_installed(struct dg_metrics *m, unsigned int n_rules);

/* A reload (SIGHUP) ended: ok, or refused (the running policy stayed). */
void dg_metrics_reload(struct dg_metrics *m, bool ok);

/* What the loop reads from the kernel, sampled (at most a second old). */
struct dg_metrics_kernel {
	uint64_t blocked, audited; /* decisions the programs took, events or not */
	uint64_t dropped;	   /* events the full ring buffer lost */
	bool flight;		   /* the flight recorder runs: lost_tasks means something */
	uint64_t lost_tasks;	   /* its tasks that got no task storage */
	bool bpf_stats;		   /* the kernel counts program run time (BPF_ENABLE_STATS) */
};
void dg_metrics_set_kernel(struct dg_metrics *m, const struct dg_metrics_kernel *k);

/*
 * One program's kernel run time and run count (bpf_prog_info run_time_ns,
 * run_cnt; zero while stats are off). `program` is its name in the object;
 * at most DG_METRICS_MAX_PROGS programs are kept.
 */
void dg_metrics_set_prog(struct dg_metrics *m, const char *program, uint64_t run_ns,
			 uint64_t run_cnt);

/*
 * The text exposition format of everything (malloc'd, NUL-terminated);
 * NULL when out of memory.
 */
char *dg_metrics_render(struct dg_metrics *m);

/*
 * A label value as the text format wants it between its quotes: \ " and
 * newline escaped. Writes at most len bytes, NUL included; the length
 * the whole escaped value needs (as snprintf).
 */
size_t dg_metrics_escape_label(const char *value, char *out, size_t len);

/*
 * --metrics ADDR:PORT: "127.0.0.1:9477", "[::1]:9477", or ":9477" (every
 * address, IPv6 and IPv4). Port 0 lets the kernel choose. -EINVAL with a
 * message naming the forms when it is none of them.
 */
int dg_metrics_parse_addr(const char *arg, struct sockaddr_storage *out, socklen_t *len);

#endif /* __DG_METRICS_H */
