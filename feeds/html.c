/* SPDX-License-Identifier: MIT */
/* HTML fragments to plain text, and the allowlist sanitizer for content. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>

#include "common.h"
#include "feeds.h"

/*
 * Both jobs run on one small streaming tokenizer that follows the WHATWG
 * tokenizer where it matters (tag and attribute syntax, comments, raw-text
 * elements, character references) and builds no tree.  Named references
 * come from libxml2's table (htmlEntityLookup); nothing else of libxml2 is
 * used.
 *
 * libxml2's HTML parser was tried first and rejected.  In 2.9.14 its push
 * parser silently stops after the first top-level block of many real
 * entries (3,574 characters of one corpus entry came out as 388), and its
 * memory parser, bare SAX callbacks and all, reads about 90 MB/s: the
 * content of the 37 MB corpus alone would then take longer than sfeed
 * takes to parse the whole corpus.  It also invents <p> wrappers around
 * top-level text even with HTML_PARSE_NOIMPLIED, and applies HTML 4
 * auto-closing rules that are not the ones browsers use.  This tokenizer
 * runs three to four times as fast on the same content.
 *
 * Where feeds and browsers part ways, the feed wins when that loses less
 * text: a self-closed "<p/>" is empty (serialized XHTML), an unterminated
 * comment ends at the next '>', a tag cut short by the end of the input is
 * text unless its name is an element's, and CDATA is text.
 *
 * The sanitizer is safe by construction rather than by filtering: its
 * output is written from scratch, so every '<' in it starts a tag from the
 * allowlist, every attribute is from the allowlist and double-quoted with
 * its value escaped, and all text is escaped.  The tokenizer only decides
 * what the input meant; if it misreads hostile markup, the worst outcome is
 * lost or extra text, never live markup.  Invariants:
 * - input is first made valid UTF-8 without control characters other
 *   than tab, LF and CR, so output built from it is too;
 * - open elements are tracked on a fixed stack of SAN_DEPTH_MAX; deeper
 *   ones are unwrapped, and nothing recurses;
 * - room for the end tags of open elements is set aside as they open, so
 *   output cut at max still closes everything it opened.
 */

#define TAG_NAME_MAX 15	  /* longer names are unknown elements */
#define TAG_ATTRS_MAX 32  /* attributes past this are ignored */
#define SAN_DEPTH_MAX 256 /* deeper elements are unwrapped */
#define REF_NAME_MAX 15	  /* longer names are no entity's */

/* Element flags. */
#define E_ALLOW (1u << 0)  /* the sanitizer keeps it */
#define E_DROP (1u << 1)   /* the sanitizer drops it with its content */
#define E_TDROP (1u << 2)  /* text extraction drops it with its content */
#define E_VOID (1u << 3)   /* has no content and no end tag */
#define E_RAW (1u << 4)	   /* content is raw text, not markup */
#define E_BLOCK (1u << 5)  /* separates words in text extraction */
#define E_CLOSEP (1u << 6) /* its start tag closes an open <p> */

/* Element kinds, for closing elements whose end tags are implied. */
#define K_P (1u << 0)
#define K_LI (1u << 1)
#define K_DDT (1u << 2)
#define K_CELL (1u << 3)
#define K_TR (1u << 4)
#define K_TSECT (1u << 5)
#define K_TABLE (1u << 6)
#define K_A (1u << 7)
#define K_HEADING (1u << 8)
#define K_LIST (1u << 9)
#define K_DL (1u << 10)
#define K_CAPTION (1u << 11)

struct elem {
	const char *name;
	unsigned flags;
	unsigned kind;
};

#define ALLOW_BLOCK (E_ALLOW | E_BLOCK | E_CLOSEP)
#define DROPPED (E_DROP | E_TDROP)

/* Every HTML element, sorted by name; unknown names are unwrapped. */
static const struct elem elems[] = {
    {"a", E_ALLOW, K_A},
    {"abbr", E_ALLOW, 0},
    {"acronym", E_ALLOW, 0},
    {"address", ALLOW_BLOCK, 0},
    {"applet", DROPPED, 0},
    {"area", E_VOID, 0},
    {"article", ALLOW_BLOCK, 0},
    {"aside", ALLOW_BLOCK, 0},
    {"audio", E_ALLOW, 0},
    {"b", E_ALLOW, 0},
    {"base", DROPPED | E_VOID, 0},
    {"basefont", E_VOID, 0},
    {"bdi", E_ALLOW, 0},
    {"bdo", E_ALLOW, 0},
    {"big", E_ALLOW, 0},
    {"blink", 0, 0},
    {"blockquote", ALLOW_BLOCK, 0},
    {"body", E_BLOCK, 0},
    {"br", E_ALLOW | E_VOID | E_BLOCK, 0},
    {"button", DROPPED, 0},
    {"canvas", 0, 0},
    {"caption", E_ALLOW | E_BLOCK, K_CAPTION},
    {"center", ALLOW_BLOCK, 0},
    {"cite", E_ALLOW, 0},
    {"code", E_ALLOW, 0},
    {"col", E_ALLOW | E_VOID, 0},
    {"colgroup", E_ALLOW, 0},
    {"data", 0, 0},
    {"datalist", DROPPED, 0},
    {"dd", ALLOW_BLOCK, K_DDT},
    {"del", E_ALLOW, 0},
    {"details", ALLOW_BLOCK, 0},
    {"dfn", E_ALLOW, 0},
    {"dialog", E_BLOCK, 0},
    {"dir", E_BLOCK, 0},
    {"div", ALLOW_BLOCK, 0},
    {"dl", ALLOW_BLOCK, K_DL},
    {"dt", ALLOW_BLOCK, K_DDT},
    {"em", E_ALLOW, 0},
    {"embed", DROPPED | E_VOID, 0},
    {"fieldset", E_BLOCK, 0},
    {"figcaption", ALLOW_BLOCK, 0},
    {"figure", ALLOW_BLOCK, 0},
    {"font", E_ALLOW, 0},
    {"footer", ALLOW_BLOCK, 0},
    {"form", E_BLOCK, 0},
    {"frame", DROPPED | E_VOID, 0},
    {"frameset", DROPPED, 0},
    {"h1", ALLOW_BLOCK, K_HEADING},
    {"h2", ALLOW_BLOCK, K_HEADING},
    {"h3", ALLOW_BLOCK, K_HEADING},
    {"h4", ALLOW_BLOCK, K_HEADING},
    {"h5", ALLOW_BLOCK, K_HEADING},
    {"h6", ALLOW_BLOCK, K_HEADING},
    {"head", E_BLOCK, 0},
    {"header", ALLOW_BLOCK, 0},
    {"hgroup", E_BLOCK, 0},
    {"hr", ALLOW_BLOCK | E_VOID, 0},
    {"html", E_BLOCK, 0},
    {"i", E_ALLOW, 0},
    {"iframe", DROPPED | E_RAW, 0},
    {"img", E_ALLOW | E_VOID, 0},
    {"input", DROPPED | E_VOID, 0},
    {"ins", E_ALLOW, 0},
    {"kbd", E_ALLOW, 0},
    {"keygen", DROPPED | E_VOID, 0},
    {"label", 0, 0},
    {"legend", E_BLOCK, 0},
    {"li", ALLOW_BLOCK, K_LI},
    {"link", DROPPED | E_VOID, 0},
    {"main", E_BLOCK, 0},
    {"map", 0, 0},
    {"mark", E_ALLOW, 0},
    {"marquee", 0, 0},
    {"math", DROPPED, 0},
    {"menu", E_BLOCK, 0},
    {"meta", DROPPED | E_VOID, 0},
    {"meter", 0, 0},
    {"nav", E_BLOCK, 0},
    {"nobr", 0, 0},
    {"noembed", DROPPED | E_RAW, 0},
    {"noframes", DROPPED | E_RAW, 0},
    /*
     * What a reader without scripts shows: often the real <img> of a
     * lazy-loading page, or the code of an embedded gist.
     */
    {"noscript", 0, 0},
    /* Its content is the fallback a browser shows without the plugin. */
    {"object", 0, 0},
    {"ol", ALLOW_BLOCK, K_LIST},
    {"optgroup", DROPPED, 0},
    {"option", DROPPED, 0},
    {"output", 0, 0},
    {"p", ALLOW_BLOCK, K_P},
    {"param", DROPPED | E_VOID, 0},
    {"picture", E_ALLOW, 0},
    {"plaintext", E_RAW | E_BLOCK, 0},
    {"portal", DROPPED, 0},
    {"pre", ALLOW_BLOCK, 0},
    {"progress", 0, 0},
    {"q", E_ALLOW, 0},
    {"rb", 0, 0},
    {"rp", E_ALLOW, 0},
    {"rt", E_ALLOW, 0},
    {"ruby", E_ALLOW, 0},
    {"s", E_ALLOW, 0},
    {"samp", E_ALLOW, 0},
    {"script", DROPPED | E_RAW, 0},
    {"section", ALLOW_BLOCK, 0},
    {"select", DROPPED, 0},
    {"slot", 0, 0},
    {"small", E_ALLOW, 0},
    {"source", E_ALLOW | E_VOID, 0},
    {"span", E_ALLOW, 0},
    {"strike", E_ALLOW, 0},
    {"strong", E_ALLOW, 0},
    {"style", DROPPED | E_RAW, 0},
    {"sub", E_ALLOW, 0},
    {"summary", ALLOW_BLOCK, 0},
    {"sup", E_ALLOW, 0},
    {"svg", DROPPED, 0},
    {"table", ALLOW_BLOCK, K_TABLE},
    {"tbody", E_ALLOW | E_BLOCK, K_TSECT},
    {"td", E_ALLOW | E_BLOCK, K_CELL},
    {"template", DROPPED, 0},
    {"textarea", DROPPED | E_RAW, 0},
    {"tfoot", E_ALLOW | E_BLOCK, K_TSECT},
    {"th", E_ALLOW | E_BLOCK, K_CELL},
    {"thead", E_ALLOW | E_BLOCK, K_TSECT},
    {"time", E_ALLOW, 0},
    {"title", DROPPED | E_RAW, 0},
    {"tr", E_ALLOW | E_BLOCK, K_TR},
    {"track", E_VOID, 0},
    {"tt", E_ALLOW, 0},
    {"u", E_ALLOW, 0},
    {"ul", ALLOW_BLOCK, K_LIST},
    {"var", E_ALLOW, 0},
    {"video", E_ALLOW, 0},
    {"wbr", E_ALLOW | E_VOID, 0},
    {"xmp", E_RAW | E_BLOCK, 0},
};

/* Attribute kinds. */
enum attr_kind { A_TEXT, A_URL, A_SRCSET };

struct attr_def {
	const char *name;
	enum attr_kind kind;
};

/* Attributes the sanitizer keeps, on any kept element; sorted. */
static const struct attr_def attr_defs[] = {
    {"abbr", A_TEXT},
    {"align", A_TEXT},
    {"alt", A_TEXT},
    {"cite", A_URL},
    {"color", A_TEXT},
    {"colspan", A_TEXT},
    {"controls", A_TEXT},
    {"datetime", A_TEXT},
    {"dir", A_TEXT},
    {"face", A_TEXT},
    {"headers", A_TEXT},
    {"height", A_TEXT},
    {"href", A_URL},
    {"hreflang", A_TEXT},
    {"lang", A_TEXT},
    {"media", A_TEXT},
    {"poster", A_URL},
    {"reversed", A_TEXT},
    {"rowspan", A_TEXT},
    {"scope", A_TEXT},
    {"size", A_TEXT},
    {"sizes", A_TEXT},
    {"span", A_TEXT},
    {"src", A_URL},
    {"srcset", A_SRCSET},
    {"start", A_TEXT},
    {"summary", A_TEXT},
    {"title", A_TEXT},
    {"type", A_TEXT},
    {"valign", A_TEXT},
    {"value", A_TEXT},
    {"width", A_TEXT},
};

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

static const struct elem *
elem_lookup(const char *name)
{
	size_t lo = 0, hi = NELEMS(elems);

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const char *e = elems[mid].name;
		int c = ((unsigned char)name[0] << 8 | (unsigned char)name[1]) -
			((unsigned char)e[0] << 8 | (unsigned char)e[1]);

		/* Most probes end on the first two letters: spare the call. */
		if (c == 0 && name[0] != '\0' && name[1] != '\0')
			c = strcmp(name + 2, e + 2);

		if (c == 0)
			return &elems[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static int
attr_lookup(const char *name)
{
	size_t lo = 0, hi = NELEMS(attr_defs);

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(name, attr_defs[mid].name);

		if (c == 0)
			return (int)mid;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

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

/* HTML's ASCII whitespace, which separates attributes. */
static bool
is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
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

/* Length of s[0..n) cut back to a UTF-8 character boundary. */
static size_t
utf8_cut(const char *s, size_t n)
{
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
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

/*
 * True when the 8 bytes at s are all printable ASCII: no high bit, none
 * below 0x20 (the subtraction borrows) and no DEL (the addition carries).
 * Carries and borrows between bytes only ever give false negatives.
 */
static bool
word_is_plain(const unsigned char *s)
{
	const uint64_t high = 0x8080808080808080ull;
	uint64_t w;

	memcpy(&w, s, sizeof(w));
	return ((w | (w - 0x2020202020202020ull) |
		    (w + 0x0101010101010101ull)) &
		   high) == 0;
}

/*
 * Return the input as valid UTF-8 without control characters other than
 * tab, LF and CR: s itself when it already is, else a repaired copy left
 * in *copy for the caller to free.  Controls become spaces (an XML
 * document cannot carry them); broken sequences become U+FFFD.
 */
static const char *
clean_input(const char *s, size_t len, size_t *outlen, char **copy)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, k, n;
	char *out;

	*copy = NULL;
	*outlen = len;
	while (i < len) {
		if (len - i >= 8 && word_is_plain(u + i))
			i += 8;
		else if (is_clean_ascii(u[i]))
			i++;
		else if (u[i] >= 0x80 && (k = utf8_len(u + i, len - i)) > 0)
			i += k;
		else
			break;
	}
	if (i == len)
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
		unsigned long c;
	} common[] = {{"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'},
	    {"nbsp", 0xa0}, {"rsquo", 0x2019}, {"ldquo", 0x201c},
	    {"rdquo", 0x201d}, {"mdash", 0x2014}, {"hellip", 0x2026}};
	const htmlEntityDesc *e;
	char buf[16];
	size_t i;

	for (i = 0; i < NELEMS(common); i++)
		if (strlen(common[i].name) == n &&
		    memcmp(common[i].name, name, n) == 0)
			return common[i].c;
	if (n >= sizeof(buf))
		return 0;
	memcpy(buf, name, n);
	buf[n] = '\0';
	e = htmlEntityLookup((const xmlChar *)buf);
	return e != NULL ? e->value : 0;
}

/*
 * Decode the character reference at p, which points at '&'.  Returns the
 * bytes it takes, or 0 when there is none; *out gets the UTF-8 text and
 * *semi whether it was closed by ';'.  Named references need the ';'
 * except the four that HTML has always accepted bare; in an attribute
 * those stay literal before '=' or an alphanumeric, so that the "&lt=1"
 * of a query string survives.
 */
static size_t
charref(const char *p, const char *end, bool in_attr, char out[4],
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
		if ((v = entity_value(q, n)) == 0)
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

/* The tokenizer. */

enum tok_type { TOK_EOF, TOK_TEXT, TOK_TAG };

struct tok_attr {
	size_t name, val; /* offsets of NUL-terminated strings in scratch */
};

struct tok {
	const char *p, *end;
	unsigned attr_flags;	/* store attributes of elements with these */
	size_t attr_max;	/* longer attribute values are ignored */
	const struct elem *raw; /* raw-text element whose content is next */
	const char *lt;		/* the next '<' at or after p, or end */
	bool open_comment;	/* no "-->" is left in the input */
	/* The current token. */
	const char *text; /* TOK_TEXT */
	size_t textlen;
	char cbuf[4];		     /* a decoded character reference */
	char name[TAG_NAME_MAX + 1]; /* TOK_TAG, lower case; "" if too long */
	const struct elem *elem;     /* known element, or NULL */
	bool endtag, selfclose;
	struct tok_attr attrs[TAG_ATTRS_MAX];
	size_t nattrs;
	struct sh_buf scratch; /* decoded attribute names and values */
};

static void
tok_init(struct tok *t, const char *s, size_t len, unsigned attr_flags,
    size_t attr_max)
{
	memset(t, 0, sizeof(*t));
	t->p = s;
	t->end = s + len;
	t->attr_flags = attr_flags;
	t->attr_max = attr_max;
	sh_buf_init(&t->scratch, SIZE_MAX);
}

static const char *
tok_attr_name(const struct tok *t, size_t i)
{
	return t->scratch.data + t->attrs[i].name;
}

static const char *
tok_attr_value(const struct tok *t, size_t i)
{
	return t->scratch.data + t->attrs[i].val;
}

static const char *
skip_space(const char *p, const char *end)
{
	while (p < end && is_space((unsigned char)*p))
		p++;
	return p;
}

/* Decode an attribute value into the scratch buffer, NUL-terminated. */
static void
tok_put_value(struct tok *t, const char *p, const char *end)
{
	char c[4];
	size_t n, clen;
	bool semi;

	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));

		if (amp == NULL)
			amp = end;
		sh_buf_append(&t->scratch, p, (size_t)(amp - p));
		if (amp == end)
			break;
		if ((n = charref(amp, end, true, c, &clen, &semi)) > 0) {
			sh_buf_append(&t->scratch, c, clen);
			p = amp + n;
		} else {
			sh_buf_putc(&t->scratch, '&');
			p = amp + 1;
		}
	}
	sh_buf_putc(&t->scratch, '\0');
}

/*
 * Read the attributes of a tag (WHATWG 13.2.5.32 to 13.2.5.42) from p up
 * to and including its '>'.  Returns NULL when the input ends first: the
 * tag is then dropped, as a browser drops it.
 */
static const char *
tok_attrs(struct tok *t, const char *p, bool keep)
{
	const char *end = t->end;

	for (;;) {
		const char *name, *nend, *val, *vend;

		p = skip_space(p, end);
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
		name = p++;
		while (p < end && !is_space((unsigned char)*p) && *p != '/' &&
		       *p != '>' && *p != '=')
			p++;
		nend = p;
		val = vend = p; /* no value: an empty one */
		p = skip_space(p, end);
		if (p < end && *p == '=') {
			p = skip_space(p + 1, end);
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
				while (p < end &&
				       !is_space((unsigned char)*p) &&
				       *p != '>')
					p++;
				vend = p;
			}
		}
		/* No attribute on the allowlist has a longer name. */
		if (!keep || t->nattrs == TAG_ATTRS_MAX ||
		    (size_t)(nend - name) > TAG_NAME_MAX ||
		    (size_t)(vend - val) > t->attr_max)
			continue;
		t->attrs[t->nattrs].name = t->scratch.len;
		for (; name < nend; name++)
			sh_buf_putc(&t->scratch,
			    (char)to_lower((unsigned char)*name));
		sh_buf_putc(&t->scratch, '\0');
		t->attrs[t->nattrs].val = t->scratch.len;
		tok_put_value(t, val, vend);
		t->nattrs++;
	}
}

static enum tok_type
tok_text(struct tok *t, const char *p, size_t n, const char *next)
{
	t->text = p;
	t->textlen = n;
	t->p = next;
	return TOK_TEXT;
}

/* A start or end tag at lt, whose name starts at p. */
static enum tok_type
tok_tag(struct tok *t, const char *lt, const char *p, bool endtag)
{
	const char *end = t->end;
	size_t n = 0;
	bool keep;

	t->endtag = endtag;
	t->selfclose = false;
	t->nattrs = 0;
	sh_buf_reset(&t->scratch);
	for (;
	     p < end && !is_space((unsigned char)*p) && *p != '/' && *p != '>';
	     p++, n++)
		if (n < TAG_NAME_MAX)
			t->name[n] = (char)to_lower((unsigned char)*p);
	t->name[n <= TAG_NAME_MAX ? n : 0] = '\0';
	t->elem = n <= TAG_NAME_MAX ? elem_lookup(t->name) : NULL;
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
		return TOK_EOF;
	}
	t->p = p;
	if (!endtag && !t->selfclose && t->elem != NULL &&
	    (t->elem->flags & E_RAW))
		t->raw = t->elem;
	return TOK_TAG;
}

/*
 * The content of a raw-text element: everything up to its end tag, which
 * is "</name" followed by space, '/' or '>' in any case.  <plaintext> has
 * no end tag at all.
 */
static void
tok_raw(struct tok *t)
{
	const char *p = t->p, *end = t->end, *name = t->raw->name;
	size_t n = strlen(name);

	t->text = p;
	if (strcmp(name, "plaintext") != 0) {
		while ((p = memchr(p, '<', (size_t)(end - p))) != NULL) {
			if ((size_t)(end - p) > n + 2 && p[1] == '/' &&
			    strncasecmp(p + 2, name, n) == 0 &&
			    (is_space((unsigned char)p[n + 2]) ||
				p[n + 2] == '/' || p[n + 2] == '>'))
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
comment_end(struct tok *t, const char *p)
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
tok_bang(struct tok *t, const char *p)
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

/*
 * The next token.  Comments, doctypes and processing instructions are
 * skipped; text comes in runs between markup, and a character reference
 * is a run of its own.
 */
static enum tok_type
tok_next(struct tok *t)
{
	const char *p, *end = t->end;
	size_t n;
	bool semi;

	if (t->raw != NULL) {
		tok_raw(t);
		if (t->textlen > 0)
			return TOK_TEXT;
	}
	while ((p = t->p) < end) {
		if (*p == '&') {
			if ((n = charref(p, end, false, t->cbuf, &t->textlen,
				 &semi)) == 0)
				return tok_text(t, p, 1, p + 1);
			return tok_text(t, t->cbuf, t->textlen, p + n);
		}
		if (*p != '<') {
			/*
			 * Two passes of memchr beat one loop of two tests.  The
			 * '<' is remembered, or text like "&x&x&x" without one
			 * would scan to the end again at every '&'.
			 */
			const char *q, *a;

			if (t->lt == NULL || t->lt < p) {
				t->lt = memchr(p, '<', (size_t)(end - p));
				if (t->lt == NULL)
					t->lt = end;
			}
			q = t->lt;
			if ((a = memchr(p, '&', (size_t)(q - p))) != NULL)
				q = a;
			return tok_text(t, p, (size_t)(q - p), q);
		}
		if (end - p < 2)
			return tok_text(t, p, 1, p + 1);
		if (is_alpha((unsigned char)p[1]))
			return tok_tag(t, p, p + 1, false);
		if (p[1] == '/') {
			if (end - p < 3)
				return tok_text(t, p, 2, p + 2);
			if (is_alpha((unsigned char)p[2]))
				return tok_tag(t, p, p + 2, true);
			t->p = bogus_end(p + 2, end);
		} else if (p[1] == '!') {
			if (tok_bang(t, p + 2))
				return TOK_TEXT;
		} else if (p[1] == '?') {
			t->p = bogus_end(p + 2, end);
		} else {
			return tok_text(t, p, 1, p + 1);
		}
	}
	return TOK_EOF;
}

static void
tok_clear(struct tok *t)
{
	sh_buf_clear(&t->scratch);
}

/* An element being dropped with its content. */
struct drop {
	const struct elem *elem; /* NULL when nothing is being dropped */
	unsigned long depth;	 /* its open start tags */
};

/*
 * Follow elements dropped with their content (those with flag): while one
 * is open only its own start and end tags count, so "<svg><svg></svg>x"
 * drops the x too.  Returns true when the tag is to be ignored.
 */
static bool
drop_tag(struct drop *d, const struct tok *t, unsigned flag)
{
	const struct elem *e = t->elem;

	if (d->elem == NULL) {
		if (e == NULL || !(e->flags & flag) || t->endtag)
			return false;
		if (!(e->flags & E_VOID) && !t->selfclose) {
			d->elem = e;
			d->depth = 1;
		}
		return true;
	}
	if (e == d->elem && t->endtag) {
		if (--d->depth == 0)
			d->elem = NULL;
	} else if (e == d->elem && !t->selfclose) {
		d->depth++;
	}
	return true;
}

/* Plain text output: whitespace collapsed, bounded. */

struct text {
	char *buf;
	size_t len, max;
	bool space; /* a separator is owed before the next word */
	bool full;
};

/*
 * Text is never longer than its source: references shrink, and a space
 * stands for at least one byte of whitespace or markup.  So the buffer is
 * allocated once, and max only ever cuts.
 */
static void
text_init(struct text *x, size_t srclen, size_t max)
{
	x->max = max < srclen ? max : srclen;
	x->buf = xmalloc(x->max + 1);
	x->len = 0;
	x->space = false;
	x->full = false;
}

/*
 * Bytes of whitespace at s: ASCII whitespace and controls, and the C1
 * controls and no-break space, which only ever separate words.
 */
static size_t
space_len(const unsigned char *s, size_t n)
{
	if (s[0] <= 0x20 || s[0] == 0x7f)
		return 1;
	if (s[0] == 0xc2 && n >= 2 && s[1] >= 0x80 && s[1] <= 0xa0)
		return 2;
	return 0;
}

/* A byte that cannot start whitespace (see space_len). */
static bool
is_word_byte(unsigned char c)
{
	return c > 0x20 && c != 0x7f && c != 0xc2;
}

static void
text_word(struct text *x, const char *s, size_t n)
{
	size_t room;

	if (x->space && x->len > 0) {
		if (x->len == x->max) {
			x->full = true;
			return;
		}
		x->buf[x->len++] = ' ';
	}
	x->space = false;
	room = x->max - x->len;
	if (n > room) {
		n = utf8_cut(s, room);
		x->full = true;
	}
	memcpy(x->buf + x->len, s, n);
	x->len += n;
}

static void
text_put(struct text *x, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, k;

	while (i < n && !x->full) {
		size_t start = i;

		if ((k = space_len(s + i, n - i)) > 0) {
			x->space = true;
			i += k;
			continue;
		}
		/*
		 * Words with single spaces between them are copied in one go;
		 * the run ends before any other byte that may be whitespace.
		 */
		for (i++; i < n; i++) {
			if (is_word_byte(s[i]))
				continue;
			if (s[i] != ' ' || i + 1 == n ||
			    !is_word_byte(s[i + 1]))
				break;
			i++;
		}
		text_word(x, str + start, i - start);
	}
}

static char *
text_finish(struct text *x)
{
	/* A space written just before the limit was hit has no word. */
	if (x->len > 0 && x->buf[x->len - 1] == ' ')
		x->len--;
	x->buf[x->len] = '\0';
	/* Entries keep their fields: give back what markup took. */
	return xrealloc(x->buf, x->len + 1);
}

char *
feed_text_collapse(const char *text, size_t len, size_t max)
{
	struct text x;
	char *copy = NULL;
	const char *s;

	if (text == NULL)
		return xstrdup("");
	s = clean_input(text, len, &len, &copy);
	text_init(&x, len, max);
	text_put(&x, s, len);
	free(copy);
	return text_finish(&x);
}

char *
feed_html_to_text(const char *html, size_t len, size_t max)
{
	struct drop d = {NULL, 0};
	struct text x;
	enum tok_type type;
	struct tok t;
	char *copy = NULL;
	const char *s;

	if (html == NULL)
		return xstrdup("");
	/* Most titles and many summaries are plain text. */
	if (memchr(html, '<', len) == NULL && memchr(html, '&', len) == NULL)
		return feed_text_collapse(html, len, max);
	s = clean_input(html, len, &len, &copy);
	text_init(&x, len, max);
	tok_init(&t, s, len, 0, 0);
	while (!x.full && (type = tok_next(&t)) != TOK_EOF) {
		if (type == TOK_TEXT) {
			if (d.elem == NULL)
				text_put(&x, t.text, t.textlen);
		} else if (!drop_tag(&d, &t, E_TDROP) && t.elem != NULL &&
			   (t.elem->flags & E_BLOCK)) {
			x.space = true;
		}
	}
	tok_clear(&t);
	free(copy);
	return text_finish(&x);
}

bool
feed_text_looks_html(const char *s, size_t len)
{
	const char *end, *p;
	char c[4];
	size_t n, clen;
	bool semi;

	if (s == NULL)
		return false;
	end = s + len;
	p = s;
	while (p < end && (p = memchr(p, '<', (size_t)(end - p))) != NULL) {
		const char *q = p + 1;
		char name[TAG_NAME_MAX + 1];

		p++;
		if (end - q >= 3 && memcmp(q, "!--", 3) == 0)
			return true;
		if (q < end && *q == '/')
			q++;
		for (n = 0;
		     q < end && n < TAG_NAME_MAX && is_alnum((unsigned char)*q);
		     q++)
			name[n++] = (char)to_lower((unsigned char)*q);
		name[n] = '\0';
		if (n == 0 || q == end || elem_lookup(name) == NULL)
			continue;
		/* "a <b and c" is text: a tag must end before the next '<'. */
		if (is_space((unsigned char)*q) || *q == '/' || *q == '>') {
			const char *lt = memchr(q, '<', (size_t)(end - q));

			if (memchr(q, '>', (size_t)((lt ? lt : end) - q)) !=
			    NULL)
				return true;
		}
	}
	for (p = s; (p = memchr(p, '&', (size_t)(end - p))) != NULL; p++)
		if (charref(p, end, false, c, &clen, &semi) > 0 && semi)
			return true;
	return false;
}

/* The sanitizer. */

struct san {
	struct sh_buf out;
	size_t reserve; /* bytes of end tags owed to the open elements */
	bool full;
	const char *base;
	const struct elem *stack[SAN_DEPTH_MAX];
	size_t depth;
	struct sh_buf val; /* attribute values being rewritten */
};

/* Bytes that may still be written without eating into the end tags. */
static size_t
san_room(const struct san *s)
{
	return s->out.max - s->out.len - s->reserve;
}

/*
 * sh_buf_append() without the call when the bytes fit in the memory
 * already there, as most pieces of a tag do.  It keeps the buffer's
 * invariants: NUL-terminated, never past its ceiling.
 */
static void
san_put(struct san *s, const char *p, size_t n)
{
	struct sh_buf *b = &s->out;

	if (b->data != NULL && n < b->cap - b->len && n <= b->max - b->len) {
		memcpy(b->data + b->len, p, n);
		b->len += n;
		b->data[b->len] = '\0';
	} else if (sh_buf_append(b, p, n) != SH_OK) {
		s->full = true;
	}
}

static size_t
end_tag_len(const struct elem *e)
{
	return e->flags & E_VOID ? 0 : strlen(e->name) + 3;
}

/* Bytes escaped in text (1) and in attribute values (1 and 2). */
static const unsigned char escapes[256] =
    {['&'] = 1, ['<'] = 1, ['>'] = 1, ['"'] = 2};

static const char *
escape_of(char c)
{
	switch (c) {
	case '&':
		return "&amp;";
	case '<':
		return "&lt;";
	case '>':
		return "&gt;";
	default:
		return "&quot;";
	}
}

/* Length of p once escaped, as text or as an attribute value. */
static size_t
escape_len(const char *p, size_t n, bool attr)
{
	unsigned mask = attr ? 3 : 1;
	size_t i, len = n;

	for (i = 0; i < n; i++)
		if (escapes[(unsigned char)p[i]] & mask)
			len += strlen(escape_of(p[i])) - 1;
	return len;
}

/* Write escaped text, cut on a character boundary if room runs out. */
static void
san_escape(struct san *s, const char *p, size_t n, bool attr)
{
	unsigned mask = attr ? 3 : 1;

	while (n > 0 && !s->full) {
		const char *esc;
		size_t run, room = san_room(s);

		for (run = 0; run < n; run++)
			if (escapes[(unsigned char)p[run]] & mask)
				break;
		if (run == 0) {
			esc = escape_of(*p);
			if (strlen(esc) > room) {
				s->full = true;
				break;
			}
			san_put(s, esc, strlen(esc));
			run = 1;
		} else if (run > room) {
			san_put(s, p, utf8_cut(p, room));
			s->full = true;
			break;
		} else {
			san_put(s, p, run);
		}
		p += run;
		n -= run;
	}
}

static void
san_pop(struct san *s)
{
	const struct elem *e = s->stack[--s->depth];
	size_t n = end_tag_len(e);

	s->reserve -= n;
	san_put(s, "</", 2);
	san_put(s, e->name, n - 3);
	san_put(s, ">", 1);
}

/*
 * Close the nearest open element of a kind in match, unless an element of
 * a kind in stop comes first.  This is the part of HTML's tree building
 * that keeps "<li>a<li>b" and "<p>a<div>b" from nesting.
 */
static void
san_close_to(struct san *s, unsigned match, unsigned stop)
{
	size_t i;

	for (i = s->depth; i > 0; i--) {
		unsigned k = s->stack[i - 1]->kind;

		if (k & match) {
			while (s->depth >= i)
				san_pop(s);
			return;
		}
		if (k & stop)
			return;
	}
}

static void
san_close_implied(struct san *s, const struct elem *e)
{
	const unsigned scope = K_TABLE | K_CELL | K_CAPTION;

	if (e->flags & E_CLOSEP)
		san_close_to(s, K_P, scope);
	if (e->kind & K_LI)
		san_close_to(s, K_LI, K_LIST | scope);
	else if (e->kind & K_DDT)
		san_close_to(s, K_DDT, K_DL | K_LIST | scope);
	else if (e->kind & K_CELL)
		san_close_to(s, K_CELL, K_TR | K_TABLE);
	else if (e->kind & K_TR)
		san_close_to(s, K_TR, K_TSECT | K_TABLE);
	else if (e->kind & K_TSECT)
		san_close_to(s, K_TSECT, K_TABLE);
	else if (e->kind & K_A)
		san_close_to(s, K_A, scope);
	else if ((e->kind & K_HEADING) && s->depth > 0 &&
		 (s->stack[s->depth - 1]->kind & K_HEADING))
		san_pop(s);
}

/*
 * A URL attribute's value to write, or NULL to drop the attribute.  It is
 * checked before resolution, to see what a browser would see, and after,
 * in case the base was hostile.  The caller frees the result.
 */
static char *
san_url(const struct san *s, const char *v)
{
	char *r;

	if (!feed_url_is_safe(v))
		return NULL;
	r = feed_url_resolve(s->base, v);
	if (r != NULL && !feed_url_is_safe(r)) {
		free(r);
		r = NULL;
	}
	return r;
}

/*
 * Whether a srcset descriptor is well-formed: "1.5x", "300w" or the old
 * "300w 200h".  Browsers drop candidates with any other descriptor.
 */
static bool
srcset_descriptor_ok(const char *d, size_t n)
{
	size_t i = 0, digits;

	while (i < n) {
		for (digits = 0;
		     i < n && ((d[i] >= '0' && d[i] <= '9') || d[i] == '.');
		     i++)
			digits++;
		if (digits == 0 || i == n ||
		    (d[i] != 'x' && d[i] != 'w' && d[i] != 'h'))
			return false;
		for (i++; i < n && is_space((unsigned char)d[i]); i++)
			;
	}
	return true;
}

/*
 * Rewrite a srcset: each candidate is a URL, then an optional descriptor,
 * comma-separated; a URL ends at whitespace and may itself hold commas
 * (WHATWG 4.8.4.3.10).  Unsafe or malformed candidates are left out.
 */
static void
san_srcset(struct san *s, const char *v)
{
	sh_buf_reset(&s->val);
	while (*v != '\0') {
		const char *u, *d;
		size_t ulen, dlen = 0;
		char *url, *r;

		while (is_space((unsigned char)*v) || *v == ',')
			v++;
		if (*v == '\0')
			break;
		for (u = v; *v != '\0' && !is_space((unsigned char)*v); v++)
			;
		ulen = (size_t)(v - u);
		while (is_space((unsigned char)*v))
			v++;
		d = v;
		if (u[ulen - 1] == ',') {
			/* Commas at the end of the URL end the candidate. */
			while (ulen > 0 && u[ulen - 1] == ',')
				ulen--;
		} else {
			while (*v != '\0' && *v != ',')
				v++;
			dlen = (size_t)(v - d);
			while (dlen > 0 && is_space((unsigned char)d[dlen - 1]))
				dlen--;
		}
		if (ulen == 0 || !srcset_descriptor_ok(d, dlen))
			continue;
		url = xstrndup(u, ulen);
		if ((r = san_url(s, url)) != NULL) {
			if (s->val.len > 0)
				sh_buf_append(&s->val, ", ", 2);
			sh_buf_puts(&s->val, r);
			if (dlen > 0) {
				sh_buf_putc(&s->val, ' ');
				sh_buf_append(&s->val, d, dlen);
			}
		}
		free(r);
		free(url);
	}
}

/* Write one attribute if it is allowed, safe and fits. */
static void
san_attr(struct san *s, const char *name, const char *v, uint64_t *seen)
{
	int i = attr_lookup(name);
	char *owned = NULL;
	size_t nlen, vlen;

	/* The first of duplicate attributes wins, as in browsers. */
	if (i < 0 || (*seen & ((uint64_t)1 << i)))
		return;
	*seen |= (uint64_t)1 << i;
	if (attr_defs[i].kind == A_URL) {
		if ((owned = san_url(s, v)) == NULL)
			return;
		v = owned;
	} else if (attr_defs[i].kind == A_SRCSET) {
		san_srcset(s, v);
		if (s->val.len == 0)
			return;
		v = s->val.data;
	}
	nlen = strlen(name);
	vlen = strlen(v);
	/* The 1 keeps room for the tag's closing '>'. */
	if (nlen + 4 + escape_len(v, vlen, true) + 1 <= san_room(s)) {
		san_put(s, " ", 1);
		san_put(s, name, nlen);
		san_put(s, "=\"", 2);
		san_escape(s, v, vlen, true);
		san_put(s, "\"", 1);
	}
	free(owned);
}

static void
san_start(struct san *s, const struct tok *t)
{
	const struct elem *e = t->elem;
	size_t nlen = strlen(e->name), close = end_tag_len(e), i;
	uint64_t seen = 0;

	san_close_implied(s, e);
	if (close > 0 && s->depth == SAN_DEPTH_MAX)
		return;
	if (nlen + 2 + close > san_room(s)) {
		s->full = true;
		return;
	}
	s->reserve += close;
	san_put(s, "<", 1);
	san_put(s, e->name, nlen);
	for (i = 0; i < t->nattrs; i++)
		san_attr(s, tok_attr_name(t, i), tok_attr_value(t, i), &seen);
	san_put(s, ">", 1);
	if (close == 0)
		return;
	s->stack[s->depth++] = e;
	/*
	 * "<p/>" is a start tag to HTML, but feeds carry serialized XHTML
	 * where it means an empty element, and reading it so loses less.
	 */
	if (t->selfclose)
		san_pop(s);
}

static void
san_end(struct san *s, const struct elem *e)
{
	size_t i;

	/* Browsers read "</br>" as "<br>". */
	if (strcmp(e->name, "br") == 0) {
		if (san_room(s) >= 4)
			san_put(s, "<br>", 4);
		else
			s->full = true;
		return;
	}
	for (i = s->depth; i > 0; i--) {
		if (s->stack[i - 1] == e) {
			while (s->depth >= i)
				san_pop(s);
			return;
		}
	}
}

char *
feed_html_sanitize(const char *html, size_t len, const char *base, size_t max)
{
	struct drop d = {NULL, 0};
	enum tok_type type;
	struct san s;
	struct tok t;
	char *copy = NULL, *res;
	const char *in;

	if (html == NULL)
		return xstrdup("");
	memset(&s, 0, sizeof(s));
	sh_buf_init(&s.out, max);
	sh_buf_init(&s.val, SIZE_MAX);
	s.base = base;
	in = clean_input(html, len, &len, &copy);
	/* A value longer than max could never be written: skip decoding. */
	tok_init(&t, in, len, E_ALLOW, max);
	while (!s.full && (type = tok_next(&t)) != TOK_EOF) {
		if (type == TOK_TEXT) {
			if (d.elem == NULL)
				san_escape(&s, t.text, t.textlen, false);
		} else if (drop_tag(&d, &t, E_DROP)) {
			continue;
		} else if (t.elem == NULL || !(t.elem->flags & E_ALLOW)) {
			continue; /* unwrapped: the content stays */
		} else if (t.endtag) {
			san_end(&s, t.elem);
		} else {
			san_start(&s, &t);
		}
	}
	while (s.depth > 0)
		san_pop(&s);
	/* The buffer grew by doubling; entries keep their fields. */
	if (s.out.cap > s.out.len + 1)
		s.out.data = xrealloc(s.out.data, s.out.len + 1);
	res = sh_buf_steal(&s.out);
	tok_clear(&t);
	sh_buf_clear(&s.val);
	free(copy);
	return res;
}
