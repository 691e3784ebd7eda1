/* SPDX-License-Identifier: MIT */
/* The XML feed parser: RSS 0.9x, 1.0 and 2.0 and Atom 0.3 and 1.0 in one SAX2 pass. */

/*
 * One streaming pass over libxml2's SAX2 events, no tree.  The idea:
 *
 * - Every element is classified once into (vocabulary, name).  RSS, RDF and
 *   Atom elements share one "core" vocabulary, matched case-insensitively,
 *   because feeds in the wild mix them freely (atom:link in RSS, RSS
 *   <description> in Atom, <Title> in upper case).  Extension vocabularies
 *   (Dublin Core, content, media, sy, itunes, XHTML) are told apart by
 *   namespace URI, or by their conventional prefix when the feed forgot to
 *   declare it.
 * - A text field is "captured": from its start tag to its end tag the
 *   character data goes into one buffer.  Child elements inside a captured
 *   field (inline XHTML, unescaped HTML in an RSS description) are written
 *   back into the buffer as markup, and from then on the buffer is HTML.
 *   At the end tag the buffer becomes plain text or sanitized HTML
 *   according to the field and its declared or guessed type.
 * - Context is a few depths: inside an entry, inside a person (Atom
 *   author), inside a container whose titles and links are not the feed's
 *   (image, textInput, source, contributor).  xml:base and xml:lang are
 *   kept on a stack of frames, one per open element.
 * - libxml2 runs in recovery mode without network access, without
 *   external entities and without entity substitution.  HTML entities that
 *   XML does not declare (&nbsp;) are served by our getEntity callback as
 *   predefined entities.  After each error the context is marked
 *   well-formed again: libxml2 otherwise stops delivering entity text once
 *   a document has had one error.
 *
 * Tried and rejected: the xmlReader interface (simpler, but about half the
 * speed of SAX2 on real feeds) and building a tree (memory proportional to
 * the document, and no faster).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <libxml/HTMLparser.h>
#include <libxml/SAX2.h>
#include <libxml/entities.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>

#include "feeds_int.h"
#include "html_int.h"

/* Vocabularies. */
enum voc {
	VOC_CORE,    /* no namespace, RSS 0.90/1.0/2.0, Atom 0.3/1.0 */
	VOC_DC,	     /* Dublin Core elements and terms */
	VOC_CONTENT, /* content:encoded */
	VOC_MEDIA,   /* Media RSS */
	VOC_SY,	     /* syndication module */
	VOC_ITUNES,  /* podcasts */
	VOC_XHTML,   /* xhtml:body in RSS */
	VOC_RDF,     /* rdf:RDF */
	VOC_OTHER
};

/* Element names that mean something to us. */
enum el {
	EL_OTHER,
	EL_AUTHOR,
	EL_BODY,
	EL_CATEGORY,
	EL_CHANNEL,
	EL_CONTENT,
	EL_CONTRIBUTOR,
	EL_CREATED,
	EL_CREATOR,
	EL_DATE,
	EL_DAY,
	EL_DESCRIPTION,
	EL_EMAIL,
	EL_ENCLOSURE,
	EL_ENCODED,
	EL_ENTRY,
	EL_FEED,
	EL_GUID,
	EL_HOUR,
	EL_ID,
	EL_IMAGE,
	EL_ISSUED,
	EL_ITEM,
	EL_LANGUAGE,
	EL_LASTBUILDDATE,
	EL_LINK,
	EL_MANAGINGEDITOR,
	EL_MODIFIED,
	EL_NAME,
	EL_PUBDATE,
	EL_PUBLISHED,
	EL_RDF,
	EL_RSS,
	EL_SKIPDAYS,
	EL_SKIPHOURS,
	EL_SOURCE,
	EL_SUBJECT,
	EL_SUBTITLE,
	EL_SUMMARY,
	EL_TAGLINE,
	EL_TEXTINPUT,
	EL_THUMBNAIL,
	EL_TITLE,
	EL_TTL,
	EL_UPDATED,
	EL_UPDATEFREQUENCY,
	EL_UPDATEPERIOD
};

/* What a captured text becomes. */
enum field {
	FLD_NONE,
	FLD_TITLE,
	FLD_LINK,
	FLD_DESCRIPTION, /* RSS description: summary, and content if HTML */
	FLD_SUMMARY,
	FLD_CONTENT,
	FLD_ID,
	FLD_PUBLISHED,
	FLD_UPDATED,
	FLD_DCDATE,
	FLD_LANGUAGE,
	FLD_CATEGORY,
	FLD_AUTHOR, /* an author as text, or an Atom person's text */
	FLD_PERSON_NAME,
	FLD_PERSON_EMAIL,
	FLD_TTL,
	FLD_SYPERIOD,
	FLD_SYFREQ,
	FLD_HOUR,
	FLD_DAY
};

/* How the captured text is typed. */
enum ctype {
	CT_TEXT,   /* plain text */
	CT_HTML,   /* escaped HTML */
	CT_XHTML,  /* inline markup, wrapper div dropped */
	CT_GUESS,  /* RSS: HTML if it looks like HTML */
	CT_BASE64, /* Atom 0.3 mode="base64" */
	CT_RAW	   /* identifiers, dates, numbers: trimmed only */
};

struct frame {
	const xmlChar *name; /* local name, from the parser's dictionary */
	char *base;	     /* effective xml:base, owned when own_base */
	char *lang;	     /* effective xml:lang, owned when own_lang */
	bool own_base;
	bool own_lang;
	uint8_t voc;
	uint8_t el;
};

struct capture {
	int depth; /* depth of the captured element, -1 if none */
	enum field field;
	enum ctype type;
	bool plain_type;   /* base64 payload is text: no type, text/plain */
	bool keep_wrapper; /* Atom 0.3 mode="xml": the div is content */
	bool markup;	   /* child elements were written: buf is HTML */
	int wrapper;	   /* depth of a dropped XHTML wrapper div, or -1 */
	bool weak;	   /* dc:title, itunes:subtitle: core wins */
	struct sh_buf buf;
};

/* An entity served to libxml2 for an HTML name XML does not declare. */
struct html_entity {
	xmlEntity ent;
	xmlChar name[36];
	xmlChar text[40]; /* its UTF-8, or "&name;" when unknown */
};

#define EL_CACHE 64 /* a power of two */

struct parser {
	xmlParserCtxtPtr ctxt;
	const struct feed_limits *lim;
	struct feed *feed;
	const char *doc_base; /* --base, the fetch URL */
	int err;	      /* SH_OK, or why parsing stopped */

	struct frame *frames; /* frames[0] is the document */
	int depth;

	struct feed_entry *entry; /* entry being built, or NULL */
	int entry_depth;	  /* -1 outside entries */
	bool entry_dropped;	  /* over the limit: ignore its contents */
	int skip_depth;		  /* inside image, source...: -1 if not */
	int person_depth;	  /* inside an Atom person: -1 if not */
	int skiphours_depth;
	int skipdays_depth;

	struct capture cap;

	/* Per-entry state resolved at its end tag. */
	char *guid;
	bool guid_permalink;
	int64_t dcdate;
	char *desc_raw; /* RSS description, kept until the entry ends */
	size_t desc_len;
	bool desc_is_html;
	char *desc_html; /* or already sanitized, when it is HTML */
	bool weak_title; /* the entry's title came from a weak source */
	bool weak_summary;
	bool link_rel_alternate;
	char *person_name;
	char *person_email;
	bool person_structured;

	/* Feed-level values folded in at the end. */
	bool feed_weak_title;
	bool feed_weak_desc;
	int64_t feed_pubdate;
	int64_t feed_dcdate;
	int sy_period; /* minutes per period, or 0 */
	int sy_freq;

	char *root_ns;		   /* the root's namespace is the core one */
	const xmlChar *ns_seen[8]; /* namespaces classified lately */
	uint8_t ns_voc[8];
	unsigned ns_next;
	/* Element names classified lately, by their pointer into the
	 * parser's dictionary, which holds one copy of each name. */
	struct {
		const xmlChar *name;
		uint8_t voc, el;
	} el_seen[EL_CACHE];
	struct html_entity *ents[64];
	size_t nents;
};

/* Namespaces. */

static const struct {
	const char *uri;
	enum voc voc;
} ns_uris[] = {
    {"http://www.w3.org/2005/Atom", VOC_CORE},
    {"http://purl.org/atom/ns#", VOC_CORE},
    {"http://purl.org/rss/1.0/", VOC_CORE},
    {"http://my.netscape.com/rdf/simple/0.9/", VOC_CORE},
    {"http://backend.userland.com/rss2", VOC_CORE},
    {"http://backend.userland.com/rss", VOC_CORE},
    {"http://purl.org/net/rss1.1#", VOC_CORE},
    {"http://purl.org/dc/elements/1.1/", VOC_DC},
    {"http://purl.org/dc/elements/1.0/", VOC_DC},
    {"http://purl.org/dc/terms/", VOC_DC},
    {"http://purl.org/rss/1.0/modules/content/", VOC_CONTENT},
    {"http://search.yahoo.com/mrss/", VOC_MEDIA},
    {"http://search.yahoo.com/mrss", VOC_MEDIA},
    {"http://video.search.yahoo.com/mrss", VOC_MEDIA},
    {"http://video.search.yahoo.com/mrss/", VOC_MEDIA},
    {"http://purl.org/rss/1.0/modules/syndication/", VOC_SY},
    {"http://www.itunes.com/dtds/podcast-1.0.dtd", VOC_ITUNES},
    {"http://www.w3.org/1999/xhtml", VOC_XHTML},
    {"http://www.w3.org/1999/02/22-rdf-syntax-ns#", VOC_RDF},
};

/* Prefixes feeds use without declaring them. */
static const struct {
	const char *prefix;
	enum voc voc;
} ns_prefixes[] = {
    {"atom", VOC_CORE},
    {"rss", VOC_CORE},
    {"dc", VOC_DC},
    {"dcterms", VOC_DC},
    {"content", VOC_CONTENT},
    {"media", VOC_MEDIA},
    {"sy", VOC_SY},
    {"itunes", VOC_ITUNES},
    {"xhtml", VOC_XHTML},
    {"rdf", VOC_RDF},
};

static enum voc
classify_uri(const xmlChar *uri)
{
	size_t i;

	for (i = 0; i < sizeof(ns_uris) / sizeof(ns_uris[0]); i++)
		if (strcmp((const char *)uri, ns_uris[i].uri) == 0)
			return ns_uris[i].voc;
	/* Case and trailing-slash variants of the known ones. */
	for (i = 0; i < sizeof(ns_uris) / sizeof(ns_uris[0]); i++)
		if (sh_strcaseeq((const char *)uri, ns_uris[i].uri))
			return ns_uris[i].voc;
	return VOC_OTHER;
}

static enum voc
classify_voc(struct parser *p, const xmlChar *prefix, const xmlChar *uri)
{
	enum voc v;
	size_t i;

	if (uri != NULL) {
		if (p->root_ns != NULL &&
		    strcmp((const char *)uri, p->root_ns) == 0)
			return VOC_CORE;
		/* A feed uses a handful of namespaces, each many times;
		 * libxml2 mostly hands the same one over as one pointer. */
		for (i = 0; i < 8; i++)
			if (p->ns_seen[i] == uri)
				return (enum voc)p->ns_voc[i];
		for (i = 0; i < 8; i++)
			if (p->ns_seen[i] != NULL &&
			    strcmp((const char *)p->ns_seen[i],
				(const char *)uri) == 0)
				return (enum voc)p->ns_voc[i];
		v = classify_uri(uri);
		p->ns_seen[p->ns_next % 8] = uri;
		p->ns_voc[p->ns_next++ % 8] = (uint8_t)v;
		return v;
	}
	if (prefix == NULL)
		return VOC_CORE;
	p->feed->recovered |= FEED_RECOVERED_NAMESPACE;
	for (i = 0; i < sizeof(ns_prefixes) / sizeof(ns_prefixes[0]); i++)
		if (sh_strcaseeq((const char *)prefix, ns_prefixes[i].prefix))
			return ns_prefixes[i].voc;
	return VOC_OTHER;
}

static const struct {
	const char *name;
	enum el el;
} core_names[] = {
    {"author", EL_AUTHOR},
    {"body", EL_BODY},
    {"category", EL_CATEGORY},
    {"channel", EL_CHANNEL},
    {"content", EL_CONTENT},
    {"contributor", EL_CONTRIBUTOR},
    {"created", EL_CREATED},
    {"description", EL_DESCRIPTION},
    {"email", EL_EMAIL},
    {"enclosure", EL_ENCLOSURE},
    {"entry", EL_ENTRY},
    {"feed", EL_FEED},
    {"fullitem", EL_ENCODED},
    {"abstract", EL_DESCRIPTION},
    {"guid", EL_GUID},
    {"id", EL_ID},
    {"image", EL_IMAGE},
    {"issued", EL_ISSUED},
    {"item", EL_ITEM},
    {"language", EL_LANGUAGE},
    {"lastbuilddate", EL_LASTBUILDDATE},
    {"link", EL_LINK},
    {"managingeditor", EL_MANAGINGEDITOR},
    {"modified", EL_MODIFIED},
    {"name", EL_NAME},
    {"pubdate", EL_PUBDATE},
    {"published", EL_PUBLISHED},
    {"rdf", EL_RDF},
    {"rss", EL_RSS},
    {"skipdays", EL_SKIPDAYS},
    {"skiphours", EL_SKIPHOURS},
    {"source", EL_SOURCE},
    {"subtitle", EL_SUBTITLE},
    {"summary", EL_SUMMARY},
    {"tagline", EL_TAGLINE},
    {"textinput", EL_TEXTINPUT},
    {"title", EL_TITLE},
    {"ttl", EL_TTL},
    {"updated", EL_UPDATED},
    {"hour", EL_HOUR},
    {"day", EL_DAY},
};

static enum el
classify_core(const char *name)
{
	unsigned char first = (unsigned char)name[0] | 0x20;
	size_t i;

	/* Most elements are not ours: compare only names with the same
	 * first letter. */
	for (i = 0; i < sizeof(core_names) / sizeof(core_names[0]); i++)
		if ((unsigned char)core_names[i].name[0] == first &&
		    sh_strcaseeq(name, core_names[i].name))
			return core_names[i].el;
	return EL_OTHER;
}

static enum el
classify_el(enum voc voc, const char *name)
{
	switch (voc) {
	case VOC_CORE:
		return classify_core(name);
	case VOC_DC:
		if (strcmp(name, "date") == 0)
			return EL_DATE;
		if (strcmp(name, "creator") == 0 || strcmp(name, "author") == 0)
			return EL_CREATOR;
		if (strcmp(name, "subject") == 0)
			return EL_SUBJECT;
		if (strcmp(name, "title") == 0 ||
		    strcmp(name, "description") == 0 ||
		    strcmp(name, "language") == 0 ||
		    strcmp(name, "modified") == 0 ||
		    strcmp(name, "issued") == 0 ||
		    strcmp(name, "created") == 0 ||
		    strcmp(name, "contributor") == 0)
			return classify_core(name);
		return EL_OTHER;
	case VOC_CONTENT:
		return strcmp(name, "encoded") == 0 ? EL_ENCODED : EL_OTHER;
	case VOC_MEDIA:
		if (strcmp(name, "content") == 0)
			return EL_CONTENT;
		if (strcmp(name, "thumbnail") == 0)
			return EL_THUMBNAIL;
		return EL_OTHER;
	case VOC_SY:
		if (strcmp(name, "updatePeriod") == 0)
			return EL_UPDATEPERIOD;
		if (strcmp(name, "updateFrequency") == 0)
			return EL_UPDATEFREQUENCY;
		return EL_OTHER;
	case VOC_XHTML:
		return strcmp(name, "body") == 0 ? EL_BODY : EL_OTHER;
	case VOC_RDF:
		return strcmp(name, "RDF") == 0 ? EL_RDF : EL_OTHER;
	case VOC_ITUNES:
		if (strcmp(name, "author") == 0)
			return EL_CREATOR;
		if (strcmp(name, "category") == 0)
			return EL_CATEGORY;
		if (strcmp(name, "subtitle") == 0)
			return EL_SUBTITLE;
		return EL_OTHER;
	case VOC_OTHER:
		break;
	}
	return EL_OTHER;
}

/*
 * classify_el() for a name from the parser's dictionary: the same name
 * comes as the same pointer, and a feed repeats a few dozen names.
 */
static enum el
classify_el_cached(struct parser *p, enum voc voc, const xmlChar *name)
{
	size_t h = ((uintptr_t)name >> 3 ^ (uintptr_t)name >> 9 ^ voc) &
		   (EL_CACHE - 1);

	if (p->el_seen[h].name != name || p->el_seen[h].voc != voc) {
		p->el_seen[h].name = name;
		p->el_seen[h].voc = (uint8_t)voc;
		p->el_seen[h].el =
		    (uint8_t)classify_el(voc, (const char *)name);
	}
	return (enum el)p->el_seen[h].el;
}

/* Attributes as SAX2 passes them: 5 pointers each, values not terminated. */

/*
 * An attribute's value.  Without entity substitution libxml2 hands "&amp;"
 * in attribute values over as "&#38;": decode that one reference.
 *
 * libxml2 also copies only the first byte of an entity's text into an
 * attribute value.  mend_ampersands() turns the HTML entities into numeric
 * references beforehand, but it cannot see every way a document can hide
 * one (a declared entity, a reference it took for the inside of a
 * comment), so a value that is no longer UTF-8 is repaired here.
 */
static char *
attr_value(const xmlChar **a)
{
	const char *s = (const char *)a[3];
	size_t n = (size_t)(a[4] - a[3]), i, j;
	char *v = xstrndup(s, n), *copy;

	if (memchr(v, '&', n) != NULL) {
		for (i = j = 0; i < n; j++) {
			if (strncmp(v + i, "&#38;", 5) == 0) {
				v[j] = '&';
				i += 5;
			} else {
				v[j] = v[i++];
			}
		}
		v[j] = '\0';
		n = j;
	}
	if (!sh_utf8_valid(v, n) && html_tok_clean(v, n, &n, &copy) != v) {
		free(v);
		v = copy;
	}
	return v;
}

static char *
attr_get(const xmlChar **attrs, int nattrs, const char *name)
{
	int i;

	for (i = 0; i < nattrs; i++) {
		const xmlChar **a = attrs + 5 * i;

		if (sh_strcaseeq((const char *)a[0], name))
			return attr_value(a);
	}
	return NULL;
}

static char *
attr_get_xml(const xmlChar **attrs, int nattrs, const char *name)
{
	int i;

	for (i = 0; i < nattrs; i++) {
		const xmlChar **a = attrs + 5 * i;

		if (a[1] != NULL && strcmp((const char *)a[1], "xml") == 0 &&
		    strcmp((const char *)a[0], name) == 0)
			return attr_value(a);
	}
	return NULL;
}

static bool
attr_has(const xmlChar **attrs, int nattrs, const char *name)
{
	int i;

	for (i = 0; i < nattrs; i++)
		if (sh_strcaseeq((const char *)attrs[5 * i], name))
			return true;
	return false;
}

static bool
attr_is(const xmlChar **attrs, int nattrs, const char *name, const char *value)
{
	char *v = attr_get(attrs, nattrs, name);
	bool eq = v != NULL && sh_strcaseeq(v, value);

	free(v);
	return eq;
}

static char *
trimmed(const char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
			    s[n - 1] == '\r' || s[n - 1] == '\n'))
		n--;
	return n > 0 ? xstrndup(s, n) : NULL;
}

static const char *
cur_base(struct parser *p)
{
	return p->frames[p->depth].base;
}

/*
 * An absolute URL, or the reference kept for feed_finish() to resolve;
 * NULL when it is not safe to follow.
 */
static char *
resolve(struct parser *p, const char *ref)
{
	char *t = trimmed(ref), *abs;

	if (t == NULL)
		return NULL;
	if (cur_base(p) == NULL)
		return feed_url_if_safe(t);
	abs = feed_url_resolve(cur_base(p), t);
	free(t);
	return feed_url_if_safe(abs);
}

static void
stop(struct parser *p, int err)
{
	if (p->err == SH_OK)
		p->err = err;
	xmlStopParser(p->ctxt);
}

/* Frames. */

static void
frame_push(struct parser *p, const xmlChar *name, const xmlChar **attrs,
    int nattrs, enum voc voc, enum el el)
{
	struct frame *parent = &p->frames[p->depth];
	struct frame *f = &p->frames[++p->depth];
	char *base, *lang;

	f->name = name;
	f->voc = (uint8_t)voc;
	f->el = (uint8_t)el;
	f->base = parent->base;
	f->own_base = false;
	f->lang = parent->lang;
	f->own_lang = false;
	if (nattrs == 0)
		return;
	if ((base = attr_get_xml(attrs, nattrs, "base")) != NULL) {
		char *t = trimmed(base);

		free(base);
		if (t != NULL) {
			f->base = parent->base != NULL
				      ? feed_url_resolve(parent->base, t)
				      : xstrdup(t);
			f->own_base = f->base != NULL;
			free(t);
		}
	}
	if ((lang = attr_get_xml(attrs, nattrs, "lang")) != NULL) {
		f->lang = trimmed(lang);
		f->own_lang = f->lang != NULL;
		free(lang);
	}
}

static void
frame_pop(struct parser *p)
{
	struct frame *f = &p->frames[p->depth];

	if (f->own_base)
		free(f->base);
	if (f->own_lang)
		free(f->lang);
	p->depth--;
}

/* Captures. */

static void
cap_begin(struct parser *p, enum field field, enum ctype type)
{
	p->cap.depth = p->depth;
	p->cap.field = field;
	p->cap.type = type;
	p->cap.plain_type = false;
	p->cap.keep_wrapper = false;
	p->cap.markup = false;
	p->cap.wrapper = -1;
	p->cap.weak = false;
	sh_buf_reset(&p->cap.buf);
}

/* Append to the capture; past the field limit, keep what fits. */
static void
cap_append(struct parser *p, const char *s, size_t n)
{
	struct sh_buf *b = &p->cap.buf;
	size_t room;

	if (sh_buf_append(b, s, n) == SH_OK)
		return;
	p->feed->recovered |= FEED_RECOVERED_TRUNCATED;
	room = b->max - b->len;
	/* Cut on a character boundary, never inside a UTF-8 sequence. */
	while (room > 0 && room < n && ((unsigned char)s[room] & 0xc0) == 0x80)
		room--;
	if (room > 0)
		sh_buf_append(b, s, room);
}

static void
cap_append_escaped(struct parser *p, const char *s, size_t n, bool attr)
{
	size_t i, start = 0;

	for (i = 0; i < n; i++) {
		const char *rep = NULL;

		switch (s[i]) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = attr ? "&quot;" : NULL;
			break;
		}
		if (rep == NULL)
			continue;
		cap_append(p, s + start, i - start);
		cap_append(p, rep, strlen(rep));
		start = i + 1;
	}
	cap_append(p, s + start, n - start);
}

/* The buffer turns into HTML: escape the text gathered so far. */
static void
cap_to_markup(struct parser *p)
{
	char *text;
	size_t len;

	if (p->cap.markup)
		return;
	p->cap.markup = true;
	len = p->cap.buf.len;
	if (len == 0)
		return;
	text = xstrndup(p->cap.buf.data, len);
	sh_buf_reset(&p->cap.buf);
	/* Escaped HTML declared as such is already markup. */
	if (p->cap.type == CT_HTML ||
	    (p->cap.type == CT_GUESS && feed_text_looks_html(text, len)))
		cap_append(p, text, len);
	else
		cap_append_escaped(p, text, len, false);
	free(text);
}

static void
cap_start_tag(struct parser *p, const xmlChar *name, const xmlChar **attrs,
    int nattrs)
{
	int i;

	/* Atom's type="xhtml" wraps the content in one div: not content. */
	if ((p->cap.type == CT_XHTML || p->cap.type == CT_HTML) &&
	    !p->cap.keep_wrapper && p->depth == p->cap.depth + 1 &&
	    p->cap.wrapper < 0 && p->cap.buf.len == 0 &&
	    strcmp((const char *)name, "div") == 0) {
		p->cap.wrapper = p->depth;
		p->cap.markup = true;
		return;
	}
	cap_to_markup(p);
	cap_append(p, "<", 1);
	cap_append(p, (const char *)name, strlen((const char *)name));
	for (i = 0; i < nattrs; i++) {
		const xmlChar **a = attrs + 5 * i;
		char *v = attr_value(a);

		cap_append(p, " ", 1);
		cap_append(p, (const char *)a[0], strlen((const char *)a[0]));
		cap_append(p, "=\"", 2);
		cap_append_escaped(p, v, strlen(v), true);
		cap_append(p, "\"", 1);
		free(v);
	}
	cap_append(p, ">", 1);
}

static void
cap_end_tag(struct parser *p, const xmlChar *name)
{
	if (p->depth == p->cap.wrapper) {
		p->cap.wrapper = -2; /* at most one wrapper */
		return;
	}
	if (htmlTagLookup(name) != NULL && htmlTagLookup(name)->empty)
		return;
	cap_append(p, "</", 2);
	cap_append(p, (const char *)name, strlen((const char *)name));
	cap_append(p, ">", 1);
}

/* Text value of the capture: plain text for every field but content. */
static char *
cap_text(struct parser *p, const char *s, size_t n, bool html)
{
	char *t;

	if (html)
		t = feed_html_to_text(s, n, p->lim->max_field_bytes);
	else
		t = feed_text_collapse(s, n, p->lim->max_field_bytes);
	if (t != NULL && *t == '\0') {
		free(t);
		t = NULL;
	}
	return t;
}

static const char *
content_base(struct parser *p)
{
	return cur_base(p) != NULL ? cur_base(p) : p->feed->link;
}

static char *
cap_html(struct parser *p, const char *s, size_t n, bool html)
{
	if (html)
		return feed_html_sanitize(s, n, content_base(p),
		    p->lim->max_field_bytes);
	return feed_html_escape(s, n, p->lim->max_field_bytes);
}

static void
set_if_null(char **slot, char *value)
{
	if (*slot == NULL)
		*slot = value;
	else
		free(value);
}

/* A language tag as BCP 47 writes it: "en_US" becomes "en-US". */
static char *
language_tag(const char *s)
{
	char *t = xstrdup(s), *c;

	for (c = t; *c != '\0'; c++)
		if (*c == '_')
			*c = '-';
	return t;
}

/* First value wins, except that a strong source replaces a weak one. */
static void
set_weighted(char **slot, bool *slot_weak, char *value, bool weak)
{
	if (value == NULL)
		return;
	if (*slot == NULL || (*slot_weak && !weak)) {
		feed_str_set(slot, value);
		*slot_weak = weak;
		return;
	}
	free(value);
}

static int64_t
parse_date(const char *s)
{
	int64_t t;

	return feed_date_parse(s, &t) == SH_OK ? t : FEED_TIME_NONE;
}

static void
apply_date(struct parser *p, enum field field, const char *s)
{
	int64_t t = parse_date(s);
	struct feed_entry *e = p->entry;

	if (t == FEED_TIME_NONE)
		return;
	/* A repeated date overrides the earlier one, as in feedparser. */
	if (e != NULL) {
		if (field == FLD_PUBLISHED)
			e->published = t;
		else if (field == FLD_UPDATED)
			e->updated = t;
		else if (field == FLD_DCDATE)
			p->dcdate = t;
		return;
	}
	if (field == FLD_PUBLISHED)
		p->feed_pubdate = t;
	else if (field == FLD_UPDATED)
		p->feed->updated = t;
	else if (field == FLD_DCDATE)
		p->feed_dcdate = t;
}

static int
sy_period_minutes(const char *s)
{
	if (sh_strcaseeq(s, "hourly"))
		return 60;
	if (sh_strcaseeq(s, "daily"))
		return 24 * 60;
	if (sh_strcaseeq(s, "weekly"))
		return 7 * 24 * 60;
	if (sh_strcaseeq(s, "monthly"))
		return 30 * 24 * 60;
	if (sh_strcaseeq(s, "yearly"))
		return 365 * 24 * 60;
	return 0;
}

static void
apply_skip_day(struct parser *p, const char *s)
{
	static const char *days[] = {"sunday", "monday", "tuesday", "wednesday",
	    "thursday", "friday", "saturday"};
	int i;

	for (i = 0; i < 7; i++)
		if (sh_strcaseeq(s, days[i]))
			p->feed->skip_days |= (uint8_t)(1u << i);
}

/* Add to a list of names or terms within the field limit. */
static void
strv_add(struct parser *p, struct feed_strv *v, const char *s)
{
	if (feed_strv_add(v, s, p->lim->max_field_bytes))
		p->feed->recovered |= FEED_RECOVERED_TRUNCATED;
}

static void
apply_raw(struct parser *p, enum field field, char *v)
{
	struct feed_entry *e = p->entry;
	long n;

	switch (field) {
	case FLD_LINK:
		if (e != NULL)
			set_if_null(&e->link, resolve(p, v));
		else
			set_if_null(&p->feed->link, resolve(p, v));
		break;
	case FLD_ID:
		if (e != NULL)
			set_if_null(&p->guid, xstrdup(v));
		break;
	case FLD_PUBLISHED:
	case FLD_UPDATED:
	case FLD_DCDATE:
		apply_date(p, field, v);
		break;
	case FLD_LANGUAGE:
		if (e != NULL)
			set_if_null(&e->language, language_tag(v));
		else
			set_if_null(&p->feed->language, language_tag(v));
		break;
	case FLD_CATEGORY:
		if (e != NULL)
			strv_add(p, &e->categories, v);
		break;
	case FLD_TTL:
		n = strtol(v, NULL, 10);
		if (n > 0 && n < 1000000)
			p->feed->ttl_minutes = (int)n;
		break;
	case FLD_SYPERIOD:
		p->sy_period = sy_period_minutes(v);
		break;
	case FLD_SYFREQ:
		n = strtol(v, NULL, 10);
		if (n > 0 && n < 100000)
			p->sy_freq = (int)n;
		break;
	case FLD_HOUR:
		n = strtol(v, NULL, 10);
		if (n >= 0 && n <= 24)
			p->feed->skip_hours |= 1u << (n % 24);
		break;
	case FLD_DAY:
		apply_skip_day(p, v);
		break;
	case FLD_PERSON_NAME:
		set_if_null(&p->person_name, xstrdup(v));
		break;
	case FLD_PERSON_EMAIL:
		set_if_null(&p->person_email, xstrdup(v));
		break;
	default:
		break;
	}
}

static void
add_author(struct parser *p, const char *s)
{
	char *name = feed_person_name(s);

	if (name == NULL)
		return;
	strv_add(p, p->entry != NULL ? &p->entry->authors : &p->feed->authors,
	    name);
	free(name);
}

/*
 * Whether an entry's RSS description of n bytes is to be its content too,
 * as far as can be told now: the first description, and no content yet.
 * Content that comes later still wins at the entry's end.
 */
static bool
desc_is_content(const struct parser *p, size_t n)
{
	return p->entry != NULL && p->entry->content_html == NULL &&
	       p->desc_raw == NULL && p->desc_html == NULL && n > 0;
}

/*
 * An HTML description that may become the content: its summary and its
 * sanitized HTML in one pass over its tokens.  The base is the one the
 * entry's end would use, the entry's own (the feed link cannot change
 * inside an entry).
 */
static void
desc_text_and_html(struct parser *p, const char *s, size_t n)
{
	const char *base = p->frames[p->entry_depth].base;
	char *t;

	if (base == NULL)
		base = p->feed->link;
	p->desc_html = feed_html_text_and_sanitize(s, n, base,
	    p->lim->max_field_bytes, &t);
	if (*t == '\0') {
		free(t);
		t = NULL;
	}
	set_weighted(&p->entry->summary, &p->weak_summary, t, p->cap.weak);
}

static void
apply_text(struct parser *p, enum field field, const char *s, size_t n,
    bool html)
{
	struct feed_entry *e = p->entry;
	char *t;

	switch (field) {
	case FLD_TITLE:
		t = cap_text(p, s, n, html);
		if (e != NULL)
			set_weighted(&e->title, &p->weak_title, t, p->cap.weak);
		else
			set_weighted(&p->feed->title, &p->feed_weak_title, t,
			    p->cap.weak);
		break;
	case FLD_DESCRIPTION:
	case FLD_SUMMARY:
		if (field == FLD_DESCRIPTION && html && desc_is_content(p, n)) {
			desc_text_and_html(p, s, n);
			break;
		}
		t = cap_text(p, s, n, html);
		if (e == NULL) {
			set_weighted(&p->feed->description, &p->feed_weak_desc,
			    t, p->cap.weak);
			break;
		}
		set_weighted(&e->summary, &p->weak_summary, t, p->cap.weak);
		/* An RSS description that is HTML is the content too, unless
		 * content:encoded brings the full text. */
		if (field == FLD_DESCRIPTION && p->desc_raw == NULL &&
		    p->desc_html == NULL && n > 0) {
			/* Sanitized at the end, and only when no content. */
			p->desc_raw = xstrndup(s, n);
			p->desc_len = n;
			p->desc_is_html = html;
		}
		break;
	case FLD_CONTENT:
		if (e == NULL || e->content_html != NULL)
			break;
		t = cap_html(p, s, n, html);
		if (t != NULL && *t == '\0') {
			free(t);
			t = NULL;
		}
		e->content_html = t;
		break;
	case FLD_AUTHOR:
		add_author(p, s);
		break;
	default:
		break;
	}
}

static void
cap_end(struct parser *p)
{
	enum field field = p->cap.field;
	char *decoded = NULL;
	const char *s;
	size_t n;
	bool html;

	p->cap.depth = -1;
	s = p->cap.buf.data != NULL ? p->cap.buf.data : "";
	n = p->cap.buf.len;
	switch (p->cap.type) {
	case CT_RAW: {
		char *v =
		    p->cap.markup ? feed_html_to_text(s, n, n + 1) : trimmed(s);

		if (v != NULL && *v != '\0')
			apply_raw(p, field, v);
		free(v);
		return;
	}
	case CT_BASE64:
		decoded = feed_base64_decode(s, n, &n);
		if (decoded == NULL || !sh_utf8_valid(decoded, n)) {
			free(decoded);
			return;
		}
		s = decoded;
		html = !p->cap.plain_type;
		break;
	case CT_TEXT:
		html = p->cap.markup;
		break;
	case CT_GUESS:
		html = p->cap.markup || feed_text_looks_html(s, n);
		break;
	default:
		html = true;
	}
	apply_text(p, field, s, n, html);
	free(decoded);
}

/* Atom text constructs: type and mode attributes. */
static enum ctype
construct_type(struct parser *p, const xmlChar **attrs, int nattrs, bool guess)
{
	char *type = attr_get(attrs, nattrs, "type");
	char *mode = attr_get(attrs, nattrs, "mode");
	enum ctype ct = guess ? CT_GUESS : CT_TEXT;
	bool plain = false;

	/* A base64 payload without a type is Atom 0.3's text/plain. */
	p->cap.plain_type = type == NULL;
	if (type != NULL) {
		if (sh_strcaseeq(type, "html") ||
		    sh_strcaseeq(type, "text/html"))
			ct = CT_HTML;
		else if (sh_strcaseeq(type, "xhtml"))
			ct = CT_XHTML;
		else if (sh_strcaseeq(type, "application/xhtml+xml")) {
			/* Atom 0.3: no wrapper div is implied. */
			ct = CT_XHTML;
			p->cap.keep_wrapper = true;
		} else if (sh_strcaseeq(type, "text") ||
			   sh_strcaseeq(type, "text/plain")) {
			ct = CT_TEXT;
			plain = true;
			p->cap.plain_type = true;
		} else if (strchr(type, '/') != NULL &&
			   strncasecmp(type, "text/", 5) != 0 &&
			   strstr(type, "xml") == NULL) {
			/* RFC 4287 4.1.3.3: other media types are base64. */
			ct = CT_BASE64;
		}
	}
	if (mode != NULL) {
		if (sh_strcaseeq(mode, "escaped"))
			ct = plain ? CT_TEXT : CT_HTML;
		else if (sh_strcaseeq(mode, "base64"))
			ct = CT_BASE64;
		else if (sh_strcaseeq(mode, "xml") && ct != CT_TEXT)
			ct = CT_XHTML;
	}
	free(type);
	free(mode);
	return ct;
}

static void
cap_construct(struct parser *p, enum field field, const xmlChar **attrs,
    int nattrs, bool guess)
{
	cap_begin(p, field, CT_TEXT);
	p->cap.type = construct_type(p, attrs, nattrs, guess);
}

/* Entries. */

static void
entry_begin(struct parser *p, const xmlChar **attrs, int nattrs)
{
	char *about;

	p->entry = feed_entry_add(p->feed, p->lim);
	p->entry_depth = p->depth;
	if (p->entry == NULL) {
		p->entry_dropped = true;
		return;
	}
	p->guid_permalink = true;
	p->dcdate = FEED_TIME_NONE;
	p->weak_title = false;
	p->weak_summary = false;
	p->link_rel_alternate = false;
	if (p->frames[p->depth].own_lang)
		p->entry->language = language_tag(p->frames[p->depth].lang);
	/* RSS 1.0: rdf:about is the item's URI. */
	if ((about = attr_get(attrs, nattrs, "about")) != NULL) {
		p->guid = trimmed(about);
		free(about);
	}
	/* CDF: <ITEM HREF="...">. */
	if ((about = attr_get(attrs, nattrs, "href")) != NULL) {
		p->entry->link = resolve(p, about);
		free(about);
	}
}

/*
 * Content without a summary: the text of its beginning is the summary.  A
 * summary is a preview, so only the first SUMMARY_HTML_BYTES of the HTML
 * are read; that bounds the cost on long articles.
 */
#define SUMMARY_HTML_BYTES 4096

static char *
summary_of(struct parser *p, const char *html)
{
	size_t n = strlen(html);
	char *t;

	if (n > SUMMARY_HTML_BYTES) {
		n = SUMMARY_HTML_BYTES;
		while (n > 0 && ((unsigned char)html[n] & 0xc0) == 0x80)
			n--;
	}
	t = feed_html_to_text(html, n, p->lim->max_field_bytes);
	if (t != NULL && *t == '\0') {
		free(t);
		t = NULL;
	}
	return t;
}

static bool
is_web_url(const char *s)
{
	return strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0;
}

static void
entry_end(struct parser *p)
{
	struct feed_entry *e = p->entry;

	p->entry = NULL;
	p->entry_depth = -1;
	p->entry_dropped = false;
	if (e == NULL)
		goto out;
	if (p->dcdate != FEED_TIME_NONE) {
		if (e->published == FEED_TIME_NONE)
			e->published = p->dcdate;
		else if (e->updated == FEED_TIME_NONE)
			e->updated = p->dcdate;
	}
	if (p->guid != NULL) {
		/* A permalink guid is the link of an item that has none. */
		if (e->link == NULL && p->guid_permalink && is_web_url(p->guid))
			e->link = xstrdup(p->guid);
		e->id = p->guid;
		p->guid = NULL;
	}
	if (e->content_html == NULL && p->desc_html != NULL) {
		e->content_html = p->desc_html;
		p->desc_html = NULL;
	} else if (e->content_html == NULL && p->desc_raw != NULL) {
		e->content_html =
		    cap_html(p, p->desc_raw, p->desc_len, p->desc_is_html);
	}
	if (e->summary == NULL && e->content_html != NULL)
		e->summary = summary_of(p, e->content_html);
out:
	free(p->guid);
	p->guid = NULL;
	free(p->desc_raw);
	p->desc_raw = NULL;
	free(p->desc_html);
	p->desc_html = NULL;
}

/* Persons: Atom author elements, or RSS author text. */

static void
person_end(struct parser *p)
{
	p->person_depth = -1;
	if (p->person_name != NULL)
		add_author(p, p->person_name);
	else if (p->person_email != NULL)
		add_author(p, p->person_email);
	free(p->person_name);
	free(p->person_email);
	p->person_name = NULL;
	p->person_email = NULL;
}

/* Links: Atom's href form, or RSS text. */
static void
link_start(struct parser *p, const xmlChar **attrs, int nattrs)
{
	char *href = attr_get(attrs, nattrs, "href");
	char *rel, *url;

	rel = attr_get(attrs, nattrs, "rel");
	if (href == NULL) {
		/* RSS, or Atom 0.3 written with the URL as text. */
		if (rel == NULL || sh_strcaseeq(rel, "alternate"))
			cap_begin(p, FLD_LINK, CT_RAW);
		free(rel);
		return;
	}
	url = resolve(p, href);
	free(href);
	if (url == NULL)
		goto out;
	if (rel == NULL || sh_strcaseeq(rel, "alternate") ||
	    strcmp(rel, "http://www.iana.org/assignments/relation/alternate") ==
		0) {
		char **slot =
		    p->entry != NULL ? &p->entry->link : &p->feed->link;

		/* The first alternate wins, over a link given as text. */
		if (!p->link_rel_alternate || p->entry == NULL) {
			if (*slot == NULL || p->entry != NULL) {
				feed_str_set(slot, url);
				url = NULL;
			}
			if (p->entry != NULL)
				p->link_rel_alternate = true;
		}
	} else if (sh_strcaseeq(rel, "enclosure") && p->entry != NULL) {
		char *type = attr_get(attrs, nattrs, "type");
		char *len = attr_get(attrs, nattrs, "length");

		feed_enclosure_add(p->entry, url, type,
		    len != NULL ? strtoll(len, NULL, 10) : -1);
		free(type);
		free(len);
	} else if (sh_strcaseeq(rel, "self") && p->entry == NULL) {
		set_if_null(&p->feed->self, url);
		url = NULL;
	}
out:
	free(url);
	free(rel);
}

static void
enclosure_start(struct parser *p, const xmlChar **attrs, int nattrs, bool media)
{
	char *url, *abs, *type = NULL, *len = NULL;

	if (p->entry == NULL)
		return;
	url = attr_get(attrs, nattrs, "url");
	if (url == NULL)
		return;
	abs = resolve(p, url);
	if (abs == NULL)
		goto out;
	type = attr_get(attrs, nattrs, "type");
	len = attr_get(attrs, nattrs, media ? "fileSize" : "length");
	feed_enclosure_add(p->entry, abs, type,
	    len != NULL && *len != '\0' ? strtoll(len, NULL, 10) : -1);
out:
	free(url);
	free(abs);
	free(type);
	free(len);
}

/* The root element names the format. */
static void
root_start(struct parser *p, enum voc voc, enum el el, const xmlChar *uri,
    const xmlChar **attrs, int nattrs)
{
	struct feed *f = p->feed;
	char *version;

	if (voc != VOC_CORE && !(voc == VOC_RDF && el == EL_RDF))
		return;
	switch (el) {
	case EL_RSS:
		version = attr_get(attrs, nattrs, "version");
		if (version != NULL && strcmp(version, "0.91") == 0)
			f->format = FEED_FORMAT_RSS091;
		else if (version != NULL && strcmp(version, "0.92") == 0)
			f->format = FEED_FORMAT_RSS092;
		else if (version != NULL && strcmp(version, "0.90") == 0)
			f->format = FEED_FORMAT_RSS090;
		else
			f->format = FEED_FORMAT_RSS20;
		free(version);
		break;
	case EL_RDF:
		f->format = FEED_FORMAT_RSS10;
		break;
	case EL_FEED:
	case EL_ENTRY:
		version = attr_get(attrs, nattrs, "version");
		if ((uri != NULL && strcmp((const char *)uri,
					"http://purl.org/atom/ns#") == 0) ||
		    (version != NULL && strncmp(version, "0.", 2) == 0))
			f->format = FEED_FORMAT_ATOM03;
		else
			f->format = FEED_FORMAT_ATOM10;
		free(version);
		break;
	case EL_CHANNEL:
		f->format = FEED_FORMAT_RSS20;
		break;
	default:
		return;
	}
	if (p->frames[p->depth].own_lang)
		f->language = language_tag(p->frames[p->depth].lang);
}

static void
rdf_version(struct parser *p, const xmlChar *uri)
{
	if (p->feed->format == FEED_FORMAT_RSS10 && uri != NULL &&
	    strcmp((const char *)uri,
		"http://my.netscape.com/rdf/simple/0.9/") == 0)
		p->feed->format = FEED_FORMAT_RSS090;
}

static bool
is_atom(const struct parser *p)
{
	return p->feed->format == FEED_FORMAT_ATOM03 ||
	       p->feed->format == FEED_FORMAT_ATOM10;
}

static bool
begin_container(struct parser *p, enum el el)
{
	switch (el) {
	case EL_IMAGE:
	case EL_TEXTINPUT:
	case EL_SOURCE:
	case EL_CONTRIBUTOR:
		p->skip_depth = p->depth;
		return true;
	default:
		return false;
	}
}

static void
start_dispatch(struct parser *p, enum voc voc, enum el el,
    const xmlChar **attrs, int nattrs)
{
	bool in_entry = p->entry != NULL;

	if (begin_container(p, el))
		return;
	if (p->person_depth >= 0) {
		if (el == EL_NAME)
			cap_begin(p, FLD_PERSON_NAME, CT_RAW);
		else if (el == EL_EMAIL)
			cap_begin(p, FLD_PERSON_EMAIL, CT_RAW);
		return;
	}
	switch (el) {
	case EL_AUTHOR:
		/* Atom's author holds a person, RSS's its text. */
		if (voc == VOC_CORE)
			p->person_depth = p->depth;
		cap_begin(p, FLD_AUTHOR, CT_TEXT);
		break;
	case EL_CREATOR:
	case EL_MANAGINGEDITOR:
		if (el == EL_MANAGINGEDITOR && in_entry)
			break;
		cap_begin(p, FLD_AUTHOR, CT_TEXT);
		break;
	case EL_TITLE:
		cap_construct(p, FLD_TITLE, attrs, nattrs, !is_atom(p));
		p->cap.weak = voc == VOC_DC;
		break;
	case EL_LINK:
		if (voc == VOC_CORE)
			link_start(p, attrs, nattrs);
		break;
	case EL_DESCRIPTION:
		cap_construct(p, FLD_DESCRIPTION, attrs, nattrs, !is_atom(p));
		break;
	case EL_SUMMARY:
		if (in_entry)
			cap_construct(p, FLD_SUMMARY, attrs, nattrs, false);
		break;
	case EL_SUBTITLE:
	case EL_TAGLINE:
		if (in_entry)
			break;
		cap_construct(p, FLD_DESCRIPTION, attrs, nattrs, false);
		p->cap.weak = voc == VOC_ITUNES;
		break;
	case EL_CONTENT:
		if (voc == VOC_MEDIA)
			enclosure_start(p, attrs, nattrs, true);
		else if (in_entry && !attr_has(attrs, nattrs, "src"))
			cap_construct(p, FLD_CONTENT, attrs, nattrs, false);
		break;
	case EL_ENCODED:
		if (in_entry)
			cap_begin(p, FLD_CONTENT, CT_HTML);
		break;
	case EL_BODY:
		if (!in_entry)
			break;
		cap_begin(p, FLD_CONTENT, CT_XHTML);
		p->cap.wrapper = -2; /* body is the wrapper */
		break;
	case EL_ID:
	case EL_GUID:
		if (!in_entry)
			break;
		if (el == EL_GUID &&
		    attr_is(attrs, nattrs, "isPermaLink", "false"))
			p->guid_permalink = false;
		cap_begin(p, FLD_ID, CT_RAW);
		break;
	case EL_PUBDATE:
	case EL_PUBLISHED:
	case EL_ISSUED:
	case EL_CREATED:
		cap_begin(p, FLD_PUBLISHED, CT_RAW);
		break;
	case EL_UPDATED:
	case EL_MODIFIED:
	case EL_LASTBUILDDATE:
		cap_begin(p, FLD_UPDATED, CT_RAW);
		break;
	case EL_DATE:
		cap_begin(p, FLD_DCDATE, CT_RAW);
		break;
	case EL_LANGUAGE:
		cap_begin(p, FLD_LANGUAGE, CT_RAW);
		break;
	case EL_CATEGORY:
	case EL_SUBJECT: {
		char *term = attr_get(attrs, nattrs,
		    voc == VOC_ITUNES ? "text" : "term");

		if (term != NULL) {
			if (in_entry)
				strv_add(p, &p->entry->categories, term);
			free(term);
		} else if (in_entry) {
			cap_begin(p, FLD_CATEGORY, CT_RAW);
		}
		break;
	}
	case EL_ENCLOSURE:
		enclosure_start(p, attrs, nattrs, false);
		break;
	case EL_THUMBNAIL:
		enclosure_start(p, attrs, nattrs, true);
		break;
	case EL_TTL:
		cap_begin(p, FLD_TTL, CT_RAW);
		break;
	case EL_UPDATEPERIOD:
		cap_begin(p, FLD_SYPERIOD, CT_RAW);
		break;
	case EL_UPDATEFREQUENCY:
		cap_begin(p, FLD_SYFREQ, CT_RAW);
		break;
	case EL_SKIPHOURS:
		p->skiphours_depth = p->depth;
		break;
	case EL_SKIPDAYS:
		p->skipdays_depth = p->depth;
		break;
	case EL_HOUR:
		if (p->skiphours_depth >= 0)
			cap_begin(p, FLD_HOUR, CT_RAW);
		break;
	case EL_DAY:
		if (p->skipdays_depth >= 0)
			cap_begin(p, FLD_DAY, CT_RAW);
		break;
	default:
		break;
	}
}

static void
on_start(void *ctx, const xmlChar *localname, const xmlChar *prefix,
    const xmlChar *uri, int nns, const xmlChar **ns, int nattrs, int ndefaulted,
    const xmlChar **attrs)
{
	struct parser *p = ctx;
	enum voc voc;
	enum el el;

	(void)ndefaulted;
	p->ctxt->wellFormed = 1;
	if (p->depth + 1 > (int)p->lim->max_depth) {
		stop(p, SH_EDEPTH);
		return;
	}
	if (p->cap.depth >= 0 && p->cap.field == FLD_AUTHOR &&
	    p->person_depth >= 0) {
		/* An Atom person: the author's text was only whitespace. */
		p->cap.depth = -1;
	}
	if (p->cap.depth >= 0) {
		frame_push(p, localname, attrs, nattrs, VOC_OTHER, EL_OTHER);
		cap_start_tag(p, localname, attrs, nattrs);
		return;
	}
	voc = classify_voc(p, prefix, uri);
	if (p->depth == 0 && voc == VOC_OTHER && uri != NULL &&
	    p->feed->format == FEED_FORMAT_UNKNOWN) {
		/* <feed xmlns="http://example.com/newformat#">: the root's
		 * vocabulary is the feed's own, whatever its URI.  Recovery
		 * can bring more elements to the top level; once a root has
		 * named the format, they no longer change its vocabulary. */
		feed_str_set(&p->root_ns, xstrdup((const char *)uri));
		voc = VOC_CORE;
	}
	el = classify_el_cached(p, voc, localname);
	frame_push(p, localname, attrs, nattrs, voc, el);
	if (p->feed->format == FEED_FORMAT_UNKNOWN) {
		/* The root, or a feed wrapped in something else (an HTML
		 * page around an Atom feed). */
		root_start(p, voc, el, uri, attrs, nattrs);
		if (el == EL_RDF)
			for (int i = 0; i < nns; i++)
				rdf_version(p, ns[2 * i + 1]);
		if (el != EL_ENTRY)
			return;
	}
	if (p->skip_depth >= 0 || p->entry_dropped)
		return;
	if (el == EL_CHANNEL || el == EL_ITEM)
		rdf_version(p, uri);
	if (el == EL_CHANNEL && p->feed->format == FEED_FORMAT_UNKNOWN)
		p->feed->format = FEED_FORMAT_RSS20;
	if ((el == EL_ITEM || el == EL_ENTRY) && voc == VOC_CORE &&
	    p->entry_depth < 0) {
		if (p->feed->format == FEED_FORMAT_UNKNOWN)
			return;
		entry_begin(p, attrs, nattrs);
		return;
	}
	if (p->feed->format == FEED_FORMAT_UNKNOWN)
		return;
	start_dispatch(p, voc, el, attrs, nattrs);
}

/* Close the innermost open element of our own stack. */
static void
element_end(struct parser *p)
{
	if (p->cap.depth >= 0 && p->depth > p->cap.depth)
		cap_end_tag(p, p->frames[p->depth].name);
	else if (p->cap.depth >= 0 && p->depth == p->cap.depth)
		cap_end(p);
	if (p->depth == p->person_depth)
		person_end(p);
	if (p->depth == p->skip_depth)
		p->skip_depth = -1;
	if (p->depth == p->skiphours_depth)
		p->skiphours_depth = -1;
	if (p->depth == p->skipdays_depth)
		p->skipdays_depth = -1;
	if (p->depth == p->entry_depth)
		entry_end(p);
	frame_pop(p);
}

/*
 * The name in the end tag just read, or NULL for "/>" or when it cannot be
 * found.  libxml2 has just consumed the tag, so it ends right before the
 * input cursor.
 */
static const char *
end_tag_name(struct parser *p, size_t *len)
{
	xmlParserInputPtr in = p->ctxt->input;
	const xmlChar *end, *c;

	if (in == NULL || in->cur == NULL || in->cur - in->base < 3)
		return NULL;
	end = in->cur - 1;
	if (*end != '>' || end[-1] == '/')
		return NULL;
	for (c = end - 1; c > in->base && end - c < 256; c--) {
		if (c[0] == '<' && c[1] == '/') {
			const xmlChar *name = c + 2, *stop = name;

			while (stop < end && *stop != ' ' && *stop != '\t' &&
			       *stop != '\r' && *stop != '\n')
				stop++;
			*len = (size_t)(stop - name);
			return (const char *)name;
		}
		if (*c == '<')
			return NULL;
	}
	return NULL;
}

static bool
name_matches(const xmlChar *local, const char *qname, size_t len)
{
	const char *colon = memchr(qname, ':', len);
	size_t n;

	if (colon != NULL) {
		len -= (size_t)(colon + 1 - qname);
		qname = colon + 1;
	}
	n = strlen((const char *)local);
	return n == len && strncasecmp((const char *)local, qname, n) == 0;
}

/*
 * libxml2's recovery treats an end tag that does not match as the end of
 * the innermost element, so one unclosed <br> in an RSS description would
 * swallow the rest of the feed.  We keep our own stack and close by the
 * name written in the end tag, as HTML parsers do: up to the matching open
 * element, and not at all when nothing open has that name.
 */
static void
on_end(void *ctx, const xmlChar *localname, const xmlChar *prefix,
    const xmlChar *uri)
{
	struct parser *p = ctx;
	const char *name;
	size_t len = 0;
	int d;

	(void)prefix;
	(void)uri;
	p->ctxt->wellFormed = 1;
	if (p->depth <= 0)
		return;
	name = end_tag_name(p, &len);
	if (name == NULL || name_matches(p->frames[p->depth].name, name, len)) {
		element_end(p);
		return;
	}
	(void)localname;
	for (d = p->depth - 1; d >= 1; d--)
		if (name_matches(p->frames[d].name, name, len))
			break;
	if (d < 1)
		return; /* a stray end tag */
	while (p->depth >= d)
		element_end(p);
}

static void
on_characters(void *ctx, const xmlChar *ch, int len)
{
	struct parser *p = ctx;
	struct sh_buf *b;

	p->ctxt->wellFormed = 1;
	if (p->cap.depth < 0 || len <= 0)
		return;
	/* Escaped HTML stays HTML source even around inline elements. */
	if (p->cap.markup && p->cap.type != CT_HTML) {
		cap_append_escaped(p, (const char *)ch, (size_t)len, false);
		return;
	}
	/* Escaped HTML arrives one entity at a time: append in place while
	 * the buffer has room, the common case. */
	b = &p->cap.buf;
	if (b->data != NULL && (size_t)len < b->cap - b->len &&
	    (size_t)len <= b->max - b->len) {
		memcpy(b->data + b->len, ch, (size_t)len);
		b->len += (size_t)len;
		b->data[b->len] = '\0';
		return;
	}
	cap_append(p, (const char *)ch, (size_t)len);
}

/* An entity reference libxml2 could not resolve: keep it as text. */
static void
on_reference(void *ctx, const xmlChar *name)
{
	struct parser *p = ctx;
	size_t n = strlen((const char *)name);

	p->feed->recovered |= FEED_RECOVERED_ENTITY;
	if (p->cap.depth < 0)
		return;
	cap_append(p, "&", 1);
	cap_append(p, (const char *)name, n);
	cap_append(p, ";", 1);
}

static size_t
utf8_encode(unsigned cp, xmlChar *out)
{
	if (cp < 0x80) {
		out[0] = (xmlChar)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (xmlChar)(0xc0 | cp >> 6);
		out[1] = (xmlChar)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (xmlChar)(0xe0 | cp >> 12);
		out[1] = (xmlChar)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (xmlChar)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (xmlChar)(0xf0 | cp >> 18);
	out[1] = (xmlChar)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (xmlChar)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (xmlChar)(0x80 | (cp & 0x3f));
	return 4;
}

/*
 * Undeclared entities: the five of XML, then the HTML 4 names that feeds
 * use as if XML knew them.  They are handed back as predefined entities so
 * that libxml2 inlines their text, in content and in attributes.  A name
 * that HTML does not know either stays in the text as it was written.
 */
static xmlEntityPtr
on_get_entity(void *ctx, const xmlChar *name)
{
	struct parser *p = ctx;
	const htmlEntityDesc *desc;
	struct html_entity *he;
	xmlEntityPtr ent;
	size_t i, n, namelen;

	p->ctxt->wellFormed = 1;
	if ((ent = xmlGetPredefinedEntity(name)) != NULL)
		return ent;
	for (i = 0; i < p->nents; i++)
		if (strcmp((const char *)p->ents[i]->name,
			(const char *)name) == 0)
			return &p->ents[i]->ent;
	namelen = strlen((const char *)name);
	if (namelen >= sizeof(he->name) ||
	    p->nents >= sizeof(p->ents) / sizeof(p->ents[0]))
		return NULL;
	p->feed->recovered |= FEED_RECOVERED_ENTITY;
	he = xcalloc(1, sizeof(*he));
	memcpy(he->name, name, namelen + 1);
	if ((desc = htmlEntityLookup(name)) != NULL) {
		n = utf8_encode(desc->value, he->text);
	} else {
		he->text[0] = '&';
		memcpy(he->text + 1, name, namelen);
		he->text[namelen + 1] = ';';
		n = namelen + 2;
	}
	he->text[n] = '\0';
	he->ent.type = XML_ENTITY_DECL;
	he->ent.name = he->name;
	he->ent.etype = XML_INTERNAL_PREDEFINED_ENTITY;
	he->ent.content = he->text;
	he->ent.orig = he->text;
	he->ent.length = (int)n;
	p->ents[p->nents++] = he;
	return &he->ent;
}

/*
 * Entities declared in the internal subset: kept when their text is plain
 * (no markup, no further references), so no declaration can expand into
 * more than its own bounded length.  Others stay unexpanded.
 */
static void
on_entity_decl(void *ctx, const xmlChar *name, int type,
    const xmlChar *publicid, const xmlChar *systemid, xmlChar *content)
{
	struct parser *p = ctx;
	struct html_entity *he;
	size_t namelen, n;

	(void)publicid;
	(void)systemid;
	if (type != XML_INTERNAL_GENERAL_ENTITY || content == NULL)
		return;
	namelen = strlen((const char *)name);
	n = strlen((const char *)content);
	if (namelen >= sizeof(he->name) || n >= sizeof(he->text) ||
	    strpbrk((const char *)content, "&<%") != NULL ||
	    p->nents >= sizeof(p->ents) / sizeof(p->ents[0]))
		return;
	he = xcalloc(1, sizeof(*he));
	memcpy(he->name, name, namelen + 1);
	memcpy(he->text, content, n + 1);
	he->ent.type = XML_ENTITY_DECL;
	he->ent.name = he->name;
	he->ent.etype = XML_INTERNAL_PREDEFINED_ENTITY;
	he->ent.content = he->text;
	he->ent.orig = he->text;
	he->ent.length = (int)n;
	p->ents[p->nents++] = he;
}

/*
 * Attribute defaults of the internal subset are dropped.  libxml2 records
 * each one after this callback returns and then adds every default to
 * every matching element, checking each against the others: 5,000
 * defaults made each <item/> cost 12 million comparisons.  A feed has no
 * use for them, so the table is emptied at every declaration (leaving the
 * last one) and once more when the DOCTYPE ends.
 */
static void
drop_attribute_defaults(struct parser *p)
{
	if (p->ctxt->attsDefault != NULL) {
		xmlHashFree(p->ctxt->attsDefault, xmlHashDefaultDeallocator);
		p->ctxt->attsDefault = NULL;
	}
}

static void
on_attribute_decl(void *ctx, const xmlChar *elem, const xmlChar *name, int type,
    int def, const xmlChar *value, xmlEnumerationPtr tree)
{
	(void)elem;
	(void)name;
	(void)type;
	(void)def;
	(void)value;
	xmlFreeEnumeration(tree);
	drop_attribute_defaults(ctx);
}

static void
on_external_subset(void *ctx, const xmlChar *name, const xmlChar *publicid,
    const xmlChar *systemid)
{
	(void)name;
	(void)publicid;
	(void)systemid;
	drop_attribute_defaults(ctx);
}

static void
on_error(void *ctx, xmlErrorPtr error)
{
	struct parser *p = ctx;

	(void)error;
	p->feed->recovered |= FEED_RECOVERED_XML;
	/* Keep libxml2 delivering entity text after the first error. */
	p->ctxt->wellFormed = 1;
}

static void
parser_init(struct parser *p, const struct feed_limits *lim,
    const char *base_url)
{
	memset(p, 0, sizeof(*p));
	p->lim = lim;
	p->feed = feed_new();
	p->doc_base = base_url;
	p->frames = xcalloc(lim->max_depth + 2, sizeof(*p->frames));
	if (base_url != NULL && *base_url != '\0') {
		p->frames[0].base = xstrdup(base_url);
		p->frames[0].own_base = true;
	}
	p->entry_depth = -1;
	p->skip_depth = -1;
	p->person_depth = -1;
	p->skiphours_depth = -1;
	p->skipdays_depth = -1;
	p->cap.depth = -1;
	p->feed_pubdate = FEED_TIME_NONE;
	p->feed_dcdate = FEED_TIME_NONE;
	sh_buf_init(&p->cap.buf, lim->max_field_bytes);
}

static void
parser_clear(struct parser *p)
{
	size_t i;

	while (p->depth > 0)
		frame_pop(p);
	if (p->frames[0].own_base)
		free(p->frames[0].base);
	free(p->frames);
	sh_buf_clear(&p->cap.buf);
	free(p->guid);
	free(p->desc_raw);
	free(p->desc_html);
	free(p->person_name);
	free(p->person_email);
	free(p->root_ns);
	for (i = 0; i < p->nents; i++)
		free(p->ents[i]);
	feed_free(p->feed);
}

static void
feed_fold(struct parser *p)
{
	struct feed *f = p->feed;

	if (f->updated == FEED_TIME_NONE)
		f->updated = p->feed_dcdate;
	if (f->updated == FEED_TIME_NONE)
		f->updated = p->feed_pubdate;
	if (f->ttl_minutes < 0 && p->sy_period > 0)
		f->ttl_minutes =
		    p->sy_period / (p->sy_freq > 0 ? p->sy_freq : 1);
}

#define PUSH_CHUNK (1024 * 1024)

/*
 * Parse an XML feed.  attrs_maybe_over is prescan()'s word on whether a
 * tag may hold too many attributes.
 */
static int
parse_xml(const char *buf, size_t len, bool attrs_maybe_over,
    const char *base_url, const struct feed_limits *lim, struct feed **out,
    char **err)
{
	xmlSAXHandler sax;
	struct parser p;
	size_t off, chunk;
	int rc;

	if (len > INT32_MAX)
		return SH_ETOOBIG;
	/* libxml2 pays for attributes squared; see feeds/xmlscan.c. */
	if (attrs_maybe_over &&
	    feed_xml_attrs_over(buf, len, SH_MAX_ATTRIBUTES)) {
		if (err != NULL)
			*err = xasprintf("an element with more than %u "
					 "attributes",
			    SH_MAX_ATTRIBUTES);
		return SH_ETOOBIG;
	}
	memset(&sax, 0, sizeof(sax));
	sax.initialized = XML_SAX2_MAGIC;
	sax.startElementNs = on_start;
	sax.endElementNs = on_end;
	sax.characters = on_characters;
	sax.cdataBlock = on_characters;
	sax.reference = on_reference;
	sax.getEntity = on_get_entity;
	sax.entityDecl = on_entity_decl;
	sax.attributeDecl = on_attribute_decl;
	sax.externalSubset = on_external_subset;
	sax.serror = on_error;

	parser_init(&p, lim, base_url);
	p.ctxt = xmlCreatePushParserCtxt(&sax, &p, NULL, 0, NULL);
	if (p.ctxt == NULL) {
		rc = SH_ENOMEM;
		goto out;
	}
	xmlCtxtUseOptions(p.ctxt, XML_PARSE_RECOVER | XML_PARSE_NONET |
				      XML_PARSE_IGNORE_ENC | XML_PARSE_NOERROR |
				      XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
	xmlSwitchEncoding(p.ctxt, XML_CHAR_ENCODING_UTF8);
	p.ctxt->_private = &p;
	/* In pieces: libxml2 refuses a single push of more than 10 MB. */
	for (off = 0; off < len && p.err == SH_OK; off += chunk) {
		chunk = len - off < PUSH_CHUNK ? len - off : PUSH_CHUNK;
		if (xmlParseChunk(p.ctxt, buf + off, (int)chunk, 0) != 0 &&
		    p.ctxt->disableSAX)
			break;
	}
	xmlParseChunk(p.ctxt, NULL, 0, 1);
	if (p.err != SH_OK) {
		rc = p.err;
		if (err != NULL)
			*err = xasprintf("%s (limit %u levels)",
			    sh_strerror(rc), lim->max_depth);
		goto out;
	}
	if (p.feed->format == FEED_FORMAT_UNKNOWN) {
		rc = SH_ENOTFEED;
		if (err != NULL)
			*err = xstrdup(
			    p.feed->recovered & FEED_RECOVERED_XML
				? "not a feed: no RSS, RDF or Atom root "
				  "element (and the XML is malformed)"
				: "not a feed: no RSS, RDF or Atom root "
				  "element");
		goto out;
	}
	while (p.depth > 0) {
		/* A truncated document: close what is open. */
		element_end(&p);
		p.feed->recovered |= FEED_RECOVERED_XML;
	}
	feed_fold(&p);
	feed_finish(p.feed);
	*out = p.feed;
	p.feed = NULL;
	rc = SH_OK;
out:
	if (p.ctxt != NULL) {
		if (p.ctxt->myDoc != NULL)
			xmlFreeDoc(p.ctxt->myDoc);
		xmlFreeParserCtxt(p.ctxt);
	}
	parser_clear(&p);
	return rc;
}

static bool
is_name_char(unsigned char c, bool first)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	    c == ':' || c >= 0x80)
		return true;
	return !first && ((c >= '0' && c <= '9') || c == '.' || c == '-');
}

/*
 * Length of a well-formed reference at s ("&amp;", "&#38;", "&#x26;"), or
 * 0 for a bare ampersand.  *upper_x is set for "&#X26;", which XML does
 * not allow but HTML and feeds do.
 */
static size_t
ref_len(const char *s, const char *end, bool *upper_x)
{
	const char *c = s + 1;

	*upper_x = false;
	/* The references escaped HTML is made of, at a glance. */
	if (end - c >= 4 && (c[0] == 'l' || c[0] == 'g') && c[1] == 't' &&
	    c[2] == ';')
		return 4;
	if (end - c >= 4 && memcmp(c, "amp;", 4) == 0)
		return 5;
	if (c < end && *c == '#') {
		c++;
		if (c < end && (*c == 'x' || *c == 'X')) {
			*upper_x = *c == 'X';
			c++;
			while (c < end && c - s < 16 &&
			       ((*c >= '0' && *c <= '9') ||
				   (*c >= 'a' && *c <= 'f') ||
				   (*c >= 'A' && *c <= 'F')))
				c++;
		} else {
			while (c < end && c - s < 16 && *c >= '0' && *c <= '9')
				c++;
		}
		if (c < end && *c == ';' && c[-1] != '#' && c[-1] != 'x' &&
		    c[-1] != 'X')
			return (size_t)(c + 1 - s);
		return 0;
	}
	if (c >= end || !is_name_char((unsigned char)*c, true))
		return 0;
	while (c < end && c - s < 64 && is_name_char((unsigned char)*c, false))
		c++;
	return c < end && *c == ';' ? (size_t)(c + 1 - s) : 0;
}

/* "&lt;", "&gt;" and "&amp;", the references escaped HTML is made of. */
static bool
is_short_xml_ref(const char *amp, size_t n)
{
	return (n == 4 && (amp[1] == 'l' || amp[1] == 'g') && amp[2] == 't') ||
	       (n == 5 && memcmp(amp, "&amp;", 5) == 0);
}

/*
 * For "&name;" (n bytes) naming an HTML entity that XML does not declare,
 * write its numeric reference into num and return true.  The five of XML
 * stay as they are.
 */
static bool
html_entity_ref(const char *amp, size_t n, char num[16])
{
	const htmlEntityDesc *desc;
	xmlChar name[40];

	if (n - 2 >= sizeof(name))
		return false;
	memcpy(name, amp + 1, n - 2);
	name[n - 2] = '\0';
	if (xmlStrEqual(name, BAD_CAST "quot") ||
	    xmlStrEqual(name, BAD_CAST "apos") ||
	    xmlStrEqual(name, BAD_CAST "amp") ||
	    xmlStrEqual(name, BAD_CAST "lt") ||
	    xmlStrEqual(name, BAD_CAST "gt"))
		return false;
	if ((desc = htmlEntityLookup(name)) == NULL)
		return false;
	snprintf(num, 16, "&#%u;", desc->value);
	return true;
}

/* Where "xyz" (3 bytes, x rare in text) next occurs, or NULL. */
static const char *
find3(const char *s, const char *end, const char *xyz)
{
	while ((s = memchr(s, xyz[0], (size_t)(end - s))) != NULL) {
		if (end - s >= 3 && s[1] == xyz[1] && s[2] == xyz[2])
			return s;
		s++;
	}
	return NULL;
}

/* The terminators known to be missing from the rest of the document. */
struct raw_scan {
	bool no_cdata_end;
	bool no_comment_end;
};

/*
 * Skip a CDATA section or comment starting at s; returns where it ends.
 * One that is never closed is skipped only past its opening: libxml2 may
 * not read it as one (in a processing instruction, in an entity value),
 * and the references after it still need mending.  A terminator missing
 * once is missing for the rest of the document and is not searched for
 * again, which keeps the scan linear.
 */
static const char *
skip_raw(const char *s, const char *end, struct raw_scan *rs)
{
	const char *close = NULL;
	size_t n = (size_t)(end - s);

	if (n >= 9 && memcmp(s, "<![CDATA[", 9) == 0) {
		if (!rs->no_cdata_end)
			close = find3(s + 9, end, "]]>");
		rs->no_cdata_end = close == NULL;
		return close != NULL ? close + 3 : s + 9;
	}
	if (n >= 4 && memcmp(s, "<!--", 4) == 0) {
		if (!rs->no_comment_end)
			close = find3(s + 4, end, "-->");
		rs->no_comment_end = close == NULL;
		return close != NULL ? close + 3 : s + 4;
	}
	return s + 2; /* "<!DOCTYPE" and the like: past the "<!" */
}

/*
 * Whether mend_ampersands() would change the reference at amp.  The
 * references escaped HTML is made of are told at a glance.
 */
static inline bool
amp_needs_mending(const char *amp, const char *end)
{
	char num[16];
	bool upper_x;
	size_t n;

	if (end - amp >= 6 &&
	    (memcmp(amp, "&lt;", 4) == 0 || memcmp(amp, "&gt;", 4) == 0 ||
		memcmp(amp, "&amp;", 5) == 0 || memcmp(amp, "&quot;", 6) == 0))
		return false;
	n = ref_len(amp, end, &upper_x);

	return n == 0 || upper_x ||
	       (amp[1] != '#' && !is_short_xml_ref(amp, n) &&
		   html_entity_ref(amp, n, num));
}

/* Bits set in a 64-bit mask. */
static inline unsigned
popcount64(uint64_t x)
{
	x = x - ((x >> 1) & UINT64_C(0x5555555555555555));
	x = (x & UINT64_C(0x3333333333333333)) +
	    ((x >> 2) & UINT64_C(0x3333333333333333));
	x = (x + (x >> 4)) & UINT64_C(0x0f0f0f0f0f0f0f0f);
	return (unsigned)((x * UINT64_C(0x0101010101010101)) >> 56);
}

/* What prescan() found. */
struct prescan {
	bool amp_mend;	 /* some '&' may need mend_ampersands() */
	bool attrs_over; /* some tag may hold more than SH_MAX_ATTRIBUTES */
	size_t eq;	 /* '=' since the last '<' */
	struct raw_scan rs;
};

/* A '<' that opens markup ends the stretch of '=' counted so far. */
static inline void
prescan_lt(struct prescan *ps, size_t max_attrs)
{
	if (ps->eq > max_attrs)
		ps->attrs_over = true;
	ps->eq = 0;
}

#ifdef __SSE2__
/* Bit k set when byte k of the 64 at p is c. */
static inline uint64_t
byte_mask64(const char *p, char c)
{
	const __m128i *q = (const __m128i *)(const void *)p;
	__m128i k = _mm_set1_epi8(c);
	uint64_t m0 =
	    (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(q), k));
	uint64_t m1 = (unsigned)_mm_movemask_epi8(
	    _mm_cmpeq_epi8(_mm_loadu_si128(q + 1), k));
	uint64_t m2 = (unsigned)_mm_movemask_epi8(
	    _mm_cmpeq_epi8(_mm_loadu_si128(q + 2), k));
	uint64_t m3 = (unsigned)_mm_movemask_epi8(
	    _mm_cmpeq_epi8(_mm_loadu_si128(q + 3), k));

	return m0 | m1 << 16 | m2 << 32 | m3 << 48;
}
#endif

/*
 * One pass over the document that tells whether the two exact passes
 * after it can have anything to do, so that most documents skip them.
 * Both answers err towards yes:
 * - CDATA sections and comments are skipped as mend_ampersands() skips
 *   them (by skip_raw()), and an ampersand that would need mending is
 *   looked for in the rest;
 * - feed_xml_attrs_over() counts a tag's "=" between its "<" and the next
 *   "<" at most, and skips no less, so a tag can be over the limit only
 *   when some stretch between two "<" holds more "=" than the limit.
 *   Mending adds neither byte.
 * With SSE2 the bytes are found 64 at a time, which keeps the branches
 * few; stretches that start and end inside one block hold fewer than 64
 * "=", far below the limit, and are not counted.
 */
static void
prescan(const char *s, size_t n, size_t max_attrs, struct prescan *ps)
{
	const char *end = s + n;
	size_t i = 0;

	memset(ps, 0, sizeof(*ps));
#ifdef __SSE2__
	while (n - i >= 64) {
		const char *b = s + i;
		uint64_t amp = byte_mask64(b, '&'), lt = byte_mask64(b, '<');
		uint64_t e = byte_mask64(b, '='), open = 0, keep;

		/* The first "<!", perhaps across the end of the block. */
		if (lt != 0) {
			open = lt & (byte_mask64(b, '!') >> 1);
			if (n - i > 64 && b[64] == '!')
				open |= lt & (UINT64_C(1) << 63);
		}
		if (open != 0) {
			keep = (UINT64_C(1) << __builtin_ctzll(open)) - 1;
			amp &= keep;
			lt &= keep;
			e &= keep;
		}
		if (lt == 0) {
			ps->eq += popcount64(e);
		} else {
			ps->eq += popcount64(
			    e & ((UINT64_C(1) << __builtin_ctzll(lt)) - 1));
			prescan_lt(ps, max_attrs);
			/* Those after the last '<', which is no '='. */
			ps->eq = popcount64(e >> (63 - __builtin_clzll(lt)));
		}
		for (; amp != 0 && !ps->amp_mend; amp &= amp - 1)
			ps->amp_mend =
			    amp_needs_mending(b + __builtin_ctzll(amp), end);
		if (open == 0) {
			i += 64;
			continue;
		}
		prescan_lt(ps, max_attrs);
		i = (size_t)(skip_raw(b + __builtin_ctzll(open), end, &ps->rs) -
			     s);
	}
#endif
	while (i < n) {
		if (s[i] == '=') {
			ps->eq++;
		} else if (s[i] == '<') {
			prescan_lt(ps, max_attrs);
			if (n - i > 1 && s[i + 1] == '!') {
				i = (size_t)(skip_raw(s + i, end, &ps->rs) - s);
				continue;
			}
		} else if (s[i] == '&' && !ps->amp_mend) {
			ps->amp_mend = amp_needs_mending(s + i, end);
		}
		i++;
	}
	prescan_lt(ps, max_attrs);
}

/*
 * Feeds are full of bare ampersands ("?a=1&b=2" in a link) that libxml2's
 * recovery would drop together with the text after them.  Escape them,
 * write HTML entities as numeric references (see attr_value()), and lower
 * the X of "&#X26;", outside CDATA sections and comments.  Returns a
 * new document, or NULL when nothing needed mending.  prescan() tells
 * first whether anything may need it, so most documents skip this.
 */
static char *
mend_ampersands(const char *doc, size_t len, size_t *outlen, unsigned *fixed)
{
	const char *s = doc, *end = doc + len, *copied = doc, *amp = NULL;
	struct raw_scan rs = {false, false};
	struct sh_buf b;
	char num[16];
	bool upper_x;
	size_t n;

	sh_buf_init(&b, 2 * len + 16);
	/* Each byte is looked at a bounded number of times: linear. */
	while (s < end) {
		const char *bang;

		if (amp == NULL || amp < s) {
			amp = memchr(s, '&', (size_t)(end - s));
			if (amp == NULL)
				break;
		}
		/* '!' is rare outside "<![CDATA[" and "<!--": look for it. */
		bang = memchr(s, '!', (size_t)(amp - s));
		if (bang != NULL) {
			s = bang > doc && bang[-1] == '<'
				? skip_raw(bang - 1, end, &rs)
				: bang + 1;
			continue;
		}
		n = ref_len(amp, end, &upper_x);
		if (n > 0 && !upper_x &&
		    (amp[1] == '#' || is_short_xml_ref(amp, n) ||
			!html_entity_ref(amp, n, num))) {
			s = amp + n;
			continue;
		}
		if (sh_buf_append(&b, copied, (size_t)(amp - copied)) != SH_OK)
			break;
		if (n > 0 && !upper_x) {
			/* &eacute; becomes &#233;: libxml2 keeps only the
			 * first byte of an entity in attribute values. */
			if (sh_buf_puts(&b, num) != SH_OK)
				break;
			*fixed |= FEED_RECOVERED_ENTITY;
			copied = s = amp + n;
			continue;
		}
		if (sh_buf_puts(&b, n > 0 ? "&#x" : "&amp;") != SH_OK)
			break;
		*fixed |= FEED_RECOVERED_XML;
		copied = s = amp + (n > 0 ? 3 : 1);
	}
	if (b.data == NULL)
		return NULL;
	sh_buf_append(&b, copied, (size_t)(end - copied));
	*outlen = b.len;
	return sh_buf_steal(&b);
}

static bool
looks_json(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')
			continue;
		return s[i] == '{';
	}
	return false;
}

int
feed_parse_buffer(const char *buf, size_t len, const char *base_url,
    const char *content_type, const struct feed_limits *lim, struct feed **out,
    char **err)
{
	struct feed_limits deflim;
	const char *encoding = "utf-8", *text;
	char *conv = NULL;
	size_t tlen, skip = 0;
	bool recovered = false;
	unsigned fixed = 0;
	int rc;

	xmlInitParser();
	if (lim == NULL) {
		feed_limits_default(&deflim);
		lim = &deflim;
	}
	if (len > lim->max_doc_bytes) {
		if (err != NULL)
			*err = xasprintf("document of %zu bytes is over the "
					 "limit of %zu bytes",
			    len, lim->max_doc_bytes);
		return SH_ETOOBIG;
	}
	rc = feed_charset_to_utf8(buf, len, content_type, &conv, &tlen, &skip,
	    &encoding, &recovered);
	if (rc != SH_OK) {
		if (err != NULL)
			*err = xstrdup("unsupported character encoding");
		return rc;
	}
	text = conv != NULL ? conv : buf + skip;
	if (looks_json(text, tlen))
		rc = feed_parse_json(text, tlen, base_url, lim, out, err);
	else {
		struct prescan ps;
		char *mended = NULL;

		prescan(text, tlen, SH_MAX_ATTRIBUTES, &ps);
		if (ps.amp_mend)
			mended = mend_ampersands(text, tlen, &tlen, &fixed);
		if (mended != NULL) {
			free(conv);
			conv = mended;
			text = mended;
		}
		rc = parse_xml(text, tlen, ps.attrs_over, base_url, lim, out,
		    err);
	}
	if (rc == SH_OK) {
		(*out)->encoding = xstrdup(encoding);
		if (recovered)
			(*out)->recovered |= FEED_RECOVERED_ENCODING;
		(*out)->recovered |= fixed;
	}
	free(conv);
	return rc;
}
