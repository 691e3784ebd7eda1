/* SPDX-License-Identifier: MIT */
/* Unit tests of the feed parser: formats, fields, ids, encodings, limits. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "feeds.h"

static char *
slurp(const char *name, size_t *len)
{
	char path[1024];
	FILE *fp;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/feeds/%s", TEST_DATA_DIR, name);
	fp = fopen(path, "rb");
	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	buf = xmalloc((size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	buf[n] = '\0';
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

static struct feed *
parse_file(const char *name, const char *base, const char *ctype)
{
	struct feed *f = NULL;
	char *buf, *err = NULL;
	size_t len;
	int rc;

	buf = slurp(name, &len);
	rc = feed_parse_buffer(buf, len, base, ctype, NULL, &f, &err);
	if (rc != SH_OK)
		fail_msg("%s: %s", name, err);
	free(buf);
	return f;
}

static struct feed *
parse_str(const char *doc, const struct feed_limits *lim, int want)
{
	struct feed *f = NULL;
	char *err = NULL;
	int rc;

	rc = feed_parse_buffer(doc, strlen(doc), "https://t.example/feed", NULL,
	    lim, &f, &err);
	assert_int_equal(rc, want);
	if (rc != SH_OK) {
		/* Every failure comes with a one-line message. */
		assert_non_null(err);
		assert_null(strchr(err, '\n'));
		free(err);
		return NULL;
	}
	assert_null(err);
	return f;
}

static const char *
date(int64_t t)
{
	static char buf[32];

	if (t == FEED_TIME_NONE)
		return "none";
	return feed_date_format(t, buf, sizeof(buf));
}

static void
assert_utf8(const char *s)
{
	if (s != NULL && !sh_utf8_valid(s, strlen(s)))
		fail_msg("not UTF-8: \"%s\"", s);
}

static void
assert_strv_utf8(const struct feed_strv *v)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		assert_utf8(v->v[i]);
}

/* feeds.h: every string of a parsed feed is UTF-8, whatever the input. */
static void
assert_feed_utf8(const struct feed *f)
{
	size_t i, k;

	assert_utf8(f->title);
	assert_utf8(f->link);
	assert_utf8(f->self);
	assert_utf8(f->description);
	assert_utf8(f->language);
	assert_strv_utf8(&f->authors);
	for (i = 0; i < f->nentries; i++) {
		const struct feed_entry *e = &f->entries[i];

		assert_utf8(e->id);
		assert_utf8(e->title);
		assert_utf8(e->link);
		assert_utf8(e->summary);
		assert_utf8(e->content_html);
		assert_utf8(e->language);
		assert_strv_utf8(&e->authors);
		assert_strv_utf8(&e->categories);
		for (k = 0; k < e->nenclosures; k++) {
			assert_utf8(e->enclosures[k].url);
			assert_utf8(e->enclosures[k].type);
		}
	}
}

static void
test_rss20(void **state)
{
	struct feed *f = parse_file("rss20.xml", NULL, NULL);
	struct feed_entry *e;

	(void)state;
	assert_int_equal(f->format, FEED_FORMAT_RSS20);
	assert_string_equal(f->title, "Example Wire");
	assert_string_equal(f->link, "https://example.org/");
	assert_string_equal(f->self, "https://example.org/feed.xml");
	assert_string_equal(f->description, "News from Example");
	assert_string_equal(f->language, "en-us");
	assert_string_equal(date(f->updated), "2023-11-20T11:00:00Z");
	assert_int_equal(f->ttl_minutes, 30);
	assert_int_equal(f->skip_hours, 0x3);
	assert_int_equal(f->skip_days, 0x41);
	assert_int_equal(f->authors.n, 1);
	assert_string_equal(f->authors.v[0], "Jane Editor");
	assert_int_equal(f->nentries, 3);

	e = &f->entries[0];
	assert_string_equal(e->id, "wire-1001");
	assert_string_equal(e->title, "Board ousts chief executive");
	/* No base given: relative links resolve against the feed link. */
	assert_string_equal(e->link, "https://example.org/2023/11/17/board");
	assert_string_equal(date(e->published), "2023-11-17T20:28:00Z");
	assert_string_equal(e->summary,
	    "The board said he was not consistently candid.");
	assert_non_null(e->content_html);
	assert_null(strstr(e->content_html, "script"));
	assert_null(strstr(e->content_html, "onclick"));
	assert_non_null(strstr(e->content_html, "https://example.org/more"));
	assert_int_equal(e->authors.n, 1);
	assert_string_equal(e->authors.v[0], "Ann Reporter");
	assert_int_equal(e->categories.n, 2);
	assert_int_equal(e->nenclosures, 2);
	assert_string_equal(e->enclosures[0].url,
	    "https://example.org/audio/1001.mp3");
	assert_int_equal(e->enclosures[0].length, 12345);
	assert_string_equal(e->enclosures[0].type, "audio/mpeg");

	/* A permalink guid is the link; dc:date alone is the published. */
	e = &f->entries[1];
	assert_string_equal(e->link, "https://example.org/2023/11/20/letter");
	assert_string_equal(e->id, "https://example.org/2023/11/20/letter");
	assert_string_equal(date(e->published), "2023-11-20T07:00:00Z");
	/* The description without markup is the content too. */
	assert_string_equal(e->content_html,
	    "More than 500 of some 700 staff signed a letter.");

	/* No guid, no link: the sha1 fallback. */
	e = &f->entries[2];
	assert_null(e->title);
	assert_true(strncmp(e->id, "sha1:", 5) == 0);
	assert_int_equal(strlen(e->id), 45);
	feed_free(f);
}

static void
test_ids_stable(void **state)
{
	struct feed *a = parse_file("rss20.xml", NULL, NULL);
	struct feed *b =
	    parse_file("rss20.xml", "https://other.example/", NULL);
	size_t i;

	(void)state;
	/* The same entries give the same ids on every fetch, whatever base. */
	assert_int_equal(a->nentries, b->nentries);
	for (i = 0; i < a->nentries; i++)
		assert_string_equal(a->entries[i].id, b->entries[i].id);
	feed_free(a);
	feed_free(b);
}

static void
test_atom10(void **state)
{
	struct feed *f = parse_file("atom10.xml", NULL, NULL);
	struct feed_entry *e;

	(void)state;
	assert_int_equal(f->format, FEED_FORMAT_ATOM10);
	/* type="text": the escaped brackets are text, kept as such. */
	assert_string_equal(f->title, "Le <Blog>");
	assert_string_equal(f->description, "Un blog");
	assert_string_equal(f->link, "https://blog.example.fr/");
	assert_string_equal(f->language, "fr");
	assert_string_equal(date(f->updated), "2023-11-21T08:30:00Z");
	assert_string_equal(f->authors.v[0], "Marie Blogueuse");
	assert_int_equal(f->nentries, 2);

	e = &f->entries[0];
	assert_string_equal(e->title, "Sam Altman revient");
	/* xml:base on the entry stacks on the feed's. */
	assert_string_equal(e->link,
	    "https://blog.example.fr/posts/retour.html");
	assert_int_equal(e->nenclosures, 1);
	assert_string_equal(e->enclosures[0].url,
	    "https://blog.example.fr/posts/retour.mp3");
	assert_string_equal(date(e->published), "2023-11-22T06:00:00Z");
	assert_string_equal(date(e->updated), "2023-11-22T07:15:30Z");
	assert_string_equal(e->summary, "Résumé en texte brut & simple.");
	/* XHTML content: the wrapper div is gone, URLs absolute. */
	assert_non_null(strstr(e->content_html, "<b>cède</b>"));
	assert_null(strstr(e->content_html, "<div"));
	assert_non_null(
	    strstr(e->content_html, "https://blog.example.fr/posts/img/a.png"));
	assert_string_equal(e->categories.v[0], "IA");

	e = &f->entries[1];
	assert_string_equal(e->language, "en");
	assert_string_equal(date(e->updated), "2023-11-23T00:00:00Z");
	/* Text content is escaped to be HTML. */
	assert_string_equal(e->content_html, "Plain &lt;text&gt; content");
	feed_free(f);
}

static void
test_rss091_and_rdf(void **state)
{
	struct feed *f = parse_file("rss091.xml", NULL, NULL);

	(void)state;
	assert_int_equal(f->format, FEED_FORMAT_RSS091);
	assert_int_equal(f->nentries, 1);
	assert_string_equal(f->entries[0].id, "http://old.example/1.html");
	feed_free(f);

	f = parse_file("rss10.rdf", NULL, NULL);
	assert_int_equal(f->format, FEED_FORMAT_RSS10);
	assert_string_equal(f->language, "de-DE");
	assert_int_equal(f->nentries, 1);
	assert_string_equal(f->entries[0].id, "http://rdf.example/1");
	assert_string_equal(date(f->entries[0].published),
	    "2023-11-19T12:00:00Z");
	assert_string_equal(f->entries[0].categories.v[0], "Topic");
	assert_string_equal(f->entries[0].authors.v[0], "Karl");
	feed_free(f);
}

static void
test_entities(void **state)
{
	struct feed *f = parse_file("entities.xml", NULL, NULL);

	(void)state;
	assert_true(f->recovered & FEED_RECOVERED_ENTITY);
	assert_string_equal(f->title, "Café News © 2023");
	assert_string_equal(f->entries[0].title,
	    "Café opens — “finally” &unknownentity;");
	assert_string_equal(f->entries[0].link,
	    "http://cafe.example/a?x=1&y=2");
	assert_string_equal(f->entries[0].summary, "Fish & chips …");
	feed_free(f);
}

static void
test_broken_recovers(void **state)
{
	struct feed *f = parse_file("broken.xml", NULL, NULL);

	(void)state;
	assert_true(f->recovered & FEED_RECOVERED_XML);
	assert_true(f->recovered & FEED_RECOVERED_NAMESPACE);
	assert_string_equal(f->title, "Broken & case");
	/* An unclosed <b> inside the title does not swallow the feed. */
	assert_int_equal(f->nentries, 2);
	assert_string_equal(f->entries[0].title, "Unclosed markup");
	assert_string_equal(f->entries[0].link, "http://broken.example/1");
	/* An impossible time is no date, never "now". */
	assert_int_equal(f->entries[0].published, FEED_TIME_NONE);
	assert_string_equal(f->entries[0].authors.v[0], "Undeclared Prefix");
	assert_string_equal(f->entries[1].link, "http://broken.example/2");
	feed_free(f);
}

static void
test_jsonfeed(void **state)
{
	struct feed *f = parse_file("jsonfeed11.json", NULL, NULL);
	struct feed_entry *e;

	(void)state;
	assert_int_equal(f->format, FEED_FORMAT_JSONFEED11);
	assert_string_equal(f->title, "JSON Example");
	assert_string_equal(f->self, "https://json.example/feed.json");
	assert_string_equal(f->language, "de");
	assert_int_equal(f->nentries, 2);
	e = &f->entries[0];
	assert_string_equal(e->id, "1");
	assert_string_equal(e->summary, "Kurz");
	assert_null(strstr(e->content_html, "script"));
	assert_non_null(strstr(e->content_html, "https://json.example/rel"));
	assert_string_equal(date(e->published), "2023-11-17T20:00:00Z");
	assert_string_equal(e->enclosures[0].url, "https://json.example/a.mp3");
	assert_int_equal(e->enclosures[0].length, 42);
	e = &f->entries[1];
	assert_string_equal(e->id, "2");
	assert_string_equal(e->content_html, "Only text &lt;here&gt;");
	feed_free(f);
}

static void
test_charset_from_content_type(void **state)
{
	struct feed *f;

	(void)state;
	f = parse_file("latin1-undeclared.xml", NULL,
	    "application/rss+xml; charset=ISO-8859-1");
	assert_string_equal(f->title, "Café Latin");
	assert_string_equal(f->entries[0].title, "Crème brûlée");
	feed_free(f);
	/* Without a charset, invalid UTF-8 falls back to windows-1252. */
	f = parse_file("latin1-undeclared.xml", NULL, NULL);
	assert_string_equal(f->title, "Café Latin");
	assert_true(f->recovered & FEED_RECOVERED_ENCODING);
	feed_free(f);
}

static void
test_not_a_feed(void **state)
{
	(void)state;
	parse_str("<html><body><p>hi</p></body></html>", NULL, SH_ENOTFEED);
	parse_str("", NULL, SH_ENOTFEED);
	parse_str("{\"hello\": 1}", NULL, SH_ENOTFEED);
	parse_str("{\"version\": \"https://jsonfeed.org/version/1\", ", NULL,
	    SH_EPARSE);
}

static void
test_limit_document_size(void **state)
{
	struct feed_limits lim;
	const char *doc = "<rss version=\"2.0\"><channel><title>x</title>"
			  "</channel></rss>";

	(void)state;
	feed_limits_default(&lim);
	assert_int_equal(lim.max_doc_bytes, SH_MAX_DOC_BYTES);
	lim.max_doc_bytes = strlen(doc) - 1;
	parse_str(doc, &lim, SH_ETOOBIG);
	lim.max_doc_bytes = strlen(doc);
	feed_free(parse_str(doc, &lim, SH_OK));
}

static void
test_limit_entries(void **state)
{
	struct feed_limits lim;
	struct sh_buf b;
	struct feed *f;
	int i;

	(void)state;
	sh_buf_init(&b, SIZE_MAX);
	sh_buf_puts(&b, "<rss version=\"2.0\"><channel>");
	for (i = 0; i < 50; i++)
		sh_buf_puts(&b, "<item><title>t</title></item>");
	sh_buf_puts(&b, "</channel></rss>");
	feed_limits_default(&lim);
	lim.max_entries = 20;
	f = parse_str(b.data, &lim, SH_OK);
	/* Entries past the limit are dropped, and that is reported. */
	assert_int_equal(f->nentries, 20);
	assert_true(f->recovered & FEED_RECOVERED_ENTRIES);
	feed_free(f);
	sh_buf_clear(&b);
}

static void
test_limit_field_bytes(void **state)
{
	struct feed_limits lim;
	struct sh_buf b;
	struct feed *f;
	int i;

	(void)state;
	sh_buf_init(&b, SIZE_MAX);
	sh_buf_puts(&b, "<rss version=\"2.0\"><channel><item><title>");
	for (i = 0; i < 1000; i++)
		sh_buf_puts(&b, "word ");
	sh_buf_puts(&b, "</title><link>http://x.example/</link></item>"
			"</channel></rss>");
	feed_limits_default(&lim);
	lim.max_field_bytes = 100;
	f = parse_str(b.data, &lim, SH_OK);
	assert_true(strlen(f->entries[0].title) <= 100);
	assert_true(f->recovered & FEED_RECOVERED_TRUNCATED);
	/* The fields after the long one are still read. */
	assert_string_equal(f->entries[0].link, "http://x.example/");
	feed_free(f);
	sh_buf_clear(&b);
}

/* "{}," cost jansson about 230 bytes of memory for 3 of input. */
static void
test_limit_json_values(void **state)
{
	struct feed_limits lim;
	struct sh_buf b;
	struct feed *f;
	int i;

	(void)state;
	feed_limits_default(&lim);
	lim.max_entries = 2000; /* 128,000 values */
	sh_buf_init(&b, SIZE_MAX);
	sh_buf_puts(&b, "{\"version\": \"https://jsonfeed.org/version/1.1\", "
			"\"items\": [{}");
	for (i = 0; i < 100000; i++)
		sh_buf_puts(&b, ",{}");
	sh_buf_puts(&b, "]}");
	parse_str(b.data, &lim, SH_ETOOBIG);
	/* Commas, colons and brackets inside strings are no values. */
	sh_buf_reset(&b);
	sh_buf_puts(&b, "{\"version\": \"https://jsonfeed.org/version/1.1\", "
			"\"items\": [{\"id\": \"1\", \"content_text\": \"\\\"");
	for (i = 0; i < 100000; i++)
		sh_buf_puts(&b, ",{[:");
	sh_buf_puts(&b, "\"}]}");
	f = parse_str(b.data, &lim, SH_OK);
	assert_int_equal(f->nentries, 1);
	feed_free(f);
	sh_buf_clear(&b);
}

static void
test_limit_field_bytes_in_lists(void **state)
{
	struct feed_limits lim;
	struct sh_buf b, word;
	struct feed *f;
	size_t i;
	int k;

	(void)state;
	/* 300 bytes of two-byte characters, to be cut at an odd limit. */
	sh_buf_init(&word, SIZE_MAX);
	for (k = 0; k < 150; k++)
		sh_buf_puts(&word, "\xc3\xa9");
	feed_limits_default(&lim);
	lim.max_field_bytes = 101;
	sh_buf_init(&b, SIZE_MAX);
	sh_buf_puts(&b, "<feed xmlns=\"http://www.w3.org/2005/Atom\">"
			"<entry><id>x</id><category term=\"");
	sh_buf_puts(&b, word.data);
	sh_buf_puts(&b, "\"/><category term=\"short\"/><author><name>");
	sh_buf_puts(&b, word.data);
	sh_buf_puts(&b, "</name></author></entry></feed>");
	f = parse_str(b.data, &lim, SH_OK);
	assert_true(f->recovered & FEED_RECOVERED_TRUNCATED);
	assert_int_equal(f->entries[0].categories.n, 2);
	assert_int_equal(strlen(f->entries[0].categories.v[0]), 100);
	assert_string_equal(f->entries[0].categories.v[1], "short");
	assert_int_equal(f->entries[0].authors.n, 1);
	assert_true(strlen(f->entries[0].authors.v[0]) <= 101);
	assert_feed_utf8(f);
	feed_free(f);

	/* JSON Feed: tags, and the names of the feed's and items' authors. */
	sh_buf_reset(&b);
	sh_buf_puts(&b, "{\"version\": \"https://jsonfeed.org/version/1.1\", "
			"\"authors\": [{\"name\": \"");
	sh_buf_puts(&b, word.data);
	sh_buf_puts(&b, "\"}], \"items\": [{\"id\": \"1\", \"tags\": [\"");
	sh_buf_puts(&b, word.data);
	sh_buf_puts(&b, "\", \"short\"], \"author\": {\"name\": \"");
	sh_buf_puts(&b, word.data);
	sh_buf_puts(&b, "\"}}]}");
	f = parse_str(b.data, &lim, SH_OK);
	assert_true(f->recovered & FEED_RECOVERED_TRUNCATED);
	assert_int_equal(f->authors.n, 1);
	assert_int_equal(strlen(f->authors.v[0]), 100);
	assert_int_equal(f->entries[0].categories.n, 2);
	for (i = 0; i < f->entries[0].categories.n; i++)
		assert_true(strlen(f->entries[0].categories.v[i]) <= 101);
	assert_int_equal(f->entries[0].authors.n, 1);
	assert_int_equal(strlen(f->entries[0].authors.v[0]), 100);
	assert_feed_utf8(f);
	feed_free(f);
	sh_buf_clear(&b);
	sh_buf_clear(&word);
}

static void
test_limit_depth(void **state)
{
	struct feed_limits lim;
	struct sh_buf b;
	struct feed *f;
	int i;

	(void)state;
	feed_limits_default(&lim);
	lim.max_depth = 16;
	sh_buf_init(&b, SIZE_MAX);
	sh_buf_puts(&b, "<rss version=\"2.0\"><channel><item>");
	for (i = 0; i < 10; i++)
		sh_buf_puts(&b, "<x>");
	sh_buf_puts(&b, "</item></channel></rss>");
	f = parse_str(b.data, &lim, SH_OK);
	feed_free(f);
	sh_buf_reset(&b);
	sh_buf_puts(&b, "<rss version=\"2.0\"><channel><item>");
	for (i = 0; i < 5000; i++)
		sh_buf_puts(&b, "<x>");
	sh_buf_puts(&b, "</item></channel></rss>");
	parse_str(b.data, &lim, SH_EDEPTH);
	sh_buf_clear(&b);
}

static void
test_no_external_entities(void **state)
{
	struct feed *f;
	const char *doc =
	    "<?xml version=\"1.0\"?>\n"
	    "<!DOCTYPE rss [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">\n"
	    "<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;\">]>\n"
	    "<rss version=\"2.0\"><channel><title>&xxe;</title>"
	    "<item><title>&lol2;</title><description>&lol;</description>"
	    "</item></channel></rss>";

	(void)state;
	f = parse_str(doc, NULL, SH_OK);
	/* The external entity is never read. */
	assert_true(f->title == NULL || strstr(f->title, "root:") == NULL);
	/* Plain internal entities are expanded; nested ones are not. */
	assert_string_equal(f->entries[0].summary, "lol");
	assert_true(f->entries[0].title == NULL ||
		    strstr(f->entries[0].title, "lollol") == NULL);
	feed_free(f);
}

/* One tag of 100,000 attributes took libxml2 6 s, checking each against
 * all the others. */
static void
test_limit_attributes(void **state)
{
	struct sh_buf b, attrs;
	struct feed *f;
	char a[32];
	int i;

	(void)state;
	sh_buf_init(&b, SIZE_MAX);
	sh_buf_init(&attrs, SIZE_MAX);
	for (i = 0; i < 200; i++) {
		snprintf(a, sizeof(a), " a%d=\"%d\"", i, i);
		sh_buf_puts(&attrs, a);
	}
	sh_buf_puts(&b, "<rss version=\"2.0\"><channel><item");
	sh_buf_puts(&b, attrs.data);
	sh_buf_puts(&b, "><title>t</title></item></channel></rss>");
	f = parse_str(b.data, NULL, SH_OK);
	assert_int_equal(f->nentries, 1);
	feed_free(f);
	/* In comments and CDATA they are text, not attributes. */
	sh_buf_reset(&b);
	sh_buf_puts(&b, "<rss version=\"2.0\"><channel><item><!-- <x");
	sh_buf_puts(&b, attrs.data);
	sh_buf_puts(&b, attrs.data);
	sh_buf_puts(&b, "> --><description><![CDATA[<x");
	sh_buf_puts(&b, attrs.data);
	sh_buf_puts(&b, attrs.data);
	sh_buf_puts(&b, ">]]></description></item></channel></rss>");
	f = parse_str(b.data, NULL, SH_OK);
	feed_free(f);
	/* 400 on one element are too many, also behind an open quote. */
	sh_buf_reset(&b);
	sh_buf_puts(&b, "<rss version=\"2.0\"><channel><item x=\"<y");
	sh_buf_puts(&b, attrs.data);
	sh_buf_puts(&b, attrs.data);
	sh_buf_puts(&b, "></item></channel></rss>");
	parse_str(b.data, NULL, SH_ETOOBIG);
	sh_buf_clear(&attrs);
	sh_buf_clear(&b);
}

/* 5,000 attribute defaults in the DTD made each <item/> cost 12 million
 * comparisons in libxml2; they are dropped. */
static void
test_dtd_attribute_defaults_dropped(void **state)
{
	struct feed *f;
	const char *doc =
	    "<?xml version=\"1.0\"?>\n"
	    "<!DOCTYPE feed [<!ATTLIST entry xml:base CDATA "
	    "\"https://evil.example/\" a (x|y) \"x\">\n"
	    "<!ATTLIST link href CDATA \"javascript:alert(1)\">]>\n"
	    "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>t</title>"
	    "<entry><id>1</id><link href=\"rel\"/><link rel=\"related\"/>"
	    "</entry></feed>";

	(void)state;
	f = parse_str(doc, NULL, SH_OK);
	assert_int_equal(f->nentries, 1);
	assert_string_equal(f->entries[0].link, "https://t.example/rel");
	feed_free(f);
}

static void
test_atom_content_types(void **state)
{
	struct feed *f;

	(void)state;
	f = parse_str("<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry>"
		      "<id>x</id>"
		      "<title type=\"html\">A &amp;lt;b&amp;gt; tag</title>"
		      "<summary type=\"html\">&lt;p&gt;One &lt;b&gt;two"
		      "&lt;/b&gt;&lt;/p&gt;</summary>"
		      "<content type=\"application/octet-stream\">"
		      "RXhhbXBsZSA8Yj5BdG9tPC9iPg==</content>"
		      "</entry></feed>",
	    NULL, SH_OK);
	/* Double-escaped markup is text after one decoding. */
	assert_string_equal(f->entries[0].title, "A <b> tag");
	assert_string_equal(f->entries[0].summary, "One two");
	/* Other media types are base64. */
	assert_string_equal(f->entries[0].content_html, "Example <b>Atom</b>");
	feed_free(f);
}

static void
test_unclosed_html_in_description(void **state)
{
	struct feed *f;

	(void)state;
	f = parse_str("<rss version=\"2.0\"><channel>"
		      "<item><title>One</title><description>a<br>b"
		      "</description><link>http://x.example/1</link></item>"
		      "<item><title>Two</title></item>"
		      "</channel></rss>",
	    NULL, SH_OK);
	assert_int_equal(f->nentries, 2);
	assert_string_equal(f->entries[0].summary, "a b");
	assert_string_equal(f->entries[0].link, "http://x.example/1");
	assert_string_equal(f->entries[1].title, "Two");
	feed_free(f);
}

static void
test_bare_ampersands(void **state)
{
	struct feed *f;

	(void)state;
	/* A doctype, a comment and CDATA around bare ampersands: only the
	 * bare ones are mended, and the scan always moves on. */
	f = parse_str("<!DOCTYPE rss><!-- a & b --><rss version=\"2.0\">"
		      "<channel><item><title>Fish & chips &#X41;</title>"
		      "<link>http://x.example/?a=1&b=2</link>"
		      "<description><![CDATA[x & y]]></description>"
		      "</item></channel></rss>",
	    NULL, SH_OK);
	assert_string_equal(f->entries[0].title, "Fish & chips A");
	assert_string_equal(f->entries[0].link, "http://x.example/?a=1&b=2");
	assert_string_equal(f->entries[0].summary, "x & y");
	feed_free(f);
}

/*
 * The pass that decides whether mending is needed reads 64 bytes at a
 * time: a bare ampersand or an HTML entity after long CDATA sections and
 * comments (which it skips), or where a block ends, is still mended.
 */
static void
test_ampersands_after_long_cdata(void **state)
{
	struct feed *f;

	(void)state;
	f = parse_str("<rss version=\"2.0\"><channel><item>"
		      "<description><![CDATA[<p>x &amp; y &nbsp; "
		      "0123456789012345678901234567890123456789012345678901234"
		      "5678901234567890123456789 & </p>]]></description>"
		      "<!-- 012345678901234567890123456789012345678901234567"
		      "89 & 0123456789012345678901234567890123456789 -->"
		      "<title>Fish & chips&nbsp;0123456789012345678901234567"
		      "8901234567890123456789012345678901234567890&eacute;"
		      "</title></item></channel></rss>",
	    NULL, SH_OK);
	assert_string_equal(f->entries[0].title,
	    "Fish & chips 012345678901234567890123456789012345678901234567"
	    "89012345678901234567890\xc3\xa9");
	assert_non_null(strstr(f->entries[0].summary, "x & y"));
	feed_free(f);
}

/*
 * An HTML description is sanitized as it ends, in the pass that makes its
 * summary, but content that follows still wins, and links resolve against
 * the entry's base (here the document's) as they would at the entry's end.
 */
static void
test_description_as_content(void **state)
{
	struct feed *f;

	(void)state;
	f = parse_str("<rss version=\"2.0\" "
		      "xmlns:content=\"http://purl.org/rss/1.0/modules/"
		      "content/\"><channel><link>http://x.example/</link>"
		      "<item><description xml:base=\"http://y.example/d/\">"
		      "&lt;p&gt;Hi &lt;a href=\"a\"&gt;there&lt;/a&gt;"
		      "</description></item>"
		      "<item><description>&lt;b&gt;Short&lt;/b&gt;"
		      "</description><content:encoded>&lt;p&gt;Full"
		      "&lt;/p&gt;</content:encoded></item>"
		      "<item><content:encoded>&lt;p&gt;C&lt;/p&gt;"
		      "</content:encoded><description>&lt;i&gt;D&lt;/i&gt;"
		      "</description></item></channel></rss>",
	    NULL, SH_OK);
	assert_int_equal(f->nentries, 3);
	assert_string_equal(f->entries[0].summary, "Hi there");
	assert_string_equal(f->entries[0].content_html,
	    "<p>Hi <a href=\"https://t.example/a\">there</a></p>");
	assert_string_equal(f->entries[1].summary, "Short");
	assert_string_equal(f->entries[1].content_html, "<p>Full</p>");
	assert_string_equal(f->entries[2].summary, "D");
	assert_string_equal(f->entries[2].content_html, "<p>C</p>");
	feed_free(f);
}

static void
test_entities_in_attributes(void **state)
{
	struct feed *f;

	(void)state;
	f = parse_str(
	    "<rss version=\"2.0\"><channel><item>"
	    "<link>http://x.example/caf&eacute;</link>"
	    "<enclosure url=\"http://x.example/&eacute;t&eacute;.mp3\"/>"
	    "</item></channel></rss>",
	    NULL, SH_OK);
	/* Every byte of the character, in text and in attributes. */
	assert_string_equal(f->entries[0].link, "http://x.example/café");
	assert_string_equal(f->entries[0].enclosures[0].url,
	    "http://x.example/été.mp3");
	assert_int_equal(f->recovered, FEED_RECOVERED_ENTITY);
	feed_free(f);
}

static void
test_large_document_is_not_malformed(void **state)
{
	struct sh_buf b;
	struct feed *f;
	int i;

	(void)state;
	/* Past libxml2's 10 MB limit on a single push. */
	sh_buf_init(&b, SIZE_MAX);
	sh_buf_puts(&b, "<rss version=\"2.0\"><channel>");
	for (i = 0; i < 6000; i++) {
		sh_buf_puts(&b, "<item><guid>x</guid><description>");
		while (b.len % 2048 != 0)
			sh_buf_putc(&b, 'x');
		sh_buf_puts(&b, "</description></item>");
	}
	sh_buf_puts(&b, "</channel></rss>");
	assert_true(b.len > 11 * 1000 * 1000);
	f = parse_str(b.data, NULL, SH_OK);
	assert_int_equal(f->nentries, 6000);
	assert_int_equal(f->recovered, 0);
	feed_free(f);
	sh_buf_clear(&b);
}

static void
test_second_root_namespace(void **state)
{
	struct feed *f;

	(void)state;
	/*
	 * Recovery closes the root at the stray </feed>, and libxml2 then
	 * brings a second top-level element in another unknown namespace.
	 * The first root's vocabulary stays the feed's (its namespace was
	 * leaked when the second replaced it).
	 */
	f = parse_str("<feed xmlns=\"urn:a\"><title>A</title><x></feed>"
		      "<feed xmlns=\"urn:b\"><title>B</title>"
		      "<entry><id>b1</id></entry></feed>"
		      "<entry><id>a1</id><title>One</title></entry>",
	    NULL, SH_OK);
	assert_int_equal(f->format, FEED_FORMAT_ATOM10);
	assert_true(f->recovered & FEED_RECOVERED_XML);
	assert_string_equal(f->title, "A");
	assert_int_equal(f->nentries, 1);
	assert_string_equal(f->entries[0].id, "a1");
	assert_string_equal(f->entries[0].title, "One");
	feed_free(f);
}

static void
test_short_entities_in_attributes(void **state)
{
	struct feed *f;

	(void)state;
	/* Names of two and three letters were left to libxml2, which kept
	 * the first byte of their UTF-8 in attribute values. */
	f = parse_str("<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry>"
		      "<id>x</id><link href=\"http://x.example/&deg;\"/>"
		      "<category term=\"&ge; 20 &deg;C &lt; &mu;\"/>"
		      "<link rel=\"enclosure\" "
		      "href=\"http://x.example/&pi;&amp;&gt;.mp3\"/>"
		      "</entry></feed>",
	    NULL, SH_OK);
	assert_feed_utf8(f);
	assert_string_equal(f->entries[0].link, "http://x.example/°");
	assert_string_equal(f->entries[0].categories.v[0], "≥ 20 °C < μ");
	assert_string_equal(f->entries[0].enclosures[0].url,
	    "http://x.example/π&>.mp3");
	feed_free(f);
}

static void
test_entities_after_unclosed_comment(void **state)
{
	struct feed *f;

	(void)state;
	/* In a processing instruction, "<!--" and "<![CDATA[" open nothing
	 * for libxml2; the references after them still count. */
	f = parse_str("<rss version=\"2.0\"><channel><?pi <!-- ?>"
		      "<item><guid>1</guid>"
		      "<enclosure url=\"http://x.example/&eacute;.mp3\"/>"
		      "</item><?pi <![CDATA[ ?>"
		      "<item><guid>2</guid>"
		      "<enclosure url=\"http://x.example/&egrave;.mp3\"/>"
		      "</item></channel></rss>",
	    NULL, SH_OK);
	assert_feed_utf8(f);
	assert_int_equal(f->nentries, 2);
	assert_string_equal(f->entries[0].enclosures[0].url,
	    "http://x.example/é.mp3");
	assert_string_equal(f->entries[1].enclosures[0].url,
	    "http://x.example/è.mp3");
	feed_free(f);
	/* A declared entity keeps one byte in an attribute value: repaired,
	 * whatever it is. */
	f = parse_str("<!DOCTYPE rss [<!ENTITY e \"\xc3\xa9\">]>"
		      "<rss version=\"2.0\"><channel><item><guid>1</guid>"
		      "<title>caf&e;</title>"
		      "<enclosure url=\"http://x.example/&e;.mp3\"/>"
		      "</item></channel></rss>",
	    NULL, SH_OK);
	assert_feed_utf8(f);
	assert_string_equal(f->entries[0].title, "café");
	assert_string_equal(f->entries[0].enclosures[0].url,
	    "http://x.example/\xef\xbf\xbd.mp3");
	feed_free(f);
}

static void
test_labels_plain_text(void **state)
{
	struct feed *f;

	(void)state;
	/* Authors, categories and enclosure types are plain text: markup
	 * keeps its text only, control characters go, an empty label is
	 * dropped, and a clean label is left as it came. */
	f = parse_str(
	    "<rss version=\"2.0\" "
	    "xmlns:dc=\"http://purl.org/dc/elements/1.1/\">"
	    "<channel><item><guid isPermaLink=\"false\">1</guid>"
	    "<dc:creator>&lt;b&gt;Ann&lt;/b&gt;&#x1b;[31m</dc:creator>"
	    "<category>&lt;script&gt;alert(1)&lt;/script&gt;"
	    "</category>"
	    "<category><![CDATA[<i onclick=alert(1)>News</i>]]>"
	    "</category>"
	    "<category>AT&amp;T &gt; all</category>"
	    "<enclosure url=\"http://x.example/a.mp3\" "
	    "type=\"audio/mpeg&lt;img src=x onerror=alert(1)&gt;\"/>"
	    "</item></channel></rss>",
	    NULL, SH_OK);
	assert_int_equal(f->entries[0].authors.n, 1);
	assert_string_equal(f->entries[0].authors.v[0], "Ann[31m");
	assert_int_equal(f->entries[0].categories.n, 2);
	assert_string_equal(f->entries[0].categories.v[0], "News");
	assert_string_equal(f->entries[0].categories.v[1], "AT&T > all");
	assert_string_equal(f->entries[0].enclosures[0].type, "audio/mpeg");
	feed_free(f);
}

static void
test_unsafe_links_dropped(void **state)
{
	struct feed *f;

	(void)state;
	/* Scripting and document URLs in every URL field of the model:
	 * the entry link, enclosures (media thumbnails too), the feed's
	 * link and self.  Entities and blanks do not hide the scheme. */
	f = parse_str("<rss version=\"2.0\" "
		      "xmlns:media=\"http://search.yahoo.com/mrss/\">"
		      "<channel><link>vbscript:msgbox(1)</link>"
		      "<item><guid isPermaLink=\"false\">1</guid>"
		      "<link> java&#x09;script:alert(1)</link>"
		      "<enclosure url=\"data:text/html,&lt;script&gt;\"/>"
		      "<enclosure url=\"http://x.example/a.mp3\"/>"
		      "<media:thumbnail url=\"&#106;avascript:alert(1)\"/>"
		      "<media:thumbnail url=\"data:image/png;base64,AAAA\"/>"
		      "</item></channel></rss>",
	    NULL, SH_OK);
	assert_null(f->link);
	assert_null(f->entries[0].link);
	assert_string_equal(f->entries[0].id, "1");
	assert_int_equal(f->entries[0].nenclosures, 2);
	assert_string_equal(f->entries[0].enclosures[0].url,
	    "http://x.example/a.mp3");
	assert_string_equal(f->entries[0].enclosures[1].url,
	    "data:image/png;base64,AAAA");
	feed_free(f);

	/* Atom: an unsafe alternate does not win over a safe one. */
	f = parse_str("<feed xmlns=\"http://www.w3.org/2005/Atom\">"
		      "<link href=\"javascript:alert(1)\"/>"
		      "<link rel=\"self\" href=\"data:text/xml,x\"/>"
		      "<entry><id>x</id>"
		      "<link href=\"JavaScript:alert(1)\"/>"
		      "<link href=\"https://ok.example/1\"/>"
		      "<link rel=\"enclosure\" href=\"javascript:x\"/>"
		      "</entry></feed>",
	    NULL, SH_OK);
	assert_null(f->link);
	assert_null(f->self);
	assert_string_equal(f->entries[0].link, "https://ok.example/1");
	assert_int_equal(f->entries[0].nenclosures, 0);
	feed_free(f);

	/* JSON Feed: url, external_url, attachments, home_page_url. */
	f = parse_str("{\"version\": \"https://jsonfeed.org/version/1.1\", "
		      "\"home_page_url\": \"javascript:alert(1)\", "
		      "\"feed_url\": \"vbscript:x\", \"items\": ["
		      "{\"id\": \"1\", \"url\": \"javascript:alert(1)\", "
		      "\"external_url\": \"https://ok.example/ext\", "
		      "\"attachments\": [{\"url\": \"data:text/html,x\"}, "
		      "{\"url\": \"https://ok.example/a.mp3\"}]}, "
		      "{\"id\": \"2\", \"url\": \"data:text/html,x\"}]}",
	    NULL, SH_OK);
	assert_null(f->link);
	assert_null(f->self);
	assert_string_equal(f->entries[0].link, "https://ok.example/ext");
	assert_int_equal(f->entries[0].nenclosures, 1);
	assert_string_equal(f->entries[0].enclosures[0].url,
	    "https://ok.example/a.mp3");
	assert_null(f->entries[1].link);
	assert_string_equal(f->entries[1].id, "2");
	feed_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rss20),
	    cmocka_unit_test(test_ids_stable),
	    cmocka_unit_test(test_atom10),
	    cmocka_unit_test(test_rss091_and_rdf),
	    cmocka_unit_test(test_entities),
	    cmocka_unit_test(test_broken_recovers),
	    cmocka_unit_test(test_jsonfeed),
	    cmocka_unit_test(test_charset_from_content_type),
	    cmocka_unit_test(test_not_a_feed),
	    cmocka_unit_test(test_limit_document_size),
	    cmocka_unit_test(test_limit_entries),
	    cmocka_unit_test(test_limit_field_bytes),
	    cmocka_unit_test(test_limit_field_bytes_in_lists),
	    cmocka_unit_test(test_limit_depth),
	    cmocka_unit_test(test_limit_json_values),
	    cmocka_unit_test(test_no_external_entities),
	    cmocka_unit_test(test_dtd_attribute_defaults_dropped),
	    cmocka_unit_test(test_limit_attributes),
	    cmocka_unit_test(test_atom_content_types),
	    cmocka_unit_test(test_unclosed_html_in_description),
	    cmocka_unit_test(test_bare_ampersands),
	    cmocka_unit_test(test_ampersands_after_long_cdata),
	    cmocka_unit_test(test_description_as_content),
	    cmocka_unit_test(test_entities_in_attributes),
	    cmocka_unit_test(test_large_document_is_not_malformed),
	    cmocka_unit_test(test_second_root_namespace),
	    cmocka_unit_test(test_short_entities_in_attributes),
	    cmocka_unit_test(test_entities_after_unclosed_comment),
	    cmocka_unit_test(test_unsafe_links_dropped),
	    cmocka_unit_test(test_labels_plain_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
