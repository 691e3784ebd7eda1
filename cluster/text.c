/* SPDX-License-Identifier: MIT */
/*
 * Text features for story clustering.
 *
 * ICU splits words in every script (dictionaries for Chinese, Japanese,
 * Thai, Khmer ...), folds case and transliterates to Latin; Snowball stems
 * in the entry's language.  Each word yields a language-bound word term and,
 * when it looks like a name, a script-independent name key; numbers yield
 * number terms whatever digits they are written in.  Analysed words are
 * cached because transliteration costs microseconds per word and news
 * repeats its vocabulary.
 */

#include <stdlib.h>
#include <string.h>

#include <libstemmer.h>
#include <unicode/ubrk.h>
#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/ustring.h>
#include <unicode/utrans.h>

#include "cluster_int.h"
#include "common.h"

#define FIELD_MAX_WORDS 200    /* words of a field that make features */
#define SHINGLE_MAX_WORDS 2000 /* words of the body that make shingles */
#define FIELD_MAX_UCHARS 65536 /* UTF-16 units analysed per field */
#define WORD_MAX_UCHARS 64     /* longer "words" are skipped (URLs, junk) */
#define CACHE_SLOTS (1u << 16) /* analysed-word cache, two slots a set */
#define CACHE_SETS (CACHE_SLOTS / 2)
#define TITLE_WEIGHT 2.0     /* a title word counts twice a body word */
#define KEY_WEIGHT 0.5	     /* name keys next to the words they repeat */
#define FIRST_KEY_WEIGHT 0.5 /* a capital may only start the sentence */
#define UNCASED_KEY_MIN 3    /* shortest uncased-script key kept */
#define NAME_KEY_MIN 2	     /* consonants in the shortest name key */
#define FOLD_MAX (WORD_MAX_UCHARS * 3) /* room for the case fold of a word */

/* Language tags with a Snowball stemmer; Malay stems as Indonesian. */
static const struct {
	const char *lang;
	const char *algo;
} stemmers[] = {
    {"ar", "arabic"},
    {"ca", "catalan"},
    {"da", "danish"},
    {"de", "german"},
    {"el", "greek"},
    {"en", "english"},
    {"es", "spanish"},
    {"eu", "basque"},
    {"fi", "finnish"},
    {"fr", "french"},
    {"ga", "irish"},
    {"hi", "hindi"},
    {"hu", "hungarian"},
    {"hy", "armenian"},
    {"id", "indonesian"},
    {"it", "italian"},
    {"lt", "lithuanian"},
    {"ms", "indonesian"},
    {"nb", "norwegian"},
    {"ne", "nepali"},
    {"nl", "dutch"},
    {"nn", "norwegian"},
    {"no", "norwegian"},
    {"pt", "portuguese"},
    {"ro", "romanian"},
    {"ru", "russian"},
    {"sr", "serbian"},
    {"sv", "swedish"},
    {"ta", "tamil"},
    {"tr", "turkish"},
    {"yi", "yiddish"},
};
#define NSTEMMERS (sizeof stemmers / sizeof stemmers[0])

#define SLOT_BYTES 80 /* texts of a cached word kept inside its slot */

/*
 * One analysed word, 128 bytes: a hit reads one slot and nothing else.  The
 * texts are the folded word (UTF-16, the key), then the 'w' term and the
 * 'k' term, each with its kind in front and a NUL after; they live in in[]
 * or, for the rare long word, in ext.
 */
struct cache_slot {
	uint64_t hash;	       /* of the key, seeded with the stemmer */
	uint64_t whash, khash; /* hash64() of the two term texts */
	int32_t keylen;	       /* UTF-16 units of the key */
	int16_t stem;	       /* stemmer index + 1, 0 for none */
	bool used;
	uint16_t latin_len;  /* length of the unstemmed Latin form */
	uint16_t wlen, klen; /* of the word and the name key, "" is 0 */
	char *ext;	     /* the texts when in[] is too small */
	char in[SLOT_BYTES];
};

/* A word of a field, as the first pass over the field found it. */
struct token {
	int32_t start, end; /* in tx->u16 */
	int32_t status;	    /* the break iterator's rule status */
	int32_t woff, wn;   /* the word after elision, in tx->u16 */
	int32_t foff, fn;   /* its case fold in tx->fold; fn < 0: none */
	bool number;
	uint64_t hash; /* word_hash() of the fold, when it makes features */
};

struct text {
	UBreakIterator *brk;
	UTransliterator *latin;	      /* Any-Latin; Latin-ASCII */
	UTransliterator *latin_ascii; /* Latin-ASCII alone, much cheaper */
	struct sb_stemmer *stem[NSTEMMERS];
	bool stem_tried[NSTEMMERS];
	struct cache_slot *cache; /* in cache_mem, on a cache line */
	void *cache_mem;
	UChar *u16; /* field converted to UTF-16 */
	int32_t u16cap;
	struct token *tok; /* the words of the field, SHINGLE_MAX_WORDS */
	UChar *fold;	   /* their case folds, one after another */
	int32_t foldcap;
	/* per-call feature table: open addressing over out->v */
	uint32_t *slots;
	size_t nslots;
};

uint64_t
hash64(const void *p, size_t n, uint64_t seed)
{
	const unsigned char *s = p;
	uint64_t h = seed ^ (n * 0x9e3779b97f4a7c15ULL), w;

	/* Eight bytes a step, each step mixed by a multiply. */
	for (; n >= 8; s += 8, n -= 8) {
		memcpy(&w, s, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 29;
	}
	w = 0;
	memcpy(&w, s, n);
	h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 32;
	h *= 0xff51afd7ed558ccdULL;
	return h ^ (h >> 29);
}

const char *
text_stemmer_name(const char *lang)
{
	char l[4];
	size_t i;

	if (lang == NULL)
		return NULL;
	for (i = 0;
	     i < 3 && lang[i] != '\0' && lang[i] != '-' && lang[i] != '_'; i++)
		l[i] = (char)(lang[i] | 0x20);
	l[i] = '\0';
	if (lang[i] != '\0' && lang[i] != '-' && lang[i] != '_')
		return NULL;
	for (i = 0; i < NSTEMMERS; i++)
		if (strcmp(stemmers[i].lang, l) == 0)
			return stemmers[i].algo;
	return NULL;
}

static int
stemmer_index(const char *lang)
{
	const char *algo = text_stemmer_name(lang);
	size_t i;

	if (algo == NULL)
		return -1;
	for (i = 0; i < NSTEMMERS; i++)
		if (strcmp(stemmers[i].algo, algo) == 0)
			return (int)i;
	return -1;
}

struct text *
text_new(void)
{
	struct text *tx = xcalloc(1, sizeof *tx);
	UErrorCode st = U_ZERO_ERROR;
	UChar id[64];
	UParseError pe;

	tx->brk = ubrk_open(UBRK_WORD, "", NULL, 0, &st);
	if (U_FAILURE(st))
		fatalx("ICU word break iterator: %s", u_errorName(st));
	u_uastrcpy(id, "Any-Latin; Latin-ASCII");
	tx->latin = utrans_openU(id, -1, UTRANS_FORWARD, NULL, 0, &pe, &st);
	if (U_FAILURE(st))
		fatalx("ICU transliterator Any-Latin: %s", u_errorName(st));
	u_uastrcpy(id, "Latin-ASCII");
	tx->latin_ascii =
	    utrans_openU(id, -1, UTRANS_FORWARD, NULL, 0, &pe, &st);
	if (U_FAILURE(st))
		fatalx("ICU transliterator Any-Latin: %s", u_errorName(st));
	/* Slots start on a cache line, so that a slot's header and the
	 * first bytes of its texts, all that a hit on a short word reads,
	 * are one line. */
	tx->cache = big_calloc(CACHE_SLOTS, sizeof *tx->cache, &tx->cache_mem);
	tx->tok = xreallocarray(NULL, SHINGLE_MAX_WORDS, sizeof *tx->tok);
	tx->nslots = 4096;
	tx->slots = xcalloc(tx->nslots, sizeof *tx->slots);
	return tx;
}

void
text_free(struct text *tx)
{
	size_t i;

	if (tx == NULL)
		return;
	ubrk_close(tx->brk);
	utrans_close(tx->latin);
	utrans_close(tx->latin_ascii);
	for (i = 0; i < NSTEMMERS; i++)
		if (tx->stem[i] != NULL)
			sb_stemmer_delete(tx->stem[i]);
	for (i = 0; i < CACHE_SLOTS; i++)
		free(tx->cache[i].ext);
	free(tx->cache_mem);
	free(tx->u16);
	free(tx->tok);
	free(tx->fold);
	free(tx->slots);
	free(tx);
}

void
feat_list_clear(struct feat_list *fl)
{
	fl->n = 0;
	fl->alen = 0;
	fl->nshingles = 0;
}

void
feat_list_free(struct feat_list *fl)
{
	feat_list_clear(fl);
	free(fl->v);
	free(fl->arena);
	free(fl->shingles);
	memset(fl, 0, sizeof *fl);
}

/*
 * Consonant skeleton of a Latin word: the first letter, then the consonants
 * with sounds that scripts render differently merged (ph/f, c/k/q, z/s,
 * v/w/f, d/t, g/k, b/p, j/y) and doubled letters collapsed.  "truss",
 * "trass" (Трасс) and "thras" (ทรัสส์) all become "trs".
 */
void
text_name_key(const char *w, char *out)
{
	static const char from[] = "cqzvwjdgbp";
	static const char to[] = "kksffytkpp";
	size_t o = 0, i;
	char c, prev = 0;
	const char *m;

	for (i = 0; w[i] != '\0'; i++) {
		c = w[i];
		if (w[i + 1] == 'h' && strchr("ptkscg", c) != NULL) {
			c = c == 'p' ? 'f' : c == 'c' ? 'k' : c;
			i++;
		} else if (c == 'c' && w[i + 1] == 'k')
			i++;
		if ((m = strchr(from, c)) != NULL)
			c = to[m - from];
		if (o > 0 && strchr("aeiouyh", c) != NULL)
			continue;
		if (c == prev)
			continue;
		out[o++] = prev = c;
	}
	out[o] = '\0';
}

/* Whether a word is in Latin script (or script-neutral) throughout. */
static bool
latin_only(const UChar *s, int32_t n)
{
	int32_t i = 0;
	UChar32 c;

	while (i < n) {
		UErrorCode st = U_ZERO_ERROR;
		UScriptCode sc;

		U16_NEXT(s, i, n, c);
		if (c < 0x80)
			continue;
		sc = uscript_getScript(c, &st);
		if (U_FAILURE(st) ||
		    (sc != USCRIPT_LATIN && sc != USCRIPT_COMMON &&
			sc != USCRIPT_INHERITED))
			return false;
	}
	return true;
}

/*
 * UTF-16 to Latin ASCII: transliterate (unless ASCII), keep [a-z0-9].  The
 * result goes to out, which holds LATIN_MAX + 1 bytes; returns its length.
 */
#define LATIN_MAX (WORD_MAX_UCHARS * 8)
static size_t
to_latin(struct text *tx, const UChar *s, int32_t n, char *out)
{
	UChar buf[LATIN_MAX];
	UErrorCode st = U_ZERO_ERROR;
	int32_t len = n, limit = n, i;
	bool ascii = true;
	char *o = out;

	for (i = 0; i < n; i++)
		if (s[i] >= 0x80)
			ascii = false;
	memcpy(buf, s, (size_t)n * sizeof *s);
	if (!ascii) {
		/* Words of Latin script (é, ß, ł) need only Latin-ASCII;
		 * Any-Latin would first look for a script to convert. */
		utrans_transUChars(
		    latin_only(s, n) ? tx->latin_ascii : tx->latin, buf, &len,
		    (int32_t)(sizeof buf / sizeof buf[0]), 0, &limit, &st);
		if (U_FAILURE(st))
			len = n; /* too long once transliterated: keep ASCII */
	}
	for (i = 0; i < len; i++) {
		UChar c = buf[i];

		if (c >= 'A' && c <= 'Z')
			c = (UChar)(c | 0x20);
		/* A word-initial alef, ayin or hamza (an apostrophe once
		 * transliterated) carries a vowel: אלטמן is altmn. */
		if ((c == '\'' || c == 0x2bc || c == 0x2bb) && o == out)
			c = 'a';
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			*o++ = (char)c;
	}
	*o = '\0';
	return (size_t)(o - out);
}

static struct sb_stemmer *
get_stemmer(struct text *tx, int si)
{
	if (si < 0)
		return NULL;
	if (!tx->stem_tried[si]) {
		tx->stem_tried[si] = true;
		tx->stem[si] = sb_stemmer_new(stemmers[si].algo, "UTF_8");
	}
	return tx->stem[si];
}

/* Stem a folded word; returns the UTF-16 stem in out, its length. */
static int32_t
stem_word(struct text *tx, int si, const UChar *w, int32_t n, UChar *out,
    int32_t cap)
{
	struct sb_stemmer *sb = get_stemmer(tx, si);
	char u8[WORD_MAX_UCHARS * 4 + 1];
	const sb_symbol *r;
	UErrorCode st = U_ZERO_ERROR;
	int32_t len = 0;

	if (sb == NULL)
		goto plain;
	u_strToUTF8(u8, (int32_t)sizeof u8, &len, w, n, &st);
	if (U_FAILURE(st))
		goto plain;
	r = sb_stemmer_stem(sb, (const sb_symbol *)u8, len);
	if (r == NULL)
		goto plain;
	u_strFromUTF8(out, cap, &len, (const char *)r, sb_stemmer_length(sb),
	    &st);
	if (U_FAILURE(st) || len == 0)
		goto plain;
	return len;
plain:
	memcpy(out, w, (size_t)n * sizeof *w);
	return n;
}

static const char *
slot_texts(const struct cache_slot *c)
{
	return c->ext != NULL ? c->ext : c->in;
}

/* The 'w' term text of a cached word: kind, text, NUL. */
static const char *
slot_word(const struct cache_slot *c)
{
	return slot_texts(c) + (size_t)c->keylen * sizeof(UChar);
}

/* The 'k' term text of a cached word: kind, text, NUL. */
static const char *
slot_name(const struct cache_slot *c)
{
	return slot_word(c) + c->wlen + 2;
}

/* The cache's hash of a folded word for stemmer si. */
static uint64_t
word_hash(int si, const UChar *w, int32_t n)
{
	return hash64(w, (size_t)n * sizeof *w, (uint64_t)(si + 1));
}

/* The set of the cache where the word whose word_hash() is h lives. */
static struct cache_slot *
cache_set(const struct text *tx, uint64_t h)
{
	return &tx->cache[(h & (CACHE_SETS - 1)) * 2];
}

/* Whether slot c holds the analysis of folded word w for stemmer si. */
static bool
slot_holds(const struct cache_slot *c, int si, const UChar *w, int32_t n,
    uint64_t h)
{
	return c->used && c->hash == h && c->stem == si + 1 && c->keylen == n &&
	       memcmp(slot_texts(c), w, (size_t)n * sizeof *w) == 0;
}

/*
 * The cached analysis of one folded word, whose word_hash() is h.  A set
 * holds two words, the one used last first: a word that is found second
 * moves to the front, and a new word takes the front and pushes the other
 * one back, out of the second slot.  With one slot a set, words that
 * share a slot (common words of two languages) kept replacing each other.
 */
static struct cache_slot *
analyse(struct text *tx, int si, const UChar *w, int32_t n, uint64_t h)
{
	struct cache_slot *c = cache_set(tx, h), tmp;
	UChar stem[WORD_MAX_UCHARS * 2];
	char word[LATIN_MAX + 2], latin[LATIN_MAX + 1], name[LATIN_MAX + 2];
	size_t wlen, klen, need, keyb = (size_t)n * sizeof *w;
	int32_t sn;
	char *t;

	if (slot_holds(&c[0], si, w, n, h))
		return c;
	tmp = c[1];
	c[1] = c[0];
	c[0] = tmp;
	if (slot_holds(c, si, w, n, h))
		return c;
	sn = stem_word(tx, si, w, n, stem,
	    (int32_t)(sizeof stem / sizeof *stem));
	word[0] = TERM_WORD;
	wlen = to_latin(tx, stem, sn, word + 1);
	c->latin_len = (uint16_t)to_latin(tx, w, n, latin);
	name[0] = TERM_KEY;
	text_name_key(latin, name + 1);
	klen = strlen(name + 1);
	if (c->latin_len < 2 || (latin[0] >= '0' && latin[0] <= '9') ||
	    klen < NAME_KEY_MIN)
		name[1] = '\0', klen = 0; /* too short, or "2023-yil" */
	free(c->ext);
	c->ext = NULL;
	need = keyb + wlen + 2 + klen + 2;
	t = need <= SLOT_BYTES ? c->in : (c->ext = xmalloc(need));
	memcpy(t, w, keyb);
	memcpy(t + keyb, word, wlen + 2);
	memcpy(t + keyb + wlen + 2, name, klen + 2);
	c->used = true;
	c->hash = h;
	c->stem = (int16_t)(si + 1);
	c->keylen = n;
	c->wlen = (uint16_t)wlen;
	c->klen = (uint16_t)klen;
	c->whash = hash64(word, wlen + 1, 0);
	c->khash = hash64(name, klen + 1, 0);
	return c;
}

/*
 * Add weight to a term of the entry, creating it on first sight.  t is the
 * term text (kind, text, NUL), len the length of the text after the kind,
 * h its hash64() with the NUL excluded.
 */
static void
add_feat(struct text *tx, struct feat_list *out, const char *t, size_t len,
    uint64_t h, double wt)
{
	uint32_t *slot;
	struct feat *f;
	size_t i;

	if (len == 0)
		return;
	for (i = h & (tx->nslots - 1);; i = (i + 1) & (tx->nslots - 1)) {
		slot = &tx->slots[i];
		if (*slot == 0)
			break;
		f = &out->v[*slot - 1];
		if (f->hash == h && strcmp(out->arena + f->off, t) == 0) {
			f->tf += wt;
			return;
		}
	}
	if (out->n * 2 >= tx->nslots)
		return; /* table full: the entry has enough features */
	if (out->n == out->cap) {
		out->cap = out->cap ? out->cap * 2 : 64;
		out->v = xreallocarray(out->v, out->cap, sizeof *out->v);
	}
	if (out->alen + len + 2 > out->acap) {
		out->acap = (out->alen + len + 2) * 2;
		out->arena = xrealloc(out->arena, out->acap);
	}
	memcpy(out->arena + out->alen, t, len + 2);
	f = &out->v[out->n++];
	f->off = out->alen;
	f->hash = h;
	f->tf = wt;
	out->alen += len + 2;
	*slot = (uint32_t)out->n;
}

/* add_feat() for a term given as its kind and its text. */
static void
add_term(struct text *tx, struct feat_list *out, char kind, const char *s,
    double wt)
{
	char t[WORD_MAX_UCHARS * 4 + 4];
	size_t len = strlen(s);

	if (len == 0 || len + 2 > sizeof t)
		return;
	t[0] = kind;
	memcpy(t + 1, s, len + 1);
	add_feat(tx, out, t, len, hash64(t, len + 1, 0), wt);
}

static void
add_shingle(struct feat_list *out, uint64_t h)
{
	if (out->nshingles == out->shcap) {
		out->shcap = out->shcap ? out->shcap * 2 : 256;
		out->shingles = xreallocarray(out->shingles, out->shcap,
		    sizeof *out->shingles);
	}
	out->shingles[out->nshingles++] = h;
}

/*
 * The digits of a number token in any script, into d (at least n + 1
 * bytes): leading zeros dropped, a group separator (one followed by
 * exactly three digits: 1,300 1.300 1 300) left out, and any other
 * separator read as the decimal point (1.2 and 1,2 are both "1.2").
 * Returns the length; digits past a decimal part are dropped.
 */
static size_t
number_text(const UChar *w, int32_t n, char *d, size_t o)
{
	bool decimal = false;
	int32_t i = 0, j;
	UChar32 c;

	while (i < n) {
		int32_t v, run = 0;

		U16_NEXT(w, i, n, c);
		if ((v = u_charDigitValue(c)) >= 0) {
			if (o == 0 && v == 0 && !decimal)
				continue;
			d[o++] = (char)('0' + v);
			continue;
		}
		/* A separator: count the digits that follow it. */
		for (j = i; j < n;) {
			UChar32 k;

			U16_NEXT(w, j, n, k);
			if (u_charDigitValue(k) < 0)
				break;
			run++;
		}
		if (run == 3 || run == 0 || decimal)
			continue;
		if (o == 0)
			d[o++] = '0';
		d[o++] = '.';
		decimal = true;
	}
	if (decimal)
		while (o > 0 && d[o - 1] == '0')
			o--;
	if (o > 0 && d[o - 1] == '.')
		o--;
	d[o] = '\0';
	return o;
}

/* Emit a pending number: one digit alone says too little. */
static void
flush_number(struct text *tx, struct feat_list *out, char *num, double wt)
{
	size_t digits = strspn(num, "0123456789");

	if (digits >= 2 || (num[digits] == '.' && strlen(num) >= 3))
		add_term(tx, out, TERM_NUM, num, wt);
	num[0] = '\0';
}

static bool
is_number(const UChar *w, int32_t n, int32_t status)
{
	int32_t i;
	UChar32 c;

	if (status >= UBRK_WORD_NUMBER && status < UBRK_WORD_NUMBER_LIMIT)
		return true;
	for (i = 0; i < n;) {
		U16_NEXT(w, i, n, c);
		if (c < 0x80 ? c < '0' || c > '9' : u_charDigitValue(c) < 0)
			return false;
	}
	return true;
}

/* Case-fold a word; ASCII, most of the words of many feeds, by hand. */
static int32_t
fold_word(const UChar *w, int32_t n, UChar *out, int32_t cap)
{
	UErrorCode st = U_ZERO_ERROR;
	int32_t i, fn;

	for (i = 0; i < n && w[i] < 0x80; i++)
		out[i] =
		    (UChar)(w[i] >= 'A' && w[i] <= 'Z' ? w[i] | 0x20 : w[i]);
	if (i == n)
		return n;
	fn = u_strFoldCase(out, cap, w, n, U_FOLD_CASE_DEFAULT, &st);
	return U_FAILURE(st) ? -1 : fn;
}

/* Whether the word at start opens a sentence: a capital there says little. */
static bool
sentence_start(const UChar *s, int32_t start)
{
	while (start > 0 && (s[start - 1] == ' ' || s[start - 1] == '\t' ||
				s[start - 1] == '"' || s[start - 1] == 0x201c ||
				s[start - 1] == 0xab || s[start - 1] == '('))
		start--;
	if (start == 0)
		return true;
	switch (s[start - 1]) {
	case '.':
	case '!':
	case '?':
	case ':':
	case '\n':
	case 0x2013: /* en dash */
	case 0x2014: /* em dash */
	case 0x3002: /* ideographic full stop */
		return true;
	}
	return false;
}

/*
 * The spaces that group digits in print (French 1 300 with a no-break or
 * thin space).  A plain space does not: "in 2022 300 people" is two
 * numbers.
 */
static bool
is_group_space(UChar c)
{
	return c == 0xa0 || c == 0x202f || c == 0x2009;
}

/*
 * Drop an elided article or preposition from the front of a word, as
 * French and Italian write them: l'élection, d’Altman, qu'il, dell'anno.
 * ICU keeps them in the word; left there they would hide both the word
 * and, for d'Altman, the capital that marks a name.
 */
static void
elide(const UChar **w, int32_t *n)
{
	static const char *const heads[] = {"l", "d", "j", "m", "n", "s", "t",
	    "c", "qu", "jusqu", "lorsqu", "puisqu", "dell", "nell", "all",
	    "dall", "sull", "quell", "un"};
	int32_t i, k;

	for (i = 1; i < *n - 1 && i <= 6; i++) {
		if ((*w)[i] != '\'' && (*w)[i] != 0x2019)
			continue;
		for (k = 0; k < (int32_t)(sizeof heads / sizeof heads[0]);
		     k++) {
			const char *h = heads[k];
			int32_t j;

			if ((int32_t)strlen(h) != i)
				continue;
			for (j = 0; j < i; j++)
				if (((*w)[j] | 0x20) != h[j])
					break;
			if (j == i) {
				*w += i + 1;
				*n -= i + 1;
				return;
			}
		}
		return;
	}
}

struct field {
	double wt;     /* weight of each occurrence */
	int max_words; /* words that make features */
	bool shingles; /* also hash word triples */
};

/*
 * The words of a field into tx->tok, up to the last one that
 * analyse_field() reads, each folded, and the cache slots of those that
 * make features fetched: the cache is far larger than the CPU's, and the
 * break iterator's work on the next words hides the wait.
 */
static int32_t
find_words(struct text *tx, int32_t len, int si, const struct field *fd)
{
	UErrorCode st = U_ZERO_ERROR;
	int32_t start, end, words = 0, ntok = 0, flen = 0;

	ubrk_setText(tx->brk, tx->u16, len, &st);
	if (U_FAILURE(st))
		return 0;
	start = ubrk_first(tx->brk);
	for (end = ubrk_next(tx->brk); end != UBRK_DONE;
	     start = end, end = ubrk_next(tx->brk)) {
		int32_t status = ubrk_getRuleStatus(tx->brk), n = end - start;
		const UChar *w = tx->u16 + start;
		struct token *tk;

		if (status < UBRK_WORD_NONE_LIMIT || n > WORD_MAX_UCHARS)
			continue;
		words++;
		if (words > fd->max_words && !fd->shingles)
			break;
		if (words > SHINGLE_MAX_WORDS)
			break;
		tk = &tx->tok[ntok++];
		tk->start = start;
		tk->end = end;
		tk->status = status;
		tk->fn = -1;
		tk->number = is_number(w, n, status);
		if (tk->number)
			continue;
		elide(&w, &n);
		tk->woff = (int32_t)(w - tx->u16);
		tk->wn = n;
		if (tx->foldcap - flen < FOLD_MAX) {
			tx->foldcap = 2 * tx->foldcap + FOLD_MAX;
			tx->fold = xreallocarray(tx->fold, (size_t)tx->foldcap,
			    sizeof *tx->fold);
		}
		tk->fn = fold_word(w, n, tx->fold + flen, FOLD_MAX);
		if (tk->fn < 0 || tk->fn > WORD_MAX_UCHARS * 2) {
			tk->fn = -1;
			continue;
		}
		tk->foff = flen;
		flen += tk->fn;
		if (words <= fd->max_words) {
			tk->hash = word_hash(si, tx->fold + tk->foff, tk->fn);
			PREFETCH(cache_set(tx, tk->hash));
		}
	}
	return ntok;
}

static void
analyse_field(struct text *tx, const char *s, int si, const struct field *fd,
    struct feat_list *out)
{
	UErrorCode st = U_ZERO_ERROR;
	int32_t len = 0, words = 0, ntok, k;
	uint64_t h1 = 0, h2 = 0;
	char num[WORD_MAX_UCHARS * 4 + 2] = "";
	int32_t prev_end = -2;

	if (s == NULL || *s == '\0')
		return;
	if (tx->u16cap == 0) {
		tx->u16cap = FIELD_MAX_UCHARS;
		tx->u16 = xmalloc((size_t)tx->u16cap * sizeof *tx->u16);
	}
	u_strFromUTF8WithSub(tx->u16, tx->u16cap, &len, s, -1, 0xfffd, NULL,
	    &st);
	if (st == U_BUFFER_OVERFLOW_ERROR || len > tx->u16cap)
		len = tx->u16cap; /* a field this long: its start is enough */
	else if (U_FAILURE(st))
		return;
	ntok = find_words(tx, len, si, fd);
	for (k = 0; k < ntok; k++) {
		const struct token *tk = &tx->tok[k];
		int32_t start = tk->start, end = tk->end, n = end - start;
		const UChar *w = tx->u16 + start, *fold;
		struct cache_slot *c;
		int32_t fn;
		UChar32 c0;
		bool cap, cased, feats;
		double kw;

		words++;
		feats = words <= fd->max_words;
		if (tk->number) {
			size_t pl = strlen(num);

			if (!feats)
				continue;
			/* "1 300" in two tokens: a group of three after a
			 * number and one grouping space continues it. */
			if (pl > 0 && n == 3 && strchr(num, '.') == NULL &&
			    start == prev_end + 1 &&
			    is_group_space(tx->u16[prev_end])) {
				number_text(w, n, num, pl);
			} else {
				flush_number(tx, out, num, fd->wt);
				number_text(w, n, num, 0);
			}
			prev_end = end;
			continue;
		}
		flush_number(tx, out, num, fd->wt);
		if (tk->fn < 0)
			continue;
		w = tx->u16 + tk->woff;
		n = tk->wn;
		fold = tx->fold + tk->foff;
		fn = tk->fn;
		if (fd->shingles) {
			uint64_t h = hash64(fold, (size_t)fn * sizeof *fold, 0);

			if (words >= 3)
				add_shingle(out, h ^ (h1 * 31) ^ (h2 * 961));
			h2 = h1;
			h1 = h;
		}
		if (!feats)
			continue;
		c = analyse(tx, si, fold, fn, tk->hash);
		add_feat(tx, out, slot_word(c), c->wlen, c->whash, fd->wt);
		U16_GET(w, 0, 0, n, c0);
		if (c0 < 0x80) { /* what ICU says of ASCII, without asking */
			cap = c0 >= 'A' && c0 <= 'Z';
			cased = cap || (c0 >= 'a' && c0 <= 'z');
		} else {
			cap = u_isupper(c0) || u_istitle(c0);
			cased = u_hasBinaryProperty(c0, UCHAR_CASED);
		}
		if (c->klen == 0)
			continue;
		if (!cap && cased)
			continue;
		if (!cased && c->latin_len < UNCASED_KEY_MIN)
			continue;
		kw = fd->wt * KEY_WEIGHT *
		     (words == 1 || sentence_start(tx->u16, start)
			     ? FIRST_KEY_WEIGHT
			     : 1);
		add_feat(tx, out, slot_name(c), c->klen, c->khash, kw);
	}
	flush_number(tx, out, num, fd->wt);
}

/*
 * Empty the feature table for the next call.  Only the slots of this
 * entry's features are cleared, found again by probing from each one's
 * home: the table is far larger than a typical entry's feature count.
 */
static void
table_empty(struct text *tx, const struct feat_list *out)
{
	size_t k, i, mask = tx->nslots - 1;

	for (k = 0; k < out->n; k++) {
		for (i = out->v[k].hash & mask; tx->slots[i] != k + 1;
		     i = (i + 1) & mask)
			;
		tx->slots[i] = 0;
	}
}

void
text_features(struct text *tx, const char *title, const char *body,
    const char *lang, struct feat_list *out)
{
	static const struct field ftitle = {TITLE_WEIGHT, FIELD_MAX_WORDS,
	    false};
	static const struct field fbody = {1.0, FIELD_MAX_WORDS, true};
	int si = stemmer_index(lang);

	feat_list_clear(out);
	analyse_field(tx, title, si, &ftitle, out);
	if (body != NULL && (title == NULL || strcmp(title, body) != 0))
		analyse_field(tx, body, si, &fbody, out);
	else if (body != NULL) {
		struct field f = fbody;

		f.max_words = 0; /* body repeats the title: shingles only */
		analyse_field(tx, body, si, &f, out);
	}
	table_empty(tx, out);
}
