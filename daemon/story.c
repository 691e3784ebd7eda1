/* SPDX-License-Identifier: MIT */
/* Stories at ingest: the deduplicator beside the store's writer. */

/*
 * The clusterer's in-memory window is a cache of the store, owned by the
 * story thread.  It is built from the store at start (story_open) and then
 * follows the store: the main thread stores a poll's entries and queues
 * the new ones; the story thread takes them in batches, clusters each and
 * writes its story, evidence and any merge in one transaction of its own.
 *
 * store_write() may run a callback twice (the map grew) and a write can
 * fail (a full disk), so the window can hold entries of a transaction
 * that never committed.  So it is marked dirty when a callback starts and
 * clean when its write commits; a callback that finds it dirty rebuilds it
 * from the store first, which inside the callback means from the last
 * commit.  A batch that did not commit is queued again.  Rebuilds are rare
 * (a map growth, a full disk, a deleted feed, new options) and cost one
 * read of the window.
 *
 * Stories that changed in a write are announced to /v1/events only after
 * the write committed.
 */

#include <sys/resource.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "sheafd.h"

/* Centrality of a story's first entry, before anything compared to it. */
#define FOUNDER_CENTRALITY 500u
/* Bytes of an entry's body the clusterer reads. */
#define STORY_TEXT_MAX (64u * 1024)
/* Entries clustered in one transaction, at most. */
#define STORY_BATCH 512
/*
 * The story thread's nice value: clustering is background work, and on a
 * small machine it must not slow the fetching and storing of a round, nor
 * the answers to readers.
 */
#define STORY_NICE 10
/*
 * New entries come a feed at a time, in whatever order the feeds answered;
 * the clusterer decides best in the order things happened (a feed's whole
 * archive first can glue earlier stories onto a later one).  So the story
 * thread waits until no entry arrived for STORY_SETTLE_MS (at most
 * STORY_SETTLE_MAX_MS, or until a full batch is there), and decides a
 * batch in the order of its entries' times.
 */
#define STORY_SETTLE_MS 250
#define STORY_SETTLE_MAX_MS 2000
/* Seconds before a batch that could not be written is tried again. */
#define STORY_RETRY 5

struct rebuild {
	struct sheafd *d;
	struct store_rtx *rtx;
	size_t restored;
	uint64_t *orphans; /* entries in the window without a story */
	size_t norphans;
};

static uint32_t
milli(double x)
{
	if (!(x > 0))
		return 0;
	if (x > 1000000)
		return 1000000000u;
	return (uint32_t)(x * 1000 + 0.5);
}

/* The time an entry counts at: its date, unless absent or in the future. */
static int64_t
entry_time(int64_t published, int64_t first_seen)
{
	if (published == FEED_TIME_NONE || published > first_seen + 86400)
		return first_seen;
	return published;
}

/*
 * Plain text for the clusterer: the content's text, else the summary.  The
 * content is the whole article where a feed has one, which is what tells a
 * re-post from a teaser of the same story.
 */
static char *
body_text(const char *summary, const char *content_html)
{
	if (content_html != NULL && *content_html != '\0')
		return feed_html_to_text(content_html, strlen(content_html),
		    STORY_TEXT_MAX);
	if (summary != NULL && *summary != '\0')
		return xstrndup(summary, strnlen(summary, STORY_TEXT_MAX));
	return NULL;
}

/*
 * A stored entry as the clusterer reads it; ce points into e and into the
 * returned text, which the caller frees after the clusterer took it.
 */
static char *
entry_of(const struct store_entry *e, struct cluster_entry *ce)
{
	char *text = body_text(e->summary, e->content_html);

	memset(ce, 0, sizeof(*ce));
	ce->ref = e->seq;
	ce->id = e->entry_id;
	ce->url = e->link;
	ce->title = e->title;
	ce->text = text;
	ce->lang = e->language;
	ce->time = entry_time(e->published, e->first_seen);
	return text;
}

static int
restore_one(const struct store_entry *e, void *arg)
{
	struct rebuild *rb = arg;
	struct cluster_entry ce;
	uint64_t story;
	char *text;

	if (e->story_id == 0) {
		/* Stored before stories existed: clustered by catch_up(). */
		if (rb->norphans % 256 == 0)
			rb->orphans = xreallocarray(rb->orphans,
			    rb->norphans + 256, sizeof(*rb->orphans));
		rb->orphans[rb->norphans++] = e->seq;
		return SH_OK;
	}
	if (store_story_resolve(rb->rtx, e->story_id, &story) != SH_OK)
		story = e->story_id;
	text = entry_of(e, &ce);
	cluster_restore(rb->d->cl, &ce, story);
	free(text);
	rb->restored++;
	return SH_OK;
}

/* A new clusterer holding the window as the store has it. */
static int
rebuild(struct sheafd *d, struct store_rtx *rtx, struct rebuild *out)
{
	struct rebuild rb = {d, rtx, 0, NULL, 0};
	uint64_t next;
	int rc;

	if ((rc = store_story_next_id(rtx, &next)) != SH_OK)
		return rc;
	cluster_free(d->cl);
	d->cl = cluster_new(&d->cl_opts, next);
	rc = store_entry_foreach_since(rtx, time(NULL) - d->cl_opts.df_window,
	    restore_one, &rb);
	if (rc == SH_OK && cluster_next_story(d->cl) < next)
		rc = SH_EINVAL; /* cannot happen: restore only raises it */
	d->cl_restored = rb.restored;
	if (out != NULL)
		*out = rb;
	else
		free(rb.orphans);
	return rc;
}

/* One entry's story, decided by the story thread. */
struct story_rec {
	uint64_t seq;
	uint64_t story;
	uint64_t duplicate_of;
	uint32_t centrality;
	int64_t now;	      /* the entry's first_seen: the story's clock */
	bool created;	      /* the entry started the story */
	struct store_why why; /* reason is static, shared is owned */
	uint64_t *merged;     /* stories merged into story, owned */
	size_t nmerged;
};

/* The decisions on a batch, handed to the main thread to write. */
struct story_result {
	struct story_rec *v;
	size_t n, cap;
};

static void
result_clear(struct story_result *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		free(r->v[i].why.shared);
		free(r->v[i].merged);
	}
	r->n = 0;
}

/* Cluster one stored entry: the window takes it, rec says where. */
static void
decide(struct sheafd *d, const struct store_entry *e, struct story_rec *rec)
{
	struct cluster_assign a;
	struct cluster_entry ce;
	char *text = entry_of(e, &ce);

	cluster_add(d->cl, &ce, &a);
	free(text);

	memset(rec, 0, sizeof(*rec));
	rec->seq = e->seq;
	rec->story = a.story;
	rec->now = e->first_seen;
	rec->created = a.reason == CLUSTER_NEW;
	rec->duplicate_of = a.duplicate ? a.duplicate_of : 0;
	rec->centrality = a.reason == CLUSTER_NEW ? FOUNDER_CENTRALITY
			  : a.duplicate		  ? 0
						  : milli(a.text_sim);
	rec->why.reason = (char *)(uintptr_t)cluster_reason_name(a.reason);
	rec->why.score = milli(a.score);
	rec->why.text = milli(a.text_sim);
	rec->why.names = milli(a.names_sim);
	rec->why.shared = a.why[0] != '\0' ? xstrdup(a.why) : NULL;
	if (a.nmerged > 0) {
		rec->merged = xreallocarray(NULL, a.nmerged, sizeof(uint64_t));
		memcpy(rec->merged, a.merged, a.nmerged * sizeof(uint64_t));
		rec->nmerged = a.nmerged;
	}
}

int
timed_seq_cmp(const void *a, const void *b)
{
	const struct timed_seq *x = a, *y = b;

	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

/*
 * Cluster a batch of stored entries into r, from a read transaction: the
 * store is not held while the window works.  The window was dirty or
 * stale: it is first rebuilt from the store as last committed.
 */
static int
cluster_batch(struct sheafd *d, const uint64_t *seqs, size_t n,
    struct story_result *r)
{
	struct store_rtx *rtx;
	struct store_entry e;
	struct timed_seq *order = NULL;
	size_t i, m = 0;
	int rc;

	if ((rc = store_read_begin(d->st, &rtx)) != SH_OK)
		return rc;
	if (d->cl_dirty || d->cl == NULL) {
		if ((rc = rebuild(d, rtx, NULL)) != SH_OK)
			goto out;
		log_debug("stories: window rebuilt from the store (%zu "
			  "entries)",
		    d->cl_restored);
	}
	d->cl_dirty = true; /* until the main thread wrote r */
	/* The batch in the order of its entries' times, then arrival. */
	order = xreallocarray(NULL, n > 0 ? n : 1, sizeof(*order));
	for (i = 0; i < n; i++) {
		store_entry_init(&e);
		rc = store_entry_get(rtx, seqs[i], &e);
		if (rc == SH_OK && e.story_id == 0) {
			order[m].seq = seqs[i];
			order[m++].time = entry_time(e.published, e.first_seen);
		}
		store_entry_clear(&e);
		if (rc != SH_OK && rc != SH_ENOTFOUND)
			goto out;
		rc = SH_OK; /* deleted with its feed meanwhile */
	}
	qsort(order, m, sizeof(*order), timed_seq_cmp);
	for (i = 0; i < m; i++) {
		store_entry_init(&e);
		rc = store_entry_get(rtx, order[i].seq, &e);
		if (rc == SH_OK) {
			if (r->n == r->cap) {
				r->cap = r->cap ? r->cap * 2 : 64;
				r->v =
				    xreallocarray(r->v, r->cap, sizeof(*r->v));
			}
			decide(d, &e, &r->v[r->n++]);
		}
		store_entry_clear(&e);
		if (rc != SH_OK)
			goto out;
	}
out:
	free(order);
	store_read_end(rtx);
	store_release_pages(d->st); /* the entries just read */
	return rc;
}

/* Remember a story changed by this write, once. */
static void
changed(struct sheafd *d, uint64_t story, bool created)
{
	size_t i;

	for (i = 0; i < d->nchanged; i++) {
		if (d->changed[i].story == story) {
			d->changed[i].created |= created;
			return;
		}
	}
	if (d->nchanged == d->capchanged) {
		d->capchanged = d->capchanged ? d->capchanged * 2 : 64;
		d->changed = xreallocarray(d->changed, d->capchanged,
		    sizeof(*d->changed));
	}
	d->changed[d->nchanged].story = story;
	d->changed[d->nchanged].created = created;
	d->nchanged++;
}

/* Write the story thread's decisions: merges, then each entry's story. */
static int
result_write(struct store_wtx *wtx, void *arg)
{
	struct sheafd *d = arg;
	const struct story_result *r = d->story_res;
	struct store_story_join j;
	size_t i, k;
	int rc;

	d->nchanged = 0;
	for (i = 0; i < r->n; i++) {
		const struct story_rec *rec = &r->v[i];

		for (k = 0; k < rec->nmerged; k++) {
			rc = store_story_merge(wtx, rec->merged[k], rec->story,
			    rec->now);
			if (rc != SH_OK && rc != SH_ENOTFOUND)
				return rc;
			changed(d, rec->story, false);
		}
		memset(&j, 0, sizeof(j));
		j.story = rec->story;
		j.seq = rec->seq;
		j.duplicate_of = rec->duplicate_of;
		j.centrality = rec->centrality;
		j.why = &rec->why;
		rc = store_story_join(wtx, &j, rec->now);
		if (rc == SH_ENOTFOUND)
			continue; /* deleted with its feed meanwhile */
		if (rc != SH_OK)
			return rc;
		changed(d, rec->story, rec->created);
	}
	return SH_OK;
}

/* Announce the stories a committed write changed. */
static void
announce(struct sheafd *d)
{
	size_t i;

	pthread_mutex_lock(&d->lock);
	for (i = 0; i < d->nchanged; i++) {
		struct story_event *ev = &d->events[d->nevents % SHEAFD_EVENTS];

		ev->n = ++d->nevents;
		ev->story = d->changed[i].story;
		ev->created = d->changed[i].created;
	}
	if (d->nchanged > 0)
		pthread_cond_broadcast(&d->events_cond);
	pthread_mutex_unlock(&d->lock);
	d->nchanged = 0;
}

/*
 * The queue is story_q[story_qhead, story_qhead + story_qn): taking a batch
 * moves the head, so a long queue (a mass import) is not moved at every
 * batch; adding moves what is left to the front when it needs the room.
 */

/* Append seqs to the queue; under story_lock. */
static void
queue_add(struct sheafd *d, const uint64_t *seqs, size_t n)
{
	if (n == 0)
		return;
	if (d->story_qhead + d->story_qn + n > d->story_qcap &&
	    d->story_qhead > 0) {
		memmove(d->story_q, d->story_q + d->story_qhead,
		    d->story_qn * sizeof(*d->story_q));
		d->story_qhead = 0;
	}
	if (d->story_qn + n > d->story_qcap) {
		d->story_qcap = d->story_qn + n + d->story_qcap / 2 + 64;
		d->story_q = xreallocarray(d->story_q, d->story_qcap,
		    sizeof(*d->story_q));
	}
	memcpy(d->story_q + d->story_qhead + d->story_qn, seqs,
	    n * sizeof(*seqs));
	d->story_qn += n;
}

/* Take up to max seqs from the head of the queue; under story_lock. */
static size_t
queue_take(struct sheafd *d, uint64_t *seqs, size_t max)
{
	size_t n = d->story_qn < max ? d->story_qn : max;

	memcpy(seqs, d->story_q + d->story_qhead, n * sizeof(*seqs));
	d->story_qhead += n;
	d->story_qn -= n;
	if (d->story_qn == 0)
		d->story_qhead = 0;
	return n;
}

/* Put seqs back at the head of the queue; under story_lock. */
static void
queue_return(struct sheafd *d, const uint64_t *seqs, size_t n)
{
	if (d->story_qhead < n) {
		queue_add(d, seqs, n); /* the room, at the end */
		d->story_qn -= n;
		memmove(d->story_q + d->story_qhead + n,
		    d->story_q + d->story_qhead, d->story_qn * sizeof(*seqs));
		d->story_qhead += n;
	}
	d->story_qhead -= n;
	d->story_qn += n;
	memcpy(d->story_q + d->story_qhead, seqs, n * sizeof(*seqs));
}

int
story_open(struct sheafd *d)
{
	struct store_rtx *rtx;
	struct rebuild rb;
	int rc;

	d->cl_opts = d->story_opts = d->cfg.cluster;
	if ((rc = store_read_begin(d->st, &rtx)) != SH_OK)
		return rc;
	rc = rebuild(d, rtx, &rb);
	store_read_end(rtx);
	if (rc != SH_OK) {
		free(rb.orphans);
		return rc;
	}
	d->cl_dirty = false;
	log_info("stories: %zu entries of the last %lld days restored",
	    d->cl_restored, (long long)(d->cl_opts.df_window / 86400));
	if (rb.norphans > 0)
		log_info("stories: %zu entries without a story queued",
		    rb.norphans);
	queue_add(d, rb.orphans, rb.norphans);
	free(rb.orphans);
	d->story_res = xcalloc(1, sizeof(*d->story_res));
	return SH_OK;
}

/* Wake the main thread's loop. */
static void
wake_main(struct sheafd *d)
{
	uint64_t one = 1;

	if (write(d->ev_fd, &one, sizeof(one)) == -1 && errno != EAGAIN)
		log_warn("stories: eventfd");
}

/* Wait, under story_lock, until the queue stops growing for a while. */
static void
settle(struct sheafd *d)
{
	int64_t start = sh_monotonic_ms();
	struct timespec until;
	size_t seen;
	int rc;

	while (!d->story_stop && d->story_qn < STORY_BATCH) {
		seen = d->story_qn;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += STORY_SETTLE_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		rc = pthread_cond_timedwait(&d->story_cond, &d->story_lock,
		    &until);
		if ((rc == ETIMEDOUT && d->story_qn == seen) ||
		    sh_monotonic_ms() - start >= STORY_SETTLE_MAX_MS)
			break;
	}
}

/*
 * The story thread: takes a batch from the queue, clusters it, hands the
 * decisions to the main thread and waits until they are written.  A batch
 * that could not be written or decided goes back to the queue and the
 * window is rebuilt before the next one.
 */
static void *
story_main(void *arg)
{
	struct sheafd *d = arg;
	uint64_t *seqs = xreallocarray(NULL, STORY_BATCH, sizeof(*seqs));
	struct timespec until;
	size_t n;
	bool stale, ok;
	int rc;

	/* Linux gives each thread its own nice value. */
	if (setpriority(PRIO_PROCESS, (id_t)gettid(), STORY_NICE) == -1)
		log_debug("story thread: cannot lower its priority: %s",
		    strerror(errno));
	pthread_mutex_lock(&d->story_lock);
	for (;;) {
		while (d->story_qn == 0 && !d->story_stop)
			pthread_cond_wait(&d->story_cond, &d->story_lock);
		settle(d);
		if (d->story_stop)
			break;
		n = queue_take(d, seqs, STORY_BATCH);
		d->story_busy = n;
		if ((stale = d->story_stale)) {
			d->cl_opts = d->story_opts;
			d->story_stale = false;
		}
		pthread_mutex_unlock(&d->story_lock);

		if (stale)
			d->cl_dirty = true;
		result_clear(d->story_res);
		rc = cluster_batch(d, seqs, n, d->story_res);
		if (rc != SH_OK)
			log_warnx("stories: cannot read %zu new entries: %s", n,
			    store_strerror(rc));

		pthread_mutex_lock(&d->story_lock);
		ok = rc == SH_OK;
		if (ok && d->story_res->n > 0) {
			d->story_state = STORY_READY;
			wake_main(d);
			while (d->story_state == STORY_READY && !d->story_stop)
				pthread_cond_wait(&d->story_cond,
				    &d->story_lock);
			ok = d->story_state == STORY_WRITTEN;
			d->story_state = STORY_IDLE;
		}
		d->story_busy = 0;
		if (ok) {
			d->cl_dirty = false;
			continue;
		}
		if (d->story_stop)
			break;
		/* Back at the head of the queue, after a pause. */
		queue_return(d, seqs, n);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += STORY_RETRY;
		while (
		    !d->story_stop && pthread_cond_timedwait(&d->story_cond,
					  &d->story_lock, &until) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&d->story_lock);
	free(seqs);
	return NULL;
}

void
story_flush(struct sheafd *d)
{
	char *err = NULL;
	size_t n;
	int rc;

	pthread_mutex_lock(&d->story_lock);
	if (d->story_state != STORY_READY) {
		pthread_mutex_unlock(&d->story_lock);
		return;
	}
	pthread_mutex_unlock(&d->story_lock);
	/* The story thread waits: the result is this thread's until then. */
	n = d->story_res->n;
	rc = sheafd_write(d, result_write, d, &err);
	if (rc == SH_OK)
		announce(d);
	else if (rc != SH_EIO) /* the store's failure: logged there */
		log_warnx("stories: cannot store the stories of %zu new "
			  "entries: %s; trying again in %d s",
		    n, err != NULL ? err : store_strerror(rc), STORY_RETRY);
	free(err);
	pthread_mutex_lock(&d->story_lock);
	d->story_state = rc == SH_OK ? STORY_WRITTEN : STORY_FAILED;
	pthread_cond_signal(&d->story_cond);
	pthread_mutex_unlock(&d->story_lock);
}

int
story_start(struct sheafd *d)
{
	if (pthread_create(&d->story_thread, NULL, story_main, d) != 0)
		return SH_EIO;
	/* As ps -L and top -H show it. */
	pthread_setname_np(d->story_thread, "sheafd-story");
	d->story_running = true;
	return SH_OK;
}

void
story_stop(struct sheafd *d)
{
	if (d->story_running) {
		pthread_mutex_lock(&d->story_lock);
		d->story_stop = true;
		pthread_cond_signal(&d->story_cond);
		pthread_mutex_unlock(&d->story_lock);
		pthread_join(d->story_thread, NULL);
		d->story_running = false;
		if (d->story_qn + d->story_busy > 0)
			log_info("stories: %zu new entries left for the next "
				 "start",
			    d->story_qn + d->story_busy);
	}
	if (d->story_res != NULL) {
		result_clear(d->story_res);
		free(d->story_res->v);
		free(d->story_res);
		d->story_res = NULL;
	}
}

void
story_new_reset(struct sheafd *d)
{
	d->story_nnew = 0;
}

void
story_new_add(struct sheafd *d, uint64_t seq)
{
	if (d->story_nnew == d->story_capnew) {
		d->story_capnew = d->story_capnew ? d->story_capnew * 2 : 256;
		d->story_new = xreallocarray(d->story_new, d->story_capnew,
		    sizeof(*d->story_new));
	}
	d->story_new[d->story_nnew++] = seq;
}

void
story_new_commit(struct sheafd *d, int rc)
{
	if (rc == SH_OK && d->story_nnew > 0) {
		pthread_mutex_lock(&d->story_lock);
		queue_add(d, d->story_new, d->story_nnew);
		pthread_cond_signal(&d->story_cond);
		pthread_mutex_unlock(&d->story_lock);
	}
	d->story_nnew = 0;
}

void
story_invalidate(struct sheafd *d)
{
	pthread_mutex_lock(&d->story_lock);
	d->story_stale = true;
	d->story_opts = d->cfg.cluster;
	pthread_mutex_unlock(&d->story_lock);
}

size_t
story_pending(struct sheafd *d)
{
	size_t n;

	pthread_mutex_lock(&d->story_lock);
	n = d->story_qn + d->story_busy;
	pthread_mutex_unlock(&d->story_lock);
	return n;
}
