// SPDX-License-Identifier: GPL-2.0-only
/* Bytes that may not be UTF-8 as JSON text, escaped and recoverable (json_text.h). */
#include "common/json_text.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"

/* The length of the valid UTF-8 character at s (at most `left` bytes), 0 when it is not one. */
static size_t utf8_char(const unsigned char *s, size_t left)
{
	uint32_t cp;
	size_t n;

	if (s[0] && s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0; /* NUL, a continuation byte, 0xc0, 0xc1, 0xf5.. */
	if (n > left)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates, beyond U+10FFFF. */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

bool dg_utf8_valid(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;

	for (size_t i = 0; i < len;) {
		size_t n = utf8_char(u + i, len - i);

		if (!n)
			return false;
		i += n;
	}
	return true;
}

json_t *dg_json_text(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	_cleanup_free_ char *esc = NULL;
	size_t o = 0;

	len = strnlen(s, len);
	if (dg_utf8_valid(s, len))
		return json_stringn(s, len);
	esc = malloc(len * 4 + 1); /* "\xNN" is the longest a byte gets */
	if (!esc)
		return NULL;
	for (size_t i = 0; i < len;) {
		size_t n = utf8_char(u + i, len - i);

		if (n == 1 && u[i] == '\\') {
			esc[o++] = '\\';
			esc[o++] = '\\';
		} else if (n) {
			memcpy(esc + o, u + i, n);
			o += n;
		} else {
			o += (size_t)snprintf(esc + o, 5, "\\x%02x", u[i]);
			n = 1;
		}
		i += n;
	}
	return json_stringn(esc, o);
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static json_t *base64(const unsigned char *s, size_t len)
{
	_cleanup_free_ char *out = malloc((len + 2) / 3 * 4 + 1);
	size_t o = 0;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)s[i] << 16;

		if (i + 1 < len)
			v |= (uint32_t)s[i + 1] << 8;
		if (i + 2 < len)
			v |= s[i + 2];
		out[o++] = b64[v >> 18 & 63];
		out[o++] = b64[v >> 12 & 63];
		out[o++] = i + 1 < len ? b64[v >> 6 & 63] : '=';
		out[o++] = i + 2 < len ? b64[v & 63] : '=';
	}
	return json_stringn(out, o);
}

int dg_json_set_text(json_t *obj, const char *key, const char *s, size_t max)
{
	size_t len = strnlen(s, max);
	char raw_key[128];

	if (json_object_set_new(obj, key, dg_json_text(s, len)))
		return -ENOMEM;
	if (dg_utf8_valid(s, len))
		return 0;
	snprintf(raw_key, sizeof(raw_key), "%s%s", key, DG_JSON_RAW_SUFFIX);
	if (json_object_set_new(obj, raw_key, base64((const unsigned char *)s, len)))
		return -ENOMEM;
	return 0;
}

static int b64_value(char c)
{
	const char *p = c ? strchr(b64, c) : NULL;

	return p ? (int)(p - b64) : -1;
}

long dg_json_get_text(const json_t *obj, const char *key, char *buf, size_t len)
{
	char raw_key[128];
	const char *s;
	size_t n, o = 0;

	snprintf(raw_key, sizeof(raw_key), "%s%s", key, DG_JSON_RAW_SUFFIX);
	s = json_string_value(json_object_get(obj, raw_key));
	if (!s) {
		s = json_string_value(json_object_get(obj, key));
		if (!s || strlen(s) >= len)
			return -EINVAL;
		strcpy(buf, s);
		return (long)strlen(s);
	}
	n = strlen(s);
	if (n % 4)
		return -EINVAL;
	for (size_t i = 0; i < n; i += 4) {
		int v[4];
		int pad = (s[i + 2] == '=') + (s[i + 3] == '=');

		for (int k = 0; k < 4; k++)
			v[k] = (k >= 4 - pad) ? 0 : b64_value(s[i + k]);
		if (v[0] < 0 || v[1] < 0 || v[2] < 0 || v[3] < 0 || (pad && i + 4 != n) ||
		    o + 3 - pad >= len)
			return -EINVAL;
		buf[o++] = (char)(v[0] << 2 | v[1] >> 4);
		if (pad < 2)
			buf[o++] = (char)((v[1] & 15) << 4 | v[2] >> 2);
		if (pad < 1)
			buf[o++] = (char)((v[2] & 3) << 6 | v[3]);
	}
	buf[o] = '\0';
	return (long)o;
}
