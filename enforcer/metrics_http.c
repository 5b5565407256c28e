// SPDX-License-Identifier: GPL-2.0-only
/* enforce --metrics served by libmicrohttpd (metrics_http.h). */
#include "enforcer/metrics_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "common/errors.h"

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
/* A scraper holds a connection at most this long; a few may scrape at once. */
#define CONNECTION_TIMEOUT_S 10
#define CONNECTION_LIMIT 16

struct dg_metrics_http {
	struct MHD_Daemon *daemon;
	struct dg_metrics *metrics;
};

static enum MHD_Result reply(struct MHD_Connection *c, unsigned int status, char *body,
			     enum MHD_ResponseMemoryMode mode, const char *type)
{
	struct MHD_Response *r;
	enum MHD_Result rc;

	r = MHD_create_response_from_buffer(strlen(body), body, mode);
	if (!r) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

/* In the server's thread: only dg_metrics_render() touches shared state, under its lock. */
static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **req_cls)
{
	struct dg_metrics_http *h = cls;
	char *text;

	(void)version;
	(void)upload;
	(void)upload_size;
	(void)req_cls;
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET /metrics\n",
			     MHD_RESPMEM_PERSISTENT, "text/plain");
	if (strcmp(url, "/metrics"))
		return reply(c, MHD_HTTP_NOT_FOUND, "driftguard: the metrics are at /metrics\n",
			     MHD_RESPMEM_PERSISTENT, "text/plain");
	text = dg_metrics_render(h->metrics);
	if (!text)
		return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n",
			     MHD_RESPMEM_PERSISTENT, "text/plain");
	return reply(c, MHD_HTTP_OK, text, MHD_RESPMEM_MUST_FREE, CONTENT_TYPE);
}

/* libmicrohttpd's own messages: their port is 0 (we pass a sockaddr), ours say it right. */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[256];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && msg[n - 1] == '\n')
		msg[--n] = 0;
	dg_debug("metrics server: %s", msg);
}

/* What to do about a failed bind, by its errno. */
static const char *bind_hint(int err)
{
	switch (err) {
	case EADDRINUSE:
		return "another process listens there: pick another port";
	case EADDRNOTAVAIL:
		return "the address is not one of this machine's";
	case EAFNOSUPPORT:
		return "this address family is off here, or forbidden by a sandbox (systemd's "
		       "RestrictAddressFamilies= needs AF_INET AF_INET6)";
	case EACCES:
		return "ports below 1024 need CAP_NET_BIND_SERVICE: pick one above";
	default:
		return "check the address and port";
	}
}

static void describe(const struct sockaddr_storage *ss, unsigned int port, char *where,
		     size_t where_len)
{
	char host[INET6_ADDRSTRLEN] = "";

	if (ss->ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, host,
			  sizeof(host));
		snprintf(where, where_len, "http://[%s]:%u/metrics", host, port);
	} else {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, host, sizeof(host));
		snprintf(where, where_len, "http://%s:%u/metrics", host, port);
	}
}

int dg_metrics_http_start(const char *addr, struct dg_metrics *m, struct dg_metrics_http **out,
			  char *where, size_t where_len)
{
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	_cleanup_free_ struct dg_metrics_http *h = NULL;
	const union MHD_DaemonInfo *info;
	struct sockaddr_storage ss;
	sigset_t all, old;
	socklen_t len;
	int rc;

	rc = dg_metrics_parse_addr(addr, &ss, &len);
	if (rc)
		return rc;
	h = calloc(1, sizeof(*h));
	if (!h)
		return dg_err(ENOMEM, "out of memory");
	h->metrics = m;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/* ":PORT" is every address: IPv4 too, through the IPv6 socket. */
	if (ss.ss_family == AF_INET6 &&
	    !memcmp(&((struct sockaddr_in6 *)&ss)->sin6_addr, &in6addr_any, sizeof(in6addr_any)))
		flags |= MHD_USE_DUAL_STACK;
	/*
	 * The server's thread inherits our signal mask: with every signal
	 * blocked there, SIGHUP and SIGTERM reach the event loop's thread.
	 */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	errno = 0;
	h->daemon =
		MHD_start_daemon(flags, 0, NULL, NULL, answer, h, MHD_OPTION_EXTERNAL_LOGGER,
				 mhd_log, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				 MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)CONNECTION_TIMEOUT_S,
				 MHD_OPTION_CONNECTION_LIMIT, (unsigned int)CONNECTION_LIMIT,
				 MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_END);
	rc = errno ? errno : EADDRNOTAVAIL;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!h->daemon)
		return dg_err(rc, "--metrics %s: cannot serve there: %s (%s)", addr, strerror(rc),
			      bind_hint(rc));
	info = MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_BIND_PORT);
	describe(&ss, info ? info->port : 0, where, where_len);
	*out = TAKE_PTR(h);
	return 0;
}

void dg_metrics_http_stop(struct dg_metrics_http *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->daemon);
	free(h);
}
