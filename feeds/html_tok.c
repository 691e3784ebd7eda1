/* SPDX-License-Identifier: MIT */
/* The HTML tokenizer: input clean-up, character references, tags. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <libxml/HTMLparser.h>

#include "common.h"
#include "html_int.h"

/*
 * A small streaming tokenizer that follows the WHATWG tokenizer where it
 * matters (tag and attribute syntax, comments, raw-text elements,
 * character references) and builds no tree.  Named references come from
 * libxml2's table (htmlEntityLookup); nothing else of libxml2 is used.
 *
 * Where feeds and browsers part ways, the feed wins when that loses less
 * text: a self-closed "<p/>" is empty (serialized XHTML), an unterminated
 * comment ends at the next '>', a tag cut short by the end of the input is
 * text unless its name is an element's, and CDATA is text.
 *
 * It is built for the common case of feed content, mostly text and short
 * tags.  The input check and the search for the end of a text run read
 * sixteen bytes at a time with SSE2 (eight, in a word, without it); a tag
 * name of up to seven bytes is read and lowered in one word, and looked
 * up in a table bucketed by first letter, most frequent first; only
 * attributes on the allowlist are kept, as pointers into the input, and
 * decoded by the caller if it writes them.  Nothing allocates per token.
 * Every loop moves forward through the input, and no byte is searched
 * twice, so time stays linear on hostile markup.
 */

#define REF_NAME_MAX 15 /* longer names are no entity's */

#define ALLOW_BLOCK (E_ALLOW | E_BLOCK | E_CLOSEP)
#define DROPPED (E_DROP | E_TDROP)

/* An element's fields after its name, a string literal. */
#define EL(name, flags, kind) name, sizeof(name) - 1, flags, kind

/*
 * Every HTML element, one array per first letter so that a lookup reads
 * only the names that could match, and the most frequent in feeds first,
 * so that it mostly reads one; unknown names are unwrapped.
 */
static const struct html_elem elems_a[] = {
    {EL("a", E_ALLOW, K_A)},
    {EL("abbr", E_ALLOW, 0)},
    {EL("acronym", E_ALLOW, 0)},
    {EL("address", ALLOW_BLOCK, 0)},
    {EL("applet", DROPPED, 0)},
    {EL("area", E_VOID, 0)},
    {EL("article", ALLOW_BLOCK, 0)},
    {EL("aside", ALLOW_BLOCK, 0)},
    {EL("audio", E_ALLOW, 0)},
};

static const struct html_elem elems_b[] = {
    {EL("br", E_ALLOW | E_VOID | E_BLOCK, 0)},
    {EL("b", E_ALLOW, 0)},
    {EL("blockquote", ALLOW_BLOCK, 0)},
    {EL("base", DROPPED | E_VOID, 0)},
    {EL("basefont", E_VOID, 0)},
    {EL("bdi", E_ALLOW, 0)},
    {EL("bdo", E_ALLOW, 0)},
    {EL("big", E_ALLOW, 0)},
    {EL("blink", 0, 0)},
    {EL("body", E_BLOCK, 0)},
    {EL("button", DROPPED, 0)},
};

static const struct html_elem elems_c[] = {
    {EL("code", E_ALLOW, 0)},
    {EL("cite", E_ALLOW, 0)},
    {EL("center", ALLOW_BLOCK, 0)},
    {EL("canvas", 0, 0)},
    {EL("caption", E_ALLOW | E_BLOCK, K_CAPTION)},
    {EL("col", E_ALLOW | E_VOID, 0)},
    {EL("colgroup", E_ALLOW, 0)},
};

static const struct html_elem elems_d[] = {
    {EL("div", ALLOW_BLOCK, 0)},
    {EL("dl", ALLOW_BLOCK, K_DL)},
    {EL("dt", ALLOW_BLOCK, K_DDT)},
    {EL("dd", ALLOW_BLOCK, K_DDT)},
    {EL("del", E_ALLOW, 0)},
    {EL("data", 0, 0)},
    {EL("datalist", DROPPED, 0)},
    {EL("details", ALLOW_BLOCK, 0)},
    {EL("dfn", E_ALLOW, 0)},
    {EL("dialog", E_BLOCK, 0)},
    {EL("dir", E_BLOCK, 0)},
};

static const struct html_elem elems_e[] = {
    {EL("em", E_ALLOW, 0)},
    {EL("embed", DROPPED | E_VOID, 0)},
};

static const struct html_elem elems_f[] = {
    {EL("figure", ALLOW_BLOCK, 0)},
    {EL("figcaption", ALLOW_BLOCK, 0)},
    {EL("font", E_ALLOW, 0)},
    {EL("fieldset", E_BLOCK, 0)},
    {EL("footer", ALLOW_BLOCK, 0)},
    {EL("form", E_BLOCK, 0)},
    {EL("frame", DROPPED | E_VOID, 0)},
    {EL("frameset", DROPPED, 0)},
};

static const struct html_elem elems_h[] = {
    {EL("h2", ALLOW_BLOCK, K_HEADING)},
    {EL("h3", ALLOW_BLOCK, K_HEADING)},
    {EL("h4", ALLOW_BLOCK, K_HEADING)},
    {EL("hr", ALLOW_BLOCK | E_VOID, 0)},
    {EL("h1", ALLOW_BLOCK, K_HEADING)},
    {EL("h5", ALLOW_BLOCK, K_HEADING)},
    {EL("h6", ALLOW_BLOCK, K_HEADING)},
    {EL("head", E_BLOCK, 0)},
    {EL("header", ALLOW_BLOCK, 0)},
    {EL("hgroup", E_BLOCK, 0)},
    {EL("html", E_BLOCK, 0)},
};

static const struct html_elem elems_i[] = {
    {EL("img", E_ALLOW | E_VOID, 0)},
    {EL("i", E_ALLOW, 0)},
    {EL("iframe", DROPPED | E_RAW, 0)},
    {EL("ins", E_ALLOW, 0)},
    {EL("input", DROPPED | E_VOID, 0)},
};

static const struct html_elem elems_k[] = {
    {EL("kbd", E_ALLOW, 0)},
    {EL("keygen", DROPPED | E_VOID, 0)},
};

static const struct html_elem elems_l[] = {
    {EL("li", ALLOW_BLOCK, K_LI)},
    {EL("label", 0, 0)},
    {EL("legend", E_BLOCK, 0)},
    {EL("link", DROPPED | E_VOID, 0)},
};

static const struct html_elem elems_m[] = {
    {EL("math", DROPPED, 0)},
    {EL("mark", E_ALLOW, 0)},
    {EL("main", E_BLOCK, 0)},
    {EL("map", 0, 0)},
    {EL("marquee", 0, 0)},
    {EL("menu", E_BLOCK, 0)},
    {EL("meta", DROPPED | E_VOID, 0)},
    {EL("meter", 0, 0)},
};

static const struct html_elem elems_n[] = {
    {EL("nav", E_BLOCK, 0)},
    {EL("nobr", 0, 0)},
    {EL("noembed", DROPPED | E_RAW, 0)},
    {EL("noframes", DROPPED | E_RAW, 0)},
    /*
     * What a reader without scripts shows: often the real <img> of a
     * lazy-loading page, or the code of an embedded gist.
     */
    {EL("noscript", 0, 0)},
};

static const struct html_elem elems_o[] = {
    {EL("ol", ALLOW_BLOCK, K_LIST)},
    /* Its content is the fallback a browser shows without the plugin. */
    {EL("object", 0, 0)},
    {EL("optgroup", DROPPED, 0)},
    {EL("option", DROPPED, 0)},
    {EL("output", 0, 0)},
};

static const struct html_elem elems_p[] = {
    {EL("p", ALLOW_BLOCK, K_P)},
    {EL("pre", ALLOW_BLOCK, 0)},
    {EL("picture", E_ALLOW, 0)},
    {EL("param", DROPPED | E_VOID, 0)},
    {EL("plaintext", E_RAW | E_BLOCK, 0)},
    {EL("portal", DROPPED, 0)},
    {EL("progress", 0, 0)},
};

static const struct html_elem elems_q[] = {
    {EL("q", E_ALLOW, 0)},
};

static const struct html_elem elems_r[] = {
    {EL("rb", 0, 0)},
    {EL("rp", E_ALLOW, 0)},
    {EL("rt", E_ALLOW, 0)},
    {EL("ruby", E_ALLOW, 0)},
};

static const struct html_elem elems_s[] = {
    {EL("span", E_ALLOW, 0)},
    {EL("strong", E_ALLOW, 0)},
    {EL("small", E_ALLOW, 0)},
    {EL("sup", E_ALLOW, 0)},
    {EL("sub", E_ALLOW, 0)},
    {EL("source", E_ALLOW | E_VOID, 0)},
    {EL("section", ALLOW_BLOCK, 0)},
    {EL("script", DROPPED | E_RAW, 0)},
    {EL("style", DROPPED | E_RAW, 0)},
    {EL("s", E_ALLOW, 0)},
    {EL("samp", E_ALLOW, 0)},
    {EL("select", DROPPED, 0)},
    {EL("slot", 0, 0)},
    {EL("strike", E_ALLOW, 0)},
    {EL("summary", ALLOW_BLOCK, 0)},
    {EL("svg", DROPPED, 0)},
};

static const struct html_elem elems_t[] = {
    {EL("td", E_ALLOW | E_BLOCK, K_CELL)},
    {EL("tr", E_ALLOW | E_BLOCK, K_TR)},
    {EL("th", E_ALLOW | E_BLOCK, K_CELL)},
    {EL("table", ALLOW_BLOCK, K_TABLE)},
    {EL("tbody", E_ALLOW | E_BLOCK, K_TSECT)},
    {EL("thead", E_ALLOW | E_BLOCK, K_TSECT)},
    {EL("time", E_ALLOW, 0)},
    {EL("tt", E_ALLOW, 0)},
    {EL("template", DROPPED, 0)},
    {EL("textarea", DROPPED | E_RAW, 0)},
    {EL("tfoot", E_ALLOW | E_BLOCK, K_TSECT)},
    {EL("title", DROPPED | E_RAW, 0)},
    {EL("track", E_VOID, 0)},
};

static const struct html_elem elems_u[] = {
    {EL("ul", ALLOW_BLOCK, K_LIST)},
    {EL("u", E_ALLOW, 0)},
};

static const struct html_elem elems_v[] = {
    {EL("video", E_ALLOW, 0)},
    {EL("var", E_ALLOW, 0)},
};

static const struct html_elem elems_w[] = {
    {EL("wbr", E_ALLOW | E_VOID, 0)},
};

static const struct html_elem elems_x[] = {
    {EL("xmp", E_RAW | E_BLOCK, 0)},
};

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))
#define BUCKET(a) a, NELEMS(a)

static const struct {
	const struct html_elem *v;
	size_t n;
} elem_buckets[26] = {
    ['a' - 'a'] = {BUCKET(elems_a)},
    ['b' - 'a'] = {BUCKET(elems_b)},
    ['c' - 'a'] = {BUCKET(elems_c)},
    ['d' - 'a'] = {BUCKET(elems_d)},
    ['e' - 'a'] = {BUCKET(elems_e)},
    ['f' - 'a'] = {BUCKET(elems_f)},
    ['h' - 'a'] = {BUCKET(elems_h)},
    ['i' - 'a'] = {BUCKET(elems_i)},
    ['k' - 'a'] = {BUCKET(elems_k)},
    ['l' - 'a'] = {BUCKET(elems_l)},
    ['m' - 'a'] = {BUCKET(elems_m)},
    ['n' - 'a'] = {BUCKET(elems_n)},
    ['o' - 'a'] = {BUCKET(elems_o)},
    ['p' - 'a'] = {BUCKET(elems_p)},
    ['q' - 'a'] = {BUCKET(elems_q)},
    ['r' - 'a'] = {BUCKET(elems_r)},
    ['s' - 'a'] = {BUCKET(elems_s)},
    ['t' - 'a'] = {BUCKET(elems_t)},
    ['u' - 'a'] = {BUCKET(elems_u)},
    ['v' - 'a'] = {BUCKET(elems_v)},
    ['w' - 'a'] = {BUCKET(elems_w)},
    ['x' - 'a'] = {BUCKET(elems_x)},
};

#define AD(name, kind) name, sizeof(name) - 1, kind

/* Attributes the sanitizer keeps, on any kept element; by first letter. */
static const struct html_attr_def attrs_a[] = {
    {AD("abbr", A_TEXT)},
    {AD("align", A_TEXT)},
    {AD("alt", A_TEXT)},
};

static const struct html_attr_def attrs_c[] = {
    {AD("cite", A_URL)},
    {AD("color", A_TEXT)},
    {AD("colspan", A_TEXT)},
    {AD("controls", A_TEXT)},
};

static const struct html_attr_def attrs_d[] = {
    {AD("datetime", A_TEXT)},
    {AD("dir", A_TEXT)},
};

static const struct html_attr_def attrs_f[] = {
    {AD("face", A_TEXT)},
};

static const struct html_attr_def attrs_h[] = {
    {AD("headers", A_TEXT)},
    {AD("height", A_TEXT)},
    {AD("href", A_URL)},
    {AD("hreflang", A_TEXT)},
};

static const struct html_attr_def attrs_l[] = {
    {AD("lang", A_TEXT)},
};

static const struct html_attr_def attrs_m[] = {
    {AD("media", A_TEXT)},
};

static const struct html_attr_def attrs_p[] = {
    {AD("poster", A_URL)},
};

static const struct html_attr_def attrs_r[] = {
    {AD("reversed", A_TEXT)},
    {AD("rowspan", A_TEXT)},
};

static const struct html_attr_def attrs_s[] = {
    {AD("scope", A_TEXT)},
    {AD("size", A_TEXT)},
    {AD("sizes", A_TEXT)},
    {AD("span", A_TEXT)},
    {AD("src", A_URL)},
    {AD("srcset", A_SRCSET)},
    {AD("start", A_TEXT)},
    {AD("summary", A_TEXT)},
};

static const struct html_attr_def attrs_t[] = {
    {AD("title", A_TEXT)},
    {AD("type", A_TEXT)},
};

static const struct html_attr_def attrs_v[] = {
    {AD("valign", A_TEXT)},
    {AD("value", A_TEXT)},
};

static const struct html_attr_def attrs_w[] = {
    {AD("width", A_TEXT)},
};

static const struct {
	const struct html_attr_def *v;
	size_t n;
} attr_buckets[26] = {
    ['a' - 'a'] = {BUCKET(attrs_a)},
    ['c' - 'a'] = {BUCKET(attrs_c)},
    ['d' - 'a'] = {BUCKET(attrs_d)},
    ['f' - 'a'] = {BUCKET(attrs_f)},
    ['h' - 'a'] = {BUCKET(attrs_h)},
    ['l' - 'a'] = {BUCKET(attrs_l)},
    ['m' - 'a'] = {BUCKET(attrs_m)},
    ['p' - 'a'] = {BUCKET(attrs_p)},
    ['r' - 'a'] = {BUCKET(attrs_r)},
    ['s' - 'a'] = {BUCKET(attrs_s)},
    ['t' - 'a'] = {BUCKET(attrs_t)},
    ['v' - 'a'] = {BUCKET(attrs_v)},
    ['w' - 'a'] = {BUCKET(attrs_w)},
};

static bool
is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
is_alnum(unsigned char c)
{
	return is_alpha(c) || (c >= '0' && c <= '9');
}

static unsigned char
to_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/*
 * Some loops read eight bytes at a time, as a word: that needs the first
 * byte in its low bits and a count of trailing zeros.  Without them the
 * byte loops run alone.
 */
#if defined(__GNUC__) && defined(__BYTE_ORDER__) &&                            \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SWAR_LE 1
#else
#define SWAR_LE 0
#endif

#define ONES UINT64_C(0x0101010101010101)
#define HIGH UINT64_C(0x8080808080808080)

static uint64_t
load64(const void *s)
{
	uint64_t w;

	memcpy(&w, s, sizeof(w));
	return w;
}

/* Byte classes of the scanning loops in tags. */
#define C_SPACE 0x01	/* whitespace, which separates attributes */
#define C_NAME_END 0x02 /* ends a tag name: whitespace, '/', '>' */
#define C_ATTR_END 0x04 /* ends an attribute name: those and '=' */
#define C_VAL_END 0x08	/* ends an unquoted value: whitespace, '>' */
#define C_WS (C_SPACE | C_NAME_END | C_ATTR_END | C_VAL_END)

static const unsigned char tag_class[256] = {
    [' '] = C_WS,
    ['\t'] = C_WS,
    ['\n'] = C_WS,
    ['\r'] = C_WS,
    ['\f'] = C_WS,
    ['/'] = C_NAME_END | C_ATTR_END,
    ['>'] = C_NAME_END | C_ATTR_END | C_VAL_END,
    ['='] = C_ATTR_END,
};

/* Skip the bytes at p that are in class c. */
static const char *
skip_class(const char *p, const char *end, unsigned c)
{
	while (p < end && (tag_class[(unsigned char)*p] & c))
		p++;
	return p;
}

/* Skip the bytes at p up to one in class c. */
static const char *
skip_to_class(const char *p, const char *end, unsigned c)
{
	while (p < end && !(tag_class[(unsigned char)*p] & c))
		p++;
	return p;
}

/*
 * The n bytes at name in lower case and padded with NULs, as the tables
 * hold them, so that names compare in one memcmp() of constant size.
 * False when the name is too long to be in a table.  NUL cannot be in a
 * name: the input is cleaned of controls first.
 */
static bool
name_key(const char *name, size_t n, char key[HTML_NAME_SIZE])
{
	size_t i;

	if (n == 0 || n >= HTML_NAME_SIZE)
		return false;
	memset(key, 0, HTML_NAME_SIZE);
	for (i = 0; i < n; i++)
		key[i] = (char)to_lower((unsigned char)name[i]);
	return true;
}

static const struct html_elem *
elem_find(const char key[HTML_NAME_SIZE])
{
	unsigned b = (unsigned char)key[0] - 'a';
	size_t i;

	if (b >= 26)
		return NULL;
	for (i = 0; i < elem_buckets[b].n; i++)
		if (memcmp(elem_buckets[b].v[i].name, key, HTML_NAME_SIZE) == 0)
			return &elem_buckets[b].v[i];
	return NULL;
}

#if SWAR_LE
/*
 * The n bytes at name (1 to 7, with 8 to read) in one word, as a table
 * holds them: lower case, then NULs.  Setting bit 0x20 lowers letters and
 * changes no byte that could match: names are letters and digits, and
 * the bytes 0x10 to 0x19 that turn into digits are controls, which the
 * input no longer holds.
 */
static uint64_t
name_word(const char *name, size_t n)
{
	return (load64(name) | ONES * 0x20) & ((UINT64_C(1) << (8 * n)) - 1);
}

/*
 * Length of the tag name at p when it ends within the 8 bytes there, else
 * 0, with *key its name_word().  It ends at whitespace, which is all the
 * input holds at or below 0x20, or at '/' or '>'.  The lowest byte
 * flagged is exact: a borrow only ever flags a byte above one flagged
 * already.
 */
static size_t
short_tag_name(const char *p, const char *end, uint64_t *key)
{
	uint64_t w, sl, gt, m;
	size_t n;

	if (end - p < 8)
		return 0;
	w = load64(p);
	sl = w ^ (ONES * '/');
	gt = w ^ (ONES * '>');
	m = (((w - ONES * 0x21) & ~w) | ((sl - ONES) & ~sl) |
		((gt - ONES) & ~gt)) &
	    HIGH;
	if (m == 0)
		return 0;
	n = (size_t)__builtin_ctzll(m) / 8;
	*key = (w | ONES * 0x20) & ((UINT64_C(1) << (8 * n)) - 1);
	return n;
}

/* elem_find() for a name_word(): one compare of 8 bytes per entry. */
static const struct html_elem *
elem_find_word(uint64_t key)
{
	unsigned b = (unsigned)(key & 0xff) - 'a';
	size_t i;

	if (b >= 26)
		return NULL;
	for (i = 0; i < elem_buckets[b].n; i++)
		if (load64(elem_buckets[b].v[i].name) == key)
			return &elem_buckets[b].v[i];
	return NULL;
}
#endif

const struct html_elem *
html_tok_elem(const char *name, size_t n)
{
	char key[HTML_NAME_SIZE];

	return name_key(name, n, key) ? elem_find(key) : NULL;
}

/* The attribute named by the n bytes at name, which end before end. */
static const struct html_attr_def *
attr_lookup(const char *name, size_t n, const char *end)
{
	char key[HTML_NAME_SIZE];
	unsigned b;
	size_t i;

#if SWAR_LE
	if (n < 8 && end - name >= 8) {
		uint64_t w = name_word(name, n);

		if ((b = (unsigned)(w & 0xff) - 'a') >= 26)
			return NULL;
		for (i = 0; i < attr_buckets[b].n; i++)
			if (load64(attr_buckets[b].v[i].name) == w)
				return &attr_buckets[b].v[i];
		return NULL;
	}
#else
	(void)end;
#endif
	if (!name_key(name, n, key) || (b = (unsigned char)key[0] - 'a') >= 26)
		return NULL;
	for (i = 0; i < attr_buckets[b].n; i++)
		if (memcmp(attr_buckets[b].v[i].name, key, HTML_NAME_SIZE) == 0)
			return &attr_buckets[b].v[i];
	return NULL;
}

/* Bytes of the UTF-8 sequence at s, or 0 when it is not well-formed. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];

	if (c >= 0xc2 && c <= 0xdf)
		return n >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (n < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] >= 0xa0))
			return 0;
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (n < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] >= 0x90))
			return 0;
		return 4;
	}
	return 0;
}

/*
 * Bytes of a broken sequence at s to replace with one U+FFFD: the lead
 * byte and as many continuation bytes as could still have been valid, as
 * the WHATWG decoder does.
 */
static size_t
utf8_bad_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t need, i;

	if (c >= 0xc2 && c <= 0xdf) {
		need = 1;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 2;
		lo = c == 0xe0 ? 0xa0 : lo;
		hi = c == 0xed ? 0x9f : hi;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 3;
		lo = c == 0xf0 ? 0x90 : lo;
		hi = c == 0xf4 ? 0x8f : hi;
	} else {
		return 1;
	}
	for (i = 1; i <= need && i < n && s[i] >= lo && s[i] <= hi; i++) {
		lo = 0x80;
		hi = 0xbf;
	}
	return i;
}

static size_t
utf8_put(unsigned long c, char *out)
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xc0 | (c >> 6));
		out[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (char)(0xe0 | (c >> 12));
		out[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		out[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (c >> 18));
	out[1] = (char)(0x80 | ((c >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((c >> 6) & 0x3f));
	out[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

static bool
is_clean_ascii(unsigned char c)
{
	return (c >= 0x20 && c < 0x7f) || c == '\t' || c == '\n' || c == '\r';
}

#ifndef __SSE2__
/*
 * The bytes among the 8 at s that are not printable ASCII, as the high
 * bit of each: set for a high bit, for one below 0x20 (the subtraction
 * borrows) and for DEL (the addition carries).  A borrow or a carry only
 * ever flags a byte above one already flagged, so the lowest flag is
 * exact.
 */
static uint64_t
word_unplain(const unsigned char *s)
{
	uint64_t w = load64(s);

	return (w | (w - ONES * 0x20) | (w + ONES)) & HIGH;
}

/* Index of the first byte flagged in m, a non-zero word_unplain(s). */
static size_t
first_unplain(uint64_t m, const unsigned char *s)
{
#if SWAR_LE
	(void)s;
	return (size_t)__builtin_ctzll(m) / 8;
#else
	size_t i = 0;

	(void)m;
	while (s[i] >= 0x20 && s[i] < 0x7f)
		i++;
	return i;
#endif
}
#endif

#ifdef __SSE2__
/*
 * Bit k set when byte k of the 16 at s is not printable ASCII, tab, LF or
 * CR.  The signed comparison catches the bytes from 0x80 up too; tab, LF
 * and CR are only looked for when there is a control at all.
 */
static unsigned
unclean16(const unsigned char *s)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
	__m128i bad = _mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)),
	    _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f)));
	__m128i ok;

	if (_mm_movemask_epi8(bad) == 0)
		return 0;
	ok = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\t')),
	    _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\n')),
		_mm_cmpeq_epi8(v, _mm_set1_epi8('\r'))));
	return (unsigned)_mm_movemask_epi8(_mm_andnot_si128(ok, bad));
}
#endif

/*
 * Bytes at the start of s[0..n) that are plain ASCII, sixteen at a time
 * with SSE2 (tab, LF and CR included), else eight at a time.
 */
static size_t
ascii_prefix(const unsigned char *s, size_t n)
{
	size_t i = 0;

#ifdef __SSE2__
	unsigned m;

	for (; n - i >= 16; i += 16)
		if ((m = unclean16(s + i)) != 0)
			return i + (size_t)__builtin_ctz(m);
	/* The tail, in 16 bytes that overlap ones known to be plain. */
	if (n >= 16) {
		m = unclean16(s + n - 16);
		return m == 0 ? n : n - 16 + (size_t)__builtin_ctz(m);
	}
#else
	for (; n - i >= 8; i += 8) {
		uint64_t m = word_unplain(s + i);

		if (m != 0)
			return i + first_unplain(m, s + i);
	}
#endif
	while (i < n && s[i] >= 0x20 && s[i] < 0x7f)
		i++;
	return i;
}

/* Bytes at the start of s[0..len) that need no repair. */
static size_t
clean_prefix(const unsigned char *u, size_t len)
{
	size_t i = 0, k;

	while (i < len) {
		if ((i += ascii_prefix(u + i, len - i)) == len)
			break;
		if (is_clean_ascii(u[i]))
			i++;
		else if (u[i] >= 0x80 && (k = utf8_len(u + i, len - i)) > 0)
			i += k;
		else
			break;
	}
	return i;
}

const char *
html_tok_clean(const char *s, size_t len, size_t *outlen, char **copy)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i, k, n;
	char *out;

	*copy = NULL;
	*outlen = len;
	if ((i = clean_prefix(u, len)) == len)
		return s;
	out = xmalloc(i + (len - i) * 3 + 1);
	memcpy(out, s, i);
	n = i;
	while (i < len) {
		if (is_clean_ascii(u[i])) {
			out[n++] = s[i++];
		} else if (u[i] < 0x80) {
			out[n++] = ' ';
			i++;
		} else if ((k = utf8_len(u + i, len - i)) > 0) {
			memcpy(out + n, s + i, k);
			n += k;
			i += k;
		} else {
			n += utf8_put(0xfffd, out + n);
			i += utf8_bad_len(u + i, len - i);
		}
	}
	out[n] = '\0';
	*copy = out;
	*outlen = n;
	return out;
}

/*
 * What a numeric character reference stands for (WHATWG 13.2.5.80):
 * 0x80-0x9F are read as windows-1252, as every browser does for the
 * documents that were written that way.  Code points that are not
 * characters, and controls an XML document could not carry, become U+FFFD.
 */
static unsigned long
numeric_ref_fix(unsigned long v)
{
	static const unsigned short cp1252[32] = {0x20ac, 0, 0x201a, 0x0192,
	    0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039,
	    0x0152, 0, 0x017d, 0, 0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022,
	    0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e,
	    0x0178};

	if (v >= 0x80 && v <= 0x9f)
		return cp1252[v - 0x80] != 0 ? cp1252[v - 0x80] : 0xfffd;
	if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff) ||
	    (v & 0xfffe) == 0xfffe || v == 0x7f)
		return 0xfffd;
	if (v < 0x20 && v != '\t' && v != '\n' && v != '\r')
		return 0xfffd;
	return v;
}

/* Look a named reference up; 0 when there is no such entity. */
static unsigned long
entity_value(const char *name, size_t n)
{
	/* The most frequent ones first: libxml2's table is a linear list. */
	static const struct {
		const char *name;
		size_t len;
		unsigned long c;
	} common[] = {{"amp", 3, '&'}, {"lt", 2, '<'}, {"gt", 2, '>'},
	    {"quot", 4, '"'}, {"nbsp", 4, 0xa0}, {"rsquo", 5, 0x2019},
	    {"ldquo", 5, 0x201c}, {"rdquo", 5, 0x201d}, {"mdash", 5, 0x2014},
	    {"hellip", 6, 0x2026}};
	const htmlEntityDesc *e;
	char buf[16];
	size_t i;

	for (i = 0; i < NELEMS(common); i++)
		if (common[i].len == n && memcmp(common[i].name, name, n) == 0)
			return common[i].c;
	if (n >= sizeof(buf))
		return 0;
	memcpy(buf, name, n);
	buf[n] = '\0';
	e = htmlEntityLookup((const xmlChar *)buf);
	return e != NULL ? e->value : 0;
}

/*
 * Named references need the ';' except the four that HTML has always
 * accepted bare; in an attribute those stay literal before '=' or an
 * alphanumeric, so that the "&lt=1" of a query string survives.  No
 * reference is shorter than its text (the decoding of values relies on
 * it): a numeric one needs 5 digits for a 4-byte character, and libxml2
 * has no named one past U+FFFF nor one of less than 2 letters.
 */
size_t
html_tok_charref(const char *p, const char *end, bool in_attr, char out[4],
    size_t *outlen, bool *semi)
{
	const char *q = p + 1;
	unsigned long v = 0;
	size_t n = 0;

	*semi = false;
	if (q < end && *q == '#') {
		bool hex = q + 1 < end && (q[1] == 'x' || q[1] == 'X');

		for (q += hex ? 2 : 1; q < end; q++, n++) {
			unsigned char c = to_lower((unsigned char)*q);
			unsigned d;

			if (c >= '0' && c <= '9')
				d = c - '0';
			else if (hex && c >= 'a' && c <= 'f')
				d = c - 'a' + 10;
			else
				break;
			if (v <= 0x10ffff)
				v = v * (hex ? 16 : 10) + d;
		}
		if (n == 0)
			return 0;
		if (q < end && *q == ';') {
			*semi = true;
			q++;
		}
		*outlen = utf8_put(numeric_ref_fix(v), out);
		return (size_t)(q - p);
	}
	while (
	    q + n < end && n <= REF_NAME_MAX && is_alnum((unsigned char)q[n]))
		n++;
	if (n == 0 || n > REF_NAME_MAX)
		return 0;
	if (q + n < end && q[n] == ';') {
		if ((v = entity_value(q, n)) == 0 || v > 0xffff)
			return 0;
		*semi = true;
		*outlen = utf8_put(v, out);
		return n + 2;
	}
	if (in_attr && q + n < end && q[n] == '=')
		return 0;
	if ((n == 2 && (memcmp(q, "lt", 2) == 0 || memcmp(q, "gt", 2) == 0)) ||
	    (n == 3 && memcmp(q, "amp", 3) == 0) ||
	    (n == 4 && memcmp(q, "quot", 4) == 0)) {
		*outlen = utf8_put(entity_value(q, n), out);
		return n + 1;
	}
	return 0;
}

size_t
html_tok_value(const char *val, size_t vlen, char *out)
{
	const char *end = val + vlen, *amp;
	size_t n = 0, k, clen;
	bool semi;

	while ((amp = memchr(val, '&', (size_t)(end - val))) != NULL) {
		memcpy(out + n, val, (size_t)(amp - val));
		n += (size_t)(amp - val);
		if ((k = html_tok_charref(amp, end, true, out + n, &clen,
			 &semi)) > 0) {
			n += clen;
			val = amp + k;
		} else {
			out[n++] = '&';
			val = amp + 1;
		}
	}
	memcpy(out + n, val, (size_t)(end - val));
	return n + (size_t)(end - val);
}

void
html_tok_init(struct html_tok *t, const char *s, size_t len,
    unsigned attr_flags, size_t attr_max)
{
	t->start = t->p = s;
	t->end = s + len;
	t->attr_flags = attr_flags;
	t->attr_max = attr_max;
	t->raw = NULL;
	t->open_comment = false;
	t->text = NULL;
	t->textlen = 0;
	t->elem = NULL;
	t->endtag = false;
	t->selfclose = false;
	t->nattrs = 0;
}

/*
 * Keep an attribute if it is on the allowlist and the first of its name,
 * as browsers keep the first of duplicates.
 */
static void
tok_keep_attr(struct html_tok *t, const char *name, size_t n, const char *val,
    size_t vlen)
{
	const struct html_attr_def *a = attr_lookup(name, n, t->end);
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < t->nattrs; i++)
		if (t->attrs[i].def == a)
			return;
	t->attrs[t->nattrs].def = a;
	t->attrs[t->nattrs].val = val;
	t->attrs[t->nattrs].vlen = vlen;
	t->nattrs++;
}

/*
 * Read the attributes of a tag (WHATWG 13.2.5.32 to 13.2.5.42) from p up
 * to and including its '>'.  Returns NULL when the input ends first: the
 * tag is then dropped, as a browser drops it.  Of the attributes, only the
 * first TAG_ATTRS_MAX with a name of at most TAG_NAME_MAX bytes (no
 * allowlisted name is longer) and a value of at most attr_max count.
 */
static const char *
tok_attrs(struct html_tok *t, const char *p, bool keep)
{
	const char *end = t->end;
	size_t counted = 0;

	for (;;) {
		const char *name, *nend, *val, *vend;

		p = skip_class(p, end, C_SPACE);
		if (p == end)
			return NULL;
		if (*p == '>')
			return p + 1;
		if (*p == '/') {
			if (p + 1 < end && p[1] == '>') {
				t->selfclose = true;
				return p + 2;
			}
			p++;
			continue;
		}
		name = p;
		nend = p = skip_to_class(p + 1, end, C_ATTR_END);
		val = vend = p; /* no value: an empty one */
		p = skip_class(p, end, C_SPACE);
		if (p < end && *p == '=') {
			p = skip_class(p + 1, end, C_SPACE);
			if (p == end)
				return NULL;
			if (*p == '"' || *p == '\'') {
				val = p + 1;
				vend = memchr(val, *p, (size_t)(end - val));
				if (vend == NULL)
					return NULL;
				p = vend + 1;
			} else {
				val = p;
				vend = p = skip_to_class(p, end, C_VAL_END);
			}
		}
		if (!keep || counted == TAG_ATTRS_MAX ||
		    (size_t)(nend - name) > TAG_NAME_MAX ||
		    (size_t)(vend - val) > t->attr_max)
			continue;
		counted++;
		tok_keep_attr(t, name, (size_t)(nend - name), val,
		    (size_t)(vend - val));
	}
}

static enum html_tok_type
tok_text(struct html_tok *t, const char *p, size_t n, const char *next)
{
	t->text = p;
	t->textlen = n;
	t->p = next;
	return HTML_TOK_TEXT;
}

/* Read the tag name at *p, and return its element. */
static const struct html_elem *
tag_name(const char **pp, const char *end)
{
	const char *p = *pp;
	char key[HTML_NAME_SIZE];
	size_t n;

#if SWAR_LE
	uint64_t w;

	if ((n = short_tag_name(p, end, &w)) > 0) {
		*pp = p + n;
		return elem_find_word(w);
	}
#endif
	/* Lower-case the name as it is read; a longer one is no element. */
	memset(key, 0, sizeof(key));
	n = 0;
	for (; p < end && !(tag_class[(unsigned char)*p] & C_NAME_END); p++)
		if (n < HTML_NAME_SIZE)
			key[n++] = (char)to_lower((unsigned char)*p);
	*pp = p;
	return n < HTML_NAME_SIZE ? elem_find(key) : NULL;
}

/* A start or end tag at lt, whose name starts at p. */
static enum html_tok_type
tok_tag(struct html_tok *t, const char *lt, const char *p, bool endtag)
{
	const char *end = t->end;
	bool keep;

	t->endtag = endtag;
	t->selfclose = false;
	t->nattrs = 0;
	t->elem = tag_name(&p, end);
	keep = !endtag && t->elem != NULL && (t->elem->flags & t->attr_flags);
	if ((p = tok_attrs(t, p, keep)) == NULL) {
		/*
		 * The input ends inside the tag.  Browsers drop it, which
		 * suits content cut short in "<img src=...", but plain text
		 * such as "if x<y" reads better kept: keep it when the name
		 * is no element's.
		 */
		if (t->elem == NULL)
			return tok_text(t, lt, (size_t)(end - lt), end);
		t->p = end;
		return HTML_TOK_EOF;
	}
	t->p = p;
	if (!endtag && !t->selfclose && t->elem != NULL &&
	    (t->elem->flags & E_RAW))
		t->raw = t->elem;
	return HTML_TOK_TAG;
}

/*
 * The content of a raw-text element: everything up to its end tag, which
 * is "</name" followed by space, '/' or '>' in any case.  <plaintext> has
 * no end tag at all.
 */
static void
tok_raw(struct html_tok *t)
{
	const char *p = t->p, *end = t->end, *name = t->raw->name;
	size_t n = t->raw->len;

	t->text = p;
	if (n != 9 || memcmp(name, "plaintext", 9) != 0) {
		while ((p = memchr(p, '<', (size_t)(end - p))) != NULL) {
			if ((size_t)(end - p) > n + 2 && p[1] == '/' &&
			    strncasecmp(p + 2, name, n) == 0 &&
			    (tag_class[(unsigned char)p[n + 2]] & C_NAME_END))
				break;
			p++;
		}
	}
	if (p == NULL)
		p = end;
	t->textlen = (size_t)(p - t->text);
	t->p = p;
	t->raw = NULL;
}

/* A bogus comment (<?...>, <!...>, </ ...>) ends at the first '>'. */
static const char *
bogus_end(const char *p, const char *end)
{
	const char *q = memchr(p, '>', (size_t)(end - p));

	return q != NULL ? q + 1 : end;
}

/* Where a comment that starts at p (after "<!--") ends. */
static const char *
comment_end(struct html_tok *t, const char *p)
{
	const char *q = p, *end = t->end;

	/* "<!-->" and "<!--->" are whole, empty comments. */
	if (q < end && *q == '>')
		return q + 1;
	if (q + 1 < end && q[0] == '-' && q[1] == '>')
		return q + 2;
	while (!t->open_comment &&
	       (q = memchr(q, '>', (size_t)(end - q))) != NULL) {
		if (q - p >= 2 && q[-1] == '-' && q[-2] == '-')
			return q + 1;
		if (q - p >= 3 && q[-1] == '!' && q[-2] == '-' && q[-3] == '-')
			return q + 1;
		q++;
	}
	/*
	 * Unterminated.  Browsers hide everything to the end; an old SGML
	 * reading ends "<!-- -- x >" at the '>', and losing less of a feed
	 * entry is worth more here than matching the browser.  No later
	 * comment can end either: remember, not to search again.
	 */
	t->open_comment = true;
	return bogus_end(p, end);
}

/*
 * Markup after "<!": a comment, CDATA or a bogus comment.  Returns true
 * when it made a text token, false when it only skipped.
 */
static bool
tok_bang(struct html_tok *t, const char *p)
{
	const char *end = t->end, *q;

	if (end - p >= 2 && p[0] == '-' && p[1] == '-') {
		t->p = comment_end(t, p + 2);
		return false;
	}
	/*
	 * HTML reads CDATA as a bogus comment, but in a feed it is a
	 * double-wrapped field whose author meant the text: keep it, as
	 * text.
	 */
	if (end - p >= 7 && memcmp(p, "[CDATA[", 7) == 0) {
		p += 7;
		for (q = p; (q = memchr(q, ']', (size_t)(end - q))) != NULL;
		     q++)
			if (end - q >= 3 && q[1] == ']' && q[2] == '>')
				break;
		if (q == NULL)
			q = end;
		tok_text(t, p, (size_t)(q - p), q == end ? end : q + 3);
		return true;
	}
	t->p = bogus_end(p, end);
	return false;
}

#ifdef __SSE2__
/* Bit k set when byte k of the 16 at p is '<' or '&'. */
static unsigned
markup16(const char *p)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);

	return (unsigned)_mm_movemask_epi8(
	    _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('<')),
		_mm_cmpeq_epi8(v, _mm_set1_epi8('&'))));
}
#endif

/*
 * The first '<' or '&' at or after p, or end: sixteen bytes at a time with
 * SSE2, the last sixteen in a load that may start before p (but not
 * before start, the input's); else eight bytes at a time.  A text run
 * between tags is short, and one pass looking for both beats two calls
 * of memchr().
 */
static const char *
markup_next(const char *p, const char *end, const char *start)
{
#ifdef __SSE2__
	unsigned m;

	for (; end - p >= 16; p += 16)
		if ((m = markup16(p)) != 0)
			return p + __builtin_ctz(m);
	if (p < end && end - start >= 16) {
		m = markup16(end - 16) >> (16 - (end - p));
		return m != 0 ? p + __builtin_ctz(m) : end;
	}
#else
	(void)start;
	for (; end - p >= 8; p += 8) {
		uint64_t lt = load64(p) ^ (ONES * '<'),
			 amp = load64(p) ^ (ONES * '&');

		if ((((lt - ONES) & ~lt) | ((amp - ONES) & ~amp)) & HIGH)
			break;
	}
#endif
	while (p < end && *p != '<' && *p != '&')
		p++;
	return p;
}

/* A run of text from p to the next '<' or '&'. */
static enum html_tok_type
tok_run(struct html_tok *t, const char *p)
{
	const char *q = markup_next(p, t->end, t->start);

	return tok_text(t, p, (size_t)(q - p), q);
}

enum html_tok_type
html_tok_next(struct html_tok *t)
{
	const char *p, *end = t->end;
	size_t n;
	bool semi, endtag;

	if (t->raw != NULL) {
		tok_raw(t);
		if (t->textlen > 0)
			return HTML_TOK_TEXT;
	}
	while ((p = t->p) < end) {
		if (*p == '&') {
			if ((n = html_tok_charref(p, end, false, t->cbuf,
				 &t->textlen, &semi)) == 0)
				return tok_text(t, p, 1, p + 1);
			return tok_text(t, t->cbuf, t->textlen, p + n);
		}
		if (*p != '<')
			return tok_run(t, p);
		if (end - p < 2)
			return tok_text(t, p, 1, p + 1);
		endtag = p[1] == '/';
		if (end - p > 1 + endtag &&
		    is_alpha((unsigned char)p[1 + endtag]))
			return tok_tag(t, p, p + 1 + endtag, endtag);
		if (endtag) {
			if (end - p < 3)
				return tok_text(t, p, 2, p + 2);
			t->p = bogus_end(p + 2, end);
		} else if (p[1] == '!') {
			if (tok_bang(t, p + 2))
				return HTML_TOK_TEXT;
		} else if (p[1] == '?') {
			t->p = bogus_end(p + 2, end);
		} else {
			return tok_text(t, p, 1, p + 1);
		}
	}
	return HTML_TOK_EOF;
}
