/* SPDX-License-Identifier: MIT */
/* sheaf import and export: subscriptions in and out as OPML. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common.h"
#include "sheaf.h"

/* The most OPML read from a file; sheafd caps the body lower itself. */
#define OPML_MAX_FILE ((size_t)64 << 20)

int
cmd_import(struct sheaf_ctx *ctx, int argc, char **argv)
{
	struct api_reply r;
	char *buf = NULL;
	size_t len;
	json_int_t dups;
	int status = SHEAF_EXIT_ERR;

	if (argc != 2 || (argv[1][0] == '-' && argv[1][1] != '\0'))
		return usage_of("import");
	if (read_input(argv[1], OPML_MAX_FILE, &buf, &len) != 0)
		return SHEAF_EXIT_ERR;
	if (api_request(ctx->api, "POST", "/v1/opml", "text/x-opml", buf, len,
		&r) != 0)
		goto out;
	if ((r.json = json_loadb(r.body, r.len, 0, NULL)) == NULL ||
	    !json_is_object(r.json)) {
		log_warnx("sheafd sent no JSON object");
		api_reply_clear(&r);
		goto out;
	}
	if (ctx->json) {
		status = api_reply_print(&r) == 0 ? 0 : 1;
	} else {
		dups =
		    json_integer_value(json_object_get(r.json, "duplicates"));
		printf("%" JSON_INTEGER_FORMAT " added, %" JSON_INTEGER_FORMAT
		       " existing, %" JSON_INTEGER_FORMAT " skipped",
		    json_integer_value(json_object_get(r.json, "added")),
		    json_integer_value(json_object_get(r.json, "existing")),
		    json_integer_value(json_object_get(r.json, "skipped")));
		if (dups > 0)
			printf(", %" JSON_INTEGER_FORMAT " duplicates", dups);
		if (printf("\n") < 0 || fflush(stdout) != 0)
			log_warn("writing the output");
		else
			status = SHEAF_EXIT_OK;
	}
	api_reply_clear(&r);
out:
	free(buf);
	return status;
}

int
cmd_export(struct sheaf_ctx *ctx, int argc, char **argv)
{
	struct api_reply r;
	int status = SHEAF_EXIT_ERR;

	(void)argv;
	if (argc != 1)
		return usage_of("export");
	if (api_request(ctx->api, "GET", "/v1/opml", NULL, NULL, 0, &r) != 0)
		return SHEAF_EXIT_ERR;
	/* Byte for byte what sheafd wrote, with or without --json. */
	if (fwrite(r.body, 1, r.len, stdout) != r.len || fflush(stdout) != 0)
		log_warn("writing the output");
	else
		status = SHEAF_EXIT_OK;
	api_reply_clear(&r);
	return status;
}
