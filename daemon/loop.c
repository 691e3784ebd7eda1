/* SPDX-License-Identifier: MIT */
/* The event loop: due feeds, completions, API writes, signals, retention. */

/*
 * One thread runs everything that changes the store.  Each turn it answers
 * the write requests the API queued, starts the feeds that are due, does
 * one small batch of retention when some is pending, and then waits in
 * fetcher_poll() on the transfers, the signalfd and the API's eventfd for
 * at most a second (the watchdog and the clock need the turn).  Finished
 * transfers come back through poll_done(), their documents parsed on the
 * parse thread, and are stored in batches (poll.c).
 *
 * The store is read through a memory map, and the pages the threads read
 * stay in the resident set as if they were the daemon's memory; they are
 * the kernel's page cache.  Every turn, after every write and API answer,
 * and every 64 steps inside any transaction, store_release_pages() lets go
 * of them once they grew by a few MiB: the resident set then shows what
 * the daemon holds.
 *
 * A scan walks every feed in one read transaction: it starts the due ones
 * that are not in flight, counts the feeds, the due and the failing ones
 * for STATUS=, and remembers the earliest next poll so that the loop does
 * not scan again before then (or a minute, to keep the counts fresh).  An
 * added feed or a "poll now" sets the next scan to now.  Nothing in memory
 * is needed after a restart: next_poll is in the store, a feed that was in
 * flight is still due, and it is fetched again.
 *
 * A SIGHUP swaps the configuration between turns.  Scheduling bounds,
 * parser limits and the API's page and body caps apply at once; the
 * fetcher's limits need a new fetcher, made once the running transfers
 * have finished (no new ones start meanwhile); paths, map sizes and the
 * API's connection settings apply at the next start, and the log says so.
 */

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#ifdef HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "common.h"
#include "sheafd.h"

/* Most due feeds one scan hands to the fetcher; the next scan takes more. */
#define LOOP_SCAN_BATCH 20000u
/* Longest time between two scans, for fresh counts. */
#define LOOP_SCAN_MAX 60
/* Entries one retention transaction deletes, and how often it runs. */
#define LOOP_PURGE_BATCH 256u
#define LOOP_PURGE_EVERY 3600
#define LOOP_PURGE_FIRST 60
/* Longest wait in fetcher_poll(), milliseconds. */
#define LOOP_WAIT_MS 1000

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Writing, and the store's health. */

int
sheafd_write(struct sheafd *d, store_write_cb *fn, void *arg, char **err)
{
	char *msg = NULL, *was = NULL;
	int64_t since = 0;
	int rc;

	rc = store_write(d->st, fn, arg, &msg);
	if (rc == SH_OK) /* answers kept by the API are stale now */
		__atomic_add_fetch(&d->store_gen, 1, __ATOMIC_RELEASE);
	store_release_pages(d->st); /* what the write read */
	if (rc != SH_OK && rc != SH_EIO)
		goto out;
	/* Status shows the latest failure, since the first one. */
	pthread_mutex_lock(&d->lock);
	was = d->store_error;
	since = was != NULL ? d->store_error_since : time(NULL);
	d->store_error = rc == SH_OK ? NULL : xstrdup(msg);
	d->store_error_since = since;
	pthread_mutex_unlock(&d->lock);
	if (rc == SH_OK)
		d->store_retry = 0;
	/* Logs say when the store starts failing and when it works again,
	 * not every feed that could not be stored meanwhile. */
	if (rc == SH_EIO && was == NULL)
		log_warnx("store: %s; nothing new is stored until writes "
			  "succeed again",
		    msg);
	else if (rc == SH_OK && was != NULL)
		log_info("store: writes succeed again after %lld s of failures",
		    (long long)(time(NULL) - since));
	free(was);
out:
	if (rc != SH_OK && err != NULL)
		*err = msg;
	else
		free(msg);
	return rc;
}

/* Scanning for due feeds. */

struct scan {
	struct sheafd *d;
	int64_t now;
	bool start;		/* start due feeds (not while rebuilding) */
	struct store_feed *due; /* copies of the due feeds to start */
	size_t ndue, cap;
	int64_t next; /* earliest future next_poll */
	bool more;    /* due feeds left for the next scan */
	uint64_t nfeeds, ndue_all, nfailing;
};

static int
scan_feed(struct store_feed *f, void *arg)
{
	struct scan *s = arg;
	int64_t held;

	s->nfeeds++;
	if (f->flags & (STORE_FEED_GONE | STORE_FEED_DISABLED))
		return SH_OK;
	if (f->failures > 0)
		s->nfailing++;
	if (f->next_poll > s->now) {
		if (f->next_poll < s->next)
			s->next = f->next_poll;
		return SH_OK;
	}
	s->ndue_all++;
	if (!s->start || inflight_has(s->d->inflight, f->id))
		return SH_OK;
	if ((held = host_held(s->d, f->url, s->now)) != 0) {
		/* Its host asked for a pause (429/503 with Retry-After). */
		if (held < s->next)
			s->next = held;
		return SH_OK;
	}
	if (s->ndue == LOOP_SCAN_BATCH) {
		s->more = true;
		return SH_OK;
	}
	if (s->ndue == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->due = xreallocarray(s->due, s->cap, sizeof(*s->due));
	}
	/* Take the strings: the walk clears an emptied struct harmlessly. */
	s->due[s->ndue++] = *f;
	store_feed_init(f);
	return SH_OK;
}

static void
notify_status(struct sheafd *d)
{
	static char last[128];
	char status[128];

	snprintf(status, sizeof(status),
	    "STATUS=%" PRIu64 " feeds, %" PRIu64 " due, %" PRIu64 " failing",
	    d->nfeeds, d->ndue, d->nfailing);
	if (strcmp(status, last) == 0)
		return;
	memcpy(last, status, sizeof(last));
	sheafd_notify(status);
}

static void
scan(struct sheafd *d, int64_t now)
{
	struct store_rtx *rtx;
	struct scan s;
	size_t i;
	int rc;

	memset(&s, 0, sizeof(s));
	s.d = d;
	s.now = now;
	s.start = !d->rebuild_fetcher;
	s.next = now + LOOP_SCAN_MAX;
	if ((rc = store_read_begin(d->st, &rtx)) == SH_OK) {
		rc = store_feed_foreach(rtx, scan_feed, &s);
		store_read_end(rtx);
	}
	if (rc != SH_OK)
		log_warnx("store: cannot list the feeds: %s",
		    store_strerror(rc));
	/* The read transaction is over: now the fetcher may start. */
	for (i = 0; i < s.ndue; i++) {
		if (!s.more && poll_start(d, &s.due[i]) != SH_OK)
			s.more = true; /* the fetcher's queue is full */
		store_feed_clear(&s.due[i]);
	}
	free(s.due);
	d->next_scan = s.more || rc != SH_OK ? now + 1 : s.next;
	d->nfeeds = s.nfeeds;
	d->ndue = s.ndue_all;
	d->nfailing = s.nfailing;
	notify_status(d);
}

/* Write requests from the API. */

struct req_ctx {
	struct api_req *r;
	int64_t now;
	uint64_t id;
	struct store_feed out;	/* the feed after the change */
	size_t nentries;	/* DELETE: entries deleted */
	size_t added, existing; /* IMPORT */
	size_t polled, skipped; /* POLL_ALL */
};

static int
req_feed_add(struct store_wtx *wtx, void *arg)
{
	struct req_ctx *c = arg;
	char reason[] = "new: polled at once";
	struct store_feed f;
	int rc;

	store_feed_clear(&c->out);
	store_feed_init(&f);
	f.url = c->r->url;
	f.title = c->r->title;
	f.folder = c->r->folder;
	f.added = c->now;
	f.next_poll = c->now; /* polled at once */
	f.interval_reason = reason;
	rc = store_feed_add(wtx, &f, &c->id);
	if (rc == SH_OK)
		rc = store_feed_get(store_wtx_reader(wtx), c->id, &c->out);
	return rc;
}

static int
req_feed_delete(struct store_wtx *wtx, void *arg)
{
	struct req_ctx *c = arg;

	return store_feed_delete(wtx, c->r->feed_id, &c->nentries);
}

static int
req_feed_poll(struct store_wtx *wtx, void *arg)
{
	struct req_ctx *c = arg;
	int rc;

	store_feed_clear(&c->out);
	rc = store_feed_get(store_wtx_reader(wtx), c->r->feed_id, &c->out);
	if (rc != SH_OK)
		return rc;
	c->out.next_poll = c->now;
	/* Asked by a person: a feed marked gone gets one more chance. */
	c->out.flags &= ~(uint32_t)STORE_FEED_GONE;
	free(c->out.interval_reason);
	c->out.interval_reason = xstrdup("poll requested");
	return store_feed_put(wtx, &c->out);
}

/* POLL_ALL: the feeds to make due, taken during the walk. */
struct poll_all {
	struct req_ctx *c;
	struct store_feed *v;
	size_t n, cap;
};

static int
poll_all_feed(struct store_feed *f, void *arg)
{
	struct poll_all *p = arg;

	if (f->flags & (STORE_FEED_GONE | STORE_FEED_DISABLED)) {
		p->c->skipped++;
		return SH_OK;
	}
	p->c->polled++;
	if (f->next_poll <= p->c->now)
		return SH_OK; /* due already */
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 256;
		p->v = xreallocarray(p->v, p->cap, sizeof(*p->v));
	}
	/* Take the strings: the walk clears an emptied struct harmlessly. */
	p->v[p->n++] = *f;
	store_feed_init(f);
	return SH_OK;
}

/*
 * Every feed due now, in one transaction: one request and one scan for a
 * whole subscription list.  Gone and paused feeds are skipped (polling
 * one by its id gives a gone feed another chance).  The feeds are written
 * after the walk, which must not see its own writes.
 */
static int
req_poll_all(struct store_wtx *wtx, void *arg)
{
	struct req_ctx *c = arg;
	struct poll_all p = {c, NULL, 0, 0};
	size_t i;
	int rc;

	c->polled = c->skipped = 0;
	rc = store_feed_foreach(store_wtx_reader(wtx), poll_all_feed, &p);
	for (i = 0; i < p.n; i++) {
		if (rc == SH_OK) {
			p.v[i].next_poll = c->now;
			free(p.v[i].interval_reason);
			p.v[i].interval_reason = xstrdup("poll requested");
			rc = store_feed_put(wtx, &p.v[i]);
		}
		store_feed_clear(&p.v[i]);
	}
	free(p.v);
	return rc;
}

static int
req_story_read(struct store_wtx *wtx, void *arg)
{
	struct req_ctx *c = arg;

	c->id = c->r->story_id;
	if (store_story_resolve(store_wtx_reader(wtx), c->id, &c->id) != SH_OK)
		return SH_ENOTFOUND;
	return store_story_mark_read(wtx, c->id, c->now, &c->nentries);
}

static char *
join_folder(const struct opml_feed *of)
{
	struct sh_buf b;
	size_t i;

	if (of->nfolder == 0)
		return NULL;
	sh_buf_init(&b, SIZE_MAX);
	for (i = 0; i < of->nfolder; i++) {
		if (i > 0)
			sh_buf_putc(&b, '/');
		sh_buf_puts(&b, of->folder[i]);
	}
	return sh_buf_steal(&b);
}

static int
req_opml_import(struct store_wtx *wtx, void *arg)
{
	struct req_ctx *c = arg;
	const struct opml_doc *doc = c->r->opml;
	char reason[] = "new: polled at once";
	struct store_feed f, old;
	uint64_t id;
	size_t i;
	int rc = SH_OK;

	c->added = c->existing = 0;
	for (i = 0; i < doc->nfeeds && rc == SH_OK; i++) {
		const struct opml_feed *of = &doc->feeds[i];

		store_feed_init(&old);
		rc = store_feed_get_by_url(store_wtx_reader(wtx), of->xml_url,
		    &old);
		store_feed_clear(&old);
		if (rc == SH_OK) {
			c->existing++;
			continue;
		}
		if (rc != SH_ENOTFOUND)
			break;
		store_feed_init(&f);
		f.url = of->xml_url;
		f.title = of->title;
		f.html_url = of->html_url;
		f.folder = join_folder(of);
		f.added = c->now;
		f.next_poll = c->now;
		f.interval_reason = reason;
		rc = store_feed_add(wtx, &f, &id);
		free(f.folder);
		if (rc == SH_OK)
			c->added++;
	}
	return rc;
}

static unsigned
status_of(int rc)
{
	switch (rc) {
	case SH_ENOTFOUND:
		return 404;
	case STORE_EEXIST:
		return 409;
	case SH_EINVAL:
		return 400;
	case SH_ETOOBIG:
		return 413;
	default:
		return 503;
	}
}

static void
answer_error(struct sheafd *d, struct api_req *r, int rc, const char *err)
{
	static const char *const codes[] = {"not_found", "conflict",
	    "bad_request", "too_large", "unavailable"};
	unsigned st = status_of(rc);
	const char *code = st == 404   ? codes[0]
			   : st == 409 ? codes[1]
			   : st == 400 ? codes[2]
			   : st == 413 ? codes[3]
				       : codes[4];
	const char *msg = err;

	if (rc == SH_ENOTFOUND)
		msg = r->kind == API_REQ_STORY_READ ? "no such story"
						    : "no such feed";
	else if (rc == STORE_EEXIST)
		msg = "already subscribed";
	else if (msg == NULL)
		msg = store_strerror(rc);
	api_req_answer(d, r, st, api_error_json(code, msg));
}

static void
handle_req(struct sheafd *d, struct api_req *r, int64_t now)
{
	static store_write_cb *const fns[] = {NULL, req_feed_add,
	    req_feed_delete, req_feed_poll, req_opml_import, req_story_read,
	    req_poll_all};
	struct req_ctx c;
	char *err = NULL, host[128];
	int rc;

	memset(&c, 0, sizeof(c));
	c.r = r;
	c.now = now;
	store_feed_init(&c.out);
	rc = sheafd_write(d, fns[r->kind], &c, &err);
	if (rc != SH_OK) {
		/* SH_EIO: sheafd_write() logged the store's failure. */
		if (rc != SH_ENOTFOUND && rc != STORE_EEXIST && rc != SH_EIO)
			log_warnx("store: request failed: %s", err);
		answer_error(d, r, rc, err);
		goto out;
	}
	switch (r->kind) {
	case API_REQ_FEED_ADD:
		log_info("feed %llu (%s): subscribed", (unsigned long long)c.id,
		    url_host(r->url, host, sizeof(host)));
		d->next_scan = now;
		api_req_answer(d, r, 201, api_feed_text(&c.out));
		break;
	case API_REQ_FEED_DELETE:
		/* Its entries left the stories: the window follows. */
		story_invalidate(d);
		log_info("feed %llu: unsubscribed, %zu entries deleted",
		    (unsigned long long)r->feed_id, c.nentries);
		api_req_answer(d, r, 200,
		    xasprintf("{\"id\": %llu, \"deleted_entries\": %zu}\n",
			(unsigned long long)r->feed_id, c.nentries));
		break;
	case API_REQ_FEED_POLL:
		d->next_scan = now;
		api_req_answer(d, r, 202, api_feed_text(&c.out));
		break;
	case API_REQ_POLL_ALL:
		d->next_scan = now;
		api_req_answer(d, r, 202,
		    xasprintf("{\"polled\": %zu, \"skipped\": %zu}\n", c.polled,
			c.skipped));
		break;
	case API_REQ_STORY_READ:
		api_req_answer(d, r, 200,
		    xasprintf("{\"story\": %llu, \"marked\": %zu}\n",
			(unsigned long long)c.id, c.nentries));
		break;
	case API_REQ_OPML_IMPORT:
		log_info("opml import: %zu added, %zu existing, %zu skipped",
		    c.added, c.existing, r->opml->nskipped);
		if (c.added > 0)
			d->next_scan = now;
		api_req_answer(d, r, 200,
		    xasprintf("{\"added\": %zu, \"existing\": %zu, "
			      "\"skipped\": %zu, \"duplicates\": %zu}\n",
			c.added, c.existing, r->opml->nskipped,
			r->opml->nduplicates));
		break;
	}
out:
	store_feed_clear(&c.out);
	free(err);
}

static void
handle_requests(struct sheafd *d, int64_t now)
{
	struct api_req *r, *next;

	r = api_req_take(d);
	if (r != NULL) /* requests see the polls stored so far */
		poll_flush(d);
	for (; r != NULL; r = next) {
		next = r->next;
		handle_req(d, r, now);
	}
}

/* Signals and reloading. */

static void
handle_signals(struct sheafd *d)
{
	struct signalfd_siginfo si;

	while (read(d->sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			log_info("signal %s: stopping",
			    si.ssi_signo == SIGTERM ? "TERM" : "INT");
			d->stop = true;
			break;
		case SIGHUP:
			loop_reload(d);
			break;
		}
	}
}

enum when { NOW, FETCHER, RESTART };

static const struct cfg_key {
	const char *name;
	char type; /* d: int64_t, u: unsigned, z: size_t, b: bool, s: char * */
	size_t off;
	enum when when;
} cfg_keys[] = {
    {"state_dir", 's', offsetof(struct config, state_dir), RESTART},
    {"socket", 's', offsetof(struct config, socket_path), RESTART},
    {"min_interval", 'd', offsetof(struct config, min_interval), NOW},
    {"max_interval", 'd', offsetof(struct config, max_interval), NOW},
    {"retention_days", 'u', offsetof(struct config, retention_days), NOW},
    {"max_transfers", 'u', offsetof(struct config, max_transfers), FETCHER},
    {"max_per_host", 'u', offsetof(struct config, max_per_host), FETCHER},
    {"connect_timeout", 'd', offsetof(struct config, connect_timeout), FETCHER},
    {"fetch_timeout", 'd', offsetof(struct config, fetch_timeout), FETCHER},
    {"max_body", 'z', offsetof(struct config, max_body_bytes), FETCHER},
    {"max_entries", 'z', offsetof(struct config, max_entries), NOW},
    {"max_field", 'z', offsetof(struct config, max_field_bytes), NOW},
    {"max_depth", 'u', offsetof(struct config, max_depth), NOW},
    {"deny_private", 'b', offsetof(struct config, deny_private), FETCHER},
    {"allow_private", 's', offsetof(struct config, allow_private), FETCHER},
    {"api_max_clients", 'u', offsetof(struct config, api_max_clients), RESTART},
    {"api_timeout", 'd', offsetof(struct config, api_timeout), RESTART},
    {"api_max_request", 'z', offsetof(struct config, api_max_request), NOW},
    {"api_max_page", 'u', offsetof(struct config, api_max_page), NOW},
    {"map_size", 'z', offsetof(struct config, map_size), RESTART},
    {"max_map_size", 'z', offsetof(struct config, max_map_size), RESTART},
    {"story_window", 'd', offsetof(struct config, cluster.window), NOW},
    {"frequency_window", 'd', offsetof(struct config, cluster.df_window), NOW},
    {"text_threshold", 'f', offsetof(struct config, cluster.text_threshold),
	NOW},
    {"names_threshold", 'f', offsetof(struct config, cluster.names_threshold),
	NOW},
    {"names_threshold_same", 'f',
	offsetof(struct config, cluster.names_threshold_same), NOW},
    {"names_floor", 'f', offsetof(struct config, cluster.names_floor), NOW},
    {"merge_threshold", 'f', offsetof(struct config, cluster.merge_threshold),
	NOW},
    {"duplicate_threshold", 'f', offsetof(struct config, cluster.dup_threshold),
	NOW},
    {"idf_base", 'f', offsetof(struct config, cluster.idf_base), NOW},
    {"story_backlog", 'u', offsetof(struct config, cluster.backlog_keep), NOW},
};

/* A key's value as text, for the log. */
static void
cfg_value(const struct config *cfg, const struct cfg_key *k, char *buf,
    size_t n)
{
	const char *p = (const char *)cfg + k->off;
	const char *s;

	switch (k->type) {
	case 'd':
		snprintf(buf, n, "%" PRId64, *(const int64_t *)(const void *)p);
		break;
	case 'u':
		snprintf(buf, n, "%u", *(const unsigned *)(const void *)p);
		break;
	case 'z':
		snprintf(buf, n, "%zu", *(const size_t *)(const void *)p);
		break;
	case 'b':
		snprintf(buf, n, "%s",
		    *(const bool *)(const void *)p ? "yes" : "no");
		break;
	case 'f':
		snprintf(buf, n, "%g", *(const double *)(const void *)p);
		break;
	default:
		s = *(char *const *)(const void *)p;
		snprintf(buf, n, "%s", s != NULL ? s : "(default)");
		break;
	}
}

/* Log every changed key; tell whether the fetcher needs rebuilding. */
static bool
cfg_diff(const struct config *a, const struct config *b)
{
	static const char *const when[] = {"",
	    " (when the running fetches finish)", " (at the next start)"};
	char va[256], vb[256];
	bool fetcher = false;
	size_t i;

	for (i = 0; i < sizeof(cfg_keys) / sizeof(cfg_keys[0]); i++) {
		cfg_value(a, &cfg_keys[i], va, sizeof(va));
		cfg_value(b, &cfg_keys[i], vb, sizeof(vb));
		if (strcmp(va, vb) == 0)
			continue;
		log_info("config: %s %s -> %s%s", cfg_keys[i].name, va, vb,
		    when[cfg_keys[i].when]);
		if (cfg_keys[i].when == FETCHER)
			fetcher = true;
	}
	return fetcher;
}

void
loop_reload(struct sheafd *d)
{
	struct cluster_opts old_cluster;
	struct fetch_limits lim;
	struct config next;
	char *err = NULL;

	config_defaults(&next);
	if (config_load(d->config_path, d->config_required, &next, &err) !=
	    SH_OK) {
		log_warnx("config: %s; keeping the running configuration", err);
		goto out;
	}
	sheafd_fetch_limits(&next, &lim);
	if (fetch_limits_check(&lim, &err) != SH_OK) {
		log_warnx("config: %s: %s; keeping the running configuration",
		    d->config_path, err);
		goto out;
	}
	log_info("config: %s re-read", d->config_path);
	old_cluster = d->cfg.cluster;
	if (cfg_diff(&d->cfg, &next))
		d->rebuild_fetcher = true;
	config_clear(&d->cfg);
	d->cfg = next;
	config_defaults(&next);
	sheafd_feed_limits(&d->cfg, &d->flim);
	api_share_config(d);
	if (memcmp(&old_cluster, &d->cfg.cluster, sizeof(old_cluster)) != 0)
		story_invalidate(d); /* rebuilt with them */
	d->next_scan = 0;
out:
	config_clear(&next);
	free(err);
}

/* Swap in a fetcher with the new limits once the old one is idle. */
static void
rebuild_fetcher(struct sheafd *d)
{
	struct fetch_limits lim;
	struct fetcher *f;

	if (fetcher_active(d->fetcher) > 0 || inflight_count(d->inflight) > 0)
		return;
	sheafd_fetch_limits(&d->cfg, &lim);
	if ((f = fetcher_new(&lim)) == NULL) {
		log_warnx("config: cannot make a fetcher with the new limits;"
			  " keeping the old ones");
	} else {
		fetcher_free(d->fetcher);
		d->fetcher = f;
		log_info("config: fetch limits applied");
	}
	d->rebuild_fetcher = false;
	d->next_scan = 0;
}

/* Retention. */

struct purge_ctx {
	int64_t cutoff;
	size_t purged;
	bool more;
};

static int
purge_batch(struct store_wtx *wtx, void *arg)
{
	struct purge_ctx *p = arg;

	return store_purge(wtx, p->cutoff, LOOP_PURGE_BATCH, NULL, NULL,
	    &p->purged, &p->more);
}

static void
retention(struct sheafd *d, int64_t now)
{
	static size_t total;
	struct purge_ctx p;
	char *err = NULL;
	int rc;

	if (!d->purging && now < d->next_purge)
		return;
	memset(&p, 0, sizeof(p));
	p.cutoff = now - (int64_t)d->cfg.retention_days * 86400;
	if ((rc = sheafd_write(d, purge_batch, &p, &err)) != SH_OK) {
		if (rc != SH_EIO)
			log_warnx("retention: %s", err);
		free(err);
		p.more = false;
	}
	total += p.purged;
	d->purging = p.more;
	if (p.more)
		return;
	if (total > 0)
		log_info("retention: %zu entries older than %u days purged",
		    total, d->cfg.retention_days);
	total = 0;
	d->next_purge = now + LOOP_PURGE_EVERY;
}

static void
watchdog(struct sheafd *d)
{
	int64_t ms;

	if (d->watchdog_usec == 0)
		return;
	ms = mono_ms();
	if ((uint64_t)(ms - d->last_watchdog_ms) * 1000 * 2 < d->watchdog_usec)
		return;
	d->last_watchdog_ms = ms;
	sheafd_notify("WATCHDOG=1");
}

/*
 * How long fetcher_poll() may wait: less than half the watchdog, and no
 * longer than the queued completions may wait for their commit.
 */
static int
wait_ms(struct sheafd *d)
{
	uint64_t half = d->watchdog_usec / 2000;
	int ms = LOOP_WAIT_MS, flush = poll_flush_in(d);

	if (d->purging)
		return 0;
	if (half > 0 && half < (uint64_t)ms)
		ms = (int)half;
	if (flush >= 0 && flush < ms)
		ms = flush;
	return ms;
}

int
loop_run(struct sheafd *d)
{
	struct pollfd pfd[2];
	uint64_t n;
	int64_t now;
	int rc = SH_OK;

#ifdef HAVE_SYSTEMD
	if (sd_watchdog_enabled(0, &d->watchdog_usec) <= 0)
		d->watchdog_usec = 0;
#endif
	d->next_purge = time(NULL) + LOOP_PURGE_FIRST;
	for (;;) {
		now = time(NULL);
		handle_requests(d, now);
		if (d->stop)
			break;
		if (d->rebuild_fetcher)
			rebuild_fetcher(d);
		if (now >= d->next_scan) {
			/* A polled feed is due until its poll is stored. */
			poll_flush(d);
			scan(d, now);
		}
		retention(d, now);
		watchdog(d);
		pfd[0].fd = d->sig_fd;
		pfd[1].fd = d->ev_fd;
		pfd[0].events = pfd[1].events = POLLIN;
		if ((rc = fetcher_poll(d->fetcher, pfd, 2, wait_ms(d))) !=
		    SH_OK) {
			log_warnx("fetcher: poll failed");
			break;
		}
		if (pfd[0].revents & POLLIN)
			handle_signals(d);
		if ((pfd[1].revents & POLLIN) &&
		    read(d->ev_fd, &n, sizeof(n)) == -1 && errno != EAGAIN)
			log_warn("eventfd");
		rc = fetcher_perform(d->fetcher, poll_done, d);
		parser_collect(d, poll_parsed);
		if (poll_flush_in(d) == 0)
			poll_flush(d);
		story_flush(d);
		store_release_pages(d->st);
		if (rc != SH_OK) {
			log_warnx("fetcher: libcurl failed");
			break;
		}
	}
	/* What was fetched before the stop is stored. */
	parser_stop(d, poll_parsed);
	poll_flush(d);
	return rc;
}
