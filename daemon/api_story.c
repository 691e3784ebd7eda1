/* SPDX-License-Identifier: MIT */
/* The story endpoints: lists, one story, read marks, Atom and events. */

/*
 * Reads run in the API thread's own read transaction like every other
 * GET; marking a story read is a write and goes to the main thread.
 *
 * A story's headline is the most central entry (the deduplicator's
 * measure, kept per language in the story's record) in the first of the
 * reader's configured languages that the story has, else in the story's
 * commonest language.
 *
 * /v1/events is a server-sent event stream.  The main thread appends each
 * committed story change to a ring of SHEAFD_EVENTS and broadcasts; every
 * stream keeps the number of the last event it sent and, woken or every
 * EVENTS_KEEPALIVE seconds (half of api_timeout when that is shorter, or
 * libmicrohttpd would close a quiet stream as idle), sends what is new
 * or a keep-alive comment.  A
 * reader that falls more than the ring behind is told how many it missed
 * and goes on from the oldest kept: memory does not grow with a reader
 * that does not read.  libmicrohttpd's thread per connection makes the
 * wait a plain condition variable.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/xmlwriter.h>

#include "api_int.h"
#include "common.h"

/* Seconds between keep-alive comments on an idle event stream. */
#define EVENTS_KEEPALIVE 15
/* Events formatted per wake-up. */
#define EVENTS_BATCH 32
/* Entries shown with one story, and linked from its Atom entry. */
#define STORY_ENTRIES_MAX 1000u
#define ATOM_LINKS_MAX 50u

struct langs {
	char v[CONFIG_MAX_LANGUAGES][16];
	size_t n;
};

static void
reader_langs(struct sheafd *d, struct langs *l)
{
	pthread_mutex_lock(&d->lock);
	l->n = d->nlanguages;
	memcpy(l->v, d->languages, sizeof(l->v));
	pthread_mutex_unlock(&d->lock);
}

static uint64_t
headline_seq(struct store_rtx *rtx, const struct store_story *st,
    const struct langs *want)
{
	uint64_t *seqs, seq = 0;
	size_t i, j, n;

	for (i = 0; i < want->n; i++)
		for (j = 0; j < st->nlangs; j++)
			if (st->langs[j].best_seq != 0 &&
			    strcmp(st->langs[j].lang, want->v[i]) == 0)
				return st->langs[j].best_seq;
	for (j = 0; j < st->nlangs; j++)
		if (st->langs[j].best_seq != 0)
			return st->langs[j].best_seq;
	/* The best entries were deleted: the oldest left will do. */
	if (store_story_entries(rtx, st->id, 1, &seqs, &n) == SH_OK && n > 0)
		seq = seqs[0];
	if (n > 0)
		free(seqs);
	return seq;
}

static const char *
story_status(const struct store_story *st)
{
	if (st->read_at == 0)
		return "new";
	return st->read_at >= st->updated ? "read" : "updated";
}

static json_t *
story_json(struct store_rtx *rtx, const struct store_story *st,
    const struct langs *want, struct store_entry *head)
{
	json_t *langs = json_array();
	uint64_t seq = headline_seq(rtx, st, want);
	size_t i;

	store_entry_init(head);
	if (seq != 0 && store_entry_get(rtx, seq, head) != SH_OK)
		store_entry_init(head);
	for (i = 0; i < st->nlangs; i++)
		if (st->langs[i].entries > 0 && st->langs[i].lang[0] != '\0')
			json_array_append_new(langs,
			    json_str(st->langs[i].lang));
	return json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:I, s:o, "
			 "s:s, s:o}",
	    "id", (json_int_t)st->id, "headline", json_str(head->title), "link",
	    json_str(head->link), "headline_entry",
	    head->seq ? json_integer((json_int_t)head->seq) : json_null(),
	    "language", json_str(head->language), "first_seen",
	    json_time(st->first_seen), "updated", json_time(st->updated),
	    "entries", (json_int_t)st->entries, "sources",
	    (json_int_t)st->nfeeds, "languages", langs, "status",
	    story_status(st), "read_at", json_time(st->read_at));
}

static json_t *
story_json_plain(struct store_rtx *rtx, const struct store_story *st,
    const struct langs *want)
{
	struct store_entry head;
	json_t *j = story_json(rtx, st, want, &head);

	store_entry_clear(&head);
	return j;
}

/* Query parameters shared by the list and the Atom feed. */
static enum MHD_Result
parse_query(struct sheafd *d, struct MHD_Connection *conn,
    struct store_story_query *q, bool *ok)
{
	const char *v;
	uint64_t u;
	unsigned max;

	memset(q, 0, sizeof(*q));
	q->since = FEED_TIME_NONE;
	*ok = false;
	pthread_mutex_lock(&d->lock);
	max = d->api_max_page;
	pthread_mutex_unlock(&d->lock);
	if ((v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND,
		 "since")) != NULL &&
	    !parse_since(v, &q->since))
		return reply_error(conn, MHD_HTTP_BAD_REQUEST, "bad_request",
		    "since: not a time, date or duration");
	if ((v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND,
		 "limit")) != NULL) {
		if (!parse_u64(v, &u) || u == 0)
			return reply_error(conn, MHD_HTTP_BAD_REQUEST,
			    "bad_request", "limit: not a positive number");
		q->limit = u > max ? max : (size_t)u;
	} else {
		q->limit = STORE_LIST_DEFAULT < max ? STORE_LIST_DEFAULT : max;
	}
	if ((v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND,
		 "min_sources")) != NULL) {
		if (!parse_u64(v, &u) || u > UINT32_MAX)
			return reply_error(conn, MHD_HTTP_BAD_REQUEST,
			    "bad_request", "min_sources: not a number");
		q->min_sources = (uint32_t)u;
	}
	if ((v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND,
		 "lang")) != NULL) {
		if (*v == '\0' || strlen(v) > 15 ||
		    strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV"
			      "WXYZ-_") != strlen(v))
			return reply_error(conn, MHD_HTTP_BAD_REQUEST,
			    "bad_request", "lang: not a language tag");
		q->lang = v;
	}
	if ((v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND,
		 "unread")) != NULL) {
		if (strcmp(v, "1") == 0 || strcmp(v, "true") == 0)
			q->unread = true;
		else if (strcmp(v, "0") != 0 && strcmp(v, "false") != 0)
			return reply_error(conn, MHD_HTTP_BAD_REQUEST,
			    "bad_request", "unread: 1 or 0");
	}
	q->cursor =
	    MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "cursor");
	*ok = true;
	return MHD_YES;
}

static enum MHD_Result
get_stories(struct sheafd *d, struct MHD_Connection *conn)
{
	struct store_story_query q;
	struct store_story_page page;
	struct store_rtx *rtx;
	struct langs want;
	enum MHD_Result ret;
	json_t *arr;
	size_t i;
	bool ok;
	int rc;

	ret = parse_query(d, conn, &q, &ok);
	if (!ok)
		return ret;
	reader_langs(d, &want);
	if ((rc = store_read_begin(d->st, &rtx)) != SH_OK)
		return reply_store_error(conn, rc);
	rc = store_story_list(rtx, &q, &page);
	if (rc == SH_EINVAL) {
		store_read_end(rtx);
		return reply_error(conn, MHD_HTTP_BAD_REQUEST, "bad_request",
		    "cursor: not one this server gave");
	}
	if (rc != SH_OK) {
		store_read_end(rtx);
		return reply_store_error(conn, rc);
	}
	arr = json_array();
	for (i = 0; i < page.n; i++)
		json_array_append_new(arr,
		    story_json_plain(rtx, &page.v[i], &want));
	store_read_end(rtx);
	ret = reply_json(conn, MHD_HTTP_OK,
	    json_pack("{s:o, s:o}", "stories", arr, "next_cursor",
		page.next_cursor[0] ? json_string(page.next_cursor)
				    : json_null()));
	store_story_page_clear(&page);
	return ret;
}

/* The feed titles of a story's entries, looked up once each. */
struct feed_names {
	uint64_t id[64];
	char *title[64];
	size_t n;
};

static const char *
feed_name(struct store_rtx *rtx, struct feed_names *fn, uint64_t id)
{
	struct store_feed f;
	size_t i;

	for (i = 0; i < fn->n; i++)
		if (fn->id[i] == id)
			return fn->title[i];
	store_feed_init(&f);
	if (store_feed_get(rtx, id, &f) != SH_OK) {
		store_feed_clear(&f);
		return NULL;
	}
	i = fn->n < 64 ? fn->n++ : 63;
	free(fn->title[i]);
	fn->id[i] = id;
	fn->title[i] = xstrdup(f.title	     ? f.title
			       : f.doc_title ? f.doc_title
					     : f.url);
	store_feed_clear(&f);
	return fn->title[i];
}

static void
feed_names_clear(struct feed_names *fn)
{
	while (fn->n > 0)
		free(fn->title[--fn->n]);
}

static json_t *
shared_json(const char *s)
{
	json_t *a = json_array();
	const char *p = s, *e;

	while (p != NULL && *p != '\0') {
		e = strchr(p, ' ');
		if (e == NULL)
			e = p + strlen(p);
		if (e > p)
			json_array_append_new(a,
			    json_stringn(p, (size_t)(e - p)));
		p = *e ? e + 1 : e;
	}
	return a;
}

static json_t *
story_entry_json(struct store_rtx *rtx, struct feed_names *fn,
    const struct store_entry *e)
{
	const struct store_why *w = &e->why;
	json_t *why = json_pack("{s:s, s:f, s:f, s:f, s:o}", "reason",
	    w->reason ? w->reason : "restored", "score", w->score / 1000.0,
	    "text", w->text / 1000.0, "names", w->names / 1000.0, "shared",
	    shared_json(w->shared));

	return json_pack("{s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:o, "
			 "s:o}",
	    "seq", (json_int_t)e->seq, "feed_id", (json_int_t)e->feed_id,
	    "feed_title", json_str(feed_name(rtx, fn, e->feed_id)), "title",
	    json_str(e->title), "link", json_str(e->link), "published",
	    json_time(e->published), "first_seen", json_time(e->first_seen),
	    "language", json_str(e->language), "read",
	    (e->flags & STORE_ENTRY_READ) != 0, "duplicate_of",
	    e->duplicate_of ? json_integer((json_int_t)e->duplicate_of)
			    : json_null(),
	    "why", why);
}

static enum MHD_Result
get_story(struct sheafd *d, struct MHD_Connection *conn, uint64_t id)
{
	struct feed_names fn = {{0}, {0}, 0};
	struct store_story st;
	struct store_entry e;
	struct store_rtx *rtx;
	struct langs want;
	uint64_t *seqs = NULL;
	size_t n = 0, i;
	json_t *arr, *sj;
	int rc;

	reader_langs(d, &want);
	if ((rc = store_read_begin(d->st, &rtx)) != SH_OK)
		return reply_store_error(conn, rc);
	store_story_init(&st);
	rc = store_story_get(rtx, id, &st);
	if (rc == SH_OK)
		rc = store_story_entries(rtx, st.id, STORY_ENTRIES_MAX, &seqs,
		    &n);
	if (rc != SH_OK) {
		store_read_end(rtx);
		store_story_clear(&st);
		if (rc == SH_ENOTFOUND)
			return reply_error(conn, MHD_HTTP_NOT_FOUND,
			    "not_found", "no such story");
		return reply_store_error(conn, rc);
	}
	arr = json_array();
	for (i = 0; i < n; i++) {
		store_entry_init(&e);
		if (store_entry_get(rtx, seqs[i], &e) == SH_OK)
			json_array_append_new(arr,
			    story_entry_json(rtx, &fn, &e));
		store_entry_clear(&e);
	}
	sj = story_json_plain(rtx, &st, &want);
	if (st.id != id)
		json_object_set_new(sj, "merged_from",
		    json_integer((json_int_t)id));
	store_read_end(rtx);
	feed_names_clear(&fn);
	free(seqs);
	store_story_clear(&st);
	return reply_json(conn, MHD_HTTP_OK,
	    json_pack("{s:o, s:o}", "story", sj, "entries", arr));
}

static enum MHD_Result
post_read(struct sheafd *d, struct MHD_Connection *conn, uint64_t id)
{
	struct api_req *r = api_req_new(API_REQ_STORY_READ);

	r->story_id = id;
	return submit(d, conn, r);
}

/* The Atom feed of stories. */

static void
html_escape(struct sh_buf *b, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		switch (*s) {
		case '<':
			sh_buf_puts(b, "&lt;");
			break;
		case '>':
			sh_buf_puts(b, "&gt;");
			break;
		case '&':
			sh_buf_puts(b, "&amp;");
			break;
		case '"':
			sh_buf_puts(b, "&quot;");
			break;
		default:
			sh_buf_putc(b, *s);
		}
	}
}

static void
atom_time(xmlTextWriterPtr w, const char *name, int64_t t)
{
	char buf[32];

	if (t == 0 || t == FEED_TIME_NONE)
		return;
	xmlTextWriterWriteElement(w, BAD_CAST name,
	    BAD_CAST feed_date_format(t, buf, sizeof(buf)));
}

/* Text for XML: valid UTF-8 only (libxml2 refuses the rest). */
static const char *
xml_text(const char *s, char **tmp)
{
	size_t i, n;

	*tmp = NULL;
	if (s == NULL)
		return "";
	n = strlen(s);
	if (sh_utf8_valid(s, n))
		return s;
	*tmp = xstrdup(s);
	for (i = 0; i < n; i++)
		if ((unsigned char)(*tmp)[i] >= 0x80)
			(*tmp)[i] = '?';
	return *tmp;
}

static void
atom_story(xmlTextWriterPtr w, struct store_rtx *rtx,
    const struct store_story *st, const struct langs *want)
{
	struct feed_names fn = {{0}, {0}, 0};
	struct store_entry head, e;
	struct sh_buf html;
	uint64_t *seqs = NULL;
	size_t n = 0, i;
	char id[64], *tmp;
	json_t *j;

	j = story_json(rtx, st, want, &head);
	json_decref(j);
	xmlTextWriterStartElement(w, BAD_CAST "entry");
	snprintf(id, sizeof(id), "urn:sheaf:story:%llu",
	    (unsigned long long)st->id);
	xmlTextWriterWriteElement(w, BAD_CAST "id", BAD_CAST id);
	xmlTextWriterWriteElement(w, BAD_CAST "title",
	    BAD_CAST xml_text(head.title ? head.title : "(untitled)", &tmp));
	free(tmp);
	if (head.link != NULL) {
		xmlTextWriterStartElement(w, BAD_CAST "link");
		xmlTextWriterWriteAttribute(w, BAD_CAST "rel",
		    BAD_CAST "alternate");
		xmlTextWriterWriteAttribute(w, BAD_CAST "href",
		    BAD_CAST xml_text(head.link, &tmp));
		free(tmp);
		xmlTextWriterEndElement(w);
	}
	atom_time(w, "published", st->first_seen);
	atom_time(w, "updated", st->updated);
	sh_buf_init(&html, 1u << 20);
	sh_buf_puts(&html, "<ul>");
	if (store_story_entries(rtx, st->id, ATOM_LINKS_MAX, &seqs, &n) ==
	    SH_OK) {
		for (i = 0; i < n; i++) {
			store_entry_init(&e);
			if (store_entry_get(rtx, seqs[i], &e) != SH_OK) {
				store_entry_clear(&e);
				continue;
			}
			sh_buf_puts(&html, "<li><a href=\"");
			html_escape(&html, e.link ? e.link : "");
			sh_buf_puts(&html, "\">");
			html_escape(&html, e.title ? e.title : "(untitled)");
			sh_buf_puts(&html, "</a> \xe2\x80\x94 ");
			html_escape(&html, feed_name(rtx, &fn, e.feed_id));
			if (e.language != NULL) {
				sh_buf_puts(&html, " (");
				html_escape(&html, e.language);
				sh_buf_puts(&html, ")");
			}
			sh_buf_puts(&html, "</li>");
			if (e.link != NULL && e.seq != head.seq) {
				xmlTextWriterStartElement(w, BAD_CAST "link");
				xmlTextWriterWriteAttribute(w, BAD_CAST "rel",
				    BAD_CAST "related");
				xmlTextWriterWriteAttribute(w, BAD_CAST "href",
				    BAD_CAST xml_text(e.link, &tmp));
				free(tmp);
				xmlTextWriterEndElement(w);
			}
			store_entry_clear(&e);
		}
		free(seqs);
	}
	sh_buf_puts(&html, "</ul>");
	xmlTextWriterStartElement(w, BAD_CAST "content");
	xmlTextWriterWriteAttribute(w, BAD_CAST "type", BAD_CAST "html");
	xmlTextWriterWriteString(w, BAD_CAST xml_text(html.data, &tmp));
	free(tmp);
	xmlTextWriterEndElement(w);
	xmlTextWriterEndElement(w);
	sh_buf_clear(&html);
	feed_names_clear(&fn);
	store_entry_clear(&head);
}

static enum MHD_Result
get_atom(struct sheafd *d, struct MHD_Connection *conn)
{
	struct store_story_query q;
	struct store_story_page page;
	struct store_rtx *rtx;
	struct langs want;
	xmlTextWriterPtr w;
	xmlBufferPtr buf;
	enum MHD_Result ret;
	int64_t newest = 0;
	size_t i;
	bool ok;
	int rc;

	ret = parse_query(d, conn, &q, &ok);
	if (!ok)
		return ret;
	reader_langs(d, &want);
	if ((rc = store_read_begin(d->st, &rtx)) != SH_OK)
		return reply_store_error(conn, rc);
	if ((rc = store_story_list(rtx, &q, &page)) != SH_OK) {
		store_read_end(rtx);
		return rc == SH_EINVAL ? reply_error(conn, MHD_HTTP_BAD_REQUEST,
					     "bad_request", "bad cursor")
				       : reply_store_error(conn, rc);
	}
	buf = xmlBufferCreate();
	w = xmlNewTextWriterMemory(buf, 0);
	xmlTextWriterSetIndent(w, 1);
	xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL);
	xmlTextWriterStartElementNS(w, NULL, BAD_CAST "feed",
	    BAD_CAST "http://www.w3.org/2005/Atom");
	xmlTextWriterWriteElement(w, BAD_CAST "id",
	    BAD_CAST "urn:sheaf:stories");
	xmlTextWriterWriteElement(w, BAD_CAST "title",
	    BAD_CAST "sheaf stories");
	xmlTextWriterStartElement(w, BAD_CAST "author");
	xmlTextWriterWriteElement(w, BAD_CAST "name", BAD_CAST "sheaf");
	xmlTextWriterEndElement(w);
	xmlTextWriterWriteElement(w, BAD_CAST "generator", BAD_CAST "sheaf");
	for (i = 0; i < page.n; i++)
		if (page.v[i].updated > newest)
			newest = page.v[i].updated;
	atom_time(w, "updated", newest ? newest : time(NULL));
	for (i = 0; i < page.n; i++)
		atom_story(w, rtx, &page.v[i], &want);
	xmlTextWriterEndDocument(w);
	xmlFreeTextWriter(w);
	store_read_end(rtx);
	store_story_page_clear(&page);
	ret = reply_text(conn, MHD_HTTP_OK,
	    xstrndup((const char *)xmlBufferContent(buf),
		(size_t)xmlBufferLength(buf)),
	    "application/atom+xml; charset=utf-8", NULL);
	xmlBufferFree(buf);
	return ret;
}

/* Server-sent events. */

struct stream {
	struct sheafd *d;
	uint64_t last; /* number of the last event sent */
	struct sh_buf out;
	size_t off; /* bytes of out already handed to MHD */
};

/* Format the new events into s->out; false when the daemon is closing. */
static bool
stream_fill(struct stream *s)
{
	struct story_event evs[EVENTS_BATCH];
	struct store_rtx *rtx;
	struct timespec until;
	struct langs want;
	uint64_t lost = 0;
	size_t n = 0, i;
	unsigned keepalive = EVENTS_KEEPALIVE;

	if (s->d->api->timeout / 2 < keepalive)
		keepalive = s->d->api->timeout > 1 ? s->d->api->timeout / 2 : 1;
	pthread_mutex_lock(&s->d->lock);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += keepalive;
	while (!s->d->closing && s->d->nevents == s->last)
		if (pthread_cond_timedwait(&s->d->events_cond, &s->d->lock,
			&until) == ETIMEDOUT)
			break;
	if (s->d->closing) {
		pthread_mutex_unlock(&s->d->lock);
		return false;
	}
	if (s->d->nevents > s->last + SHEAFD_EVENTS) {
		lost = s->d->nevents - SHEAFD_EVENTS - s->last;
		s->last = s->d->nevents - SHEAFD_EVENTS;
	}
	while (s->last < s->d->nevents && n < EVENTS_BATCH) {
		evs[n++] = s->d->events[s->last % SHEAFD_EVENTS];
		s->last++;
	}
	pthread_mutex_unlock(&s->d->lock);

	sh_buf_reset(&s->out);
	s->off = 0;
	if (lost > 0) {
		char *msg = xasprintf(": %llu events missed\n\n",
		    (unsigned long long)lost);

		sh_buf_puts(&s->out, msg);
		free(msg);
	}
	if (n == 0) {
		sh_buf_puts(&s->out, ": keep-alive\n\n");
		return true;
	}
	reader_langs(s->d, &want);
	if (store_read_begin(s->d->st, &rtx) != SH_OK) {
		sh_buf_puts(&s->out, ": store unavailable\n\n");
		return true;
	}
	for (i = 0; i < n; i++) {
		struct store_story st;
		json_t *j;
		char *text;

		store_story_init(&st);
		if (store_story_get(rtx, evs[i].story, &st) == SH_OK) {
			j = story_json_plain(rtx, &st, &want);
			json_object_set_new(j, "event",
			    json_string(evs[i].created ? "new" : "updated"));
			text = json_dumps(j, JSON_COMPACT);
			json_decref(j);
			if (text != NULL) {
				char *line = xasprintf("id: %llu\nevent: "
						       "story\ndata: %s\n\n",
				    (unsigned long long)evs[i].n, text);

				sh_buf_puts(&s->out, line);
				free(line);
				free(text);
			}
		}
		store_story_clear(&st);
	}
	store_read_end(rtx);
	if (s->out.len == 0)
		sh_buf_puts(&s->out, ": keep-alive\n\n");
	return true;
}

static ssize_t
stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream *s = cls;
	size_t n;

	(void)pos;
	if (s->off >= s->out.len && !stream_fill(s))
		return MHD_CONTENT_READER_END_OF_STREAM;
	n = s->out.len - s->off;
	if (n > max)
		n = max;
	memcpy(buf, s->out.data + s->off, n);
	s->off += n;
	return (ssize_t)n;
}

static void
stream_free(void *cls)
{
	struct stream *s = cls;

	sh_buf_clear(&s->out);
	free(s);
}

static enum MHD_Result
get_events(struct sheafd *d, struct MHD_Connection *conn)
{
	struct MHD_Response *resp;
	struct stream *s = xcalloc(1, sizeof(*s));
	enum MHD_Result ret;

	s->d = d;
	sh_buf_init(&s->out, 4u << 20);
	pthread_mutex_lock(&d->lock);
	s->last = d->nevents; /* what happens from now on */
	pthread_mutex_unlock(&d->lock);
	/* A first comment, so that the reader sees the stream open. */
	sh_buf_puts(&s->out, ": sheaf events\n\n");
	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096,
	    stream_read, s, stream_free);
	if (resp == NULL) {
		stream_free(s);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "text/event-stream");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
	    "no-cache");
	ret = MHD_queue_response(conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* Routing. */

enum MHD_Result
route_stories(struct sheafd *d, struct MHD_Connection *conn, const char *url,
    const char *method)
{
	const char *rest;
	uint64_t id;

	if (strcmp(url, "/v1/stories") == 0)
		return is(method, "GET") ? get_stories(d, conn)
					 : reply_method(conn, "GET");
	if (strcmp(url, "/v1/stories.atom") == 0)
		return is(method, "GET") ? get_atom(d, conn)
					 : reply_method(conn, "GET");
	if (strcmp(url, "/v1/events") == 0)
		return is(method, "GET") ? get_events(d, conn)
					 : reply_method(conn, "GET");
	if (strncmp(url, "/v1/stories/", 12) == 0 &&
	    path_id(url, strlen("/v1/stories/"), &id, &rest)) {
		if (*rest == '\0')
			return is(method, "GET") ? get_story(d, conn, id)
						 : reply_method(conn, "GET");
		if (strcmp(rest, "/read") == 0)
			return is(method, "POST") ? post_read(d, conn, id)
						  : reply_method(conn, "POST");
	}
	return reply_error(conn, MHD_HTTP_NOT_FOUND, "not_found",
	    "no such resource");
}
