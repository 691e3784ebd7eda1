/* SPDX-License-Identifier: MIT */
/* One poll of a feed: start the fetch, then store what came back. */

/*
 * A completion is never split across transactions: its entries, the
 * feed's record (validators, health, next poll) and a moved URL commit
 * together or not at all, so a kill -9 at any point leaves either the old
 * state, which polls the feed again, or the new one.  The completions that
 * arrive within POLL_BATCH_WAIT_MS of each other share one store_write()
 * (up to POLL_BATCH_MAX of them or POLL_BATCH_BYTES of bodies): a commit
 * costs two fsyncs, which the main thread waits for.  One commit per feed
 * made a round of a thousand local feeds three times slower, and one per
 * fetcher_perform() still spent half of a round of local feeds in
 * fsync.  The wait ends early when no transfer is left running, so a
 * lone feed is stored at once, and before a scan or an API request, which
 * must see the feeds as the completions leave them.  When the shared
 * write fails, each completion is written alone, so one bad feed cannot
 * hold back the others.  When the
 * store itself failed (a full disk), they all stay due, and so do the
 * completions that follow, until the next scan half a minute later; a
 * write that succeeds meanwhile (an API request) ends the wait.  Parsing
 * happens before the write (on the parse thread, parser.c), because
 * store_write() may run its callback twice (map full) and the parse does
 * not need redoing.  The callback only reads the finished results and the
 * parsed documents, so running it again is safe.
 *
 * Logs say what changed, not what happened: a feed that starts failing
 * logs once, one that recovers logs once, a move and a 410 log once.  The
 * details of every poll are in the feed's record, where sheaf feeds shows
 * them.
 *
 * The in-flight set is a small open-addressing hash of jobs by feed id,
 * so that a scan over thousands of feeds can skip the ones being fetched
 * without a linear search.  It is bounded by the fetcher's queue limit.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common.h"
#include "sheafd.h"

/* How many recent entries teach the scheduler a feed's rhythm. */
#define POLL_RHYTHM_ENTRIES 64
/* Completions written in one transaction, at most, and their bytes. */
#define POLL_BATCH_MAX 256u
#define POLL_BATCH_BYTES (16u * 1024 * 1024)
/* How long the first completion of a batch waits for others, ms. */
#define POLL_BATCH_WAIT_MS 250
/* How long to wait before a scan when the store refused a write. */
#define POLL_STORE_RETRY 30

struct job {
	uint64_t feed_id;
	char *url; /* as requested, for logs and the move check */
};

struct inflight {
	struct job **slot; /* NULL or a job */
	size_t cap;	   /* a power of two */
	size_t n;
};

static size_t
hash_id(uint64_t id, size_t cap)
{
	id ^= id >> 31;
	id *= UINT64_C(0x7fb5d329728ea185);
	id ^= id >> 27;
	return (size_t)id & (cap - 1);
}

struct inflight *
inflight_new(void)
{
	struct inflight *s = xcalloc(1, sizeof(*s));

	s->cap = 64;
	s->slot = xcalloc(s->cap, sizeof(*s->slot));
	return s;
}

static void
job_free(struct job *j)
{
	if (j == NULL)
		return;
	free(j->url);
	free(j);
}

void
inflight_free(struct inflight *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->cap; i++)
		job_free(s->slot[i]);
	free(s->slot);
	free(s);
}

size_t
inflight_count(const struct inflight *s)
{
	return s->n;
}

static size_t
find_slot(const struct inflight *s, uint64_t id)
{
	size_t i = hash_id(id, s->cap);

	while (s->slot[i] != NULL && s->slot[i]->feed_id != id)
		i = (i + 1) & (s->cap - 1);
	return i;
}

bool
inflight_has(const struct inflight *s, uint64_t id)
{
	return s->slot[find_slot(s, id)] != NULL;
}

static void
inflight_put(struct inflight *s, struct job *j)
{
	struct job **old = s->slot;
	size_t i, oldcap = s->cap;

	if ((s->n + 1) * 2 > s->cap) {
		s->cap *= 2;
		s->slot = xcalloc(s->cap, sizeof(*s->slot));
		for (i = 0; i < oldcap; i++)
			if (old[i] != NULL)
				s->slot[find_slot(s, old[i]->feed_id)] = old[i];
		free(old);
	}
	s->slot[find_slot(s, j->feed_id)] = j;
	s->n++;
}

/* Remove a job, closing the gap so that probes still find the rest. */
static void
inflight_del(struct inflight *s, uint64_t id)
{
	size_t i = find_slot(s, id), j, home;

	if (s->slot[i] == NULL)
		return;
	s->slot[i] = NULL;
	s->n--;
	for (j = (i + 1) & (s->cap - 1); s->slot[j] != NULL;
	     j = (j + 1) & (s->cap - 1)) {
		home = hash_id(s->slot[j]->feed_id, s->cap);
		/* Move back unless home lies cyclically in (i, j]. */
		if ((j > i && (home <= i || home > j)) ||
		    (j < i && (home <= i && home > j))) {
			s->slot[i] = s->slot[j];
			s->slot[j] = NULL;
			i = j;
		}
	}
}

char *
url_host(const char *url, char *buf, size_t n)
{
	const char *p = strstr(url, "://"), *end, *at;
	size_t len;

	p = p != NULL ? p + 3 : url;
	end = p + strcspn(p, "/?#");
	/* Never log the user-info part. */
	if ((at = memchr(p, '@', (size_t)(end - p))) != NULL)
		p = at + 1;
	len = (size_t)(end - p);
	if (len >= n)
		len = n - 1;
	memcpy(buf, p, len);
	buf[len] = '\0';
	return buf;
}

/* Complete a job the fetcher refused as if its transfer had failed. */
static void
poll_refused(struct sheafd *d, struct job *j)
{
	struct fetch_result *res = xcalloc(1, sizeof(*res));

	res->udata = j;
	res->err = SH_EINVAL;
	res->kind = FETCH_ERR_OTHER;
	res->message = xstrdup("not an http or https URL");
	res->url = xstrdup(j->url);
	res->max_age = res->age = -1;
	res->date = res->expires = res->retry_after = FETCH_TIME_NONE;
	res->fetched_at = time(NULL);
	poll_done(res, d);
}

int64_t
host_held(const struct sheafd *d, const char *url, int64_t now)
{
	char host[sizeof(d->holds[0].host)];
	size_t i;

	if (d->nholds == 0)
		return 0;
	url_host(url, host, sizeof(host));
	for (i = 0; i < d->nholds; i++)
		if (d->holds[i].until > now &&
		    strcmp(d->holds[i].host, host) == 0)
			return d->holds[i].until;
	return 0;
}

/* Hold a host back until a time; drops holds that ended. */
static void
host_hold(struct sheafd *d, const char *host, int64_t until, int64_t now)
{
	size_t i, n = 0, first = 0;

	for (i = 0; i < d->nholds; i++)
		if (d->holds[i].until > now &&
		    strcmp(d->holds[i].host, host) != 0)
			d->holds[n++] = d->holds[i];
	d->nholds = n;
	if (n == SHEAFD_MAX_HOLDS) {
		for (i = 1; i < n; i++)
			if (d->holds[i].until < d->holds[first].until)
				first = i;
		d->holds[first] = d->holds[--d->nholds];
	}
	snprintf(d->holds[d->nholds].host, sizeof(d->holds[0].host), "%s",
	    host);
	d->holds[d->nholds++].until = until;
}

int
poll_start(struct sheafd *d, const struct store_feed *f)
{
	struct fetch_request req;
	struct job *j;
	int rc;

	j = xcalloc(1, sizeof(*j));
	j->feed_id = f->id;
	j->url = xstrdup(f->url);
	req.url = f->url;
	req.etag = f->etag;
	req.last_modified = f->last_modified;
	rc = fetcher_add(d->fetcher, &req, j);
	if (rc == SH_EINVAL) {
		/* No URL libcurl may fetch: a failure like any other. */
		poll_refused(d, j);
		return SH_OK;
	}
	if (rc != SH_OK) {
		job_free(j);
		return rc;
	}
	if (inflight_count(d->inflight) == 0) {
		pthread_mutex_lock(&d->lock);
		memset(&d->round, 0, sizeof(d->round));
		d->round.started = time(NULL);
		pthread_mutex_unlock(&d->lock);
	}
	inflight_put(d->inflight, j);
	return SH_OK;
}

/* What one completion brings to its write transaction, and takes back. */
struct poll_ctx {
	struct sheafd *d;
	struct job *job;	  /* owned from here on */
	struct fetch_result *res; /* owned */
	struct feed *doc;	  /* parsed 200, or NULL; owned */
	char *error;		  /* what failed, or NULL on success; owned */
	int64_t now;
	/* Outcome, reset by every run of the callback. */
	bool found;
	uint32_t old_failures, new_failures;
	bool moved, move_conflict, gone;
	size_t nnew, nchanged, nskipped;
	int64_t next_poll;
};

static void
set_str(char **dst, const char *src)
{
	free(*dst);
	*dst = src != NULL ? xstrdup(src) : NULL;
}

/*
 * Store the document's entries and queue the new ones for the story
 * thread oldest first: a feed lists its newest entry first, and a story
 * should be told in the order it happened.
 */
static int
store_entries(struct store_wtx *wtx, struct poll_ctx *c)
{
	struct timed_seq *fresh = NULL; /* new entries, clustered once stored */
	enum store_upsert what;
	size_t i, nfresh = 0;
	int rc = SH_OK;

	for (i = 0; i < c->doc->nentries; i++) {
		struct feed_entry *fe = &c->doc->entries[i];
		uint64_t seq;

		/* The feed's language is the entry's when it names none. */
		if (fe->language == NULL && c->doc->language != NULL)
			fe->language = xstrdup(c->doc->language);
		rc = store_entry_upsert(wtx, c->job->feed_id, fe, c->now, &seq,
		    &what);
		if (rc == SH_ETOOBIG || rc == SH_EINVAL) {
			/* One entry too large to store: keep the others. */
			c->nskipped++;
			rc = SH_OK;
			continue;
		}
		if (rc != SH_OK)
			goto out;
		if (what == STORE_UPSERT_NEW) {
			c->nnew++;
			if (nfresh % 64 == 0)
				fresh = xreallocarray(fresh, nfresh + 64,
				    sizeof(*fresh));
			fresh[nfresh].seq = seq;
			fresh[nfresh].time = fe->published != FEED_TIME_NONE
						 ? fe->published
						 : c->now;
			nfresh++;
		} else if (what == STORE_UPSERT_CHANGED)
			c->nchanged++;
	}
	if (nfresh > 1)
		qsort(fresh, nfresh, sizeof(*fresh), timed_seq_cmp);
	for (i = 0; i < nfresh; i++)
		story_new_add(c->d, fresh[i].seq);
out:
	free(fresh);
	return rc;
}

static void
apply_success(struct store_wtx *wtx, struct poll_ctx *c, struct store_feed *f)
{
	const struct fetch_result *res = c->res;
	struct store_feed other;

	if (c->doc != NULL) {
		set_str(&f->doc_title, c->doc->title);
		set_str(&f->doc_link, c->doc->link);
		f->ttl_minutes = c->doc->ttl_minutes;
		f->skip_hours = c->doc->skip_hours;
		f->skip_days = c->doc->skip_days;
		/* The pair exactly as this 200 sent it, absent ones too. */
		set_str(&f->etag, res->etag);
		set_str(&f->last_modified, res->last_modified);
	}
	f->failures = 0;
	set_str(&f->last_error, NULL);
	f->last_success = c->now;
	if (!res->moved_permanently || res->moved_to == NULL ||
	    strcmp(res->moved_to, f->url) == 0)
		return;
	store_feed_init(&other);
	if (store_feed_get_by_url(store_wtx_reader(wtx), res->moved_to,
		&other) == SH_OK) {
		/* Already subscribed under the new URL: keep both apart. */
		c->move_conflict = true;
	} else {
		set_str(&f->url, res->moved_to);
		c->moved = true;
	}
	store_feed_clear(&other);
}

static void
schedule(struct store_wtx *wtx, struct poll_ctx *c, struct store_feed *f)
{
	const struct fetch_result *res = c->res;
	int64_t times[POLL_RHYTHM_ENTRIES];
	struct sched_decision dec;
	struct sched_input in;

	memset(&in, 0, sizeof(in));
	in.now = c->now;
	in.min_interval = c->d->cfg.min_interval;
	in.max_interval = c->d->cfg.max_interval;
	/* A 200 that does not parse is an error to the scheduler. */
	in.status = c->error != NULL && res->status < 300 ? 0 : res->status;
	in.failures = f->failures;
	in.max_age = res->max_age;
	in.expires = res->expires == FETCH_TIME_NONE ? -1 : res->expires;
	in.retry_after =
	    res->retry_after == FETCH_TIME_NONE ? -1 : res->retry_after;
	in.ttl_minutes = f->ttl_minutes;
	in.skip_hours = f->skip_hours;
	in.skip_days = f->skip_days;
	in.nentry_times = store_feed_times(store_wtx_reader(wtx), f->id, times,
	    POLL_RHYTHM_ENTRIES);
	in.entry_times = times;
	in.jitter_seed = f->id;
	sched_next(&in, &dec);
	f->next_poll = dec.next_poll;
	f->interval = dec.interval;
	set_str(&f->interval_reason, dec.reason);
}

/* A 200 whose body is no feed the parser could read. */
static bool
unparsed(const struct poll_ctx *c)
{
	return c->res->err == SH_OK && c->res->status >= 200 &&
	       c->res->status < 300 && c->doc == NULL;
}

static int
write_result(struct store_wtx *wtx, void *arg)
{
	struct poll_ctx *c = arg;
	struct store_feed f;
	int rc;

	c->found = c->moved = c->move_conflict = c->gone = false;
	c->nnew = c->nchanged = c->nskipped = 0;
	store_feed_init(&f);
	rc = store_feed_get(store_wtx_reader(wtx), c->job->feed_id, &f);
	if (rc == SH_ENOTFOUND) {
		rc = SH_OK; /* unsubscribed while it was fetched */
		goto out;
	}
	if (rc != SH_OK)
		goto out;
	c->found = true;
	c->old_failures = f.failures;
	f.last_poll = c->now;
	f.last_status = (int)c->res->status;
	if (c->doc != NULL && (rc = store_entries(wtx, c)) != SH_OK)
		goto out;
	if (c->error == NULL && c->res->status == 304 &&
	    (f.flags & STORE_FEED_UNPARSED) && f.last_error != NULL) {
		/* Unchanged since it failed to parse: it still fails. */
		c->error = xstrdup(f.last_error);
	}
	if (c->error == NULL) {
		f.flags &= ~(uint32_t)STORE_FEED_UNPARSED;
		apply_success(wtx, c, &f);
	} else {
		f.failures++;
		set_str(&f.last_error, c->error);
		if (c->res->status == 410) {
			f.flags |= STORE_FEED_GONE;
			c->gone = true;
		}
		if (unparsed(c)) {
			/*
			 * Its validators are kept: the same document is
			 * not fetched again to fail the same way, and a
			 * changed one comes whole and is parsed.
			 */
			set_str(&f.etag, c->res->etag);
			set_str(&f.last_modified, c->res->last_modified);
			f.flags |= STORE_FEED_UNPARSED;
		}
	}
	schedule(wtx, c, &f);
	c->new_failures = f.failures;
	c->next_poll = f.next_poll;
	rc = store_feed_put(wtx, &f);
out:
	store_feed_clear(&f);
	return rc;
}

/* Parse a 200 and say what failed, if anything; *msg is owned. */
void
poll_classify(const struct fetch_result *res, const struct feed_limits *lim,
    struct feed **doc, char **msg)
{
	char *perr = NULL;
	int rc;

	*doc = NULL;
	*msg = NULL;
	if (res->err != SH_OK) {
		*msg = xstrdup(res->message != NULL ? res->message
						    : sh_strerror(res->err));
		return;
	}
	if (res->status == 304)
		return;
	if (res->status < 200 || res->status >= 300) {
		*msg = xasprintf("HTTP %ld", res->status);
		return;
	}
	rc = feed_parse_buffer(res->body, res->body_len, res->final_url,
	    res->content_type, lim, doc, &perr);
	if (rc != SH_OK) {
		*msg = perr != NULL ? perr : xstrdup(sh_strerror(rc));
		*doc = NULL;
		return;
	}
	free(perr);
}

static void
count_round(struct sheafd *d, const struct poll_ctx *c)
{
	pthread_mutex_lock(&d->lock);
	if (c->error != NULL)
		d->round.failed++;
	else if (c->res->status == 304)
		d->round.not_modified++;
	else
		d->round.fetched++;
	d->round.new_entries += c->nnew;
	if (inflight_count(d->inflight) == 0) {
		d->round.finished = c->now;
		d->last = d->round;
	}
	pthread_mutex_unlock(&d->lock);
}

/* A URL for the log: without the user-info part, which may hold a
 * password (a redirect can add one the user never typed). */
static char *
url_for_log(const char *url)
{
	const char *p = strstr(url, "://"), *end, *at;

	p = p != NULL ? p + 3 : url;
	end = p + strcspn(p, "/?#");
	if ((at = memchr(p, '@', (size_t)(end - p))) == NULL)
		return xstrdup(url);
	return xasprintf("%.*s%s", (int)(p - url), url, at + 1);
}

static void
log_changes(const struct poll_ctx *c)
{
	unsigned long long id = (unsigned long long)c->job->feed_id;
	char host[128], *to;

	url_host(c->job->url, host, sizeof(host));
	if (c->gone)
		log_warnx("feed %llu (%s): gone (410), not polled again", id,
		    host);
	else if (c->old_failures == 0 && c->new_failures > 0)
		log_warnx("feed %llu (%s): failing: %s", id, host, c->error);
	else if (c->old_failures > 0 && c->new_failures == 0)
		log_info("feed %llu (%s): recovered after %u failure%s", id,
		    host, c->old_failures, c->old_failures == 1 ? "" : "s");
	if (c->moved) {
		to = url_for_log(c->res->moved_to);
		log_info("feed %llu (%s): moved permanently to %s", id, host,
		    to);
		free(to);
	}
	if (c->move_conflict)
		log_warnx("feed %llu (%s): moved to a URL already subscribed;"
			  " kept as it is",
		    id, host);
	if (c->nskipped > 0)
		log_warnx("feed %llu (%s): %zu entries too large to store", id,
		    host, c->nskipped);
	log_debug("feed %llu (%s): status %ld, %zu new, %zu changed", id, host,
	    c->res->status, c->nnew, c->nchanged);
}

/* Completions waiting to be written together. */
struct poll_batch {
	struct poll_ctx *v;
	size_t n, cap;
	size_t bytes;  /* their bodies' bytes, a bound on the parsed docs */
	int64_t since; /* when the first one came, monotonic ms */
};

static int
write_batch(struct store_wtx *wtx, void *arg)
{
	struct poll_batch *b = arg;
	size_t i;
	int rc;

	if (b->n > 0)
		story_new_reset(b->v[0].d);
	for (i = 0; i < b->n; i++)
		if ((rc = write_result(wtx, &b->v[i])) != SH_OK)
			return rc;
	return SH_OK;
}

/* One completion alone, after its batch failed. */
static int
write_alone(struct store_wtx *wtx, void *arg)
{
	struct poll_ctx *c = arg;

	story_new_reset(c->d);
	return write_result(wtx, c);
}

/* After the write: logs, host holds, the next scan, the round. */
static void
finish(struct sheafd *d, struct poll_ctx *c, int rc, const char *err)
{
	const struct fetch_result *res = c->res;
	char host[128];

	url_host(c->job->url, host, sizeof(host));
	if (rc != SH_OK) {
		/* SH_EIO is the store's failure, which sheafd_write() logs. */
		if (rc != SH_EIO)
			log_warnx("feed %llu (%s): cannot store the poll: %s",
			    (unsigned long long)c->job->feed_id, host,
			    err != NULL ? err : store_strerror(rc));
		/* The feed stays due; do not spin on a full disk. */
		if (d->next_scan < c->now + POLL_STORE_RETRY)
			d->next_scan = c->now + POLL_STORE_RETRY;
		c->nnew = 0;
	} else if (c->found) {
		log_changes(c);
		if ((res->status == 429 || res->status == 503) &&
		    res->retry_after != FETCH_TIME_NONE &&
		    res->retry_after > c->now) {
			if (host_held(d, c->job->url, c->now) <
			    res->retry_after)
				log_info("host %s: %ld, holding its feeds back "
					 "for %lld s",
				    host, res->status,
				    (long long)(res->retry_after - c->now));
			host_hold(d, host, res->retry_after, c->now);
		}
		if (c->next_poll < d->next_scan)
			d->next_scan = c->next_poll;
	}
	count_round(d, c);
}

static void
ctx_clear(struct poll_ctx *c)
{
	free(c->error);
	feed_free(c->doc);
	job_free(c->job);
	fetch_result_free(c->res);
	memset(c, 0, sizeof(*c));
}

void
poll_flush(struct sheafd *d)
{
	struct poll_batch *b = d->batch;
	char *err = NULL;
	size_t i;
	bool alone = false;
	int64_t now = time(NULL);
	int rc = SH_EIO;

	if (b == NULL || b->n == 0)
		return;
	/*
	 * After the store failed (a full disk), the rest of the round is
	 * not written until the retry: smaller batches that still fit would
	 * flip the store's state back and forth, and each failed write costs
	 * a rebuild of the stories' window.  The feeds stay due.
	 */
	if (now >= d->store_retry) {
		rc = sheafd_write(d, write_batch, b, &err);
		story_new_commit(d, rc);
		free(err);
		err = NULL;
		if (rc == SH_EIO)
			d->store_retry = now + POLL_STORE_RETRY;
		/* One completion that cannot be stored must not sink the
		 * others: after a failed batch, each is written alone, but
		 * not when the store itself failed. */
		alone = rc != SH_OK && rc != SH_EIO;
	}
	for (i = 0; i < b->n; i++) {
		if (alone) {
			rc = sheafd_write(d, write_alone, &b->v[i], &err);
			story_new_commit(d, rc);
		}
		finish(d, &b->v[i], rc, err);
		free(err);
		err = NULL;
		ctx_clear(&b->v[i]);
	}
	b->n = 0;
	b->bytes = 0;
}

int
poll_flush_in(struct sheafd *d)
{
	const struct poll_batch *b = d->batch;
	int64_t left;

	if (b == NULL || b->n == 0)
		return -1;
	if (d->stop ||
	    (fetcher_active(d->fetcher) == 0 && parser_pending(d) == 0))
		return 0;
	left = b->since + POLL_BATCH_WAIT_MS - sh_monotonic_ms();
	return left > 0 ? (int)left : 0;
}

void
poll_batch_free(struct poll_batch *b)
{
	size_t i;

	if (b == NULL)
		return;
	for (i = 0; i < b->n; i++)
		ctx_clear(&b->v[i]);
	free(b->v);
	free(b);
}

void
poll_done(struct fetch_result *res, void *arg)
{
	struct sheafd *d = arg;
	struct feed *doc;
	char *error;

	/* A document goes to the parse thread while it has room. */
	if (res->err == SH_OK && res->status >= 200 && res->status < 300 &&
	    parser_submit(d, res))
		return;
	poll_classify(res, &d->flim, &doc, &error);
	poll_parsed(d, res, doc, error);
}

void
poll_parsed(struct sheafd *d, struct fetch_result *res, struct feed *doc,
    char *error)
{
	struct poll_batch *b;
	struct poll_ctx *c;

	if (d->batch == NULL)
		d->batch = xcalloc(1, sizeof(*d->batch));
	b = d->batch;
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 16;
		b->v = xreallocarray(b->v, b->cap, sizeof(*b->v));
	}
	if (b->n == 0)
		b->since = sh_monotonic_ms();
	c = &b->v[b->n++];
	memset(c, 0, sizeof(*c));
	c->d = d;
	c->job = res->udata;
	c->res = res;
	c->now = time(NULL);
	c->doc = doc;
	c->error = error;
	/* Out of the set first: the feed may be rescheduled at once. */
	inflight_del(d->inflight, c->job->feed_id);
	/* The body was parsed: only the document is stored.  Its length
	 * stays a measure of what the batch holds. */
	b->bytes += res->body_len;
	free(res->body);
	res->body = NULL;
	res->body_len = 0;
	if (b->n >= POLL_BATCH_MAX || b->bytes >= POLL_BATCH_BYTES)
		poll_flush(d);
}
