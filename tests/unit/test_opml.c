/* SPDX-License-Identifier: MIT */
/* Unit tests of OPML import and export: folders, titles, limits, peers. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "opml.h"

/* Test helpers. */

static char *
slurp_path(const char *path, size_t *len)
{
	FILE *fp;
	char *buf;
	long n;

	fp = fopen(path, "rb");
	if (fp == NULL)
		fail_msg("cannot open %s", path);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	assert_true(n >= 0);
	assert_int_equal(fseek(fp, 0, SEEK_SET), 0);
	buf = xmalloc((size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	buf[n] = '\0';
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

static char *
slurp(const char *name, size_t *len)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/opml/%s", TEST_DATA_DIR, name);
	return slurp_path(path, len);
}

static struct opml_doc *
parse_buf(const char *buf, size_t len, const char *what)
{
	struct opml_doc *doc = NULL;
	char *err = NULL;
	int rc;

	rc = opml_parse(buf, len, NULL, &doc, &err);
	if (rc != SH_OK)
		fail_msg("%s: %s (%s)", what, sh_strerror(rc), err);
	assert_null(err);
	assert_non_null(doc);
	return doc;
}

static struct opml_doc *
parse_file(const char *name)
{
	struct opml_doc *doc;
	size_t len;
	char *buf;

	buf = slurp(name, &len);
	doc = parse_buf(buf, len, name);
	free(buf);
	return doc;
}

/* Parse text that must fail with want; returns the message. */
static char *
parse_fail(const char *buf, size_t len, const struct opml_limits *lim, int want)
{
	struct opml_doc *doc = NULL;
	char *err = NULL;
	int rc;

	rc = opml_parse(buf, len, lim, &doc, &err);
	if (rc != want)
		fail_msg("want %s, got %s (%s)", sh_strerror(want),
		    sh_strerror(rc), err != NULL ? err : "no message");
	assert_null(doc);
	assert_non_null(err);
	assert_null(strchr(err, '\n'));
	return err;
}

/* The folder path as "A/B", "" at the top. */
static const char *
path_of(const struct opml_feed *f)
{
	static char buf[1024];
	size_t k;

	buf[0] = '\0';
	for (k = 0; k < f->nfolder; k++) {
		if (k > 0)
			strncat(buf, "/", sizeof(buf) - strlen(buf) - 1);
		strncat(buf, f->folder[k], sizeof(buf) - strlen(buf) - 1);
	}
	return buf;
}

static const struct opml_feed *
find_url(const struct opml_doc *doc, const char *url)
{
	size_t i;

	for (i = 0; i < doc->nfeeds; i++)
		if (strcmp(doc->feeds[i].xml_url, url) == 0)
			return &doc->feeds[i];
	fail_msg("no feed %s", url);
	return NULL;
}

static const struct opml_feed *
find_title(const struct opml_doc *doc, const char *title)
{
	size_t i;

	for (i = 0; i < doc->nfeeds; i++)
		if (doc->feeds[i].title != NULL &&
		    strcmp(doc->feeds[i].title, title) == 0)
			return &doc->feeds[i];
	fail_msg("no feed titled %s", title);
	return NULL;
}

static void
assert_str_or_null(const char *got, const char *want)
{
	if (want == NULL)
		assert_null(got);
	else
		assert_string_equal(got, want);
}

/* Check one feed: index, URL, title, htmlUrl and folder path. */
static void
check_feed(const struct opml_doc *doc, size_t i, const char *url,
    const char *title, const char *html, const char *path)
{
	const struct opml_feed *f;

	assert_true(i < doc->nfeeds);
	f = &doc->feeds[i];
	assert_string_equal(f->xml_url, url);
	assert_str_or_null(f->title, title);
	assert_str_or_null(f->html_url, html);
	assert_string_equal(path_of(f), path);
}

static void
assert_docs_equal(const struct opml_doc *a, const struct opml_doc *b)
{
	size_t i, k;

	assert_str_or_null(a->title, b->title);
	assert_int_equal(a->nfeeds, b->nfeeds);
	for (i = 0; i < a->nfeeds; i++) {
		assert_string_equal(a->feeds[i].xml_url, b->feeds[i].xml_url);
		assert_str_or_null(a->feeds[i].title, b->feeds[i].title);
		assert_str_or_null(a->feeds[i].html_url, b->feeds[i].html_url);
		assert_int_equal(a->feeds[i].nfolder, b->feeds[i].nfolder);
		for (k = 0; k < a->feeds[i].nfolder; k++)
			assert_string_equal(a->feeds[i].folder[k],
			    b->feeds[i].folder[k]);
	}
}

static char *
write_doc(const struct opml_doc *doc, size_t *len)
{
	char *out = NULL;
	int rc;

	rc = opml_write(doc, &out, len);
	assert_int_equal(rc, SH_OK);
	assert_non_null(out);
	assert_int_equal(strlen(out), *len);
	return out;
}

/*
 * parse(write(d)) == d, write is deterministic, and write(parse(write(d)))
 * is byte-identical to write(d).  d must come from opml_parse().
 */
static void
check_roundtrip(const struct opml_doc *doc, const char *what)
{
	struct opml_doc *again;
	char *out1, *out2, *out3;
	size_t len1, len2, len3;

	out1 = write_doc(doc, &len1);
	out2 = write_doc(doc, &len2);
	assert_int_equal(len1, len2);
	assert_memory_equal(out1, out2, len1);
	assert_non_null(strstr(out1, "<opml version=\"2.0\">"));
	assert_null(strstr(out1, "dateCreated"));
	again = parse_buf(out1, len1, what);
	assert_docs_equal(doc, again);
	assert_int_equal(again->nskipped, 0);
	assert_int_equal(again->nduplicates, 0);
	out3 = write_doc(again, &len3);
	if (len1 != len3 || memcmp(out1, out3, len1) != 0)
		fail_msg("%s: second export differs:\n%s\n---\n%s", what, out1,
		    out3);
	opml_free(again);
	free(out1);
	free(out2);
	free(out3);
}

/* Our own test files. */

static void
test_nested(void **state)
{
	struct opml_doc *doc = parse_file("nested.opml");

	(void)state;
	assert_string_equal(doc->title, "Nested folders");
	assert_int_equal(doc->nfeeds, 6);
	assert_int_equal(doc->nduplicates, 1);
	assert_int_equal(doc->nskipped, 0);
	check_feed(doc, 0, "https://top.example/feed.xml", "Top feed",
	    "https://top.example/", "");
	check_feed(doc, 1, "https://wire.example/rss", "Wire",
	    "https://wire.example/", "News");
	check_feed(doc, 2, "https://lemonde.example/rss.xml", "Le Monde", NULL,
	    "News/Europe");
	check_feed(doc, 3, "https://spiegel.example/index.rss", "Der Spiegel",
	    "https://spiegel.example/", "News/Europe");
	check_feed(doc, 4, "https://lwn.example/headlines/rss", "LWN", NULL,
	    "Tech");
	check_feed(doc, 5, "https://bottom.example/atom", "Bottom", NULL, "");
	assert_null(doc->feeds[0].folder);
	check_roundtrip(doc, "nested.opml");
	opml_free(doc);
}

static void
test_category(void **state)
{
	struct opml_doc *doc = parse_file("category.opml");

	(void)state;
	assert_int_equal(doc->nfeeds, 7);
	assert_string_equal(path_of(find_url(doc, "https://ai.example/feed")),
	    "Tech/AI");
	assert_int_equal(find_url(doc, "https://ai.example/feed")->nfolder, 2);
	assert_string_equal(path_of(find_url(doc, "https://ai2.example/feed")),
	    "Tech/AI");
	assert_string_equal(
	    path_of(find_url(doc, "https://tagged.example/feed")), "News");
	assert_string_equal(
	    path_of(find_url(doc, "https://empty.example/feed")), "Misc");
	assert_string_equal(path_of(find_url(doc, "https://none.example/feed")),
	    "");
	assert_string_equal(
	    path_of(find_url(doc, "https://plain.example/feed")), "");
	/* Nesting wins over the category attribute. */
	assert_string_equal(
	    path_of(find_url(doc, "https://nested.example/feed")), "Folder");
	/* Same category path twice: gathered where it first appears. */
	check_feed(doc, 0, "https://ai.example/feed", "AI news", NULL,
	    "Tech/AI");
	check_feed(doc, 1, "https://ai2.example/feed", "More AI", NULL,
	    "Tech/AI");
	check_feed(doc, 2, "https://plain.example/feed", "Plain", NULL, "");
	check_roundtrip(doc, "category.opml");
	opml_free(doc);
}

static void
test_notitle(void **state)
{
	struct opml_doc *doc = parse_file("notitle.opml");

	(void)state;
	assert_null(doc->title);
	assert_int_equal(doc->nfeeds, 5);
	check_feed(doc, 0, "https://text.example/feed", "Only text", NULL, "");
	check_feed(doc, 1, "https://bare.example/feed", NULL, NULL, "");
	check_feed(doc, 2, "https://blank.example/feed", NULL, NULL, "");
	check_feed(doc, 3, "https://both.example/feed", "Title wins", NULL,
	    "Only title folder");
	/* A nameless folder is transparent. */
	check_feed(doc, 4, "https://nameless.example/feed",
	    "In a nameless folder", NULL, "");
	check_roundtrip(doc, "notitle.opml");
	opml_free(doc);
}

static void
test_entities(void **state)
{
	struct opml_doc *doc = parse_file("entities.opml");

	(void)state;
	assert_string_equal(doc->title, "Caf\xc3\xa9 & friends");
	assert_int_equal(doc->nfeeds, 2);
	check_feed(doc, 0, "https://cafe.example/feed?a=1&b=2",
	    "Caf\xc3\xa9\xc2\xa0"
	    "Babel \xe2\x80\x94 daily",
	    NULL, "Podcasts & Music");
	check_feed(doc, 1, "https://bold.example/feed",
	    "<b>Bold</b> \xc3\xa9t\xc3\xa9 \"q\" 'a'", NULL,
	    "Podcasts & Music");
	check_roundtrip(doc, "entities.opml");
	opml_free(doc);
}

static void
test_invalid(void **state)
{
	size_t len;
	char *buf = slurp("invalid.opml", &len), *err;

	(void)state;
	err = parse_fail(buf, len, NULL, SH_EPARSE);
	assert_non_null(strstr(err, "invalid XML at line 9"));
	assert_non_null(strstr(err, "mismatch"));
	free(err);
	free(buf);
}

static void
test_not_opml(void **state)
{
	size_t len;
	char *buf = slurp("notopml.opml", &len), *err;

	(void)state;
	err = parse_fail(buf, len, NULL, SH_ENOTFEED);
	assert_string_equal(err, "not OPML: root element is <rss>");
	free(err);
	free(buf);
	buf = slurp("nobody.opml", &len);
	err = parse_fail(buf, len, NULL, SH_ENOTFEED);
	assert_string_equal(err, "OPML without a <body>");
	free(err);
	free(buf);
}

static void
test_win1251(void **state)
{
	struct opml_doc *doc = parse_file("win1251.opml");

	(void)state;
	assert_string_equal(doc->title, "Подписки");
	assert_int_equal(doc->nfeeds, 2);
	check_feed(doc, 0, "https://lenta.example/rss", "Лента",
	    "https://lenta.example/", "Новости");
	check_feed(doc, 1, "https://habr.example/rss/best", "Хабр «лучшее»",
	    NULL, "");
	check_roundtrip(doc, "win1251.opml");
	opml_free(doc);
}

static void
test_deep(void **state)
{
	struct opml_doc *doc = parse_file("deep.opml");

	(void)state;
	assert_int_equal(doc->nfeeds, 5);
	check_feed(doc, 0, "https://one.example/feed", "One", NULL, "Level 1");
	check_feed(doc, 1, "https://three.example/feed", "Three", NULL,
	    "Level 1/Level 2/Level 3");
	assert_int_equal(doc->feeds[1].nfolder, 3);
	check_feed(doc, 2, "https://two.example/feed", "Two", NULL,
	    "Level 1/Level 2");
	/* The second "Level 1" outline joins the first one. */
	check_feed(doc, 3, "https://two-b.example/feed", "Two again", NULL,
	    "Level 1/Level 2");
	check_feed(doc, 4, "https://between.example/feed", "Between", NULL, "");
	check_roundtrip(doc, "deep.opml");
	opml_free(doc);
}

static void
test_variants(void **state)
{
	struct opml_doc *doc = parse_file("variants.opml");

	(void)state;
	assert_int_equal(doc->nfeeds, 7);
	/* piped, exec:, filter:, query:, relative, vfolder */
	assert_int_equal(doc->nskipped, 6);
	check_feed(doc, 0, "https://lower.example/feed", "lower", NULL, "");
	check_feed(doc, 1, "https://upper.example/feed", "upper",
	    "https://upper.example/", "");
	check_feed(doc, 2, "https://url-rss.example/feed", "url rss", NULL, "");
	check_feed(doc, 3, "https://url-atom.example/feed", "url atom", NULL,
	    "");
	check_feed(doc, 4, "HTTP://caps.example/feed", "HTTP upper", NULL, "");
	check_feed(doc, 5, "https://parent.example/feed", "feed with children",
	    NULL, "");
	check_feed(doc, 6, "https://child.example/feed", "child", NULL, "");
	check_roundtrip(doc, "variants.opml");
	opml_free(doc);
}

/* Limits and hostile input. */

static void
test_limit_feeds(void **state)
{
	struct opml_limits lim;
	struct opml_doc *doc = NULL;
	size_t len;
	char *buf = slurp("nested.opml", &len), *err;

	(void)state;
	opml_limits_default(&lim);
	assert_int_equal(lim.max_feeds, SH_MAX_OPML_FEEDS);
	assert_int_equal(lim.max_depth, SH_MAX_OPML_DEPTH);
	lim.max_feeds = 5;
	err = parse_fail(buf, len, &lim, SH_ETOOMANY);
	assert_string_equal(err, "OPML lists more than 5 feeds");
	free(err);
	/* The duplicate does not count. */
	lim.max_feeds = 6;
	assert_int_equal(opml_parse(buf, len, &lim, &doc, NULL), SH_OK);
	assert_int_equal(doc->nfeeds, 6);
	opml_free(doc);
	free(buf);
}

static void
test_limit_depth(void **state)
{
	static const char cat[] =
	    "<opml><body><outline xmlUrl='https://x.example/' "
	    "category='/a/b/c'/></body></opml>";
	struct opml_limits lim;
	struct opml_doc *doc = NULL;
	size_t len;
	char *buf = slurp("deep.opml", &len), *err;

	(void)state;
	opml_limits_default(&lim);
	lim.max_depth = 3;
	err = parse_fail(buf, len, &lim, SH_EDEPTH);
	assert_string_equal(err, "OPML outlines nest deeper than 3 levels");
	free(err);
	lim.max_depth = 4;
	assert_int_equal(opml_parse(buf, len, &lim, &doc, NULL), SH_OK);
	assert_int_equal(doc->nfeeds, 5);
	opml_free(doc);
	lim.max_depth = 2;
	err = parse_fail(cat, sizeof(cat) - 1, &lim, SH_EDEPTH);
	assert_string_equal(err, "OPML category nests deeper than 2 levels");
	free(err);
	free(buf);
}

/* A document with n nested folders around one feed. */
static char *
nest(size_t n, size_t *len)
{
	struct sh_buf b;
	size_t i;

	sh_buf_init(&b, SIZE_MAX);
	sh_buf_puts(&b, "<opml version='2.0'><body>");
	for (i = 0; i < n; i++)
		sh_buf_puts(&b, "<outline text='f'>");
	sh_buf_puts(&b, "<outline xmlUrl='https://deep.example/'/>");
	for (i = 0; i < n; i++)
		sh_buf_puts(&b, "</outline>");
	sh_buf_puts(&b, "</body></opml>");
	*len = b.len;
	return sh_buf_steal(&b);
}

static void
test_nesting_generated(void **state)
{
	struct opml_limits lim;
	struct opml_doc *doc;
	size_t len;
	char *buf, *err;

	(void)state;
	buf = nest(63, &len);
	doc = parse_buf(buf, len, "63 levels");
	assert_int_equal(doc->nfeeds, 1);
	assert_int_equal(doc->feeds[0].nfolder, 63);
	check_roundtrip(doc, "63 levels");
	opml_free(doc);
	free(buf);
	buf = nest(64, &len);
	err = parse_fail(buf, len, NULL, SH_EDEPTH);
	free(err);
	free(buf);
	/* Past libxml2's own limit, with ours raised as far as it goes. */
	opml_limits_default(&lim);
	lim.max_depth = 100000;
	buf = nest(300, &len);
	err = parse_fail(buf, len, &lim, SH_EDEPTH);
	assert_string_equal(err, "OPML outlines nest deeper than 250 levels");
	free(err);
	free(buf);
}

/* A document with one feed whose category is a path of n folders. */
static char *
category_path(size_t n, size_t *len)
{
	struct sh_buf b;
	size_t i;

	sh_buf_init(&b, SIZE_MAX);
	sh_buf_puts(&b, "<opml version='2.0'><body>"
			"<outline xmlUrl='https://deep.example/' category='");
	for (i = 0; i < n; i++)
		sh_buf_puts(&b, "/c");
	sh_buf_puts(&b, "'/></body></opml>");
	*len = b.len;
	return sh_buf_steal(&b);
}

static void
test_category_depth_roundtrip(void **state)
{
	struct opml_limits lim;
	struct opml_doc *doc;
	size_t len;
	char *buf, *err;

	(void)state;
	/* A category path takes the levels its export nests: 63 folders and
	 * the feed are 64 outlines, which import again. */
	buf = category_path(SH_MAX_OPML_FOLDERS, &len);
	doc = parse_buf(buf, len, "63 categories");
	assert_int_equal(doc->feeds[0].nfolder, 63);
	check_roundtrip(doc, "63 categories");
	opml_free(doc);
	free(buf);
	/* 64 folders would export as 65 outlines: refused on import. */
	buf = category_path(SH_MAX_OPML_FOLDERS + 1, &len);
	err = parse_fail(buf, len, NULL, SH_EDEPTH);
	assert_string_equal(err, "OPML category nests deeper than 64 levels");
	free(err);
	free(buf);
	/* The same with other limits. */
	opml_limits_default(&lim);
	lim.max_depth = 3;
	buf = category_path(3, &len);
	err = parse_fail(buf, len, &lim, SH_EDEPTH);
	free(err);
	free(buf);
	buf = category_path(2, &len);
	assert_int_equal(opml_parse(buf, len, &lim, &doc, NULL), SH_OK);
	assert_int_equal(doc->feeds[0].nfolder, 2);
	opml_free(doc);
	free(buf);
}

static void
test_write_depth_imports_again(void **state)
{
	static const char *deep[250];
	struct opml_limits lim;
	struct opml_doc *doc, *again = NULL;
	char *out = NULL;
	size_t len, i;

	(void)state;
	for (i = 0; i < 250; i++)
		deep[i] = "d";
	opml_limits_default(&lim);
	lim.max_depth = 250;
	/* The deepest path written still reads back, the feed's outline
	 * included, with the reader's limit as high as it goes. */
	doc = opml_new(NULL);
	opml_feed_add(doc, "https://a.example/", NULL, NULL, deep, 249);
	out = write_doc(doc, &len);
	assert_int_equal(opml_parse(out, len, &lim, &again, NULL), SH_OK);
	assert_int_equal(again->feeds[0].nfolder, 249);
	opml_free(again);
	opml_free(doc);
	free(out);
	out = NULL;
	doc = opml_new(NULL);
	opml_feed_add(doc, "https://a.example/", NULL, NULL, deep, 250);
	assert_int_equal(opml_write(doc, &out, &len), SH_EDEPTH);
	assert_null(out);
	opml_free(doc);
}

static void
test_limit_size(void **state)
{
	struct opml_limits lim;
	size_t len;
	char *buf = slurp("nested.opml", &len), *err;

	(void)state;
	opml_limits_default(&lim);
	lim.max_doc_bytes = len - 1;
	err = parse_fail(buf, len, &lim, SH_ETOOBIG);
	assert_non_null(strstr(err, "over the limit"));
	free(err);
	opml_limits_default(&lim);
	lim.max_model_bytes = 300;
	err = parse_fail(buf, len, &lim, SH_ETOOBIG);
	assert_string_equal(err,
	    "OPML folders and titles take more than 300 bytes");
	free(err);
	free(buf);
}

static void
test_empty_and_garbage(void **state)
{
	static const char utf8_bad[] = "<opml><body><outline text='\xff\xfe' "
				       "xmlUrl='https://a.example/'/></body>"
				       "</opml>";
	static const char enc_bad[] = "<?xml version='1.0' encoding='x-nope'?>"
				      "<opml><body/></opml>";
	static const char cp1251_bad[] =
	    "<?xml version='1.0' encoding='windows-1251'?><opml><body>"
	    "<outline text='\x98' xmlUrl='https://a.example/'/></body></opml>";
	static const char undeclared[] =
	    "<opml><body><outline text='&bogus;' "
	    "xmlUrl='https://a.example/'/></body></opml>";
	struct opml_doc *doc = NULL;
	char *err;
	int rc;

	(void)state;
	err = parse_fail("", 0, NULL, SH_EPARSE);
	free(err);
	assert_int_equal(opml_parse("<", 1, NULL, &doc, NULL), SH_EPARSE);
	assert_null(doc);
	err = parse_fail("<opml>", 6, NULL, SH_EPARSE);
	free(err);
	rc = opml_parse(utf8_bad, sizeof(utf8_bad) - 1, NULL, &doc, &err);
	assert_true(rc == SH_EPARSE || rc == SH_EENCODING);
	assert_null(doc);
	free(err);
	err = parse_fail(enc_bad, sizeof(enc_bad) - 1, NULL, SH_EENCODING);
	assert_non_null(strstr(err, "x-nope"));
	free(err);
	/* 0x98 is no character in windows-1251. */
	err =
	    parse_fail(cp1251_bad, sizeof(cp1251_bad) - 1, NULL, SH_EENCODING);
	assert_string_equal(err,
	    "invalid XML at line 1: bytes not valid in windows-1251");
	free(err);
	err = parse_fail(undeclared, sizeof(undeclared) - 1, NULL, SH_EPARSE);
	assert_non_null(strstr(err, "bogus"));
	free(err);
}

static void
test_no_entity_expansion(void **state)
{
	static const char xxe[] =
	    "<?xml version='1.0'?><!DOCTYPE opml ["
	    "<!ENTITY x SYSTEM 'file:///etc/passwd'>]><opml><head>"
	    "<title>&x;</title></head><body><outline text='t&x;' "
	    "xmlUrl='https://a.example/'/></body></opml>";
	static const char laughs[] =
	    "<?xml version='1.0'?><!DOCTYPE opml ["
	    "<!ENTITY a 'aaaaaaaaaa'><!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;'>"
	    "<!ENTITY c '&b;&b;&b;&b;&b;&b;&b;&b;'>"
	    "<!ENTITY d '&c;&c;&c;&c;&c;&c;&c;&c;'>]><opml><body>"
	    "<outline text='&d;' xmlUrl='https://a.example/'/></body></opml>";
	static const char doctype[] =
	    "<?xml version='1.0'?><!DOCTYPE opml [<!ENTITY a 'x'>]><opml>"
	    "<body><outline xmlUrl='https://a.example/'/></body></opml>";
	struct opml_doc *doc = NULL;
	char *err = NULL;
	int rc;

	(void)state;
	/* Declared entities are never expanded: their use is an error. */
	rc = opml_parse(xxe, sizeof(xxe) - 1, NULL, &doc, &err);
	assert_int_equal(rc, SH_EPARSE);
	assert_null(doc);
	assert_non_null(strstr(err, "'x'"));
	free(err);
	err = NULL;
	rc = opml_parse(laughs, sizeof(laughs) - 1, NULL, &doc, &err);
	assert_int_equal(rc, SH_EPARSE);
	assert_null(doc);
	free(err);
	/* A DOCTYPE alone is harmless. */
	doc = parse_buf(doctype, sizeof(doctype) - 1, "doctype");
	assert_int_equal(doc->nfeeds, 1);
	opml_free(doc);
}

static void
test_utf16(void **state)
{
	static const char ascii[] =
	    "<?xml version=\"1.0\" encoding=\"UTF-16\"?><opml><head><title>"
	    "Wide</title></head><body><outline text=\"W\" "
	    "xmlUrl=\"https://wide.example/\"/></body></opml>";
	struct opml_doc *doc;
	char *buf;
	size_t i, n = sizeof(ascii) - 1;

	(void)state;
	buf = xmalloc(2 * n + 2);
	buf[0] = '\xff';
	buf[1] = '\xfe';
	for (i = 0; i < n; i++) {
		buf[2 + 2 * i] = ascii[i];
		buf[3 + 2 * i] = '\0';
	}
	doc = parse_buf(buf, 2 * n + 2, "utf-16");
	assert_string_equal(doc->title, "Wide");
	check_feed(doc, 0, "https://wide.example/", "W", NULL, "");
	opml_free(doc);
	free(buf);
}

/* Every prefix and many one-byte changes of a file: errors, no crashes. */
static void
test_mangled(void **state)
{
	static const char bytes[] = {'<', '>', '&', '"', '\0', '\xff', '\xc3'};
	struct opml_doc *doc;
	size_t len, i, k, end;
	char *buf = slurp("nested.opml", &len), *err;
	int rc;

	(void)state;
	end = (size_t)(strstr(buf, "</opml>") - buf) + 7;
	for (i = 0; i < len; i++) {
		doc = NULL;
		err = NULL;
		rc = opml_parse(buf, i, NULL, &doc, &err);
		if (i < end) {
			assert_int_not_equal(rc, SH_OK);
			assert_non_null(err);
		}
		opml_free(doc);
		free(err);
	}
	for (i = 0; i < len; i += 3) {
		char saved = buf[i];

		for (k = 0; k < sizeof(bytes); k++) {
			buf[i] = bytes[k];
			doc = NULL;
			err = NULL;
			rc = opml_parse(buf, len, NULL, &doc, &err);
			assert_true(rc == SH_OK || err != NULL);
			assert_true(rc != SH_OK || doc != NULL);
			opml_free(doc);
			free(err);
		}
		buf[i] = saved;
	}
	free(buf);
}

static void
test_many_feeds(void **state)
{
	struct opml_doc *doc;
	struct sh_buf b;
	char line[160];
	size_t i;

	(void)state;
	/* 20,000 feeds whose folders come back every 37 feeds. */
	sh_buf_init(&b, SIZE_MAX);
	sh_buf_puts(&b, "<opml version='2.0'><body>");
	for (i = 0; i < 20000; i++) {
		snprintf(line, sizeof(line),
		    "<outline text='F%zu'><outline text='s%zu' "
		    "xmlUrl='https://h%zu.example/feed'/></outline>",
		    i % 37, i, i);
		sh_buf_puts(&b, line);
	}
	sh_buf_puts(&b, "<outline xmlUrl='https://h5.example/feed'/>");
	sh_buf_puts(&b, "</body></opml>");
	doc = parse_buf(b.data, b.len, "20000 feeds");
	assert_int_equal(doc->nfeeds, 20000);
	assert_int_equal(doc->nduplicates, 1);
	/* Gathered by folder: all of F0 first, in document order. */
	check_feed(doc, 0, "https://h0.example/feed", "s0", NULL, "F0");
	check_feed(doc, 1, "https://h37.example/feed", "s37", NULL, "F0");
	check_feed(doc, 541, "https://h1.example/feed", "s1", NULL, "F1");
	check_feed(doc, 19999, "https://h19979.example/feed", "s19979", NULL,
	    "F36");
	check_roundtrip(doc, "20000 feeds");
	opml_free(doc);
	sh_buf_clear(&b);
}

/*
 * Past 10 MB: libxml2 refuses one push that large ("Huge input lookup"),
 * and a conversion error in a later chunk halts it without a parse error.
 */
static void
test_large_documents(void **state)
{
	struct opml_doc *doc;
	struct sh_buf b;
	char line[128], *err;
	size_t i;

	(void)state;
	sh_buf_init(&b, SIZE_MAX);
	sh_buf_puts(&b, "<?xml version='1.0' encoding='windows-1251'?>"
			"<opml><body>");
	for (i = 0; i < 1000; i++) {
		snprintf(line, sizeof(line),
		    "<outline text='\xcf%zu' xmlUrl='https://l%zu.example/'/>",
		    i, i);
		sh_buf_puts(&b, line);
		while (b.len % 11000 != 0)
			sh_buf_putc(&b, ' ');
	}
	sh_buf_puts(&b, "</body></opml>");
	assert_true(b.len > 10u * 1000 * 1000);
	doc = parse_buf(b.data, b.len, "11 MB");
	assert_int_equal(doc->nfeeds, 1000);
	check_feed(doc, 999, "https://l999.example/",
	    "\xd0\x9f"
	    "999",
	    NULL, "");
	opml_free(doc);
	/* 0x98 is no character in windows-1251, here in the middle. */
	b.data[b.len / 2] = '\x98';
	err = parse_fail(b.data, b.len, NULL, SH_EENCODING);
	assert_non_null(strstr(err, "windows-1251"));
	free(err);
	sh_buf_clear(&b);
}

/* Writing. */

static void
test_write_golden(void **state)
{
	static const char want[] =
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<opml version=\"2.0\">\n"
	    "  <head>\n"
	    "    <title>Subs</title>\n"
	    "  </head>\n"
	    "  <body>\n"
	    "    <outline text=\"News\" title=\"News\">\n"
	    "      <outline type=\"rss\" text=\"A\" title=\"A\" "
	    "xmlUrl=\"https://a.example/feed\" htmlUrl=\"https://a.example/\" "
	    "category=\"/News\"/>\n"
	    "      <outline text=\"World\" title=\"World\">\n"
	    "        <outline type=\"rss\" text=\"C &amp; &lt;co&gt;\" "
	    "title=\"C &amp; &lt;co&gt;\" xmlUrl=\"https://c.example/f?a=1&amp;"
	    "b=2\" category=\"/News/World\"/>\n"
	    "      </outline>\n"
	    "      <outline type=\"rss\" text=\"D\" title=\"D\" "
	    "xmlUrl=\"https://d.example/feed\" category=\"/News\"/>\n"
	    "    </outline>\n"
	    "    <outline type=\"rss\" text=\"\" "
	    "xmlUrl=\"https://b.example/feed\"/>\n"
	    "  </body>\n"
	    "</opml>\n";
	static const char *const news[] = {"News"};
	static const char *const world[] = {"News", "World"};
	struct opml_doc *doc = opml_new("Subs"), *again;
	char *out;
	size_t len;

	(void)state;
	opml_feed_add(doc, "https://a.example/feed", "https://a.example/", "A",
	    news, 1);
	opml_feed_add(doc, "https://b.example/feed", NULL, NULL, NULL, 0);
	opml_feed_add(doc, "https://c.example/f?a=1&b=2", NULL, "C & <co>",
	    world, 2);
	opml_feed_add(doc, "https://d.example/feed", NULL, "D", news, 1);
	out = write_doc(doc, &len);
	assert_string_equal(out, want);
	again = parse_buf(out, len, "golden");
	assert_int_equal(again->nfeeds, 4);
	check_feed(again, 0, "https://a.example/feed", "A",
	    "https://a.example/", "News");
	check_feed(again, 1, "https://c.example/f?a=1&b=2", "C & <co>", NULL,
	    "News/World");
	check_feed(again, 2, "https://d.example/feed", "D", NULL, "News");
	check_feed(again, 3, "https://b.example/feed", NULL, NULL, "");
	check_roundtrip(again, "golden");
	opml_free(again);
	opml_free(doc);
	free(out);
}

static void
test_write_odd_text(void **state)
{
	static const char *const odd[] = {"A/B, C", "Q \"quoted\" 'x'"};
	static const char *const empty[] = {"", "Kept"};
	struct opml_doc *doc = opml_new(NULL), *again;
	char *out;
	size_t len;

	(void)state;
	opml_feed_add(doc, "https://a.example/", NULL, "tab\there\nline", odd,
	    2);
	opml_feed_add(doc, "https://b.example/", NULL, "\xf0\x9f\x87\xab",
	    empty, 2);
	out = write_doc(doc, &len);
	/* A name with a slash or comma gets no category attribute. */
	assert_null(strstr(out, "category=\"/A"));
	assert_non_null(strstr(out, "category=\"/Kept\""));
	assert_non_null(strstr(out, "<title></title>"));
	again = parse_buf(out, len, "odd text");
	assert_null(again->title);
	check_feed(again, 0, "https://a.example/", "tab\there\nline", NULL,
	    "A/B, C/Q \"quoted\" 'x'");
	assert_int_equal(again->feeds[0].nfolder, 2);
	check_feed(again, 1, "https://b.example/", "\xf0\x9f\x87\xab", NULL,
	    "Kept");
	check_roundtrip(again, "odd text");
	opml_free(again);
	opml_free(doc);
	free(out);
}

static void
test_write_refuses(void **state)
{
	static const char *const deep[251] = {"x"};
	struct opml_doc *doc;
	char *out = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(opml_write(NULL, &out, &len), SH_EINVAL);
	doc = opml_new("ctl\x01");
	assert_int_equal(opml_write(doc, &out, &len), SH_EINVAL);
	opml_free(doc);
	doc = opml_new(NULL);
	opml_feed_add(doc, "https://a.example/", NULL, "bad \xc3", NULL, 0);
	assert_int_equal(opml_write(doc, &out, &len), SH_EINVAL);
	opml_free(doc);
	doc = opml_new(NULL);
	opml_feed_add(doc, "https://a.example/", NULL, "\xef\xbf\xbf", NULL, 0);
	assert_int_equal(opml_write(doc, &out, &len), SH_EINVAL);
	opml_free(doc);
	doc = opml_new(NULL);
	opml_feed_add(doc, NULL, NULL, "no url", NULL, 0);
	assert_int_equal(opml_write(doc, &out, &len), SH_EINVAL);
	opml_free(doc);
	doc = opml_new(NULL);
	opml_feed_add(doc, "https://a.example/", NULL, NULL, deep, 251);
	assert_int_equal(opml_write(doc, &out, &len), SH_EDEPTH);
	opml_free(doc);
	assert_null(out);
	assert_int_equal(len, 0);
	opml_free(NULL);
}

static void
test_write_empty(void **state)
{
	struct opml_doc *doc = opml_new("Nothing"), *again;
	char *out;
	size_t len;

	(void)state;
	out = write_doc(doc, &len);
	assert_non_null(strstr(out, "<body/>"));
	again = parse_buf(out, len, "empty");
	assert_string_equal(again->title, "Nothing");
	assert_int_equal(again->nfeeds, 0);
	opml_free(again);
	opml_free(doc);
	free(out);
}

/* Round trips of every test file that parses. */
static void
test_roundtrip_data(void **state)
{
	static const char *const files[] = {"nested.opml", "category.opml",
	    "notitle.opml", "entities.opml", "win1251.opml", "deep.opml",
	    "variants.opml"};
	struct opml_doc *doc;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		doc = parse_file(files[i]);
		check_roundtrip(doc, files[i]);
		opml_free(doc);
	}
}

/* The peers' exports in ../shared/opml. */

struct shared_case {
	const char *file;
	int rc;
	size_t nfeeds, nskipped;
	const char *title; /* the head's */
	const char *msg;   /* for errors */
};

static const struct shared_case shared_cases[] = {
    {"commafeed-opml_noversion.opml", SH_OK, 1, 0, "subscriptions", NULL},
    {"commafeed-opml_v1.0.opml", SH_OK, 1, 0, "subscriptions", NULL},
    {"commafeed-opml_v1.1.opml", SH_OK, 1, 0, "subscriptions", NULL},
    {"commafeed-opml_v2.0.opml", SH_OK, 1, 0, "subscriptions", NULL},
    {"freshrss-default.opml", SH_OK, 1, 0, "FreshRSS default OPML", NULL},
    {"liferea-feedlist_de.opml", SH_OK, 15, 2,
	"Liferea Default Feed List - Deutsch", NULL},
    {"liferea-feedlist_en.opml", SH_OK, 14, 2,
	"Liferea Default Feed List - English", NULL},
    {"liferea-feedlist_es.opml", SH_OK, 12, 2,
	"Liferea Fuentes por defecto \xf0\x9f\x87\xaa\xf0\x9f\x87\xb8", NULL},
    {"liferea-feedlist_fr.opml", SH_OK, 17, 2,
	"Liste des flux par d\xc3\xa9"
	"faut de Liferea \xf0\x9f\x87\xab\xf0\x9f\x87\xb7",
	NULL},
    {"miniflux-export.opml", SH_OK, 4, 0, "Miniflux", NULL},
    {"newsboat-body-element-missing.opml", SH_ENOTFEED, 0, 0, NULL,
	"OPML without a <body>"},
    {"newsboat-category.opml", SH_OK, 1, 0, "Newsboat - Exported Feeds", NULL},
    {"newsboat-example.opml", SH_OK, 7, 0,
	"Example OPML file for Newsboat tests", NULL},
    {"newsboat-example2.opml", SH_OK, 7, 0,
	"Second example OPML file for Newsboat tests", NULL},
    {"newsboat-filtered.opml", SH_OK, 2, 0,
	"Example OPML that has URLs with pipe symbols in it", NULL},
    {"newsboat-opml-element-missing.opml", SH_ENOTFEED, 0, 0, NULL,
	"not OPML: root element is <not-opml>"},
    {"newsboat-piped.opml", SH_OK, 1, 1,
	"Example OPML that has URLs with pipe symbols in it", NULL},
    {"yarr-sample_win1251.opml", SH_OK, 2, 0,
	"\xd0\x97\xd0\xb0\xd0\xb3\xd0\xbe\xd0\xbb\xd0\xbe\xd0\xb2\xd0\xbe\xd0"
	"\xba",
	NULL},
};

/* Facts read off the files by hand. */
static void
check_shared_facts(const char *file, const struct opml_doc *doc)
{
	const struct opml_feed *f;

	if (strncmp(file, "commafeed-", 10) == 0) {
		check_feed(doc, 0, "https://hostname.local/commafeed/feed1.xml",
		    "feed1", "https://hostname.local/commafeed", "out1");
	} else if (strcmp(file, "freshrss-default.opml") == 0) {
		check_feed(doc, 0,
		    "https://github.com/FreshRSS/FreshRSS/releases.atom",
		    "FreshRSS releases",
		    "https://github.com/FreshRSS/FreshRSS/", "");
	} else if (strcmp(file, "liferea-feedlist_de.opml") == 0) {
		check_feed(doc, 0, "https://www.tagesschau.de/newsticker.rdf",
		    "Tagesschau", "https://www.tagesschau.de/",
		    "Beispiel-Abonnements/Deutsch/News");
		f = find_title(doc, "Chaos Radio");
		assert_string_equal(path_of(f),
		    "Beispiel-Abonnements/Deutsch/Podcasts");
		check_feed(doc, 5,
		    "https://feeds.arstechnica.com/arstechnica/index",
		    "Ars Technica", "https://arstechnica.com",
		    "Beispiel-Abonnements/International/News");
		assert_string_equal(path_of(find_title(doc, "EscapePod")),
		    "Beispiel-Abonnements/International/Podcasts & Music");
	} else if (strcmp(file, "liferea-feedlist_en.opml") == 0) {
		check_feed(doc, 0,
		    "https://feeds.arstechnica.com/arstechnica/index",
		    "Ars Technica", "https://arstechnica.com",
		    "Example Feeds/News");
		check_feed(doc, 13, "https://xkcd.com/atom.xml", "xkcd",
		    "https://xkcd.com/", "Example Feeds/Comics");
		assert_string_equal(path_of(find_title(doc, "Fluxblog")),
		    "Example Feeds/Music Blogs");
	} else if (strcmp(file, "liferea-feedlist_es.opml") == 0) {
		check_feed(doc, 0, "https://www.alcancelibre.org/noticias.atom",
		    "Alcance Libre", "https://www.alcancelibre.org/",
		    "Fuentes de ejemplo (espa\xc3\xb1ol) \xf0\x9f\x87\xaa"
		    "\xf0\x9f\x87\xb8/OSS");
		assert_string_equal(path_of(find_title(doc, "EscapePod")),
		    "Fuentes de ejemplo (ingl\xc3\xa9s)/Podcasts & Music");
	} else if (strcmp(file, "liferea-feedlist_fr.opml") == 0) {
		check_feed(doc, 0, "http://standblog.org/dotclear/rss.php",
		    "Standblog", "http://standblog.org/blog/",
		    "Exemples de flux/Fran\xc3\xa7"
		    "ais \xf0\x9f\x87\xab\xf0\x9f\x87\xb7");
		check_feed(doc, 16, "https://xkcd.com/atom.xml", "xkcd",
		    "https://xkcd.com/",
		    "Exemples de flux/International/Comics");
	} else if (strcmp(file, "miniflux-export.opml") == 0) {
		check_feed(doc, 0, "https://www.lemonde.fr/pixels/rss_full.xml",
		    "Le Monde \xe2\x80\x93 Pixels",
		    "https://www.lemonde.fr/pixels/", "News");
		check_feed(doc, 3, "https://hnrss.org/frontpage",
		    "Hacker News: Front Page", "https://news.ycombinator.com/",
		    "Tech & AI");
	} else if (strcmp(file, "newsboat-category.opml") == 0) {
		check_feed(doc, 0,
		    "http://feeds.bbci.co.uk/news/business/rss.xml?edition=int",
		    NULL, NULL, "tag one");
	} else if (strcmp(file, "newsboat-example.opml") == 0) {
		check_feed(doc, 0, "https://example.com/feed.xml",
		    "example.com website", NULL, "");
		assert_string_equal(path_of(find_title(doc, "John's musings")),
		    "Blogs");
		assert_string_equal(path_of(find_title(doc, "Notes by Mike")),
		    "Blogs/friends");
		assert_string_equal(
		    path_of(find_title(doc, "Fred on everything")), "eloquent");
	} else if (strcmp(file, "newsboat-example2.opml") == 0) {
		assert_string_equal(path_of(find_title(doc, "Really?")),
		    "Rant boards/humans");
		assert_string_equal(path_of(find_title(doc, "and another")),
		    "Rant boards");
		f = find_url(doc, "https://example.com/five.atom");
		assert_string_equal(f->title, "another title");
		assert_string_equal(path_of(f), "");
		check_feed(doc, 6, "https://example.com/feed2.rss09",
		    "an outdated feed", NULL, "");
	} else if (strcmp(file, "newsboat-filtered.opml") == 0) {
		check_feed(doc, 0, "https://example.com/another_feed.atom",
		    "example.com website (Atom feed)", NULL, "misc");
		check_feed(doc, 1, "https://example.com/firehose", "Firehose",
		    NULL, "");
	} else if (strcmp(file, "newsboat-piped.opml") == 0) {
		check_feed(doc, 0, "https://example.com/feed.atom",
		    "example.com website (Atom feed)", NULL, "tagged");
	} else if (strcmp(file, "yarr-sample_win1251.opml") == 0) {
		check_feed(doc, 0, "https://foo.com/feed.xml",
		    "\xd0\xbf\xd1\x80\xd0\xb8\xd0\xbc\xd0\xb5\xd1\x80\x32",
		    "https://foo.com/",
		    "\xd0\xbf\xd0\xb0\xd0\xbf\xd0\xba\xd0\xb0");
		check_feed(doc, 1, "https://baz.com/feed.xml",
		    "\xd0\xbf\xd1\x80\xd0\xb8\xd0\xbc\xd0\xb5\xd1\x80\x31",
		    "https://baz.com/", "");
	}
}

static void
run_shared_case(const char *dir, const struct shared_case *c)
{
	struct opml_doc *doc = NULL;
	char *path, *buf, *err = NULL;
	size_t len;
	int rc;

	path = xasprintf("%s/%s", dir, c->file);
	buf = slurp_path(path, &len);
	free(path);
	rc = opml_parse(buf, len, NULL, &doc, &err);
	if (rc != c->rc)
		fail_msg("%s: want %s, got %s (%s)", c->file,
		    sh_strerror(c->rc), sh_strerror(rc), err);
	if (rc != SH_OK) {
		assert_string_equal(err, c->msg);
		free(err);
		free(buf);
		return;
	}
	if (doc->nfeeds != c->nfeeds || doc->nskipped != c->nskipped)
		fail_msg("%s: %zu feeds, %zu skipped", c->file, doc->nfeeds,
		    doc->nskipped);
	assert_int_equal(doc->nduplicates, 0);
	assert_str_or_null(doc->title, c->title);
	check_shared_facts(c->file, doc);
	check_roundtrip(doc, c->file);
	opml_free(doc);
	free(buf);
}

static void
test_shared(void **state)
{
	char dir[1024];
	struct dirent *de;
	size_t i, seen = 0;
	DIR *d;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/opml", TEST_SHARED_DIR);
	if ((d = opendir(dir)) == NULL) {
		/* cmocka 1.1's skip() prints "not ok ... # SKIP", which
		 * automake's TAP driver counts as a failure: say it and pass. */
		print_message("# SKIP %s is absent\n", dir);
		return;
	}
	/* Every file there must be known, so a new one cannot go untested. */
	while ((de = readdir(d)) != NULL) {
		if (strstr(de->d_name, ".opml") == NULL)
			continue;
		for (i = 0; i < sizeof(shared_cases) / sizeof(shared_cases[0]);
		     i++)
			if (strcmp(shared_cases[i].file, de->d_name) == 0)
				break;
		if (i == sizeof(shared_cases) / sizeof(shared_cases[0]))
			fail_msg("%s/%s has no expectations", dir, de->d_name);
		run_shared_case(dir, &shared_cases[i]);
		seen++;
	}
	closedir(d);
	assert_int_equal(seen, sizeof(shared_cases) / sizeof(shared_cases[0]));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_nested),
	    cmocka_unit_test(test_category),
	    cmocka_unit_test(test_notitle),
	    cmocka_unit_test(test_entities),
	    cmocka_unit_test(test_invalid),
	    cmocka_unit_test(test_not_opml),
	    cmocka_unit_test(test_win1251),
	    cmocka_unit_test(test_deep),
	    cmocka_unit_test(test_variants),
	    cmocka_unit_test(test_limit_feeds),
	    cmocka_unit_test(test_limit_depth),
	    cmocka_unit_test(test_nesting_generated),
	    cmocka_unit_test(test_limit_size),
	    cmocka_unit_test(test_empty_and_garbage),
	    cmocka_unit_test(test_no_entity_expansion),
	    cmocka_unit_test(test_utf16),
	    cmocka_unit_test(test_mangled),
	    cmocka_unit_test(test_many_feeds),
	    cmocka_unit_test(test_large_documents),
	    cmocka_unit_test(test_write_golden),
	    cmocka_unit_test(test_write_odd_text),
	    cmocka_unit_test(test_write_refuses),
	    cmocka_unit_test(test_write_empty),
	    cmocka_unit_test(test_roundtrip_data),
	    cmocka_unit_test(test_category_depth_roundtrip),
	    cmocka_unit_test(test_write_depth_imports_again),
	    cmocka_unit_test(test_shared),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
