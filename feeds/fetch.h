/* SPDX-License-Identifier: MIT */
/* Public header of feeds/ for fetching: bounded, polite HTTP with libcurl. */
#ifndef SH_FETCH_H
#define SH_FETCH_H

/*
 * A fetcher runs many HTTP(S) GETs at once on one libcurl multi handle.  It
 * has no event loop of its own: the caller's loop calls fetcher_poll() (or
 * waits on its own descriptors and calls fetcher_perform()), and each
 * finished transfer comes back once through a fetch_done_cb as a struct
 * fetch_result that owns all its memory.
 *
 * Rules that bite:
 * - One thread drives a fetcher.  Only fetcher_wakeup() may be called from
 *   other threads.
 * - Every input-driven growth is bounded by struct fetch_limits: body bytes
 *   after decompression (a gzip bomb is cut), header bytes, redirects, time,
 *   and the queue of requests waiting for a free slot.
 * - Only http and https, also on redirect; TLS is always verified; no
 *   cookies; never HEAD; If-None-Match and If-Modified-Since carry exactly
 *   the strings the caller passes (what the server last sent).
 * - Every connection's actual address (after DNS, after redirects) is
 *   checked against the address policy before connecting.  With a proxy
 *   from the environment, the proxy's address is what gets checked.
 * - An HTTP error status (404, 429, 503, ...) is a result, not a failure:
 *   err is SH_OK whenever a complete response arrived.  err is set only
 *   when the transfer itself failed.
 *
 * Deliberately left out: scheduling (when to fetch is the daemon's
 * business), parsing, caching and persistent state.
 */

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "limits.h"

/* A time that is absent or could not be parsed. */
#define FETCH_TIME_NONE INT64_MIN

/* Defaults of struct fetch_limits. */
#define FETCH_DEFAULT_MAX_TRANSFERS 32u
#define FETCH_DEFAULT_MAX_PER_HOST 2u
#define FETCH_DEFAULT_MAX_QUEUED 100000u
#define FETCH_DEFAULT_CONNECT_TIMEOUT_MS 10000L
#define FETCH_DEFAULT_TIMEOUT_MS 60000L
#define FETCH_DEFAULT_LOW_SPEED_BYTES 100L
#define FETCH_DEFAULT_LOW_SPEED_SECS 30L
#define FETCH_DEFAULT_MAX_BODY_BYTES SH_MAX_DOC_BYTES
#define FETCH_DEFAULT_MAX_HEADER_BYTES (64u * 1024)
#define FETCH_DEFAULT_MAX_REDIRECTS 5u

/* Limits and policy of one fetcher; fetch_limits_default() fills them. */
struct fetch_limits {
	unsigned max_transfers;	 /* transfers running at once; more wait */
	unsigned max_per_host;	 /* connections to one host at once */
	unsigned max_queued;	 /* requests waiting; fetcher_add fails past */
	long connect_timeout_ms; /* DNS, TCP and TLS set-up */
	long timeout_ms;	 /* whole transfer, redirects included */
	long low_speed_bytes;	 /* abort when slower than this many bytes/s */
	long low_speed_secs;	 /* ... for this many seconds; 0 turns it off */
	size_t max_body_bytes;	 /* body after decompression */
	size_t max_header_bytes; /* all response headers, redirects included */
	unsigned max_redirects;	 /* redirects followed; one more fails */
	bool deny_private;	 /* also refuse loopback and private ranges */
	/*
	 * Exceptions to deny_private, or NULL: a comma-separated list of
	 * "ADDR" or "ADDR:PORT" ("[ADDR]:PORT" for IPv6), e.g. a local
	 * RSS-Bridge.  Never an exception to FETCH_ADDR_FORBIDDEN.  Copied by
	 * fetcher_new().
	 */
	const char *allow_private;
};

/* How the address policy sees an address. */
enum fetch_addr_class {
	FETCH_ADDR_PUBLIC = 0, /* globally routable: allowed */
	/* loopback, RFC 1918, CGNAT, ULA, documentation ranges: refused
	 * with deny_private */
	FETCH_ADDR_PRIVATE,
	/* link-local, cloud metadata, unspecified, multicast, broadcast,
	 * reserved, non-IP families: always refused */
	FETCH_ADDR_FORBIDDEN
};

/* What went wrong with a transfer, for the scheduler's decisions. */
enum fetch_error {
	FETCH_ERR_NONE = 0, /* a complete response arrived */
	FETCH_ERR_DNS,	    /* the host name did not resolve */
	FETCH_ERR_CONNECT,  /* no connection could be made */
	FETCH_ERR_POLICY,   /* the address policy refused every address */
	FETCH_ERR_TIMEOUT,  /* too slow, or over a time limit */
	FETCH_ERR_TLS,	    /* handshake or certificate failure */
	FETCH_ERR_TOO_BIG,  /* body or headers over their limit */
	FETCH_ERR_REDIRECT, /* too many redirects, or to a refused scheme */
	FETCH_ERR_PROTOCOL, /* malformed or truncated response */
	FETCH_ERR_OTHER	    /* anything else libcurl reports */
};

/* One request; fetcher_add() copies the strings. */
struct fetch_request {
	const char *url;	   /* absolute http or https URL */
	const char *etag;	   /* ETag exactly as last received, or NULL */
	const char *last_modified; /* Last-Modified as last received, or NULL */
};

/*
 * The outcome of one transfer.  Every string is NUL-terminated, owned by
 * the struct and released by fetch_result_free().  Header values are those
 * of the final response, exactly as sent, without surrounding whitespace.
 */
struct fetch_result {
	void *udata; /* as passed to fetcher_add() */
	int err;     /* SH_OK, SH_ETOOBIG (limits) or SH_EIO (the rest) */
	enum fetch_error kind; /* FETCH_ERR_NONE when err is SH_OK */
	char *message;	       /* one line on what failed, or NULL */
	long status;	       /* final HTTP status, 0 when none arrived */
	char *url;	       /* the URL requested */
	char *final_url;       /* the URL after redirects */
	unsigned redirects;    /* redirects followed */
	/*
	 * True when the request's URL moved permanently: the first redirect
	 * was a 301 or 308.  moved_to is then the last URL reached through
	 * an unbroken chain of 301/308 from the request (a later 302 or 307
	 * does not count), which the caller stores instead of url once the
	 * fetch succeeded.  NULL when moved_permanently is false.
	 */
	bool moved_permanently;
	char *moved_to;
	char *etag;	     /* ETag, or NULL */
	char *last_modified; /* Last-Modified, or NULL */
	char *content_type;  /* Content-Type, or NULL */
	int64_t max_age;     /* Cache-Control max-age in seconds, or -1 */
	int64_t age;	     /* Age in seconds, or -1 */
	int64_t date;	     /* Date as UTC seconds, or FETCH_TIME_NONE */
	int64_t expires;     /* Expires as UTC seconds, or FETCH_TIME_NONE */
	/* Retry-After (seconds or HTTP-date) as absolute UTC seconds, or
	 * FETCH_TIME_NONE */
	int64_t retry_after;
	char *body;	    /* decoded body, NUL-terminated; "" when none */
	size_t body_len;    /* its length without the NUL */
	int64_t fetched_at; /* UTC seconds when the transfer ended */
	int64_t total_us;   /* total time of the transfer in microseconds */
};

struct fetcher;

/**
 * Called once for each finished transfer.
 *
 * The callback owns res and releases it with fetch_result_free().  It may
 * call fetcher_add(), but not fetcher_free().
 *
 * @param res  the outcome
 * @param arg  as passed to fetcher_perform()
 */
typedef void (*fetch_done_cb)(struct fetch_result *res, void *arg);

/* Limits. */

/**
 * Fill limits with the FETCH_DEFAULT_* values; deny_private off, no
 * exceptions.
 *
 * @param lim  limits to fill
 */
void fetch_limits_default(struct fetch_limits *lim);

/**
 * Check limits before use, e.g. when the configuration is read.
 *
 * @param lim  limits to check
 * @param err  on failure, if not NULL, a one-line message the caller frees
 * @return SH_OK or SH_EINVAL (a zero limit, a bad allow_private entry)
 */
int fetch_limits_check(const struct fetch_limits *lim, char **err);

/* The fetcher. */

/**
 * Create a fetcher.  Calls curl_global_init(), which is only thread-safe
 * on libcurl 7.84 and later: create the first fetcher before starting
 * threads.
 *
 * @param lim  limits, or NULL for the defaults; copied
 * @return a fetcher to free with fetcher_free(), or NULL when libcurl
 *         cannot be set up or fetch_limits_check() refuses lim
 */
struct fetcher *fetcher_new(const struct fetch_limits *lim);

/**
 * Abort every transfer, drop every queued request without calling back,
 * and release the fetcher; NULL does nothing.
 *
 * @param f  the fetcher
 */
void fetcher_free(struct fetcher *f);

/**
 * Queue one GET.  It starts at once when fewer than max_transfers are
 * running, otherwise when one finishes (first in, first out).  A validator
 * with a CR or LF in it is not sent.
 *
 * @param f      the fetcher
 * @param req    what to fetch; its strings are copied
 * @param udata  handed back in fetch_result.udata
 * @return SH_OK, SH_EINVAL (no http or https URL), SH_ETOOMANY (the
 *         queue holds max_queued requests) or SH_ENOMEM (libcurl could not
 *         start it); on failure fetch_done_cb is never called for it
 */
int fetcher_add(struct fetcher *f, const struct fetch_request *req,
    void *udata);

/**
 * Wait until a transfer can make progress, one of the extra descriptors is
 * ready, fetcher_wakeup() is called, or timeout_ms passes; never longer
 * than libcurl's own next timeout.  Call fetcher_perform() afterwards.
 *
 * @param f           the fetcher
 * @param extra       the caller's descriptors (POLLIN, POLLPRI, POLLOUT),
 *                    revents filled on return; may be NULL
 * @param nextra      their number
 * @param timeout_ms  longest wait in milliseconds
 * @return SH_OK or SH_EIO
 */
int fetcher_poll(struct fetcher *f, struct pollfd *extra, unsigned nextra,
    int timeout_ms);

/**
 * Move every transfer forward without blocking, start queued requests in
 * free slots, and call cb once for each transfer that finished.
 *
 * @param f    the fetcher
 * @param cb   completion callback
 * @param arg  passed to cb
 * @return SH_OK or SH_EIO when libcurl's multi handle failed
 */
int fetcher_perform(struct fetcher *f, fetch_done_cb cb, void *arg);

/**
 * Make a fetcher_poll() in progress return early; safe to call from any
 * thread (curl_multi_wakeup()).
 *
 * @param f  the fetcher
 */
void fetcher_wakeup(struct fetcher *f);

/**
 * Count the requests not finished yet, running or queued.
 *
 * @param f  the fetcher
 * @return their number
 */
size_t fetcher_active(const struct fetcher *f);

/**
 * Poll and perform until every request has finished; for tests and the
 * offline tools.
 *
 * @param f    the fetcher
 * @param cb   completion callback
 * @param arg  passed to cb
 * @return SH_OK or SH_EIO
 */
int fetcher_run_all(struct fetcher *f, fetch_done_cb cb, void *arg);

/**
 * Release a result and everything it owns; NULL does nothing.
 *
 * @param res  the result
 */
void fetch_result_free(struct fetch_result *res);

/* The address policy. */

/**
 * Classify an address for the policy; pure, no I/O.  IPv4-mapped,
 * IPv4-compatible, NAT64 (64:ff9b::/96) and 6to4 IPv6 addresses are
 * classified by the IPv4 address they carry.
 *
 * @param sa  an AF_INET or AF_INET6 address; anything else is forbidden
 * @return the class
 */
enum fetch_addr_class fetch_addr_classify(const struct sockaddr *sa);

#endif
