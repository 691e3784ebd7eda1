/* SPDX-License-Identifier: MIT */
/* sheafd.conf: defaults and the key = value reader. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "sheafd.h"

void
config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->min_interval = 15 * 60;
	cfg->max_interval = 24 * 3600;
	cfg->retention_days = 90;
	cfg->max_transfers = 32;
	cfg->max_per_host = 2;
	cfg->connect_timeout = 10;
	cfg->fetch_timeout = 60;
	cfg->max_body_bytes = SH_MAX_DOC_BYTES;
	cfg->max_entries = SH_MAX_ENTRIES;
	cfg->max_field_bytes = SH_MAX_FIELD_BYTES;
	cfg->max_depth = SH_MAX_DEPTH;
	cfg->api_max_clients = 256;
	cfg->api_timeout = 30;
	cfg->api_max_request = 1024 * 1024;
	cfg->api_max_page = 500;
	cfg->map_size = (size_t)256 * 1024 * 1024;
	cfg->max_map_size = (size_t)64 * 1024 * 1024 * 1024;
	cluster_opts_default(&cfg->cluster);
}

void
config_clear(struct config *cfg)
{
	size_t i;

	free(cfg->state_dir);
	free(cfg->socket_path);
	free(cfg->allow_private);
	for (i = 0; i < cfg->nlanguages; i++)
		free(cfg->languages[i]);
	config_defaults(cfg);
}

static bool
parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return false;
	*out = v;
	return true;
}

/* A number with an optional one-letter unit; factor of each unit given. */
static bool
parse_scaled(const char *s, const char *units, const uint64_t *factors,
    uint64_t *out)
{
	char num[32];
	size_t n = strlen(s);
	const char *u;
	uint64_t v, f = 1;

	if (n == 0 || n >= sizeof(num))
		return false;
	memcpy(num, s, n + 1);
	if ((u = strchr(units, num[n - 1])) != NULL) {
		f = factors[u - units];
		num[n - 1] = '\0';
	}
	if (!parse_uint(num, UINT64_MAX / f, &v))
		return false;
	*out = v * f;
	return true;
}

bool
config_parse_duration(const char *s, int64_t *out)
{
	static const uint64_t f[] = {1, 60, 3600, 86400};
	uint64_t v;

	if (!parse_scaled(s, "smhd", f, &v) || v > INT32_MAX)
		return false;
	*out = (int64_t)v;
	return true;
}

bool
config_parse_size(const char *s, size_t *out)
{
	static const uint64_t f[] = {1024, 1024 * 1024, 1024 * 1024 * 1024,
	    1024, 1024 * 1024, 1024 * 1024 * 1024};
	uint64_t v;

	if (!parse_scaled(s, "KMGkmg", f, &v) || v > SIZE_MAX)
		return false;
	*out = (size_t)v;
	return true;
}

static bool
parse_bool(const char *s, bool *out)
{
	if (sh_strcaseeq(s, "yes") || sh_strcaseeq(s, "true") ||
	    strcmp(s, "1") == 0 || sh_strcaseeq(s, "on")) {
		*out = true;
		return true;
	}
	if (sh_strcaseeq(s, "no") || sh_strcaseeq(s, "false") ||
	    strcmp(s, "0") == 0 || sh_strcaseeq(s, "off")) {
		*out = false;
		return true;
	}
	return false;
}

/* "fr, en" into the languages list. */
static bool
parse_languages(const char *s, struct config *cfg)
{
	char *copy = xstrdup(s), *tok, *save = NULL;
	bool ok = true;

	for (tok = strtok_r(copy, ", \t", &save); tok != NULL;
	     tok = strtok_r(NULL, ", \t", &save)) {
		if (cfg->nlanguages >= CONFIG_MAX_LANGUAGES ||
		    strlen(tok) > 35) {
			ok = false;
			break;
		}
		cfg->languages[cfg->nlanguages++] = xstrdup(tok);
	}
	free(copy);
	return ok && cfg->nlanguages > 0;
}

enum ktype { K_STR, K_DURATION, K_SIZE, K_UINT, K_BOOL, K_LANGS };

static const struct key {
	const char *name;
	enum ktype type;
	size_t off;
	uint64_t min, max; /* for numbers: the accepted range */
} keys[] = {
    {"state_dir", K_STR, offsetof(struct config, state_dir), 0, 0},
    {"socket", K_STR, offsetof(struct config, socket_path), 0, 0},
    {"min_interval", K_DURATION, offsetof(struct config, min_interval), 60,
	INT32_MAX},
    {"max_interval", K_DURATION, offsetof(struct config, max_interval), 60,
	INT32_MAX},
    {"retention_days", K_UINT, offsetof(struct config, retention_days), 1,
	100000},
    {"max_transfers", K_UINT, offsetof(struct config, max_transfers), 1, 10000},
    {"max_per_host", K_UINT, offsetof(struct config, max_per_host), 1, 100},
    {"connect_timeout", K_DURATION, offsetof(struct config, connect_timeout), 1,
	600},
    {"fetch_timeout", K_DURATION, offsetof(struct config, fetch_timeout), 1,
	3600},
    {"max_body", K_SIZE, offsetof(struct config, max_body_bytes), 1024,
	(uint64_t)1 << 30},
    {"max_entries", K_SIZE, offsetof(struct config, max_entries), 1, 1000000},
    {"max_field", K_SIZE, offsetof(struct config, max_field_bytes), 1024,
	(uint64_t)64 << 20},
    {"max_depth", K_UINT, offsetof(struct config, max_depth), 8, 4096},
    {"deny_private", K_BOOL, offsetof(struct config, deny_private), 0, 0},
    {"allow_private", K_STR, offsetof(struct config, allow_private), 0, 0},
    {"api_max_clients", K_UINT, offsetof(struct config, api_max_clients), 1,
	65536},
    {"api_timeout", K_DURATION, offsetof(struct config, api_timeout), 1, 3600},
    {"api_max_request", K_SIZE, offsetof(struct config, api_max_request), 1024,
	(uint64_t)256 << 20},
    {"api_max_page", K_UINT, offsetof(struct config, api_max_page), 1, 100000},
    {"map_size", K_SIZE, offsetof(struct config, map_size), (uint64_t)1 << 20,
	(uint64_t)1 << 40},
    {"max_map_size", K_SIZE, offsetof(struct config, max_map_size),
	(uint64_t)1 << 20, (uint64_t)1 << 44},
    {"languages", K_LANGS, 0, 0, 0},
    {"story_window", K_DURATION, offsetof(struct config, cluster.window), 3600,
	365 * 86400},
    {"frequency_window", K_DURATION, offsetof(struct config, cluster.df_window),
	3600, 3650 * 86400},
};

static int
set_key(struct config *cfg, const struct key *k, const char *v)
{
	char *base = (char *)cfg + k->off;
	int64_t d;
	size_t sz;
	uint64_t u;
	bool b;

	switch (k->type) {
	case K_STR:
		if (*v == '\0')
			return SH_EINVAL;
		free(*(char **)(void *)base);
		*(char **)(void *)base = xstrdup(v);
		return SH_OK;
	case K_DURATION:
		if (!config_parse_duration(v, &d) || (uint64_t)d < k->min ||
		    (uint64_t)d > k->max)
			return SH_EINVAL;
		*(int64_t *)(void *)base = d;
		return SH_OK;
	case K_SIZE:
		if (!config_parse_size(v, &sz) || sz < k->min || sz > k->max)
			return SH_EINVAL;
		*(size_t *)(void *)base = sz;
		return SH_OK;
	case K_UINT:
		if (!parse_uint(v, k->max, &u) || u < k->min)
			return SH_EINVAL;
		*(unsigned *)(void *)base = (unsigned)u;
		return SH_OK;
	case K_BOOL:
		if (!parse_bool(v, &b))
			return SH_EINVAL;
		*(bool *)(void *)base = b;
		return SH_OK;
	case K_LANGS:
		while (cfg->nlanguages > 0)
			free(cfg->languages[--cfg->nlanguages]);
		return parse_languages(v, cfg) ? SH_OK : SH_EINVAL;
	}
	return SH_EINVAL;
}

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' ||
			    e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* One line into cfg; a message for the caller when it is bad. */
static int
config_line(struct config *cfg, char *line, char **what)
{
	char *eq, *key, *val;
	size_t i;

	if ((eq = strchr(line, '#')) != NULL)
		*eq = '\0';
	key = trim(line);
	if (*key == '\0')
		return SH_OK;
	if ((eq = strchr(key, '=')) == NULL) {
		*what =
		    xasprintf("expected \"key = value\", got \"%.40s\"", key);
		return SH_EINVAL;
	}
	*eq = '\0';
	val = trim(eq + 1);
	key = trim(key);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (strcmp(key, keys[i].name) != 0)
			continue;
		if (set_key(cfg, &keys[i], val) == SH_OK)
			return SH_OK;
		*what = xasprintf("bad value \"%.40s\" for %s", val, key);
		return SH_EINVAL;
	}
	/* The deduplicator's thresholds, by the names cluster.h gives. */
	switch (cluster_opts_set(&cfg->cluster, key, val)) {
	case SH_OK:
		return SH_OK;
	case SH_EINVAL:
		*what = xasprintf("bad value \"%.40s\" for %s", val, key);
		return SH_EINVAL;
	}
	*what = xasprintf("unknown key \"%.40s\"", key);
	return SH_EINVAL;
}

int
config_load(const char *path, bool required, struct config *cfg, char **err)
{
	struct config next;
	char line[4096], *what = NULL;
	unsigned lineno = 0;
	FILE *fp;
	int rc = SH_OK;

	config_defaults(&next);
	if ((fp = fopen(path, "r")) == NULL) {
		if (errno == ENOENT && !required)
			goto done;
		*err = xasprintf("%s: %s", path, strerror(errno));
		return SH_EIO;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(fp)) {
			*err = xasprintf("%s:%u: line longer than %zu bytes",
			    path, lineno, sizeof(line) - 1);
			rc = SH_EINVAL;
			break;
		}
		if ((rc = config_line(&next, line, &what)) != SH_OK) {
			*err = xasprintf("%s:%u: %s", path, lineno, what);
			free(what);
			break;
		}
	}
	if (rc == SH_OK && ferror(fp)) {
		*err = xasprintf("%s: read error", path);
		rc = SH_EIO;
	}
	if (rc == SH_OK && next.min_interval > next.max_interval) {
		*err = xasprintf("%s: min_interval is longer than max_interval",
		    path);
		rc = SH_EINVAL;
	}
	fclose(fp);
	if (rc != SH_OK) {
		config_clear(&next);
		return rc;
	}
done:
	config_clear(cfg);
	*cfg = next;
	return SH_OK;
}
