/* SPDX-License-Identifier: MIT */
/* sheaf: the command-line reader and the offline tools; dispatches subcommands. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "sheaf.h"

static const struct {
	const char *name;
	int (*run)(int, char **);
	const char *usage;
} commands[] = {
    {"parse", cmd_parse, "parse [--base URL] [--content-type TYPE] FILE"},
};

static void
usage(FILE *fp)
{
	size_t i;

	fprintf(fp, "usage: sheaf [--version] COMMAND [ARGS]\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(fp, "       sheaf %s\n", commands[i].usage);
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

int
main(int argc, char **argv)
{
	size_t i;

	log_init("sheaf", LOG_LEVEL_INFO, false);
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("sheaf %s\n", PACKAGE_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	log_warnx("unknown command '%s'; try 'sheaf help'", argv[1]);
	return 2;
}
