/* SPDX-License-Identifier: MIT */
/*
 * sheaf cluster: a JSON Lines stream of entries to their stories
 * (SCHEMAS.md section 2), with the daemon's streaming clusterer.
 *
 * Each decision is written to a spill file as it is made and the spill is
 * read back at the end, when every story id can be resolved through the
 * merges that happened later.  So memory follows the clusterer's window,
 * not the length of the stream.
 *
 * A line is read by a small scanner first: the lines of a stream are flat
 * objects of strings, and building jansson's tree for each took longer
 * than a tenth of the clustering.  The scanner accepts only what jansson
 * would read the same way (one object, string or null/true/false values,
 * valid UTF-8, no duplicate key, no NUL escape) and gives up on anything
 * else -- a number, a nested value, an error -- and then jansson reads the
 * line as before, so odd lines and errors behave as they always did.
 */
#include <getopt.h>
#include <stddef.h>
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

/* The fields of an entry that clustering reads; NULL when absent. */
struct fields {
	const char *id, *published, *text, *url, *title, *lang;
};

/* One UTF-8 sequence at p, checked as jansson checks it; its length or 0. */
static size_t
utf8_len(const unsigned char *p)
{
	unsigned char c = p[0];
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0; /* overlong */
		if (c == 0xed)
			hi = 0x9f; /* surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90; /* overlong */
		if (c == 0xf4)
			hi = 0x8f; /* past U+10FFFF */
	} else
		return 0;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

static int
hex4(const unsigned char *p)
{
	int v = 0, i, d;

	for (i = 0; i < 4; i++) {
		if (p[i] >= '0' && p[i] <= '9')
			d = p[i] - '0';
		else if ((p[i] | 0x20) >= 'a' && (p[i] | 0x20) <= 'f')
			d = (p[i] | 0x20) - 'a' + 10;
		else
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* Append code point u (not a surrogate, not 0) to o as UTF-8. */
static unsigned char *
put_utf8(unsigned char *o, int32_t u)
{
	if (u < 0x80)
		*o++ = (unsigned char)u;
	else if (u < 0x800) {
		*o++ = (unsigned char)(0xc0 | u >> 6);
		*o++ = (unsigned char)(0x80 | (u & 0x3f));
	} else if (u < 0x10000) {
		*o++ = (unsigned char)(0xe0 | u >> 12);
		*o++ = (unsigned char)(0x80 | (u >> 6 & 0x3f));
		*o++ = (unsigned char)(0x80 | (u & 0x3f));
	} else {
		*o++ = (unsigned char)(0xf0 | u >> 18);
		*o++ = (unsigned char)(0x80 | (u >> 12 & 0x3f));
		*o++ = (unsigned char)(0x80 | (u >> 6 & 0x3f));
		*o++ = (unsigned char)(0x80 | (u & 0x3f));
	}
	return o;
}

/*
 * The JSON string at *pp (at its opening quote), decoded to *op with a NUL
 * after it.  Both move past what they used.  False for anything jansson
 * would refuse or that the scanner leaves to it.
 */
static bool
scan_string(const unsigned char **pp, unsigned char **op)
{
	const unsigned char *p = *pp + 1;
	unsigned char *o = *op;
	int32_t u, lo;
	size_t n;

	for (;;) {
		if (*p == '"')
			break;
		if (*p < 0x20)
			return false; /* a control character, or the end */
		if (*p >= 0x80) {
			if ((n = utf8_len(p)) == 0)
				return false;
			memcpy(o, p, n);
			o += n;
			p += n;
			continue;
		}
		if (*p != '\\') {
			*o++ = *p++;
			continue;
		}
		switch (p[1]) {
		case '"':
		case '\\':
		case '/':
			*o++ = p[1];
			break;
		case 'b':
			*o++ = '\b';
			break;
		case 'f':
			*o++ = '\f';
			break;
		case 'n':
			*o++ = '\n';
			break;
		case 'r':
			*o++ = '\r';
			break;
		case 't':
			*o++ = '\t';
			break;
		case 'u':
			if ((u = hex4(p + 2)) <= 0 ||
			    (u >= 0xdc00 && u <= 0xdfff))
				return false;
			if (u >= 0xd800 && u <= 0xdbff) {
				if (p[6] != '\\' || p[7] != 'u' ||
				    (lo = hex4(p + 8)) < 0xdc00 || lo > 0xdfff)
					return false;
				u = 0x10000 + ((u - 0xd800) << 10) +
				    (lo - 0xdc00);
				p += 6;
			}
			o = put_utf8(o, u);
			p += 4;
			break;
		default:
			return false;
		}
		p += 2;
	}
	*o++ = '\0';
	*pp = p + 1;
	*op = o;
	return true;
}

static const unsigned char *
skip_ws(const unsigned char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

/* Where the value of a key goes in f, or NULL for a key not read. */
static const char **
field_of(struct fields *f, const char *key)
{
	static const struct {
		const char *key;
		size_t off;
	} known[] = {
	    {"id", offsetof(struct fields, id)},
	    {"published", offsetof(struct fields, published)},
	    {"text", offsetof(struct fields, text)},
	    {"url", offsetof(struct fields, url)},
	    {"title", offsetof(struct fields, title)},
	    {"lang", offsetof(struct fields, lang)},
	};
	size_t i;

	for (i = 0; i < sizeof known / sizeof known[0]; i++)
		if (strcmp(known[i].key, key) == 0)
			return (
			    const char **)(void *)((char *)f + known[i].off);
	return NULL;
}

#define SCAN_MAX_KEYS 32 /* more keys than this: left to jansson */

/*
 * Read a line the way json_loads() and jget() would, into f, with the
 * strings decoded into buf (at least as long as the line).  False when the
 * line is not a flat object of strings and literals that jansson would
 * accept, or its "id" is not a string: f and buf are then garbage.
 */
static bool
fields_scan(const char *line, char *buf, struct fields *f)
{
	const unsigned char *p = (const unsigned char *)line;
	unsigned char *o = (unsigned char *)buf;
	const char *keys[SCAN_MAX_KEYS], *key, **dst;
	int nkeys = 0, i;

	memset(f, 0, sizeof *f);
	p = skip_ws(p);
	if (*p++ != '{')
		return false;
	p = skip_ws(p);
	if (*p == '}')
		p++;
	else
		for (;;) {
			key = (const char *)o;
			if (*p != '"' || !scan_string(&p, &o) ||
			    nkeys == SCAN_MAX_KEYS)
				return false;
			for (i = 0; i < nkeys; i++)
				if (strcmp(keys[i], key) == 0)
					return false; /* a duplicate */
			keys[nkeys++] = key;
			p = skip_ws(p);
			if (*p++ != ':')
				return false;
			p = skip_ws(p);
			dst = field_of(f, key);
			if (*p == '"') {
				if (dst != NULL)
					*dst = (const char *)o;
				if (!scan_string(&p, &o))
					return false;
			} else if (strncmp((const char *)p, "null", 4) == 0)
				p += 4;
			else if (strncmp((const char *)p, "true", 4) == 0)
				p += 4;
			else if (strncmp((const char *)p, "false", 5) == 0)
				p += 5;
			else
				return false; /* a number, an array, an object */
			p = skip_ws(p);
			if (*p == '}') {
				p++;
				break;
			}
			if (*p++ != ',')
				return false;
			p = skip_ws(p);
		}
	return *skip_ws(p) == '\0' && f->id != NULL;
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
	size_t n = strlen(s), i;
	json_t *j;
	char *q;

	/* Printable ASCII but for '"' and '\\' is written as it is, between
	 * quotes, by json_dumps() too: most ids are such. */
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c > 0x7e || c == '"' || c == '\\')
			break;
	}
	if (i == n) {
		q = xmalloc(n + 3);
		q[0] = '"';
		memcpy(q + 1, s, n);
		q[n + 1] = '"';
		q[n + 2] = '\0';
		return q;
	}
	j = json_string(s);

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
	char *buf; /* the strings of a scanned line */
	size_t bufcap;
};

/*
 * Read a line with jansson into f; *op holds the strings and the caller
 * releases it, idbuf the text of a numeric id.  -1 after a warning for a
 * line that is no entry.
 */
static int
fields_json(const char *line, size_t lineno, const char *path, json_t **op,
    char *idbuf, size_t idsize, struct fields *f)
{
	json_error_t jerr;
	json_t *o, *jid;

	*op = o = json_loads(line, JSON_REJECT_DUPLICATES, &jerr);
	if (o == NULL || !json_is_object(o)) {
		log_warnx("%s:%zu: not a JSON object: %s", path, lineno,
		    o ? "wrong type" : jerr.text);
		return -1;
	}
	jid = json_object_get(o, "id");
	if (json_is_integer(jid)) {
		snprintf(idbuf, idsize, "%lld",
		    (long long)json_integer_value(jid));
		f->id = idbuf;
	} else if ((f->id = jget(o, "id")) == NULL) {
		log_warnx("%s:%zu: entry has no \"id\"", path, lineno);
		return -1;
	}
	f->published = jget(o, "published");
	f->text = jget(o, "text");
	f->url = jget(o, "url");
	f->title = jget(o, "title");
	f->lang = jget(o, "lang");
	return 0;
}

static int
one_line(struct run *r, const char *line, size_t len, size_t lineno,
    const char *path)
{
	struct cluster_entry e = {0};
	struct cluster_assign a;
	struct fields f;
	json_t *o = NULL;
	char *text, *qid, *qdup = NULL, idbuf[32];
	const char *dup;
	int64_t t = 0;

	if (r->bufcap < len + 1) {
		r->bufcap = len + 1;
		r->buf = xrealloc(r->buf, r->bufcap);
	}
	if (!fields_scan(line, r->buf, &f) &&
	    fields_json(line, lineno, path, &o, idbuf, sizeof idbuf, &f) != 0) {
		json_decref(o);
		return -1;
	}
	if (f.published != NULL && feed_date_parse(f.published, &t) != SH_OK)
		t = 0;
	if (t > r->clock)
		r->clock = t;
	text = plain(f.text);
	e.ref = r->seq;
	e.id = f.id;
	e.url = f.url;
	e.title = f.title;
	e.text = text;
	e.lang = f.lang;
	e.time = t ? t : r->clock;
	cluster_add(r->cl, &e, &a);
	recent_push(&r->recent, xstrdup(f.id), e.time);
	recent_expire(&r->recent, r->clock - r->opts.df_window - 86400);
	qid = jquote(f.id);
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
		if (one_line(&r, line, (size_t)n, lineno, path) != 0) {
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
	free(r.buf);
	cluster_free(r.cl);
	return rc;
}
