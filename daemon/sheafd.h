/* SPDX-License-Identifier: MIT */
/* Private header of sheafd: what the daemon's files share. */
#ifndef SH_SHEAFD_H
#define SH_SHEAFD_H

/*
 * The configuration is a plain struct filled with defaults that work
 * without any file, then overridden by sheafd.conf: one "key = value" per
 * line, "#" starts a comment, durations take s/m/h/d suffixes and sizes
 * K/M/G (powers of 1024).  An unknown key or a bad value is an error that
 * names the file, the line and the key, and nothing of the file is
 * applied.  sheafd.conf(5) documents every key; keep the two in step.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cluster.h"

#define CONFIG_MAX_LANGUAGES 8

struct config {
	char *state_dir;	 /* LMDB environment; NULL: the default */
	char *socket_path;	 /* API socket; NULL: the default */
	int64_t min_interval;	 /* seconds between polls of a feed, at least */
	int64_t max_interval;	 /* ... and at most */
	unsigned retention_days; /* entries older than this are purged */
	unsigned max_transfers;	 /* concurrent fetches */
	unsigned max_per_host;	 /* concurrent fetches per host */
	int64_t connect_timeout; /* seconds */
	int64_t fetch_timeout;	 /* seconds for a whole transfer */
	size_t max_body_bytes;	 /* fetched body cap, decompressed */
	size_t max_entries;	 /* entries kept per document */
	size_t max_field_bytes;	 /* bytes per text field */
	unsigned max_depth;	 /* XML nesting depth */
	bool deny_private;	 /* refuse loopback and private addresses */
	char *allow_private;	 /* "host:port, ..." exempt from deny_private */
	unsigned api_max_clients; /* concurrent API connections */
	int64_t api_timeout;	  /* seconds an idle API connection lives */
	size_t api_max_request;	  /* bytes of one API request body */
	unsigned api_max_page;	  /* most items in one API page */
	size_t map_size;	  /* initial LMDB map size */
	size_t max_map_size;	  /* the map never grows past this */
	char *languages[CONFIG_MAX_LANGUAGES]; /* reader's languages */
	size_t nlanguages;
	struct cluster_opts cluster; /* story clustering */
};

/** Fill cfg with the defaults; every pointer member NULL. */
void config_defaults(struct config *cfg);

/** Release what cfg owns and leave it with the defaults. */
void config_clear(struct config *cfg);

/**
 * Read a configuration file over the defaults.
 *
 * @param path  the file; a missing file is an error only if required
 * @param required  true when the user named the file (-c)
 * @param cfg   on success, the configuration (config_clear() it)
 * @param err   on failure, a one-line message naming file, line and key;
 *              the caller frees it
 * @return SH_OK, SH_EINVAL for a bad line, SH_EIO when unreadable
 */
int config_load(const char *path, bool required, struct config *cfg,
    char **err);

/**
 * Parse a duration such as "90", "15m", "24h", "7d" into seconds.
 *
 * @param s    the text
 * @param out  on success, seconds
 * @return true when s is a duration
 */
bool config_parse_duration(const char *s, int64_t *out);

/**
 * Parse a size such as "4096", "64K", "16M", "1G" into bytes.
 *
 * @param s    the text
 * @param out  on success, bytes
 * @return true when s is a size
 */
bool config_parse_size(const char *s, size_t *out);

/* Scheduling (daemon/sched.c): when to poll a feed next, and why. */

#define SCHED_NEVER INT64_MAX

/* What the last poll of a feed taught us. */
struct sched_input {
	int64_t now;	      /* when the poll finished, unix seconds */
	int64_t min_interval; /* configuration bounds, seconds */
	int64_t max_interval;
	long status;	     /* HTTP status, 0 for a transport error */
	unsigned failures;   /* consecutive failures, this one included */
	int64_t max_age;     /* Cache-Control max-age, or -1 */
	int64_t expires;     /* Expires, absolute, or -1 */
	int64_t retry_after; /* Retry-After, absolute, or -1 */
	int ttl_minutes;     /* RSS ttl or sy:updatePeriod, or -1 */
	uint32_t skip_hours; /* RSS skipHours, bit per UTC hour */
	uint8_t skip_days;   /* RSS skipDays, bit per day, 0 = Sunday */
	const int64_t *entry_times; /* recent entries' times, any order */
	size_t nentry_times;
	uint64_t jitter_seed; /* the feed id: spreads feeds apart */
};

struct sched_decision {
	int64_t next_poll; /* unix seconds, or SCHED_NEVER */
	int64_t interval;  /* seconds from now to next_poll */
	char reason[96];   /* why, for sheaf feeds */
};

/**
 * Decide when to poll a feed next from its own hints, its posting rhythm
 * and its errors, bounded by the configured interval.
 *
 * @param in   what the last poll taught
 * @param out  the decision
 */
void sched_next(const struct sched_input *in, struct sched_decision *out);

/*
 * The running daemon (main.c, loop.c, poll.c, api.c).
 *
 * One thread, the main one, owns the fetcher, the schedule and every
 * store_write().  The API's threads read the store in their own read
 * transactions and hand every change to the main thread as a struct
 * api_req on a queue guarded by sheafd.lock; an eventfd wakes the loop.
 * Nothing here is a truth the store does not hold: the in-flight set, the
 * next scan time and the round figures are rebuilt (or simply start
 * empty) after a restart.
 */

#include <pthread.h>

#include "fetch.h"
#include "feeds.h"
#include "opml.h"
#include "store.h"

struct api;
struct inflight;
struct poll_batch;

/* What the API asks the main thread to do. */
enum api_req_kind {
	API_REQ_FEED_ADD = 1, /* url, title, folder */
	API_REQ_FEED_DELETE,  /* feed_id */
	API_REQ_FEED_POLL,    /* feed_id */
	API_REQ_OPML_IMPORT,  /* opml */
	API_REQ_STORY_READ,   /* story_id */
	API_REQ_POLL_ALL      /* every feed that is not gone or disabled */
};

/*
 * A write request handed from an API thread to the main thread.  The API
 * thread owns it until api_req_submit() queues it; then whoever sees the
 * other side finished frees it: the API thread after done, the main
 * thread when the API thread gave up waiting (abandoned).  Both flags and
 * the answer are read and written under sheafd.lock.
 */
struct api_req {
	enum api_req_kind kind;
	uint64_t feed_id;      /* DELETE and POLL */
	uint64_t story_id;     /* STORY_READ */
	char *url;	       /* ADD: the feed's URL */
	char *title;	       /* ADD: the user's title, or NULL */
	char *folder;	       /* ADD: "/"-separated folder, or NULL */
	struct opml_doc *opml; /* IMPORT: the parsed document */
	unsigned status;       /* answer: HTTP status */
	char *reply;	       /* answer: JSON text, owned */
	bool done;	       /* the main thread answered */
	bool abandoned;	       /* the API thread stopped waiting */
	pthread_cond_t cond;   /* signalled when done */
	struct api_req *next;  /* queue link */
};

/* Figures of one poll round: from the first start to the last answer. */
struct poll_round {
	int64_t started;       /* unix seconds, 0 when none yet */
	int64_t finished;      /* 0 while running */
	unsigned fetched;      /* 200 answers */
	unsigned not_modified; /* 304 answers */
	unsigned failed;       /* errors of any kind */
	uint64_t new_entries;  /* entries the round added */
};

/*
 * A host that asked to be left alone: a 429 or 503 with Retry-After holds
 * back every feed of that host (and port) until then.  Only a politeness
 * cache: after a restart each feed's own next poll still honours it.
 */
struct host_hold {
	char host[128]; /* as url_host() gives it */
	int64_t until;	/* unix seconds */
};

/* Most hosts held back at once; the hold ending first makes room. */
#define SHEAFD_MAX_HOLDS 256

/* Story events kept for /v1/events; a reader further behind skips. */
#define SHEAFD_EVENTS 1024

/* A story that is new or grew, for /v1/events. */
struct story_event {
	uint64_t n;	/* 1, 2, ...: the event's number */
	uint64_t story; /* the story's id when it happened */
	bool created;	/* new rather than updated */
};

struct story_result;

/* A story a write changed, announced once the write commits. */
struct story_change {
	uint64_t story;
	bool created;
};

struct sheafd {
	struct config cfg;	   /* current configuration, main thread */
	char *config_path;	   /* the file read at start and on SIGHUP */
	bool config_required;	   /* -c was given */
	char *state_dir;	   /* resolved state directory */
	char *socket_path;	   /* resolved socket path */
	bool opt_state_dir;	   /* -d given: the file's state_dir ignored */
	bool opt_socket;	   /* -s given: the file's socket ignored */
	bool socket_activated;	   /* systemd passed the socket */
	bool socket_made;	   /* api_listen() made the socket file */
	int listen_fd;		   /* the API's listening socket */
	int sig_fd;		   /* signalfd of TERM, INT, HUP */
	int ev_fd;		   /* eventfd the API writes to */
	struct store *st;	   /* the store, for every thread */
	struct fetcher *fetcher;   /* main thread only */
	struct inflight *inflight; /* feeds being fetched */
	struct poll_batch *batch;  /* completions not written yet */
	struct parser *parser;	   /* the parse thread, or NULL */
	struct feed_limits flim;   /* parser limits from cfg */
	struct api *api;	   /* the HTTP server */
	int64_t started;	   /* unix seconds at start */
	int64_t next_scan;	   /* when to look for due feeds again */
	int64_t next_purge;	   /* when retention runs next */
	int64_t next_status;	   /* when STATUS= is refreshed */
	bool purging;		   /* retention has more batches to do */
	bool rebuild_fetcher;	   /* fetch limits changed: wait for idle */
	bool stop;		   /* SIGTERM or SIGINT arrived */
	uint64_t nfeeds, ndue, nfailing;	  /* as of the last scan */
	struct host_hold holds[SHEAFD_MAX_HOLDS]; /* hosts held back */
	size_t nholds;
	uint64_t *story_new; /* new entries of the write running */
	size_t story_nnew, story_capnew;

	/* The story thread's own: the window (changed: the main thread's). */
	struct clusterer *cl;	      /* the deduplicator's window */
	struct cluster_opts cl_opts;  /* its options */
	bool cl_dirty;		      /* holds undecided entries: rebuild */
	size_t cl_restored;	      /* entries the last rebuild put back */
	struct story_change *changed; /* stories this write changed */
	size_t nchanged, capchanged;

	/* New entries waiting for the story thread, under story_lock. */
	pthread_mutex_t story_lock;
	pthread_cond_t story_cond; /* signalled on new entries, on stop */
	pthread_t story_thread;
	bool story_running;		/* story_thread was started */
	bool story_stop;		/* the thread is to finish */
	bool story_stale;		/* the window must be rebuilt */
	struct cluster_opts story_opts; /* options for the next rebuild */
	uint64_t *story_q;		/* seqs, in the order to cluster */
	size_t story_qhead, story_qn, story_qcap;
	size_t story_busy; /* taken by the thread, not committed yet */
	enum {
		STORY_IDLE,    /* the thread owns story_res */
		STORY_READY,   /* decided: the main thread is to write it */
		STORY_WRITTEN, /* committed */
		STORY_FAILED   /* not committed: to be decided again */
	} story_state;
	struct story_result *story_res; /* the decisions on a batch */
	uint64_t watchdog_usec;		/* sd_watchdog_enabled(), 0 off */
	int64_t last_watchdog_ms;	/* monotonic time of the last ping */
	int64_t store_retry; /* a full store: no poll writes before this */

	uint64_t store_gen; /* commits so far; atomic, read by the API */

	/* Shared with the API threads, under lock. */
	pthread_mutex_t lock;
	struct api_req *qhead; /* write requests, oldest first */
	struct api_req **qtail;
	bool closing;		 /* refuse new requests: shutting down */
	unsigned api_max_page;	 /* copy of cfg, changed on SIGHUP */
	size_t api_max_request;	 /* copy of cfg, changed on SIGHUP */
	int64_t api_timeout;	 /* copy of cfg, changed on SIGHUP */
	struct poll_round round; /* the round running or last finished */
	struct poll_round last;	 /* the last finished round */
	char languages[CONFIG_MAX_LANGUAGES][16]; /* copy of cfg */
	size_t nlanguages;
	struct story_event events[SHEAFD_EVENTS]; /* a ring */
	uint64_t nevents;			  /* events ever published */
	pthread_cond_t events_cond; /* broadcast on a new event, on close */
	char *store_error;	    /* why writes fail, NULL while they work */
	int64_t store_error_since;  /* unix seconds of the first failure */
};

/* main.c */

/**
 * Fill fetch limits from the configuration.
 *
 * @param cfg  the configuration
 * @param lim  the limits to fill; allow_private points into cfg
 */
void sheafd_fetch_limits(const struct config *cfg, struct fetch_limits *lim);

/**
 * Fill parser limits from the configuration.
 *
 * @param cfg  the configuration
 * @param lim  the limits to fill
 */
void sheafd_feed_limits(const struct config *cfg, struct feed_limits *lim);

/**
 * Tell systemd something (sd_notify); nothing without systemd.
 *
 * @param state  "READY=1", "STATUS=...", ...
 */
void sheafd_notify(const char *state);

/* loop.c */

/**
 * Run the event loop until SIGTERM or SIGINT.
 *
 * @param d  the daemon, with store, fetcher, descriptors and API ready
 * @return SH_OK, or SH_EIO when the fetcher failed for good
 */
int loop_run(struct sheafd *d);

/**
 * Re-read the configuration file and apply what changed; a bad file
 * keeps the running configuration.  Main thread only.
 *
 * @param d  the daemon
 */
void loop_reload(struct sheafd *d);

/**
 * store_write() for the daemon, which also keeps the store's health for
 * /v1/status.  A write that fails with SH_EIO (a full disk or map, an I/O
 * error) marks the store failing and logs it once; the next write that
 * commits clears the mark, logs that once too, and ends the wait of the
 * poll writes (store_retry).  Other failures belong
 * to the request or the feed that caused them and change nothing here.
 * Main thread only.
 *
 * @param d    the daemon
 * @param fn   the transaction's work, as for store_write()
 * @param arg  passed to fn
 * @param err  on failure, a one-line message the caller frees, or NULL
 * @return what store_write() returned
 */
int sheafd_write(struct sheafd *d, store_write_cb *fn, void *arg, char **err);

/* story.c */

/*
 * New entries are clustered by a thread of their own, after the write that
 * stored them: polling is never held up by clustering, and a story shows
 * up a moment after its entry.  The main thread collects a write's new
 * entries (story_new_reset, story_new_add) and hands them over once the
 * write committed (story_new_commit).  The story thread decides their
 * stories in batches and hands the decisions back; the main thread writes
 * them (story_flush), so every write stays on the main thread.  Entries
 * left without a story by a stop or a crash are found and clustered at the
 * next start.
 */

/**
 * Build the deduplicator's window from the store and queue the entries of
 * the window that have no story yet.  Main thread, at start.
 *
 * @param d  the daemon, with its store open
 * @return SH_OK or a store error
 */
int story_open(struct sheafd *d);

/**
 * Start the story thread.
 *
 * @param d  the daemon, after story_open()
 * @return SH_OK or SH_EIO
 */
int story_start(struct sheafd *d);

/**
 * Stop the story thread after the batch it is writing; what is still
 * queued is clustered at the next start.  Nothing when not started.
 *
 * @param d  the daemon
 */
void story_stop(struct sheafd *d);

/**
 * Write the stories the story thread decided, if it has some waiting, and
 * announce them.  Main thread, once per turn of the loop.
 *
 * @param d  the daemon
 */
void story_flush(struct sheafd *d);

/** Forget the new entries collected so far: a write (re)starts. */
void story_new_reset(struct sheafd *d);

/**
 * Remember a new entry of the write running, in the order to cluster.
 *
 * @param d    the daemon
 * @param seq  the entry's seq
 */
void story_new_add(struct sheafd *d, uint64_t seq);

/* An entry's seq and the time it counts at, to give the clusterer entries
 * in the order things happened. */
struct timed_seq {
	uint64_t seq;
	int64_t time;
};

/** qsort() order of struct timed_seq: older first, then by seq. */
int timed_seq_cmp(const void *a, const void *b);

/**
 * After store_write() returned: on success the entries collected go to the
 * story thread; on failure they are forgotten (they were not stored).
 *
 * @param d   the daemon
 * @param rc  what store_write() returned
 */
void story_new_commit(struct sheafd *d, int rc);

/**
 * The window no longer matches the store (entries deleted, options
 * changed): the story thread rebuilds it before its next write.  Main
 * thread, after the change committed.
 *
 * @param d  the daemon, with d->cfg.cluster as the options to use
 */
void story_invalidate(struct sheafd *d);

/**
 * Entries stored and not clustered yet.
 *
 * @param d  the daemon
 * @return   the count
 */
size_t story_pending(struct sheafd *d);

/* poll.c */

/**
 * A new, empty set of feeds being fetched.
 *
 * @return the set; free it with inflight_free()
 */
struct inflight *inflight_new(void);

/** Release the set and the jobs it holds; NULL does nothing. */
void inflight_free(struct inflight *s);

/**
 * Count the feeds being fetched.
 *
 * @param s  the set
 * @return their number
 */
size_t inflight_count(const struct inflight *s);

/**
 * Tell whether a feed is being fetched.
 *
 * @param s   the set
 * @param id  the feed
 * @return true when it is
 */
bool inflight_has(const struct inflight *s, uint64_t id);

/**
 * Start fetching one feed: queue it on the fetcher with its stored
 * validators and remember it in the in-flight set.
 *
 * @param d  the daemon
 * @param f  the feed as stored
 * @return SH_OK, or fetcher_add()'s error
 */
int poll_start(struct sheafd *d, const struct store_feed *f);

/**
 * The fetch_done_cb of the daemon: hand a document to the parse thread,
 * or parse what the transfer brought at once and pass it to poll_parsed().
 *
 * @param res  the outcome; owned by the daemon from now on
 * @param arg  the struct sheafd
 */
void poll_done(struct fetch_result *res, void *arg);

/**
 * Queue a parsed completion for poll_flush(), which runs by itself when
 * the batch is full.
 *
 * @param d      the daemon
 * @param res    the transfer's outcome; owned by the batch from now on
 * @param doc    the parsed document, or NULL; owned likewise
 * @param error  what failed, or NULL; owned likewise
 */
void poll_parsed(struct sheafd *d, struct fetch_result *res, struct feed *doc,
    char *error);

/**
 * What a transfer brought: a parsed document for a 2xx that parses, else
 * the reason it failed (nothing for a 304).  Safe on any thread.
 *
 * @param res  the transfer's outcome
 * @param lim  the parser's limits
 * @param doc  receives the document, or NULL
 * @param msg  receives the failure, or NULL
 */
void poll_classify(const struct fetch_result *res,
    const struct feed_limits *lim, struct feed **doc, char **msg);

/* parser.c: the parse thread. */

typedef void parser_done_cb(struct sheafd *d, struct fetch_result *res,
    struct feed *doc, char *error);

/** Start the parse thread; SH_EIO when it cannot be created. */
int parser_start(struct sheafd *d);

/**
 * Give a 2xx transfer to the parse thread.
 *
 * @param d    the daemon
 * @param res  the transfer; the parser owns it when this returns true
 * @return false when the thread's queue is full or it is not running:
 *         the caller parses res itself
 */
bool parser_submit(struct sheafd *d, struct fetch_result *res);

/** Documents given to the parse thread and not collected yet. */
size_t parser_pending(struct sheafd *d);

/** Pass every parsed document to fn, on the main thread, in order. */
void parser_collect(struct sheafd *d, parser_done_cb *fn);

/**
 * Stop the parse thread after it parsed what it holds, and pass that to
 * fn; nothing happens when it is not running.
 */
void parser_stop(struct sheafd *d, parser_done_cb *fn);

/**
 * Store the queued completions in one write transaction (each one alone
 * when that fails), schedule their feeds' next polls and log the changes.
 * Nothing queued does nothing.
 *
 * @param d  the daemon
 */
void poll_flush(struct sheafd *d);

/**
 * When the queued completions should be stored: they wait a little for
 * others to share their commit, unless no transfer is left running.
 *
 * @param d  the daemon
 * @return -1 when nothing is queued, else milliseconds until
 *         poll_flush() is due (0: now)
 */
int poll_flush_in(struct sheafd *d);

/** Release a batch and the completions it holds; NULL does nothing. */
void poll_batch_free(struct poll_batch *b);

/**
 * Tell when the host of a URL may be polled again.
 *
 * @param d    the daemon
 * @param url  a feed's URL
 * @param now  the time
 * @return the end of the host's hold, or 0 when it is not held
 */
int64_t host_held(const struct sheafd *d, const char *url, int64_t now);

/**
 * Copy the host (and port) of a URL, without any user-info, for logs.
 *
 * @param url  the URL
 * @param buf  receives the host, possibly cut
 * @param n    size of buf
 * @return buf
 */
char *url_host(const char *url, char *buf, size_t n);

/* api.c */

/**
 * Bind the API socket at d->socket_path (mode 0660), or take the one
 * systemd passed; refuses a path where a daemon answers.  Sets
 * d->listen_fd and d->socket_activated.
 *
 * @param d    the daemon
 * @param err  on failure, a one-line message the caller frees
 * @return SH_OK or SH_EIO
 */
int api_listen(struct sheafd *d, char **err);

/**
 * Start serving on d->listen_fd with libmicrohttpd's own threads.
 *
 * @param d    the daemon
 * @param err  on failure, a one-line message the caller frees
 * @return SH_OK or SH_EIO
 */
int api_start(struct sheafd *d, char **err);

/**
 * Copy what the API threads read of the configuration, under the lock.
 * Main thread, at start and after a reload.
 *
 * @param d  the daemon
 */
void api_share_config(struct sheafd *d);

/**
 * Refuse new write requests, answer the queued ones with 503, stop the
 * server and remove the socket file that api_listen() made.  NULL api
 * only removes the socket.
 *
 * @param d  the daemon
 */
void api_stop(struct sheafd *d);

/**
 * Take the queued write requests, oldest first; the main thread answers
 * each with api_req_answer().
 *
 * @param d  the daemon
 * @return the list linked by next, or NULL
 */
struct api_req *api_req_take(struct sheafd *d);

/**
 * Answer a write request and wake its API thread (or free it when that
 * thread gave up).
 *
 * @param d       the daemon
 * @param r       the request; not to be used afterwards
 * @param status  HTTP status
 * @param reply   JSON text, owned by the request from now on
 */
void api_req_answer(struct sheafd *d, struct api_req *r, unsigned status,
    char *reply);

/**
 * The JSON text of an API error, {"error": {"code", "message"}}.
 *
 * @param code     short machine-readable code ("not_found")
 * @param message  one line for people
 * @return the text; the caller frees it
 */
char *api_error_json(const char *code, const char *message);

/**
 * The JSON text of one feed with its health, as GET /v1/feeds/{id} gives.
 *
 * @param f  the feed
 * @return the text; the caller frees it
 */
char *api_feed_text(const struct store_feed *f);

#endif
