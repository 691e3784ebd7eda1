/* SPDX-License-Identifier: MIT */
/* What the in-process benchmarks share: reading the corpus, the clock. */
#ifndef SH_BENCH_CORPUS_H
#define SH_BENCH_CORPUS_H

/*
 * Each program includes this once, after defining BENCH_NAME for its
 * messages.  The corpus is read into memory before any timing starts, from
 * a list of file names on standard input.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct doc {
	char *buf;
	size_t len;
	bool json; /* not XML: left out of the xml_ figures */
};

struct corpus {
	struct doc *docs;
	size_t n;
	size_t bytes;
};

static void
die(const char *what, const char *name)
{
	fprintf(stderr, "%s: %s: %s\n", BENCH_NAME, name, what);
	exit(1);
}

static void
doc_read(struct doc *d, const char *name)
{
	FILE *fp;
	size_t cap = 65536, n;

	if ((fp = fopen(name, "rb")) == NULL)
		die(strerror(errno), name);
	d->len = 0;
	if ((d->buf = malloc(cap)) == NULL)
		die("out of memory", name);
	while ((n = fread(d->buf + d->len, 1, cap - d->len, fp)) > 0) {
		d->len += n;
		if (d->len == cap) {
			cap *= 2;
			if ((d->buf = realloc(d->buf, cap)) == NULL)
				die("out of memory", name);
		}
	}
	if (ferror(fp))
		die("read error", name);
	fclose(fp);
}

static void
corpus_read(struct corpus *c, FILE *list)
{
	char *line = NULL;
	size_t cap = 0, alloc = 0;
	ssize_t n;

	memset(c, 0, sizeof(*c));
	while ((n = getline(&line, &cap, list)) > 0) {
		if (line[n - 1] == '\n')
			line[--n] = '\0';
		if (n == 0)
			continue;
		if (c->n == alloc) {
			alloc = alloc ? alloc * 2 : 256;
			c->docs = realloc(c->docs, alloc * sizeof(*c->docs));
			if (c->docs == NULL)
				die("out of memory", line);
		}
		doc_read(&c->docs[c->n], line);
		c->docs[c->n].json =
		    n > 5 && strcmp(line + n - 5, ".json") == 0;
		c->bytes += c->docs[c->n].len;
		c->n++;
	}
	free(line);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The -r ROUNDS option both programs take; exits on a usage error. */
static int
bench_rounds(int argc, char **argv)
{
	int ch, rounds = 5;

	while ((ch = getopt(argc, argv, "r:")) != -1) {
		if (ch != 'r')
			goto usage;
		rounds = atoi(optarg);
	}
	if (rounds >= 1 && optind == argc)
		return rounds;
usage:
	fprintf(stderr, "usage: %s [-r rounds] < list-of-files\n", BENCH_NAME);
	exit(2);
}

#endif
