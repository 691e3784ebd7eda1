/* SPDX-License-Identifier: MIT */
/* Unit tests for feeds/url.c: RFC 3986 resolution and the safety check. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "feeds.h"

struct resolve_case {
	const char *base;
	const char *ref;
	const char *want; /* NULL when resolution must give NULL */
};

static void
check_cases(const struct resolve_case *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char *got = feed_url_resolve(c[i].base, c[i].ref);

		if (c[i].want == NULL) {
			if (got != NULL)
				fail_msg("\"%s\": want NULL, got \"%s\"",
				    c[i].ref, got);
		} else if (got == NULL || strcmp(got, c[i].want) != 0) {
			fail_msg("\"%s\" against \"%s\": want \"%s\", got "
				 "\"%s\"",
			    c[i].ref, c[i].base ? c[i].base : "(null)",
			    c[i].want, got ? got : "(null)");
		}
		free(got);
	}
}

#define RFC_BASE "http://a/b/c/d;p?q"

/* RFC 3986 section 5.4.1. */
static void
test_resolve_rfc_normal(void **state)
{
	static const struct resolve_case c[] = {
	    {RFC_BASE, "g:h", "g:h"},
	    {RFC_BASE, "g", "http://a/b/c/g"},
	    {RFC_BASE, "./g", "http://a/b/c/g"},
	    {RFC_BASE, "g/", "http://a/b/c/g/"},
	    {RFC_BASE, "/g", "http://a/g"},
	    {RFC_BASE, "//g", "http://g"},
	    {RFC_BASE, "?y", "http://a/b/c/d;p?y"},
	    {RFC_BASE, "g?y", "http://a/b/c/g?y"},
	    {RFC_BASE, "#s", "http://a/b/c/d;p?q#s"},
	    {RFC_BASE, "g#s", "http://a/b/c/g#s"},
	    {RFC_BASE, "g?y#s", "http://a/b/c/g?y#s"},
	    {RFC_BASE, ";x", "http://a/b/c/;x"},
	    {RFC_BASE, "g;x", "http://a/b/c/g;x"},
	    {RFC_BASE, "g;x?y#s", "http://a/b/c/g;x?y#s"},
	    {RFC_BASE, ".", "http://a/b/c/"},
	    {RFC_BASE, "./", "http://a/b/c/"},
	    {RFC_BASE, "..", "http://a/b/"},
	    {RFC_BASE, "../", "http://a/b/"},
	    {RFC_BASE, "../g", "http://a/b/g"},
	    {RFC_BASE, "../..", "http://a/"},
	    {RFC_BASE, "../../", "http://a/"},
	    {RFC_BASE, "../../g", "http://a/g"},
	};

	(void)state;
	check_cases(c, sizeof(c) / sizeof(c[0]));
}

/* RFC 3986 section 5.4.2, with the strict reading of "http:g". */
static void
test_resolve_rfc_abnormal(void **state)
{
	static const struct resolve_case c[] = {
	    {RFC_BASE, "../../../g", "http://a/g"},
	    {RFC_BASE, "../../../../g", "http://a/g"},
	    {RFC_BASE, "/./g", "http://a/g"},
	    {RFC_BASE, "/../g", "http://a/g"},
	    {RFC_BASE, "g.", "http://a/b/c/g."},
	    {RFC_BASE, ".g", "http://a/b/c/.g"},
	    {RFC_BASE, "g..", "http://a/b/c/g.."},
	    {RFC_BASE, "..g", "http://a/b/c/..g"},
	    {RFC_BASE, "./../g", "http://a/b/g"},
	    {RFC_BASE, "./g/.", "http://a/b/c/g/"},
	    {RFC_BASE, "g/./h", "http://a/b/c/g/h"},
	    {RFC_BASE, "g/../h", "http://a/b/c/h"},
	    {RFC_BASE, "g;x=1/./y", "http://a/b/c/g;x=1/y"},
	    {RFC_BASE, "g;x=1/../y", "http://a/b/c/y"},
	    {RFC_BASE, "g?y/./x", "http://a/b/c/g?y/./x"},
	    {RFC_BASE, "g?y/../x", "http://a/b/c/g?y/../x"},
	    {RFC_BASE, "g#s/./x", "http://a/b/c/g#s/./x"},
	    {RFC_BASE, "g#s/../x", "http://a/b/c/g#s/../x"},
	    {RFC_BASE, "http:g", "http:g"},
	};

	(void)state;
	check_cases(c, sizeof(c) / sizeof(c[0]));
}

/* What feeds actually contain. */
static void
test_resolve_feedish(void **state)
{
	static const struct resolve_case c[] = {
	    {NULL, "  /a/b  ", "/a/b"},
	    {NULL, "http://x.org/", "http://x.org/"},
	    {"http://a.com", "b", "http://a.com/b"},
	    {"http://a.com", "?p=1", "http://a.com?p=1"},
	    {"http://a.com", "../../b", "http://a.com/b"},
	    {"https://ex.org/blog/feed.xml", "/2023/post.html",
		"https://ex.org/2023/post.html"},
	    {"https://ex.org/blog/feed.xml", "post.html",
		"https://ex.org/blog/post.html"},
	    {"https://ex.org/blog/", "//cdn.ex.org/i.png",
		"https://cdn.ex.org/i.png"},
	    {"https://ex.org/blog/feed.xml#top", "#c1",
		"https://ex.org/blog/feed.xml#c1"},
	    {"https://ex.org/a?x=1", "", NULL},
	    {"https://ex.org/a?x=1", " \t\n ", NULL},
	    {"https://ex.org/", "\n  https://other.org/x \n",
		"https://other.org/x"},
	    {"https://ex.org/", "HTTPS://Other.org/X", "https://Other.org/X"},
	    {"https://ex.org/", "mailto:a@b.c", "mailto:a@b.c"},
	    {"https://ex.org/", "post\n.html", "https://ex.org/post.html"},
	    {"HTTP://EX.org/a/", "b", "http://EX.org/a/b"},
	    {"https://ex.org/a/b", "c d", "https://ex.org/a/c d"},
	    /* No usable base: the trimmed reference comes back. */
	    {"ex.org/feed", " post.html ", "post.html"},
	    {"mailto:x@y.z", "post.html", "post.html"},
	    {"", "post.html", "post.html"},
	    /* Garbage must not crash and should stay recognisable. */
	    {"::::", "../..", "../.."},
	    {RFC_BASE, ":::", "http://a/b/c/:::"},
	    {RFC_BASE, "%zz/../x", "http://a/b/c/x"},
	    {"http://[::1", "x", "http://[::1/x"},
	    {RFC_BASE, "////", "http:////"},
	};

	(void)state;
	check_cases(c, sizeof(c) / sizeof(c[0]));
	assert_null(feed_url_resolve(RFC_BASE, NULL));
}

static void
test_safe_allowed(void **state)
{
	static const char *const ok[] = {
	    "http://example.org/",
	    "HTTPS://example.org/",
	    "mailto:someone@example.org",
	    "ftp://ftp.example.org/pub",
	    "/relative/path",
	    "relative/path.html",
	    "post.html?next=javascript:alert(1)",
	    "#javascript:alert(1)",
	    "?q=data:text/html",
	    "//cdn.example.org/x.js",
	    "",
	    "javascript",
	    "a-very-long-relative-file-name-without-a-colon.html",
	    "data:image/png;base64,iVBORw0KGgo=",
	    "DATA:Image/JPEG;base64,/9j/4AAQ",
	    "data: image/gif ,R0lGOD",
	    "  http://example.org/  ",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (!feed_url_is_safe(ok[i]))
			fail_msg("\"%s\" should be safe", ok[i]);
}

static void
test_safe_refused(void **state)
{
	static const char *const bad[] = {
	    "javascript:alert(1)",
	    "JaVaScRiPt:alert(1)",
	    " javascript:alert(1)",
	    "\x01\x02javascript:alert(1)",
	    "java\tscript:alert(1)",
	    "java\nscript:alert(1)",
	    "java\rscript:alert(1)",
	    "java\x0bscript:alert(1)",
	    "&#106;avascript:alert(1)",
	    "&#x6A;avascript:alert(1)",
	    "&#X6a&#X61vascript:alert(1)",
	    "&#0000106avascript:alert(1)",
	    "javascript&colon;alert(1)",
	    "javascript&#58;alert(1)",
	    "jav&Tab;ascript:alert(1)",
	    "jav&#x09;ascript:alert(1)",
	    "vbscript:msgbox(1)",
	    "VBScript:msgbox(1)",
	    "livescript:x",
	    "data:text/html;base64,PHNjcmlwdD4=",
	    "data:text/html,<script>alert(1)</script>",
	    "data:image/svg+xml;base64,PHN2Zz4=",
	    "data:image/svg+xml,<svg onload=alert(1)>",
	    "data:,alert(1)",
	    "data:application/javascript,alert(1)",
	    "file:///etc/passwd",
	    "feed:http://example.org/",
	    "an-overly-long-scheme-name:x",
	    "\xef\xbd\x8a\x61vascript:alert(1)",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (feed_url_is_safe(bad[i]))
			fail_msg("\"%s\" should be refused", bad[i]);
	assert_false(feed_url_is_safe(NULL));
}

/* Resolution must not turn an unsafe reference into a safe-looking one. */
static void
test_resolve_keeps_scheme(void **state)
{
	char *s;

	(void)state;
	s = feed_url_resolve("https://ex.org/", " JavaScript:alert(1)");
	assert_non_null(s);
	assert_string_equal(s, "javascript:alert(1)");
	assert_false(feed_url_is_safe(s));
	free(s);
	s = feed_url_resolve("https://ex.org/", "java\tscript:alert(1)");
	assert_non_null(s);
	assert_false(feed_url_is_safe(s));
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_resolve_rfc_normal),
	    cmocka_unit_test(test_resolve_rfc_abnormal),
	    cmocka_unit_test(test_resolve_feedish),
	    cmocka_unit_test(test_safe_allowed),
	    cmocka_unit_test(test_safe_refused),
	    cmocka_unit_test(test_resolve_keeps_scheme),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
