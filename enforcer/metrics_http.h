/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The HTTP side of enforce --metrics: GET /metrics answers
 * dg_metrics_render() (text format 0.0.4), served by libmicrohttpd from its
 * own thread, so a slow or stuck scraper never holds up the event loop. A
 * build without libmicrohttpd (meson -Dmetrics=disabled, or its -dev
 * package missing) has metrics_http_none.c instead, which refuses with a
 * message saying so.
 */
#ifndef __DG_METRICS_HTTP_H
#define __DG_METRICS_HTTP_H

#include <stddef.h>

#include "common/cleanup.h"
#include "enforcer/metrics.h"

struct dg_metrics_http;

/*
 * Listen on `addr` (dg_metrics_parse_addr()'s forms) and serve `m`, which
 * must outlive the server. `where` receives "http://ADDR:PORT/metrics"
 * with the port really bound (also when 0 was asked for).
 */
int dg_metrics_http_start(const char *addr, struct dg_metrics *m, struct dg_metrics_http **out,
			  char *where, size_t where_len);
/* Stop serving: waits for the server thread, closes the socket. */
void dg_metrics_http_stop(struct dg_metrics_http *h);
DG_DEFINE_CLEANUP(struct dg_metrics_http *, dg_metrics_http_stop);

#endif /* __DG_METRICS_HTTP_H */
