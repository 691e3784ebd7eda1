/* SPDX-License-Identifier: MIT */
/* Unit tests for cluster/canon.c: canonical article URLs. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "cluster.h"

struct canon_case {
	const char *in;
	const char *want; /* NULL when the URL must be refused */
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Scheme, host, port, userinfo, fragment and white space. */
static const struct canon_case host_cases[] = {
    {"HTTP://Example.COM/Path", "https://example.com/Path"},
    {"http://example.com", "https://example.com/"},
    {"https://example.com?p=12", "https://example.com/?p=12"},
    {"https://example.com#top", "https://example.com/"},
    {"HtTpS://example.com/a", "https://example.com/a"},
    {"https://example.com:443/a", "https://example.com/a"},
    {"http://example.com:80/a", "https://example.com/a"},
    {"https://example.com:0443/a", "https://example.com/a"},
    {"https://example.com:/a", "https://example.com/a"},
    {"http://example.com:8080/a", "https://example.com:8080/a"},
    /* 80 is not https's default; 443 is the default of what we write. */
    {"https://example.com:80/a", "https://example.com:80/a"},
    {"http://example.com:443/a", "https://example.com/a"},
    {"https://www.example.com/a", "https://example.com/a"},
    {"https://WWW.Example.com./a", "https://example.com/a"},
    {"https://www.com/", "https://www.com/"},
    {"https://www.localhost/", "https://www.localhost/"},
    {"https://user:secret@example.com/a", "https://example.com/a"},
    {"https://a@b@www.example.com/a", "https://example.com/a"},
    {"https://[2001:DB8::1]:8443/a", "https://[2001:db8::1]:8443/a"},
    {"https://[::1]/", "https://[::1]/"},
    {"https://192.0.2.7:443/x", "https://192.0.2.7/x"},
    {"https://b\xc3\xbc"
     "cher.example/",
	"https://b\xc3\xbc"
	"cher.example/"},
    {"  https://example.com/a \n", "https://example.com/a"},
    {"https://exam\nple.com/a\tb\r", "https://example.com/ab"},
    {"https://example.com/a#section-2", "https://example.com/a"},
    {"https://example.com/a?x=1#frag?y=2", "https://example.com/a?x=1"},
    {"https://example.com/#!/story/5", "https://example.com/"},
};

/* Tracking parameters, kept order, empty queries. */
static const struct canon_case query_cases[] = {
    {"https://example.com/a?utm_source=rss&utm_medium=feed&utm_campaign=c",
	"https://example.com/a"},
    {"https://example.com/a?id=5&utm_content=z&page=2",
	"https://example.com/a?id=5&page=2"},
    {"https://example.com/a?UTM_Source=x&utm_brand_new_suffix=1&b=2",
	"https://example.com/a?b=2"},
    {"https://example.com/a?fbclid=IwAR0&gclid=1&dclid=2&msclkid=3&x=y",
	"https://example.com/a?x=y"},
    {"https://example.com/a?mc_cid=1&mc_eid=2&igshid=3&yclid=4",
	"https://example.com/a"},
    {"https://example.com/a?_hsenc=1&_hsmi=2&mkt_tok=3&k=v",
	"https://example.com/a?k=v"},
    {"https://example.com/a?ref=hn&ref_src=twsrc&ref_url=x",
	"https://example.com/a"},
    {"https://example.com/a?cmpid=1&ito=2&icid=3&ncid=4&sr_share=5&spm=6",
	"https://example.com/a"},
    {"https://www.bbc.co.uk/news/x-1?at_medium=RSS&at_campaign=KARANGA",
	"https://bbc.co.uk/news/x-1"},
    {"https://example.com/a?CMP=share_btn_tw&xtor=RSS-3208&WT.mc_id=1",
	"https://example.com/a"},
    {"https://example.com/a?mtm_campaign=x&pk_kwd=y&q=1",
	"https://example.com/a?q=1"},
    {"https://example.com/a?fbclid", "https://example.com/a"},
    {"https://example.com/a?utm%5Fsource=x&y=1", "https://example.com/a?y=1"},
    /* Order can matter to a server: never sorted. */
    {"https://example.com/a?z=1&a=2&m=3", "https://example.com/a?z=1&a=2&m=3"},
    {"https://example.com/a?b=2&a=1&utm_source=x&c",
	"https://example.com/a?b=2&a=1&c"},
    {"https://example.com/a?id=1&id=2", "https://example.com/a?id=1&id=2"},
    /* Look-alikes stay. */
    {"https://example.com/a?reference=1&utm=2&gclid_x=3&xref=4",
	"https://example.com/a?reference=1&utm=2&gclid_x=3&xref=4"},
    {"https://example.com/a?", "https://example.com/a"},
    {"https://example.com/a?&&x=1&&", "https://example.com/a?x=1"},
    {"https://example.com/a?&", "https://example.com/a"},
    {"https://example.com/s?q=%7e%2a+b", "https://example.com/s?q=~%2A+b"},
    {"https://example.com/s?q=a%26b&r=c%3dd",
	"https://example.com/s?q=a%26b&r=c%3Dd"},
    {"https://example.com/s?q=a b", "https://example.com/s?q=a%20b"},
};

/* AMP and mobile editions. */
static const struct canon_case amp_cases[] = {
    {"https://m.example.com/a", "https://example.com/a"},
    {"https://mobile.example.com/a", "https://example.com/a"},
    {"https://amp.example.com/a", "https://example.com/a"},
    {"https://www.m.example.com/a", "https://example.com/a"},
    {"https://m.co/a", "https://m.co/a"},
    {"https://example.com/amp/2024/story", "https://example.com/2024/story"},
    {"https://example.com/2024/amp/story", "https://example.com/2024/story"},
    {"https://example.com/2024/story/amp", "https://example.com/2024/story"},
    {"https://example.com/2024/story/amp/", "https://example.com/2024/story"},
    {"https://example.com/amp", "https://example.com/"},
    {"https://example.com/news/story.amp.html",
	"https://example.com/news/story.html"},
    {"https://example.com/news/story.amp", "https://example.com/news/story"},
    {"https://example.com/x/amp.amp", "https://example.com/x"},
    {"https://example.com/x/story.amp.amp.html",
	"https://example.com/x/story.html"},
    {"https://example.com/x/..amp", "https://example.com/x/..amp"},
    {"https://example.com/x/.amp", "https://example.com/x/.amp"},
    {"https://example.com/amp.html", "https://example.com/amp.html"},
    {"https://example.com/tags/ampere", "https://example.com/tags/ampere"},
    {"https://example.com/AMP", "https://example.com/AMP"},
    {"https://example.com/a?amp=1&id=3", "https://example.com/a?id=3"},
    {"https://example.com/a?id=3&amp", "https://example.com/a?id=3"},
    {"https://example.com/a?amp=true", "https://example.com/a"},
    {"https://example.com/a?amp=0", "https://example.com/a?amp=0"},
    {"https://example.com/a?outputType=amp", "https://example.com/a"},
    {"https://example.com/a?outputType=json",
	"https://example.com/a?outputType=json"},
    {"https://example-com.cdn.ampproject.org/c/s/example.com/news/"
     "story.amp.html?amp_js_v=0.1&usqp=mq331AQ",
	"https://example.com/news/story.html"},
    {"https://www-example-com.cdn.ampproject.org/v/s/www.example.com/a/amp/"
     "?amp_js_v=a6&amp_gsa=1#aoh=1&referrer=x",
	"https://example.com/a"},
    {"https://example-com.cdn.ampproject.org/c/example.com/a?id=7",
	"https://example.com/a?id=7"},
    {"https://cdn.ampproject.org/c/s/example.com/a", "https://example.com/a"},
    {"https://example-com.cdn.ampproject.org/c/s/example.com/",
	"https://example.com/"},
    {"https://example-com.cdn.ampproject.org/c/s",
	"https://example-com.cdn.ampproject.org/c/s"},
    {"https://example-com.cdn.ampproject.org/c/s/",
	"https://example-com.cdn.ampproject.org/c/s"},
    {"https://notcdn.ampproject.org.example.com/c/s/x.org/a",
	"https://notcdn.ampproject.org.example.com/c/s/x.org/a"},
    {"https://www.google.com/amp/s/www.example.com/story/amp",
	"https://example.com/story"},
    {"https://www.google.com/amp/s/", "https://google.com/s"},
    {"https://www.google.com/search?q=amp", "https://google.com/search?q=amp"},
};

/* Paths: escapes, dot segments, trailing slashes. */
static const struct canon_case path_cases[] = {
    {"https://example.com/a/b/", "https://example.com/a/b"},
    {"https://example.com/", "https://example.com/"},
    {"https://example.com//", "https://example.com/"},
    {"https://example.com/a//", "https://example.com/a"},
    {"https://example.com/a//b", "https://example.com/a//b"},
    {"https://example.com/%7Euser/%61%62c", "https://example.com/~user/abc"},
    {"https://example.com/a%2fb%3f%c3%a9",
	"https://example.com/a%2Fb%3F%C3%A9"},
    {"https://example.com/a/./b/../c", "https://example.com/a/c"},
    {"https://example.com/../../x", "https://example.com/x"},
    {"https://example.com/a/%2E%2E/b", "https://example.com/b"},
    {"https://example.com/a/..", "https://example.com/"},
    {"https://example.com/a/b/.", "https://example.com/a/b"},
    {"https://example.com/.a/b..", "https://example.com/.a/b.."},
    {"https://example.com/caf\xc3\xa9 x", "https://example.com/caf%C3%A9%20x"},
    {"https://example.com/a<b>\"{|}",
	"https://example.com/a%3Cb%3E%22%7B%7C%7D"},
    {"https://example.com/100%", "https://example.com/100%25"},
    {"https://example.com/a%2", "https://example.com/a%252"},
    {"https://example.com/a%zz", "https://example.com/a%25zz"},
    {"https://example.com/a%25", "https://example.com/a%25"},
    {"https://example.com/a;p=1/b", "https://example.com/a;p=1/b"},
    {"https://example.com/A/B", "https://example.com/A/B"},
};

/* Not an absolute http(s) URL we accept. */
static const struct canon_case reject_cases[] = {
    {"", NULL},
    {"   \t\n", NULL},
    {"ftp://example.com/a", NULL},
    {"mailto:a@example.com", NULL},
    {"javascript:alert(1)", NULL},
    {"httpx://example.com/", NULL},
    {"/relative/path", NULL},
    {"relative.html", NULL},
    {"example.com/a", NULL},
    {"//example.com/a", NULL},
    {"http://", NULL},
    {"https://", NULL},
    {"http:", NULL},
    {"h", NULL},
    {"http:/example.com", NULL},
    {"http:example.com", NULL},
    {"http:///a", NULL},
    {"https://:80/", NULL},
    {"https://user@/x", NULL},
    {"https://.../", NULL},
    {"https://exa mple.com/", NULL},
    {"https://exa%41mple.com/", NULL},
    {"https://example.com:abc/", NULL},
    {"https://example.com:99999/", NULL},
    {"https://example.com:80:81/", NULL},
    {"https://[::1/", NULL},
    {"https://[::1]x/", NULL},
    {"https://[]/", NULL},
    {"https://[zz::1]/", NULL},
    {"%%%%", NULL},
    {"::::", NULL},
    /* The wrapped URL is what counts, and this one is no URL. */
    {"https://example-com.cdn.ampproject.org/c/s/%20/x", NULL},
    {"https://www.google.com/amp/s/:99999/x", NULL},
};

static void
check_cases(const struct canon_case *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char *got = cluster_url_canon(c[i].in);

		if (c[i].want == NULL) {
			if (got != NULL)
				fail_msg("\"%s\": want NULL, got \"%s\"",
				    c[i].in, got);
		} else if (got == NULL || strcmp(got, c[i].want) != 0) {
			fail_msg("\"%s\": want \"%s\", got \"%s\"", c[i].in,
			    c[i].want, got ? got : "(null)");
		}
		free(got);
	}
}

/* canon(canon(x)) == canon(x), and canon(x) is non-NULL when it should. */
static void
check_idempotent(const char *in)
{
	char *once = cluster_url_canon(in), *twice;

	if (once == NULL)
		return;
	twice = cluster_url_canon(once);
	if (twice == NULL || strcmp(once, twice) != 0)
		fail_msg("\"%s\": once \"%s\", twice \"%s\"", in, once,
		    twice ? twice : "(null)");
	free(twice);
	free(once);
}

static void
test_canon_host(void **state)
{
	(void)state;
	check_cases(host_cases, N(host_cases));
	assert_null(cluster_url_canon(NULL));
}

static void
test_canon_query(void **state)
{
	(void)state;
	check_cases(query_cases, N(query_cases));
}

static void
test_canon_amp(void **state)
{
	(void)state;
	check_cases(amp_cases, N(amp_cases));
}

static void
test_canon_path(void **state)
{
	(void)state;
	check_cases(path_cases, N(path_cases));
}

static void
test_canon_rejects(void **state)
{
	(void)state;
	check_cases(reject_cases, N(reject_cases));
}

/* Variants of one article seen across feeds all meet in one key. */
static void
test_canon_variants_meet(void **state)
{
	static const char *const v[] = {
	    "https://www.example.com/news/2024/story.html",
	    "http://example.com/news/2024/story.html",
	    "HTTP://WWW.EXAMPLE.COM:80/news/2024/./story.html#comments",
	    "https://m.example.com/news/2024/story.html?utm_source=twitter",
	    "https://amp.example.com/news/2024/story.amp.html?amp=1",
	    "https://example.com/amp/news/2024/story.html/",
	    "https://example.com/news/2024/%73tory.html?fbclid=x&",
	    ("https://example-com.cdn.ampproject.org/c/s/www.example.com/news/"
	     "2024/story.amp.html?amp_js_v=0.1"),
	    "https://www.google.com/amp/s/example.com/news/2024/story.html",
	    "\n  https://reader@example.com/news/2024/story.html  ",
	};
	char *want = cluster_url_canon(v[0]);
	size_t i;

	(void)state;
	assert_non_null(want);
	assert_string_equal(want, "https://example.com/news/2024/story.html");
	for (i = 1; i < N(v); i++) {
		char *got = cluster_url_canon(v[i]);

		if (got == NULL || strcmp(got, want) != 0)
			fail_msg("\"%s\": want \"%s\", got \"%s\"", v[i], want,
			    got ? got : "(null)");
		free(got);
	}
	free(want);
}

static void
test_canon_idempotent(void **state)
{
	static const struct {
		const struct canon_case *c;
		size_t n;
	} tables[] = {
	    {host_cases, N(host_cases)},
	    {query_cases, N(query_cases)},
	    {amp_cases, N(amp_cases)},
	    {path_cases, N(path_cases)},
	    {reject_cases, N(reject_cases)},
	};
	size_t t, i;

	(void)state;
	for (t = 0; t < N(tables); t++)
		for (i = 0; i < tables[t].n; i++)
			check_idempotent(tables[t].c[i].in);
}

/* A URL of n bytes: "https://example.com/" then fill. */
static char *
long_url(size_t n, char fill)
{
	static const char head[] = "https://example.com/";
	char *s = xmalloc(n + 1);

	memcpy(s, head, sizeof(head) - 1);
	memset(s + sizeof(head) - 1, fill, n - (sizeof(head) - 1));
	s[n] = '\0';
	return s;
}

static void
test_canon_long(void **state)
{
	char *s, *got;

	(void)state;
	/* Under the 8 KiB limit: kept whole. */
	s = long_url(8000, 'a');
	got = cluster_url_canon(s);
	assert_non_null(got);
	assert_int_equal(strlen(got), 8000);
	check_idempotent(s);
	free(got);
	free(s);
	/* Over it: refused, at once and without trouble. */
	s = long_url(100000, 'a');
	assert_null(cluster_url_canon(s));
	free(s);
	/* Short enough to read, too long once encoded: refused as well, so
	 * that every result can be canonicalized again. */
	s = long_url(4000, '\xff');
	assert_null(cluster_url_canon(s));
	free(s);
	s = long_url(2000, '\xff');
	check_idempotent(s);
	free(s);
	/* Long runs of what the steps remove. */
	s = long_url(8000, '/');
	got = cluster_url_canon(s);
	assert_non_null(got);
	assert_string_equal(got, "https://example.com/");
	free(got);
	free(s);
}

static void
test_canon_hostile_patterns(void **state)
{
	static const char *const unit[] = {"../", "amp/", ".amp", "%", "%2",
	    "%2e", "./", "?", "&", "utm_a=1&", "@", ":", "#", "/c/s/"};
	char buf[8100];
	size_t u, n;

	(void)state;
	for (u = 0; u < N(unit); u++) {
		size_t len = strlen(unit[u]);

		n = (size_t)snprintf(buf, sizeof(buf), "https://example.com/");
		while (n + len < sizeof(buf) - 1) {
			memcpy(buf + n, unit[u], len);
			n += len;
		}
		buf[n] = '\0';
		check_idempotent(buf);
	}
	/* Escapes cut short at the very end. */
	check_cases(
	    (const struct canon_case[]){
		{"https://example.com/%", "https://example.com/%25"},
		{"https://example.com/%4", "https://example.com/%254"},
		{"https://example.com/?q=%", "https://example.com/?q=%25"},
		{"https://example.com/?q=%e", "https://example.com/?q=%25e"},
	    },
	    4);
}

/* Wrappers nest at most a few deep; more is junk. */
static void
test_canon_nested_amp(void **state)
{
	char buf[2048], *got;
	int depth;

	(void)state;
	for (depth = 1; depth <= 12; depth++) {
		size_t n = 0;
		int i;

		for (i = 0; i < depth; i++)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s",
			    i == 0 ? "https://a.cdn.ampproject.org/c/s/"
				   : "b.cdn.ampproject.org/c/s/");
		snprintf(buf + n, sizeof(buf) - n, "example.com/x");
		got = cluster_url_canon(buf);
		if (depth <= 4) {
			assert_non_null(got);
			assert_string_equal(got, "https://example.com/x");
		} else {
			assert_null(got);
		}
		free(got);
	}
}

/* Random bytes (no NUL) behind a valid start: no crash, still idempotent. */
static void
test_canon_binary_junk(void **state)
{
	static const char *const heads[] = {"https://", "http://example.com/",
	    "https://example.com/?", "https://a.cdn.ampproject.org/c/s/", ""};
	static const char alpha[] = "/.%?&=#@:[]ampsc2eEFhtw";
	char buf[600];
	uint32_t seed = 12345;
	int iter;

	(void)state;
	for (iter = 0; iter < 20000; iter++) {
		const char *head = heads[iter % N(heads)];
		size_t n = strlen(head), len, i;

		memcpy(buf, head, n);
		seed = seed * 1103515245u + 12345u;
		len = (seed >> 16) % 500;
		for (i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			/* Half the bytes from what URLs are made of, so the
			 * junk reaches past the scheme and the host. */
			if (seed & 0x10000u)
				buf[n + i] =
				    alpha[(seed >> 17) % (N(alpha) - 1)];
			else
				buf[n + i] = (char)(1 + (seed >> 17) % 255);
		}
		buf[n + len] = '\0';
		check_idempotent(buf);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_canon_host),
	    cmocka_unit_test(test_canon_query),
	    cmocka_unit_test(test_canon_amp),
	    cmocka_unit_test(test_canon_path),
	    cmocka_unit_test(test_canon_rejects),
	    cmocka_unit_test(test_canon_variants_meet),
	    cmocka_unit_test(test_canon_idempotent),
	    cmocka_unit_test(test_canon_long),
	    cmocka_unit_test(test_canon_hostile_patterns),
	    cmocka_unit_test(test_canon_nested_amp),
	    cmocka_unit_test(test_canon_binary_junk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
