/* SPDX-License-Identifier: MIT */
/* Private header of feeds/: what the parsers share to build a struct feed. */
#ifndef SH_FEEDS_INT_H
#define SH_FEEDS_INT_H

#include "common.h"
#include "feeds.h"

/** A new, empty feed with every time unset. */
struct feed *feed_new(void);

/**
 * Append an empty entry, or return NULL (and note the recovery) when the
 * feed already holds lim->max_entries.
 */
struct feed_entry *feed_entry_add(struct feed *f,
    const struct feed_limits *lim);

/** Replace *slot by value (owned), freeing the old string. */
void feed_str_set(char **slot, char *value);

/**
 * Append a copy of s to a list, cut to max bytes on a character boundary,
 * unless it is empty, already there (after the cut), or the list holds
 * SH_MAX_LIST_ITEMS.
 *
 * @param v    the list
 * @param s    UTF-8 text, or NULL
 * @param max  most bytes to keep: the feed's max_field_bytes
 * @return true when s was cut; the caller notes FEED_RECOVERED_TRUNCATED
 */
bool feed_strv_add(struct feed_strv *v, const char *s, size_t max);

/**
 * Append an enclosure unless its URL is already listed.
 *
 * @param e       entry
 * @param url     absolute URL (copied)
 * @param type    MIME type or NULL (copied)
 * @param length  bytes or -1
 */
void feed_enclosure_add(struct feed_entry *e, const char *url, const char *type,
    int64_t length);

/**
 * The display name in an author string: "Jane Doe" from "jane@example.org
 * (Jane Doe)" or "Jane Doe <jane@example.org>"; the string itself
 * otherwise.  Returns a new string, or NULL when nothing is left.
 */
char *feed_person_name(const char *s);

/**
 * Keep a URL for the model only when feed_url_is_safe() says so: a
 * javascript: or data:text/html link must not reach a reader.
 *
 * @param url  the URL (owned), or NULL
 * @return url, or NULL after freeing it
 */
char *feed_url_if_safe(char *url);

/**
 * Complete a parsed feed: resolve links that had no base against the feed
 * link, and give every entry without an id the fallback of SCHEMAS.md.
 */
void feed_finish(struct feed *f);

/**
 * Tell whether a tag of an XML text holds more than max attributes, as
 * a pass that builds nothing (feeds/xmlscan.c): it may count more than
 * libxml2 would read, never fewer.
 *
 * @param text  the document, UTF-8
 * @param len   its length
 * @param max   most attributes allowed on one element
 * @return true when some tag holds more
 */
bool feed_xml_attrs_over(const char *text, size_t len, size_t max);

/**
 * Parse a JSON Feed (feeds/jsonfeed.c); arguments as feed_parse_buffer(),
 * with buf already UTF-8.
 */
int feed_parse_json(const char *buf, size_t len, const char *base_url,
    const struct feed_limits *lim, struct feed **out, char **err);

/**
 * Decode base64 (whitespace ignored); returns a new NUL-terminated string
 * or NULL when the text is not base64.
 */
char *feed_base64_decode(const char *s, size_t len, size_t *outlen);

/**
 * feed_html_sanitize() and feed_html_to_text() of one fragment in one
 * pass: the same results as the two calls.
 *
 * @param html  the fragment
 * @param len   its length
 * @param base  base URL for relative references, or NULL
 * @param max   most bytes of either result
 * @param text  gets the plain text (caller frees)
 * @return the sanitized HTML (caller frees)
 */
char *feed_html_text_and_sanitize(const char *html, size_t len,
    const char *base, size_t max, char **text);

/**
 * Escape plain text for HTML (&, <, >); a new string of at most max bytes.
 */
char *feed_html_escape(const char *s, size_t n, size_t max);

#endif
