/* SPDX-License-Identifier: MIT */
/* Stories at ingest: the deduplicator beside the store's writer. */

/*
 * The clusterer's in-memory window is a cache of the store.  It is built
 * from the store at start (story_open) and then follows every write that
 * adds entries: each new entry is clustered inside the same store_write()
 * callback that inserts it, and its story, evidence and any merge are
 * written in that transaction.
 *
 * store_write() may run a callback twice (the map grew) and a batch that
 * fails is written again feed by feed, so the clusterer can hold entries
 * of a transaction that never committed.  So the clusterer is marked
 * dirty when a callback starts and clean when its write commits; a
 * callback that finds it dirty rebuilds it from the store first, which
 * inside the callback means from the last commit.  Rebuilds are rare (a
 * map growth, a full disk) and cost one read of the window.
 *
 * Stories that changed in a write are announced to /v1/events only after
 * the write committed.
 */

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common.h"
#include "sheafd.h"

/* Centrality of a story's first entry, before anything compared to it. */
#define FOUNDER_CENTRALITY 500u
/* Bytes of an entry's body the clusterer reads. */
#define STORY_TEXT_MAX (64u * 1024)

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
	text = body_text(e->summary, e->content_html);
	memset(&ce, 0, sizeof(ce));
	ce.ref = e->seq;
	ce.id = e->entry_id;
	ce.url = e->link;
	ce.title = e->title;
	ce.text = text;
	ce.lang = e->language;
	ce.time = entry_time(e->published, e->first_seen);
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
	d->cl = cluster_new(&d->cfg.cluster, next);
	rc = store_entry_foreach_since(rtx,
	    time(NULL) - d->cfg.cluster.df_window, restore_one, &rb);
	if (rc == SH_OK && cluster_next_story(d->cl) < next)
		rc = SH_EINVAL; /* cannot happen: restore only raises it */
	d->cl_restored = rb.restored;
	if (out != NULL)
		*out = rb;
	else
		free(rb.orphans);
	return rc;
}

struct catch_up {
	struct sheafd *d;
	const uint64_t *seqs;
	size_t n;
	int64_t now;
};

/* Cluster the entries of the window that have no story yet. */
static int
catch_up_cb(struct store_wtx *wtx, void *arg)
{
	struct catch_up *cu = arg;
	struct store_entry e;
	struct feed_entry fe;
	size_t i;
	int rc;

	if ((rc = story_write_begin(cu->d, wtx)) != SH_OK)
		return rc;
	for (i = 0; i < cu->n; i++) {
		store_entry_init(&e);
		rc = store_entry_get(store_wtx_reader(wtx), cu->seqs[i], &e);
		if (rc == SH_OK) {
			memset(&fe, 0, sizeof(fe));
			fe.id = e.entry_id;
			fe.title = e.title;
			fe.link = e.link;
			fe.summary = e.summary;
			fe.content_html = e.content_html;
			fe.language = e.language;
			fe.published = e.published;
			rc = story_ingest(cu->d, wtx, e.seq, &fe, NULL,
			    e.first_seen);
		} else if (rc == SH_ENOTFOUND) {
			rc = SH_OK;
		}
		store_entry_clear(&e);
		if (rc != SH_OK)
			return rc;
	}
	return SH_OK;
}

int
story_open(struct sheafd *d)
{
	struct store_rtx *rtx;
	int rc;

	struct rebuild rb;
	struct catch_up cu;
	char *err = NULL;

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
	    d->cl_restored, (long long)(d->cfg.cluster.df_window / 86400));
	if (rb.norphans > 0) {
		cu.d = d;
		cu.seqs = rb.orphans;
		cu.n = rb.norphans;
		cu.now = time(NULL);
		rc = sheafd_write(d, catch_up_cb, &cu, &err);
		story_write_end(d, rc);
		if (rc == SH_OK)
			log_info("stories: %zu entries without a story "
				 "clustered",
			    rb.norphans);
		else
			log_warnx("stories: cannot cluster %zu entries: %s",
			    rb.norphans, err ? err : store_strerror(rc));
		free(err);
		rc = SH_OK; /* the daemon runs; they wait for next start */
	}
	free(rb.orphans);
	return rc;
}

int
story_write_begin(struct sheafd *d, struct store_wtx *wtx)
{
	int rc;

	d->nchanged = 0;
	if (d->cl_dirty || d->cl == NULL) {
		if ((rc = rebuild(d, store_wtx_reader(wtx), NULL)) != SH_OK)
			return rc;
		/* Debug only: it follows every failed write, and a failing
		 * store is logged once where it fails. */
		log_debug("stories: window rebuilt from the store (%zu "
			  "entries)",
		    d->cl_restored);
	}
	d->cl_dirty = true;
	return SH_OK;
}

void
story_write_end(struct sheafd *d, int rc)
{
	size_t i;

	if (rc != SH_OK)
		return; /* stays dirty: the next write rebuilds */
	d->cl_dirty = false;
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

int
story_ingest(struct sheafd *d, struct store_wtx *wtx, uint64_t seq,
    const struct feed_entry *fe, const char *doc_lang, int64_t now)
{
	struct store_story_join j;
	struct cluster_assign a;
	struct cluster_entry ce;
	struct store_why why;
	char *text = body_text(fe->summary, fe->content_html);
	size_t i;
	int rc;

	memset(&ce, 0, sizeof(ce));
	ce.ref = seq;
	ce.id = fe->id;
	ce.url = fe->link;
	ce.title = fe->title;
	ce.text = text;
	ce.lang = fe->language != NULL ? fe->language : doc_lang;
	ce.time = entry_time(fe->published, now);
	cluster_add(d->cl, &ce, &a);
	free(text);

	for (i = 0; i < a.nmerged; i++) {
		if ((rc = store_story_merge(wtx, a.merged[i], a.story, now)) !=
			SH_OK &&
		    rc != SH_ENOTFOUND)
			return rc;
		changed(d, a.story, false);
	}
	memset(&why, 0, sizeof(why));
	why.reason = (char *)(uintptr_t)cluster_reason_name(a.reason);
	why.score = milli(a.score);
	why.text = milli(a.text_sim);
	why.names = milli(a.names_sim);
	why.shared = a.why[0] != '\0' ? a.why : NULL;
	memset(&j, 0, sizeof(j));
	j.story = a.story;
	j.seq = seq;
	j.duplicate_of = a.duplicate ? a.duplicate_of : 0;
	j.centrality = a.reason == CLUSTER_NEW ? FOUNDER_CENTRALITY
		       : a.duplicate	       ? 0
					       : milli(a.text_sim);
	j.why = &why;
	if ((rc = store_story_join(wtx, &j, now)) != SH_OK)
		return rc;
	changed(d, a.story, a.reason == CLUSTER_NEW);
	return SH_OK;
}
