// SPDX-License-Identifier: GPL-2.0-only
/*
 * enforce's Prometheus metrics (enforcer/metrics.c): label escaping, the
 * cardinality bounds, the text format of every family, counting from an
 * event line, and --metrics ADDR:PORT.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/errors.h"
#include "enforcer/metrics.h"

/* The rendered text, freed by the caller. */
static char *render(struct dg_metrics *m)
{
	char *text = dg_metrics_render(m);

	assert_non_null(text);
	return text;
}

/* How many lines of `text` start with `prefix`. */
static int lines_starting(const char *text, const char *prefix)
{
	int n = 0;

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, prefix, strlen(prefix)))
			n++;
	return n;
}

static void test_escape(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(dg_metrics_escape_label("plain", out, sizeof(out)), 5);
	assert_string_equal(out, "plain");
	assert_int_equal(dg_metrics_escape_label("a\\b\"c\nd", out, sizeof(out)), 10);
	assert_string_equal(out, "a\\\\b\\\"c\\nd");
	/* Truncated like snprintf: the length it needs, a terminated prefix. */
	assert_int_equal(dg_metrics_escape_label("\"\"\"", out, 4), 6);
	assert_string_equal(out, "\\\"\\");
	assert_int_equal(dg_metrics_escape_label("x", NULL, 0), 1);
}

static void test_empty_format(void **state)
{
	_cleanup_(dg_metrics_freep) struct dg_metrics *m = NULL;
	_cleanup_free_ char *text = NULL;

	(void)state;
	assert_int_equal(dg_metrics_new(&m), 0);
	text = render(m);
	/* Every family has HELP and TYPE, counters end in _total. */
	static const char *const families[][2] = {
		{"driftguard_decisions_total", "counter"},
		{"driftguard_kernel_decisions_total", "counter"},
		{"driftguard_events_dropped_total", "counter"},
		{"driftguard_flight_recorder_tasks_lost_total", "counter"},
		{"driftguard_rules_generation", "gauge"},
		{"driftguard_rules", "gauge"},
		{"driftguard_rules_reloads_total", "counter"},
		{"driftguard_rules_reload_failures_total", "counter"},
		{"driftguard_backend_info", "gauge"},
		{"driftguard_bpf_stats_enabled", "gauge"},
		{"driftguard_bpf_prog_run_seconds_total", "counter"},
		{"driftguard_bpf_prog_runs_total", "counter"},
	};
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		char help[128], type[128];

		snprintf(help, sizeof(help), "# HELP %s ", families[i][0]);
		snprintf(type, sizeof(type), "# TYPE %s %s\n", families[i][0], families[i][1]);
		assert_int_equal(lines_starting(text, help), 1);
		assert_non_null(strstr(text, type));
	}
	assert_int_equal(lines_starting(text, "# HELP "), 12);
	/* No decision yet: no series; no backend yet: no info series. */
	assert_int_equal(lines_starting(text, "driftguard_decisions_total{"), 0);
	assert_int_equal(lines_starting(text, "driftguard_backend_info{"), 0);
	assert_non_null(strstr(text, "\ndriftguard_events_dropped_total 0\n"));
	assert_non_null(strstr(text, "\ndriftguard_rules_generation 0\n"));
	assert_int_equal(text[strlen(text) - 1], '\n');
}

static void test_decisions(void **state)
{
	_cleanup_(dg_metrics_freep) struct dg_metrics *m = NULL;
	_cleanup_free_ char *text = NULL;

	(void)state;
	assert_int_equal(dg_metrics_new(&m), 0);
	dg_metrics_count_decision(m, "block", "no-drift", "upper", "binary", "runc:abc");
	dg_metrics_count_decision(m, "block", "no-drift", "upper", "binary", "runc:abc");
	dg_metrics_count_decision(m, "audit", "say \"hi\"\n", "memfd", "script", "host");
	text = render(m);
	assert_non_null(strstr(text,
			       "\ndriftguard_decisions_total{action=\"block\",rule=\"no-drift\","
			       "origin=\"upper\",kind=\"binary\",container=\"runc:abc\"} 2\n"));
	assert_non_null(strstr(text, "\ndriftguard_decisions_total{action=\"audit\",rule=\"say "
				     "\\\"hi\\\"\\n\",origin=\"memfd\",kind=\"script\","
				     "container=\"host\"} 1\n"));
	assert_int_equal(lines_starting(text, "driftguard_decisions_total{"), 2);
}

static void test_container_bound(void **state)
{
	_cleanup_(dg_metrics_freep) struct dg_metrics *m = NULL;
	_cleanup_free_ char *text = NULL;
	char name[32];

	(void)state;
	assert_int_equal(dg_metrics_new(&m), 0);
	for (int i = 0; i < DG_METRICS_MAX_CONTAINERS + 10; i++) {
		snprintf(name, sizeof(name), "runc:c%d", i);
		dg_metrics_count_decision(m, "block", "r", "upper", "binary", name);
	}
	/* The first ones again keep their own series. */
	dg_metrics_count_decision(m, "block", "r", "upper", "binary", "runc:c0");
	text = render(m);
	assert_int_equal(lines_starting(text, "driftguard_decisions_total{"),
			 DG_METRICS_MAX_CONTAINERS + 1);
	assert_non_null(strstr(text, "container=\"runc:c0\"} 2\n"));
	snprintf(name, sizeof(name), "container=\"runc:c%d\"}", DG_METRICS_MAX_CONTAINERS - 1);
	assert_non_null(strstr(text, name));
	snprintf(name, sizeof(name), "container=\"runc:c%d\"}", DG_METRICS_MAX_CONTAINERS);
	assert_null(strstr(text, name));
	assert_non_null(strstr(text, "container=\"other\"} 10\n"));
}

static void test_rule_bound(void **state)
{
	_cleanup_(dg_metrics_freep) struct dg_metrics *m = NULL;
	_cleanup_free_ char *text = NULL;
	char rule[32];

	(void)state;
	assert_int_equal(dg_metrics_new(&m), 0);
	for (int i = 0; i < DG_METRICS_MAX_RULES + 3; i++) {
		snprintf(rule, sizeof(rule), "rule-%d", i);
		dg_metrics_count_decision(m, "audit", rule, "upper", "binary", "host");
	}
	text = render(m);
	assert_int_equal(lines_starting(text, "driftguard_decisions_total{"),
			 DG_METRICS_MAX_RULES + 1);
	assert_non_null(strstr(text, "rule=\"other\",origin=\"upper\",kind=\"binary\","
				     "container=\"host\"} 3\n"));
}

static void test_count_event(void **state)
{
	_cleanup_(dg_metrics_freep) struct dg_metrics *m = NULL;
	_cleanup_free_ char *text = NULL;
	json_t *container = json_pack("{s:s, s:s, s:s, s:s}", "runtime", "docker", "id", "abc",
				      "name", "web", "display", "docker:abc (web)");
	json_t *line = json_pack("{s:o, s:[s,s], s:s, s:s, s:s}", "container", container, "origin",
				 "memfd", "off-rootfs", "kind", "binary", "rule", "no-memfd",
				 "action", "block");
	json_t *host =
		json_pack("{s:{s:s}, s:[s], s:s, s:s, s:s}", "container", "runtime", "host",
			  "origin", "upper", "kind", "script", "rule", "r", "action", "audit");

	(void)state;
	assert_int_equal(dg_metrics_new(&m), 0);
	dg_metrics_count_event(m, line);
	dg_metrics_count_event(m, host);
	dg_metrics_count_event(NULL, line); /* without --metrics: nothing */
	json_decref(line);
	json_decref(host);
	text = render(m);
	assert_non_null(strstr(text,
			       "{action=\"block\",rule=\"no-memfd\",origin=\"memfd,off-rootfs\","
			       "kind=\"binary\",container=\"docker:abc (web)\"} 1\n"));
	assert_non_null(strstr(text, "{action=\"audit\",rule=\"r\",origin=\"upper\","
				     "kind=\"script\",container=\"host\"} 1\n"));
}

static void test_policy_kernel_progs(void **state)
{
	_cleanup_(dg_metrics_freep) struct dg_metrics *m = NULL;
	_cleanup_free_ char *text = NULL;
	struct dg_metrics_kernel k = {.blocked = 5,
				      .audited = 2,
				      .dropped = 1,
				      .flight = true,
				      .lost_tasks = 3,
				      .bpf_stats = true};

	(void)state;
	assert_int_equal(dg_metrics_new(&m), 0);
	dg_metrics_policy_installed(m, 4);
	dg_metrics_policy_installed(m, 6);
	dg_metrics_reload(m, true);
	dg_metrics_reload(m, false);
	dg_metrics_set_backend(m, "signal");
	dg_metrics_set_kernel(m, &k);
	dg_metrics_set_prog(m, "dg_exec_signal", 1500000001ULL, 42);
	dg_metrics_set_prog(m, "dg_exec_signal", 2000000000ULL, 43); /* updated, not added */
	for (int i = 0; i < DG_METRICS_MAX_PROGS + 2; i++) {
		char name[16];

		snprintf(name, sizeof(name), "p%d", i);
		dg_metrics_set_prog(m, name, 7, 1);
	}
	text = render(m);
	assert_non_null(strstr(text, "\ndriftguard_rules_generation 2\n"));
	assert_non_null(strstr(text, "\ndriftguard_rules 6\n"));
	assert_non_null(strstr(text, "\ndriftguard_rules_reloads_total 2\n"));
	assert_non_null(strstr(text, "\ndriftguard_rules_reload_failures_total 1\n"));
	assert_non_null(strstr(text, "\ndriftguard_backend_info{backend=\"signal\"} 1\n"));
	assert_non_null(strstr(text, "\ndriftguard_kernel_decisions_total{action=\"block\"} 5\n"));
	assert_non_null(strstr(text, "\ndriftguard_kernel_decisions_total{action=\"audit\"} 2\n"));
	assert_non_null(strstr(text, "\ndriftguard_events_dropped_total 1\n"));
	assert_non_null(strstr(text, "\ndriftguard_flight_recorder_tasks_lost_total 3\n"));
	assert_non_null(strstr(text, "\ndriftguard_bpf_stats_enabled 1\n"));
	assert_non_null(
		strstr(text, "\ndriftguard_bpf_prog_run_seconds_total{program=\"dg_exec_signal\"} "
			     "2.000000000\n"));
	assert_non_null(
		strstr(text, "\ndriftguard_bpf_prog_runs_total{program=\"dg_exec_signal\"} 43\n"));
	assert_non_null(strstr(text, "{program=\"p0\"} 0.000000007\n"));
	assert_int_equal(lines_starting(text, "driftguard_bpf_prog_runs_total{"),
			 DG_METRICS_MAX_PROGS);
}

static void test_parse_addr(void **state)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *in = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	static const char *const bad[] = {"",		"9477",		  "127.0.0.1",
					  "127.0.0.1:", "localhost:9477", "1.2.3.4:65536",
					  "1.2.3.4:-1", "1.2.3.4:9x",	  "::1:9477",
					  "[::1:9477",	"[1.2.3.4]:9477"};
	socklen_t len;
	char host[INET6_ADDRSTRLEN];

	(void)state;
	assert_int_equal(dg_metrics_parse_addr("127.0.0.1:9477", &ss, &len), 0);
	assert_int_equal(ss.ss_family, AF_INET);
	assert_int_equal(len, sizeof(*in));
	assert_int_equal(ntohs(in->sin_port), 9477);
	assert_int_equal(ntohl(in->sin_addr.s_addr), INADDR_LOOPBACK);
	assert_int_equal(dg_metrics_parse_addr("[::1]:0", &ss, &len), 0);
	assert_int_equal(ss.ss_family, AF_INET6);
	assert_int_equal(len, sizeof(*in6));
	assert_int_equal(ntohs(in6->sin6_port), 0);
	assert_string_equal(inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host)), "::1");
	assert_int_equal(dg_metrics_parse_addr(":65535", &ss, &len), 0);
	assert_int_equal(ss.ss_family, AF_INET6);
	assert_int_equal(ntohs(in6->sin6_port), 65535);
	assert_string_equal(inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host)), "::");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(dg_metrics_parse_addr(bad[i], &ss, &len), -EINVAL);
		assert_non_null(strstr(dg_errmsg(), "want ADDR:PORT"));
		dg_err_clear();
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_empty_format),
		cmocka_unit_test(test_decisions),
		cmocka_unit_test(test_container_bound),
		cmocka_unit_test(test_rule_bound),
		cmocka_unit_test(test_count_event),
		cmocka_unit_test(test_policy_kernel_progs),
		cmocka_unit_test(test_parse_addr),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
