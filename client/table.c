/* SPDX-License-Identifier: MIT */
/* Tables and times for the reader: aligned for people, tab-separated for scripts. */

/*
 * Widths count UTF-8 code points, not bytes, which is right for Latin,
 * Cyrillic, Greek and the like; East Asian wide characters take two
 * columns on a terminal and make a row run a little long.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common.h"
#include "feeds.h"
#include "sheaf.h"

struct table {
	size_t ncols;
	char **headers; /* ncols names, or NULL */
	size_t *max;	/* cap per column, 0 for none */
	bool human;
	char **cells; /* row after row */
	size_t ncells, cap;
};

struct table *
table_new(size_t ncols, const char *const *headers, bool human)
{
	struct table *t = xcalloc(1, sizeof(*t));
	size_t i;

	t->ncols = ncols;
	t->human = human;
	t->max = xcalloc(ncols, sizeof(*t->max));
	if (headers != NULL) {
		t->headers = xcalloc(ncols, sizeof(*t->headers));
		for (i = 0; i < ncols; i++)
			t->headers[i] = xstrdup(headers[i]);
	}
	return t;
}

void
table_free(struct table *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; t->headers != NULL && i < t->ncols; i++)
		free(t->headers[i]);
	for (i = 0; i < t->ncells; i++)
		free(t->cells[i]);
	free(t->headers);
	free(t->cells);
	free(t->max);
	free(t);
}

void
table_set_max(struct table *t, size_t col, size_t width)
{
	if (col < t->ncols)
		t->max[col] = width < 4 ? 4 : width;
}

/* Copy a cell with control characters (tabs, line breaks) as spaces. */
static char *
clean(const char *s)
{
	char *c = xstrdup(s != NULL ? s : ""), *p;

	for (p = c; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return c;
}

void
table_add(struct table *t, const char *s)
{
	if (t->ncells == t->cap) {
		t->cap = t->cap == 0 ? 64 : t->cap * 2;
		t->cells = xreallocarray(t->cells, t->cap, sizeof(*t->cells));
	}
	t->cells[t->ncells++] = clean(s);
}

void
table_addf(struct table *t, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		fatalx("out of memory");
	va_end(ap);
	table_add(t, s);
	free(s);
}

/* Code points in s. */
static size_t
width(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/* Bytes of s's first w code points. */
static size_t
prefix_bytes(const char *s, size_t w)
{
	size_t i = 0, n = 0;

	for (; s[i] != '\0'; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80) {
			if (n == w)
				break;
			n++;
		}
	}
	return i;
}

static size_t
cell_width(const struct table *t, size_t col, const char *s)
{
	size_t w = width(s);

	return t->max[col] != 0 && w > t->max[col] ? t->max[col] : w;
}

/* One cell for people: cut to its cap, padded unless it ends the row. */
static void
put_human(const struct table *t, FILE *fp, size_t col, const char *s,
    size_t colw)
{
	size_t w = width(s);

	if (t->max[col] != 0 && w > t->max[col]) {
		fwrite(s, 1, prefix_bytes(s, t->max[col] - 3), fp);
		fputs("...", fp);
		w = t->max[col];
	} else {
		fputs(s, fp);
	}
	if (col + 1 < t->ncols)
		fprintf(fp, "%*s", (int)(colw - w + 2), "");
}

/* One row for people, without trailing blanks. */
static void
put_row(const struct table *t, FILE *fp, char *const *cells, size_t n,
    const size_t *w)
{
	char *line = NULL;
	size_t len = 0, c;
	FILE *mem = open_memstream(&line, &len);

	if (mem == NULL)
		fatal("open_memstream");
	for (c = 0; c < n; c++)
		put_human(t, mem, c, cells[c], w[c]);
	if (fclose(mem) != 0)
		fatal("open_memstream");
	while (len > 0 && line[len - 1] == ' ')
		len--;
	fwrite(line, 1, len, fp);
	fputc('\n', fp);
	free(line);
}

static void
print_human(const struct table *t, FILE *fp)
{
	size_t *w = xcalloc(t->ncols, sizeof(*w));
	size_t i, c;

	for (c = 0; t->headers != NULL && c < t->ncols; c++)
		w[c] = width(t->headers[c]);
	for (i = 0; i < t->ncells; i++) {
		c = i % t->ncols;
		if (cell_width(t, c, t->cells[i]) > w[c])
			w[c] = cell_width(t, c, t->cells[i]);
	}
	if (t->headers != NULL)
		put_row(t, fp, t->headers, t->ncols, w);
	for (i = 0; i < t->ncells; i += t->ncols)
		put_row(t, fp, t->cells + i,
		    t->ncells - i < t->ncols ? t->ncells - i : t->ncols, w);
	free(w);
}

static void
print_plain(const struct table *t, FILE *fp)
{
	size_t i, c;

	for (i = 0; i < t->ncells; i++) {
		c = i % t->ncols;
		fputs(t->cells[i][0] != '\0' ? t->cells[i] : "-", fp);
		fputc(c + 1 == t->ncols || i + 1 == t->ncells ? '\n' : '\t',
		    fp);
	}
}

int
table_print(const struct table *t, FILE *fp)
{
	if (t->human)
		print_human(t, fp);
	else
		print_plain(t, fp);
	if (ferror(fp) || fflush(fp) != 0) {
		log_warn("writing the output");
		return -1;
	}
	return 0;
}

char *
fmt_relative(int64_t t, int64_t now, char *buf, size_t n)
{
	int64_t d = t - now;
	bool past = d < 0;
	int64_t a = past ? -d : d;
	const char *unit;
	int64_t v;

	if (past && a < 60) {
		snprintf(buf, n, "now");
		return buf;
	}
	if (a < 60) {
		v = a;
		unit = "s";
	} else if (a < 3600) {
		v = a / 60;
		unit = "m";
	} else if (a < 2 * 86400) {
		v = a / 3600;
		unit = "h";
	} else {
		v = a / 86400;
		unit = "d";
	}
	if (past)
		snprintf(buf, n, "%lld%s ago", (long long)v, unit);
	else
		snprintf(buf, n, "in %lld%s", (long long)v, unit);
	return buf;
}

char *
fmt_local(const char *iso, char *buf, size_t n)
{
	struct tm tm;
	int64_t t;
	time_t tt;

	if (iso == NULL || feed_date_parse(iso, &t) != SH_OK)
		return NULL;
	tt = (time_t)t;
	if (localtime_r(&tt, &tm) == NULL ||
	    strftime(buf, n, "%Y-%m-%d %H:%M", &tm) == 0)
		return NULL;
	return buf;
}

const char *
jstr(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

bool
parse_count(const char *s, uint64_t *out)
{
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		return false;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno == 0 && *end == '\0' && *out > 0;
}

bool
parse_since(const char *s, int64_t now, int64_t *out)
{
	static const char units[] = "smhdw";
	static const int64_t mult[] = {1, 60, 3600, 86400, 604800};
	const char *u;
	char *end;
	long long v;

	if (*s >= '0' && *s <= '9') {
		errno = 0;
		v = strtoll(s, &end, 10);
		if (errno == 0 && end != s && end[0] != '\0' &&
		    end[1] == '\0' && (u = strchr(units, end[0])) != NULL &&
		    v <= INT32_MAX) {
			*out = now - (int64_t)v * mult[u - units];
			return true;
		}
	}
	return feed_date_parse(s, out) == SH_OK;
}

json_int_t
jint(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

int
flushed(void)
{
	if (ferror(stdout) || fflush(stdout) != 0) {
		log_warn("writing the output");
		return SHEAF_EXIT_ERR;
	}
	return SHEAF_EXIT_OK;
}

int
print_raw(const struct api_reply *r)
{
	return api_reply_print(r) == 0 ? SHEAF_EXIT_OK : SHEAF_EXIT_ERR;
}
