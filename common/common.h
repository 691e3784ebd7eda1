/* SPDX-License-Identifier: MIT */
/* Public header of common/: errors, limits, logging, checked allocation. */
#ifndef SH_COMMON_H
#define SH_COMMON_H

/*
 * What both programs need and nothing more: error codes (err.h), default
 * limits (limits.h), logging to stderr with journald priority prefixes,
 * allocators that abort on failure, and a growable byte buffer that takes
 * its ceiling when it is created.  Everything here uses libc only.
 *
 * The x* allocators abort when memory runs out.  That is acceptable because
 * every input-driven growth in sheaf is bounded by a limit (limits.h), so an
 * allocation failure means the machine is out of memory, not that a feed
 * was hostile.
 */

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "limits.h"

/* Logging. */

enum log_level {
	LOG_LEVEL_ERR = 3,
	LOG_LEVEL_WARNING = 4,
	LOG_LEVEL_INFO = 6,
	LOG_LEVEL_DEBUG = 7
};

/**
 * Configure logging.
 *
 * @param progname  name printed before each line when not under journald
 * @param level     most verbose level that is printed
 * @param journald  true to prefix lines with <N> instead of the name
 */
void log_init(const char *progname, enum log_level level, bool journald);

/** Log a warning with strerror(errno) appended; errno is preserved. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/** Log a warning. */
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/** Log an informational message. */
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/** Log a debugging message. */
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/** Log an error with strerror(errno) and exit(1). */
void fatal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));
/** Log an error and exit(1). */
void fatalx(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

/* Checked allocation: these abort on failure and never return NULL. */

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
/**
 * Copy exactly n bytes into a new string and add a NUL.  Unlike POSIX
 * strndup(), the copy does not stop at a NUL byte: callers copy counted
 * buffers (attribute values, captured text, decoded base64, a document
 * and its length) and go on using n, so all n bytes must be readable.  To
 * copy at most n bytes of a string, pass strnlen(s, n).
 *
 * @param s  bytes to copy
 * @param n  their number
 * @return the copy, n + 1 bytes; the caller frees it
 */
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growable byte buffer with a ceiling. */

struct sh_buf {
	char *data; /* NUL-terminated contents, NULL until first append */
	size_t len; /* bytes used, not counting the NUL */
	size_t cap; /* bytes allocated */
	size_t max; /* ceiling on len; appends past it fail */
};

/**
 * Prepare an empty buffer.
 *
 * @param b    buffer to initialize
 * @param max  most bytes it may ever hold
 */
void sh_buf_init(struct sh_buf *b, size_t max);

/** Release the buffer's memory and leave it empty. */
void sh_buf_clear(struct sh_buf *b);

/** Forget the contents but keep the memory. */
void sh_buf_reset(struct sh_buf *b);

/**
 * Append bytes.
 *
 * @param b    buffer
 * @param p    bytes to append
 * @param n    how many
 * @return SH_OK, or SH_ETOOBIG when the result would pass the ceiling (then
 *         nothing is appended)
 */
int sh_buf_append(struct sh_buf *b, const void *p, size_t n);

/**
 * Make room for n more bytes at once, when the size is known up front, so
 * that appending them does not copy the buffer as it doubles.
 *
 * @return SH_OK, or SH_ETOOBIG past the ceiling (the buffer is unchanged)
 */
int sh_buf_reserve(struct sh_buf *b, size_t n);

/** Append a NUL-terminated string; as sh_buf_append(). */
int sh_buf_puts(struct sh_buf *b, const char *s);

/** Append one byte; as sh_buf_append(). */
int sh_buf_putc(struct sh_buf *b, char c);

/**
 * Take the contents: the buffer is left empty and the caller owns the
 * returned string (free() it).  Returns an empty string for an empty buffer.
 */
char *sh_buf_steal(struct sh_buf *b);

/* Small string helpers. */

/** ASCII-only case-insensitive equality. */
bool sh_strcaseeq(const char *a, const char *b);

/**
 * Check that bytes are well-formed UTF-8 (no overlongs, no surrogates).
 *
 * @param s  bytes
 * @param n  length
 * @return true when valid
 */
bool sh_utf8_valid(const char *s, size_t n);

/**
 * SHA-1 of a byte string, for stable ids (not for security).
 *
 * @param data  bytes
 * @param len   their number
 * @param out   receives the 20-byte digest
 */
void sh_sha1(const void *data, size_t len, uint8_t out[20]);

/** Milliseconds of CLOCK_MONOTONIC: for deadlines, never for dates. */
int64_t sh_monotonic_ms(void);

#endif
