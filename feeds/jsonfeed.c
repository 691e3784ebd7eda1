/* SPDX-License-Identifier: MIT */
/* JSON Feed 1.0 and 1.1 (jsonfeed.org) into the entry model. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "feeds_int.h"

struct jparse {
	const struct feed_limits *lim;
	const char *base; /* home_page_url, else the fetch URL */
	struct feed *feed;
};

static const char *
jstr(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Plain text, whether the publisher wrote text or slipped in markup. */
static char *
jtext(struct jparse *jp, const char *s)
{
	size_t n;
	char *t;

	if (s == NULL)
		return NULL;
	n = strlen(s);
	t = feed_text_looks_html(s, n)
		? feed_html_to_text(s, n, jp->lim->max_field_bytes)
		: feed_text_collapse(s, n, jp->lim->max_field_bytes);
	if (t != NULL && *t == '\0') {
		free(t);
		t = NULL;
	}
	return t;
}

/* An absolute URL, or NULL when there is none or it is not safe. */
static char *
jurl(const char *base, const char *s)
{
	if (s == NULL || *s == '\0')
		return NULL;
	return feed_url_if_safe(feed_url_resolve(base, s));
}

/* Add to a list of names or tags within the field limit. */
static void
jstrv_add(struct jparse *jp, struct feed_strv *v, const char *s)
{
	if (feed_strv_add(v, s, jp->lim->max_field_bytes))
		jp->feed->recovered |= FEED_RECOVERED_TRUNCATED;
}

static void
jauthors(struct jparse *jp, json_t *obj, struct feed_strv *out)
{
	json_t *list = json_object_get(obj, "authors"), *a;
	size_t i;

	/* 1.1 has an array; 1.0 had one object. */
	if (json_is_array(list)) {
		json_array_foreach(list, i, a)
		{
			jstrv_add(jp, out, jstr(a, "name"));
		}
	}
	a = json_object_get(obj, "author");
	if (json_is_object(a))
		jstrv_add(jp, out, jstr(a, "name"));
}

static void
jattachments(struct jparse *jp, json_t *item, struct feed_entry *e)
{
	json_t *list = json_object_get(item, "attachments"), *a, *size;
	size_t i;

	if (!json_is_array(list))
		return;
	json_array_foreach(list, i, a)
	{
		char *url = jurl(jp->base, jstr(a, "url"));

		if (url == NULL)
			continue;
		size = json_object_get(a, "size_in_bytes");
		feed_enclosure_add(e, url, jstr(a, "mime_type"),
		    json_is_integer(size) ? json_integer_value(size) : -1);
		free(url);
	}
}

static int64_t
jdate(json_t *item, const char *key)
{
	const char *s = jstr(item, key);
	int64_t t;

	if (s == NULL || feed_date_parse(s, &t) != SH_OK)
		return FEED_TIME_NONE;
	return t;
}

static void
jitem(struct jparse *jp, json_t *item)
{
	struct feed_entry *e;
	json_t *id, *tags, *tag;
	const char *html, *text, *lang;
	size_t i;

	if (!json_is_object(item)) {
		jp->feed->recovered |= FEED_RECOVERED_JSON;
		return;
	}
	if ((e = feed_entry_add(jp->feed, jp->lim)) == NULL)
		return;
	id = json_object_get(item, "id");
	if (json_is_string(id) && *json_string_value(id) != '\0')
		e->id = xstrdup(json_string_value(id));
	else if (json_is_integer(id))
		e->id =
		    xasprintf("%" JSON_INTEGER_FORMAT, json_integer_value(id));
	e->link = jurl(jp->base, jstr(item, "url"));
	if (e->link == NULL)
		e->link = jurl(jp->base, jstr(item, "external_url"));
	e->title = jtext(jp, jstr(item, "title"));
	e->published = jdate(item, "date_published");
	e->updated = jdate(item, "date_modified");
	jauthors(jp, item, &e->authors);
	html = jstr(item, "content_html");
	text = jstr(item, "content_text");
	e->summary = jtext(jp, jstr(item, "summary"));
	if (e->summary == NULL && text != NULL)
		e->summary = jtext(jp, text);
	if (e->summary == NULL && html != NULL)
		e->summary = feed_html_to_text(html, strlen(html),
		    jp->lim->max_field_bytes);
	if (html != NULL)
		e->content_html = feed_html_sanitize(html, strlen(html),
		    e->link != NULL ? e->link : jp->base,
		    jp->lim->max_field_bytes);
	else if (text != NULL)
		e->content_html = feed_html_escape(text, strlen(text),
		    jp->lim->max_field_bytes);
	tags = json_object_get(item, "tags");
	if (json_is_array(tags)) {
		json_array_foreach(tags, i, tag)
		{
			if (json_is_string(tag))
				jstrv_add(jp, &e->categories,
				    json_string_value(tag));
		}
	}
	jattachments(jp, item, e);
	if ((lang = jstr(item, "language")) != NULL)
		e->language = xstrdup(lang);
}

static enum feed_format
jversion(json_t *root)
{
	const char *v = jstr(root, "version");

	if (v == NULL || strncmp(v, "https://jsonfeed.org/version/", 29) != 0)
		return FEED_FORMAT_UNKNOWN;
	v += 29;
	if (strcmp(v, "1") == 0 || strcmp(v, "1.0") == 0)
		return FEED_FORMAT_JSONFEED10;
	return FEED_FORMAT_JSONFEED11;
}

/*
 * jansson builds the whole tree before we see any of it, and a value costs
 * it far more than the bytes that spell it: "{}," is three bytes of input
 * and about 230 of memory, so a 16 MiB body of them took well over a
 * gigabyte and seconds to build.  The limits bound what we keep, not what
 * jansson builds, so the values are counted first, without building
 * anything: every "{", "[", "," and ":" outside strings starts one (keys
 * count too, they cost as much).  A real item holds a few dozen.
 */
#define JSON_VALUES_PER_ENTRY 64u
#define JSON_VALUES_MIN 65536u

/* Whether the document holds more than max values; see above. */
static bool
json_too_many_values(const char *buf, size_t len, size_t max)
{
	const char *p = buf, *end = buf + len;
	size_t n = 1;

	while (p < end && n <= max) {
		switch (*p++) {
		case '"':
			/* Skip the string; a backslash escapes one byte. */
			while (p < end && *p != '"') {
				if (*p == '\\' && end - p > 1)
					p++;
				p++;
			}
			if (p < end)
				p++;
			break;
		case '{':
		case '[':
		case ',':
		case ':':
			n++;
			break;
		default:
			break;
		}
	}
	return n > max;
}

int
feed_parse_json(const char *buf, size_t len, const char *base_url,
    const struct feed_limits *lim, struct feed **out, char **err)
{
	struct jparse jp = {.lim = lim};
	json_error_t jerr;
	json_t *root, *items, *item;
	int rc = SH_OK;
	size_t i, max;

	max = lim->max_entries < JSON_VALUES_MIN / JSON_VALUES_PER_ENTRY
		  ? JSON_VALUES_MIN
		  : lim->max_entries * JSON_VALUES_PER_ENTRY;
	if (json_too_many_values(buf, len, max)) {
		if (err != NULL)
			*err = xasprintf("more than %zu JSON values (%u for "
					 "each of max_entries)",
			    max, JSON_VALUES_PER_ENTRY);
		return SH_ETOOBIG;
	}
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL,
	    &jerr);
	if (root == NULL) {
		if (err != NULL)
			*err = xasprintf("invalid JSON at line %d column %d: "
					 "%s",
			    jerr.line, jerr.column, jerr.text);
		return SH_EPARSE;
	}
	items = json_object_get(root, "items");
	if (!json_is_object(root) ||
	    (jversion(root) == FEED_FORMAT_UNKNOWN && !json_is_array(items))) {
		if (err != NULL)
			*err = xstrdup("not a feed: JSON without a JSON Feed "
				       "version or items");
		rc = SH_ENOTFEED;
		goto out;
	}
	jp.feed = feed_new();
	jp.feed->format = jversion(root);
	if (jp.feed->format == FEED_FORMAT_UNKNOWN) {
		jp.feed->format = FEED_FORMAT_JSONFEED11;
		jp.feed->recovered |= FEED_RECOVERED_JSON;
	}
	jp.feed->link = jurl(base_url, jstr(root, "home_page_url"));
	jp.feed->self = jurl(base_url, jstr(root, "feed_url"));
	jp.base = jp.feed->link != NULL ? jp.feed->link : base_url;
	jp.feed->title = jtext(&jp, jstr(root, "title"));
	jp.feed->description = jtext(&jp, jstr(root, "description"));
	if (jstr(root, "language") != NULL)
		jp.feed->language = xstrdup(jstr(root, "language"));
	jauthors(&jp, root, &jp.feed->authors);
	if (json_is_array(items)) {
		json_array_foreach(items, i, item)
		{
			jitem(&jp, item);
		}
	} else {
		jp.feed->recovered |= FEED_RECOVERED_JSON;
	}
	feed_finish(jp.feed);
	*out = jp.feed;
out:
	json_decref(root);
	return rc;
}
