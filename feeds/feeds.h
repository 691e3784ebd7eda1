/* SPDX-License-Identifier: MIT */
/* Public header of feeds/: parsing feeds into one normalized entry model. */
#ifndef SH_FEEDS_H
#define SH_FEEDS_H

/*
 * feeds/ turns the bytes of a feed document (RSS 0.90 to 2.0, RDF, Atom 0.3
 * and 1.0, JSON Feed 1.0 and 1.1) into a struct feed: plain-text titles and
 * summaries, sanitized HTML content with absolute URLs, UTC dates, stable
 * ids.  It also holds the pieces that parsing is made of and that other
 * modules reuse: date parsing, URL resolution, HTML to text, sanitizing and
 * character-set conversion.
 *
 * Rules that bite:
 * - Everything works on memory buffers.  Nothing here touches the network
 *   or the disk: libxml2 runs without DTD loading and without external
 *   entities, and the limits in struct feed_limits bound every allocation
 *   that input can drive.
 * - No global state: functions may run in several threads at once, each on
 *   its own data.
 * - Strings in the returned structs are UTF-8, NUL-terminated, and owned by
 *   the struct; feed_free() releases them all.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A time that is absent or could not be parsed. */
#define FEED_TIME_NONE INT64_MIN

enum feed_format {
	FEED_FORMAT_UNKNOWN = 0,
	FEED_FORMAT_RSS090,
	FEED_FORMAT_RSS091,
	FEED_FORMAT_RSS092,
	FEED_FORMAT_RSS10,
	FEED_FORMAT_RSS20,
	FEED_FORMAT_ATOM03,
	FEED_FORMAT_ATOM10,
	FEED_FORMAT_JSONFEED10,
	FEED_FORMAT_JSONFEED11
};

/* What the parser had to recover from; reported, never fatal. */
enum feed_recovery {
	FEED_RECOVERED_XML = 1u << 0,	    /* the XML was not well-formed */
	FEED_RECOVERED_ENTITY = 1u << 1,    /* undeclared entities (&nbsp;) */
	FEED_RECOVERED_ENCODING = 1u << 2,  /* wrong or missing charset */
	FEED_RECOVERED_NAMESPACE = 1u << 3, /* undeclared namespace prefix */
	FEED_RECOVERED_TRUNCATED = 1u << 4, /* a field or list was cut short */
	FEED_RECOVERED_ENTRIES = 1u << 5,   /* entries past the limit dropped */
	FEED_RECOVERED_JSON = 1u << 6	    /* malformed members in JSON Feed */
};

/* Limits on one parse; feed_limits_default() fills the defaults. */
struct feed_limits {
	size_t max_doc_bytes;	/* larger documents are refused */
	size_t max_entries;	/* entries past this are dropped */
	size_t max_field_bytes; /* longer text fields are cut */
	unsigned max_depth;	/* deeper nesting is refused */
};

struct feed_enclosure {
	char *url;	/* absolute URL */
	char *type;	/* MIME type, or NULL */
	int64_t length; /* bytes, or -1 when unknown */
};

/* A list of strings. */
struct feed_strv {
	char **v;
	size_t n;
};

struct feed_entry {
	char *id;		  /* stable id, never NULL */
	char *title;		  /* plain text, or NULL */
	char *link;		  /* absolute URL, or NULL */
	int64_t published;	  /* UTC seconds, or FEED_TIME_NONE */
	int64_t updated;	  /* UTC seconds, or FEED_TIME_NONE */
	struct feed_strv authors; /* names, in document order */
	char *summary;		  /* plain text, or NULL */
	char *content_html; /* sanitized HTML with absolute URLs, or NULL */
	struct feed_strv categories;
	struct feed_enclosure *enclosures;
	size_t nenclosures;
	char *language; /* xml:lang of the entry, or NULL */
};

struct feed {
	enum feed_format format;
	char *title;	     /* plain text, or NULL */
	char *link;	     /* absolute site URL, or NULL */
	char *self;	     /* the feed's own URL as it states it, or NULL */
	char *description;   /* plain text, or NULL */
	char *language;	     /* as given, or NULL */
	int64_t updated;     /* UTC seconds, or FEED_TIME_NONE */
	int ttl_minutes;     /* RSS ttl or sy:updatePeriod, or -1 */
	uint32_t skip_hours; /* bit h set: do not poll in hour h (UTC) */
	uint8_t skip_days;   /* bit d set: do not poll on day d (0 = Sun) */
	struct feed_strv authors;
	struct feed_entry *entries;
	size_t nentries;
	unsigned recovered; /* FEED_RECOVERED_* bits */
	char *encoding;	    /* the charset the bytes were read in */
};

/* Parsing. */

/**
 * Fill limits with the defaults of common/limits.h.
 *
 * @param lim  limits to fill
 */
void feed_limits_default(struct feed_limits *lim);

/**
 * Parse one feed document held in memory.
 *
 * @param buf           the document's bytes, as fetched
 * @param len           their number
 * @param base_url      the address it was fetched from, for relative links;
 *                      may be NULL
 * @param content_type  the HTTP Content-Type header, for the charset; may
 *                      be NULL
 * @param lim           limits, or NULL for the defaults
 * @param out           on success, the feed; free it with feed_free()
 * @param err           on failure, if not NULL, a one-line message that the
 *                      caller frees
 * @return SH_OK (possibly with out->recovered bits set), SH_ENOTFEED,
 *         SH_EPARSE, SH_ETOOBIG or SH_EDEPTH
 */
int feed_parse_buffer(const char *buf, size_t len, const char *base_url,
    const char *content_type, const struct feed_limits *lim, struct feed **out,
    char **err);

/** Release a feed and everything it owns; NULL does nothing. */
void feed_free(struct feed *f);

/** The SCHEMAS.md name of a format ("rss2.0", "atom1.0", ...). */
const char *feed_format_name(enum feed_format format);

/**
 * Describe the recovery bits in one short line ("undeclared entities,
 * wrong charset"); the caller frees it.  Returns NULL when bits is 0.
 */
char *feed_recovery_describe(unsigned bits);

/* Dates (feeds/date.c). */

/**
 * Parse a date as found in feeds: RFC 822/2822 with every timezone form in
 * the wild, ISO 8601 / W3CDTF, and common broken forms.
 *
 * @param s    NUL-terminated text; leading and trailing space is ignored
 * @param out  on success, UTC seconds since the epoch
 * @return SH_OK or SH_EINVAL when the text is no date we can read
 */
int feed_date_parse(const char *s, int64_t *out);

/**
 * Format UTC seconds as "YYYY-MM-DDTHH:MM:SSZ".
 *
 * @param t    seconds since the epoch
 * @param buf  receives the text
 * @param n    size of buf, at least 21
 * @return buf
 */
char *feed_date_format(int64_t t, char *buf, size_t n);

/* URLs (feeds/url.c). */

/**
 * Resolve a reference against a base URL (RFC 3986 section 5).
 *
 * @param base  absolute base URL, or NULL
 * @param ref   the reference as found in the document
 * @return a new absolute URL (caller frees), the trimmed reference itself
 *         when it cannot be resolved, or NULL when ref is empty
 */
char *feed_url_resolve(const char *base, const char *ref);

/**
 * Tell whether a URL is safe to keep in a link attribute: http, https,
 * mailto, ftp, relative references, and data:image/... only.
 *
 * @param url  the URL, resolved or not
 * @return true when safe
 */
bool feed_url_is_safe(const char *url);

/* Text (feeds/html.c). */

/**
 * Turn a fragment of HTML into plain text: markup dropped (script and style
 * contents too), entities decoded, whitespace collapsed and trimmed.
 *
 * @param html  the fragment
 * @param len   its length
 * @param max   most bytes of text to return
 * @return a new string (caller frees), possibly empty
 */
char *feed_html_to_text(const char *html, size_t len, size_t max);

/**
 * Collapse runs of whitespace in plain text to one space and trim the ends.
 *
 * @param text  the text
 * @param len   its length
 * @param max   most bytes to return
 * @return a new string (caller frees), possibly empty
 */
char *feed_text_collapse(const char *text, size_t len, size_t max);

/**
 * Tell whether a string looks like HTML rather than plain text: it holds a
 * known tag or an entity reference.
 */
bool feed_text_looks_html(const char *s, size_t len);

/**
 * Sanitize a fragment of HTML with an allowlist: no script, style, iframe,
 * object, form or event-handler attributes, no javascript: or data: URLs
 * except data:image/...; relative URLs resolved against base.
 *
 * @param html  the fragment
 * @param len   its length
 * @param base  base URL for relative references, or NULL
 * @param max   most bytes to return
 * @return a new string (caller frees), possibly empty
 */
char *feed_html_sanitize(const char *html, size_t len, const char *base,
    size_t max);

/* Character sets (feeds/charset.c). */

/**
 * Bring a document to UTF-8.  The encoding is taken from, in order: a byte
 * order mark, the charset of the HTTP Content-Type, the XML declaration,
 * and otherwise UTF-8 with a fallback to windows-1252 when the bytes are
 * not valid UTF-8.  JSON is always UTF-8 (RFC 8259), with the same fallback.
 *
 * @param buf           the bytes
 * @param len           their number
 * @param content_type  the HTTP Content-Type, or NULL
 * @param out           on success, the UTF-8 text (caller frees), or NULL
 *                      when buf can be used as it is (then *outlen and
 *                      *skip say which part of buf to use)
 * @param outlen        length of the UTF-8 text
 * @param skip          bytes to skip at the start of buf (a BOM) when *out
 *                      is NULL
 * @param encoding      on success, the encoding's name (static string)
 * @param recovered     set to true when the declared encoding was wrong or
 *                      invalid bytes had to be replaced
 * @return SH_OK, or SH_EENCODING when no conversion is possible
 */
int feed_charset_to_utf8(const char *buf, size_t len, const char *content_type,
    char **out, size_t *outlen, size_t *skip, const char **encoding,
    bool *recovered);

#endif
