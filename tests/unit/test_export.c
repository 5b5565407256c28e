// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the exports (generator/profile_export.h): the Security
 * Profiles Operator SeccompProfile and the Kubernetes Localhost snippet. The
 * files are read back with libyaml into jansson values and compared as
 * structures, never as whole strings.
 * Data files: $DG_TEST_DATA or -DTEST_DATA_DIR (tests/unit/data).
 */
#include <errno.h>
#include <unistd.h>

#include <yaml.h>

#include "generator/json_yaml.h"
#include "generator/profile_export.h"
#include "generator/profile_load.h"
#include "test_common.h"
#include "test_files.h"

/* A YAML node as JSON: plain scalars of digits are integers, true/false booleans. */
static json_t *node_json(yaml_document_t *doc, yaml_node_t *n)
{
	json_t *out = NULL;

	switch (n->type) {
	case YAML_SCALAR_NODE: {
		const char *s = (const char *)n->data.scalar.value;
		bool plain = n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		char *end;
		long long v = strtoll(s, &end, 10);

		if (plain && s[0] && !*end)
			return json_integer(v);
		if (plain && (!strcmp(s, "true") || !strcmp(s, "false")))
			return json_boolean(!strcmp(s, "true"));
		return json_string(s);
	}
	case YAML_SEQUENCE_NODE:
		out = json_array();
		for (yaml_node_item_t *i = n->data.sequence.items.start;
		     i < n->data.sequence.items.top; i++)
			json_array_append_new(out, node_json(doc, yaml_document_get_node(doc, *i)));
		return out;
	case YAML_MAPPING_NODE:
		out = json_object();
		for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
		     p < n->data.mapping.pairs.top; p++) {
			yaml_node_t *k = yaml_document_get_node(doc, p->key);

			json_object_set_new(out, (const char *)k->data.scalar.value,
					    node_json(doc, yaml_document_get_node(doc, p->value)));
		}
		return out;
	default:
		return NULL;
	}
}

static json_t *yaml_json(const char *text)
{
	yaml_parser_t ps;
	yaml_document_t doc;
	json_t *out;

	assert_true(yaml_parser_initialize(&ps));
	yaml_parser_set_input_string(&ps, (const unsigned char *)text, strlen(text));
	if (!yaml_parser_load(&ps, &doc))
		fail_msg("not YAML (%s): %s", ps.problem, text);
	out = node_json(&doc, yaml_document_get_root_node(&doc));
	yaml_document_delete(&doc);
	yaml_parser_delete(&ps);
	assert_non_null(out);
	return out;
}

static const char *problem_text(const struct dg_problems *list, size_t i)
{
	assert_true(i < list->n);
	return list->v[i].msg;
}

static const char *str_at(json_t *root, const char *path)
{
	json_t *v = root;
	char buf[256], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *k = strtok_r(buf, ".", &save); k && v; k = strtok_r(NULL, ".", &save))
		v = json_object_get(v, k);
	if (!json_is_string(v))
		fail_msg("%s is not a string", path);
	return json_string_value(v);
}

static void test_yaml_scalars(void **state)
{
	static const char *const header[] = {"first", ""};
	json_t *in =
		json_pack("{s:[s,s,s,s,s,s,s],s:i,s:b,s:{}}", "strings", "1", "true", "yes", "a: b",
			  "#x", "SCMP_ACT_ALLOW", "driftguard/web.json", "n", 38, "t", 1, "empty");
	char *text = dg_json_to_yaml(in, header, 2);
	json_t *back;

	(void)state;
	assert_non_null(text);
	assert_true(strncmp(text, "# first\n#\n", 10) == 0);
	back = yaml_json(text);
	/* Strings a YAML reader would take for numbers, booleans or syntax stay strings. */
	assert_true(json_equal(in, back));
	json_decref(back);
	json_decref(in);
	free(text);
}

static void test_spo_object(void **state)
{
	struct dg_profile *p = load("valid.json");
	struct dg_problems notes = {0};
	json_t *cr = NULL, *spec, *oci;

	(void)state;
	assert_int_equal(dg_profile_set_comment(p, "learned from web"), 0);
	assert_int_equal(dg_profile_to_spo(p, "My_Web.Profile!", "out.yaml", &notes, &cr), 0);
	/* defaultErrnoRet 1 is EPERM, what SPO's runtime returns anyway: nothing lost. */
	assert_int_equal(notes.n, 0);
	assert_string_equal(str_at(cr, "apiVersion"),
			    "security-profiles-operator.x-k8s.io/v1beta1");
	assert_string_equal(str_at(cr, "kind"), "SeccompProfile");
	assert_string_equal(str_at(cr, "metadata.name"), "my-web.profile");
	assert_string_equal(str_at(cr, "metadata.annotations.description"), "learned from web");
	spec = json_object_get(cr, "spec");
	assert_null(json_object_get(spec, "defaultErrnoRet"));
	assert_null(json_object_get(spec, "comment"));
	assert_null(json_object_get(json_object_get(cr, "metadata"), "namespace"));
	/* The rest is the OCI profile as it is. */
	oci = dg_profile_to_json(p);
	assert_true(
		json_equal(json_object_get(spec, "syscalls"), json_object_get(oci, "syscalls")));
	assert_true(json_equal(json_object_get(spec, "architectures"),
			       json_object_get(oci, "architectures")));
	assert_true(json_equal(json_object_get(spec, "flags"), json_object_get(oci, "flags")));
	assert_string_equal(str_at(spec, "defaultAction"), "SCMP_ACT_ERRNO");
	assert_int_equal(json_object_size(spec), 4);
	json_decref(oci);
	json_decref(cr);
	dg_profile_free(p);
}

static void test_spo_losses(void **state)
{
	struct dg_problems notes = {0};
	struct dg_profile *p = NULL;
	json_t *cr = NULL, *spec;

	(void)state;
	assert_int_equal(
		dg_profile_parse_string(
			"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38,"
			"\"listenerPath\":\"/run/agent.sock\",\"syscalls\":["
			"{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\"},"
			"{\"names\":[\"uname\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":0}]}",
			"t.json", &p),
		0);
	assert_int_equal(dg_profile_to_spo(p, "t", "t.yaml", &notes, &cr), 0);
	assert_int_equal(notes.n, 3);
	assert_contains(problem_text(&notes, 0), "t.yaml: spec.syscalls[1].errnoRet: 0");
	assert_contains(problem_text(&notes, 1), "t.yaml: spec.listenerPath /run/agent.sock");
	assert_contains(problem_text(&notes, 2), "t.yaml: defaultErrnoRet 38: SPO's schema has "
						 "none");
	assert_string_equal(str_at(cr, "metadata.annotations.driftguard/default-errno-ret"), "38");
	spec = json_object_get(cr, "spec");
	assert_null(
		json_object_get(json_array_get(json_object_get(spec, "syscalls"), 1), "errnoRet"));
	json_decref(cr);
	dg_problems_free(&notes);

	/* An architecture outside SPO's enum (where this libseccomp knows one). */
	if (seccomp_arch_resolve_name("loongarch64") != 0) {
		assert_int_equal(dg_profile_add_arch(p, seccomp_arch_resolve_name("loongarch64")),
				 0);
		assert_int_equal(dg_profile_to_spo(p, "t", "t.yaml", &notes, &cr), 0);
		assert_contains(problem_text(&notes, 0),
				"spec.architectures: SCMP_ARCH_LOONGARCH64 left out");
		assert_int_equal(json_array_size(json_object_get(json_object_get(cr, "spec"),
								 "architectures")),
				 0);
		json_decref(cr);
		dg_problems_free(&notes);
	}
	dg_profile_free(p);
}

static void test_spo_file(void **state)
{
	struct dg_profile_host h = {.arch = SCMP_ARCH_X86_64, .kernel = 6, .major = 18};
	struct dg_problems problems = {0};
	struct dg_profile *p = NULL;
	json_t *cr = NULL, *back;
	char path[128], *text;

	(void)state;
	assert_int_equal(dg_caps_set_parse("podman", &h.caps), 0);
	assert_int_equal(
		dg_profile_read_file(data_path("upstream/podman-seccomp.json"), &h, &problems, &p),
		0);
	dg_problems_free(&problems);
	snprintf(path, sizeof(path), "%s/podman.yaml", tmpdir);
	assert_int_equal(dg_profile_export(p, DG_EXPORT_SPO, path, NULL, &problems), 0);
	/* Podman's ENOSYS default is the one loss. */
	assert_int_equal(problems.n, 1);
	assert_contains(problems.v[0].msg, "defaultErrnoRet 38");
	text = slurp(path);
	/* The notes and where SPO puts the profile head the file as comments. */
	assert_contains(text, "# defaultErrnoRet 38: SPO's schema has none");
	assert_contains(text, "/var/lib/kubelet/seccomp/operator/podman.json");
	back = yaml_json(text);
	dg_problems_free(&problems);
	assert_int_equal(dg_profile_to_spo(p, "podman", path, &problems, &cr), 0);
	assert_true(json_equal(back, cr));
	json_decref(back);
	json_decref(cr);
	free(text);
	dg_problems_free(&problems);
	dg_profile_free(p);
}

static void test_k8s_files(void **state)
{
	struct dg_profile *p = load("valid.json"), *q = NULL;
	char path[128], json_path[128], *text;
	json_t *snippet, *want;

	(void)state;
	snprintf(path, sizeof(path), "%s/web.yaml", tmpdir);
	snprintf(json_path, sizeof(json_path), "%s/web.json", tmpdir);
	assert_int_equal(dg_profile_export(p, DG_EXPORT_K8S, path, NULL, NULL), 0);
	/* The profile for the node, as the OCI export writes it. */
	assert_int_equal(dg_profile_parse_file(json_path, &q), 0);
	assert_int_equal(q->n_rules, p->n_rules);
	dg_profile_free(q);
	text = slurp(path);
	assert_contains(text, "# Copy ");
	assert_contains(text, "/web.json to /var/lib/kubelet/seccomp/driftguard/web.json on every "
			      "node");
	snippet = yaml_json(text);
	want = json_pack("{s:{s:{s:s,s:s}}}", "securityContext", "seccompProfile", "type",
			 "Localhost", "localhostProfile", "driftguard/web.json");
	assert_true(json_equal(snippet, want));
	json_decref(snippet);
	json_decref(want);
	free(text);

	/* -o web.json names the same two files. */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(dg_profile_export(p, DG_EXPORT_K8S, json_path, NULL, NULL), 0);
	assert_int_equal(access(path, F_OK), 0);
	/* Two files do not go to standard output. */
	assert_int_equal(dg_profile_export(p, DG_EXPORT_K8S, "-", NULL, NULL), -EINVAL);
	assert_contains(dg_errmsg(), "--format k8s writes two files");
	dg_profile_free(p);
}

static void test_export_refuses_invalid(void **state)
{
	struct dg_arg arg = {.index = 7, .value = 1, .op = SCMP_CMP_EQ};
	struct dg_profile *bad = one_rule("read", &arg, 1);
	enum dg_export_format f;
	char path[128];

	(void)state;
	snprintf(path, sizeof(path), "%s/bad.yaml", tmpdir);
	assert_int_equal(dg_profile_export(bad, DG_EXPORT_SPO, path, NULL, NULL), -EINVAL);
	assert_contains(dg_errmsg(), "refusing to write an invalid profile");
	assert_int_equal(access(path, F_OK), -1);
	dg_profile_free(bad);

	assert_int_equal(dg_export_format_parse("spo", &f), 0);
	assert_int_equal(f, DG_EXPORT_SPO);
	assert_int_equal(dg_export_format_parse("k8s", &f), 0);
	assert_int_equal(f, DG_EXPORT_K8S);
	assert_int_equal(dg_export_format_parse("yaml", &f), -EINVAL);
	assert_contains(dg_errmsg(), "unknown format \"yaml\"; use oci");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_yaml_scalars),
		cmocka_unit_test(test_spo_object),
		cmocka_unit_test(test_spo_losses),
		cmocka_unit_test_setup_teardown(test_spo_file, setup_tmpdir, teardown_tmpdir),
		cmocka_unit_test_setup_teardown(test_k8s_files, setup_tmpdir, teardown_tmpdir),
		cmocka_unit_test_setup_teardown(test_export_refuses_invalid, setup_tmpdir,
						teardown_tmpdir),
	};

	seccomp_host_independent();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
