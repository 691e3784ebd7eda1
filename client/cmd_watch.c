/* SPDX-License-Identifier: MIT */
/* sheaf watch: new and updated stories as sheafd announces them. */

/*
 * GET /v1/events never ends, and api_request() keeps a whole answer in
 * memory.  So watch drives its own libcurl handle, through the multi
 * interface, with a write callback that cuts the bytes into lines and the
 * lines into events as the text/event-stream format says (HTML Living
 * Standard, section 9.2): fields "event" and "data", ':' for comments, a
 * blank line ends an event, and a line may end in CR LF, LF or CR.  At
 * most one line and one event are held, each bounded by WATCH_MAX_EVENT,
 * and each event is printed and flushed as soon as its blank line comes.
 *
 * SIGINT and SIGTERM write a byte to a pipe that curl_multi_poll() watches
 * besides the socket, so Ctrl-C ends watch at once, with status 0, and no
 * event is cut in the middle of its line.  A progress callback polling a
 * flag was the simpler choice, but waits up to a second.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "common.h"
#include "feeds.h"
#include "sheaf.h"

/* Most bytes of one line, and of one event's data, in the event stream. */
#define WATCH_MAX_EVENT ((size_t)1 << 20)
/* Most bytes kept of an error answer to the event request. */
#define WATCH_MAX_ERROR ((size_t)64 << 10)
/* Seconds to wait for the daemon to take the connection. */
#define WATCH_CONNECT_TIMEOUT 5L

/* sheaf watch */

/* Why the write callback stopped the transfer. */
enum watch_stop {
	WATCH_GOING,	 /* it did not */
	WATCH_TOO_BIG,	 /* a line or an event passed WATCH_MAX_EVENT */
	WATCH_NO_STREAM, /* a 2xx answer that is no event stream */
	WATCH_OUTPUT	 /* stdout failed */
};

struct watch {
	struct sheaf_ctx *ctx;
	CURL *curl;
	bool answered;	       /* the status and type were looked at */
	long status;	       /* the HTTP status */
	struct sh_buf errbody; /* the body of an error answer */
	struct sh_buf line;    /* the line read so far */
	struct sh_buf data;    /* the data lines of the event so far */
	char type[32];	       /* its event type, "" for the default */
	bool has_data;	       /* a data line came */
	bool after_cr;	       /* the last byte ended a line with CR */
	enum watch_stop stop;
};

/* The write end of the pipe that SIGINT and SIGTERM write to. */
static volatile sig_atomic_t signal_fd = -1;

static void
on_signal(int sig)
{
	int saved = errno;

	(void)sig;
	if (signal_fd != -1 && write(signal_fd, "", 1) == -1) {
		/* A full pipe has a byte in it already. */
	}
	errno = saved;
}

/* Print text on one line: control characters, such as ESC, as spaces. */
static void
put_clean(const char *s, FILE *fp)
{
	for (; *s != '\0'; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s, fp);
}

/* A time member of an object as UTC seconds; false when absent. */
static bool
jtime(json_t *o, const char *key, int64_t *out)
{
	const char *s = jstr(o, key);

	return s != NULL && feed_date_parse(s, out) == SH_OK;
}

/*
 * NEW for a story that just appeared, UPDATED for one that grew: the
 * event's own "event" member says which.  Not the story's status: an
 * unread story that grows is still "new" there.  Without the member (an
 * older daemon), a story updated after it was first seen has grown.
 */
static const char *
event_kind(json_t *s)
{
	const char *ev = jstr(s, "event");
	int64_t first, updated;

	if (ev != NULL)
		return strcmp(ev, "new") == 0 ? "NEW" : "UPDATED";
	if (jtime(s, "first_seen", &first) && jtime(s, "updated", &updated) &&
	    updated > first)
		return "UPDATED";
	return "NEW";
}

/* One story event for people or scripts. */
static void
print_story_event(json_t *s, bool human)
{
	const char *updated = jstr(s, "updated");
	const char *headline = jstr(s, "headline");
	char buf[64];

	if (human) {
		printf("%-16s  %-7s  %6" JSON_INTEGER_FORMAT
		       "  %3" JSON_INTEGER_FORMAT " sources  ",
		    fmt_local(updated, buf, sizeof(buf)) != NULL ? buf : "-",
		    event_kind(s), jint(s, "id"), jint(s, "sources"));
		put_clean(headline != NULL ? headline : "(no headline)",
		    stdout);
	} else {
		put_clean(updated != NULL ? updated : "-", stdout);
		printf("\t%s\t%" JSON_INTEGER_FORMAT "\t%" JSON_INTEGER_FORMAT
		       "\t",
		    event_kind(s), jint(s, "id"), jint(s, "sources"));
		put_clean(headline != NULL && *headline != '\0' ? headline
								: "-",
		    stdout);
	}
	putchar('\n');
}

/* A whole event came: print it if it is a story. */
static void
dispatch_event(struct watch *w)
{
	json_t *s;
	json_error_t jerr;
	const char *data;
	size_t len;

	if (!w->has_data || strcmp(w->type, "story") != 0)
		goto out;
	data = w->data.data != NULL ? w->data.data : "";
	len = w->data.len;
	/* Each data line adds a newline; the last one is not data. */
	if (len > 0 && data[len - 1] == '\n')
		len--;
	s = json_loadb(data, len, 0, &jerr);
	if (!json_is_object(s)) {
		log_warnx("an event of sheafd is no story: %s",
		    s == NULL ? jerr.text : "not an object");
	} else if (w->ctx->json && memchr(data, '\n', len) == NULL) {
		fwrite(data, 1, len, stdout);
		putchar('\n');
	} else if (w->ctx->json) {
		/* Several data lines: one line of JSON all the same. */
		json_dumpf(s, stdout, JSON_COMPACT);
		putchar('\n');
	} else {
		print_story_event(s, w->ctx->human);
	}
	json_decref(s);
	if (ferror(stdout) || fflush(stdout) != 0)
		w->stop = WATCH_OUTPUT;
out:
	sh_buf_reset(&w->data);
	w->type[0] = '\0';
	w->has_data = false;
}

/* One line of the stream, NUL-terminated, without its end. */
static void
event_line(struct watch *w, const char *line, size_t len)
{
	const char *colon = memchr(line, ':', len);
	size_t flen = colon != NULL ? (size_t)(colon - line) : len;
	const char *value = colon != NULL ? colon + 1 : line + len;

	if (len == 0) {
		dispatch_event(w);
		return;
	}
	if (flen == 0)
		return; /* a comment: the daemon's keep-alive */
	if (*value == ' ')
		value++;
	if (flen == 5 && memcmp(line, "event", 5) == 0) {
		snprintf(w->type, sizeof(w->type), "%s", value);
	} else if (flen == 4 && memcmp(line, "data", 4) == 0) {
		if (sh_buf_puts(&w->data, value) != SH_OK ||
		    sh_buf_putc(&w->data, '\n') != SH_OK)
			w->stop = WATCH_TOO_BIG;
		w->has_data = true;
	}
	/* "id", "retry" and unknown fields: watch does not reconnect. */
}

/* Feed bytes of the stream to the line splitter. */
static void
event_bytes(struct watch *w, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n && w->stop == WATCH_GOING; i++) {
		if (p[i] == '\n' && w->after_cr) {
			w->after_cr = false;
			continue;
		}
		w->after_cr = p[i] == '\r';
		if (p[i] == '\r' || p[i] == '\n') {
			event_line(w, w->line.data != NULL ? w->line.data : "",
			    w->line.len);
			sh_buf_reset(&w->line);
		} else if (sh_buf_putc(&w->line, p[i]) != SH_OK) {
			w->stop = WATCH_TOO_BIG;
		}
	}
}

/* The first bytes of the answer: is it the event stream? */
static void
check_answer(struct watch *w)
{
	const char *ctype = NULL;

	w->answered = true;
	curl_easy_getinfo(w->curl, CURLINFO_RESPONSE_CODE, &w->status);
	curl_easy_getinfo(w->curl, CURLINFO_CONTENT_TYPE, &ctype);
	if (w->status >= 200 && w->status <= 299 &&
	    (ctype == NULL || strncasecmp(ctype, "text/event-stream", 17) != 0))
		w->stop = WATCH_NO_STREAM;
}

static size_t
on_stream(char *p, size_t size, size_t n, void *arg)
{
	struct watch *w = arg;

	if (!w->answered)
		check_answer(w);
	if (w->status < 200 || w->status > 299) {
		/* An error's JSON; more than the bound is not needed. */
		sh_buf_append(&w->errbody, p, size * n);
		return size * n;
	}
	event_bytes(w, p, size * n);
	return w->stop == WATCH_GOING ? size * n : 0;
}

/* A connection that failed, in the words api.c uses. */
static void
report_connect(struct watch *w, CURLcode cc, const char *errbuf)
{
	const char *path = w->ctx->socket;
	struct stat sb;
	long oserr = 0;

	curl_easy_getinfo(w->curl, CURLINFO_OS_ERRNO, &oserr);
	if (cc == CURLE_COULDNT_CONNECT && stat(path, &sb) == -1 &&
	    errno == ENOENT)
		log_warnx("sheafd is not running (no socket at %s)", path);
	else if (cc == CURLE_COULDNT_CONNECT && oserr == ECONNREFUSED)
		log_warnx("sheafd is not running (nobody answers on %s)", path);
	else if (cc == CURLE_COULDNT_CONNECT && oserr != 0)
		log_warnx("cannot connect to %s: %s", path,
		    strerror((int)oserr));
	else
		log_warnx("talking to sheafd on %s: %s", path,
		    errbuf[0] != '\0' ? errbuf : curl_easy_strerror(cc));
}

/* The end of the stream when nobody interrupted it: always an error. */
static void
report_end(struct watch *w, CURLcode cc, const char *errbuf)
{
	json_t *j;
	const char *msg = NULL;

	/* An answer without a body never reached on_stream(). */
	if (!w->answered && cc == CURLE_OK)
		check_answer(w);
	if (w->stop == WATCH_TOO_BIG) {
		log_warnx("an event of sheafd is larger than %zu bytes",
		    WATCH_MAX_EVENT);
	} else if (w->stop == WATCH_NO_STREAM) {
		log_warnx("sheafd sent no event stream (HTTP %ld)", w->status);
	} else if (w->stop == WATCH_OUTPUT) {
		log_warn("writing the output");
	} else if (cc != CURLE_OK && !w->answered) {
		report_connect(w, cc, errbuf);
	} else if (w->status < 200 || w->status > 299) {
		j = json_loadb(w->errbody.data != NULL ? w->errbody.data : "",
		    w->errbody.len, 0, NULL);
		msg = json_string_value(
		    json_object_get(json_object_get(j, "error"), "message"));
		if (msg != NULL)
			log_warnx("%s", msg);
		else
			log_warnx("sheafd answered HTTP %ld", w->status);
		json_decref(j);
	} else if (cc != CURLE_OK) {
		log_warnx("the event stream broke: %s",
		    errbuf[0] != '\0' ? errbuf : curl_easy_strerror(cc));
	} else {
		log_warnx("sheafd ended the event stream");
	}
}

/*
 * Run the transfer until it ends or a byte arrives on sigfd.  Returns
 * true when interrupted, else false with the transfer's result in *cc.
 */
static bool
watch_run(CURLM *m, int sigfd, CURLcode *cc)
{
	struct curl_waitfd extra;
	CURLMsg *msg;
	int running = 1, left;

	*cc = CURLE_OK;
	while (running > 0) {
		if (curl_multi_perform(m, &running) != CURLM_OK) {
			*cc = CURLE_FAILED_INIT;
			return false;
		}
		if (running == 0)
			break;
		extra.fd = sigfd;
		extra.events = CURL_WAIT_POLLIN;
		extra.revents = 0;
		if (curl_multi_poll(m, &extra, 1, 1000, NULL) != CURLM_OK) {
			*cc = CURLE_FAILED_INIT;
			return false;
		}
		if (extra.revents & CURL_WAIT_POLLIN)
			return true;
	}
	while ((msg = curl_multi_info_read(m, &left)) != NULL)
		if (msg->msg == CURLMSG_DONE)
			*cc = msg->data.result;
	return false;
}

/* The easy handle for GET /v1/events on the context's socket. */
static CURL *
watch_handle(struct watch *w, char *errbuf)
{
	CURL *c;

	if ((c = curl_easy_init()) == NULL)
		return NULL;
	curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, w->ctx->socket);
	curl_easy_setopt(c, CURLOPT_URL, "http://localhost/v1/events");
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, WATCH_CONNECT_TIMEOUT);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_stream);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, w);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "sheaf/" PACKAGE_VERSION);
	return c;
}

int
cmd_watch(struct sheaf_ctx *ctx, int argc, char **argv)
{
	struct sigaction sa, old_int, old_term;
	char errbuf[CURL_ERROR_SIZE] = "";
	struct watch w;
	CURLM *m = NULL;
	CURLcode cc;
	int pfd[2] = {-1, -1}, status = SHEAF_EXIT_ERR;

	(void)argv;
	if (argc != 1)
		return usage_of("watch");
	memset(&w, 0, sizeof(w));
	w.ctx = ctx;
	sh_buf_init(&w.errbody, WATCH_MAX_ERROR);
	sh_buf_init(&w.line, WATCH_MAX_EVENT);
	sh_buf_init(&w.data, WATCH_MAX_EVENT);
	if (pipe2(pfd, O_CLOEXEC | O_NONBLOCK) == -1)
		fatal("pipe2");
	if ((w.curl = watch_handle(&w, errbuf)) == NULL ||
	    (m = curl_multi_init()) == NULL ||
	    curl_multi_add_handle(m, w.curl) != CURLM_OK) {
		log_warnx("cannot initialize libcurl");
		goto out;
	}
	signal_fd = pfd[1];
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	if (watch_run(m, pfd[0], &cc))
		status = flushed(); /* interrupted: the way watch ends */
	else
		report_end(&w, cc, errbuf);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	signal_fd = -1;
out:
	if (m != NULL && w.curl != NULL)
		curl_multi_remove_handle(m, w.curl);
	curl_multi_cleanup(m);
	if (w.curl != NULL)
		curl_easy_cleanup(w.curl);
	close(pfd[0]);
	close(pfd[1]);
	sh_buf_clear(&w.errbody);
	sh_buf_clear(&w.line);
	sh_buf_clear(&w.data);
	return status;
}
