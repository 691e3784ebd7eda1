/* SPDX-License-Identifier: MIT */
/* Benchmark: feed_parse_buffer() and feed_free() over a corpus held in memory. */

/*
 * Reads the names of the files to parse from stdin, one a line, loads
 * every file into memory, then times whole rounds over all of them with
 * CLOCK_MONOTONIC and keeps the best round.  Reading is done before the
 * clock starts, so only parsing and freeing are measured.  Run by
 * bench/parse.sh, which also builds it; bench/saxpass.c has the same
 * harness around a bare libxml2 pass, so that the two figures compare.
 *
 * Prints one line of key=value pairs for the script to read:
 * files, bytes, rounds, seconds (best round), entries, failed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "feeds.h"

struct doc {
	char *buf;
	size_t len;
};

struct corpus {
	struct doc *docs;
	size_t n;
	size_t bytes;
};

static void
die(const char *what, const char *name)
{
	fprintf(stderr, "parse_inproc: %s: %s\n", name, what);
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

/* One round over the corpus; entries and failures are counted. */
static double
round_run(const struct corpus *c, const struct feed_limits *lim,
    size_t *entries, size_t *failed)
{
	struct feed *f;
	double t0;
	size_t i;

	*entries = 0;
	*failed = 0;
	t0 = now();
	for (i = 0; i < c->n; i++) {
		f = NULL;
		if (feed_parse_buffer(c->docs[i].buf, c->docs[i].len, NULL,
			NULL, lim, &f, NULL) == SH_OK)
			*entries += f->nentries;
		else
			(*failed)++;
		feed_free(f);
	}
	return now() - t0;
}

int
main(int argc, char **argv)
{
	struct corpus c;
	struct feed_limits lim;
	size_t entries = 0, failed = 0, i;
	double best = -1, t;
	int ch, rounds = 5, r;

	while ((ch = getopt(argc, argv, "r:")) != -1) {
		switch (ch) {
		case 'r':
			rounds = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: parse_inproc [-r rounds] "
					"< list-of-files\n");
			return 2;
		}
	}
	if (rounds < 1 || optind != argc) {
		fprintf(stderr, "usage: parse_inproc [-r rounds] "
				"< list-of-files\n");
		return 2;
	}
	/* The corpus holds malformed feeds on purpose: keep stderr quiet. */
	log_init("parse_inproc", LOG_LEVEL_ERR, false);
	feed_limits_default(&lim);
	corpus_read(&c, stdin);
	for (r = 0; r < rounds; r++) {
		t = round_run(&c, &lim, &entries, &failed);
		if (best < 0 || t < best)
			best = t;
	}
	printf("files=%zu bytes=%zu rounds=%d seconds=%.6f entries=%zu "
	       "failed=%zu\n",
	    c.n, c.bytes, rounds, best, entries, failed);
	for (i = 0; i < c.n; i++)
		free(c.docs[i].buf);
	free(c.docs);
	return 0;
}
