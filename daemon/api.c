/* SPDX-License-Identifier: MIT */
/* The socket API: HTTP/1.1 and JSON over a Unix socket with libmicrohttpd. */

/*
 * libmicrohttpd runs its own threads, one per connection, and closes a
 * connection after api_timeout of silence.  Silence is not enough against
 * a client that sends its request a byte at a time, nor against one that
 * opens every slot and sends nothing, so api.c keeps its own list of the
 * connections (struct api_peer) and when each began to wait for a
 * request: from its start, and again from the end of each answer.  A
 * watchdog thread shuts down a connection that has not sent a whole
 * request (line, headers and body) within api_timeout of that, and a
 * connection arriving when api_max_clients are open first closes the one
 * that has waited longest for a request.  When every connection is busy
 * answering (event streams, slow readers), libmicrohttpd still lets a
 * little headroom in, and those get 503; past the headroom it resets.
 * shutdown() on a descriptor libmicrohttpd owns is safe because it tells
 * us of the close (MHD_CONNECTION_NOTIFY_CLOSED) before it closes, and we
 * unlink the peer under the same lock.
 *
 * A handler
 * reads the request (the body is kept up to api_max_request; past that the
 * answer is 413), then either reads the store in its own read transaction
 * and answers, or, for anything that changes the store, queues a struct
 * api_req to the main thread, wakes it through the eventfd and waits on a
 * condition variable for the answer, at most api_timeout.  A request whose
 * waiter gave up is still carried out; the main thread then frees it.
 *
 * Every answer is JSON (except the OPML export), and every error is
 * {"error": {"code", "message"}} with the status that says what kind: 400
 * for a malformed request, 404 for an unknown path or feed, 405 for a
 * method a path does not take, 409 for a feed already subscribed, 413 for
 * a body too large, 503 when the daemon is stopping or too busy.
 */

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>

#ifdef HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "common.h"
#include "api_int.h"
#include "sheafd.h"

/* Bytes of request line and headers one connection may use. */
#define API_CONN_MEMORY (64u * 1024)
/* Bytes of one JSON answer, at most. */
#define API_MAX_REPLY (64u * 1024 * 1024)
/* Longest URL or title accepted in a subscription. */
#define API_MAX_URL 4096u
#define API_MAX_TEXT 1024u

/* Connections let in past api_max_clients, to be told 503. */
#define API_HEADROOM(max) ((max) / 8 + 8)
/* How often the watchdog looks for late requests, in milliseconds. */
#define API_WATCHDOG_MS 250

/* One connection, from libmicrohttpd's start notice to its close notice. */
struct api_peer {
	int fd;		       /* owned by libmicrohttpd */
	int64_t waiting_since; /* monotonic ms; 0 while answering */
	bool cut;	       /* shut down here, not closed yet */
	bool over;	       /* came in past the limit: 503 */
	struct api_peer *prev, *next;
};

/* One request's state between the calls of the access handler. */
struct api_conn {
	struct sh_buf body; /* the request body, bounded */
	bool too_big;	    /* the body passed api_max_request */
};

/*
 * The read request this thread is answering, when its answer is to be
 * kept: reply_text() hands a 200 to the cache.
 */
static _Thread_local struct {
	struct api_cache *cache;
	char *key;
	uint64_t gen;
	int64_t second;
} kept;

/* Answers. */

enum MHD_Result
reply_text(struct MHD_Connection *conn, unsigned status, char *text,
    const char *type, const char *allow)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	if (kept.key != NULL && status == MHD_HTTP_OK)
		api_cache_put(kept.cache, kept.key, kept.gen, kept.second, text,
		    type);

	resp = MHD_create_response_from_buffer(strlen(text), text,
	    MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (allow != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static int
dump_to_buf(const char *p, size_t n, void *arg)
{
	return sh_buf_append(arg, p, n) == SH_OK ? 0 : -1;
}

/*
 * The text of j and a newline, or NULL past API_MAX_REPLY.  Written
 * straight into one buffer: json_dumps() and a copy with the newline
 * cost a page of entries two more passes over its bytes.
 */
static char *
json_text(const json_t *j)
{
	struct sh_buf b;

	sh_buf_init(&b, API_MAX_REPLY);
	if (json_dump_callback(j, dump_to_buf, &b, JSON_INDENT(2)) != 0 ||
	    sh_buf_putc(&b, '\n') != SH_OK) {
		sh_buf_clear(&b);
		return NULL;
	}
	return sh_buf_steal(&b);
}

enum MHD_Result
reply_json(struct MHD_Connection *conn, unsigned status, json_t *j)
{
	char *text = json_text(j);

	json_decref(j);
	if (text == NULL)
		return reply_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "internal", "the answer is too large");
	return reply_text(conn, status, text, "application/json", NULL);
}

char *
api_error_json(const char *code, const char *message)
{
	json_t *j;
	char *text;

	j = json_pack("{s:{s:s,s:s}}", "error", "code", code, "message",
	    message);
	text = json_text(j);
	json_decref(j);
	if (text == NULL)
		return xstrdup("{\"error\": {\"code\": \"internal\"}}\n");
	return text;
}

enum MHD_Result
reply_error(struct MHD_Connection *conn, unsigned status, const char *code,
    const char *message)
{
	return reply_text(conn, status, api_error_json(code, message),
	    "application/json", NULL);
}

enum MHD_Result
reply_method(struct MHD_Connection *conn, const char *allow)
{
	char *text =
	    api_error_json("method_not_allowed", "method not allowed here");

	return reply_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, text,
	    "application/json", allow);
}

enum MHD_Result
reply_store_error(struct MHD_Connection *conn, int rc)
{
	if (rc == SH_ENOTFOUND)
		return reply_error(conn, MHD_HTTP_NOT_FOUND, "not_found",
		    "no such feed");
	return reply_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "store",
	    store_strerror(rc));
}

/* JSON of the store's records. */

json_t *
json_time(int64_t t)
{
	char buf[32];

	if (t == 0 || t == FEED_TIME_NONE || t == SCHED_NEVER)
		return json_null();
	return json_string(feed_date_format(t, buf, sizeof(buf)));
}

json_t *
json_str(const char *s)
{
	size_t i, n;
	json_t *j;
	char *copy;

	if (s == NULL)
		return json_null();
	n = strlen(s);
	if (sh_utf8_valid(s, n))
		return json_stringn_nocheck(s, n);
	/* Header values (an ETag) are bytes as sent: keep the ASCII. */
	copy = xstrndup(s, n);
	for (i = 0; i < n; i++)
		if ((unsigned char)copy[i] >= 0x80)
			copy[i] = '?';
	j = json_stringn_nocheck(copy, n);
	free(copy);
	return j;
}

static json_t *
json_strv(const struct feed_strv *v)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < v->n; i++)
		json_array_append_new(a, json_str(v->v[i]));
	return a;
}

static json_t *
feed_json(const struct store_feed *f)
{
	json_t *j = json_object();

	json_object_set_new(j, "id", json_integer((json_int_t)f->id));
	json_object_set_new(j, "url", json_str(f->url));
	json_object_set_new(j, "title",
	    json_str(f->title != NULL ? f->title : f->doc_title));
	json_object_set_new(j, "folder", json_str(f->folder));
	json_object_set_new(j, "html_url",
	    json_str(f->html_url != NULL ? f->html_url : f->doc_link));
	json_object_set_new(j, "doc_title", json_str(f->doc_title));
	json_object_set_new(j, "added", json_time(f->added));
	json_object_set_new(j, "last_poll", json_time(f->last_poll));
	json_object_set_new(j, "last_status",
	    f->last_status != 0 ? json_integer(f->last_status) : json_null());
	json_object_set_new(j, "last_error", json_str(f->last_error));
	json_object_set_new(j, "failures", json_integer(f->failures));
	json_object_set_new(j, "last_success", json_time(f->last_success));
	json_object_set_new(j, "next_poll",
	    f->flags & STORE_FEED_GONE ? json_null() : json_time(f->next_poll));
	json_object_set_new(j, "interval", json_integer(f->interval));
	json_object_set_new(j, "interval_reason", json_str(f->interval_reason));
	json_object_set_new(j, "etag", json_str(f->etag));
	json_object_set_new(j, "last_modified", json_str(f->last_modified));
	json_object_set_new(j, "gone",
	    json_boolean((f->flags & STORE_FEED_GONE) != 0));
	return j;
}

char *
api_feed_text(const struct store_feed *f)
{
	json_t *j = feed_json(f);
	char *text = json_text(j);

	json_decref(j);
	if (text == NULL)
		return api_error_json("internal", "cannot write JSON");
	return text;
}

static json_t *
entry_json(const struct store_entry *e)
{
	json_t *j = json_object(), *encs = json_array();
	size_t i;

	json_object_set_new(j, "id", json_integer((json_int_t)e->seq));
	json_object_set_new(j, "feed", json_integer((json_int_t)e->feed_id));
	json_object_set_new(j, "entry_id", json_str(e->entry_id));
	json_object_set_new(j, "title", json_str(e->title));
	json_object_set_new(j, "link", json_str(e->link));
	json_object_set_new(j, "published", json_time(e->published));
	json_object_set_new(j, "updated", json_time(e->updated));
	json_object_set_new(j, "first_seen", json_time(e->first_seen));
	json_object_set_new(j, "authors", json_strv(&e->authors));
	json_object_set_new(j, "summary", json_str(e->summary));
	json_object_set_new(j, "content_html", json_str(e->content_html));
	json_object_set_new(j, "categories", json_strv(&e->categories));
	for (i = 0; i < e->nenclosures; i++)
		json_array_append_new(encs,
		    json_pack("{s:o,s:o,s:I}", "url",
			json_str(e->enclosures[i].url), "type",
			json_str(e->enclosures[i].type), "length",
			(json_int_t)e->enclosures[i].length));
	json_object_set_new(j, "enclosures", encs);
	json_object_set_new(j, "language", json_str(e->language));
	json_object_set_new(j, "read",
	    json_boolean((e->flags & STORE_ENTRY_READ) != 0));
	json_object_set_new(j, "story",
	    e->story_id ? json_integer((json_int_t)e->story_id) : json_null());
	json_object_set_new(j, "duplicate_of",
	    e->duplicate_of ? json_integer((json_int_t)e->duplicate_of)
			    : json_null());
	return j;
}

/* Reading endpoints: each in its own read transaction. */

struct counts {
	int64_t now;
	uint64_t due, failing, gone;
	struct sh_buf *list; /* the feeds' text, when listing */
	bool more;	     /* a feed is in the list already */
	bool full;	     /* the list is over API_MAX_REPLY */
};

/*
 * One feed of a listing, as a line of its own.  The list is written feed
 * by feed rather than built as one tree: the tree of 10,000 feeds took
 * 30 MiB more than its text.
 */
static void
list_feed(struct counts *c, const struct store_feed *f)
{
	json_t *j;

	if (c->full)
		return;
	j = feed_json(f);
	if (sh_buf_puts(c->list, c->more ? ",\n    " : "\n    ") != SH_OK ||
	    json_dump_callback(j, dump_to_buf, c->list, 0) != 0)
		c->full = true;
	c->more = true;
	json_decref(j);
}

static int
count_feed(struct store_feed *f, void *arg)
{
	struct counts *c = arg;

	if (f->flags & STORE_FEED_GONE)
		c->gone++;
	else if (f->next_poll <= c->now)
		c->due++;
	if (f->failures > 0 && !(f->flags & STORE_FEED_GONE))
		c->failing++;
	if (c->list != NULL)
		list_feed(c, f);
	return SH_OK;
}

static json_t *
round_json(const struct poll_round *r)
{
	if (r->started == 0)
		return json_null();
	return json_pack("{s:o,s:o,s:I,s:I,s:I,s:I}", "started",
	    json_time(r->started), "finished", json_time(r->finished),
	    "fetched", (json_int_t)r->fetched, "not_modified",
	    (json_int_t)r->not_modified, "failed", (json_int_t)r->failed,
	    "new_entries", (json_int_t)r->new_entries);
}

static enum MHD_Result
get_status(struct sheafd *d, struct MHD_Connection *conn)
{
	struct store_stats stats;
	struct store_rtx *rtx;
	struct poll_round cur, last;
	struct counts c;
	uint64_t hits, misses;
	json_t *j, *store_error = NULL;
	int rc;

	memset(&c, 0, sizeof(c));
	c.now = time(NULL);
	if ((rc = store_read_begin(d->st, &rtx)) != SH_OK)
		return reply_store_error(conn, rc);
	if ((rc = store_stats(rtx, &stats)) == SH_OK)
		rc = store_feed_foreach_numbers(rtx, count_feed, &c);
	store_read_end(rtx);
	if (rc != SH_OK)
		return reply_store_error(conn, rc);
	pthread_mutex_lock(&d->lock);
	cur = d->round;
	last = d->last;
	if (d->store_error != NULL)
		store_error =
		    json_pack("{s:o,s:o}", "message", json_str(d->store_error),
			"since", json_time(d->store_error_since));
	pthread_mutex_unlock(&d->lock);
	j = json_pack("{s:s,s:I,s:o,s:I,s:I,s:I,s:I,s:I,s:{s:I,s:I,s:i}}",
	    "version", PACKAGE_VERSION, "uptime",
	    (json_int_t)(c.now - d->started), "started", json_time(d->started),
	    "feeds", (json_int_t)stats.feeds, "entries",
	    (json_int_t)stats.entries, "due", (json_int_t)c.due, "failing",
	    (json_int_t)c.failing, "gone", (json_int_t)c.gone, "store",
	    "map_size", (json_int_t)stats.map_size, "map_used",
	    (json_int_t)stats.map_used, "schema_version",
	    (int)stats.schema_version);
	json_object_set_new(j, "store_error",
	    store_error != NULL ? store_error : json_null());
	json_object_set_new(j, "last_round", round_json(&last));
	json_object_set_new(j, "round_running",
	    cur.started != 0 && cur.finished == 0 ? json_true() : json_false());
	json_object_set_new(j, "stories_pending",
	    json_integer((json_int_t)story_pending(d)));
	api_cache_stats(d->api->cache, &hits, &misses);
	json_object_set_new(j, "api_cache",
	    json_pack("{s:I,s:I}", "hits", (json_int_t)hits, "misses",
		(json_int_t)misses));
	return reply_json(conn, MHD_HTTP_OK, j);
}

static enum MHD_Result
get_feeds(struct sheafd *d, struct MHD_Connection *conn)
{
	struct store_rtx *rtx;
	struct counts c;
	struct sh_buf b;
	int rc;

	memset(&c, 0, sizeof(c));
	c.now = time(NULL);
	sh_buf_init(&b, API_MAX_REPLY);
	c.list = &b;
	if (sh_buf_puts(&b, "{\n  \"feeds\": [") != SH_OK)
		c.full = true;
	if ((rc = store_read_begin(d->st, &rtx)) == SH_OK) {
		rc = store_feed_foreach(rtx, count_feed, &c);
		store_read_end(rtx);
	}
	if (rc != SH_OK) {
		sh_buf_clear(&b);
		return reply_store_error(conn, rc);
	}
	if (sh_buf_puts(&b, c.more ? "\n  ]\n}\n" : "]\n}\n") != SH_OK ||
	    c.full) {
		sh_buf_clear(&b);
		return reply_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "internal", "the answer is too large");
	}
	return reply_text(conn, MHD_HTTP_OK, sh_buf_steal(&b),
	    "application/json", NULL);
}

static enum MHD_Result
get_feed(struct sheafd *d, struct MHD_Connection *conn, uint64_t id)
{
	struct store_feed f;
	struct store_rtx *rtx;
	char *text;
	int rc;

	store_feed_init(&f);
	if ((rc = store_read_begin(d->st, &rtx)) == SH_OK) {
		rc = store_feed_get(rtx, id, &f);
		store_read_end(rtx);
	}
	if (rc != SH_OK)
		return reply_store_error(conn, rc);
	text = api_feed_text(&f);
	store_feed_clear(&f);
	return reply_text(conn, MHD_HTTP_OK, text, "application/json", NULL);
}

bool
parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (s == NULL || *s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return false;
	*out = v;
	return true;
}

/* since= as unix seconds, a date, or a duration back from now ("2h"). */
bool
parse_since(const char *s, int64_t *out)
{
	uint64_t u;
	int64_t dur;

	if (parse_u64(s, &u) && u <= INT64_MAX) {
		*out = (int64_t)u;
		return true;
	}
	if (config_parse_duration(s, &dur)) {
		*out = time(NULL) - dur;
		return true;
	}
	return feed_date_parse(s, out) == SH_OK;
}

static enum MHD_Result
get_entries(struct sheafd *d, struct MHD_Connection *conn)
{
	const char *feed, *since, *limit, *cursor;
	struct store_entry_page page;
	struct store_list q;
	struct store_rtx *rtx;
	struct store_feed f;
	uint64_t u, max;
	json_t *list, *more;
	size_t i;
	int rc;

	feed = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "feed");
	since =
	    MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "since");
	limit =
	    MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "limit");
	cursor =
	    MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "cursor");
	memset(&q, 0, sizeof(q));
	q.since = FEED_TIME_NONE;
	if (feed != NULL && (!parse_u64(feed, &q.feed_id) || q.feed_id == 0))
		return reply_error(conn, MHD_HTTP_BAD_REQUEST, "bad_request",
		    "feed must be a feed id");
	if (since != NULL && !parse_since(since, &q.since))
		return reply_error(conn, MHD_HTTP_BAD_REQUEST, "bad_request",
		    "since must be unix seconds, a date or a duration");
	pthread_mutex_lock(&d->lock);
	max = d->api_max_page;
	pthread_mutex_unlock(&d->lock);
	if (max > STORE_LIST_MAX)
		max = STORE_LIST_MAX;
	u = max < STORE_LIST_DEFAULT ? max : STORE_LIST_DEFAULT;
	if (limit != NULL && (!parse_u64(limit, &u) || u == 0))
		return reply_error(conn, MHD_HTTP_BAD_REQUEST, "bad_request",
		    "limit must be a positive number");
	q.limit = (size_t)(u > max ? max : u);
	q.cursor = cursor;
	if ((rc = store_read_begin(d->st, &rtx)) != SH_OK)
		return reply_store_error(conn, rc);
	store_feed_init(&f);
	if (q.feed_id != 0 &&
	    (rc = store_feed_get(rtx, q.feed_id, &f)) != SH_OK) {
		store_read_end(rtx);
		return reply_store_error(conn, rc);
	}
	store_feed_clear(&f);
	rc = store_entry_list(rtx, &q, &page);
	store_read_end(rtx);
	if (rc == SH_EINVAL)
		return reply_error(conn, MHD_HTTP_BAD_REQUEST, "bad_request",
		    "bad cursor");
	if (rc != SH_OK)
		return reply_store_error(conn, rc);
	list = json_array();
	for (i = 0; i < page.n; i++)
		json_array_append_new(list, entry_json(&page.v[i]));
	more = json_pack("{s:o,s:o}", "entries", list, "next_cursor",
	    page.next_cursor[0] != '\0' ? json_string(page.next_cursor)
					: json_null());
	store_entry_page_clear(&page);
	return reply_json(conn, MHD_HTTP_OK, more);
}

/*
 * A feed's folder path as OPML wants it: split at "/", and no deeper than
 * an import accepts, so that the export imports again.
 */
static int
export_feed(struct store_feed *f, void *arg)
{
	struct opml_doc *doc = arg;
	char *copy = NULL, *tok, *save = NULL;
	const char *path[SH_MAX_OPML_FOLDERS];
	size_t n = 0;

	if (f->folder != NULL) {
		copy = xstrdup(f->folder);
		for (tok = strtok_r(copy, "/", &save);
		     tok != NULL && n < SH_MAX_OPML_FOLDERS;
		     tok = strtok_r(NULL, "/", &save))
			path[n++] = tok;
	}
	opml_feed_add(doc, f->url,
	    f->html_url != NULL ? f->html_url : f->doc_link,
	    f->title != NULL ? f->title : f->doc_title, n > 0 ? path : NULL, n);
	free(copy);
	return SH_OK;
}

static enum MHD_Result
get_opml(struct sheafd *d, struct MHD_Connection *conn)
{
	struct opml_doc *doc = opml_new("sheaf subscriptions");
	struct store_rtx *rtx;
	char *text = NULL;
	size_t len;
	int rc;

	if ((rc = store_read_begin(d->st, &rtx)) == SH_OK) {
		rc = store_feed_foreach(rtx, export_feed, doc);
		store_read_end(rtx);
	}
	if (rc == SH_OK)
		rc = opml_write(doc, &text, &len);
	opml_free(doc);
	if (rc != SH_OK)
		return reply_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "internal", sh_strerror(rc));
	return reply_text(conn, MHD_HTTP_OK, text, "application/xml", NULL);
}

/* Writing endpoints: handed to the main thread. */

static void
api_req_free(struct api_req *r)
{
	if (r == NULL)
		return;
	free(r->url);
	free(r->title);
	free(r->folder);
	opml_free(r->opml);
	free(r->reply);
	pthread_cond_destroy(&r->cond);
	free(r);
}

struct api_req *
api_req_new(enum api_req_kind kind)
{
	struct api_req *r = xcalloc(1, sizeof(*r));
	pthread_condattr_t attr;

	r->kind = kind;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&r->cond, &attr);
	pthread_condattr_destroy(&attr);
	return r;
}

struct api_req *
api_req_take(struct sheafd *d)
{
	struct api_req *list;

	pthread_mutex_lock(&d->lock);
	list = d->qhead;
	d->qhead = NULL;
	d->qtail = &d->qhead;
	pthread_mutex_unlock(&d->lock);
	return list;
}

void
api_req_answer(struct sheafd *d, struct api_req *r, unsigned status,
    char *reply)
{
	bool gone;

	pthread_mutex_lock(&d->lock);
	r->status = status;
	free(r->reply);
	r->reply = reply;
	r->done = true;
	gone = r->abandoned;
	if (!gone)
		pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&d->lock);
	if (gone)
		api_req_free(r);
}

/* Queue r to the main thread and wait for its answer; r is consumed. */
enum MHD_Result
submit(struct sheafd *d, struct MHD_Connection *conn, struct api_req *r)
{
	struct timespec until;
	enum MHD_Result ret;
	uint64_t one = 1;
	char *text;
	unsigned status;

	pthread_mutex_lock(&d->lock);
	if (d->closing) {
		pthread_mutex_unlock(&d->lock);
		api_req_free(r);
		return reply_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "unavailable", "the daemon is stopping");
	}
	*d->qtail = r;
	d->qtail = &r->next;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += d->api_timeout;
	pthread_mutex_unlock(&d->lock);
	if (write(d->ev_fd, &one, sizeof(one)) == -1 && errno != EAGAIN)
		log_warn("api: eventfd");
	pthread_mutex_lock(&d->lock);
	while (!r->done)
		if (pthread_cond_timedwait(&r->cond, &d->lock, &until) ==
		    ETIMEDOUT)
			break;
	if (!r->done) {
		/* The main thread frees it when it gets there. */
		r->abandoned = true;
		pthread_mutex_unlock(&d->lock);
		return reply_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "busy",
		    "the daemon did not answer in time");
	}
	pthread_mutex_unlock(&d->lock);
	text = r->reply;
	status = r->status;
	r->reply = NULL;
	api_req_free(r);
	ret = reply_text(conn, status, text, "application/json", NULL);
	return ret;
}

static bool
text_ok(const char *s, size_t max)
{
	size_t n = strlen(s);
	size_t i;

	if (n == 0 || n > max)
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

static bool
url_ok(const char *url)
{
	size_t i, n = strlen(url);

	if (n > API_MAX_URL || (strncasecmp(url, "http://", 7) != 0 &&
				   strncasecmp(url, "https://", 8) != 0))
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)url[i] <= 0x20 || url[i] == 0x7f)
			return false;
	/* A host after the scheme. */
	i = url[4] == ':' ? 7 : 8;
	return url[i] != '\0' && url[i] != '/';
}

/* An optional string member: absent or null is NULL; else it must pass. */
static bool
member_str(json_t *obj, const char *key, size_t max, char **out)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return true;
	if (!json_is_string(v) || !text_ok(json_string_value(v), max))
		return false;
	*out = xstrdup(json_string_value(v));
	return true;
}

static enum MHD_Result
post_feed(struct sheafd *d, struct MHD_Connection *conn, struct api_conn *ac)
{
	struct api_req *r;
	json_error_t jerr;
	const char *url;
	json_t *j;
	char msg[200];

	j = json_loadb(ac->body.data != NULL ? ac->body.data : "", ac->body.len,
	    0, &jerr);
	if (j == NULL || !json_is_object(j)) {
		snprintf(msg, sizeof(msg), "body is no JSON object: %s",
		    j == NULL ? jerr.text : "not an object");
		json_decref(j);
		return reply_error(conn, MHD_HTTP_BAD_REQUEST, "bad_request",
		    msg);
	}
	url = json_string_value(json_object_get(j, "url"));
	if (url == NULL || !url_ok(url)) {
		json_decref(j);
		return reply_error(conn, MHD_HTTP_BAD_REQUEST, "bad_request",
		    "url must be an http or https URL");
	}
	r = api_req_new(API_REQ_FEED_ADD);
	r->url = xstrdup(url);
	if (!member_str(j, "title", API_MAX_TEXT, &r->title) ||
	    !member_str(j, "folder", API_MAX_TEXT, &r->folder)) {
		json_decref(j);
		api_req_free(r);
		return reply_error(conn, MHD_HTTP_BAD_REQUEST, "bad_request",
		    "title and folder must be short strings");
	}
	json_decref(j);
	return submit(d, conn, r);
}

static enum MHD_Result
post_opml(struct sheafd *d, struct MHD_Connection *conn, struct api_conn *ac)
{
	struct opml_limits lim;
	struct opml_doc *doc = NULL;
	struct api_req *r;
	char *err = NULL;
	enum MHD_Result ret;
	int rc;

	opml_limits_default(&lim);
	if (lim.max_doc_bytes > ac->body.max)
		lim.max_doc_bytes = ac->body.max;
	rc = opml_parse(ac->body.data != NULL ? ac->body.data : "",
	    ac->body.len, &lim, &doc, &err);
	if (rc != SH_OK) {
		ret = reply_error(conn, MHD_HTTP_BAD_REQUEST, "bad_opml",
		    err != NULL ? err : sh_strerror(rc));
		free(err);
		return ret;
	}
	r = api_req_new(API_REQ_OPML_IMPORT);
	r->opml = doc;
	return submit(d, conn, r);
}

static enum MHD_Result
feed_action(struct sheafd *d, struct MHD_Connection *conn,
    enum api_req_kind kind, uint64_t id)
{
	struct api_req *r = api_req_new(kind);

	r->feed_id = id;
	return submit(d, conn, r);
}

/* Routing. */

bool
is(const char *method, const char *want)
{
	return strcmp(method, want) == 0;
}

bool
path_id(const char *url, size_t prefix, uint64_t *id, const char **rest)
{
	const char *p = url + prefix;
	char num[24];
	size_t n = strspn(p, "0123456789");

	if (n == 0 || n >= sizeof(num))
		return false;
	memcpy(num, p, n);
	num[n] = '\0';
	*rest = p + n;
	return parse_u64(num, id) && *id != 0;
}

static enum MHD_Result
add_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct sh_buf *b = cls;

	(void)kind;
	sh_buf_putc(b, '&');
	sh_buf_puts(b, key);
	if (value != NULL) {
		sh_buf_putc(b, '=');
		sh_buf_puts(b, value);
	}
	return MHD_YES;
}

/*
 * Answer a read request from the cache when the store has not changed
 * within this second, else route it and keep its answer.  The status and
 * the event stream are made each time: they tell the time and the loop's
 * state.
 */
static enum MHD_Result route(struct sheafd *d, struct MHD_Connection *conn,
    const char *url, const char *method, struct api_conn *ac);

static enum MHD_Result
route_cached(struct sheafd *d, struct MHD_Connection *conn, const char *url,
    const char *method, struct api_conn *ac)
{
	struct sh_buf b;
	const char *type;
	enum MHD_Result ret;
	char *body;

	if (!is(method, "GET") || d->api->cache == NULL ||
	    strcmp(url, "/v1/status") == 0 || strcmp(url, "/v1/events") == 0)
		return route(d, conn, url, method, ac);
	sh_buf_init(&b, API_MAX_URL * 4);
	sh_buf_puts(&b, url);
	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, add_arg, &b);
	kept.cache = d->api->cache;
	kept.gen = __atomic_load_n(&d->store_gen, __ATOMIC_ACQUIRE);
	kept.second = time(NULL);
	kept.key = sh_buf_steal(&b);
	if (kept.key == NULL)
		return route(d, conn, url, method, ac);
	body =
	    api_cache_get(kept.cache, kept.key, kept.gen, kept.second, &type);
	if (body != NULL) {
		free(kept.key);
		kept.key = NULL;
		return reply_text(conn, MHD_HTTP_OK, body, type, NULL);
	}
	ret = route(d, conn, url, method, ac);
	free(kept.key);
	kept.key = NULL;
	return ret;
}

static enum MHD_Result
route(struct sheafd *d, struct MHD_Connection *conn, const char *url,
    const char *method, struct api_conn *ac)
{
	const char *rest;
	uint64_t id;

	if (strcmp(url, "/v1/status") == 0)
		return is(method, "GET") ? get_status(d, conn)
					 : reply_method(conn, "GET");
	if (strcmp(url, "/v1/feeds") == 0) {
		if (is(method, "GET"))
			return get_feeds(d, conn);
		if (is(method, "POST"))
			return post_feed(d, conn, ac);
		return reply_method(conn, "GET, POST");
	}
	if (strcmp(url, "/v1/poll") == 0)
		return is(method, "POST")
			   ? feed_action(d, conn, API_REQ_POLL_ALL, 0)
			   : reply_method(conn, "POST");
	if (strcmp(url, "/v1/entries") == 0)
		return is(method, "GET") ? get_entries(d, conn)
					 : reply_method(conn, "GET");
	if (strcmp(url, "/v1/opml") == 0) {
		if (is(method, "GET"))
			return get_opml(d, conn);
		if (is(method, "POST"))
			return post_opml(d, conn, ac);
		return reply_method(conn, "GET, POST");
	}
	if (strncmp(url, "/v1/feeds/", 10) == 0 &&
	    path_id(url, strlen("/v1/feeds/"), &id, &rest)) {
		if (*rest == '\0') {
			if (is(method, "GET"))
				return get_feed(d, conn, id);
			if (is(method, "DELETE"))
				return feed_action(d, conn, API_REQ_FEED_DELETE,
				    id);
			return reply_method(conn, "GET, DELETE");
		}
		if (strcmp(rest, "/poll") == 0)
			return is(method, "POST")
				   ? feed_action(d, conn, API_REQ_FEED_POLL, id)
				   : reply_method(conn, "POST");
	}
	if (strncmp(url, "/v1/stories", 11) == 0 ||
	    strcmp(url, "/v1/events") == 0)
		return route_stories(d, conn, url, method);
	return reply_error(conn, MHD_HTTP_NOT_FOUND, "not_found",
	    "no such resource");
}

/* Connections: the request deadline and the room at the limit. */

/* Shut a connection down; libmicrohttpd then closes it and tells us. */
static void
peer_cut(struct api *api, struct api_peer *p, const char *why)
{
	if (p->fd != -1)
		shutdown(p->fd, SHUT_RDWR);
	p->cut = true;
	p->waiting_since = 0;
	api->nlive--;
	log_debug("api: connection %d closed: %s", p->fd, why);
}

/* Close the connection that has waited longest for a request, not keep. */
static bool
peer_evict(struct api *api, const struct api_peer *keep)
{
	struct api_peer *p, *oldest = NULL;

	for (p = api->head; p != NULL; p = p->next)
		if (p != keep && !p->cut && p->waiting_since != 0 &&
		    (oldest == NULL ||
			p->waiting_since < oldest->waiting_since))
			oldest = p;
	if (oldest == NULL)
		return false;
	peer_cut(api, oldest, "idle, and api_max_clients are open");
	return true;
}

static void
peer_open(struct api *api, struct api_peer *p)
{
	pthread_mutex_lock(&api->lock);
	p->prev = api->tail;
	if (api->tail != NULL)
		api->tail->next = p;
	else
		api->head = p;
	api->tail = p;
	api->nlive++;
	while (api->nlive > api->max_clients)
		if (!peer_evict(api, p)) {
			p->over = true;
			break;
		}
	if (api->nlive >= api->max_clients && !api->full) {
		api->full = true;
		log_warnx("api: %u connections open (api_max_clients): idle "
			  "ones are closed to make room",
		    api->max_clients);
	}
	pthread_mutex_unlock(&api->lock);
}

static void
peer_close(struct api *api, struct api_peer *p)
{
	pthread_mutex_lock(&api->lock);
	if (p->prev != NULL)
		p->prev->next = p->next;
	else
		api->head = p->next;
	if (p->next != NULL)
		p->next->prev = p->prev;
	else
		api->tail = p->prev;
	if (!p->cut)
		api->nlive--;
	/* Log the next time the limit is reached, not every time. */
	if (api->nlive <= api->max_clients / 2)
		api->full = false;
	pthread_mutex_unlock(&api->lock);
	free(p);
}

static struct api_peer *
peer_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *info;

	info =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return info != NULL ? info->socket_context : NULL;
}

/* A connection waits for a request from now on, or stops waiting. */
static void
peer_waiting(struct api *api, struct MHD_Connection *conn, bool waiting)
{
	struct api_peer *p = peer_of(conn);

	if (p == NULL)
		return;
	pthread_mutex_lock(&api->lock);
	if (!p->cut)
		p->waiting_since = waiting ? sh_monotonic_ms() : 0;
	pthread_mutex_unlock(&api->lock);
}

static bool
peer_is_over(struct api *api, struct MHD_Connection *conn)
{
	struct api_peer *p = peer_of(conn);
	bool over;

	if (p == NULL)
		return false;
	pthread_mutex_lock(&api->lock);
	over = p->over;
	pthread_mutex_unlock(&api->lock);
	return over;
}

/* Cut the connections that did not send a whole request in time. */
static void *
api_watchdog(void *arg)
{
	struct api *api = arg;
	int64_t limit = (int64_t)api->timeout * 1000, now;
	struct timespec until;
	struct api_peer *p;

	pthread_mutex_lock(&api->lock);
	while (!api->stopping) {
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_nsec += API_WATCHDOG_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&api->wake, &api->lock, &until);
		now = sh_monotonic_ms();
		for (p = api->head; p != NULL; p = p->next)
			if (!p->cut && p->waiting_since != 0 &&
			    now - p->waiting_since >= limit)
				peer_cut(api, p,
				    "no whole request within api_timeout");
	}
	pthread_mutex_unlock(&api->lock);
	return NULL;
}

/* 503 to a connection let in past api_max_clients, and close it. */
static enum MHD_Result
reply_busy(struct MHD_Connection *conn)
{
	char *text = api_error_json("busy", "too many connections");
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(strlen(text), text,
	    MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "application/json");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	ret = MHD_queue_response(conn, MHD_HTTP_SERVICE_UNAVAILABLE, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct sheafd *d = cls;
	struct api_conn *ac = *con_cls;
	enum MHD_Result ret;
	const char *cl;
	uint64_t len;
	size_t max;

	(void)version;
	if (ac == NULL) {
		pthread_mutex_lock(&d->lock);
		max = d->api_max_request;
		pthread_mutex_unlock(&d->lock);
		ac = xcalloc(1, sizeof(*ac));
		sh_buf_init(&ac->body, max);
		*con_cls = ac;
		if (peer_is_over(d->api, conn)) {
			peer_waiting(d->api, conn, false);
			return reply_busy(conn);
		}
		cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		    MHD_HTTP_HEADER_CONTENT_LENGTH);
		/* Refuse a declared oversize body before reading it. */
		if (cl != NULL && parse_u64(cl, &len) && len > max) {
			peer_waiting(d->api, conn, false);
			return reply_error(conn, MHD_HTTP_CONTENT_TOO_LARGE,
			    "too_large", "request body too large");
		}
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		if (!ac->too_big && sh_buf_append(&ac->body, upload_data,
					*upload_data_size) != SH_OK)
			ac->too_big = true;
		*upload_data_size = 0;
		return MHD_YES;
	}
	/* The request is whole: its deadline no longer runs. */
	peer_waiting(d->api, conn, false);
	if (ac->too_big)
		return reply_error(conn, MHD_HTTP_CONTENT_TOO_LARGE,
		    "too_large", "request body too large");
	ret = route_cached(d, conn, url, method, ac);
	store_release_pages(d->st); /* what the answer read */
	return ret;
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct sheafd *d = cls;
	struct api_conn *ac = *con_cls;

	(void)toe;
	/* Kept alive, the connection now waits for its next request. */
	peer_waiting(d->api, conn, true);
	if (ac == NULL)
		return;
	sh_buf_clear(&ac->body);
	free(ac);
	*con_cls = NULL;
}

static void
on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
    enum MHD_ConnectionNotificationCode toe)
{
	const union MHD_ConnectionInfo *info;
	struct api *api = cls;
	struct api_peer *p;
	struct ucred uc;
	socklen_t len = sizeof(uc);

	if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
		if (*socket_context != NULL)
			peer_close(api, *socket_context);
		*socket_context = NULL;
		return;
	}
	if (toe != MHD_CONNECTION_NOTIFY_STARTED)
		return;
	p = xcalloc(1, sizeof(*p));
	p->fd = -1;
	p->waiting_since = sh_monotonic_ms();
	info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (info != NULL) {
		p->fd = info->connect_fd;
		if (getsockopt(p->fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) == 0)
			log_debug("api: connection %d from uid %u pid %d",
			    p->fd, (unsigned)uc.uid, (int)uc.pid);
	}
	peer_open(api, p);
	*socket_context = p;
}

static void on_mhd_log(void *, const char *, va_list)
    __attribute__((format(printf, 2, 0)));

static void
on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];
	size_t n;

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n > 0 && line[n - 1] == '\n')
		line[--n] = '\0';
	log_warnx("api: %s", line);
}

/* The listening socket. */

static int
socket_bind(const char *path, int *out, char **err)
{
	struct sockaddr_un sun;
	struct stat sb;
	char *dir = NULL, *slash;
	mode_t old;
	int fd = -1, probe = -1, rc = SH_EIO;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		*err = xasprintf("%s: socket path too long", path);
		goto out;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	dir = xstrdup(path);
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) == -1 && errno != EEXIST) {
			*err = xasprintf("cannot create %s: %s", dir,
			    strerror(errno));
			goto out;
		}
	}
	if (lstat(path, &sb) == 0) {
		if (!S_ISSOCK(sb.st_mode)) {
			*err = xasprintf("%s exists and is no socket", path);
			goto out;
		}
		if ((probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) !=
			-1 &&
		    connect(probe, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
			*err =
			    xasprintf("%s: another sheafd is listening", path);
			goto out;
		}
		/* Nobody answers: a stale socket of a daemon that died. */
		unlink(path);
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
		 0)) == -1) {
		*err = xasprintf("socket: %s", strerror(errno));
		goto out;
	}
	old = umask(0117);
	rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (rc == -1 || chmod(path, 0660) == -1 || listen(fd, 128) == -1) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		rc = SH_EIO;
		goto out;
	}
	*out = fd;
	fd = -1;
	rc = SH_OK;
out:
	if (probe != -1)
		close(probe);
	if (fd != -1)
		close(fd);
	free(dir);
	return rc;
}

int
api_listen(struct sheafd *d, char **err)
{
#ifdef HAVE_SYSTEMD
	int n = sd_listen_fds(1);

	if (n > 1) {
		*err =
		    xasprintf("systemd passed %d sockets; sheafd takes one", n);
		return SH_EIO;
	}
	if (n == 1) {
		if (sd_is_socket_unix(SD_LISTEN_FDS_START, SOCK_STREAM, 1, NULL,
			0) <= 0) {
			*err = xstrdup("the socket systemd passed is no "
				       "listening Unix stream socket");
			return SH_EIO;
		}
		d->listen_fd = SD_LISTEN_FDS_START;
		d->socket_activated = true;
		return SH_OK;
	}
#endif
	if (socket_bind(d->socket_path, &d->listen_fd, err) != SH_OK)
		return SH_EIO;
	d->socket_made = true;
	return SH_OK;
}

void
api_share_config(struct sheafd *d)
{
	size_t i;

	pthread_mutex_lock(&d->lock);
	d->api_max_page = d->cfg.api_max_page;
	d->api_max_request = d->cfg.api_max_request;
	d->api_timeout = d->cfg.api_timeout;
	d->nlanguages = d->cfg.nlanguages;
	/* Stories keep primary subtags in lower case: "en-GB" is "en". */
	for (i = 0; i < d->cfg.nlanguages; i++) {
		const char *l = d->cfg.languages[i];
		size_t k;

		for (k = 0; k + 1 < sizeof(d->languages[i]) && l[k] != '\0' &&
			    l[k] != '-' && l[k] != '_';
		     k++)
			d->languages[i][k] = (char)tolower((unsigned char)l[k]);
		d->languages[i][k] = '\0';
	}
	pthread_mutex_unlock(&d->lock);
	/* Headlines follow the languages: what was kept is stale. */
	if (d->api != NULL)
		api_cache_flush(d->api->cache);
}

static void
api_free(struct api *api)
{
	if (api == NULL)
		return;
	if (api->watching) {
		pthread_mutex_lock(&api->lock);
		api->stopping = true;
		pthread_cond_broadcast(&api->wake);
		pthread_mutex_unlock(&api->lock);
		pthread_join(api->watchdog, NULL);
	}
	/* Closes the listening socket and every connection: no peer left. */
	if (api->mhd != NULL)
		MHD_stop_daemon(api->mhd);
	pthread_cond_destroy(&api->wake);
	pthread_mutex_destroy(&api->lock);
	api_cache_free(api->cache);
	free(api);
}

int
api_start(struct sheafd *d, char **err)
{
	struct api *api = xcalloc(1, sizeof(*api));
	pthread_condattr_t attr;

	api->cache = api_cache_new();
	api_share_config(d);
	api->timeout = (unsigned)d->cfg.api_timeout;
	api->max_clients = d->cfg.api_max_clients;
	pthread_mutex_init(&api->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&api->wake, &attr);
	pthread_condattr_destroy(&attr);
	/* The handlers find it there from the first connection on. */
	d->api = api;
	api->mhd = MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD |
					MHD_USE_THREAD_PER_CONNECTION |
					MHD_USE_ERROR_LOG,
	    0, NULL, NULL, on_request, d, MHD_OPTION_EXTERNAL_LOGGER,
	    on_mhd_log, d, MHD_OPTION_LISTEN_SOCKET, (MHD_socket)d->listen_fd,
	    MHD_OPTION_CONNECTION_LIMIT,
	    api->max_clients + API_HEADROOM(api->max_clients),
	    MHD_OPTION_CONNECTION_TIMEOUT, api->timeout,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)API_CONN_MEMORY,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, d,
	    MHD_OPTION_NOTIFY_CONNECTION, on_connection, api, MHD_OPTION_END);
	if (api->mhd == NULL) {
		*err = xstrdup("cannot start the API server (libmicrohttpd)");
		goto fail;
	}
	if (pthread_create(&api->watchdog, NULL, api_watchdog, api) != 0) {
		*err = xstrdup("cannot start the API's watchdog thread");
		goto fail;
	}
	api->watching = true;
	return SH_OK;
fail:
	d->api = NULL;
	if (api->mhd != NULL)
		d->listen_fd = -1; /* MHD_stop_daemon() closes it */
	api_free(api);
	return SH_EIO;
}

void
api_stop(struct sheafd *d)
{
	struct api_req *r, *next;

	pthread_mutex_lock(&d->lock);
	d->closing = true;
	pthread_cond_broadcast(&d->events_cond); /* event streams end */
	pthread_mutex_unlock(&d->lock);
	for (r = api_req_take(d); r != NULL; r = next) {
		next = r->next;
		api_req_answer(d, r, MHD_HTTP_SERVICE_UNAVAILABLE,
		    api_error_json("unavailable", "the daemon is stopping"));
	}
	if (d->api != NULL) {
		/* Closes the listening socket too. */
		api_free(d->api);
		d->api = NULL;
		d->listen_fd = -1;
	}
	if (d->listen_fd != -1) {
		close(d->listen_fd);
		d->listen_fd = -1;
	}
	if (d->socket_made) {
		unlink(d->socket_path);
		d->socket_made = false;
	}
}
