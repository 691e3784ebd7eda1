/* SPDX-License-Identifier: MIT */
/* Public header of feeds/ for OPML: reading and writing subscription lists. */
#ifndef SH_OPML_H
#define SH_OPML_H

/*
 * OPML 2.0 import and export of subscription lists, with folders kept both
 * ways.  A struct opml_doc is a flat list of feeds, each with the path of
 * folders it lives in; opml_parse() reads one from a document in memory and
 * opml_write() writes one as a document in memory.  It reads what newsboat,
 * Miniflux, FreshRSS, CommaFeed, Liferea, yarr and the OPML 1.0 and 1.1
 * exporters write.
 *
 * Reading:
 * - Every outline with an xmlUrl attribute is a feed (the attribute name in
 *   any case: xmlUrl, xmlurl, XMLURL; or url when type is "rss" or "atom").
 *   Its title comes from title, else text; an empty title is NULL.
 * - Other outlines are folders.  A folder's name comes from text, else
 *   title: text is what OPML 2.0 requires and what readers display
 *   (newsboat's test data marks a folder's title "should be ignored").  A
 *   folder without a name is transparent: its feeds go to its parent.
 *   Outlines nested inside a feed, or inside a skipped outline, are read
 *   at that outline's own level.  Elements other than outline (and
 *   namespaced ones, like Miniflux's) are ignored with their contents.
 * - Nesting wins over the category attribute: category gives the folder
 *   only to a feed that sits directly in <body>.  Then the first non-empty
 *   item of the comma-separated list is used, read as a slash path
 *   ("/Tech/AI" is Tech, then AI); the other items are ignored, as a feed
 *   has one folder here.  A category path counts as deep as the nested
 *   outlines opml_write() makes of it: its folders and the feed's own
 *   outline, at most max_depth levels.
 * - Only http and https URLs are feeds.  Anything else is skipped and
 *   counted in nskipped: newsboat's "|command" and "exec:" (a program's
 *   output), "filter:" and "query:" URLs, Liferea's xmlUrl="vfolder"
 *   search folders, relative references.  sheafd could not fetch them.
 *   (newsboat writes a filter as a filtercmd attribute next to an http
 *   xmlUrl; that feed is kept and the filter ignored.)
 * - The same xmlUrl twice (byte for byte, after trimming) is kept once: the
 *   first wins, its title and folder included; the rest count in
 *   nduplicates.
 * - Feeds come in document order, except that a folder path that occurs
 *   more than once (two outlines with the same name, or categories) has
 *   its feeds gathered where it first appears.  That is the order
 *   opml_write() writes, so parse, write and parse again gives the same
 *   doc.
 * - Errors reject the whole document, so an import is all or nothing: a
 *   root other than <opml>, no <body>, malformed XML, an unknown encoding
 *   or bytes not valid in the declared one, or a limit passed.  HTML
 *   entities that XML does not declare (&nbsp;, &eacute;; up to 28
 *   distinct names a document) are read as their characters.
 *
 * Rules that bite: memory buffers only.  libxml2 runs without network, DTD
 * loading or entity substitution: no external or declared entity is ever
 * expanded, and a document that uses one is refused.  Every allocation
 * that input can drive is bounded by struct opml_limits.  No global state: opml_parse() swaps libxml2's
 * generic error handler, which is per thread, for the length of the call.
 * Strings are UTF-8, trimmed of surrounding white space, and owned by the
 * doc; opml_free() releases all.
 */

#include <stddef.h>

/* Most distinct feeds one document may list. */
#define SH_MAX_OPML_FEEDS 100000u
/* Deepest nesting of outlines accepted, a feed's own outline included. */
#define SH_MAX_OPML_DEPTH 64u
/*
 * Most folders in a feed's path, from nesting or from a category: below
 * them the feed's outline takes one more level.  Export writes a path as
 * nested outlines, so a path within this limit always imports again.
 */
#define SH_MAX_OPML_FOLDERS (SH_MAX_OPML_DEPTH - 1)
/* Largest OPML document accepted, in bytes. */
#define SH_MAX_OPML_DOC_BYTES (16u * 1024 * 1024)
/* Most bytes of strings a parsed doc may hold (folder paths repeat). */
#define SH_MAX_OPML_MODEL_BYTES (64u * 1024 * 1024)

/* Limits on one parse; opml_limits_default() fills the defaults. */
struct opml_limits {
	size_t max_doc_bytes;	/* larger documents are refused */
	size_t max_feeds;	/* more distinct feeds are refused */
	size_t max_model_bytes; /* a larger result is refused */
	unsigned max_depth;	/* deeper outline nesting is refused; <= 250 */
};

struct opml_feed {
	char *xml_url;	/* the feed's http or https URL, never NULL */
	char *html_url; /* the site's URL, or NULL */
	char *title;	/* or NULL */
	char **folder;	/* folder path, outermost first; names not empty */
	size_t nfolder; /* its length; 0 for a feed at the top */
};

struct opml_doc {
	char *title; /* the head's title, or NULL */
	struct opml_feed *feeds;
	size_t nfeeds;
	size_t feeds_cap;   /* slots allocated in feeds, for opml_feed_add() */
	size_t nskipped;    /* outlines whose URL is not http or https */
	size_t nduplicates; /* outlines whose xmlUrl came earlier */
};

/* Building and releasing. */

/**
 * Fill limits with the SH_MAX_OPML_* defaults.
 *
 * @param lim  limits to fill
 */
void opml_limits_default(struct opml_limits *lim);

/**
 * A new doc without feeds, for building an export.
 *
 * @param title  the head's title (copied), or NULL
 * @return the doc; free it with opml_free()
 */
struct opml_doc *opml_new(const char *title);

/**
 * Append a feed to a doc.  Every string is copied.  Nothing is checked
 * here; opml_write() refuses what it cannot write.
 *
 * @param doc       the doc
 * @param xml_url   the feed's URL
 * @param html_url  the site's URL, or NULL
 * @param title     the title, or NULL
 * @param folder    folder path, outermost first; NULL when nfolder is 0
 * @param nfolder   its length
 */
void opml_feed_add(struct opml_doc *doc, const char *xml_url,
    const char *html_url, const char *title, const char *const *folder,
    size_t nfolder);

/** Release a doc and everything it owns; NULL does nothing. */
void opml_free(struct opml_doc *doc);

/* Reading and writing. */

/**
 * Read an OPML document held in memory.  The XML declaration gives the
 * encoding (UTF-8 when there is none); libxml2 converts it.
 *
 * @param buf  the document's bytes
 * @param len  their number
 * @param lim  limits, or NULL for the defaults
 * @param out  on success, the doc; free it with opml_free()
 * @param err  on failure, if not NULL, a one-line message ("not OPML: root
 *             element is <rss>") that the caller frees
 * @return SH_OK, SH_EPARSE (malformed XML), SH_EENCODING, SH_ENOTFEED (no
 *         <opml> root or no <body>), SH_ETOOBIG, SH_ETOOMANY or SH_EDEPTH
 */
int opml_parse(const char *buf, size_t len, const struct opml_limits *lim,
    struct opml_doc **out, char **err);

/**
 * Write a doc as an OPML 2.0 document in UTF-8, indented by two spaces.
 * Feeds keep their order, gathered into their folders; folders come in the
 * order of their first feed.  A folder is an outline with text and title;
 * a feed is an outline with type="rss", text, title, xmlUrl, htmlUrl and,
 * for readers that only look at that, category="/A/B" when no folder name
 * holds a slash or a comma.  Nothing depends on the clock: the same doc
 * gives the same bytes, and writing what opml_parse() read from this
 * output gives these bytes again.
 *
 * @param doc  the doc; every xml_url set, folder paths at most 249 names
 *             (with the feed's outline, 250 levels: opml_parse() reads no
 *             deeper), strings UTF-8 without control characters other
 *             than tab, CR and LF
 * @param out  on success, the document, NUL-terminated; the caller frees it
 * @param len  on success, its length without the NUL
 * @return SH_OK, SH_EINVAL when the doc breaks the rules above, SH_EDEPTH,
 *         or SH_ENOMEM when libxml2 fails
 */
int opml_write(const struct opml_doc *doc, char **out, size_t *len);

#endif
