/* SPDX-License-Identifier: MIT */
/* sheaf stories, story, read and watch: story clusters, read marks, live events. */

/*
 * stories, story and read are plain requests through api.c.  watch is not:
 * GET /v1/events never ends, and api_request() keeps a whole answer in
 * memory.  So watch drives its own libcurl handle, through the multi
 * interface, with a write callback that cuts the bytes into lines and the
 * lines into events as the text/event-stream format says (HTML Living
 * Standard, section 9.2): fields "event" and "data", ':' for comments, a
 * blank line ends an event, and a line may end in CR LF, LF or CR.  At
 * most one line and one event are held, each bounded by WATCH_MAX_EVENT,
 * and each event is printed and flushed as soon as its blank line comes.
 *
 * SIGINT and SIGTERM write a byte to a pipe that curl_multi_poll() watches
 * besides the socket, so Ctrl-C ends watch at once, with status 0, and no
 * event is cut in the middle of its line.  A progress callback polling a
 * flag was the simpler choice, but waits up to a second.
 */
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
/* Most bytes of one line, and of one event's data, in the event stream. */
#define WATCH_MAX_EVENT ((size_t)1 << 20)
/* Most bytes kept of an error answer to the event request. */
#define WATCH_MAX_ERROR ((size_t)64 << 10)
/* Seconds to wait for the daemon to take the connection. */
#define WATCH_CONNECT_TIMEOUT 5L

/* Shared helpers. */

/* A count or an id: digits, not 0. */
static bool
parse_count(const char *s, uint64_t *out)
{
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		return false;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno == 0 && *end == '\0' && *out > 0;
}

/* --since: a duration back from now (90s, 15m, 2h, 3d, 1w) or a date. */
static bool
parse_since(const char *s, int64_t now, int64_t *out)
{
	static const char units[] = "smhdw";
	static const int64_t mult[] = {1, 60, 3600, 86400, 604800};
	const char *u;
	char *end;
	long long v;

	if (*s >= '0' && *s <= '9') {
		errno = 0;
		v = strtoll(s, &end, 10);
		if (errno == 0 && end != s && end[0] != '\0' &&
		    end[1] == '\0' && (u = strchr(units, end[0])) != NULL &&
		    v <= INT32_MAX) {
			*out = now - (int64_t)v * mult[u - units];
			return true;
		}
	}
	return feed_date_parse(s, out) == SH_OK;
}

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

static json_int_t
jint(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/* The exit status once a message went to stdout: 1 if writing failed. */
static int
flushed(void)
{
	if (ferror(stdout) || fflush(stdout) != 0) {
		log_warn("writing the output");
		return SHEAF_EXIT_ERR;
	}
	return SHEAF_EXIT_OK;
}

/* --json: the answer as it came. */
static int
print_raw(const struct api_reply *r)
{
	return api_reply_print(r) == 0 ? SHEAF_EXIT_OK : SHEAF_EXIT_ERR;
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

/* sheaf watch */

/* Why the write callback stopped the transfer. */
enum watch_stop {
	WATCH_GOING,	 /* it did not */
	WATCH_TOO_BIG,	 /* a line or an event passed WATCH_MAX_EVENT */
	WATCH_NO_STREAM, /* a 2xx answer that is no event stream */
	WATCH_OUTPUT	 /* stdout failed */
};

struct watch {
	struct sheaf_ctx *ctx;
	CURL *curl;
	bool answered;	       /* the status and type were looked at */
	long status;	       /* the HTTP status */
	struct sh_buf errbody; /* the body of an error answer */
	struct sh_buf line;    /* the line read so far */
	struct sh_buf data;    /* the data lines of the event so far */
	char type[32];	       /* its event type, "" for the default */
	bool has_data;	       /* a data line came */
	bool after_cr;	       /* the last byte ended a line with CR */
	enum watch_stop stop;
};

/* The write end of the pipe that SIGINT and SIGTERM write to. */
static volatile sig_atomic_t signal_fd = -1;

static void
on_signal(int sig)
{
	int saved = errno;

	(void)sig;
	if (signal_fd != -1 && write(signal_fd, "", 1) == -1) {
		/* A full pipe has a byte in it already. */
	}
	errno = saved;
}

/* Print text on one line: control characters, such as ESC, as spaces. */
static void
put_clean(const char *s, FILE *fp)
{
	for (; *s != '\0'; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s, fp);
}

/* A time member of an object as UTC seconds; false when absent. */
static bool
jtime(json_t *o, const char *key, int64_t *out)
{
	const char *s = jstr(o, key);

	return s != NULL && feed_date_parse(s, out) == SH_OK;
}

/*
 * NEW for a story that just appeared, UPDATED for one that grew: the
 * event's own "event" member says which.  Not the story's status: an
 * unread story that grows is still "new" there.  Without the member (an
 * older daemon), a story updated after it was first seen has grown.
 */
static const char *
event_kind(json_t *s)
{
	const char *ev = jstr(s, "event");
	int64_t first, updated;

	if (ev != NULL)
		return strcmp(ev, "new") == 0 ? "NEW" : "UPDATED";
	if (jtime(s, "first_seen", &first) && jtime(s, "updated", &updated) &&
	    updated > first)
		return "UPDATED";
	return "NEW";
}

/* One story event for people or scripts. */
static void
print_story_event(json_t *s, bool human)
{
	const char *updated = jstr(s, "updated");
	const char *headline = jstr(s, "headline");
	char buf[64];

	if (human) {
		printf("%-16s  %-7s  %6" JSON_INTEGER_FORMAT
		       "  %3" JSON_INTEGER_FORMAT " sources  ",
		    fmt_local(updated, buf, sizeof(buf)) != NULL ? buf : "-",
		    event_kind(s), jint(s, "id"), jint(s, "sources"));
		put_clean(headline != NULL ? headline : "(no headline)",
		    stdout);
	} else {
		put_clean(updated != NULL ? updated : "-", stdout);
		printf("\t%s\t%" JSON_INTEGER_FORMAT "\t%" JSON_INTEGER_FORMAT
		       "\t",
		    event_kind(s), jint(s, "id"), jint(s, "sources"));
		put_clean(headline != NULL && *headline != '\0' ? headline
								: "-",
		    stdout);
	}
	putchar('\n');
}

/* A whole event came: print it if it is a story. */
static void
dispatch_event(struct watch *w)
{
	json_t *s;
	json_error_t jerr;
	const char *data;
	size_t len;

	if (!w->has_data || strcmp(w->type, "story") != 0)
		goto out;
	data = w->data.data != NULL ? w->data.data : "";
	len = w->data.len;
	/* Each data line adds a newline; the last one is not data. */
	if (len > 0 && data[len - 1] == '\n')
		len--;
	s = json_loadb(data, len, 0, &jerr);
	if (!json_is_object(s)) {
		log_warnx("an event of sheafd is no story: %s",
		    s == NULL ? jerr.text : "not an object");
	} else if (w->ctx->json && memchr(data, '\n', len) == NULL) {
		fwrite(data, 1, len, stdout);
		putchar('\n');
	} else if (w->ctx->json) {
		/* Several data lines: one line of JSON all the same. */
		json_dumpf(s, stdout, JSON_COMPACT);
		putchar('\n');
	} else {
		print_story_event(s, w->ctx->human);
	}
	json_decref(s);
	if (ferror(stdout) || fflush(stdout) != 0)
		w->stop = WATCH_OUTPUT;
out:
	sh_buf_reset(&w->data);
	w->type[0] = '\0';
	w->has_data = false;
}

/* One line of the stream, NUL-terminated, without its end. */
static void
event_line(struct watch *w, const char *line, size_t len)
{
	const char *colon = memchr(line, ':', len);
	size_t flen = colon != NULL ? (size_t)(colon - line) : len;
	const char *value = colon != NULL ? colon + 1 : line + len;

	if (len == 0) {
		dispatch_event(w);
		return;
	}
	if (flen == 0)
		return; /* a comment: the daemon's keep-alive */
	if (*value == ' ')
		value++;
	if (flen == 5 && memcmp(line, "event", 5) == 0) {
		snprintf(w->type, sizeof(w->type), "%s", value);
	} else if (flen == 4 && memcmp(line, "data", 4) == 0) {
		if (sh_buf_puts(&w->data, value) != SH_OK ||
		    sh_buf_putc(&w->data, '\n') != SH_OK)
			w->stop = WATCH_TOO_BIG;
		w->has_data = true;
	}
	/* "id", "retry" and unknown fields: watch does not reconnect. */
}

/* Feed bytes of the stream to the line splitter. */
static void
event_bytes(struct watch *w, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n && w->stop == WATCH_GOING; i++) {
		if (p[i] == '\n' && w->after_cr) {
			w->after_cr = false;
			continue;
		}
		w->after_cr = p[i] == '\r';
		if (p[i] == '\r' || p[i] == '\n') {
			event_line(w, w->line.data != NULL ? w->line.data : "",
			    w->line.len);
			sh_buf_reset(&w->line);
		} else if (sh_buf_putc(&w->line, p[i]) != SH_OK) {
			w->stop = WATCH_TOO_BIG;
		}
	}
}

/* The first bytes of the answer: is it the event stream? */
static void
check_answer(struct watch *w)
{
	const char *ctype = NULL;

	w->answered = true;
	curl_easy_getinfo(w->curl, CURLINFO_RESPONSE_CODE, &w->status);
	curl_easy_getinfo(w->curl, CURLINFO_CONTENT_TYPE, &ctype);
	if (w->status >= 200 && w->status <= 299 &&
	    (ctype == NULL || strncasecmp(ctype, "text/event-stream", 17) != 0))
		w->stop = WATCH_NO_STREAM;
}

static size_t
on_stream(char *p, size_t size, size_t n, void *arg)
{
	struct watch *w = arg;

	if (!w->answered)
		check_answer(w);
	if (w->status < 200 || w->status > 299) {
		/* An error's JSON; more than the bound is not needed. */
		sh_buf_append(&w->errbody, p, size * n);
		return size * n;
	}
	event_bytes(w, p, size * n);
	return w->stop == WATCH_GOING ? size * n : 0;
}

/* A connection that failed, in the words api.c uses. */
static void
report_connect(struct watch *w, CURLcode cc, const char *errbuf)
{
	const char *path = w->ctx->socket;
	struct stat sb;
	long oserr = 0;

	curl_easy_getinfo(w->curl, CURLINFO_OS_ERRNO, &oserr);
	if (cc == CURLE_COULDNT_CONNECT && stat(path, &sb) == -1 &&
	    errno == ENOENT)
		log_warnx("sheafd is not running (no socket at %s)", path);
	else if (cc == CURLE_COULDNT_CONNECT && oserr == ECONNREFUSED)
		log_warnx("sheafd is not running (nobody answers on %s)", path);
	else if (cc == CURLE_COULDNT_CONNECT && oserr != 0)
		log_warnx("cannot connect to %s: %s", path,
		    strerror((int)oserr));
	else
		log_warnx("talking to sheafd on %s: %s", path,
		    errbuf[0] != '\0' ? errbuf : curl_easy_strerror(cc));
}

/* The end of the stream when nobody interrupted it: always an error. */
static void
report_end(struct watch *w, CURLcode cc, const char *errbuf)
{
	json_t *j;
	const char *msg = NULL;

	/* An answer without a body never reached on_stream(). */
	if (!w->answered && cc == CURLE_OK)
		check_answer(w);
	if (w->stop == WATCH_TOO_BIG) {
		log_warnx("an event of sheafd is larger than %zu bytes",
		    WATCH_MAX_EVENT);
	} else if (w->stop == WATCH_NO_STREAM) {
		log_warnx("sheafd sent no event stream (HTTP %ld)", w->status);
	} else if (w->stop == WATCH_OUTPUT) {
		log_warn("writing the output");
	} else if (cc != CURLE_OK && !w->answered) {
		report_connect(w, cc, errbuf);
	} else if (w->status < 200 || w->status > 299) {
		j = json_loadb(w->errbody.data != NULL ? w->errbody.data : "",
		    w->errbody.len, 0, NULL);
		msg = json_string_value(
		    json_object_get(json_object_get(j, "error"), "message"));
		if (msg != NULL)
			log_warnx("%s", msg);
		else
			log_warnx("sheafd answered HTTP %ld", w->status);
		json_decref(j);
	} else if (cc != CURLE_OK) {
		log_warnx("the event stream broke: %s",
		    errbuf[0] != '\0' ? errbuf : curl_easy_strerror(cc));
	} else {
		log_warnx("sheafd ended the event stream");
	}
}

/*
 * Run the transfer until it ends or a byte arrives on sigfd.  Returns
 * true when interrupted, else false with the transfer's result in *cc.
 */
static bool
watch_run(CURLM *m, int sigfd, CURLcode *cc)
{
	struct curl_waitfd extra;
	CURLMsg *msg;
	int running = 1, left;

	*cc = CURLE_OK;
	while (running > 0) {
		if (curl_multi_perform(m, &running) != CURLM_OK) {
			*cc = CURLE_FAILED_INIT;
			return false;
		}
		if (running == 0)
			break;
		extra.fd = sigfd;
		extra.events = CURL_WAIT_POLLIN;
		extra.revents = 0;
		if (curl_multi_poll(m, &extra, 1, 1000, NULL) != CURLM_OK) {
			*cc = CURLE_FAILED_INIT;
			return false;
		}
		if (extra.revents & CURL_WAIT_POLLIN)
			return true;
	}
	while ((msg = curl_multi_info_read(m, &left)) != NULL)
		if (msg->msg == CURLMSG_DONE)
			*cc = msg->data.result;
	return false;
}

/* The easy handle for GET /v1/events on the context's socket. */
static CURL *
watch_handle(struct watch *w, char *errbuf)
{
	CURL *c;

	if ((c = curl_easy_init()) == NULL)
		return NULL;
	curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, w->ctx->socket);
	curl_easy_setopt(c, CURLOPT_URL, "http://localhost/v1/events");
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, WATCH_CONNECT_TIMEOUT);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_stream);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, w);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "sheaf/" PACKAGE_VERSION);
	return c;
}

int
cmd_watch(struct sheaf_ctx *ctx, int argc, char **argv)
{
	struct sigaction sa, old_int, old_term;
	char errbuf[CURL_ERROR_SIZE] = "";
	struct watch w;
	CURLM *m = NULL;
	CURLcode cc;
	int pfd[2] = {-1, -1}, status = SHEAF_EXIT_ERR;

	(void)argv;
	if (argc != 1)
		return usage_of("watch");
	memset(&w, 0, sizeof(w));
	w.ctx = ctx;
	sh_buf_init(&w.errbody, WATCH_MAX_ERROR);
	sh_buf_init(&w.line, WATCH_MAX_EVENT);
	sh_buf_init(&w.data, WATCH_MAX_EVENT);
	if (pipe2(pfd, O_CLOEXEC | O_NONBLOCK) == -1)
		fatal("pipe2");
	if ((w.curl = watch_handle(&w, errbuf)) == NULL ||
	    (m = curl_multi_init()) == NULL ||
	    curl_multi_add_handle(m, w.curl) != CURLM_OK) {
		log_warnx("cannot initialize libcurl");
		goto out;
	}
	signal_fd = pfd[1];
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	if (watch_run(m, pfd[0], &cc))
		status = flushed(); /* interrupted: the way watch ends */
	else
		report_end(&w, cc, errbuf);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	signal_fd = -1;
out:
	if (m != NULL && w.curl != NULL)
		curl_multi_remove_handle(m, w.curl);
	curl_multi_cleanup(m);
	if (w.curl != NULL)
		curl_easy_cleanup(w.curl);
	close(pfd[0]);
	close(pfd[1]);
	sh_buf_clear(&w.errbody);
	sh_buf_clear(&w.line);
	sh_buf_clear(&w.data);
	return status;
}
