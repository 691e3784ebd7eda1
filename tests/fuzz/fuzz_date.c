/* SPDX-License-Identifier: MIT */
/* libFuzzer target: feed_date_parse() and its round trip through format. */

/*
 * The input is the date text (up to its first NUL, as the parser sees a C
 * string).  A date that parses must format and parse back to the same
 * second: feed_date_parse() only accepts years 1 to 9999, which
 * feed_date_format() writes as RFC 3339, a form the parser reads.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "feeds.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_strndup(data, size), buf[64];
	int64_t t, back;

	if (feed_date_parse(s, &t) == SH_OK) {
		if (t == FEED_TIME_NONE)
			fuzz_fail("date \"%s\" parsed as FEED_TIME_NONE", s);
		feed_date_format(t, buf, sizeof(buf));
		if (feed_date_parse(buf, &back) != SH_OK)
			fuzz_fail("date \"%s\" gave %lld, formatted \"%s\", "
				  "which does not parse",
			    s, (long long)t, buf);
		if (back != t)
			fuzz_fail("date \"%s\" gave %lld, formatted \"%s\", "
				  "which parses as %lld",
			    s, (long long)t, buf, (long long)back);
	}
	free(s);
	return 0;
}
