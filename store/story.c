/* SPDX-License-Identifier: MIT */
/* Stories: the deduplicator's decisions, kept beside the entries. */
#include <stdlib.h>
#include <string.h>

#include "store_db.h"

/*
 * Design.
 *
 *   stories        story id (8)              -> story record
 *   story_entries  story id (8) + seq (8)    -> empty
 *   story_time     updated (8) + story id (8) -> empty
 *   meta           "next_story" -> u64
 *
 * A story's record counts its entries, remembers its languages (with the
 * most central entry of each, for a headline in the reader's language)
 * and its sources.  story_time lists the live stories by last update, for
 * readers; a story merged into another keeps its record, with merged_into
 * set and no entries, so that its id resolves to the survivor forever.
 *
 * Invariants (story_check()): every entry with a story has its
 * story_entries key and every key names such an entry; a live story's
 * entry count equals its keys and it has exactly its story_time key; a
 * merged story has neither.
 */

#define STORY_KEY_LEN 16
/* Merges followed before an id is called a loop. */
#define RESOLVE_MAX 64
/* Story keys one listing call looks at before it returns a page. */
#define LIST_SCAN_MAX 100000u

static void
pair_key(uint8_t *k, uint64_t a, uint64_t b)
{
	be64_put(k, a);
	be64_put(k + 8, b);
}

static void
time_key(uint8_t *k, const struct store_story *st)
{
	time_put(k, st->updated);
	be64_put(k + 8, st->id);
}

static int
story_load(struct store_rtx *r, uint64_t id, struct store_story *out)
{
	uint8_t k[8];
	MDB_val v;
	int rc;

	be64_put(k, id);
	if ((rc = db_get(r, DB_STORIES, k, 8, &v)) != SH_OK)
		return rc;
	return rec_story_decode(v.mv_data, v.mv_size, out);
}

static int
story_save(struct store_wtx *w, const struct store_story *st)
{
	uint8_t k[8];
	int rc;

	if ((rc = rec_story_encode(st, &w->buf)) != SH_OK)
		return rc;
	be64_put(k, st->id);
	return db_put(w, DB_STORIES, k, 8, w->buf.data, w->buf.len, 0);
}

static int
entry_save(struct store_wtx *w, const struct store_entry *e)
{
	uint8_t k[8];
	int rc;

	if ((rc = rec_entry_encode(e, &w->buf)) != SH_OK)
		return rc;
	be64_put(k, e->seq);
	return db_put(w, DB_ENTRIES, k, 8, w->buf.data, w->buf.len, 0);
}

static int
del_ok(int rc)
{
	return rc == SH_ENOTFOUND ? SH_OK : rc;
}

/* Move a live story's story_time key to its new updated time. */
static int
retime(struct store_wtx *w, struct store_story *st, int64_t updated)
{
	uint8_t k[STORY_KEY_LEN];
	int rc;

	if (st->updated != 0) {
		time_key(k, st);
		if ((rc = del_ok(db_del(w, DB_STORY_TIME, k, sizeof(k)))) !=
		    SH_OK)
			return rc;
	}
	if (updated > st->updated)
		st->updated = updated;
	time_key(k, st);
	return db_put(w, DB_STORY_TIME, k, sizeof(k), "", 0, 0);
}

int
store_story_resolve(struct store_rtx *rtx, uint64_t id, uint64_t *out)
{
	struct store_story st;
	int hops, rc;

	for (hops = 0; hops < RESOLVE_MAX; hops++) {
		store_story_init(&st);
		if ((rc = story_load(rtx, id, &st)) != SH_OK)
			return rc;
		if (st.merged_into == 0) {
			store_story_clear(&st);
			*out = id;
			return SH_OK;
		}
		id = st.merged_into;
		store_story_clear(&st);
	}
	return SH_EINVAL;
}

int
store_story_get(struct store_rtx *rtx, uint64_t id, struct store_story *out)
{
	int rc;

	if ((rc = store_story_resolve(rtx, id, &id)) != SH_OK)
		return rc;
	return story_load(rtx, id, out);
}

int
store_story_next_id(struct store_rtx *rtx, uint64_t *out)
{
	int rc = meta_get_u64(rtx, "next_story", out);

	if (rc == SH_ENOTFOUND) {
		*out = 1;
		return SH_OK;
	}
	return rc;
}

/* The primary subtag, lower case, at most 15 bytes; "" when unknown. */
static void
lang_of(const char *tag, char *out)
{
	size_t i = 0;

	while (tag != NULL && tag[i] != '\0' && tag[i] != '-' &&
	       tag[i] != '_' && i < 15) {
		out[i] = (char)(tag[i] >= 'A' && tag[i] <= 'Z' ? tag[i] | 0x20
							       : tag[i]);
		i++;
	}
	out[i] = '\0';
}

static struct store_story_lang *
lang_slot(struct store_story *st, const char *lang)
{
	struct store_story_lang *l;
	size_t i;

	for (i = 0; i < st->nlangs; i++)
		if (strcmp(st->langs[i].lang, lang) == 0)
			return &st->langs[i];
	st->langs = xreallocarray(st->langs, st->nlangs + 1, sizeof(*l));
	l = &st->langs[st->nlangs++];
	memset(l, 0, sizeof(*l));
	l->lang = xstrdup(lang);
	return l;
}

/* Keep the languages with most entries first (a handful: insertion). */
static void
langs_sort(struct store_story *st)
{
	size_t i, j;

	for (i = 1; i < st->nlangs; i++) {
		struct store_story_lang x = st->langs[i];

		for (j = i; j > 0 && st->langs[j - 1].entries < x.entries; j--)
			st->langs[j] = st->langs[j - 1];
		st->langs[j] = x;
	}
}

static void
lang_add(struct store_story *st, const char *lang, uint32_t entries,
    uint64_t best_seq, uint32_t best_score)
{
	struct store_story_lang *l = lang_slot(st, lang);

	l->entries += entries;
	if (best_seq != 0 && (l->best_seq == 0 || best_score > l->best_score)) {
		l->best_seq = best_seq;
		l->best_score = best_score;
	}
	langs_sort(st);
}

static void
feed_add(struct store_story *st, uint64_t feed)
{
	size_t i;

	for (i = 0; i < st->nfeeds; i++)
		if (st->feeds[i] == feed)
			return;
	if (st->nfeeds >= STORE_STORY_FEEDS)
		return;
	st->feeds =
	    xreallocarray(st->feeds, st->nfeeds + 1, sizeof(*st->feeds));
	st->feeds[st->nfeeds++] = feed;
}

static int
bump_next(struct store_wtx *w, uint64_t id)
{
	uint64_t next;
	int rc;

	if ((rc = store_story_next_id(&w->r, &next)) != SH_OK)
		return rc;
	if (id < next)
		return SH_OK;
	return meta_put_u64(w, "next_story", id + 1);
}

static void
why_copy(struct store_why *dst, const struct store_why *src)
{
	free(dst->reason);
	free(dst->shared);
	memset(dst, 0, sizeof(*dst));
	if (src == NULL)
		return;
	*dst = *src;
	dst->reason = src->reason ? xstrdup(src->reason) : NULL;
	dst->shared = src->shared ? xstrdup(src->shared) : NULL;
}

int
store_story_join(struct store_wtx *wtx, const struct store_story_join *j,
    int64_t now)
{
	struct store_entry e;
	struct store_story st;
	uint8_t k[STORY_KEY_LEN];
	char lang[16];
	uint64_t id;
	int rc;

	store_entry_init(&e);
	store_story_init(&st);
	if (j->story == 0) {
		rc = SH_EINVAL;
		goto out;
	}
	if ((rc = entry_load(&wtx->r, j->seq, &e)) != SH_OK)
		goto out;
	rc = store_story_resolve(&wtx->r, j->story, &id);
	if (rc == SH_ENOTFOUND) {
		id = j->story;
		st.id = id;
		st.first_seen = now;
	} else if (rc != SH_OK || (rc = story_load(&wtx->r, id, &st)) != SH_OK)
		goto out;
	if (e.story_id != 0 && e.story_id != id &&
	    (rc = story_entry_removed(wtx, &e)) != SH_OK)
		goto out;
	if (e.story_id != id) {
		pair_key(k, id, e.seq);
		if ((rc = db_put(wtx, DB_STORY_ENTRIES, k, sizeof(k), "", 0,
			 0)) != SH_OK)
			goto out;
		st.entries++;
		lang_of(e.language, lang);
		lang_add(&st, lang, 1, e.seq, j->centrality);
		feed_add(&st, e.feed_id);
	}
	e.story_id = id;
	e.duplicate_of = j->duplicate_of;
	why_copy(&e.why, j->why);
	/* Growing after it was read, even within the second, is news. */
	if (st.read_at != 0 && now <= st.read_at)
		now = st.read_at + 1;
	if ((rc = entry_save(wtx, &e)) != SH_OK ||
	    (rc = retime(wtx, &st, now)) != SH_OK ||
	    (rc = story_save(wtx, &st)) != SH_OK)
		goto out;
	rc = bump_next(wtx, id);
out:
	store_entry_clear(&e);
	store_story_clear(&st);
	return rc;
}

int
store_story_entries(struct store_rtx *rtx, uint64_t id, size_t max,
    uint64_t **out, size_t *n)
{
	MDB_cursor *c = NULL;
	uint8_t k[STORY_KEY_LEN];
	MDB_val key, v;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = cursor_open(rtx, DB_STORY_ENTRIES, &c)) != SH_OK)
		return rc;
	pair_key(k, id, 0);
	key = mval(k, sizeof(k));
	for (rc = cursor_get(rtx, c, &key, &v, MDB_SET_RANGE);
	     rc == SH_OK && *n < max;
	     rc = cursor_get(rtx, c, &key, &v, MDB_NEXT)) {
		if (key.mv_size != STORY_KEY_LEN || be64_get(key.mv_data) != id)
			break;
		if (*n % 64 == 0)
			*out = xreallocarray(*out, *n + 64, sizeof(**out));
		(*out)[(*n)++] = be64_get((const uint8_t *)key.mv_data + 8);
	}
	mdb_cursor_close(c);
	if (rc == SH_ENOTFOUND)
		rc = SH_OK;
	if (rc != SH_OK) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

/* Move every entry of story from into story into (both resolved). */
static int
move_entries(struct store_wtx *w, uint64_t from, uint64_t into)
{
	struct store_entry e;
	uint8_t k[STORY_KEY_LEN];
	uint64_t *seqs;
	size_t n, i;
	int rc;

	if ((rc = store_story_entries(&w->r, from, SIZE_MAX, &seqs, &n)) !=
	    SH_OK)
		return rc;
	for (i = 0; i < n && rc == SH_OK; i++) {
		store_entry_init(&e);
		pair_key(k, from, seqs[i]);
		if ((rc = del_ok(db_del(w, DB_STORY_ENTRIES, k, sizeof(k)))) !=
		    SH_OK)
			break;
		pair_key(k, into, seqs[i]);
		if ((rc = db_put(w, DB_STORY_ENTRIES, k, sizeof(k), "", 0,
			 0)) != SH_OK)
			break;
		rc = entry_load(&w->r, seqs[i], &e);
		if (rc == SH_OK) {
			e.story_id = into;
			rc = entry_save(w, &e);
		} else if (rc == SH_ENOTFOUND) {
			rc = SH_OK;
		}
		store_entry_clear(&e);
	}
	free(seqs);
	return rc;
}

int
store_story_merge(struct store_wtx *wtx, uint64_t from, uint64_t into,
    int64_t now)
{
	struct store_story a, b;
	uint8_t k[STORY_KEY_LEN];
	size_t i;
	int rc;

	store_story_init(&a);
	store_story_init(&b);
	if ((rc = store_story_resolve(&wtx->r, from, &from)) != SH_OK ||
	    (rc = store_story_resolve(&wtx->r, into, &into)) != SH_OK)
		goto out;
	if (from == into)
		goto out;
	if ((rc = story_load(&wtx->r, into, &a)) != SH_OK ||
	    (rc = story_load(&wtx->r, from, &b)) != SH_OK ||
	    (rc = move_entries(wtx, from, into)) != SH_OK)
		goto out;
	a.entries += b.entries;
	for (i = 0; i < b.nlangs; i++)
		lang_add(&a, b.langs[i].lang, b.langs[i].entries,
		    b.langs[i].best_seq, b.langs[i].best_score);
	for (i = 0; i < b.nfeeds; i++)
		feed_add(&a, b.feeds[i]);
	if (b.first_seen != 0 && b.first_seen < a.first_seen)
		a.first_seen = b.first_seen;
	if ((rc = retime(wtx, &a, now > b.updated ? now : b.updated)) !=
		SH_OK ||
	    (rc = story_save(wtx, &a)) != SH_OK)
		goto out;
	/* The merged story stays as an alias: no entries, no listing. */
	time_key(k, &b);
	if ((rc = del_ok(db_del(wtx, DB_STORY_TIME, k, sizeof(k)))) != SH_OK)
		goto out;
	store_story_clear(&b);
	b.id = from;
	b.merged_into = into;
	rc = story_save(wtx, &b);
out:
	store_story_clear(&a);
	store_story_clear(&b);
	return rc;
}

int
story_entry_removed(struct store_wtx *w, const struct store_entry *e)
{
	struct store_story st;
	struct store_story_lang *l;
	uint8_t k[STORY_KEY_LEN];
	char lang[16];
	int rc;

	if (e->story_id == 0)
		return SH_OK;
	pair_key(k, e->story_id, e->seq);
	if ((rc = db_del(w, DB_STORY_ENTRIES, k, sizeof(k))) != SH_OK)
		return del_ok(rc);
	store_story_init(&st);
	if ((rc = story_load(&w->r, e->story_id, &st)) != SH_OK) {
		rc = del_ok(rc);
		goto out;
	}
	if (st.entries > 0)
		st.entries--;
	lang_of(e->language, lang);
	l = lang_slot(&st, lang);
	if (l->entries > 0)
		l->entries--;
	if (l->best_seq == e->seq)
		l->best_seq = l->best_score = 0;
	if (st.entries > 0) {
		rc = story_save(w, &st);
		goto out;
	}
	/* Its last entry went: so does the story (ids merged into it then
	 * resolve to nothing, as the story itself does). */
	time_key(k, &st);
	if ((rc = del_ok(db_del(w, DB_STORY_TIME, k, sizeof(k)))) != SH_OK)
		goto out;
	be64_put(k, st.id);
	rc = del_ok(db_del(w, DB_STORIES, k, 8));
out:
	store_story_clear(&st);
	return rc;
}

int
store_story_mark_read(struct store_wtx *wtx, uint64_t id, int64_t now,
    size_t *marked)
{
	struct store_story st;
	struct store_entry e;
	uint64_t *seqs = NULL;
	size_t n = 0, i, done = 0;
	int rc;

	store_story_init(&st);
	if ((rc = store_story_get(&wtx->r, id, &st)) != SH_OK)
		goto out;
	st.read_at = now > st.updated ? now : st.updated;
	if ((rc = story_save(wtx, &st)) != SH_OK ||
	    (rc = store_story_entries(&wtx->r, st.id, SIZE_MAX, &seqs, &n)) !=
		SH_OK)
		goto out;
	for (i = 0; i < n && rc == SH_OK; i++) {
		store_entry_init(&e);
		rc = entry_load(&wtx->r, seqs[i], &e);
		if (rc == SH_OK && !(e.flags & STORE_ENTRY_READ)) {
			e.flags |= STORE_ENTRY_READ;
			rc = entry_save(wtx, &e);
			done++;
		} else if (rc == SH_ENOTFOUND) {
			rc = SH_OK;
		}
		store_entry_clear(&e);
	}
	if (marked != NULL)
		*marked = done;
out:
	free(seqs);
	store_story_clear(&st);
	return rc;
}

static bool
story_matches(const struct store_story *st, const struct store_story_query *q)
{
	char lang[16];
	size_t i;

	if (q->min_sources > 0 && st->nfeeds < q->min_sources)
		return false;
	if (q->unread && st->read_at >= st->updated)
		return false;
	if (q->lang == NULL || *q->lang == '\0')
		return true;
	lang_of(q->lang, lang);
	for (i = 0; i < st->nlangs; i++)
		if (st->langs[i].entries > 0 &&
		    strcmp(st->langs[i].lang, lang) == 0)
			return true;
	return false;
}

static void
page_add(struct store_story_page *p, struct store_story *st)
{
	if (p->n % 16 == 0)
		p->v = xreallocarray(p->v, p->n + 16, sizeof(*p->v));
	p->v[p->n++] = *st;
	store_story_init(st);
}

int
store_story_list(struct store_rtx *rtx, const struct store_story_query *q,
    struct store_story_page *out)
{
	size_t limit = q->limit == 0		   ? STORE_LIST_DEFAULT
		       : q->limit > STORE_LIST_MAX ? STORE_LIST_MAX
						   : q->limit;
	struct store_story_page page = {0};
	struct store_story st;
	MDB_cursor *c = NULL;
	uint8_t pos[STORY_KEY_LEN];
	MDB_val k, v;
	unsigned scanned = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (q->cursor != NULL && *q->cursor != '\0' &&
	    !cursor_parse(q->cursor, 's', pos))
		return SH_EINVAL;
	if ((rc = cursor_open(rtx, DB_STORY_TIME, &c)) != SH_OK)
		return rc;
	if (q->cursor != NULL && *q->cursor != '\0') {
		/* Start just before the last key of the previous page. */
		k = mval(pos, sizeof(pos));
		rc = cursor_get(rtx, c, &k, &v, MDB_SET_RANGE);
		if (rc == SH_OK)
			rc = cursor_get(rtx, c, &k, &v, MDB_PREV);
		else if (rc == SH_ENOTFOUND)
			rc = cursor_get(rtx, c, &k, &v, MDB_LAST);
	} else {
		rc = cursor_get(rtx, c, &k, &v, MDB_LAST);
	}
	for (; rc == SH_OK; rc = cursor_get(rtx, c, &k, &v, MDB_PREV)) {
		if (k.mv_size != STORY_KEY_LEN)
			continue;
		if (q->since != FEED_TIME_NONE &&
		    time_get(k.mv_data) < q->since)
			break;
		if (page.n == limit || ++scanned > LIST_SCAN_MAX) {
			/* More remain: the cursor is the last key taken. */
			cursor_format(page.next_cursor, 's', pos);
			break;
		}
		memcpy(pos, k.mv_data, sizeof(pos));
		store_story_init(&st);
		rc = story_load(rtx, be64_get((const uint8_t *)k.mv_data + 8),
		    &st);
		if (rc == SH_OK && story_matches(&st, q))
			page_add(&page, &st);
		store_story_clear(&st);
		if (rc != SH_OK && rc != SH_ENOTFOUND)
			break;
	}
	mdb_cursor_close(c);
	if (rc == SH_ENOTFOUND)
		rc = SH_OK;
	if (rc != SH_OK) {
		store_story_page_clear(&page);
		return rc;
	}
	*out = page;
	return SH_OK;
}

void
store_story_page_clear(struct store_story_page *page)
{
	size_t i;

	for (i = 0; i < page->n; i++)
		store_story_clear(&page->v[i]);
	free(page->v);
	memset(page, 0, sizeof(*page));
}

/* store_check() of the story databases. */

static void
check_story_entry_key(struct check *ck, const MDB_val *k)
{
	struct store_entry e;
	uint64_t story, seq;

	if (k->mv_size != STORY_KEY_LEN) {
		problem(ck, "story_entries: key of %zu bytes", k->mv_size);
		return;
	}
	story = be64_get(k->mv_data);
	seq = be64_get((const uint8_t *)k->mv_data + 8);
	store_entry_init(&e);
	if (entry_load(ck->r, seq, &e) != SH_OK)
		problem(ck, "story %llu: lists missing entry %llu",
		    (unsigned long long)story, (unsigned long long)seq);
	else if (e.story_id != story)
		problem(ck, "story %llu: lists entry %llu of story %llu",
		    (unsigned long long)story, (unsigned long long)seq,
		    (unsigned long long)e.story_id);
	store_entry_clear(&e);
}

static void
check_story(struct check *ck, const MDB_val *k, const MDB_val *v)
{
	struct store_story st;
	uint8_t tk[STORY_KEY_LEN];
	uint64_t *seqs;
	size_t n;

	store_story_init(&st);
	if (k->mv_size != 8 ||
	    rec_story_decode(v->mv_data, v->mv_size, &st) != SH_OK ||
	    st.id != be64_get(k->mv_data)) {
		problem(ck, "stories: a record does not decode");
		goto out;
	}
	if (store_story_entries(ck->r, st.id, SIZE_MAX, &seqs, &n) != SH_OK)
		goto out;
	free(seqs);
	time_key(tk, &st);
	if (st.merged_into != 0) {
		if (n != 0)
			problem(ck, "story %llu: merged but lists %zu entries",
			    (unsigned long long)st.id, n);
		if (has_key(ck, DB_STORY_TIME, tk, sizeof(tk), NULL))
			problem(ck, "story %llu: merged but listed",
			    (unsigned long long)st.id);
		goto out;
	}
	if (n != st.entries)
		problem(ck, "story %llu: counts %u entries, lists %zu",
		    (unsigned long long)st.id, st.entries, n);
	if (!has_key(ck, DB_STORY_TIME, tk, sizeof(tk), NULL))
		problem(ck, "story %llu: no story_time key",
		    (unsigned long long)st.id);
out:
	store_story_clear(&st);
}

void
story_check(struct check *ck)
{
	MDB_cursor *c = NULL;
	MDB_val k, v;
	uint64_t live = 0, next = 0;
	int rc;

	if (cursor_open(ck->r, DB_STORY_ENTRIES, &c) == SH_OK) {
		for (rc = cursor_get(ck->r, c, &k, &v, MDB_FIRST); rc == SH_OK;
		     rc = cursor_get(ck->r, c, &k, &v, MDB_NEXT))
			check_story_entry_key(ck, &k);
		mdb_cursor_close(c);
	}
	if (cursor_open(ck->r, DB_STORIES, &c) == SH_OK) {
		for (rc = cursor_get(ck->r, c, &k, &v, MDB_FIRST); rc == SH_OK;
		     rc = cursor_get(ck->r, c, &k, &v, MDB_NEXT)) {
			struct store_story st;

			check_story(ck, &k, &v);
			store_story_init(&st);
			if (rec_story_decode(v.mv_data, v.mv_size, &st) ==
				SH_OK &&
			    st.merged_into == 0)
				live++;
			if (st.id >= next)
				next = st.id + 1;
			store_story_clear(&st);
		}
		mdb_cursor_close(c);
	}
	if (db_count(ck, DB_STORY_TIME) != live)
		problem(ck, "story_time has %llu keys for %llu stories",
		    (unsigned long long)db_count(ck, DB_STORY_TIME),
		    (unsigned long long)live);
	if (next > 0) {
		uint64_t have = 0;

		if (store_story_next_id(ck->r, &have) != SH_OK || have < next)
			problem(ck, "meta: next story id %llu is not past %llu",
			    (unsigned long long)have,
			    (unsigned long long)(next - 1));
	}
}

int
store_entry_foreach_since(struct store_rtx *rtx, int64_t since,
    int (*fn)(const struct store_entry *e, void *arg), void *arg)
{
	struct store_entry e;
	MDB_cursor *c = NULL;
	uint8_t k0[16];
	MDB_val k, v;
	int rc, frc = SH_OK;

	if ((rc = cursor_open(rtx, DB_ENTRY_AGE, &c)) != SH_OK)
		return rc;
	time_put(k0, since);
	be64_put(k0 + 8, 0);
	k = mval(k0, sizeof(k0));
	for (rc = cursor_get(rtx, c, &k, &v, MDB_SET_RANGE); rc == SH_OK;
	     rc = cursor_get(rtx, c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != 16)
			continue;
		store_entry_init(&e);
		rc = entry_load(rtx, be64_get((const uint8_t *)k.mv_data + 8),
		    &e);
		if (rc == SH_OK)
			frc = fn(&e, arg);
		store_entry_clear(&e);
		if (rc != SH_OK && rc != SH_ENOTFOUND)
			break;
		rc = SH_OK;
		if (frc != SH_OK)
			break;
	}
	mdb_cursor_close(c);
	if (rc == SH_ENOTFOUND)
		rc = SH_OK;
	return rc != SH_OK ? rc : frc;
}
