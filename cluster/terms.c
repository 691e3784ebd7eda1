/* SPDX-License-Identifier: MIT */
/*
 * The term dictionary: chained hashing so that ids can be freed and reused,
 * which keeps the dictionary as large as the active window's vocabulary
 * rather than the stream's.
 */

#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "cluster_int.h"
#include "common.h"

#define HUGE_PAGE ((size_t)2 << 20)
#define LINE 64

void *
big_calloc(size_t n, size_t size, void **mem)
{
	size_t bytes = n * size, align = LINE;
	char *p;

	if (size != 0 && n > (SIZE_MAX - 2 * HUGE_PAGE) / size)
		return *mem = xcalloc(n, size); /* fails there */
	if (bytes >= HUGE_PAGE) {
		/* Whole huge pages, all inside the block. */
		align = HUGE_PAGE;
		bytes = (bytes + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
	}
	/* A large block comes fresh from the system (calloc() maps it):
	 * the slack around the aligned table is never touched, so it
	 * costs address space, not memory. */
	*mem = xcalloc(1, bytes + align);
	p = (char *)(((uintptr_t)*mem + align - 1) & ~(uintptr_t)(align - 1));
#if defined(MADV_HUGEPAGE)
	/* Only a hint: without huge pages the table works the same. */
	if (align == HUGE_PAGE)
		(void)madvise(p, bytes, MADV_HUGEPAGE);
#endif
	return p;
}

void
terms_init(struct terms *t)
{
	memset(t, 0, sizeof *t);
	t->nbuckets = 1024;
	t->buckets = xcalloc(t->nbuckets, sizeof *t->buckets);
}

void
terms_clear(struct terms *t)
{
	uint32_t i;

	for (i = 0; i < t->n; i++) {
		if (t->v[i].size > TERM_INLINE)
			free(t->v[i].s.heap);
		free(t->v[i].post);
	}
	free(t->vmem);
	free(t->buckets);
	memset(t, 0, sizeof *t);
}

static uint32_t
bucket_of(const struct terms *t, uint64_t hash)
{
	return (uint32_t)hash & (t->nbuckets - 1);
}

static void
rehash(struct terms *t)
{
	uint32_t i, b;

	free(t->buckets);
	t->nbuckets *= 2;
	t->buckets = xcalloc(t->nbuckets, sizeof *t->buckets);
	for (i = 0; i < t->n; i++) {
		if (t->v[i].size == 0)
			continue;
		b = bucket_of(t, t->v[i].hash);
		t->v[i].next = t->buckets[b];
		t->buckets[b] = i + 1;
	}
}

/*
 * Double the room for terms.  The array starts on a cache line, so that
 * each 64-byte term is one line: realloc() would keep only malloc's
 * alignment, and every term would straddle two.  See big_calloc().
 */
static void
grow(struct terms *t)
{
	uint32_t cap = t->cap ? t->cap * 2 : 1024;
	void *mem;
	struct term *v = big_calloc(cap, sizeof *t->v, &mem);

	if (t->n > 0)
		memcpy(v, t->v, (size_t)t->n * sizeof *t->v);
	free(t->vmem);
	t->vmem = mem;
	t->v = v;
	t->cap = cap;
}

uint32_t
terms_intern(struct terms *t, const char *s, uint64_t hash)
{
	uint32_t b = bucket_of(t, hash), i, id;
	size_t size = strlen(s) + 1;
	struct term *tm;

	for (i = t->buckets[b]; i != 0; i = t->v[i - 1].next) {
		tm = &t->v[i - 1];
		if (tm->hash == hash && tm->size == size &&
		    memcmp(term_text(tm), s, size) == 0)
			return i - 1;
	}
	if (t->free_head != 0) {
		id = t->free_head - 1;
		t->free_head = t->v[id].next;
	} else {
		if (t->n == t->cap)
			grow(t);
		id = t->n++;
		memset(&t->v[id], 0, sizeof t->v[id]);
	}
	tm = &t->v[id];
	tm->size = (uint32_t)size;
	if (size > TERM_INLINE)
		tm->s.heap = xstrdup(s);
	else
		memcpy(tm->s.in, s, size);
	tm->hash = hash;
	tm->df = tm->refs = tm->langs = 0;
	tm->npost = 0;
	tm->next = t->buckets[b];
	t->buckets[b] = id + 1;
	if (++t->live > t->nbuckets)
		rehash(t);
	return id;
}

void
terms_intern_list(struct terms *t, const struct feat_list *fl, uint32_t *ids)
{
	size_t i;
	uint32_t head;

	/* Each lookup reads a bucket and then a term: ask for all the
	 * buckets, then for the first term of each chain, then look up. */
	for (i = 0; i < fl->n; i++)
		PREFETCH(&t->buckets[bucket_of(t, fl->v[i].hash)]);
	for (i = 0; i < fl->n; i++)
		if ((head = t->buckets[bucket_of(t, fl->v[i].hash)]) != 0)
			PREFETCH(&t->v[head - 1]);
	for (i = 0; i < fl->n; i++)
		ids[i] = terms_intern(t, feat_term(fl, i), fl->v[i].hash);
}

void
terms_maybe_release(struct terms *t, uint32_t id)
{
	struct term *tm = &t->v[id];
	uint32_t b, *p;

	if (tm->size == 0 || tm->df > 0 || tm->refs > 0)
		return;
	b = bucket_of(t, tm->hash);
	for (p = &t->buckets[b]; *p != 0; p = &t->v[*p - 1].next) {
		if (*p == id + 1) {
			*p = tm->next;
			break;
		}
	}
	if (tm->size > TERM_INLINE)
		free(tm->s.heap);
	tm->size = 0;
	free(tm->post);
	tm->post = NULL;
	tm->npost = tm->cappost = 0;
	tm->next = t->free_head;
	t->free_head = id + 1;
	t->live--;
}

void
terms_post_add(struct terms *t, uint32_t id, uint32_t slot, uint32_t gen)
{
	struct term *tm = &t->v[id];

	if (tm->npost == tm->cappost) {
		tm->cappost = tm->cappost ? tm->cappost * 2 : 4;
		tm->post =
		    xreallocarray(tm->post, tm->cappost, sizeof *tm->post);
	}
	tm->post[tm->npost].slot = slot;
	tm->post[tm->npost].gen = gen;
	tm->npost++;
}
