/* SPDX-License-Identifier: MIT */
/* Private to cluster/: the term dictionary and text features. */
#ifndef SHEAF_CLUSTER_INT_H
#define SHEAF_CLUSTER_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A term is a feature string with a one-character kind in front:
 *   'w'  a word of the entry's own language: case-folded, stemmed, then
 *        transliterated to Latin (matches within a language);
 *   'k'  a name key: the consonant skeleton of an unstemmed, transliterated
 *        capitalised word, or of any word of a script without case (matches
 *        names across languages and scripts: Альтман, Altman, אלטמן);
 *   '#'  a number, with digits of every script read as 0-9.
 * 'k' and '#' terms form the language-independent "names" space.
 */
enum {
	TERM_WORD = 'w',
	TERM_KEY = 'k',
	TERM_NUM = '#',
};

/* One weighted feature of an entry, before it has a term id. */
struct feat {
	size_t off;    /* of its text in the list's arena: kind + text + NUL */
	uint64_t hash; /* hash64() of that text, NUL excluded, seed 0 */
	double tf;     /* summed weight of its occurrences */
};

struct feat_list {
	struct feat *v;
	size_t n, cap;
	char *arena; /* the features' texts, one after another */
	size_t alen, acap;
	uint64_t *shingles; /* hashes of consecutive word triples */
	size_t nshingles, shcap;
};

/* The text analyser: ICU and Snowball state plus a cache of analysed words. */
struct text;

struct text *text_new(void);
void text_free(struct text *tx);

/**
 * Analyse a title and a plain-text body into features.
 *
 * @param tx     analyser
 * @param title  title, UTF-8, may be NULL
 * @param body   body text, UTF-8, may be NULL
 * @param lang   language tag (BCP 47, "fr", "pt-BR"), may be NULL
 * @param out    cleared, then filled
 */
void text_features(struct text *tx, const char *title, const char *body,
    const char *lang, struct feat_list *out);
void feat_list_clear(struct feat_list *fl);

/** The text of feature i: its kind character, then the term. */
static inline const char *
feat_term(const struct feat_list *fl, size_t i)
{
	return fl->arena + fl->v[i].off;
}
void feat_list_free(struct feat_list *fl);

/** The consonant skeleton of an ASCII word, into out (at least len+1). */
void text_name_key(const char *word, char *out);

/** The libstemmer algorithm for a language tag, or NULL. */
const char *text_stemmer_name(const char *lang);

/* Language detection (cluster/lang.c). */
struct lang_table;

/** The function-word table the detector needs; build it once. */
struct lang_table *lang_table_new(void);
void lang_table_free(struct lang_table *t);

/**
 * Guess the language of a text that does not say it.
 *
 * @param t      the table from lang_table_new()
 * @param title  title, UTF-8, may be NULL
 * @param body   body text, UTF-8, may be NULL
 * @return a language tag ("fr", "ru", "ja" ...), or NULL when unsure
 */
const char *lang_detect(const struct lang_table *t, const char *title,
    const char *body);

/*
 * Start loading memory that is read soon.  The term dictionary and the
 * caches are far larger than the CPU's: looking up a hundred terms one by
 * one waits for memory a hundred times, asking for all of them first waits
 * about once.
 */
#if defined(__GNUC__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)(p))
#endif

/**
 * Zeroed memory for a table that is read at random (the word cache, the
 * term array, the duplicate tables, the window), aligned to a cache line.
 * A table of 2 MiB or more is aligned to 2 MiB and, where the system has
 * them, asked to be backed by huge pages, so that looking up a slot does
 * not also miss the TLB.  Aborts when memory runs out, as xcalloc() does.
 *
 * @param n     elements
 * @param size  of each
 * @param mem   set to the block to free() when done with the table
 * @return the table, inside *mem
 */
void *big_calloc(size_t n, size_t size, void **mem);

/** 64-bit FNV-1a. */
uint64_t hash64(const void *p, size_t n, uint64_t seed);

#endif

/*
 * The term dictionary: each distinct feature string gets a small integer id
 * while some entry in the frequency window or some open story uses it; the
 * id is recycled when neither does.  Each term keeps its document frequency
 * over the window and the list of stories whose centroid holds it.
 */
struct post {
	uint32_t slot; /* story slot */
	uint32_t gen;  /* the slot's generation when the posting was made */
};

#define TERM_INLINE 16 /* texts this long (NUL included) live in the term */

/*
 * 64 bytes.  Most texts are short and kept inside, so that comparing one
 * while looking it up reads no other memory.
 */
struct term {
	uint64_t hash;	/* hash64() of the text */
	uint32_t size;	/* of the text with its NUL; 0 when the id is free */
	uint32_t df;	/* entries in the window that contain it */
	uint32_t langs; /* languages it was seen in, one bit each */
	uint32_t refs;	/* open stories whose centroid holds it */
	uint32_t next;	/* hash chain, or free list; id + 1, 0 ends */
	uint32_t npost, cappost;
	struct post *post; /* stories holding it, stale ones pruned lazily */
	union {
		char *heap;	      /* size > TERM_INLINE */
		char in[TERM_INLINE]; /* size <= TERM_INLINE */
	} s;			      /* kind + text + NUL */
};

/** The text of a term that is in use: kind + text. */
static inline const char *
term_text(const struct term *tm)
{
	return tm->size > TERM_INLINE ? tm->s.heap : tm->s.in;
}

struct terms {
	struct term *v; /* in vmem, on a cache line */
	void *vmem;
	uint32_t n, cap;    /* ids used, allocated */
	uint32_t *buckets;  /* id + 1 of the chain head, 0 for empty */
	uint32_t nbuckets;  /* a power of two */
	uint32_t live;	    /* ids in use */
	uint32_t free_head; /* id + 1 of the first free id */
};

void terms_init(struct terms *t);
void terms_clear(struct terms *t);
/** The id of s (whose hash64() with seed 0 is hash), created when absent. */
uint32_t terms_intern(struct terms *t, const char *s, uint64_t hash);
/** Forget id when no window entry and no open story uses it any more. */
void terms_maybe_release(struct terms *t, uint32_t id);
/**
 * terms_intern() for each feature of a list, in order.
 *
 * @param t    the dictionary
 * @param fl   the features
 * @param ids  filled with fl->n ids
 */
void terms_intern_list(struct terms *t, const struct feat_list *fl,
    uint32_t *ids);
void terms_post_add(struct terms *t, uint32_t id, uint32_t slot, uint32_t gen);
