/* SPDX-License-Identifier: MIT */
/* Unit tests of the poll scheduler: hints, rhythm, errors, skips. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "common.h"
#include "sheafd.h"

#define NOW 1700000000 /* 2023-11-14 22:13:20 UTC, a Tuesday */

static void
base(struct sched_input *in)
{
	memset(in, 0, sizeof(*in));
	in->now = NOW;
	in->min_interval = 15 * 60;
	in->max_interval = 24 * 3600;
	in->status = 200;
	in->max_age = -1;
	in->expires = -1;
	in->retry_after = -1;
	in->ttl_minutes = -1;
	in->jitter_seed = 42;
}

/* The interval lies in [want, want + want/10]: jitter only lengthens. */
static void
assert_interval(const struct sched_decision *d, int64_t want)
{
	if (d->interval < want || d->interval > want + want / 10)
		fail_msg("interval %lld not in [%lld, %lld] (%s)",
		    (long long)d->interval, (long long)want,
		    (long long)(want + want / 10), d->reason);
	assert_int_equal(d->next_poll, NOW + d->interval);
}

static void
test_rhythm_and_hints(void **state)
{
	int64_t times[10];
	struct sched_input in;
	struct sched_decision d;
	int i;

	(void)state;
	for (i = 0; i < 10; i++)
		times[i] = NOW - i * 7200; /* a post every two hours */
	base(&in);
	in.entry_times = times;
	in.nentry_times = 10;
	sched_next(&in, &d);
	assert_interval(&d, 3600);
	assert_string_equal(d.reason, "posting rhythm");

	in.ttl_minutes = 180; /* the feed asks for three hours */
	sched_next(&in, &d);
	assert_interval(&d, 3 * 3600);
	assert_string_equal(d.reason, "feed ttl");

	in.max_age = 5 * 3600;
	sched_next(&in, &d);
	assert_interval(&d, 5 * 3600);
	assert_string_equal(d.reason, "Cache-Control max-age");

	in.expires = NOW + 6 * 3600;
	sched_next(&in, &d);
	assert_interval(&d, 6 * 3600);
	assert_string_equal(d.reason, "Expires");
}

static void
test_bounds(void **state)
{
	int64_t times[5];
	struct sched_input in;
	struct sched_decision d;
	int i;

	(void)state;
	for (i = 0; i < 5; i++)
		times[i] = NOW - i * 60; /* a post a minute */
	base(&in);
	in.entry_times = times;
	in.nentry_times = 5;
	in.max_age = 10; /* a hint shorter than the minimum */
	sched_next(&in, &d);
	assert_interval(&d, 15 * 60);
	assert_string_equal(d.reason, "minimum interval");

	base(&in);
	in.ttl_minutes = 7 * 24 * 60; /* a week: capped */
	sched_next(&in, &d);
	assert_interval(&d, 24 * 3600);
	assert_string_equal(d.reason, "maximum interval");
}

static void
test_backoff(void **state)
{
	struct sched_input in;
	struct sched_decision d;

	(void)state;
	base(&in);
	in.status = 500;
	in.failures = 1;
	sched_next(&in, &d);
	assert_interval(&d, 15 * 60);
	in.failures = 3;
	sched_next(&in, &d);
	assert_interval(&d, 60 * 60);
	assert_string_equal(d.reason, "backoff after 3 failures");
	in.status = 0; /* timeouts, DNS */
	in.failures = 30;
	sched_next(&in, &d);
	assert_interval(&d, 24 * 3600);
	in.status = 404;
	in.failures = 2;
	sched_next(&in, &d);
	assert_interval(&d, 30 * 60);
}

static void
test_retry_after_is_exact(void **state)
{
	struct sched_input in;
	struct sched_decision d;

	(void)state;
	base(&in);
	in.status = 429;
	in.failures = 1;
	in.retry_after = NOW + 7200;
	sched_next(&in, &d);
	assert_int_equal(d.next_poll, NOW + 7200);
	assert_string_equal(d.reason, "429 with Retry-After");
	/* Sooner than the minimum: the minimum. */
	in.status = 503;
	in.retry_after = NOW + 5;
	sched_next(&in, &d);
	assert_int_equal(d.next_poll, NOW + 15 * 60);
}

static void
test_gone(void **state)
{
	struct sched_input in;
	struct sched_decision d;

	(void)state;
	base(&in);
	in.status = 410;
	sched_next(&in, &d);
	assert_true(d.next_poll == SCHED_NEVER);
	assert_non_null(strstr(d.reason, "410"));
}

static void
test_skip_hours_and_days(void **state)
{
	struct sched_input in;
	struct sched_decision d;
	int64_t t;

	(void)state;
	base(&in);
	in.ttl_minutes = 60; /* due 23:13 UTC on Tuesday */
	in.skip_hours = 1u << 23 | 1u << 0;
	sched_next(&in, &d);
	t = d.next_poll;
	/* Moved to 01:00 on Wednesday. */
	assert_int_equal((t / 3600) % 24, 1);
	assert_non_null(strstr(d.reason, "skipHours"));
	in.skip_hours = 0;
	in.skip_days = 1u << 3; /* Wednesday */
	in.ttl_minutes = 120;	/* due 00:13 on Wednesday */
	sched_next(&in, &d);
	t = d.next_poll;
	/* Thursday 00:00. */
	assert_int_equal((t / 86400 + 4) % 7, 4);
	assert_int_equal((t / 3600) % 24, 0);
}

static void
test_jitter_spreads_feeds(void **state)
{
	struct sched_input in;
	struct sched_decision d;
	int64_t first = -1;
	bool differ = false;
	uint64_t id;

	(void)state;
	base(&in);
	for (id = 1; id <= 20; id++) {
		in.jitter_seed = id;
		sched_next(&in, &d);
		assert_interval(&d, 3600);
		if (first < 0)
			first = d.next_poll;
		else if (d.next_poll != first)
			differ = true;
	}
	assert_true(differ);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rhythm_and_hints),
	    cmocka_unit_test(test_bounds),
	    cmocka_unit_test(test_backoff),
	    cmocka_unit_test(test_retry_after_is_exact),
	    cmocka_unit_test(test_gone),
	    cmocka_unit_test(test_skip_hours_and_days),
	    cmocka_unit_test(test_jitter_spreads_feeds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
