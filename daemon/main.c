/* SPDX-License-Identifier: MIT */
/* sheafd: options, default paths, start-up and shutdown of the daemon. */

/*
 * Start-up order matters.  Everything that can fail because of the user
 * (options, configuration, paths) is checked before the daemon forks into
 * the background, so the error reaches the terminal.  The fork comes before
 * the store is opened, because an LMDB environment must not cross a fork(),
 * and before libmicrohttpd starts its threads.  Signals are blocked before
 * any thread starts, so every thread inherits the mask and only the loop's
 * signalfd ever sees them.
 *
 * Paths: an option wins over the configuration file, which wins over the
 * defaults.  The defaults follow systemd's directories when it sets them
 * ($STATE_DIRECTORY, $RUNTIME_DIRECTORY), the system paths for root, and
 * the XDG base directories for anyone else.
 */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include <libxml/parser.h>

#ifdef HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "common.h"
#include "sheafd.h"

#define SYSTEM_CONFIG "/etc/sheaf/sheafd.conf"
#define SYSTEM_STATE_DIR "/var/lib/sheaf"
#define SYSTEM_SOCKET "/run/sheaf/sheaf.sock"

static void usage(void) __attribute__((noreturn));

static void
usage(void)
{
	fprintf(stderr,
	    "usage: sheafd [-fv] [-c config] [-d statedir] [-s socket]\n"
	    "       sheafd --check [-c config] [-d statedir]\n"
	    "       sheafd --version\n");
	exit(2);
}

void
sheafd_fetch_limits(const struct config *cfg, struct fetch_limits *lim)
{
	fetch_limits_default(lim);
	lim->max_transfers = cfg->max_transfers;
	lim->max_per_host = cfg->max_per_host;
	lim->connect_timeout_ms = (long)cfg->connect_timeout * 1000;
	lim->timeout_ms = (long)cfg->fetch_timeout * 1000;
	lim->max_body_bytes = cfg->max_body_bytes;
	lim->deny_private = cfg->deny_private;
	lim->allow_private = cfg->allow_private;
}

void
sheafd_feed_limits(const struct config *cfg, struct feed_limits *lim)
{
	feed_limits_default(lim);
	lim->max_doc_bytes = cfg->max_body_bytes;
	lim->max_entries = cfg->max_entries;
	lim->max_field_bytes = cfg->max_field_bytes;
	lim->max_depth = cfg->max_depth;
}

void
sheafd_notify(const char *state)
{
#ifdef HAVE_SYSTEMD
	sd_notify(0, state);
#else
	(void)state;
#endif
}

/* The first directory of a colon-separated systemd list, or NULL. */
static char *
first_dir(const char *env)
{
	const char *v = getenv(env);

	if (v == NULL || *v == '\0')
		return NULL;
	return xstrndup(v, strcspn(v, ":"));
}

static bool
under_systemd(void)
{
	return getenv("INVOCATION_ID") != NULL ||
	       getenv("NOTIFY_SOCKET") != NULL;
}

static char *
default_state_dir(void)
{
	const char *v;
	char *dir;

	if ((dir = first_dir("STATE_DIRECTORY")) != NULL)
		return dir;
	if (geteuid() == 0 || under_systemd())
		return xstrdup(SYSTEM_STATE_DIR);
	if ((v = getenv("XDG_STATE_HOME")) != NULL && *v == '/')
		return xasprintf("%s/sheaf", v);
	if ((v = getenv("HOME")) != NULL && *v == '/')
		return xasprintf("%s/.local/state/sheaf", v);
	fatalx("no state directory: set $XDG_STATE_HOME or $HOME, or use -d");
}

static char *
default_socket(const char *state_dir)
{
	const char *v;
	char *dir, *path;

	if ((dir = first_dir("RUNTIME_DIRECTORY")) != NULL) {
		path = xasprintf("%s/sheaf.sock", dir);
		free(dir);
		return path;
	}
	if (geteuid() == 0 || under_systemd())
		return xstrdup(SYSTEM_SOCKET);
	if ((v = getenv("XDG_RUNTIME_DIR")) != NULL && *v == '/')
		return xasprintf("%s/sheaf/sheaf.sock", v);
	return xasprintf("%s/sheaf.sock", state_dir);
}

/* A path that stays right after the daemon changes to "/". */
static char *
absolute(char *path)
{
	char cwd[4096], *abs;

	if (path[0] == '/')
		return path;
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		fatal("getcwd");
	abs = xasprintf("%s/%s", cwd, path);
	free(path);
	return abs;
}

/* Settle state_dir and socket_path: option, then file, then default. */
static void
resolve_paths(struct sheafd *d)
{
	if (!d->opt_state_dir) {
		free(d->state_dir);
		d->state_dir = d->cfg.state_dir != NULL
				   ? xstrdup(d->cfg.state_dir)
				   : default_state_dir();
	}
	if (!d->opt_socket) {
		free(d->socket_path);
		d->socket_path = d->cfg.socket_path != NULL
				     ? xstrdup(d->cfg.socket_path)
				     : default_socket(d->state_dir);
	}
	d->state_dir = absolute(d->state_dir);
	d->socket_path = absolute(d->socket_path);
}

static void
load_config(struct sheafd *d)
{
	char *err = NULL;

	if (d->config_path == NULL) {
		d->config_path = xstrdup(SYSTEM_CONFIG);
		d->config_required = false;
	}
	if (config_load(d->config_path, d->config_required, &d->cfg, &err) !=
	    SH_OK)
		fatalx("%s", err);
}

static int
run_check(struct sheafd *d)
{
	struct store_options opt;
	struct store *st = NULL;
	char *err = NULL, *report = NULL;
	int rc;

	store_options_default(&opt);
	opt.create = false;
	opt.map_size = d->cfg.map_size;
	opt.map_max = d->cfg.max_map_size;
	if (store_open(d->state_dir, &opt, &st, &err) != SH_OK) {
		fprintf(stderr, "sheafd: %s\n", err);
		free(err);
		return 1;
	}
	rc = store_check(st, &report);
	printf("%s\n", report != NULL ? report : store_strerror(rc));
	free(report);
	store_close(st);
	return rc == SH_OK ? 0 : 1;
}

/* Go to the background unless told not to or run by systemd. */
static void
background(void)
{
	int fd;

	if (daemon(0, 1) == -1)
		fatal("daemon");
	/* stderr stays: it is where the log goes. */
	if ((fd = open("/dev/null", O_RDWR)) != -1) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
}

static void
open_fds(struct sheafd *d)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1)
		fatal("sigprocmask");
	/* A reader that hangs up must not kill the daemon. */
	signal(SIGPIPE, SIG_IGN);
	if ((d->sig_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) == -1)
		fatal("signalfd");
	if ((d->ev_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1)
		fatal("eventfd");
}

static void
open_store(struct sheafd *d)
{
	struct store_options opt;
	struct store_stats stats;
	struct store_rtx *rtx;
	char *err = NULL;

	store_options_default(&opt);
	opt.map_size = d->cfg.map_size;
	opt.map_max = d->cfg.max_map_size;
	if (opt.map_max < opt.map_size)
		opt.map_max = opt.map_size;
	if (store_open(d->state_dir, &opt, &d->st, &err) != SH_OK)
		fatalx("%s", err);
	if (store_read_begin(d->st, &rtx) == SH_OK) {
		if (store_stats(rtx, &stats) == SH_OK) {
			if (stats.stale_readers > 0)
				log_info("store: cleared %llu stale readers",
				    (unsigned long long)stats.stale_readers);
			log_info("store %s: %llu feeds, %llu entries",
			    d->state_dir, (unsigned long long)stats.feeds,
			    (unsigned long long)stats.entries);
		}
		store_read_end(rtx);
	}
}

static void
start(struct sheafd *d)
{
	struct fetch_limits lim;
	char *err = NULL;

	sheafd_fetch_limits(&d->cfg, &lim);
	if (fetch_limits_check(&lim, &err) != SH_OK)
		fatalx("%s: %s", d->config_path, err);
	sheafd_feed_limits(&d->cfg, &d->flim);
	/* libcurl's global set-up before any thread starts. */
	if ((d->fetcher = fetcher_new(&lim)) == NULL)
		fatalx("cannot set up libcurl");
	d->inflight = inflight_new();
	open_store(d);
	if (story_open(d) != SH_OK)
		fatalx("%s: cannot read the stories back from the store",
		    d->state_dir);
	/* libxml2 sets itself up once, before threads parse at the same time. */
	xmlInitParser();
	if (story_start(d) != SH_OK)
		fatalx("cannot start the story thread");
	if (parser_start(d) != SH_OK)
		fatalx("cannot start the parse thread");
	if (api_start(d, &err) != SH_OK)
		fatalx("%s", err);
}

static void
sheafd_init(struct sheafd *d)
{
	memset(d, 0, sizeof(*d));
	config_defaults(&d->cfg);
	d->listen_fd = d->sig_fd = d->ev_fd = -1;
	d->qtail = &d->qhead;
	pthread_mutex_init(&d->lock, NULL);
	pthread_cond_init(&d->events_cond, NULL);
	pthread_mutex_init(&d->story_lock, NULL);
	pthread_cond_init(&d->story_cond, NULL);
	d->started = time(NULL);
}

static void
sheafd_clear(struct sheafd *d)
{
	api_stop(d);
	story_stop(d);
	parser_stop(d, poll_parsed);
	fetcher_free(d->fetcher);
	poll_batch_free(d->batch);
	inflight_free(d->inflight);
	store_close(d->st);
	cluster_free(d->cl);
	free(d->changed);
	free(d->story_new);
	free(d->story_q);
	free(d->store_error);
	if (d->sig_fd != -1)
		close(d->sig_fd);
	if (d->ev_fd != -1)
		close(d->ev_fd);
	free(d->config_path);
	free(d->state_dir);
	free(d->socket_path);
	config_clear(&d->cfg);
	pthread_mutex_destroy(&d->lock);
	pthread_mutex_destroy(&d->story_lock);
	pthread_cond_destroy(&d->story_cond);
}

/*
 * A daemon's heap, not a program's: four threads allocate (main, parse,
 * story, API) and documents of a few KiB to 16 MiB come and go.  glibc's
 * defaults keep an arena per thread, each holding on to what its thread
 * freed; two arenas and a low trim threshold keep the resident set near
 * what is in use: a round of 2,000 feeds peaked at 66 MiB of heap instead
 * of 110.  (A fixed mmap threshold saved nothing more and cost a munmap,
 * with its TLB flush, for every large document.)
 */
static void
tune_malloc(void)
{
	mallopt(M_ARENA_MAX, 2);
	mallopt(M_TRIM_THRESHOLD, 256 * 1024);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
	    {"version", no_argument, NULL, 'V'},
	    {"check", no_argument, NULL, 'C'}, {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	struct sheafd d;
	bool foreground = false, check = false, verbose = false;
	char *err = NULL;
	int ch, rc;

	tune_malloc();
	sheafd_init(&d);
	while (
	    (ch = getopt_long(argc, argv, "c:d:fs:v", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			free(d.config_path);
			d.config_path = xstrdup(optarg);
			d.config_required = true;
			break;
		case 'd':
			free(d.state_dir);
			d.state_dir = xstrdup(optarg);
			d.opt_state_dir = true;
			break;
		case 'f':
			foreground = true;
			break;
		case 's':
			free(d.socket_path);
			d.socket_path = xstrdup(optarg);
			d.opt_socket = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'V':
			printf("sheafd %s\n", PACKAGE_VERSION);
			return 0;
		case 'C':
			check = true;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	log_init("sheafd", verbose ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO,
	    getenv("JOURNAL_STREAM") != NULL);
	load_config(&d);
	resolve_paths(&d);
	if (check) {
		rc = run_check(&d);
		sheafd_clear(&d);
		return rc;
	}
	/* Bind first, so that "socket in use" reaches the terminal. */
	if (api_listen(&d, &err) != SH_OK)
		fatalx("%s", err);
	if (!foreground && !under_systemd())
		background();
	open_fds(&d);
	start(&d);
	log_info("sheafd %s started: state %s, socket %s", PACKAGE_VERSION,
	    d.state_dir, d.socket_activated ? "from systemd" : d.socket_path);
	sheafd_notify("READY=1");
	rc = loop_run(&d);
	sheafd_notify("STOPPING=1");
	log_info("sheafd stopping");
	sheafd_clear(&d);
	return rc == SH_OK ? 0 : 1;
}
