/* SPDX-License-Identifier: MIT */
/* The parse thread: fetched documents are parsed beside the main loop. */

/*
 * The main thread runs libcurl and the store.  Parsing a document is the
 * largest part of a poll's CPU, so a thread of its own does it, while the
 * main thread goes on downloading and committing.  A transfer that brought
 * a document (a 2xx) is queued here; the thread parses it and queues the
 * result back, and a write to the daemon's eventfd wakes the main loop,
 * which takes the results (parser_collect) and stores them as before.
 * Errors and 304s need no parse and are not queued.
 *
 * The queue is bounded (PARSER_QUEUE_MAX documents, PARSER_QUEUE_BYTES
 * bytes, counting the one being parsed): when the thread falls behind,
 * parser_submit() refuses and the main thread parses that document
 * itself, so memory stays bounded and no transfer waits.  A job keeps its
 * own copy of the limits, so a reload cannot race with a parse.  At a stop
 * the thread finishes what it was given and the main thread stores it.
 */

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "sheafd.h"

/* Documents waiting for the thread or being parsed, at most. */
#define PARSER_QUEUE_MAX 16u
/* Their bodies' bytes, at most (one larger document is always taken). */
#define PARSER_QUEUE_BYTES (8u * 1024 * 1024)

struct parse_job {
	struct parse_job *next;
	struct fetch_result *res;
	struct feed_limits lim;
	struct feed *doc;
	char *error;
};

struct parser {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;		   /* new work, or the stop */
	struct parse_job *in, **in_tail;   /* to parse, in order */
	struct parse_job *out, **out_tail; /* parsed, for the main thread */
	size_t njobs;			   /* in the thread's hands or in */
	size_t bytes;			   /* their bodies' bytes */
	bool stop;
	int wake_fd; /* the daemon's eventfd */
};

static void
wake(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) == -1 && errno != EAGAIN)
		log_warn("eventfd");
}

static void *
parser_main(void *arg)
{
	struct parser *p = arg;
	struct parse_job *j;
	bool was_empty;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (p->in == NULL && !p->stop)
			pthread_cond_wait(&p->cond, &p->lock);
		if ((j = p->in) == NULL)
			break; /* stopped, and nothing is left */
		if ((p->in = j->next) == NULL)
			p->in_tail = &p->in;
		pthread_mutex_unlock(&p->lock);

		poll_classify(j->res, &j->lim, &j->doc, &j->error);
		j->next = NULL;

		pthread_mutex_lock(&p->lock);
		was_empty = p->out == NULL;
		*p->out_tail = j;
		p->out_tail = &j->next;
		if (was_empty)
			wake(p->wake_fd);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

int
parser_start(struct sheafd *d)
{
	struct parser *p = xcalloc(1, sizeof(*p));

	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	p->in_tail = &p->in;
	p->out_tail = &p->out;
	p->wake_fd = d->ev_fd;
	if (pthread_create(&p->thread, NULL, parser_main, p) != 0) {
		pthread_cond_destroy(&p->cond);
		pthread_mutex_destroy(&p->lock);
		free(p);
		return SH_EIO;
	}
	pthread_setname_np(p->thread, "sheafd-parse");
	d->parser = p;
	return SH_OK;
}

bool
parser_submit(struct sheafd *d, struct fetch_result *res)
{
	struct parser *p = d->parser;
	struct parse_job *j;

	if (p == NULL)
		return false;
	pthread_mutex_lock(&p->lock);
	if (p->stop || (p->njobs > 0 && (p->njobs >= PARSER_QUEUE_MAX ||
					    p->bytes + res->body_len >
						PARSER_QUEUE_BYTES))) {
		pthread_mutex_unlock(&p->lock);
		return false;
	}
	j = xcalloc(1, sizeof(*j));
	j->res = res;
	j->lim = d->flim;
	*p->in_tail = j;
	p->in_tail = &j->next;
	p->njobs++;
	p->bytes += res->body_len;
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
	return true;
}

size_t
parser_pending(struct sheafd *d)
{
	struct parser *p = d->parser;
	size_t n;

	if (p == NULL)
		return 0;
	pthread_mutex_lock(&p->lock);
	n = p->njobs;
	pthread_mutex_unlock(&p->lock);
	return n;
}

void
parser_collect(struct sheafd *d, parser_done_cb *fn)
{
	struct parser *p = d->parser;
	struct parse_job *j, *next;

	if (p == NULL)
		return;
	pthread_mutex_lock(&p->lock);
	j = p->out;
	p->out = NULL;
	p->out_tail = &p->out;
	for (next = j; next != NULL; next = next->next) {
		p->njobs--;
		p->bytes -= next->res->body_len;
	}
	pthread_mutex_unlock(&p->lock);
	for (; j != NULL; j = next) {
		next = j->next;
		fn(d, j->res, j->doc, j->error);
		free(j);
	}
}

void
parser_stop(struct sheafd *d, parser_done_cb *fn)
{
	struct parser *p = d->parser;

	if (p == NULL)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	/* The thread parsed everything it was given before it returned. */
	parser_collect(d, fn);
	pthread_cond_destroy(&p->cond);
	pthread_mutex_destroy(&p->lock);
	free(p);
	d->parser = NULL;
}
