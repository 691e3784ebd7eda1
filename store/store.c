/* SPDX-License-Identifier: MIT */
/* The LMDB store: environment, schema, transactions, feeds and entries. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <lmdb.h>

#include "store_db.h"

static const char *const db_names[DB_COUNT] = {"meta", "feeds", "feed_urls",
    "entries", "entry_keys", "feed_time", "entry_age", "stories",
    "story_entries", "story_time"};

/*
 * Design.
 *
 * One LMDB environment with named databases; every key is big-endian so
 * that LMDB's byte order is numeric order, and times in keys are biased
 * (t ^ 2^63) so that negative times sort first:
 *
 *   meta         "version" -> u32, "next_feed" / "next_seq" -> u64
 *   feeds        feed id (8)                       -> feed record
 *   feed_urls    url, or its first 380 bytes + sha1 when longer -> id (8)
 *   entries      seq (8)                           -> entry record
 *   entry_keys   feed id (8) + sha1(entry id) (20) -> seq (8)
 *   feed_time    feed id (8) + time (8) + seq (8)  -> empty
 *   entry_age    first_seen (8) + seq (8)          -> empty
 *
 * seq is a global arrival counter, so entries are in arrival order and a
 * new entry is one append.  feed_time lists a feed newest first;
 * entry_age lists all feeds by arrival and lets retention find the oldest
 * entries without decoding records, even when the clock went backwards.
 * The id counters live in meta, not in the last key, so a deleted feed's
 * id is never given out again.
 *
 * Invariants (store_check() verifies them): every entry has exactly its
 * three index keys and its feed exists; every feed has its URL key; the
 * counters are ahead of every id.  An update that changes an entry's time
 * moves its feed_time key in the same transaction.
 *
 * Writes go through store_write() only, which owns the one write
 * transaction (threads that write take turns on write_lock): fn runs,
 * the id counters are written if they moved, and the transaction
 * commits.  Any LMDB failure inside fn is remembered in the
 * wtx even when fn ignores it, because LMDB has then spoiled the
 * transaction; store_write() aborts it.  MDB_MAP_FULL aborts, doubles the
 * map (up to map_max) and runs fn again.  mdb_env_set_mapsize() remaps, so
 * no reader may be inside the map then: readers hold map_lock shared for
 * the life of their transaction and growing takes it exclusively, with
 * writers preferred so that a stream of readers cannot starve it.
 * Rejected: MDB_WRITEMAP (a full disk becomes SIGBUS instead of ENOSPC)
 * and MDB_NOSYNC (a power cut could then lose committed data).  The lock
 * file is mapped for writing all the same, so store_open() gives it its
 * blocks (lock_reserve()).
 *
 * A full disk shows up as ENOSPC (or EIO, a short write) from
 * mdb_txn_commit(), which frees the transaction; LMDB writes pages before
 * the meta page that makes them live, so the previous commit stays intact
 * and the next transaction starts from it.
 */

/* A transaction step that migrates schema version v to v + 1. */
typedef int migrate_cb(struct store_wtx *w);

/*
 * migrations[v] brings a store from version v to v + 1, in the same
 * transaction that then writes the new version.  Version 0 is "no store
 * yet": a new store is written at STORE_SCHEMA_VERSION directly.  A
 * change to a record layout or a key adds an entry here and bumps
 * STORE_SCHEMA_VERSION; adding a record field needs neither.
 */
static migrate_cb *const migrations[STORE_SCHEMA_VERSION] = {
    [0] = NULL,
};

/* Errors. */

static int
map_err(int rc)
{
	switch (rc) {
	case MDB_SUCCESS:
		return SH_OK;
	case MDB_NOTFOUND:
		return SH_ENOTFOUND;
	case MDB_TXN_FULL:
	case MDB_BAD_VALSIZE:
	case MDB_DBS_FULL:
		return SH_ETOOBIG;
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
	case MDB_INVALID:
	case MDB_VERSION_MISMATCH:
	case MDB_INCOMPATIBLE:
	case MDB_BAD_TXN:
	case MDB_BAD_DBI:
	case EINVAL:
		return SH_EINVAL;
	default:
		return SH_EIO; /* ENOSPC, EIO, MDB_MAP_FULL, MDB_PANIC, ... */
	}
}

const char *
store_strerror(int err)
{
	if (err == STORE_EEXIST)
		return "already exists";
	return sh_strerror(err);
}

/* Remember an LMDB failure that spoils the write transaction. */
int
fail(struct store_rtx *r, int rc)
{
	if (rc != MDB_NOTFOUND && rc != MDB_KEYEXIST && r->w != NULL &&
	    r->w->mdb_rc == 0)
		r->w->mdb_rc = rc;
	return map_err(rc);
}

/* Keys. */

void
be64_put(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

uint64_t
be64_get(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

void
time_put(uint8_t *p, int64_t t)
{
	be64_put(p, (uint64_t)t ^ ((uint64_t)1 << 63));
}

int64_t
time_get(const uint8_t *p)
{
	return (int64_t)(be64_get(p) ^ ((uint64_t)1 << 63));
}

static size_t
url_key(uint8_t *k, const char *url)
{
	size_t n = strlen(url);

	if (n <= URL_KEY_MAX) {
		memcpy(k, url, n);
		return n;
	}
	memcpy(k, url, URL_KEY_MAX - 20);
	sh_sha1(url, n, k + URL_KEY_MAX - 20);
	return URL_KEY_MAX;
}

static void
entry_key(uint8_t *k, uint64_t feed_id, const char *entry_id)
{
	be64_put(k, feed_id);
	sh_sha1(entry_id, strlen(entry_id), k + 8);
}

static void
feed_time_key(uint8_t *k, const struct store_entry *e)
{
	be64_put(k, e->feed_id);
	time_put(k + 8, rec_entry_time(e));
	be64_put(k + 16, e->seq);
}

static void
age_key(uint8_t *k, const struct store_entry *e)
{
	time_put(k, e->first_seen);
	be64_put(k + 8, e->seq);
}

/* Thin wrappers over LMDB. */

MDB_val
mval(const void *p, size_t n)
{
	MDB_val v;

	v.mv_size = n;
	v.mv_data = (void *)(uintptr_t)p;
	return v;
}

static void release_pages(struct store *st, bool throttle);

/*
 * Count a step of r; every STORE_PAGES_STEPS, let go of mapped pages.  Not
 * throttled by time: a walk maps faster than a clock could pace it.
 */
static void
step(struct store_rtx *r)
{
	if (++r->steps % STORE_PAGES_STEPS == 0)
		release_pages(r->st, false);
}

int
db_get(struct store_rtx *r, enum db db, const void *k, size_t kn, MDB_val *v)
{
	MDB_val key = mval(k, kn);
	int rc;

	step(r);
	if ((rc = mdb_get(r->txn, r->st->dbi[db], &key, v)) != 0)
		return fail(r, rc);
	return SH_OK;
}

int
db_put(struct store_wtx *w, enum db db, const void *k, size_t kn, const void *d,
    size_t dn, unsigned flags)
{
	MDB_val key = mval(k, kn), val = mval(d, dn);
	int rc;

	step(&w->r);
	rc = mdb_put(w->r.txn, w->r.st->dbi[db], &key, &val, flags);
	if (rc == MDB_KEYEXIST)
		return SH_EINVAL;
	if (rc != 0)
		return fail(&w->r, rc);
	return SH_OK;
}

int
db_del(struct store_wtx *w, enum db db, const void *k, size_t kn)
{
	MDB_val key = mval(k, kn);
	int rc;

	if ((rc = mdb_del(w->r.txn, w->r.st->dbi[db], &key, NULL)) != 0)
		return fail(&w->r, rc);
	return SH_OK;
}

int
get_u64(struct store_rtx *r, enum db db, const void *k, size_t kn,
    uint64_t *out)
{
	MDB_val v;
	int rc;

	if ((rc = db_get(r, db, k, kn, &v)) != SH_OK)
		return rc;
	if (v.mv_size != 8)
		return SH_EINVAL;
	*out = be64_get(v.mv_data);
	return SH_OK;
}

int
put_u64(struct store_wtx *w, enum db db, const void *k, size_t kn,
    uint64_t value)
{
	uint8_t v[8];

	be64_put(v, value);
	return db_put(w, db, k, kn, v, sizeof(v), 0);
}

int
meta_put_u64(struct store_wtx *w, const char *name, uint64_t value)
{
	return put_u64(w, DB_META, name, strlen(name), value);
}

int
meta_get_u64(struct store_rtx *r, const char *name, uint64_t *out)
{
	return get_u64(r, DB_META, name, strlen(name), out);
}

int
cursor_open(struct store_rtx *r, enum db db, MDB_cursor **c)
{
	int rc;

	if ((rc = mdb_cursor_open(r->txn, r->st->dbi[db], c)) != 0)
		return fail(r, rc);
	return SH_OK;
}

/* Step a cursor; SH_OK, SH_ENOTFOUND at the end, or an error. */
int
cursor_get(struct store_rtx *r, MDB_cursor *c, MDB_val *k, MDB_val *v,
    MDB_cursor_op op)
{
	int rc;

	step(r);
	if ((rc = mdb_cursor_get(c, k, v, op)) != 0)
		return fail(r, rc);
	return SH_OK;
}

/* Write transactions. */

static int
wtx_begin(struct store *st, struct store_wtx *w)
{
	int rc;

	memset(w, 0, sizeof(*w));
	w->r.st = st;
	w->r.w = w;
	w->next_feed = st->next_feed;
	w->next_seq = st->next_seq;
	sh_buf_init(&w->buf, REC_MAX_BYTES);
	rc = mdb_txn_begin(st->env, NULL, 0, &w->r.txn);
	if (rc == MDB_MAP_RESIZED) {
		/* Another process grew the map: adopt its size. */
		pthread_rwlock_wrlock(&st->map_lock);
		rc = mdb_env_set_mapsize(st->env, 0);
		pthread_rwlock_unlock(&st->map_lock);
		if (rc == 0)
			rc = mdb_txn_begin(st->env, NULL, 0, &w->r.txn);
	}
	if (rc != 0) {
		w->r.txn = NULL;
		w->mdb_rc = rc;
		return map_err(rc);
	}
	return SH_OK;
}

static void
wtx_abort(struct store_wtx *w)
{
	if (w->r.txn != NULL)
		mdb_txn_abort(w->r.txn);
	w->r.txn = NULL;
	sh_buf_clear(&w->buf);
}

static int
wtx_commit(struct store_wtx *w)
{
	struct store *st = w->r.st;
	int rc;

	if (w->ids_dirty &&
	    ((rc = meta_put_u64(w, "next_feed", w->next_feed)) != SH_OK ||
		(rc = meta_put_u64(w, "next_seq", w->next_seq)) != SH_OK)) {
		wtx_abort(w);
		return rc;
	}
	rc = mdb_txn_commit(w->r.txn);
	w->r.txn = NULL;
	sh_buf_clear(&w->buf);
	if (rc != 0) {
		w->mdb_rc = rc;
		return map_err(rc);
	}
	st->next_feed = w->next_feed;
	st->next_seq = w->next_seq;
	return SH_OK;
}

/* One attempt of store_write(); *mdb_rc says what LMDB reported. */
static int
write_once(struct store *st, store_write_cb *fn, void *arg, int *mdb_rc)
{
	struct store_wtx w;
	int rc;

	if ((rc = wtx_begin(st, &w)) != SH_OK)
		goto out;
	rc = fn(&w, arg);
	if (rc == SH_OK && w.mdb_rc != 0)
		rc = map_err(w.mdb_rc);
	if (rc == SH_OK)
		rc = wtx_commit(&w);
	else
		wtx_abort(&w);
out:
	*mdb_rc = w.mdb_rc;
	return rc;
}

static int
grow(struct store *st)
{
	uint64_t size = st->map_size * 2;
	int rc;

	if (size > st->map_max)
		size = st->map_max;
	pthread_rwlock_wrlock(&st->map_lock);
	rc = mdb_env_set_mapsize(st->env, (size_t)size);
	pthread_rwlock_unlock(&st->map_lock);
	if (rc == 0)
		st->map_size = size;
	return rc;
}

/* This thread is inside store_write(): a nested call is refused. */
static _Thread_local bool in_write;
/*
 * Why a write failed, in words a user can act on.  LMDB turns a short
 * write into EIO, and a full file system mostly shows up that way: the
 * free space tells it apart from a failing disk.
 */
static char *
write_error(struct store *st, int mrc)
{
	struct statvfs sv;
	const char *dir = NULL;
	unsigned long long kib;

	if ((mrc != ENOSPC && mrc != EIO) ||
	    mdb_env_get_path(st->env, &dir) != 0 || statvfs(dir, &sv) == -1)
		return xasprintf("store write failed: %s", mdb_strerror(mrc));
	kib = (unsigned long long)sv.f_bavail * sv.f_frsize >> 10;
	if (mrc == ENOSPC || kib < DISK_LOW_KIB)
		return xasprintf("store write failed: no space left on the "
				 "device (%llu KiB free in %s)",
		    kib, dir);
	return xasprintf("store write failed: %s (%llu KiB free in %s)",
	    mdb_strerror(mrc), kib, dir);
}

int
store_write(struct store *st, store_write_cb *fn, void *arg, char **err)
{
	char *msg = NULL;
	int rc, mrc = 0;

	if (in_write) {
		rc = SH_EINVAL;
		msg = xstrdup("store_write() called inside a write");
		goto out;
	}
	pthread_mutex_lock(&st->write_lock);
	in_write = true;
	while ((rc = write_once(st, fn, arg, &mrc)) != SH_OK &&
	       mrc == MDB_MAP_FULL) {
		if (st->map_size >= st->map_max) {
			rc = SH_EIO;
			msg = xasprintf("store full: the map reached its "
					"maximum of %llu MiB",
			    (unsigned long long)(st->map_max >> 20));
			break;
		}
		if ((mrc = grow(st)) != 0) {
			rc = SH_EIO;
			msg = xasprintf("cannot grow the store's map: %s",
			    mdb_strerror(mrc));
			break;
		}
	}
	in_write = false;
	pthread_mutex_unlock(&st->write_lock);
	if (rc != SH_OK && msg == NULL)
		msg = mrc != 0 ? write_error(st, mrc)
			       : xstrdup(store_strerror(rc));
out:
	if (rc != SH_OK && err != NULL)
		*err = msg;
	else
		free(msg);
	return rc;
}

struct store_rtx *
store_wtx_reader(struct store_wtx *wtx)
{
	return &wtx->r;
}

/* Read transactions. */

int
store_read_begin(struct store *st, struct store_rtx **out)
{
	struct store_rtx *r;
	int rc;

	r = xcalloc(1, sizeof(*r));
	r->st = st;
	pthread_rwlock_rdlock(&st->map_lock);
	if ((rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, &r->txn)) != 0) {
		pthread_rwlock_unlock(&st->map_lock);
		free(r);
		return map_err(rc);
	}
	*out = r;
	return SH_OK;
}

void
store_read_end(struct store_rtx *rtx)
{
	if (rtx == NULL)
		return;
	mdb_txn_abort(rtx->txn);
	pthread_rwlock_unlock(&rtx->st->map_lock);
	free(rtx);
}

/* Opening: directory, environment, schema. */

void
store_options_default(struct store_options *opt)
{
	opt->map_size = STORE_MAP_SIZE_DEFAULT;
	opt->map_max = STORE_MAP_MAX_DEFAULT;
	opt->max_readers = 126;
	opt->create = true;
}

static uint64_t
round_map(uint64_t n)
{
	return (n + MAP_ROUND - 1) / MAP_ROUND * MAP_ROUND;
}

/* Make dir and its parents with mode 0700 (like mkdir -p). */
static int
make_dir(const char *dir, bool create, char **msg)
{
	struct stat sb;
	char *copy = NULL, *p;
	int rc = SH_OK;

	if (stat(dir, &sb) == 0) {
		if (!S_ISDIR(sb.st_mode)) {
			rc = SH_EINVAL;
			*msg = xasprintf("%s: not a directory", dir);
		}
		goto out;
	}
	if (errno != ENOENT || !create) {
		rc = errno == ENOENT ? SH_ENOTFOUND : SH_EIO;
		*msg = xasprintf("%s: %s", dir, strerror(errno));
		goto out;
	}
	copy = xstrdup(dir);
	for (p = copy + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, 0700) == -1 && errno != EEXIST)
			break;
		*p = '/';
	}
	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		rc = SH_EIO;
		*msg = xasprintf("cannot create %s: %s", dir, strerror(errno));
	}
out:
	free(copy);
	return rc;
}

/* The schema step of store_open(), in its own write transaction. */
static int
schema_open(struct store *st, char **msg)
{
	struct store_wtx w;
	MDB_stat sf, se;
	uint64_t version, found = 0;
	int i, rc;

	if ((rc = wtx_begin(st, &w)) != SH_OK) {
		*msg = xasprintf("cannot begin: %s", mdb_strerror(w.mdb_rc));
		goto out;
	}
	for (i = 0; i < DB_COUNT; i++) {
		rc =
		    mdb_dbi_open(w.r.txn, db_names[i], MDB_CREATE, &st->dbi[i]);
		if (rc != 0) {
			*msg = xasprintf("cannot open database %s: %s",
			    db_names[i], mdb_strerror(rc));
			rc = map_err(rc);
			goto out;
		}
	}
	rc = meta_get_u64(&w.r, "version", &version);
	if (rc == SH_ENOTFOUND) {
		mdb_stat(w.r.txn, st->dbi[DB_FEEDS], &sf);
		mdb_stat(w.r.txn, st->dbi[DB_ENTRIES], &se);
		if (sf.ms_entries != 0 || se.ms_entries != 0) {
			rc = SH_EINVAL;
			*msg =
			    xstrdup("store holds data but no schema version");
			goto out;
		}
		version = STORE_SCHEMA_VERSION;
		w.next_feed = w.next_seq = 1;
		w.ids_dirty = true;
	} else if (rc != SH_OK) {
		*msg = xasprintf("cannot read the schema version: %s",
		    store_strerror(rc));
		goto out;
	} else if (version > STORE_SCHEMA_VERSION) {
		rc = SH_EINVAL;
		*msg = xasprintf("the store has schema version %llu, newer "
				 "than this program's %u: run a newer sheafd "
				 "or restore a backup",
		    (unsigned long long)version, STORE_SCHEMA_VERSION);
		goto out;
	} else if ((rc = meta_get_u64(&w.r, "next_feed", &w.next_feed)) !=
		       SH_OK ||
		   (rc = meta_get_u64(&w.r, "next_seq", &w.next_seq)) !=
		       SH_OK) {
		*msg = xasprintf("cannot read the id counters: %s",
		    store_strerror(rc));
		goto out;
	}
	found = version;
	for (; version < STORE_SCHEMA_VERSION; version++) {
		if (migrations[version] == NULL)
			continue;
		if ((rc = migrations[version](&w)) != SH_OK) {
			*msg = xasprintf("migration from schema version %llu "
					 "failed: %s",
			    (unsigned long long)version, store_strerror(rc));
			goto out;
		}
	}
	/* An unchanged store commits nothing: no sync at every start. */
	if ((w.ids_dirty || found != version) &&
	    (rc = meta_put_u64(&w, "version", version)) != SH_OK) {
		*msg = xasprintf("cannot write the schema version: %s",
		    mdb_strerror(w.mdb_rc));
		goto out;
	}
	if ((rc = wtx_commit(&w)) != SH_OK) {
		*msg = xasprintf("cannot commit the schema: %s",
		    mdb_strerror(w.mdb_rc));
		goto out;
	}
	st->version = (uint32_t)version;
out:
	wtx_abort(&w);
	return rc;
}

/*
 * LMDB sizes its lock file with ftruncate(), which leaves it sparse, and
 * writes the reader slots through a shared map.  On a full file system the
 * first write to a page of it never written before (about the 62nd reader
 * at once) is a SIGBUS, not an error.  Giving the file its blocks at open
 * time turns that into an error there, where a new store on a full disk
 * fails anyway.  Other failures (a file system without fallocate) leave
 * things as LMDB made them.
 */
static int
lock_reserve(const char *dir, char **msg)
{
	char *path = xasprintf("%s/lock.mdb", dir);
	struct stat sb;
	int fd, rc = 0;

	if ((fd = open(path, O_RDWR | O_CLOEXEC)) != -1 && fstat(fd, &sb) == 0)
		rc = posix_fallocate(fd, 0, sb.st_size);
	if (fd != -1)
		close(fd);
	if (rc == ENOSPC || rc == EDQUOT) {
		*msg = xasprintf("cannot reserve the space of %s: %s", path,
		    strerror(rc));
		free(path);
		return SH_EIO;
	}
	free(path);
	return SH_OK;
}

/* Create the environment and open its files. */
static int
env_open(struct store *st, const char *dir, const struct store_options *opt,
    char **msg)
{
	MDB_envinfo info;
	int dead = 0, rc;

	if ((rc = mdb_env_create(&st->env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(st->env, MAX_DBS)) != 0 ||
	    (rc = mdb_env_set_maxreaders(st->env, opt->max_readers)) != 0 ||
	    (rc = mdb_env_set_mapsize(st->env,
		 (size_t)round_map(opt->map_size))) != 0) {
		*msg = xasprintf("cannot set up LMDB: %s", mdb_strerror(rc));
		return map_err(rc);
	}
	if ((rc = mdb_env_open(st->env, dir, MDB_NOTLS, 0600)) != 0) {
		*msg = xasprintf("cannot open the store in %s: %s", dir,
		    mdb_strerror(rc));
		return map_err(rc);
	}
	if ((rc = lock_reserve(dir, msg)) != SH_OK)
		return rc;
	if ((rc = mdb_reader_check(st->env, &dead)) != 0) {
		*msg = xasprintf("cannot check readers: %s", mdb_strerror(rc));
		return map_err(rc);
	}
	st->stale_readers = (uint64_t)dead;
	/* A store grown before may be larger than the configured size. */
	mdb_env_info(st->env, &info);
	st->map_size = info.me_mapsize;
	st->map_max = round_map(opt->map_max);
	if (st->map_max < st->map_size)
		st->map_max = st->map_size;
	return SH_OK;
}

int
store_open(const char *dir, const struct store_options *opt, struct store **out,
    char **err)
{
	struct store_options dflt;
	pthread_rwlockattr_t attr;
	struct store *st = NULL;
	char *msg = NULL, *data = NULL;
	struct stat sb;
	int rc;

	if (opt == NULL) {
		store_options_default(&dflt);
		opt = &dflt;
	}
	if (opt->map_size == 0 || opt->map_max < opt->map_size ||
	    opt->max_readers == 0) {
		rc = SH_EINVAL;
		msg = xstrdup("bad store options: map sizes or readers");
		goto out;
	}
	if ((rc = make_dir(dir, opt->create, &msg)) != SH_OK)
		goto out;
	data = xasprintf("%s/data.mdb", dir);
	if (!opt->create && stat(data, &sb) == -1) {
		rc = SH_ENOTFOUND;
		msg = xasprintf("no store in %s", dir);
		goto out;
	}
	st = xcalloc(1, sizeof(*st));
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr,
	    PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&st->map_lock, &attr);
	pthread_mutex_init(&st->write_lock, NULL);
	pthread_mutex_init(&st->pages_lock, NULL);
	pthread_rwlockattr_destroy(&attr);
	if ((rc = env_open(st, dir, opt, &msg)) != SH_OK ||
	    (rc = schema_open(st, &msg)) != SH_OK)
		goto out;
	*out = st;
	st = NULL;
out:
	store_close(st);
	free(data);
	if (rc != SH_OK && err != NULL)
		*err = msg;
	else
		free(msg);
	return rc;
}

/* Bytes of file pages mapped in the process (statm's "shared"), or 0. */
static uint64_t
mapped_file_bytes(void)
{
	char buf[128];
	unsigned long long size, resident, shared;
	ssize_t n;
	int fd;

	if ((fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	if (sscanf(buf, "%llu %llu %llu", &size, &resident, &shared) != 3)
		return 0;
	return (uint64_t)shared * (uint64_t)sysconf(_SC_PAGESIZE);
}

/* Unmap the data file's mappings, which /proc/self/maps lists. */
static void
unmap_pages(struct store *st)
{
	unsigned long lo, hi, ino;
	unsigned int maj, min;
	struct stat sb;
	char *line = NULL;
	size_t cap = 0;
	FILE *maps;
	int fd;

	if (mdb_env_get_fd(st->env, &fd) != 0 || fstat(fd, &sb) == -1)
		return;
	if ((maps = fopen("/proc/self/maps", "re")) == NULL)
		return;
	/*
	 * map_lock keeps the map where it is: growing it remaps.  Only
	 * tried, so that a reader may call this inside its transaction: a
	 * grow waiting for the lock would otherwise wait for the reader.
	 */
	if (pthread_rwlock_tryrdlock(&st->map_lock) != 0) {
		fclose(maps);
		return;
	}
	while (getline(&line, &cap, maps) != -1)
		if (sscanf(line, "%lx-%lx %*s %*s %x:%x %lu", &lo, &hi, &maj,
			&min, &ino) == 5 &&
		    ino == sb.st_ino && makedev(maj, min) == sb.st_dev &&
		    madvise((void *)lo, hi - lo, MADV_DONTNEED) == -1)
			log_debug("store: madvise: %s", strerror(errno));
	pthread_rwlock_unlock(&st->map_lock);
	free(line);
	fclose(maps);
}

/*
 * Unmap when the process maps STORE_PAGES_SLACK more than after the last
 * release; with throttle, at most every STORE_PAGES_EVERY_MS.
 */
static void
release_pages(struct store *st, bool throttle)
{
	int64_t now = sh_monotonic_ms();

	if (pthread_mutex_trylock(&st->pages_lock) != 0)
		return; /* another thread is at it */
	/* A busy API calls this thousands of times a second. */
	if (throttle && now - st->pages_checked < STORE_PAGES_EVERY_MS) {
		pthread_mutex_unlock(&st->pages_lock);
		return;
	}
	st->pages_checked = now;
	if (mapped_file_bytes() >= st->pages_base + STORE_PAGES_SLACK) {
		unmap_pages(st);
		st->pages_base = mapped_file_bytes();
	}
	pthread_mutex_unlock(&st->pages_lock);
}

void
store_release_pages(struct store *st)
{
	release_pages(st, true);
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	if (st->env != NULL)
		mdb_env_close(st->env);
	pthread_rwlock_destroy(&st->map_lock);
	pthread_mutex_destroy(&st->write_lock);
	pthread_mutex_destroy(&st->pages_lock);
	free(st);
}

/* Feeds. */

static int
feed_load(struct store_rtx *r, uint64_t id, struct store_feed *out)
{
	uint8_t k[8];
	MDB_val v;
	int rc;

	be64_put(k, id);
	if ((rc = db_get(r, DB_FEEDS, k, sizeof(k), &v)) != SH_OK)
		return rc;
	return rec_feed_decode(v.mv_data, v.mv_size, out);
}

int
store_feed_get(struct store_rtx *rtx, uint64_t id, struct store_feed *out)
{
	return feed_load(rtx, id, out);
}

int
store_feed_get_by_url(struct store_rtx *rtx, const char *url,
    struct store_feed *out)
{
	struct store_feed f;
	uint8_t k[URL_KEY_MAX];
	uint64_t id;
	int rc;

	store_feed_init(&f);
	if ((rc = get_u64(rtx, DB_FEED_URLS, k, url_key(k, url), &id)) !=
		SH_OK ||
	    (rc = feed_load(rtx, id, &f)) != SH_OK)
		goto out;
	/* A long URL is keyed by a prefix and its hash: make sure. */
	if (strcmp(f.url, url) != 0) {
		rc = SH_ENOTFOUND;
		goto out;
	}
	*out = f;
	store_feed_init(&f);
out:
	store_feed_clear(&f);
	return rc;
}

static int
feed_write(struct store_wtx *w, const struct store_feed *f)
{
	uint8_t k[8];
	int rc;

	if ((rc = rec_feed_encode(f, &w->buf)) != SH_OK)
		return rc;
	be64_put(k, f->id);
	return db_put(w, DB_FEEDS, k, sizeof(k), w->buf.data, w->buf.len, 0);
}

/* SH_OK when url is free, STORE_EEXIST when taken, or an error. */
static int
url_free(struct store_wtx *w, const char *url)
{
	uint8_t k[URL_KEY_MAX];
	MDB_val v;
	int rc;

	rc = db_get(&w->r, DB_FEED_URLS, k, url_key(k, url), &v);
	if (rc == SH_OK)
		return STORE_EEXIST;
	return rc == SH_ENOTFOUND ? SH_OK : rc;
}

int
store_feed_add(struct store_wtx *wtx, const struct store_feed *f, uint64_t *id)
{
	struct store_feed copy;
	uint8_t k[URL_KEY_MAX];
	int rc;

	if (f->url == NULL || f->url[0] == '\0')
		return SH_EINVAL;
	if ((rc = url_free(wtx, f->url)) != SH_OK)
		return rc;
	copy = *f;
	copy.id = wtx->next_feed;
	if ((rc = feed_write(wtx, &copy)) != SH_OK ||
	    (rc = put_u64(wtx, DB_FEED_URLS, k, url_key(k, f->url), copy.id)) !=
		SH_OK)
		return rc;
	wtx->next_feed++;
	wtx->ids_dirty = true;
	*id = copy.id;
	return SH_OK;
}

int
store_feed_put(struct store_wtx *wtx, const struct store_feed *f)
{
	struct store_feed old;
	uint8_t k[URL_KEY_MAX];
	int rc;

	store_feed_init(&old);
	if (f->url == NULL || f->url[0] == '\0') {
		rc = SH_EINVAL;
		goto out;
	}
	if ((rc = feed_load(&wtx->r, f->id, &old)) != SH_OK)
		goto out;
	if (strcmp(old.url, f->url) != 0) {
		/* A permanent redirect: the feed moves to its new URL. */
		if ((rc = url_free(wtx, f->url)) != SH_OK)
			goto out;
		rc = db_del(wtx, DB_FEED_URLS, k, url_key(k, old.url));
		if (rc != SH_OK && rc != SH_ENOTFOUND)
			goto out;
		if ((rc = put_u64(wtx, DB_FEED_URLS, k, url_key(k, f->url),
			 f->id)) != SH_OK)
			goto out;
	}
	rc = feed_write(wtx, f);
out:
	store_feed_clear(&old);
	return rc;
}

/* Delete an entry and its index keys; keys already missing are fine. */
static int
entry_remove(struct store_wtx *w, const struct store_entry *e)
{
	uint8_t k[ENTRY_KEY_LEN];
	int rc;

	be64_put(k, e->seq);
	if ((rc = db_del(w, DB_ENTRIES, k, 8)) != SH_OK && rc != SH_ENOTFOUND)
		return rc;
	entry_key(k, e->feed_id, e->entry_id);
	rc = db_del(w, DB_ENTRY_KEYS, k, ENTRY_KEY_LEN);
	if (rc != SH_OK && rc != SH_ENOTFOUND)
		return rc;
	feed_time_key(k, e);
	rc = db_del(w, DB_FEED_TIME, k, FEED_TIME_LEN);
	if (rc != SH_OK && rc != SH_ENOTFOUND)
		return rc;
	age_key(k, e);
	rc = db_del(w, DB_ENTRY_AGE, k, AGE_LEN);
	if (rc != SH_OK && rc != SH_ENOTFOUND)
		return rc;
	return story_entry_removed(w, e);
}

int
entry_load(struct store_rtx *r, uint64_t seq, struct store_entry *out)
{
	uint8_t k[8];
	MDB_val v;
	int rc;

	be64_put(k, seq);
	if ((rc = db_get(r, DB_ENTRIES, k, sizeof(k), &v)) != SH_OK)
		return rc;
	return rec_entry_decode(v.mv_data, v.mv_size, out);
}

int
store_feed_delete(struct store_wtx *wtx, uint64_t id, size_t *nentries)
{
	struct store_feed f;
	struct store_entry e;
	MDB_cursor *c = NULL;
	uint8_t k[URL_KEY_MAX];
	MDB_val key, val;
	size_t n = 0;
	int rc;

	store_feed_init(&f);
	store_entry_init(&e);
	if ((rc = feed_load(&wtx->r, id, &f)) != SH_OK ||
	    (rc = cursor_open(&wtx->r, DB_ENTRY_KEYS, &c)) != SH_OK)
		goto out;
	/*
	 * Each round finds the feed's first remaining entry key.  The key is
	 * copied out: deleting makes what LMDB returned invalid.
	 */
	for (;;) {
		be64_put(k, id);
		key = mval(k, 8);
		rc = cursor_get(&wtx->r, c, &key, &val, MDB_SET_RANGE);
		if (rc == SH_ENOTFOUND ||
		    (rc == SH_OK && (key.mv_size != ENTRY_KEY_LEN ||
					be64_get(key.mv_data) != id)))
			break;
		if (rc != SH_OK)
			goto out;
		memcpy(k, key.mv_data, ENTRY_KEY_LEN);
		if (val.mv_size == 8 &&
		    entry_load(&wtx->r, be64_get(val.mv_data), &e) == SH_OK &&
		    e.feed_id == id && (rc = entry_remove(wtx, &e)) != SH_OK)
			goto out;
		store_entry_clear(&e);
		/* A dangling key (no record) is deleted all the same. */
		rc = db_del(wtx, DB_ENTRY_KEYS, k, ENTRY_KEY_LEN);
		if (rc != SH_OK && rc != SH_ENOTFOUND)
			goto out;
		n++;
	}
	rc = db_del(wtx, DB_FEED_URLS, k, url_key(k, f.url));
	if (rc != SH_OK && rc != SH_ENOTFOUND)
		goto out;
	be64_put(k, id);
	if ((rc = db_del(wtx, DB_FEEDS, k, 8)) != SH_OK)
		goto out;
	if (nentries != NULL)
		*nentries = n;
out:
	mdb_cursor_close(c);
	store_entry_clear(&e);
	store_feed_clear(&f);
	return rc;
}

static int
feed_walk(struct store_rtx *rtx, store_feed_cb *fn, void *arg, bool numbers)
{
	struct store_feed f;
	MDB_cursor *c = NULL;
	MDB_val k, v;
	int rc;

	store_feed_init(&f);
	if ((rc = cursor_open(rtx, DB_FEEDS, &c)) != SH_OK)
		goto out;
	for (rc = cursor_get(rtx, c, &k, &v, MDB_FIRST); rc == SH_OK;
	     rc = cursor_get(rtx, c, &k, &v, MDB_NEXT)) {
		if ((rc = numbers ? rec_feed_numbers(v.mv_data, v.mv_size, &f)
				  : rec_feed_decode(v.mv_data, v.mv_size,
					&f)) != SH_OK ||
		    (rc = fn(&f, arg)) != SH_OK)
			goto out;
		store_feed_clear(&f);
	}
	if (rc == SH_ENOTFOUND)
		rc = SH_OK;
out:
	mdb_cursor_close(c);
	store_feed_clear(&f);
	return rc;
}

int
store_feed_foreach(struct store_rtx *rtx, store_feed_cb *fn, void *arg)
{
	return feed_walk(rtx, fn, arg, false);
}

int
store_feed_foreach_numbers(struct store_rtx *rtx, store_feed_cb *fn, void *arg)
{
	return feed_walk(rtx, fn, arg, true);
}

/* Entries. */

/* Fill e from a parsed entry; e borrows in's strings. */
static void
entry_borrow(struct store_entry *e, const struct feed_entry *in)
{
	e->entry_id = in->id;
	e->title = in->title;
	e->link = in->link;
	e->published = in->published;
	e->updated = in->updated;
	e->authors = in->authors;
	e->summary = in->summary;
	e->content_html = in->content_html;
	e->categories = in->categories;
	e->enclosures = in->enclosures;
	e->nenclosures = in->nenclosures;
	e->language = in->language;
}

static int
entry_insert(struct store_wtx *w, struct store_entry *e)
{
	uint8_t k[ENTRY_KEY_LEN];
	int rc;

	e->seq = w->next_seq;
	if ((rc = rec_entry_encode(e, &w->buf)) != SH_OK)
		return rc;
	be64_put(k, e->seq);
	if ((rc = db_put(w, DB_ENTRIES, k, 8, w->buf.data, w->buf.len,
		 MDB_NOOVERWRITE | MDB_APPEND)) != SH_OK)
		return rc;
	entry_key(k, e->feed_id, e->entry_id);
	if ((rc = put_u64(w, DB_ENTRY_KEYS, k, ENTRY_KEY_LEN, e->seq)) != SH_OK)
		return rc;
	feed_time_key(k, e);
	if ((rc = db_put(w, DB_FEED_TIME, k, FEED_TIME_LEN, "", 0, 0)) != SH_OK)
		return rc;
	age_key(k, e);
	if ((rc = db_put(w, DB_ENTRY_AGE, k, AGE_LEN, "", 0, 0)) != SH_OK)
		return rc;
	w->next_seq++;
	w->ids_dirty = true;
	return SH_OK;
}

/* Replace a known entry's record when it differs from old's bytes. */
static int
entry_update(struct store_wtx *w, const struct store_entry *old,
    const MDB_val *old_bytes, const struct store_entry *e, bool *changed)
{
	uint8_t k[FEED_TIME_LEN];
	int rc;

	if ((rc = rec_entry_encode(e, &w->buf)) != SH_OK)
		return rc;
	*changed = w->buf.len != old_bytes->mv_size ||
		   memcmp(w->buf.data, old_bytes->mv_data, w->buf.len) != 0;
	if (!*changed)
		return SH_OK;
	be64_put(k, e->seq);
	if ((rc = db_put(w, DB_ENTRIES, k, 8, w->buf.data, w->buf.len, 0)) !=
	    SH_OK)
		return rc;
	if (rec_entry_time(old) == rec_entry_time(e))
		return SH_OK;
	/* The published date changed: move the entry in its feed's list. */
	feed_time_key(k, old);
	rc = db_del(w, DB_FEED_TIME, k, FEED_TIME_LEN);
	if (rc != SH_OK && rc != SH_ENOTFOUND)
		return rc;
	feed_time_key(k, e);
	return db_put(w, DB_FEED_TIME, k, FEED_TIME_LEN, "", 0, 0);
}

int
store_entry_upsert(struct store_wtx *wtx, uint64_t feed_id,
    const struct feed_entry *in, int64_t now, uint64_t *seq,
    enum store_upsert *result)
{
	struct store_entry old, e;
	uint8_t k[ENTRY_KEY_LEN];
	MDB_val v;
	uint64_t s;
	bool changed = false;
	int rc;

	store_entry_init(&old);
	store_entry_init(&e);
	if (in == NULL || in->id == NULL) {
		rc = SH_EINVAL;
		goto out;
	}
	be64_put(k, feed_id);
	if ((rc = db_get(&wtx->r, DB_FEEDS, k, 8, &v)) != SH_OK)
		goto out;
	entry_borrow(&e, in);
	e.feed_id = feed_id;
	entry_key(k, feed_id, in->id);
	rc = get_u64(&wtx->r, DB_ENTRY_KEYS, k, ENTRY_KEY_LEN, &s);
	if (rc == SH_ENOTFOUND) {
		e.first_seen = now;
		if ((rc = entry_insert(wtx, &e)) != SH_OK)
			goto out;
		s = e.seq;
	} else if (rc != SH_OK) {
		goto out;
	} else {
		be64_put(k, s);
		if ((rc = db_get(&wtx->r, DB_ENTRIES, k, 8, &v)) != SH_OK ||
		    (rc = rec_entry_decode(v.mv_data, v.mv_size, &old)) !=
			SH_OK)
			goto out;
		e.seq = old.seq;
		e.first_seen = old.first_seen;
		e.flags = old.flags;
		e.story_id = old.story_id;
		e.duplicate_of = old.duplicate_of;
		e.why = old.why; /* borrowed from old, freed with it */
		if ((rc = entry_update(wtx, &old, &v, &e, &changed)) != SH_OK)
			goto out;
	}
	if (seq != NULL)
		*seq = s;
	if (result != NULL)
		*result = old.entry_id == NULL ? STORE_UPSERT_NEW
			  : changed	       ? STORE_UPSERT_CHANGED
					       : STORE_UPSERT_UNCHANGED;
out:
	store_entry_clear(&old);
	/* e borrowed its strings: nothing of its own to free. */
	return rc;
}

int
store_entry_get(struct store_rtx *rtx, uint64_t seq, struct store_entry *out)
{
	return entry_load(rtx, seq, out);
}

int
store_entry_find(struct store_rtx *rtx, uint64_t feed_id, const char *entry_id,
    uint64_t *seq)
{
	uint8_t k[ENTRY_KEY_LEN];

	entry_key(k, feed_id, entry_id);
	return get_u64(rtx, DB_ENTRY_KEYS, k, ENTRY_KEY_LEN, seq);
}

/* Load an entry, let edit() change it, and write it back. */
static int
entry_edit(struct store_wtx *w, uint64_t seq,
    void (*edit)(struct store_entry *, const uint64_t *), const uint64_t *args)
{
	struct store_entry e;
	uint8_t k[8];
	int rc;

	store_entry_init(&e);
	if ((rc = entry_load(&w->r, seq, &e)) != SH_OK)
		goto out;
	edit(&e, args);
	if ((rc = rec_entry_encode(&e, &w->buf)) != SH_OK)
		goto out;
	be64_put(k, seq);
	rc = db_put(w, DB_ENTRIES, k, 8, w->buf.data, w->buf.len, 0);
out:
	store_entry_clear(&e);
	return rc;
}

static void
edit_read(struct store_entry *e, const uint64_t *args)
{
	if (args[0])
		e->flags |= STORE_ENTRY_READ;
	else
		e->flags &= ~STORE_ENTRY_READ;
}

int
store_entry_set_read(struct store_wtx *wtx, uint64_t seq, bool read)
{
	uint64_t args[1] = {read};

	return entry_edit(wtx, seq, edit_read, args);
}

/* Listing. */

void
cursor_format(char *out, char kind, const uint8_t *pos)
{
	static const char hex[] = "0123456789abcdef";
	int i;

	out[0] = kind;
	for (i = 0; i < 16; i++) {
		out[1 + 2 * i] = hex[pos[i] >> 4];
		out[2 + 2 * i] = hex[pos[i] & 15];
	}
	out[33] = '\0';
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

bool
cursor_parse(const char *s, char kind, uint8_t *pos)
{
	int i, hi, lo;

	if (s[0] != kind || strlen(s) != 33)
		return false;
	for (i = 0; i < 16; i++) {
		if ((hi = hexval(s[1 + 2 * i])) < 0 ||
		    (lo = hexval(s[2 + 2 * i])) < 0)
			return false;
		pos[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

/*
 * Position c on the newest key of the listing: the last key before start
 * (start is the cursor's key, or the first key past the feed's range), or
 * the very last key when there is no start.
 */
static int
list_first(struct store_rtx *r, MDB_cursor *c, const uint8_t *start,
    size_t slen, MDB_val *k)
{
	MDB_val v;
	int rc;

	if (slen == 0)
		return cursor_get(r, c, k, &v, MDB_LAST);
	*k = mval(start, slen);
	rc = cursor_get(r, c, k, &v, MDB_SET_RANGE);
	if (rc == SH_OK)
		return cursor_get(r, c, k, &v, MDB_PREV);
	if (rc == SH_ENOTFOUND)
		return cursor_get(r, c, k, &v, MDB_LAST);
	return rc;
}

static void
page_add(struct store_entry_page *p, struct store_entry *e)
{
	if ((p->n & (p->n - 1)) == 0)
		p->v = xreallocarray(p->v, p->n ? p->n * 2 : 1, sizeof(*p->v));
	p->v[p->n++] = *e;
	store_entry_init(e);
}

int
store_entry_list(struct store_rtx *rtx, const struct store_list *q,
    struct store_entry_page *out)
{
	struct store_entry_page page;
	struct store_entry e;
	MDB_cursor *c = NULL;
	uint8_t start[FEED_TIME_LEN];
	size_t plen = q->feed_id != 0 ? 8 : 0, klen = plen + 16, slen = 0;
	size_t limit = q->limit == 0 ? STORE_LIST_DEFAULT : q->limit;
	char kind = q->feed_id != 0 ? 'f' : 'a';
	MDB_val k, v;
	int rc;

	memset(&page, 0, sizeof(page));
	store_entry_init(&e);
	if (limit > STORE_LIST_MAX)
		limit = STORE_LIST_MAX;
	be64_put(start, q->feed_id);
	if (q->cursor != NULL && q->cursor[0] != '\0') {
		if (!cursor_parse(q->cursor, kind, start + plen)) {
			rc = SH_EINVAL;
			goto out;
		}
		slen = klen;
	} else if (q->feed_id != 0) {
		be64_put(start, q->feed_id + 1);
		slen = 8;
	}
	if ((rc = cursor_open(rtx, plen ? DB_FEED_TIME : DB_ENTRY_AGE, &c)) !=
	    SH_OK)
		goto out;
	for (rc = list_first(rtx, c, start, slen, &k); rc == SH_OK;
	     rc = cursor_get(rtx, c, &k, &v, MDB_PREV)) {
		const uint8_t *key = k.mv_data;

		if (k.mv_size != klen ||
		    (plen != 0 && be64_get(key) != q->feed_id) ||
		    (q->since != FEED_TIME_NONE &&
			time_get(key + plen) < q->since))
			break;
		if (page.n == limit) {
			cursor_format(page.next_cursor, kind, start + plen);
			break;
		}
		rc = entry_load(rtx, be64_get(key + plen + 8), &e);
		if (rc == SH_ENOTFOUND)
			continue; /* dangling: store_check() reports it */
		if (rc != SH_OK)
			goto out;
		memcpy(start + plen, key + plen, 16);
		page_add(&page, &e);
	}
	if (rc != SH_OK && rc != SH_ENOTFOUND)
		goto out;
	rc = SH_OK;
	*out = page;
	memset(&page, 0, sizeof(page));
out:
	mdb_cursor_close(c);
	store_entry_clear(&e);
	store_entry_page_clear(&page);
	return rc;
}

size_t
store_feed_times(struct store_rtx *rtx, uint64_t feed_id, int64_t *times,
    size_t max)
{
	uint8_t start[8];
	MDB_cursor *c = NULL;
	MDB_val k, v;
	size_t n = 0;
	int rc;

	if (max == 0 || cursor_open(rtx, DB_FEED_TIME, &c) != SH_OK)
		return 0;
	be64_put(start, feed_id + 1);
	for (rc = list_first(rtx, c, start, sizeof(start), &k);
	     rc == SH_OK && n < max;
	     rc = cursor_get(rtx, c, &k, &v, MDB_PREV)) {
		const uint8_t *key = k.mv_data;

		if (k.mv_size != FEED_TIME_LEN || be64_get(key) != feed_id)
			break;
		times[n++] = time_get(key + 8);
	}
	mdb_cursor_close(c);
	return n;
}

void
store_entry_page_clear(struct store_entry_page *page)
{
	size_t i;

	for (i = 0; i < page->n; i++)
		store_entry_clear(&page->v[i]);
	free(page->v);
	memset(page, 0, sizeof(*page));
}

/* Retention. */

int
store_purge(struct store_wtx *wtx, int64_t cutoff, size_t max,
    store_keep_cb *keep, void *arg, size_t *purged, bool *more)
{
	struct store_entry e;
	MDB_cursor *c = NULL;
	uint8_t pos[AGE_LEN];
	size_t n = 0;
	bool left = false;
	MDB_val k, v;
	int rc;

	store_entry_init(&e);
	if ((rc = cursor_open(&wtx->r, DB_ENTRY_AGE, &c)) != SH_OK)
		goto out;
	rc = cursor_get(&wtx->r, c, &k, &v, MDB_FIRST);
	while (rc == SH_OK) {
		if (k.mv_size != AGE_LEN || time_get(k.mv_data) >= cutoff)
			break;
		if (n == max) {
			left = true;
			break;
		}
		memcpy(pos, k.mv_data, AGE_LEN);
		rc = entry_load(&wtx->r, be64_get(pos + 8), &e);
		if (rc == SH_OK && keep != NULL && keep(&e, arg)) {
			store_entry_clear(&e);
			rc = cursor_get(&wtx->r, c, &k, &v, MDB_NEXT);
			continue;
		}
		if (rc == SH_OK)
			rc = entry_remove(wtx, &e);
		else if (rc == SH_ENOTFOUND || rc == SH_EINVAL)
			rc = db_del(wtx, DB_ENTRY_AGE, pos, AGE_LEN);
		store_entry_clear(&e);
		if (rc != SH_OK)
			goto out;
		n++;
		/* Deleting moved things under the cursor: find our place. */
		k = mval(pos, AGE_LEN);
		rc = cursor_get(&wtx->r, c, &k, &v, MDB_SET_RANGE);
	}
	if (rc != SH_OK && rc != SH_ENOTFOUND)
		goto out;
	rc = SH_OK;
	*purged = n;
	*more = left;
out:
	mdb_cursor_close(c);
	store_entry_clear(&e);
	return rc;
}

/* Status. */

int
store_stats(struct store_rtx *rtx, struct store_stats *out)
{
	MDB_stat sf, se, env;
	MDB_envinfo info;
	int rc;

	if ((rc = mdb_stat(rtx->txn, rtx->st->dbi[DB_FEEDS], &sf)) != 0 ||
	    (rc = mdb_stat(rtx->txn, rtx->st->dbi[DB_ENTRIES], &se)) != 0 ||
	    (rc = mdb_env_stat(rtx->st->env, &env)) != 0 ||
	    (rc = mdb_env_info(rtx->st->env, &info)) != 0)
		return fail(rtx, rc);
	out->feeds = sf.ms_entries;
	out->entries = se.ms_entries;
	if ((rc = mdb_stat(rtx->txn, rtx->st->dbi[DB_STORY_TIME], &sf)) != 0)
		return fail(rtx, rc);
	out->stories = sf.ms_entries;
	out->map_size = info.me_mapsize;
	out->map_used = ((uint64_t)info.me_last_pgno + 1) * env.ms_psize;
	out->stale_readers = rtx->st->stale_readers;
	out->schema_version = rtx->st->version;
	return SH_OK;
}

/* Integrity check. */

void
problem(struct check *ck, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (ck->problems++ >= CHECK_MAX_LISTED)
		return;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		s = NULL;
	va_end(ap);
	if (s != NULL) {
		sh_buf_puts(&ck->report, s);
		sh_buf_putc(&ck->report, '\n');
	}
	free(s);
}

/* True when db holds key k (with a u64 value equal to *want, if given). */
bool
has_key(struct check *ck, enum db db, const void *k, size_t kn,
    const uint64_t *want)
{
	MDB_val v;

	if (db_get(ck->r, db, k, kn, &v) != SH_OK)
		return false;
	return want == NULL || (v.mv_size == 8 && be64_get(v.mv_data) == *want);
}

uint64_t
db_count(struct check *ck, enum db db)
{
	MDB_stat s;

	if (mdb_stat(ck->r->txn, ck->r->st->dbi[db], &s) != 0)
		return 0;
	return s.ms_entries;
}

static void
check_feed(struct check *ck, const MDB_val *k, const MDB_val *v)
{
	struct store_feed f;
	uint8_t uk[URL_KEY_MAX];
	uint64_t id;

	store_feed_init(&f);
	if (k->mv_size != 8) {
		problem(ck, "feeds: key of %zu bytes", k->mv_size);
		return;
	}
	id = be64_get(k->mv_data);
	if (rec_feed_decode(v->mv_data, v->mv_size, &f) != SH_OK)
		problem(ck, "feed %llu: record does not decode",
		    (unsigned long long)id);
	else if (f.id != id)
		problem(ck, "feed %llu: record says id %llu",
		    (unsigned long long)id, (unsigned long long)f.id);
	else if (!has_key(ck, DB_FEED_URLS, uk, url_key(uk, f.url), &id))
		problem(ck, "feed %llu: no feed_urls key for %s",
		    (unsigned long long)id, f.url);
	if (id > ck->max_feed)
		ck->max_feed = id;
	store_feed_clear(&f);
}

static void
check_entry(struct check *ck, const MDB_val *k, const MDB_val *v)
{
	struct store_entry e;
	uint8_t ik[ENTRY_KEY_LEN];
	uint64_t seq;

	store_entry_init(&e);
	if (k->mv_size != 8) {
		problem(ck, "entries: key of %zu bytes", k->mv_size);
		return;
	}
	seq = be64_get(k->mv_data);
	if (seq > ck->max_seq)
		ck->max_seq = seq;
	if (rec_entry_decode(v->mv_data, v->mv_size, &e) != SH_OK) {
		problem(ck, "entry %llu: record does not decode",
		    (unsigned long long)seq);
		return;
	}
	be64_put(ik, e.feed_id);
	if (e.seq != seq)
		problem(ck, "entry %llu: record says seq %llu",
		    (unsigned long long)seq, (unsigned long long)e.seq);
	else if (!has_key(ck, DB_FEEDS, ik, 8, NULL))
		problem(ck, "entry %llu: its feed %llu does not exist",
		    (unsigned long long)seq, (unsigned long long)e.feed_id);
	entry_key(ik, e.feed_id, e.entry_id);
	if (!has_key(ck, DB_ENTRY_KEYS, ik, ENTRY_KEY_LEN, &seq))
		problem(ck, "entry %llu: entry_keys does not point at it",
		    (unsigned long long)seq);
	feed_time_key(ik, &e);
	if (!has_key(ck, DB_FEED_TIME, ik, FEED_TIME_LEN, NULL))
		problem(ck, "entry %llu: no feed_time key",
		    (unsigned long long)seq);
	age_key(ik, &e);
	if (!has_key(ck, DB_ENTRY_AGE, ik, AGE_LEN, NULL))
		problem(ck, "entry %llu: no entry_age key",
		    (unsigned long long)seq);
	be64_put(ik, e.story_id);
	be64_put(ik + 8, seq);
	if (e.story_id != 0 && !has_key(ck, DB_STORY_ENTRIES, ik, 16, NULL))
		problem(ck, "entry %llu: not in its story %llu",
		    (unsigned long long)seq, (unsigned long long)e.story_id);
	store_entry_clear(&e);
}

/*
 * An index key: the right size, and the record it names exists (and, for
 * feed_urls, is the feed with that URL).  With check_entry() having found
 * every record's own keys and the counts equal, this makes each index
 * exactly the set of its records' keys.
 */
static void
check_index(struct check *ck, enum db db, const MDB_val *k, const MDB_val *v)
{
	uint8_t rk[8];
	size_t want = db == DB_ENTRY_KEYS  ? ENTRY_KEY_LEN
		      : db == DB_FEED_TIME ? FEED_TIME_LEN
					   : AGE_LEN;
	const uint8_t *key = k->mv_data;

	if (db == DB_FEED_URLS || db == DB_ENTRY_KEYS) {
		if (v->mv_size != 8 ||
		    (db == DB_ENTRY_KEYS && k->mv_size != want)) {
			problem(ck, "%s: malformed key or value", db_names[db]);
			return;
		}
		memcpy(rk, v->mv_data, 8);
	} else if (k->mv_size != want) {
		problem(ck, "%s: key of %zu bytes", db_names[db], k->mv_size);
		return;
	} else {
		memcpy(rk, key + want - 8, 8);
	}
	if (!has_key(ck, db == DB_FEED_URLS ? DB_FEEDS : DB_ENTRIES, rk, 8,
		NULL))
		problem(ck, "%s: key points at missing %s %llu", db_names[db],
		    db == DB_FEED_URLS ? "feed" : "entry",
		    (unsigned long long)be64_get(rk));
}

static int
check_walk(struct check *ck, enum db db)
{
	MDB_cursor *c = NULL;
	MDB_val k, v;
	int rc;

	if ((rc = cursor_open(ck->r, db, &c)) != SH_OK)
		return rc;
	for (rc = cursor_get(ck->r, c, &k, &v, MDB_FIRST); rc == SH_OK;
	     rc = cursor_get(ck->r, c, &k, &v, MDB_NEXT)) {
		if (db == DB_FEEDS)
			check_feed(ck, &k, &v);
		else if (db == DB_ENTRIES)
			check_entry(ck, &k, &v);
		else
			check_index(ck, db, &k, &v);
	}
	mdb_cursor_close(c);
	return rc == SH_ENOTFOUND ? SH_OK : rc;
}

static void
check_meta(struct check *ck)
{
	uint64_t nf = db_count(ck, DB_FEEDS), ne = db_count(ck, DB_ENTRIES);
	uint64_t version = 0, next_feed = 0, next_seq = 0;
	enum db db;

	if (db_count(ck, DB_FEED_URLS) != nf)
		problem(ck, "feed_urls has %llu keys for %llu feeds",
		    (unsigned long long)db_count(ck, DB_FEED_URLS),
		    (unsigned long long)nf);
	for (db = DB_ENTRY_KEYS; db <= DB_ENTRY_AGE; db++)
		if (db_count(ck, db) != ne)
			problem(ck, "%s has %llu keys for %llu entries",
			    db_names[db], (unsigned long long)db_count(ck, db),
			    (unsigned long long)ne);
	if (meta_get_u64(ck->r, "version", &version) != SH_OK ||
	    version != STORE_SCHEMA_VERSION)
		problem(ck, "meta: schema version %llu, expected %u",
		    (unsigned long long)version, STORE_SCHEMA_VERSION);
	if (meta_get_u64(ck->r, "next_feed", &next_feed) != SH_OK ||
	    next_feed <= ck->max_feed)
		problem(ck, "meta: next feed id %llu is not past %llu",
		    (unsigned long long)next_feed,
		    (unsigned long long)ck->max_feed);
	if (meta_get_u64(ck->r, "next_seq", &next_seq) != SH_OK ||
	    next_seq <= ck->max_seq)
		problem(ck, "meta: next seq %llu is not past %llu",
		    (unsigned long long)next_seq,
		    (unsigned long long)ck->max_seq);
}

int
store_check(struct store *st, char **report)
{
	struct check ck;
	enum db db;
	int rc;

	memset(&ck, 0, sizeof(ck));
	sh_buf_init(&ck.report, 64 * 1024);
	if ((rc = store_read_begin(st, &ck.r)) != SH_OK)
		goto out;
	for (db = DB_FEEDS; db <= DB_ENTRY_AGE; db++)
		if ((rc = check_walk(&ck, db)) != SH_OK)
			goto out;
	check_meta(&ck);
	story_check(&ck);
	if (ck.problems > CHECK_MAX_LISTED) {
		char *more = xasprintf("... and %u more problems\n",
		    ck.problems - CHECK_MAX_LISTED);

		sh_buf_puts(&ck.report, more);
		free(more);
	}
	if (ck.problems == 0) {
		char *ok = xasprintf("ok: %llu feeds, %llu entries, %llu "
				     "stories",
		    (unsigned long long)db_count(&ck, DB_FEEDS),
		    (unsigned long long)db_count(&ck, DB_ENTRIES),
		    (unsigned long long)db_count(&ck, DB_STORY_TIME));

		sh_buf_puts(&ck.report, ok);
		free(ok);
	}
	rc = ck.problems == 0 ? SH_OK : SH_EINVAL;
out:
	store_read_end(ck.r);
	if (rc != SH_OK && ck.report.len == 0)
		sh_buf_puts(&ck.report, store_strerror(rc));
	if (report != NULL)
		*report = sh_buf_steal(&ck.report);
	sh_buf_clear(&ck.report);
	return rc;
}

/* Test hooks. */

int
store_test_set_version(struct store *st, uint32_t version)
{
	struct store_wtx w;
	int rc;

	if ((rc = wtx_begin(st, &w)) != SH_OK)
		return rc;
	if ((rc = meta_put_u64(&w, "version", version)) != SH_OK) {
		wtx_abort(&w);
		return rc;
	}
	return wtx_commit(&w);
}

static int
damage(struct store_wtx *w, enum store_damage what, uint64_t id)
{
	struct store_feed f;
	struct store_entry e;
	uint8_t k[URL_KEY_MAX];
	int rc;

	store_feed_init(&f);
	store_entry_init(&e);
	if (what == STORE_DAMAGE_URL) {
		if ((rc = feed_load(&w->r, id, &f)) == SH_OK)
			rc = db_del(w, DB_FEED_URLS, k, url_key(k, f.url));
		goto out;
	}
	if ((rc = entry_load(&w->r, id, &e)) != SH_OK)
		goto out;
	switch (what) {
	case STORE_DAMAGE_ENTRY_KEY:
		entry_key(k, e.feed_id, e.entry_id);
		rc = db_del(w, DB_ENTRY_KEYS, k, ENTRY_KEY_LEN);
		break;
	case STORE_DAMAGE_FEED_TIME:
		feed_time_key(k, &e);
		if ((rc = db_del(w, DB_FEED_TIME, k, FEED_TIME_LEN)) != SH_OK)
			break;
		be64_put(k + 16, e.seq + 1000000);
		rc = db_put(w, DB_FEED_TIME, k, FEED_TIME_LEN, "", 0, 0);
		break;
	case STORE_DAMAGE_ENTRY:
		be64_put(k, id);
		rc = db_del(w, DB_ENTRIES, k, 8);
		break;
	default:
		rc = SH_EINVAL;
		break;
	}
out:
	store_entry_clear(&e);
	store_feed_clear(&f);
	return rc;
}

int
store_test_damage(struct store *st, enum store_damage what, uint64_t id)
{
	struct store_wtx w;
	int rc;

	if ((rc = wtx_begin(st, &w)) != SH_OK)
		return rc;
	if ((rc = damage(&w, what, id)) != SH_OK) {
		wtx_abort(&w);
		return rc;
	}
	return wtx_commit(&w);
}
