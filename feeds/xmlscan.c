/* SPDX-License-Identifier: MIT */
/* A pass over XML text for the attribute counts libxml2 pays for squared. */

/*
 * libxml2 (2.9 at least) checks each attribute of a start tag against all
 * the earlier ones, inside one xmlParseChunk() call where no callback of
 * ours can stop it: one tag with 100,000 attributes (1 MB) costs it 6 s,
 * and a 16 MiB body of them most of an hour.  This pass counts, for each
 * tag, the "=" outside quoted values, and stops at the first tag with more
 * than the limit.
 *
 * It only has to count at least as many attributes as libxml2 would read,
 * never exactly as many, so it errs towards counting more: every "<" that
 * does not open a comment, a CDATA section, a processing instruction or a
 * declaration opens a tag (end tags and broken names too), "=" counts
 * whether or not a quoted value follows, and a "<" ends a tag or a
 * declaration even inside quotes.  XML allows no "<" in attribute values,
 * so quotes left open on purpose cannot hide the tags that follow.
 */
#include <stdbool.h>
#include <string.h>

#include "feeds_int.h"

/*
 * The end of a construct closed by a fixed string, or the end of text.
 * CDATA sections and comments hold most of a feed's bytes: memchr() finds
 * the candidates for the closing string.
 */
static const char *
skip_past(const char *p, const char *end, const char *close)
{
	size_t n = strlen(close);

	while ((size_t)(end - p) >= n &&
	       (p = memchr(p, close[0], (size_t)(end - p) - n + 1)) != NULL) {
		if (memcmp(p, close, n) == 0)
			return p + n;
		p++;
	}
	return end;
}

/* Bytes that mean something inside a tag. */
static const unsigned char tag_special[256] =
    {['<'] = 1, ['>'] = 1, ['"'] = 1, ['\''] = 1, ['='] = 1};

/*
 * Scan a tag or declaration from just after its "<": the number of "="
 * outside quotes in *count, the position after it returned.
 */
static const char *
scan_tag(const char *p, const char *end, size_t *count)
{
	const char *q;

	*count = 0;
	for (;;) {
		while (p < end && !tag_special[(unsigned char)*p])
			p++;
		if (p == end)
			return end;
		switch (*p) {
		case '<':
			return p; /* not ours: the next construct */
		case '>':
			return p + 1;
		case '=':
			(*count)++;
			p++;
			break;
		default:
			/* A quoted value, ended by its quote or by a '<'. */
			for (q = p + 1; q < end && *q != *p && *q != '<'; q++)
				;
			if (q == end)
				return end;
			if (*q == '<')
				return q;
			p = q + 1;
		}
	}
}

bool
feed_xml_attrs_over(const char *text, size_t len, size_t max)
{
	const char *p = text, *end = text + len;
	size_t n;

	while ((p = memchr(p, '<', (size_t)(end - p))) != NULL) {
		p++;
		if (end - p >= 3 && memcmp(p, "!--", 3) == 0) {
			p = skip_past(p + 3, end, "-->");
		} else if (end - p >= 8 && memcmp(p, "![CDATA[", 8) == 0) {
			p = skip_past(p + 8, end, "]]>");
		} else if (p < end && *p == '?') {
			p = skip_past(p + 1, end, "?>");
		} else {
			p = scan_tag(p, end, &n);
			if (n > max)
				return true;
		}
		if (p == end)
			break;
	}
	return false;
}
