/* SPDX-License-Identifier: MIT */
/* The socket API client: libcurl over a Unix socket, replies parsed with jansson. */

/*
 * One easy handle serves every request of a command, so a command that
 * pages or polls many feeds reuses one connection.  The host name in the
 * URL is a placeholder: CURLOPT_UNIX_SOCKET_PATH decides where libcurl
 * connects.  A failed connect() is told apart by errno (CURLINFO_OS_ERRNO)
 * so that "no daemon" reads as such.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "common.h"
#include "sheaf.h"

/* Seconds to wait for the daemon: connect, then the whole answer. */
#define API_CONNECT_TIMEOUT 5L
#define API_TIMEOUT 300L
/* The socket of the system service. */
#define API_SYSTEM_SOCKET "/run/sheaf/sheaf.sock"

struct api {
	CURL *curl;
	char *path; /* the socket */
	char errbuf[CURL_ERROR_SIZE];
};

/* sheafd's default for a user, as daemon/main.c works it out. */
static char *
user_socket(void)
{
	const char *v;

	if ((v = getenv("XDG_RUNTIME_DIR")) != NULL && *v == '/')
		return xasprintf("%s/sheaf/sheaf.sock", v);
	/* sheafd's own fallback: the socket in its state directory. */
	if ((v = getenv("XDG_STATE_HOME")) != NULL && *v == '/')
		return xasprintf("%s/sheaf/sheaf.sock", v);
	if ((v = getenv("HOME")) != NULL && *v == '/')
		return xasprintf("%s/.local/state/sheaf/sheaf.sock", v);
	return NULL;
}

char *
api_default_socket(void)
{
	struct stat sb;
	const char *v;
	char *path;

	if ((v = getenv("SHEAF_SOCKET")) != NULL && *v != '\0')
		return xstrdup(v);
	if (geteuid() == 0)
		return xstrdup(API_SYSTEM_SOCKET);
	/* No daemon of the user's own: the system service's, if it runs. */
	path = user_socket();
	if ((path == NULL || (stat(path, &sb) == -1 && errno == ENOENT)) &&
	    stat(API_SYSTEM_SOCKET, &sb) == 0 && S_ISSOCK(sb.st_mode)) {
		free(path);
		return xstrdup(API_SYSTEM_SOCKET);
	}
	return path;
}

struct api *
api_open(const char *path)
{
	struct api *a = xcalloc(1, sizeof(*a));

	a->path = xstrdup(path);
	if ((a->curl = curl_easy_init()) == NULL) {
		log_warnx("cannot initialize libcurl");
		api_close(a);
		return NULL;
	}
	return a;
}

void
api_close(struct api *a)
{
	if (a == NULL)
		return;
	if (a->curl != NULL)
		curl_easy_cleanup(a->curl);
	free(a->path);
	free(a);
}

void
api_reply_clear(struct api_reply *r)
{
	free(r->body);
	json_decref(r->json);
	memset(r, 0, sizeof(*r));
}

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct sh_buf *b = arg;

	if (sh_buf_append(b, p, size * n) != SH_OK)
		return 0; /* libcurl stops with CURLE_WRITE_ERROR */
	return size * n;
}

/* One line for a transfer that failed before an HTTP answer. */
static void
report_transfer(struct api *a, CURLcode cc)
{
	struct stat sb;
	long oserr = 0;

	curl_easy_getinfo(a->curl, CURLINFO_OS_ERRNO, &oserr);
	if (cc == CURLE_COULDNT_CONNECT) {
		if (stat(a->path, &sb) == -1 && errno == ENOENT)
			log_warnx("sheafd is not running (no socket at %s)",
			    a->path);
		else if (oserr == ECONNREFUSED)
			log_warnx("sheafd is not running (nobody answers on "
				  "%s)",
			    a->path);
		else if (oserr != 0)
			log_warnx("cannot connect to %s: %s", a->path,
			    strerror((int)oserr));
		else
			log_warnx("cannot connect to %s: %s", a->path,
			    a->errbuf[0] != '\0' ? a->errbuf
						 : curl_easy_strerror(cc));
		return;
	}
	if (cc == CURLE_WRITE_ERROR) {
		log_warnx("the answer of sheafd is larger than %zu bytes",
		    API_MAX_REPLY);
		return;
	}
	log_warnx("talking to sheafd on %s: %s", a->path,
	    a->errbuf[0] != '\0' ? a->errbuf : curl_easy_strerror(cc));
}

/* One line for an HTTP error, with the daemon's message if it sent one. */
static void
report_status(const struct api_reply *r)
{
	json_t *j = json_loadb(r->body, r->len, 0, NULL);
	const char *msg = NULL;

	if (j != NULL)
		msg = json_string_value(
		    json_object_get(json_object_get(j, "error"), "message"));
	if (msg != NULL)
		log_warnx("%s", msg);
	else
		log_warnx("sheafd answered HTTP %ld", r->status);
	json_decref(j);
}

static void
set_method(CURL *curl, const char *method, const char *body, size_t len)
{
	if (strcmp(method, "GET") == 0) {
		curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
		return;
	}
	curl_easy_setopt(curl, CURLOPT_POST, 1L);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body != NULL ? body : "");
	curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)(body != NULL ? len : 0));
	if (strcmp(method, "POST") != 0)
		curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
}

int
api_request(struct api *a, const char *method, const char *path,
    const char *ctype, const char *body, size_t len, struct api_reply *out)
{
	struct curl_slist *hdrs = NULL;
	struct api_reply r;
	struct sh_buf b;
	char *url, *h = NULL;
	CURLcode cc;
	int rc = -1;

	memset(&r, 0, sizeof(r));
	sh_buf_init(&b, API_MAX_REPLY);
	url = xasprintf("http://localhost%s", path);
	curl_easy_reset(a->curl);
	a->errbuf[0] = '\0';
	curl_easy_setopt(a->curl, CURLOPT_UNIX_SOCKET_PATH, a->path);
	curl_easy_setopt(a->curl, CURLOPT_URL, url);
	curl_easy_setopt(a->curl, CURLOPT_ERRORBUFFER, a->errbuf);
	curl_easy_setopt(a->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(a->curl, CURLOPT_CONNECTTIMEOUT, API_CONNECT_TIMEOUT);
	curl_easy_setopt(a->curl, CURLOPT_TIMEOUT, API_TIMEOUT);
	curl_easy_setopt(a->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(a->curl, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(a->curl, CURLOPT_USERAGENT, "sheaf/" PACKAGE_VERSION);
	/* No "Expect: 100-continue" round trip for large bodies. */
	hdrs = curl_slist_append(hdrs, "Expect:");
	if (ctype != NULL) {
		h = xasprintf("Content-Type: %s", ctype);
		hdrs = curl_slist_append(hdrs, h);
	}
	curl_easy_setopt(a->curl, CURLOPT_HTTPHEADER, hdrs);
	set_method(a->curl, method, body, len);
	if ((cc = curl_easy_perform(a->curl)) != CURLE_OK) {
		report_transfer(a, cc);
		goto out;
	}
	curl_easy_getinfo(a->curl, CURLINFO_RESPONSE_CODE, &r.status);
	r.len = b.len;
	r.body = sh_buf_steal(&b);
	if (r.status < 200 || r.status > 299) {
		report_status(&r);
		goto out;
	}
	*out = r;
	memset(&r, 0, sizeof(r));
	rc = 0;
out:
	api_reply_clear(&r);
	sh_buf_clear(&b);
	curl_slist_free_all(hdrs);
	free(h);
	free(url);
	return rc;
}

int
api_json(struct api *a, const char *method, const char *path, json_t *body,
    struct api_reply *out)
{
	json_error_t jerr;
	char *text = NULL;
	int rc = -1;

	if (body != NULL && (text = json_dumps(body, JSON_COMPACT)) == NULL) {
		log_warnx("cannot write the request's JSON");
		goto out;
	}
	if (api_request(a, method, path,
		text != NULL ? "application/json" : NULL, text,
		text != NULL ? strlen(text) : 0, out) != 0)
		goto out;
	out->json = json_loadb(out->body, out->len, 0, &jerr);
	if (out->json == NULL || !json_is_object(out->json)) {
		log_warnx("sheafd sent no JSON object: %s",
		    out->json == NULL ? jerr.text : "another value");
		api_reply_clear(out);
		goto out;
	}
	rc = 0;
out:
	free(text);
	return rc;
}

char *
api_escape(struct api *a, const char *s)
{
	char *e = curl_easy_escape(a->curl, s, 0), *copy;

	if (e == NULL)
		fatalx("out of memory");
	copy = xstrdup(e);
	curl_free(e);
	return copy;
}

int
api_reply_print(const struct api_reply *r)
{
	if (fwrite(r->body, 1, r->len, stdout) != r->len ||
	    ((r->len == 0 || r->body[r->len - 1] != '\n') &&
		fputc('\n', stdout) == EOF) ||
	    fflush(stdout) != 0) {
		log_warn("writing the output");
		return -1;
	}
	return 0;
}
