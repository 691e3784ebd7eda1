/* SPDX-License-Identifier: MIT */
/* Canonical article URLs, the deduplicator's "same entry again" key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "cluster.h"

/*
 * The same article reaches us under many addresses: over http and https,
 * with and without "www.", through its mobile or AMP edition, through
 * Google's AMP cache, and with whatever tracking parameters the feed or the
 * sharer added.  cluster_url_canon() maps all of these to one string.  The
 * result is a key to compare, not a link to follow: it is built to be equal
 * for equal articles, and it may not load (an http-only site gets https).
 *
 * The steps, in order:
 * - trim surrounding spaces and controls, drop tabs and newlines inside (as
 *   browsers do), and accept only "http://" or "https://" with a host;
 * - drop the userinfo, lower-case the host, drop its trailing dots and any
 *   leading "www.", "m.", "mobile." and "amp." labels;
 * - write the scheme as https, and drop port 443 always and port 80 when
 *   the URL said http: both are the default for what the URL said, and
 *   443 is the default for what we write;
 * - normalize percent-encoding (RFC 3986 6.2.2): decode unreserved
 *   characters, upper-case the hex of the rest, encode bytes that may not
 *   appear raw (controls, space, non-ASCII, "<>{}" ...) and a '%' that
 *   starts no escape; then remove dot segments (RFC 3986 5.2.4);
 * - fold AMP paths: drop every "amp" segment, turn "x.amp.html" into
 *   "x.html" and "x.amp" into "x", and drop trailing slashes (not the root);
 * - unwrap Google's AMP cache (*.cdn.ampproject.org/c/s/HOST/PATH, and /v/
 *   for the viewer) and viewer (google.com/amp/s/HOST/PATH) to
 *   https://HOST/PATH, and start again on that URL;
 * - drop the fragment, the tracking parameters listed below, empty
 *   parameters and an empty query.
 *
 * The invariant the tests check is idempotence: canon(canon(x)) equals
 * canon(x).  Every step's output is a fixed point of that step, and steps
 * are ordered so that a later one cannot re-create input for an earlier
 * one: escapes are decoded before dot segments are removed ("%2E%2E" is
 * ".."), and AMP folding refuses to leave a "." or ".." segment behind.
 *
 * Rejected: sorting the query.  It would fold "?a=1&b=2" and "?b=2&a=1",
 * but servers may read parameters in order (repeated keys, positional
 * arrays), and feeds repeat a link with its parameters in the same order
 * anyway.  Rejected too: http as the canonical scheme (most sites moved to
 * https, so the key stays a working link more often), a public-suffix list
 * (prefix stripping only needs to keep one dot in the host, see
 * host_fold()), and dropping "index.html" (it can be a different page).
 *
 * Bounds: the cleaned input and the result are at most CANON_MAX_URL bytes,
 * which bounds every buffer here at three times that, and at most
 * CANON_MAX_UNWRAP AMP wrappers are peeled.  Either limit gives NULL.
 */

/*
 * 8 KiB is where common servers stop reading a request line (Apache's
 * LimitRequestLine, nginx's large_client_header_buffers), so a longer URL
 * is no article link.  The result is held to it too: otherwise canon(x)
 * could pass the limit and canon(canon(x)) would be NULL.
 */
#define CANON_MAX_URL 8192
/* AMP cache wrappers peeled before giving up; real links have one. */
#define CANON_MAX_UNWRAP 4

/* An http(s) URL split into the parts we keep; nothing is owned. */
struct canon_url {
	bool https;	   /* the scheme was https, not http */
	const char *host;  /* after the userinfo, before the port */
	size_t host_len;   /* never 0 */
	int port;	   /* -1 when absent or empty */
	const char *path;  /* "" or starts with '/' */
	size_t path_len;   /* bytes of path */
	const char *query; /* after '?', NULL when there is no '?' */
	size_t query_len;  /* bytes of query */
};

/*
 * Query parameters dropped whatever their value, compared without case
 * after percent-decoding: click ids, campaign tags and referrer tags that
 * say how the reader arrived, not what they read.  Names that start with
 * "utm_" (Google Analytics) or "mtm_" (Matomo) go too, whatever follows.
 */
static const char *const tracking_params[] = {
    /* Ad click ids: Google, Microsoft, Facebook, Twitter, TikTok, ... */
    "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "_ga", "_gl", "msclkid",
    "fbclid", "twclid", "ttclid", "yclid", "li_fat_id", "_openstat",
    /* Social shares. */
    "igshid", "igsh", "fb_action_ids", "fb_action_types", "fb_ref", "fb_source",
    "__twitter_impression", "sr_share",
    /* Mail campaigns: Mailchimp, HubSpot, Marketo, Vero, Omeda, Drip. */
    "mc_cid", "mc_eid", "_hsenc", "_hsmi", "__hstc", "__hssc", "__hsfp",
    "hsctatracking", "mkt_tok", "vero_id", "vero_conv", "oly_anon_id",
    "oly_enc_id", "__s", "_branch_match_id",
    /* Referrer tags. */
    "ref", "ref_src", "ref_url",
    /* Campaign tags of news sites and their analytics vendors: Adobe,
     * AT Internet (BBC, Le Monde), comScore, Webtrends, Matomo, Yahoo,
     * Microsoft Start, the Guardian, the New York Times, Alibaba. */
    "cmpid", "cmp", "ito", "icid", "ncid", "s_cid", "s_kwcid", "at_medium",
    "at_campaign", "xtor", "ns_mchannel", "ns_source", "ns_campaign",
    "ns_linkname", "ns_fee", "wt_mc", "wt.mc_id", "pk_campaign", "pk_kwd",
    "pk_source", "pk_medium", "pk_content", "soc_src", "soc_trk", "guccounter",
    "guce_referrer", "guce_referrer_sig", "ocid", "cvid", "smid", "smtyp",
    "spm",
    /* Added by Google's AMP cache and viewer. */
    "amp_js_v", "amp_gsa", "usqp"};

static bool
is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

static unsigned char
to_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* RFC 3986 2.3: escaping these changes nothing, so escapes are decoded. */
static bool
is_unreserved(unsigned char c)
{
	return is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

/*
 * Bytes that may not appear raw in a path or query: the WHATWG path
 * percent-encode set, so "a b" and "a%20b" become one key.
 */
static bool
must_encode(unsigned char c)
{
	return c <= 0x20 || c >= 0x7f || strchr("\"<>\\^`{|}", c) != NULL;
}

static int
hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Whether s[0..n) equals lit, a lower-case literal, ignoring ASCII case. */
static bool
ascii_caseeq(const char *s, size_t n, const char *lit)
{
	size_t i;

	if (strlen(lit) != n)
		return false;
	for (i = 0; i < n; i++)
		if (to_lower((unsigned char)s[i]) != (unsigned char)lit[i])
			return false;
	return true;
}

/*
 * Copy s without surrounding spaces and controls and without the tabs and
 * newlines inside, as a browser reads a link; feeds wrap long ones.
 * Returns NULL when nothing is left or the rest is too long.
 */
static char *
url_clean(const char *s)
{
	size_t len = strlen(s), i, n = 0;
	char *out;

	while (len > 0 && (unsigned char)s[len - 1] <= 0x20)
		len--;
	while (len > 0 && (unsigned char)*s <= 0x20) {
		s++;
		len--;
	}
	if (len == 0 || len > CANON_MAX_URL)
		return NULL;
	out = xmalloc(len + 1);
	for (i = 0; i < len; i++)
		if (s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
			out[n++] = s[i];
	out[n] = '\0';
	return out;
}

/*
 * A host we accept: a bracketed IPv6 literal, or a name of letters,
 * digits, '-', '.', '_' and non-ASCII bytes (raw IDN; we have no IDNA to
 * turn them into punycode).  Anything else is not a link a feed meant.
 */
static bool
host_valid(const char *h, size_t n)
{
	size_t i;

	if (n == 0)
		return false;
	if (h[0] == '[') {
		if (n < 3 || h[n - 1] != ']')
			return false;
		for (i = 1; i < n - 1; i++)
			if (hex_value((unsigned char)h[i]) < 0 && h[i] != ':' &&
			    h[i] != '.')
				return false;
		return true;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)h[i];

		if (!is_alnum(c) && c != '-' && c != '.' && c != '_' &&
		    c < 0x80)
			return false;
	}
	return true;
}

/* Port digits to a number; "" gives -1, anything not a port fails. */
static bool
port_parse(const char *p, size_t n, int *port)
{
	size_t i;
	int v = 0;

	*port = -1;
	if (n == 0)
		return true; /* RFC 3986 6.2.3: an empty port is no port. */
	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		v = v * 10 + (p[i] - '0');
		if (v > 65535)
			return false;
	}
	*port = v;
	return true;
}

/* Split the authority a[0..n) into host and port, dropping userinfo. */
static bool
authority_split(const char *a, size_t n, struct canon_url *u)
{
	const char *end = a + n, *h = a, *colon;
	size_t i;

	/* The last '@' ends the userinfo, as browsers read it. */
	for (i = n; i > 0; i--)
		if (a[i - 1] == '@') {
			h = a + i;
			break;
		}
	if (h < end && *h == '[') {
		colon = memchr(h, ']', (size_t)(end - h));
		if (colon == NULL)
			return false;
		colon++;
		if (colon < end && *colon != ':')
			return false;
	} else {
		colon = memchr(h, ':', (size_t)(end - h));
		if (colon == NULL)
			colon = end;
	}
	u->host = h;
	u->host_len = (size_t)(colon - h);
	if (!host_valid(u->host, u->host_len))
		return false;
	if (colon == end)
		return port_parse(colon, 0, &u->port);
	return port_parse(colon + 1, (size_t)(end - colon - 1), &u->port);
}

/*
 * Split an absolute http(s) URL (RFC 3986 appendix B).  Scheme-relative
 * and "http:host" forms are refused: we have no base to resolve them.
 */
static bool
url_split(const char *s, struct canon_url *u)
{
	size_t n;

	memset(u, 0, sizeof(*u));
	if (ascii_caseeq(s, 5, "https") && s[5] == ':') {
		u->https = true;
		s += 6;
	} else if (ascii_caseeq(s, 4, "http") && s[4] == ':') {
		s += 5;
	} else {
		return false;
	}
	if (s[0] != '/' || s[1] != '/')
		return false;
	s += 2;
	n = strcspn(s, "/?#");
	if (!authority_split(s, n, u))
		return false;
	s += n;
	u->path = s;
	u->path_len = strcspn(s, "?#");
	s += u->path_len;
	if (*s == '?') {
		u->query = s + 1;
		u->query_len = strcspn(s + 1, "#");
	}
	return true;
}

/*
 * The host as we compare it: lower case, no trailing dots (an FQDN's root
 * label), no leading www./m./mobile./amp. labels.  A prefix goes only if
 * a dot remains, so "www.com" and "m.co" are left alone.  Returns NULL
 * when nothing is left ("...").
 */
static char *
host_fold(const char *h, size_t n)
{
	static const char *const prefixes[] = {"www.", "m.", "mobile.", "amp."};
	char *out = xmalloc(n + 1), *p = out;
	size_t i;
	bool again = true;

	for (i = 0; i < n; i++)
		out[i] = (char)to_lower((unsigned char)h[i]);
	out[n] = '\0';
	if (out[0] == '[')
		return out;
	while (n > 0 && out[n - 1] == '.')
		out[--n] = '\0';
	/* Loop: "www.m.example.com" is seen in the wild. */
	while (again) {
		again = false;
		for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
			size_t len = strlen(prefixes[i]);

			if (strncmp(p, prefixes[i], len) == 0 &&
			    strchr(p + len, '.') != NULL) {
				p += len;
				again = true;
			}
		}
	}
	if (*p == '\0') {
		free(out);
		return NULL;
	}
	memmove(out, p, strlen(p) + 1);
	return out;
}

/*
 * Normalize percent-encoding of s[0..n) into out, which has room for 3n
 * bytes; returns the length written.  A '%' that starts no valid escape
 * is itself encoded, so the result holds only well-formed escapes.
 */
static size_t
escapes_norm(const char *s, size_t n, char *out)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, o = 0;
	int hi, lo;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '%' && i + 2 < n &&
		    (hi = hex_value((unsigned char)s[i + 1])) >= 0 &&
		    (lo = hex_value((unsigned char)s[i + 2])) >= 0) {
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
			if (is_unreserved(c)) {
				out[o++] = (char)c;
				continue;
			}
		} else if (c != '%' && !must_encode(c)) {
			out[o++] = (char)c;
			continue;
		}
		out[o++] = '%';
		out[o++] = hex[c >> 4];
		out[o++] = hex[c & 15];
	}
	return o;
}

/*
 * Remove "." and ".." segments from the absolute path in[0..n) into out
 * (RFC 3986 5.2.4, the case of a path that starts with '/'); out has room
 * for n + 1 bytes.  Returns the length, at least 1 ("/").
 */
static size_t
dots_remove(const char *in, size_t n, char *out)
{
	size_t i = 0, o = 0, seg;
	bool last;

	while (i < n) {
		i++; /* in[i - 1] is '/' */
		seg = strcspn(in + i, "/");
		if (seg > n - i)
			seg = n - i;
		last = i + seg >= n;
		if (seg == 1 && in[i] == '.') {
			if (last)
				out[o++] = '/';
		} else if (seg == 2 && in[i] == '.' && in[i + 1] == '.') {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
			if (last)
				out[o++] = '/';
		} else {
			out[o++] = '/';
			memcpy(out + o, in + i, seg);
			o += seg;
		}
		i += seg;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = '\0';
	return o;
}

/* The path with escapes normalized and dot segments gone; caller frees. */
static char *
path_norm(const char *path, size_t n)
{
	char *esc, *out;
	size_t len;

	if (n == 0) {
		path = "/";
		n = 1;
	}
	esc = xmalloc(3 * n + 1);
	len = escapes_norm(path, n, esc);
	esc[len] = '\0';
	out = xmalloc(len + 1);
	dots_remove(esc, len, out);
	free(esc);
	return out;
}

/* Whether the last segment p[seg..n) is "x.amp" with x not "", "." or "..". */
static bool
ends_amp(const char *p, size_t seg, size_t n)
{
	size_t x = n - seg;

	if (x < 5 || memcmp(p + n - 4, ".amp", 4) != 0)
		return false;
	x -= 4;
	/* Folding "..amp" to "." would leave a dot segment for next time. */
	return !(x <= 2 && memcmp(p + seg, "..", x) == 0);
}

/*
 * Fold the AMP edition's path into the plain one, in place: every segment
 * "amp" goes (publishers put it first, last or in between), then the last
 * segment loses ".amp" or ".amp.html" becomes ".html", and trailing
 * slashes go.  The tail is redone until it stops changing, since one fold
 * can expose another ("x/amp.amp").  Returns the new length.
 */
static size_t
path_fold(char *p)
{
	size_t n = strlen(p), r = 0, w = 0, seg;

	while (r < n) {
		seg = strcspn(p + r + 1, "/");
		if (!(seg == 3 && memcmp(p + r + 1, "amp", 3) == 0)) {
			memmove(p + w, p + r, seg + 1);
			w += seg + 1;
		}
		r += seg + 1;
	}
	for (n = w;;) {
		while (n > 1 && p[n - 1] == '/')
			n--;
		for (seg = n; seg > 0 && p[seg - 1] != '/'; seg--)
			continue;
		if (n - seg == 3 && memcmp(p + seg, "amp", 3) == 0) {
			n = seg - 1;
		} else if (n - seg >= 9 &&
			   memcmp(p + n - 9, ".amp.html", 9) == 0) {
			memmove(p + n - 9, ".html", 5);
			n -= 4;
		} else if (ends_amp(p, seg, n)) {
			n -= 4;
		} else {
			break;
		}
	}
	if (n == 0)
		p[n++] = '/';
	p[n] = '\0';
	return n;
}

/* Whether the parameter p[0..n), "name" or "name=value", is tracking. */
static bool
param_is_tracking(const char *p, size_t n)
{
	const char *eq = memchr(p, '=', n);
	size_t name = eq != NULL ? (size_t)(eq - p) : n, i;
	const char *v = eq != NULL ? eq + 1 : p + n;
	size_t vn = n - (size_t)(v - p);

	if (name >= 4 &&
	    (ascii_caseeq(p, 4, "utm_") || ascii_caseeq(p, 4, "mtm_")))
		return true;
	for (i = 0; i < sizeof(tracking_params) / sizeof(tracking_params[0]);
	     i++)
		if (ascii_caseeq(p, name, tracking_params[i]))
			return true;
	/* The AMP switches, only with the values that ask for AMP. */
	if (ascii_caseeq(p, name, "amp"))
		return vn == 0 || ascii_caseeq(v, vn, "1") ||
		       ascii_caseeq(v, vn, "true");
	return ascii_caseeq(p, name, "outputtype") &&
	       ascii_caseeq(v, vn, "amp");
}

/*
 * The query without tracking and empty parameters, in their original
 * order (see the note at the top), or NULL when nothing is left.  Escapes
 * are normalized first, so "utm%5Fsource" is caught; '&' and '=' are
 * reserved and never decoded, so the split afterwards is the same.
 */
static char *
query_canon(const char *q, size_t n)
{
	char *out;
	size_t len, r = 0, w = 0, seg;

	if (q == NULL)
		return NULL;
	out = xmalloc(3 * n + 1);
	len = escapes_norm(q, n, out);
	out[len] = '\0';
	while (r < len) {
		seg = strcspn(out + r, "&");
		if (seg > 0 && !param_is_tracking(out + r, seg)) {
			if (w > 0)
				out[w++] = '&';
			memmove(out + w, out + r, seg);
			w += seg;
		}
		r += seg + 1;
	}
	if (w == 0) {
		free(out);
		return NULL;
	}
	out[w] = '\0';
	return out;
}

/*
 * What follows prefix in path, when path is a wrapper of the form
 * PREFIX[s/]HOST/PATH ("s/" marks an https origin, which we do not need).
 * NULL when path is not of that form.
 */
static const char *
wrapped_rest(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	if (strncmp(path, prefix, n) != 0)
		return NULL;
	path += n;
	if (strncmp(path, "s/", 2) == 0)
		path += 2;
	else if (strcmp(path, "s") == 0)
		return NULL;
	return *path != '\0' ? path : NULL;
}

static bool
host_is_amp_cache(const char *host)
{
	static const char cache[] = "cdn.ampproject.org";
	size_t n = strlen(host), c = sizeof(cache) - 1;

	if (n < c || strcmp(host + n - c, cache) != 0)
		return false;
	return n == c || host[n - c - 1] == '.';
}

/*
 * The URL inside an AMP wrapper, or NULL when this is none.  The viewer
 * (google.com/amp/s/...) is checked before AMP folding, which would eat
 * its "amp" segment; the cache after it, so that a folded path cannot
 * turn into a cache path one round later.
 */
static char *
amp_unwrap(const char *host, const char *path, const struct canon_url *u,
    bool folded)
{
	const char *rest = NULL;

	if (!folded && strcmp(host, "google.com") == 0)
		rest = wrapped_rest(path, "/amp/");
	if (folded && host_is_amp_cache(host)) {
		rest = wrapped_rest(path, "/c/");
		if (rest == NULL)
			rest = wrapped_rest(path, "/v/");
	}
	if (rest == NULL)
		return NULL;
	return xasprintf("https://%s%s%.*s", rest, u->query ? "?" : "",
	    (int)u->query_len, u->query ? u->query : "");
}

/*
 * One round on a cleaned URL: the canonical form, or NULL when it is not
 * one we accept.  When s is an AMP wrapper, returns NULL and sets *inner
 * to the wrapped URL for the caller to start again on.
 */
static char *
canon_round(const char *s, char **inner)
{
	struct canon_url u;
	char *host = NULL, *path = NULL, *query = NULL, *out = NULL;
	char port[16] = ""; /* ":65535"; sized for any int, for gcc */

	*inner = NULL;
	if (!url_split(s, &u) || (host = host_fold(u.host, u.host_len)) == NULL)
		goto out;
	path = path_norm(u.path, u.path_len);
	if ((*inner = amp_unwrap(host, path, &u, false)) != NULL)
		goto out;
	path_fold(path);
	if ((*inner = amp_unwrap(host, path, &u, true)) != NULL)
		goto out;
	query = query_canon(u.query, u.query_len);
	if (u.port >= 0 && u.port != 443 && (u.https || u.port != 80))
		snprintf(port, sizeof(port), ":%d", u.port);
	out = xasprintf("https://%s%s%s%s%s", host, port, path,
	    query ? "?" : "", query ? query : "");
	if (strlen(out) > CANON_MAX_URL) {
		free(out);
		out = NULL;
	}
out:
	free(query);
	free(path);
	free(host);
	return out;
}

char *
cluster_url_canon(const char *url)
{
	char *cur, *inner, *out;
	int round;

	if (url == NULL || (cur = url_clean(url)) == NULL)
		return NULL;
	for (round = 0; round <= CANON_MAX_UNWRAP; round++) {
		out = canon_round(cur, &inner);
		free(cur);
		if (inner == NULL)
			return out;
		cur = inner;
	}
	free(cur);
	return NULL;
}
