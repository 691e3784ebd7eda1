/* SPDX-License-Identifier: MIT */
/* The fetcher: libcurl multi transfers with limits and an address policy. */

/*
 * Design.  One CURLM handle holds at most max_transfers easy handles; the
 * other requests wait in a FIFO of small struct pending records, so ten
 * thousand queued feeds cost a few hundred bytes each instead of a libcurl
 * handle each.  libcurl does the HTTP: redirects, decompression, HTTP/2,
 * connection reuse, per-host connection limits.  We add the bounds that
 * input can drive (the write callback cuts the decoded body, the header
 * callback cuts the headers, CURLOPT_MAXFILESIZE_LARGE refuses a declared
 * length early), the address policy (CURLOPT_OPENSOCKETFUNCTION sees the
 * address of every connection after DNS and after each redirect, so it
 * judges addresses, not URL text), and the parsing of the few response
 * headers the scheduler needs.
 *
 * The header callback sees every response of a redirect chain.  A status
 * line starts a new response: the headers kept so far are dropped, and if
 * the previous response was a 301 or 308 reached through an unbroken
 * chain of them, the URL now being answered becomes moved_to.  Interim 1xx
 * responses are skipped; proxy CONNECT responses are suppressed.
 *
 * Rejected: curl_easy_header() (needs libcurl 7.83, and we need the
 * headers as they arrive to bound them anyway); CURLOPT_PREREQFUNCTION for
 * the policy (7.80, and it runs after the connection is made).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "common.h"
#include "fetch.h"

#define USER_AGENT PACKAGE_NAME "/" PACKAGE_VERSION " (+" PACKAGE_URL ")"
#define ACCEPT_FEEDS                                                           \
	"Accept: application/rss+xml, application/atom+xml, "                  \
	"application/feed+json, application/xml;q=0.9, text/xml;q=0.9, "       \
	"application/json;q=0.8, */*;q=0.5"
/* Largest delta-seconds we believe (RFC 9111 section 1.2.2). */
#define DELTA_MAX 2147483647LL
/* Most of a body's announced Content-Length allocated before it comes. */
#define FETCH_RESERVE_MAX (1024u * 1024)

/* One exception to deny_private. */
struct allow {
	int family;	/* AF_INET or AF_INET6 */
	uint8_t ip[16]; /* 4 or 16 bytes used */
	unsigned port;	/* 0 for any port */
};

/* A request waiting for a free slot. */
struct pending {
	struct pending *next;
	char *url;
	char *etag;
	char *last_modified;
	void *udata;
};

/* A running transfer. */
struct xfer {
	struct xfer *prev, *next; /* fetcher's list of running transfers */
	struct fetcher *f;
	CURL *easy;
	struct curl_slist *hdrs;
	struct fetch_result *res; /* filled as headers arrive */
	struct sh_buf body;
	size_t header_bytes;
	long prev_status;      /* last non-1xx status seen, 0 before any */
	bool chain_perm;       /* every redirect so far was 301 or 308 */
	bool body_over;	       /* the write callback hit the body limit */
	bool header_over;      /* the header callback hit the header limit */
	char refused[128];     /* why the policy refused the last address */
	char redir_scheme[16]; /* scheme of the last Location, if any */
	char errbuf[CURL_ERROR_SIZE];
};

struct fetcher {
	struct fetch_limits lim;
	char *allow_text;
	struct allow *allow;
	size_t nallow;
	CURLM *multi;
	struct xfer *running;
	size_t nrunning;
	struct pending *head, *tail;
	size_t nqueued;
};

/* Limits. */

void
fetch_limits_default(struct fetch_limits *lim)
{
	memset(lim, 0, sizeof(*lim));
	lim->max_transfers = FETCH_DEFAULT_MAX_TRANSFERS;
	lim->max_per_host = FETCH_DEFAULT_MAX_PER_HOST;
	lim->max_queued = FETCH_DEFAULT_MAX_QUEUED;
	lim->connect_timeout_ms = FETCH_DEFAULT_CONNECT_TIMEOUT_MS;
	lim->timeout_ms = FETCH_DEFAULT_TIMEOUT_MS;
	lim->low_speed_bytes = FETCH_DEFAULT_LOW_SPEED_BYTES;
	lim->low_speed_secs = FETCH_DEFAULT_LOW_SPEED_SECS;
	lim->max_body_bytes = FETCH_DEFAULT_MAX_BODY_BYTES;
	lim->max_header_bytes = FETCH_DEFAULT_MAX_HEADER_BYTES;
	lim->max_redirects = FETCH_DEFAULT_MAX_REDIRECTS;
}

/* Parse one allow_private entry: ADDR, ADDR:PORT or [ADDR]:PORT. */
static int
allow_parse_one(char *tok, struct allow *a)
{
	char *port = strrchr(tok, ':'), *ep;
	long p = 0;

	memset(a, 0, sizeof(*a));
	/* One colon or "]:" separates a port; more colons are IPv6. */
	if (port != NULL && port > tok &&
	    (port[-1] == ']' || strchr(tok, ':') == port)) {
		*port++ = '\0';
		p = strtol(port, &ep, 10);
		if (*port == '\0' || *ep != '\0' || p < 1 || p > 65535)
			return SH_EINVAL;
	}
	if (tok[0] == '[' && tok[strlen(tok) - 1] == ']') {
		tok[strlen(tok) - 1] = '\0';
		tok++;
	}
	a->port = (unsigned)p;
	if (inet_pton(AF_INET, tok, a->ip) == 1)
		a->family = AF_INET;
	else if (inet_pton(AF_INET6, tok, a->ip) == 1)
		a->family = AF_INET6;
	return a->family != 0 ? SH_OK : SH_EINVAL;
}

/* Parse a comma- or space-separated allow_private list. */
static int
allow_parse(const char *list, struct allow **out, size_t *nout, char **err)
{
	struct allow *v = NULL;
	char *copy, *tok, *save = NULL, bad[64];
	size_t n = 0;
	int rc = SH_OK;

	copy = xstrdup(list != NULL ? list : "");
	for (tok = strtok_r(copy, ", \t", &save); tok != NULL;
	     tok = strtok_r(NULL, ", \t", &save)) {
		v = xreallocarray(v, n + 1, sizeof(*v));
		if (err != NULL)
			snprintf(bad, sizeof(bad), "%s", tok);
		if ((rc = allow_parse_one(tok, &v[n])) != SH_OK) {
			if (err != NULL)
				*err = xasprintf("allow_private: \"%s\" is no "
						 "ADDR or ADDR:PORT",
				    bad);
			goto out;
		}
		n++;
	}
	*out = v;
	*nout = n;
	v = NULL;
out:
	free(v);
	free(copy);
	return rc;
}

int
fetch_limits_check(const struct fetch_limits *lim, char **err)
{
	struct allow *a = NULL;
	size_t n = 0;
	const char *what = NULL;
	int rc = SH_EINVAL;

	if (lim->max_transfers == 0)
		what = "max_transfers must be at least 1";
	else if (lim->max_per_host == 0)
		what = "max_per_host must be at least 1";
	else if (lim->max_queued == 0)
		what = "max_queued must be at least 1";
	else if (lim->connect_timeout_ms <= 0 || lim->timeout_ms <= 0)
		what = "timeouts must be positive";
	else if (lim->low_speed_bytes < 0 || lim->low_speed_secs < 0)
		what = "low-speed limits must not be negative";
	else if (lim->max_body_bytes == 0 || lim->max_header_bytes < 256)
		what = "body and header limits are too small";
	if (what != NULL) {
		if (err != NULL)
			*err = xstrdup(what);
		goto out;
	}
	rc = allow_parse(lim->allow_private, &a, &n, err);
out:
	free(a);
	return rc;
}

/* The address policy. */

struct range4 {
	uint32_t net;
	unsigned bits;
	enum fetch_addr_class cls;
};

/* First match wins, so the single metadata address precedes its range. */
static const struct range4 ranges4[] = {
    {0x00000000, 8, FETCH_ADDR_FORBIDDEN},  /* 0/8 "this network" */
    {0x7f000000, 8, FETCH_ADDR_PRIVATE},    /* 127/8 loopback */
    {0x0a000000, 8, FETCH_ADDR_PRIVATE},    /* 10/8 */
    {0xac100000, 12, FETCH_ADDR_PRIVATE},   /* 172.16/12 */
    {0xc0a80000, 16, FETCH_ADDR_PRIVATE},   /* 192.168/16 */
    {0x646464c8, 32, FETCH_ADDR_FORBIDDEN}, /* Alibaba metadata */
    {0x64400000, 10, FETCH_ADDR_PRIVATE},   /* 100.64/10 CGNAT */
    {0xa9fe0000, 16, FETCH_ADDR_FORBIDDEN}, /* 169.254/16 link-local */
    {0xc0000000, 24, FETCH_ADDR_PRIVATE},   /* 192.0.0/24 IETF */
    {0xc0000200, 24, FETCH_ADDR_PRIVATE},   /* 192.0.2/24 TEST-NET-1 */
    {0xc6120000, 15, FETCH_ADDR_PRIVATE},   /* 198.18/15 benchmarks */
    {0xc6336400, 24, FETCH_ADDR_PRIVATE},   /* 198.51.100/24 TEST-NET-2 */
    {0xcb007100, 24, FETCH_ADDR_PRIVATE},   /* 203.0.113/24 TEST-NET-3 */
    {0xe0000000, 4, FETCH_ADDR_FORBIDDEN},  /* 224/4 multicast */
    {0xf0000000, 4, FETCH_ADDR_FORBIDDEN},  /* 240/4 and broadcast */
};

static enum fetch_addr_class
classify4(const uint8_t *b)
{
	uint32_t a, mask;
	size_t i;

	a = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 |
	    b[3];
	for (i = 0; i < sizeof(ranges4) / sizeof(ranges4[0]); i++) {
		mask = ranges4[i].bits == 0
			   ? 0
			   : 0xffffffffu << (32 - ranges4[i].bits);
		if ((a & mask) == ranges4[i].net)
			return ranges4[i].cls;
	}
	return FETCH_ADDR_PUBLIC;
}

/* Whether the first bits of a match those of p. */
static bool
prefix6(const uint8_t *a, const uint8_t *p, unsigned bits)
{
	unsigned whole = bits / 8, rest = bits % 8;
	uint8_t mask;

	if (memcmp(a, p, whole) != 0)
		return false;
	if (rest == 0)
		return true;
	mask = (uint8_t)(0xff << (8 - rest));
	return (a[whole] & mask) == (p[whole] & mask);
}

struct range6 {
	uint8_t net[16];
	unsigned bits;
	enum fetch_addr_class cls;
};

static const struct range6 ranges6[] = {
    /* fd00:ec2::254, the AWS metadata service */
    {{0xfd, 0, 0x0e, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x54}, 128,
	FETCH_ADDR_FORBIDDEN},
    {{0x00, 0x64, 0xff, 0x9b, 0, 1}, 48, FETCH_ADDR_PRIVATE}, /* NAT64 */
    {{0xfe, 0x80}, 10, FETCH_ADDR_FORBIDDEN},		      /* link-local */
    {{0xfe, 0xc0}, 10, FETCH_ADDR_PRIVATE},		      /* site-local */
    {{0xfc, 0x00}, 7, FETCH_ADDR_PRIVATE},		      /* ULA */
    {{0xff, 0x00}, 8, FETCH_ADDR_FORBIDDEN},		      /* multicast */
    {{0x20, 0x01, 0x0d, 0xb8}, 32, FETCH_ADDR_PRIVATE}, /* documentation */
    {{0x01, 0x00}, 64, FETCH_ADDR_PRIVATE},		/* discard */
};

static enum fetch_addr_class
classify6(const uint8_t *a)
{
	static const uint8_t zero[16], mapped[12] = {[10] = 0xff, [11] = 0xff};
	static const uint8_t xlat[12] = {[8] = 0xff, [9] = 0xff};
	static const uint8_t nat64[12] = {0x00, 0x64, 0xff, 0x9b};
	static const uint8_t sixto4[2] = {0x20, 0x02};
	size_t i;

	if (memcmp(a, zero, 15) == 0)
		return a[15] == 1 ? FETCH_ADDR_PRIVATE : FETCH_ADDR_FORBIDDEN;
	/* Forms that carry an IPv4 address are judged by that address:
	 * mapped, translated (RFC 2765), compatible, NAT64 and 6to4. */
	if (memcmp(a, mapped, 12) == 0 || memcmp(a, xlat, 12) == 0 ||
	    memcmp(a, zero, 12) == 0 || memcmp(a, nat64, 12) == 0)
		return classify4(a + 12);
	if (memcmp(a, sixto4, 2) == 0)
		return classify4(a + 2);
	for (i = 0; i < sizeof(ranges6) / sizeof(ranges6[0]); i++)
		if (prefix6(a, ranges6[i].net, ranges6[i].bits))
			return ranges6[i].cls;
	return FETCH_ADDR_PUBLIC;
}

/* The address bytes of an IP socket address, or NULL. */
static const uint8_t *
sa_ip(const struct sockaddr *sa, size_t *len, unsigned *port)
{
	const struct sockaddr_in *s4 = (const void *)sa;
	const struct sockaddr_in6 *s6 = (const void *)sa;

	if (sa != NULL && sa->sa_family == AF_INET) {
		*len = 4;
		*port = ntohs(s4->sin_port);
		return (const uint8_t *)&s4->sin_addr;
	}
	if (sa != NULL && sa->sa_family == AF_INET6) {
		*len = 16;
		*port = ntohs(s6->sin6_port);
		return s6->sin6_addr.s6_addr;
	}
	return NULL;
}

enum fetch_addr_class
fetch_addr_classify(const struct sockaddr *sa)
{
	const uint8_t *ip;
	unsigned port;
	size_t len;

	if ((ip = sa_ip(sa, &len, &port)) == NULL)
		return FETCH_ADDR_FORBIDDEN;
	return len == 4 ? classify4(ip) : classify6(ip);
}

/* Whether the policy lets us connect to sa; if not, say why in x. */
static bool
policy_allows(struct xfer *x, const struct sockaddr *sa)
{
	const struct fetcher *f = x->f;
	enum fetch_addr_class cls = fetch_addr_classify(sa);
	char text[INET6_ADDRSTRLEN] = "?";
	const uint8_t *ip;
	unsigned port;
	size_t i, len;

	if (cls == FETCH_ADDR_PUBLIC ||
	    (cls == FETCH_ADDR_PRIVATE && !f->lim.deny_private))
		return true;
	if ((ip = sa_ip(sa, &len, &port)) == NULL)
		goto refuse;
	for (i = 0; cls == FETCH_ADDR_PRIVATE && i < f->nallow; i++)
		if (f->allow[i].family == sa->sa_family &&
		    memcmp(f->allow[i].ip, ip, len) == 0 &&
		    (f->allow[i].port == 0 || f->allow[i].port == port))
			return true;
	inet_ntop(sa->sa_family, ip, text, sizeof(text));
refuse:
	snprintf(x->refused, sizeof(x->refused),
	    "address %s refused by policy (%s)", text,
	    cls == FETCH_ADDR_FORBIDDEN ? "link-local, metadata or reserved"
					: "private; deny_private is on");
	return false;
}

/* CURLOPT_OPENSOCKETFUNCTION: the policy sees every address connected. */
static curl_socket_t
on_open(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	int type = a->socktype;

	(void)purpose;
	if (!policy_allows(arg, &a->addr))
		return CURL_SOCKET_BAD;
#ifdef SOCK_CLOEXEC
	type |= SOCK_CLOEXEC;
#endif
	return socket(a->family, type, a->protocol);
}

/* Response headers. */

/* Parse delta-seconds; -1 when s is not one. */
static int64_t
parse_delta(const char *s, size_t n)
{
	int64_t v = 0;
	size_t i;

	if (n == 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (v < DELTA_MAX)
			v = v * 10 + (s[i] - '0');
	}
	return v < DELTA_MAX ? v : DELTA_MAX;
}

/* Parse an HTTP-date; FETCH_TIME_NONE when it is none. */
static int64_t
parse_date(const char *s, size_t n)
{
	char *copy = xstrndup(s, n);
	time_t t = curl_getdate(copy, NULL);

	free(copy);
	return t == (time_t)-1 ? FETCH_TIME_NONE : (int64_t)t;
}

/* Find max-age among the directives of one Cache-Control value. */
static int64_t
parse_max_age(const char *v, size_t n)
{
	const char *end = v + n, *d, *e;

	for (d = v; d < end; d = e + 1) {
		while (d < end && (*d == ' ' || *d == '\t'))
			d++;
		if ((e = memchr(d, ',', (size_t)(end - d))) == NULL)
			e = end;
		if (e - d > 8 && strncasecmp(d, "max-age=", 8) == 0) {
			d += 8;
			while (e > d && (e[-1] == ' ' || e[-1] == '\t'))
				e--;
			/* Quoted values are invalid (RFC 9111 5.2.2.1) but
			 * seen; accept them. */
			if (e - d >= 2 && *d == '"' && e[-1] == '"')
				return parse_delta(d + 1, (size_t)(e - d - 2));
			return parse_delta(d, (size_t)(e - d));
		}
	}
	return -1;
}

/* Keep the first occurrence of a header. */
static void
keep(char **dst, const char *v, size_t n)
{
	if (*dst == NULL)
		*dst = xstrndup(v, n);
}

static void
reset_headers(struct fetch_result *r)
{
	free(r->etag);
	free(r->last_modified);
	free(r->content_type);
	r->etag = r->last_modified = r->content_type = NULL;
	r->max_age = r->age = -1;
	r->date = r->expires = r->retry_after = FETCH_TIME_NONE;
}

/* A status line starts a response; see the design note. */
static void
status_line(struct xfer *x, const char *p, size_t n)
{
	const char *sp = memchr(p, ' ', n);
	char *url = NULL;
	long code = 0;

	if (sp != NULL && (size_t)(p + n - sp) >= 4)
		code = (long)parse_delta(sp + 1, 3);
	if (code >= 100 && code < 200)
		return;
	if (x->prev_status >= 300 && x->prev_status < 400) {
		if (x->chain_perm &&
		    (x->prev_status == 301 || x->prev_status == 308) &&
		    curl_easy_getinfo(x->easy, CURLINFO_EFFECTIVE_URL, &url) ==
			CURLE_OK &&
		    url != NULL) {
			free(x->res->moved_to);
			x->res->moved_to = xstrdup(url);
		} else
			x->chain_perm = false;
	}
	x->prev_status = code;
	x->redir_scheme[0] = '\0';
	reset_headers(x->res);
}

/* Remember the scheme of a Location, to name it if it is refused. */
static void
location(struct xfer *x, const char *v, size_t n)
{
	size_t i = strspn(v, "abcdefghijklmnopqrstuvwxyz"
			     "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.");

	if (i > 0 && i < n && v[i] == ':' && i < sizeof(x->redir_scheme))
		snprintf(x->redir_scheme, sizeof(x->redir_scheme), "%.*s",
		    (int)i, v);
}

static void
header_line(struct xfer *x, const char *p, size_t n)
{
	struct fetch_result *r = x->res;
	const char *colon = memchr(p, ':', n), *v, *end = p + n;
	size_t name, vn;
	int64_t d;

	if (colon == NULL || colon == p || *p == ' ' || *p == '\t')
		return;
	name = (size_t)(colon - p);
	for (v = colon + 1; v < end && (*v == ' ' || *v == '\t'); v++)
		;
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	vn = (size_t)(end - v);
#define IS(h) (name == sizeof(h) - 1 && strncasecmp(p, h, name) == 0)
	if (IS("ETag"))
		keep(&r->etag, v, vn);
	else if (IS("Last-Modified"))
		keep(&r->last_modified, v, vn);
	else if (IS("Content-Type"))
		keep(&r->content_type, v, vn);
	else if (IS("Cache-Control") && r->max_age < 0)
		r->max_age = parse_max_age(v, vn);
	else if (IS("Age") && r->age < 0)
		r->age = parse_delta(v, vn);
	else if (IS("Date") && r->date == FETCH_TIME_NONE)
		r->date = parse_date(v, vn);
	else if (IS("Expires") && r->expires == FETCH_TIME_NONE)
		r->expires = parse_date(v, vn);
	else if (IS("Retry-After") && r->retry_after == FETCH_TIME_NONE) {
		if ((d = parse_delta(v, vn)) >= 0)
			r->retry_after = (int64_t)time(NULL) + d;
		else
			r->retry_after = parse_date(v, vn);
	} else if (IS("Location"))
		location(x, v, vn);
#undef IS
}

/* CURLOPT_HEADERFUNCTION: bound, then parse one header line. */
static size_t
on_header(char *p, size_t size, size_t nmemb, void *arg)
{
	struct xfer *x = arg;
	size_t n = size * nmemb, len = n;

	if (n > x->f->lim.max_header_bytes - x->header_bytes) {
		x->header_over = true;
		return 0;
	}
	x->header_bytes += n;
	while (len > 0 && (p[len - 1] == '\r' || p[len - 1] == '\n'))
		len--;
	if (len >= 5 && memcmp(p, "HTTP/", 5) == 0)
		status_line(x, p, len);
	else
		header_line(x, p, len);
	return n;
}

/* CURLOPT_WRITEFUNCTION: the decoded body, bounded. */
static size_t
on_body(char *p, size_t size, size_t nmemb, void *arg)
{
	struct xfer *x = arg;
	curl_off_t clen;

	/*
	 * Room for the announced size at once, up to FETCH_RESERVE_MAX (a
	 * server could announce more than it sends): a body grown by
	 * doubling is copied as many times.
	 */
	if (x->body.cap == 0 &&
	    curl_easy_getinfo(x->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T,
		&clen) == CURLE_OK &&
	    clen > 0)
		(void)sh_buf_reserve(&x->body,
		    (uint64_t)clen < FETCH_RESERVE_MAX ? (size_t)clen
						       : FETCH_RESERVE_MAX);
	if (sh_buf_append(&x->body, p, size * nmemb) != SH_OK) {
		x->body_over = true;
		return 0;
	}
	return size * nmemb;
}

/* Errors. */

/* "16 MiB", "64 KiB" or "1000 bytes". */
static void
fmt_size(char *buf, size_t len, size_t n)
{
	if (n >= 1024 * 1024 && n % (1024 * 1024) == 0)
		snprintf(buf, len, "%zu MiB", n / (1024 * 1024));
	else if (n >= 1024 && n % 1024 == 0)
		snprintf(buf, len, "%zu KiB", n / 1024);
	else
		snprintf(buf, len, "%zu bytes", n);
}

/* "60 s", "1.5 s" or "250 ms". */
static void
fmt_ms(char *buf, size_t len, long ms)
{
	if (ms % 1000 == 0)
		snprintf(buf, len, "%ld s", ms / 1000);
	else if (ms % 100 == 0)
		snprintf(buf, len, "%ld.%ld s", ms / 1000, ms % 1000 / 100);
	else
		snprintf(buf, len, "%ld ms", ms);
}

/* libcurl's messages for common failures, made friendlier. */
static const struct {
	CURLcode cc;
	enum fetch_error kind;
	const char *prefix; /* put before the text of libcurl's error */
	const char *skip;   /* libcurl's own prefix, dropped */
} curl_errors[] = {
    {CURLE_COULDNT_RESOLVE_HOST, FETCH_ERR_DNS, "could not resolve host ",
	"Could not resolve host: "},
    {CURLE_COULDNT_RESOLVE_PROXY, FETCH_ERR_DNS, "", ""},
    {CURLE_COULDNT_CONNECT, FETCH_ERR_CONNECT, "could not connect: ", ""},
    {CURLE_PEER_FAILED_VERIFICATION, FETCH_ERR_TLS,
	"TLS: certificate verify failed: ", "SSL certificate problem: "},
    {CURLE_SSL_CONNECT_ERROR, FETCH_ERR_TLS, "TLS: ", ""},
    {CURLE_SSL_CERTPROBLEM, FETCH_ERR_TLS, "TLS: ", ""},
    {CURLE_SSL_CIPHER, FETCH_ERR_TLS, "TLS: ", ""},
    {CURLE_SSL_CACERT_BADFILE, FETCH_ERR_TLS, "TLS: ", ""},
    {CURLE_SSL_ISSUER_ERROR, FETCH_ERR_TLS, "TLS: ", ""},
    {CURLE_UNSUPPORTED_PROTOCOL, FETCH_ERR_OTHER, "unsupported URL: ", ""},
    {CURLE_URL_MALFORMAT, FETCH_ERR_OTHER, "malformed URL: ", ""},
    {CURLE_PARTIAL_FILE, FETCH_ERR_PROTOCOL, "body truncated: ", ""},
    {CURLE_GOT_NOTHING, FETCH_ERR_PROTOCOL, "no reply: ", ""},
    {CURLE_BAD_CONTENT_ENCODING, FETCH_ERR_PROTOCOL,
	"could not decode the body: ", ""},
    {CURLE_WEIRD_SERVER_REPLY, FETCH_ERR_PROTOCOL, "bad response: ", ""},
    {CURLE_HTTP2, FETCH_ERR_PROTOCOL, "HTTP/2: ", ""},
    {CURLE_HTTP2_STREAM, FETCH_ERR_PROTOCOL, "HTTP/2: ", ""},
    {CURLE_RECV_ERROR, FETCH_ERR_PROTOCOL, "receive failed: ", ""},
    {CURLE_SEND_ERROR, FETCH_ERR_PROTOCOL, "send failed: ", ""},
};

static enum fetch_error
describe_timeout(struct xfer *x, const char *eb, char **msg)
{
	const struct fetch_limits *lim = &x->f->lim;
	char t[32];

	if (strncmp(eb, "Operation too slow", 18) == 0) {
		*msg = xasprintf("too slow: under %ld bytes/s for %ld s",
		    lim->low_speed_bytes, lim->low_speed_secs);
	} else if (strncmp(eb, "Connection timed out", 20) == 0 ||
		   strncmp(eb, "Resolving timed out", 19) == 0) {
		fmt_ms(t, sizeof(t), lim->connect_timeout_ms);
		*msg = xasprintf("could not connect within %s", t);
	} else {
		fmt_ms(t, sizeof(t), lim->timeout_ms);
		*msg = xasprintf("timed out after %s", t);
	}
	return FETCH_ERR_TIMEOUT;
}

/*
 * libcurl keeps a header line whole before it hands it to on_header(), up
 * to a ceiling of its own (100 KiB), and gives up on a longer one with
 * CURLE_OUT_OF_MEMORY ("Out of memory", up to 8.5) or CURLE_TOO_LARGE.
 * Before the first body byte, a server sending an endless header line is
 * far likelier than memory running out, and "Out of memory" would send
 * the reader looking at the wrong machine.
 */
static bool
header_line_too_long(const struct xfer *x, CURLcode cc)
{
#if LIBCURL_VERSION_NUM >= 0x080600
	if (cc == CURLE_TOO_LARGE)
		return x->body.len == 0;
#endif
	return cc == CURLE_OUT_OF_MEMORY && x->body.len == 0;
}

/* Turn a libcurl failure into a kind and a friendly one-line message. */
static enum fetch_error
describe(struct xfer *x, CURLcode cc, char **msg)
{
	const struct fetch_limits *lim = &x->f->lim;
	const char *eb =
	    x->errbuf[0] != '\0' ? x->errbuf : curl_easy_strerror(cc);
	char sz[32];
	size_t i, n;

	if (x->header_over || x->body_over || cc == CURLE_FILESIZE_EXCEEDED) {
		fmt_size(sz, sizeof(sz),
		    x->header_over ? lim->max_header_bytes
				   : lim->max_body_bytes);
		*msg = xasprintf("%s over the %s limit",
		    x->header_over ? "headers" : "body", sz);
		return FETCH_ERR_TOO_BIG;
	}
	if (header_line_too_long(x, cc)) {
		*msg = xstrdup("a header line too long");
		return FETCH_ERR_TOO_BIG;
	}
	if (x->refused[0] != '\0' && cc == CURLE_COULDNT_CONNECT) {
		*msg = xstrdup(x->refused);
		return FETCH_ERR_POLICY;
	}
	if (cc == CURLE_OPERATION_TIMEDOUT)
		return describe_timeout(x, eb, msg);
	if (cc == CURLE_TOO_MANY_REDIRECTS) {
		*msg = xasprintf("more than %u redirects", lim->max_redirects);
		return FETCH_ERR_REDIRECT;
	}
	if (cc == CURLE_UNSUPPORTED_PROTOCOL && x->redir_scheme[0] != '\0') {
		*msg = xasprintf("redirect to %s:// refused", x->redir_scheme);
		return FETCH_ERR_REDIRECT;
	}
	for (i = 0; i < sizeof(curl_errors) / sizeof(curl_errors[0]); i++) {
		if (curl_errors[i].cc != cc)
			continue;
		n = strlen(curl_errors[i].skip);
		*msg = xasprintf("%s%s", curl_errors[i].prefix,
		    eb + (strncmp(eb, curl_errors[i].skip, n) == 0 ? n : 0));
		return curl_errors[i].kind;
	}
	*msg = xstrdup(eb);
	return FETCH_ERR_OTHER;
}

/* Messages are one line: control characters become spaces. */
static void
one_line(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = ' ';
}

/* Transfers. */

static void
pending_free(struct pending *p)
{
	if (p == NULL)
		return;
	free(p->url);
	free(p->etag);
	free(p->last_modified);
	free(p);
}

static void
xfer_free(struct xfer *x)
{
	if (x == NULL)
		return;
	if (x->easy != NULL)
		curl_easy_cleanup(x->easy);
	curl_slist_free_all(x->hdrs);
	sh_buf_clear(&x->body);
	fetch_result_free(x->res);
	free(x);
}

/* Append "Name: value" to the request's header list. */
static int
add_header(struct xfer *x, const char *name, const char *value)
{
	struct curl_slist *l;
	char *line;

	line = value != NULL ? xasprintf("%s: %s", name, value) : xstrdup(name);
	l = curl_slist_append(x->hdrs, line);
	free(line);
	if (l == NULL)
		return SH_ENOMEM;
	x->hdrs = l;
	return SH_OK;
}

static int
xfer_setopts(struct xfer *x, const struct pending *p)
{
	const struct fetch_limits *lim = &x->f->lim;
	CURL *e = x->easy;
	int rc;

	if ((rc = add_header(x, ACCEPT_FEEDS, NULL)) != SH_OK ||
	    (p->etag != NULL &&
		(rc = add_header(x, "If-None-Match", p->etag)) != SH_OK) ||
	    (p->last_modified != NULL &&
		(rc = add_header(x, "If-Modified-Since", p->last_modified)) !=
		    SH_OK))
		return rc;
	if (curl_easy_setopt(e, CURLOPT_URL, x->res->url) != CURLE_OK ||
#if LIBCURL_VERSION_NUM >= 0x075500
	    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") !=
		CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") !=
		CURLE_OK ||
#else
	    curl_easy_setopt(e, CURLOPT_PROTOCOLS,
		(long)(CURLPROTO_HTTP | CURLPROTO_HTTPS)) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS,
		(long)(CURLPROTO_HTTP | CURLPROTO_HTTPS)) != CURLE_OK ||
#endif
	    curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, on_open) !=
		CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK)
		return SH_EINVAL;
	curl_easy_setopt(e, CURLOPT_PRIVATE, x);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(e, CURLOPT_MAXREDIRS, (long)lim->max_redirects);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	/* Waiting for a connection to learn whether it multiplexes only pays
	 * over TLS, where HTTP/2 can be offered; over plain HTTP/1.1 it would
	 * queue every transfer to a host behind its slowest one. */
	if (strncasecmp(x->res->url, "https:", 6) == 0)
		curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
	curl_easy_setopt(e, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, USER_AGENT);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->hdrs);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, lim->connect_timeout_ms);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, lim->timeout_ms);
	if (lim->low_speed_secs > 0) {
		curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT,
		    lim->low_speed_bytes);
		curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME,
		    lim->low_speed_secs);
	}
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE,
	    (curl_off_t)lim->max_body_bytes);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, x);
	return SH_OK;
}

/* A fresh result for a request; takes p's URL and udata. */
static struct fetch_result *
result_new(struct pending *p)
{
	struct fetch_result *r = xcalloc(1, sizeof(*r));

	r->udata = p->udata;
	r->url = p->url;
	p->url = NULL;
	reset_headers(r);
	r->fetched_at = FETCH_TIME_NONE;
	return r;
}

/* Start a pending request; it is consumed either way. */
static int
xfer_start(struct fetcher *f, struct pending *p, struct fetch_result **res)
{
	struct xfer *x = xcalloc(1, sizeof(*x));
	int rc = SH_ENOMEM;

	x->f = f;
	x->chain_perm = true;
	sh_buf_init(&x->body, f->lim.max_body_bytes);
	x->res = result_new(p);
	if ((x->easy = curl_easy_init()) == NULL)
		goto out;
	if ((rc = xfer_setopts(x, p)) != SH_OK)
		goto out;
	if (curl_multi_add_handle(f->multi, x->easy) != CURLM_OK) {
		rc = SH_ENOMEM;
		goto out;
	}
	x->next = f->running;
	if (f->running != NULL)
		f->running->prev = x;
	f->running = x;
	f->nrunning++;
	x = NULL;
out:
	if (x != NULL) {
		/* Hand the failure back as a result so nothing is lost. */
		*res = x->res;
		x->res = NULL;
		(*res)->err = SH_EIO;
		(*res)->kind = FETCH_ERR_OTHER;
		(*res)->message = xstrdup("could not start the transfer");
		(*res)->body = xstrdup("");
		xfer_free(x);
	}
	pending_free(p);
	return rc;
}

/* Start queued requests while slots are free. */
static void
fill(struct fetcher *f, fetch_done_cb cb, void *arg)
{
	struct fetch_result *res;
	struct pending *p;

	while (f->head != NULL && f->nrunning < f->lim.max_transfers) {
		p = f->head;
		f->head = p->next;
		if (f->head == NULL)
			f->tail = NULL;
		f->nqueued--;
		res = NULL;
		if (xfer_start(f, p, &res) != SH_OK && res != NULL)
			cb(res, arg);
	}
}

/* Take a finished transfer's result. */
static struct fetch_result *
xfer_finish(struct xfer *x, CURLcode cc)
{
	struct fetch_result *r = x->res;
	char *url = NULL;
	curl_off_t us = 0;
	long n = 0;

	x->res = NULL;
	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &r->status);
	curl_easy_getinfo(x->easy, CURLINFO_EFFECTIVE_URL, &url);
	r->final_url = xstrdup(url != NULL ? url : r->url);
	curl_easy_getinfo(x->easy, CURLINFO_REDIRECT_COUNT, &n);
	r->redirects = (unsigned)n;
	curl_easy_getinfo(x->easy, CURLINFO_TOTAL_TIME_T, &us);
	r->total_us = (int64_t)us;
	r->fetched_at = (int64_t)time(NULL);
	r->moved_permanently = r->moved_to != NULL;
	if (cc == CURLE_OK) {
		r->body_len = x->body.len;
		r->body = sh_buf_steal(&x->body);
		return r;
	}
	r->err = SH_EIO;
	r->kind = describe(x, cc, &r->message);
	if (r->kind == FETCH_ERR_TOO_BIG)
		r->err = SH_ETOOBIG;
	one_line(r->message);
	/* A cut body is no document: the caller must not parse it. */
	r->body = xstrdup("");
	r->body_len = 0;
	return r;
}

/* The fetcher. */

struct fetcher *
fetcher_new(const struct fetch_limits *lim)
{
	struct fetcher *f = NULL;
	struct fetch_limits def;

	if (lim == NULL) {
		fetch_limits_default(&def);
		lim = &def;
	}
	if (fetch_limits_check(lim, NULL) != SH_OK)
		return NULL;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return NULL;
	f = xcalloc(1, sizeof(*f));
	f->lim = *lim;
	if (lim->allow_private != NULL)
		f->allow_text = xstrdup(lim->allow_private);
	f->lim.allow_private = f->allow_text;
	if (allow_parse(f->allow_text, &f->allow, &f->nallow, NULL) != SH_OK ||
	    (f->multi = curl_multi_init()) == NULL) {
		fetcher_free(f);
		return NULL;
	}
	curl_multi_setopt(f->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS,
	    (long)lim->max_transfers);
	curl_multi_setopt(f->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
	    (long)lim->max_per_host);
	curl_multi_setopt(f->multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
	return f;
}

void
fetcher_free(struct fetcher *f)
{
	struct xfer *x;
	struct pending *p;

	if (f == NULL)
		return;
	while ((x = f->running) != NULL) {
		f->running = x->next;
		curl_multi_remove_handle(f->multi, x->easy);
		xfer_free(x);
	}
	while ((p = f->head) != NULL) {
		f->head = p->next;
		pending_free(p);
	}
	if (f->multi != NULL)
		curl_multi_cleanup(f->multi);
	free(f->allow);
	free(f->allow_text);
	free(f);
	curl_global_cleanup();
}

/* A validator that could smuggle a header line is not sent. */
static char *
validator(const char *v)
{
	if (v == NULL || *v == '\0' || strpbrk(v, "\r\n") != NULL)
		return NULL;
	return xstrdup(v);
}

int
fetcher_add(struct fetcher *f, const struct fetch_request *req, void *udata)
{
	struct fetch_result *res = NULL;
	struct pending *p;
	int rc = SH_OK;

	if (req == NULL || req->url == NULL ||
	    (strncasecmp(req->url, "http://", 7) != 0 &&
		strncasecmp(req->url, "https://", 8) != 0))
		return SH_EINVAL;
	if (f->nqueued >= f->lim.max_queued)
		return SH_ETOOMANY;
	p = xcalloc(1, sizeof(*p));
	p->url = xstrdup(req->url);
	p->etag = validator(req->etag);
	p->last_modified = validator(req->last_modified);
	p->udata = udata;
	/* Start at once when a slot is free, so that fetcher_poll() waits
	 * on it; a failure to start is then the caller's to know. */
	if (f->head == NULL && f->nrunning < f->lim.max_transfers) {
		rc = xfer_start(f, p, &res);
		fetch_result_free(res);
		goto out;
	}
	if (f->tail != NULL)
		f->tail->next = p;
	else
		f->head = p;
	f->tail = p;
	f->nqueued++;
out:
	return rc;
}

/* Translate poll(2) event bits to libcurl's or back. */
static short
events(short ev, bool to_curl)
{
	static const short map[][2] = {{POLLIN, CURL_WAIT_POLLIN},
	    {POLLPRI, CURL_WAIT_POLLPRI}, {POLLOUT, CURL_WAIT_POLLOUT}};
	short out = 0;
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (ev & map[i][!to_curl])
			out |= map[i][to_curl];
	return out;
}

int
fetcher_poll(struct fetcher *f, struct pollfd *extra, unsigned nextra,
    int timeout_ms)
{
	struct curl_waitfd local[16], *w = local;
	CURLMcode mc;
	unsigned i;

	if (nextra > sizeof(local) / sizeof(local[0]))
		w = xcalloc(nextra, sizeof(*w));
	for (i = 0; i < nextra; i++) {
		w[i].fd = extra[i].fd;
		w[i].events = events(extra[i].events, true);
		w[i].revents = 0;
	}
	mc = curl_multi_poll(f->multi, nextra > 0 ? w : NULL, nextra,
	    timeout_ms, NULL);
	for (i = 0; i < nextra; i++)
		extra[i].revents = events(w[i].revents, false);
	if (w != local)
		free(w);
	return mc == CURLM_OK ? SH_OK : SH_EIO;
}

int
fetcher_perform(struct fetcher *f, fetch_done_cb cb, void *arg)
{
	struct fetch_result *res;
	struct xfer *x;
	CURLMsg *msg;
	CURLcode cc;
	int running, left, rc = SH_OK;

	if (curl_multi_perform(f->multi, &running) != CURLM_OK) {
		rc = SH_EIO;
		goto out;
	}
	while ((msg = curl_multi_info_read(f->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		cc = msg->data.result;
		x = NULL;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &x);
		curl_multi_remove_handle(f->multi, msg->easy_handle);
		if (x->prev != NULL)
			x->prev->next = x->next;
		else
			f->running = x->next;
		if (x->next != NULL)
			x->next->prev = x->prev;
		f->nrunning--;
		res = xfer_finish(x, cc);
		xfer_free(x);
		fill(f, cb, arg);
		cb(res, arg);
	}
out:
	return rc;
}

void
fetcher_wakeup(struct fetcher *f)
{
	curl_multi_wakeup(f->multi);
}

size_t
fetcher_active(const struct fetcher *f)
{
	return f->nrunning + f->nqueued;
}

int
fetcher_run_all(struct fetcher *f, fetch_done_cb cb, void *arg)
{
	int rc = SH_OK;

	while (fetcher_active(f) > 0) {
		if ((rc = fetcher_perform(f, cb, arg)) != SH_OK)
			goto out;
		if (fetcher_active(f) == 0)
			break;
		if ((rc = fetcher_poll(f, NULL, 0, 1000)) != SH_OK)
			goto out;
	}
out:
	return rc;
}

void
fetch_result_free(struct fetch_result *res)
{
	if (res == NULL)
		return;
	free(res->message);
	free(res->url);
	free(res->final_url);
	free(res->moved_to);
	free(res->etag);
	free(res->last_modified);
	free(res->content_type);
	free(res->body);
	free(res);
}
