/* SPDX-License-Identifier: MIT */
/* The ceiling of make bench-api: libmicrohttpd answering fixed bytes. */

/*
 * mhd_trivial -s SOCKET [-r PATH=FILE]...
 *
 * Serves on a Unix socket with the threading and options sheafd uses
 * (daemon/api.c: a thread per connection, the same connection limit,
 * timeout and memory limit) and answers every GET of PATH with the bytes
 * of FILE, read once at start, as application/json; any other path gets
 * a short JSON object.  The access handler follows sheafd's pattern (a
 * first call that sets up, a second that answers) but does no work: what
 * sheafd spends beyond this is the cost of the API itself.  It runs until
 * SIGTERM or SIGINT.
 */

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <microhttpd.h>

/* sheafd's defaults: api_max_clients, api_timeout, its memory limit. */
#define TRIVIAL_CLIENTS 256u
#define TRIVIAL_HEADROOM (TRIVIAL_CLIENTS / 8 + 8)
#define TRIVIAL_TIMEOUT 30u
#define TRIVIAL_CONN_MEMORY (64u * 1024)
#define TRIVIAL_MAX_ROUTES 16

struct route {
	const char *path;
	struct MHD_Response *resp;
};

static struct route routes[TRIVIAL_MAX_ROUTES];
static size_t nroutes;
static struct MHD_Response *fallback;
static int marker;

static struct MHD_Response *
response_of(const char *text, size_t len, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *resp;

	resp =
	    MHD_create_response_from_buffer(len, (void *)(uintptr_t)text, mode);
	if (resp == NULL) {
		fprintf(stderr, "mhd_trivial: cannot make a response\n");
		exit(1);
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "application/json");
	return resp;
}

static void
route_add(char *spec)
{
	char *eq = strchr(spec, '='), *data;
	FILE *fp;
	long len;

	if (eq == NULL || nroutes == TRIVIAL_MAX_ROUTES) {
		fprintf(stderr, "mhd_trivial: bad or too many -r %s\n", spec);
		exit(2);
	}
	*eq = '\0';
	if ((fp = fopen(eq + 1, "rb")) == NULL || fseek(fp, 0, SEEK_END) ||
	    (len = ftell(fp)) < 0 || fseek(fp, 0, SEEK_SET)) {
		fprintf(stderr, "mhd_trivial: %s: %s\n", eq + 1,
		    strerror(errno));
		exit(1);
	}
	if ((data = malloc((size_t)len + 1)) == NULL ||
	    fread(data, 1, (size_t)len, fp) != (size_t)len) {
		fprintf(stderr, "mhd_trivial: cannot read %s\n", eq + 1);
		exit(1);
	}
	fclose(fp);
	routes[nroutes].path = spec;
	routes[nroutes].resp =
	    response_of(data, (size_t)len, MHD_RESPMEM_MUST_FREE);
	nroutes++;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	size_t i;

	(void)cls;
	(void)method;
	(void)version;
	(void)upload_data;
	if (*con_cls == NULL) {
		*con_cls = &marker;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	for (i = 0; i < nroutes; i++)
		if (strcmp(url, routes[i].path) == 0)
			return MHD_queue_response(conn, MHD_HTTP_OK,
			    routes[i].resp);
	return MHD_queue_response(conn, MHD_HTTP_OK, fallback);
}

static int
listen_on(const char *path)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "mhd_trivial: %s: path too long\n", path);
		exit(1);
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(fd, 128) == -1) {
		fprintf(stderr, "mhd_trivial: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	return fd;
}

int
main(int argc, char **argv)
{
	static const char small[] = "{\"ok\": true}\n";
	struct MHD_Daemon *mhd;
	const char *path = NULL;
	sigset_t set;
	size_t i;
	int ch, sig, fd;

	while ((ch = getopt(argc, argv, "s:r:")) != -1) {
		switch (ch) {
		case 's':
			path = optarg;
			break;
		case 'r':
			route_add(optarg);
			break;
		default:
			path = NULL;
			optind = argc + 1;
			break;
		}
	}
	if (path == NULL || optind != argc) {
		fprintf(stderr,
		    "usage: mhd_trivial -s SOCKET [-r PATH=FILE]...\n");
		return 2;
	}
	fallback =
	    response_of(small, sizeof(small) - 1, MHD_RESPMEM_PERSISTENT);
	signal(SIGPIPE, SIG_IGN);
	/* Every thread libmicrohttpd starts inherits the mask: sigwait() gets
	 * the signals. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	fd = listen_on(path);
	mhd = MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD |
				   MHD_USE_THREAD_PER_CONNECTION |
				   MHD_USE_ERROR_LOG,
	    0, NULL, NULL, on_request, NULL, MHD_OPTION_LISTEN_SOCKET,
	    (MHD_socket)fd, MHD_OPTION_CONNECTION_LIMIT,
	    TRIVIAL_CLIENTS + TRIVIAL_HEADROOM, MHD_OPTION_CONNECTION_TIMEOUT,
	    TRIVIAL_TIMEOUT, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
	    (size_t)TRIVIAL_CONN_MEMORY, MHD_OPTION_END);
	if (mhd == NULL) {
		fprintf(stderr, "mhd_trivial: cannot start libmicrohttpd\n");
		return 1;
	}
	sigwait(&set, &sig);
	MHD_stop_daemon(mhd);
	unlink(path);
	for (i = 0; i < nroutes; i++)
		MHD_destroy_response(routes[i].resp);
	MHD_destroy_response(fallback);
	return 0;
}
