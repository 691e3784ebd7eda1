/* SPDX-License-Identifier: MIT */
/* Shared by the fuzz targets: input helpers and the invariants they check. */
#ifndef SH_FUZZ_CHECK_H
#define SH_FUZZ_CHECK_H

/*
 * A broken invariant ends in abort(), so that libFuzzer keeps the input as
 * a crash like any sanitizer report.  The checks only hold what a public
 * header promises; each says which promise it tests.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
 * Report a broken invariant on stderr and abort.
 *
 * @param fmt  printf format of the one-line message
 */
void fuzz_fail(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

/**
 * Copy bytes into a new NUL-terminated string; embedded NULs stay, so C
 * string functions see only the part before the first.
 *
 * @param p  the bytes
 * @param n  their number
 * @return the copy; the caller frees it
 */
char *fuzz_strndup(const uint8_t *p, size_t n);

/**
 * Copy bytes into a new NUL-terminated string of valid UTF-8: NULs become
 * spaces and each invalid byte becomes U+FFFD.  feeds/ hands every later
 * stage UTF-8 only (feeds.h), so a stage behind it is fuzzed with that.
 *
 * @param p  the bytes
 * @param n  their number
 * @return the copy; the caller frees it
 */
char *fuzz_utf8_dup(const uint8_t *p, size_t n);

/**
 * Check the output of feed_html_sanitize() against feeds.h: no script,
 * style, iframe, object or form element, no event-handler attribute, no
 * javascript:, vbscript: or (other than data:image/) data: URL in a URL
 * attribute, every tag and quoted value closed.
 *
 * @param html  the sanitized HTML, NUL-terminated
 * @param what  what produced it, for the message
 */
void fuzz_check_sanitized(const char *html, const char *what);

#endif
