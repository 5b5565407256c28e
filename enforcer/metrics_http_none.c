// SPDX-License-Identifier: GPL-2.0-only
/*
 * metrics_http.h in a build without libmicrohttpd: --metrics is refused
 * with a message that says why and how to get it.
 */
#include "enforcer/metrics_http.h"

#include <errno.h>
#include <stdlib.h>

#include "common/errors.h"

int dg_metrics_http_start(const char *addr, struct dg_metrics *m, struct dg_metrics_http **out,
			  char *where, size_t where_len)
{
	(void)m;
	(void)out;
	(void)where;
	(void)where_len;
	return dg_err(ENOTSUP,
		      "--metrics %s: this driftguard was built without libmicrohttpd, so it "
		      "cannot serve metrics; install libmicrohttpd-dev and rebuild (meson setup "
		      "-Dmetrics=enabled)",
		      addr);
}

void dg_metrics_http_stop(struct dg_metrics_http *h)
{
	free(h);
}
