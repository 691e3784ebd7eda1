/* SPDX-License-Identifier: MIT */
/* Private header of feeds/html*.c: the HTML tokenizer and its tables. */
#ifndef SH_HTML_INT_H
#define SH_HTML_INT_H

#include <stdbool.h>
#include <stddef.h>

/*
 * html_tok.c reads HTML fragments into tokens: runs of text and tags with
 * their element and allowlisted attributes.  html.c builds text and
 * sanitized HTML from them.  Nothing here allocates per token, and nothing
 * here keeps state between calls: a struct html_tok lives on its caller's
 * stack.  parse.c borrows html_tok_clean() to repair attribute values.
 */

#define TAG_NAME_MAX 15	 /* longer names are unknown elements */
#define TAG_ATTRS_MAX 32 /* attributes past this are ignored */

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

/*
 * Room for an element or attribute name and at least one NUL: the longest
 * are 10 bytes.  Names compare as whole arrays, 8 bytes at a time.
 */
#define HTML_NAME_SIZE 12

/* An HTML element; each has one entry, so pointers compare as names. */
struct html_elem {
	char name[HTML_NAME_SIZE]; /* lower case, padded with NULs */
	unsigned char len;
	unsigned char flags; /* E_* */
	unsigned short kind; /* K_* */
};

enum html_attr_kind { A_TEXT, A_URL, A_SRCSET };

/* An attribute the sanitizer keeps, on any element it keeps. */
struct html_attr_def {
	char name[HTML_NAME_SIZE]; /* lower case, padded with NULs */
	unsigned char len;
	unsigned char kind; /* enum html_attr_kind */
};

enum html_tok_type { HTML_TOK_EOF, HTML_TOK_TEXT, HTML_TOK_TAG };

/* An allowlisted attribute of the current tag, first of its name. */
struct html_tok_attr {
	const struct html_attr_def *def;
	const char *val; /* as written: references are not decoded yet */
	size_t vlen;
};

struct html_tok {
	const char *start, *p, *end;
	unsigned attr_flags; /* keep attributes of elements with these */
	size_t attr_max;     /* longer attribute values are ignored */
	/* The raw-text element whose content comes next, or NULL. */
	const struct html_elem *raw;
	bool open_comment; /* no "-->" is left in the input */
	/* The current token. */
	const char *text; /* HTML_TOK_TEXT */
	size_t textlen;
	char cbuf[4];		      /* a decoded character reference */
	const struct html_elem *elem; /* HTML_TOK_TAG: known element, or NULL */
	bool endtag, selfclose;
	struct html_tok_attr attrs[TAG_ATTRS_MAX];
	size_t nattrs;
};

/**
 * Return the input as valid UTF-8 without control characters other than
 * tab, LF and CR: s itself when it already is, else a repaired copy left
 * in *copy for the caller to free.  Controls become spaces; broken
 * sequences become U+FFFD.
 */
const char *html_tok_clean(const char *s, size_t len, size_t *outlen,
    char **copy);

/** The element named by the n bytes at name, in any case, or NULL. */
const struct html_elem *html_tok_elem(const char *name, size_t n);

/**
 * Decode the character reference at p, which points at '&'.  Returns the
 * bytes it takes, or 0 when there is none; out gets the UTF-8 text,
 * *outlen its length and *semi whether it was closed by ';'.
 */
size_t html_tok_charref(const char *p, const char *end, bool in_attr,
    char out[4], size_t *outlen, bool *semi);

/**
 * Start reading s[0..len), which html_tok_clean() has passed.  Attributes
 * are kept for elements with a flag in attr_flags, when their value is at
 * most attr_max bytes long.  The tokenizer holds no memory of its own.
 */
void html_tok_init(struct html_tok *t, const char *s, size_t len,
    unsigned attr_flags, size_t attr_max);

/**
 * Read the next token.  Comments, doctypes and processing instructions
 * are skipped; text comes in runs between markup, and a character
 * reference is a run of its own.
 */
enum html_tok_type html_tok_next(struct html_tok *t);

/**
 * Decode the references in an attribute value into out, which has room
 * for vlen bytes (decoding never grows text); returns the length.
 */
size_t html_tok_value(const char *val, size_t vlen, char *out);

/* Length of s[0..n) cut back to a UTF-8 character boundary. */
static inline size_t
utf8_cut(const char *s, size_t n)
{
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

/* HTML's ASCII whitespace, which separates attributes. */
static inline bool
html_is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

#endif
