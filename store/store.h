/* SPDX-License-Identifier: MIT */
/* Public header of store/: subscriptions and entries kept in LMDB. */
#ifndef SH_STORE_H
#define SH_STORE_H

/*
 * store/ keeps the daemon's truth in one LMDB environment: the feeds a user
 * subscribed to, with everything the scheduler must remember about each,
 * and every entry ever seen, indexed by feed and time, by the entry's id
 * within its feed and by arrival.  It owns the schema and its version, the
 * record encoding, the transactions, retention and an integrity check.
 *
 * Rules that bite:
 * - One writer at a time.  store_write() runs a callback in the only
 *   write transaction; threads that call it take turns (the daemon's main
 *   thread stores polls, its story thread clusters them).  The
 *   callback may run more than once: when the map is full the transaction
 *   is aborted, the map grows and the callback runs again from scratch.
 *   So it must not change anything outside the store that it cannot redo.
 * - Many readers.  store_read_begin()/store_read_end() may be called from
 *   any thread; a read transaction lives for one request on one thread,
 *   and a thread holds at most one at a time (also not across a call to
 *   store_write(), which may wait for readers to finish before it grows
 *   the map).
 * - Ownership.  Every string the store hands out is a copy owned by the
 *   caller's struct; nothing points into the database map once a call
 *   returns.  store_feed_clear() and store_entry_clear() release them.
 * - Errors.  Functions return SH_OK or an SH_E* code from common/err.h,
 *   or STORE_EEXIST; store_strerror() describes both.  LMDB failures map
 *   to SH_EIO (disk, map full at its maximum), SH_ENOTFOUND, SH_ETOOBIG (a
 *   record or transaction too large) and SH_EINVAL (corrupt data, misuse).
 * - Open once per process and never use a store after fork().
 *
 * Stories are kept here as the deduplicator decided them (store/ does no
 * clustering itself): each story's record, its entries, and the stories
 * merged into others, whose ids keep resolving.  Left out on purpose: any
 * network, parsing or clustering.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "feeds.h"

/* A feed URL that is already subscribed (409 in the API). */
#define STORE_EEXIST (-100)

/* The schema version this code writes. */
#define STORE_SCHEMA_VERSION 1u

/* Default initial map size and the most it may grow to. */
#define STORE_MAP_SIZE_DEFAULT ((uint64_t)256 << 20)
#define STORE_MAP_MAX_DEFAULT ((uint64_t)64 << 30)

/* Most entries one store_entry_list() call returns. */
#define STORE_LIST_MAX 1000u
/* Entries returned when the caller asks for 0. */
#define STORE_LIST_DEFAULT 50u
/* Room for a paging cursor, NUL included. */
#define STORE_CURSOR_MAX 40u

/* Opaque handles. */
struct store;
struct store_rtx;
struct store_wtx;

/* Options for store_open(); store_options_default() fills them. */
struct store_options {
	uint64_t map_size;    /* initial map size in bytes */
	uint64_t map_max;     /* the map never grows past this */
	unsigned max_readers; /* concurrent read transactions */
	bool create;	      /* create the directory and store if missing */
};

/* Feed flags. */
#define STORE_FEED_GONE 0x1u	 /* the server answered 410 */
#define STORE_FEED_DISABLED 0x2u /* the user paused the feed */
/* The validators are those of a 200 that did not parse */
#define STORE_FEED_UNPARSED 0x4u

/*
 * A subscription and its scheduler state.  Strings are NULL when unknown
 * and owned by the struct.  Times are UTC seconds, 0 for "never".
 */
struct store_feed {
	uint64_t id;	       /* assigned by store_feed_add(), never 0 */
	char *url;	       /* the URL polled; unique, never NULL */
	char *title;	       /* user's title, or NULL */
	char *folder;	       /* "/"-separated folder path, or NULL */
	char *html_url;	       /* the site, as given by the user or OPML */
	int64_t added;	       /* when subscribed */
	char *etag;	       /* ETag exactly as the server sent it */
	char *last_modified;   /* Last-Modified exactly as sent */
	int64_t next_poll;     /* when to poll next */
	int64_t interval;      /* current poll interval, seconds */
	char *interval_reason; /* why ("ttl 60 min", "backoff ...") */
	int64_t last_poll;     /* last attempt */
	int64_t last_success;  /* last 200 or 304 */
	int last_status;       /* HTTP status of the last attempt, 0 if none */
	char *last_error;      /* short message of the last failure, or NULL */
	uint32_t failures;     /* consecutive failed polls */
	uint32_t flags;	       /* STORE_FEED_* */
	char *doc_title;       /* the feed's own title */
	char *doc_link;	       /* the feed's own site link */
	uint32_t skip_hours;   /* bit h: no poll in hour h (UTC) */
	uint8_t skip_days;     /* bit d: no poll on day d (0 = Sunday) */
	int32_t ttl_minutes;   /* RSS ttl or sy:updatePeriod, -1 if none */
};

/* Why an entry is in its story: the deduplicator's evidence. */
struct store_why {
	char *reason;	/* "new", "text", "names", "near-duplicate", ... */
	uint32_t score; /* the similarity that decided, in thousandths */
	uint32_t text;	/* text similarity with the story, thousandths */
	uint32_t names; /* names similarity with the story, thousandths */
	char *shared;	/* strongest shared features, space-separated */
};

/* Entry flags. */
#define STORE_ENTRY_READ 0x1u /* the user has read it */

/*
 * One stored entry.  Strings are NULL when absent and owned by the struct,
 * as are the lists.  published and updated are FEED_TIME_NONE when absent.
 */
struct store_entry {
	uint64_t seq;		  /* global arrival order, never 0 */
	uint64_t feed_id;	  /* the feed it came from */
	char *entry_id;		  /* its stable id within the feed */
	char *title;		  /* plain text */
	char *link;		  /* absolute URL */
	int64_t published;	  /* UTC seconds or FEED_TIME_NONE */
	int64_t updated;	  /* UTC seconds or FEED_TIME_NONE */
	int64_t first_seen;	  /* when the store first saw it */
	struct feed_strv authors; /* names */
	char *summary;		  /* plain text */
	char *content_html;	  /* sanitized HTML */
	struct feed_strv categories;
	struct feed_enclosure *enclosures;
	size_t nenclosures;
	char *language;	       /* xml:lang, or NULL */
	uint32_t flags;	       /* STORE_ENTRY_* */
	uint64_t story_id;     /* story cluster, 0 = none */
	uint64_t duplicate_of; /* seq of the entry it repeats, 0 = none */
	struct store_why why;  /* why it is in its story */
};

/* One language of a story: how many entries, and its best headline. */
struct store_story_lang {
	char *lang;	     /* primary subtag, lower case; "" when unknown */
	uint32_t entries;    /* entries in this language */
	uint64_t best_seq;   /* its most central entry */
	uint32_t best_score; /* that entry's centrality, thousandths */
};

/*
 * A story: entries the deduplicator bound together.  Times are the
 * store's clock (first_seen of the entries), UTC seconds.
 */
struct store_story {
	uint64_t id;			/* the deduplicator's id, never 0 */
	uint64_t merged_into;		/* 0, or the story it became part of */
	int64_t first_seen;		/* when its first entry arrived */
	int64_t updated;		/* when it last gained an entry */
	int64_t read_at;		/* when the reader marked it read, 0 */
	uint32_t entries;		/* entries in it */
	struct store_story_lang *langs; /* its languages, most entries first */
	size_t nlangs;
	uint64_t
	    *feeds; /* distinct feeds (sources), at most STORE_STORY_FEEDS */
	size_t nfeeds;
};

/* Sources remembered per story; more are counted as this many. */
#define STORE_STORY_FEEDS 1024u

/* An entry joining a story, as store_story_join() records it. */
struct store_story_join {
	uint64_t story;	       /* the story, created when new */
	uint64_t seq;	       /* the entry */
	uint64_t duplicate_of; /* seq of the entry it repeats, 0 = none */
	uint32_t centrality;   /* thousandths: how typical of the story */
	const struct store_why *why;
};

/* What to list with store_story_list(). */
struct store_story_query {
	int64_t since;	      /* updated at or after, FEED_TIME_NONE for all */
	const char *lang;     /* only stories with this language, or NULL */
	uint32_t min_sources; /* only stories with this many feeds */
	bool unread;	      /* only stories updated since read */
	size_t limit;	      /* 0 for STORE_LIST_DEFAULT; capped */
	const char *cursor;   /* next_cursor of the previous page, or NULL */
};

/* One page of stories. */
struct store_story_page {
	struct store_story *v; /* most recently updated first */
	size_t n;
	char next_cursor[STORE_CURSOR_MAX]; /* "" on the last page */
};

/* What store_entry_upsert() did. */
enum store_upsert {
	STORE_UPSERT_NEW = 1,	/* a new entry, with a new seq */
	STORE_UPSERT_UNCHANGED, /* seen before, nothing differs */
	STORE_UPSERT_CHANGED	/* seen before, updated in place */
};

/* What to list with store_entry_list(). */
struct store_list {
	uint64_t feed_id;   /* 0 for all feeds */
	int64_t since;	    /* oldest time listed, FEED_TIME_NONE for all */
	size_t limit;	    /* 0 for STORE_LIST_DEFAULT; capped */
	const char *cursor; /* next_cursor of the previous page, or NULL */
};

/* One page of entries. */
struct store_entry_page {
	struct store_entry *v;		    /* the entries, newest first */
	size_t n;			    /* their number */
	char next_cursor[STORE_CURSOR_MAX]; /* "" when this is the last page */
};

/* Counts and sizes for status reports. */
struct store_stats {
	uint64_t feeds;		 /* subscriptions */
	uint64_t entries;	 /* entries kept */
	uint64_t stories;	 /* stories, merged ones not counted */
	uint64_t map_size;	 /* current map size, bytes */
	uint64_t map_used;	 /* bytes of the map in use */
	uint64_t stale_readers;	 /* reader slots cleared at open */
	uint32_t schema_version; /* of the open store */
};

/** Callback run by store_write() inside the write transaction. */
typedef int store_write_cb(struct store_wtx *wtx, void *arg);

/**
 * Callback of store_feed_foreach().  The feed is cleared after the call; to
 * keep it, copy the struct and zero the original (it then owns nothing).
 * A return other than SH_OK stops the walk and is returned by it.
 */
typedef int store_feed_cb(struct store_feed *feed, void *arg);

/**
 * Callback of store_purge(): return true to keep an entry that retention
 * would otherwise delete (a story's last entry while its feed lists it).
 */
typedef bool store_keep_cb(const struct store_entry *entry, void *arg);

/* Opening and closing. */

/**
 * Fill options with the defaults: a 256 MiB map growing up to 64 GiB, 126
 * readers, create when missing.
 *
 * @param opt  options to fill
 */
void store_options_default(struct store_options *opt);

/**
 * Open (and create) the store in a directory.
 *
 * The directory is created with mode 0700 when missing, the files with
 * 0600.  Reader slots left by dead processes are cleared.  A store written
 * by a newer schema is refused; an older one is migrated.
 *
 * @param dir  the state directory
 * @param opt  options, or NULL for the defaults
 * @param out  on success, the store; close it with store_close()
 * @param err  on failure, if not NULL, a one-line message the caller frees
 * @return SH_OK, SH_EIO (cannot create or open), SH_EINVAL (newer schema,
 *         not a store, bad options) or SH_ENOTFOUND (missing and !create)
 */
int store_open(const char *dir, const struct store_options *opt,
    struct store **out, char **err);

/**
 * Close the store; no transaction may be active.  NULL does nothing.
 *
 * @param st  store from store_open()
 */
void store_close(struct store *st);

/**
 * Keep the pages of the store that this process has read from counting as
 * its memory.  The store is read through a memory map, and every page a
 * reader touched stays in the process's resident set although it is the
 * kernel's page cache, shared and dropped at need.  When the process maps
 * STORE_PAGES_SLACK more bytes of files than after the last release, the
 * map's pages are unmapped: they stay cached, and a later read maps them
 * again.  Cheap when there is nothing to do (at most one read of
 * /proc/self/statm every 10 ms); any thread may call it, inside a
 * transaction too (it gives up when the map is about to grow).  Every
 * transaction also checks, without the time limit, each 64 gets, puts and
 * cursor steps: a walk or a big write maps faster than a clock can pace.
 *
 * @param st  the store
 */
void store_release_pages(struct store *st);

/* Growth of the mapped file pages that store_release_pages() lets go of. */
#define STORE_PAGES_SLACK (8u * 1024 * 1024)

/**
 * Describe an error code, STORE_EEXIST included.
 *
 * @param err  SH_OK, an SH_E* code or STORE_EEXIST
 * @return a static string
 */
const char *store_strerror(int err);

/* Transactions. */

/**
 * Begin a read transaction: a consistent snapshot that never blocks the
 * writer.  Any thread; end it before the thread does anything else.
 *
 * @param st   the store
 * @param out  on success, the transaction; end it with store_read_end()
 * @return SH_OK, or SH_EIO (too many readers, or a failed environment)
 */
int store_read_begin(struct store *st, struct store_rtx **out);

/**
 * End a read transaction.  NULL does nothing.
 *
 * @param rtx  transaction from store_read_begin()
 */
void store_read_end(struct store_rtx *rtx);

/**
 * Run fn in the write transaction and commit what it did.
 *
 * When fn returns an error, or a store call inside it failed in a way
 * that spoils the transaction, nothing is committed.  When the map is
 * full, the transaction is aborted, the map doubles (up to map_max) and fn
 * runs again.  A full map at map_max or a failing disk (ENOSPC, EIO) gives
 * SH_EIO: nothing committed before is lost and the store stays usable.
 *
 * @param st   the store
 * @param fn   the work; it gets a write transaction valid until it returns
 * @param arg  passed to fn
 * @param err  on failure, if not NULL, a one-line message the caller frees
 * @return SH_OK, fn's own error, or SH_EIO / SH_ETOOBIG / SH_EINVAL
 */
int store_write(struct store *st, store_write_cb *fn, void *arg, char **err);

/**
 * The read side of a write transaction, for store_*_get() and friends
 * inside a store_write() callback; it sees the callback's own changes.
 *
 * @param wtx  the write transaction
 * @return a read transaction handle valid as long as wtx; never end it
 */
struct store_rtx *store_wtx_reader(struct store_wtx *wtx);

/* Feeds. */

/** Prepare an empty feed (ttl_minutes -1, everything else 0 or NULL). */
void store_feed_init(struct store_feed *f);

/** Release the strings a feed owns and leave it empty as after init. */
void store_feed_clear(struct store_feed *f);

/**
 * Subscribe to a feed.  f->id is ignored; the new id comes back in *id.
 *
 * @param wtx  write transaction
 * @param f    the feed; f->url must be non-empty
 * @param id   on success, the new feed's id
 * @return SH_OK, STORE_EEXIST when the URL is subscribed already,
 *         SH_EINVAL, SH_ETOOBIG or SH_EIO
 */
int store_feed_add(struct store_wtx *wtx, const struct store_feed *f,
    uint64_t *id);

/**
 * Replace a feed's record (after a poll, an edit, a 301 to a new URL).
 *
 * @param wtx  write transaction
 * @param f    the feed; f->id names it
 * @return SH_OK, SH_ENOTFOUND, STORE_EEXIST (the new URL is another
 *         feed's), SH_EINVAL, SH_ETOOBIG or SH_EIO
 */
int store_feed_put(struct store_wtx *wtx, const struct store_feed *f);

/**
 * Unsubscribe: delete a feed, all its entries and their index keys.
 *
 * All of it happens in the caller's transaction: about five deletions per
 * entry, bounded by what retention keeps of one feed.  LMDB spills a large
 * transaction's pages to the file, so a big feed costs time and map space,
 * not memory; should it fail anyway (SH_ETOOBIG for MDB_TXN_FULL, SH_EIO
 * for a map full at its maximum), nothing is deleted.  Batching by entry
 * can come later without changing this call's meaning.
 *
 * @param wtx       write transaction
 * @param id        the feed
 * @param nentries  if not NULL, on success the number of entries deleted
 * @return SH_OK, SH_ENOTFOUND, SH_ETOOBIG or SH_EIO
 */
int store_feed_delete(struct store_wtx *wtx, uint64_t id, size_t *nentries);

/**
 * Read a feed by id.
 *
 * @param rtx  read transaction
 * @param id   the feed
 * @param out  on success, the feed; the caller clears it
 * @return SH_OK, SH_ENOTFOUND, SH_EINVAL (corrupt record) or SH_EIO
 */
int store_feed_get(struct store_rtx *rtx, uint64_t id, struct store_feed *out);

/**
 * Read a feed by its URL (exact bytes).
 *
 * @param rtx  read transaction
 * @param url  the URL
 * @param out  on success, the feed; the caller clears it
 * @return SH_OK, SH_ENOTFOUND, SH_EINVAL or SH_EIO
 */
int store_feed_get_by_url(struct store_rtx *rtx, const char *url,
    struct store_feed *out);

/**
 * Call fn for every feed in id order.
 *
 * @param rtx  read transaction
 * @param fn   callback; see store_feed_cb
 * @param arg  passed to fn
 * @return SH_OK, fn's first error, SH_EINVAL or SH_EIO
 */
int store_feed_foreach(struct store_rtx *rtx, store_feed_cb *fn, void *arg);

/**
 * As store_feed_foreach(), but each feed carries its numbers and times
 * only: every string (url, titles, validators, errors) is NULL.  For a
 * walk that counts: it copies no text.
 */
int store_feed_foreach_numbers(struct store_rtx *rtx, store_feed_cb *fn,
    void *arg);

/* Entries. */

/** Prepare an empty entry (times FEED_TIME_NONE, the rest 0 or NULL). */
void store_entry_init(struct store_entry *e);

/** Release what an entry owns and leave it empty as after init. */
void store_entry_clear(struct store_entry *e);

/**
 * Store an entry of a feed as parsed.  A new entry gets the next seq and
 * first_seen = now.  One seen before (same feed, same entry id) keeps its
 * seq, first_seen, flags and story fields; its other fields are replaced
 * when any of them differs.  Entries a feed no longer lists are never
 * touched here.
 *
 * @param wtx      write transaction
 * @param feed_id  the feed it came from; it must exist
 * @param in       the parsed entry; in->id must not be NULL
 * @param now      the caller's clock, UTC seconds
 * @param seq      if not NULL, on success the entry's seq
 * @param result   if not NULL, on success what was done
 * @return SH_OK, SH_ENOTFOUND (no such feed), SH_EINVAL, SH_ETOOBIG or
 *         SH_EIO
 */
int store_entry_upsert(struct store_wtx *wtx, uint64_t feed_id,
    const struct feed_entry *in, int64_t now, uint64_t *seq,
    enum store_upsert *result);

/**
 * Read an entry by seq.
 *
 * @param rtx  read transaction
 * @param seq  the entry
 * @param out  on success, the entry; the caller clears it
 * @return SH_OK, SH_ENOTFOUND, SH_EINVAL or SH_EIO
 */
int store_entry_get(struct store_rtx *rtx, uint64_t seq,
    struct store_entry *out);

/**
 * Find an entry by its feed and its id within the feed.
 *
 * @param rtx       read transaction
 * @param feed_id   the feed
 * @param entry_id  the entry's id as parsed
 * @param seq       on success, the entry's seq
 * @return SH_OK, SH_ENOTFOUND or SH_EIO
 */
int store_entry_find(struct store_rtx *rtx, uint64_t feed_id,
    const char *entry_id, uint64_t *seq);

/**
 * List entries, newest first.  With a feed, by the feed's time (published,
 * or first seen when absent or more than a day ahead of first seen), and
 * since compares to that time; without, by arrival (first seen, then seq)
 * and since compares to first seen.  Pass next_cursor back to get the
 * following page: every entry appears exactly once across the pages while
 * nothing is added; entries added meanwhile may be skipped.
 *
 * @param rtx   read transaction
 * @param q     what to list
 * @param out   on success, the page; the caller frees it with
 *              store_entry_page_clear()
 * @return SH_OK, SH_EINVAL (bad cursor) or SH_EIO
 */
int store_entry_list(struct store_rtx *rtx, const struct store_list *q,
    struct store_entry_page *out);

/**
 * The times of a feed's newest entries, newest first, from the index
 * alone (no entry is read): each entry's date, or when it was first seen
 * if it has none or it lies in the future.
 *
 * @param rtx      read transaction
 * @param feed_id  the feed
 * @param times    receives up to max times
 * @param max      room in times
 * @return how many were written; 0 also when the store cannot be read
 */
size_t store_feed_times(struct store_rtx *rtx, uint64_t feed_id, int64_t *times,
    size_t max);

/**
 * Release a page's entries.
 *
 * @param page  page from store_entry_list()
 */
void store_entry_page_clear(struct store_entry_page *page);

/**
 * Set or clear an entry's read flag.
 *
 * @param wtx   write transaction
 * @param seq   the entry
 * @param read  true to mark it read
 * @return SH_OK, SH_ENOTFOUND, SH_EINVAL or SH_EIO
 */
int store_entry_set_read(struct store_wtx *wtx, uint64_t seq, bool read);

/**
 * Call fn for each entry first seen at or after since, in arrival order:
 * how the daemon rebuilds its deduplicator's window.  fn gets an entry
 * it must not keep; a return other than SH_OK stops the walk.
 *
 * @param rtx    read transaction
 * @param since  UTC seconds
 * @param fn     callback
 * @param arg    passed to fn
 * @return SH_OK, fn's first error, SH_EINVAL or SH_EIO
 */
int store_entry_foreach_since(struct store_rtx *rtx, int64_t since,
    int (*fn)(const struct store_entry *e, void *arg), void *arg);

/* Stories (store/story.c). */

/** Prepare an empty story. */
void store_story_init(struct store_story *s);

/** Release what a story owns and leave it empty. */
void store_story_clear(struct store_story *s);

/**
 * Put an entry into a story, creating the story when it is new: the
 * entry's story fields and evidence, the story's record and indexes.
 *
 * @param wtx  write transaction
 * @param j    the entry, its story and why
 * @param now  the store's clock: the story's updated time
 * @return SH_OK, SH_ENOTFOUND (no such entry), SH_EINVAL or SH_EIO
 */
int store_story_join(struct store_wtx *wtx, const struct store_story_join *j,
    int64_t now);

/**
 * Merge story from into story into: its entries move, its record stays
 * as an alias so that its id keeps resolving.
 *
 * @param wtx   write transaction
 * @param from  the story merged away
 * @param into  the survivor
 * @param now   the store's clock
 * @return SH_OK, SH_ENOTFOUND, SH_EINVAL or SH_EIO
 */
int store_story_merge(struct store_wtx *wtx, uint64_t from, uint64_t into,
    int64_t now);

/**
 * Read a story, following merges: out->id is the survivor's.
 *
 * @param rtx  read transaction
 * @param id   a story id, current or merged away
 * @param out  on success, the story; the caller clears it
 * @return SH_OK, SH_ENOTFOUND, SH_EINVAL or SH_EIO
 */
int store_story_get(struct store_rtx *rtx, uint64_t id,
    struct store_story *out);

/**
 * The story an id is now: itself, or where merges took it.
 *
 * @param rtx  read transaction
 * @param id   a story id
 * @param out  on success, the current id
 * @return SH_OK, SH_ENOTFOUND, SH_EINVAL or SH_EIO
 */
int store_story_resolve(struct store_rtx *rtx, uint64_t id, uint64_t *out);

/**
 * The seqs of a story's entries in arrival order.
 *
 * @param rtx   read transaction
 * @param id    a current story id
 * @param max   most seqs returned
 * @param out   on success, a new array the caller frees
 * @param n     on success, its length
 * @return SH_OK, SH_EINVAL or SH_EIO
 */
int store_story_entries(struct store_rtx *rtx, uint64_t id, size_t max,
    uint64_t **out, size_t *n);

/**
 * List stories, most recently updated first.
 *
 * @param rtx  read transaction
 * @param q    what to list
 * @param out  on success, the page (store_story_page_clear() it)
 * @return SH_OK, SH_EINVAL (bad cursor) or SH_EIO
 */
int store_story_list(struct store_rtx *rtx, const struct store_story_query *q,
    struct store_story_page *out);

/** Release a page of stories. */
void store_story_page_clear(struct store_story_page *page);

/**
 * Mark a story read now, and its entries.
 *
 * @param wtx     write transaction
 * @param id      a story id, current or merged away
 * @param now     the store's clock
 * @param marked  if not NULL, on success the entries marked
 * @return SH_OK, SH_ENOTFOUND, SH_EINVAL or SH_EIO
 */
int store_story_mark_read(struct store_wtx *wtx, uint64_t id, int64_t now,
    size_t *marked);

/**
 * The id the deduplicator gives its next new story, as last recorded.
 *
 * @param rtx  read transaction
 * @param out  on success, 1 for a store without stories
 * @return SH_OK or SH_EIO
 */
int store_story_next_id(struct store_rtx *rtx, uint64_t *out);

/* Retention. */

/**
 * Delete up to max entries first seen before cutoff, oldest first, with
 * their index keys.  Call it again, each time in a new transaction, while
 * *more is true.  Entries keep() protects are skipped and looked at again
 * by every call.
 *
 * @param wtx     write transaction
 * @param cutoff  entries first seen before this time go
 * @param max     most entries to delete in this call
 * @param keep    protects entries, or NULL
 * @param arg     passed to keep
 * @param purged  on success, the number deleted
 * @param more    on success, true when older entries remain to purge
 * @return SH_OK, SH_EINVAL or SH_EIO
 */
int store_purge(struct store_wtx *wtx, int64_t cutoff, size_t max,
    store_keep_cb *keep, void *arg, size_t *purged, bool *more);

/* Status and integrity. */

/**
 * Counts and sizes.
 *
 * @param rtx  read transaction
 * @param out  on success, filled
 * @return SH_OK or SH_EIO
 */
int store_stats(struct store_rtx *rtx, struct store_stats *out);

/**
 * Walk every record and index and cross-check them: each index key points
 * at a record with matching fields, each record has all its index keys,
 * each entry's feed exists, the counts agree and the id counters are ahead
 * of every id.  Runs in one read transaction.
 *
 * @param st      the store
 * @param report  if not NULL, a report the caller frees: a summary line
 *                on success, the first problems found otherwise
 * @return SH_OK, SH_EINVAL when something is inconsistent, or SH_EIO
 */
int store_check(struct store *st, char **report);

#endif
