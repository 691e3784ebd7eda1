/* SPDX-License-Identifier: MIT */
/* Private to store/: the LMDB side shared by store.c and story.c. */
#ifndef SH_STORE_DB_H
#define SH_STORE_DB_H

/*
 * Only store/ includes this header (and so lmdb.h); the unit test uses
 * store_int.h, which does not.  The databases are described at the top of
 * store.c (feeds and entries) and story.c (stories).
 */

#include <pthread.h>

#include <lmdb.h>

#include "store_int.h"

enum db {
	DB_META,
	DB_FEEDS,
	DB_FEED_URLS,
	DB_ENTRIES,
	DB_ENTRY_KEYS,
	DB_FEED_TIME,
	DB_ENTRY_AGE,
	DB_STORIES,
	DB_STORY_ENTRIES,
	DB_STORY_TIME,
	DB_COUNT
};

/* Room for named databases added later without a format change. */
#define MAX_DBS 16
/* URLs longer than this are keyed by a prefix and their SHA-1. */
#define URL_KEY_MAX 400
#define ENTRY_KEY_LEN 28
#define FEED_TIME_LEN 24
#define AGE_LEN 16
/* Map sizes are kept to multiples of this. */
#define MAP_ROUND ((uint64_t)1 << 20)
/* Below this much free space, a write that failed with EIO met a full disk. */
#define DISK_LOW_KIB 1024u
/* store_release_pages() counts the mapped pages at most this often. */
#define STORE_PAGES_EVERY_MS 10

/*
 * Steps of a transaction between two calls of store_release_pages(), so
 * that a long walk or a big write lets go of the pages it read as it goes
 * (each read may map 64 KiB of the file around it).
 */
#define STORE_PAGES_STEPS 64
/* Problems store_check() lists before it only counts them. */
#define CHECK_MAX_LISTED 10

struct store {
	MDB_env *env;
	MDB_dbi dbi[DB_COUNT];
	pthread_rwlock_t map_lock; /* shared by readers, taken to grow */
	uint64_t map_size;	   /* current size; under write_lock */
	uint64_t map_max;
	uint64_t next_feed; /* counters as of the last commit */
	uint64_t next_seq;
	uint64_t stale_readers;
	uint32_t version;
	pthread_mutex_t write_lock; /* one store_write() at a time */
	pthread_mutex_t pages_lock; /* one store_release_pages() at a time */
	uint64_t pages_base;   /* mapped file bytes after the last release */
	int64_t pages_checked; /* when they were last counted, monotonic ms */
};

struct store_rtx {
	struct store *st;
	MDB_txn *txn;
	struct store_wtx *w; /* the write transaction this belongs to */
	unsigned steps;	     /* gets, puts and cursor steps so far */
};

struct store_wtx {
	struct store_rtx r;
	uint64_t next_feed;
	uint64_t next_seq;
	bool ids_dirty;
	int mdb_rc;	   /* first LMDB failure: the txn is spoiled */
	struct sh_buf buf; /* scratch for encoding records */
};

/* What store_check() carries through its walks. */
struct check {
	struct store_rtx *r;
	struct sh_buf report;
	unsigned problems;
	uint64_t max_feed;
	uint64_t max_seq;
};

/* Helpers of store.c that story.c uses too. */
int fail(struct store_rtx *r, int rc);
void be64_put(uint8_t *p, uint64_t v);
uint64_t be64_get(const uint8_t *p);
void time_put(uint8_t *p, int64_t t);
int64_t time_get(const uint8_t *p);
MDB_val mval(const void *p, size_t n);
int db_get(struct store_rtx *r, enum db db, const void *k, size_t kn,
    MDB_val *v);
int db_put(struct store_wtx *w, enum db db, const void *k, size_t kn,
    const void *d, size_t dn, unsigned flags);
int db_del(struct store_wtx *w, enum db db, const void *k, size_t kn);
int get_u64(struct store_rtx *r, enum db db, const void *k, size_t kn,
    uint64_t *out);
int put_u64(struct store_wtx *w, enum db db, const void *k, size_t kn,
    uint64_t value);
int meta_put_u64(struct store_wtx *w, const char *name, uint64_t value);
int meta_get_u64(struct store_rtx *r, const char *name, uint64_t *out);
int cursor_open(struct store_rtx *r, enum db db, MDB_cursor **c);
int cursor_get(struct store_rtx *r, MDB_cursor *c, MDB_val *k, MDB_val *v,
    MDB_cursor_op op);
int entry_load(struct store_rtx *r, uint64_t seq, struct store_entry *out);
void cursor_format(char *out, char kind, const uint8_t *pos);
bool cursor_parse(const char *s, char kind, uint8_t *pos);
void problem(struct check *ck, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
uint64_t db_count(struct check *ck, enum db db);
bool has_key(struct check *ck, enum db db, const void *k, size_t kn,
    const uint64_t *want);

/* story.c, for store.c. */

/** Take a deleted entry out of its story. */
int story_entry_removed(struct store_wtx *w, const struct store_entry *e);
/** The story part of store_check(). */
void story_check(struct check *ck);

#endif
