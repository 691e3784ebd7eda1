/* SPDX-License-Identifier: MIT */
/* Logging to stderr, one line per event, with journald priority prefixes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

static const char *log_progname = "sheaf";
static enum log_level log_maxlevel = LOG_LEVEL_INFO;
static bool log_journald;

void
log_init(const char *progname, enum log_level level, bool journald)
{
	log_progname = progname;
	log_maxlevel = level;
	log_journald = journald;
}

static void log_vline(enum log_level, const char *, va_list, const char *)
    __attribute__((format(printf, 2, 0)));

static void
log_vline(enum log_level level, const char *fmt, va_list ap, const char *suffix)
{
	char line[1024];

	if (level > log_maxlevel)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	if (log_journald)
		fprintf(stderr, "<%d>%s%s%s\n", (int)level, line,
		    suffix ? ": " : "", suffix ? suffix : "");
	else
		fprintf(stderr, "%s: %s%s%s\n", log_progname, line,
		    suffix ? ": " : "", suffix ? suffix : "");
}

void
log_warn(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	log_vline(LOG_LEVEL_WARNING, fmt, ap, strerror(saved));
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vline(LOG_LEVEL_WARNING, fmt, ap, NULL);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vline(LOG_LEVEL_INFO, fmt, ap, NULL);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vline(LOG_LEVEL_DEBUG, fmt, ap, NULL);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	log_vline(LOG_LEVEL_ERR, fmt, ap, strerror(saved));
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vline(LOG_LEVEL_ERR, fmt, ap, NULL);
	va_end(ap);
	exit(1);
}
