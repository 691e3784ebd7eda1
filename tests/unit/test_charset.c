/* SPDX-License-Identifier: MIT */
/* Unit tests for feed_charset_to_utf8(): detection order and conversion. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "feeds.h"

/* What one call returned, with the text copied out in either case. */
struct res {
	int rc;
	bool copied;	 /* *out was not NULL */
	size_t skip;	 /* *skip when not copied */
	char *text;	 /* the UTF-8 text, NUL-terminated */
	size_t len;	 /* its length */
	const char *enc; /* *encoding */
	bool recovered;	 /* *recovered */
};

static struct res
conv(const char *buf, size_t len, const char *ct)
{
	struct res r = {0};
	char *out = NULL;
	size_t outlen = 0, skip = 0;

	r.rc = feed_charset_to_utf8(buf, len, ct, &out, &outlen, &skip, &r.enc,
	    &r.recovered);
	if (r.rc != SH_OK)
		return r;
	assert_true(sh_utf8_valid(out != NULL ? out : buf + skip, outlen));
	if (out != NULL) {
		r.copied = true;
		r.text = out;
		assert_int_equal(out[outlen], '\0');
	} else {
		r.skip = skip;
		r.text = xstrndup(buf + skip, outlen);
	}
	r.len = outlen;
	assert_null(memchr(r.text, '\0', r.len));
	return r;
}

/* U+FFFD in UTF-8. */
#define FFFD "\xef\xbf\xbd"

/* conv() on a string literal, without its terminating NUL. */
#define CONV(lit, ct) conv((lit), sizeof(lit) - 1, (ct))

static void
expect_text(struct res *r, const char *text, const char *enc, bool rec)
{
	assert_int_equal(r->rc, SH_OK);
	assert_int_equal(r->len, strlen(text));
	assert_string_equal(r->text, text);
	assert_string_equal(r->enc, enc);
	assert_int_equal(r->recovered, rec);
	free(r->text);
	r->text = NULL;
}

static void
test_utf8_zero_copy(void **state)
{
	struct res r = CONV("<?xml version=\"1.0\"?><rss>caf\xc3\xa9</rss>",
	    "application/rss+xml; charset=utf-8");

	(void)state;
	assert_false(r.copied);
	assert_int_equal(r.skip, 0);
	expect_text(&r, "<?xml version=\"1.0\"?><rss>caf\xc3\xa9</rss>",
	    "utf-8", false);
}

static void
test_utf8_bom_zero_copy(void **state)
{
	struct res r = CONV("\xef\xbb\xbf<rss>\xe2\x82\xac</rss>", NULL);

	(void)state;
	assert_false(r.copied);
	assert_int_equal(r.skip, 3);
	expect_text(&r, "<rss>\xe2\x82\xac</rss>", "utf-8", false);
}

/* "<a>é€😀</a>" in each wide form, with its BOM. */
static void
test_utf16_32_boms(void **state)
{
	static const char le16[] = "\xff\xfe<\0a\0>\0\xe9\0\xac\x20"
				   "\x3d\xd8\x00\xde<\0/\0a\0>\0";
	static const char be16[] = "\xfe\xff\0<\0a\0>\0\xe9\x20\xac"
				   "\xd8\x3d\xde\x00\0<\0/\0a\0>";
	static const char le32[] = "\xff\xfe\0\0<\0\0\0a\0\0\0>\0\0\0"
				   "\xe9\0\0\0\xac\x20\0\0\x00\xf6\x01\0"
				   "<\0\0\0/\0\0\0a\0\0\0>\0\0\0";
	static const char be32[] = "\0\0\xfe\xff\0\0\0<\0\0\0a\0\0\0>"
				   "\0\0\0\xe9\0\0\x20\xac\0\x01\xf6\x00"
				   "\0\0\0<\0\0\0/\0\0\0a\0\0\0>";
	const char *want = "<a>\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80</a>";
	struct res r;

	(void)state;
	r = conv(le16, sizeof le16 - 1, "text/xml; charset=iso-8859-1");
	assert_true(r.copied);
	expect_text(&r, want, "utf-16le", false);
	r = conv(be16, sizeof be16 - 1, NULL);
	expect_text(&r, want, "utf-16be", false);
	r = conv(le32, sizeof le32 - 1, NULL);
	expect_text(&r, want, "utf-32le", false);
	r = conv(be32, sizeof be32 - 1, NULL);
	expect_text(&r, want, "utf-32be", false);
}

static void
test_utf16_no_bom(void **state)
{
	static const char le[] = "<\0?\0x\0m\0l\0 \0?\0>\0\xe9\0";
	static const char be[] = "\0<\0?\0x\0m\0l\0 \0?\0>\0\xe9";
	struct res r;

	(void)state;
	r = conv(le, sizeof le - 1, NULL);
	expect_text(&r, "<?xml ?>\xc3\xa9", "utf-16le", false);
	r = conv(be, sizeof be - 1, "text/xml; charset=windows-1252");
	expect_text(&r, "<?xml ?>\xc3\xa9", "utf-16be", false);
}

/* Surrogate pairs across ICU's chunks, and a lone surrogate. */
static void
test_utf16_long_and_lone_surrogate(void **state)
{
	enum { N = 3001 };
	char *in = xmalloc(4 + 4 * N), *want = xmalloc(1 + 4 * N + 1);
	struct res r;
	size_t i;

	(void)state;
	/* One BMP unit first, so that some chunk ends inside a pair. */
	memcpy(in, "\xff\xfex\0", 4);
	want[0] = 'x';
	for (i = 0; i < N; i++) {
		memcpy(in + 4 + 4 * i, "\x3d\xd8\x00\xde", 4);
		memcpy(want + 1 + 4 * i, "\xf0\x9f\x98\x80", 4);
	}
	want[1 + 4 * N] = '\0';
	r = conv(in, 4 + 4 * N, NULL);
	expect_text(&r, want, "utf-16le", false);

	/* "a", a lead surrogate alone, "b". */
	memcpy(in + 2, "a\0\x3d\xd8\x62\0", 6);
	r = conv(in, 8, NULL);
	expect_text(&r, "a" FFFD "b", "utf-16le", true);
	free(in);
	free(want);
}

/* feedparser's http_text_xml_charset_overrides_encoding_2. */
static void
test_http_overrides_declaration(void **state)
{
	struct res r = CONV("<?xml version='1.0' encoding='iso-8859-1'?>"
			    "<d>This is a \xa3\x93test.\x94</d>",
	    "text/xml; charset=windows-1252");

	(void)state;
	expect_text(&r,
	    "<?xml version='1.0' encoding='iso-8859-1'?>"
	    "<d>This is a \xc2\xa3\xe2\x80\x9ctest.\xe2\x80\x9d</d>",
	    "windows-1252", false);

	r = CONV("<?xml version=\"1.0\" encoding=\"koi8-r\"?><d>\xe9</d>",
	    "application/xml;Charset = \"ISO-8859-1\"; q=1");
	expect_text(&r,
	    "<?xml version=\"1.0\" encoding=\"koi8-r\"?><d>\xc3\xa9</d>",
	    "windows-1252", false);
}

static void
test_declaration_only(void **state)
{
	struct res r = CONV("\n<?xml version='1.0' encoding = 'ISO-8859-2' ?>"
			    "<d>\xb1</d>",
	    "text/xml");

	(void)state;
	expect_text(&r,
	    "\n<?xml version='1.0' encoding = 'ISO-8859-2' ?><d>\xc4\x85</d>",
	    "iso-8859-2", false);

	/* An encoding attribute after the declaration is not one. */
	r = CONV("<?xml version='1.0'?><d encoding='koi8-r'>\xc3\xa9</d>",
	    NULL);
	expect_text(&r,
	    "<?xml version='1.0'?><d encoding='koi8-r'>\xc3\xa9</d>", "utf-8",
	    false);
}

static void
test_unknown_label_falls_through(void **state)
{
	struct res r = CONV("<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>"
			    "<d>caf\xe9</d>",
	    "text/xml; charset=x-bogus-8");

	(void)state;
	expect_text(&r,
	    "<?xml version=\"1.0\" encoding=\"iso-8859-1\"?><d>caf\xc3\xa9</d>",
	    "windows-1252", true);

	r = CONV("<?xml version=\"1.0\" encoding=\"klingon\"?><d>\xc3\xa9</d>",
	    NULL);
	assert_false(r.copied);
	expect_text(&r,
	    "<?xml version=\"1.0\" encoding=\"klingon\"?><d>\xc3\xa9</d>",
	    "utf-8", true);
}

/* .NET writes encoding="utf-16" into documents it sends as UTF-8. */
static void
test_utf16_label_on_ascii_bytes(void **state)
{
	struct res r = CONV("<?xml version=\"1.0\" encoding=\"utf-16\"?>"
			    "<d>\xc3\xa9</d>",
	    NULL);

	(void)state;
	expect_text(&r,
	    "<?xml version=\"1.0\" encoding=\"utf-16\"?><d>\xc3\xa9</d>",
	    "utf-8", true);
}

static void
test_invalid_utf8_as_windows_1252(void **state)
{
	struct res r = CONV("<d>\x93quoted\x94 caf\xe9</d>", NULL);

	(void)state;
	assert_true(r.copied);
	expect_text(&r, "<d>\xe2\x80\x9cquoted\xe2\x80\x9d caf\xc3\xa9</d>",
	    "windows-1252", true);

	/* A server's "utf-8" on latin1 bytes is wrong the same way. */
	r = CONV("<d>\xe9t\xe9</d>", "text/xml; charset=UTF-8");
	expect_text(&r, "<d>\xc3\xa9t\xc3\xa9</d>", "windows-1252", true);
}

static void
test_mixed_utf8_and_1252(void **state)
{
	struct res r = CONV("<d>\xc3\xa9 \x93x\x94 \xe2\x82\xac</d>", NULL);

	(void)state;
	expect_text(&r,
	    "<d>\xc3\xa9 \xe2\x80\x9cx\xe2\x80\x9d \xe2\x82\xac</d>", "utf-8",
	    true);
}

/* Latin1 text holding a valid UTF-8 sequence by accident. */
static void
test_legacy_with_accidental_utf8(void **state)
{
	/* French: e-acute, no-break space, closing guillemet is E9 A0 BB. */
	struct res r = CONV("<d>\xab\xa0"
			    "dou\xe9\xa0\xbb caf\xe9 \xe9t\xe9 \xe0 \xe7"
			    "a \xea\xee\xf4 \xfb\xe8\xe9\xe0</d>",
	    NULL);

	(void)state;
	expect_text(&r,
	    "<d>\xc2\xab\xc2\xa0"
	    "dou\xc3\xa9\xc2\xa0\xc2\xbb caf\xc3\xa9 \xc3\xa9t\xc3\xa9 "
	    "\xc3\xa0 \xc3\xa7"
	    "a \xc3\xaa\xc3\xae\xc3\xb4 \xc3\xbb\xc3\xa8\xc3\xa9\xc3\xa0</d>",
	    "windows-1252", true);
}

static void
test_truncated_multibyte_at_end(void **state)
{
	/* Read as windows-1252 like any stray byte: no character is lost
	 * when the bytes were cp1252 text after all. */
	struct res r = CONV("<d>\xe2\x82\xac \xe2\x82", NULL);

	(void)state;
	expect_text(&r, "<d>\xe2\x82\xac \xc3\xa2\xe2\x80\x9a", "utf-8", true);

	/* Without any valid sequence the document reads as windows-1252. */
	r = CONV("<d>ab\xc3", NULL);
	expect_text(&r, "<d>ab\xc3\x83", "windows-1252", true);

	/* A legacy multibyte encoding cut in the middle of a character. */
	r = CONV("<?xml version=\"1.0\" encoding=\"shift_jis\"?>\x93\xfa\x93",
	    NULL);
	expect_text(&r,
	    "<?xml version=\"1.0\" encoding=\"shift_jis\"?>"
	    "\xe6\x97\xa5" FFFD,
	    "shift_jis", true);
}

static void
test_latin1(void **state)
{
	struct res r = CONV("<?xml version=\"1.0\" encoding=\"latin1\"?>"
			    "<d>caf\xe9 \x80</d>",
	    NULL);

	(void)state;
	expect_text(&r,
	    "<?xml version=\"1.0\" encoding=\"latin1\"?>"
	    "<d>caf\xc3\xa9 \xe2\x82\xac</d>",
	    "windows-1252", false);
}

/* Servers add "charset=ISO-8859-1" to UTF-8 feeds by default. */
static void
test_legacy_label_on_utf8_bytes(void **state)
{
	struct res r =
	    CONV("<d>caf\xc3\xa9</d>", "text/xml; charset=ISO-8859-1");

	(void)state;
	assert_false(r.copied);
	expect_text(&r, "<d>caf\xc3\xa9</d>", "utf-8", true);

	/* Pure ASCII reads the same in both: keep the label. */
	r = CONV("<d>cafe</d>", "text/xml; charset=ISO-8859-1");
	assert_false(r.copied);
	expect_text(&r, "<d>cafe</d>", "windows-1252", false);
}

/* The HTTP label is skipped when wrong, so the declaration gets a turn. */
static void
test_wrong_http_utf8_then_declaration(void **state)
{
	struct res r = CONV("<?xml version=\"1.0\" encoding=\"windows-1251\"?>"
			    "<d>\xcf\xf0\xe8\xe2\xe5\xf2</d>",
	    "text/xml; charset=utf-8");

	(void)state;
	expect_text(&r,
	    "<?xml version=\"1.0\" encoding=\"windows-1251\"?>"
	    "<d>\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82</d>",
	    "windows-1251", false);
}

static void
test_text_xml_without_charset(void **state)
{
	struct res r = CONV("<rss>\xc3\xa9</rss>", "text/xml");

	(void)state;
	assert_false(r.copied);
	expect_text(&r, "<rss>\xc3\xa9</rss>", "utf-8", false);
}

static void
test_koi8r(void **state)
{
	struct res r = CONV("<?xml version=\"1.0\" encoding=\"KOI8-R\"?>"
			    "<t>\xf0\xd2\xc9\xd7\xc5\xd4</t>",
	    NULL);

	(void)state;
	expect_text(&r,
	    "<?xml version=\"1.0\" encoding=\"KOI8-R\"?>"
	    "<t>\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82</t>",
	    "koi8-r", false);
}

static void
test_shift_jis(void **state)
{
	struct res r = CONV("<t>\x93\xfa\x96{\x8c\xea</t>",
	    "application/atom+xml; charset=x-sjis");

	(void)state;
	expect_text(&r, "<t>\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e</t>",
	    "shift_jis", false);
}

static void
test_gb2312(void **state)
{
	struct res r = CONV("<?xml version=\"1.0\" encoding=\"gb2312\"?>"
			    "<t>\xd6\xd0\xce\xc4</t>",
	    NULL);

	(void)state;
	expect_text(&r,
	    "<?xml version=\"1.0\" encoding=\"gb2312\"?>"
	    "<t>\xe4\xb8\xad\xe6\x96\x87</t>",
	    "gbk", false);
}

static void
test_euc_kr_and_big5(void **state)
{
	struct res r = CONV("<?xml version=\"1.0\" encoding=\"euc-kr\"?>"
			    "<t>\xb3\xe2</t>",
	    NULL);

	(void)state;
	expect_text(&r,
	    "<?xml version=\"1.0\" encoding=\"euc-kr\"?><t>\xeb\x85\x84</t>",
	    "euc-kr", false);
	r = CONV("<t>\xa4\xa4\xa4\xe5</t>", "text/xml; charset=big5");
	expect_text(&r, "<t>\xe4\xb8\xad\xe6\x96\x87</t>", "big5", false);
}

/* ISO-2022-JP is all ASCII bytes, so it must never take the fast path. */
static void
test_iso_2022_jp(void **state)
{
	struct res r =
	    CONV("<t>\x1b$BF|K\\\x1b(B</t>", "text/xml; charset=iso-2022-jp");

	(void)state;
	assert_true(r.copied);
	expect_text(&r, "<t>\xe6\x97\xa5\xe6\x9c\xac</t>", "iso-2022-jp",
	    false);
}

/* A label ICU knows and WHATWG does not. */
static void
test_icu_only_label(void **state)
{
	struct res r =
	    CONV("<?xml version=\"1.0\" encoding=\"437\"?><t>\x80</t>", NULL);

	(void)state;
	assert_int_equal(r.rc, SH_OK);
	assert_string_equal(r.text,
	    "<?xml version=\"1.0\" encoding=\"437\"?><t>\xc3\x87</t>");
	assert_true(sh_strcaseeq(r.enc, "ibm437"));
	assert_false(r.recovered);
	free(r.text);

	/* Not a charset name: never handed to ICU. */
	r = CONV("<d>\xc3\xa9</d>", "text/xml; charset=\"../../x,version=1\"");
	expect_text(&r, "<d>\xc3\xa9</d>", "utf-8", true);

	/* EBCDIC cannot be what an ASCII declaration names. */
	r = CONV("<?xml version=\"1.0\" encoding=\"cp037\"?><t>\xc3\xa9</t>",
	    NULL);
	expect_text(&r,
	    "<?xml version=\"1.0\" encoding=\"cp037\"?><t>\xc3\xa9</t>",
	    "utf-8", true);
}

static void
test_json(void **state)
{
	struct res r = CONV("  {\"title\": \"caf\xc3\xa9\"}",
	    "application/feed+json; charset=iso-8859-1");

	(void)state;
	assert_false(r.copied);
	expect_text(&r, "  {\"title\": \"caf\xc3\xa9\"}", "utf-8", false);

	r = CONV("[\"caf\xe9\"]", "application/json");
	expect_text(&r, "[\"caf\xc3\xa9\"]", "windows-1252", true);
}

static void
test_empty(void **state)
{
	char *out = (char *)1;
	size_t outlen = 7, skip = 7;
	const char *enc = NULL;
	bool rec = true;

	(void)state;
	assert_int_equal(feed_charset_to_utf8(NULL, 0, NULL, &out, &outlen,
			     &skip, &enc, &rec),
	    SH_OK);
	assert_null(out);
	assert_int_equal(outlen, 0);
	assert_int_equal(skip, 0);
	assert_string_equal(enc, "utf-8");
	assert_false(rec);
}

static void
test_nul_replaced(void **state)
{
	struct res r = CONV("<d>a\0b</d>", NULL);

	(void)state;
	assert_true(r.copied);
	expect_text(&r, "<d>a" FFFD "b</d>", "utf-8", true);
}

/*
 * A NUL among long runs of ASCII and after multibyte text: the validation
 * reads sixteen bytes at a time and must see the zero wherever it falls.
 */
static void
test_nul_in_long_runs(void **state)
{
	struct res r = CONV("<d>0123456789abcdef0123456789\0abcdef</d>", NULL);

	(void)state;
	assert_true(r.copied);
	expect_text(&r, "<d>0123456789abcdef0123456789" FFFD "abcdef</d>",
	    "utf-8", true);
	r = CONV("<d>\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		 "\xc3\xa9 0123456789abcdef\0</d>",
	    NULL);
	assert_true(r.copied);
	expect_text(&r,
	    "<d>\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9 "
	    "0123456789abcdef" FFFD "</d>",
	    "utf-8", true);
	/* No NUL: the input is handed back. */
	r = CONV("<d>\xe2\x82\xac 0123456789abcdef 0123456789abcdef</d>", NULL);
	assert_false(r.copied);
	free(r.text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_utf8_zero_copy),
	    cmocka_unit_test(test_nul_in_long_runs),
	    cmocka_unit_test(test_utf8_bom_zero_copy),
	    cmocka_unit_test(test_utf16_32_boms),
	    cmocka_unit_test(test_utf16_no_bom),
	    cmocka_unit_test(test_utf16_long_and_lone_surrogate),
	    cmocka_unit_test(test_http_overrides_declaration),
	    cmocka_unit_test(test_declaration_only),
	    cmocka_unit_test(test_unknown_label_falls_through),
	    cmocka_unit_test(test_utf16_label_on_ascii_bytes),
	    cmocka_unit_test(test_invalid_utf8_as_windows_1252),
	    cmocka_unit_test(test_mixed_utf8_and_1252),
	    cmocka_unit_test(test_legacy_with_accidental_utf8),
	    cmocka_unit_test(test_truncated_multibyte_at_end),
	    cmocka_unit_test(test_latin1),
	    cmocka_unit_test(test_legacy_label_on_utf8_bytes),
	    cmocka_unit_test(test_wrong_http_utf8_then_declaration),
	    cmocka_unit_test(test_text_xml_without_charset),
	    cmocka_unit_test(test_koi8r),
	    cmocka_unit_test(test_shift_jis),
	    cmocka_unit_test(test_gb2312),
	    cmocka_unit_test(test_euc_kr_and_big5),
	    cmocka_unit_test(test_iso_2022_jp),
	    cmocka_unit_test(test_icu_only_label),
	    cmocka_unit_test(test_json),
	    cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_nul_replaced),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
