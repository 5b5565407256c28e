// SPDX-License-Identifier: GPL-2.0-only
/* enforce's Prometheus metrics: the counters and their text format (metrics.h). */
#include "enforcer/metrics.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errors.h"
#include "common/macros.h"

enum { L_ACTION, L_RULE, L_ORIGIN, L_KIND, L_CONTAINER, N_LABELS };
static const char *const label_names[N_LABELS] = {"action", "rule", "origin", "kind", "container"};

struct decision {
	char *labels[N_LABELS];
	uint64_t count;
};

struct prog {
	char name[64];
	uint64_t run_ns, run_cnt;
};

struct dg_metrics {
	pthread_mutex_t lock;
	struct decision *decisions; /* in the order they were first seen */
	size_t n_decisions, cap;
	json_t *index;		    /* joined labels -> index in decisions */
	json_t *containers, *rules; /* label values that have their own series */
	char backend[16];	    /* "" until set */
	uint64_t generation;
	unsigned int n_rules;
	uint64_t reloads, reload_failures;
	struct dg_metrics_kernel kernel;
	struct prog progs[DG_METRICS_MAX_PROGS];
	size_t n_progs;
};

int dg_metrics_new(struct dg_metrics **out)
{
	struct dg_metrics *m = calloc(1, sizeof(*m));

	if (!m)
		return dg_err(ENOMEM, "out of memory");
	pthread_mutex_init(&m->lock, NULL);
	m->index = json_object();
	m->containers = json_object();
	m->rules = json_object();
	if (!m->index || !m->containers || !m->rules) {
		dg_metrics_free(m);
		return dg_err(ENOMEM, "out of memory");
	}
	*out = m;
	return 0;
}

void dg_metrics_free(struct dg_metrics *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n_decisions; i++)
		for (int l = 0; l < N_LABELS; l++)
			free(m->decisions[i].labels[l]);
	free(m->decisions);
	json_decref(m->index);
	json_decref(m->containers);
	json_decref(m->rules);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

/* `value` when it has its own series or there is room for one more, else "other". */
static const char *bounded(json_t *seen, size_t max, const char *value)
{
	if (json_object_get(seen, value))
		return value;
	if (json_object_size(seen) >= max)
		return DG_METRICS_OTHER;
	json_object_set_new_nocheck(seen, value, json_true());
	return value;
}

/* The series of these labels, made when new; NULL when out of memory. */
static struct decision *find_decision(struct dg_metrics *m, const char *const labels[N_LABELS])
{
	_cleanup_free_ char *key = NULL;
	struct decision *d;
	size_t len = 0;
	FILE *f;

	/* Each value prefixed by its length: no two label sets share a key. */
	f = open_memstream(&key, &len);
	if (!f)
		return NULL;
	for (int l = 0; l < N_LABELS; l++)
		fprintf(f, "%zu:%s", strlen(labels[l]), labels[l]);
	if (fclose(f))
		return NULL;
	json_t *at = json_object_get(m->index, key);
	if (at)
		return &m->decisions[json_integer_value(at)];
	if (m->n_decisions == m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 16;
		struct decision *grown = realloc(m->decisions, cap * sizeof(*grown));

		if (!grown)
			return NULL;
		m->decisions = grown;
		m->cap = cap;
	}
	d = &m->decisions[m->n_decisions];
	memset(d, 0, sizeof(*d));
	for (int l = 0; l < N_LABELS; l++) {
		d->labels[l] = strdup(labels[l]);
		if (!d->labels[l]) {
			for (int k = 0; k < l; k++)
				free(d->labels[k]);
			return NULL;
		}
	}
	if (json_object_set_new_nocheck(m->index, key, json_integer((json_int_t)m->n_decisions))) {
		for (int l = 0; l < N_LABELS; l++)
			free(d->labels[l]);
		return NULL;
	}
	m->n_decisions++;
	return d;
}

/* n decisions with these labels. */
static void count_decisions(struct dg_metrics *m, const char *action, const char *rule,
			    const char *origin, const char *kind, const char *container, uint64_t n)
{
	struct decision *d;

	if (!m)
		return;
	pthread_mutex_lock(&m->lock);
	const char *labels[N_LABELS] = {
		[L_ACTION] = action,
		[L_RULE] = bounded(m->rules, DG_METRICS_MAX_RULES, rule),
		[L_ORIGIN] = origin,
		[L_KIND] = kind,
		[L_CONTAINER] = bounded(m->containers, DG_METRICS_MAX_CONTAINERS, container),
	};
	d = find_decision(m, labels);
	if (d)
		d->count += n;
	pthread_mutex_unlock(&m->lock);
}

void dg_metrics_count_decision(struct dg_metrics *m, const char *action, const char *rule,
			       const char *origin, const char *kind, const char *container)
{
	count_decisions(m, action, rule, origin, kind, container, 1);
}

static const char *string_or(const json_t *v, const char *fallback)
{
	return json_is_string(v) ? json_string_value(v) : fallback;
}

void dg_metrics_count_event(struct dg_metrics *m, const json_t *line)
{
	const json_t *container = json_object_get(line, "container");
	const json_t *origins = json_object_get(line, "origin");
	const json_t *coalesced = json_object_get(line, "coalesced");
	char origin[128] = "";
	uint64_t decisions = 1;
	size_t i, used = 0;
	json_t *o;

	if (!m)
		return;
	json_array_foreach(origins, i, o)
	{
		int n = snprintf(origin + used, sizeof(origin) - used, "%s%s", i ? "," : "",
				 string_or(o, "unknown"));

		if (n < 0 || (size_t)n >= sizeof(origin) - used)
			break;
		used += n;
	}
	/* A --coalesce line stands for "coalesced" decisions. */
	if (json_integer_value(coalesced) > 0)
		decisions = (uint64_t)json_integer_value(coalesced);
	count_decisions(m, string_or(json_object_get(line, "action"), "unknown"),
			string_or(json_object_get(line, "rule"), "?"), used ? origin : "unknown",
			string_or(json_object_get(line, "kind"), "unknown"),
			string_or(json_object_get(container, "display"), "host"), decisions);
}

void dg_metrics_set_backend(struct dg_metrics *m, const char *backend)
{
	if (!m)
		return;
	pthread_mutex_lock(&m->lock);
	snprintf(m->backend, sizeof(m->backend), "%s", backend);
	pthread_mutex_unlock(&m->lock);
}

void dg_metrics_policy_installed(struct dg_metrics *m, unsigned int n_rules)
{
	if (!m)
		return;
	pthread_mutex_lock(&m->lock);
	m->generation++;
	m->n_rules = n_rules;
	pthread_mutex_unlock(&m->lock);
}

void dg_metrics_reload(struct dg_metrics *m, bool ok)
{
	if (!m)
		return;
	pthread_mutex_lock(&m->lock);
	m->reloads++;
	if (!ok)
		m->reload_failures++;
	pthread_mutex_unlock(&m->lock);
}

void dg_metrics_set_kernel(struct dg_metrics *m, const struct dg_metrics_kernel *k)
{
	if (!m)
		return;
	pthread_mutex_lock(&m->lock);
	m->kernel = *k;
	pthread_mutex_unlock(&m->lock);
}

void dg_metrics_set_prog(struct dg_metrics *m, const char *program, uint64_t run_ns,
			 uint64_t run_cnt)
{
	size_t i;

	if (!m)
		return;
	pthread_mutex_lock(&m->lock);
	for (i = 0; i < m->n_progs; i++)
		if (!strcmp(m->progs[i].name, program))
			break;
	if (i == m->n_progs && m->n_progs < ARRAY_SIZE(m->progs))
		snprintf(m->progs[m->n_progs++].name, sizeof(m->progs[i].name), "%s", program);
	if (i < m->n_progs) {
		m->progs[i].run_ns = run_ns;
		m->progs[i].run_cnt = run_cnt;
	}
	pthread_mutex_unlock(&m->lock);
}

size_t dg_metrics_escape_label(const char *value, char *out, size_t len)
{
	size_t n = 0;

	for (const char *p = value; *p; p++) {
		const char *esc = *p == '\\'   ? "\\\\"
				  : *p == '"'  ? "\\\""
				  : *p == '\n' ? "\\n"
					       : NULL;
		char one[2] = {*p, 0};

		for (const char *c = esc ? esc : one; *c; c++, n++)
			if (n + 1 < len)
				out[n] = *c;
	}
	if (len)
		out[n < len ? n : len - 1] = 0;
	return n;
}

/* `value`, escaped, between quotes. */
static void put_label(FILE *f, const char *name, const char *value, bool first)
{
	size_t need = dg_metrics_escape_label(value, NULL, 0) + 1;
	_cleanup_free_ char *esc = malloc(need);

	if (!esc)
		return;
	dg_metrics_escape_label(value, esc, need);
	fprintf(f, "%s%s=\"%s\"", first ? "" : ",", name, esc);
}

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void render_decisions(struct dg_metrics *m, FILE *f)
{
	family(f, "driftguard_decisions_total", "counter",
	       "Exec decisions of the drift rules that reached enforce as events, by action, "
	       "rule, origin, kind and container (label values beyond the bounds are \"other\")");
	for (size_t i = 0; i < m->n_decisions; i++) {
		fputs("driftguard_decisions_total{", f);
		for (int l = 0; l < N_LABELS; l++)
			put_label(f, label_names[l], m->decisions[i].labels[l], l == 0);
		fprintf(f, "} %" PRIu64 "\n", m->decisions[i].count);
	}
	family(f, "driftguard_kernel_decisions_total", "counter",
	       "Decisions the kernel programs took, also those whose event was dropped");
	fprintf(f, "driftguard_kernel_decisions_total{action=\"block\"} %" PRIu64 "\n",
		m->kernel.blocked);
	fprintf(f, "driftguard_kernel_decisions_total{action=\"audit\"} %" PRIu64 "\n",
		m->kernel.audited);
	family(f, "driftguard_events_dropped_total", "counter",
	       "Decision events lost because the ring buffer was full (the decisions were still "
	       "enforced)");
	fprintf(f, "driftguard_events_dropped_total %" PRIu64 "\n", m->kernel.dropped);
	family(f, "driftguard_flight_recorder_tasks_lost_total", "counter",
	       "Container tasks the flight recorder could not record (no task storage); "
	       "0 with --flight-recorder 0");
	fprintf(f, "driftguard_flight_recorder_tasks_lost_total %" PRIu64 "\n",
		m->kernel.flight ? m->kernel.lost_tasks : 0);
}

static void render_policy(struct dg_metrics *m, FILE *f)
{
	family(f, "driftguard_rules_generation", "gauge",
	       "Policies installed since enforce started: at start, each reload, each "
	       "re-resolution of container selectors that changed the policy");
	fprintf(f, "driftguard_rules_generation %" PRIu64 "\n", m->generation);
	family(f, "driftguard_rules", "gauge", "Kernel rules of the running policy");
	fprintf(f, "driftguard_rules %u\n", m->n_rules);
	family(f, "driftguard_rules_reloads_total", "counter",
	       "Reloads of the rules file asked for (SIGHUP, driftguard reload)");
	fprintf(f, "driftguard_rules_reloads_total %" PRIu64 "\n", m->reloads);
	family(f, "driftguard_rules_reload_failures_total", "counter",
	       "Reloads refused (a bad rules file): the running policy stayed");
	fprintf(f, "driftguard_rules_reload_failures_total %" PRIu64 "\n", m->reload_failures);
	family(f, "driftguard_backend_info", "gauge",
	       "The enforcing backend: lsm (BPF-LSM refuses the exec) or signal (SIGKILL)");
	if (m->backend[0]) {
		fputs("driftguard_backend_info{", f);
		put_label(f, "backend", m->backend, true);
		fputs("} 1\n", f);
	}
}

static void render_progs(struct dg_metrics *m, FILE *f)
{
	family(f, "driftguard_bpf_stats_enabled", "gauge",
	       "1 when the kernel counts BPF program run time (kernel.bpf_stats_enabled, "
	       "BPF_ENABLE_STATS); the program counters stand still while 0");
	fprintf(f, "driftguard_bpf_stats_enabled %d\n", m->kernel.bpf_stats ? 1 : 0);
	family(f, "driftguard_bpf_prog_run_seconds_total", "counter",
	       "Time the kernel spent in each of enforce's BPF programs (while stats are on)");
	for (size_t i = 0; i < m->n_progs; i++) {
		fputs("driftguard_bpf_prog_run_seconds_total{", f);
		put_label(f, "program", m->progs[i].name, true);
		fprintf(f, "} %" PRIu64 ".%09" PRIu64 "\n", m->progs[i].run_ns / 1000000000u,
			m->progs[i].run_ns % 1000000000u);
	}
	family(f, "driftguard_bpf_prog_runs_total", "counter",
	       "Runs of each of enforce's BPF programs (while stats are on)");
	for (size_t i = 0; i < m->n_progs; i++) {
		fputs("driftguard_bpf_prog_runs_total{", f);
		put_label(f, "program", m->progs[i].name, true);
		fprintf(f, "} %" PRIu64 "\n", m->progs[i].run_cnt);
	}
}

char *dg_metrics_render(struct dg_metrics *m)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	pthread_mutex_lock(&m->lock);
	render_decisions(m, f);
	render_policy(m, f);
	render_progs(m, f);
	pthread_mutex_unlock(&m->lock);
	if (fclose(f)) {
		free(text);
		return NULL;
	}
	return text;
}

static int bad_addr(const char *arg)
{
	return dg_err(EINVAL,
		      "--metrics \"%s\": want ADDR:PORT, e.g. 127.0.0.1:9477, [::1]:9477, or "
		      ":9477 for every address",
		      arg);
}

int dg_metrics_parse_addr(const char *arg, struct sockaddr_storage *out, socklen_t *len)
{
	const char *colon = strrchr(arg, ':');
	char host[INET6_ADDRSTRLEN + 2];
	size_t host_len;
	char *end;
	long port;

	if (!colon || !colon[1])
		return bad_addr(arg);
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (*end || errno || port < 0 || port > 65535)
		return bad_addr(arg);
	host_len = (size_t)(colon - arg);
	if (host_len >= sizeof(host))
		return bad_addr(arg);
	memcpy(host, arg, host_len);
	host[host_len] = 0;
	memset(out, 0, sizeof(*out));
	if (!host_len) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)out;

		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_any;
		a->sin6_port = htons((uint16_t)port);
		*len = sizeof(*a);
		return 0;
	}
	if (host[0] == '[' && host[host_len - 1] == ']') {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)out;

		host[host_len - 1] = 0;
		if (inet_pton(AF_INET6, host + 1, &a->sin6_addr) != 1)
			return bad_addr(arg);
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		*len = sizeof(*a);
		return 0;
	}
	struct sockaddr_in *a = (struct sockaddr_in *)out;

	if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
		return bad_addr(arg);
	a->sin_family = AF_INET;
	a->sin_port = htons((uint16_t)port);
	*len = sizeof(*a);
	return 0;
}
