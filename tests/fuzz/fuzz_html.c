/* SPDX-License-Identifier: MIT */
/* libFuzzer target: HTML to text, whitespace collapsing and the sanitizer. */

/*
 * The first input byte picks the output limit (low three bits) and the base
 * URL (the next three); the rest is the fragment, passed without a NUL so
 * that AddressSanitizer sees any read past its end.  Each function must
 * stay within its limit, and the sanitizer's output, at the chosen limit
 * and at a large one, must hold nothing feeds.h says it removes (see
 * fuzz_check_sanitized()).
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "feeds.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define BIG ((size_t)1 << 20)

static const char *const bases[] = {
    "https://ex.org/a/c",
    NULL,
    "http://a/b/c/d;p?q",
    "https://ex.org/",
    "javascript:alert(1)//x/",
    "data:text/html,<script>x</script>/",
    "//ex.org/rel",
    "https://user:pw@[::1]:8443/a/b/../c?x#y",
};

static void
check_len(const char *out, size_t max, const char *what)
{
	if (out == NULL)
		fuzz_fail("%s returned NULL", what);
	if (strlen(out) > max)
		fuzz_fail("%s returned %zu bytes, limit %zu", what, strlen(out),
		    max);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t maxes[] = {BIG, 0, 1, 5, 16, 64, 300, 0};
	const char *html, *base;
	size_t len, max;
	char *out;

	if (size < 1)
		return 0;
	max = maxes[data[0] & 7];
	if ((data[0] & 7) == 7)
		max = size > 1 ? data[1] : 8; /* a limit near the input */
	base = bases[(data[0] >> 3) & 7];
	html = (const char *)data + 1;
	len = size - 1;

	out = feed_html_to_text(html, len, max);
	check_len(out, max, "feed_html_to_text");
	free(out);
	out = feed_text_collapse(html, len, max);
	check_len(out, max, "feed_text_collapse");
	free(out);
	(void)feed_text_looks_html(html, len);

	out = feed_html_sanitize(html, len, base, max);
	check_len(out, max, "feed_html_sanitize");
	fuzz_check_sanitized(out, "feed_html_sanitize");
	free(out);
	if (max != BIG) {
		out = feed_html_sanitize(html, len, base, BIG);
		check_len(out, BIG, "feed_html_sanitize");
		fuzz_check_sanitized(out, "feed_html_sanitize");
		free(out);
	}
	return 0;
}
