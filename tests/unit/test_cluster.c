/* SPDX-License-Identifier: MIT */
/* Unit tests for cluster/: text features, duplicates, stories and merges. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h> /* mallinfo2() */
#endif

#include <jansson.h>

#include "common.h"
#include "feeds.h"
#include "cluster.h"
#include "cluster_int.h"

#ifndef TEST_DATA_DIR
#define TEST_DATA_DIR "tests/data"
#endif

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define TEST_ASAN 1
#endif
#ifdef TEST_ASAN
/* From <sanitizer/allocator_interface.h>, which gcc does not install. */
size_t __sanitizer_get_current_allocated_bytes(void);
#endif

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Bounds the analyser promises whatever the input (cluster/text.c). */
#define MAX_FEATURES 1024 /* 200 words a field, a word and a key each */
#define MAX_SHINGLES 2000

/* Text analysis helpers. */

static struct text *tx;

static int
text_setup(void **state)
{
	(void)state;
	tx = text_new();
	return 0;
}

static int
text_teardown(void **state)
{
	(void)state;
	text_free(tx);
	tx = NULL;
	return 0;
}

static void
feats(const char *title, const char *body, const char *lang,
    struct feat_list *fl)
{
	text_features(tx, title, body, lang, fl);
}

/* The text of feature i: its kind character, then the term. */
static const char *
fterm(const struct feat_list *fl, size_t i)
{
	return feat_term(fl, i);
}

/* The weight of term in fl, or -1 when absent. */
static double
term_tf(const struct feat_list *fl, const char *term)
{
	size_t i;

	for (i = 0; i < fl->n; i++)
		if (strcmp(fterm(fl, i), term) == 0)
			return fl->v[i].tf;
	return -1;
}

static size_t
count_kind(const struct feat_list *fl, char kind)
{
	size_t i, n = 0;

	for (i = 0; i < fl->n; i++)
		n += fterm(fl, i)[0] == kind;
	return n;
}

static void
dump_feats(const char *what, const struct feat_list *fl)
{
	size_t i;

	print_message("# %s: %zu features:", what, fl->n);
	for (i = 0; i < fl->n && i < 64; i++)
		print_message(" %s", fterm(fl, i));
	print_message("\n");
}

/* The only term of a kind in the features of text; fails unless one. */
static char *
only_term(const char *text, const char *lang, char kind)
{
	struct feat_list fl = {0};
	char *t = NULL;
	size_t i;

	feats(NULL, text, lang, &fl);
	if (count_kind(&fl, kind) != 1) {
		dump_feats(text, &fl);
		feat_list_free(&fl);
		fail_msg("\"%s\" (%s): want one '%c' term", text,
		    lang ? lang : "-", kind);
	}
	for (i = 0; i < fl.n; i++)
		if (fterm(&fl, i)[0] == kind)
			t = xstrdup(fterm(&fl, i));
	feat_list_free(&fl);
	return t;
}

/* Every text of a list yields the same term of one kind. */
struct same_case {
	const char *text;
	const char *lang;
};

static void
check_same_term(const struct same_case *c, size_t n, char kind,
    const char *want)
{
	char *first = only_term(c[0].text, c[0].lang, kind), *t, msg[512];
	size_t i;

	if (want != NULL && strcmp(first, want) != 0) {
		snprintf(msg, sizeof msg, "\"%s\" (%s): want %s, got %s",
		    c[0].text, c[0].lang ? c[0].lang : "-", want, first);
		free(first);
		fail_msg("%s", msg);
	}
	for (i = 1; i < n; i++) {
		t = only_term(c[i].text, c[i].lang, kind);
		if (strcmp(t, first) != 0) {
			snprintf(msg, sizeof msg,
			    "\"%s\" (%s) gives %s, \"%s\" (%s) gives %s",
			    c[i].text, c[i].lang ? c[i].lang : "-", t,
			    c[0].text, c[0].lang ? c[0].lang : "-", first);
			free(t);
			free(first);
			fail_msg("%s", msg);
		}
		free(t);
	}
	free(first);
}

/* Text analysis: words in scripts without spaces. */

static void
check_segmented(const char *text, const char *lang, size_t min_words)
{
	struct feat_list fl = {0};
	size_t i, words, longest = 0;

	feats(NULL, text, lang, &fl);
	words = count_kind(&fl, TERM_WORD);
	for (i = 0; i < fl.n; i++)
		if (fterm(&fl, i)[0] == TERM_WORD &&
		    strlen(fterm(&fl, i)) > longest)
			longest = strlen(fterm(&fl, i));
	if (words < min_words || longest > 24) {
		dump_feats(text, &fl);
		feat_list_free(&fl);
		fail_msg("%s: %zu word terms (want %zu or more), longest %zu",
		    lang, words, min_words, longest);
	}
	/* Shingles come from the segmented words too. */
	assert_true(fl.nshingles + 2 >= min_words);
	feat_list_free(&fl);
}

static void
test_text_segment_chinese(void **state)
{
	(void)state;
	/* "US President Biden met Chinese President Xi Jinping at the White
	 * House on Wednesday; the two sides discussed trade." */
	check_segmented("美国总统拜登周三在白宫会见了中国国家主席习近平，"
			"双方讨论了贸易问题。",
	    "zh", 10);
}

static void
test_text_segment_thai(void **state)
{
	(void)state;
	/* "The prime minister announced a new economic policy for Thailand
	 * today." */
	check_segmented(
	    "นายกรัฐมนตรีประกาศนโยบายใหม่เกี่ยวกับเศรษฐกิจของประเทศไทยในวันนี้", "th", 8);
}

static void
test_text_segment_japanese(void **state)
{
	(void)state;
	/* "The governor of Tokyo announced a new economic policy on
	 * Wednesday." */
	check_segmented("東京都知事は水曜日に新しい経済政策を発表しました。",
	    "ja", 6);
}

/* Case folding and stemming put inflected forms on one word term. */
static void
test_text_fold_stem_english(void **state)
{
	static const struct same_case c[] = {
	    {"elections", "en"},
	    {"Elections", "en"},
	    {"election", "en"},
	    {"ELECTION", "en-GB"},
	};

	(void)state;
	check_same_term(c, N(c), TERM_WORD, NULL);
}

static void
test_text_fold_stem_french(void **state)
{
	static const struct same_case c[] = {
	    {"élections", "fr"},
	    {"Élections", "fr"},
	    {"élection", "fr"},
	    {"ÉLECTION", "fr-CA"},
	};

	(void)state;
	check_same_term(c, N(c), TERM_WORD, NULL);
}

static void
test_text_fold_stem_russian(void **state)
{
	static const struct same_case c[] = {
	    {"выборы", "ru"},
	    {"Выборов", "ru"},
	    {"выборам", "ru"},
	};

	(void)state;
	check_same_term(c, N(c), TERM_WORD, NULL);
}

/*
 * French elides articles and prepositions into the next word: "l'élection",
 * "d'Altman".  Unless the elision is split off, the word does not meet its
 * bare form, and the name loses its capital and makes no name key.
 */
static void
test_text_french_elision(void **state)
{
	static const char *const words[] = {
	    "l'élection",
	    "l\xe2\x80\x99\xc3\xa9lection", /* U+2019 */
	    "d'élections",
	};
	static const char *const names[] = {
	    "le départ d'Altman",
	    "l\xe2\x80\x99équipe d\xe2\x80\x99"
	    "Altman",
	};
	char *want = only_term("élection", "fr", TERM_WORD), msg[512] = "";
	struct feat_list fl = {0};
	size_t i, o = 0;

	(void)state;
	for (i = 0; i < N(words); i++) {
		feats(NULL, words[i], "fr", &fl);
		if (term_tf(&fl, want) < 0 && o < sizeof msg)
			o += (size_t)snprintf(msg + o, sizeof msg - o,
			    "\"%s\" has no %s (got %s); ", words[i], want,
			    fl.n ? fterm(&fl, 0) : "nothing");
	}
	for (i = 0; i < N(names); i++) {
		feats(NULL, names[i], "fr", &fl);
		if (term_tf(&fl, "kaltmn") < 0 && o < sizeof msg)
			o += (size_t)snprintf(msg + o, sizeof msg - o,
			    "\"%s\" has no name key kaltmn; ", names[i]);
	}
	feat_list_free(&fl);
	free(want);
	if (o > 0)
		fail_msg("%s", msg);
}

/* Name keys: one person in four scripts, one in three. */
static void
test_text_names_across_scripts(void **state)
{
	static const struct same_case altman[] = {
	    {"Altman", "en"},
	    {"Альтман", "ru"},
	    {"Άλτμαν", "el"},
	    {"ألتمان", "ar"},
	};
	static const struct same_case truss[] = {
	    {"Truss", "en"},
	    {"Трасс", "ru"},
	    {"Τρας", "el"},
	};

	(void)state;
	check_same_term(altman, N(altman), TERM_KEY, "kaltmn");
	check_same_term(truss, N(truss), TERM_KEY, "ktrs");
}

/*
 * Hebrew and Yiddish write the initial vowel of "Altman" with alef, which
 * Any-Latin renders as U+02BC and the ASCII filter then drops: the key must
 * still start like the Latin one.
 */
static void
test_text_names_hebrew(void **state)
{
	static const struct same_case altman[] = {
	    {"Altman", "en"},
	    {"אלטמן", "he"},
	    {"אלטמאן", "yi"},
	};
	static const struct same_case truss[] = {
	    {"Truss", "en"},
	    {"טראס", "he"},
	};

	(void)state;
	check_same_term(truss, N(truss), TERM_KEY, "ktrs");
	check_same_term(altman, N(altman), TERM_KEY, "kaltmn");
}

/* Digits of every script read as 0-9; thousands separators dropped. */
static void
test_text_numbers(void **state)
{
	static const struct same_case y2023[] = {
	    {"in 2023", "en"},
	    {"في عام ٢٠٢٣", "ar"},
	    {"वर्ष २०२३", "hi"},
	    {"সাল ২০২৩", "bn"},
	    {"ปี ๒๐๒๓", "th"},
	    {"in ２０２３", NULL},
	    {"در سال ۲۰۲۳", "fa"},
	};
	static const struct same_case n1300[] = {
	    {"about 1,300 people", "en"},
	    {"environ 1.300 personnes", "fr"},
	    {"etwa 1300 Menschen", "de"},
	    {"нас 1300", "ru"},
	};

	(void)state;
	check_same_term(y2023, N(y2023), TERM_NUM, "#2023");
	check_same_term(n1300, N(n1300), TERM_NUM, "#1300");
}

/*
 * French and Russian group thousands with a no-break space (U+00A0), or a
 * narrow one (U+202F): "1 300" is the 1,300 of an English report.
 */
static void
test_text_numbers_nbsp_grouped(void **state)
{
	static const struct same_case c[] = {
	    {"about 1,300 people", "en"},
	    {"environ 1\u202f300 personnes", "fr"},
	    {"environ 1\u00a0300 personnes", "fr"},
	    {"около 1\u00a0300 человек", "ru"},
	};

	(void)state;
	check_same_term(c, N(c), TERM_NUM, "#1300");
}

/*
 * A decimal is not the integer of its digits: "1.2 million" (or "1,2
 * million") is not 12, and "7,8 %" is not 78.  A group of three digits
 * after the separator is a thousands group; anything else is a fraction.
 */
static void
test_text_numbers_decimals(void **state)
{
	static const struct {
		const char *text, *lang, *not ;
	} c[] = {
	    {"about 1.2 million homes", "en", "#12"},
	    {"environ 1,2 million de foyers", "fr", "#12"},
	    {"une inflation de 7,8 %", "fr", "#78"},
	    {"a rate of 5.25%", "en", "#525"},
	};
	struct feat_list fl = {0};
	char msg[512] = "";
	size_t i, o = 0;

	(void)state;
	for (i = 0; i < N(c); i++) {
		feats(NULL, c[i].text, c[i].lang, &fl);
		if (term_tf(&fl, c[i].not ) >= 0 && o < sizeof msg)
			o += (size_t)snprintf(msg + o, sizeof msg - o,
			    "\"%s\" gives %s; ", c[i].text, c[i].not );
	}
	/* The integer itself still is one. */
	feats(NULL, "12 embassy staff", "en", &fl);
	assert_true(term_tf(&fl, "#12") > 0);
	feat_list_free(&fl);
	if (o > 0)
		fail_msg("%s", msg);
}

/* A capital that starts a sentence weighs less than one inside it. */
static void
test_text_sentence_initial(void **state)
{
	static const char *initial[] = {
	    "Altman said nothing.",
	    "The board met. Altman said nothing.",
	    "Did the board meet? Altman said nothing.",
	    "The board met.\nAltman said nothing.",
	    "The board met: \"Altman said nothing.\"",
	};
	static const char *inside[] = {
	    "Yesterday Altman said nothing.",
	    "The board met and Altman said nothing.",
	    "The board, Altman said, met.",
	};
	struct feat_list fl = {0};
	double lo = -1, hi = -1, w;
	size_t i;

	(void)state;
	for (i = 0; i < N(initial); i++) {
		feats(NULL, initial[i], "en", &fl);
		w = term_tf(&fl, "kaltmn");
		if (!(w > 0)) {
			feat_list_free(&fl);
			fail_msg("\"%s\": no key for Altman", initial[i]);
		}
		if (lo < 0)
			lo = w;
		assert_true(w == lo);
	}
	for (i = 0; i < N(inside); i++) {
		feats(NULL, inside[i], "en", &fl);
		w = term_tf(&fl, "kaltmn");
		if (!(w > lo)) {
			feat_list_free(&fl);
			fail_msg(
			    "\"%s\": Altman weighs %g, a sentence start %g",
			    inside[i], w, lo);
		}
		hi = w;
	}
	assert_true(hi > lo);
	/* A lower-case word of a cased script is no name. */
	feats(NULL, "the board met and altman said nothing", "en", &fl);
	assert_true(term_tf(&fl, "kaltmn") < 0);
	feat_list_free(&fl);
}

/* Bounded output whatever the input. */

static void
check_bounded(const char *what, const char *title, const char *body,
    const char *lang, struct feat_list *fl)
{
	feats(title, body, lang, fl);
	if (fl->n > MAX_FEATURES || fl->nshingles > MAX_SHINGLES)
		fail_msg("%s: %zu features, %zu shingles", what, fl->n,
		    fl->nshingles);
}

static char *
random_words(size_t size, uint32_t seed)
{
	char *s = xmalloc(size + 1);
	size_t i = 0, k, len;

	while (i < size) {
		seed = seed * 1103515245u + 12345u;
		len = 3 + (seed >> 16) % 8;
		for (k = 0; k < len && i < size; k++) {
			seed = seed * 1103515245u + 12345u;
			s[i++] = (char)('a' + (seed >> 16) % 26);
		}
		if (i < size)
			s[i++] = (seed >> 20) % 13 == 0 ? '\n' : ' ';
	}
	s[size] = '\0';
	return s;
}

static void
test_text_limit_huge_body(void **state)
{
	size_t size = 10u << 20, i;
	char *body = random_words(size, 7);
	struct feat_list fl = {0};

	(void)state;
	memcpy(body, "Elections ", 10);
	check_bounded("10 MB body", "A title", body, "en", &fl);
	/* The start of the body is analysed. */
	assert_true(term_tf(&fl, "welect") > 0);
	assert_true(fl.nshingles > 100);
	/* The same with the title repeated as the body. */
	check_bounded("10 MB body and title", body, body, "en", &fl);
	/* UTF-8 that is four bytes and two UTF-16 units a character, offset
	 * by one so that the analysed prefix ends inside a pair. */
	body[0] = 'x';
	for (i = 1; i + 4 <= size; i += 4)
		memcpy(body + i, "\xf0\x9f\x98\x80", 4);
	body[size - (size - 1) % 4] = '\0';
	check_bounded("10 MB of emoji", NULL, body, "en", &fl);
	/* And of Han, which goes through the dictionary breaker. */
	for (i = 0; i + 3 <= size; i += 3)
		memcpy(body + i, (i / 3) % 2 ? "\xe4\xb8\xad" : "\xe5\x9b\xbd",
		    3);
	body[size - size % 3] = '\0';
	check_bounded("10 MB of Han", NULL, body, "zh", &fl);
	feat_list_free(&fl);
	free(body);
}

static void
test_text_limit_giant_word(void **state)
{
	size_t size = 100 * 1024, i;
	char *w = xmalloc(size + 64);
	struct feat_list fl = {0};

	(void)state;
	memset(w, 'a', size);
	w[size] = '\0';
	check_bounded("100 kB word", w, w, "en", &fl);
	check_bounded("100 kB word body", NULL, w, "en", &fl);
	/* Between two real words. */
	memcpy(w, "Altman ", 7);
	memcpy(w + size - 7, " Truss.", 8);
	check_bounded("100 kB word between names", NULL, w, "en", &fl);
	assert_true(term_tf(&fl, "waltman") > 0);
	/* Cyrillic, two bytes a letter. */
	for (i = 0; i + 2 <= size; i += 2)
		memcpy(w + i, "\xd0\xb4", 2);
	w[size] = '\0';
	check_bounded("100 kB Cyrillic word", NULL, w, "ru", &fl);
	/* Digits: one 100 kB "number". */
	memset(w, '7', size);
	w[size] = '\0';
	check_bounded("100 kB number", NULL, w, "en", &fl);
	assert_true(count_kind(&fl, TERM_NUM) <= 1);
	feat_list_free(&fl);
	free(w);
}

static void
test_text_limit_invalid_utf8(void **state)
{
	static const char *bad[] = {
	    "\xff\xfe\xfd",
	    "Altman \xc3 said \xe2\x82 nothing \xf0\x9f\x98",
	    "\xc0\xaf\xe0\x80\xaf overlong",
	    "\xed\xa0\x80\xed\xb0\x80 surrogates",
	    "\xf4\x90\x80\x80 past U+10FFFF",
	    "\x80\x80\x80\x80\x80\x80\x80\x80 continuation",
	};
	struct feat_list fl = {0};
	size_t i;

	(void)state;
	for (i = 0; i < N(bad); i++)
		check_bounded(bad[i], bad[i], bad[i], "en", &fl);
	/* Valid words between broken bytes still count. */
	feats(NULL, bad[1], "en", &fl);
	assert_true(term_tf(&fl, "waltman") > 0);
	assert_true(term_tf(&fl, "wsaid") > 0);
	feat_list_free(&fl);
}

static void
test_text_limit_binary(void **state)
{
	size_t size = 1u << 20, i;
	char *junk = xmalloc(size + 1);
	struct feat_list fl = {0};
	uint32_t seed = 99;
	int round;

	(void)state;
	for (round = 0; round < 4; round++) {
		for (i = 0; i < size; i++) {
			seed = seed * 1103515245u + 12345u;
			junk[i] = (char)(1 + (seed >> 16) % 255);
		}
		junk[size] = '\0';
		check_bounded("binary junk", junk + size / 2, junk,
		    round % 2 ? "zh" : "ar", &fl);
	}
	check_bounded("empty", "", "", "en", &fl);
	assert_int_equal(fl.n, 0);
	check_bounded("nothing", NULL, NULL, NULL, &fl);
	assert_int_equal(fl.n, 0);
	check_bounded("unknown language", "Altman", "Altman",
	    "xx-unknown-tag-long", &fl);
	assert_true(fl.n > 0);
	feat_list_free(&fl);
	free(junk);
}

/* The consonant skeleton behind name keys. */
/* Entries that do not say their language: the detector's guesses. */
static void
test_lang_detect(void **state)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
	    {"The board of OpenAI fired Sam Altman on Friday, saying that he "
	     "was not consistently candid with it.",
		"en"},
	    {"Le conseil d'administration d'OpenAI a limogé Sam Altman "
	     "vendredi, selon un communiqué publié sur le site de la société.",
		"fr"},
	    {"Der Verwaltungsrat von OpenAI hat Sam Altman am Freitag "
	     "entlassen, wie das Unternehmen in einer Mitteilung schrieb.",
		"de"},
	    {"El consejo de OpenAI despidió a Sam Altman el viernes, según un "
	     "comunicado de la empresa publicado en su sitio.",
		"es"},
	    {"O conselho da OpenAI demitiu Sam Altman na sexta-feira, segundo "
	     "um comunicado da empresa.",
		"pt"},
	    {"Il consiglio di OpenAI ha licenziato Sam Altman venerdì, secondo "
	     "un comunicato della società.",
		"it"},
	    {"Styrelsen för OpenAI har avskedat Sam Altman och det är inte "
	     "klart vem som tar över efter honom.",
		"sv"},
	    {"Совет директоров OpenAI уволил Сэма Альтмана в пятницу.", "ru"},
	    {"Рада директорів OpenAI звільнила Сема Альтмана у п'ятницю, і це "
	     "стало несподіванкою.",
		"uk"},
	    {"OpenAI 董事会周五解雇了首席执行官萨姆·奥尔特曼。", "zh"},
	    {"オープンAIの取締役会は金曜日にサム・アルトマン氏を解任した。",
		"ja"},
	    {"오픈AI 이사회는 금요일 샘 올트먼을 해임했다.", "ko"},
	    {"คณะกรรมการของโอเพนเอไอปลดแซม อัลต์แมนเมื่อวันศุกร์", "th"},
	    {"Το διοικητικό συμβούλιο της OpenAI απέλυσε τον Σαμ Άλτμαν.",
		"el"},
	    {"أقال مجلس إدارة أوبن إيه آي سام ألتمان يوم الجمعة.", "ar"},
	};
	struct lang_table *t = lang_table_new();
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = lang_detect(t, NULL, cases[i].text);

		if (got == NULL || strcmp(got, cases[i].want) != 0)
			fail_msg("\"%.40s...\": want %s, got %s", cases[i].text,
			    cases[i].want, got ? got : "nothing");
	}
	/* Too little to tell: no guess rather than a wrong stemmer. */
	assert_null(lang_detect(t, "Altman", NULL));
	assert_null(lang_detect(t, NULL, "12 345 678"));
	assert_null(lang_detect(t, NULL, NULL));
	lang_table_free(t);
}

static void
test_text_name_key(void **state)
{
	static const struct {
		const char *in, *want;
	} c[] = {
	    {"", ""},
	    {"a", "a"},
	    {"altman", "altmn"},
	    {"truss", "trs"},
	    {"trass", "trs"},
	    {"thras", "trs"},
	    /* ph -> f */
	    {"philip", "flp"},
	    {"filip", "flp"},
	    {"stephen", "stfn"},
	    {"steven", "stfn"},
	    /* ck -> k, c and q -> k */
	    {"dickens", "tkns"},
	    {"dikens", "tkns"},
	    {"jackson", "yksn"},
	    {"qatar", "ktr"},
	    {"katar", "ktr"},
	    {"schmidt", "skmt"},
	    {"shmidt", "smt"},
	    /* doubled letters collapse */
	    {"mitterrand", "mtrnt"},
	    {"mitterand", "mtrnt"},
	    {"anna", "an"},
	    {"ossetia", "ost"},
	    /* vowels, y and h go after the first letter */
	    {"obama", "opm"},
	    {"ahmed", "amt"},
	    {"hamas", "hms"},
	    {"yemen", "ymn"},
	    {"iran", "irn"},
	    {"uae", "u"},
	    /* z/s, v/w/f, d/t, g/k, b/p, j/y */
	    {"zelensky", "slnsk"},
	    {"selenskyj", "slnsk"},
	    {"zelenskyy", "slnsk"},
	    {"gorbachev", "krpkf"},
	    {"putin", "ptn"},
	    {"boutine", "ptn"},
	    {"navalny", "nfln"},
	    {"nawalny", "nfln"},
	    {"djokovic", "tkfk"},
	    {"dokovic", "tkfk"},
	};
	char out[64];
	size_t i;

	(void)state;
	for (i = 0; i < N(c); i++) {
		memset(out, 'X', sizeof out);
		text_name_key(c[i].in, out);
		if (strcmp(out, c[i].want) != 0)
			fail_msg("\"%s\": want \"%s\", got \"%s\"", c[i].in,
			    c[i].want, out);
		/* The key never outgrows the word (callers size it so). */
		assert_true(strlen(out) <= strlen(c[i].in));
	}
}

/* Clustering helpers. */

/*
 * Clusterers and texts a test makes are freed by its teardown, so that a
 * failing test (cmocka jumps out of it) leaks nothing either.
 */
static struct clusterer *tracked_cl[4];
static void *tracked_mem[32];
static size_t ntracked_mem;

static struct clusterer *
cl_new(const struct cluster_opts *o, uint64_t next)
{
	size_t i;

	for (i = 0; i < N(tracked_cl); i++) {
		if (tracked_cl[i] == NULL) {
			tracked_cl[i] = cluster_new(o, next);
			return tracked_cl[i];
		}
	}
	fail_msg("more clusterers than the test tracks");
	return NULL;
}

static void
cl_free(struct clusterer *c)
{
	size_t i;

	for (i = 0; i < N(tracked_cl); i++)
		if (tracked_cl[i] == c)
			tracked_cl[i] = NULL;
	cluster_free(c);
}

static void *
keep(void *p)
{
	if (ntracked_mem == N(tracked_mem))
		fail_msg("more blocks than the test tracks");
	tracked_mem[ntracked_mem++] = p;
	return p;
}

static int
cl_teardown(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N(tracked_cl); i++) {
		cluster_free(tracked_cl[i]);
		tracked_cl[i] = NULL;
	}
	for (i = 0; i < ntracked_mem; i++)
		free(tracked_mem[i]);
	ntracked_mem = 0;
	return 0;
}

struct doc {
	const char *id;	   /* global id, may be NULL */
	const char *url;   /* may be NULL */
	const char *lang;  /* may be NULL */
	const char *when;  /* RFC 3339 */
	const char *title; /* may be NULL */
	const char *text;  /* may be NULL */
};

static int64_t
when(const char *s)
{
	int64_t t = 0;

	if (feed_date_parse(s, &t) != SH_OK)
		fail_msg("bad date in the test: %s", s);
	return t;
}

static void
show(const char *what, const struct cluster_assign *a)
{
	print_message("# %s: story %llu %s dup=%d of %llu score %.3f text %.3f "
		      "names %.3f merged %zu why: %s\n",
	    what, (unsigned long long)a->story, cluster_reason_name(a->reason),
	    a->duplicate, (unsigned long long)a->duplicate_of, a->score,
	    a->text_sim, a->names_sim, a->nmerged, a->why);
}

static void
add_doc(struct clusterer *c, uint64_t ref, const struct doc *d,
    struct cluster_assign *a)
{
	struct cluster_entry e = {0};

	e.ref = ref;
	e.id = d->id;
	e.url = d->url;
	e.title = d->title;
	e.text = d->text;
	e.lang = d->lang;
	e.time = d->when ? when(d->when) : 0;
	cluster_add(c, &e, a);
	/* TEST_CLUSTER_VERBOSE=1 shows every decision, to tune fixtures. */
	if (getenv("TEST_CLUSTER_VERBOSE") != NULL)
		show(d->title ? d->title : "(untitled)", a);
}

/* The founding example: 39 entries in five languages (tests/data/cluster). */

struct fentry {
	char *id, *title, *text, *lang;
	int64_t time;
};

static struct fentry founding[64];
static size_t nfounding;

static char *
jdup(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? xstrdup(json_string_value(v)) : NULL;
}

static void
founding_load(void)
{
	const char *path = TEST_DATA_DIR "/cluster/founding.jsonl";
	char *line = NULL;
	size_t cap = 0;
	FILE *f;

	if (nfounding > 0)
		return;
	if ((f = fopen(path, "r")) == NULL)
		fail_msg("%s: cannot open", path);
	while (getline(&line, &cap, f) > 0) {
		struct fentry *e = &founding[nfounding];
		json_error_t err;
		json_t *o = json_loads(line, 0, &err);
		char *pub;

		if (o == NULL)
			fail_msg("%s:%d: %s", path, err.line, err.text);
		if (nfounding == N(founding))
			fail_msg("%s: more entries than expected", path);
		e->id = jdup(o, "id");
		e->title = jdup(o, "title");
		e->text = jdup(o, "text");
		e->lang = jdup(o, "lang");
		pub = jdup(o, "published");
		if (e->id == NULL || pub == NULL ||
		    feed_date_parse(pub, &e->time) != SH_OK)
			fail_msg("%s: entry %zu: no id or date", path,
			    nfounding + 1);
		free(pub);
		json_decref(o);
		nfounding++;
	}
	free(line);
	fclose(f);
}

static int
group_teardown(void **state)
{
	size_t i;

	for (i = 0; i < nfounding; i++) {
		free(founding[i].id);
		free(founding[i].title);
		free(founding[i].text);
		free(founding[i].lang);
	}
	nfounding = 0;
	return text_teardown(state);
}

static void
fentry_to(const struct fentry *f, uint64_t ref, struct cluster_entry *e)
{
	memset(e, 0, sizeof *e);
	e->ref = ref;
	e->id = f->id;
	e->title = f->title;
	e->text = f->text;
	e->lang = f->lang;
	e->time = f->time;
}

/*
 * Unrelated news of the weeks before, so that the frequencies are those of a
 * real stream: the founding entries and a few more, moved in time to lie
 * inside the frequency window but outside the story window of base.
 */
static const struct doc background[] = {
    {"bg-1", "https://wire.example/markets/ecb-holds", "en", NULL,
	"ECB keeps interest rates unchanged, signals cuts may come in June",
	"The European Central Bank left its key interest rates unchanged on "
	"Thursday and lowered its inflation forecasts, with President "
	"Christine Lagarde saying policymakers would know more by June. "
	"Markets now expect the first cut in the summer."},
    {"bg-2", "https://wire.example/sport/champions-league", "en", NULL,
	"Late goal sends Arsenal into Champions League quarter-finals",
	"Arsenal reached the quarter-finals of the Champions League for the "
	"first time in 14 years after beating Porto on penalties at the "
	"Emirates Stadium, with goalkeeper David Raya saving two spot kicks."},
    {"bg-3", "https://wire.example/tech/chip-plant", "en", NULL,
	"Chipmaker announces new factory in Arizona",
	"A semiconductor company said on Monday it would build a second "
	"factory in Arizona, creating about 3,000 jobs, as the United States "
	"expands subsidies for domestic chip production under the CHIPS Act."},
    {"bg-4", "https://journal.example/culture/cesar", "fr", NULL,
	"César 2024 : « Anatomie d'une chute » rafle six trophées",
	"Le film de Justine Triet a remporté six statuettes, dont celles du "
	"meilleur film et de la meilleure actrice pour Sandra Hüller, lors de "
	"la cérémonie des César à l'Olympia, à Paris."},
    {"bg-5", "https://journal.example/meteo/neige", "fr", NULL,
	"Chutes de neige attendues dans les Alpes",
	"Météo-France a placé la Savoie et la Haute-Savoie en vigilance "
	"orange pour des chutes de neige abondantes, avec jusqu'à 60 "
	"centimètres attendus au-dessus de 1 000 mètres d'altitude."},
};

static struct clusterer *
new_with_background(const struct cluster_opts *o, const char *base_when)
{
	struct clusterer *c = cl_new(o, 1);
	int64_t base = when(base_when);
	struct cluster_assign a;
	struct cluster_entry e;
	size_t i;

	founding_load();
	for (i = 0; i < nfounding; i++) {
		fentry_to(&founding[i], 2000 + i, &e);
		e.time = base - 20 * 86400 + (int64_t)i * 6 * 3600;
		cluster_add(c, &e, &a);
	}
	for (i = 0; i < N(background); i++) {
		e.ref = 1000 + i;
		e.id = background[i].id;
		e.url = background[i].url;
		e.title = background[i].title;
		e.text = background[i].text;
		e.lang = background[i].lang;
		e.time = base - 9 * 86400 + (int64_t)i * 3600;
		cluster_add(c, &e, &a);
	}
	return c;
}

/* Layer 2 of cluster.h: near-duplicates. */

/*
 * A wire story of about 150 words, one sentence an element, and each
 * sentence rewritten as an editor would.
 */
static const char *const strike_sentences[] = {
    "Thousands of dockworkers walked off the job at the Port of Rotterdam "
    "on Tuesday, halting container traffic at Europe's largest port for a "
    "second day as talks over pay and automation broke down.",
    "The FNV union said about 4,200 members had joined the strike after "
    "terminal operators rejected its demand for a 9 percent raise.",
    "The union also wants guarantees that no jobs will be cut when "
    "automated cranes enter service next year.",
    "More than 40 container ships were waiting at anchor in the North Sea "
    "by Tuesday evening, the port authority said.",
    "Shipping lines including Maersk and MSC said they were diverting some "
    "vessels to Antwerp and Hamburg.",
    "Employers called the walkout irresponsible and said their offer of 6 "
    "percent over two years remained on the table.",
    "Union negotiator Niek Stam said workers were prepared to stay out "
    "until the end of the week.",
    "The Dutch economy ministry urged both sides to return to mediation.",
};

static const char *const strike_rewrites[] = {
    "Dockworkers at the Port of Rotterdam stayed off the job for a second "
    "day on Tuesday, bringing container traffic at Europe's biggest port "
    "to a halt after talks on wages and automation collapsed.",
    "According to the FNV union, some 4,200 members joined the walkout "
    "once terminal operators turned down its call for a pay rise of 9 "
    "percent.",
    "It is also seeking a promise that automated cranes due to start work "
    "next year will not cost any jobs.",
    "By Tuesday evening, the port authority said, over 40 container "
    "vessels were lying at anchor in the North Sea.",
    "Maersk, MSC and other carriers said some of their ships were being "
    "sent to Antwerp and Hamburg instead.",
    "Employers described the strike as irresponsible, saying a 6 percent "
    "raise spread over two years was still on offer.",
    "Niek Stam, who leads the union's negotiating team, told reporters the "
    "strike could go on into next week.",
    "The economy ministry in The Hague called on both sides to go back to "
    "mediation.",
};

/* What blogs and aggregators wrap around a copied article. */
static const char *const boiler_top[] = {
    "Please follow and like us:\nPartager sur Facebook\n",
    "Partager sur Facebook\nPartager sur X\n"
    "Lire aussi : Maersk relève ses prévisions pour 2024\n",
};
static const char *const boiler_bottom[] = {
    "Lire aussi : Grève des dockers, le port d'Anvers saturé\n"
    "Please follow and like us:",
    "Please follow and like us:",
};

#define STRIKE_TITLE "Dockworkers strike shuts Port of Rotterdam for second day"

/* The article; sentence changed replaced by its rewrite, unless -1. */
static char *
strike_text(int changed, int boiler)
{
	struct sh_buf b;
	size_t i;

	sh_buf_init(&b, 1 << 16);
	if (boiler >= 0)
		sh_buf_puts(&b, boiler_top[boiler]);
	for (i = 0; i < N(strike_sentences); i++) {
		sh_buf_puts(&b, (int)i == changed ? strike_rewrites[i]
						  : strike_sentences[i]);
		sh_buf_puts(&b, i == 0 || i == 2 || i == 4 ? "\n" : " ");
	}
	if (boiler >= 0) {
		sh_buf_puts(&b, "\n");
		sh_buf_puts(&b, boiler_bottom[boiler]);
	}
	return keep(sh_buf_steal(&b));
}

/* Another outlet on the same strike, under the same headline template. */
static const struct doc strike_explainer = {"strike-explainer-1",
    "https://courier.example/world/rotterdam-strike-what-we-know", "en",
    "2024-03-05T20:10:00Z", "Rotterdam port strike: what we know so far",
    "Europe's busiest port was largely at a standstill on Tuesday as a "
    "strike by dockworkers in Rotterdam entered its second day. Here is "
    "what we know.\n"
    "Who is striking? Members of the FNV union who drive the cranes and "
    "straddle carriers at the container terminals on the Maasvlakte. The "
    "union says nearly all of its members there have stopped work.\n"
    "What do they want? A pay rise of 9 percent and a promise that the "
    "arrival of automated cranes will not cost jobs. Employers have "
    "offered 6 percent over two years.\n"
    "What is the impact? Dozens of ships are queuing off the coast, and "
    "Maersk and MSC have sent cargo to Antwerp and Hamburg instead, adding "
    "days to deliveries. Retailers have warned of empty shelves if the "
    "dispute drags on.\n"
    "What happens next? No new talks have been scheduled."};

static const struct doc strike_explainer2 = {"strike-explainer-2",
    "https://news.example/europe/rotterdam-strike-explained", "en",
    "2024-03-05T21:00:00Z", "Rotterdam port strike: what we know so far",
    "Container terminals in Rotterdam stood idle for a second day on "
    "Tuesday. Here is a guide to the dispute.\n"
    "How did it start? Talks between the FNV union and the terminal "
    "operators collapsed on Sunday night after the employers refused to "
    "put job guarantees in writing.\n"
    "How many ships are affected? The port authority counts more than 40 "
    "vessels at anchor, and some carriers have switched calls to "
    "Antwerp and Hamburg.\n"
    "Could it spread? Dockers in Antwerp said they would refuse to handle "
    "diverted cargo, and transport unions in Germany have voiced support.\n"
    "What does the government say? The economy ministry has offered a "
    "mediator but has no power to end the strike."};

/*
 * Each sentence rewritten in turn, with either wrapper of boilerplate: every
 * one of these re-posts is the same article.
 */
static void
test_dup_near(void **state)
{
	struct doc orig = {"strike-en-1",
	    "https://wire.example/business/rotterdam-port-strike", "en",
	    "2024-03-05T17:40:00Z", STRIKE_TITLE, NULL};
	struct doc copy = {NULL, NULL, "en", "2024-03-05T19:05:00Z",
	    STRIKE_TITLE, NULL};
	struct cluster_assign a1, a2;
	char *otext = strike_text(-1, -1), *ctext, id[64], url[96];
	int changed, boiler, missed = 0, tried = 0;

	(void)state;
	orig.text = otext;
	for (changed = 0; changed < (int)N(strike_sentences); changed++) {
		for (boiler = 0; boiler < (int)N(boiler_top); boiler++) {
			struct clusterer *c =
			    new_with_background(NULL, "2024-03-05T17:40:00Z");

			add_doc(c, 1, &orig, &a1);
			assert_int_equal(a1.reason, CLUSTER_NEW);
			assert_false(a1.duplicate);
			ctext = strike_text(changed, boiler);
			snprintf(id, sizeof id, "https://blog.example/?p=%d",
			    880 + changed * 2 + boiler);
			snprintf(url, sizeof url,
			    "https://blog.example/2024/03/05/greve-%d-%d/",
			    changed, boiler);
			copy.id = id;
			copy.url = url;
			copy.text = ctext;
			add_doc(c, 2, &copy, &a2);
			tried++;
			if (!a2.duplicate || a2.reason != CLUSTER_NEAR_DUP ||
			    a2.duplicate_of != 1 || a2.story != a1.story) {
				print_message("# sentence %d rewritten, "
					      "boilerplate %d:\n",
				    changed, boiler);
				show("missed", &a2);
				missed++;
			}
			cl_free(c);
		}
	}
	if (missed > 0)
		fail_msg("%d of %d re-posts not found as near-duplicates",
		    missed, tried);
}

static void
test_dup_template_is_not_dup(void **state)
{
	struct clusterer *c = new_with_background(NULL, "2024-03-05T17:40:00Z");
	struct doc orig = {"strike-en-1",
	    "https://wire.example/business/rotterdam-port-strike", "en",
	    "2024-03-05T17:40:00Z", STRIKE_TITLE, NULL};
	struct cluster_assign a1, a2, a3;
	char *text = strike_text(-1, -1);

	(void)state;
	orig.text = text;
	add_doc(c, 1, &orig, &a1);
	add_doc(c, 2, &strike_explainer, &a2);
	add_doc(c, 3, &strike_explainer2, &a3);
	if (a2.duplicate || a2.reason == CLUSTER_NEAR_DUP) {
		show("explainer", &a2);
		fail_msg("another article is a duplicate");
	}
	if (a3.duplicate || a3.reason == CLUSTER_NEAR_DUP) {
		show("second explainer", &a3);
		fail_msg("an article with the same headline is a duplicate");
	}
	/* They are the same event, though. */
	if (a2.story != a1.story || a3.story != a1.story) {
		show("explainer", &a2);
		show("second explainer", &a3);
		fail_msg("three articles on the strike: stories %llu %llu %llu",
		    (unsigned long long)a1.story, (unsigned long long)a2.story,
		    (unsigned long long)a3.story);
	}
	cl_free(c);
}

/* Layer 1 of cluster.h: the same entry again, by id or canonical URL. */
static void
test_dup_same_id(void **state)
{
	struct clusterer *c = new_with_background(NULL, "2024-03-05T17:40:00Z");
	struct doc orig = {"strike-en-1",
	    "https://wire.example/business/rotterdam-port-strike", "en",
	    "2024-03-05T17:40:00Z", STRIKE_TITLE, NULL};
	/* The wire updates its story: new lede, new URL, same guid. */
	struct doc update = {"strike-en-1",
	    "https://wire.example/business/rotterdam-port-strike-update", "en",
	    "2024-03-06T07:15:00Z",
	    "UPDATE 2-Rotterdam dockworkers extend strike to third day",
	    "Dockworkers in Rotterdam said on Wednesday they would keep "
	    "container terminals shut for a third day."};
	struct doc noid = {"", "https://courier.example/a", "en",
	    "2024-03-06T08:00:00Z", "Tulip season opens early",
	    "Growers say warm weather has brought the bulb fields into bloom "
	    "two weeks ahead of schedule."};
	struct doc noid2 = {"", "https://courier.example/b", "en",
	    "2024-03-06T08:30:00Z", "Amsterdam to cap river cruise ships",
	    "The city council voted to halve the number of river cruise ships "
	    "allowed to dock in the centre by 2028."};
	struct cluster_assign a1, a2, a3, a4;
	char *text = strike_text(-1, -1);

	(void)state;
	orig.text = text;
	add_doc(c, 1, &orig, &a1);
	add_doc(c, 2, &update, &a2);
	if (!a2.duplicate || a2.reason != CLUSTER_SAME_ID) {
		show("update", &a2);
		fail_msg("the same guid is not the same entry");
	}
	assert_int_equal(a2.duplicate_of, 1);
	assert_int_equal(a2.story, a1.story);
	/* An empty guid is no guid. */
	add_doc(c, 3, &noid, &a3);
	add_doc(c, 4, &noid2, &a4);
	assert_false(a4.duplicate);
	assert_int_not_equal(a4.reason, CLUSTER_SAME_ID);
	assert_int_not_equal(a4.story, a3.story);
	cl_free(c);
}

static void
test_dup_same_url(void **state)
{
	struct clusterer *c = new_with_background(NULL, "2024-03-05T17:40:00Z");
	struct doc orig = {"urn:wire:2024:0305:8812",
	    "https://www.wire.example/business/rotterdam-port-strike?id=5",
	    "en", "2024-03-05T17:40:00Z", STRIKE_TITLE, NULL};
	/* The mobile edition, via a tracking link, under another guid and
	 * with only a teaser for a body. */
	struct doc mobile = {"https://m.wire.example/p/8812",
	    "http://m.wire.example/business/rotterdam-port-strike"
	    "?utm_source=rss&utm_medium=feed&id=5&utm_campaign=world#comments",
	    "en", "2024-03-05T18:02:00Z", "Rotterdam port strike",
	    "Dockworkers walked out for a second day."};
	/* The same site, another article. */
	struct doc other = {"urn:wire:2024:0305:8813",
	    "https://www.wire.example/business/rotterdam-port-strike?id=6",
	    "en", "2024-03-05T18:30:00Z", "Port strike hits flower exports",
	    "Dutch flower exporters said the strike had left refrigerated "
	    "containers of tulips stranded on the quay."};
	struct cluster_assign a1, a2, a3;
	char *text = strike_text(-1, -1);

	(void)state;
	orig.text = text;
	add_doc(c, 1, &orig, &a1);
	add_doc(c, 2, &mobile, &a2);
	if (!a2.duplicate || a2.reason != CLUSTER_SAME_URL) {
		show("mobile", &a2);
		fail_msg("the same canonical URL is not the same entry");
	}
	assert_int_equal(a2.duplicate_of, 1);
	assert_int_equal(a2.story, a1.story);
	add_doc(c, 3, &other, &a3);
	assert_false(a3.duplicate);
	assert_true(
	    a3.reason != CLUSTER_SAME_URL && a3.reason != CLUSTER_SAME_ID);
	cl_free(c);
}

/* Layer 3 of cluster.h: stories. */

/* Two reports of one heatwave quoting different people and places. */
static const struct doc heat_a = {"heat-a", "https://wire.example/heat-a", "en",
    "2024-07-15T09:00:00Z",
    "Record heat grips southern Europe as temperatures soar",
    "Temperatures climbed to record highs across southern Europe on "
    "Monday, prompting health warnings as a heatwave tightened its grip on "
    "the region. Authorities urged people to stay indoors during the "
    "hottest hours of the day, to drink plenty of water and to check on "
    "elderly neighbours. Hospitals reported a rise in admissions for "
    "heatstroke and dehydration. Wildfires broke out in several areas, "
    "fanned by strong winds and dry vegetation, and firefighters battled "
    "the flames through the night. Forecasters said the heatwave was "
    "expected to last at least until the weekend, with little relief at "
    "night. In Seville, a spokeswoman for the regional health service, "
    "Laura Ortiz, said emergency services were on alert."};

static const struct doc heat_b = {"heat-b", "https://courier.example/heat-b",
    "en", "2024-07-15T13:30:00Z",
    "Heatwave breaks temperature records, hospitals fill up",
    "A heatwave sweeping across southern Europe pushed temperatures to "
    "record highs. Health authorities warned people to avoid going "
    "outdoors during the hottest part of the day and to drink plenty of "
    "water, and asked families to check on elderly relatives. Hospitals "
    "said they had seen more patients with heatstroke. Firefighters fought "
    "wildfires driven by strong winds through the night, and forecasters "
    "said the heat would last until the weekend, offering little relief "
    "at night. \"We have not seen anything like this,\" said Marco Rossi, "
    "who grows olives near Palermo."};

static void
test_story_text(void **state)
{
	struct clusterer *c = new_with_background(NULL, "2024-07-15T09:00:00Z");
	struct cluster_assign a1, a2;

	(void)state;
	add_doc(c, 1, &heat_a, &a1);
	add_doc(c, 2, &heat_b, &a2);
	if (a2.story != a1.story || a2.reason != CLUSTER_TEXT) {
		show("second heatwave report", &a2);
		fail_msg("two reports of one heatwave: want one story by text");
	}
	assert_false(a2.duplicate);
	assert_true(a2.text_sim >= 0.30);
	assert_true(a2.score == a2.text_sim);
	assert_true(a2.why[0] != '\0');
	cl_free(c);
}

static const struct doc strike_fr = {"https://journal.example/?p=2211",
    "https://journal.example/economie/greve-port-rotterdam", "fr",
    "2024-03-05T20:45:00Z",
    "Grève au port de Rotterdam : les dockers paralysent le trafic",
    "Des milliers de dockers ont cessé le travail mardi dans le port de "
    "Rotterdam, le plus grand d'Europe, paralysant le trafic des "
    "conteneurs pour la deuxième journée consécutive.\n"
    "Selon le syndicat FNV, quelque 4\u00a0200 adhérents participent au "
    "mouvement, après le refus des opérateurs de terminaux d'accorder une "
    "hausse de salaire de 9 % et des garanties sur l'emploi face à "
    "l'arrivée de grues automatisées.\n"
    "Plus de 40 porte-conteneurs attendaient au large, en mer du Nord, "
    "selon l'autorité portuaire. Les armateurs Maersk et MSC ont dérouté "
    "une partie de leurs navires vers Anvers et Hambourg.\n"
    "Le négociateur syndical Niek Stam a prévenu que les grévistes "
    "étaient prêts à tenir jusqu'à la fin de la semaine."};

static void
test_story_names(void **state)
{
	struct clusterer *c = new_with_background(NULL, "2024-03-05T17:40:00Z");
	struct doc orig = {"strike-en-1",
	    "https://wire.example/business/rotterdam-port-strike", "en",
	    "2024-03-05T17:40:00Z", STRIKE_TITLE, NULL};
	struct cluster_assign a1, a2;
	char *text = strike_text(-1, -1);

	(void)state;
	orig.text = text;
	add_doc(c, 1, &orig, &a1);
	add_doc(c, 2, &strike_fr, &a2);
	if (a2.story != a1.story || a2.reason != CLUSTER_NAMES) {
		show("French report", &a2);
		fail_msg("English and French reports of the strike: want one "
			 "story by names");
	}
	assert_false(a2.duplicate);
	assert_true(a2.names_sim >= 0.20);
	assert_true(a2.score == a2.names_sim);
	/* The shared names are what decided. */
	assert_non_null(strstr(a2.why, "~rtrtm"));
	cl_free(c);
}

/* One event, reported again a month later: a new story. */
/*
 * Backlog: entries dated more than the frequency window before the newest
 * one.  A small window keeps them, so two copies of an old article still
 * meet; past story_backlog entries they are placed but not kept.
 */
static void
test_backlog(void **state)
{
	struct doc now = {"markets-1", "https://wire.example/markets/close",
	    "en", "2024-03-05T17:40:00Z",
	    "Stocks end the week higher as chip makers rally",
	    "Shares of chip makers led a broad rally on Friday, and the "
	    "index closed at a record for the third week running."};
	struct doc old1 = {"old-1", "https://a.example/old-strike", "en",
	    "2023-11-01T08:00:00Z", STRIKE_TITLE, NULL};
	struct doc old2 = {"old-2", "https://b.example/old-strike", "en",
	    "2023-11-01T09:00:00Z", STRIKE_TITLE, NULL};
	struct doc again = now;
	struct cluster_assign a0, a1, a2, a3;
	struct cluster_opts o;
	char *text = strike_text(-1, -1);
	struct clusterer *c;

	(void)state;
	old1.text = old2.text = text;
	again.when = "2023-10-01T00:00:00Z";
	/* A small window keeps its backlog: the second copy finds the first. */
	c = new_with_background(NULL, "2024-03-05T17:40:00Z");
	add_doc(c, 1, &now, &a0);
	add_doc(c, 2, &old1, &a1);
	add_doc(c, 3, &old2, &a2);
	assert_true(a2.duplicate);
	assert_int_equal(a2.duplicate_of, 2);
	assert_int_equal(a2.story, a1.story);
	cl_free(c);
	/* Past story_backlog entries, the first copy was not kept... */
	cluster_opts_default(&o);
	assert_int_equal(cluster_opts_set(&o, "story_backlog", "0"), SH_OK);
	c = new_with_background(&o, "2024-03-05T17:40:00Z");
	add_doc(c, 1, &now, &a0);
	add_doc(c, 2, &old1, &a1);
	assert_int_equal(a1.reason, CLUSTER_NEW);
	add_doc(c, 3, &old2, &a2);
	assert_false(a2.duplicate);
	assert_int_equal(a2.reason, CLUSTER_NEW);
	assert_int_not_equal(a2.story, a1.story);
	/* ... but a backlog entry still finds what the window holds: the
	 * same id as a kept entry is the same entry. */
	add_doc(c, 4, &again, &a3);
	assert_true(a3.duplicate);
	assert_int_equal(a3.reason, CLUSTER_SAME_ID);
	assert_int_equal(a3.duplicate_of, 1);
	assert_int_equal(a3.story, a0.story);
	cl_free(c);
}

static void
test_story_window(void **state)
{
	struct doc orig = {"strike-en-1",
	    "https://wire.example/business/rotterdam-port-strike", "en",
	    "2024-03-05T17:40:00Z", STRIKE_TITLE, NULL};
	struct doc later = strike_fr;
	struct cluster_assign a1, a2;
	char *text = strike_text(-1, -1);
	struct clusterer *c;

	(void)state;
	orig.text = text;
	/* Three days later it joins ... */
	c = new_with_background(NULL, "2024-03-05T17:40:00Z");
	add_doc(c, 1, &orig, &a1);
	later.when = "2024-03-08T17:40:00Z";
	add_doc(c, 2, &later, &a2);
	assert_int_equal(a2.story, a1.story);
	cl_free(c);
	/* ... thirty days later it does not. */
	c = new_with_background(NULL, "2024-03-05T17:40:00Z");
	add_doc(c, 1, &orig, &a1);
	later.when = "2024-04-04T17:40:00Z";
	add_doc(c, 2, &later, &a2);
	if (a2.story == a1.story) {
		show("a month later", &a2);
		fail_msg("an entry joined a story 30 days old");
	}
	assert_int_equal(a2.reason, CLUSTER_NEW);
	cl_free(c);
	/* ... nor does a report dated thirty days earlier that arrives late
	 * (a feed subscribed today brings its old entries). */
	c = new_with_background(NULL, "2024-03-05T17:40:00Z");
	add_doc(c, 1, &orig, &a1);
	later.when = "2024-02-04T17:40:00Z";
	add_doc(c, 2, &later, &a2);
	if (a2.story == a1.story) {
		show("a month earlier", &a2);
		fail_msg("an entry dated 30 days before a story joined it");
	}
	assert_int_equal(a2.reason, CLUSTER_NEW);
	/* A shorter window by option: two days are too many. */
	cl_free(c);
	{
		struct cluster_opts o;

		cluster_opts_default(&o);
		assert_int_equal(cluster_opts_set(&o, "story_window", "2"),
		    SH_OK);
		c = new_with_background(&o, "2024-03-05T17:40:00Z");
		add_doc(c, 1, &orig, &a1);
		later.when = "2024-03-08T17:40:00Z";
		add_doc(c, 2, &later, &a2);
		assert_int_not_equal(a2.story, a1.story);
		cl_free(c);
	}
}

static void
test_opts_set(void **state)
{
	static const struct {
		const char *key, *value;
		int want;
	} c[] = {
	    {"text_threshold", "0.25", SH_OK},
	    {"names_threshold", "0.15", SH_OK},
	    {"names_threshold_same", "0.35", SH_OK},
	    {"names_floor", "0", SH_OK},
	    {"names_floor", "0.05", SH_OK},
	    {"merge_threshold", "0.4", SH_OK},
	    {"merge_threshold", "2", SH_OK},
	    {"duplicate_threshold", "0.7", SH_OK},
	    {"idf_base", "1.5", SH_OK},
	    {"idf_base", "0", SH_OK},
	    {"story_window", "3", SH_OK},
	    {"story_window", "0.5", SH_OK},
	    {"frequency_window", "60", SH_OK},
	    {"text_threshold", "1", SH_OK},
	    {"story_backlog", "0", SH_OK},
	    {"story_backlog", "250000", SH_OK},
	    /* Out of range. */
	    {"text_threshold", "0", SH_EINVAL},
	    {"text_threshold", "1.5", SH_EINVAL},
	    {"text_threshold", "-0.3", SH_EINVAL},
	    {"names_threshold", "0", SH_EINVAL},
	    {"names_threshold_same", "2", SH_EINVAL},
	    {"names_floor", "-0.1", SH_EINVAL},
	    {"names_floor", "1.01", SH_EINVAL},
	    {"merge_threshold", "0", SH_EINVAL},
	    {"merge_threshold", "2.5", SH_EINVAL},
	    {"duplicate_threshold", "0.01", SH_EINVAL},
	    {"duplicate_threshold", "1.2", SH_EINVAL},
	    {"idf_base", "-1", SH_EINVAL},
	    {"idf_base", "11", SH_EINVAL},
	    {"story_window", "0", SH_EINVAL},
	    {"story_window", "-7", SH_EINVAL},
	    {"story_window", "366", SH_EINVAL},
	    {"frequency_window", "0", SH_EINVAL},
	    {"frequency_window", "3651", SH_EINVAL},
	    {"story_backlog", "-1", SH_EINVAL},
	    {"story_backlog", "10000001", SH_EINVAL},
	    {"story_backlog", "1.5", SH_EINVAL},
	    /* Not numbers. */
	    {"text_threshold", "", SH_EINVAL},
	    {"text_threshold", "abc", SH_EINVAL},
	    {"text_threshold", "0.3x", SH_EINVAL},
	    {"text_threshold", "0.3 ", SH_EINVAL},
	    {"text_threshold", "nan", SH_EINVAL},
	    {"story_window", "inf", SH_EINVAL},
	    {"story_window", "1e400", SH_EINVAL},
	    /* Unknown keys. */
	    {"story-window", "7", SH_ENOTFOUND},
	    {"STORY_WINDOW", "7", SH_ENOTFOUND},
	    {"window", "7", SH_ENOTFOUND},
	    {"dup_threshold", "0.6", SH_ENOTFOUND},
	    {"", "1", SH_ENOTFOUND},
	    {"text_threshold_", "0.3", SH_ENOTFOUND},
	};
	struct cluster_opts o, d;
	size_t i;

	(void)state;
	for (i = 0; i < N(c); i++) {
		int rc;

		/* Padding too is compared below: zero it. */
		memset(&o, 0, sizeof o);
		cluster_opts_default(&o);
		memcpy(&d, &o, sizeof o);
		rc = cluster_opts_set(&o, c[i].key, c[i].value);
		if (rc != c[i].want)
			fail_msg("%s=\"%s\": want %d, got %d", c[i].key,
			    c[i].value, c[i].want, rc);
		/* A refused value changes nothing. */
		if (rc != SH_OK && memcmp(&o, &d, sizeof o) != 0)
			fail_msg("%s=\"%s\" refused but changed the options",
			    c[i].key, c[i].value);
		if (rc == SH_OK && memcmp(&o, &d, sizeof o) == 0 &&
		    strcmp(c[i].value, "0") != 0)
			fail_msg("%s=\"%s\" accepted but changed nothing",
			    c[i].key, c[i].value);
	}
	/* Each key lands in its own member, windows in days. */
	cluster_opts_default(&o);
	assert_int_equal(cluster_opts_set(&o, "story_window", "3"), SH_OK);
	assert_int_equal(o.window, 3 * 86400);
	assert_int_equal(cluster_opts_set(&o, "story_window", "0.5"), SH_OK);
	assert_int_equal(o.window, 43200);
	assert_int_equal(cluster_opts_set(&o, "frequency_window", "60"), SH_OK);
	assert_int_equal(o.df_window, 60 * 86400);
	assert_int_equal(cluster_opts_set(&o, "text_threshold", "0.25"), SH_OK);
	assert_true(o.text_threshold == 0.25);
	assert_int_equal(cluster_opts_set(&o, "names_threshold", "0.15"),
	    SH_OK);
	assert_true(o.names_threshold == 0.15);
	assert_int_equal(cluster_opts_set(&o, "names_threshold_same", "0.35"),
	    SH_OK);
	assert_true(o.names_threshold_same == 0.35);
	assert_int_equal(cluster_opts_set(&o, "names_floor", "0.05"), SH_OK);
	assert_true(o.names_floor == 0.05);
	assert_int_equal(cluster_opts_set(&o, "merge_threshold", "0.4"), SH_OK);
	assert_true(o.merge_threshold == 0.4);
	assert_int_equal(cluster_opts_set(&o, "duplicate_threshold", "0.7"),
	    SH_OK);
	assert_true(o.dup_threshold == 0.7);
	assert_int_equal(cluster_opts_set(&o, "idf_base", "1.5"), SH_OK);
	assert_true(o.idf_base == 1.5);
	/* The defaults are inside the accepted ranges. */
	cluster_opts_default(&o);
	assert_true(o.window == 7 * 86400);
	assert_true(o.text_threshold > 0 && o.text_threshold <= 1);
	assert_true(o.dup_threshold >= 0.05 && o.dup_threshold <= 1);
	/* Reason names for logs and the API. */
	assert_string_equal(cluster_reason_name(CLUSTER_NEW), "new");
	assert_string_equal(cluster_reason_name(CLUSTER_TEXT), "text");
	assert_string_equal(cluster_reason_name(CLUSTER_NAMES), "names");
	assert_string_equal(cluster_reason_name(CLUSTER_NEAR_DUP),
	    "near-duplicate");
	assert_string_equal(cluster_reason_name(CLUSTER_SAME_ID), "same-id");
	assert_string_equal(cluster_reason_name(CLUSTER_SAME_URL), "same-url");
}

/* Layer 3, merges: two language editions of one row, and the report that
 * shows they are one. */
static const struct doc row_en = {"wire-20250414-0071", NULL, "en",
    "2025-04-14T07:00:00Z",
    "Algeria orders 12 French embassy staff to leave within 48 hours",
    "Algeria has ordered 12 employees of the French embassy in Algiers to "
    "leave the country within 48 hours, the foreign ministry said, in "
    "retaliation for the arrest of one of its consular officials. The "
    "ministry said the expulsions were a response to the humiliating "
    "detention of the official, who it said had diplomatic protection. The "
    "move threatens a fragile thaw between the two countries after "
    "President Abdelmadjid Tebboune and Emmanuel Macron agreed last month "
    "to restore cooperation on migration and security."};

static const struct doc row_fr = {"https://journal.example/?p=3120", NULL, "fr",
    "2025-04-14T08:00:00Z",
    "Enlèvement d'Amir Boukhors : un agent consulaire algérien mis en "
    "examen avec deux complices",
    "Trois hommes, dont un agent du consulat algérien de Créteil, ont été "
    "mis en examen à Paris pour l'enlèvement et la séquestration de "
    "l'opposant Amir Boukhors, connu sous le pseudonyme d'« Amir DZ », a "
    "indiqué le Parquet national antiterroriste. L'influenceur, réfugié "
    "politique depuis 2023, avait été enlevé fin avril 2024 dans le "
    "Val-de-Marne avant d'être relâché le lendemain. Selon le PNAT, les "
    "suspects sont soupçonnés d'avoir agi pour le compte d'une puissance "
    "étrangère. Le ministre de l'Intérieur, Bruno Retailleau, a salué le "
    "travail des enquêteurs."};

/* The English report that names both sides. */
static const struct doc row_bridge = {"wire-20250415-0102", NULL, "en",
    "2025-04-15T14:00:00Z",
    "France expels 12 Algerian officials over Amir Boukhors row, recalls "
    "ambassador",
    "France said on Tuesday it would expel 12 Algerian consular and "
    "diplomatic officials and recall its ambassador, Stéphane Romatet, for "
    "consultations, hitting back after Algiers ordered 12 French embassy "
    "staff to leave. Foreign Minister Jean-Noël Barrot called the decision "
    "unjustified and incomprehensible. Interior Minister Bruno Retailleau, "
    "a frequent critic of Algiers, said the arrest of an Algerian consular "
    "official in the kidnapping case of the dissident Amir Boukhors was a "
    "matter for the courts. President Emmanuel Macron's office said "
    "Algeria bore responsibility for the sudden deterioration in "
    "relations."};

static const struct doc row_fr2 = {"https://journal.example/?p=3141", NULL,
    "fr", "2025-04-15T15:30:00Z",
    "Affaire Amir Boukhors : Paris expulse douze fonctionnaires algériens "
    "et rappelle son ambassadeur",
    "La France va expulser douze agents consulaires et diplomatiques "
    "algériens et rappelle pour consultations son ambassadeur à Alger, "
    "Stéphane Romatet, a annoncé mardi l'Elysée, en réponse à l'expulsion "
    "de douze agents de l'ambassade de France décidée la veille par "
    "l'Algérie. Emmanuel Macron juge les autorités algériennes "
    "responsables d'une « dégradation brutale » des relations, quelques "
    "semaines après son entretien avec Abdelmadjid Tebboune. Le ministre "
    "des Affaires étrangères, Jean-Noël Barrot, a dénoncé une décision « "
    "injustifiée et incompréhensible ». Alger reproche à Paris "
    "l'arrestation d'un agent du consulat de Créteil, mis en examen par le "
    "Parquet national antiterroriste dans l'enquête sur l'enlèvement de "
    "l'opposant Amir Boukhors en 2024 dans le Val-de-Marne. Bruno "
    "Retailleau a de son côté jugé que la justice devait suivre son "
    "cours."};

/*
 * first and second start two stories; the bridge joins one and merges the
 * other into the older of the two, whichever it joined.
 */
static void
check_merge(const struct doc *first, const struct doc *second)
{
	struct cluster_assign a1, a2, a3, a4, a5;
	uint64_t old, young, next;
	struct cluster_opts o;
	struct clusterer *c;

	/* The two stories' names profiles come out at about 0.25: this test
	 * is about what a merge does, so it lets that merge. */
	cluster_opts_default(&o);
	assert_int_equal(cluster_opts_set(&o, "merge_threshold", "0.24"),
	    SH_OK);
	c = new_with_background(&o, first->when);

	add_doc(c, 1, first, &a1);
	add_doc(c, 2, second, &a2);
	assert_int_equal(a1.reason, CLUSTER_NEW);
	if (a2.story == a1.story) {
		show("second", &a2);
		fail_msg("the two editions joined at once: nothing to merge");
	}
	old = a1.story < a2.story ? a1.story : a2.story;
	young = a1.story < a2.story ? a2.story : a1.story;
	assert_int_equal(old, a1.story);
	next = cluster_next_story(c);
	add_doc(c, 3, &row_bridge, &a3);
	if (a3.nmerged != 1) {
		show("bridge", &a3);
		fail_msg("the bridging report merged %zu stories, want 1",
		    a3.nmerged);
	}
	assert_non_null(a3.merged);
	assert_int_equal(a3.merged[0], young);
	assert_int_equal(a3.story, old);
	assert_int_equal(cluster_story_resolve(c, young), old);
	assert_int_equal(cluster_story_resolve(c, old), old);
	assert_int_equal(cluster_next_story(c), next);
	assert_false(a3.duplicate);
	/* Later reports find the survivor... */
	add_doc(c, 4, &row_fr2, &a4);
	assert_int_equal(a4.story, old);
	assert_int_equal(a4.nmerged, 0);
	/* ... and so does a copy of an entry of the merged-away story. */
	add_doc(c, 5, a1.story == young ? first : second, &a5);
	assert_true(a5.duplicate);
	assert_int_equal(a5.reason, CLUSTER_SAME_ID);
	assert_int_equal(a5.duplicate_of, a1.story == young ? 1 : 2);
	assert_int_equal(a5.story, old);
	cl_free(c);
}

/* The English story is older: the bridge joins the French one, which then
 * gives way to the older id. */
static void
test_merge_english_first(void **state)
{
	(void)state;
	check_merge(&row_en, &row_fr);
}

static void
test_merge_french_first(void **state)
{
	struct doc fr = row_fr, en = row_en;

	(void)state;
	fr.when = "2025-04-14T07:00:00Z";
	en.when = "2025-04-14T08:00:00Z";
	check_merge(&fr, &en);
}

/*
 * Twelve diplomats are not 1.2 million homes: a report that shares only a
 * number's digits and a country with a story is no part of it.
 */
static void
test_story_decimal_is_not_integer(void **state)
{
	struct clusterer *c;
	struct cluster_assign a[3], x;
	struct cluster_entry e;
	struct doc row = row_en;
	size_t i;

	(void)state;
	founding_load();
	c = cl_new(NULL, 1);
	/* The Fed, then Storm Ciaran in English and French (1.2 million
	 * homes, 1,2 million de foyers). */
	for (i = 0; i < 3; i++) {
		fentry_to(&founding[i], i + 1, &e);
		cluster_add(c, &e, &a[i]);
	}
	assert_int_equal(a[2].story, a[1].story);
	row.when = "2023-11-03T09:00:00Z";
	add_doc(c, 4, &row, &x);
	if (x.story == a[1].story) {
		show("12 embassy staff", &x);
		fail_msg("Algeria's expulsion of 12 diplomats joined Storm "
			 "Ciaran's story");
	}
	assert_int_equal(x.reason, CLUSTER_NEW);
	cl_free(c);
}

/* Restore: a restarted daemon rebuilds the window from its store. */

/* A follow-up on the board crisis, the day after the founding example. */
static const struct doc crisis_next = {"wire-20231124-0033", NULL, "en",
    "2023-11-24T09:10:00Z",
    "OpenAI's new board starts search for directors after Altman's return",
    "OpenAI's new board, chaired by former Salesforce co-chief executive "
    "Bret Taylor and including former Treasury Secretary Larry Summers and "
    "Quora chief executive Adam D'Angelo, began the search for more "
    "directors on Friday, two days after Sam Altman was reinstated as "
    "chief executive. Microsoft, OpenAI's biggest backer, is expected to "
    "seek a seat. Altman said in a memo to staff that Ilya Sutskever "
    "would no longer sit on the board but that the company hoped to keep "
    "working with him, and that Greg Brockman was returning as "
    "president."};

/* And one after the last founding entry, in January. */
static const struct doc crisis_late = {"wire-20240112-0051", NULL, "en",
    "2024-01-12T16:20:00Z",
    "OpenAI says outside review of Altman's firing is under way",
    "OpenAI said on Friday that the law firm WilmerHale was interviewing "
    "board members and staff for its review of the events that led to the "
    "firing and rehiring of chief executive Sam Altman in November. Bret "
    "Taylor, the board's chair, said the findings would be shared with "
    "the board, and that Microsoft had taken a non-voting observer seat."};

/*
 * Feed the founding entries up to and including cutoff into one clusterer,
 * keeping each entry's story as the store would (following merges); rebuild
 * a second one from that record, as sheafd does at start; then both must
 * place extra alike, in the story of founding entry with unless NULL.
 */
static void
check_restore(int64_t cutoff, const struct doc *extra, const char *with)
{
	struct clusterer *c1, *c2;
	struct cluster_assign a, x1, x2;
	struct cluster_entry e;
	uint64_t story[N(founding)], first_story[N(founding)], next;
	size_t i, j, k, n = 0;

	founding_load();
	c1 = cl_new(NULL, 1);
	for (i = 0; i < nfounding && founding[i].time <= cutoff; i++) {
		fentry_to(&founding[i], i + 1, &e);
		cluster_add(c1, &e, &a);
		story[i] = first_story[i] = a.story;
		/* What the store does with a merge: rename the story. */
		for (k = 0; k < a.nmerged; k++)
			for (j = 0; j < i; j++)
				if (story[j] == a.merged[k])
					story[j] = a.story;
		n++;
	}
	assert_true(n >= 30);
	for (i = 0; i < n; i++)
		assert_int_equal(story[i],
		    cluster_story_resolve(c1, first_story[i]));
	next = cluster_next_story(c1);

	c2 = cl_new(NULL, next);
	for (i = 0; i < n; i++) {
		fentry_to(&founding[i], i + 1, &e);
		cluster_restore(c2, &e, story[i]);
	}
	assert_int_equal(cluster_next_story(c2), next);
	for (i = 0; i < n; i++)
		assert_int_equal(cluster_story_resolve(c2, story[i]), story[i]);

	add_doc(c1, 1000, extra, &x1);
	add_doc(c2, 1000, extra, &x2);
	if (x1.story != x2.story || x1.reason != x2.reason ||
	    x1.nmerged != x2.nmerged || x1.duplicate != x2.duplicate) {
		show("live", &x1);
		show("restored", &x2);
		fail_msg("the restored clusterer decides otherwise");
	}
	if (fabs(x1.text_sim - x2.text_sim) > 1e-3 ||
	    fabs(x1.names_sim - x2.names_sim) > 1e-3) {
		show("live", &x1);
		show("restored", &x2);
		fail_msg("the restored clusterer scores otherwise");
	}
	assert_int_equal(cluster_next_story(c1), cluster_next_story(c2));
	for (i = 0; with != NULL && i < n; i++) {
		if (strcmp(founding[i].id, with) != 0)
			continue;
		if (x1.story != story[i]) {
			show(extra->title, &x1);
			fail_msg(
			    "the follow-up is not in the story of %s (%llu)",
			    with, (unsigned long long)story[i]);
		}
		with = NULL;
	}
	assert_null(with);
	/* A copy of the last founding entry is found in both. */
	fentry_to(&founding[n - 1], 2000, &e);
	e.time = when(extra->when);
	cluster_add(c1, &e, &x1);
	cluster_add(c2, &e, &x2);
	assert_true(x1.duplicate && x2.duplicate);
	assert_int_equal(x1.reason, CLUSTER_SAME_ID);
	assert_int_equal(x2.reason, CLUSTER_SAME_ID);
	assert_int_equal(x1.duplicate_of, n);
	assert_int_equal(x2.duplicate_of, n);
	assert_int_equal(x1.story, x2.story);
	cl_free(c1);
	cl_free(c2);
}

/* The day after the crisis: the follow-up joins the crisis story. */
static void
test_restore_founding_crisis(void **state)
{
	(void)state;
	check_restore(when("2023-11-23T23:59:59Z"), &crisis_next,
	    "cw-20231122-0026");
}

/* All 39 entries, and a follow-up in January. */
static void
test_restore_founding_all(void **state)
{
	(void)state;
	founding_load();
	assert_int_equal(nfounding, 39);
	check_restore(INT64_MAX, &crisis_late, NULL);
}

/* Restored ids count: the next new story comes after them. */
static void
test_restore_next_story(void **state)
{
	struct clusterer *c = cl_new(NULL, 10);
	struct cluster_entry e;
	struct cluster_assign a;

	(void)state;
	founding_load();
	fentry_to(&founding[0], 1, &e);
	cluster_restore(c, &e, 41);
	assert_int_equal(cluster_next_story(c), 42);
	fentry_to(&founding[1], 2, &e);
	cluster_restore(c, &e, 5);
	assert_int_equal(cluster_next_story(c), 42);
	/* Storm Ciaran in French joins the restored English report. */
	fentry_to(&founding[2], 3, &e);
	cluster_add(c, &e, &a);
	assert_int_equal(a.story, 5);
	/* Something else starts story 42. */
	e.id = "urn:x:1";
	e.title = "Tulip season opens early";
	e.text = "Growers say warm weather has brought the bulb fields into "
		 "bloom two weeks ahead of schedule.";
	e.lang = "en";
	cluster_add(c, &e, &a);
	assert_int_equal(a.reason, CLUSTER_NEW);
	assert_int_equal(a.story, 42);
	assert_int_equal(cluster_next_story(c), 43);
	cl_free(c);
}

/* Memory: bounded by the window, not by the stream. */

/*
 * Bytes the process has allocated and not freed; the resident size where
 * the C library cannot tell (it only grows, which is enough here).
 */
static size_t
heap_bytes(void)
{
#if defined(TEST_ASAN)
	return __sanitizer_get_current_allocated_bytes();
#elif defined(__GLIBC__) &&                                                    \
    (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
#else
	unsigned long size = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f == NULL || fscanf(f, "%lu %lu", &size, &rss) != 2)
		fail_msg("cannot measure the heap");
	fclose(f);
	return rss * (size_t)sysconf(_SC_PAGESIZE);
#endif
}

static const char *const common_words[] = {
    "the",
    "of",
    "and",
    "to",
    "in",
    "said",
    "on",
    "for",
    "that",
    "with",
    "was",
    "is",
    "by",
    "at",
    "as",
    "it",
    "from",
    "has",
    "have",
    "will",
    "after",
    "its",
    "but",
    "not",
    "are",
    "were",
    "been",
    "their",
    "more",
    "would",
    "year",
    "who",
    "which",
    "about",
    "also",
    "new",
    "than",
    "into",
    "over",
    "had",
    "they",
    "people",
    "could",
    "last",
    "two",
    "first",
    "government",
    "week",
    "time",
    "some",
    "other",
    "there",
    "when",
    "told",
    "this",
    "says",
    "police",
    "state",
    "percent",
    "country",
    "minister",
    "officials",
    "months",
    "an",
    "no",
    "be",
    "or",
    "up",
    "out",
    "all",
    "against",
    "while",
    "city",
    "since",
    "before",
    "under",
    "during",
    "three",
    "public",
    "party",
    "report",
    "both",
    "because",
    "million",
    "company",
    "market",
    "where",
    "being",
    "south",
    "north",
    "national",
    "former",
    "group",
    "between",
    "president",
    "say",
    "made",
    "court",
    "war",
    "day",
    "only",
    "any",
    "many",
    "most",
    "including",
    "how",
};

struct stream {
	int per_day;	       /* entries a day */
	int days;	       /* of the stream */
	int ncommon;	       /* words from common_words in every entry */
	int nrare;	       /* random words */
	int vocab;	       /* drawn from this many; 0: never repeated */
	int checkpoint;	       /* day of the first measure */
	const char *window;    /* story_window, days */
	const char *df_window; /* frequency_window, days */
};

static uint32_t
lcg(uint32_t *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return *seed >> 16;
}

/* A random lower-case word of 5 to 9 letters. */
static char *
random_word(char *p, uint32_t *seed)
{
	int len = 5 + (int)(lcg(seed) % 5), m;

	for (m = 0; m < len; m++)
		*p++ = (char)('a' + lcg(seed) % 26);
	*p = '\0';
	return p;
}

/*
 * Stream generated entries through a clusterer; the heap at checkpoint and
 * at the end, and the stories it started.
 */
static void
run_stream(const struct stream *st, size_t *at_check, size_t *at_end,
    uint64_t *stories)
{
	struct cluster_opts o;
	struct clusterer *c;
	struct cluster_assign a;
	struct cluster_entry e;
	char *text = keep(xmalloc(16384)), title[128], *p, (*vocab)[12] = NULL;
	uint32_t seed = 2024;
	int64_t t0 = when("2024-01-01T00:00:00Z");
	long i, n = (long)st->per_day * st->days;
	int k;

	cluster_opts_default(&o);
	assert_int_equal(cluster_opts_set(&o, "story_window", st->window),
	    SH_OK);
	assert_int_equal(
	    cluster_opts_set(&o, "frequency_window", st->df_window), SH_OK);
	if (st->vocab > 0) {
		vocab = keep(xcalloc((size_t)st->vocab, sizeof *vocab));
		for (k = 0; k < st->vocab; k++)
			random_word(vocab[k], &seed);
	}
	c = cl_new(&o, 1);
	for (i = 0; i < n; i++) {
		p = text;
		for (k = 0; k < st->nrare || k < st->ncommon; k++) {
			if (k < st->nrare && vocab == NULL)
				p = random_word(p, &seed);
			else if (k < st->nrare) {
				uint32_t r = lcg(&seed) << 8;

				r ^= lcg(&seed);
				p = stpcpy(p, vocab[r % (uint32_t)st->vocab]);
			}
			*p++ = ' ';
			if (k < st->ncommon)
				p += snprintf(p, 32, "%s ", common_words[k]);
		}
		*p = '\0';
		snprintf(title, sizeof title, "%.60s", text);
		memset(&e, 0, sizeof e);
		e.ref = (uint64_t)i + 1;
		e.title = title;
		e.text = text;
		e.lang = "en";
		e.time = t0 + i * 86400 / st->per_day;
		cluster_add(c, &e, &a);
		if (i + 1 == (long)st->per_day * st->checkpoint)
			*at_check = heap_bytes();
	}
	*at_end = heap_bytes();
	*stories = cluster_next_story(c) - 1;
	cl_free(c);
}

static void
check_stream(const struct stream *st)
{
	size_t check = 0, end = 0;
	uint64_t stories;
	long n = (long)st->per_day * st->days;

	run_stream(st, &check, &end, &stories);
	print_message("# %ld entries, %d a day: %llu stories, heap %.1f MB "
		      "on day %d, %.1f MB on day %d\n",
	    n, st->per_day, (unsigned long long)stories, check / 1048576.0,
	    st->checkpoint, end / 1048576.0, st->days);
	/* Distinct texts: mostly new stories. */
	assert_true(stories >= (uint64_t)n * 9 / 10);
	/* After the windows have filled, the heap stays where it was. */
	if (end > check + check / 10 + (1u << 20))
		fail_msg("heap grew from %.1f MB on day %d to %.1f MB on day "
			 "%d: it follows the stream, not the window",
		    check / 1048576.0, st->checkpoint, end / 1048576.0,
		    st->days);
}

/*
 * 20,000 entries over 200 days, each of new random words and the common
 * words of English; the windows fill within 30 days, and from then on the
 * heap must stay put.
 */
static void
test_memory_window(void **state)
{
	static const struct stream st = {100, 200, 50, 40, 0, 60, "7", "30"};

	(void)state;
	check_stream(&st);
}

/*
 * A busy stream: more stories open at once than an index posting list
 * holds before it is skipped, all sharing the common words of a language.
 */
static void
test_memory_busy_common_words(void **state)
{
	static const struct stream st = {2500, 8, 100, 30, 20000, 4, "2", "2"};

	(void)state;
	check_stream(&st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_text_segment_chinese),
	    cmocka_unit_test(test_text_segment_thai),
	    cmocka_unit_test(test_text_segment_japanese),
	    cmocka_unit_test(test_text_fold_stem_english),
	    cmocka_unit_test(test_text_fold_stem_french),
	    cmocka_unit_test(test_text_fold_stem_russian),
	    cmocka_unit_test(test_text_french_elision),
	    cmocka_unit_test(test_text_names_across_scripts),
	    cmocka_unit_test(test_text_names_hebrew),
	    cmocka_unit_test(test_text_numbers),
	    cmocka_unit_test(test_text_numbers_nbsp_grouped),
	    cmocka_unit_test(test_text_numbers_decimals),
	    cmocka_unit_test(test_text_sentence_initial),
	    cmocka_unit_test(test_text_limit_huge_body),
	    cmocka_unit_test(test_text_limit_giant_word),
	    cmocka_unit_test(test_text_limit_invalid_utf8),
	    cmocka_unit_test(test_text_limit_binary),
	    cmocka_unit_test(test_text_name_key),
	    cmocka_unit_test(test_lang_detect),
	    cmocka_unit_test_teardown(test_dup_near, cl_teardown),
	    cmocka_unit_test_teardown(test_dup_template_is_not_dup,
		cl_teardown),
	    cmocka_unit_test_teardown(test_dup_same_id, cl_teardown),
	    cmocka_unit_test_teardown(test_dup_same_url, cl_teardown),
	    cmocka_unit_test_teardown(test_story_text, cl_teardown),
	    cmocka_unit_test_teardown(test_story_names, cl_teardown),
	    cmocka_unit_test_teardown(test_story_decimal_is_not_integer,
		cl_teardown),
	    cmocka_unit_test_teardown(test_story_window, cl_teardown),
	    cmocka_unit_test_teardown(test_backlog, cl_teardown),
	    cmocka_unit_test(test_opts_set),
	    cmocka_unit_test_teardown(test_merge_english_first, cl_teardown),
	    cmocka_unit_test_teardown(test_merge_french_first, cl_teardown),
	    cmocka_unit_test_teardown(test_restore_founding_crisis,
		cl_teardown),
	    cmocka_unit_test_teardown(test_restore_founding_all, cl_teardown),
	    cmocka_unit_test_teardown(test_restore_next_story, cl_teardown),
	    cmocka_unit_test_teardown(test_memory_window, cl_teardown),
	    cmocka_unit_test_teardown(test_memory_busy_common_words,
		cl_teardown),
	};

	return cmocka_run_group_tests(tests, text_setup, group_teardown);
}
