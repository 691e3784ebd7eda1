/* SPDX-License-Identifier: MIT */
/* Unit tests of store/: records, feeds, entries, paging, retention, crashes. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "store.h"
#include "store_int.h"

/* Fixture: a fresh directory and a store open in it. */

struct fix {
	char dir[256];
	struct store *st;
};

static void
tmpdir_make(char *buf, size_t n)
{
	const char *base = getenv("TMPDIR");

	if (base == NULL || base[0] == '\0')
		base = "/tmp";
	snprintf(buf, n, "%s/sheaf-store-XXXXXX", base);
	assert_non_null(mkdtemp(buf));
}

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
tmpdir_remove(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static struct store *
open_ok(const char *dir, const struct store_options *opt)
{
	struct store *st = NULL;
	char *err = NULL;
	int rc;

	rc = store_open(dir, opt, &st, &err);
	if (rc != SH_OK)
		fail_msg("store_open: %s", err);
	return st;
}

static int
setup(void **state)
{
	struct fix *f = xcalloc(1, sizeof(*f));

	tmpdir_make(f->dir, sizeof(f->dir));
	f->st = open_ok(f->dir, NULL);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fix *f = *state;

	store_close(f->st);
	tmpdir_remove(f->dir);
	free(f);
	return 0;
}

/* Write helpers: each runs one store_write() callback. */

struct add_ctx {
	const char *url;
	const char *title;
	uint64_t id;
};

static int
cb_add_feed(struct store_wtx *wtx, void *arg)
{
	struct add_ctx *a = arg;
	struct store_feed f;

	store_feed_init(&f);
	f.url = (char *)(uintptr_t)a->url;
	f.title = (char *)(uintptr_t)a->title;
	f.added = 1700000000;
	return store_feed_add(wtx, &f, &a->id);
}

static uint64_t
add_feed(struct store *st, const char *url)
{
	struct add_ctx a = {url, "A feed", 0};

	assert_int_equal(store_write(st, cb_add_feed, &a, NULL), SH_OK);
	assert_true(a.id != 0);
	return a.id;
}

static void
entry_make(struct feed_entry *e, const char *id, const char *title,
    int64_t published)
{
	memset(e, 0, sizeof(*e));
	e->id = xstrdup(id);
	e->title = title != NULL ? xstrdup(title) : NULL;
	e->link = xasprintf("https://example.org/%s", id);
	e->published = published;
	e->updated = FEED_TIME_NONE;
	e->summary = xstrdup("A summary.");
}

static void
entry_free(struct feed_entry *e)
{
	free(e->id);
	free(e->title);
	free(e->link);
	free(e->summary);
	free(e->content_html);
	memset(e, 0, sizeof(*e));
}

struct ups_ctx {
	uint64_t feed;
	struct feed_entry *v;
	size_t n;
	int64_t now; /* entry i arrives at now + i * step */
	int64_t step;
	uint64_t *seq;		/* n of them, or NULL */
	enum store_upsert *res; /* n of them, or NULL */
};

static int
cb_upsert(struct store_wtx *wtx, void *arg)
{
	struct ups_ctx *u = arg;
	size_t i;
	int rc;

	for (i = 0; i < u->n; i++) {
		rc = store_entry_upsert(wtx, u->feed, &u->v[i],
		    u->now + (int64_t)i * u->step, u->seq ? &u->seq[i] : NULL,
		    u->res ? &u->res[i] : NULL);
		if (rc != SH_OK)
			return rc;
	}
	return SH_OK;
}

/* Upsert one entry and return its seq. */
static uint64_t
upsert1(struct store *st, uint64_t feed, struct feed_entry *e, int64_t now,
    enum store_upsert *res)
{
	uint64_t seq = 0;
	struct ups_ctx u = {feed, e, 1, now, 0, &seq, res};

	assert_int_equal(store_write(st, cb_upsert, &u, NULL), SH_OK);
	return seq;
}

/* Add n entries "<prefix>-<i>" with published = base + i * step. */
static void
add_entries(struct store *st, uint64_t feed, const char *prefix, size_t n,
    int64_t base, int64_t step, int64_t now, size_t content)
{
	struct feed_entry *v = xcalloc(n, sizeof(*v));
	struct ups_ctx u = {feed, v, n, now, 0, NULL, NULL};
	char id[64];
	size_t i;

	for (i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "%s-%zu", prefix, i);
		entry_make(&v[i], id, id, base + (int64_t)i * step);
		if (content > 0) {
			v[i].content_html = xmalloc(content + 1);
			memset(v[i].content_html, 'x', content);
			v[i].content_html[content] = '\0';
		}
	}
	assert_int_equal(store_write(st, cb_upsert, &u, NULL), SH_OK);
	for (i = 0; i < n; i++)
		entry_free(&v[i]);
	free(v);
}

static void
check_ok(struct store *st)
{
	char *report = NULL;
	int rc;

	rc = store_check(st, &report);
	if (rc != SH_OK)
		fail_msg("store_check: %s", report);
	free(report);
}

static struct store_stats
stats(struct store *st)
{
	struct store_rtx *r;
	struct store_stats s;

	assert_int_equal(store_read_begin(st, &r), SH_OK);
	assert_int_equal(store_stats(r, &s), SH_OK);
	store_read_end(r);
	return s;
}

/* Records. */

static void
test_record_roundtrip(void **state)
{
	struct store_feed f, g;
	struct store_entry e, d;
	struct sh_buf b, b2;
	size_t i;

	(void)state;
	sh_buf_init(&b, REC_MAX_BYTES);
	sh_buf_init(&b2, REC_MAX_BYTES);
	store_feed_init(&f);
	f.id = 42;
	f.url = xstrdup("https://example.org/feed.xml");
	f.title = xstrdup("Example");
	f.folder = xstrdup("News/World");
	f.etag = xstrdup("W/\"abc\"");
	f.last_modified = xstrdup("Tue, 14 Nov 2023 10:00:00 GMT");
	f.next_poll = 1700003600;
	f.interval = 3600;
	f.interval_reason = xstrdup("ttl 60 min");
	f.last_status = 304;
	f.last_error = xstrdup("");
	f.failures = 3;
	f.flags = STORE_FEED_GONE;
	f.skip_hours = 0xffffffu;
	f.skip_days = 0x41;
	f.ttl_minutes = 0;
	f.added = -5;
	assert_int_equal(rec_feed_encode(&f, &b), SH_OK);
	assert_int_equal(rec_feed_decode(b.data, b.len, &g), SH_OK);
	assert_int_equal(g.id, 42);
	assert_string_equal(g.url, f.url);
	assert_string_equal(g.folder, "News/World");
	assert_string_equal(g.etag, f.etag);
	assert_string_equal(g.last_modified, f.last_modified);
	assert_string_equal(g.interval_reason, "ttl 60 min");
	assert_string_equal(g.last_error, ""); /* empty is not NULL */
	assert_null(g.html_url);
	assert_int_equal(g.last_status, 304);
	assert_int_equal(g.failures, 3);
	assert_int_equal(g.skip_hours, 0xffffffu);
	assert_int_equal(g.skip_days, 0x41);
	assert_int_equal(g.ttl_minutes, 0);
	assert_int_equal(g.added, -5);
	assert_int_equal(rec_feed_encode(&g, &b2), SH_OK);
	assert_memory_equal(b.data, b2.data, b.len);
	store_feed_clear(&g);

	store_entry_init(&e);
	e.seq = 7;
	e.feed_id = 42;
	e.entry_id = xstrdup("urn:x");
	e.title = xstrdup("Caf\xc3\xa9");
	e.published = -86400;
	e.first_seen = 1700000000;
	e.authors.n = 2;
	e.authors.v = xcalloc(2, sizeof(char *));
	e.authors.v[0] = xstrdup("A");
	e.authors.v[1] = xstrdup("B");
	e.categories.n = 1;
	e.categories.v = xcalloc(1, sizeof(char *));
	e.categories.v[0] = xstrdup("c");
	e.nenclosures = 2;
	e.enclosures = xcalloc(2, sizeof(*e.enclosures));
	e.enclosures[0].url = xstrdup("https://example.org/a.mp3");
	e.enclosures[0].type = xstrdup("audio/mpeg");
	e.enclosures[0].length = 0;
	e.enclosures[1].url = xstrdup("https://example.org/b");
	e.enclosures[1].length = -1;
	e.flags = STORE_ENTRY_READ;
	e.story_id = UINT64_MAX;
	e.duplicate_of = 3;
	assert_int_equal(rec_entry_encode(&e, &b), SH_OK);
	assert_int_equal(rec_entry_decode(b.data, b.len, &d), SH_OK);
	assert_string_equal(d.title, e.title);
	assert_int_equal(d.published, -86400);
	assert_int_equal(d.updated, FEED_TIME_NONE);
	assert_int_equal(d.authors.n, 2);
	assert_string_equal(d.authors.v[1], "B");
	assert_int_equal(d.nenclosures, 2);
	assert_string_equal(d.enclosures[0].type, "audio/mpeg");
	assert_int_equal(d.enclosures[0].length, 0);
	assert_null(d.enclosures[1].type);
	assert_int_equal(d.enclosures[1].length, -1);
	assert_int_equal(d.story_id, UINT64_MAX);
	assert_int_equal(d.duplicate_of, 3);
	assert_int_equal(rec_entry_encode(&d, &b2), SH_OK);
	assert_int_equal(b.len, b2.len);
	assert_memory_equal(b.data, b2.data, b.len);
	store_entry_clear(&d);

	/* A field from the future (tag 99) is skipped. */
	sh_buf_append(&b, "\x63\x03zzz", 5);
	assert_int_equal(rec_entry_decode(b.data, b.len, &d), SH_OK);
	assert_int_equal(d.seq, 7);
	store_entry_clear(&d);
	/* Every truncation is refused or decodes cleanly, never crashes. */
	for (i = 0; i + 5 < b.len; i++)
		if (rec_entry_decode(b.data, i, &d) == SH_OK)
			store_entry_clear(&d);
	/* A feed record is no entry, and a new version byte is refused. */
	assert_int_equal(rec_feed_encode(&f, &b2), SH_OK);
	assert_int_equal(rec_entry_decode(b2.data, b2.len, &d), SH_EINVAL);
	b2.data[0] = REC_VERSION + 1;
	assert_int_equal(rec_feed_decode(b2.data, b2.len, &g), SH_EINVAL);
	store_entry_clear(&e);
	store_feed_clear(&f);
	sh_buf_clear(&b);
	sh_buf_clear(&b2);
}

/* Opening. */

static void
test_open_reopen(void **state)
{
	char dir[256], *sub, *data, *err = NULL;
	struct store_options opt;
	struct store *st = NULL;
	struct store_rtx *r;
	struct store_feed f;
	struct stat sb;
	uint64_t id;

	(void)state;
	tmpdir_make(dir, sizeof(dir));
	sub = xasprintf("%s/state/sheaf", dir);
	store_options_default(&opt);
	opt.create = false;
	assert_int_equal(store_open(sub, &opt, &st, &err), SH_ENOTFOUND);
	assert_non_null(strstr(err, sub));
	free(err);

	st = open_ok(sub, NULL);
	assert_int_equal(stat(sub, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	data = xasprintf("%s/data.mdb", sub);
	assert_int_equal(stat(data, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	id = add_feed(st, "https://a.example/feed");
	add_entries(st, id, "e", 5, 1000, 10, 2000, 0);
	store_close(st);

	st = open_ok(sub, &opt);
	assert_int_equal(stats(st).feeds, 1);
	assert_int_equal(stats(st).entries, 5);
	assert_int_equal(stats(st).schema_version, STORE_SCHEMA_VERSION);
	assert_int_equal(store_read_begin(st, &r), SH_OK);
	assert_int_equal(store_feed_get(r, id, &f), SH_OK);
	assert_string_equal(f.url, "https://a.example/feed");
	store_feed_clear(&f);
	store_read_end(r);
	/* Ids are never reused, also after a restart. */
	assert_int_equal(add_feed(st, "https://b.example/feed"), id + 1);
	check_ok(st);
	store_close(st);
	free(data);
	free(sub);
	tmpdir_remove(dir);
}

static void
test_schema_version(void **state)
{
	struct fix *f = *state;
	struct store *st = NULL;
	char *err = NULL;

	add_feed(f->st, "https://a.example/");
	assert_int_equal(store_test_set_version(f->st, 2), SH_OK);
	store_close(f->st);
	f->st = NULL;
	assert_int_equal(store_open(f->dir, NULL, &st, &err), SH_EINVAL);
	assert_null(st);
	assert_non_null(strstr(err, "newer"));
	free(err);

	/* An older version is migrated up and the data kept. */
	tmpdir_remove(f->dir);
	f->st = open_ok(f->dir, NULL);
	add_feed(f->st, "https://a.example/");
	assert_int_equal(store_test_set_version(f->st, 0), SH_OK);
	store_close(f->st);
	f->st = open_ok(f->dir, NULL);
	assert_int_equal(stats(f->st).schema_version, STORE_SCHEMA_VERSION);
	assert_int_equal(stats(f->st).feeds, 1);
	check_ok(f->st);
}

/* Feeds. */

static int
cb_put_feed(struct store_wtx *wtx, void *arg)
{
	return store_feed_put(wtx, arg);
}

static int
cb_delete_feed(struct store_wtx *wtx, void *arg)
{
	uint64_t *id = arg;
	size_t n = 0;
	int rc;

	rc = store_feed_delete(wtx, id[0], &n);
	id[1] = n;
	return rc;
}

static int
cb_add_two(struct store_wtx *wtx, void *arg)
{
	struct add_ctx *a = arg;
	int rc;

	if ((rc = cb_add_feed(wtx, &a[0])) != SH_OK)
		return rc;
	return cb_add_feed(wtx, &a[1]);
}

static int
collect_feed(struct store_feed *feed, void *arg)
{
	uint64_t *ids = arg;

	ids[++ids[0]] = feed->id;
	return SH_OK;
}

/* store_feed_foreach_numbers(): the numbers of b, and no text at all. */
static int
check_numbers(struct store_feed *feed, void *arg)
{
	uint64_t *ids = arg;

	assert_null(feed->url);
	assert_null(feed->title);
	assert_null(feed->etag);
	assert_null(feed->interval_reason);
	if (feed->id == ids[1]) {
		assert_int_equal(feed->last_status, 200);
		assert_int_equal(feed->failures, 3);
		assert_int_equal(feed->next_poll, 123456);
	}
	ids[0]++;
	return SH_OK;
}

static void
test_feed_crud(void **state)
{
	struct fix *fx = *state;
	struct add_ctx two[2] = {{"https://c.example/", NULL, 0},
	    {"https://a.example/", NULL, 0}};
	struct store_rtx *r;
	struct store_feed f;
	struct store_entry_page page;
	struct store_list q = {0, FEED_TIME_NONE, 0, NULL};
	uint64_t a, b, ids[8] = {0}, num[2] = {0}, del[2];
	char *err = NULL;

	a = add_feed(fx->st, "https://a.example/");
	b = add_feed(fx->st, "https://b.example/");
	assert_int_equal(b, a + 1);
	/* A duplicate URL is refused, and its transaction changes nothing. */
	assert_int_equal(store_write(fx->st, cb_add_two, two, &err),
	    STORE_EEXIST);
	assert_string_equal(err, "already exists");
	free(err);
	assert_int_equal(stats(fx->st).feeds, 2);

	assert_int_equal(store_read_begin(fx->st, &r), SH_OK);
	assert_int_equal(store_feed_get_by_url(r, "https://b.example/", &f),
	    SH_OK);
	assert_int_equal(f.id, b);
	assert_int_equal(store_feed_get(r, 999, &f), SH_ENOTFOUND);
	assert_int_equal(f.id, b); /* untouched on failure */
	store_read_end(r);

	/* A poll result and a 301 to a new URL. */
	free(f.url);
	f.url = xstrdup("https://b.example/moved");
	f.etag = xstrdup("\"v2\"");
	f.last_status = 200;
	f.failures = 3;
	f.next_poll = 123456;
	f.interval_reason = xstrdup("backoff after 3 failures");
	assert_int_equal(store_write(fx->st, cb_put_feed, &f, NULL), SH_OK);
	store_feed_clear(&f);
	assert_int_equal(store_read_begin(fx->st, &r), SH_OK);
	assert_int_equal(store_feed_get_by_url(r, "https://b.example/", &f),
	    SH_ENOTFOUND);
	assert_int_equal(
	    store_feed_get_by_url(r, "https://b.example/moved", &f), SH_OK);
	assert_string_equal(f.etag, "\"v2\"");
	assert_string_equal(f.interval_reason, "backoff after 3 failures");
	assert_int_equal(store_feed_foreach(r, collect_feed, ids), SH_OK);
	num[1] = b;
	assert_int_equal(store_feed_foreach_numbers(r, check_numbers, num),
	    SH_OK);
	store_read_end(r);
	assert_int_equal(ids[0], 2);
	assert_int_equal(ids[1], a);
	assert_int_equal(ids[2], b);
	assert_int_equal(num[0], 2);
	/* Moving onto another feed's URL is refused. */
	free(f.url);
	f.url = xstrdup("https://a.example/");
	assert_int_equal(store_write(fx->st, cb_put_feed, &f, NULL),
	    STORE_EEXIST);
	store_feed_clear(&f);

	/* Delete takes the entries and every index key with it. */
	add_entries(fx->st, a, "a", 30, 1000, 60, 5000, 0);
	add_entries(fx->st, b, "b", 20, 1000, 60, 5000, 0);
	del[0] = b;
	assert_int_equal(store_write(fx->st, cb_delete_feed, del, NULL), SH_OK);
	assert_int_equal(del[1], 20);
	assert_int_equal(store_write(fx->st, cb_delete_feed, del, NULL),
	    SH_ENOTFOUND);
	assert_int_equal(stats(fx->st).entries, 30);
	assert_int_equal(store_read_begin(fx->st, &r), SH_OK);
	q.feed_id = b;
	assert_int_equal(store_entry_list(r, &q, &page), SH_OK);
	assert_int_equal(page.n, 0);
	store_entry_page_clear(&page);
	assert_int_equal(
	    store_feed_get_by_url(r, "https://b.example/moved", &f),
	    SH_ENOTFOUND);
	store_read_end(r);
	check_ok(fx->st);
}

/* Entries. */

static int
cb_mark_read(struct store_wtx *wtx, void *arg)
{
	return store_entry_set_read(wtx, *(uint64_t *)arg, true);
}

static void
test_upsert(void **state)
{
	struct fix *fx = *state;
	struct feed_entry e, other;
	enum store_upsert res;
	struct store_rtx *r;
	struct store_entry got;
	uint64_t feed, seq, seq2, s;

	feed = add_feed(fx->st, "https://a.example/");
	entry_make(&e, "urn:1", "First", 1000);
	seq = upsert1(fx->st, feed, &e, 5000, &res);
	assert_int_equal(res, STORE_UPSERT_NEW);
	assert_int_equal(upsert1(fx->st, feed, &e, 6000, &res), seq);
	assert_int_equal(res, STORE_UPSERT_UNCHANGED);
	assert_int_equal(store_write(fx->st, cb_mark_read, &seq, NULL), SH_OK);

	/* A changed title and date: same seq, first_seen and read flag. */
	free(e.title);
	e.title = xstrdup("First, corrected");
	e.published = 900;
	assert_int_equal(upsert1(fx->st, feed, &e, 7000, &res), seq);
	assert_int_equal(res, STORE_UPSERT_CHANGED);
	assert_int_equal(store_read_begin(fx->st, &r), SH_OK);
	assert_int_equal(store_entry_get(r, seq, &got), SH_OK);
	assert_string_equal(got.title, "First, corrected");
	assert_int_equal(got.first_seen, 5000);
	assert_int_equal(got.published, 900);
	assert_true(got.flags & STORE_ENTRY_READ);
	assert_int_equal(got.feed_id, feed);
	store_entry_clear(&got);
	assert_int_equal(store_entry_find(r, feed, "urn:1", &s), SH_OK);
	assert_int_equal(s, seq);
	assert_int_equal(store_entry_find(r, feed, "urn:2", &s), SH_ENOTFOUND);
	store_read_end(r);

	/* The same entry id in another feed is another entry. */
	entry_make(&other, "urn:1", "Elsewhere", 1000);
	seq2 = upsert1(fx->st, add_feed(fx->st, "https://b.example/"), &other,
	    8000, &res);
	assert_int_equal(res, STORE_UPSERT_NEW);
	assert_true(seq2 > seq);
	/* No such feed. */
	{
		struct ups_ctx u = {999, &other, 1, 1, 0, NULL, NULL};

		assert_int_equal(store_write(fx->st, cb_upsert, &u, NULL),
		    SH_ENOTFOUND);
	}
	entry_free(&other);
	entry_free(&e);
	check_ok(fx->st);
}

/* List everything with pages of size limit; check order and coverage. */
static size_t
list_all(struct store *st, uint64_t feed, int64_t since, size_t limit,
    uint64_t *seen, size_t nseen)
{
	struct store_list q = {feed, since, limit, NULL};
	struct store_entry_page page;
	struct store_rtx *r;
	char cursor[STORE_CURSOR_MAX] = "";
	int64_t last_time = INT64_MAX;
	size_t total = 0, i;

	do {
		assert_int_equal(store_read_begin(st, &r), SH_OK);
		q.cursor = cursor;
		assert_int_equal(store_entry_list(r, &q, &page), SH_OK);
		store_read_end(r);
		assert_true(page.n <= limit);
		for (i = 0; i < page.n; i++) {
			struct store_entry *e = &page.v[i];
			int64_t t = feed ? rec_entry_time(e) : e->first_seen;

			assert_true(e->seq < nseen);
			assert_int_equal(seen[e->seq], 0);
			seen[e->seq] = 1;
			assert_true(t <= last_time);
			if (since != FEED_TIME_NONE)
				assert_true(t >= since);
			if (feed != 0)
				assert_int_equal(e->feed_id, feed);
			last_time = t;
		}
		total += page.n;
		if (page.next_cursor[0] != '\0')
			assert_int_equal(page.n, limit);
		memcpy(cursor, page.next_cursor, sizeof(cursor));
		store_entry_page_clear(&page);
	} while (cursor[0] != '\0');
	return total;
}

static void
test_list_paging(void **state)
{
	struct fix *fx = *state;
	struct store_list q = {0, FEED_TIME_NONE, 5, "zzz"};
	struct store_entry_page page;
	struct store_rtx *r;
	uint64_t a, b, seen[400];
	size_t lim;

	a = add_feed(fx->st, "https://a.example/");
	b = add_feed(fx->st, "https://b.example/");
	/* Equal, descending and missing dates, and arrivals over time. */
	add_entries(fx->st, a, "a", 97, 5000, -7, 10000, 0);
	add_entries(fx->st, b, "b", 60, 3000, 0, 10001, 0);
	add_entries(fx->st, a, "n", 40, FEED_TIME_NONE, 0, 10002, 0);
	add_entries(fx->st, b, "c", 20, 200000, 1, 9000, 0);

	for (lim = 1; lim <= 60; lim += 19) {
		memset(seen, 0, sizeof(seen));
		assert_int_equal(
		    list_all(fx->st, a, FEED_TIME_NONE, lim, seen, 400), 137);
		assert_int_equal(
		    list_all(fx->st, b, FEED_TIME_NONE, lim, seen, 400), 80);
		memset(seen, 0, sizeof(seen));
		assert_int_equal(
		    list_all(fx->st, 0, FEED_TIME_NONE, lim, seen, 400), 217);
	}
	/* since: feed a's entries with time >= 4700 (5000 - 7i, i <= 42),
	 * plus the 40 undated ones that sort by first_seen. */
	memset(seen, 0, sizeof(seen));
	assert_int_equal(list_all(fx->st, a, 4700, 10, seen, 400), 43 + 40);
	memset(seen, 0, sizeof(seen));
	assert_int_equal(list_all(fx->st, 0, 10001, 10, seen, 400), 100);
	/* c's dates run more than a day ahead of first_seen: they sort by
	 * first_seen (9000) instead. */
	memset(seen, 0, sizeof(seen));
	assert_int_equal(list_all(fx->st, b, 9000, 7, seen, 400), 20);
	memset(seen, 0, sizeof(seen));
	assert_int_equal(list_all(fx->st, b, 100000, 7, seen, 400), 0);

	assert_int_equal(store_read_begin(fx->st, &r), SH_OK);
	assert_int_equal(store_entry_list(r, &q, &page), SH_EINVAL);
	/* A cursor of the all-feeds listing does not fit a feed's. */
	q.cursor = NULL;
	assert_int_equal(store_entry_list(r, &q, &page), SH_OK);
	assert_true(page.next_cursor[0] == 'a');
	q.feed_id = a;
	q.cursor = page.next_cursor;
	assert_int_equal(store_entry_list(r, &q, &page), SH_EINVAL);
	store_entry_page_clear(&page);
	store_read_end(r);
}

/* Retention. */

struct purge_ctx {
	int64_t cutoff;
	size_t max;
	size_t purged;
	bool more;
};

static bool
keep_tens(const struct store_entry *e, void *arg)
{
	(void)arg;
	return e->seq % 10 == 0;
}

static int
cb_purge(struct store_wtx *wtx, void *arg)
{
	struct purge_ctx *p = arg;

	return store_purge(wtx, p->cutoff, p->max, keep_tens, NULL, &p->purged,
	    &p->more);
}

/* A feed's newest entry times come from the index, newest first. */
static void
test_feed_times(void **state)
{
	struct fix *fx = *state;
	struct store_rtx *r;
	int64_t t[80];
	uint64_t a, b, c;
	size_t i;

	a = add_feed(fx->st, "https://a.example/");
	b = add_feed(fx->st, "https://b.example/");
	c = add_feed(fx->st, "https://c.example/");
	add_entries(fx->st, a, "a", 97, 5000, -7, 10000, 0);
	add_entries(fx->st, b, "b", 3, FEED_TIME_NONE, 0, 10001, 0);
	assert_int_equal(store_read_begin(fx->st, &r), SH_OK);
	assert_int_equal(store_feed_times(r, a, t, 64), 64);
	for (i = 0; i < 64; i++)
		assert_int_equal(t[i], 5000 - 7 * (int64_t)i);
	assert_int_equal(store_feed_times(r, a, t, 80), 80);
	assert_int_equal(store_feed_times(r, a, t, 0), 0);
	/* Undated entries count at first_seen. */
	assert_int_equal(store_feed_times(r, b, t, 64), 3);
	for (i = 0; i < 3; i++)
		assert_int_equal(t[i], 10001);
	assert_int_equal(store_feed_times(r, c, t, 64), 0);
	assert_int_equal(store_feed_times(r, 999, t, 64), 0);
	store_read_end(r);
}

/* RssFile of this process, KiB. */
static long
rss_file_kib(void)
{
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "RssFile:", 8) == 0)
			v = atol(line + 8);
	fclose(f);
	return v;
}

static int
touch_entry(const struct store_entry *e, void *arg)
{
	size_t *sum = arg;

	*sum += e->content_html != NULL ? strlen(e->content_html) : 0;
	return SH_OK;
}

/* Pages of the store a reader mapped are let go of as it reads. */
static void
test_release_pages(void **state)
{
	struct fix *fx = *state;
	struct timespec ms20 = {0, 20 * 1000000};
	struct store_rtx *r;
	long before, read, after;
	size_t sum = 0;
	uint64_t a;

	if (rss_file_kib() < 0)
		skip(); /* no /proc */
	a = add_feed(fx->st, "https://a.example/");
	/* 3,000 entries of 8 KiB: about 24 MiB on file. */
	add_entries(fx->st, a, "a", 1000, 5000, 1, 10000, 8192);
	add_entries(fx->st, a, "b", 1000, 6000, 1, 10000, 8192);
	add_entries(fx->st, a, "c", 1000, 7000, 1, 10000, 8192);
	nanosleep(&ms20, NULL);
	store_release_pages(fx->st);
	before = rss_file_kib();
	assert_int_equal(store_read_begin(fx->st, &r), SH_OK);
	assert_int_equal(store_entry_foreach_since(r, 0, touch_entry, &sum),
	    SH_OK);
	store_read_end(r);
	assert_int_equal(sum, 3000 * 8192);
	read = rss_file_kib();
	/* The walk let go of what it read as it went: at most the slack,
	 * and a little more it read since the last check, stayed mapped. */
	if (read - before > (long)STORE_PAGES_SLACK / 1024 + 4096)
		fail_msg("reading 24 MiB left %ld KiB mapped", read - before);
	nanosleep(&ms20, NULL);
	store_release_pages(fx->st);
	after = rss_file_kib();
	if (after - before > (long)STORE_PAGES_SLACK / 1024 + 4096)
		fail_msg("%ld KiB mapped after the release", after - before);
	/* The store reads the same after. */
	sum = 0;
	assert_int_equal(store_read_begin(fx->st, &r), SH_OK);
	assert_int_equal(store_entry_foreach_since(r, 0, touch_entry, &sum),
	    SH_OK);
	store_read_end(r);
	assert_int_equal(sum, 3000 * 8192);
}

static void
test_purge_batches(void **state)
{
	struct fix *fx = *state;
	struct purge_ctx p = {1050, 7, 0, true};
	struct store_rtx *r;
	struct store_entry e;
	uint64_t feed, seq, s;
	size_t total = 0, calls = 0;
	char id[32];

	feed = add_feed(fx->st, "https://a.example/");
	/* seq 1..100 first seen at 1001..1100. */
	{
		struct feed_entry v[100];
		struct ups_ctx u = {feed, v, 100, 1001, 1, NULL, NULL};
		size_t i;

		for (i = 0; i < 100; i++) {
			snprintf(id, sizeof(id), "e%zu", i + 1001);
			entry_make(&v[i], id, id, FEED_TIME_NONE);
		}
		assert_int_equal(store_write(fx->st, cb_upsert, &u, NULL),
		    SH_OK);
		for (i = 0; i < 100; i++)
			entry_free(&v[i]);
	}
	while (p.more) {
		assert_int_equal(store_write(fx->st, cb_purge, &p, NULL),
		    SH_OK);
		assert_true(p.purged <= 7);
		total += p.purged;
		calls++;
	}
	/* seq 1..49 are older than 1050; 10, 20, 30 and 40 are kept. */
	assert_int_equal(total, 45);
	assert_int_equal(calls, 7);
	assert_int_equal(stats(fx->st).entries, 55);
	assert_int_equal(store_read_begin(fx->st, &r), SH_OK);
	for (seq = 1; seq <= 100; seq++) {
		int want = seq >= 50 || seq % 10 == 0 ? SH_OK : SH_ENOTFOUND;

		assert_int_equal(store_entry_get(r, seq, &e), want);
		if (want == SH_OK)
			store_entry_clear(&e);
		snprintf(id, sizeof(id), "e%llu",
		    (unsigned long long)seq + 1000);
		assert_int_equal(store_entry_find(r, feed, id, &s), want);
	}
	store_read_end(r);
	check_ok(fx->st);
	/* Re-fetching a purged entry stores it anew. */
	{
		struct feed_entry fe;
		enum store_upsert res;

		entry_make(&fe, "e1001", "e1001", FEED_TIME_NONE);
		assert_int_equal(upsert1(fx->st, feed, &fe, 2000, &res), 101);
		assert_int_equal(res, STORE_UPSERT_NEW);
		entry_free(&fe);
	}
}

/* Map size. */

static uint64_t
count_entries(struct store *st, uint64_t feed, const char *prefix, size_t n)
{
	struct store_rtx *r;
	uint64_t found = 0, s;
	char id[64];
	size_t i;

	assert_int_equal(store_read_begin(st, &r), SH_OK);
	for (i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "%s-%zu", prefix, i);
		if (store_entry_find(r, feed, id, &s) == SH_OK)
			found++;
	}
	store_read_end(r);
	return found;
}

static void
test_map_growth(void **state)
{
	struct store_options opt;
	struct store *st;
	char dir[256], prefix[16];
	uint64_t feed, first;
	int i;

	(void)state;
	tmpdir_make(dir, sizeof(dir));
	store_options_default(&opt);
	opt.map_size = 1 << 20;
	opt.map_max = 256 << 20;
	st = open_ok(dir, &opt);
	first = stats(st).map_size;
	feed = add_feed(st, "https://a.example/");
	for (i = 0; i < 10; i++) {
		snprintf(prefix, sizeof(prefix), "g%d", i);
		add_entries(st, feed, prefix, 300, 1000, 1, 2000, 2000);
	}
	assert_true(stats(st).map_size > first);
	assert_int_equal(stats(st).entries, 3000);
	store_close(st);
	/* The grown size sticks. */
	st = open_ok(dir, &opt);
	assert_true(stats(st).map_size > first);
	for (i = 0; i < 10; i++) {
		snprintf(prefix, sizeof(prefix), "g%d", i);
		assert_int_equal(count_entries(st, feed, prefix, 300), 300);
	}
	check_ok(st);
	store_close(st);
	tmpdir_remove(dir);
}

/* Fill the store until writes fail; return the batches committed. */
static int
fill(struct store *st, uint64_t feed, int from, char **err)
{
	struct feed_entry v[100];
	struct ups_ctx u = {feed, v, 100, 3000, 0, NULL, NULL};
	char id[32];
	int batch, rc = SH_OK;
	size_t i;

	for (batch = from; rc == SH_OK && batch < from + 10000; batch++) {
		for (i = 0; i < 100; i++) {
			snprintf(id, sizeof(id), "f%d-%zu", batch, i);
			entry_make(&v[i], id, id, 1000);
			v[i].content_html = xmalloc(1501);
			memset(v[i].content_html, 'y', 1500);
			v[i].content_html[1500] = '\0';
		}
		rc = store_write(st, cb_upsert, &u, err);
		for (i = 0; i < 100; i++)
			entry_free(&v[i]);
	}
	assert_int_equal(rc, SH_EIO);
	return batch - 1 - from;
}

static void
test_map_full(void **state)
{
	struct store_options opt;
	struct store *st;
	char dir[256], prefix[32], *err = NULL;
	uint64_t feed;
	int batches, i;

	(void)state;
	tmpdir_make(dir, sizeof(dir));
	store_options_default(&opt);
	opt.map_size = 1 << 20;
	opt.map_max = 4 << 20;
	st = open_ok(dir, &opt);
	feed = add_feed(st, "https://a.example/");
	batches = fill(st, feed, 0, &err);
	assert_non_null(strstr(err, "store full"));
	free(err);
	assert_true(batches >= 5);
	/* Nothing committed was lost, and reads work. */
	assert_int_equal(stats(st).entries, (uint64_t)batches * 100);
	for (i = 0; i < batches; i++) {
		snprintf(prefix, sizeof(prefix), "f%d", i);
		assert_int_equal(count_entries(st, feed, prefix, 100), 100);
	}
	check_ok(st);
	store_close(st);
	/* With a larger maximum the same store takes more. */
	opt.map_max = 16 << 20;
	st = open_ok(dir, &opt);
	add_entries(st, feed, "more", 50, 1000, 1, 4000, 1500);
	assert_int_equal(stats(st).entries, (uint64_t)batches * 100 + 50);
	check_ok(st);
	store_close(st);
	tmpdir_remove(dir);
}

/*
 * A disk that fills up: a file size limit makes LMDB's writes fail (EFBIG,
 * as ENOSPC would) in a child process; the commit fails with SH_EIO, the
 * store keeps what was committed and takes writes again once the limit is
 * lifted.
 */
static void
test_disk_full(void **state)
{
	struct fix *fx = *state;
	uint64_t feed = add_feed(fx->st, "https://a.example/");
	int status;
	pid_t pid;

	store_close(fx->st);
	fx->st = NULL;
	if ((pid = fork()) == 0) {
		struct store *st = open_ok(fx->dir, NULL);
		struct rlimit rl, lim;
		char *err = NULL;
		int batches;

		signal(SIGXFSZ, SIG_IGN);
		getrlimit(RLIMIT_FSIZE, &rl);
		lim = rl;
		lim.rlim_cur = 2 << 20;
		setrlimit(RLIMIT_FSIZE, &lim);
		batches = fill(st, feed, 0, &err);
		/* LMDB reports the short write as EIO. */
		if (strstr(err, "store write failed") == NULL || batches < 2) {
			fprintf(stderr, "# %d batches: %s\n", batches, err);
			_exit(10);
		}
		free(err);
		setrlimit(RLIMIT_FSIZE, &rl);
		if (stats(st).entries != (uint64_t)batches * 100)
			_exit(11);
		add_entries(st, feed, "after", 10, 1000, 1, 4000, 0);
		if (stats(st).entries != (uint64_t)batches * 100 + 10)
			_exit(12);
		store_close(st);
		_exit(0);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	fx->st = open_ok(fx->dir, NULL);
	check_ok(fx->st);
}

/*
 * LMDB's lock file is sparse as LMDB makes it, and its reader slots are
 * written through a map: on a full disk, the first reader in a page never
 * written was a SIGBUS.  store_open() gives the file all its blocks.
 */
static void
test_lock_file_sparse(void **state)
{
	struct fix *fx = *state;
	char path[300];
	struct stat sb;

	snprintf(path, sizeof(path), "%s/lock.mdb", fx->dir);
	assert_int_equal(stat(path, &sb), 0);
	assert_true(sb.st_size > 4096);
	assert_true((off_t)sb.st_blocks * 512 >= sb.st_size);
}

/* Readers on other threads while the writer grows the map under them. */

struct reader_arg {
	struct store *st;
	uint64_t feed;
	atomic_int *stop;
	unsigned long reads;
	int failures;
};

static void *
reader_main(void *p)
{
	struct reader_arg *a = p;
	struct store_list q = {0, FEED_TIME_NONE, 20, NULL};
	struct store_entry_page page;
	struct store_rtx *r;
	size_t i;

	q.feed_id = a->feed;
	while (!atomic_load(a->stop)) {
		if (store_read_begin(a->st, &r) != SH_OK) {
			a->failures++;
			continue;
		}
		if (store_entry_list(r, &q, &page) != SH_OK)
			a->failures++;
		else {
			/* Touch every byte we were given. */
			for (i = 0; i < page.n; i++)
				if (strlen(page.v[i].content_html) != 2000)
					a->failures++;
			store_entry_page_clear(&page);
		}
		store_read_end(r);
		a->reads++;
	}
	return NULL;
}

static void
test_readers_during_growth(void **state)
{
	struct store_options opt;
	struct reader_arg args[4];
	pthread_t th[4];
	atomic_int stop = 0;
	struct store *st;
	char dir[256], prefix[16];
	uint64_t feed, first;
	int i;

	(void)state;
	tmpdir_make(dir, sizeof(dir));
	store_options_default(&opt);
	opt.map_size = 1 << 20;
	st = open_ok(dir, &opt);
	first = stats(st).map_size;
	feed = add_feed(st, "https://a.example/");
	add_entries(st, feed, "seed", 20, 1000, 1, 2000, 2000);
	for (i = 0; i < 4; i++) {
		args[i] = (struct reader_arg){st, feed, &stop, 0, 0};
		assert_int_equal(
		    pthread_create(&th[i], NULL, reader_main, &args[i]), 0);
	}
	for (i = 0; i < 8; i++) {
		snprintf(prefix, sizeof(prefix), "w%d", i);
		add_entries(st, feed, prefix, 250, 2000 + i, 0, 3000, 2000);
	}
	atomic_store(&stop, 1);
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(args[i].failures, 0);
		assert_true(args[i].reads > 0);
	}
	assert_true(stats(st).map_size >= 4 * first);
	check_ok(st);
	store_close(st);
	tmpdir_remove(dir);
}

/* Integrity check. */

static void
test_check_finds_damage(void **state)
{
	static const struct {
		enum store_damage what;
		const char *says;
	} cases[] = {
	    {STORE_DAMAGE_ENTRY_KEY, "entry_keys"},
	    {STORE_DAMAGE_FEED_TIME, "feed_time"},
	    {STORE_DAMAGE_ENTRY, "missing entry"},
	    {STORE_DAMAGE_URL, "feed_urls"},
	};
	char dir[256], *report;
	struct store *st;
	uint64_t feed;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tmpdir_make(dir, sizeof(dir));
		st = open_ok(dir, NULL);
		feed = add_feed(st, "https://a.example/");
		add_entries(st, feed, "e", 10, 1000, 1, 2000, 0);
		check_ok(st);
		assert_int_equal(
		    store_test_damage(st, cases[i].what,
			cases[i].what == STORE_DAMAGE_URL ? feed : 4),
		    SH_OK);
		report = NULL;
		assert_int_equal(store_check(st, &report), SH_EINVAL);
		if (strstr(report, cases[i].says) == NULL)
			fail_msg("damage %d: report lacks \"%s\": %s",
			    (int)cases[i].what, cases[i].says, report);
		free(report);
		store_close(st);
		tmpdir_remove(dir);
	}
}

/* Transactions. */

static int
cb_add_then_fail(struct store_wtx *wtx, void *arg)
{
	struct add_ctx *a = arg;
	int rc;

	if ((rc = cb_add_feed(wtx, a)) != SH_OK)
		return rc;
	return SH_ETOOMANY;
}

static int
cb_nested(struct store_wtx *wtx, void *arg)
{
	struct store *st = arg;

	(void)wtx;
	return store_write(st, cb_nested, st, NULL) == SH_EINVAL ? SH_OK
								 : SH_EIO;
}

static void
test_write_abort(void **state)
{
	struct fix *fx = *state;
	struct add_ctx a = {"https://x.example/", NULL, 0};
	struct store_rtx *r;
	struct store_feed f;

	assert_int_equal(store_write(fx->st, cb_add_then_fail, &a, NULL),
	    SH_ETOOMANY);
	assert_int_equal(store_read_begin(fx->st, &r), SH_OK);
	assert_int_equal(store_feed_get_by_url(r, a.url, &f), SH_ENOTFOUND);
	store_read_end(r);
	/* The id counter did not move either. */
	assert_int_equal(add_feed(fx->st, "https://y.example/"), 1);
	assert_int_equal(store_write(fx->st, cb_nested, fx->st, NULL), SH_OK);
	check_ok(fx->st);
}

/* Crash safety: SIGKILL a writer at random moments. */

#define KILL_ROUNDS 20

static void
crash_child(const char *dir, int fd, int round)
{
	struct store *st;
	struct store_feed f;
	struct store_rtx *r;
	struct feed_entry v[16];
	struct ups_ctx u;
	unsigned seed = (unsigned)round * 7919u;
	char id[48];
	uint32_t done = 0;
	size_t i;

	if (store_open(dir, NULL, &st, NULL) != SH_OK)
		_exit(2);
	if (store_read_begin(st, &r) != SH_OK)
		_exit(3);
	store_feed_init(&f);
	if (store_feed_get_by_url(r, "https://crash.example/", &f) != SH_OK)
		_exit(4);
	store_read_end(r);
	memset(&u, 0, sizeof(u));
	u.feed = f.id;
	u.v = v;
	u.now = 1700000000 + round;
	for (;;) {
		u.n = 1 + (size_t)rand_r(&seed) % 16;
		for (i = 0; i < u.n; i++) {
			snprintf(id, sizeof(id), "r%d-%zu", round, done + i);
			entry_make(&v[i], id, id, 1000 + (int64_t)(done + i));
		}
		if (store_write(st, cb_upsert, &u, NULL) != SH_OK)
			_exit(5);
		for (i = 0; i < u.n; i++)
			entry_free(&v[i]);
		done += (uint32_t)u.n;
		/* Reported only once committed. */
		if (write(fd, &done, sizeof(done)) != sizeof(done))
			_exit(6);
		/* Hold a reader slot now and then, to leave a stale one. */
		if (store_read_begin(st, &r) == SH_OK) {
			struct store_stats s;

			store_stats(r, &s);
			store_read_end(r);
		}
	}
}

static void
test_crash_kill(void **state)
{
	struct fix *fx = *state;
	unsigned seed = 12345;
	uint32_t got, committed;
	uint64_t feed, total = 0;
	int round, fds[2], status, reads, want;
	char prefix[16];
	pid_t pid;

	feed = add_feed(fx->st, "https://crash.example/");
	store_close(fx->st);
	fx->st = NULL;
	for (round = 0; round < KILL_ROUNDS; round++) {
		assert_int_equal(pipe(fds), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(fds[0]);
			crash_child(fx->dir, fds[1], round);
		}
		close(fds[1]);
		committed = 0;
		want = 1 + rand_r(&seed) % 12;
		for (reads = 0; reads < want; reads++) {
			if (read(fds[0], &got, sizeof(got)) != sizeof(got))
				break;
			committed = got;
		}
		usleep((useconds_t)(rand_r(&seed) % 2000));
		kill(pid, SIGKILL);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFSIGNALED(status));
		/* Everything reported before the kill was committed. */
		while (read(fds[0], &got, sizeof(got)) == sizeof(got))
			committed = got;
		close(fds[0]);

		fx->st = open_ok(fx->dir, NULL);
		check_ok(fx->st);
		snprintf(prefix, sizeof(prefix), "r%d", round);
		assert_int_equal(count_entries(fx->st, feed, prefix, committed),
		    committed);
		total += committed;
		store_close(fx->st);
		fx->st = NULL;
	}
	fx->st = open_ok(fx->dir, NULL);
	assert_true(stats(fx->st).entries >= total);
	print_message("# %d kills, %llu committed entries, 0 lost\n",
	    KILL_ROUNDS, (unsigned long long)total);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_record_roundtrip),
	    cmocka_unit_test(test_open_reopen),
	    cmocka_unit_test_setup_teardown(test_schema_version, setup,
		teardown),
	    cmocka_unit_test_setup_teardown(test_feed_crud, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_upsert, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_list_paging, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_feed_times, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_release_pages, setup,
		teardown),
	    cmocka_unit_test_setup_teardown(test_purge_batches, setup,
		teardown),
	    cmocka_unit_test(test_map_growth),
	    cmocka_unit_test(test_map_full),
	    cmocka_unit_test(test_readers_during_growth),
	    cmocka_unit_test_setup_teardown(test_disk_full, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_lock_file_sparse, setup,
		teardown),
	    cmocka_unit_test(test_check_finds_damage),
	    cmocka_unit_test_setup_teardown(test_write_abort, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_crash_kill, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
