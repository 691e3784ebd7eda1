/* SPDX-License-Identifier: MIT */
/* Private to store/ and its unit test: record encoding and test hooks. */
#ifndef SH_STORE_INT_H
#define SH_STORE_INT_H

/*
 * This header does not include lmdb.h, so that tests/unit/test_store.c can
 * use it: the LMDB-facing structs live in store.c alone.
 */

#include "store.h"

/* Version byte that opens every record. */
#define REC_VERSION 1u
/* Kind byte that follows it. */
#define REC_KIND_FEED 'F'
#define REC_KIND_ENTRY 'E'
#define REC_KIND_STORY 'S'
/* Largest record written; bigger ones are refused with SH_ETOOBIG. */
#define REC_MAX_BYTES ((size_t)64 << 20)

/**
 * Encode a feed record, replacing buf's contents.
 *
 * @param f    the feed
 * @param buf  receives the bytes; its ceiling bounds the record
 * @return SH_OK or SH_ETOOBIG
 */
int rec_feed_encode(const struct store_feed *f, struct sh_buf *buf);

/**
 * Decode a feed record.  Unknown tags are skipped.
 *
 * @param p    the bytes
 * @param n    their number
 * @param out  on success, the feed (the caller clears it)
 * @return SH_OK or SH_EINVAL when the bytes are no feed record
 */
int rec_feed_decode(const void *p, size_t n, struct store_feed *out);

/** As rec_feed_decode(), without the text fields: every string is NULL. */
int rec_feed_numbers(const void *p, size_t n, struct store_feed *out);

/**
 * Encode an entry record, replacing buf's contents.
 *
 * @param e    the entry
 * @param buf  receives the bytes
 * @return SH_OK or SH_ETOOBIG
 */
int rec_entry_encode(const struct store_entry *e, struct sh_buf *buf);

/**
 * Decode an entry record.  Unknown tags are skipped.
 *
 * @param p    the bytes
 * @param n    their number
 * @param out  on success, the entry (the caller clears it)
 * @return SH_OK or SH_EINVAL
 */
int rec_entry_decode(const void *p, size_t n, struct store_entry *out);

/**
 * Encode a story record, replacing buf's contents.
 *
 * @param st   the story
 * @param buf  receives the bytes
 * @return SH_OK or SH_ETOOBIG
 */
int rec_story_encode(const struct store_story *st, struct sh_buf *buf);

/**
 * Decode a story record.  Unknown tags are skipped.
 *
 * @param p    the bytes
 * @param n    their number
 * @param out  on success, the story (the caller clears it)
 * @return SH_OK or SH_EINVAL
 */
int rec_story_decode(const void *p, size_t n, struct store_story *out);

/**
 * The time an entry sorts by within its feed: published, unless absent or
 * more than a day ahead of first_seen (a wrong clock or a made-up date).
 *
 * @param e  the entry
 * @return UTC seconds
 */
int64_t rec_entry_time(const struct store_entry *e);

/* Test hooks: used by tests/unit/test_store.c only. */

/* Damage store_test_damage() can do. */
enum store_damage {
	STORE_DAMAGE_ENTRY_KEY = 1, /* delete the entry_keys key of seq */
	STORE_DAMAGE_FEED_TIME,	    /* point a feed_time key at a bad seq */
	STORE_DAMAGE_ENTRY,	    /* delete the entry record of seq */
	STORE_DAMAGE_URL	    /* delete the feed_urls key of feed seq */
};

/**
 * Write a schema version into the meta database, as a newer or older
 * program would have.
 *
 * @param st       the store
 * @param version  the version to write
 * @return SH_OK or SH_EIO
 */
int store_test_set_version(struct store *st, uint32_t version);

/**
 * Damage an index or a record, for store_check() to find.
 *
 * @param st    the store
 * @param what  the kind of damage
 * @param id    the entry seq (or the feed id for STORE_DAMAGE_URL)
 * @return SH_OK, SH_ENOTFOUND or SH_EIO
 */
int store_test_damage(struct store *st, enum store_damage what, uint64_t id);

#endif
