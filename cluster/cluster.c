/* SPDX-License-Identifier: MIT */
/*
 * Streaming story clustering.
 *
 * Each entry becomes two TF-IDF vectors over the window's document
 * frequencies: all its terms (words, name keys, numbers), and only the
 * language-independent ones (name keys and numbers).  A story keeps the sum
 * of its entries' vectors -- a centroid in each space -- and the inverted
 * index maps each term to the open stories that hold it, so an entry is
 * compared with the few stories it shares terms with, never with all.
 *
 * An entry joins the best story when its word cosine passes the text
 * threshold (and it shares at least some names: "Hurricane Ian" is not
 * "Hurricane Fiona"), or when its names cosine passes the names threshold
 * (a lower one across languages, where names and numbers are all that can
 * match).  A story that has just grown is compared with the other candidate
 * stories by names, and merged with those that now look like the same
 * event: language editions of one story find each other as their name
 * profiles fill in.
 */

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster.h"
#include "cluster_int.h"
#include "common.h"

#define SIG_BINS 128	       /* MinHash bins (one-permutation hashing) */
#define SIG_BANDS 32	       /* LSH bands of SIG_BINS / SIG_BANDS rows */
#define SIG_MIN_SHINGLES 8     /* shorter texts are left to layer 3 */
#define DUP_SLOTS (1u << 18)   /* direct-mapped id/url/band tables */
#define TOP_CANDIDATES 8       /* stories scored exactly per entry */
#define MERGE_BRIDGE 0.5       /* share of a threshold a bridge must reach */
#define POST_SKIP 256	       /* a term in more stories finds none */
#define PROBE_TERMS 16	       /* heaviest entry terms that find candidates */
#define STORY_MAX_TERMS 400    /* centroid size kept after pruning */
#define STORY_MAX_LANGS 8      /* languages remembered per story */
#define SWEEP_EVERY 512	       /* entries between closing sweeps */
#define NAMES_ONE_LANGUAGE 0.5 /* weight of a name seen in one language */

void
cluster_opts_default(struct cluster_opts *o)
{
	o->window = 7 * 86400;
	o->df_window = 30 * 86400;
	o->text_threshold = 0.30;
	o->names_threshold = 0.20;
	o->names_threshold_same = 0.30;
	o->names_floor = 0.10;
	o->merge_threshold = 0.30;
	o->dup_threshold = 0.55;
	o->idf_base = 0.7;
	o->backlog_keep = 10000;
}

int
cluster_opts_set(struct cluster_opts *o, const char *key, const char *value)
{
	static const struct {
		const char *key;
		size_t off;
		double min, max;
	} dbl[] = {
	    {"text_threshold", offsetof(struct cluster_opts, text_threshold),
		0.01, 1},
	    {"names_threshold", offsetof(struct cluster_opts, names_threshold),
		0.01, 1},
	    {"names_threshold_same",
		offsetof(struct cluster_opts, names_threshold_same), 0.01, 1},
	    {"names_floor", offsetof(struct cluster_opts, names_floor), 0, 1},
	    {"merge_threshold", offsetof(struct cluster_opts, merge_threshold),
		0.01, 2},
	    {"duplicate_threshold",
		offsetof(struct cluster_opts, dup_threshold), 0.05, 1},
	    {"idf_base", offsetof(struct cluster_opts, idf_base), 0, 10},
	    {"story_window", offsetof(struct cluster_opts, window), 0.01, 365},
	    {"frequency_window", offsetof(struct cluster_opts, df_window), 0.01,
		3650},
	};
	char *end;
	double v;
	size_t i;

	if (strcmp(key, "story_backlog") == 0) {
		unsigned long u;

		errno = 0;
		u = strtoul(value, &end, 10);
		if (end == value || *end != '\0' || *value == '-' ||
		    errno != 0 || u > 10000000)
			return SH_EINVAL;
		o->backlog_keep = (unsigned)u;
		return SH_OK;
	}
	for (i = 0; i < sizeof dbl / sizeof dbl[0]; i++) {
		if (strcmp(dbl[i].key, key) != 0)
			continue;
		v = strtod(value, &end);
		if (end == value || *end != '\0' || !(v >= dbl[i].min) ||
		    !(v <= dbl[i].max))
			return SH_EINVAL;
		if (dbl[i].off == offsetof(struct cluster_opts, window) ||
		    dbl[i].off == offsetof(struct cluster_opts, df_window))
			*(int64_t *)(void *)((char *)o + dbl[i].off) =
			    (int64_t)(v * 86400);
		else
			*(double *)(void *)((char *)o + dbl[i].off) = v;
		return SH_OK;
	}
	return SH_ENOTFOUND;
}

const char *
cluster_reason_name(enum cluster_reason r)
{
	switch (r) {
	case CLUSTER_NEW:
		return "new";
	case CLUSTER_SAME_ID:
		return "same-id";
	case CLUSTER_SAME_URL:
		return "same-url";
	case CLUSTER_NEAR_DUP:
		return "near-duplicate";
	case CLUSTER_TEXT:
		return "text";
	case CLUSTER_NAMES:
		return "names";
	}
	return "?";
}

/* One term of a vector: its weight in the full space and the names space. */
struct tw {
	uint32_t term;
	float w;
	float e;
};

struct story {
	uint64_t id;
	uint32_t gen; /* bumped when the slot is closed or reused */
	bool open;
	int64_t first, last; /* its entries' times */
	int64_t touched;     /* the clock when it last gained an entry */
	struct tw *v;	     /* centroid sums, sorted by term */
	uint32_t n, cap;
	double norm, enorm; /* of w and of e */
	char langs[STORY_MAX_LANGS][8];
	int nlangs;
	uint32_t size;
};

/* An entry inside the frequency window. */
struct rent {
	uint64_t seq, ref;
	int64_t time;	 /* the entry's own time */
	int64_t arrived; /* the clock when it came */
	uint32_t *terms, nterms;
	uint64_t story;
	uint16_t sig[SIG_BINS];
	uint64_t sigmask[2]; /* bins filled by a shingle, not by densifying */
	bool has_sig;
};

struct dupslot {
	uint64_t key;
	uint64_t seq; /* seq + 1; 0 for empty */
};

/* uint64 -> uint64 map, open addressing; keys are never 0 (stored + 1). */
struct u64map {
	uint64_t *k, *v;
	size_t n, cap;
};

struct scored {
	uint32_t slot;
	double acc, sw, se;
};

/* A term of the entry being placed, found by id: open addressing. */
struct evslot {
	uint32_t term1; /* term id + 1, 0 for an empty slot */
	uint32_t i;	/* its index in the entry's vector */
};

struct clusterer {
	struct cluster_opts o;
	struct text *tx;
	struct terms terms;
	struct feat_list fl;
	struct story *st;
	uint32_t nst, capst;
	uint32_t *freeslots, nfree;
	uint32_t *live; /* per slot: its generation while open, else ~0 */
	struct rent *ring;
	void *ringmem; /* where ring was allocated */
	size_t head, count, capring;
	uint64_t next_seq;
	int64_t now;
	uint64_t next_story;
	unsigned since_sweep;
	int64_t cur_time;	  /* the time of the entry being placed */
	const char *cur_lang;	  /* its language, given or detected */
	struct lang_table *langs; /* for detecting it */
	struct u64map alias;	  /* merged-away story -> survivor */
	struct u64map open;	  /* open story id -> slot */
	struct dupslot *ids, *urls, *bands;
	void *idsmem, *urlsmem, *bandsmem; /* where they were allocated */
	/* per-call scratch */
	struct tw *ev;
	uint32_t nev, capev;
	struct evslot *evix; /* the terms of ev by id */
	uint64_t *evbloom;   /* filter: eight bits per slot of evix */
	uint32_t evbits;     /* evix has 1 << evbits slots in use */
	uint32_t evcapbits;  /* and room for 1 << evcapbits */
	double *acc;
	uint32_t capacc;
	uint32_t *touched, ntouched;
	struct scored top[TOP_CANDIDATES];
	uint64_t bandkey[SIG_BANDS]; /* band_key() of the entry's bands */
	int ntop;
	uint64_t *merged;
	size_t nmerged, capmerged;
	struct tw *tmp; /* for sorting a centroid */
	uint32_t captmp;
};

/* The uint64 map. */

static void
map_grow(struct u64map *m)
{
	struct u64map o = *m;
	size_t i, j;

	m->cap = o.cap ? o.cap * 2 : 64;
	m->k = xcalloc(m->cap, sizeof *m->k);
	m->v = xcalloc(m->cap, sizeof *m->v);
	m->n = 0;
	for (i = 0; i < o.cap; i++) {
		if (o.k[i] == 0)
			continue;
		for (j = o.k[i] * 0x9e3779b97f4a7c15ULL & (m->cap - 1);
		     m->k[j] != 0; j = (j + 1) & (m->cap - 1))
			;
		m->k[j] = o.k[i];
		m->v[j] = o.v[i];
		m->n++;
	}
	free(o.k);
	free(o.v);
}

static size_t
map_find(const struct u64map *m, uint64_t key)
{
	size_t j;

	if (m->cap == 0)
		return SIZE_MAX;
	for (j = (key + 1) * 0x9e3779b97f4a7c15ULL & (m->cap - 1); m->k[j] != 0;
	     j = (j + 1) & (m->cap - 1))
		if (m->k[j] == key + 1)
			return j;
	return SIZE_MAX;
}

static void
map_put(struct u64map *m, uint64_t key, uint64_t val)
{
	size_t j = map_find(m, key);

	if (j != SIZE_MAX) {
		m->v[j] = val;
		return;
	}
	if ((m->n + 1) * 2 > m->cap)
		map_grow(m);
	for (j = (key + 1) * 0x9e3779b97f4a7c15ULL & (m->cap - 1); m->k[j] != 0;
	     j = (j + 1) & (m->cap - 1))
		;
	m->k[j] = key + 1;
	m->v[j] = val;
	m->n++;
}

static bool
map_get(const struct u64map *m, uint64_t key, uint64_t *val)
{
	size_t j = map_find(m, key);

	if (j == SIZE_MAX)
		return false;
	*val = m->v[j];
	return true;
}

/* Delete with backward shift, so that probes never need tombstones. */
static void
map_del(struct u64map *m, uint64_t key)
{
	size_t j = map_find(m, key), i, h;

	if (j == SIZE_MAX)
		return;
	m->k[j] = 0;
	m->n--;
	for (i = (j + 1) & (m->cap - 1); m->k[i] != 0;
	     i = (i + 1) & (m->cap - 1)) {
		h = m->k[i] * 0x9e3779b97f4a7c15ULL & (m->cap - 1);
		/* move i into the hole j unless its home lies in (j, i] */
		if ((j < i) ? (h <= j || h > i) : (h <= j && h > i)) {
			m->k[j] = m->k[i];
			m->v[j] = m->v[i];
			m->k[i] = 0;
			j = i;
		}
	}
}

static void
map_free(struct u64map *m)
{
	free(m->k);
	free(m->v);
	memset(m, 0, sizeof *m);
}

/* Life of a clusterer. */

struct clusterer *
cluster_new(const struct cluster_opts *o, uint64_t next_story)
{
	struct clusterer *c = xcalloc(1, sizeof *c);

	if (o != NULL)
		c->o = *o;
	else
		cluster_opts_default(&c->o);
	c->tx = text_new();
	c->langs = lang_table_new();
	terms_init(&c->terms);
	c->next_story = next_story;
	c->ids = big_calloc(DUP_SLOTS, sizeof *c->ids, &c->idsmem);
	c->urls = big_calloc(DUP_SLOTS, sizeof *c->urls, &c->urlsmem);
	c->bands = big_calloc(DUP_SLOTS, sizeof *c->bands, &c->bandsmem);
	return c;
}

void
cluster_free(struct clusterer *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->count; i++)
		free(c->ring[(c->head + i) % c->capring].terms);
	free(c->ringmem);
	for (i = 0; i < c->nst; i++)
		free(c->st[i].v);
	free(c->st);
	free(c->live);
	free(c->freeslots);
	terms_clear(&c->terms);
	feat_list_free(&c->fl);
	text_free(c->tx);
	lang_table_free(c->langs);
	map_free(&c->alias);
	map_free(&c->open);
	free(c->idsmem);
	free(c->urlsmem);
	free(c->bandsmem);
	free(c->ev);
	free(c->evix);
	free(c->evbloom);
	free(c->acc);
	free(c->touched);
	free(c->merged);
	free(c->tmp);
	free(c);
}

uint64_t
cluster_story_resolve(const struct clusterer *c, uint64_t story)
{
	uint64_t to;
	int hops = 0;

	while (map_get(&c->alias, story, &to) && hops++ < 64)
		story = to;
	return story;
}

uint64_t
cluster_next_story(const struct clusterer *c)
{
	return c->next_story;
}

/* Stories. */

static struct story *
story_open(struct clusterer *c, uint64_t id, int64_t t)
{
	struct story *s;
	uint32_t slot;

	if (c->nfree > 0)
		slot = c->freeslots[--c->nfree];
	else {
		if (c->nst == c->capst) {
			c->capst = c->capst ? c->capst * 2 : 256;
			c->st = xreallocarray(c->st, c->capst, sizeof *c->st);
			c->live =
			    xreallocarray(c->live, c->capst, sizeof *c->live);
		}
		slot = c->nst++;
		memset(&c->st[slot], 0, sizeof c->st[slot]);
	}
	s = &c->st[slot];
	s->id = id;
	s->open = true;
	c->live[slot] = s->gen;
	s->first = s->last = t;
	s->touched = c->now;
	s->n = 0;
	s->norm = s->enorm = 0;
	s->nlangs = 0;
	s->size = 0;
	map_put(&c->open, id, slot);
	return s;
}

static void
story_close(struct clusterer *c, struct story *s)
{
	uint32_t i;

	for (i = 0; i < s->n; i++) {
		struct term *tm = &c->terms.v[s->v[i].term];

		if (--tm->refs == 0)
			tm->npost = 0; /* every posting left is stale */
		terms_maybe_release(&c->terms, s->v[i].term);
	}
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
	s->open = false;
	s->gen++;
	c->live[s - c->st] = UINT32_MAX;
	map_del(&c->open, s->id);
	if (c->nfree % 64 == 0)
		c->freeslots = xreallocarray(c->freeslots, c->nfree + 64,
		    sizeof *c->freeslots);
	c->freeslots[c->nfree++] = (uint32_t)(s - c->st);
}

static struct story *
story_find(struct clusterer *c, uint64_t id)
{
	uint64_t slot;

	if (!map_get(&c->open, cluster_story_resolve(c, id), &slot))
		return NULL;
	return &c->st[slot];
}

static void
story_norms(struct story *s)
{
	double n = 0, e = 0;
	uint32_t i;

	for (i = 0; i < s->n; i++) {
		n += (double)s->v[i].w * s->v[i].w;
		e += (double)s->v[i].e * s->v[i].e;
	}
	s->norm = sqrt(n);
	s->enorm = sqrt(e);
}

static int
tw_by_weight(const void *a, const void *b)
{
	const struct tw *x = a, *y = b;

	return (x->w < y->w) - (x->w > y->w);
}

static void tw_sort(struct tw *v, uint32_t n);

/*
 * Sort a vector by falling weight, keeping the order of equal weights: a
 * merge sort, which is what glibc's qsort() does for arrays this size, so
 * that the terms kept at a tie are the same.  tmp holds n terms.
 */
static void
tw_sort_weight(struct tw *v, uint32_t n, struct tw *tmp)
{
	uint32_t w, lo, mid, hi, i, j, k;

	for (w = 1; w < n; w *= 2) {
		for (lo = 0; lo + w < n; lo += 2 * w) {
			mid = lo + w;
			hi = mid + w < n ? mid + w : n;
			for (i = lo, j = mid, k = 0; i < mid && j < hi;)
				tmp[k++] = v[j].w > v[i].w ? v[j++] : v[i++];
			while (i < mid)
				tmp[k++] = v[i++];
			memcpy(v + lo, tmp, (size_t)(j - lo) * sizeof *v);
		}
	}
}

/* Keep the heaviest terms of a centroid that has grown too large. */
static void
story_prune(struct clusterer *c, struct story *s)
{
	uint32_t i;

	if (c->captmp < s->n) {
		c->captmp = s->n;
		c->tmp = xreallocarray(c->tmp, c->captmp, sizeof *c->tmp);
	}
	tw_sort_weight(s->v, s->n, c->tmp);
	for (i = STORY_MAX_TERMS; i < s->n; i++) {
		struct term *tm = &c->terms.v[s->v[i].term];

		tm->refs--;
		terms_maybe_release(&c->terms, s->v[i].term);
	}
	s->n = STORY_MAX_TERMS;
	tw_sort(s->v, s->n);
}

/*
 * Drop the postings of closed stories from a term's list.  Lists are
 * cleaned lazily as searches walk them, but a term too common to be
 * searched is never walked: without this its list would grow with the
 * stream.
 */
static void
post_compact(struct clusterer *c, struct term *tm)
{
	uint32_t i, o = 0;

	for (i = 0; i < tm->npost; i++)
		if (c->live[tm->post[i].slot] == tm->post[i].gen)
			tm->post[o++] = tm->post[i];
	tm->npost = o;
	/* A list that was long when the term was in many stories gives
	 * the room back, down to what it may grow to before the next
	 * compaction. */
	if (tm->cappost > 4 * o + 32) {
		tm->cappost = 2 * o + 16;
		tm->post =
		    xreallocarray(tm->post, tm->cappost, sizeof *tm->post);
	}
}

/* Add a sorted vector to a story's centroid (sorted merge). */
static void
story_add_vec(struct clusterer *c, struct story *s, const struct tw *v,
    uint32_t n)
{
	uint32_t slot = (uint32_t)(s - c->st), i = 0, j = 0, u, shared = 0;
	int64_t a, b, o;

	/* The size of the union first, then a merge from the back, in
	 * place: no copy of a large centroid at every entry.  The count
	 * steps without a branch, as cosines() does. */
	while (i < s->n && j < n) {
		uint32_t ta = s->v[i].term, tb = v[j].term;

		shared += ta == tb;
		i += ta <= tb;
		j += tb <= ta;
	}
	u = s->n + n - shared;
	if (u > s->cap) {
		s->cap = u > 2 * s->cap ? u : 2 * s->cap;
		/* Past the size that is pruned back, doubling would only
		 * leave room that the pruning empties again. */
		if (s->cap > 2 * STORY_MAX_TERMS)
			s->cap =
			    u > 2 * STORY_MAX_TERMS ? u : 2 * STORY_MAX_TERMS;
		s->v = xreallocarray(s->v, s->cap, sizeof *s->v);
	}
	a = (int64_t)s->n - 1;
	b = (int64_t)n - 1;
	for (o = (int64_t)u - 1; b >= 0; o--) {
		if (a >= 0 && s->v[a].term > v[b].term) {
			s->v[o] = s->v[a--];
		} else if (a >= 0 && s->v[a].term == v[b].term) {
			s->v[o] = s->v[a--];
			s->v[o].w += v[b].w;
			s->v[o].e += v[b--].e;
		} else {
			struct term *tm = &c->terms.v[v[b].term];

			tm->refs++;
			if (tm->npost >= 2 * tm->refs + 16)
				post_compact(c, tm);
			terms_post_add(&c->terms, v[b].term, slot, s->gen);
			s->v[o] = v[b--];
		}
	}
	s->n = u;
	if (s->n > 2 * STORY_MAX_TERMS)
		story_prune(c, s);
	story_norms(s);
}

/* The primary subtag of a language tag, lower case: "en-US" is "en". */
static void
lang_primary(const char *tag, char *out, size_t size)
{
	size_t i;

	for (i = 0;
	     i + 1 < size && tag[i] != '\0' && tag[i] != '-' && tag[i] != '_';
	     i++)
		out[i] = (char)(tag[i] >= 'A' && tag[i] <= 'Z' ? tag[i] | 0x20
							       : tag[i]);
	out[i] = '\0';
}

static bool
story_has_lang(const struct story *s, const char *lang)
{
	char l[sizeof s->langs[0]];
	int i;

	lang_primary(lang, l, sizeof l);
	for (i = 0; i < s->nlangs; i++)
		if (strcmp(s->langs[i], l) == 0)
			return true;
	return false;
}

static void
story_add_lang(struct story *s, const char *lang)
{
	if (lang == NULL || *lang == '\0' || story_has_lang(s, lang) ||
	    s->nlangs == STORY_MAX_LANGS)
		return;
	lang_primary(lang, s->langs[s->nlangs], sizeof s->langs[0]);
	s->nlangs++;
}

/* Fold story b into story a; b's id resolves to a's from now on. */
static void
story_merge(struct clusterer *c, struct story *a, struct story *b)
{
	int i;

	story_add_vec(c, a, b->v, b->n);
	for (i = 0; i < b->nlangs; i++)
		story_add_lang(a, b->langs[i]);
	if (b->first < a->first)
		a->first = b->first;
	if (b->last > a->last)
		a->last = b->last;
	if (b->touched > a->touched)
		a->touched = b->touched;
	a->size += b->size;
	map_put(&c->alias, b->id, a->id);
	if (c->nmerged == c->capmerged) {
		c->capmerged = c->capmerged ? c->capmerged * 2 : 4;
		c->merged =
		    xreallocarray(c->merged, c->capmerged, sizeof *c->merged);
	}
	c->merged[c->nmerged++] = b->id;
	story_close(c, b);
}

/* The window. */

static struct rent *
ring_at(struct clusterer *c, size_t i)
{
	return &c->ring[(c->head + i) % c->capring];
}

static struct rent *
ring_by_seq(struct clusterer *c, uint64_t seq)
{
	uint64_t oldest = c->next_seq - c->count;

	if (seq < oldest || seq >= c->next_seq)
		return NULL;
	return ring_at(c, (size_t)(seq - oldest));
}

static struct rent *
ring_push(struct clusterer *c)
{
	struct rent *r;

	if (c->count == c->capring) {
		size_t ncap = c->capring ? c->capring * 2 : 1024, i;
		void *mem;
		struct rent *n = big_calloc(ncap, sizeof *n, &mem);

		for (i = 0; i < c->count; i++)
			n[i] = *ring_at(c, i);
		free(c->ringmem);
		c->ringmem = mem;
		c->ring = n;
		c->capring = ncap;
		c->head = 0;
	}
	r = ring_at(c, c->count++);
	memset(r, 0, sizeof *r);
	r->seq = c->next_seq++;
	return r;
}

/* An entry leaves the frequencies. */
static void
rent_release(struct clusterer *c, struct rent *r)
{
	uint32_t i;

	for (i = 0; i < r->nterms; i++) {
		c->terms.v[r->terms[i]].df--;
		terms_maybe_release(&c->terms, r->terms[i]);
	}
	free(r->terms);
	r->terms = NULL;
	r->nterms = 0;
}

/*
 * Take back the entry pushed last, which nothing refers to yet (its keys
 * were not recorded): its seq is given out again.
 */
static void
ring_pop_last(struct clusterer *c)
{
	rent_release(c, ring_at(c, c->count - 1));
	c->count--;
	c->next_seq--;
}

/* Drop entries older than the frequency window, close quiet stories. */
static void
expire(struct clusterer *c)
{
	uint32_t i;

	while (c->count > 0) {
		struct rent *r = ring_at(c, 0);

		if (r->arrived >= c->now - c->o.df_window)
			break;
		rent_release(c, r);
		c->head = (c->head + 1) % c->capring;
		c->count--;
	}
	if (++c->since_sweep < SWEEP_EVERY)
		return;
	c->since_sweep = 0;
	for (i = 0; i < c->nst; i++)
		if (c->st[i].open && c->st[i].touched < c->now - c->o.window)
			story_close(c, &c->st[i]);
}

/* Entry vectors. */

/*
 * Sort a vector by term: what qsort() with a comparison by term does,
 * without a call per comparison.  Terms of one vector are distinct, so any
 * correct sort gives the same order.  Quicksort, median of three, the
 * smaller side first so that the stack stays shallow; short runs by
 * insertion.
 */
static void
tw_sort(struct tw *v, uint32_t n)
{
	uint32_t lo = 0, hi = n, stack[2 * 32], sp = 0, i, j;
	struct tw x, t;

	for (;;) {
		while (hi - lo > 16) {
			uint32_t m = lo + (hi - lo) / 2, a = lo, b = hi - 1;

			/* The median of three goes to lo as the pivot. */
			if (v[m].term < v[a].term)
				t = v[m], v[m] = v[a], v[a] = t;
			if (v[b].term < v[m].term)
				t = v[b], v[b] = v[m], v[m] = t;
			if (v[m].term < v[a].term)
				t = v[m], v[m] = v[a], v[a] = t;
			t = v[lo], v[lo] = v[m], v[m] = t;
			x = v[lo];
			i = lo;
			j = hi;
			for (;;) {
				while (v[++i].term < x.term)
					;
				while (x.term < v[--j].term)
					;
				if (i >= j)
					break;
				t = v[i], v[i] = v[j], v[j] = t;
			}
			v[lo] = v[j];
			v[j] = x;
			if (j - lo < hi - j - 1) {
				stack[sp++] = j + 1;
				stack[sp++] = hi;
				hi = j;
			} else {
				stack[sp++] = lo;
				stack[sp++] = j;
				lo = j + 1;
			}
		}
		for (i = lo + 1; i < hi; i++) {
			x = v[i];
			for (j = i; j > lo && x.term < v[j - 1].term; j--)
				v[j] = v[j - 1];
			v[j] = x;
		}
		if (sp == 0)
			break;
		hi = stack[--sp];
		lo = stack[--sp];
	}
}

/* One bit per language (primary subtag), 0 when unknown. */
static uint32_t
lang_bit(const char *lang)
{
	size_t n = 0;

	if (lang == NULL)
		return 0;
	while (lang[n] != '\0' && lang[n] != '-' && lang[n] != '_')
		n++;
	if (n == 0)
		return 0;
	return 1u << (hash64(lang, n, 0) % 32);
}

/*
 * The hash of a term id for the entry's index: its top evbits bits are the
 * slot, its top evbits + 3 bits the bit of the filter.
 */
static uint32_t
ev_hash(uint32_t term)
{
	return term * 0x9e3779b1u;
}

/*
 * Index the entry's terms by id (an eighth of the slots full), with a
 * filter of eight bits per slot: a story term whose bit is clear is not
 * the entry's, which is the answer for most of them.
 */
static void
ev_index(struct clusterer *c)
{
	uint32_t bits = 6, i, j, mask, h;

	while ((1u << bits) < 8 * c->nev)
		bits++;
	/* Sized for this entry, not the largest so far: it is cleared for
	 * every entry. */
	if (bits > c->evcapbits) {
		free(c->evix);
		free(c->evbloom);
		c->evix =
		    xreallocarray(NULL, (size_t)1 << bits, sizeof *c->evix);
		c->evbloom = xreallocarray(NULL, (size_t)1 << (bits + 3 - 6),
		    sizeof *c->evbloom);
		c->evcapbits = bits;
	}
	c->evbits = bits;
	memset(c->evix, 0, ((size_t)1 << bits) * sizeof *c->evix);
	memset(c->evbloom, 0,
	    ((size_t)1 << (bits + 3 - 6)) * sizeof *c->evbloom);
	mask = (1u << c->evbits) - 1;
	for (i = 0; i < c->nev; i++) {
		h = ev_hash(c->ev[i].term);
		c->evbloom[h >> (32 - c->evbits - 3 + 6)] |=
		    (uint64_t)1 << (h >> (32 - c->evbits - 3) & 63);
		for (j = h >> (32 - c->evbits); c->evix[j].term1 != 0;
		     j = (j + 1) & mask)
			;
		c->evix[j].term1 = c->ev[i].term + 1;
		c->evix[j].i = i;
	}
}

/*
 * Turn the features into the sorted vector c->ev with unit norm in each
 * space, counting the entry into the document frequencies.
 */
static void
build_vector(struct clusterer *c, struct rent *r, const char *lang)
{
	struct feat_list *fl = &c->fl;
	double n = (double)c->count, nw = 0, ne = 0;
	uint32_t i;
	uint32_t langbit = lang_bit(lang);

	if (c->capev < fl->n) {
		c->capev = (uint32_t)fl->n;
		c->ev = xreallocarray(c->ev, c->capev, sizeof *c->ev);
	}
	r->terms = xreallocarray(NULL, fl->n ? fl->n : 1, sizeof *r->terms);
	r->nterms = (uint32_t)fl->n;
	terms_intern_list(&c->terms, fl, r->terms);
	for (i = 0; i < fl->n; i++) {
		uint32_t id = r->terms[i];
		struct term *tm = &c->terms.v[id];
		double idf, w;

		tm->df++;
		tm->langs |= langbit;
		idf = log((n + 1) / (tm->df + 1)) + c->o.idf_base;
		w = (1 + log(fl->v[i].tf)) * idf;
		if (w < 0)
			w = 0;
		c->ev[i].term = id;
		c->ev[i].w = (float)w;
		c->ev[i].e = feat_term(fl, i)[0] == TERM_WORD ? 0
			     : (tm->langs & (tm->langs - 1)) != 0
				 ? (float)w
				 : (float)(w * NAMES_ONE_LANGUAGE);
		nw += w * w;
		ne += c->ev[i].e * (double)c->ev[i].e;
	}
	c->nev = (uint32_t)fl->n;
	nw = nw > 0 ? sqrt(nw) : 1;
	ne = ne > 0 ? sqrt(ne) : 1;
	for (i = 0; i < c->nev; i++) {
		c->ev[i].w = (float)(c->ev[i].w / nw);
		c->ev[i].e = (float)(c->ev[i].e / ne);
	}
	tw_sort(c->ev, c->nev);
	ev_index(c);
}

/* Cosines of two sorted vectors, given the second one's norms. */
static void
cosines(const struct tw *a, uint32_t na, const struct tw *b, uint32_t nb,
    double bnorm, double benorm, double *sw, double *se)
{
	double w = 0, e = 0;
	uint32_t i = 0, j = 0;

	/* The step of each side is computed, not branched on: which side
	 * is behind is a coin toss the processor cannot predict. */
	while (i < na && j < nb) {
		uint32_t ta = a[i].term, tb = b[j].term;

		if (ta == tb) {
			w += (double)a[i].w * b[j].w;
			e += (double)a[i].e * b[j].e;
		}
		i += ta <= tb;
		j += tb <= ta;
	}
	*sw = bnorm > 0 ? w / bnorm : 0;
	*se = benorm > 0 ? e / benorm : 0;
}

/*
 * Cosines of the entry with a story, as cosines(c->ev, ..., s->v, ...)
 * gives them, without the merge's unpredictable branches: a story is some
 * ten times longer than an entry and shares few terms with it, so each of
 * its terms is tested against the entry's filter, a branch that is nearly
 * always not taken, and looked up only when it passes.  The products are
 * summed in the same order (by term) as the merge sums them, so the result
 * is the same to the last bit.
 */
static void
cosines_entry(const struct clusterer *c, const struct story *s, double *sw,
    double *se)
{
	uint32_t fshift = 32 - c->evbits - 3, mask = (1u << c->evbits) - 1;
	double w = 0, e = 0;
	uint32_t j, k, h;

	for (j = 0; j < s->n; j++) {
		h = ev_hash(s->v[j].term);
		if (!((c->evbloom[h >> (fshift + 6)] >> (h >> fshift & 63)) &
			1))
			continue;
		for (k = h >> (32 - c->evbits); c->evix[k].term1 != 0;
		     k = (k + 1) & mask) {
			if (c->evix[k].term1 == s->v[j].term + 1) {
				const struct tw *a = &c->ev[c->evix[k].i];

				w += (double)a->w * s->v[j].w;
				e += (double)a->e * s->v[j].e;
				break;
			}
		}
	}
	*sw = s->norm > 0 ? w / s->norm : 0;
	*se = s->enorm > 0 ? e / s->enorm : 0;
}

/* MinHash signatures: one permutation, bins by the hash's top bits. */

static bool
bin_filled(const uint64_t *mask, int b)
{
	return (mask[b / 64] >> (b % 64)) & 1;
}

/* The bits set in x. */
static int
popcount64(uint64_t x)
{
#if defined(__GNUC__)
	return __builtin_popcountll(x);
#else
	int n = 0;

	for (; x != 0; x &= x - 1)
		n++;
	return n;
#endif
}

static uint64_t
mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static bool
signature(const struct feat_list *fl, uint16_t *sig, uint64_t *mask)
{
	uint32_t min[SIG_BINS];
	size_t i;
	int b, k;

	if (fl->nshingles < SIG_MIN_SHINGLES)
		return false;
	for (b = 0; b < SIG_BINS; b++)
		min[b] = UINT32_MAX;
	for (i = 0; i < fl->nshingles; i++) {
		uint64_t h = mix64(fl->shingles[i]);
		int bin = (int)(h >> 57); /* top 7 bits: SIG_BINS == 128 */
		uint32_t v = (uint32_t)h;

		if (v < min[bin])
			min[bin] = v;
	}
	mask[0] = mask[1] = 0;
	for (b = 0; b < SIG_BINS; b++)
		if (min[b] != UINT32_MAX)
			mask[b / 64] |= (uint64_t)1 << (b % 64);
	/* Densify: an empty bin borrows from the next filled one, so that
	 * LSH bands of short texts still find each other. */
	for (b = 0; b < SIG_BINS; b++) {
		for (k = 1; !bin_filled(mask, b) && k < SIG_BINS; k++) {
			if (bin_filled(mask, (b + k) % SIG_BINS)) {
				min[b] = (uint32_t)mix64(
				    min[(b + k) % SIG_BINS] + (uint64_t)k);
				break;
			}
		}
	}
	/* Sixteen bits of each minimum are enough to compare (b-bit
	 * minwise hashing): a chance agreement is 1 in 65536. */
	for (b = 0; b < SIG_BINS; b++)
		sig[b] = (uint16_t)min[b];
	return true;
}

/*
 * Estimated Jaccard similarity: agreeing bins among those that a shingle
 * filled in either text; densified copies would count agreement twice.
 */
static double
sig_similarity(const struct rent *a, const struct rent *b)
{
	uint64_t eq[2] = {0, 0};
	int i, same = 0, n = 0;

	/* The bins that agree as a bit mask, then counted together with
	 * the masks of the filled bins. */
	for (i = 0; i < SIG_BINS; i++)
		eq[i / 64] |= (uint64_t)(a->sig[i] == b->sig[i]) << (i % 64);
	for (i = 0; i < 2; i++) {
		n += popcount64(a->sigmask[i] | b->sigmask[i]);
		same += popcount64(eq[i] & a->sigmask[i] & b->sigmask[i]);
	}
	return n ? (double)same / n : 0;
}

static uint64_t
band_key(const uint16_t *sig, int band)
{
	int rows = SIG_BINS / SIG_BANDS;

	return hash64(sig + band * rows, (size_t)rows * sizeof *sig,
	    (uint64_t)band + 1);
}

static struct dupslot *
dup_slot(struct dupslot *tab, uint64_t key)
{
	return &tab[mix64(key) & (DUP_SLOTS - 1)];
}

static struct rent *
dup_lookup(struct clusterer *c, struct dupslot *tab, uint64_t key)
{
	struct dupslot *d = dup_slot(tab, key);

	if (d->seq == 0 || d->key != key)
		return NULL;
	return ring_by_seq(c, d->seq - 1);
}

static void
dup_record(struct dupslot *tab, uint64_t key, uint64_t seq)
{
	struct dupslot *d = dup_slot(tab, key);

	d->key = key;
	d->seq = seq + 1;
}

/* Layers 1 and 2: an earlier copy of this entry, if any. */
static struct rent *
find_copy(struct clusterer *c, const struct cluster_entry *e, struct rent *r,
    uint64_t idkey, uint64_t urlkey, enum cluster_reason *why)
{
	struct rent *p, *best = NULL, *seen[SIG_BANDS];
	double bs = 0, s;
	int b, nseen = 0, k;

	if (idkey != 0 && (p = dup_lookup(c, c->ids, idkey)) != NULL) {
		*why = CLUSTER_SAME_ID;
		return p;
	}
	if (urlkey != 0 && (p = dup_lookup(c, c->urls, urlkey)) != NULL) {
		*why = CLUSTER_SAME_URL;
		return p;
	}
	(void)e;
	if (!r->has_sig)
		return NULL;
	/* The band table is large and each band a miss: ask for all of
	 * them at once. */
	for (b = 0; b < SIG_BANDS; b++)
		PREFETCH(dup_slot(c->bands, c->bandkey[b]));
	for (b = 0; b < SIG_BANDS; b++) {
		p = dup_lookup(c, c->bands, c->bandkey[b]);
		if (p == NULL || !p->has_sig || p == r)
			continue;
		/* An entry found by several bands scores the same each
		 * time: once is enough. */
		for (k = 0; k < nseen && seen[k] != p; k++)
			;
		if (k < nseen)
			continue;
		seen[nseen++] = p;
		s = sig_similarity(r, p);
		if (s > bs) {
			bs = s;
			best = p;
		}
	}
	if (best == NULL || bs < c->o.dup_threshold)
		return NULL;
	*why = CLUSTER_NEAR_DUP;
	return best;
}

/*
 * Whether a story is near enough in time to take an entry of time t: its
 * entries' times reach within the window of t.  Entries come in arrival
 * order, but a feed subscribed today brings last month's entries, so the
 * match is on the entries' own times, while closing a story (for memory)
 * goes by when it last grew.
 */
static bool
near_in_time(const struct clusterer *c, const struct story *s, int64_t t)
{
	return t <= s->last + c->o.window && t >= s->first - c->o.window;
}

/* Sift heap[i] down a min-heap of n weights. */
static void
heap_down(double *heap, int n, int i)
{
	double x = heap[i];
	int k;

	while ((k = 2 * i + 1) < n) {
		if (k + 1 < n && heap[k + 1] < heap[k])
			k++;
		if (!(heap[k] < x))
			break;
		heap[i] = heap[k];
		i = k;
	}
	heap[i] = x;
}

/*
 * The weight of the PROBE_TERMS-th heaviest term of the entry: the
 * lightest of the heaviest PROBE_TERMS, kept in a min-heap.
 */
static double
probe_cut(struct clusterer *c)
{
	double heap[PROBE_TERMS];
	uint32_t i;
	int k;

	if (c->nev <= PROBE_TERMS)
		return 0;
	for (i = 0; i < PROBE_TERMS; i++)
		heap[i] = c->ev[i].w + c->ev[i].e;
	for (k = PROBE_TERMS / 2 - 1; k >= 0; k--)
		heap_down(heap, PROBE_TERMS, k);
	for (; i < c->nev; i++) {
		double x = c->ev[i].w + c->ev[i].e;

		if (x > heap[0]) {
			heap[0] = x;
			heap_down(heap, PROBE_TERMS, 0);
		}
	}
	return heap[0];
}

/* Start loading the whole centroid of a story that is read next. */
static void
prefetch_vec(const struct story *s)
{
	const char *p = (const char *)s->v, *end = (const char *)(s->v + s->n);

	for (; p < end; p += 64)
		PREFETCH(p);
}

/* Layer 3: gather candidate stories through the index, score the best. */
static void
gather(struct clusterer *c)
{
	uint32_t i, k;
	double cut;
	int t, m;

	/* Sized by the slot array's capacity, which doubles: growing with
	 * every new slot would clear the whole array at every new story. */
	if (c->capacc < c->nst) {
		c->capacc = c->capst;
		c->acc = xreallocarray(c->acc, c->capacc, sizeof *c->acc);
		c->touched =
		    xreallocarray(c->touched, c->capacc, sizeof *c->touched);
		for (i = 0; i < c->capacc; i++)
			c->acc[i] = 0;
	}
	c->ntouched = 0;
	/* The heaviest terms find the candidates: a story that shares none
	 * of them cannot come close to the thresholds. */
	cut = probe_cut(c);
	for (i = 0; i < c->nev; i++) {
		struct term *tm = &c->terms.v[c->ev[i].term];
		double x = c->ev[i].w + c->ev[i].e;

		if (tm->npost <= POST_SKIP && x > 0 && x >= cut)
			PREFETCH(tm->post);
	}
	for (i = 0; i < c->nev; i++) {
		struct term *tm = &c->terms.v[c->ev[i].term];
		double x = c->ev[i].w + c->ev[i].e;

		if (tm->npost > POST_SKIP || !(x > 0) || x < cut)
			continue;
		for (k = 0; k < tm->npost;) {
			struct post *p = &tm->post[k];

			/* live[] holds each open slot's generation, closed
			 * ones never match: one small array, not the story */
			if (c->live[p->slot] != p->gen) {
				*p = tm->post[--tm->npost]; /* stale */
				continue;
			}
			if (c->acc[p->slot] == 0)
				c->touched[c->ntouched++] = p->slot;
			c->acc[p->slot] += x;
			k++;
		}
	}
	/* Keep the TOP_CANDIDATES highest accumulations; m is the weakest
	 * kept, looked for again only when it is replaced. */
	c->ntop = 0;
	m = 0;
	for (i = 0; i < c->ntouched; i++) {
		uint32_t slot = c->touched[i];
		double a = c->acc[slot];

		c->acc[slot] = 0;
		if (c->ntop == TOP_CANDIDATES && c->top[m].acc >= a)
			continue;
		if (!near_in_time(c, &c->st[slot], c->cur_time))
			continue;
		t = c->ntop < TOP_CANDIDATES ? c->ntop++ : m;
		c->top[t].slot = slot;
		c->top[t].acc = a;
		if (c->ntop == TOP_CANDIDATES)
			for (m = 0, t = 1; t < TOP_CANDIDATES; t++)
				if (c->top[t].acc < c->top[m].acc)
					m = t;
	}
	for (t = 0; t < c->ntop; t++)
		PREFETCH(c->st[c->top[t].slot].v);
	for (t = 0; t < c->ntop; t++) {
		struct story *s = &c->st[c->top[t].slot];

		if (t + 1 < c->ntop)
			prefetch_vec(&c->st[c->top[t + 1].slot]);
		cosines_entry(c, s, &c->top[t].sw, &c->top[t].se);
	}
}

static bool
has_names(const struct clusterer *c)
{
	uint32_t i;

	for (i = 0; i < c->fl.n; i++)
		if (feat_term(&c->fl, i)[0] != TERM_WORD)
			return true;
	return false;
}

/* The decision of layer 3: how far past its threshold a story is. */
static double
story_score(const struct clusterer *c, const struct scored *sc,
    const struct story *s, const char *lang, bool has_names,
    enum cluster_reason *why)
{
	double tw = sc->sw, nm, th;
	bool same = lang != NULL && story_has_lang(s, lang);

	if (has_names && sc->se < c->o.names_floor)
		tw = 0;
	th = same ? c->o.names_threshold_same : c->o.names_threshold;
	nm = sc->se / th;
	tw /= c->o.text_threshold;
	*why = tw >= nm ? CLUSTER_TEXT : CLUSTER_NAMES;
	return tw >= nm ? tw : nm;
}

/* The strongest shared terms, for a human. */
static void
explain(struct clusterer *c, const struct story *s, char *out, size_t size)
{
	struct tw best[8];
	uint32_t i = 0, j = 0;
	int nb = 0, k;
	size_t o = 0;

	out[0] = '\0';
	if (s == NULL)
		return;
	while (i < c->nev && j < s->n) {
		uint32_t ta = c->ev[i].term, tb = s->v[j].term;

		/* Steps computed, not branched on, as in cosines(). */
		i += ta < tb;
		j += tb < ta;
		if (ta == tb) {
			struct tw x = c->ev[i];

			x.w = (float)(c->ev[i].w * s->v[j].w +
				      c->ev[i].e * s->v[j].e);
			if (nb < 8)
				best[nb++] = x;
			else {
				int m = 0;

				for (k = 1; k < 8; k++)
					if (best[k].w < best[m].w)
						m = k;
				if (best[m].w < x.w)
					best[m] = x;
			}
			i++;
			j++;
		}
	}
	if (nb > 1)
		qsort(best, (size_t)nb, sizeof *best, tw_by_weight);
	for (k = 0; k < nb; k++) {
		const char *t = term_text(&c->terms.v[best[k].term]);
		const char *mark = t[0] == TERM_KEY   ? "~"
				   : t[0] == TERM_NUM ? "#"
						      : "";
		int w;

		w = snprintf(out + o, size - o, "%s%s%s", o ? " " : "", mark,
		    t + 1);
		if (w < 0 || (size_t)w >= size - o) {
			out[o] = '\0';
			break;
		}
		o += (size_t)w;
	}
}

/* Merge the other candidates that now look like the same event as s. */
static struct story *
merge_candidates(struct clusterer *c, struct story *s)
{
	int t;

	for (t = 0; t < c->ntop; t++) {
		struct story *b = &c->st[c->top[t].slot];
		double sw, se;

		if (b == s || !b->open || b->last + c->o.window < s->first ||
		    b->first > s->last + c->o.window)
			continue;
		/* Only a story the entry itself came close to can be the
		 * same event: the entry is the bridge. */
		if (c->top[t].se < c->o.merge_threshold * MERGE_BRIDGE &&
		    c->top[t].sw < c->o.text_threshold * MERGE_BRIDGE)
			continue;
		cosines(s->v, s->n, b->v, b->n, b->norm, b->enorm, &sw, &se);
		if (s->enorm > 0)
			se /= s->enorm;
		if (se < c->o.merge_threshold)
			continue;
		/* The older story survives: its id is the one readers saw. */
		if (b->id < s->id) {
			struct story *tmp = s;

			s = b;
			b = tmp;
		}
		story_merge(c, s, b);
	}
	return s;
}

static uint64_t
key_of(const char *s)
{
	uint64_t h;

	if (s == NULL || *s == '\0')
		return 0;
	h = hash64(s, strlen(s), 7);
	return h ? h : 1;
}

static uint64_t
url_key(const char *url)
{
	char *canon = url ? cluster_url_canon(url) : NULL;
	uint64_t k = key_of(canon);

	free(canon);
	return k;
}

/* Common to add and restore: analyse e, push it into the window. */
static struct rent *
take_entry(struct clusterer *c, const struct cluster_entry *e)
{
	struct rent *r;
	int b;

	if (e->time > c->now)
		c->now = e->time;
	expire(c);
	c->cur_lang = e->lang != NULL && *e->lang != '\0'
			  ? e->lang
			  : lang_detect(c->langs, e->title, e->text);
	text_features(c->tx, e->title, e->text, c->cur_lang, &c->fl);
	r = ring_push(c);
	r->ref = e->ref;
	r->time = e->time ? e->time : c->now;
	r->arrived = c->now;
	c->cur_time = r->time;
	build_vector(c, r, c->cur_lang);
	r->has_sig = signature(&c->fl, r->sig, r->sigmask);
	if (r->has_sig)
		for (b = 0; b < SIG_BANDS; b++)
			c->bandkey[b] = band_key(r->sig, b);
	return r;
}

/*
 * A backlog entry that is not kept: dated more than the frequency window
 * before the newest entry seen (such as the archive a feed just subscribed
 * to brings in) while the window already holds backlog_keep entries.  It
 * is placed like any other (the same entry, a near-duplicate, a story of
 * the window) but does not stay in the window: it adds nothing to the
 * frequencies or to a story's vector, opens no story and is not found by
 * later entries.  So memory follows the entries of the window, not the
 * history that thousands of new subscriptions bring in at once, while a
 * small window (a few feeds, the demo) keeps its old entries too.  In a
 * stream in time order no entry is a backlog entry.
 */
static bool
is_backlog(const struct clusterer *c, const struct rent *r)
{
	return r->time < c->now - c->o.df_window &&
	       c->count > c->o.backlog_keep;
}

static void
record_keys(struct clusterer *c, struct rent *r, uint64_t idkey,
    uint64_t urlkey)
{
	int b;

	if (idkey != 0)
		dup_record(c->ids, idkey, r->seq);
	if (urlkey != 0)
		dup_record(c->urls, urlkey, r->seq);
	if (r->has_sig)
		for (b = 0; b < SIG_BANDS; b++)
			dup_record(c->bands, c->bandkey[b], r->seq);
}

static void
join(struct clusterer *c, struct story *s, struct rent *r)
{
	story_add_vec(c, s, c->ev, c->nev);
	story_add_lang(s, c->cur_lang);
	if (r->time > s->last)
		s->last = r->time;
	if (r->time < s->first)
		s->first = r->time;
	s->touched = c->now;
	s->size++;
	r->story = s->id;
}

void
cluster_add(struct clusterer *c, const struct cluster_entry *e,
    struct cluster_assign *out)
{
	uint64_t idkey = key_of(e->id), urlkey = url_key(e->url);
	enum cluster_reason why = CLUSTER_NEW;
	struct story *s = NULL;
	struct rent *r, *copy;
	double best = 0;
	bool names, backlog;
	int t;

	/* Wanted after the text is analysed: fetched meanwhile. */
	PREFETCH(dup_slot(c->ids, idkey));
	PREFETCH(dup_slot(c->urls, urlkey));
	memset(out, 0, sizeof *out);
	c->nmerged = 0;
	r = take_entry(c, e);
	backlog = is_backlog(c, r);
	names = has_names(c);
	gather(c);
	copy = find_copy(c, e, r, idkey, urlkey, &why);
	if (copy != NULL) {
		out->duplicate = true;
		out->duplicate_of = copy->ref;
		out->score = 1;
		s = story_find(c, copy->story);
		if (s == NULL && backlog) {
			out->story = cluster_story_resolve(c, copy->story);
			goto backlog;
		}
		if (s == NULL) /* its story has closed: open it again */
			s = story_open(c, cluster_story_resolve(c, copy->story),
			    r->time);
	} else {
		for (t = 0; t < c->ntop; t++) {
			struct story *cand = &c->st[c->top[t].slot];
			enum cluster_reason w;
			double sc = story_score(c, &c->top[t], cand,
			    c->cur_lang, names, &w);

			if (sc >= 1 && sc > best) {
				best = sc;
				s = cand;
				why = w;
				out->text_sim = c->top[t].sw;
				out->names_sim = c->top[t].se;
			}
		}
		out->score =
		    s ? (why == CLUSTER_TEXT ? out->text_sim : out->names_sim)
		      : 0;
	}
	explain(c, s, out->why, sizeof out->why);
	if (backlog) {
		out->story = s != NULL ? s->id : c->next_story++;
		goto backlog;
	}
	if (s == NULL) {
		s = story_open(c, c->next_story++, r->time);
		why = CLUSTER_NEW;
	}
	join(c, s, r);
	s = merge_candidates(c, s);
	r->story = s->id;
	record_keys(c, r, idkey, urlkey);
	out->story = s->id;
	out->reason = why;
	out->merged = c->merged;
	out->nmerged = c->nmerged;
	return;
backlog:
	/* Placed, but not kept: see is_backlog(). */
	out->reason = s != NULL || out->duplicate ? why : CLUSTER_NEW;
	ring_pop_last(c);
}

void
cluster_restore(struct clusterer *c, const struct cluster_entry *e,
    uint64_t story)
{
	uint64_t idkey = key_of(e->id), urlkey = url_key(e->url);
	struct story *s;
	struct rent *r;

	r = take_entry(c, e);
	if (is_backlog(c, r)) {
		/* It was not kept when it was placed either. */
		ring_pop_last(c);
		if (story >= c->next_story)
			c->next_story = story + 1;
		return;
	}
	story = cluster_story_resolve(c, story);
	if ((s = story_find(c, story)) == NULL)
		s = story_open(c, story, r->time);
	join(c, s, r);
	record_keys(c, r, idkey, urlkey);
	if (story >= c->next_story)
		c->next_story = story + 1;
}
