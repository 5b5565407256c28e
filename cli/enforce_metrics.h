/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * enforce --metrics: the store (enforcer/metrics.h) and its HTTP server
 * started with enforce, and the kernel's counters sampled into the store
 * from the event loop, so that the server's thread never touches BPF.
 */
#ifndef __DG_CLI_ENFORCE_METRICS_H
#define __DG_CLI_ENFORCE_METRICS_H

#include <time.h>

#include "cli/enforce.h"
#include "enforcer/enforcer.h"
#include "enforcer/metrics.h"
#include "enforcer/metrics_http.h"
#include "flight/flight_watch.h"

struct enforce_metrics {
	struct dg_metrics *store; /* NULL without --metrics: counting is a no-op */
	struct dg_metrics_http *http;
	int stats_fd; /* BPF_ENABLE_STATS held for --bpf-stats, else -1 */
	time_t last_sample;
};

/*
 * Serve o->metrics (nothing without it), with the kernel's program stats on
 * for --bpf-stats. On error nothing is left running.
 */
int enforce_metrics_start(struct enforce_metrics *em, const struct enforce_opts *o);

/* Read the kernel's counters into the store: at once with `now`, else once a second. */
void enforce_metrics_sample(struct enforce_metrics *em, struct dg_enforcer *e,
			    struct dg_flight_watch *flight, bool now);

void enforce_metrics_stop(struct enforce_metrics *em);

#endif /* __DG_CLI_ENFORCE_METRICS_H */
