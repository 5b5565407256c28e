// SPDX-License-Identifier: GPL-2.0-only
/*
 * Bytes that may not be UTF-8 as JSON text (common/json_text.c): valid
 * UTF-8 as it is; anything else escaped, always writable, and its raw bytes
 * recoverable.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/json_text.h"

static void test_utf8_valid(void **state)
{
	(void)state;
	assert_true(dg_utf8_valid("", 0));
	assert_true(dg_utf8_valid("plain/ascii", 11));
	assert_true(dg_utf8_valid("caf\xc3\xa9", 5));	    /* é */
	assert_true(dg_utf8_valid("\xe2\x82\xac", 3));	    /* € */
	assert_true(dg_utf8_valid("\xf0\x9f\x98\x80", 4));  /* U+1F600 */
	assert_true(dg_utf8_valid("\xf4\x8f\xbf\xbf", 4));  /* U+10FFFF */
	assert_false(dg_utf8_valid("caf\xc3", 4));	    /* cut inside a character */
	assert_false(dg_utf8_valid("\xff", 1));		    /* never in UTF-8 */
	assert_false(dg_utf8_valid("\x80", 1));		    /* a lone continuation */
	assert_false(dg_utf8_valid("\xc0\xaf", 2));	    /* overlong '/' */
	assert_false(dg_utf8_valid("\xe0\x80\xaf", 3));	    /* overlong '/' */
	assert_false(dg_utf8_valid("\xed\xa0\x80", 3));	    /* a surrogate */
	assert_false(dg_utf8_valid("\xf4\x90\x80\x80", 4)); /* beyond U+10FFFF */
	assert_false(dg_utf8_valid("a\0b", 3));		    /* NUL */
}

/* What obj[key] holds after dg_json_set_text(), and that it can be written. */
static json_t *set(const char *s, size_t max)
{
	json_t *obj = json_object();
	char *text;

	assert_non_null(obj);
	assert_int_equal(dg_json_set_text(obj, "path", s, max), 0);
	text = json_dumps(obj, JSON_COMPACT);
	assert_non_null(text); /* jansson writes it: it is valid UTF-8 now */
	free(text);
	return obj;
}

static void test_valid_text_is_kept(void **state)
{
	json_t *obj = set("/tmp/caf\xc3\xa9\\x41", 64);

	(void)state;
	assert_string_equal(json_string_value(json_object_get(obj, "path")),
			    "/tmp/caf\xc3\xa9\\x41");
	assert_null(json_object_get(obj, "path_base64")); /* only for bytes that are not UTF-8 */
	assert_int_equal(json_object_size(obj), 1);
	json_decref(obj);
}

static void test_invalid_bytes_escaped(void **state)
{
	/* A byte that is never UTF-8, a backslash, and a character cut at the end. */
	json_t *obj = set("/tmp/a\xff"
			  "b\\c\xc3",
			  64);

	(void)state;
	assert_string_equal(json_string_value(json_object_get(obj, "path")),
			    "/tmp/a\\xffb\\\\c\\xc3");
	/* base64 of the 11 raw bytes */
	assert_string_equal(json_string_value(json_object_get(obj, "path_base64")),
			    "L3RtcC9h/2JcY8M=");
	json_decref(obj);
}

/* A 15-byte comm cut in the middle of a character: max bounds what is read. */
static void test_max_and_recovery(void **state)
{
	const char comm[16] = "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac";
	char raw[16] = "abcdefghijklmno"; /* no NUL within its 16 bytes... */
	char buf[32];
	json_t *obj;

	(void)state;
	/* ...but 15 bytes of comm: five euros cut to four and two bytes */
	obj = set(comm, 14);
	assert_string_equal(json_string_value(json_object_get(obj, "path")),
			    "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\\xe2\\x82");
	assert_int_equal(dg_json_get_text(obj, "path", buf, sizeof(buf)), 14);
	assert_memory_equal(buf, comm, 14);
	assert_int_equal(dg_json_get_text(obj, "path", buf, 10), -EINVAL); /* does not fit */
	json_decref(obj);
	raw[3] = (char)0x80;
	obj = set(raw, 5);
	assert_string_equal(json_string_value(json_object_get(obj, "path")), "abc\\x80e");
	assert_int_equal(dg_json_get_text(obj, "path", buf, sizeof(buf)), 5);
	assert_memory_equal(buf,
			    "abc\x80"
			    "e",
			    6);
	json_decref(obj);
	/* Every byte value, 1 to 255, round-trips (base64 padding of each length). */
	for (size_t len = 1; len <= 255; len++) {
		char all[256], back[256];

		for (size_t i = 0; i < len; i++)
			all[i] = (char)(255 - i);
		all[len] = '\0';
		obj = set(all, sizeof(all));
		assert_int_equal(dg_json_get_text(obj, "path", back, sizeof(back)), len);
		assert_memory_equal(back, all, len + 1);
		json_decref(obj);
	}
}

/* Text alone, as the flight index writes a command's arguments. */
static void test_text(void **state)
{
	json_t *t;

	(void)state;
	t = dg_json_text("ok", 64);
	assert_string_equal(json_string_value(t), "ok");
	json_decref(t);
	t = dg_json_text("\x01\xfe", 64); /* a control byte is UTF-8; JSON escapes it */
	assert_string_equal(json_string_value(t), "\x01\\xfe");
	json_decref(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_valid),
		cmocka_unit_test(test_valid_text_is_kept),
		cmocka_unit_test(test_invalid_bytes_escaped),
		cmocka_unit_test(test_max_and_recovery),
		cmocka_unit_test(test_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
