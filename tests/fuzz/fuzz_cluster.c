/* SPDX-License-Identifier: MIT */
/* libFuzzer target: text analysis and clustering of a stream of entries. */

/*
 * Input layout, chosen so that byte mutations stay meaningful:
 *
 *   byte 0       bits 0-1: tuning preset; bits 5-7: passes - 1
 *   records      separated by 0x1e; at most MAX_RECORDS
 *     bytes 0-1  time: 0 0 is "unknown", else a signed 16-bit count of
 *                five-minute steps around 2023-11-14
 *     fields     separated by 0x1f: lang, title, text, url, id; an absent
 *                or empty field is NULL
 *
 * All records go, in order, to the clusterer of the chosen preset; each
 * further pass feeds them again a window later, so stories close and the
 * sweep runs.  A clusterer lives on from input to input (making one opens
 * ICU's transliterators, which takes longer than a hundred inputs), and is
 * made anew every RENEW_EVERY inputs.  A crash can then depend on inputs
 * before it: FUZZ_CLUSTER_FRESH=1 makes a clusterer per input, which
 * replays a crash file on its own (slowly).  Strings are made valid UTF-8
 * first (NULs become spaces):
 * the daemon only ever hands the clusterer what feeds/ produced, and
 * feeds.h promises UTF-8.
 *
 * Checked per decision: the story is one the clusterer handed out and
 * resolves to itself, a duplicate points at an earlier entry, similarities
 * are finite cosines in [0, 1], and why is a terminated string.
 */

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cluster.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_RECORDS 96
#define NFIELDS 5
#define T0 INT64_C(1700000000)
#define FIRST_STORY 1
#define RENEW_EVERY 4096

struct record {
	int64_t time;
	char *field[NFIELDS]; /* lang, title, text, url, id */
};

static void
preset(unsigned which, struct cluster_opts *o)
{
	cluster_opts_default(o);
	switch (which) {
	case 1: /* everything joins and merges */
		o->text_threshold = o->names_threshold = 0.01;
		o->names_threshold_same = o->merge_threshold = 0.01;
		o->names_floor = 0;
		o->idf_base = 0;
		break;
	case 2: /* windows of a quarter hour: stories close all the time */
		o->window = 900;
		o->df_window = 900;
		break;
	case 3: /* near-duplicates everywhere */
		o->dup_threshold = 0.05;
		o->idf_base = 10;
		break;
	default:
		break;
	}
}

static size_t
split_records(const uint8_t *p, size_t n, struct record *r)
{
	size_t nr = 0;

	while (n > 0 && nr < MAX_RECORDS) {
		const uint8_t *end = memchr(p, 0x1e, n);
		size_t len = end != NULL ? (size_t)(end - p) : n, f = 0;
		const uint8_t *q = p;
		size_t left = len;

		memset(&r[nr], 0, sizeof(r[nr]));
		if (left >= 2) {
			int16_t steps = (int16_t)(uint16_t)((q[0] << 8) | q[1]);

			r[nr].time = q[0] == 0 && q[1] == 0
					 ? 0
					 : T0 + (int64_t)steps * 300;
			q += 2;
			left -= 2;
		}
		while (f < NFIELDS) {
			const uint8_t *sep = memchr(q, 0x1f, left);
			size_t flen = sep != NULL ? (size_t)(sep - q) : left;

			if (flen > 0)
				r[nr].field[f] = fuzz_utf8_dup(q, flen);
			f++;
			if (sep == NULL)
				break;
			left -= flen + 1;
			q = sep + 1;
		}
		nr++;
		if (end == NULL)
			break;
		n -= len + 1;
		p = end + 1;
	}
	return nr;
}

static void
check_sim(double v, const char *what, uint64_t ref)
{
	if (!isfinite(v) || v < -1e-9 || v > 1 + 1e-6)
		fuzz_fail("entry %llu: %s is %g", (unsigned long long)ref, what,
		    v);
}

static void
check_assign(const struct clusterer *c, const struct cluster_assign *a,
    uint64_t ref)
{
	size_t i;

	if (a->story < FIRST_STORY || a->story >= cluster_next_story(c))
		fuzz_fail("entry %llu: story %llu was never handed out",
		    (unsigned long long)ref, (unsigned long long)a->story);
	if (cluster_story_resolve(c, a->story) != a->story)
		fuzz_fail("entry %llu: story %llu resolves to %llu",
		    (unsigned long long)ref, (unsigned long long)a->story,
		    (unsigned long long)cluster_story_resolve(c, a->story));
	if (a->duplicate && (a->duplicate_of == 0 || a->duplicate_of >= ref))
		fuzz_fail("entry %llu: duplicate of %llu, not an earlier one",
		    (unsigned long long)ref,
		    (unsigned long long)a->duplicate_of);
	if (a->reason == CLUSTER_NEW && a->duplicate)
		fuzz_fail("entry %llu: new story and duplicate",
		    (unsigned long long)ref);
	check_sim(a->score, "score", ref);
	check_sim(a->text_sim, "text_sim", ref);
	check_sim(a->names_sim, "names_sim", ref);
	if (memchr(a->why, '\0', sizeof(a->why)) == NULL)
		fuzz_fail("entry %llu: why not terminated",
		    (unsigned long long)ref);
	for (i = 0; i < a->nmerged; i++)
		if (a->merged[i] == a->story)
			fuzz_fail("entry %llu: story %llu merged into itself",
			    (unsigned long long)ref,
			    (unsigned long long)a->story);
	(void)cluster_reason_name(a->reason);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct clusterer *kept[4];
	static unsigned uses[4];
	static uint64_t refs[4];
	static struct record rec[MAX_RECORDS];
	struct cluster_opts o;
	struct clusterer *c;
	struct cluster_assign a;
	size_t nr, i, k, pass, passes;
	unsigned which;
	bool fresh = getenv("FUZZ_CLUSTER_FRESH") != NULL;

	if (size < 1)
		return 0;
	which = data[0] & 3;
	preset(which, &o);
	passes = 1 + (data[0] >> 5);
	nr = split_records(data + 1, size - 1, rec);
	if (fresh || kept[which] == NULL || ++uses[which] >= RENEW_EVERY) {
		cluster_free(kept[which]);
		kept[which] = cluster_new(&o, FIRST_STORY);
		uses[which] = 0;
		refs[which] = 0;
	}
	c = kept[which];
	for (pass = 0; pass < passes; pass++) {
		for (i = 0; i < nr; i++) {
			struct cluster_entry e;

			memset(&e, 0, sizeof(e));
			e.ref = ++refs[which];
			e.lang = rec[i].field[0];
			e.title = rec[i].field[1];
			e.text = rec[i].field[2];
			e.url = rec[i].field[3];
			e.id = rec[i].field[4];
			e.time =
			    rec[i].time == 0
				? 0
				: rec[i].time + (int64_t)pass * (o.window + 1);
			cluster_add(c, &e, &a);
			check_assign(c, &a, e.ref);
		}
	}
	if (fresh) {
		cluster_free(c);
		kept[which] = NULL;
	}
	for (i = 0; i < nr; i++)
		for (k = 0; k < NFIELDS; k++)
			free(rec[i].field[k]);
	return 0;
}
