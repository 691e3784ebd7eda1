/* SPDX-License-Identifier: MIT */
/* Unit tests of common/: the bounded buffer, UTF-8 validation, SHA-1. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

static void
test_buf_ceiling(void **state)
{
	struct sh_buf b;

	(void)state;
	sh_buf_init(&b, 8);
	assert_int_equal(sh_buf_puts(&b, "abcd"), SH_OK);
	assert_int_equal(sh_buf_puts(&b, "efgh"), SH_OK);
	/* The ninth byte passes the ceiling: refused, contents kept. */
	assert_int_equal(sh_buf_putc(&b, 'i'), SH_ETOOBIG);
	assert_int_equal(b.len, 8);
	assert_string_equal(b.data, "abcdefgh");
	sh_buf_clear(&b);
}

static void
test_buf_reserve(void **state)
{
	struct sh_buf b;
	char *at;

	(void)state;
	sh_buf_init(&b, 16);
	assert_int_equal(sh_buf_reserve(&b, 10), SH_OK);
	assert_true(b.cap >= 11);
	at = b.data;
	/* What was reserved is appended in place, without a move. */
	assert_int_equal(sh_buf_puts(&b, "0123456789"), SH_OK);
	assert_ptr_equal(b.data, at);
	assert_string_equal(b.data, "0123456789");
	/* Past the ceiling: refused, the buffer unchanged. */
	assert_int_equal(sh_buf_reserve(&b, 7), SH_ETOOBIG);
	assert_int_equal(b.len, 10);
	assert_int_equal(sh_buf_reserve(&b, 6), SH_OK);
	assert_int_equal(sh_buf_puts(&b, "abcdef"), SH_OK);
	assert_string_equal(b.data, "0123456789abcdef");
	sh_buf_clear(&b);
}

static void
test_buf_steal_empty(void **state)
{
	struct sh_buf b;
	char *s;

	(void)state;
	sh_buf_init(&b, 100);
	s = sh_buf_steal(&b);
	assert_string_equal(s, "");
	free(s);
	sh_buf_puts(&b, "x");
	s = sh_buf_steal(&b);
	assert_string_equal(s, "x");
	assert_null(b.data);
	free(s);
}

static void
test_utf8_valid(void **state)
{
	(void)state;
	assert_true(sh_utf8_valid("plain", 5));
	assert_true(sh_utf8_valid("caf\xc3\xa9", 5));
	assert_true(sh_utf8_valid("\xe2\x80\x9c\xf0\x9f\x98\x80", 7));
	assert_false(sh_utf8_valid("caf\xe9", 4));	    /* latin-1 */
	assert_false(sh_utf8_valid("\xc0\xaf", 2));	    /* overlong */
	assert_false(sh_utf8_valid("\xed\xa0\x80", 3));	    /* surrogate */
	assert_false(sh_utf8_valid("\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
	assert_false(sh_utf8_valid("\xe2\x80", 2));	    /* truncated */
}

static void
test_sha1_vectors(void **state)
{
	static const struct {
		const char *in;
		const char *hex;
	} v[] = {
	    {"", "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
	    {"abc", "a9993e364706816aba3e25717850c26c9cd0d89d"},
	    {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		"84983e441c3bd26ebaae4aa1f95129e5e54670f1"},
	};
	uint8_t md[20];
	char hex[41];
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		sh_sha1(v[i].in, strlen(v[i].in), md);
		for (j = 0; j < 20; j++)
			snprintf(hex + 2 * j, 3, "%02x", md[j]);
		assert_string_equal(hex, v[i].hex);
	}
}

static void
test_strcaseeq(void **state)
{
	(void)state;
	assert_true(sh_strcaseeq("Title", "title"));
	assert_false(sh_strcaseeq("Title", "titles"));
	assert_true(sh_strerror(SH_ETOOBIG) != NULL);
	assert_string_equal(sh_strerror(12345), "unknown error");
}

static void
test_xstrndup_counted(void **state)
{
	char *s;

	(void)state;
	/* Counted bytes, NULs included, as common.h says; a bounded copy of
	 * a string takes strnlen(). */
	s = xstrndup("a\0b", 3);
	assert_memory_equal(s, "a\0b", 4);
	free(s);
	s = xstrndup("abc", strnlen("abc", 8));
	assert_string_equal(s, "abc");
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_buf_ceiling),
	    cmocka_unit_test(test_buf_reserve),
	    cmocka_unit_test(test_buf_steal_empty),
	    cmocka_unit_test(test_utf8_valid),
	    cmocka_unit_test(test_sha1_vectors),
	    cmocka_unit_test(test_strcaseeq),
	    cmocka_unit_test(test_xstrndup_counted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
