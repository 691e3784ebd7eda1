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

#endif
