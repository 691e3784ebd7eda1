/* SPDX-License-Identifier: MIT */
/* libFuzzer target: feed_parse_buffer() on XML and JSON Feed documents. */

/*
 * The first input byte chooses the HTTP Content-Type (low four bits; the
 * first choice is none at all), the base URL (two bits) and whether tight
 * limits apply (one bit).  The rest is the document, passed without a NUL
 * so that AddressSanitizer sees any read past its end.  The parser decides
 * between XML and JSON Feed by the bytes, and the Content-Type's charset
 * steers the conversion, so both paths and every converter run.
 *
 * What feeds.h promises is then checked on a parsed feed: every entry has
 * an id, strings are valid UTF-8, entries stay within max_entries, text
 * fields within max_field_bytes, and content_html is sanitized HTML (see
 * fuzz_check_sanitized()).
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "feeds.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const types[16] = {
    NULL,
    "application/rss+xml; charset=utf-8",
    "application/atom+xml; charset=iso-8859-1",
    "application/feed+json",
    "application/json; charset=utf-8",
    "text/html; charset=windows-1252",
    "text/xml; charset=\"Shift_JIS\"",
    "application/xml; charset=utf-16",
    "application/rss+xml; charset=UTF-16LE",
    "text/xml; charset=koi8-r",
    "application/xml; charset=gb18030",
    "application/rdf+xml; charset=no-such-charset",
    "text/plain",
    "application/feed+json; charset=iso-8859-1",
    "text/xml;charset=UTF-8;format=flowed",
    "application/octet-stream; charset=",
};

static const char *const bases[4] = {
    NULL,
    "https://ex.org/blog/feed.xml",
    "http://a/b/c/d;p?q",
    "javascript:alert(1)//x/",
};

/* A string of the model: NULL or valid UTF-8 within max bytes. */
static void
check_str(const char *s, size_t max, const char *what)
{
	size_t n;

	if (s == NULL)
		return;
	n = strlen(s);
	if (!sh_utf8_valid(s, n))
		fuzz_fail("%s is not valid UTF-8: \"%s\"", what, s);
	if (n > max)
		fuzz_fail("%s has %zu bytes, max_field_bytes %zu", what, n,
		    max);
}

static void
check_strv(const struct feed_strv *v, size_t max, const char *what)
{
	size_t i;

	for (i = 0; i < v->n; i++) {
		if (v->v[i] == NULL)
			fuzz_fail("%s[%zu] is NULL", what, i);
		check_str(v->v[i], max, what);
	}
}

static void
check_entry(const struct feed_entry *e, const struct feed_limits *lim)
{
	size_t i, max = lim->max_field_bytes;

	if (e->id == NULL)
		fuzz_fail("an entry without id");
	/* Ids and URLs are not text fields: only their encoding counts. */
	check_str(e->id, SIZE_MAX, "entry id");
	check_str(e->link, SIZE_MAX, "entry link");
	check_str(e->title, max, "entry title");
	check_str(e->summary, max, "entry summary");
	check_str(e->content_html, max, "entry content_html");
	check_str(e->language, SIZE_MAX, "entry language");
	check_strv(&e->authors, max, "entry authors");
	check_strv(&e->categories, max, "entry categories");
	for (i = 0; i < e->nenclosures; i++) {
		if (e->enclosures[i].url == NULL)
			fuzz_fail("an enclosure without URL");
		check_str(e->enclosures[i].url, SIZE_MAX, "enclosure url");
		check_str(e->enclosures[i].type, SIZE_MAX, "enclosure type");
	}
	if (e->content_html != NULL)
		fuzz_check_sanitized(e->content_html, "entry content_html");
}

static void
check_feed(const struct feed *f, const struct feed_limits *lim)
{
	size_t i;
	char *why;

	if (f->nentries > lim->max_entries)
		fuzz_fail("%zu entries, max_entries %zu", f->nentries,
		    lim->max_entries);
	if (f->nentries > 0 && f->entries == NULL)
		fuzz_fail("nentries %zu without entries", f->nentries);
	check_str(f->title, lim->max_field_bytes, "feed title");
	check_str(f->description, lim->max_field_bytes, "feed description");
	check_str(f->link, SIZE_MAX, "feed link");
	check_str(f->self, SIZE_MAX, "feed self");
	check_str(f->language, SIZE_MAX, "feed language");
	check_strv(&f->authors, lim->max_field_bytes, "feed authors");
	for (i = 0; i < f->nentries; i++)
		check_entry(&f->entries[i], lim);
	(void)feed_format_name(f->format);
	why = feed_recovery_describe(f->recovered);
	if (f->recovered != 0 && why == NULL)
		fuzz_fail("recovery bits %#x without a description",
		    f->recovered);
	free(why);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct feed_limits lim;
	struct feed *f = NULL;
	char *err = NULL;
	const char *type, *base;
	int rc;

	if (size < 1)
		return 0;
	type = types[data[0] & 15];
	base = bases[(data[0] >> 4) & 3];
	feed_limits_default(&lim);
	if (data[0] & 0x40) {
		lim.max_entries = 3;
		lim.max_field_bytes = 48;
		lim.max_depth = 12;
	}
	rc = feed_parse_buffer((const char *)data + 1, size - 1, base, type,
	    &lim, &f, &err);
	if (rc == SH_OK) {
		if (f == NULL)
			fuzz_fail("SH_OK without a feed");
		check_feed(f, &lim);
		feed_free(f);
	} else if (err != NULL && strchr(err, '\n') != NULL) {
		/* feeds.h: "a one-line message"; it is stored and logged. */
		fuzz_fail("error message of more than one line: \"%s\"", err);
	}
	free(err);
	return 0;
}
