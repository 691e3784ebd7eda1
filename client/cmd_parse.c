/* SPDX-License-Identifier: MIT */
/* sheaf parse: one feed file to the normalized JSON of SCHEMAS.md section 1. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common.h"
#include "feeds.h"
#include "sheaf.h"

static json_t *
jstr_or_null(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

static json_t *
jtime(int64_t t)
{
	char buf[32];

	if (t == FEED_TIME_NONE)
		return json_null();
	return json_string(feed_date_format(t, buf, sizeof(buf)));
}

static json_t *
jstrv(const struct feed_strv *v)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < v->n; i++)
		json_array_append_new(a, json_string(v->v[i]));
	return a;
}

static json_t *
jenclosures(const struct feed_entry *e)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < e->nenclosures; i++) {
		const struct feed_enclosure *enc = &e->enclosures[i];

		json_array_append_new(a,
		    json_pack("{s:s, s:o, s:o}", "url", enc->url, "type",
			jstr_or_null(enc->type), "length",
			enc->length >= 0 ? json_integer(enc->length)
					 : json_null()));
	}
	return a;
}

static json_t *
jentry(const struct feed_entry *e)
{
	json_t *o = json_object();

	json_object_set_new(o, "id", json_string(e->id));
	json_object_set_new(o, "title", jstr_or_null(e->title));
	json_object_set_new(o, "link", jstr_or_null(e->link));
	json_object_set_new(o, "published", jtime(e->published));
	json_object_set_new(o, "updated", jtime(e->updated));
	json_object_set_new(o, "authors", jstrv(&e->authors));
	json_object_set_new(o, "summary", jstr_or_null(e->summary));
	json_object_set_new(o, "content_html", jstr_or_null(e->content_html));
	json_object_set_new(o, "categories", jstrv(&e->categories));
	json_object_set_new(o, "enclosures", jenclosures(e));
	json_object_set_new(o, "language", jstr_or_null(e->language));
	return o;
}

static json_t *
jfeed(const struct feed *f)
{
	json_t *o = json_object(), *entries = json_array();
	size_t i;

	json_object_set_new(o, "format",
	    json_string(feed_format_name(f->format)));
	json_object_set_new(o, "title", jstr_or_null(f->title));
	json_object_set_new(o, "link", jstr_or_null(f->link));
	json_object_set_new(o, "self", jstr_or_null(f->self));
	json_object_set_new(o, "description", jstr_or_null(f->description));
	json_object_set_new(o, "language", jstr_or_null(f->language));
	json_object_set_new(o, "updated", jtime(f->updated));
	json_object_set_new(o, "ttl_minutes",
	    f->ttl_minutes >= 0 ? json_integer(f->ttl_minutes) : json_null());
	json_object_set_new(o, "authors", jstrv(&f->authors));
	for (i = 0; i < f->nentries; i++)
		json_array_append_new(entries, jentry(&f->entries[i]));
	json_object_set_new(o, "entries", entries);
	return o;
}

int
cmd_parse(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"base", required_argument, NULL, 'b'},
	    {"content-type", required_argument, NULL, 't'},
	    {NULL, 0, NULL, 0},
	};
	const char *base = NULL, *ctype = NULL, *path;
	struct feed_limits lim;
	struct feed *f = NULL;
	char *buf = NULL, *err = NULL, *what;
	size_t len;
	json_t *j;
	int c, rc, status = 1;

	optind = 1;
	while ((c = getopt_long(argc, argv, "b:t:", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			base = optarg;
			break;
		case 't':
			ctype = optarg;
			break;
		default:
			fprintf(stderr, "usage: sheaf parse [--base URL] "
					"[--content-type TYPE] FILE\n");
			return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: sheaf parse [--base URL] "
				"[--content-type TYPE] FILE\n");
		return 2;
	}
	path = argv[optind];
	feed_limits_default(&lim);
	if (read_input(path, lim.max_doc_bytes, &buf, &len) != 0)
		goto out;
	rc = feed_parse_buffer(buf, len, base, ctype, &lim, &f, &err);
	if (rc != SH_OK) {
		log_warnx("%s: %s", path, err != NULL ? err : sh_strerror(rc));
		goto out;
	}
	if ((what = feed_recovery_describe(f->recovered)) != NULL) {
		log_warnx("%s: recovered from %s", path, what);
		free(what);
	}
	j = jfeed(f);
	if (json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0 ||
	    fputc('\n', stdout) == EOF || fflush(stdout) != 0) {
		log_warn("writing the output");
		json_decref(j);
		goto out;
	}
	json_decref(j);
	status = 0;
out:
	feed_free(f);
	free(buf);
	free(err);
	return status;
}
