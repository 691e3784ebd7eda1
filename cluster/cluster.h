/* SPDX-License-Identifier: MIT */
/*
 * cluster/: the deduplicator.  One streaming pass over entries in arrival
 * order binds each entry to a story, cheapest evidence first:
 *
 *  1. the same entry seen again: the same global id or canonical URL;
 *  2. a near-duplicate: the same text re-posted with small edits or
 *     boilerplate around it (MinHash over word triples);
 *  3. the same event: TF-IDF similarity to the stories active in a time
 *     window, found through an inverted index, in two spaces -- the words
 *     of one language, and the names and numbers that cross languages and
 *     scripts.  Stories that turn out to be one are merged; the merged-away
 *     id keeps resolving to the survivor.
 *
 * Pure computation: no I/O, no global state, the same input gives the same
 * output.  Memory is bounded by the active window, not by the stream: stories
 * quiet for longer than the window are closed and forgotten (their ids, and
 * the merges that renamed them, stay resolvable).  Not thread-safe: one
 * clusterer belongs to one thread.
 */
#ifndef SHEAF_CLUSTER_H
#define SHEAF_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct clusterer;

/*
 * Tuning; cluster_opts_default() gives the values documented in
 * sheafd.conf(5).  Similarities are cosines of TF-IDF vectors: "text" over
 * every term, "names" over name keys and numbers only.
 */
struct cluster_opts {
	int64_t window;		/* story stays open this long, seconds */
	int64_t df_window;	/* entries counted in frequencies, seconds */
	double text_threshold;	/* text similarity that joins */
	double names_threshold; /* names similarity, other language */
	double names_threshold_same; /* names similarity, same language */
	double names_floor;	     /* text cannot join below this names */
	double merge_threshold;	     /* names similarity merging two stories */
	double dup_threshold;	     /* word-triple Jaccard of a duplicate */
	double idf_base;	     /* added to log(N/df) */
	unsigned backlog_keep; /* window size past which backlog is not kept */
};

/* One entry offered to the clusterer.  Strings are only read during the call. */
struct cluster_entry {
	uint64_t ref;	   /* the caller's handle, echoed in duplicate_of */
	const char *id;	   /* global id (guid), may be NULL */
	const char *url;   /* link, may be NULL */
	const char *title; /* plain text, may be NULL */
	const char *text;  /* plain text body, may be NULL */
	const char *lang;  /* BCP 47 tag, may be NULL */
	int64_t time;	   /* seconds since the epoch; 0 for "unknown" */
};

enum cluster_reason {
	CLUSTER_NEW = 0,  /* started a story */
	CLUSTER_SAME_ID,  /* the same global id was seen before */
	CLUSTER_SAME_URL, /* the same canonical URL was seen before */
	CLUSTER_NEAR_DUP, /* near-duplicate text */
	CLUSTER_TEXT,	  /* similar words, same language */
	CLUSTER_NAMES,	  /* shared names and numbers */
};

#define CLUSTER_WHY_MAX 256

/* What the clusterer decided for one entry. */
struct cluster_assign {
	uint64_t story; /* the story joined or started (after merges) */
	enum cluster_reason reason;
	bool duplicate;	       /* layer 1 or 2 matched */
	uint64_t duplicate_of; /* ref of the earlier copy when duplicate */
	double score;	       /* the similarity that decided, 0 when new */
	double text_sim;       /* word cosine with the story */
	double names_sim;      /* names cosine with the story */
	char why
	    [CLUSTER_WHY_MAX];	/* strongest shared features, space-separated */
	const uint64_t *merged; /* stories merged into story by this entry; */
	size_t nmerged;		/* valid until the next call */
};

/** Fill o with the defaults. */
void cluster_opts_default(struct cluster_opts *o);

/**
 * Set one option by its name in sheafd.conf(5) ("story_window" in days,
 * "text_threshold", ...).
 *
 * @param o      options to change
 * @param key    option name
 * @param value  its value as text
 * @return SH_OK, SH_ENOTFOUND for an unknown key, SH_EINVAL for a value out
 *         of range
 */
int cluster_opts_set(struct cluster_opts *o, const char *key,
    const char *value);

/**
 * A new clusterer.
 *
 * @param o           tuning, copied; NULL for the defaults
 * @param next_story  the id the first new story gets (ids then count up)
 * @return the clusterer; cluster_free() releases it
 */
struct clusterer *cluster_new(const struct cluster_opts *o,
    uint64_t next_story);
void cluster_free(struct clusterer *c);

/**
 * Bind one entry to a story.
 *
 * @param c    clusterer
 * @param e    the entry, in arrival order
 * @param out  the decision
 */
void cluster_add(struct clusterer *c, const struct cluster_entry *e,
    struct cluster_assign *out);

/**
 * Put an entry back into a story it was bound to earlier, without scoring:
 * how a restarted daemon rebuilds the window from its store.
 *
 * @param c      clusterer
 * @param e      the entry, in its original arrival order
 * @param story  the story it belongs to
 */
void cluster_restore(struct clusterer *c, const struct cluster_entry *e,
    uint64_t story);

/** The story a story id now is: itself, or the story it was merged into. */
uint64_t cluster_story_resolve(const struct clusterer *c, uint64_t story);

/** The id the next new story will get. */
uint64_t cluster_next_story(const struct clusterer *c);

/** Name of a reason, for logs and the API ("text", "names", ...). */
const char *cluster_reason_name(enum cluster_reason r);

/*
 * Canonical form of an article URL, for "the same entry seen again":
 * scheme and host lower-cased, default ports, fragments and tracking
 * parameters (utm_*, fbclid, gclid, ...) removed, AMP and mobile variants
 * folded into the plain page. Returns a new string the caller frees, or
 * NULL when url is not an absolute http(s) URL.
 */
char *cluster_url_canon(const char *url);

#endif
