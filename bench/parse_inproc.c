/* SPDX-License-Identifier: MIT */
/* Benchmark: feed_parse_buffer() and feed_free() over a corpus held in memory. */

/*
 * Reads the names of the files to parse from stdin, one a line, loads
 * every file into memory, then times rounds over all of them with
 * CLOCK_MONOTONIC and keeps the best round.  Reading is done before the
 * clock starts, so only parsing and freeing are measured.  Run by
 * bench/parse.sh, which also builds it; bench/saxpass.c has the same
 * harness around a bare libxml2 pass, so that the two figures compare.
 *
 * Each file is timed on its own and the times are summed twice per round:
 * over all files, and over the XML files only (names not ending in
 * ".json"), the subset that sfeed and the bare libxml2 pass can read.
 * Both sums come from the same rounds, so the two figures cannot drift
 * apart on a busy machine.
 *
 * Prints one line of key=value pairs for the script to read: files,
 * bytes, rounds, seconds (best round), entries, failed, then the same
 * with an xml_ prefix for the XML subset.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "feeds.h"

#define BENCH_NAME "parse_inproc"
#include "bench_corpus.h"

/* What one round over a set of files gave. */
struct tally {
	size_t files;
	size_t bytes;
	size_t entries;
	size_t failed;
	double seconds;
};

static void
tally_add(struct tally *t, const struct doc *d, double secs, bool ok,
    size_t entries)
{
	t->files++;
	t->bytes += d->len;
	t->seconds += secs;
	t->entries += entries;
	if (!ok)
		t->failed++;
}

/* One round over the corpus, summed into all and into xml. */
static void
round_run(const struct corpus *c, const struct feed_limits *lim,
    struct tally *all, struct tally *xml)
{
	const struct doc *d;
	struct feed *f;
	size_t entries, i;
	double t0, t;
	bool ok;

	memset(all, 0, sizeof(*all));
	memset(xml, 0, sizeof(*xml));
	for (i = 0; i < c->n; i++) {
		d = &c->docs[i];
		f = NULL;
		t0 = now();
		ok = feed_parse_buffer(d->buf, d->len, NULL, NULL, lim, &f,
			 NULL) == SH_OK;
		entries = ok ? f->nentries : 0;
		feed_free(f);
		t = now() - t0;
		tally_add(all, d, t, ok, entries);
		if (!d->json)
			tally_add(xml, d, t, ok, entries);
	}
}

static void
tally_print(const char *prefix, const struct tally *t, int rounds)
{
	printf("%sfiles=%zu %sbytes=%zu %srounds=%d %sseconds=%.6f "
	       "%sentries=%zu %sfailed=%zu",
	    prefix, t->files, prefix, t->bytes, prefix, rounds, prefix,
	    t->seconds, prefix, t->entries, prefix, t->failed);
}

int
main(int argc, char **argv)
{
	struct corpus c;
	struct feed_limits lim;
	struct tally all, xml, best_all, best_xml;
	size_t i;
	int rounds, r;

	rounds = bench_rounds(argc, argv);
	/* The corpus holds malformed feeds on purpose: keep stderr quiet. */
	log_init("parse_inproc", LOG_LEVEL_ERR, false);
	feed_limits_default(&lim);
	corpus_read(&c, stdin);
	for (r = 0; r < rounds; r++) {
		round_run(&c, &lim, &all, &xml);
		if (r == 0 || all.seconds < best_all.seconds)
			best_all = all;
		if (r == 0 || xml.seconds < best_xml.seconds)
			best_xml = xml;
	}
	tally_print("", &best_all, rounds);
	putchar(' ');
	tally_print("xml_", &best_xml, rounds);
	putchar('\n');
	for (i = 0; i < c.n; i++)
		free(c.docs[i].buf);
	free(c.docs);
	return 0;
}
