/* SPDX-License-Identifier: MIT */
/* URL resolution (RFC 3986 section 5) and the link-safety check. */
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "feeds_int.h"

/*
 * Resolution is written out here rather than left to xmlBuildURI(), whose
 * output escapes and re-encodes the reference in ways that change links
 * that were fine as they were.  This follows RFC 3986 section 5.2 to the
 * letter, plus two habits of browsers (the WHATWG URL standard) that feeds
 * rely on: leading and trailing spaces and control characters are trimmed,
 * and tabs and newlines inside the reference are dropped, since long links
 * get wrapped by the tools that write feeds.
 *
 * The safety check is written against the browser's reading of a link, not
 * the RFC's: it has to see "java\tscript:" or "&#106;avascript:" the way a
 * browser would, so it strips what browsers strip, decodes character
 * references once, and refuses any scheme that is not on the list.
 */

/* The parts of a URI reference; a NULL pointer is an undefined part. */
struct uri {
	const char *scheme, *auth, *path, *query, *frag;
	size_t scheme_len, auth_len, path_len, query_len, frag_len;
};

static bool
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
to_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* What browsers trim around a URL: C0 controls and space. */
static bool
is_trimmed(unsigned char c)
{
	return c <= 0x20;
}

/*
 * Copy s without its surrounding spaces and controls and without the tabs
 * and newlines inside it.  Returns NULL when nothing is left.
 */
static char *
url_clean(const char *s)
{
	size_t len = strlen(s), i, n = 0;
	char *out;

	while (len > 0 && is_trimmed((unsigned char)s[len - 1]))
		len--;
	while (len > 0 && is_trimmed((unsigned char)*s)) {
		s++;
		len--;
	}
	if (len == 0)
		return NULL;
	out = xmalloc(len + 1);
	/* Most links hold none: look for them once, then copy. */
	if (strcspn(s, "\t\n\r") >= len) {
		memcpy(out, s, len);
		out[len] = '\0';
		return out;
	}
	for (i = 0; i < len; i++)
		if (s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
			out[n++] = s[i];
	out[n] = '\0';
	return out;
}

/* Length of the scheme at the start of s, or 0 when there is none. */
static size_t
scheme_len(const char *s)
{
	size_t i;

	if (!is_alpha((unsigned char)s[0]))
		return 0;
	for (i = 1; s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == ':')
			return i;
		if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-' &&
		    c != '.')
			return 0;
	}
	return 0;
}

/* Split a reference into its five parts (RFC 3986 appendix B). */
static void
uri_split(const char *s, struct uri *u)
{
	size_t n;

	memset(u, 0, sizeof(*u));
	if ((n = scheme_len(s)) > 0) {
		u->scheme = s;
		u->scheme_len = n;
		s += n + 1;
	}
	if (s[0] == '/' && s[1] == '/') {
		s += 2;
		n = strcspn(s, "/?#");
		u->auth = s;
		u->auth_len = n;
		s += n;
	}
	n = strcspn(s, "?#");
	u->path = s;
	u->path_len = n;
	s += n;
	if (*s == '?') {
		s++;
		n = strcspn(s, "#");
		u->query = s;
		u->query_len = n;
		s += n;
	}
	if (*s == '#') {
		u->frag = s + 1;
		u->frag_len = strlen(s + 1);
	}
}

/*
 * Remove "." and ".." segments (RFC 3986 section 5.2.4).  in is modified;
 * the result goes to out, which has room for strlen(in) + 1 bytes.
 */
static size_t
remove_dot_segments(char *in, char *out)
{
	size_t n = 0;

	while (*in != '\0') {
		if (strncmp(in, "../", 3) == 0) {
			in += 3;
		} else if (strncmp(in, "./", 2) == 0) {
			in += 2;
		} else if (strncmp(in, "/./", 3) == 0) {
			in += 2;
		} else if (strcmp(in, "/.") == 0) {
			in[1] = '\0';
		} else if (strncmp(in, "/../", 4) == 0 ||
			   strcmp(in, "/..") == 0) {
			/* Step C: "/.." becomes "/" and climbs one segment. */
			if (in[3] == '\0')
				in[1] = '\0';
			else
				in += 3;
			while (n > 0 && out[n - 1] != '/')
				n--;
			if (n > 0)
				n--;
		} else if (strcmp(in, ".") == 0 || strcmp(in, "..") == 0) {
			break;
		} else {
			do
				out[n++] = *in++;
			while (*in != '\0' && *in != '/');
		}
	}
	out[n] = '\0';
	return n;
}

/*
 * The path of the target: the reference's path merged with the base's
 * (section 5.2.3) and stripped of dot segments.  The caller frees it.
 */
static char *
target_path(const struct uri *b, const struct uri *r)
{
	size_t dir = 0, n;
	char *merged, *out;

	if (r->auth != NULL || (r->path_len > 0 && r->path[0] == '/')) {
		n = 0;
	} else if (b->auth != NULL && b->path_len == 0) {
		n = 1;
	} else {
		for (n = 0; n < b->path_len; n++)
			if (b->path[n] == '/')
				dir = n + 1;
		n = dir;
	}
	merged = xmalloc(n + r->path_len + 1);
	if (n == 1 && b->path_len == 0)
		merged[0] = '/';
	else
		memcpy(merged, b->path, n);
	memcpy(merged + n, r->path, r->path_len);
	merged[n + r->path_len] = '\0';
	out = xmalloc(n + r->path_len + 1);
	remove_dot_segments(merged, out);
	free(merged);
	return out;
}

/* Put the parts back together (section 5.3) into an sh_buf. */
static char *
uri_join(const struct uri *t)
{
	struct sh_buf b;
	size_t i;

	sh_buf_init(&b, SIZE_MAX);
	for (i = 0; i < t->scheme_len; i++)
		sh_buf_putc(&b, (char)to_lower((unsigned char)t->scheme[i]));
	sh_buf_putc(&b, ':');
	if (t->auth != NULL) {
		sh_buf_append(&b, "//", 2);
		sh_buf_append(&b, t->auth, t->auth_len);
	}
	sh_buf_append(&b, t->path, t->path_len);
	if (t->query != NULL) {
		sh_buf_putc(&b, '?');
		sh_buf_append(&b, t->query, t->query_len);
	}
	if (t->frag != NULL) {
		sh_buf_putc(&b, '#');
		sh_buf_append(&b, t->frag, t->frag_len);
	}
	return sh_buf_steal(&b);
}

char *
feed_url_resolve(const char *base, const char *ref)
{
	struct uri b, r, t;
	char *cref = NULL, *cbase = NULL, *path = NULL, *res = NULL;
	size_t i;

	if (ref == NULL || (cref = url_clean(ref)) == NULL)
		goto out;
	if ((i = scheme_len(cref)) > 0) {
		/* Already absolute: only the scheme is normalized (6.2.2.1). */
		for (; i > 0; i--)
			cref[i - 1] =
			    (char)to_lower((unsigned char)cref[i - 1]);
		res = cref;
		cref = NULL;
		goto out;
	}
	if (base == NULL || (cbase = url_clean(base)) == NULL)
		goto trimmed;
	uri_split(cbase, &b);
	uri_split(cref, &r);
	/*
	 * A base without a scheme is no base, and one without an authority
	 * or a rooted path (mailto:, urn:, javascript:) cannot anchor a
	 * relative path; browsers refuse those too.
	 */
	if (b.scheme == NULL ||
	    (b.auth == NULL && (b.path_len == 0 || b.path[0] != '/')))
		goto trimmed;

	t = r;
	t.scheme = b.scheme;
	t.scheme_len = b.scheme_len;
	if (r.auth == NULL) {
		t.auth = b.auth;
		t.auth_len = b.auth_len;
		if (r.path_len == 0) {
			t.path = b.path;
			t.path_len = b.path_len;
			if (r.query == NULL) {
				t.query = b.query;
				t.query_len = b.query_len;
			}
		}
	}
	if (r.auth != NULL || r.path_len > 0) {
		/* target_path() ignores the base for a rooted path. */
		path = target_path(&b, &r);
		t.path = path;
		t.path_len = strlen(path);
	}
	res = uri_join(&t);
	goto out;
trimmed:
	res = cref;
	cref = NULL;
out:
	free(path);
	free(cbase);
	free(cref);
	return res;
}

/*
 * Next character of a URL as a browser's HTML parser would hand it to the
 * URL parser: character references are decoded once (numeric ones with or
 * without the semicolon, and the few named ones that spell URL syntax).
 * Returns -1 at the end.  Non-ASCII code points come back as 0x80.
 */
static int
next_char(const char **pp)
{
	static const struct {
		const char *name;
		int c;
	} names[] = {{"colon;", ':'}, {"Tab;", '\t'}, {"NewLine;", '\n'},
	    {"sol;", '/'}, {"quest;", '?'}, {"num;", '#'}, {"amp;", '&'}};
	const char *p = *pp;
	unsigned long v = 0;
	size_t i;
	bool hex;

	if (*p == '\0')
		return -1;
	if (*p != '&') {
		*pp = p + 1;
		return (unsigned char)*p >= 0x80 ? 0x80 : (unsigned char)*p;
	}
	if (p[1] == '#') {
		hex = p[2] == 'x' || p[2] == 'X';
		p += hex ? 3 : 2;
		for (i = 0;; i++, p++) {
			int c = to_lower((unsigned char)*p);

			if (is_digit(c))
				c -= '0';
			else if (hex && c >= 'a' && c <= 'f')
				c -= 'a' - 10;
			else
				break;
			if (v < 0x110000)
				v = v * (hex ? 16 : 10) + (unsigned long)c;
		}
		if (i > 0) {
			*pp = *p == ';' ? p + 1 : p;
			return v >= 0x80 ? 0x80 : (int)v;
		}
	}
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t n = strlen(names[i].name);

		if (strncmp(*pp + 1, names[i].name, n) == 0) {
			*pp += n + 1;
			return names[i].c;
		}
	}
	*pp += 1;
	return '&';
}

/*
 * Raster types only: an SVG image is a document that can carry script,
 * and a type that is not on the list may be sniffed into one.
 */
static bool
data_url_is_image(const char *p)
{
	static const char *const types[] = {"image/png", "image/apng",
	    "image/gif", "image/jpeg", "image/jpg", "image/pjpeg", "image/webp",
	    "image/avif", "image/bmp", "image/x-icon",
	    "image/vnd.microsoft.icon"};
	char mime[32];
	size_t n = 0, i;
	int c;

	while ((c = next_char(&p)) != -1 && c != ';' && c != ',') {
		if (c <= 0x20 || c == 0x7f)
			continue;
		if (n == sizeof(mime) - 1)
			return false;
		mime[n++] = (char)to_lower(c);
	}
	mime[n] = '\0';
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(mime, types[i]) == 0)
			return true;
	return false;
}

bool
feed_url_is_safe(const char *url)
{
	static const char *const schemes[] = {"http", "https", "mailto", "ftp"};
	char scheme[16];
	size_t n = 0, i;
	bool toolong = false;
	int c;

	if (url == NULL)
		return false;
	/*
	 * Most links start so, and the scheme is all that counts: the loop
	 * below would stop at the ':' and say the same.
	 */
	if (strncmp(url, "https:", 6) == 0 || strncmp(url, "http:", 5) == 0)
		return true;
	for (;;) {
		/* next_char() for the plain bytes that most schemes are. */
		if (*url != '&' && *url != '\0' && (unsigned char)*url < 0x80)
			c = (unsigned char)*url++;
		else
			c = next_char(&url);
		/* No colon before the path, query or fragment: relative. */
		if (c == -1 || c == '/' || c == '?' || c == '#')
			return true;
		if (c == ':')
			break;
		/*
		 * Browsers drop tabs and newlines anywhere and trim spaces
		 * and controls; other controls only make the URL invalid.
		 * Dropping them all errs on the side of seeing a scheme.
		 */
		if (c <= 0x20 || c == 0x7f)
			continue;
		if (n == sizeof(scheme) - 1)
			toolong = true;
		else
			scheme[n++] = (char)to_lower(c);
	}
	if (toolong)
		return false;
	scheme[n] = '\0';
	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
		if (strcmp(scheme, schemes[i]) == 0)
			return true;
	if (strcmp(scheme, "data") == 0)
		return data_url_is_image(url);
	return false;
}

char *
feed_url_if_safe(char *url)
{
	if (url != NULL && !feed_url_is_safe(url)) {
		free(url);
		return NULL;
	}
	return url;
}
