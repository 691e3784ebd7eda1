/* SPDX-License-Identifier: MIT */
/*
 * Language detection for entries that do not say their language, so that
 * they are stemmed like their neighbours.
 *
 * A script that belongs to few languages decides by itself (Greek, Hangul,
 * Thai, kana ...).  Latin script is decided by the commonest function words
 * of each language, counted over the first words of the text: those words
 * make up a large share of any running text and differ between languages,
 * which is enough to pick a stemmer.  Cyrillic tells Ukrainian and
 * Belarusian from Russian by their own letters.  Too little evidence gives
 * NULL: no stemming is better than the wrong stemmer.
 */

#include <stdlib.h>
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/utf8.h>

#include "cluster_int.h"
#include "common.h"

#define DETECT_MAX_WORDS 120 /* words of title and text looked at */
#define DETECT_MIN_HITS 2    /* function words needed to decide */

/* Languages told apart by function words, in the order of their bits. */
static const char *const latin_langs[] = {"en", "fr", "de", "es", "pt", "it",
    "nl", "sv", "no", "da", "fi", "pl", "ro", "id", "tr", "hu"};
#define NLATIN (sizeof latin_langs / sizeof latin_langs[0])

/* Function words of each language, in the order of latin_langs. */
static const char *const words[NLATIN] = {
    "the and of to in is that for on with was as by at from are this be "
    "has have it an were said its which after who will their",
    "le la les des et du un une est dans pour que qui sur au aux par pas "
    "avec son sont ce plus été après entre",
    "der die und das den von zu mit ist im dem nicht ein eine auf für "
    "sich des auch als bei wurde nach wird",
    "el la los las de y en que del por con para una un se es al como "
    "más su fue ha tras entre",
    "o a os as de e do da dos das em no na que para com um uma por não ao "
    "é foi mais pelo pela",
    "il la di e che del della in per un una con non sono è le dei al "
    "nel gli ha dopo",
    "de het een en van in is op te dat met voor zijn niet aan er ook werd "
    "bij naar",
    "och i att det som en på är av för med den till har inte om ett var "
    "efter",
    "og i det som en på er av for med til har ikke om et var den å etter",
    "og i det at en på er af for med til har ikke som de den et efter",
    "ja on ei se että oli ovat hän kun mutta myös tai sen joka jälkeen",
    "i w na z się nie do to że jest o jak po od przez dla oraz",
    "și în de la a cu pe care din o un este să au mai pentru după",
    "yang dan di ke dari ini itu untuk dengan dalam pada adalah tidak "
    "akan oleh setelah",
    "ve bir bu da de için ile olarak daha çok en olan sonra",
    "a az és hogy nem egy is van meg volt de ki után",
};

struct fword {
	char w[16];
	uint32_t langs; /* bit i: latin_langs[i] uses it */
};

#define FWORD_SLOTS 1024 /* of the lookup table; a power of two */

struct lang_table {
	struct fword *v; /* sorted by w, each word once */
	size_t n;
	uint16_t slot[FWORD_SLOTS]; /* index in v + 1, 0 for empty */
};

static size_t
fword_home(const char *w, size_t len)
{
	return hash64(w, len, 0) & (FWORD_SLOTS - 1);
}

/* The row of a word of len bytes, or NULL: open addressing over v. */
static const struct fword *
fword_find(const struct lang_table *t, const char *w, size_t len)
{
	size_t i;

	for (i = fword_home(w, len); t->slot[i] != 0;
	     i = (i + 1) & (FWORD_SLOTS - 1)) {
		const struct fword *f = &t->v[t->slot[i] - 1];

		if (strncmp(f->w, w, len) == 0 && f->w[len] == '\0')
			return f;
	}
	return NULL;
}

static int
fword_cmp(const void *a, const void *b)
{
	return strcmp(((const struct fword *)a)->w,
	    ((const struct fword *)b)->w);
}

struct lang_table *
lang_table_new(void)
{
	struct lang_table *t = xcalloc(1, sizeof(*t));
	size_t i, j, cap = 0;

	for (i = 0; i < NLATIN; i++) {
		const char *p = words[i];

		while (*p != '\0') {
			size_t n = strcspn(p, " ");

			if (t->n == cap) {
				cap = cap ? cap * 2 : 512;
				t->v = xreallocarray(t->v, cap, sizeof(*t->v));
			}
			memset(&t->v[t->n], 0, sizeof(t->v[t->n]));
			memcpy(t->v[t->n].w, p,
			    n < sizeof(t->v[0].w) ? n : sizeof(t->v[0].w) - 1);
			t->v[t->n++].langs = 1u << i;
			p += n;
			while (*p == ' ')
				p++;
		}
	}
	qsort(t->v, t->n, sizeof(*t->v), fword_cmp);
	/* One row per word, with every language that uses it. */
	for (i = 0, j = 0; i < t->n; i++) {
		if (j > 0 && strcmp(t->v[j - 1].w, t->v[i].w) == 0)
			t->v[j - 1].langs |= t->v[i].langs;
		else
			t->v[j++] = t->v[i];
	}
	t->n = j;
	for (i = 0; i < t->n; i++) {
		for (j = fword_home(t->v[i].w, strlen(t->v[i].w));
		     t->slot[j] != 0; j = (j + 1) & (FWORD_SLOTS - 1))
			;
		t->slot[j] = (uint16_t)(i + 1);
	}
	return t;
}

void
lang_table_free(struct lang_table *t)
{
	if (t == NULL)
		return;
	free(t->v);
	free(t);
}

/* A language of its own script, or NULL for Latin and the undecided. */
static const char *
script_lang(UScriptCode sc)
{
	switch (sc) {
	case USCRIPT_GREEK:
		return "el";
	case USCRIPT_ARABIC:
		return "ar";
	case USCRIPT_HEBREW:
		return "he";
	case USCRIPT_DEVANAGARI:
		return "hi";
	case USCRIPT_TAMIL:
		return "ta";
	case USCRIPT_HANGUL:
		return "ko";
	case USCRIPT_HIRAGANA:
	case USCRIPT_KATAKANA:
		return "ja";
	case USCRIPT_HAN:
		return "zh";
	case USCRIPT_THAI:
		return "th";
	case USCRIPT_GEORGIAN:
		return "ka";
	case USCRIPT_ARMENIAN:
		return "hy";
	default:
		return NULL;
	}
}

struct tally {
	unsigned latin, cyrillic, other, kana;
	unsigned uk, be; /* letters only Ukrainian or Belarusian use */
	UScriptCode top; /* the commonest script other than those */
	unsigned counts[8];
	UScriptCode codes[8];
	unsigned hits[NLATIN];
};

static void
count_script(struct tally *ty, UChar32 c)
{
	UErrorCode st = U_ZERO_ERROR;
	UScriptCode sc = uscript_getScript(c, &st);
	int i;

	if (U_FAILURE(st) || sc == USCRIPT_COMMON || sc == USCRIPT_INHERITED)
		return;
	if (sc == USCRIPT_LATIN) {
		ty->latin++;
		return;
	}
	if (sc == USCRIPT_CYRILLIC) {
		ty->cyrillic++;
		/* і ї є ґ: Ukrainian, unless ў says Belarusian */
		if (c == 0x456 || c == 0x457 || c == 0x454 || c == 0x491 ||
		    c == 0x406 || c == 0x407 || c == 0x404 || c == 0x490)
			ty->uk++;
		else if (c == 0x45e || c == 0x40e)
			ty->be++;
		return;
	}
	if (sc == USCRIPT_HIRAGANA || sc == USCRIPT_KATAKANA)
		ty->kana++;
	ty->other++;
	for (i = 0; i < 8 && ty->counts[i] > 0; i++) {
		if (ty->codes[i] == sc) {
			ty->counts[i]++;
			return;
		}
	}
	if (i < 8) {
		ty->codes[i] = sc;
		ty->counts[i] = 1;
	}
}

/* Count the function words and the scripts of one text. */
static void
tally_text(const struct lang_table *t, const char *s, struct tally *ty,
    unsigned *words_seen)
{
	char w[16];
	size_t wn = 0;
	int32_t i = 0, n = s ? (int32_t)strlen(s) : 0;
	UChar32 c;

	while (i <= n && *words_seen < DETECT_MAX_WORDS) {
		if (i < n) {
			U8_NEXT(s, i, n, c);
		} else {
			c = ' ';
			i++;
		}
		if (c >= 0 && c < 0x80) {
			/* ASCII, most of the text in many feeds: letters are
			 * Latin, as ICU would say. */
			if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') {
				ty->latin++;
				if (wn + 1 < sizeof(w))
					w[wn++] = (char)(c | 0x20);
				else
					wn = sizeof(w);
				continue;
			}
		} else if (c >= 0 && u_isalpha(c)) {
			count_script(ty, c);
			c = u_tolower(c);
			if (wn + U8_LENGTH(c) < sizeof(w)) {
				U8_APPEND_UNSAFE(w, wn, c);
			} else {
				wn = sizeof(w); /* too long: no function word */
			}
			continue;
		}
		if (wn > 0 && wn < sizeof(w)) {
			const struct fword *hit = fword_find(t, w, wn);
			size_t k;

			for (k = 0; hit != NULL && k < NLATIN; k++)
				if (hit->langs & (1u << k))
					ty->hits[k]++;
		}
		if (wn > 0)
			(*words_seen)++;
		wn = 0;
	}
}

const char *
lang_detect(const struct lang_table *t, const char *title, const char *body)
{
	struct tally ty;
	unsigned seen = 0, best = 0, second = 0;
	size_t i, b = 0;

	memset(&ty, 0, sizeof(ty));
	tally_text(t, title, &ty, &seen);
	tally_text(t, body, &ty, &seen);
	if (ty.other > ty.latin && ty.other > ty.cyrillic) {
		unsigned top = 0;

		if (ty.kana > 0)
			return "ja"; /* kana with Han is Japanese */
		for (i = 0; i < 8; i++) {
			if (ty.counts[i] > top) {
				top = ty.counts[i];
				ty.top = ty.codes[i];
			}
		}
		return script_lang(ty.top);
	}
	if (ty.cyrillic > ty.latin)
		return ty.be > 0 ? "be" : ty.uk > 0 ? "uk" : "ru";
	for (i = 0; i < NLATIN; i++) {
		if (ty.hits[i] > best) {
			second = best;
			best = ty.hits[i];
			b = i;
		} else if (ty.hits[i] > second) {
			second = ty.hits[i];
		}
	}
	if (best < DETECT_MIN_HITS || best == second)
		return NULL;
	return latin_langs[b];
}
