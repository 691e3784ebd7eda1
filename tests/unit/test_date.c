/* SPDX-License-Identifier: MIT */
/* Unit tests for feeds/date.c: dates as feeds write them, and formatting. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "common.h"
#include "feeds.h"

struct date_case {
	const char *in;
	const char *want; /* UTC, as feed_date_format() writes it */
};

/*
 * Each expectation was worked out by hand and cross-checked with Python's
 * email.utils and datetime, or with feedparser where it reads the form.
 * Where feedparser disagrees (unknown zones read as UTC, basic ISO times
 * dropped) the comment says which reading we chose.
 */
static const struct date_case accepted[] = {
    /* RFC 822 / 1123 with every kind of zone. */
    {"Mon, 20 Nov 2023 10:00:00 GMT", "2023-11-20T10:00:00Z"},
    {"Mon, 20 Nov 2023 10:00:00 +0000", "2023-11-20T10:00:00Z"},
    {"Mon, 20 Nov 2023 10:00:00 +0200", "2023-11-20T08:00:00Z"},
    {"Mon, 20 Nov 2023 10:00:00 -0530", "2023-11-20T15:30:00Z"},
    {"Mon, 20 Nov 2023 10:00:00 +02:00", "2023-11-20T08:00:00Z"},
    /* One or two digits are hours, not minutes. */
    {"Mon, 20 Nov 2023 10:00:00 +2", "2023-11-20T08:00:00Z"},
    {"Mon, 20 Nov 2023 10:00:00 UT", "2023-11-20T10:00:00Z"},
    {"Mon, 20 Nov 2023 10:00:00 UTC", "2023-11-20T10:00:00Z"},
    {"Mon, 20 Nov 2023 10:00:00 Z", "2023-11-20T10:00:00Z"},
    {"Mon, 20 Nov 2023 10:00:00 EST", "2023-11-20T15:00:00Z"},
    {"Mon, 20 Nov 2023 10:00:00 EDT", "2023-11-20T14:00:00Z"},
    {"Mon, 20 Nov 2023 10:00:00 CST", "2023-11-20T16:00:00Z"},
    {"Mon, 20 Nov 2023 10:00:00 CDT", "2023-11-20T15:00:00Z"},
    {"Mon, 20 Nov 2023 10:00:00 MST", "2023-11-20T17:00:00Z"},
    {"Mon, 20 Nov 2023 10:00:00 MDT", "2023-11-20T16:00:00Z"},
    {"Mon, 20 Nov 2023 10:00:00 PST", "2023-11-20T18:00:00Z"},
    {"Mon, 20 Nov 2023 10:00:00 PDT", "2023-11-20T17:00:00Z"},
    {"Mon, 20 Nov 2023 10:00:00 AST", "2023-11-20T14:00:00Z"},
    {"Mon, 20 Nov 2023 10:00:00 ADT", "2023-11-20T13:00:00Z"},
    {"Mon, 20 Nov 2023 10:00:00 AKST", "2023-11-20T19:00:00Z"},
    {"Mon, 20 Nov 2023 10:00:00 HST", "2023-11-20T20:00:00Z"},
    {"Mon, 20 Nov 2023 10:00:00 CET", "2023-11-20T09:00:00Z"},
    {"Mon, 20 Nov 2023 10:00:00 CEST", "2023-11-20T08:00:00Z"},
    {"Mon, 20 Nov 2023 10:00:00 BST", "2023-11-20T09:00:00Z"},
    /* IST is India's; feedparser does not know it and reads UTC. */
    {"Mon, 20 Nov 2023 10:00:00 IST", "2023-11-20T04:30:00Z"},
    {"Mon, 20 Nov 2023 10:00:00 MSK", "2023-11-20T07:00:00Z"},
    {"Mon, 20 Nov 2023 10:00:00 JST", "2023-11-20T01:00:00Z"},
    {"Mon, 20 Nov 2023 10:00:00 KST", "2023-11-20T01:00:00Z"},
    {"Mon, 20 Nov 2023 10:00:00 AEST", "2023-11-20T00:00:00Z"},
    {"Mon, 20 Nov 2023 10:00:00 AEDT", "2023-11-19T23:00:00Z"},
    {"Tue, 20 Nov 2023 10:00:00 NZDT", "2023-11-19T21:00:00Z"},
    /* Military letters with RFC 822's signs, as feedparser reads them. */
    {"Mon, 20 Nov 2023 10:00:00 A", "2023-11-20T11:00:00Z"},
    {"Mon, 20 Nov 2023 10:00:00 N", "2023-11-20T09:00:00Z"},
    {"Mon, 20 Nov 2023 10:00:00 M", "2023-11-20T22:00:00Z"},
    {"Mon, 20 Nov 2023 10:00:00 Y", "2023-11-19T22:00:00Z"},
    {"Mon, 20 Nov 2023 10:00:00 -0800 (PST)", "2023-11-20T18:00:00Z"},
    {"Mon, 20 Nov 2023 10:00:00 +0000 (UTC)", "2023-11-20T10:00:00Z"},
    {"Mon, 20 Nov 2023 10:00:00 -0500 EST", "2023-11-20T15:00:00Z"},
    {"Wed, 19 Feb 2012 22:40:00 GMT-01:01", "2012-02-19T23:41:00Z"},
    {"Mon, 20 Nov 2023 10:00:00 UTC+5:30", "2023-11-20T04:30:00Z"},
    {"Wed, 19 Aug 2009 18:28:00 Etc/GMT", "2009-08-19T18:28:00Z"},
    {"Mon, 26 January 2004 16:31:00 AT", "2004-01-26T20:31:00Z"},
    {"Mon, 26 January 2004 16:31:00 ET", "2004-01-26T21:31:00Z"},
    {"Mon, 26 January 2004 16:31:00 PT", "2004-01-27T00:31:00Z"},
    {"Thu, 30 Apr 2015 08:57:00 MET", "2015-04-30T07:57:00Z"},
    {"Thu, 30 Apr 2015 08:57:00 MEST", "2015-04-30T06:57:00Z"},
    /* An unknown capitalized zone counts as UTC, as in feedparser. */
    {"Mon, 20 Nov 2023 10:00:00 XYZT", "2023-11-20T10:00:00Z"},

    /* RFC 822 bent out of shape. */
    {"Mon, 20 Nov 2023 10:00 GMT", "2023-11-20T10:00:00Z"},
    {"20 Nov 2023 10:00:00 GMT", "2023-11-20T10:00:00Z"},
    {"Fri, 20 Nov 2023 10:00:00 GMT", "2023-11-20T10:00:00Z"},
    {"MONDAY, 20 NOVEMBER 2023 10:00:00 gmt", "2023-11-20T10:00:00Z"},
    {"mon, 20 nov 2023 10:00:00 pst", "2023-11-20T18:00:00Z"},
    {"Mon, 20 Nov 23 10:00:00 GMT", "2023-11-20T10:00:00Z"},
    {"Sat, 20 Nov 99 10:00:00 GMT", "1999-11-20T10:00:00Z"},
    {"Fri, 01 Jan 49 00:00:00 GMT", "2049-01-01T00:00:00Z"},
    {"Sun, 01 Jan 50 00:00:00 GMT", "1950-01-01T00:00:00Z"},
    /* Three-digit years add 1900 (RFC 5322 section 4.3). */
    {"Thu, 20 Nov 103 10:00:00 GMT", "2003-11-20T10:00:00Z"},
    {"Tue, Nov 20 2023 10:00:00 GMT", "2023-11-20T10:00:00Z"},
    {"Mon, 20 Nov 2023 10:00:00", "2023-11-20T10:00:00Z"},
    {"Mon., 20 Nov. 2023 10:00:00 GMT", "2023-11-20T10:00:00Z"},
    {"Mon, 13 Feb, 2012 06:28:00 UTC", "2012-02-13T06:28:00Z"},
    {"Thu,  5 Apr 2012 9:05:00 GMT", "2012-04-05T09:05:00Z"},
    {"Thu, 01 Jan 2004", "2004-01-01T00:00:00Z"},
    {"Sunday, 06-Nov-94 08:49:37 GMT", "1994-11-06T08:49:37Z"},
    {"Thur, 27 June 2013 04:24:36 GMT", "2013-06-27T04:24:36Z"},
    {"Tues, 12 May 2015 04:24:36 GMT", "2015-05-12T04:24:36Z"},
    {"Weds, 20 Sept 2023 10:00:00 GMT", "2023-09-20T10:00:00Z"},
    {"Thu, 01 Jan 0100 00:00:01 +0100", "0099-12-31T23:00:01Z"},
    {"Mon,20 Nov 2023 10:00:00 GMT", "2023-11-20T10:00:00Z"},
    {"Mon, 20 Nov 2023 23:30:00 -0800", "2023-11-21T07:30:00Z"},
    {"Sat, 31 Dec 2022 23:00:00 -0200", "2023-01-01T01:00:00Z"},
    {"Tue, 29 Feb 2000 12:00:00 GMT", "2000-02-29T12:00:00Z"},
    {"Sat, 01 Jan 1966 12:00:00 GMT", "1966-01-01T12:00:00Z"},
    {"Mon, 20\xc2\xa0Nov 2023 10:00:00 GMT", "2023-11-20T10:00:00Z"},

    /* ISO 8601, W3CDTF and RFC 3339. */
    {"2023", "2023-01-01T00:00:00Z"},
    {"2023-11", "2023-11-01T00:00:00Z"},
    {"2023-11-20", "2023-11-20T00:00:00Z"},
    {"2023-11-20T10:00:00Z", "2023-11-20T10:00:00Z"},
    {"2023-11-20T10:00Z", "2023-11-20T10:00:00Z"},
    {"2023-11-20 10:00:00Z", "2023-11-20T10:00:00Z"},
    {"2023-11-20T10:00:00.123456789Z", "2023-11-20T10:00:00Z"},
    {"2023-11-20T10:00:59,999Z", "2023-11-20T10:00:59Z"},
    {"2023-11-20T10:00:00+01:00", "2023-11-20T09:00:00Z"},
    {"2023-11-20T10:00:00+0100", "2023-11-20T09:00:00Z"},
    {"2023-11-20T10:00:00+01", "2023-11-20T09:00:00Z"},
    {"2023-11-20T10:00:00-05:30", "2023-11-20T15:30:00Z"},
    /* feedparser drops the time of the basic format. */
    {"20231120T100000Z", "2023-11-20T10:00:00Z"},
    {"20231120", "2023-11-20T00:00:00Z"},
    {"2023-11-20t10:00:00z", "2023-11-20T10:00:00Z"},
    {"2023-324", "2023-11-20T00:00:00Z"},
    {"2024-366", "2024-12-31T00:00:00Z"},
    {"2023-11-20T24:00:00Z", "2023-11-21T00:00:00Z"},
    {"2016-12-31T23:59:60Z", "2016-12-31T23:59:59Z"},
    {"2003-012-31T10:14:55+00:00", "2003-12-31T10:14:55Z"},
    {"2007-04-23T23:25:47.538+10:00", "2007-04-23T13:25:47Z"},
    {"2004-02-28T18:14:55-08:00", "2004-02-29T02:14:55Z"},
    {"2003-02-28T18:14:55-08:00", "2003-03-01T02:14:55Z"},
    {"1969-07-20T20:17:40Z", "1969-07-20T20:17:40Z"},
    {"  2023-11-20T10:00:00Z\n", "2023-11-20T10:00:00Z"},

    /* Broken forms seen in feeds. */
    {"2023-11-20 10:00:00", "2023-11-20T10:00:00Z"},
    {"2004-07-08 23:56:58 -00:20", "2004-07-09T00:16:58Z"},
    {"2004-07-08 23:56:58.0", "2004-07-08T23:56:58Z"},
    {"2023-11-20 10:00:00 UTC", "2023-11-20T10:00:00Z"},
    {"2023-11-20T10:00:00 +01:00", "2023-11-20T09:00:00Z"},
    {"Nov 20, 2023", "2023-11-20T00:00:00Z"},
    {"20 November 2023", "2023-11-20T00:00:00Z"},
    {"November 2023", "2023-11-01T00:00:00Z"},
    {"2023/11/20 10:00", "2023-11-20T10:00:00Z"},
    {"Fri, 2006/09/15 08:19:53 EDT", "2006-09-15T12:19:53Z"},
    {"Monday, November 20, 2023 10:00 AM EST", "2023-11-20T15:00:00Z"},
    {"Monday, November 20, 2023 12:30 PM EST", "2023-11-20T17:30:00Z"},
    {"November 20, 2023 12:15 AM", "2023-11-20T00:15:00Z"},
    {"November 20th, 2023 at 10:00 pm", "2023-11-20T22:00:00Z"},
    {"Nov 20, 2023 10 p.m.", "2023-11-20T22:00:00Z"},
    {"Mon Nov 20 10:00:00 2023", "2023-11-20T10:00:00Z"},
    {"Sun Nov  6 08:49:37 1994", "1994-11-06T08:49:37Z"},
    {"Mon Nov 20 10:00:00 UTC 2023", "2023-11-20T10:00:00Z"},
    {"Sun Jul 15 01:16:00 +0000 2012", "2012-07-15T01:16:00Z"},
    {"Mon Nov 20 2023 10:00:00 GMT+0100 (Central European Standard "
     "Time)",
	"2023-11-20T09:00:00Z"},
    {"Thu Aug 30 2012 17:26:16 +0200", "2012-08-30T15:26:16Z"},
    {"20.11.2023 10:00", "2023-11-20T10:00:00Z"},
    {"20.11.2023", "2023-11-20T00:00:00Z"},
    {"06.05.2023", "2023-05-06T00:00:00Z"},
    {"11/20/2023 10:00", "2023-11-20T10:00:00Z"},
    {"20/11/2023", "2023-11-20T00:00:00Z"},
    {"05/06/2023", "2023-05-06T00:00:00Z"},
    {"20-11-2023", "2023-11-20T00:00:00Z"},

    /* Other languages: a day name we do not know, months we do. */
    {"Di, 21 Nov 2023 10:00:00 +0100", "2023-11-21T09:00:00Z"},
    {"mar., 21 nov. 2023 10:00:00 +0100", "2023-11-21T09:00:00Z"},
    {"21 März 2023", "2023-03-21T00:00:00Z"},
    {"12 déc. 2023 08:00", "2023-12-12T08:00:00Z"},
    {"Κυρ, 11 Ιούλ 2004 12:00:00 EST", "2004-07-11T17:00:00Z"},
    {"2004-július-13T9:15-05:00", "2004-07-13T14:15:00Z"},
    /* Korean sites state no zone; feedparser assumes Korea's. */
    {"2004년 05월 28일  01:31:15", "2004-05-27T16:31:15Z"},
    {"2004-05-25 오후 11:23:17", "2004-05-25T14:23:17Z"},
};

static const char *const rejected[] = {
    "",
    "   ",
    "garbage",
    "hello world",
    "now",
    "yesterday",
    "Mon, 30 Feb 2023 10:00:00 GMT",
    "2023-02-29",
    "2023-366",
    "2023-13-01",
    "2023-00-10",
    "2023-11-31",
    "0000-01-01",
    "10000-01-01",
    "Sun, 31 Dec 9999 23:59:59 -9999",
    /* Valid input whose UTC time falls outside years 1 to 9999. */
    "9999-12-31T23:59:59-01:00",
    "0001-01-01T00:00:00+01:00",
    "Sun, 16 Dec 2012 1:2:3:4 GMT",
    "Sun, 16 zzz 2012 11:47:32 GMT",
    "Sun, Dec x 2012 11:47:32 GMT",
    "Sun, 16 Dec zz 11:47:32 GMT",
    "Sun, 16 Dec 2012 11:47:32 +zz:00",
    "Sun, 16 Dec 2012 11:47:32 +00:zz",
    "Sun, 99 Jun 2009 12:00:00 GMT",
    "2003-12-31T25:14:55Z",
    "2003-12-31T10:61:55Z",
    "2003-12-31T10:14:61Z",
    "2003-12-31T24:00:01Z",
    "22013",
    "013",
    "2013-01-27-01",
    "2013-01-28T11:30:00-06:00Textra",
    "2013-xx-27",
    "2013-01-28T09:xx:00Z",
    "2013-01-28T09:00:00+00:xx",
    /* Epoch seconds are no date format any feed uses. */
    "1700474400",
    /* No year: we never guess it from the clock. */
    "Nov 20",
    "20 Nov",
    "12:00",
    "Mon, 20 Nov 2023 10:00:00 +2500",
    "Mon, 20 Nov 2023 10:00:00 GMT GMT",
    "Mon, 20 Nov 2023 10:00:00 +0100 +0100",
    "Mon, 20 Nov 2023 10:00:00 GMT}",
    "Mon, 20 Nov 2023 10:00:00 Textra",
    "T",
    "Z",
    "2023-11-20T",
    "2023-11-20T10:00:00+",
    "2023 10:00",
    "Mon, 20 Nov Nov 2023",
    "20 20 20 Nov",
    "((((((",
    "20/20/2023",
    "2023/20/11",
    "99999999999999999999999 Nov 2023",
    /* More tokens than any date has. */
    "1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3",
    "\xff\xfe\xfd",
};

static void
test_date_accepted(void **state)
{
	char buf[32];
	size_t i, bad = 0;

	(void)state;
	for (i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++) {
		int64_t t = 42;
		int rc = feed_date_parse(accepted[i].in, &t);

		if (rc != SH_OK) {
			print_error("\"%s\": rejected, want %s\n",
			    accepted[i].in, accepted[i].want);
			bad++;
			continue;
		}
		feed_date_format(t, buf, sizeof(buf));
		if (strcmp(buf, accepted[i].want) != 0) {
			print_error("\"%s\": got %s, want %s\n", accepted[i].in,
			    buf, accepted[i].want);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

static void
test_date_rejected(void **state)
{
	size_t i, bad = 0;

	(void)state;
	for (i = 0; i < sizeof(rejected) / sizeof(rejected[0]); i++) {
		int64_t t = 42;

		/* Rejects must leave the output alone. */
		if (feed_date_parse(rejected[i], &t) != SH_EINVAL || t != 42) {
			print_error("\"%s\": accepted\n", rejected[i]);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

static void
test_date_null(void **state)
{
	int64_t t = 42;

	(void)state;
	assert_int_equal(feed_date_parse(NULL, &t), SH_EINVAL);
	assert_int_equal(t, 42);
}

static void
test_date_seconds(void **state)
{
	int64_t t;

	(void)state;
	assert_int_equal(feed_date_parse("1970-01-01T00:00:00Z", &t), SH_OK);
	assert_int_equal(t, 0);
	assert_int_equal(feed_date_parse("Mon, 20 Nov 2023 10:00:00 GMT", &t),
	    SH_OK);
	assert_int_equal(t, 1700474400);
	assert_int_equal(feed_date_parse("1969-12-31T23:59:59Z", &t), SH_OK);
	assert_int_equal(t, -1);
	assert_int_equal(feed_date_parse("Sat, 01 Jan 1966 12:00:00 GMT", &t),
	    SH_OK);
	assert_int_equal(t, -126187200);
	assert_int_equal(feed_date_parse("0001-01-01T00:00:00Z", &t), SH_OK);
	assert_int_equal(t, -62135596800LL);
	assert_int_equal(feed_date_parse("9999-12-31T23:59:59Z", &t), SH_OK);
	assert_int_equal(t, 253402300799LL);
}

static void
test_date_format(void **state)
{
	static const struct {
		int64_t t;
		const char *want;
	} cases[] = {
	    {0, "1970-01-01T00:00:00Z"},
	    {-1, "1969-12-31T23:59:59Z"},
	    {-86400, "1969-12-31T00:00:00Z"},
	    {-86401, "1969-12-30T23:59:59Z"},
	    {-14182940, "1969-07-20T20:17:40Z"},
	    {-2208988800LL, "1900-01-01T00:00:00Z"},
	    {-62135596800LL, "0001-01-01T00:00:00Z"},
	    {951782400, "2000-02-29T00:00:00Z"},
	    {1700474400, "2023-11-20T10:00:00Z"},
	    {253402300799LL, "9999-12-31T23:59:59Z"},
	};
	char buf[21];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_ptr_equal(feed_date_format(cases[i].t, buf, sizeof(buf)),
		    buf);
		assert_string_equal(buf, cases[i].want);
	}
}

static void
test_date_format_small_buffer(void **state)
{
	char buf[8];

	(void)state;
	memset(buf, 'x', sizeof(buf));
	assert_ptr_equal(feed_date_format(0, buf, sizeof(buf)), buf);
	assert_string_equal(buf, "1970-01");
	/* FEED_TIME_NONE is no time to show, but must not overflow. */
	feed_date_format(FEED_TIME_NONE, buf, sizeof(buf));
	assert_non_null(memchr(buf, '\0', sizeof(buf)));
}

/* Every second we can format, we can read back, before 1970 too. */
static void
test_date_round_trip(void **state)
{
	const int64_t lo = -62135596800LL, hi = 253402300799LL;
	char buf[32];
	int64_t t, back;

	(void)state;
	for (t = lo; t <= hi; t += 7777777) {
		feed_date_format(t, buf, sizeof(buf));
		assert_int_equal(feed_date_parse(buf, &back), SH_OK);
		assert_int_equal(back, t);
	}
	feed_date_format(hi, buf, sizeof(buf));
	assert_int_equal(feed_date_parse(buf, &back), SH_OK);
	assert_int_equal(back, hi);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_date_accepted),
	    cmocka_unit_test(test_date_rejected),
	    cmocka_unit_test(test_date_null),
	    cmocka_unit_test(test_date_seconds),
	    cmocka_unit_test(test_date_format),
	    cmocka_unit_test(test_date_format_small_buffer),
	    cmocka_unit_test(test_date_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
