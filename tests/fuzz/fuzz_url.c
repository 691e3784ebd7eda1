/* SPDX-License-Identifier: MIT */
/* libFuzzer target: URL resolution, the safety check and canonical URLs. */

/*
 * The input is "base\nref" (or "base\0ref"): the base ends at the first
 * newline or NUL.  Without either, the whole input is the reference and
 * there is no base.  Every string goes through feed_url_resolve(),
 * feed_url_is_safe() and cluster_url_canon(), and a canonical URL must be
 * its own canonical form: the deduplicator compares canonical URLs, so a
 * second pass that changes one would split a story.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cluster.h"
#include "feeds.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_canon(const char *url)
{
	char *c1, *c2;

	if ((c1 = cluster_url_canon(url)) == NULL)
		return;
	if ((c2 = cluster_url_canon(c1)) == NULL)
		fuzz_fail("canon(\"%s\") = \"%s\", whose canon is NULL", url,
		    c1);
	if (strcmp(c1, c2) != 0)
		fuzz_fail("canon not idempotent: canon(\"%s\") = \"%s\", "
			  "canon of that = \"%s\"",
		    url, c1, c2);
	(void)feed_url_is_safe(c1);
	free(c2);
	free(c1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t cut;
	char *base = NULL, *ref, *res;

	for (cut = 0; cut < size && data[cut] != '\n' && data[cut] != '\0';
	     cut++)
		;
	if (cut < size) {
		base = fuzz_strndup(data, cut);
		ref = fuzz_strndup(data + cut + 1, size - cut - 1);
	} else {
		ref = fuzz_strndup(data, size);
	}
	res = feed_url_resolve(base, ref);
	(void)feed_url_is_safe(ref);
	check_canon(ref);
	if (base != NULL) {
		(void)feed_url_is_safe(base);
		check_canon(base);
	}
	if (res != NULL) {
		(void)feed_url_is_safe(res);
		check_canon(res);
	}
	free(res);
	free(ref);
	free(base);
	return 0;
}
