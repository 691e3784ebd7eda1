/* SPDX-License-Identifier: MIT */
/* The entry model: building, finishing and freeing a struct feed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feeds_int.h"

void
feed_limits_default(struct feed_limits *lim)
{
	lim->max_doc_bytes = SH_MAX_DOC_BYTES;
	lim->max_entries = SH_MAX_ENTRIES;
	lim->max_field_bytes = SH_MAX_FIELD_BYTES;
	lim->max_depth = SH_MAX_DEPTH;
}

struct feed *
feed_new(void)
{
	struct feed *f = xcalloc(1, sizeof(*f));

	f->updated = FEED_TIME_NONE;
	f->ttl_minutes = -1;
	return f;
}

struct feed_entry *
feed_entry_add(struct feed *f, const struct feed_limits *lim)
{
	struct feed_entry *e;

	if (f->nentries >= lim->max_entries) {
		f->recovered |= FEED_RECOVERED_ENTRIES;
		return NULL;
	}
	/* Grow by doubling: nentries is bounded by max_entries. */
	if ((f->nentries & (f->nentries - 1)) == 0)
		f->entries = xreallocarray(f->entries,
		    f->nentries ? f->nentries * 2 : 1, sizeof(*f->entries));
	e = &f->entries[f->nentries++];
	memset(e, 0, sizeof(*e));
	e->published = FEED_TIME_NONE;
	e->updated = FEED_TIME_NONE;
	return e;
}

void
feed_str_set(char **slot, char *value)
{
	free(*slot);
	*slot = value;
}

bool
feed_strv_add(struct feed_strv *v, const char *s, size_t max)
{
	size_t i, n;
	bool cut;

	if (s == NULL || *s == '\0' || v->n >= SH_MAX_LIST_ITEMS)
		return false;
	n = strlen(s);
	if ((cut = n > max)) {
		n = max;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
		if (n == 0)
			return true;
	}
	for (i = 0; i < v->n; i++)
		if (strncmp(v->v[i], s, n) == 0 && v->v[i][n] == '\0')
			return cut;
	v->v = xreallocarray(v->v, v->n + 1, sizeof(*v->v));
	v->v[v->n++] = xstrndup(s, n);
	return cut;
}

static void
strv_clear(struct feed_strv *v)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		free(v->v[i]);
	free(v->v);
	v->v = NULL;
	v->n = 0;
}

void
feed_enclosure_add(struct feed_entry *e, const char *url, const char *type,
    int64_t length)
{
	struct feed_enclosure *enc;
	size_t i;

	if (url == NULL || *url == '\0' || e->nenclosures >= SH_MAX_LIST_ITEMS)
		return;
	for (i = 0; i < e->nenclosures; i++) {
		enc = &e->enclosures[i];
		if (strcmp(enc->url, url) != 0)
			continue;
		/* media:content often repeats an enclosure: fill the gaps. */
		if (enc->type == NULL && type != NULL && *type != '\0')
			enc->type = xstrdup(type);
		if (enc->length < 0)
			enc->length = length;
		return;
	}
	e->enclosures = xreallocarray(e->enclosures, e->nenclosures + 1,
	    sizeof(*e->enclosures));
	enc = &e->enclosures[e->nenclosures++];
	enc->url = xstrdup(url);
	enc->type = type != NULL && *type != '\0' ? xstrdup(type) : NULL;
	enc->length = length;
}

static char *
trim_dup(const char *s, size_t n)
{
	while (n > 0 && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
			    s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	return n > 0 ? xstrndup(s, n) : NULL;
}

char *
feed_person_name(const char *s)
{
	const char *open, *close, *at;

	/* "jane@example.org (Jane Doe)": the name is in the parentheses. */
	open = strchr(s, '(');
	close = open != NULL ? strrchr(open, ')') : NULL;
	if (open != NULL && close != NULL) {
		char *name = trim_dup(open + 1, (size_t)(close - open - 1));
		at = strchr(s, '@');
		if (name != NULL && (at == NULL || at < open))
			return name;
		if (name != NULL && strchr(name, '@') != NULL) {
			/* "Jane Doe (jane@example.org)" */
			char *before = trim_dup(s, (size_t)(open - s));
			if (before != NULL) {
				free(name);
				return before;
			}
		}
		if (name != NULL)
			return name;
	}
	/* "Jane Doe <jane@example.org>" */
	open = strchr(s, '<');
	if (open != NULL && open > s && strchr(open, '@') != NULL) {
		char *name = trim_dup(s, (size_t)(open - s));
		if (name != NULL)
			return name;
	}
	return trim_dup(s, strlen(s));
}

static void
entry_fallback_id(struct feed_entry *e)
{
	struct sh_buf b;
	uint8_t md[20];
	char hex[6 + 41], date[32];
	size_t i;

	if (e->id != NULL)
		return;
	if (e->link != NULL) {
		e->id = xstrdup(e->link);
		return;
	}
	/* No guid and no link: hash what identifies the entry to a reader. */
	sh_buf_init(&b, SIZE_MAX);
	if (e->title != NULL)
		sh_buf_puts(&b, e->title);
	sh_buf_putc(&b, '\n');
	if (e->published != FEED_TIME_NONE)
		sh_buf_puts(&b,
		    feed_date_format(e->published, date, sizeof(date)));
	sh_buf_putc(&b, '\n');
	if (e->summary != NULL)
		sh_buf_puts(&b, e->summary);
	sh_sha1(b.data, b.len, md);
	sh_buf_clear(&b);
	memcpy(hex, "sha1:", 5);
	for (i = 0; i < 20; i++) {
		hex[5 + 2 * i] = "0123456789abcdef"[md[i] >> 4];
		hex[6 + 2 * i] = "0123456789abcdef"[md[i] & 0xf];
	}
	hex[45] = '\0';
	e->id = xstrdup(hex);
}

static void
resolve_late(char **slot, const char *base)
{
	char *abs;

	if (*slot == NULL || base == NULL)
		return;
	/* Most links are absolute already. */
	if (strncmp(*slot, "https://", 8) == 0 ||
	    strncmp(*slot, "http://", 7) == 0)
		return;
	abs = feed_url_resolve(base, *slot);
	if (abs != NULL)
		feed_str_set(slot, abs);
}

/* Drop the enclosures whose URL is not safe, keeping the others' order. */
static void
enclosures_filter(struct feed_entry *e)
{
	size_t i, n = 0;

	for (i = 0; i < e->nenclosures; i++) {
		struct feed_enclosure *enc = &e->enclosures[i];

		if (!feed_url_is_safe(enc->url)) {
			free(enc->url);
			free(enc->type);
			continue;
		}
		e->enclosures[n++] = *enc;
	}
	e->nenclosures = n;
}

/* Whether a label holds markup or control characters. */
static bool
label_dirty(const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p == '<' || *p < 0x20 || *p == 0x7f)
			return true;
	return false;
}

/*
 * Names, categories and types are plain text, whatever a feed put in them:
 * one that carries markup or control characters is read as HTML and keeps
 * its text only.  A label left empty is dropped.
 */
static void
labels_clean(struct feed_strv *sv)
{
	size_t i, n = 0;
	char *t;

	for (i = 0; i < sv->n; i++) {
		t = sv->v[i];
		if (label_dirty(t)) {
			t = feed_html_to_text(sv->v[i], strlen(sv->v[i]),
			    strlen(sv->v[i]) + 1);
			free(sv->v[i]);
			if (t != NULL && *t == '\0') {
				free(t);
				t = NULL;
			}
		}
		if (t != NULL)
			sv->v[n++] = t;
	}
	sv->n = n;
}

static void
label_clean(char **s)
{
	char *t;

	if (*s == NULL || !label_dirty(*s))
		return;
	t = feed_html_to_text(*s, strlen(*s), strlen(*s) + 1);
	free(*s);
	if (t != NULL && *t == '\0') {
		free(t);
		t = NULL;
	}
	*s = t;
}

void
feed_finish(struct feed *f)
{
	size_t i, j;

	/* The parsers drop unsafe URLs where they read them; this is the
	 * guarantee, for every format. */
	f->link = feed_url_if_safe(f->link);
	f->self = feed_url_if_safe(f->self);
	labels_clean(&f->authors);
	for (i = 0; i < f->nentries; i++) {
		struct feed_entry *e = &f->entries[i];

		/* Links resolve against the feed link when nothing else gave
		 * a base; feed_url_resolve() leaves absolute URLs alone. */
		resolve_late(&e->link, f->link);
		e->link = feed_url_if_safe(e->link);
		for (j = 0; j < e->nenclosures; j++) {
			resolve_late(&e->enclosures[j].url, f->link);
			label_clean(&e->enclosures[j].type);
		}
		enclosures_filter(e);
		labels_clean(&e->authors);
		labels_clean(&e->categories);
		entry_fallback_id(e);
	}
}

static void
entry_clear(struct feed_entry *e)
{
	size_t i;

	free(e->id);
	free(e->title);
	free(e->link);
	strv_clear(&e->authors);
	free(e->summary);
	free(e->content_html);
	strv_clear(&e->categories);
	for (i = 0; i < e->nenclosures; i++) {
		free(e->enclosures[i].url);
		free(e->enclosures[i].type);
	}
	free(e->enclosures);
	free(e->language);
}

void
feed_free(struct feed *f)
{
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < f->nentries; i++)
		entry_clear(&f->entries[i]);
	free(f->entries);
	free(f->title);
	free(f->link);
	free(f->self);
	free(f->description);
	free(f->language);
	strv_clear(&f->authors);
	free(f->encoding);
	free(f);
}

const char *
feed_format_name(enum feed_format format)
{
	switch (format) {
	case FEED_FORMAT_RSS090:
		return "rss0.90";
	case FEED_FORMAT_RSS091:
		return "rss0.91";
	case FEED_FORMAT_RSS092:
		return "rss0.92";
	case FEED_FORMAT_RSS10:
		return "rss1.0";
	case FEED_FORMAT_RSS20:
		return "rss2.0";
	case FEED_FORMAT_ATOM03:
		return "atom0.3";
	case FEED_FORMAT_ATOM10:
		return "atom1.0";
	case FEED_FORMAT_JSONFEED10:
		return "jsonfeed1.0";
	case FEED_FORMAT_JSONFEED11:
		return "jsonfeed1.1";
	case FEED_FORMAT_UNKNOWN:
		break;
	}
	return "unknown";
}

char *
feed_recovery_describe(unsigned bits)
{
	static const struct {
		unsigned bit;
		const char *text;
	} names[] = {
	    {FEED_RECOVERED_XML, "malformed XML"},
	    {FEED_RECOVERED_ENTITY, "undeclared entities"},
	    {FEED_RECOVERED_ENCODING, "wrong or missing charset"},
	    {FEED_RECOVERED_NAMESPACE, "undeclared namespace prefixes"},
	    {FEED_RECOVERED_TRUNCATED, "fields cut at the size limit"},
	    {FEED_RECOVERED_ENTRIES, "entries past the limit dropped"},
	    {FEED_RECOVERED_JSON, "malformed JSON Feed members"},
	};
	struct sh_buf b;
	size_t i;

	if (bits == 0)
		return NULL;
	sh_buf_init(&b, SIZE_MAX);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if ((bits & names[i].bit) == 0)
			continue;
		if (b.len > 0)
			sh_buf_puts(&b, ", ");
		sh_buf_puts(&b, names[i].text);
	}
	return sh_buf_steal(&b);
}

static int
b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

char *
feed_base64_decode(const char *s, size_t len, size_t *outlen)
{
	char *out = xmalloc(len / 4 * 3 + 4);
	uint32_t acc = 0;
	size_t i, n = 0;
	int bits = 0, v;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		if (c == '=')
			break;
		if ((v = b64val(c)) < 0) {
			free(out);
			return NULL;
		}
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (char)(acc >> bits & 0xff);
		}
	}
	out[n] = '\0';
	if (outlen != NULL)
		*outlen = n;
	return out;
}

char *
feed_html_escape(const char *s, size_t n, size_t max)
{
	struct sh_buf b;
	size_t i, start = 0;

	sh_buf_init(&b, max);
	for (i = 0; i < n; i++) {
		const char *rep;

		if (s[i] == '&')
			rep = "&amp;";
		else if (s[i] == '<')
			rep = "&lt;";
		else if (s[i] == '>')
			rep = "&gt;";
		else
			continue;
		if (sh_buf_append(&b, s + start, i - start) != SH_OK ||
		    sh_buf_puts(&b, rep) != SH_OK)
			return sh_buf_steal(&b);
		start = i + 1;
	}
	sh_buf_append(&b, s + start, n - start);
	return sh_buf_steal(&b);
}
