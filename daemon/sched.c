/* SPDX-License-Identifier: MIT */
/* When to poll a feed next: hints, rhythm, errors and politeness. */

/*
 * The idea: a feed is polled as often as it is likely to have something
 * new, and never more often than its publisher asks or the configuration
 * allows.
 *
 * - Success: start from the feed's posting rhythm (half the median gap
 *   between its recent entries, so a feed that posts hourly is polled every
 *   half hour), then let the publisher's own hints lengthen it: RSS ttl or
 *   sy:updatePeriod, Cache-Control max-age, Expires.  A hint never shortens
 *   the interval below what the rhythm gives; the bounds min_interval and
 *   max_interval always win.
 * - 429 and 503 with Retry-After: exactly when the server said, if that is
 *   later than min_interval (a server asking for sooner gets min_interval).
 * - Errors (transport errors, 5xx, 403, 404, other 4xx): exponential
 *   backoff from min_interval, doubling per consecutive failure, capped at
 *   max_interval.
 * - 410 Gone: never again; the daemon marks the feed and says so.
 * - skipHours/skipDays move the poll to the next allowed hour (UTC).
 * - Jitter: up to a tenth of the interval, derived from the feed id and
 *   the time, so feeds added together or a restart do not poll in bursts.
 *
 * Tried and rejected: polling at the exact rhythm (too eager for feeds that
 * post in bursts) and honouring hints that ask for shorter intervals than
 * min_interval (one misconfigured server would cost everyone).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "sheafd.h"

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Median gap between consecutive entry times, or -1 with too few. */
static int64_t
median_gap(const int64_t *times, size_t n)
{
	int64_t sorted[64], gaps[63];
	size_t i, m = 0;

	if (n > 64)
		n = 64;
	if (n < 3)
		return -1;
	memcpy(sorted, times, n * sizeof(*times));
	qsort(sorted, n, sizeof(*sorted), cmp_i64);
	for (i = 1; i < n; i++)
		if (sorted[i] > sorted[i - 1])
			gaps[m++] = sorted[i] - sorted[i - 1];
	if (m < 2)
		return -1;
	qsort(gaps, m, sizeof(*gaps), cmp_i64);
	return gaps[m / 2];
}

static int64_t
clamp(int64_t v, int64_t lo, int64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static bool
is_error(long status)
{
	return status == 0 || status >= 400;
}

static void
decide_error(const struct sched_input *in, struct sched_decision *out)
{
	int64_t iv = in->min_interval;
	unsigned i;

	if ((in->status == 429 || in->status == 503) &&
	    in->retry_after > in->now) {
		iv = in->retry_after - in->now;
		if (iv < in->min_interval)
			iv = in->min_interval;
		out->interval = iv;
		snprintf(out->reason, sizeof(out->reason),
		    "%ld with Retry-After", in->status);
		return;
	}
	for (i = 1; i < in->failures && iv < in->max_interval; i++)
		iv *= 2;
	out->interval = clamp(iv, in->min_interval, in->max_interval);
	snprintf(out->reason, sizeof(out->reason), "backoff after %u failure%s",
	    in->failures, in->failures == 1 ? "" : "s");
}

static void
decide_success(const struct sched_input *in, struct sched_decision *out)
{
	int64_t gap = median_gap(in->entry_times, in->nentry_times);
	int64_t iv = in->min_interval, hint;
	const char *why = "minimum interval";

	if (gap > 0) {
		iv = gap / 2;
		why = "posting rhythm";
	} else {
		/* Nothing to learn from yet: a middle ground. */
		iv = 3600;
		why = "default";
	}
	if (in->ttl_minutes > 0 && (hint = in->ttl_minutes * 60LL) > iv) {
		iv = hint;
		why = "feed ttl";
	}
	if (in->max_age > iv) {
		iv = in->max_age;
		why = "Cache-Control max-age";
	}
	if (in->expires > in->now && in->expires - in->now > iv) {
		iv = in->expires - in->now;
		why = "Expires";
	}
	if (iv <= in->min_interval) {
		iv = in->min_interval;
		why = "minimum interval";
	} else if (iv >= in->max_interval) {
		iv = in->max_interval;
		why = "maximum interval";
	}
	out->interval = iv;
	snprintf(out->reason, sizeof(out->reason), "%s", why);
}

/* Move t out of skipped hours and days; gives up after a week. */
static int64_t
skip_forward(int64_t t, uint32_t hours, uint8_t days, bool *moved)
{
	int i;

	*moved = false;
	if ((hours & 0xffffff) == 0xffffff || (days & 0x7f) == 0x7f)
		return t; /* everything skipped: ignore the hint */
	for (i = 0; i < 24 * 7; i++) {
		int hour = (int)((t / 3600) % 24);
		int day = (int)((t / 86400 + 4) % 7); /* 1970-01-01: Thu */

		if (!(hours & (1u << hour)) && !(days & (1u << day)))
			return t;
		t = (t / 3600 + 1) * 3600;
		*moved = true;
	}
	return t;
}

static uint64_t
mix(uint64_t x)
{
	x ^= x >> 33;
	x *= UINT64_C(0xff51afd7ed558ccd);
	x ^= x >> 33;
	x *= UINT64_C(0xc4ceb9fe1a85ec53);
	x ^= x >> 33;
	return x;
}

void
sched_next(const struct sched_input *in, struct sched_decision *out)
{
	int64_t jitter, t;
	bool moved;

	memset(out, 0, sizeof(*out));
	if (in->status == 410) {
		out->next_poll = SCHED_NEVER;
		out->interval = -1;
		snprintf(out->reason, sizeof(out->reason),
		    "gone (410): not polled again");
		return;
	}
	if (is_error(in->status))
		decide_error(in, out);
	else
		decide_success(in, out);
	/* Retry-After is exact; everything else is spread a little. */
	jitter = 0;
	if (!(is_error(in->status) && in->retry_after > in->now))
		jitter = (int64_t)(mix(in->jitter_seed ^ (uint64_t)in->now) %
				   (uint64_t)(out->interval / 10 + 1));
	t = in->now + out->interval + jitter;
	t = skip_forward(t, in->skip_hours, in->skip_days, &moved);
	if (moved) {
		size_t n = strlen(out->reason);

		snprintf(out->reason + n, sizeof(out->reason) - n,
		    ", after skipHours/skipDays");
	}
	out->next_poll = t;
	out->interval = t - in->now;
}
