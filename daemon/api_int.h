/* SPDX-License-Identifier: MIT */
/* Private to the API's files: api.c's answers, for api_story.c. */
#ifndef SH_API_INT_H
#define SH_API_INT_H

#include <jansson.h>
#include <microhttpd.h>

#include "sheafd.h"

struct api_peer;

/* The HTTP server and the connections it holds (see api.c). */
struct api {
	struct MHD_Daemon *mhd;
	unsigned timeout;     /* api_timeout when started, seconds */
	unsigned max_clients; /* api_max_clients when started */
	pthread_mutex_t lock; /* guards the members below */
	pthread_cond_t wake;  /* the watchdog's tick; broadcast to stop */
	bool stopping;	      /* the watchdog ends */
	bool full;	      /* api_max_clients reached, logged */
	bool watching;	      /* the watchdog thread runs */
	pthread_t watchdog;
	struct api_peer *head, *tail; /* open connections, oldest first */
	size_t nlive;		      /* of those, the ones not cut */
	struct api_cache *cache;      /* answers of read requests */
};

/* api_cache.c: answers of read requests, per store generation and second */
struct api_cache;

/** An empty cache. */
struct api_cache *api_cache_new(void);
/** Forget every answer (the configuration changed); NULL does nothing. */
void api_cache_flush(struct api_cache *c);
/** Release the cache; NULL does nothing. */
void api_cache_free(struct api_cache *c);
/**
 * A copy of the answer kept for key, made at this generation and second,
 * or NULL; *type is its Content-Type.
 */
char *api_cache_get(struct api_cache *c, const char *key, uint64_t gen,
    int64_t second, const char **type);
/** Keep a copy of body (type static) as the answer for key. */
void api_cache_put(struct api_cache *c, const char *key, uint64_t gen,
    int64_t second, const char *body, const char *type);
/** Requests answered from the cache, and made. */
void api_cache_stats(struct api_cache *c, uint64_t *hits, uint64_t *misses);

/** Queue text (freed by MHD) as the answer. */
enum MHD_Result reply_text(struct MHD_Connection *conn, unsigned status,
    char *text, const char *type, const char *allow);
/** Queue j (consumed) as a JSON answer. */
enum MHD_Result reply_json(struct MHD_Connection *conn, unsigned status,
    json_t *j);
/** Queue {"error": {code, message}}. */
enum MHD_Result reply_error(struct MHD_Connection *conn, unsigned status,
    const char *code, const char *message);
/** Queue 405 with an Allow header. */
enum MHD_Result reply_method(struct MHD_Connection *conn, const char *allow);
/** Queue the answer to a store error (404 for SH_ENOTFOUND). */
enum MHD_Result reply_store_error(struct MHD_Connection *conn, int rc);
/** Hand r to the main thread and queue its answer; r is consumed. */
enum MHD_Result submit(struct sheafd *d, struct MHD_Connection *conn,
    struct api_req *r);
/** A new request of a kind, for submit(). */
struct api_req *api_req_new(enum api_req_kind kind);

/** RFC 3339 text of a time, null for none. */
json_t *json_time(int64_t t);
/** A JSON string of possibly non-UTF-8 bytes, null for NULL. */
json_t *json_str(const char *s);
/** A decimal number, nothing else. */
bool parse_u64(const char *s, uint64_t *out);
/** since=: unix seconds, a date, or a duration back from now. */
bool parse_since(const char *s, int64_t *out);
/**
 * "PREFIX/ID..." as in /v1/feeds/12/poll: the id after prefix bytes, and
 * what follows it.
 */
bool path_id(const char *url, size_t prefix, uint64_t *id, const char **rest);
/** Whether method is want. */
bool is(const char *method, const char *want);

/* api_story.c */

/** Answer /v1/stories... and /v1/events. */
enum MHD_Result route_stories(struct sheafd *d, struct MHD_Connection *conn,
    const char *url, const char *method);

#endif
