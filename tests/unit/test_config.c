/* SPDX-License-Identifier: MIT */
/* Unit tests of sheafd.conf reading: defaults, units, errors. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "sheafd.h"

static char *
write_conf(const char *text)
{
	char *path = xstrdup("/tmp/sheafd-conf-XXXXXX");
	int fd = mkstemp(path);
	FILE *fp;

	assert_true(fd >= 0);
	fp = fdopen(fd, "w");
	fputs(text, fp);
	fclose(fp);
	return path;
}

static void
test_defaults_without_file(void **state)
{
	struct config cfg;
	char *err = NULL;

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(
	    config_load("/nonexistent/sheafd.conf", false, &cfg, &err), SH_OK);
	assert_int_equal(cfg.min_interval, 900);
	assert_int_equal(cfg.max_interval, 86400);
	assert_int_equal(cfg.retention_days, 90);
	assert_int_equal(cfg.max_transfers, 32);
	assert_int_equal(cfg.max_per_host, 2);
	assert_false(cfg.deny_private);
	assert_null(cfg.state_dir);
	/* A file the user named must exist. */
	assert_int_equal(
	    config_load("/nonexistent/sheafd.conf", true, &cfg, &err), SH_EIO);
	assert_non_null(strstr(err, "/nonexistent/sheafd.conf"));
	free(err);
	config_clear(&cfg);
}

static void
test_keys_and_units(void **state)
{
	struct config cfg;
	char *path, *err = NULL;

	(void)state;
	path = write_conf("# comment\n"
			  "state_dir = /var/lib/x   # trailing comment\n"
			  "min_interval = 5m\n"
			  "max_interval=2h\n"
			  "max_body = 8M\n"
			  "deny_private = yes\n"
			  "languages = fr, en\n"
			  "\n");
	config_defaults(&cfg);
	assert_int_equal(config_load(path, true, &cfg, &err), SH_OK);
	assert_string_equal(cfg.state_dir, "/var/lib/x");
	assert_int_equal(cfg.min_interval, 300);
	assert_int_equal(cfg.max_interval, 7200);
	assert_int_equal(cfg.max_body_bytes, 8 * 1024 * 1024);
	assert_true(cfg.deny_private);
	assert_int_equal(cfg.nlanguages, 2);
	assert_string_equal(cfg.languages[0], "fr");
	assert_string_equal(cfg.languages[1], "en");
	config_clear(&cfg);
	unlink(path);
	free(path);
}

static void
test_errors_name_line_and_key(void **state)
{
	static const struct {
		const char *text;
		const char *want;
	} bad[] = {
	    {"foo = 1\n", ":1: unknown key \"foo\""},
	    {"\n\nmin_interval = soon\n", ":3: bad value \"soon\""},
	    {"max_transfers = 0\n", "bad value \"0\" for max_transfers"},
	    {"just some words\n", ":1: expected"},
	    {"min_interval = 2h\nmax_interval = 1h\n", "longer than"},
	    {"deny_private = maybe\n", "deny_private"},
	};
	struct config cfg;
	char *path, *err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		path = write_conf(bad[i].text);
		config_defaults(&cfg);
		cfg.retention_days = 7; /* must survive a failed load */
		err = NULL;
		assert_int_equal(config_load(path, true, &cfg, &err),
		    SH_EINVAL);
		assert_non_null(err);
		if (strstr(err, bad[i].want) == NULL)
			fail_msg("\"%s\" lacks \"%s\"", err, bad[i].want);
		assert_null(strchr(err, '\n'));
		assert_int_equal(cfg.retention_days, 7);
		free(err);
		unlink(path);
		free(path);
		config_clear(&cfg);
	}
}

static void
test_parse_units(void **state)
{
	int64_t d;
	size_t s;

	(void)state;
	assert_true(config_parse_duration("90", &d));
	assert_int_equal(d, 90);
	assert_true(config_parse_duration("7d", &d));
	assert_int_equal(d, 7 * 86400);
	assert_false(config_parse_duration("-5m", &d));
	assert_false(config_parse_duration("5x", &d));
	assert_false(config_parse_duration("", &d));
	assert_true(config_parse_size("64K", &s));
	assert_int_equal(s, 65536);
	assert_true(config_parse_size("1G", &s));
	assert_int_equal(s, 1024 * 1024 * 1024);
	assert_false(config_parse_size("99999999999999999999", &s));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults_without_file),
	    cmocka_unit_test(test_keys_and_units),
	    cmocka_unit_test(test_errors_name_line_and_key),
	    cmocka_unit_test(test_parse_units),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
