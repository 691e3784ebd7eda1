/* SPDX-License-Identifier: MIT */
/* Shared by the fuzz targets: input helpers and the sanitized-HTML check. */

/*
 * The HTML check reads the sanitizer's output the way a browser would
 * read the parts that matter: tags, attribute names, and attribute values
 * with their character references decoded once.  It can be simple because
 * the sanitizer writes a narrow form (text with &, < and > escaped, tags
 * with double-quoted values), and anything outside that form is itself
 * reported: a '<' that opens a comment or a tag that never closes would
 * let a browser read the rest of the page differently.
 *
 * Only URL attributes are checked for scripting schemes.  "javascript:"
 * in an alt or title is text a reader sees, not a link it follows.
 */

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"

void
fuzz_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("fuzz: invariant broken: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

char *
fuzz_strndup(const uint8_t *p, size_t n)
{
	char *s = malloc(n + 1);

	if (s == NULL)
		abort();
	if (n > 0)
		memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

/* Length of the valid UTF-8 sequence at p, or 0. */
static size_t
utf8_seq(const uint8_t *p, size_t n)
{
	size_t len, i;
	uint32_t c;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, c = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, c = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, c = p[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	/* Overlong forms, surrogates and code points past U+10FFFF. */
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	return len;
}

char *
fuzz_utf8_dup(const uint8_t *p, size_t n)
{
	char *s = malloc(3 * n + 1), *o = s;
	size_t i = 0, k;

	if (s == NULL)
		abort();
	while (i < n) {
		if (p[i] == 0) {
			*o++ = ' ';
			i++;
		} else if ((k = utf8_seq(p + i, n - i)) > 0) {
			memcpy(o, p + i, k);
			o += k;
			i += k;
		} else {
			memcpy(o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		}
	}
	*o = '\0';
	return s;
}

static bool
ci_prefix(const char *s, const char *prefix)
{
	return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/* Elements feeds.h says the sanitizer never lets through. */
static bool
tag_denied(const char *name)
{
	static const char *const denied[] = {"script", "style", "iframe",
	    "object", "form"};
	size_t i;

	for (i = 0; i < sizeof(denied) / sizeof(denied[0]); i++)
		if (strcasecmp(name, denied[i]) == 0)
			return true;
	return false;
}

/* Attributes whose value a browser loads or follows as a URL. */
static bool
attr_is_url(const char *name)
{
	static const char *const urls[] = {"href", "src", "cite", "poster",
	    "action", "formaction", "background", "longdesc", "lowsrc",
	    "dynsrc", "usemap", "ping", "data", "codebase", "classid",
	    "archive", "manifest", "icon", "profile", "xlink:href"};
	size_t i;

	for (i = 0; i < sizeof(urls) / sizeof(urls[0]); i++)
		if (strcasecmp(name, urls[i]) == 0)
			return true;
	return false;
}

/* The value of a decimal or hexadecimal digit, or -1. */
static int
digit_value(char c, bool hex)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (hex && c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (hex && c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decode the character references of an attribute value once, as a
 * browser does: the named ones the sanitizer writes and numeric ones.
 */
static char *
decode_value(const char *v, size_t n)
{
	static const struct {
		const char *name;
		char c;
	} named[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'},
	    {"&quot;", '"'}, {"&apos;", '\''}, {"&colon;", ':'},
	    {"&tab;", '\t'}, {"&newline;", '\n'}};
	char *out = malloc(n + 1), *o = out;
	size_t i = 0, k;

	if (out == NULL)
		abort();
	while (i < n) {
		if (v[i] != '&') {
			*o++ = v[i++];
			continue;
		}
		for (k = 0; k < sizeof(named) / sizeof(named[0]); k++) {
			size_t len = strlen(named[k].name);

			if (n - i >= len &&
			    strncasecmp(v + i, named[k].name, len) == 0) {
				*o++ = named[k].c;
				i += len;
				break;
			}
		}
		if (k < sizeof(named) / sizeof(named[0]))
			continue;
		if (n - i > 2 && v[i + 1] == '#') {
			size_t j = i + 2;
			unsigned long c = 0;
			bool hex = v[j] == 'x' || v[j] == 'X';
			int d;

			if (hex)
				j++;
			while (j < n && (d = digit_value(v[j], hex)) >= 0) {
				if (c < 0x110000)
					c = c * (hex ? 16 : 10) + (unsigned)d;
				j++;
			}
			if (j > i + 2 + (hex ? 1 : 0) && c > 0 && c < 0x80) {
				*o++ = (char)c;
				i = j + (j < n && v[j] == ';');
				continue;
			}
		}
		*o++ = v[i++];
	}
	*o = '\0';
	return out;
}

/*
 * Whether a URL, as a browser reads it, runs script or carries a document:
 * browsers drop ASCII whitespace and controls from the scheme.
 */
static bool
url_is_scripting(const char *url)
{
	char scheme[16];
	size_t n = 0;
	const char *p;

	for (p = url; *p != '\0' && n + 1 < sizeof(scheme); p++) {
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			continue;
		scheme[n++] = (char)tolower((unsigned char)*p);
		if (*p == ':')
			break;
	}
	scheme[n] = '\0';
	if (strcmp(scheme, "javascript:") == 0 ||
	    strcmp(scheme, "vbscript:") == 0 ||
	    strcmp(scheme, "livescript:") == 0)
		return true;
	if (strcmp(scheme, "data:") == 0) {
		/* data:image/... only (feeds.h, feed_url_is_safe()). */
		while (*p != '\0' && ((unsigned char)*p <= 0x20 || *p == ':'))
			p++;
		return !ci_prefix(p, "image/");
	}
	return false;
}

/* Check each candidate URL of a srcset value. */
static void
check_srcset(const char *v, const char *what, const char *html)
{
	while (*v != '\0') {
		const char *u;
		char *url;

		while (isspace((unsigned char)*v) || *v == ',')
			v++;
		if (*v == '\0')
			break;
		for (u = v; *v != '\0' && !isspace((unsigned char)*v); v++)
			;
		url = fuzz_strndup((const uint8_t *)u, (size_t)(v - u));
		if (url_is_scripting(url))
			fuzz_fail("%s: scripting URL \"%s\" in srcset of: %s",
			    what, url, html);
		/* A URL ending in a comma ends its candidate (WHATWG). */
		if (v[-1] != ',')
			while (*v != '\0' && *v != ',')
				v++;
		free(url);
	}
}

/* Check the attributes of one tag; returns the end of the tag. */
static const char *
check_attrs(const char *p, const char *tag, const char *what, const char *html)
{
	char name[64];

	for (;;) {
		const char *start, *vstart;
		size_t n;
		char *value;

		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			fuzz_fail("%s: <%s> never closed in: %s", what, tag,
			    html);
		if (*p == '>')
			return p + 1;
		if (p[0] == '/' && p[1] == '>')
			return p + 2;
		for (start = p; *p != '\0' && !isspace((unsigned char)*p) &&
				*p != '=' && *p != '>' && *p != '/';
		     p++)
			;
		if (p == start) {
			p++; /* a stray '/' */
			continue;
		}
		n = (size_t)(p - start) < sizeof(name) - 1 ? (size_t)(p - start)
							   : sizeof(name) - 1;
		memcpy(name, start, n);
		name[n] = '\0';
		if (ci_prefix(name, "on"))
			fuzz_fail("%s: event handler %s on <%s> in: %s", what,
			    name, tag, html);
		while (isspace((unsigned char)*p))
			p++;
		if (*p != '=')
			continue;
		p++;
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '"' || *p == '\'') {
			char q = *p++;

			vstart = p;
			if ((p = strchr(p, q)) == NULL)
				fuzz_fail("%s: value of %s on <%s> never "
					  "closed in: %s",
				    what, name, tag, html);
			value = decode_value(vstart, (size_t)(p - vstart));
			p++;
		} else {
			for (vstart = p;
			     *p != '\0' && !isspace((unsigned char)*p) &&
			     *p != '>';
			     p++)
				;
			value = decode_value(vstart, (size_t)(p - vstart));
		}
		if (strcasecmp(name, "srcset") == 0)
			check_srcset(value, what, html);
		else if (attr_is_url(name) && url_is_scripting(value))
			fuzz_fail("%s: scripting URL in %s=\"%s\" on <%s> in: "
				  "%s",
			    what, name, value, tag, html);
		free(value);
	}
}

void
fuzz_check_sanitized(const char *html, const char *what)
{
	const char *p = html;
	char tag[64];

	while ((p = strchr(p, '<')) != NULL) {
		const char *start;
		size_t n;

		if (ci_prefix(p, "<script"))
			fuzz_fail("%s: \"<script\" in: %s", what, html);
		p++;
		if (*p == '!' || *p == '?')
			fuzz_fail("%s: markup declaration \"<%c\" in: %s", what,
			    *p, html);
		if (*p == '/')
			p++;
		for (start = p; isalnum((unsigned char)*p); p++)
			;
		if (p == start) {
			/* "< " is text to a browser, but never written so. */
			if (*p != '\0' && !isspace((unsigned char)*p))
				fuzz_fail("%s: unescaped '<' in: %s", what,
				    html);
			continue;
		}
		n = (size_t)(p - start) < sizeof(tag) - 1 ? (size_t)(p - start)
							  : sizeof(tag) - 1;
		memcpy(tag, start, n);
		tag[n] = '\0';
		if (tag_denied(tag))
			fuzz_fail("%s: <%s> let through in: %s", what, tag,
			    html);
		p = check_attrs(p, tag, what, html);
	}
}
