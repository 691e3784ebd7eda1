/* SPDX-License-Identifier: MIT */
/* libFuzzer target: raw bytes to the socket API of a real sheafd in-process. */

/*
 * The harness runs the daemon as sheafd does, in this process: the same
 * configuration defaults, the listening Unix socket made by api_listen(),
 * the store opened on a temporary directory, the fetcher, the window of
 * stories, libmicrohttpd's threads started by api_start(), and loop_run()
 * as the main thread that carries out every write.  Only the start-up is
 * the harness's own, because main.c keeps it in static functions; it
 * follows main.c's order (bind, signals, fetcher, store, stories, API).
 *
 * Before the first input the daemon subscribes, through the API, to feeds
 * that a small HTTP server in the harness serves on 127.0.0.1 from
 * tests/data (and an Atom rendering of tests/data/cluster/founding.jsonl in
 * two halves), and polls them, so that feeds, entries and stories exist
 * and the reading endpoints have something to show.  No other fetch leaves
 * the process: every proxy variable names 127.0.0.1:9, which the address
 * policy refuses, and only the stub server is exempt from deny_private.
 *
 * Each input is one connection: its bytes are written as they are, the
 * writing side is shut, and the answer is read until the daemon closes.
 * An event stream (/v1/events) never closes by itself; it is read for a
 * moment and then the harness publishes one story event, as story.c does
 * after a write, so that the stream's thread wakes, fails to write and
 * ends.  A daemon that neither answers nor closes within
 * FUZZ_API_DEADLINE_MS (default 10000, past the 5 s api_timeout the
 * harness configures) is a hang and aborts.  So does a socket that stops
 * accepting connections.
 *
 * The configuration is the default one but for short timeouts, and a
 * request body cap (4 KiB) and page size (5) that inputs can reach.  State
 * carries over from input to input (subscriptions added, feeds deleted,
 * stories marked read; every RESUBSCRIBE_EVERY inputs the harness
 * subscribes to the bundled feeds again), so a crash may need the inputs
 * before it: running the crash file alone reproduces most request parsing
 * faults; for the rest, replay the corpus in order.
 *
 * Environment: FUZZ_API_TMPDIR (else TMPDIR, else /var/tmp) for the
 * temporary directory, FUZZ_API_VERBOSE=1 for the daemon's log,
 * FUZZ_API_ECHO=1 to print every answer, FUZZ_API_DEADLINE_MS, and
 * SHEAF_TEST_DATA for tests/data when TEST_DATA_DIR was not compiled in.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "common.h"
#include "sheafd.h"
#include "fuzz_check.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Bytes of an answer kept for inspection; the rest is only counted. */
#define ANSWER_KEEP (64u * 1024)
/* How long an event stream is read before the harness moves on. */
#define STREAM_MS 100
/* How long the start-up may take to poll the bundled feeds. */
#define WARMUP_MS 30000
/* Inputs between two subscriptions to the bundled feeds. */
#define RESUBSCRIBE_EVERY 2000

struct answer {
	char *data; /* the first ANSWER_KEEP bytes, NUL-terminated */
	size_t len; /* bytes kept */
	size_t total;
	bool closed; /* the daemon closed (or reset) the connection */
	bool stream; /* a text/event-stream answer */
};

static struct sheafd d;
static char tmpdir[512];
static int deadline_ms = 10000;
static bool echo; /* FUZZ_API_ECHO: print each answer */

/* The stub feed server. */

struct stub_doc {
	const char *path;
	const char *type;
	char *body;
	size_t len;
};

static struct stub_doc docs[16];
static size_t ndocs;
static int stub_fd = -1;
static int stub_port;

/*
 * An entry with a summary and no content: the clusterer reads the summary
 * then, a path of its own (an over-read there was found by this target).
 */
static const char summary_only[] =
    "<?xml version=\"1.0\"?><feed xmlns=\"http://www.w3.org/2005/Atom\">"
    "<title>s</title><id>urn:s</id>"
    "<updated>2023-11-20T00:00:00Z</updated>"
    "<entry><id>urn:s:1</id><title>Summary only</title>"
    "<updated>2023-11-20T00:00:00Z</updated>"
    "<summary>A short summary and no content.</summary></entry></feed>";

static const char *
data_dir(void)
{
#ifdef TEST_DATA_DIR
	return TEST_DATA_DIR;
#else
	const char *v = getenv("SHEAF_TEST_DATA");

	if (v == NULL)
		fuzz_fail("set SHEAF_TEST_DATA to the tests/data directory");
	return v;
#endif
}

static char *
read_file(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	struct sh_buf b;
	char chunk[4096];
	size_t n;

	if (fp == NULL)
		return NULL;
	sh_buf_init(&b, SIZE_MAX);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		sh_buf_append(&b, chunk, n);
	fclose(fp);
	*len = b.len;
	return sh_buf_steal(&b);
}

static void
xml_escape(struct sh_buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&':
			sh_buf_puts(b, "&amp;");
			break;
		case '<':
			sh_buf_puts(b, "&lt;");
			break;
		case '>':
			sh_buf_puts(b, "&gt;");
			break;
		case '"':
			sh_buf_puts(b, "&quot;");
			break;
		default:
			sh_buf_putc(b, *s);
		}
	}
}

/* An Atom feed of every other line of founding.jsonl, from line first. */
static char *
founding_atom(int first, size_t *len)
{
	char *path = xasprintf("%s/cluster/founding.jsonl", data_dir());
	FILE *fp = fopen(path, "r");
	struct sh_buf b;
	char line[65536];
	int n = 0;

	free(path);
	if (fp == NULL)
		return NULL;
	sh_buf_init(&b, SIZE_MAX);
	sh_buf_puts(&b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
			"<feed xmlns=\"http://www.w3.org/2005/Atom\">"
			"<title>founding</title><id>urn:founding</id>"
			"<updated>2023-11-20T00:00:00Z</updated>\n");
	while (fgets(line, sizeof(line), fp) != NULL) {
		json_t *j;
		const char *id, *title, *text, *pub, *lang, *src;

		if (n++ % 2 != first)
			continue;
		if ((j = json_loads(line, 0, NULL)) == NULL)
			continue;
		id = json_string_value(json_object_get(j, "id"));
		title = json_string_value(json_object_get(j, "title"));
		text = json_string_value(json_object_get(j, "text"));
		pub = json_string_value(json_object_get(j, "published"));
		lang = json_string_value(json_object_get(j, "lang"));
		src = json_string_value(json_object_get(j, "source"));
		if (id != NULL && title != NULL && text != NULL &&
		    pub != NULL) {
			sh_buf_puts(&b, "<entry xml:lang=\"");
			xml_escape(&b, lang != NULL ? lang : "en");
			sh_buf_puts(&b, "\"><id>urn:");
			xml_escape(&b, id);
			sh_buf_puts(&b, "</id><title>");
			xml_escape(&b, title);
			sh_buf_puts(&b, "</title><updated>");
			xml_escape(&b, pub);
			sh_buf_puts(&b, "</updated><link href=\"https://");
			xml_escape(&b, src != NULL ? src : "ex.org");
			sh_buf_puts(&b, "/");
			xml_escape(&b, id);
			sh_buf_puts(&b, "\"/><summary>");
			xml_escape(&b, text);
			sh_buf_puts(&b, "</summary><content type=\"text\">");
			xml_escape(&b, text);
			sh_buf_puts(&b, "</content></entry>\n");
		}
		json_decref(j);
	}
	fclose(fp);
	sh_buf_puts(&b, "</feed>\n");
	*len = b.len;
	return sh_buf_steal(&b);
}

static void
stub_add(const char *path, const char *type, char *body, size_t len)
{
	if (body == NULL || ndocs == sizeof(docs) / sizeof(docs[0]))
		return;
	docs[ndocs].path = path;
	docs[ndocs].type = type;
	docs[ndocs].body = body;
	docs[ndocs].len = len;
	ndocs++;
}

static void
stub_load(void)
{
	static const struct {
		const char *name, *type;
	} files[] = {
	    {"rss20.xml", "application/rss+xml"},
	    {"atom10.xml", "application/atom+xml"},
	    {"rss10.rdf", "application/rdf+xml"},
	    {"rss091.xml", "text/xml"},
	    {"jsonfeed11.json", "application/feed+json"},
	    {"entities.xml", "application/rss+xml"},
	    {"latin1-undeclared.xml", "text/xml"},
	};
	size_t i, len;
	char *path, *body;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		path = xasprintf("%s/feeds/%s", data_dir(), files[i].name);
		body = read_file(path, &len);
		free(path);
		stub_add(files[i].name, files[i].type, body, len);
	}
	body = founding_atom(0, &len);
	stub_add("founding-a.xml", "application/atom+xml", body, len);
	body = founding_atom(1, &len);
	stub_add("founding-b.xml", "application/atom+xml", body, len);
	stub_add("summary-only.xml", "application/atom+xml",
	    xstrdup(summary_only), strlen(summary_only));
	if (ndocs == 0)
		fuzz_fail("no test feeds under %s", data_dir());
}

/* Answer one request of the fetcher; the path picks the document. */
static void
stub_serve(int fd)
{
	char req[8192], *sp, *hdr;
	size_t got = 0, i;
	ssize_t n;
	const struct stub_doc *doc = NULL;

	while (got + 1 < sizeof(req)) {
		if ((n = read(fd, req + got, sizeof(req) - 1 - got)) <= 0)
			return;
		got += (size_t)n;
		req[got] = '\0';
		if (strstr(req, "\r\n\r\n") != NULL)
			break;
	}
	if ((sp = strchr(req, ' ')) != NULL && sp[1] == '/')
		for (i = 0; i < ndocs; i++)
			if (strncmp(sp + 2, docs[i].path,
				strlen(docs[i].path)) == 0 &&
			    sp[2 + strlen(docs[i].path)] == ' ')
				doc = &docs[i];
	if (doc == NULL) {
		hdr = xstrdup("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n"
			      "Connection: close\r\n\r\n");
		(void)!write(fd, hdr, strlen(hdr));
		free(hdr);
		return;
	}
	hdr = xasprintf("HTTP/1.1 200 OK\r\nContent-Type: %s\r\n"
			"Content-Length: %zu\r\nConnection: close\r\n\r\n",
	    doc->type, doc->len);
	(void)!write(fd, hdr, strlen(hdr));
	(void)!write(fd, doc->body, doc->len);
	free(hdr);
}

static void *
stub_main(void *arg)
{
	int fd;

	(void)arg;
	for (;;) {
		if ((fd = accept(stub_fd, NULL, NULL)) == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return NULL;
		}
		stub_serve(fd);
		close(fd);
	}
}

static void
stub_start(void)
{
	struct sockaddr_in sin;
	socklen_t slen = sizeof(sin);
	pthread_t t;

	stub_load();
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((stub_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(stub_fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(stub_fd, 64) == -1 ||
	    getsockname(stub_fd, (struct sockaddr *)&sin, &slen) == -1)
		fuzz_fail("stub server: %s", strerror(errno));
	stub_port = ntohs(sin.sin_port);
	if (pthread_create(&t, NULL, stub_main, NULL) != 0)
		fuzz_fail("stub server thread");
	pthread_detach(t);
}

/* The daemon. */

static pthread_mutex_t ready_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ready_cond = PTHREAD_COND_INITIALIZER;
static bool ready;

/* As main.c's sheafd_init(), with the harness's configuration. */
static void
daemon_init(void)
{
	memset(&d, 0, sizeof(d));
	config_defaults(&d.cfg);
	d.listen_fd = d.sig_fd = d.ev_fd = -1;
	d.qtail = &d.qhead;
	pthread_mutex_init(&d.lock, NULL);
	pthread_cond_init(&d.events_cond, NULL);
	d.started = time(NULL);

	d.cfg.api_timeout = 5;
	/* Small enough for inputs to pass them: 413s and next pages. */
	d.cfg.api_max_request = 4096;
	d.cfg.api_max_page = 5;
	d.cfg.api_max_clients = 256;
	d.cfg.connect_timeout = 2;
	d.cfg.fetch_timeout = 5;
	d.cfg.retention_days = 100000; /* the test entries are from 2023 */
	d.cfg.map_size = (size_t)32 << 20;
	d.cfg.max_map_size = (size_t)1 << 30;
	d.cfg.deny_private = true;
	d.cfg.allow_private = xasprintf("127.0.0.1:%d", stub_port);
	d.cfg.languages[0] = xstrdup("en");
	d.cfg.languages[1] = xstrdup("de-AT");
	d.cfg.nlanguages = 2;
	d.config_path = xasprintf("%s/sheafd.conf", tmpdir);
	d.state_dir = xasprintf("%s/state", tmpdir);
	d.socket_path = xasprintf("%s/sheaf.sock", tmpdir);
	d.opt_state_dir = d.opt_socket = true;
}

/* As main.c's open_fds(): signals blocked in this thread and its heirs. */
static void
daemon_fds(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0)
		fuzz_fail("pthread_sigmask");
	signal(SIGPIPE, SIG_IGN);
	if ((d.sig_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) == -1)
		fuzz_fail("signalfd: %s", strerror(errno));
	if ((d.ev_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1)
		fuzz_fail("eventfd: %s", strerror(errno));
}

/* As main.c's open_store() and start(). */
static void
daemon_start(void)
{
	struct fetch_limits lim;
	struct store_options opt;
	char *err = NULL;

	sheafd_fetch_limits(&d.cfg, &lim);
	if (fetch_limits_check(&lim, &err) != SH_OK)
		fuzz_fail("fetch limits: %s", err);
	sheafd_feed_limits(&d.cfg, &d.flim);
	if ((d.fetcher = fetcher_new(&lim)) == NULL)
		fuzz_fail("fetcher_new");
	d.inflight = inflight_new();
	store_options_default(&opt);
	opt.map_size = d.cfg.map_size;
	opt.map_max = d.cfg.max_map_size;
	if (store_open(d.state_dir, &opt, &d.st, &err) != SH_OK)
		fuzz_fail("store_open: %s", err);
	if (story_open(&d) != SH_OK)
		fuzz_fail("story_open");
	if (api_start(&d, &err) != SH_OK)
		fuzz_fail("api_start: %s", err);
}

static void *
daemon_main(void *arg)
{
	int rc;

	(void)arg;
	daemon_fds();
	daemon_start();
	pthread_mutex_lock(&ready_lock);
	ready = true;
	pthread_cond_signal(&ready_cond);
	pthread_mutex_unlock(&ready_lock);
	rc = loop_run(&d);
	fuzz_fail("loop_run returned %s", sh_strerror(rc));
}

/* The client side. */

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
api_connect(void)
{
	struct sockaddr_un sun;
	int fd, tries;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", d.socket_path);
	for (tries = 0; tries < 200; tries++) {
		if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
			fuzz_fail("socket: %s", strerror(errno));
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
			return fd;
		close(fd);
		if (errno != EAGAIN && errno != ECONNREFUSED && errno != EINTR)
			break;
		usleep(10000);
	}
	fuzz_fail("the API socket accepts no connection: %s", strerror(errno));
}

static void
answer_keep(struct answer *a, const char *p, size_t n)
{
	size_t keep = n;

	if (a->len + keep > ANSWER_KEEP)
		keep = ANSWER_KEEP - a->len;
	memcpy(a->data + a->len, p, keep);
	a->len += keep;
	a->data[a->len] = '\0';
	a->total += n;
	/* Any answer on the connection may be the stream: requests can
	 * come pipelined, an event stream after a 404. */
	if (!a->stream && memmem(a->data, a->len,
			      "Content-Type: text/event-stream", 31) != NULL)
		a->stream = true;
}

/*
 * Send the request bytes, shut the writing side, read until the daemon
 * closes, a stream shows, or the deadline passes.
 */
static void
exchange(const uint8_t *req, size_t n, struct answer *a)
{
	int fd = api_connect();
	size_t sent = 0;
	int64_t start = now_ms(), stream_at = 0;
	bool shut = false;
	char buf[16384];

	memset(a, 0, sizeof(*a));
	a->data = xmalloc(ANSWER_KEEP + 1);
	a->data[0] = '\0';
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	for (;;) {
		struct pollfd pfd = {fd, POLLIN, 0};
		int64_t left = start + deadline_ms - now_ms();
		ssize_t got;

		if (!shut && sent == n) {
			shutdown(fd, SHUT_WR);
			shut = true;
		}
		if (!shut)
			pfd.events |= POLLOUT;
		if (a->stream) {
			if (stream_at == 0)
				stream_at = now_ms();
			left = stream_at + STREAM_MS - now_ms();
			if (left <= 0)
				break;
		}
		if (left <= 0)
			break;
		if (poll(&pfd, 1, (int)left) == -1) {
			if (errno == EINTR)
				continue;
			fuzz_fail("poll: %s", strerror(errno));
		}
		if (!shut && (pfd.revents & POLLOUT)) {
			ssize_t w =
			    send(fd, req + sent, n - sent, MSG_NOSIGNAL);

			if (w > 0)
				sent += (size_t)w;
			else if (w == -1 && errno != EAGAIN && errno != EINTR)
				sent = n; /* the daemon stopped reading */
		}
		if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
			got = recv(fd, buf, sizeof(buf), 0);
			if (got > 0) {
				answer_keep(a, buf, (size_t)got);
			} else if (got == 0 ||
				   (errno != EAGAIN && errno != EINTR)) {
				a->closed = true;
				break;
			}
		}
	}
	close(fd);
}

/* What story.c does after a write that changed a story. */
static void
publish_event(uint64_t story)
{
	pthread_mutex_lock(&d.lock);
	{
		struct story_event *ev = &d.events[d.nevents % SHEAFD_EVENTS];

		ev->n = ++d.nevents;
		ev->story = story;
		ev->created = false;
	}
	pthread_cond_broadcast(&d.events_cond);
	pthread_mutex_unlock(&d.lock);
}

static json_t *
request_json(const char *req)
{
	struct answer a;
	const char *body;
	json_t *j = NULL;

	exchange((const uint8_t *)req, strlen(req), &a);
	if ((body = strstr(a.data, "\r\n\r\n")) != NULL)
		j = json_loads(body + 4, 0, NULL);
	free(a.data);
	return j;
}

/* Subscribe to the stub's feeds; 409 for those still subscribed. */
static void
subscribe(void)
{
	size_t i;
	char *req, *json;

	for (i = 0; i < ndocs; i++) {
		json = xasprintf("{\"url\": \"http://127.0.0.1:%d/%s\", "
				 "\"folder\": \"Fuzz/Seeds\"}",
		    stub_port, docs[i].path);
		req = xasprintf("POST /v1/feeds HTTP/1.1\r\nHost: x\r\n"
				"Content-Type: application/json\r\n"
				"Content-Length: %zu\r\nConnection: close"
				"\r\n\r\n%s",
		    strlen(json), json);
		json_decref(request_json(req));
		free(req);
		free(json);
	}
}

/* Subscribe and wait until the feeds have been polled. */
static void
warm_up(void)
{
	int64_t until = now_ms() + WARMUP_MS;

	subscribe();
	while (now_ms() < until) {
		json_t *j =
		    request_json("GET /v1/status HTTP/1.1\r\nHost: x\r\n"
				 "Connection: close\r\n\r\n");
		json_int_t entries =
		    json_integer_value(json_object_get(j, "entries"));
		bool polled = json_is_object(json_object_get(j, "last_round"));
		bool running =
		    json_is_true(json_object_get(j, "round_running"));

		json_decref(j);
		if (entries > 0 && polled && !running)
			return;
		usleep(100000);
	}
	fprintf(stderr, "fuzz_api: the bundled feeds were not polled in "
			"time; going on without stories\n");
}

static int
remove_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void
cleanup(void)
{
	if (tmpdir[0] != '\0')
		nftw(tmpdir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void
make_tmpdir(void)
{
	const char *base = getenv("FUZZ_API_TMPDIR");

	if (base == NULL)
		base = getenv("TMPDIR");
	if (base == NULL)
		base = "/var/tmp";
	snprintf(tmpdir, sizeof(tmpdir), "%s/sheaf-fuzz-api.XXXXXX", base);
	/* The socket's path must fit in sun_path with "/sheaf.sock". */
	if (strlen(tmpdir) + 12 >= sizeof(((struct sockaddr_un *)0)->sun_path))
		fuzz_fail("%s: path too long for a socket; set "
			  "FUZZ_API_TMPDIR",
		    tmpdir);
	if (mkdtemp(tmpdir) == NULL)
		fuzz_fail("mkdtemp %s: %s", tmpdir, strerror(errno));
	atexit(cleanup);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const proxies[] = {"http_proxy", "https_proxy",
	    "HTTPS_PROXY", "all_proxy", "ALL_PROXY"};
	static const char *const systemd[] = {"NOTIFY_SOCKET", "LISTEN_FDS",
	    "LISTEN_PID", "LISTEN_FDNAMES", "WATCHDOG_USEC", "WATCHDOG_PID",
	    "INVOCATION_ID", "JOURNAL_STREAM"};
	const char *v;
	char *err = NULL;
	pthread_t t;
	size_t i;

	(void)argc;
	(void)argv;
	log_init("sheafd",
	    getenv("FUZZ_API_VERBOSE") != NULL ? LOG_LEVEL_DEBUG
					       : LOG_LEVEL_ERR,
	    false);
	echo = getenv("FUZZ_API_ECHO") != NULL;
	if ((v = getenv("FUZZ_API_DEADLINE_MS")) != NULL && atoi(v) > 0)
		deadline_ms = atoi(v);
	for (i = 0; i < sizeof(systemd) / sizeof(systemd[0]); i++)
		unsetenv(systemd[i]);
	/* No fetch leaves the process (see the top of the file). */
	for (i = 0; i < sizeof(proxies) / sizeof(proxies[0]); i++)
		setenv(proxies[i], "http://127.0.0.1:9", 1);
	setenv("no_proxy", "127.0.0.1", 1);
	unsetenv("NO_PROXY");
	signal(SIGPIPE, SIG_IGN);

	make_tmpdir();
	stub_start();
	daemon_init();
	if (api_listen(&d, &err) != SH_OK)
		fuzz_fail("api_listen: %s", err);
	if (pthread_create(&t, NULL, daemon_main, NULL) != 0)
		fuzz_fail("daemon thread");
	pthread_detach(t);
	pthread_mutex_lock(&ready_lock);
	while (!ready)
		pthread_cond_wait(&ready_cond, &ready_lock);
	pthread_mutex_unlock(&ready_lock);
	warm_up();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned runs;
	struct answer a;

	/* Inputs unsubscribe feeds and mark stories read: bring them back. */
	if (++runs % RESUBSCRIBE_EVERY == 0)
		subscribe();
	exchange(data, size, &a);
	if (echo)
		fprintf(stderr,
		    "fuzz_api: %zu bytes in, %zu out%s%s:\n%.2000s\n", size,
		    a.total, a.closed ? ", closed" : "",
		    a.stream ? ", stream" : "", a.data);
	if (a.stream) {
		/* Wake the stream's thread so that it sees the hang-up. */
		publish_event(1);
	} else if (!a.closed) {
		fuzz_fail("no answer and no hang-up within %d ms; %zu bytes "
			  "came: %.300s",
		    deadline_ms, a.total, a.data);
	}
	free(a.data);
	return 0;
}
