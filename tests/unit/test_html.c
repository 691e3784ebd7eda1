/* SPDX-License-Identifier: MIT */
/* Unit tests for feeds/html.c: text extraction, detection, sanitizing. */
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
#include "feeds_int.h"

#define BIG (1u << 20)
#define BASE "https://ex.org/a/c"

struct str_case {
	const char *in;
	const char *want;
};

static void
check_text(const struct str_case *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char *got = feed_html_to_text(c[i].in, strlen(c[i].in), BIG);

		if (strcmp(got, c[i].want) != 0)
			fail_msg("text of \"%s\": want \"%s\", got \"%s\"",
			    c[i].in, c[i].want, got);
		free(got);
	}
}

static void
check_san(const struct str_case *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char *got =
		    feed_html_sanitize(c[i].in, strlen(c[i].in), BASE, BIG);

		if (strcmp(got, c[i].want) != 0)
			fail_msg("sanitizing \"%s\": want \"%s\", got \"%s\"",
			    c[i].in, c[i].want, got);
		free(got);
	}
}

/* Count the non-overlapping occurrences of needle in s. */
static size_t
count(const char *s, const char *needle)
{
	size_t n = 0;

	while ((s = strstr(s, needle)) != NULL) {
		n++;
		s += strlen(needle);
	}
	return n;
}

static void
test_text_markup(void **state)
{
	static const struct str_case c[] = {
	    {"<p>Hello <b>big <i>world</i></b></p><p>again</p>",
		"Hello big world again"},
	    {"un<b>believ</b>able", "unbelievable"},
	    {"a<br>b<br/>c<div>d</div>e<li>f<td>g</td>h", "a b c d e f g h"},
	    {"<h1>Title</h1><h2>Sub</h2>", "Title Sub"},
	    {"x <script>document.write('<p>no</p>')</script> y", "x y"},
	    {"x <style>p { color: red }</style> y", "x y"},
	    {"<SCRIPT type=text/javascript>a<b</ScRiPt >ok", "ok"},
	    {"a<!-- <p>hidden</p> -->b", "ab"},
	    {"sa<!-- -- x >fe<script>alert(1);</script>", "safe"},
	    {"<html><head><title>T</title></head><body>Body</body></html>",
		"Body"},
	    {"<script>x()</script><noscript><pre>x();</pre></noscript>",
		"x();"},
	    {"<svg><text>drawn</text></svg>seen", "seen"},
	    {"<template><p>t</p></template>shown", "shown"},
	    {"<![CDATA[a<b]]> c", "a<b c"},
	    {"<xmp><b>literal</b></xmp>", "<b>literal</b>"},
	    {"if x<y then", "if x<y then"},
	    {"cut short <img src=\"http://x/", "cut short"},
	    {"<unknown attr=1>kept</unknown>", "kept"},
	    {"<p>日本語の<b>テキスト</b>です。</p><p>中文</p>",
		"日本語のテキストです。 中文"},
	};

	(void)state;
	check_text(c, sizeof(c) / sizeof(c[0]));
}

static void
test_text_entities(void **state)
{
	static const struct str_case c[] = {
	    {"caf&eacute; &amp; cr&egrave;me", "café & crème"},
	    {"&lt;b&gt; is bold", "<b> is bold"},
	    {"&#233;&#xE9;&#XE9;", "ééé"},
	    {"&#150; &#147;q&#148; &#128;", "– “q” €"},
	    {"&#0;|&#xD800;|&#x110000;|&#99999999999;", "�|�|�|�"},
	    {"&#129;|&#1;", "�|�"},
	    {"&foo; AT&T &amp", "&foo; AT&T &"},
	    {"Q&amp;A", "Q&A"},
	    {"&rsquo;&hellip;&mdash;&euro;&apos;", "’…—€'"},
	    {"a&nbsp;&nbsp;b", "a b"},
	    /* One decode only: escaped markup stays escaped text. */
	    {"&amp;lt;p&amp;gt;", "&lt;p&gt;"},
	    {"&amp;amp;", "&amp;"},
	};

	(void)state;
	check_text(c, sizeof(c) / sizeof(c[0]));
}

static void
test_text_whitespace(void **state)
{
	static const struct str_case c[] = {
	    {"  a \t\n\r b  ", "a b"},
	    {"\n<p>\n  one\n</p>\n<p>two</p>\n", "one two"},
	    {"a\xc2\xa0\xc2\xa0"
	     "b",
		"a b"},
	    {"", ""},
	    {" \t ", ""},
	    {"<p></p><br>", ""},
	};
	char *s;

	(void)state;
	check_text(c, sizeof(c) / sizeof(c[0]));
	s = feed_text_collapse("  hello \n\n world  ", 18, BIG);
	assert_string_equal(s, "hello world");
	free(s);
	/* A length, not a terminator: NUL is a control, read as a space. */
	s = feed_text_collapse("a\0b", 3, BIG);
	assert_string_equal(s, "a b");
	free(s);
	s = feed_html_to_text("a\0<b>b</b>", 10, BIG);
	assert_string_equal(s, "a b");
	free(s);
}

static void
test_text_bad_utf8(void **state)
{
	char *s;

	(void)state;
	s = feed_html_to_text("a\xff<b>\xc3</b>\xe6\x97", 12, BIG);
	assert_string_equal(s, "a\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	assert_true(sh_utf8_valid(s, strlen(s)));
	free(s);
	s = feed_text_collapse("\xed\xa0\x80 ok", 6, BIG);
	assert_true(sh_utf8_valid(s, strlen(s)));
	free(s);
}

static void
test_text_max(void **state)
{
	const char *in = "<p>日本語</p>";
	char *s;
	size_t max;

	(void)state;
	s = feed_html_to_text(in, strlen(in), 7);
	assert_string_equal(s, "日本");
	free(s);
	s = feed_html_to_text(in, strlen(in), 0);
	assert_string_equal(s, "");
	free(s);
	s = feed_text_collapse("  hello   world  ", 17, 7);
	assert_string_equal(s, "hello w");
	free(s);
	/* The space before a word that does not fit is not left behind. */
	s = feed_text_collapse("hello   world", 13, 6);
	assert_string_equal(s, "hello");
	free(s);
	for (max = 0; max < 40; max++) {
		const char *t = "<b>caf&eacute;</b> 中文 &amp; more";

		s = feed_html_to_text(t, strlen(t), max);
		assert_true(strlen(s) <= max);
		assert_true(sh_utf8_valid(s, strlen(s)));
		free(s);
	}
}

static void
test_looks_html(void **state)
{
	static const char *const yes[] = {
	    "<p>x</p>",
	    "a<br/>b",
	    "a<br>b",
	    "<a href=\"x\">link</a>",
	    "see <b>this</b>",
	    "text</div>",
	    "<IMG SRC=x>",
	    "Tom &amp; Jerry",
	    "it&#39;s",
	    "a&nbsp;b",
	    "&#x2019;",
	    "x <!-- comment -->",
	};
	static const char *const no[] = {
	    "a < b",
	    "<<<",
	    "x<y",
	    "a <b and c",
	    "AT&T",
	    "&foo; bar",
	    "Q&amp A",
	    "5 > 3",
	    "<unknown>",
	    "<custom-element>x</custom-element>",
	    "",
	    "plain text",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!feed_text_looks_html(yes[i], strlen(yes[i])))
			fail_msg("\"%s\" should look like HTML", yes[i]);
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (feed_text_looks_html(no[i], strlen(no[i])))
			fail_msg("\"%s\" should not look like HTML", no[i]);
	/* Only the given length counts. */
	assert_false(feed_text_looks_html("ab<p>", 2));
}

static void
test_san_kept(void **state)
{
	static const struct str_case c[] = {
	    {"plain text > here", "plain text &gt; here"},
	    {"text only <b>x</b>", "text only <b>x</b>"},
	    {"<html><body><p>x</p></body></html>", "<p>x</p>"},
	    {"<P CLASS=x ID=y><B>t</B></P>", "<p><b>t</b></p>"},
	    {"<p>Hello <strong>bold</strong> <em>it</em></p>",
		"<p>Hello <strong>bold</strong> <em>it</em></p>"},
	    {"<ul><li>1</li><li>2</li></ul><ol start=\"3\"><li>3</ol>",
		"<ul><li>1</li><li>2</li></ul><ol start=\"3\"><li>3</li></ol>"},
	    {"<table><tr><th colspan=2>h<tr><td>a<td>b</table>",
		"<table><tr><th colspan=\"2\">h</th></tr><tr><td>a</td>"
		"<td>b</td></tr></table>"},
	    {"<pre><code>x &lt; y</code></pre>",
		"<pre><code>x &lt; y</code></pre>"},
	    {"<figure><img src=\"https://x.org/i.png\" alt=\"A\" width=10>"
	     "<figcaption>C</figcaption></figure>",
		"<figure><img src=\"https://x.org/i.png\" alt=\"A\" "
		"width=\"10\"><figcaption>C</figcaption></figure>"},
	    {"<img alt='a\"b<c>&amp;d'>",
		"<img alt=\"a&quot;b&lt;c&gt;&amp;d\">"},
	    {"a &lt;script&gt; b", "a &lt;script&gt; b"},
	    {"a<br>b<br/>c<hr>d</br>", "a<br>b<br>c<hr>d<br>"},
	    {"<time datetime=\"2023-01-01\">NY</time><abbr "
	     "title=\"t\">a</abbr>",
		"<time datetime=\"2023-01-01\">NY</time>"
		"<abbr title=\"t\">a</abbr>"},
	    {"<details><summary>S</summary>D</details>",
		"<details><summary>S</summary>D</details>"},
	    {"<custom-el x=1>t</custom-el><blink>b</blink><span>s</span>",
		"tb<span>s</span>"},
	    /* Fallback images of lazy-loading pages are kept. */
	    {"<noscript><img src=\"https://x/i.png\"></noscript>",
		"<img src=\"https://x/i.png\">"},
	    {"<xmp><b>x</b></xmp>", "&lt;b&gt;x&lt;/b&gt;"},
	    {"<p>日本語</p>", "<p>日本語</p>"},
	    {"a<!-- <script>x</script> -->b<?php echo 1 ?>c<!DOCTYPE html>d",
		"abcd"},
	    {"<![CDATA[x<y]]>", "x&lt;y"},
	    {"<a href=\"https://ok/\" href=\"javascript:x\">l</a>",
		"<a href=\"https://ok/\">l</a>"},
	    {"<a href=\"javascript:x\" HREF=\"https://ok/\">l</a>", "<a>l</a>"},
	    {"<video controls poster=\"p.jpg\"><source src=\"v.mp4\" "
	     "type=\"video/mp4\">No video</video>",
		"<video controls=\"\" poster=\"https://ex.org/a/p.jpg\">"
		"<source src=\"https://ex.org/a/v.mp4\" type=\"video/mp4\">"
		"No video</video>"},
	};

	(void)state;
	check_san(c, sizeof(c) / sizeof(c[0]));
}

static void
test_san_urls(void **state)
{
	static const struct str_case c[] = {
	    {"<a href=\"../b\">x</a>", "<a href=\"https://ex.org/b\">x</a>"},
	    {"<a href=\"#top\">x</a>",
		"<a href=\"https://ex.org/a/c#top\">x</a>"},
	    {"<img src=\"/i.png\">", "<img src=\"https://ex.org/i.png\">"},
	    {"<img src=\" i.png \">", "<img src=\"https://ex.org/a/i.png\">"},
	    {"<img srcset=\"s.png 1x, //cdn.x/t.png 2x\">",
		"<img srcset=\"https://ex.org/a/s.png 1x, "
		"https://cdn.x/t.png 2x\">"},
	    {"<img srcset=\"javascript:x 1x, ok.png 2x\">",
		"<img srcset=\"https://ex.org/a/ok.png 2x\">"},
	    {"<img srcset=\"javascript:x 1x\">", "<img>"},
	    {"<img srcset=\"a.png 1x, b.png onerror=x, c.png 100w\">",
		"<img srcset=\"https://ex.org/a/a.png 1x, "
		"https://ex.org/a/c.png 100w\">"},
	    {"<img srcset=\"data:image/png;base64,AA,BB 2x,, d.png\">",
		"<img srcset=\"data:image/png;base64,AA,BB 2x, "
		"https://ex.org/a/d.png\">"},
	    {"<blockquote cite=\"q.html\">q</blockquote><q cite=/r>r</q>",
		"<blockquote cite=\"https://ex.org/a/q.html\">q</blockquote>"
		"<q cite=\"https://ex.org/r\">r</q>"},
	    /* The entities of a query string are decoded once, then escaped. */
	    {"<a href=\"?a=1&lt=2&amp;b=3\">x</a>",
		"<a href=\"https://ex.org/a/c?a=1&amp;lt=2&amp;b=3\">x</a>"},
	    {"<a href=\"mailto:a@b.c\">m</a>",
		"<a href=\"mailto:a@b.c\">m</a>"},
	    {"<img src=\"data:image/png;base64,iVBO\">",
		"<img src=\"data:image/png;base64,iVBO\">"},
	    {"<a href=\"\">e</a>", "<a>e</a>"},
	};
	char *s;

	(void)state;
	check_san(c, sizeof(c) / sizeof(c[0]));
	/* Without a base, relative references stay relative. */
	s = feed_html_sanitize("<a href=\"b/c\">x</a>", 19, NULL, BIG);
	assert_string_equal(s, "<a href=\"b/c\">x</a>");
	free(s);
	/* A hostile base cannot make a link unsafe. */
	s = feed_html_sanitize("<a href=\"x\">y</a>", 17,
	    "javascript:alert(1)//", BIG);
	assert_string_equal(s, "<a href=\"x\">y</a>");
	free(s);
}

static void
test_san_dropped(void **state)
{
	static const struct str_case c[] = {
	    {"<p>a<script>alert(1)</script>b</p>", "<p>ab</p>"},
	    {"<script src=\"https://evil/x.js\"></script>t", "t"},
	    {"<img src=x.png onerror=alert(1) ONLOAD=\"y\">",
		"<img src=\"https://ex.org/a/x.png\">"},
	    {"<iframe src=\"https://evil/\">fallback</iframe>after", "after"},
	    {"<style>body { display: none }</style><p "
	     "style=\"color:red\">t</p>",
		"<p>t</p>"},
	    {"<svg onload=alert(1)><script>x</script><svg></svg>in</svg>ok",
		"ok"},
	    {"<math><mi>x</mi></math>ok", "ok"},
	    {"<a href=\"data:text/html;base64,PHNjcmlwdD4=\">x</a>",
		"<a>x</a>"},
	    {"<img src=\"data:image/svg+xml;base64,PHN2Zz4=\">", "<img>"},
	    {"<form action=\"/x\"><input name=q><button>Go</button>Search"
	     "<select><option>a</select><textarea>t</textarea></form>",
		"Search"},
	    /* Only the fallback content of an object is kept. */
	    {"<object data=x><param name=a value=b><embed src=y>fb</object>z",
		"fbz"},
	    {"safe<object classid=\"clsid:C932BA85\"> description",
		"safe description"},
	    {"<applet code=x>a</applet>z", "z"},
	    {"<base href=\"http://evil/\"><meta http-equiv=refresh content=0>"
	     "<link rel=stylesheet href=x>t",
		"t"},
	    {"<template><img src=x onerror=y></template>t", "t"},
	    {"<frameset><frame src=x></frameset>t", "t"},
	    {"<title>T</title><noembed>n</noembed><noframes>f</noframes>t",
		"t"},
	    /* Self-closed, as serialized XHTML writes them. */
	    {"<script/>a<iframe src=x />b", "ab"},
	};

	(void)state;
	check_san(c, sizeof(c) / sizeof(c[0]));
}

/* Every way of spelling javascript: ends as a link without a target. */
static void
test_san_js_href(void **state)
{
	static const char *const hrefs[] = {
	    "<a href=\"javascript:alert(1)\">x</a>",
	    "<a href=\"JaVaScRiPt:alert(1)\">x</a>",
	    "<a href=\" javascript:alert(1)\">x</a>",
	    "<a href=\"&#14;javascript:alert(1)\">x</a>",
	    "<a href=\"jav&#x09;ascript:alert(1)\">x</a>",
	    "<a href=\"jav\tascript:alert(1)\">x</a>",
	    "<a href=\"jav&#x0A;ascript:alert(1)\">x</a>",
	    ("<a href=\"&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;"
	     "&#116;&#58;alert(1)\">x</a>"),
	    ("<a href=\"&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74"
	     "&#58alert(1)\">x</a>"),
	    "<a href=javascript&colon;alert(1)>x</a>",
	    "<a href='vbscript:msgbox(1)'>x</a>",
	    "<a href=\"livescript:x\">x</a>",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(hrefs) / sizeof(hrefs[0]); i++) {
		char *s =
		    feed_html_sanitize(hrefs[i], strlen(hrefs[i]), BASE, BIG);

		if (strcmp(s, "<a>x</a>") != 0)
			fail_msg("\"%s\" gave \"%s\"", hrefs[i], s);
		free(s);
	}
}

/*
 * Check that s is markup the sanitizer could have written: every tag is
 * from the allowlist, every attribute is too and is double-quoted, and no
 * URL carries a script.
 */
static void
check_safe_html(const char *in, const char *s)
{
	static const char *const tags[] = {"a", "b", "br", "div", "em", "i",
	    "img", "p", "span", "table", "td", "tr", NULL};
	static const char *const attrs[] = {"alt", "href", "src", "title",
	    NULL};
	const char *p = s;
	size_t i, n;

	while ((p = strchr(p, '<')) != NULL) {
		p += p[1] == '/' ? 2 : 1;
		n = strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789");
		for (i = 0; tags[i] != NULL; i++)
			if (strlen(tags[i]) == n && strncmp(p, tags[i], n) == 0)
				break;
		if (tags[i] == NULL)
			fail_msg("\"%s\" gave tag \"%.*s\" in \"%s\"", in,
			    (int)n, p, s);
		for (p += n; *p == ' ';) {
			n = strcspn(++p, "=");
			for (i = 0; attrs[i] != NULL; i++)
				if (strlen(attrs[i]) == n &&
				    strncmp(p, attrs[i], n) == 0)
					break;
			if (attrs[i] == NULL || p[n + 1] != '"')
				fail_msg("\"%s\" gave attribute \"%.*s\" in "
					 "\"%s\"",
				    in, (int)n, p, s);
			p = strchr(p + n + 2, '"') + 1;
		}
		if (*p != '>')
			fail_msg("\"%s\" gave a broken tag in \"%s\"", in, s);
	}
	if (strstr(s, "javascript:") != NULL)
		fail_msg("\"%s\" gave \"%s\"", in, s);
}

/* Markup that tries to confuse the tokenizer leaves no live tag behind. */
static void
test_san_tricks(void **state)
{
	static const char *const in[] = {
	    "<scr<script>ipt>alert(1)</script>",
	    "<<script>alert(1)//<</script>",
	    "<img \"\"\"><script>alert(1)</script>\">",
	    "<img src=`x` onerror=alert(1)>",
	    "<a href=\"x\"onclick=alert(1)>x</a>",
	    "<a/onclick=alert(1)>x</a>",
	    "<img src=x:alert(alt) onerror=eval(src) alt=0>",
	    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
	    "<!--<img src=x onerror=alert(1)>-->",
	    "<!--> <img src=x onerror=alert(1)> -->",
	    "<style><img src=x onerror=alert(1)></style>",
	    "<textarea><script>alert(1)</script></textarea>",
	    "<svg><p><style><img src=x onerror=alert(1)></p></svg>",
	    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
	    "<div id=\"1\"><form id=\"x\"></form><input form=x onfocus=y>",
	    "<iframe srcdoc=\"&lt;script&gt;alert(1)&lt;/script&gt;\">",
	    "<object data=\"javascript:alert(1)\">",
	    "<a href=\"java\nscript:alert(1)\">x</a>",
	    "<isindex action=javascript:alert(1) type=image>",
	    "<p style=\"background:url(javascript:alert(1))\">x</p>",
	    "<img src=\"x\" style=\"x:expression(alert(1))\">",
	    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:x\">",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		char *s = feed_html_sanitize(in[i], strlen(in[i]), BASE, BIG);

		check_safe_html(in[i], s);
		free(s);
	}
}

static void
test_san_structure(void **state)
{
	static const struct str_case c[] = {
	    {"<div><p>a<b>b", "<div><p>a<b>b</b></p></div>"},
	    {"</p></div>a</b>", "a"},
	    {"<b><i>x</b>y</i>", "<b><i>x</i></b>y"},
	    {"<p>one<p>two<div>three</div>",
		"<p>one</p><p>two</p><div>three</div>"},
	    {"<ul><li>a<li>b<ul><li>c</ul></ul>",
		"<ul><li>a</li><li>b<ul><li>c</li></ul></li></ul>"},
	    {"<dl><dt>t<dd>d<dt>u</dl>",
		"<dl><dt>t</dt><dd>d</dd><dt>u</dt></dl>"},
	    {"<a href=/x>1<a href=/y>2</a>",
		"<a href=\"https://ex.org/x\">1</a>"
		"<a href=\"https://ex.org/y\">2</a>"},
	    {"<h1>a<h2>b</h2>", "<h1>a</h1><h2>b</h2>"},
	    {"<div/>x<p/>y", "<div></div>x<p></p>y"},
	};
	char *in, *s;
	size_t i;

	(void)state;
	check_san(c, sizeof(c) / sizeof(c[0]));
	/* Nesting past the cap is unwrapped, and everything is closed. */
	in = xmalloc(1000 * 5 + 1);
	for (i = 0; i < 1000; i++)
		memcpy(in + i * 5, "<div>", 5);
	in[1000 * 5] = '\0';
	s = feed_html_sanitize(in, strlen(in), NULL, BIG);
	assert_int_equal(count(s, "<div>"), 256);
	assert_int_equal(count(s, "</div>"), 256);
	free(s);
	free(in);
}

static void
test_san_max(void **state)
{
	const char *in = "<div><p>日本語 <b>caf&eacute;</b> &amp; "
			 "<a href=\"x\">link</a></p></div>";
	char *full, *s;
	size_t max;

	(void)state;
	full = feed_html_sanitize(in, strlen(in), BASE, BIG);
	for (max = 0; max <= strlen(full) + 1; max++) {
		s = feed_html_sanitize(in, strlen(in), BASE, max);
		assert_true(strlen(s) <= max);
		assert_true(sh_utf8_valid(s, strlen(s)));
		/* Whatever was opened was closed. */
		assert_int_equal(count(s, "<div>"), count(s, "</div>"));
		assert_int_equal(count(s, "<p>"), count(s, "</p>"));
		assert_int_equal(count(s, "<b>"), count(s, "</b>"));
		assert_int_equal(count(s, "<a"), count(s, "</a>"));
		/* No entity is cut in half. */
		if (strlen(s) > 0 && strrchr(s, '&') != NULL)
			assert_non_null(strchr(strrchr(s, '&'), ';'));
		if (max >= strlen(full))
			assert_string_equal(s, full);
		free(s);
	}
	free(full);
	s = feed_html_sanitize("<p>日本語</p>", 15, NULL, 12);
	assert_string_equal(s, "<p>日</p>");
	free(s);
}

static void
test_san_bad_input(void **state)
{
	char *s;

	(void)state;
	s = feed_html_sanitize("a\xff<b title=\"\xc3\">\x01x</b>", 21, NULL,
	    BIG);
	assert_string_equal(s, "a\xef\xbf\xbd<b title=\"\xef\xbf\xbd\"> x</b>");
	free(s);
	s = feed_html_sanitize("a\0b", 3, NULL, BIG);
	assert_string_equal(s, "a b");
	free(s);
	s = feed_html_sanitize("", 0, NULL, BIG);
	assert_string_equal(s, "");
	free(s);
	s = feed_html_sanitize("<a href=\"unterminated", 21, NULL, BIG);
	assert_string_equal(s, "");
	free(s);
}

/*
 * Every element of the tokenizer's tables, its name in mixed case: what
 * the sanitizer and the text extraction make of it.  A name the lookup
 * misses would come out unwrapped.
 */
static void
test_elements(void **state)
{
	static const struct {
		const char *name, *san, *text;
	} c[] = {
	    {"a", "a<a title=\"t\">x</a>y", "axy"},
	    {"abbr", "a<abbr title=\"t\">x</abbr>y", "axy"},
	    {"acronym", "a<acronym title=\"t\">x</acronym>y", "axy"},
	    {"address", "a<address title=\"t\">x</address>y", "a x y"},
	    {"applet", "ay", "ay"},
	    {"area", "axy", "axy"},
	    {"article", "a<article title=\"t\">x</article>y", "a x y"},
	    {"aside", "a<aside title=\"t\">x</aside>y", "a x y"},
	    {"audio", "a<audio title=\"t\">x</audio>y", "axy"},
	    {"b", "a<b title=\"t\">x</b>y", "axy"},
	    {"base", "axy", "axy"},
	    {"basefont", "axy", "axy"},
	    {"bdi", "a<bdi title=\"t\">x</bdi>y", "axy"},
	    {"bdo", "a<bdo title=\"t\">x</bdo>y", "axy"},
	    {"big", "a<big title=\"t\">x</big>y", "axy"},
	    {"blink", "axy", "axy"},
	    {"blockquote", "a<blockquote title=\"t\">x</blockquote>y", "a x y"},
	    {"body", "axy", "a x y"},
	    {"br", "a<br title=\"t\">x<br>y", "a x y"},
	    {"button", "ay", "ay"},
	    {"canvas", "axy", "axy"},
	    {"caption", "a<caption title=\"t\">x</caption>y", "a x y"},
	    {"center", "a<center title=\"t\">x</center>y", "a x y"},
	    {"cite", "a<cite title=\"t\">x</cite>y", "axy"},
	    {"code", "a<code title=\"t\">x</code>y", "axy"},
	    {"col", "a<col title=\"t\">xy", "axy"},
	    {"colgroup", "a<colgroup title=\"t\">x</colgroup>y", "axy"},
	    {"data", "axy", "axy"},
	    {"datalist", "ay", "ay"},
	    {"dd", "a<dd title=\"t\">x</dd>y", "a x y"},
	    {"del", "a<del title=\"t\">x</del>y", "axy"},
	    {"details", "a<details title=\"t\">x</details>y", "a x y"},
	    {"dfn", "a<dfn title=\"t\">x</dfn>y", "axy"},
	    {"dialog", "axy", "a x y"},
	    {"dir", "axy", "a x y"},
	    {"div", "a<div title=\"t\">x</div>y", "a x y"},
	    {"dl", "a<dl title=\"t\">x</dl>y", "a x y"},
	    {"dt", "a<dt title=\"t\">x</dt>y", "a x y"},
	    {"em", "a<em title=\"t\">x</em>y", "axy"},
	    {"embed", "axy", "axy"},
	    {"fieldset", "axy", "a x y"},
	    {"figcaption", "a<figcaption title=\"t\">x</figcaption>y", "a x y"},
	    {"figure", "a<figure title=\"t\">x</figure>y", "a x y"},
	    {"font", "a<font title=\"t\">x</font>y", "axy"},
	    {"footer", "a<footer title=\"t\">x</footer>y", "a x y"},
	    {"form", "axy", "a x y"},
	    {"frame", "axy", "axy"},
	    {"frameset", "ay", "ay"},
	    {"h1", "a<h1 title=\"t\">x</h1>y", "a x y"},
	    {"h2", "a<h2 title=\"t\">x</h2>y", "a x y"},
	    {"h3", "a<h3 title=\"t\">x</h3>y", "a x y"},
	    {"h4", "a<h4 title=\"t\">x</h4>y", "a x y"},
	    {"h5", "a<h5 title=\"t\">x</h5>y", "a x y"},
	    {"h6", "a<h6 title=\"t\">x</h6>y", "a x y"},
	    {"head", "axy", "a x y"},
	    {"header", "a<header title=\"t\">x</header>y", "a x y"},
	    {"hgroup", "axy", "a x y"},
	    {"hr", "a<hr title=\"t\">xy", "a x y"},
	    {"html", "axy", "a x y"},
	    {"i", "a<i title=\"t\">x</i>y", "axy"},
	    {"iframe", "ay", "ay"},
	    {"img", "a<img title=\"t\">xy", "axy"},
	    {"input", "axy", "axy"},
	    {"ins", "a<ins title=\"t\">x</ins>y", "axy"},
	    {"kbd", "a<kbd title=\"t\">x</kbd>y", "axy"},
	    {"keygen", "axy", "axy"},
	    {"label", "axy", "axy"},
	    {"legend", "axy", "a x y"},
	    {"li", "a<li title=\"t\">x</li>y", "a x y"},
	    {"link", "axy", "axy"},
	    {"main", "axy", "a x y"},
	    {"map", "axy", "axy"},
	    {"mark", "a<mark title=\"t\">x</mark>y", "axy"},
	    {"marquee", "axy", "axy"},
	    {"math", "ay", "ay"},
	    {"menu", "axy", "a x y"},
	    {"meta", "axy", "axy"},
	    {"meter", "axy", "axy"},
	    {"nav", "axy", "a x y"},
	    {"nobr", "axy", "axy"},
	    {"noembed", "ay", "ay"},
	    {"noframes", "ay", "ay"},
	    {"noscript", "axy", "axy"},
	    {"object", "axy", "axy"},
	    {"ol", "a<ol title=\"t\">x</ol>y", "a x y"},
	    {"optgroup", "ay", "ay"},
	    {"option", "ay", "ay"},
	    {"output", "axy", "axy"},
	    {"p", "a<p title=\"t\">x</p>y", "a x y"},
	    {"param", "axy", "axy"},
	    {"picture", "a<picture title=\"t\">x</picture>y", "axy"},
	    {"plaintext", "axy", "a x y"},
	    {"portal", "ay", "ay"},
	    {"pre", "a<pre title=\"t\">x</pre>y", "a x y"},
	    {"progress", "axy", "axy"},
	    {"q", "a<q title=\"t\">x</q>y", "axy"},
	    {"rb", "axy", "axy"},
	    {"rp", "a<rp title=\"t\">x</rp>y", "axy"},
	    {"rt", "a<rt title=\"t\">x</rt>y", "axy"},
	    {"ruby", "a<ruby title=\"t\">x</ruby>y", "axy"},
	    {"s", "a<s title=\"t\">x</s>y", "axy"},
	    {"samp", "a<samp title=\"t\">x</samp>y", "axy"},
	    {"script", "ay", "ay"},
	    {"section", "a<section title=\"t\">x</section>y", "a x y"},
	    {"select", "ay", "ay"},
	    {"slot", "axy", "axy"},
	    {"small", "a<small title=\"t\">x</small>y", "axy"},
	    {"source", "a<source title=\"t\">xy", "axy"},
	    {"span", "a<span title=\"t\">x</span>y", "axy"},
	    {"strike", "a<strike title=\"t\">x</strike>y", "axy"},
	    {"strong", "a<strong title=\"t\">x</strong>y", "axy"},
	    {"style", "ay", "ay"},
	    {"sub", "a<sub title=\"t\">x</sub>y", "axy"},
	    {"summary", "a<summary title=\"t\">x</summary>y", "a x y"},
	    {"sup", "a<sup title=\"t\">x</sup>y", "axy"},
	    {"svg", "ay", "ay"},
	    {"table", "a<table title=\"t\">x</table>y", "a x y"},
	    {"tbody", "a<tbody title=\"t\">x</tbody>y", "a x y"},
	    {"td", "a<td title=\"t\">x</td>y", "a x y"},
	    {"template", "ay", "ay"},
	    {"textarea", "ay", "ay"},
	    {"tfoot", "a<tfoot title=\"t\">x</tfoot>y", "a x y"},
	    {"th", "a<th title=\"t\">x</th>y", "a x y"},
	    {"thead", "a<thead title=\"t\">x</thead>y", "a x y"},
	    {"time", "a<time title=\"t\">x</time>y", "axy"},
	    {"title", "ay", "ay"},
	    {"tr", "a<tr title=\"t\">x</tr>y", "a x y"},
	    {"track", "axy", "axy"},
	    {"tt", "a<tt title=\"t\">x</tt>y", "axy"},
	    {"u", "a<u title=\"t\">x</u>y", "axy"},
	    {"ul", "a<ul title=\"t\">x</ul>y", "a x y"},
	    {"var", "a<var title=\"t\">x</var>y", "axy"},
	    {"video", "a<video title=\"t\">x</video>y", "axy"},
	    {"wbr", "a<wbr title=\"t\">xy", "axy"},
	    {"xmp", "axy", "a x y"},
	};
	char in[128], name[16], tag[32];
	size_t i, k;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		char *s, *t;

		for (k = 0; c[i].name[k] != '\0'; k++)
			name[k] = (char)(k % 2 == 0 && c[i].name[k] >= 'a'
					     ? c[i].name[k] - 'a' + 'A'
					     : c[i].name[k]);
		name[k] = '\0';
		snprintf(in, sizeof(in), "a<%s title=t>x</%s>y", name,
		    c[i].name);
		s = feed_html_sanitize(in, strlen(in), BASE, BIG);
		t = feed_html_to_text(in, strlen(in), BIG);
		if (strcmp(s, c[i].san) != 0 || strcmp(t, c[i].text) != 0)
			fail_msg("\"%s\": want \"%s\" and \"%s\", got \"%s\" "
				 "and \"%s\"",
			    in, c[i].san, c[i].text, s, t);
		free(s);
		free(t);
		snprintf(tag, sizeof(tag), "<%s>", name);
		if (!feed_text_looks_html(tag, strlen(tag)))
			fail_msg("\"%s\" should look like HTML", tag);
	}
}

/* Every attribute on the allowlist, its name in mixed case. */
static void
test_attributes(void **state)
{
	static const struct {
		const char *name, *san;
	} c[] = {
	    {"abbr", "<img abbr=\"x&amp;y 1x\">"},
	    {"align", "<img align=\"x&amp;y 1x\">"},
	    {"alt", "<img alt=\"x&amp;y 1x\">"},
	    {"cite", "<img cite=\"https://ex.org/a/x&amp;y 1x\">"},
	    {"color", "<img color=\"x&amp;y 1x\">"},
	    {"colspan", "<img colspan=\"x&amp;y 1x\">"},
	    {"controls", "<img controls=\"x&amp;y 1x\">"},
	    {"datetime", "<img datetime=\"x&amp;y 1x\">"},
	    {"dir", "<img dir=\"x&amp;y 1x\">"},
	    {"face", "<img face=\"x&amp;y 1x\">"},
	    {"headers", "<img headers=\"x&amp;y 1x\">"},
	    {"height", "<img height=\"x&amp;y 1x\">"},
	    {"href", "<img href=\"https://ex.org/a/x&amp;y 1x\">"},
	    {"hreflang", "<img hreflang=\"x&amp;y 1x\">"},
	    {"lang", "<img lang=\"x&amp;y 1x\">"},
	    {"media", "<img media=\"x&amp;y 1x\">"},
	    {"poster", "<img poster=\"https://ex.org/a/x&amp;y 1x\">"},
	    {"reversed", "<img reversed=\"x&amp;y 1x\">"},
	    {"rowspan", "<img rowspan=\"x&amp;y 1x\">"},
	    {"scope", "<img scope=\"x&amp;y 1x\">"},
	    {"size", "<img size=\"x&amp;y 1x\">"},
	    {"sizes", "<img sizes=\"x&amp;y 1x\">"},
	    {"span", "<img span=\"x&amp;y 1x\">"},
	    {"src", "<img src=\"https://ex.org/a/x&amp;y 1x\">"},
	    {"srcset", "<img srcset=\"https://ex.org/a/x&amp;y 1x\">"},
	    {"start", "<img start=\"x&amp;y 1x\">"},
	    {"summary", "<img summary=\"x&amp;y 1x\">"},
	    {"title", "<img title=\"x&amp;y 1x\">"},
	    {"type", "<img type=\"x&amp;y 1x\">"},
	    {"valign", "<img valign=\"x&amp;y 1x\">"},
	    {"value", "<img value=\"x&amp;y 1x\">"},
	    {"width", "<img width=\"x&amp;y 1x\">"},
	};
	char in[128], name[16];
	size_t i, k;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		char *s;

		for (k = 0; c[i].name[k] != '\0'; k++)
			name[k] = (char)(k % 2 == 1 ? c[i].name[k] - 'a' + 'A'
						    : c[i].name[k]);
		name[k] = '\0';
		snprintf(in, sizeof(in), "<img %s=\"x&amp;y 1x\" %s=no>", name,
		    c[i].name);
		s = feed_html_sanitize(in, strlen(in), BASE, BIG);
		if (strcmp(s, c[i].san) != 0)
			fail_msg("\"%s\": want \"%s\", got \"%s\"", in,
			    c[i].san, s);
		free(s);
	}
}

/*
 * Names read eight bytes at a time: of every length around eight, at the
 * end of the input, with each byte that ends them.
 */
static void
test_names(void **state)
{
	static const struct {
		const char *in, *san, *text;
	} c[] = {
	    {"<section>s</section>", "<section>s</section>", "s"},
	    {"<section", "", ""},
	    {"x<strong", "x", "x"},
	    {"<strong>", "<strong></strong>", ""},
	    {"<STRONG\t>b</strong\n>", "<strong>b</strong>", "b"},
	    {"<strong/>", "<strong></strong>", ""},
	    {"<p\n>p", "<p>p</p>", "p"},
	    {"<p\x0d"
	     "\n>p",
		"<p>p</p>", "p"},
	    {"<blockquote>q</blockquote>", "<blockquote>q</blockquote>", "q"},
	    {"<figcaption>f</figcaption>", "<figcaption>f</figcaption>", "f"},
	    {"<figcaptionx>f</figcaptionx>", "f", "f"},
	    {"<figcaptionxx>f", "f", "f"},
	    {"<noscript>n</noscript>", "n", "n"},
	    {"<abcdefgh>u</abcdefgh>", "u", "u"},
	    {"<img src=x", "", ""},
	    {"<img alt", "", ""},
	    {"<a HREF=\"/x\">l</a>", "<a href=\"https://ex.org/x\">l</a>", "l"},
	    {"<a hReF=/x>l</a>", "<a href=\"https://ex.org/x\">l</a>", "l"},
	    {"<img SrCsEt=\"a.png 2x\">",
		"<img srcset=\"https://ex.org/a/a.png 2x\">", ""},
	    {"<sp\xc3"
	     "\xa9"
	     "n>x</span>",
		"x", "x"},
	    {"<H1>h</H1><h6>i</h6>", "<h1>h</h1><h6>i</h6>", "h i"},
	    {"<img alt=a ALT=b>", "<img alt=\"a\">", ""},
	    {"<img alt=a src=b.png width=1 height=2 title=c>",
		"<img alt=\"a\" src=\"https://ex.org/a/b.png\" width=\"1\" "
		"height=\"2\" title=\"c\">",
		""},
	    {"<td valign=top>c</td>", "<td valign=\"top\">c</td>", "c"},
	    {"<img src=\"a.png\"", "", ""},
	    {"<a href=x>", "<a href=\"https://ex.org/a/x\"></a>", ""},
	    {"<abbr>", "<abbr></abbr>", ""},
	    {"<i>", "<i></i>", ""},
	    {"<b>x</b", "<b>x</b>", "x"},
	    {"<b>x</", "<b>x&lt;/</b>", "x</"},
	    {"x</b>", "x", "x"},
	    {"<b>\xc2"
	     "\xa0"
	     "y</b>",
		"<b>\xc2"
		"\xa0"
		"y</b>",
		"y"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		char *s =
		    feed_html_sanitize(c[i].in, strlen(c[i].in), BASE, BIG);
		char *t = feed_html_to_text(c[i].in, strlen(c[i].in), BIG);

		if (strcmp(s, c[i].san) != 0 || strcmp(t, c[i].text) != 0)
			fail_msg("\"%s\": want \"%s\" and \"%s\", got \"%s\" "
				 "and \"%s\"",
			    c[i].in, c[i].san, c[i].text, s, t);
		free(s);
		free(t);
	}
}

/* A pseudo-random string of n pieces from a list, into buf. */
static size_t
make_text(char *buf, const char *const *pieces, size_t npieces, size_t n,
    unsigned long *seed)
{
	size_t len = 0, i;

	for (i = 0; i < n; i++) {
		const char *p;

		*seed = *seed * 6364136223846793005ul + 1442695040888963407ul;
		p = pieces[(*seed >> 33) % npieces];
		memcpy(buf + len, p, strlen(p));
		len += strlen(p);
	}
	buf[len] = '\0';
	return len;
}

/* Whitespace collapsed the slow way: what feed_text_collapse() must do. */
static void
collapse_ref(const char *s, char *out)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = 0;
	bool space = false;

	while (*u != '\0') {
		if (*u <= 0x20 || *u == 0x7f) {
			space = true;
			u++;
		} else if (u[0] == 0xc2 && u[1] >= 0x80 && u[1] <= 0xa0) {
			space = true;
			u += 2;
		} else {
			if (space && n > 0)
				out[n++] = ' ';
			space = false;
			out[n++] = (char)*u++;
		}
	}
	out[n] = '\0';
}

/* One byte escaped the slow way, as text or as an attribute value. */
static size_t
escape_ref(char c, bool attr, char *out)
{
	const char *e = NULL;

	if (c == '>')
		e = "&gt;";
	else if (c == '<')
		e = "&lt;";
	else if (c == '"' && attr)
		e = "&quot;";
	if (e == NULL) {
		*out = c;
		return 1;
	}
	memcpy(out, e, strlen(e));
	return strlen(e);
}

/*
 * Text is read sixteen bytes at a time: whitespace, escapes and multibyte
 * characters at every offset from those boundaries come out as the byte
 * by byte definitions say.
 */
static void
test_text_runs(void **state)
{
	static const char *const ws[] = {"a", "b", "c", "d", " ", " ", "  ",
	    "\n", "\t", "\xc2\xa0", "\xc2\xa9", "\xc3\xa9", "\xe2\x80\x99",
	    "\x7f", "\xc2\x85"};
	static const char *const esc[] = {"a", "b", " ", "\n", ">", "\"",
	    "\xc3\xa9", "\xe2\x80\x99"};
	static const char *const attr[] = {"a", "b", " ", ">", "<", "\"",
	    "\xc3\xa9"};
	char text[512], in[600], want[1200];
	unsigned long seed = 1;
	size_t i, k, n;

	(void)state;
	for (i = 0; i < 3000; i++) {
		char *s;

		n = make_text(text, ws, sizeof(ws) / sizeof(ws[0]), i % 80,
		    &seed);
		collapse_ref(text, want);
		s = feed_text_collapse(text, n, BIG);
		if (strcmp(s, want) != 0)
			fail_msg("collapsing \"%s\": want \"%s\", got \"%s\"",
			    text, want, s);
		free(s);
		snprintf(in, sizeof(in), "<i>%s</i>", text);
		s = feed_html_to_text(in, strlen(in), BIG);
		if (strcmp(s, want) != 0)
			fail_msg("text of \"%s\": want \"%s\", got \"%s\"", in,
			    want, s);
		free(s);
	}
	for (i = 0; i < 2000; i++) {
		char *s;

		make_text(text, esc, sizeof(esc) / sizeof(esc[0]), i % 70,
		    &seed);
		for (n = 0, k = 0; text[k] != '\0'; k++)
			n += escape_ref(text[k], false, want + n);
		want[n] = '\0';
		s = feed_html_sanitize(text, strlen(text), NULL, BIG);
		if (strcmp(s, want) != 0)
			fail_msg("sanitizing \"%s\": want \"%s\", got \"%s\"",
			    text, want, s);
		free(s);
		make_text(text, attr, sizeof(attr) / sizeof(attr[0]), i % 70,
		    &seed);
		n = (size_t)sprintf(want, "<img alt=\"");
		for (k = 0; text[k] != '\0'; k++)
			n += escape_ref(text[k], true, want + n);
		strcpy(want + n, "\">");
		snprintf(in, sizeof(in), "<img alt='%s'>", text);
		s = feed_html_sanitize(in, strlen(in), NULL, BIG);
		if (strcmp(s, want) != 0)
			fail_msg("sanitizing \"%s\": want \"%s\", got \"%s\"",
			    in, want, s);
		free(s);
	}
}

/*
 * Hostile markup of 1 MB takes linear time: a quadratic path would take
 * minutes here, not milliseconds.
 */
static void
test_pathological(void **state)
{
	static const char *const pats[] = {"<", "<a", "<a a", "<a a=\"", "&",
	    "&#", "<!--", "<![CDATA[", "<div>", "</div>", "<li>",
	    "<table><tr><td>", "<svg>", "<xmp>", "<b><i><u>", "<p/>",
	    "<a href=x>", "<img srcset=\"a 1x, b 2x\">",
	    "<span class=a id=b title=c alt=d style=e>", "  \n", "\xc2\xa0",
	    "\xff"};
	const size_t size = 1 << 20;
	char *in = xmalloc(size);
	size_t i, k;

	(void)state;
	for (i = 0; i < sizeof(pats) / sizeof(pats[0]); i++) {
		size_t n = strlen(pats[i]);
		char *s;

		for (k = 0; k < size; k++)
			in[k] = pats[i][k % n];
		s = feed_html_sanitize(in, size, BASE, size);
		assert_true(strlen(s) <= size);
		assert_true(sh_utf8_valid(s, strlen(s)));
		free(s);
		s = feed_html_to_text(in, size, size);
		assert_true(strlen(s) <= size);
		assert_true(sh_utf8_valid(s, strlen(s)));
		free(s);
	}
	free(in);
}

/*
 * The one-pass text and sanitizing of a description gives what the two
 * separate calls give, also when one of the two fills up first.
 */
static void
test_text_and_sanitize_as_two_calls(void **state)
{
	static const char *in[] = {
	    "plain text, no markup",
	    "<p>One <b>two</b> &amp; three<br>four</p><script>x()</script>",
	    "<ul><li>a<li>b</ul><style>p{}</style><img src=\"i.png\" "
	    "alt=\"A &quot;B&quot;\"><a href=\"javascript:x\">c</a>",
	    "<table><tr><td>1<td>2</table><svg><svg></svg>gone</svg>kept "
	    "&nbsp;&eacute; <title>t</title>\x01\xff",
	    "<div><p>long long long long long long long long</p></div>",
	};
	static const size_t max[] = {4, 16, 64, SIZE_MAX};
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		for (j = 0; j < sizeof(max) / sizeof(max[0]); j++) {
			size_t n = strlen(in[i]);
			char *text,
			    *html = feed_html_text_and_sanitize(in[i], n,
				"http://x.example/d/", max[j], &text);
			char *t2 = feed_html_to_text(in[i], n, max[j]);
			char *h2 = feed_html_sanitize(in[i], n,
			    "http://x.example/d/", max[j]);

			assert_string_equal(text, t2);
			assert_string_equal(html, h2);
			free(text);
			free(html);
			free(t2);
			free(h2);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_text_and_sanitize_as_two_calls),
	    cmocka_unit_test(test_text_markup),
	    cmocka_unit_test(test_text_entities),
	    cmocka_unit_test(test_text_whitespace),
	    cmocka_unit_test(test_text_bad_utf8),
	    cmocka_unit_test(test_text_max),
	    cmocka_unit_test(test_looks_html),
	    cmocka_unit_test(test_san_kept),
	    cmocka_unit_test(test_san_urls),
	    cmocka_unit_test(test_san_dropped),
	    cmocka_unit_test(test_san_js_href),
	    cmocka_unit_test(test_san_tricks),
	    cmocka_unit_test(test_san_structure),
	    cmocka_unit_test(test_san_max),
	    cmocka_unit_test(test_san_bad_input),
	    cmocka_unit_test(test_elements),
	    cmocka_unit_test(test_attributes),
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_text_runs),
	    cmocka_unit_test(test_pathological),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
