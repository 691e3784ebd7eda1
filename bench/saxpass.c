/* SPDX-License-Identifier: MIT */
/* Benchmark: a bare libxml2 SAX2 pass with empty callbacks over a corpus in memory. */

/*
 * The floor under sheaf's XML parser: what libxml2 alone costs to tokenize
 * the same bytes, with callbacks that do next to nothing.  The harness is
 * the one of bench/parse_inproc.c (names on stdin, every file read into
 * memory first, CLOCK_MONOTONIC around whole rounds, best round kept), and
 * the parser is set up as feeds/parse.c sets up its own: a push parser fed
 * the whole document in one chunk, in recovery mode, without network
 * access, with errors caught by an empty structured handler rather than
 * printed.  Unlike sheaf, it lets libxml2 decode non-UTF-8 documents
 * itself, and it serves no HTML entities.
 *
 * The callbacks count character data bytes and the elements named "item"
 * or "entry" (one string comparison per element), so that the line has an
 * entry count to divide by; the figure is close to, not equal to, what a
 * feed parser finds.
 *
 * Prints one line of key=value pairs for bench/parse.sh:
 * files, bytes, rounds, seconds (best round), entries, chars, errors.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#define BENCH_NAME "saxpass"
#include "bench_corpus.h"

struct counts {
	size_t entries;
	size_t chars;
	size_t errors;
};

static void
on_start(void *ctx, const xmlChar *localname, const xmlChar *prefix,
    const xmlChar *uri, int nns, const xmlChar **ns, int nattrs, int ndefaulted,
    const xmlChar **attrs)
{
	struct counts *k = ctx;
	const char *name = (const char *)localname;

	(void)prefix;
	(void)uri;
	(void)nns;
	(void)ns;
	(void)nattrs;
	(void)ndefaulted;
	(void)attrs;
	if (strcmp(name, "item") == 0 || strcmp(name, "entry") == 0)
		k->entries++;
}

static void
on_end(void *ctx, const xmlChar *localname, const xmlChar *prefix,
    const xmlChar *uri)
{
	(void)ctx;
	(void)localname;
	(void)prefix;
	(void)uri;
}

static void
on_characters(void *ctx, const xmlChar *ch, int len)
{
	struct counts *k = ctx;

	(void)ch;
	k->chars += (size_t)len;
}

static void
on_error(void *ctx, xmlErrorPtr error)
{
	(void)ctx;
	(void)error;
}

static void
doc_parse(const struct doc *d, xmlSAXHandler *sax, struct counts *k)
{
	xmlParserCtxtPtr ctxt;
	int head = d->len < 4 ? (int)d->len : 4;

	/* The first bytes go in with the context, for encoding detection. */
	ctxt = xmlCreatePushParserCtxt(sax, k, d->buf, head, NULL);
	if (ctxt == NULL) {
		k->errors++;
		return;
	}
	xmlCtxtUseOptions(ctxt, XML_PARSE_RECOVER | XML_PARSE_NONET |
				    XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	xmlParseChunk(ctxt, d->buf + head, (int)(d->len - (size_t)head), 1);
	if (!ctxt->wellFormed)
		k->errors++;
	xmlFreeParserCtxt(ctxt);
}

/* One round over the corpus; the counts are for this round. */
static double
round_run(const struct corpus *c, xmlSAXHandler *sax, struct counts *k)
{
	double t0;
	size_t i;

	memset(k, 0, sizeof(*k));
	t0 = now();
	for (i = 0; i < c->n; i++)
		doc_parse(&c->docs[i], sax, k);
	return now() - t0;
}

int
main(int argc, char **argv)
{
	struct corpus c;
	struct counts k;
	xmlSAXHandler sax;
	double best = -1, t;
	size_t i, j;
	int rounds, r;

	rounds = bench_rounds(argc, argv);
	xmlInitParser();
	memset(&sax, 0, sizeof(sax));
	sax.initialized = XML_SAX2_MAGIC;
	sax.startElementNs = on_start;
	sax.endElementNs = on_end;
	sax.characters = on_characters;
	sax.cdataBlock = on_characters;
	sax.serror = on_error;
	corpus_read(&c, stdin);
	/* XML only: JSON Feed is not libxml2's to parse. */
	for (i = j = 0, c.bytes = 0; i < c.n; i++) {
		if (c.docs[i].json) {
			free(c.docs[i].buf);
			continue;
		}
		c.bytes += c.docs[i].len;
		c.docs[j++] = c.docs[i];
	}
	c.n = j;
	for (r = 0; r < rounds; r++) {
		t = round_run(&c, &sax, &k);
		if (best < 0 || t < best)
			best = t;
	}
	printf("files=%zu bytes=%zu rounds=%d seconds=%.6f entries=%zu "
	       "chars=%zu errors=%zu\n",
	    c.n, c.bytes, rounds, best, k.entries, k.chars, k.errors);
	for (i = 0; i < c.n; i++)
		free(c.docs[i].buf);
	free(c.docs);
	xmlCleanupParser();
	return 0;
}
