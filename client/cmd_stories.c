/* SPDX-License-Identifier: MIT */
/* sheaf stories, story and read: story clusters and read marks. */

/* Plain requests through api.c; watch, a stream, is cmd_watch.c. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "common.h"
#include "feeds.h"
#include "sheaf.h"

/* Stories asked for per page when following the cursor. */
#define STORIES_PAGE 500u
/* Longest language code accepted by --lang, as BCP 47 allows. */
#define LANG_MAX 35u

/* Shared helpers. */

/* --lang: a language code such as "en" or "pt-BR". */
static bool
is_lang(const char *s)
{
	size_t n = 0;

	for (; s[n] != '\0'; n++)
		if (!((s[n] >= 'a' && s[n] <= 'z') ||
			(s[n] >= 'A' && s[n] <= 'Z') ||
			(s[n] >= '0' && s[n] <= '9') || s[n] == '-'))
			return false;
	return n > 0 && n <= LANG_MAX;
}

/* The strings of an array joined by sep, or NULL for none; caller frees. */
static char *
join_strings(json_t *a, const char *sep)
{
	struct sh_buf b;
	json_t *v;
	size_t i;

	sh_buf_init(&b, SIZE_MAX);
	json_array_foreach(a, i, v)
	{
		if (!json_is_string(v))
			continue;
		if (b.len > 0)
			sh_buf_puts(&b, sep);
		sh_buf_puts(&b, json_string_value(v));
	}
	if (b.len == 0) {
		sh_buf_clear(&b);
		return NULL;
	}
	return sh_buf_steal(&b);
}

/* A time of the API for the reader: local time for people, else as is. */
static const char *
show_time(const char *iso, bool human, char *buf, size_t n)
{
	return human ? fmt_local(iso, buf, n) : iso;
}

/* sheaf stories */

struct stories_query {
	int64_t since;	      /* UTC seconds, or FEED_TIME_NONE */
	const char *lang;     /* language code, or NULL for all */
	uint64_t min_sources; /* 0 for any number */
	bool unread;	      /* only stories with unread entries */
	uint64_t limit;	      /* most stories, 0 for one page of the default */
	bool all;	      /* follow the cursor to the end */
};

/* The path of one page. */
static char *
stories_path(struct sheaf_ctx *ctx, const struct stories_query *q,
    uint64_t want, const char *cursor)
{
	struct sh_buf b;
	char num[48], *esc;

	sh_buf_init(&b, SIZE_MAX);
	sh_buf_puts(&b, "/v1/stories?");
	if (q->since != FEED_TIME_NONE) {
		snprintf(num, sizeof(num), "since=%lld&",
		    (long long)(q->since < 0 ? 0 : q->since));
		sh_buf_puts(&b, num);
	}
	if (q->lang != NULL) {
		esc = api_escape(ctx->api, q->lang);
		sh_buf_puts(&b, "lang=");
		sh_buf_puts(&b, esc);
		sh_buf_putc(&b, '&');
		free(esc);
	}
	if (q->min_sources > 0) {
		snprintf(num, sizeof(num), "min_sources=%" PRIu64 "&",
		    q->min_sources);
		sh_buf_puts(&b, num);
	}
	if (q->unread)
		sh_buf_puts(&b, "unread=1&");
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
 * Gather the stories into list, page after page, as the query says, and
 * the cursor of the page after the last one read (NULL at the end) into
 * *next.  Returns 0, or -1 after an error line.
 */
static int
fetch_stories(struct sheaf_ctx *ctx, const struct stories_query *q,
    json_t *list, char **next)
{
	struct api_reply r;
	char *cursor = NULL, *path;
	uint64_t want;
	size_t got;
	int rc = 0;

	do {
		want = q->all ? STORIES_PAGE : q->limit;
		if (q->limit > 0)
			want = q->limit - json_array_size(list);
		path = stories_path(ctx, q, want, cursor);
		rc = api_json(ctx->api, "GET", path, NULL, &r);
		free(path);
		free(cursor);
		cursor = NULL;
		if (rc != 0)
			break;
		got = json_array_size(json_object_get(r.json, "stories"));
		json_array_extend(list, json_object_get(r.json, "stories"));
		if (jstr(r.json, "next_cursor") != NULL)
			cursor = xstrdup(jstr(r.json, "next_cursor"));
		api_reply_clear(&r);
		/* One page, unless asked for all or for more than came. */
		if (!q->all &&
		    (q->limit == 0 || json_array_size(list) >= q->limit))
			break;
		/* An empty page with a cursor would page for ever. */
		if (got == 0)
			break;
	} while (cursor != NULL);
	*next = cursor;
	return rc;
}

/* The status column: short words for people, the API's for scripts. */
static const char *
status_cell(json_t *s, bool human)
{
	const char *st = jstr(s, "status");

	if (human && st != NULL && strcmp(st, "updated") == 0)
		return "upd";
	return st;
}

static void
story_row(struct table *t, json_t *s, bool human)
{
	const char *headline = jstr(s, "headline");
	char buf[64], *langs;

	table_addf(t, "%" JSON_INTEGER_FORMAT, jint(s, "id"));
	table_add(t, status_cell(s, human));
	table_addf(t, "%" JSON_INTEGER_FORMAT, jint(s, "sources"));
	table_addf(t, "%" JSON_INTEGER_FORMAT, jint(s, "entries"));
	langs = join_strings(json_object_get(s, "languages"), ",");
	table_add(t, langs);
	free(langs);
	table_add(t, show_time(jstr(s, "updated"), human, buf, sizeof(buf)));
	table_add(t, headline != NULL ? headline
		     : human	      ? "(no headline)"
				      : NULL);
}

static int
print_stories(struct sheaf_ctx *ctx, json_t *list, const char *next)
{
	static const char *const headers[] = {"ID", "STATUS", "SOURCES",
	    "ENTRIES", "LANGS", "UPDATED", "HEADLINE"};
	struct table *t;
	json_t *s, *out;
	size_t i;
	int rc = 0;

	if (ctx->json) {
		/* The API's shape, all pages in one. */
		out = json_pack("{s:O,s:s?}", "stories", list, "next_cursor",
		    next);
		if (json_dumpf(out, stdout, JSON_INDENT(2)) != 0 ||
		    fputc('\n', stdout) == EOF || fflush(stdout) != 0) {
			log_warn("writing the output");
			rc = -1;
		}
		json_decref(out);
		return rc;
	}
	t = table_new(7, headers, ctx->human);
	table_set_max(t, 4, 14);
	table_set_max(t, 6, 72);
	json_array_foreach(list, i, s) story_row(t, s, ctx->human);
	rc = table_print(t, stdout);
	table_free(t);
	return rc;
}

/* --atom: the daemon's Atom feed of the stories, byte for byte. */
static int
print_atom(struct sheaf_ctx *ctx)
{
	struct api_reply r;
	int status = SHEAF_EXIT_ERR;

	if (api_request(ctx->api, "GET", "/v1/stories.atom", NULL, NULL, 0,
		&r) != 0)
		return SHEAF_EXIT_ERR;
	/* Nothing added: a feed reader parses what comes out. */
	if (fwrite(r.body, 1, r.len, stdout) != r.len || fflush(stdout) != 0)
		log_warn("writing the output");
	else
		status = SHEAF_EXIT_OK;
	api_reply_clear(&r);
	return status;
}

/* The options of stories into q; returns -1 for a wrong command line. */
static int
stories_options(int argc, char **argv, struct stories_query *q, bool *atom)
{
	static const struct option opts[] = {
	    {"since", required_argument, NULL, 's'},
	    {"lang", required_argument, NULL, 'l'},
	    {"min-sources", required_argument, NULL, 'm'},
	    {"unread", no_argument, NULL, 'u'},
	    {"limit", required_argument, NULL, 'n'},
	    {"all", no_argument, NULL, 'a'},
	    {"atom", no_argument, NULL, 'A'},
	    {NULL, 0, NULL, 0},
	};
	bool filtered = false;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "s:l:m:un:a", opts, NULL)) != -1) {
		filtered = filtered || c != 'A';
		switch (c) {
		case 's':
			if (!parse_since(optarg, time(NULL), &q->since)) {
				log_warnx("--since: '%s' is neither a duration "
					  "(2h, 3d) nor a date",
				    optarg);
				return -1;
			}
			break;
		case 'l':
			if (!is_lang(optarg)) {
				log_warnx("--lang: '%s' is no language code",
				    optarg);
				return -1;
			}
			q->lang = optarg;
			break;
		case 'm':
			if (!parse_count(optarg, &q->min_sources)) {
				log_warnx("--min-sources: '%s' is no positive "
					  "number",
				    optarg);
				return -1;
			}
			break;
		case 'u':
			q->unread = true;
			break;
		case 'n':
			if (!parse_count(optarg, &q->limit)) {
				log_warnx("--limit: '%s' is no positive number",
				    optarg);
				return -1;
			}
			break;
		case 'a':
			q->all = true;
			break;
		case 'A':
			*atom = true;
			break;
		default:
			return -1;
		}
	}
	if (optind != argc || (q->all && q->limit > 0))
		return -1;
	/* The Atom feed is the daemon's own selection; it takes no filter. */
	if (*atom && filtered) {
		log_warnx("--atom takes no other option");
		return -1;
	}
	return 0;
}

int
cmd_stories(struct sheaf_ctx *ctx, int argc, char **argv)
{
	struct stories_query q;
	char *next = NULL;
	json_t *list;
	bool atom = false;
	int status = SHEAF_EXIT_ERR;

	memset(&q, 0, sizeof(q));
	q.since = FEED_TIME_NONE;
	if (stories_options(argc, argv, &q, &atom) != 0)
		return usage_of("stories");
	if (atom)
		return print_atom(ctx);
	list = json_array();
	if (fetch_stories(ctx, &q, list, &next) == 0 &&
	    print_stories(ctx, list, next) == 0)
		status = SHEAF_EXIT_OK;
	free(next);
	json_decref(list);
	return status;
}

/* sheaf story */

/* The story's own lines for people: one label and its value per row. */
static int
print_story_head(json_t *s, json_t *merged_from)
{
	struct table *t = table_new(2, NULL, true);
	const char *headline = jstr(s, "headline");
	char buf[64], *langs;
	int rc;

	table_add(t, "story");
	table_addf(t, "%" JSON_INTEGER_FORMAT " (%s)", jint(s, "id"),
	    jstr(s, "status") != NULL ? jstr(s, "status") : "?");
	if (json_is_integer(merged_from)) {
		table_add(t, "merged");
		table_addf(t, "story %" JSON_INTEGER_FORMAT " is part of it",
		    json_integer_value(merged_from));
	}
	table_add(t, "headline");
	table_add(t, headline != NULL ? headline : "(no headline)");
	table_add(t, "link");
	table_add(t, jstr(s, "link"));
	table_add(t, "first seen");
	table_add(t, fmt_local(jstr(s, "first_seen"), buf, sizeof(buf)));
	table_add(t, "updated");
	table_add(t, fmt_local(jstr(s, "updated"), buf, sizeof(buf)));
	table_add(t, "sources");
	table_addf(t,
	    "%" JSON_INTEGER_FORMAT " (%" JSON_INTEGER_FORMAT " entries)",
	    jint(s, "sources"), jint(s, "entries"));
	langs = join_strings(json_object_get(s, "languages"), ", ");
	table_add(t, "languages");
	table_add(t, langs);
	free(langs);
	rc = table_print(t, stdout);
	table_free(t);
	if (rc == 0 && (fputc('\n', stdout) == EOF || fflush(stdout) != 0)) {
		log_warn("writing the output");
		rc = -1;
	}
	return rc;
}

/* A score of the why object, two decimals, or NULL when absent. */
static void
add_score(struct table *t, json_t *why, const char *key)
{
	json_t *v = json_object_get(why, key);

	if (json_is_number(v))
		table_addf(t, "%.2f", json_number_value(v));
	else
		table_add(t, NULL);
}

static void
entry_row(struct table *t, json_t *e, bool human, bool why)
{
	json_t *w = json_object_get(e, "why");
	json_t *dup = json_object_get(e, "duplicate_of");
	const char *date = jstr(e, "published");
	const char *title = jstr(e, "title");
	char buf[64], *shared;

	if (date == NULL)
		date = jstr(e, "first_seen");
	table_addf(t, "%" JSON_INTEGER_FORMAT, jint(e, "seq"));
	table_add(t, show_time(date, human, buf, sizeof(buf)));
	if (jstr(e, "feed_title") != NULL)
		table_add(t, jstr(e, "feed_title"));
	else
		table_addf(t, "feed %" JSON_INTEGER_FORMAT, jint(e, "feed_id"));
	table_add(t, jstr(e, "language"));
	table_add(t, title != NULL ? title : human ? "(no title)" : NULL);
	if (!json_is_integer(dup))
		table_add(t, NULL);
	else if (human)
		table_addf(t, "dup of %" JSON_INTEGER_FORMAT,
		    json_integer_value(dup));
	else
		table_addf(t, "%" JSON_INTEGER_FORMAT, json_integer_value(dup));
	if (why) {
		table_add(t, jstr(w, "reason"));
		add_score(t, w, "score");
		add_score(t, w, "text");
		add_score(t, w, "names");
		shared = join_strings(json_object_get(w, "shared"), " ");
		table_add(t, shared);
		free(shared);
	}
	table_add(t, jstr(e, "link"));
}

static int
print_story_entries(json_t *entries, bool human, bool why)
{
	static const char *const headers[] = {"SEQ", "TIME", "FEED", "LANG",
	    "TITLE", "DUP", "REASON", "SCORE", "TEXT", "NAMES", "SHARED",
	    "LINK"};
	static const char *const short_headers[] = {"SEQ", "TIME", "FEED",
	    "LANG", "TITLE", "DUP", "LINK"};
	struct table *t;
	json_t *e;
	size_t i;
	int rc;

	t = table_new(why ? 12 : 7, why ? headers : short_headers, human);
	table_set_max(t, 2, 20);
	table_set_max(t, 4, 50);
	if (why)
		table_set_max(t, 10, 32);
	table_set_max(t, why ? 11 : 6, 48);
	json_array_foreach(entries, i, e) entry_row(t, e, human, why);
	rc = table_print(t, stdout);
	table_free(t);
	return rc;
}

/*
 * A story's answer without --json: for people its own lines, then its
 * entries; for scripts the entries alone.  Returns 0, or -1 after an
 * error line.
 */
static int
print_story(json_t *answer, bool human, bool why)
{
	json_t *s = json_object_get(answer, "story");

	if (!json_is_object(s)) {
		log_warnx("sheafd sent no story");
		return -1;
	}
	if (human &&
	    print_story_head(s, json_object_get(answer, "merged_from")) != 0)
		return -1;
	return print_story_entries(json_object_get(answer, "entries"), human,
	    why);
}

int
cmd_story(struct sheaf_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"why", no_argument, NULL, 'w'},
	    {NULL, 0, NULL, 0},
	};
	struct api_reply r;
	char path[64];
	uint64_t id;
	bool why = false;
	int c, status = SHEAF_EXIT_ERR;

	optind = 0;
	while ((c = getopt_long(argc, argv, "w", opts, NULL)) != -1) {
		if (c != 'w')
			return usage_of("story");
		why = true;
	}
	if (optind != argc - 1)
		return usage_of("story");
	if (!parse_count(argv[optind], &id)) {
		log_warnx("%s: a story id is a positive number", argv[optind]);
		return usage_of("story");
	}
	snprintf(path, sizeof(path), "/v1/stories/%" PRIu64, id);
	if (api_json(ctx->api, "GET", path, NULL, &r) != 0)
		return SHEAF_EXIT_ERR;
	if (ctx->json)
		status = print_raw(&r);
	else if (print_story(r.json, ctx->human, why) == 0)
		status = SHEAF_EXIT_OK;
	api_reply_clear(&r);
	return status;
}

/* sheaf read */

int
cmd_read(struct sheaf_ctx *ctx, int argc, char **argv)
{
	struct api_reply r;
	char path[64];
	uint64_t id;
	json_int_t got, marked;
	int status;

	if (argc != 2 || argv[1][0] == '-')
		return usage_of("read");
	if (!parse_count(argv[1], &id)) {
		log_warnx("%s: a story id is a positive number", argv[1]);
		return usage_of("read");
	}
	snprintf(path, sizeof(path), "/v1/stories/%" PRIu64 "/read", id);
	if (api_json(ctx->api, "POST", path, NULL, &r) != 0)
		return SHEAF_EXIT_ERR;
	if (ctx->json) {
		status = print_raw(&r);
	} else {
		/* A merged story is marked as the story it went into. */
		got = jint(r.json, "story");
		marked = jint(r.json, "marked");
		printf("story %" JSON_INTEGER_FORMAT ": %" JSON_INTEGER_FORMAT
		       " %s marked read",
		    got > 0 ? got : (json_int_t)id, marked,
		    marked == 1 ? "entry" : "entries");
		if (got > 0 && (uint64_t)got != id)
			printf(" (story %" PRIu64 " is part of it)", id);
		printf("\n");
		status = flushed();
	}
	api_reply_clear(&r);
	return status;
}
