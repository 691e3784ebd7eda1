/* SPDX-License-Identifier: MIT */
/*
 * sheaf cluster: a JSON Lines stream of entries to their stories
 * (SCHEMAS.md section 2), with the daemon's streaming clusterer.
 *
 * Each decision is written to a spill file as it is made and the spill is
 * read back at the end, when every story id can be resolved through the
 * merges that happened later.  So memory follows the clusterer's window,
 * not the length of the stream.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cluster.h"
#include "common.h"
#include "feeds.h"
#include "sheaf.h"

#define LINE_MAX_BYTES (4u << 20) /* one entry; longer lines are refused */
#define TEXT_MAX_BYTES (1u << 20) /* body text kept after HTML removal */

/* Ids of recent entries, so that duplicate_of can name them. */
struct recent {
	char **id;
	int64_t *time;
	uint64_t first; /* ref of id[head] */
	size_t head, n, cap;
};

static void
recent_push(struct recent *r, char *id, int64_t t)
{
	if (r->n == r->cap) {
		size_t ncap = r->cap ? r->cap * 2 : 1024, i;
		char **nid = xcalloc(ncap, sizeof *nid);
		int64_t *nt = xcalloc(ncap, sizeof *nt);

		for (i = 0; i < r->n; i++) {
			nid[i] = r->id[(r->head + i) % r->cap];
			nt[i] = r->time[(r->head + i) % r->cap];
		}
		free(r->id);
		free(r->time);
		r->id = nid;
		r->time = nt;
		r->cap = ncap;
		r->head = 0;
	}
	r->id[(r->head + r->n) % r->cap] = id;
	r->time[(r->head + r->n) % r->cap] = t;
	r->n++;
}

/* Forget ids older than the clusterer can still name. */
static void
recent_expire(struct recent *r, int64_t before)
{
	while (r->n > 0 && r->time[r->head] < before) {
		free(r->id[r->head]);
		r->head = (r->head + 1) % r->cap;
		r->n--;
		r->first++;
	}
}

static const char *
recent_get(const struct recent *r, uint64_t ref)
{
	if (ref < r->first || ref - r->first >= r->n)
		return NULL;
	return r->id[(r->head + (ref - r->first)) % r->cap];
}

static void
recent_free(struct recent *r)
{
	while (r->n > 0) {
		free(r->id[r->head]);
		r->head = (r->head + 1) % r->cap;
		r->n--;
	}
	free(r->id);
	free(r->time);
}

static const char *
jget(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* The body as plain text: the input may hold HTML. */
static char *
plain(const char *s)
{
	size_t len;

	if (s == NULL)
		return NULL;
	len = strlen(s);
	if (feed_text_looks_html(s, len))
		return feed_html_to_text(s, len, TEXT_MAX_BYTES);
	return feed_text_collapse(s, len, TEXT_MAX_BYTES);
}

/* JSON text of a string, for the spill file. */
static char *
jquote(const char *s)
{
	json_t *j = json_string(s);
	char *q;

	if (j == NULL) /* not UTF-8 */
		j = json_stringn_nocheck(s, strlen(s));
	q = json_dumps(j, JSON_ENCODE_ANY);
	json_decref(j);
	return q;
}

struct run {
	struct clusterer *cl;
	struct cluster_opts opts;
	struct recent recent;
	FILE *spill;
	uint64_t seq;
	int64_t clock; /* latest time seen */
	bool why;
};

static int
one_line(struct run *r, const char *line, size_t lineno, const char *path)
{
	struct cluster_entry e = {0};
	struct cluster_assign a;
	json_error_t jerr;
	json_t *o, *jid;
	char *text, *qid, *qdup = NULL, idbuf[32];
	const char *id, *pub, *dup;
	int64_t t = 0;

	o = json_loads(line, JSON_REJECT_DUPLICATES, &jerr);
	if (o == NULL || !json_is_object(o)) {
		log_warnx("%s:%zu: not a JSON object: %s", path, lineno,
		    o ? "wrong type" : jerr.text);
		json_decref(o);
		return -1;
	}
	jid = json_object_get(o, "id");
	if (json_is_integer(jid)) {
		snprintf(idbuf, sizeof idbuf, "%lld",
		    (long long)json_integer_value(jid));
		id = idbuf;
	} else if ((id = jget(o, "id")) == NULL) {
		log_warnx("%s:%zu: entry has no \"id\"", path, lineno);
		json_decref(o);
		return -1;
	}
	if ((pub = jget(o, "published")) != NULL &&
	    feed_date_parse(pub, &t) != SH_OK)
		t = 0;
	if (t > r->clock)
		r->clock = t;
	text = plain(jget(o, "text"));
	e.ref = r->seq;
	e.id = id;
	e.url = jget(o, "url");
	e.title = jget(o, "title");
	e.text = text;
	e.lang = jget(o, "lang");
	e.time = t ? t : r->clock;
	cluster_add(r->cl, &e, &a);
	recent_push(&r->recent, xstrdup(id), e.time);
	recent_expire(&r->recent, r->clock - r->opts.df_window - 86400);
	qid = jquote(id);
	if (a.duplicate && (dup = recent_get(&r->recent, a.duplicate_of)))
		qdup = jquote(dup);
	fprintf(r->spill, "%s\t%llu\t%s", qid, (unsigned long long)a.story,
	    qdup ? qdup : "null");
	if (r->why)
		fprintf(r->spill, "\t%s\t%.3f\t%.3f\t%.3f\t%s",
		    cluster_reason_name(a.reason), a.score, a.text_sim,
		    a.names_sim, a.why);
	fputc('\n', r->spill);
	free(qid);
	free(qdup);
	free(text);
	json_decref(o);
	r->seq++;
	return 0;
}

/* Read the spill back, resolving each story through later merges. */
static int
emit(struct run *r)
{
	char *line = NULL, *f[8];
	size_t cap = 0;
	ssize_t n;
	int nf;

	rewind(r->spill);
	while ((n = getline(&line, &cap, r->spill)) > 0) {
		char *p = line;

		line[n - 1] = '\0';
		for (nf = 0; nf < 8 && p != NULL; nf++)
			f[nf] = strsep(&p, "\t");
		if (nf < 3)
			continue;
		printf("{\"id\": %s, \"cluster\": \"s%llu\", "
		       "\"duplicate_of\": %s",
		    f[0],
		    (unsigned long long)cluster_story_resolve(r->cl,
			strtoull(f[1], NULL, 10)),
		    f[2]);
		if (r->why && nf >= 8)
			printf(", \"reason\": \"%s\", \"score\": %s, "
			       "\"text_sim\": %s, \"names_sim\": %s, "
			       "\"why\": \"%s\"",
			    f[3], f[4], f[5], f[6], f[7]);
		printf("}\n");
	}
	free(line);
	return ferror(r->spill) || fflush(stdout) != 0 ? -1 : 0;
}

int
cmd_cluster(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"why", no_argument, NULL, 'w'},
	    {"set", required_argument, NULL, 'o'},
	    {NULL, 0, NULL, 0},
	};
	struct run r = {0};
	const char *path = "-";
	FILE *in;
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t n;
	int ch, rc = SHEAF_EXIT_OK;

	optind = 1;
	cluster_opts_default(&r.opts);
	while ((ch = getopt_long(argc, argv, "wo:", longopts, NULL)) != -1) {
		char *eq;

		switch (ch) {
		case 'w':
			r.why = true;
			break;
		case 'o':
			if ((eq = strchr(optarg, '=')) == NULL)
				return usage_of("cluster");
			*eq = '\0';
			if (cluster_opts_set(&r.opts, optarg, eq + 1) !=
			    SH_OK) {
				log_warnx(
				    "--set %s=%s: unknown option or value "
				    "out of range",
				    optarg, eq + 1);
				return SHEAF_EXIT_USAGE;
			}
			break;
		default:
			return usage_of("cluster");
		}
	}
	if (argc - optind > 1)
		return usage_of("cluster");
	if (argc - optind == 1)
		path = argv[optind];
	in = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	if (in == NULL) {
		log_warn("%s", path);
		return SHEAF_EXIT_ERR;
	}
	if ((r.spill = tmpfile()) == NULL) {
		log_warn("temporary file");
		if (in != stdin)
			fclose(in);
		return SHEAF_EXIT_ERR;
	}
	r.cl = cluster_new(&r.opts, 1);
	while ((n = getline(&line, &cap, in)) > 0) {
		lineno++;
		if ((size_t)n > LINE_MAX_BYTES) {
			log_warnx("%s:%zu: line longer than %u bytes", path,
			    lineno, LINE_MAX_BYTES);
			rc = SHEAF_EXIT_ERR;
			break;
		}
		if (strspn(line, " \t\r\n") == (size_t)n)
			continue;
		if (one_line(&r, line, lineno, path) != 0) {
			rc = SHEAF_EXIT_ERR;
			break;
		}
	}
	if (rc == SHEAF_EXIT_OK && ferror(in)) {
		log_warn("%s", path);
		rc = SHEAF_EXIT_ERR;
	}
	if (rc == SHEAF_EXIT_OK && emit(&r) != 0) {
		log_warn("writing the result");
		rc = SHEAF_EXIT_ERR;
	}
	free(line);
	fclose(r.spill);
	if (in != stdin)
		fclose(in);
	recent_free(&r.recent);
	cluster_free(r.cl);
	return rc;
}
