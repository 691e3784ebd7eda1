/* SPDX-License-Identifier: MIT */
/* sheaf entries: the newest entries, of one feed or all, page after page. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "common.h"
#include "feeds.h"
#include "sheaf.h"

/* Entries asked for per page when following the cursor. */
#define ENTRIES_PAGE 500u

struct entries_query {
	const char *feed; /* feed id, or NULL for all */
	int64_t since;	  /* UTC seconds, or FEED_TIME_NONE */
	uint64_t limit;	  /* most entries, 0 for one page of the default */
	bool all;	  /* follow the cursor to the end */
};

/* The path of one page. */
static char *
page_path(struct sheaf_ctx *ctx, const struct entries_query *q, uint64_t want,
    const char *cursor)
{
	struct sh_buf b;
	char num[32], *esc;

	sh_buf_init(&b, SIZE_MAX);
	sh_buf_puts(&b, "/v1/entries?");
	if (q->feed != NULL) {
		sh_buf_puts(&b, "feed=");
		sh_buf_puts(&b, q->feed);
		sh_buf_putc(&b, '&');
	}
	if (q->since != FEED_TIME_NONE) {
		snprintf(num, sizeof(num), "since=%lld&",
		    (long long)(q->since < 0 ? 0 : q->since));
		sh_buf_puts(&b, num);
	}
	if (want > 0) {
		snprintf(num, sizeof(num), "limit=%" PRIu64 "&", want);
		sh_buf_puts(&b, num);
	}
	if (cursor != NULL) {
		esc = api_escape(ctx->api, cursor);
		sh_buf_puts(&b, "cursor=");
		sh_buf_puts(&b, esc);
		free(esc);
	}
	if (b.data[b.len - 1] == '&' || b.data[b.len - 1] == '?')
		b.data[--b.len] = '\0';
	return sh_buf_steal(&b);
}

/*
 * Gather the entries into list, page after page, as the query says.
 * Returns 0, or -1 after an error line.
 */
static int
fetch_entries(struct sheaf_ctx *ctx, const struct entries_query *q,
    json_t *list)
{
	struct api_reply r;
	char *cursor = NULL, *path;
	uint64_t want;
	int rc = 0;

	do {
		want = q->all ? ENTRIES_PAGE : q->limit;
		if (q->limit > 0)
			want = q->limit - json_array_size(list);
		path = page_path(ctx, q, want, cursor);
		rc = api_json(ctx->api, "GET", path, NULL, &r);
		free(path);
		free(cursor);
		cursor = NULL;
		if (rc != 0)
			break;
		json_array_extend(list, json_object_get(r.json, "entries"));
		if (jstr(r.json, "next_cursor") != NULL)
			cursor = xstrdup(jstr(r.json, "next_cursor"));
		api_reply_clear(&r);
		/* One page, unless asked for all or for more than came. */
		if (!q->all &&
		    (q->limit == 0 || json_array_size(list) >= q->limit))
			break;
	} while (cursor != NULL);
	free(cursor);
	return rc;
}

static void
entry_row(struct table *t, json_t *e, bool human)
{
	const char *date = jstr(e, "published");
	const char *title = jstr(e, "title");
	char buf[64];

	if (date == NULL)
		date = jstr(e, "updated");
	if (date == NULL)
		date = jstr(e, "first_seen");
	table_addf(t, "%" JSON_INTEGER_FORMAT,
	    json_integer_value(json_object_get(e, "id")));
	table_addf(t, "%" JSON_INTEGER_FORMAT,
	    json_integer_value(json_object_get(e, "feed")));
	table_add(t, human ? fmt_local(date, buf, sizeof(buf)) : date);
	table_add(t, title != NULL ? title : human ? "(no title)" : NULL);
	table_add(t, jstr(e, "link"));
}

static int
print_entries(struct sheaf_ctx *ctx, json_t *list)
{
	static const char *const headers[] = {"ID", "FEED", "DATE", "TITLE",
	    "LINK"};
	struct table *t;
	json_t *e, *out;
	size_t i;
	int rc = 0;

	if (ctx->json) {
		/* The API's shape, all pages in one. */
		out = json_pack("{s:O,s:n}", "entries", list, "next_cursor");
		if (json_dumpf(out, stdout, JSON_INDENT(2)) != 0 ||
		    fputc('\n', stdout) == EOF || fflush(stdout) != 0) {
			log_warn("writing the output");
			rc = -1;
		}
		json_decref(out);
		return rc;
	}
	t = table_new(5, headers, ctx->human);
	table_set_max(t, 3, 60);
	table_set_max(t, 4, 60);
	json_array_foreach(list, i, e) entry_row(t, e, ctx->human);
	rc = table_print(t, stdout);
	table_free(t);
	return rc;
}

int
cmd_entries(struct sheaf_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"feed", required_argument, NULL, 'f'},
	    {"since", required_argument, NULL, 's'},
	    {"limit", required_argument, NULL, 'n'},
	    {"all", no_argument, NULL, 'a'},
	    {NULL, 0, NULL, 0},
	};
	struct entries_query q;
	uint64_t id;
	json_t *list;
	int c, status = SHEAF_EXIT_ERR;

	memset(&q, 0, sizeof(q));
	q.since = FEED_TIME_NONE;
	optind = 0;
	while ((c = getopt_long(argc, argv, "f:s:n:a", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (!parse_count(optarg, &id)) {
				log_warnx("--feed: '%s' is no feed id", optarg);
				return usage_of("entries");
			}
			q.feed = optarg;
			break;
		case 's':
			if (!parse_since(optarg, time(NULL), &q.since)) {
				log_warnx("--since: '%s' is neither a duration "
					  "(2h, 3d) nor a date",
				    optarg);
				return usage_of("entries");
			}
			break;
		case 'n':
			if (!parse_count(optarg, &q.limit)) {
				log_warnx("--limit: '%s' is no positive number",
				    optarg);
				return usage_of("entries");
			}
			break;
		case 'a':
			q.all = true;
			break;
		default:
			return usage_of("entries");
		}
	}
	if (optind != argc || (q.all && q.limit > 0))
		return usage_of("entries");
	list = json_array();
	if (fetch_entries(ctx, &q, list) == 0 && print_entries(ctx, list) == 0)
		status = SHEAF_EXIT_OK;
	json_decref(list);
	return status;
}
