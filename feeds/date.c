/* SPDX-License-Identifier: MIT */
/* Parsing feed dates into UTC seconds, and formatting them back. */

/*
 * Feeds write dates in two standard shapes and in many broken ones.  The
 * parser tries a strict ISO 8601 / RFC 3339 reader first, because Atom and
 * JSON Feed dates are nearly always well formed and that path is short.
 * Anything else goes to a tolerant reader built for RFC 822 and what feeds
 * make of it: it splits the text into numbers, words and punctuation, gives
 * each token a role (time, zone, month name, numeric date, day or year),
 * and then checks that the roles add up to one date.
 *
 * A list of strptime() formats tried in turn was rejected: strptime()
 * follows the locale, and every new broken shape needed one more format,
 * crossed with every zone form.  Tokens with roles cover the combinations.
 *
 * Invariants:
 * - The current time is never consulted: text that does not name a year,
 *   a month and a day is an error, never "now" or "this year".
 * - No locale, no TZ, no global state, no allocation: tokens live in a
 *   fixed array on the stack, and the calendar is computed here with the
 *   days-from-civil algorithm (proleptic Gregorian, any year).
 * - A date is accepted only if every token found a role.  Unknown words are
 *   refused rather than skipped, so that garbage does not parse by luck;
 *   the exceptions (a leading day name in any language, an unknown zone
 *   abbreviation after the time) are listed where they are handled.
 *
 * Decisions where feeds are ambiguous:
 * - Two-digit years follow RFC 5322 section 4.3: 00-49 are 2000-2049 and
 *   50-99 are 1950-1999; three-digit years add 1900.
 * - Military zone letters follow the table printed in RFC 822 (A is -1,
 *   N is +1, Z is UTC), as feedparser does.  RFC 1123 notes those signs are
 *   backwards and RFC 5322 says to treat the letters as unknown; we keep
 *   RFC 822's reading so that sheaf agrees with feedparser on old feeds
 *   (RFC 1123 section 5.2.14, RFC 5322 section 4.3).
 * - Ambiguous abbreviations take their most common meaning in feeds:
 *   CST is US Central (not China), IST is India (not Ireland or Israel),
 *   BST is British Summer Time, AST is Atlantic.  An unknown all-capital
 *   zone of three to five letters after the time counts as UTC.
 * - Numeric dates with the year last are day-first with '.' and '-'
 *   (20.11.2023) and month-first with '/' (11/20/2023), unless the fields
 *   only fit the other way round (20/11/2023, 11-20-2023).
 * - A zone offset of one or two digits is hours: "+2" is +02:00 (Python's
 *   email.utils reads it as two minutes, which no feed means).
 * - 24:00:00 is midnight at the end of the day; a leap second (:60) is read
 *   as :59 because POSIX time cannot hold it.
 * - Results must lie in years 1 to 9999 before and after the zone offset.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common.h"
#include "feeds.h"

#define SECS_PER_DAY 86400
#define MAX_TOKENS 32
#define MAX_WORD 24
/* Largest zone offset accepted, in minutes; real ones stay within +14. */
#define MAX_OFFSET (18 * 60 + 59)

/* A date and time of day as read, before the zone is applied. */
struct civil {
	int year;
	int mon;
	int day;
	int hour;
	int min;
	int sec;
	int off; /* minutes east of UTC */
};

enum tok_kind { TOK_NUM, TOK_WORD, TOK_PUNCT };

struct tok {
	const char *p;	    /* first byte in the input */
	size_t len;	    /* bytes */
	int val;	    /* TOK_NUM: value, or -1 when over nine digits */
	enum tok_kind kind; /* number, word, or one punctuation byte */
	bool gap;	    /* space or a comment came before it */
};

/* A name and the number it stands for: a month, or a zone in minutes. */
struct name {
	const char *name;
	int val;
};

/* The state of the tolerant reader while it walks the tokens. */
struct loose {
	const struct tok *t;
	size_t n;
	size_t i;	/* next token */
	int year;	/* -1 until known */
	size_t yearlen; /* digits the year was written with */
	int mon;	/* -1 until known */
	int day;	/* -1 until known */
	int num[2];	/* numbers waiting for a role: day or year */
	size_t numlen[2];
	size_t nnum;
	int hour; /* -1 until a time is seen */
	int min;
	int sec;
	int ampm; /* 0, or 'a' / 'p' */
	int off;  /* numeric offset, minutes */
	int zone; /* offset of the zone name, minutes */
	bool has_off;
	bool has_zone;
	bool lead_mon; /* the month came from a leading "Word," */
	bool korean;
	size_t zone_end; /* index just past the last zone name */
};

static const char *const month_en[] = {"january", "february", "march", "april",
    "may", "june", "july", "august", "september", "october", "november",
    "december"};

static const char *const wday_en[] = {"monday", "tuesday", "wednesday",
    "thursday", "friday", "saturday", "sunday"};

/*
 * Month names that are not prefixes of the English ones.  German, French
 * and Spanish come from sites whose locale leaked into strftime(); Greek
 * and Hungarian are the forms feedparser's test suite collected.  Only
 * ASCII is folded to lower case, so Latin names are written in lower case
 * and Greek ones capitalized, as feeds write them.
 */
static const struct name month_other[] = {
    /* German */
    {"mär", 3}, {"märz", 3}, {"mrz", 3}, {"mai", 5}, {"juni", 6}, {"juli", 7},
    {"okt", 10}, {"oktober", 10}, {"dez", 12}, {"dezember", 12},
    /* French */
    {"janv", 1}, {"janvier", 1}, {"févr", 2}, {"février", 2}, {"mars", 3},
    {"avr", 4}, {"avril", 4}, {"juin", 6}, {"juil", 7}, {"juillet", 7},
    {"août", 8}, {"déc", 12}, {"décembre", 12},
    /* Spanish */
    {"ene", 1}, {"enero", 1}, {"febrero", 2}, {"marzo", 3}, {"abr", 4},
    {"abril", 4}, {"mayo", 5}, {"junio", 6}, {"julio", 7}, {"ago", 8},
    {"agosto", 8}, {"septiembre", 9}, {"octubre", 10}, {"noviembre", 11},
    {"dic", 12}, {"diciembre", 12},
    /* Hungarian */
    {"január", 1}, {"február", 2}, {"március", 3}, {"április", 4}, {"május", 5},
    {"június", 6}, {"július", 7}, {"augusztus", 8}, {"szeptember", 9},
    {"október", 10},
    /* Greek, with the variants feedparser met */
    {"Ιαν", 1}, {"Φεβ", 2}, {"Μάρ", 3}, {"Μαρ", 3}, {"Μάώ", 3}, {"Μαώ", 3},
    {"Απρ", 4}, {"Μάι", 5}, {"Μαϊ", 5}, {"Μαι", 5}, {"Μαΐ", 5}, {"Ιούν", 6},
    {"Ιον", 6}, {"Ιούλ", 7}, {"Ιολ", 7}, {"Αύγ", 8}, {"Αυγ", 8}, {"Σεπ", 9},
    {"Οκτ", 10}, {"Νοέ", 11}, {"Νοε", 11}, {"Δεκ", 12}};

/* Zone names, lower case, in minutes east of UTC. */
static const struct name zones[] = {{"z", 0}, {"ut", 0}, {"utc", 0}, {"gmt", 0},
    {"wet", 0}, {"west", 60}, {"bst", 60}, {"cet", 60}, {"met", 60},
    {"mez", 60}, {"wat", 60}, {"cest", 120}, {"mest", 120}, {"mesz", 120},
    {"eet", 120}, {"cat", 120}, {"sast", 120}, {"eest", 180}, {"msk", 180},
    {"eat", 180}, {"idt", 180}, {"msd", 240}, {"gst", 240}, {"pkt", 300},
    {"ist", 330}, {"npt", 345}, {"ict", 420}, {"wib", 420}, {"awst", 480},
    {"hkt", 480}, {"sgt", 480}, {"pht", 480}, {"jst", 540}, {"kst", 540},
    {"acst", 570}, {"aest", 600}, {"acdt", 630}, {"aedt", 660}, {"nzst", 720},
    {"nzdt", 780}, {"ndt", -150}, {"nst", -210}, {"adt", -180}, {"brt", -180},
    {"art", -180}, {"ast", -240}, {"at", -240}, {"clt", -240}, {"edt", -240},
    {"est", -300}, {"et", -300}, {"cdt", -300}, {"cst", -360}, {"ct", -360},
    {"mdt", -360}, {"mst", -420}, {"mt", -420}, {"pdt", -420}, {"pst", -480},
    {"pt", -480}, {"akdt", -480}, {"akst", -540}, {"hdt", -540}, {"hst", -600}};

/* Korean markers, as feedparser's OnBlog and Nate handlers read them. */
#define KO_YEAR "\xeb\x85\x84"		 /* U+B144 */
#define KO_MONTH "\xec\x9b\x94"		 /* U+C6D4 */
#define KO_DAY "\xec\x9d\xbc"		 /* U+C77C */
#define KO_AM "\xec\x98\xa4\xec\xa0\x84" /* U+C624 U+C804 */
#define KO_PM "\xec\x98\xa4\xed\x9b\x84" /* U+C624 U+D6C4 */
/* Those sites never say their zone; it is Korea's. */
#define KO_OFFSET (9 * 60)

static bool
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static bool
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	       c == '\f';
}

/* A UTF-8 no-break space, as in dates scraped out of HTML. */
static bool
is_nbsp(const char *p, const char *end)
{
	return p + 1 < end && (unsigned char)p[0] == 0xc2 &&
	       (unsigned char)p[1] == 0xa0;
}

static bool
is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
days_in_month(int y, int m)
{
	static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
	    31};

	if (m == 2 && is_leap(y))
		return 29;
	return dim[m - 1];
}

/*
 * Days since 1970-01-01 of a proleptic Gregorian date, after Howard
 * Hinnant's days_from_civil: shifting the year to start in March puts the
 * leap day last, so a month's offset is a linear formula.
 */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The inverse of days_from_civil(). */
static void
civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* Check a civil date and time and turn it into UTC seconds. */
static int
civil_to_time(const struct civil *c, int64_t *out)
{
	int64_t t, lo, hi;
	int sec = c->sec;

	if (c->year < 1 || c->year > 9999 || c->mon < 1 || c->mon > 12 ||
	    c->day < 1 || c->day > days_in_month(c->year, c->mon))
		return SH_EINVAL;
	if (c->hour < 0 || c->hour > 24 || c->min < 0 || c->min > 59 ||
	    c->sec < 0 || c->sec > 60)
		return SH_EINVAL;
	/* ISO 8601 allows 24:00 for the end of a day, and nothing later. */
	if (c->hour == 24 && (c->min != 0 || c->sec != 0))
		return SH_EINVAL;
	if (sec == 60)
		sec = 59;
	if (c->off < -MAX_OFFSET || c->off > MAX_OFFSET)
		return SH_EINVAL;
	t = days_from_civil(c->year, c->mon, c->day) * SECS_PER_DAY +
	    c->hour * 3600 + c->min * 60 + sec - (int64_t)c->off * 60;
	lo = days_from_civil(1, 1, 1) * SECS_PER_DAY;
	hi = days_from_civil(10000, 1, 1) * SECS_PER_DAY - 1;
	if (t < lo || t > hi)
		return SH_EINVAL;
	*out = t;
	return SH_OK;
}

/* Turn a day of the year into month and day; false when out of range. */
static bool
civil_from_ordinal(struct civil *c, int yday)
{
	int m;

	if (yday < 1 || yday > (is_leap(c->year) ? 366 : 365))
		return false;
	for (m = 1; yday > days_in_month(c->year, m); m++)
		yday -= days_in_month(c->year, m);
	c->mon = m;
	c->day = yday;
	return true;
}

/* RFC 5322 section 4.3 for years written with fewer than four digits. */
static int
year_expand(int y, size_t len)
{
	if (len <= 2)
		return y < 50 ? y + 2000 : y + 1900;
	if (len == 3)
		return y + 1900;
	return y;
}

/*
 * Read at least min and at most max digits (max at most 9) at *pp.
 * Returns how many were read and moves *pp past them, or returns 0 and
 * leaves *pp alone when there were fewer than min.
 */
static int
read_digits(const char **pp, const char *end, int min, int max, int *val)
{
	const char *p = *pp;
	int n = 0, v = 0;

	while (p < end && n < max && is_digit((unsigned char)*p)) {
		v = v * 10 + (*p - '0');
		p++;
		n++;
	}
	if (n < min)
		return 0;
	*pp = p;
	*val = v;
	return n;
}

static size_t
digit_run(const char *p, const char *end)
{
	size_t n = 0;

	while (p + n < end && is_digit((unsigned char)p[n]))
		n++;
	return n;
}

/*
 * The date part of ISO 8601: YYYY, YYYY-MM, YYYY-MM-DD, YYYYMMDD, and the
 * ordinal YYYY-DDD and YYYYDDD.
 */
static bool
iso_date(const char **pp, const char *end, struct civil *c)
{
	const char *p = *pp;
	int n, v;

	if (read_digits(&p, end, 4, 4, &c->year) == 0)
		return false;
	c->mon = c->day = 1;
	if (p < end && *p == '-') {
		p++;
		n = read_digits(&p, end, 2, 3, &v);
		if (n == 0)
			return false;
		/* Three digits are an ordinal day, or Google's "2003-012-31". */
		if (n == 3 && !(p < end && *p == '-')) {
			if (!civil_from_ordinal(c, v))
				return false;
		} else {
			c->mon = v;
			if (p < end && *p == '-') {
				p++;
				if (read_digits(&p, end, 2, 2, &c->day) == 0)
					return false;
			}
		}
	} else if (digit_run(p, end) == 4) {
		read_digits(&p, end, 2, 2, &c->mon);
		read_digits(&p, end, 2, 2, &c->day);
	} else if (digit_run(p, end) == 3) {
		if (read_digits(&p, end, 3, 3, &v) == 0 ||
		    !civil_from_ordinal(c, v))
			return false;
	}
	*pp = p;
	return true;
}

/* hh, hh:mm, hh:mm:ss or their basic forms, with any fraction dropped. */
static bool
iso_time(const char **pp, const char *end, struct civil *c)
{
	const char *p = *pp;
	bool ext;

	if (read_digits(&p, end, 2, 2, &c->hour) == 0)
		return false;
	ext = p < end && *p == ':';
	if (ext || (p < end && is_digit((unsigned char)*p))) {
		p += ext;
		if (read_digits(&p, end, 2, 2, &c->min) == 0)
			return false;
		if (p < end &&
		    (ext ? *p == ':' : is_digit((unsigned char)*p))) {
			p += ext;
			if (read_digits(&p, end, 2, 2, &c->sec) == 0)
				return false;
		}
	}
	/* Sub-second precision means nothing for a feed; truncate it. */
	if (p + 1 < end && (*p == '.' || *p == ',') &&
	    is_digit((unsigned char)p[1]))
		p += 1 + digit_run(p + 1, end);
	*pp = p;
	return true;
}

/* Z, +hh, +hhmm or +hh:mm. */
static bool
iso_zone(const char **pp, const char *end, struct civil *c)
{
	const char *p = *pp;
	int sign, h, m = 0;

	if (*p == 'Z' || *p == 'z') {
		*pp = p + 1;
		return true;
	}
	if (*p != '+' && *p != '-')
		return false;
	sign = *p++ == '-' ? -1 : 1;
	if (read_digits(&p, end, 2, 2, &h) == 0)
		return false;
	if (p < end && *p == ':') {
		p++;
		if (read_digits(&p, end, 2, 2, &m) == 0)
			return false;
	} else if (p < end) {
		if (read_digits(&p, end, 2, 2, &m) == 0)
			return false;
	}
	if (h > 18 || m > 59)
		return false;
	c->off = sign * (h * 60 + m);
	*pp = p;
	return true;
}

/* Read [start, end) as ISO 8601 / RFC 3339; false unless all of it fits. */
static bool
parse_iso(const char *p, const char *end, struct civil *c)
{
	const char *start = p;

	if (!iso_date(&p, end, c))
		return false;
	if (p == end)
		return true;
	/* A bare year takes no time: "2023 10:00" is no ISO date. */
	if (p - start == 4)
		return false;
	if (*p != 'T' && *p != 't' && *p != ' ')
		return false;
	p++;
	if (!iso_time(&p, end, c))
		return false;
	if (p < end && !iso_zone(&p, end, c))
		return false;
	return p == end;
}

/*
 * Split text into numbers, words and punctuation.  Words are runs of ASCII
 * letters and of non-ASCII bytes, so month names in other scripts stay
 * whole.  Parenthesized comments, as in "-0800 (PST)", are dropped.
 * Returns the number of tokens, or 0 when there are none or too many.
 */
static size_t
tokenize(const char *p, const char *end, struct tok *t)
{
	size_t n = 0;
	bool gap = false;
	int depth;

	while (p < end) {
		unsigned char ch = (unsigned char)*p;

		if (is_space(ch)) {
			gap = true;
			p++;
			continue;
		}
		if (is_nbsp(p, end)) {
			gap = true;
			p += 2;
			continue;
		}
		if (ch == '(') {
			for (depth = 0; p < end; p++) {
				depth += (*p == '(') - (*p == ')');
				if (depth == 0)
					break;
			}
			p += p < end; /* the closing ')', if there is one */
			gap = true;
			continue;
		}
		if (n == MAX_TOKENS)
			return 0;
		t[n].p = p;
		t[n].gap = gap;
		t[n].val = 0;
		if (is_digit(ch)) {
			t[n].kind = TOK_NUM;
			t[n].len = digit_run(p, end);
			if (t[n].len > 9)
				t[n].val = -1;
			else
				read_digits(&p, end, 1, 9, &t[n].val);
			p = t[n].p + t[n].len;
		} else if (is_alpha(ch) || ch >= 0x80) {
			t[n].kind = TOK_WORD;
			while (p < end && !is_nbsp(p, end) &&
			       (is_alpha((unsigned char)*p) ||
				   (unsigned char)*p >= 0x80))
				p++;
			t[n].len = (size_t)(p - t[n].p);
		} else {
			t[n].kind = TOK_PUNCT;
			t[n].len = 1;
			p++;
		}
		gap = false;
		n++;
	}
	return n;
}

/* Copy a word folded to ASCII lower case; false when it is too long. */
static bool
word_lower(const struct tok *t, char *buf)
{
	size_t i;

	if (t->len >= MAX_WORD)
		return false;
	for (i = 0; i < t->len; i++) {
		char ch = t->p[i];

		buf[i] = (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
	}
	buf[t->len] = '\0';
	return true;
}

static bool
name_find(const struct name *tab, size_t n, const char *w, int *val)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (strcmp(tab[i].name, w) == 0) {
			*val = tab[i].val;
			return true;
		}
	}
	return false;
}

/* Any abbreviation of at least three letters of a full name matches. */
static int
prefix_find(const char *const *tab, size_t n, const char *w)
{
	size_t i, len = strlen(w);

	if (len < 3)
		return 0;
	for (i = 0; i < n; i++)
		if (strncmp(tab[i], w, len) == 0 && len <= strlen(tab[i]))
			return (int)i + 1;
	return 0;
}

static int
month_find(const char *w)
{
	int m = prefix_find(month_en, 12, w);

	if (m == 0 && !name_find(month_other,
			  sizeof(month_other) / sizeof(month_other[0]), w, &m))
		return 0;
	return m;
}

static bool
is_weekday(const char *w)
{
	/* "Weds" is not a prefix of "wednesday" but feeds write it. */
	return prefix_find(wday_en, 7, w) != 0 || strcmp(w, "weds") == 0;
}

/*
 * RFC 822 military zones: A to I are -1 to -9, K to M are -10 to -12,
 * N to Y are +1 to +12, Z is UTC and J is not used.
 */
static bool
military_zone(const char *w, int *off)
{
	char c = w[0];

	if (w[1] != '\0' || c < 'a' || c > 'z' || c == 'j')
		return false;
	if (c == 'z')
		*off = 0;
	else if (c <= 'i')
		*off = -(c - 'a' + 1) * 60;
	else if (c <= 'm')
		*off = -(c - 'a') * 60;
	else
		*off = (c - 'n' + 1) * 60;
	return true;
}

static const struct tok *
tok_at(const struct loose *l, size_t i)
{
	return i < l->n ? &l->t[i] : NULL;
}

/* Is token i the punctuation ch, directly attached to what precedes it? */
static bool
tok_is_punct(const struct loose *l, size_t i, char ch)
{
	const struct tok *t = tok_at(l, i);

	return t != NULL && t->kind == TOK_PUNCT && t->p[0] == ch && !t->gap;
}

/* Is token i a number directly attached to what precedes it? */
static bool
tok_is_num(const struct loose *l, size_t i)
{
	const struct tok *t = tok_at(l, i);

	return t != NULL && t->kind == TOK_NUM && !t->gap;
}

static bool
tok_is_word(const struct loose *l, size_t i, const char *w)
{
	const struct tok *t = tok_at(l, i);
	char buf[MAX_WORD];

	return t != NULL && t->kind == TOK_WORD && t->len == strlen(w) &&
	       word_lower(t, buf) && strcmp(buf, w) == 0;
}

/*
 * "am", "pm", "a.m.", "p.m." and the Korean forms.  Returns 'a', 'p' or 0,
 * and sets *ntok to the number of tokens the marker takes.
 */
static int
ampm_at(const struct loose *l, size_t i, size_t *ntok)
{
	*ntok = 1;
	if (tok_is_word(l, i, "am") || tok_is_word(l, i, KO_AM))
		return 'a';
	if (tok_is_word(l, i, "pm") || tok_is_word(l, i, KO_PM))
		return 'p';
	if ((tok_is_word(l, i, "a") || tok_is_word(l, i, "p")) &&
	    tok_is_punct(l, i + 1, '.') && tok_is_word(l, i + 2, "m") &&
	    !l->t[i + 2].gap) {
		*ntok = tok_is_punct(l, i + 3, '.') ? 4 : 3;
		return tok_is_word(l, i, "a") ? 'a' : 'p';
	}
	return 0;
}

/* h:mm, h:mm:ss, with a fraction of a second that is dropped. */
static int
take_time(struct loose *l)
{
	const struct tok *t = l->t;
	size_t i = l->i;

	if (l->hour >= 0 || t[i].len > 2 || !tok_is_num(l, i + 2) ||
	    t[i + 2].len != 2)
		return SH_EINVAL;
	l->hour = t[i].val;
	l->min = t[i + 2].val;
	i += 3;
	if (tok_is_punct(l, i, ':') && tok_is_num(l, i + 1)) {
		if (t[i + 1].len != 2)
			return SH_EINVAL;
		l->sec = t[i + 1].val;
		i += 2;
	}
	if ((tok_is_punct(l, i, '.') || tok_is_punct(l, i, ',')) &&
	    tok_is_num(l, i + 1))
		i += 2;
	/* "1:2:3:4" is no time at all. */
	if (tok_is_punct(l, i, ':'))
		return SH_EINVAL;
	l->i = i;
	return SH_OK;
}

/*
 * Three numbers joined by the same '-', '/' or '.': a numeric date.  See
 * the note at the top for which field is which.  Returns false when the
 * tokens at l->i are not shaped like one.
 */
static bool
take_numeric_date(struct loose *l)
{
	const struct tok *t = l->t + l->i;
	char sep;
	int a, b;

	if (l->i + 4 >= l->n || t[1].kind != TOK_PUNCT || t[1].gap)
		return false;
	sep = t[1].p[0];
	if ((sep != '-' && sep != '/' && sep != '.') ||
	    !tok_is_num(l, l->i + 2) || !tok_is_punct(l, l->i + 3, sep) ||
	    !tok_is_num(l, l->i + 4))
		return false;
	if (t[0].len == 4) {
		l->year = t[0].val;
		l->yearlen = 4;
		l->mon = t[2].val;
		l->day = t[4].val;
	} else {
		a = t[0].val;
		b = t[2].val;
		if (sep == '/' ? a <= 12 : b > 12 && a <= 12) {
			l->mon = a;
			l->day = b;
		} else {
			l->day = a;
			l->mon = b;
		}
		l->year = t[4].val;
		l->yearlen = t[4].len;
	}
	/* YYYY-M-D or D-M-YY(YY); other shapes are refused when checked. */
	if (t[2].len > 2 ||
	    (t[0].len == 4 ? t[4].len > 2
			   : t[0].len > 2 || (t[4].len != 2 && t[4].len != 4)))
		l->mon = 0;
	l->i += 5;
	return true;
}

/* A number joined to a Korean year, month or day marker: "2004년". */
static bool
take_korean_part(struct loose *l)
{
	const struct tok *t = &l->t[l->i];
	const struct tok *w = tok_at(l, l->i + 1);
	char buf[MAX_WORD];
	int *field;

	if (w == NULL || w->kind != TOK_WORD || w->gap || !word_lower(w, buf))
		return false;
	if (strcmp(buf, KO_YEAR) == 0) {
		field = &l->year;
		l->yearlen = t->len;
	} else if (strcmp(buf, KO_MONTH) == 0) {
		field = &l->mon;
	} else if (strcmp(buf, KO_DAY) == 0) {
		field = &l->day;
	} else {
		return false;
	}
	/* Setting a field twice makes it invalid. */
	*field = *field < 0 ? t->val : 0;
	l->korean = true;
	l->i += 2;
	return true;
}

static int
take_number(struct loose *l)
{
	const struct tok *t = &l->t[l->i];
	size_t ntok;
	int ap;

	if (t->val < 0)
		return SH_EINVAL;
	if (tok_is_punct(l, l->i + 1, ':'))
		return take_time(l);
	if (take_korean_part(l))
		return SH_OK;
	/* "10 AM" or "10pm": an hour with no minutes. */
	ap = ampm_at(l, l->i + 1, &ntok);
	if (ap != 0 && l->hour < 0 && t->len <= 2) {
		l->hour = t->val;
		l->min = l->sec = 0;
		l->i++;
		return SH_OK;
	}
	if (l->mon < 0 && take_numeric_date(l))
		return SH_OK;
	if (l->nnum == 2)
		return SH_EINVAL;
	l->num[l->nnum] = t->val;
	l->numlen[l->nnum] = t->len;
	l->nnum++;
	l->i++;
	return SH_OK;
}

/* +h, +hh, +hhmm, +hmm, +hh:mm; the sign token is at l->i. */
static int
take_offset(struct loose *l)
{
	const struct tok *s = &l->t[l->i];
	const struct tok *t = &l->t[l->i + 1];
	size_t i = l->i + 2;
	int h, m = 0;

	if (l->has_off)
		return SH_EINVAL;
	if (t->len <= 2) {
		h = t->val;
		if (tok_is_punct(l, i, ':') && tok_is_num(l, i + 1)) {
			if (l->t[i + 1].len != 2)
				return SH_EINVAL;
			m = l->t[i + 1].val;
			i += 2;
		}
	} else if (t->len <= 4) {
		h = t->val / 100;
		m = t->val % 100;
	} else {
		return SH_EINVAL;
	}
	if (h > 18 || m > 59)
		return SH_EINVAL;
	l->off = (s->p[0] == '-' ? -1 : 1) * (h * 60 + m);
	l->has_off = true;
	l->i = i;
	return SH_OK;
}

static int
take_punct(struct loose *l)
{
	char ch = l->t[l->i].p[0];

	/*
	 * A sign starts a zone offset only after the time or right after a
	 * zone name ("GMT+2"); before that a '-' separates the parts of a
	 * date such as "06-Nov-94".
	 */
	if ((ch == '+' || ch == '-') && tok_is_num(l, l->i + 1) &&
	    (l->hour >= 0 || l->zone_end == l->i))
		return take_offset(l);
	if (ch == '+')
		return SH_EINVAL;
	/* Stray separators: "Mon., 20 Nov. 2023", "Nov 20, 2023". */
	if (ch == '-' || ch == '/' || ch == ',' || ch == '.' || ch == ';')
		l->i++;
	else
		return SH_EINVAL;
	return SH_OK;
}

static bool
is_unknown_zone(const struct tok *t)
{
	size_t i;

	if (t->len < 3 || t->len > 5)
		return false;
	for (i = 0; i < t->len; i++)
		if (t->p[i] < 'A' || t->p[i] > 'Z')
			return false;
	return true;
}

static int
set_zone(struct loose *l, int off)
{
	if (l->has_zone)
		return SH_EINVAL;
	l->has_zone = true;
	l->zone = off;
	l->i++;
	l->zone_end = l->i;
	return SH_OK;
}

/* Is the word at l->i a leading "Word," or "Word.,", a day name? */
static bool
is_lead_word(const struct loose *l)
{
	return l->i == 0 &&
	       (tok_is_punct(l, 1, ',') ||
		   (tok_is_punct(l, 1, '.') && tok_is_punct(l, 2, ',')));
}

static int
set_month(struct loose *l, int m)
{
	bool lead = is_lead_word(l);

	/*
	 * French and Spanish abbreviate Tuesday as "mar", which reads as
	 * March.  A leading "Mar," gives way to a month named later on.
	 */
	if (l->mon >= 0 && !l->lead_mon)
		return SH_EINVAL;
	if (l->mon < 0 || !lead) {
		l->mon = m;
		l->lead_mon = lead;
	}
	l->i++;
	return SH_OK;
}

static int
take_word(struct loose *l)
{
	const struct tok *t = &l->t[l->i];
	char w[MAX_WORD];
	size_t ntok;
	int ap, v;

	if (!word_lower(t, w))
		return SH_EINVAL;
	ap = ampm_at(l, l->i, &ntok);
	if (ap != 0) {
		if (l->ampm != 0)
			return SH_EINVAL;
		l->ampm = ap;
		if ((unsigned char)w[0] >= 0x80)
			l->korean = true;
		l->i += ntok;
		return SH_OK;
	}
	/* "20th", and the 'T' of "2023/11/20T10:00" or "13T9:15". */
	if ((l->i > 0 && l->t[l->i - 1].kind == TOK_NUM && !t->gap &&
		(strcmp(w, "st") == 0 || strcmp(w, "nd") == 0 ||
		    strcmp(w, "rd") == 0 || strcmp(w, "th") == 0)) ||
	    (strcmp(w, "t") == 0 && l->hour < 0 && tok_is_num(l, l->i + 1))) {
		l->i++;
		return SH_OK;
	}
	/* "Etc/GMT", as tz database names leak into some feeds. */
	if (strcmp(w, "etc") == 0 && tok_is_punct(l, l->i + 1, '/')) {
		l->i += 2;
		return SH_OK;
	}
	/* Filler: "November 20, 2023 at 10:00", "um 10:00 Uhr". */
	if ((l->hour < 0 && strcmp(w, "at") == 0) || strcmp(w, "of") == 0 ||
	    strcmp(w, "on") == 0 || strcmp(w, "um") == 0 ||
	    strcmp(w, "uhr") == 0 || is_weekday(w)) {
		l->i++;
		return SH_OK;
	}
	if ((v = month_find(w)) != 0)
		return set_month(l, v);
	if (name_find(zones, sizeof(zones) / sizeof(zones[0]), w, &v))
		return set_zone(l, v);
	if (l->hour >= 0 && military_zone(w, &v))
		return set_zone(l, v);
	if (l->hour >= 0 && is_unknown_zone(t))
		return set_zone(l, 0);
	/* A leading "Word," is the day of the week, in any language. */
	if (is_lead_word(l)) {
		l->i++;
		return SH_OK;
	}
	return SH_EINVAL;
}

/* Give the numbers that are left over their roles of day and year. */
static int
assign_numbers(struct loose *l)
{
	size_t k;

	for (k = 0; k < l->nnum; k++) {
		int v = l->num[k];
		size_t len = l->numlen[k];

		if (l->year < 0 && (len >= 3 || v > 31)) {
			l->year = v;
			l->yearlen = len;
		} else if (l->day < 0 && len <= 2) {
			l->day = v;
		} else if (l->year < 0) {
			l->year = v;
			l->yearlen = len;
		} else {
			return SH_EINVAL;
		}
	}
	if (l->year < 0 || l->mon < 0)
		return SH_EINVAL;
	/* "November 2023" names a month; its first day is the best guess. */
	if (l->day < 0)
		l->day = 1;
	return SH_OK;
}

/* Fold the time of day and the 12-hour clock into c. */
static int
finish_time(const struct loose *l, struct civil *c)
{
	if (l->hour < 0) {
		if (l->ampm != 0)
			return SH_EINVAL;
		c->hour = c->min = c->sec = 0;
		return SH_OK;
	}
	c->hour = l->hour;
	c->min = l->min;
	c->sec = l->sec;
	/* 12 AM is midnight and 12 PM noon; "13:00 PM" keeps its 13. */
	if (l->ampm == 'a' && c->hour == 12)
		c->hour = 0;
	else if (l->ampm == 'p' && c->hour >= 1 && c->hour < 12)
		c->hour += 12;
	return SH_OK;
}

/* The tolerant reader for RFC 822 and everything else. */
static int
parse_loose(const char *p, const char *end, struct civil *c)
{
	struct tok toks[MAX_TOKENS];
	struct loose l;
	int rc = SH_OK;

	memset(&l, 0, sizeof(l));
	l.t = toks;
	l.n = tokenize(p, end, toks);
	l.year = l.mon = l.day = l.hour = -1;
	l.zone_end = SIZE_MAX;
	if (l.n == 0)
		return SH_EINVAL;
	while (rc == SH_OK && l.i < l.n) {
		switch (toks[l.i].kind) {
		case TOK_NUM:
			rc = take_number(&l);
			break;
		case TOK_WORD:
			rc = take_word(&l);
			break;
		case TOK_PUNCT:
			rc = take_punct(&l);
			break;
		}
	}
	if (rc == SH_OK)
		rc = assign_numbers(&l);
	if (rc == SH_OK)
		rc = finish_time(&l, c);
	if (rc != SH_OK)
		return rc;
	c->year = year_expand(l.year, l.yearlen);
	c->mon = l.mon;
	c->day = l.day;
	/* A numeric offset is more precise than a name: "-0800 PST". */
	if (l.has_off)
		c->off = l.off;
	else if (l.has_zone)
		c->off = l.zone;
	else if (l.korean)
		c->off = KO_OFFSET;
	else
		c->off = 0;
	return SH_OK;
}

/* Two digits at p, or -1. */
static int
two_digits(const char *p)
{
	return is_digit(p[0]) && is_digit(p[1]) ? (p[0] - '0') * 10 + p[1] - '0'
						: -1;
}

/*
 * The form RSS 2.0 dates nearly all take, "Tue, 21 Nov 2023 10:00:00
 * +0000" (or GMT), read directly: the tolerant reader gives it the same
 * value after splitting it into a dozen tokens.  Anything else, including
 * the limits of each field (a day 0, an hour 24, a second 60, an offset
 * past 18:59), is left to it.  Returns false when the text is not in that
 * form.
 */
static bool
parse_rfc822(const char *p, const char *end, struct civil *c)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	static const char wdays[] = "MonTueWedThuFriSatSun";
	size_t n = (size_t)(end - p), i;
	int day, sign;

	/* "Tue, 1 Nov 2023 10:00:00 GMT" is the shortest. */
	if (n < 28 || p[3] != ',' || p[4] != ' ')
		return false;
	for (i = 0; i < 21; i += 3)
		if (memcmp(p, wdays + i, 3) == 0)
			break;
	if (i == 21 || !is_digit(p[5]))
		return false;
	p += 5;
	day = *p++ - '0';
	if (is_digit(*p))
		day = day * 10 + *p++ - '0';
	if (end - p < 23 || p[0] != ' ' || p[4] != ' ' || p[9] != ' ' ||
	    p[12] != ':' || p[15] != ':' || p[18] != ' ')
		return false;
	for (i = 0; i < 36; i += 3)
		if (memcmp(p + 1, months + i, 3) == 0)
			break;
	if (i == 36 || day < 1 || two_digits(p + 5) < 0 ||
	    two_digits(p + 7) < 0)
		return false;
	c->day = day;
	c->mon = (int)i / 3 + 1;
	c->year = two_digits(p + 5) * 100 + two_digits(p + 7);
	c->hour = two_digits(p + 10);
	c->min = two_digits(p + 13);
	c->sec = two_digits(p + 16);
	if (c->year < 1 || c->hour < 0 || c->hour > 23 || c->min < 0 ||
	    c->min > 59 || c->sec < 0 || c->sec > 59)
		return false;
	p += 19;
	n = (size_t)(end - p);
	if ((n == 3 &&
		(memcmp(p, "GMT", 3) == 0 || memcmp(p, "UTC", 3) == 0)) ||
	    (n == 2 && memcmp(p, "UT", 2) == 0)) {
		c->off = 0;
		return true;
	}
	if (n != 5 || (p[0] != '+' && p[0] != '-') || two_digits(p + 1) < 0 ||
	    two_digits(p + 1) > 18 || two_digits(p + 3) < 0 ||
	    two_digits(p + 3) > 59)
		return false;
	sign = p[0] == '-' ? -1 : 1;
	c->off = sign * (two_digits(p + 1) * 60 + two_digits(p + 3));
	return true;
}

int
feed_date_parse(const char *s, int64_t *out)
{
	struct civil c;
	const char *end;

	if (s == NULL)
		return SH_EINVAL;
	while (is_space((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && is_space((unsigned char)end[-1]))
		end--;
	if (s == end)
		return SH_EINVAL;
	memset(&c, 0, sizeof(c));
	if (parse_rfc822(s, end, &c))
		return civil_to_time(&c, out);
	memset(&c, 0, sizeof(c));
	if (!parse_iso(s, end, &c)) {
		memset(&c, 0, sizeof(c));
		if (parse_loose(s, end, &c) != SH_OK)
			return SH_EINVAL;
	}
	return civil_to_time(&c, out);
}

char *
feed_date_format(int64_t t, char *buf, size_t n)
{
	/* Split without overflow, even for INT64_MIN: no multiplication. */
	int64_t days = t / SECS_PER_DAY, secs = t % SECS_PER_DAY, y;
	int m, d;

	if (secs < 0) {
		secs += SECS_PER_DAY;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	if (n > 0)
		snprintf(buf, n, "%04" PRId64 "-%02d-%02dT%02d:%02d:%02dZ", y,
		    m, d, (int)(secs / 3600), (int)(secs / 60 % 60),
		    (int)(secs % 60));
	return buf;
}
