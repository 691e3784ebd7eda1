/* SPDX-License-Identifier: MIT */
/* Answers of read requests, kept while the store and the clock stand still. */

/*
 * A page of entries is a few hundred kilobytes of JSON, and making it
 * costs far more than sending it.  Readers ask for the same pages over and
 * over (a reader refreshing, several readers on one machine), so an answer
 * is kept under its request (path and query as sent), the store's write
 * generation and the second it was made in.  Any commit or a new second
 * makes every kept answer stale: an answer served from here is the one
 * the handler would have made, up to a write that committed while it was
 * being made, which a reader could not tell from a write a moment later.
 *
 * The cache is small and bounded: API_CACHE_SLOTS answers of at most
 * API_CACHE_MAX_ANSWER bytes each; the least recently used slot makes
 * room.  Answers made before the newest one's commit or second are freed
 * when it is kept, since nothing can ask for them any more: in a busy
 * round the cache would otherwise hold 32 stale feed lists.  A hit costs a
 * copy of the answer.
 */

#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "sheafd.h"
#include "api_int.h"

#define API_CACHE_SLOTS 32
/* Larger answers are made each time. */
#define API_CACHE_MAX_ANSWER (4u * 1024 * 1024)

struct api_cache_slot {
	char *key;	  /* NULL: empty */
	uint64_t gen;	  /* the store's write generation */
	int64_t second;	  /* unix second it was made in */
	char *body;	  /* the answer, NUL-terminated */
	size_t len;	  /* its bytes */
	const char *type; /* Content-Type, static */
	uint64_t used;	  /* last use, for eviction */
};

struct api_cache {
	pthread_mutex_t lock;
	struct api_cache_slot slot[API_CACHE_SLOTS];
	uint64_t clock; /* counts uses */
	uint64_t hits, misses;
};

struct api_cache *
api_cache_new(void)
{
	struct api_cache *c = xcalloc(1, sizeof(*c));

	pthread_mutex_init(&c->lock, NULL);
	return c;
}

static void
slot_clear(struct api_cache_slot *s)
{
	free(s->key);
	free(s->body);
	memset(s, 0, sizeof(*s));
}

void
api_cache_flush(struct api_cache *c)
{
	size_t i;

	if (c == NULL)
		return;
	pthread_mutex_lock(&c->lock);
	for (i = 0; i < API_CACHE_SLOTS; i++)
		slot_clear(&c->slot[i]);
	pthread_mutex_unlock(&c->lock);
}

void
api_cache_free(struct api_cache *c)
{
	if (c == NULL)
		return;
	api_cache_flush(c);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

char *
api_cache_get(struct api_cache *c, const char *key, uint64_t gen,
    int64_t second, const char **type)
{
	struct api_cache_slot *s;
	char *body = NULL;
	size_t i;

	pthread_mutex_lock(&c->lock);
	for (i = 0; i < API_CACHE_SLOTS; i++) {
		s = &c->slot[i];
		if (s->key == NULL || s->gen != gen || s->second != second ||
		    strcmp(s->key, key) != 0)
			continue;
		body = xmalloc(s->len + 1);
		memcpy(body, s->body, s->len + 1);
		*type = s->type;
		s->used = ++c->clock;
		break;
	}
	if (body != NULL)
		c->hits++;
	else
		c->misses++;
	pthread_mutex_unlock(&c->lock);
	return body;
}

void
api_cache_put(struct api_cache *c, const char *key, uint64_t gen,
    int64_t second, const char *body, const char *type)
{
	struct api_cache_slot *s, *victim = NULL;
	size_t i, len = strlen(body);

	if (len > API_CACHE_MAX_ANSWER)
		return;
	pthread_mutex_lock(&c->lock);
	for (i = 0; i < API_CACHE_SLOTS; i++) {
		s = &c->slot[i];
		if (s->key == NULL)
			continue;
		if (s->gen > gen || s->second > second) {
			/* Made after this one: this one is stale already. */
			pthread_mutex_unlock(&c->lock);
			return;
		}
		/* Older answers can never be served again: free them now
		 * rather than when their slot is needed. */
		if (s->gen < gen || s->second < second)
			slot_clear(s);
	}
	for (i = 0; i < API_CACHE_SLOTS; i++) {
		s = &c->slot[i];
		if (s->key != NULL && strcmp(s->key, key) == 0) {
			victim = s; /* the same request, made again */
			break;
		}
		if (victim == NULL || s->key == NULL ||
		    (victim->key != NULL && s->used < victim->used))
			victim = s;
	}
	slot_clear(victim);
	victim->key = xstrdup(key);
	victim->gen = gen;
	victim->second = second;
	victim->body = xmalloc(len + 1);
	memcpy(victim->body, body, len + 1);
	victim->len = len;
	victim->type = type;
	victim->used = ++c->clock;
	pthread_mutex_unlock(&c->lock);
}

void
api_cache_stats(struct api_cache *c, uint64_t *hits, uint64_t *misses)
{
	pthread_mutex_lock(&c->lock);
	*hits = c->hits;
	*misses = c->misses;
	pthread_mutex_unlock(&c->lock);
}
