/* SPDX-License-Identifier: MIT */
/* Private header of the sheaf command: subcommands, the API client, tables. */
#ifndef SH_SHEAF_H
#define SH_SHEAF_H

/*
 * The offline tools (parse) take only their arguments.  The reader's
 * commands talk to sheafd through its socket API and take a struct
 * sheaf_ctx with the global options as well.  Every command returns the
 * exit status: 0 on success, 1 after one line on stderr for an error of the
 * daemon, the connection or the system, 2 for a wrong command line.
 *
 * The API client (api.c) is a thin layer over one libcurl easy handle
 * with CURLOPT_UNIX_SOCKET_PATH; replies are parsed with jansson.  Replies
 * are bounded by API_MAX_REPLY.  Tables (table.c) are aligned with a
 * header on a terminal and tab-separated without one otherwise.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

/* Exit statuses. */
#define SHEAF_EXIT_OK 0
#define SHEAF_EXIT_ERR 1
#define SHEAF_EXIT_USAGE 2

/* Most bytes accepted in one reply of the daemon. */
#define API_MAX_REPLY ((size_t)256 << 20)

/* Opaque handles. */
struct api;
struct table;

/* The global options, settled before a command runs. */
struct sheaf_ctx {
	const char *socket; /* the API socket's path */
	bool json;	    /* --json: print the API's JSON */
	bool human;	    /* stdout is a terminal: tables for people */
	struct api *api;    /* connection to sheafd, opened by main() */
};

/* One answer of the daemon. */
struct api_reply {
	long status;  /* HTTP status */
	char *body;   /* the body, NUL-terminated; owned, freed by _clear */
	size_t len;   /* its bytes, not counting the NUL */
	json_t *json; /* the body parsed, for JSON replies; else NULL */
};

/* Offline tools. */

/**
 * `sheaf parse FILE`: print one feed as the JSON of SCHEMAS.md section 1.
 *
 * @param argc  arguments after the subcommand name, plus one
 * @param argv  argv[0] is "parse"
 * @return the process exit status
 */
int cmd_parse(int argc, char **argv);

/**
 * `sheaf cluster [FILE]`: JSON Lines entries to their stories, as
 * SCHEMAS.md section 2 says, with the daemon's streaming clusterer.
 *
 * @param argc  arguments after the subcommand name, plus one
 * @param argv  argv[0] is "cluster"
 * @return the process exit status
 */
int cmd_cluster(int argc, char **argv);

/**
 * Read a whole file, or standard input for "-", refusing more than max
 * bytes.
 *
 * @param path  file name or "-"
 * @param max   most bytes accepted
 * @param out   on success, the bytes (caller frees), NUL-terminated
 * @param len   on success, their number
 * @return 0, or -1 after printing a one-line error
 */
int read_input(const char *path, size_t max, char **out, size_t *len);

/*
 * Reader commands (cmd_feeds.c, cmd_entries.c, cmd_opml.c).  Each takes
 * the global options and its own arguments, argv[0] being its name, and
 * returns the exit status.
 */

/** `sheaf add URL [--folder F] [--title T]`: subscribe. */
int cmd_add(struct sheaf_ctx *ctx, int argc, char **argv);
/** `sheaf remove ID|URL`: unsubscribe and delete the feed's entries. */
int cmd_remove(struct sheaf_ctx *ctx, int argc, char **argv);
/** `sheaf feeds`: the subscriptions and their health. */
int cmd_feeds(struct sheaf_ctx *ctx, int argc, char **argv);
/** `sheaf poll [ID]`: poll one feed, or every feed not gone, now. */
int cmd_poll(struct sheaf_ctx *ctx, int argc, char **argv);
/** `sheaf status`: the daemon's counts and last poll round. */
int cmd_status(struct sheaf_ctx *ctx, int argc, char **argv);
/** `sheaf entries [--feed ID] [--since T] [--limit N] [--all]`. */
int cmd_entries(struct sheaf_ctx *ctx, int argc, char **argv);
/** `sheaf import FILE.opml`: subscribe to an OPML file's feeds. */
int cmd_import(struct sheaf_ctx *ctx, int argc, char **argv);
/** `sheaf export`: the subscriptions as OPML on stdout. */
int cmd_export(struct sheaf_ctx *ctx, int argc, char **argv);

/**
 * `sheaf stories [--since T] [--lang LL] [--min-sources N] [--unread]
 * [--limit N | --all] [--atom]`: the story clusters, most recently updated
 * first, or with --atom the daemon's Atom feed of them, byte for byte.
 */
int cmd_stories(struct sheaf_ctx *ctx, int argc, char **argv);
/** `sheaf story ID [--why]`: one story and its entries, in arrival order. */
int cmd_story(struct sheaf_ctx *ctx, int argc, char **argv);
/** `sheaf read ID`: mark every entry of a story read. */
int cmd_read(struct sheaf_ctx *ctx, int argc, char **argv);
/**
 * `sheaf watch`: a line per new or updated story as sheafd announces it,
 * until SIGINT or SIGTERM, which end it with status 0.
 */
int cmd_watch(struct sheaf_ctx *ctx, int argc, char **argv);

/* The socket API client (api.c). */

/**
 * The default socket path, by sheafd's own rules: $SHEAF_SOCKET, else
 * /run/sheaf/sheaf.sock for root, $XDG_RUNTIME_DIR/sheaf/sheaf.sock, or
 * sheaf.sock in the user's state directory; when that socket does not
 * exist but the system service's does, the system service's.
 *
 * @return the path (caller frees), or NULL when none can be found
 */
char *api_default_socket(void);

/**
 * Prepare a client for the socket at path; nothing is connected yet.
 *
 * @param path  the socket's file name; copied
 * @return the client (free with api_close()), or NULL after an error line
 */
struct api *api_open(const char *path);

/** Release a client; api_close(NULL) does nothing. */
void api_close(struct api *a);

/**
 * Send one request and read the answer.  A 2xx answer is success; any
 * other, a failed connection or an unreadable reply prints one line
 * ("sheaf: ...") on stderr, with the daemon's error message when it sent
 * one, and fails.
 *
 * @param a      client
 * @param method "GET", "POST" or "DELETE"
 * @param path   path and query, such as "/v1/feeds"; already escaped
 * @param ctype  Content-Type of the body, or NULL without a body
 * @param body   request body, or NULL
 * @param len    its bytes
 * @param out    on success, the answer (api_reply_clear() it)
 * @return 0, or -1 after the error line
 */
int api_request(struct api *a, const char *method, const char *path,
    const char *ctype, const char *body, size_t len, struct api_reply *out);

/**
 * api_request() with a JSON body (or none) that needs a JSON object back.
 *
 * @param a       client
 * @param method  HTTP method
 * @param path    path and query
 * @param body    object to send, or NULL; not consumed
 * @param out     on success, the answer with out->json an object
 * @return 0, or -1 after the error line
 */
int api_json(struct api *a, const char *method, const char *path, json_t *body,
    struct api_reply *out);

/** Release an answer's memory; the struct may be reused. */
void api_reply_clear(struct api_reply *r);

/**
 * Escape a string for a URL query.
 *
 * @param a  client
 * @param s  text
 * @return the escaped text; caller frees with free()
 */
char *api_escape(struct api *a, const char *s);

/**
 * Print a reply's body as it came (for --json), followed by a newline when
 * it has none.
 *
 * @param r  answer
 * @return 0, or -1 after an error line (stdout failed)
 */
int api_reply_print(const struct api_reply *r);

/* Tables (table.c). */

/**
 * A table of ncols columns.  For people (human), the columns are aligned
 * under a header and cells longer than their column's cap are cut; for
 * scripts, each row is one line of tab-separated cells without a header,
 * with tabs and line breaks in cells turned into spaces and empty cells
 * written as "-".
 *
 * @param ncols    columns
 * @param headers  ncols column names, or NULL for no header line
 * @param human    true for people, false for scripts
 * @return the table; free with table_free()
 */
struct table *table_new(size_t ncols, const char *const *headers, bool human);

/** Release a table; table_free(NULL) does nothing. */
void table_free(struct table *t);

/**
 * Cap a column's width for people; wider cells end in "...".
 *
 * @param t      table
 * @param col    column, from 0
 * @param width  most characters shown, at least 4
 */
void table_set_max(struct table *t, size_t col, size_t width);

/**
 * Add the next cell, filling rows left to right.
 *
 * @param t  table
 * @param s  text, copied; NULL is an empty cell
 */
void table_add(struct table *t, const char *s);

/** table_add() of printf-formatted text. */
void table_addf(struct table *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/**
 * Write the table.
 *
 * @param t   table
 * @param fp  where
 * @return 0, or -1 after an error line
 */
int table_print(const struct table *t, FILE *fp);

/* Small helpers for the commands (table.c). */

/**
 * A time for people, relative to now: "in 12m", "in 3h", "now", "5m ago".
 *
 * @param t    UTC seconds
 * @param now  the current time
 * @param buf  room for the text
 * @param n    its size
 * @return buf
 */
char *fmt_relative(int64_t t, int64_t now, char *buf, size_t n);

/**
 * A UTC date of the API as local time for people, "2024-01-02 03:04".
 *
 * @param iso  the API's date, or NULL
 * @param buf  room for the text
 * @param n    its size
 * @return buf, or NULL when iso is NULL or unreadable
 */
char *fmt_local(const char *iso, char *buf, size_t n);

/**
 * A string member of an object, or NULL when absent, null or no string.
 *
 * @param o    object
 * @param key  member
 * @return the string, lent by o
 */
const char *jstr(json_t *o, const char *key);

/**
 * An integer member of an object, 0 when absent or no integer.
 *
 * @param o    object
 * @param key  member
 * @return its value
 */
json_int_t jint(json_t *o, const char *key);

/**
 * A count or an id on the command line: digits, not 0.
 *
 * @param s    the argument
 * @param out  on success, its value
 * @return true when s is one
 */
bool parse_count(const char *s, uint64_t *out);

/**
 * --since: a duration back from now (90s, 15m, 2h, 3d, 1w) or a date.
 *
 * @param s    the argument
 * @param now  the current time
 * @param out  on success, UTC seconds
 * @return true when s is one
 */
bool parse_since(const char *s, int64_t now, int64_t *out);

/**
 * The exit status once output went to stdout: 1 if writing failed.
 *
 * @return SHEAF_EXIT_OK or SHEAF_EXIT_ERR
 */
int flushed(void);

/**
 * --json: print the answer as it came.
 *
 * @param r  the answer
 * @return SHEAF_EXIT_OK or SHEAF_EXIT_ERR
 */
int print_raw(const struct api_reply *r);

/**
 * Print the usage of one command on stderr.
 *
 * @param name  the command
 * @return SHEAF_EXIT_USAGE
 */
int usage_of(const char *name);

#endif
