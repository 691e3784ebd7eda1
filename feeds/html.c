/* SPDX-License-Identifier: MIT */
/* HTML fragments to plain text, and the allowlist sanitizer for content. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "feeds_int.h"
#include "html_int.h"

/*
 * Both jobs run on the streaming tokenizer of html_tok.c, which builds no
 * tree.
 *
 * libxml2's HTML parser was tried first and rejected.  In 2.9.14 its push
 * parser silently stops after the first top-level block of many real
 * entries (3,574 characters of one corpus entry came out as 388), and its
 * memory parser, bare SAX callbacks and all, reads about 90 MB/s: the
 * content of the 37 MB corpus alone would then take longer than sfeed
 * takes to parse the whole corpus.  It also invents <p> wrappers around
 * top-level text even with HTML_PARSE_NOIMPLIED, and applies HTML 4
 * auto-closing rules that are not the ones browsers use.
 *
 * The sanitizer is safe by construction rather than by filtering: its
 * output is written from scratch, so every '<' in it starts a tag from the
 * allowlist, every attribute is from the allowlist and double-quoted with
 * its value escaped, and all text is escaped.  The tokenizer only decides
 * what the input meant; if it misreads hostile markup, the worst outcome is
 * lost or extra text, never live markup: the escaping below checks every
 * byte itself and trusts nothing the tokenizer says about the text.
 * Invariants:
 * - input is first made valid UTF-8 without control characters other
 *   than tab, LF and CR, so output built from it is too;
 * - open elements are tracked on a fixed stack of SAN_DEPTH_MAX; deeper
 *   ones are unwrapped, and nothing recurses;
 * - room for the end tags of open elements is set aside as they open, so
 *   output cut at max still closes everything it opened.
 *
 * Both write into one buffer sized from the input up front, in pieces
 * copied whole (text between the bytes that need escaping, words between
 * runs of whitespace), never a byte at a time through a function call.
 * The bytes that end those pieces are found sixteen at a time with SSE2,
 * else eight at a time in a word.
 */

#define SAN_DEPTH_MAX 256 /* deeper elements are unwrapped */

/* An element being dropped with its content. */
struct drop {
	const struct html_elem *elem; /* NULL when nothing is being dropped */
	unsigned long depth;	      /* its open start tags */
};

/*
 * Follow elements dropped with their content (those with flag): while one
 * is open only its own start and end tags count, so "<svg><svg></svg>x"
 * drops the x too.  Returns true when the tag is to be ignored.
 */
static inline bool
drop_tag(struct drop *d, const struct html_tok *t, unsigned flag)
{
	const struct html_elem *e = t->elem;

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
 * Bytes of text: words, whitespace (ASCII whitespace and controls), and
 * 0xC2, which starts the C1 controls and the no-break space that only
 * ever separate words, and other characters that do not.
 */
enum { T_WORD, T_SPACE, T_CTRL, T_C2 };

static const unsigned char text_class[256] = {
    [0x00] = T_CTRL,
    [0x01] = T_CTRL,
    [0x02] = T_CTRL,
    [0x03] = T_CTRL,
    [0x04] = T_CTRL,
    [0x05] = T_CTRL,
    [0x06] = T_CTRL,
    [0x07] = T_CTRL,
    [0x08] = T_CTRL,
    [0x09] = T_CTRL,
    [0x0a] = T_CTRL,
    [0x0b] = T_CTRL,
    [0x0c] = T_CTRL,
    [0x0d] = T_CTRL,
    [0x0e] = T_CTRL,
    [0x0f] = T_CTRL,
    [0x10] = T_CTRL,
    [0x11] = T_CTRL,
    [0x12] = T_CTRL,
    [0x13] = T_CTRL,
    [0x14] = T_CTRL,
    [0x15] = T_CTRL,
    [0x16] = T_CTRL,
    [0x17] = T_CTRL,
    [0x18] = T_CTRL,
    [0x19] = T_CTRL,
    [0x1a] = T_CTRL,
    [0x1b] = T_CTRL,
    [0x1c] = T_CTRL,
    [0x1d] = T_CTRL,
    [0x1e] = T_CTRL,
    [0x1f] = T_CTRL,
    [' '] = T_SPACE,
    [0x7f] = T_CTRL,
    [0xc2] = T_C2,
};

/* Whitespace: the class of a space, a control or DEL. */
static inline bool
is_text_space(unsigned c)
{
	return c == T_SPACE || c == T_CTRL;
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

#ifdef __SSE2__
/*
 * The bytes among the 16 at s that cannot be in a run of words, as bits:
 * controls, DEL and 0xC2; in *sp, the spaces.
 */
static inline unsigned
text16(const unsigned char *s, unsigned *sp)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
	__m128i bad = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1f)), v);

	bad = _mm_or_si128(bad, _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f)));
	bad = _mm_or_si128(bad, _mm_cmpeq_epi8(v, _mm_set1_epi8((char)0xc2)));
	*sp =
	    (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(' ')));
	return (unsigned)_mm_movemask_epi8(bad);
}

/*
 * The bytes among the 16 at s that end a run: text16()'s, and spaces not
 * followed by a word byte.  A space last is left to the caller, who knows
 * what follows.
 */
static inline unsigned
run_breaks16(const unsigned char *s, unsigned *sp)
{
	unsigned bad = text16(s, sp);

	return bad | (*sp & ((bad | *sp) >> 1));
}
#else
/*
 * Whether the 8 bytes at s are words with single spaces between them, to
 * be read in one go: no control, DEL or 0xC2 (a zero byte after the xor,
 * or one below 0x20, sets its high bit in the subtraction while its own
 * is clear), no two spaces in a row, and a space last only before a word
 * byte at s[8].  A borrow only ever flags a byte above a flagged one, so
 * a false alarm about adjacent spaces is the worst it does, and the bytes
 * are then read one by one.
 */
static inline bool
word_is_words(const unsigned char *s)
{
	const uint64_t ones = UINT64_C(0x0101010101010101);
	const uint64_t high = UINT64_C(0x8080808080808080);
	uint64_t w, del, c2, sp, bad;

	if (s[7] == ' ' && text_class[s[8]] != T_WORD)
		return false;
	memcpy(&w, s, sizeof(w));
	del = w ^ (ones * 0x7f);
	c2 = w ^ (ones * 0xc2);
	sp = w ^ (ones * ' ');
	bad = ((w - ones * 0x20) & ~w) | ((del - ones) & ~del) |
	      ((c2 - ones) & ~c2);
	sp = (sp - ones) & ~sp & high;
	return (bad & high) == 0 && (sp & (sp << 8)) == 0;
}
#endif

/*
 * The end of the words with single spaces between them that start at
 * s[i], which is no whitespace: the run ends before any other byte that
 * may be whitespace.  The first byte is the run's own, even 0xC2.
 */
static size_t
run_end(const unsigned char *s, size_t i, size_t n)
{
	unsigned c;
#ifdef __SSE2__
	unsigned sp;
#endif

	i++;
#ifdef __SSE2__
	for (; n - i >= 16; i += 16) {
		if ((c = run_breaks16(s + i, &sp)) != 0)
			return i + (size_t)__builtin_ctz(c);
		if ((sp & 0x8000) &&
		    (n - i == 16 || text_class[s[i + 16]] != T_WORD))
			return i + 15;
	}
	/* The tail, in 16 bytes that overlap; the bits before i go. */
	if (n >= 16 && i < n) {
		c = run_breaks16(s + n - 16, &sp) | (sp & 0x8000);
		c &= ~0u << (i - (n - 16));
		return c == 0 ? n : n - 16 + (size_t)__builtin_ctz(c);
	}
#endif
	for (; i < n; i++) {
#ifndef __SSE2__
		while (n - i >= 9 && word_is_words(s + i))
			i += 8;
		if (i == n)
			break;
#endif
		if ((c = text_class[s[i]]) == T_WORD)
			continue;
		if (c != T_SPACE || i + 1 == n ||
		    text_class[s[i + 1]] != T_WORD)
			return i;
		i++;
	}
	return n;
}

static void
text_put(struct text *x, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, k;

	while (i < n && !x->full) {
		unsigned c = text_class[s[i]];

		if (is_text_space(c)) {
			x->space = true;
			for (i++; i < n && is_text_space(text_class[s[i]]); i++)
				;
		} else if (c == T_C2 && n - i >= 2 && s[i + 1] >= 0x80 &&
			   s[i + 1] <= 0xa0) {
			/* The C1 controls and the no-break space. */
			x->space = true;
			i += 2;
		} else {
			/* Words with single spaces between go in one piece. */
			k = run_end(s, i, n);
			text_word(x, str + i, k - i);
			i = k;
		}
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
	s = html_tok_clean(text, len, &len, &copy);
	text_init(&x, len, max);
	text_put(&x, s, len);
	free(copy);
	return text_finish(&x);
}

/* Hand one token to the text builder. */
static inline void
text_token(struct text *x, struct drop *d, enum html_tok_type type,
    const struct html_tok *t)
{
	if (type == HTML_TOK_TEXT) {
		if (d->elem == NULL)
			text_put(x, t->text, t->textlen);
	} else if (!drop_tag(d, t, E_TDROP) && t->elem != NULL &&
		   (t->elem->flags & E_BLOCK)) {
		x->space = true;
	}
}

char *
feed_html_to_text(const char *html, size_t len, size_t max)
{
	struct drop d = {NULL, 0};
	struct text x;
	enum html_tok_type type;
	struct html_tok t;
	char *copy = NULL;
	const char *s;

	if (html == NULL)
		return xstrdup("");
	/* Most titles and many summaries are plain text. */
	if (memchr(html, '<', len) == NULL && memchr(html, '&', len) == NULL)
		return feed_text_collapse(html, len, max);
	s = html_tok_clean(html, len, &len, &copy);
	text_init(&x, len, max);
	html_tok_init(&t, s, len, 0, 0);
	while (!x.full && (type = html_tok_next(&t)) != HTML_TOK_EOF)
		text_token(&x, &d, type, &t);
	free(copy);
	return text_finish(&x);
}

static bool
is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
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
		const char *q = p + 1, *name;

		p++;
		if (end - q >= 3 && memcmp(q, "!--", 3) == 0)
			return true;
		if (q < end && *q == '/')
			q++;
		for (name = q, n = 0;
		     q < end && n < TAG_NAME_MAX && is_alnum((unsigned char)*q);
		     q++)
			n++;
		if (n == 0 || q == end || html_tok_elem(name, n) == NULL)
			continue;
		/* "a <b and c" is text: a tag must end before the next '<'. */
		if (html_is_space((unsigned char)*q) || *q == '/' ||
		    *q == '>') {
			const char *lt = memchr(q, '<', (size_t)(end - q));

			if (memchr(q, '>', (size_t)((lt ? lt : end) - q)) !=
			    NULL)
				return true;
		}
	}
	for (p = s; (p = memchr(p, '&', (size_t)(end - p))) != NULL; p++)
		if (html_tok_charref(p, end, false, c, &clen, &semi) > 0 &&
		    semi)
			return true;
	return false;
}

/* The sanitizer. */

struct san {
	char *out; /* NUL-terminated only once finished */
	size_t len, cap, max;
	size_t reserve; /* bytes of end tags owed to the open elements */
	bool full;
	const char *base;
	const struct html_elem *stack[SAN_DEPTH_MAX];
	size_t depth;
	char *tmp; /* a decoded attribute value, NUL-terminated */
	size_t tmpcap;
	struct sh_buf val; /* a rewritten srcset */
};

/* Bytes that may still be written without eating into the end tags. */
static inline size_t
san_room(const struct san *s)
{
	return s->max - s->len - s->reserve;
}

/* Grow the output for n more bytes and its NUL; see san_space(). */
static void
san_grow(struct san *s, size_t n)
{
	size_t need = s->len + n + 1, cap = s->cap * 2;

	if (cap < need)
		cap = need;
	if (cap - 1 > s->max && need - 1 <= s->max)
		cap = s->max + 1;
	s->out = xrealloc(s->out, cap);
	s->cap = cap;
}

/*
 * Room for n more bytes in the output.  Every write has been checked
 * against san_room() first, so the text never outgrows max; the buffer
 * may, by the few bytes of a tag name copied whole.
 */
static inline char *
san_space(struct san *s, size_t n)
{
	if (n >= s->cap - s->len)
		san_grow(s, n);
	return s->out + s->len;
}

static inline void
san_put(struct san *s, const char *p, size_t n)
{
	memcpy(san_space(s, n), p, n);
	s->len += n;
}

static size_t
end_tag_len(const struct html_elem *e)
{
	return e->flags & E_VOID ? 0 : (size_t)e->len + 3;
}

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

/* Bytes that need escaping in text (1) and in attribute values (1, 2). */
static const unsigned char escapes[256] =
    {['&'] = 1, ['<'] = 1, ['>'] = 1, ['"'] = 2};

#ifdef __SSE2__
/* Bit k set when byte k of the 16 at p needs escaping. */
static inline unsigned
escape16(const char *p, bool attr)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
	/* '<' and '>' differ in one bit. */
	__m128i m = _mm_cmpeq_epi8(_mm_or_si128(v, _mm_set1_epi8(0x02)),
	    _mm_set1_epi8('>'));

	m = _mm_or_si128(m, _mm_cmpeq_epi8(v, _mm_set1_epi8('&')));
	if (attr)
		m = _mm_or_si128(m, _mm_cmpeq_epi8(v, _mm_set1_epi8('"')));
	return (unsigned)_mm_movemask_epi8(m);
}
#else
/*
 * Whether any of the 8 bytes in w needs escaping: '<' or '>' (one test,
 * as they differ in one bit), and '&', or in attribute values also '"'
 * (the same trick: amp_bits is 0x04 in each byte there, else 0).  A byte
 * equal to the pattern becomes zero; only a zero byte can set its high
 * bit in the subtraction while its own is clear, or start a borrow.
 */
static inline bool
word_needs_escape(uint64_t w, uint64_t amp_bits)
{
	const uint64_t ones = UINT64_C(0x0101010101010101);
	const uint64_t high = UINT64_C(0x8080808080808080);
	uint64_t x = (w | ones * 0x02) ^ (ones * '>');
	uint64_t y = (w | amp_bits) ^ (ones * '&');

	return (((x - ones) & ~x) | ((y - ones) & ~y)) & high;
}
#endif

/*
 * Bytes at the start of p[0..n) that need no escaping, in text (&, <, >)
 * or with attr in an attribute value (and "): sixteen at a time with SSE2,
 * else eight; the tail in one load that overlaps bytes already read.
 */
static inline size_t
plain_run(const char *p, size_t n, bool attr)
{
	unsigned mask = attr ? 3 : 1;
	size_t i = 0;
#ifdef __SSE2__
	unsigned m;

	for (; n - i >= 16; i += 16)
		if ((m = escape16(p + i, attr)) != 0)
			return i + (size_t)__builtin_ctz(m);
	if (n >= 16) {
		m = escape16(p + n - 16, attr);
		return m == 0 ? n : n - 16 + (size_t)__builtin_ctz(m);
	}
#else
	uint64_t amp_bits = attr ? UINT64_C(0x0404040404040404) : 0, w;

	for (; n - i >= 8; i += 8) {
		memcpy(&w, p + i, sizeof(w));
		if (word_needs_escape(w, amp_bits))
			break;
	}
	if (n - i < 8 && i >= 8) {
		memcpy(&w, p + n - 8, sizeof(w));
		if (!word_needs_escape(w, amp_bits))
			return n;
	}
#endif
	while (i < n && !(escapes[(unsigned char)p[i]] & mask))
		i++;
	return i;
}

/* Length of p once escaped, as text or as an attribute value. */
static size_t
escape_len(const char *p, size_t n, bool attr)
{
	size_t i, len = n;

	for (i = plain_run(p, n, attr); i < n;
	     i += 1 + plain_run(p + i + 1, n - i - 1, attr))
		len += strlen(escape_of(p[i])) - 1;
	return len;
}

/* Write escaped text, cut on a character boundary if room runs out. */
static void
san_escape(struct san *s, const char *p, size_t n, bool attr)
{
	while (n > 0 && !s->full) {
		const char *esc;
		size_t run = plain_run(p, n, attr), room = san_room(s);

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

/*
 * Write a run of text: most are short and need no escaping, and skip the
 * loop of san_escape().
 */
static void
san_text(struct san *s, const char *p, size_t n)
{
	if (n < 64 && n <= san_room(s) && plain_run(p, n, false) == n)
		san_put(s, p, n);
	else
		san_escape(s, p, n, false);
}

static void
san_pop(struct san *s)
{
	const struct html_elem *e = s->stack[--s->depth];
	size_t n = end_tag_len(e);
	/* Whole names copy faster; what lies past the '>' is overwritten. */
	char *o = san_space(s, 3 + HTML_NAME_SIZE);

	s->reserve -= n;
	o[0] = '<';
	o[1] = '/';
	memcpy(o + 2, e->name, HTML_NAME_SIZE);
	o[n - 1] = '>';
	s->len += n;
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
san_close_implied(struct san *s, const struct html_elem *e)
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
		for (i++; i < n && html_is_space((unsigned char)d[i]); i++)
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

		while (html_is_space((unsigned char)*v) || *v == ',')
			v++;
		if (*v == '\0')
			break;
		for (u = v; *v != '\0' && !html_is_space((unsigned char)*v);
		     v++)
			;
		ulen = (size_t)(v - u);
		while (html_is_space((unsigned char)*v))
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
			while (dlen > 0 &&
			       html_is_space((unsigned char)d[dlen - 1]))
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

/*
 * An attribute value with its references decoded, NUL-terminated in
 * s->tmp (decoding never makes text longer).
 */
static char *
san_decode(struct san *s, const struct html_tok_attr *a, size_t *len)
{
	if (a->vlen >= s->tmpcap) {
		s->tmpcap = a->vlen + 1 > 256 ? a->vlen + 1 : 256;
		free(s->tmp);
		s->tmp = xmalloc(s->tmpcap);
	}
	*len = html_tok_value(a->val, a->vlen, s->tmp);
	s->tmp[*len] = '\0';
	return s->tmp;
}

/* Write one allowlisted attribute if it is safe and fits. */
static void
san_attr(struct san *s, const struct html_tok_attr *a)
{
	const struct html_attr_def *def = a->def;
	const char *v = a->val;
	char *owned = NULL;
	size_t vlen = a->vlen, need, room;

	if (def->kind != A_TEXT || memchr(v, '&', vlen) != NULL)
		v = san_decode(s, a, &vlen);
	if (def->kind == A_URL) {
		if ((owned = san_url(s, v)) == NULL)
			return;
		v = owned;
		vlen = strlen(v);
	} else if (def->kind == A_SRCSET) {
		san_srcset(s, v);
		if (s->val.len == 0)
			return;
		v = s->val.data;
		vlen = s->val.len;
	}
	/*
	 * ' name=""', and the 1 keeps room for the tag's closing '>'.  No
	 * escape is longer than 6 bytes: when even that fits, the value
	 * need not be counted first.
	 */
	need = (size_t)def->len + 5;
	room = san_room(s);
	if (need <= room && (vlen <= (room - need) / 6 ||
				escape_len(v, vlen, true) <= room - need)) {
		char *o = san_space(s, need + vlen);

		o[0] = ' ';
		memcpy(o + 1, def->name, def->len);
		o[def->len + 1] = '=';
		o[def->len + 2] = '"';
		s->len += def->len + 3;
		san_escape(s, v, vlen, true);
		san_put(s, "\"", 1);
	}
	free(owned);
}

static void
san_start(struct san *s, const struct html_tok *t)
{
	const struct html_elem *e = t->elem;
	size_t close = end_tag_len(e), i;
	char *o;

	san_close_implied(s, e);
	if (close > 0 && s->depth == SAN_DEPTH_MAX)
		return;
	if ((size_t)e->len + 2 + close > san_room(s)) {
		s->full = true;
		return;
	}
	s->reserve += close;
	o = san_space(s, 1 + HTML_NAME_SIZE);
	o[0] = '<';
	memcpy(o + 1, e->name, HTML_NAME_SIZE);
	s->len += (size_t)e->len + 1;
	for (i = 0; i < t->nattrs; i++)
		san_attr(s, &t->attrs[i]);
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
san_end(struct san *s, const struct html_elem *e)
{
	size_t i;

	/* Browsers read "</br>" as "<br>". */
	if (e->len == 2 && memcmp(e->name, "br", 2) == 0) {
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

/*
 * The output's first allocation: enough for most content, which loses
 * more to dropped markup than it gains from escaping and absolute URLs.
 */
static void
san_init(struct san *s, size_t srclen, const char *base, size_t max)
{
	size_t cap = srclen + srclen / 8 + 64;

	s->max = max;
	s->cap = (cap < max ? cap : max) + 1;
	s->out = xmalloc(s->cap);
	s->len = 0;
	s->reserve = 0;
	s->full = false;
	s->base = base;
	s->depth = 0;
	s->tmp = NULL;
	s->tmpcap = 0;
	sh_buf_init(&s->val, SIZE_MAX);
}

/* Hand one token to the sanitizer. */
static inline void
san_token(struct san *s, struct drop *d, enum html_tok_type type,
    const struct html_tok *t)
{
	if (type == HTML_TOK_TEXT) {
		if (d->elem == NULL)
			san_text(s, t->text, t->textlen);
	} else if (drop_tag(d, t, E_DROP)) {
		return;
	} else if (t->elem == NULL || !(t->elem->flags & E_ALLOW)) {
		return; /* unwrapped: the content stays */
	} else if (t->endtag) {
		san_end(s, t->elem);
	} else {
		san_start(s, t);
	}
}

/* Close what is open and return the output. */
static char *
san_finish(struct san *s)
{
	while (s->depth > 0)
		san_pop(s);
	free(s->tmp);
	sh_buf_clear(&s->val);
	s->out[s->len] = '\0';
	/* Entries keep their fields: give back what markup took. */
	if (s->cap > s->len + 1)
		s->out = xrealloc(s->out, s->len + 1);
	return s->out;
}

char *
feed_html_sanitize(const char *html, size_t len, const char *base, size_t max)
{
	struct drop d = {NULL, 0};
	enum html_tok_type type;
	struct san s;
	struct html_tok t;
	char *copy = NULL, *out;
	const char *in;

	if (html == NULL)
		return xstrdup("");
	in = html_tok_clean(html, len, &len, &copy);
	san_init(&s, len, base, max);
	/* A value longer than max could never be written: skip decoding. */
	html_tok_init(&t, in, len, E_ALLOW, max);
	while (!s.full && (type = html_tok_next(&t)) != HTML_TOK_EOF)
		san_token(&s, &d, type, &t);
	out = san_finish(&s);
	free(copy);
	return out;
}

/*
 * The text builder reads the same tokens as the sanitizer: it ignores
 * attributes, and which attributes a tokenizer keeps changes nothing else
 * it reads.  So one tokenizer can feed both, each with its own dropped
 * elements, until both are full or the input ends.
 */
char *
feed_html_text_and_sanitize(const char *html, size_t len, const char *base,
    size_t max, char **text)
{
	struct drop dt = {NULL, 0}, ds = {NULL, 0};
	enum html_tok_type type;
	struct san s;
	struct text x;
	struct html_tok t;
	char *copy = NULL, *out;
	const char *in;

	/* Plain text takes the short ways of both. */
	if (memchr(html, '<', len) == NULL && memchr(html, '&', len) == NULL) {
		*text = feed_html_to_text(html, len, max);
		return feed_html_sanitize(html, len, base, max);
	}
	in = html_tok_clean(html, len, &len, &copy);
	text_init(&x, len, max);
	san_init(&s, len, base, max);
	html_tok_init(&t, in, len, E_ALLOW, max);
	while ((!x.full || !s.full) &&
	       (type = html_tok_next(&t)) != HTML_TOK_EOF) {
		if (!x.full)
			text_token(&x, &dt, type, &t);
		if (!s.full)
			san_token(&s, &ds, type, &t);
	}
	out = san_finish(&s);
	*text = text_finish(&x);
	free(copy);
	return out;
}
