/* SPDX-License-Identifier: MIT */
/* sheaf add, remove, feeds, poll and status: subscriptions and the daemon's health. */
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

/* A feed id as the API writes it: digits, not 0. */
static bool
parse_id(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (s == NULL || *s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v == 0)
		return false;
	*out = v;
	return true;
}

/* The id of a feed object. */
static uint64_t
feed_id(json_t *f)
{
	return (uint64_t)json_integer_value(json_object_get(f, "id"));
}

int
cmd_add(struct sheaf_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"folder", required_argument, NULL, 'f'},
	    {"title", required_argument, NULL, 't'},
	    {NULL, 0, NULL, 0},
	};
	const char *folder = NULL, *title = NULL, *url;
	struct api_reply r;
	json_t *req;
	int c, status = SHEAF_EXIT_ERR;

	optind = 0;
	while ((c = getopt_long(argc, argv, "f:t:", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			folder = optarg;
			break;
		case 't':
			title = optarg;
			break;
		default:
			return usage_of("add");
		}
	}
	if (optind != argc - 1)
		return usage_of("add");
	if ((req = json_pack("{s:s}", "url", argv[optind])) == NULL) {
		log_warnx("the URL is not valid UTF-8");
		return SHEAF_EXIT_USAGE;
	}
	if (folder != NULL)
		json_object_set_new(req, "folder", json_string(folder));
	if (title != NULL)
		json_object_set_new(req, "title", json_string(title));
	if (api_json(ctx->api, "POST", "/v1/feeds", req, &r) != 0)
		goto out;
	if (ctx->json) {
		status = print_raw(&r);
	} else {
		url = jstr(r.json, "url");
		printf("added feed %" PRIu64 ": %s\n", feed_id(r.json),
		    url != NULL ? url : argv[optind]);
		status = flushed();
	}
	api_reply_clear(&r);
out:
	json_decref(req);
	return status;
}

/* The id of the feed whose URL is url, or 0 after an error line. */
static uint64_t
find_by_url(struct sheaf_ctx *ctx, const char *url)
{
	struct api_reply r;
	json_t *f;
	size_t i;
	uint64_t id = 0;

	if (api_json(ctx->api, "GET", "/v1/feeds", NULL, &r) != 0)
		return 0;
	json_array_foreach(json_object_get(r.json, "feeds"), i, f)
	{
		if (jstr(f, "url") != NULL && strcmp(jstr(f, "url"), url) == 0)
			id = feed_id(f);
	}
	if (id == 0)
		log_warnx("%s: no such feed", url);
	api_reply_clear(&r);
	return id;
}

int
cmd_remove(struct sheaf_ctx *ctx, int argc, char **argv)
{
	struct api_reply r;
	char path[64];
	uint64_t id;
	int status;

	if (argc != 2 || argv[1][0] == '-')
		return usage_of("remove");
	if (!parse_id(argv[1], &id) && (id = find_by_url(ctx, argv[1])) == 0)
		return SHEAF_EXIT_ERR;
	snprintf(path, sizeof(path), "/v1/feeds/%" PRIu64, id);
	if (api_json(ctx->api, "DELETE", path, NULL, &r) != 0)
		return SHEAF_EXIT_ERR;
	if (ctx->json) {
		status = print_raw(&r);
	} else {
		printf("removed feed %" PRIu64 " and its %" JSON_INTEGER_FORMAT
		       " entries\n",
		    id,
		    json_integer_value(
			json_object_get(r.json, "deleted_entries")));
		status = flushed();
	}
	api_reply_clear(&r);
	return status;
}

/* When a feed is polled next, as people read it. */
static void
next_poll_human(json_t *f, int64_t now, char *buf, size_t n)
{
	const char *next = jstr(f, "next_poll");
	int64_t t;

	if (json_is_true(json_object_get(f, "gone")))
		snprintf(buf, n, "never (gone)");
	else if (next == NULL || feed_date_parse(next, &t) != SH_OK)
		snprintf(buf, n, "-");
	else if (t <= now)
		snprintf(buf, n, "due");
	else
		fmt_relative(t, now, buf, n);
}

static void
feed_row(struct table *t, json_t *f, bool human, int64_t now)
{
	json_t *st = json_object_get(f, "last_status");
	const char *title = jstr(f, "title");
	char buf[64];

	table_addf(t, "%" PRIu64, feed_id(f));
	table_add(t, title != NULL ? title : human ? jstr(f, "url") : NULL);
	table_add(t, jstr(f, "folder"));
	if (json_is_integer(st))
		table_addf(t, "%" JSON_INTEGER_FORMAT, json_integer_value(st));
	else
		table_add(t, human ? "-" : NULL);
	table_addf(t, "%" JSON_INTEGER_FORMAT,
	    json_integer_value(json_object_get(f, "failures")));
	if (human) {
		next_poll_human(f, now, buf, sizeof(buf));
		table_add(t, buf);
	} else {
		table_add(t, jstr(f, "next_poll"));
	}
	table_add(t, jstr(f, "interval_reason"));
	table_add(t, jstr(f, "last_error"));
	table_add(t, jstr(f, "url"));
}

int
cmd_feeds(struct sheaf_ctx *ctx, int argc, char **argv)
{
	static const char *const headers[] = {"ID", "TITLE", "FOLDER", "STATUS",
	    "FAIL", "NEXT POLL", "REASON", "LAST ERROR", "URL"};
	struct api_reply r;
	struct table *t;
	json_t *f;
	size_t i;
	int64_t now = time(NULL);
	int status = SHEAF_EXIT_ERR;

	(void)argv;
	if (argc != 1)
		return usage_of("feeds");
	if (api_json(ctx->api, "GET", "/v1/feeds", NULL, &r) != 0)
		return SHEAF_EXIT_ERR;
	if (ctx->json) {
		status = print_raw(&r);
		api_reply_clear(&r);
		return status;
	}
	t = table_new(9, headers, ctx->human);
	table_set_max(t, 1, 32);
	table_set_max(t, 2, 16);
	table_set_max(t, 6, 24);
	table_set_max(t, 7, 32);
	table_set_max(t, 8, 48);
	json_array_foreach(json_object_get(r.json, "feeds"), i, f)
	    feed_row(t, f, ctx->human, now);
	if (table_print(t, stdout) == 0)
		status = SHEAF_EXIT_OK;
	table_free(t);
	api_reply_clear(&r);
	return status;
}

/* POST /v1/feeds/ID/poll. */
static int
poll_one(struct sheaf_ctx *ctx, uint64_t id)
{
	struct api_reply r;
	char path[64];
	int rc = 0;

	snprintf(path, sizeof(path), "/v1/feeds/%" PRIu64 "/poll", id);
	if (api_json(ctx->api, "POST", path, NULL, &r) != 0)
		return -1;
	if (ctx->json)
		rc = api_reply_print(&r);
	else
		printf("feed %" PRIu64 ": poll requested\n", id);
	api_reply_clear(&r);
	return rc;
}

/* POST /v1/poll: every feed that is not gone or paused, in one request. */
static int
poll_all(struct sheaf_ctx *ctx)
{
	struct api_reply r;
	json_int_t skipped;
	int rc = 0;

	if (api_json(ctx->api, "POST", "/v1/poll", NULL, &r) != 0)
		return -1;
	if (ctx->json) {
		rc = api_reply_print(&r);
	} else {
		printf("%" JSON_INTEGER_FORMAT " feeds: poll requested",
		    json_integer_value(json_object_get(r.json, "polled")));
		skipped =
		    json_integer_value(json_object_get(r.json, "skipped"));
		if (skipped > 0)
			printf("; %" JSON_INTEGER_FORMAT
			       " gone or paused, not polled (sheaf poll ID "
			       "polls one)",
			    skipped);
		printf("\n");
	}
	api_reply_clear(&r);
	return rc;
}

int
cmd_poll(struct sheaf_ctx *ctx, int argc, char **argv)
{
	uint64_t id = 0;

	if (argc > 2)
		return usage_of("poll");
	if (argc == 2 && !parse_id(argv[1], &id)) {
		log_warnx("%s: a feed id is a positive number", argv[1]);
		return usage_of("poll");
	}
	if ((argc == 2 ? poll_one(ctx, id) : poll_all(ctx)) != 0)
		return SHEAF_EXIT_ERR;
	return flushed();
}

/* An uptime, short: "3d 4h", "2h 5m", "4m 12s". */
static void
fmt_duration(int64_t s, char *buf, size_t n)
{
	if (s >= 86400)
		snprintf(buf, n, "%lldd %lldh", (long long)(s / 86400),
		    (long long)(s % 86400 / 3600));
	else if (s >= 3600)
		snprintf(buf, n, "%lldh %lldm", (long long)(s / 3600),
		    (long long)(s % 3600 / 60));
	else
		snprintf(buf, n, "%lldm %llds", (long long)(s / 60),
		    (long long)(s % 60));
}

/* The last round's line: when, and what it did. */
static void
round_row(struct table *t, json_t *round, bool human, int64_t now)
{
	const char *fin = jstr(round, "finished");
	char when[64], rel[32];
	int64_t ft;

	table_add(t, "last round");
	if (round == NULL || json_is_null(round)) {
		table_add(t, human ? "none yet" : NULL);
		return;
	}
	if (human && fin != NULL && feed_date_parse(fin, &ft) == SH_OK)
		snprintf(when, sizeof(when), "finished %s",
		    fmt_relative(ft, now, rel, sizeof(rel)));
	else
		snprintf(when, sizeof(when), "%s",
		    fin != NULL ? fin : "running");
	table_addf(t,
	    "%" JSON_INTEGER_FORMAT " fetched, %" JSON_INTEGER_FORMAT
	    " not modified, %" JSON_INTEGER_FORMAT
	    " failed, %" JSON_INTEGER_FORMAT " new entries (%s)",
	    jint(round, "fetched"), jint(round, "not_modified"),
	    jint(round, "failed"), jint(round, "new_entries"), when);
}

static void
status_rows(struct table *t, json_t *j, bool human)
{
	json_t *store = json_object_get(j, "store");
	json_t *store_error = json_object_get(j, "store_error");
	char buf[64];

	table_add(t, "version");
	table_add(t, jstr(j, "version"));
	table_add(t, "uptime");
	if (human) {
		fmt_duration(jint(j, "uptime"), buf, sizeof(buf));
		table_add(t, buf);
	} else {
		table_addf(t, "%" JSON_INTEGER_FORMAT, jint(j, "uptime"));
	}
	table_add(t, "feeds");
	table_addf(t,
	    "%" JSON_INTEGER_FORMAT " (%" JSON_INTEGER_FORMAT
	    " due, %" JSON_INTEGER_FORMAT " failing, %" JSON_INTEGER_FORMAT
	    " gone)",
	    jint(j, "feeds"), jint(j, "due"), jint(j, "failing"),
	    jint(j, "gone"));
	table_add(t, "entries");
	table_addf(t,
	    "%" JSON_INTEGER_FORMAT " (%" JSON_INTEGER_FORMAT
	    " waiting for their story)",
	    jint(j, "entries"), jint(j, "stories_pending"));
	round_row(t, json_object_get(j, "last_round"), human, time(NULL));
	table_add(t, "round running");
	table_add(t,
	    json_is_true(json_object_get(j, "round_running")) ? "yes" : "no");
	table_add(t, "store");
	table_addf(t, "%.1f of %.1f MiB used, schema %" JSON_INTEGER_FORMAT,
	    (double)jint(store, "map_used") / 1048576.0,
	    (double)jint(store, "map_size") / 1048576.0,
	    jint(store, "schema_version"));
	if (json_is_object(store_error)) {
		table_add(t, "store error");
		table_addf(t, "%s, since %s", jstr(store_error, "message"),
		    jstr(store_error, "since"));
	}
}

int
cmd_status(struct sheaf_ctx *ctx, int argc, char **argv)
{
	struct api_reply r;
	struct table *t;
	int status = SHEAF_EXIT_ERR;

	(void)argv;
	if (argc != 1)
		return usage_of("status");
	if (api_json(ctx->api, "GET", "/v1/status", NULL, &r) != 0)
		return SHEAF_EXIT_ERR;
	if (ctx->json) {
		status = print_raw(&r);
		api_reply_clear(&r);
		return status;
	}
	t = table_new(2, NULL, ctx->human);
	status_rows(t, r.json, ctx->human);
	if (table_print(t, stdout) == 0)
		status = SHEAF_EXIT_OK;
	table_free(t);
	api_reply_clear(&r);
	return status;
}
