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

int
main(void)
{
	const struct CMUnitTest tests[] = {
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
