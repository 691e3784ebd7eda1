/* SPDX-License-Identifier: MIT */
/* sheaf: the command-line reader and the offline tools; dispatches subcommands. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "common.h"
#include "sheaf.h"

static const struct {
	const char *name;
	int (*run)(int, char **);			  /* offline tools */
	int (*run_api)(struct sheaf_ctx *, int, char **); /* reader */
	const char *usage;
} commands[] = {
    {"add", NULL, cmd_add, "add URL [--folder FOLDER] [--title TITLE]"},
    {"remove", NULL, cmd_remove, "remove ID|URL"},
    {"feeds", NULL, cmd_feeds, "feeds"},
    {"entries", NULL, cmd_entries,
	"entries [--feed ID] [--since TIME] [--limit N | --all]"},
    {"stories", NULL, cmd_stories,
	"stories [--since TIME] [--lang LL] [--min-sources N] [--unread] "
	"[--limit N | --all] [--atom]"},
    {"story", NULL, cmd_story, "story ID [--why]"},
    {"read", NULL, cmd_read, "read ID"},
    {"watch", NULL, cmd_watch, "watch"},
    {"poll", NULL, cmd_poll, "poll [ID]"},
    {"import", NULL, cmd_import, "import FILE.opml"},
    {"export", NULL, cmd_export, "export"},
    {"status", NULL, cmd_status, "status"},
    {"parse", cmd_parse, NULL, "parse [--base URL] [--content-type TYPE] FILE"},
    {"cluster", cmd_cluster, NULL, "cluster [--why] [--set KEY=VALUE] [FILE]"},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void
usage(FILE *fp)
{
	size_t i;

	fprintf(fp, "usage: sheaf [-s SOCKET] [--json] COMMAND [ARGS]\n"
		    "       sheaf --version | help\n");
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(fp, "       sheaf %s\n", commands[i].usage);
}

int
usage_of(const char *name)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(name, commands[i].name) == 0)
			fprintf(stderr,
			    "usage: sheaf [-s SOCKET] [--json] %s\n",
			    commands[i].usage);
	return SHEAF_EXIT_USAGE;
}

int
read_input(const char *path, size_t max, char **out, size_t *len)
{
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	struct sh_buf b;
	char chunk[65536];
	size_t n;
	int rc = -1;

	if (fp == NULL) {
		log_warn("%s", path);
		return -1;
	}
	/* One byte over the limit tells "too big" from "exactly max". */
	sh_buf_init(&b, max + 1);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
		if (sh_buf_append(&b, chunk, n) != SH_OK) {
			log_warnx("%s: larger than the limit of %zu bytes",
			    path, max);
			goto out;
		}
	}
	if (ferror(fp)) {
		log_warn("%s: read error", path);
		goto out;
	}
	*len = b.len;
	*out = sh_buf_steal(&b);
	rc = 0;
out:
	sh_buf_clear(&b);
	if (fp != stdin)
		fclose(fp);
	return rc;
}

/* Open the API client for the chosen socket and run a reader command. */
static int
run_reader(struct sheaf_ctx *ctx, size_t cmd, int argc, char **argv)
{
	char *deflt = NULL;
	int status = SHEAF_EXIT_ERR;

	if (ctx->socket == NULL) {
		if ((deflt = api_default_socket()) == NULL) {
			log_warnx("no socket path: set $SHEAF_SOCKET, "
				  "$XDG_RUNTIME_DIR or $HOME, or use -s");
			goto out;
		}
		ctx->socket = deflt;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_warnx("cannot initialize libcurl");
		goto out;
	}
	if ((ctx->api = api_open(ctx->socket)) != NULL) {
		status = commands[cmd].run_api(ctx, argc, argv);
		api_close(ctx->api);
		ctx->api = NULL;
	}
	curl_global_cleanup();
out:
	free(deflt);
	return status;
}

/* The global options, by hand: getopt's state would leak into parse. */
static int
global_options(struct sheaf_ctx *ctx, int argc, char **argv, int *next)
{
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else if (strcmp(argv[i], "--json") == 0) {
			ctx->json = true;
		} else if (strcmp(argv[i], "-s") == 0 ||
			   strcmp(argv[i], "--socket") == 0) {
			if (++i == argc)
				return -1;
			ctx->socket = argv[i];
		} else if (strncmp(argv[i], "-s", 2) == 0) {
			ctx->socket = argv[i] + 2;
		} else if (strncmp(argv[i], "--socket=", 9) == 0) {
			ctx->socket = argv[i] + 9;
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("sheaf %s\n", PACKAGE_VERSION);
			return 1;
		} else if (strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 1;
		} else {
			log_warnx("unknown option '%s'", argv[i]);
			return -1;
		}
	}
	if (ctx->socket != NULL && *ctx->socket == '\0') {
		log_warnx("an empty socket path");
		return -1;
	}
	*next = i;
	return 0;
}

int
main(int argc, char **argv)
{
	struct sheaf_ctx ctx;
	size_t i;
	int rc, first = 1;

	log_init("sheaf", LOG_LEVEL_INFO, false);
	memset(&ctx, 0, sizeof(ctx));
	if ((rc = global_options(&ctx, argc, argv, &first)) != 0) {
		if (rc < 0)
			usage(stderr);
		return rc < 0 ? SHEAF_EXIT_USAGE : SHEAF_EXIT_OK;
	}
	argc -= first;
	argv += first;
	if (argc < 1) {
		usage(stderr);
		return SHEAF_EXIT_USAGE;
	}
	if (strcmp(argv[0], "help") == 0) {
		usage(stdout);
		return SHEAF_EXIT_OK;
	}
	ctx.human = isatty(STDOUT_FILENO) == 1;
	for (i = 0; i < NCOMMANDS; i++) {
		if (strcmp(argv[0], commands[i].name) != 0)
			continue;
		if (commands[i].run != NULL)
			return commands[i].run(argc, argv);
		return run_reader(&ctx, i, argc, argv);
	}
	log_warnx("unknown command '%s'; try 'sheaf help'", argv[0]);
	return SHEAF_EXIT_USAGE;
}
