/* SPDX-License-Identifier: MIT */
/* A growable byte buffer with a ceiling, and small string helpers. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common.h"

void
sh_buf_init(struct sh_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void
sh_buf_clear(struct sh_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void
sh_buf_reset(struct sh_buf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

/* Room for n more bytes and the NUL, doubling; n fits under max. */
static void
grow(struct sh_buf *b, size_t n)
{
	size_t need = b->len + n + 1;

	if (need > b->cap) {
		size_t cap = b->cap ? b->cap : 64;

		while (cap < need)
			cap *= 2;
		b->data = xrealloc(b->data, cap);
		b->cap = cap;
	}
}

int
sh_buf_reserve(struct sh_buf *b, size_t n)
{
	size_t need;

	if (n > b->max - b->len)
		return SH_ETOOBIG;
	need = b->len + n + 1;
	if (need > b->cap) {
		b->data = xrealloc(b->data, need);
		b->cap = need;
	}
	return SH_OK;
}

int
sh_buf_append(struct sh_buf *b, const void *p, size_t n)
{
	if (n > b->max - b->len)
		return SH_ETOOBIG;
	grow(b, n);
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return SH_OK;
}

int
sh_buf_puts(struct sh_buf *b, const char *s)
{
	return sh_buf_append(b, s, strlen(s));
}

int
sh_buf_putc(struct sh_buf *b, char c)
{
	return sh_buf_append(b, &c, 1);
}

char *
sh_buf_steal(struct sh_buf *b)
{
	char *s = b->data;

	if (s == NULL)
		s = xstrdup("");
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	return s;
}

bool
sh_strcaseeq(const char *a, const char *b)
{
	for (;; a++, b++) {
		unsigned char ca = (unsigned char)*a, cb = (unsigned char)*b;

		if (ca >= 'A' && ca <= 'Z')
			ca += 'a' - 'A';
		if (cb >= 'A' && cb <= 'Z')
			cb += 'a' - 'A';
		if (ca != cb)
			return false;
		if (ca == '\0')
			return true;
	}
}

bool
sh_utf8_valid(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];

		if (c < 0x80) {
			uint64_t w;

			/* ASCII runs, eight bytes at a time. */
			while (i + 8 <= n) {
				memcpy(&w, s + i, 8);
				if (w & UINT64_C(0x8080808080808080))
					break;
				i += 8;
			}
			if (i < n && s[i] < 0x80)
				i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			if (i + 1 >= n || (s[i + 1] & 0xc0) != 0x80)
				return false;
			i += 2;
		} else if (c >= 0xe0 && c <= 0xef) {
			if (i + 2 >= n || (s[i + 1] & 0xc0) != 0x80 ||
			    (s[i + 2] & 0xc0) != 0x80)
				return false;
			if (c == 0xe0 && s[i + 1] < 0xa0)
				return false;
			if (c == 0xed && s[i + 1] >= 0xa0)
				return false;
			i += 3;
		} else if (c >= 0xf0 && c <= 0xf4) {
			if (i + 3 >= n || (s[i + 1] & 0xc0) != 0x80 ||
			    (s[i + 2] & 0xc0) != 0x80 ||
			    (s[i + 3] & 0xc0) != 0x80)
				return false;
			if (c == 0xf0 && s[i + 1] < 0x90)
				return false;
			if (c == 0xf4 && s[i + 1] >= 0x90)
				return false;
			i += 4;
		} else {
			return false;
		}
	}
	return true;
}

int64_t
sh_monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
