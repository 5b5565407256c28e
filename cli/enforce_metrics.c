// SPDX-License-Identifier: GPL-2.0-only
/* enforce --metrics: start, sample, stop (enforce_metrics.h). */
#include "cli/enforce_metrics.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "common/errors.h"

#define BPF_STATS_SYSCTL "/proc/sys/kernel/bpf_stats_enabled"

int enforce_metrics_start(struct enforce_metrics *em, const struct enforce_opts *o)
{
	char where[128];
	int rc;

	*em = (struct enforce_metrics){.stats_fd = -1};
	if (!o->metrics)
		return 0;
	rc = dg_metrics_new(&em->store);
	if (rc)
		return rc;
	rc = dg_metrics_http_start(o->metrics, em->store, &em->http, where, sizeof(where));
	if (rc)
		goto fail;
	if (o->bpf_stats) {
		/* On while the fd is open: closed when we stop, or die. */
		em->stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
		if (em->stats_fd < 0) {
			rc = dg_err(errno,
				    "--bpf-stats: the kernel refused BPF_ENABLE_STATS: %s (it "
				    "needs CAP_SYS_ADMIN and Linux >= 5.8)",
				    strerror(errno));
			goto fail;
		}
	}
	dg_info("metrics: %s%s", where,
		o->bpf_stats ? " (the kernel counts BPF program run time: --bpf-stats)" : "");
	return 0;
fail:
	enforce_metrics_stop(em);
	return rc;
}

/* kernel.bpf_stats_enabled, the sysctl another tool may have set. */
static bool stats_sysctl(void)
{
	_cleanup_fclose_ FILE *f = fopen(BPF_STATS_SYSCTL, "re");
	int on = 0;

	return f && fscanf(f, "%d", &on) == 1 && on;
}

static void set_prog(void *ctx, const char *program, uint64_t run_ns, uint64_t run_cnt)
{
	dg_metrics_set_prog(ctx, program, run_ns, run_cnt);
}

void enforce_metrics_sample(struct enforce_metrics *em, struct dg_enforcer *e,
			    struct dg_flight_watch *flight, bool now)
{
	static const char *const recorder_progs[2] = {"dg_sys_enter", "dg_sys_exit"};
	struct dg_metrics_kernel k = {0};
	struct dg_enforcer_stats stats;
	uint64_t run_ns[2], run_cnt[2];

	if (!em->store || (!now && time(NULL) == em->last_sample))
		return;
	em->last_sample = time(NULL);
	dg_enforcer_stats(e, &stats);
	k.blocked = stats.blocked;
	k.audited = stats.audited;
	k.dropped = stats.dropped;
	k.flight = flight != NULL;
	k.lost_tasks = flight ? dg_flight_watch_lost_tasks(flight) : 0;
	k.bpf_stats = em->stats_fd >= 0 || stats_sysctl();
	dg_metrics_set_kernel(em->store, &k);
	dg_metrics_set_backend(em->store,
			       dg_enforcer_backend(e) == DG_BACKEND_LSM ? "lsm" : "signal");
	/* A failed read keeps the last values: said at debug level, it would repeat each second. */
	if (dg_enforcer_prog_stats(e, set_prog, em->store))
		dg_debug("metrics: %s", dg_errmsg());
	/* enforce's recorder always has rings: both of its programs are loaded. */
	if (flight && !dg_flight_watch_prog_stats(flight, run_ns, run_cnt)) {
		for (int i = 0; i < 2; i++)
			dg_metrics_set_prog(em->store, recorder_progs[i], run_ns[i], run_cnt[i]);
	} else if (flight) {
		dg_debug("metrics: %s", dg_errmsg());
	}
}

void enforce_metrics_stop(struct enforce_metrics *em)
{
	dg_metrics_http_stop(em->http);
	em->http = NULL;
	dg_metrics_free(em->store);
	em->store = NULL;
	if (em->stats_fd >= 0)
		close(em->stats_fd);
	em->stats_fd = -1;
}
