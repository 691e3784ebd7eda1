/* SPDX-License-Identifier: MIT */
/* OPML import with a libxml2 SAX2 reader and export with its xmlwriter. */

/*
 * Reading streams: libxml2's SAX2 callbacks see each element once and no
 * tree is built, so a 16 MiB document costs no DOM ten times its size.  The
 * reader keeps the name of each open folder by element depth; a feed copies
 * the names above it.  Copies repeat, so their total is bounded apart from
 * the document's size (max_model_bytes).
 *
 * Folders are merged by path.  Both directions build the same tree from a
 * doc's feeds (each folder a node, found by its parent and name in a hash
 * map; each node's feeds and sub-folders in order of first appearance) and
 * walk it: opml_write() to emit outlines, opml_parse() to put its feeds in
 * that same order.  That makes parse, write, parse a fixed point.
 *
 * Tried and rejected: xmlReadMemory into a tree (simpler, but the memory),
 * and XML_PARSE_RECOVER (a truncated import would silently lose feeds).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>
#include <libxml/entities.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlwriter.h>

#include "common.h"
#include "opml.h"

/* libxml2 takes unsigned char strings. */
#define XC(s) ((const xmlChar *)(s))

/* Bytes handed to libxml2's push parser at a time. */
#define CHUNK_BYTES (256u * 1024)

/* libxml2 refuses nesting past 256 elements; opml and body take two. */
#define DEPTH_CAP 250u

/* A folder in the grouping tree; node 0 is <body>. */
struct gnode {
	const char *name;
	size_t head, tail; /* its first and last item, SIZE_MAX when none */
};

/* An entry of a folder: one feed, or one sub-folder. */
struct gitem {
	size_t feed; /* index in doc->feeds, or SIZE_MAX for a sub-folder */
	size_t node; /* the sub-folder */
	size_t next; /* the next item of the same folder, or SIZE_MAX */
};

struct group {
	struct gnode *nodes;
	struct gitem *items;
	size_t nnodes, nitems;
	xmlHashTablePtr map; /* (name, parent) to node + 1 */
};

/* An HTML entity served to libxml2 as if XML predefined it. */
struct html_entity {
	xmlEntity ent;
	xmlChar name[36];
	xmlChar text[8]; /* its UTF-8 */
	xmlChar mark[2]; /* the marker byte libxml2 inlines */
};

/* Marker bytes for HTML entities: C0 controls but tab, LF and CR. */
static const char marks[] = "\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e"
			    "\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19"
			    "\x1a\x1b\x1c\x1d\x1e\x1f";

struct reader {
	xmlParserCtxtPtr ctxt;
	struct opml_limits lim;
	struct opml_doc *doc;
	int err;	   /* SH_OK, or why reading stopped */
	char *msg;	   /* the one-line message for err */
	int depth;	   /* element depth; the root is 1 */
	int body_depth;	   /* 2 inside <body>, else 0 */
	int skip_depth;	   /* depth of an ignored element, or 0 */
	bool in_title;	   /* inside <head><title> */
	bool seen_body;	   /* a <body> was opened */
	bool bad_bytes;	   /* libxml2 could not convert the input */
	char **names;	   /* folder name at each depth, or NULL */
	const char **path; /* scratch: the path of the feed being added */
	struct sh_buf title;
	xmlHashTablePtr urls; /* xmlUrl to feed index + 1, for duplicates */
	size_t model_bytes;
	struct html_entity *ents[sizeof(marks) - 1];
	size_t nents;
};

/* Hash tables hold indices + 1 as pointers; SIZE_MAX when absent. */
static size_t
map_get(xmlHashTablePtr map, const char *k1, const char *k2)
{
	return (size_t)(uintptr_t)xmlHashLookup2(map, XC(k1), XC(k2)) - 1;
}

static void
map_put(xmlHashTablePtr map, const char *k1, const char *k2, size_t val)
{
	/* Callers look first, so only memory can fail: abort as xmalloc. */
	if (xmlHashAddEntry2(map, XC(k1), XC(k2),
		(void *)(uintptr_t)(val + 1)) < 0)
		abort();
}

static void
group_link(struct group *g, size_t node, size_t feed, size_t child)
{
	struct gnode *n = &g->nodes[node];
	struct gitem *it = &g->items[g->nitems];

	it->feed = feed;
	it->node = child;
	it->next = SIZE_MAX;
	if (n->tail == SIZE_MAX)
		n->head = g->nitems;
	else
		g->items[n->tail].next = g->nitems;
	n->tail = g->nitems++;
}

static void
group_build(struct group *g, const struct opml_doc *doc)
{
	const struct opml_feed *f;
	size_t i, k, node, child, n = 1;
	char parent[24];

	for (i = 0; i < doc->nfeeds; i++)
		n += doc->feeds[i].nfolder;
	memset(g, 0, sizeof(*g));
	g->nodes = xcalloc(n, sizeof(*g->nodes));
	g->items = xcalloc(n + doc->nfeeds, sizeof(*g->items));
	g->nodes[0].head = g->nodes[0].tail = SIZE_MAX;
	g->nnodes = 1;
	g->map = xmlHashCreate(64);
	for (i = 0; i < doc->nfeeds; i++) {
		f = &doc->feeds[i];
		for (node = 0, k = 0; k < f->nfolder; k++) {
			/* Nameless folders are transparent, as when reading. */
			if (f->folder[k] == NULL || f->folder[k][0] == '\0')
				continue;
			snprintf(parent, sizeof(parent), "%zu", node);
			child = map_get(g->map, f->folder[k], parent);
			if (child != SIZE_MAX) {
				node = child;
				continue;
			}
			child = g->nnodes++;
			g->nodes[child].name = f->folder[k];
			g->nodes[child].head = g->nodes[child].tail = SIZE_MAX;
			group_link(g, node, SIZE_MAX, child);
			map_put(g->map, f->folder[k], parent, child);
			node = child;
		}
		group_link(g, node, i, 0);
	}
}

static void
group_clear(struct group *g)
{
	free(g->nodes);
	free(g->items);
	xmlHashFree(g->map, NULL);
}

/* Writing. */

static bool
put_attr(xmlTextWriterPtr w, const char *name, const char *value)
{
	return xmlTextWriterWriteAttribute(w, XC(name), XC(value)) >= 0;
}

/* "/A/B" for the category attribute, or NULL when a name would not fit. */
static char *
category_of(const struct opml_feed *f)
{
	struct sh_buf b;
	size_t k;

	sh_buf_init(&b, SIZE_MAX);
	for (k = 0; k < f->nfolder; k++) {
		if (f->folder[k] == NULL || f->folder[k][0] == '\0')
			continue;
		if (strpbrk(f->folder[k], "/,") != NULL) {
			sh_buf_clear(&b);
			return NULL;
		}
		sh_buf_putc(&b, '/');
		sh_buf_puts(&b, f->folder[k]);
	}
	return b.len > 0 ? sh_buf_steal(&b) : NULL;
}

static bool
write_feed(xmlTextWriterPtr w, const struct opml_feed *f)
{
	char *cat = category_of(f);
	bool ok;

	ok = xmlTextWriterStartElement(w, XC("outline")) >= 0 &&
	     put_attr(w, "type", "rss") &&
	     put_attr(w, "text", f->title != NULL ? f->title : "") &&
	     (f->title == NULL || put_attr(w, "title", f->title)) &&
	     put_attr(w, "xmlUrl", f->xml_url) &&
	     (f->html_url == NULL || put_attr(w, "htmlUrl", f->html_url)) &&
	     (cat == NULL || put_attr(w, "category", cat)) &&
	     xmlTextWriterEndElement(w) >= 0;
	free(cat);
	return ok;
}

/*
 * Visit a folder's items in order: write them when w is set, and list the
 * feeds' indices when order is set.  Recursion is bounded by DEPTH_CAP.
 */
static int
group_walk(const struct group *g, const struct opml_doc *doc, size_t node,
    xmlTextWriterPtr w, size_t *order, size_t *norder)
{
	const struct gitem *it;
	const char *name;
	size_t i;
	int rc;

	for (i = g->nodes[node].head; i != SIZE_MAX; i = it->next) {
		it = &g->items[i];
		if (it->feed != SIZE_MAX) {
			if (order != NULL)
				order[(*norder)++] = it->feed;
			if (w != NULL && !write_feed(w, &doc->feeds[it->feed]))
				return SH_ENOMEM;
			continue;
		}
		name = g->nodes[it->node].name;
		if (w != NULL &&
		    (xmlTextWriterStartElement(w, XC("outline")) < 0 ||
			!put_attr(w, "text", name) ||
			!put_attr(w, "title", name)))
			return SH_ENOMEM;
		rc = group_walk(g, doc, it->node, w, order, norder);
		if (rc != SH_OK)
			return rc;
		if (w != NULL && xmlTextWriterEndElement(w) < 0)
			return SH_ENOMEM;
	}
	return SH_OK;
}

/* Text that XML 1.0 can carry: UTF-8, no C0 controls but tab, LF, CR. */
static bool
text_ok(const char *s)
{
	const unsigned char *u;

	if (s == NULL)
		return true;
	for (u = (const unsigned char *)s; *u != '\0'; u++)
		if (*u < 0x20 && *u != '\t' && *u != '\n' && *u != '\r')
			return false;
	return sh_utf8_valid(s, strlen(s)) &&
	       strstr(s, "\xef\xbf\xbe") == NULL &&
	       strstr(s, "\xef\xbf\xbf") == NULL;
}

static int
doc_check(const struct opml_doc *doc)
{
	const struct opml_feed *f;
	size_t i, k;

	if (doc == NULL || !text_ok(doc->title))
		return SH_EINVAL;
	for (i = 0; i < doc->nfeeds; i++) {
		f = &doc->feeds[i];
		if (f->xml_url == NULL || f->xml_url[0] == '\0' ||
		    !text_ok(f->xml_url) || !text_ok(f->html_url) ||
		    !text_ok(f->title) || (f->nfolder > 0 && f->folder == NULL))
			return SH_EINVAL;
		/* The feed's outline goes below its folders. */
		if (f->nfolder > DEPTH_CAP - 1)
			return SH_EDEPTH;
		for (k = 0; k < f->nfolder; k++)
			if (!text_ok(f->folder[k]))
				return SH_EINVAL;
	}
	return SH_OK;
}

int
opml_write(const struct opml_doc *doc, char **out, size_t *len)
{
	xmlBufferPtr buf = NULL;
	xmlTextWriterPtr w = NULL;
	struct group g;
	int rc;

	if ((rc = doc_check(doc)) != SH_OK)
		return rc;
	group_build(&g, doc);
	rc = SH_ENOMEM;
	if ((buf = xmlBufferCreate()) == NULL ||
	    (w = xmlNewTextWriterMemory(buf, 0)) == NULL)
		goto out;
	/* Geometric growth: the default reallocates on every append. */
	xmlBufferSetAllocationScheme(buf, XML_BUFFER_ALLOC_DOUBLEIT);
	if (xmlTextWriterSetIndent(w, 1) < 0 ||
	    xmlTextWriterSetIndentString(w, XC("  ")) < 0 ||
	    xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL) < 0 ||
	    xmlTextWriterStartElement(w, XC("opml")) < 0 ||
	    !put_attr(w, "version", "2.0") ||
	    xmlTextWriterStartElement(w, XC("head")) < 0 ||
	    xmlTextWriterWriteElement(w, XC("title"),
		XC(doc->title != NULL ? doc->title : "")) < 0 ||
	    xmlTextWriterEndElement(w) < 0 ||
	    xmlTextWriterStartElement(w, XC("body")) < 0)
		goto out;
	if ((rc = group_walk(&g, doc, 0, w, NULL, NULL)) != SH_OK)
		goto out;
	rc = SH_ENOMEM;
	/* Ending the document closes body and opml; freeing flushes. */
	if (xmlTextWriterEndDocument(w) < 0)
		goto out;
	xmlFreeTextWriter(w);
	w = NULL;
	*len = (size_t)xmlBufferLength(buf);
	*out = xstrndup((const char *)xmlBufferContent(buf), *len);
	rc = SH_OK;
out:
	xmlFreeTextWriter(w);
	if (buf != NULL)
		xmlBufferFree(buf);
	group_clear(&g);
	return rc;
}

/* The doc. */

void
opml_limits_default(struct opml_limits *lim)
{
	lim->max_doc_bytes = SH_MAX_OPML_DOC_BYTES;
	lim->max_feeds = SH_MAX_OPML_FEEDS;
	lim->max_model_bytes = SH_MAX_OPML_MODEL_BYTES;
	lim->max_depth = SH_MAX_OPML_DEPTH;
}

struct opml_doc *
opml_new(const char *title)
{
	struct opml_doc *doc = xcalloc(1, sizeof(*doc));

	doc->title = title != NULL ? xstrdup(title) : NULL;
	return doc;
}

void
opml_feed_add(struct opml_doc *doc, const char *xml_url, const char *html_url,
    const char *title, const char *const *folder, size_t nfolder)
{
	struct opml_feed *f;
	size_t i;

	if (doc->nfeeds == doc->feeds_cap) {
		doc->feeds_cap = doc->feeds_cap != 0 ? 2 * doc->feeds_cap : 16;
		doc->feeds = xreallocarray(doc->feeds, doc->feeds_cap,
		    sizeof(*doc->feeds));
	}
	f = &doc->feeds[doc->nfeeds++];
	f->xml_url = xml_url != NULL ? xstrdup(xml_url) : NULL;
	f->html_url = html_url != NULL ? xstrdup(html_url) : NULL;
	f->title = title != NULL ? xstrdup(title) : NULL;
	f->folder = nfolder > 0 ? xcalloc(nfolder, sizeof(*f->folder)) : NULL;
	f->nfolder = nfolder;
	for (i = 0; i < nfolder; i++)
		f->folder[i] = folder[i] != NULL ? xstrdup(folder[i]) : NULL;
}

void
opml_free(struct opml_doc *doc)
{
	struct opml_feed *f;
	size_t i, k;

	if (doc == NULL)
		return;
	for (i = 0; i < doc->nfeeds; i++) {
		f = &doc->feeds[i];
		free(f->xml_url);
		free(f->html_url);
		free(f->title);
		for (k = 0; k < f->nfolder; k++)
			free(f->folder[k]);
		free(f->folder);
	}
	free(doc->feeds);
	free(doc->title);
	free(doc);
}

/* Reading. */

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* A trimmed copy of s[0..n), or NULL when nothing is left. */
static char *
dup_trim(const char *s, size_t n)
{
	while (n > 0 && is_space(*s))
		s++, n--;
	while (n > 0 && is_space(s[n - 1]))
		n--;
	return n > 0 ? xstrndup(s, n) : NULL;
}

static void fail(struct reader *p, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Note the first error; the caller stops the parser. */
static void
fail(struct reader *p, int rc, const char *fmt, ...)
{
	char line[256];
	va_list ap;

	if (p->err != SH_OK)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	p->err = rc;
	p->msg = xstrdup(line);
}

static bool
is_http(const char *url)
{
	return (strncasecmp(url, "http://", 7) == 0 && url[7] != '\0') ||
	       (strncasecmp(url, "https://", 8) == 0 && url[8] != '\0');
}

/*
 * The folder path in a category attribute, split in place: the first
 * comma-separated item with a name in it, read as a slash path.  Returns
 * the number of names, or SIZE_MAX when there are more than max.
 */
static size_t
category_split(char *cat, const char **path, size_t max)
{
	char *item, *seg, *s1, *s2, *end;
	size_t n;

	for (item = strtok_r(cat, ",", &s1); item != NULL;
	     item = strtok_r(NULL, ",", &s1)) {
		n = 0;
		for (seg = strtok_r(item, "/", &s2); seg != NULL;
		     seg = strtok_r(NULL, "/", &s2)) {
			while (is_space(*seg))
				seg++;
			end = seg + strlen(seg);
			while (end > seg && is_space(end[-1]))
				*--end = '\0';
			if (*seg == '\0')
				continue;
			if (n == max)
				return SIZE_MAX;
			path[n++] = seg;
		}
		if (n > 0)
			return n;
	}
	return 0;
}

static size_t
size_of(const char *s)
{
	return s != NULL ? strlen(s) + 1 : 0;
}

static void
add_feed(struct reader *p, const char *url, const char *html, const char *title,
    char *cat)
{
	size_t d, k, n = 0, bytes, max_folders;

	if (!is_http(url)) {
		p->doc->nskipped++;
		return;
	}
	if (map_get(p->urls, url, NULL) != SIZE_MAX) {
		p->doc->nduplicates++;
		return;
	}
	if (p->doc->nfeeds >= p->lim.max_feeds) {
		fail(p, SH_ETOOMANY, "OPML lists more than %zu feeds",
		    p->lim.max_feeds);
		return;
	}
	for (d = (size_t)p->body_depth + 1; d < (size_t)p->depth; d++)
		if (p->names[d] != NULL)
			p->path[n++] = p->names[d];
	/*
	 * Nesting wins; the category only places a feed at the top.  Its
	 * folders become nested outlines on export, with the feed's below
	 * them, so they may take one level less than max_depth.
	 */
	max_folders = p->lim.max_depth > 0 ? p->lim.max_depth - 1 : 0;
	if (n == 0 && cat != NULL &&
	    (n = category_split(cat, p->path, max_folders)) == SIZE_MAX) {
		fail(p, SH_EDEPTH, "OPML category nests deeper than %u levels",
		    p->lim.max_depth);
		return;
	}
	bytes = sizeof(struct opml_feed) + size_of(url) + size_of(html) +
		size_of(title) + n * sizeof(char *);
	for (k = 0; k < n; k++)
		bytes += size_of(p->path[k]);
	if (bytes > p->lim.max_model_bytes - p->model_bytes) {
		fail(p, SH_ETOOBIG,
		    "OPML folders and titles take more than "
		    "%zu bytes",
		    p->lim.max_model_bytes);
		return;
	}
	p->model_bytes += bytes;
	opml_feed_add(p->doc, url, html, title, p->path, n);
	map_put(p->urls, url, NULL, p->doc->nfeeds - 1);
}

/*
 * Text as libxml2 delivers it, decoded: HTML entity markers become their
 * characters (see on_get_entity()), other C0 controls go, and in attribute
 * values (amp) "&#38;" becomes "&": without entity substitution libxml2
 * hands every "&" in an attribute over that way.  Trimmed; NULL if empty.
 */
static char *
decode(const struct reader *p, const char *s, size_t n, bool amp)
{
	struct sh_buf b;
	const char *m;
	size_t i;
	char *v;

	sh_buf_init(&b, SIZE_MAX); /* at most 3n: bounded by the input */
	for (i = 0; i < n; i++) {
		if (amp && n - i >= 5 && memcmp(s + i, "&#38;", 5) == 0) {
			sh_buf_putc(&b, '&');
			i += 4;
		} else if ((unsigned char)s[i] >= 0x20 || is_space(s[i])) {
			sh_buf_putc(&b, s[i]);
		} else if (s[i] != '\0' && (m = strchr(marks, s[i])) != NULL &&
			   (size_t)(m - marks) < p->nents) {
			sh_buf_puts(&b, (const char *)p->ents[m - marks]->text);
		}
	}
	v = dup_trim(b.data != NULL ? b.data : "", b.len);
	sh_buf_clear(&b);
	return v;
}

/* One <outline>: a feed, a folder, or (nameless) nothing. */
static void
on_outline(struct reader *p, int nattrs, const xmlChar **attrs)
{
	static const char *const names[] = {"xmlUrl", "url", "type", "title",
	    "text", "htmlUrl", "category"};
	char *v[7] = {NULL};
	const char *name;
	int i;
	size_t k;

	for (i = 0; i < nattrs; i++, attrs += 5) {
		if (attrs[1] != NULL) /* miniflux:..., and other extensions */
			continue;
		name = (const char *)attrs[0];
		for (k = 0; k < 7; k++)
			if (v[k] == NULL && sh_strcaseeq(name, names[k]))
				v[k] = decode(p, (const char *)attrs[3],
				    (size_t)(attrs[4] - attrs[3]), true);
	}
	/* Some exporters write url instead of xmlUrl for feeds. */
	if (v[0] == NULL && v[2] != NULL &&
	    (sh_strcaseeq(v[2], "rss") || sh_strcaseeq(v[2], "atom"))) {
		v[0] = v[1];
		v[1] = NULL;
	}
	if (v[0] != NULL) {
		add_feed(p, v[0], v[5], v[3] != NULL ? v[3] : v[4], v[6]);
	} else {
		/* A folder is named by text first, as readers show it. */
		k = v[4] != NULL ? 4 : 3;
		p->names[p->depth] = v[k];
		v[k] = NULL;
	}
	for (k = 0; k < 7; k++)
		free(v[k]);
}

static void
on_start(void *ctx, const xmlChar *localname, const xmlChar *prefix,
    const xmlChar *uri, int nns, const xmlChar **ns, int nattrs, int ndef,
    const xmlChar **attrs)
{
	struct reader *p = ctx;
	const char *name = (const char *)localname;

	(void)uri;
	(void)nns;
	(void)ns;
	(void)ndef;
	p->depth++;
	if (p->err != SH_OK || p->skip_depth != 0)
		return;
	if (p->depth == 1) {
		if (!sh_strcaseeq(name, "opml"))
			fail(p, SH_ENOTFEED, "not OPML: root element is <%s>",
			    name);
	} else if (p->depth == 2) {
		if (sh_strcaseeq(name, "body")) {
			p->body_depth = 2;
			p->seen_body = true;
		} else if (!sh_strcaseeq(name, "head"))
			p->skip_depth = p->depth;
	} else if (p->body_depth == 0) {
		if (p->depth == 3 && sh_strcaseeq(name, "title"))
			p->in_title = true;
		else
			p->skip_depth = p->depth;
	} else if (prefix != NULL || !sh_strcaseeq(name, "outline")) {
		p->skip_depth = p->depth;
	} else if ((unsigned)(p->depth - p->body_depth) > p->lim.max_depth) {
		fail(p, SH_EDEPTH, "OPML outlines nest deeper than %u levels",
		    p->lim.max_depth);
	} else {
		on_outline(p, nattrs, attrs);
	}
	if (p->err != SH_OK)
		xmlStopParser(p->ctxt);
}

static void
on_end(void *ctx, const xmlChar *localname, const xmlChar *prefix,
    const xmlChar *uri)
{
	struct reader *p = ctx;

	(void)localname;
	(void)prefix;
	(void)uri;
	if (p->depth == p->skip_depth)
		p->skip_depth = 0;
	if (p->depth == p->body_depth)
		p->body_depth = 0;
	if (p->depth == 3)
		p->in_title = false;
	if ((unsigned)p->depth < p->lim.max_depth + 3) {
		free(p->names[p->depth]);
		p->names[p->depth] = NULL;
	}
	p->depth--;
}

static void
on_characters(void *ctx, const xmlChar *ch, int len)
{
	struct reader *p = ctx;

	if (p->in_title && p->skip_depth == 0)
		(void)sh_buf_append(&p->title, ch, (size_t)len);
}

/*
 * HTML entities that XML does not declare (&nbsp; &eacute;), which OPML
 * exporters write as if it did.  libxml2 copies only the first byte of a
 * predefined entity into an attribute value, so each name is served as a
 * predefined entity whose text is one marker byte, a C0 control that XML
 * cannot carry, and decode() swaps markers for the characters.  Declared
 * entities are never expanded (no entityDecl handler); unknown names, and
 * names past the markers' number, stay fatal errors.
 */
static xmlEntityPtr
on_get_entity(void *ctx, const xmlChar *name)
{
	struct reader *p = ctx;
	const htmlEntityDesc *desc;
	struct html_entity *he;
	xmlEntityPtr ent;
	size_t i, n;
	int len;

	if ((ent = xmlGetPredefinedEntity(name)) != NULL)
		return ent;
	for (i = 0; i < p->nents; i++)
		if (xmlStrEqual(p->ents[i]->name, name))
			return &p->ents[i]->ent;
	n = strlen((const char *)name);
	if (n >= sizeof(he->name) || p->nents == sizeof(marks) - 1 ||
	    (desc = htmlEntityLookup(name)) == NULL)
		return NULL;
	he = xcalloc(1, sizeof(*he));
	memcpy(he->name, name, n + 1);
	len = xmlCopyCharMultiByte(he->text, (int)desc->value);
	he->text[len > 0 ? len : 0] = '\0';
	he->mark[0] = (xmlChar)marks[p->nents];
	he->ent.type = XML_ENTITY_DECL;
	he->ent.name = he->name;
	he->ent.etype = XML_INTERNAL_PREDEFINED_ENTITY;
	he->ent.content = he->ent.orig = he->mark;
	he->ent.length = 1;
	p->ents[p->nents++] = he;
	return &he->ent;
}

static void
on_error(void *ctx, xmlErrorPtr e)
{
	struct reader *p = ctx;
	int rc = SH_EPARSE, n;

	if (e == NULL || e->level != XML_ERR_FATAL)
		return;
	if (p->bad_bytes) {
		fail(p, SH_EENCODING,
		    "invalid XML at line %d: bytes not valid in %s", e->line,
		    p->ctxt->encoding != NULL ? (const char *)p->ctxt->encoding
					      : "the declared encoding");
		return;
	}
	if (e->domain == XML_FROM_I18N ||
	    e->code == XML_ERR_UNSUPPORTED_ENCODING ||
	    e->code == XML_ERR_INVALID_ENCODING)
		rc = SH_EENCODING;
	n = e->message != NULL ? (int)strcspn(e->message, "\n") : 0;
	fail(p, rc, "invalid XML at line %d: %.*s", e->line, n,
	    n > 0 ? e->message : "");
}

/*
 * libxml2 reports failed conversions from the declared encoding without a
 * parser context, to the thread's generic error handler: catch them here
 * instead of letting hostile bytes write to stderr.
 */
static void
on_generic_error(void *ctx, const char *msg, ...)
{
	struct reader *p = ctx;

	(void)msg;
	p->bad_bytes = true;
}

static void
reader_init(struct reader *p, const struct opml_limits *lim)
{
	memset(p, 0, sizeof(*p));
	if (lim != NULL)
		p->lim = *lim;
	else
		opml_limits_default(&p->lim);
	if (p->lim.max_depth > DEPTH_CAP)
		p->lim.max_depth = DEPTH_CAP;
	p->doc = opml_new(NULL);
	p->urls = xmlHashCreate(64);
	p->names = xcalloc(p->lim.max_depth + 3, sizeof(*p->names));
	p->path = xcalloc(p->lim.max_depth + 1, sizeof(*p->path));
	sh_buf_init(&p->title, p->lim.max_doc_bytes);
}

static void
reader_clear(struct reader *p)
{
	size_t i;

	if (p->ctxt != NULL) {
		/* A DOCTYPE with entity declarations leaves a doc for them. */
		xmlFreeDoc(p->ctxt->myDoc);
		xmlFreeParserCtxt(p->ctxt);
	}
	for (i = 0; i < p->lim.max_depth + 3; i++)
		free(p->names[i]);
	free(p->names);
	free(p->path);
	sh_buf_clear(&p->title);
	xmlHashFree(p->urls, NULL);
	for (i = 0; i < p->nents; i++)
		free(p->ents[i]);
	opml_free(p->doc);
	free(p->msg);
}

/* Put the feeds in the order opml_write() writes them. */
static void
doc_group(struct opml_doc *doc)
{
	struct opml_feed *sorted;
	struct group g;
	size_t *order, i, n = 0;

	group_build(&g, doc);
	order = xcalloc(doc->nfeeds + 1, sizeof(*order));
	(void)group_walk(&g, doc, 0, NULL, order, &n);
	sorted = xcalloc(doc->feeds_cap + 1, sizeof(*sorted));
	for (i = 0; i < n; i++)
		sorted[i] = doc->feeds[order[i]];
	free(doc->feeds);
	doc->feeds = sorted;
	free(order);
	group_clear(&g);
}

int
opml_parse(const char *buf, size_t len, const struct opml_limits *lim,
    struct opml_doc **out, char **err)
{
	xmlGenericErrorFunc old_handler = xmlGenericError;
	void *old_ctx = xmlGenericErrorContext;
	xmlSAXHandler sax;
	struct reader p;
	size_t off, n;
	int rc, xrc, head;

	reader_init(&p, lim);
	if (buf == NULL)
		buf = "";
	if (len > p.lim.max_doc_bytes || len > INT32_MAX) {
		fail(&p, SH_ETOOBIG,
		    "OPML document of %zu bytes is over the "
		    "limit of %zu bytes",
		    len, p.lim.max_doc_bytes);
		goto out;
	}
	memset(&sax, 0, sizeof(sax));
	sax.initialized = XML_SAX2_MAGIC;
	sax.startElementNs = on_start;
	sax.endElementNs = on_end;
	sax.characters = on_characters;
	sax.cdataBlock = on_characters;
	sax.getEntity = on_get_entity;
	sax.serror = on_error;
	/* The first bytes let libxml2 detect UTF-16 and read the declaration. */
	head = len < 4 ? (int)len : 4;
	p.ctxt = xmlCreatePushParserCtxt(&sax, &p, buf, head, NULL);
	if (p.ctxt == NULL) {
		fail(&p, SH_ENOMEM, "out of memory");
		goto out;
	}
	xmlCtxtUseOptions(p.ctxt,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	/*
	 * In chunks: in one piece, libxml2 refuses a push of more than 10 MB
	 * ("Huge input lookup") without XML_PARSE_HUGE.
	 */
	xmlSetGenericErrorFunc(&p, on_generic_error);
	off = (size_t)head;
	do {
		n = len - off < CHUNK_BYTES ? len - off : CHUNK_BYTES;
		xrc = xmlParseChunk(p.ctxt, buf + off, (int)n, off + n == len);
		off += n;
	} while (off < len && xrc == 0 && p.err == SH_OK);
	xmlSetGenericErrorFunc(old_ctx, old_handler);
	/* A failed conversion halts the parser without a parse error. */
	if (p.bad_bytes)
		fail(&p, SH_EENCODING, "invalid XML: bytes not valid in %s",
		    p.ctxt->encoding != NULL ? (const char *)p.ctxt->encoding
					     : "the declared encoding");
	else if (xrc != 0 || !p.ctxt->wellFormed)
		fail(&p, SH_EPARSE, "invalid XML");
	else if (!p.seen_body)
		fail(&p, SH_ENOTFEED, "OPML without a <body>");
	if (p.err == SH_OK) {
		p.doc->title =
		    decode(&p, p.title.data != NULL ? p.title.data : "",
			p.title.len, false);
		doc_group(p.doc);
		*out = p.doc;
		p.doc = NULL;
	}
out:
	if ((rc = p.err) != SH_OK && err != NULL) {
		*err = p.msg;
		p.msg = NULL;
	}
	reader_clear(&p);
	return rc;
}
