/* SPDX-License-Identifier: MIT */
/* Record encoding: feeds and entries as versioned tag-length-value bytes. */
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

/*
 * A record is a version byte (REC_VERSION), a kind byte, then fields.  Each
 * field is a tag (varint), a length (varint) and that many bytes.  Strings
 * are their UTF-8 bytes without the NUL; integers are varints, signed ones
 * zigzag-encoded; lists repeat their tag once per item; an enclosure is a
 * nested run of fields.  Fields equal to their default (NULL, 0, or
 * FEED_TIME_NONE and -1 where noted) are left out, and fields are written
 * in tag order, so one value always encodes to the same bytes: upsert
 * compares encodings to tell a changed entry from an unchanged one.
 *
 * A reader skips tags it does not know, so a field can be added without a
 * schema change; a new version byte means a layout older code cannot read.
 * Tag numbers are never reused.
 */

enum feed_tag {
	FT_ID = 1,
	FT_URL,
	FT_TITLE,
	FT_FOLDER,
	FT_HTML_URL,
	FT_ADDED,
	FT_ETAG,
	FT_LAST_MODIFIED,
	FT_NEXT_POLL,
	FT_INTERVAL,
	FT_INTERVAL_REASON,
	FT_LAST_POLL,
	FT_LAST_SUCCESS,
	FT_LAST_STATUS,
	FT_LAST_ERROR,
	FT_FAILURES,
	FT_FLAGS,
	FT_DOC_TITLE,
	FT_DOC_LINK,
	FT_SKIP_HOURS,
	FT_SKIP_DAYS,
	FT_TTL /* minutes, default -1 */
};

enum entry_tag {
	ET_SEQ = 1,
	ET_FEED_ID,
	ET_ENTRY_ID,
	ET_TITLE,
	ET_LINK,
	ET_PUBLISHED, /* default FEED_TIME_NONE */
	ET_UPDATED,   /* default FEED_TIME_NONE */
	ET_FIRST_SEEN,
	ET_AUTHOR, /* repeated */
	ET_SUMMARY,
	ET_CONTENT_HTML,
	ET_CATEGORY,  /* repeated */
	ET_ENCLOSURE, /* repeated, nested */
	ET_LANGUAGE,
	ET_FLAGS,
	ET_STORY_ID,
	ET_DUPLICATE_OF,
	ET_WHY_REASON,
	ET_WHY_SCORE,
	ET_WHY_TEXT,
	ET_WHY_NAMES,
	ET_WHY_SHARED
};

enum story_tag {
	ST_ID = 1,
	ST_MERGED_INTO,
	ST_FIRST_SEEN,
	ST_UPDATED,
	ST_READ_AT,
	ST_ENTRIES,
	ST_LANG, /* repeated, nested */
	ST_FEED	 /* repeated */
};

enum story_lang_tag { LT_LANG = 1, LT_ENTRIES, LT_BEST_SEQ, LT_BEST_SCORE };

enum enclosure_tag {
	NT_URL = 1,
	NT_TYPE,
	NT_LENGTH /* default -1 */
};

/* One day: how far published may run ahead of first_seen. */
#define FUTURE_SLACK 86400

/* Encoding. */

static size_t
varint_make(uint8_t *out, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		out[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	out[n++] = (uint8_t)v;
	return n;
}

static uint64_t
zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static int64_t
unzigzag(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

static int
put_field(struct sh_buf *b, unsigned tag, const void *p, size_t n)
{
	uint8_t hdr[20];
	size_t h;
	int rc;

	h = varint_make(hdr, tag);
	h += varint_make(hdr + h, n);
	if ((rc = sh_buf_append(b, hdr, h)) != SH_OK)
		return rc;
	return sh_buf_append(b, p, n);
}

static int
put_str(struct sh_buf *b, unsigned tag, const char *s)
{
	if (s == NULL)
		return SH_OK;
	return put_field(b, tag, s, strlen(s));
}

static int
put_u64(struct sh_buf *b, unsigned tag, uint64_t v)
{
	uint8_t tmp[10];

	if (v == 0)
		return SH_OK;
	return put_field(b, tag, tmp, varint_make(tmp, v));
}

static int
put_i64(struct sh_buf *b, unsigned tag, int64_t v, int64_t dflt)
{
	uint8_t tmp[10];

	if (v == dflt)
		return SH_OK;
	return put_field(b, tag, tmp, varint_make(tmp, zigzag(v)));
}

static int
put_strv(struct sh_buf *b, unsigned tag, const struct feed_strv *v)
{
	size_t i;
	int rc;

	for (i = 0; i < v->n; i++)
		if ((rc = put_str(b, tag, v->v[i])) != SH_OK)
			return rc;
	return SH_OK;
}

static int
put_enclosure(struct sh_buf *b, const struct feed_enclosure *enc)
{
	struct sh_buf nest;
	int rc;

	sh_buf_init(&nest, b->max);
	if ((rc = put_str(&nest, NT_URL, enc->url)) != SH_OK ||
	    (rc = put_str(&nest, NT_TYPE, enc->type)) != SH_OK ||
	    (rc = put_i64(&nest, NT_LENGTH, enc->length, -1)) != SH_OK)
		goto out;
	rc = put_field(b, ET_ENCLOSURE, nest.data, nest.len);
out:
	sh_buf_clear(&nest);
	return rc;
}

static int
put_header(struct sh_buf *b, uint8_t kind)
{
	uint8_t hdr[2] = {REC_VERSION, kind};

	sh_buf_reset(b);
	return sh_buf_append(b, hdr, sizeof(hdr));
}

int
rec_feed_encode(const struct store_feed *f, struct sh_buf *b)
{
	int rc;

	if ((rc = put_header(b, REC_KIND_FEED)) != SH_OK ||
	    (rc = put_u64(b, FT_ID, f->id)) != SH_OK ||
	    (rc = put_str(b, FT_URL, f->url)) != SH_OK ||
	    (rc = put_str(b, FT_TITLE, f->title)) != SH_OK ||
	    (rc = put_str(b, FT_FOLDER, f->folder)) != SH_OK ||
	    (rc = put_str(b, FT_HTML_URL, f->html_url)) != SH_OK ||
	    (rc = put_i64(b, FT_ADDED, f->added, 0)) != SH_OK ||
	    (rc = put_str(b, FT_ETAG, f->etag)) != SH_OK ||
	    (rc = put_str(b, FT_LAST_MODIFIED, f->last_modified)) != SH_OK ||
	    (rc = put_i64(b, FT_NEXT_POLL, f->next_poll, 0)) != SH_OK ||
	    (rc = put_i64(b, FT_INTERVAL, f->interval, 0)) != SH_OK ||
	    (rc = put_str(b, FT_INTERVAL_REASON, f->interval_reason)) !=
		SH_OK ||
	    (rc = put_i64(b, FT_LAST_POLL, f->last_poll, 0)) != SH_OK ||
	    (rc = put_i64(b, FT_LAST_SUCCESS, f->last_success, 0)) != SH_OK ||
	    (rc = put_i64(b, FT_LAST_STATUS, f->last_status, 0)) != SH_OK ||
	    (rc = put_str(b, FT_LAST_ERROR, f->last_error)) != SH_OK ||
	    (rc = put_u64(b, FT_FAILURES, f->failures)) != SH_OK ||
	    (rc = put_u64(b, FT_FLAGS, f->flags)) != SH_OK ||
	    (rc = put_str(b, FT_DOC_TITLE, f->doc_title)) != SH_OK ||
	    (rc = put_str(b, FT_DOC_LINK, f->doc_link)) != SH_OK ||
	    (rc = put_u64(b, FT_SKIP_HOURS, f->skip_hours)) != SH_OK ||
	    (rc = put_u64(b, FT_SKIP_DAYS, f->skip_days)) != SH_OK ||
	    (rc = put_i64(b, FT_TTL, f->ttl_minutes, -1)) != SH_OK)
		return rc;
	return SH_OK;
}

int
rec_entry_encode(const struct store_entry *e, struct sh_buf *b)
{
	size_t i;
	int rc;

	if ((rc = put_header(b, REC_KIND_ENTRY)) != SH_OK ||
	    (rc = put_u64(b, ET_SEQ, e->seq)) != SH_OK ||
	    (rc = put_u64(b, ET_FEED_ID, e->feed_id)) != SH_OK ||
	    (rc = put_str(b, ET_ENTRY_ID, e->entry_id)) != SH_OK ||
	    (rc = put_str(b, ET_TITLE, e->title)) != SH_OK ||
	    (rc = put_str(b, ET_LINK, e->link)) != SH_OK ||
	    (rc = put_i64(b, ET_PUBLISHED, e->published, FEED_TIME_NONE)) !=
		SH_OK ||
	    (rc = put_i64(b, ET_UPDATED, e->updated, FEED_TIME_NONE)) !=
		SH_OK ||
	    (rc = put_i64(b, ET_FIRST_SEEN, e->first_seen, 0)) != SH_OK ||
	    (rc = put_strv(b, ET_AUTHOR, &e->authors)) != SH_OK ||
	    (rc = put_str(b, ET_SUMMARY, e->summary)) != SH_OK ||
	    (rc = put_str(b, ET_CONTENT_HTML, e->content_html)) != SH_OK ||
	    (rc = put_strv(b, ET_CATEGORY, &e->categories)) != SH_OK)
		return rc;
	for (i = 0; i < e->nenclosures; i++)
		if ((rc = put_enclosure(b, &e->enclosures[i])) != SH_OK)
			return rc;
	if ((rc = put_str(b, ET_LANGUAGE, e->language)) != SH_OK ||
	    (rc = put_u64(b, ET_FLAGS, e->flags)) != SH_OK ||
	    (rc = put_u64(b, ET_STORY_ID, e->story_id)) != SH_OK ||
	    (rc = put_u64(b, ET_DUPLICATE_OF, e->duplicate_of)) != SH_OK ||
	    (rc = put_str(b, ET_WHY_REASON, e->why.reason)) != SH_OK ||
	    (rc = put_u64(b, ET_WHY_SCORE, e->why.score)) != SH_OK ||
	    (rc = put_u64(b, ET_WHY_TEXT, e->why.text)) != SH_OK ||
	    (rc = put_u64(b, ET_WHY_NAMES, e->why.names)) != SH_OK ||
	    (rc = put_str(b, ET_WHY_SHARED, e->why.shared)) != SH_OK)
		return rc;
	return SH_OK;
}

static int
put_story_lang(struct sh_buf *b, const struct store_story_lang *l)
{
	struct sh_buf nest;
	int rc;

	sh_buf_init(&nest, b->max);
	/* The language is always written, "" included, so the item exists. */
	if ((rc = put_field(&nest, LT_LANG, l->lang ? l->lang : "",
		 l->lang ? strlen(l->lang) : 0)) != SH_OK ||
	    (rc = put_u64(&nest, LT_ENTRIES, l->entries)) != SH_OK ||
	    (rc = put_u64(&nest, LT_BEST_SEQ, l->best_seq)) != SH_OK ||
	    (rc = put_u64(&nest, LT_BEST_SCORE, l->best_score)) != SH_OK)
		goto out;
	rc = put_field(b, ST_LANG, nest.data, nest.len);
out:
	sh_buf_clear(&nest);
	return rc;
}

int
rec_story_encode(const struct store_story *st, struct sh_buf *b)
{
	size_t i;
	int rc;

	if ((rc = put_header(b, REC_KIND_STORY)) != SH_OK ||
	    (rc = put_u64(b, ST_ID, st->id)) != SH_OK ||
	    (rc = put_u64(b, ST_MERGED_INTO, st->merged_into)) != SH_OK ||
	    (rc = put_i64(b, ST_FIRST_SEEN, st->first_seen, 0)) != SH_OK ||
	    (rc = put_i64(b, ST_UPDATED, st->updated, 0)) != SH_OK ||
	    (rc = put_i64(b, ST_READ_AT, st->read_at, 0)) != SH_OK ||
	    (rc = put_u64(b, ST_ENTRIES, st->entries)) != SH_OK)
		return rc;
	for (i = 0; i < st->nlangs; i++)
		if ((rc = put_story_lang(b, &st->langs[i])) != SH_OK)
			return rc;
	for (i = 0; i < st->nfeeds; i++) {
		uint8_t tmp[10];

		if ((rc = put_field(b, ST_FEED, tmp,
			 varint_make(tmp, st->feeds[i]))) != SH_OK)
			return rc;
	}
	return SH_OK;
}

/* Decoding. */

struct reader {
	const uint8_t *p;
	const uint8_t *end;
};

static bool
get_varint(struct reader *r, uint64_t *out)
{
	uint64_t v = 0;
	unsigned shift;

	for (shift = 0; shift < 64 && r->p < r->end; shift += 7) {
		uint8_t c = *r->p++;

		v |= (uint64_t)(c & 0x7f) << shift;
		if ((c & 0x80) == 0) {
			*out = v;
			return true;
		}
	}
	return false;
}

/* The next field: its tag and value.  False at the end or when broken. */
static bool
get_field(struct reader *r, uint64_t *tag, struct reader *val, bool *broken)
{
	uint64_t len;

	*broken = false;
	if (r->p == r->end)
		return false;
	if (!get_varint(r, tag) || !get_varint(r, &len) ||
	    len > (uint64_t)(r->end - r->p)) {
		*broken = true;
		return false;
	}
	val->p = r->p;
	val->end = r->p + len;
	r->p += len;
	return true;
}

static bool
val_u64(struct reader *val, uint64_t *out)
{
	return get_varint(val, out) && val->p == val->end;
}

static bool
val_i64(struct reader *val, int64_t *out)
{
	uint64_t v;

	if (!val_u64(val, &v))
		return false;
	*out = unzigzag(v);
	return true;
}

static bool
val_u32(struct reader *val, uint32_t *out)
{
	uint64_t v;

	if (!val_u64(val, &v) || v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

static void
val_str(struct reader *val, char **slot)
{
	free(*slot);
	*slot = xstrndup((const char *)val->p, (size_t)(val->end - val->p));
}

static void
val_strv(struct reader *val, struct feed_strv *v)
{
	v->v = xreallocarray(v->v, v->n + 1, sizeof(*v->v));
	v->v[v->n] = NULL;
	val_str(val, &v->v[v->n]);
	v->n++;
}

static bool
val_enclosure(struct reader *val, struct store_entry *e)
{
	struct feed_enclosure *enc;
	struct reader f;
	uint64_t tag;
	bool broken;

	e->enclosures = xreallocarray(e->enclosures, e->nenclosures + 1,
	    sizeof(*e->enclosures));
	enc = &e->enclosures[e->nenclosures++];
	memset(enc, 0, sizeof(*enc));
	enc->length = -1;
	while (get_field(val, &tag, &f, &broken)) {
		switch (tag) {
		case NT_URL:
			val_str(&f, &enc->url);
			break;
		case NT_TYPE:
			val_str(&f, &enc->type);
			break;
		case NT_LENGTH:
			if (!val_i64(&f, &enc->length))
				return false;
			break;
		default:
			break;
		}
	}
	return !broken;
}

static bool
open_record(struct reader *r, const void *p, size_t n, uint8_t kind)
{
	r->p = p;
	r->end = r->p + n;
	if (n < 2 || r->p[0] != REC_VERSION || r->p[1] != kind)
		return false;
	r->p += 2;
	return true;
}

/* One feed field; false when its value is malformed. */
static bool
feed_field(struct store_feed *f, uint64_t tag, struct reader *v)
{
	int64_t i;
	uint32_t u;

	switch (tag) {
	case FT_ID:
		return val_u64(v, &f->id);
	case FT_URL:
		val_str(v, &f->url);
		return true;
	case FT_TITLE:
		val_str(v, &f->title);
		return true;
	case FT_FOLDER:
		val_str(v, &f->folder);
		return true;
	case FT_HTML_URL:
		val_str(v, &f->html_url);
		return true;
	case FT_ADDED:
		return val_i64(v, &f->added);
	case FT_ETAG:
		val_str(v, &f->etag);
		return true;
	case FT_LAST_MODIFIED:
		val_str(v, &f->last_modified);
		return true;
	case FT_NEXT_POLL:
		return val_i64(v, &f->next_poll);
	case FT_INTERVAL:
		return val_i64(v, &f->interval);
	case FT_INTERVAL_REASON:
		val_str(v, &f->interval_reason);
		return true;
	case FT_LAST_POLL:
		return val_i64(v, &f->last_poll);
	case FT_LAST_SUCCESS:
		return val_i64(v, &f->last_success);
	case FT_LAST_STATUS:
		if (!val_i64(v, &i) || i < INT32_MIN || i > INT32_MAX)
			return false;
		f->last_status = (int)i;
		return true;
	case FT_LAST_ERROR:
		val_str(v, &f->last_error);
		return true;
	case FT_FAILURES:
		return val_u32(v, &f->failures);
	case FT_FLAGS:
		return val_u32(v, &f->flags);
	case FT_DOC_TITLE:
		val_str(v, &f->doc_title);
		return true;
	case FT_DOC_LINK:
		val_str(v, &f->doc_link);
		return true;
	case FT_SKIP_HOURS:
		return val_u32(v, &f->skip_hours);
	case FT_SKIP_DAYS:
		if (!val_u32(v, &u) || u > UINT8_MAX)
			return false;
		f->skip_days = (uint8_t)u;
		return true;
	case FT_TTL:
		if (!val_i64(v, &i) || i < INT32_MIN || i > INT32_MAX)
			return false;
		f->ttl_minutes = (int32_t)i;
		return true;
	default:
		return true; /* a newer field: skip it */
	}
}

/* Whether a feed field is text (a string the decoder copies). */
static bool
feed_tag_text(uint64_t tag)
{
	switch (tag) {
	case FT_URL:
	case FT_TITLE:
	case FT_FOLDER:
	case FT_HTML_URL:
	case FT_ETAG:
	case FT_LAST_MODIFIED:
	case FT_INTERVAL_REASON:
	case FT_LAST_ERROR:
	case FT_DOC_TITLE:
	case FT_DOC_LINK:
		return true;
	default:
		return false;
	}
}

static int
feed_decode(const void *p, size_t n, struct store_feed *out, bool numbers)
{
	struct store_feed f;
	struct reader r, v;
	uint64_t tag;
	bool broken;
	int rc = SH_EINVAL;

	store_feed_init(&f);
	if (!open_record(&r, p, n, REC_KIND_FEED))
		goto out;
	while (get_field(&r, &tag, &v, &broken))
		if (!(numbers && feed_tag_text(tag)) &&
		    !feed_field(&f, tag, &v))
			goto out;
	if (broken || (!numbers && f.url == NULL))
		goto out;
	*out = f;
	store_feed_init(&f);
	rc = SH_OK;
out:
	store_feed_clear(&f);
	return rc;
}

int
rec_feed_decode(const void *p, size_t n, struct store_feed *out)
{
	return feed_decode(p, n, out, false);
}

int
rec_feed_numbers(const void *p, size_t n, struct store_feed *out)
{
	return feed_decode(p, n, out, true);
}

/* One entry field; false when its value is malformed. */
static bool
entry_field(struct store_entry *e, uint64_t tag, struct reader *v)
{
	switch (tag) {
	case ET_SEQ:
		return val_u64(v, &e->seq);
	case ET_FEED_ID:
		return val_u64(v, &e->feed_id);
	case ET_ENTRY_ID:
		val_str(v, &e->entry_id);
		return true;
	case ET_TITLE:
		val_str(v, &e->title);
		return true;
	case ET_LINK:
		val_str(v, &e->link);
		return true;
	case ET_PUBLISHED:
		return val_i64(v, &e->published);
	case ET_UPDATED:
		return val_i64(v, &e->updated);
	case ET_FIRST_SEEN:
		return val_i64(v, &e->first_seen);
	case ET_AUTHOR:
		val_strv(v, &e->authors);
		return true;
	case ET_SUMMARY:
		val_str(v, &e->summary);
		return true;
	case ET_CONTENT_HTML:
		val_str(v, &e->content_html);
		return true;
	case ET_CATEGORY:
		val_strv(v, &e->categories);
		return true;
	case ET_ENCLOSURE:
		return val_enclosure(v, e);
	case ET_LANGUAGE:
		val_str(v, &e->language);
		return true;
	case ET_FLAGS:
		return val_u32(v, &e->flags);
	case ET_STORY_ID:
		return val_u64(v, &e->story_id);
	case ET_DUPLICATE_OF:
		return val_u64(v, &e->duplicate_of);
	case ET_WHY_REASON:
		val_str(v, &e->why.reason);
		return true;
	case ET_WHY_SCORE:
		return val_u32(v, &e->why.score);
	case ET_WHY_TEXT:
		return val_u32(v, &e->why.text);
	case ET_WHY_NAMES:
		return val_u32(v, &e->why.names);
	case ET_WHY_SHARED:
		val_str(v, &e->why.shared);
		return true;
	default:
		return true; /* a newer field: skip it */
	}
}

int
rec_entry_decode(const void *p, size_t n, struct store_entry *out)
{
	struct store_entry e;
	struct reader r, v;
	uint64_t tag;
	bool broken;
	int rc = SH_EINVAL;

	store_entry_init(&e);
	if (!open_record(&r, p, n, REC_KIND_ENTRY))
		goto out;
	while (get_field(&r, &tag, &v, &broken))
		if (!entry_field(&e, tag, &v))
			goto out;
	if (broken || e.entry_id == NULL)
		goto out;
	*out = e;
	store_entry_init(&e);
	rc = SH_OK;
out:
	store_entry_clear(&e);
	return rc;
}

static bool
val_story_lang(struct reader *val, struct store_story *st)
{
	struct store_story_lang *l;
	struct reader v;
	uint64_t tag;
	bool broken;

	st->langs = xreallocarray(st->langs, st->nlangs + 1, sizeof(*l));
	l = &st->langs[st->nlangs++];
	memset(l, 0, sizeof(*l));
	while (get_field(val, &tag, &v, &broken)) {
		bool ok = true;

		switch (tag) {
		case LT_LANG:
			val_str(&v, &l->lang);
			break;
		case LT_ENTRIES:
			ok = val_u32(&v, &l->entries);
			break;
		case LT_BEST_SEQ:
			ok = val_u64(&v, &l->best_seq);
			break;
		case LT_BEST_SCORE:
			ok = val_u32(&v, &l->best_score);
			break;
		}
		if (!ok)
			return false;
	}
	if (l->lang == NULL)
		l->lang = xstrdup("");
	return !broken;
}

static bool
story_field(struct store_story *st, uint64_t tag, struct reader *v)
{
	uint64_t feed;

	switch (tag) {
	case ST_ID:
		return val_u64(v, &st->id);
	case ST_MERGED_INTO:
		return val_u64(v, &st->merged_into);
	case ST_FIRST_SEEN:
		return val_i64(v, &st->first_seen);
	case ST_UPDATED:
		return val_i64(v, &st->updated);
	case ST_READ_AT:
		return val_i64(v, &st->read_at);
	case ST_ENTRIES:
		return val_u32(v, &st->entries);
	case ST_LANG:
		return val_story_lang(v, st);
	case ST_FEED:
		if (!val_u64(v, &feed))
			return false;
		st->feeds = xreallocarray(st->feeds, st->nfeeds + 1,
		    sizeof(*st->feeds));
		st->feeds[st->nfeeds++] = feed;
		return true;
	default:
		return true;
	}
}

int
rec_story_decode(const void *p, size_t n, struct store_story *out)
{
	struct store_story st;
	struct reader r, v;
	uint64_t tag;
	bool broken;
	int rc = SH_EINVAL;

	store_story_init(&st);
	if (!open_record(&r, p, n, REC_KIND_STORY))
		goto out;
	while (get_field(&r, &tag, &v, &broken))
		if (!story_field(&st, tag, &v))
			goto out;
	if (broken || st.id == 0)
		goto out;
	*out = st;
	store_story_init(&st);
	rc = SH_OK;
out:
	store_story_clear(&st);
	return rc;
}

int64_t
rec_entry_time(const struct store_entry *e)
{
	if (e->published == FEED_TIME_NONE ||
	    (e->first_seen <= INT64_MAX - FUTURE_SLACK &&
		e->published > e->first_seen + FUTURE_SLACK))
		return e->first_seen;
	return e->published;
}

/* Lifetimes of the value structs. */

void
store_feed_init(struct store_feed *f)
{
	memset(f, 0, sizeof(*f));
	f->ttl_minutes = -1;
}

void
store_feed_clear(struct store_feed *f)
{
	free(f->url);
	free(f->title);
	free(f->folder);
	free(f->html_url);
	free(f->etag);
	free(f->last_modified);
	free(f->interval_reason);
	free(f->last_error);
	free(f->doc_title);
	free(f->doc_link);
	store_feed_init(f);
}

void
store_entry_init(struct store_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->published = FEED_TIME_NONE;
	e->updated = FEED_TIME_NONE;
}

static void
strv_free(struct feed_strv *v)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		free(v->v[i]);
	free(v->v);
}

void
store_entry_clear(struct store_entry *e)
{
	size_t i;

	free(e->entry_id);
	free(e->title);
	free(e->link);
	strv_free(&e->authors);
	free(e->summary);
	free(e->content_html);
	strv_free(&e->categories);
	for (i = 0; i < e->nenclosures; i++) {
		free(e->enclosures[i].url);
		free(e->enclosures[i].type);
	}
	free(e->enclosures);
	free(e->language);
	free(e->why.reason);
	free(e->why.shared);
	store_entry_init(e);
}

void
store_story_init(struct store_story *s)
{
	memset(s, 0, sizeof(*s));
}

void
store_story_clear(struct store_story *s)
{
	size_t i;

	for (i = 0; i < s->nlangs; i++)
		free(s->langs[i].lang);
	free(s->langs);
	free(s->feeds);
	store_story_init(s);
}
