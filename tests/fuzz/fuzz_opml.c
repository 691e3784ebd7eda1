/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the OPML import parser and its round trip via export. */

/*
 * The input is the OPML document, passed without a NUL so that
 * AddressSanitizer sees any read past its end.  It is parsed with the
 * default limits and again with tight ones.  A document that parses is
 * written back, and opml.h promises the round trip: parsing the written
 * document gives the same doc, and writing that gives the same bytes.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "opml.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool
str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static void
check_same(const struct opml_doc *a, const struct opml_doc *b,
    const char *written)
{
	size_t i, k;

	if (!str_eq(a->title, b->title))
		fuzz_fail("round trip changed the title \"%s\" to \"%s\"; "
			  "written: %s",
		    a->title ? a->title : "(null)",
		    b->title ? b->title : "(null)", written);
	if (a->nfeeds != b->nfeeds)
		fuzz_fail("round trip changed %zu feeds to %zu; written: %s",
		    a->nfeeds, b->nfeeds, written);
	for (i = 0; i < a->nfeeds; i++) {
		const struct opml_feed *fa = &a->feeds[i], *fb = &b->feeds[i];

		if (!str_eq(fa->xml_url, fb->xml_url) ||
		    !str_eq(fa->html_url, fb->html_url) ||
		    !str_eq(fa->title, fb->title) || fa->nfolder != fb->nfolder)
			fuzz_fail("round trip changed feed %zu (%s); written: "
				  "%s",
			    i, fa->xml_url, written);
		for (k = 0; k < fa->nfolder; k++)
			if (!str_eq(fa->folder[k], fb->folder[k]))
				fuzz_fail("round trip changed folder %zu of "
					  "feed %zu (%s): \"%s\" to \"%s\"; "
					  "written: %s",
				    k, i, fa->xml_url, fa->folder[k],
				    fb->folder[k], written);
	}
}

static void
check_doc(const struct opml_doc *doc)
{
	size_t i, k;

	for (i = 0; i < doc->nfeeds; i++) {
		const struct opml_feed *f = &doc->feeds[i];

		if (f->xml_url == NULL)
			fuzz_fail("feed %zu without xml_url", i);
		if (strncasecmp(f->xml_url, "http://", 7) != 0 &&
		    strncasecmp(f->xml_url, "https://", 8) != 0)
			fuzz_fail("feed %zu is no http(s) URL: \"%s\"", i,
			    f->xml_url);
		for (k = 0; k < f->nfolder; k++)
			if (f->folder[k] == NULL || f->folder[k][0] == '\0')
				fuzz_fail("feed %zu (%s): folder %zu empty", i,
				    f->xml_url, k);
	}
}

static void
round_trip(const struct opml_doc *doc)
{
	struct opml_doc *again = NULL;
	char *out1 = NULL, *out2 = NULL, *err = NULL;
	size_t len1, len2;
	int rc;

	if ((rc = opml_write(doc, &out1, &len1)) != SH_OK)
		fuzz_fail("opml_write refused a parsed doc: %s",
		    sh_strerror(rc));
	if ((rc = opml_parse(out1, len1, NULL, &again, &err)) != SH_OK)
		fuzz_fail("opml_parse refused what opml_write wrote (%s: %s): "
			  "%s",
		    sh_strerror(rc), err ? err : "", out1);
	check_same(doc, again, out1);
	if ((rc = opml_write(again, &out2, &len2)) != SH_OK)
		fuzz_fail("opml_write refused the re-parsed doc: %s",
		    sh_strerror(rc));
	if (len1 != len2 || memcmp(out1, out2, len1) != 0)
		fuzz_fail("write, parse, write gave other bytes:\n%s\n---\n%s",
		    out1, out2);
	free(out2);
	free(out1);
	opml_free(again);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct opml_limits tight;
	struct opml_doc *doc = NULL;
	char *err = NULL;

	if (opml_parse((const char *)data, size, NULL, &doc, &err) == SH_OK) {
		if (doc == NULL)
			fuzz_fail("SH_OK without a doc");
		check_doc(doc);
		round_trip(doc);
		opml_free(doc);
		doc = NULL;
	}
	free(err);
	err = NULL;

	opml_limits_default(&tight);
	tight.max_feeds = 3;
	tight.max_depth = 3;
	tight.max_model_bytes = 512;
	if (opml_parse((const char *)data, size, &tight, &doc, &err) == SH_OK) {
		check_doc(doc);
		if (doc->nfeeds > tight.max_feeds)
			fuzz_fail("%zu feeds, max_feeds %zu", doc->nfeeds,
			    tight.max_feeds);
		opml_free(doc);
	}
	free(err);
	return 0;
}
