/* SPDX-License-Identifier: MIT */
/* A load client for an HTTP/1.1 server on a Unix socket (make bench-api). */

/*
 * apiload -s SOCKET [-c CONNS] [-n REQS] [-t THREADS] PATH
 *
 * Opens CONNS keep-alive connections and sends REQS GET requests of PATH
 * on each, one at a time per connection (no pipelining).  THREADS threads (1 by
 * default) each drive their share of the connections with epoll, so the
 * client costs a few system calls per request and stays far from being
 * the limit; its own CPU time is printed so a reader can check that.
 *
 * A request's latency runs from its first byte written to its last byte
 * read.  An error is a status other than 200, an answer that cannot be
 * read, or a connection the server closed; a closed connection is opened
 * again and goes on with its next request.  Answers must carry
 * Content-Length (libmicrohttpd sends it for every answer of a known
 * size); anything else counts as an error.
 *
 * The output is one line of key=value pairs, for bench/api.sh.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem, asprintf */
#endif
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* The longest answer read; a page of entries is well below. */
#define MAX_ANSWER (64u << 20)

struct conn {
	int fd;
	size_t sent;	   /* bytes of the request written */
	char *buf;	   /* the answer so far */
	size_t len, cap;   /* bytes in buf, and its size */
	size_t need;	   /* bytes of the whole answer, 0 until known */
	int status;	   /* of the answer */
	uint64_t started;  /* ns, when the request began */
	unsigned done;	   /* requests finished, warm-up included */
	struct worker *wk; /* the thread driving it */
};

struct worker {
	pthread_t thread;
	int ep;
	struct conn *conns;
	size_t nconns;
	uint64_t *lat; /* ns per measured request */
	size_t nlat;
	size_t errors;
	uint64_t bytes; /* of measured answers */
	size_t active;	/* connections with requests left */
};

static const char *sock_path;
static char *request;
static size_t request_len;
static unsigned nreqs = 1000;

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void *
xrealloc(void *p, size_t n)
{
	if ((p = realloc(p, n)) == NULL) {
		perror("apiload: realloc");
		exit(2);
	}
	return p;
}

static int
open_conn(void)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sock_path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	/* Blocking: a full listen backlog makes connect() wait, not fail. */
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		close(fd);
		return -1;
	}
	if (fcntl(fd, F_SETFL, O_NONBLOCK) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

static void
conn_watch(struct conn *c, int op, uint32_t events)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data.ptr = c;
	if (epoll_ctl(c->wk->ep, op, c->fd, &ev) == -1) {
		perror("apiload: epoll_ctl");
		exit(2);
	}
}

/* Write what is left of the request; false when the connection broke. */
static bool
conn_send(struct conn *c)
{
	ssize_t n;

	while (c->sent < request_len) {
		n = send(c->fd, request + c->sent, request_len - c->sent,
		    MSG_NOSIGNAL);
		if (n == -1 && errno == EAGAIN) {
			conn_watch(c, EPOLL_CTL_MOD, EPOLLIN | EPOLLOUT);
			return true;
		}
		if (n <= 0)
			return false;
		c->sent += (size_t)n;
	}
	conn_watch(c, EPOLL_CTL_MOD, EPOLLIN);
	return true;
}

static bool
conn_start(struct conn *c)
{
	c->sent = 0;
	c->len = 0;
	c->need = 0;
	c->status = 0;
	c->started = now_ns();
	return conn_send(c);
}

/* The size of the whole answer once its head is in, or 0. */
static size_t
answer_size(struct conn *c, bool *bad)
{
	char *end, *line;
	size_t head;
	long long cl = -1;

	end = memmem(c->buf, c->len, "\r\n\r\n", 4);
	if (end == NULL)
		return 0;
	*end = '\0';
	head = (size_t)(end - c->buf) + 4;
	if (strncmp(c->buf, "HTTP/1.", 7) != 0 || strlen(c->buf) < 12) {
		*bad = true;
		return 0;
	}
	c->status = atoi(c->buf + 9);
	for (line = strstr(c->buf, "\r\n"); line != NULL;
	     line = strstr(line + 2, "\r\n"))
		if (strncasecmp(line + 2, "Content-Length:", 15) == 0)
			cl = strtoll(line + 17, NULL, 10);
	*end = '\r';
	if (cl < 0 || (uint64_t)cl > MAX_ANSWER) {
		*bad = true;
		return 0;
	}
	return head + (size_t)cl;
}

static void conn_next(struct conn *c, bool ok);

/* Read what came; finish the request when the answer is whole. */
static void
conn_recv(struct conn *c)
{
	bool bad = false;
	ssize_t n;

	for (;;) {
		if (c->cap - c->len < 65536) {
			c->cap = c->cap * 2 + 65536;
			c->buf = xrealloc(c->buf, c->cap);
		}
		n = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
		if (n == -1 && errno == EAGAIN)
			return;
		if (n <= 0 || c->len + (size_t)n > MAX_ANSWER) {
			conn_next(c, false);
			return;
		}
		c->len += (size_t)n;
		if (c->need == 0 && (c->need = answer_size(c, &bad)) == 0 &&
		    bad) {
			conn_next(c, false);
			return;
		}
		if (c->need != 0 && c->len >= c->need) {
			conn_next(c, c->status == 200 && c->len == c->need);
			return;
		}
	}
}

/* Count the request just finished and start the next one, if any. */
static void
conn_next(struct conn *c, bool ok)
{
	struct worker *wk = c->wk;

	if (ok) {
		wk->lat[wk->nlat++] = now_ns() - c->started;
		wk->bytes += c->len;
	} else {
		wk->errors++;
	}
	c->done++;
	if (!ok) {
		/* Whatever went wrong, go on with a fresh connection. */
		close(c->fd);
		c->fd = open_conn();
		while (c->fd == -1 && c->done < nreqs) {
			c->done++;
			wk->errors++;
			c->fd = open_conn();
		}
		if (c->fd != -1)
			conn_watch(c, EPOLL_CTL_ADD, EPOLLIN);
	}
	if (c->done >= nreqs || c->fd == -1) {
		if (c->fd != -1)
			close(c->fd);
		c->fd = -1;
		wk->active--;
		return;
	}
	if (!conn_start(c))
		conn_next(c, false);
}

static void *
worker_run(void *arg)
{
	struct worker *wk = arg;
	struct epoll_event evs[64];
	struct conn *c;
	size_t i;
	int n, k;

	for (i = 0; i < wk->nconns; i++) {
		c = &wk->conns[i];
		c->wk = wk;
		if ((c->fd = open_conn()) == -1) {
			wk->errors += nreqs;
			continue;
		}
		wk->active++;
		conn_watch(c, EPOLL_CTL_ADD, EPOLLIN);
		if (!conn_start(c))
			conn_next(c, false);
	}
	while (wk->active > 0) {
		n = epoll_wait(wk->ep, evs, 64, 10000);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "apiload: no progress in 10 s\n");
			exit(2);
		}
		for (k = 0; k < n; k++) {
			c = evs[k].data.ptr;
			if (c->fd == -1)
				continue;
			if ((evs[k].events & EPOLLOUT) &&
			    c->sent < request_len && !conn_send(c)) {
				conn_next(c, false);
				continue;
			}
			if (evs[k].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
				conn_recv(c);
		}
	}
	return NULL;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double
pct_ms(const uint64_t *v, size_t n, double p)
{
	size_t i;

	if (n == 0)
		return 0;
	i = (size_t)(p * (double)(n - 1) + 0.5);
	return (double)v[i] / 1e6;
}

static void
usage(void)
{
	fprintf(stderr, "usage: apiload -s SOCKET [-c CONNS] [-n REQS] "
			"[-t THREADS] PATH\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct worker *wks;
	struct rusage ru;
	unsigned nconns = 1, nthreads = 1, t;
	uint64_t *all, t0, t1, bytes = 0;
	size_t nall = 0, errors = 0, i;
	double secs, cpu;
	int ch;

	while ((ch = getopt(argc, argv, "s:c:n:t:")) != -1) {
		switch (ch) {
		case 's':
			sock_path = optarg;
			break;
		case 'c':
			nconns = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'n':
			nreqs = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 't':
			nthreads = (unsigned)strtoul(optarg, NULL, 10);
			break;
		default:
			usage();
		}
	}
	if (sock_path == NULL || optind + 1 != argc || nconns == 0 ||
	    nreqs == 0 || nthreads == 0)
		usage();
	if (nthreads > nconns)
		nthreads = nconns;
	if (asprintf(&request, "GET %s HTTP/1.1\r\nHost: localhost\r\n\r\n",
		argv[optind]) == -1)
		return 2;
	request_len = strlen(request);

	wks = calloc(nthreads, sizeof(*wks));
	for (t = 0; t < nthreads; t++) {
		struct worker *wk = &wks[t];

		wk->nconns = nconns / nthreads + (t < nconns % nthreads);
		wk->conns = calloc(wk->nconns, sizeof(*wk->conns));
		wk->lat = calloc((size_t)wk->nconns * nreqs, sizeof(*wk->lat));
		if ((wk->ep = epoll_create1(EPOLL_CLOEXEC)) == -1 ||
		    wk->conns == NULL || wk->lat == NULL) {
			perror("apiload");
			return 2;
		}
	}
	t0 = now_ns();
	for (t = 0; t < nthreads; t++)
		pthread_create(&wks[t].thread, NULL, worker_run, &wks[t]);
	for (t = 0; t < nthreads; t++)
		pthread_join(wks[t].thread, NULL);
	t1 = now_ns();

	all = calloc((size_t)nconns * nreqs, sizeof(*all));
	for (t = 0; t < nthreads; t++) {
		memcpy(all + nall, wks[t].lat, wks[t].nlat * sizeof(*all));
		nall += wks[t].nlat;
		errors += wks[t].errors;
		bytes += wks[t].bytes;
		for (i = 0; i < wks[t].nconns; i++)
			free(wks[t].conns[i].buf);
		free(wks[t].conns);
		free(wks[t].lat);
		close(wks[t].ep);
	}
	qsort(all, nall, sizeof(*all), cmp_u64);
	secs = (double)(t1 - t0) / 1e9;
	getrusage(RUSAGE_SELF, &ru);
	cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	      (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	printf("requests=%zu errors=%zu seconds=%.3f rps=%.0f p50_ms=%.3f "
	       "p99_ms=%.3f max_ms=%.3f bytes_per_answer=%.0f "
	       "client_cpu=%.0f%%\n",
	    nall, errors, secs, (double)(nall + errors) / secs,
	    pct_ms(all, nall, 0.50), pct_ms(all, nall, 0.99),
	    pct_ms(all, nall, 1.0), nall ? (double)bytes / (double)nall : 0,
	    100 * cpu / secs);
	free(all);
	free(wks);
	free(request);
	return 0;
}
