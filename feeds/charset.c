/* SPDX-License-Identifier: MIT */
/* Character-set detection and conversion of fetched documents to UTF-8. */

/*
 * The feed parser hands libxml2 UTF-8 only and tells it to ignore the
 * document's encoding declaration, so this file alone decides how to read
 * the bytes.
 *
 * Precedence:
 * 1. A byte order mark (UTF-8, UTF-16, UTF-32), or the byte pattern of a
 *    BOM-less UTF-16/32 document starting with "<", "{", "[" or a space
 *    (XML 1.0 appendix F).  These cannot be wrong, so nothing overrides
 *    them.
 * 2. The charset parameter of the HTTP Content-Type.
 * 3. The encoding of the XML declaration (not for JSON).
 * 4. UTF-8.
 *
 * Labels are mapped as the WHATWG Encoding Standard does, so "iso-8859-1"
 * and "us-ascii" mean windows-1252, "gb2312" means GBK and "euc-kr" means
 * windows-949; labels outside that list go to ICU, which knows most of
 * the rest (cp437, ...).  A label nobody knows, a UTF-16/32 label on bytes
 * that show no sign of it (.NET writes encoding="utf-16" into documents it
 * then sends as UTF-8), or an ASCII-incompatible one is skipped in favour
 * of the next rule and the document counts as recovered.
 *
 * Decisions, and why:
 * - text/xml without a charset falls through to the declaration.  RFC
 *   3023 said us-ascii, but RFC 7303 dropped that rule, and servers send
 *   bare text/xml for UTF-8 feeds all the time.
 * - Bytes that are valid UTF-8 and hold at least one multibyte sequence
 *   are read as UTF-8 even when a label names a legacy encoding: servers
 *   add "charset=ISO-8859-1" by default and templates copy declarations,
 *   while legacy text that happens to be valid UTF-8 is vanishingly rare.
 *   Pure ASCII reads the same either way and keeps the label's name.
 * - A UTF-8 label on bytes that are not UTF-8 is skipped, so that a
 *   declaration naming a legacy encoding still gets its turn.
 * - With no usable legacy label, invalid UTF-8 is repaired: each byte
 *   that is not part of a well-formed sequence is read as windows-1252.
 *   Pasted cp1252 quotes in a UTF-8 page survive and nothing is lost to
 *   U+FFFD; the price is that a string cut inside a character ends in
 *   cp1252 junk instead of U+FFFD.  Whether the well-formed sequences are
 *   UTF-8 too is decided by counting: legacy text holds some by accident
 *   (French e-acute, no-break space, closing guillemet is E9 A0 BB, a
 *   valid CJK character), but few next to its other high bytes.  With at
 *   most one well-formed sequence per LEGACY_RATIO stray bytes the whole
 *   document is read as windows-1252, otherwise it is taken as mixed and
 *   the sequences stay UTF-8.  A wrong call either way garbles only the
 *   rarer kind of character.
 * - NUL cannot pass through to a C string consumer, so it becomes U+FFFD.
 *
 * The common case (UTF-8, valid, no NUL) costs one pass that validates and
 * looks for NUL together, and hands back a pointer into the caller's
 * buffer.
 */

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <unicode/ucnv.h>
#include <unicode/ucnv_cb.h>

#include "common.h"
#include "feeds.h"

#define LABEL_MAX 48	/* longest charset label we look at */
#define DECL_MAX 1024	/* how far into the document to look for <?xml */
#define UCHUNK 1024	/* UTF-16 units converted per ICU call */
#define LEGACY_RATIO 10 /* stray bytes per valid sequence in legacy text */

/* How an encoding relates to ASCII, which decides how it may be chosen. */
enum cs_kind {
	KIND_UTF8,  /* validated and passed through, or repaired */
	KIND_ASCII, /* legacy, bytes 0x00-0x7f are ASCII */
	KIND_7BIT,  /* ISO-2022: ASCII bytes carry escapes */
	KIND_WIDE   /* UTF-16/32: only a BOM or byte pattern selects it */
};

struct charset {
	const char *name; /* reported to the caller: WHATWG name, lower case */
	const char *icu;  /* ICU converter name */
	enum cs_kind kind;
};

enum {
	CS_UTF8,
	CS_UTF16LE,
	CS_UTF16BE,
	CS_UTF32LE,
	CS_UTF32BE,
	CS_IBM866,
	CS_ISO8859_2,
	CS_ISO8859_3,
	CS_ISO8859_4,
	CS_ISO8859_5,
	CS_ISO8859_6,
	CS_ISO8859_7,
	CS_ISO8859_8,
	CS_ISO8859_10,
	CS_ISO8859_13,
	CS_ISO8859_14,
	CS_ISO8859_15,
	CS_ISO8859_16,
	CS_KOI8R,
	CS_KOI8U,
	CS_MACINTOSH,
	CS_MACCYRILLIC,
	CS_WIN874,
	CS_WIN1250,
	CS_WIN1251,
	CS_WIN1252,
	CS_WIN1253,
	CS_WIN1254,
	CS_WIN1255,
	CS_WIN1256,
	CS_WIN1257,
	CS_WIN1258,
	CS_GBK,
	CS_GB18030,
	CS_BIG5,
	CS_EUCJP,
	CS_ISO2022JP,
	CS_SHIFTJIS,
	CS_EUCKR
};

/*
 * Where WHATWG picks a superset (GBK and GB18030, windows-949 for EUC-KR,
 * Big5-HKSCS, cp932 for Shift_JIS), the ICU converter is that superset.
 */
static const struct charset charsets[] = {
    [CS_UTF8] = {"utf-8", "UTF-8", KIND_UTF8},
    [CS_UTF16LE] = {"utf-16le", "UTF-16LE", KIND_WIDE},
    [CS_UTF16BE] = {"utf-16be", "UTF-16BE", KIND_WIDE},
    [CS_UTF32LE] = {"utf-32le", "UTF-32LE", KIND_WIDE},
    [CS_UTF32BE] = {"utf-32be", "UTF-32BE", KIND_WIDE},
    [CS_IBM866] = {"ibm866", "ibm-866", KIND_ASCII},
    [CS_ISO8859_2] = {"iso-8859-2", "iso-8859-2", KIND_ASCII},
    [CS_ISO8859_3] = {"iso-8859-3", "iso-8859-3", KIND_ASCII},
    [CS_ISO8859_4] = {"iso-8859-4", "iso-8859-4", KIND_ASCII},
    [CS_ISO8859_5] = {"iso-8859-5", "iso-8859-5", KIND_ASCII},
    [CS_ISO8859_6] = {"iso-8859-6", "iso-8859-6", KIND_ASCII},
    [CS_ISO8859_7] = {"iso-8859-7", "iso-8859-7", KIND_ASCII},
    [CS_ISO8859_8] = {"iso-8859-8", "iso-8859-8", KIND_ASCII},
    [CS_ISO8859_10] = {"iso-8859-10", "iso-8859-10", KIND_ASCII},
    [CS_ISO8859_13] = {"iso-8859-13", "iso-8859-13", KIND_ASCII},
    [CS_ISO8859_14] = {"iso-8859-14", "iso-8859-14", KIND_ASCII},
    [CS_ISO8859_15] = {"iso-8859-15", "iso-8859-15", KIND_ASCII},
    [CS_ISO8859_16] = {"iso-8859-16", "iso-8859-16", KIND_ASCII},
    [CS_KOI8R] = {"koi8-r", "koi8-r", KIND_ASCII},
    [CS_KOI8U] = {"koi8-u", "koi8-u", KIND_ASCII},
    [CS_MACINTOSH] = {"macintosh", "macintosh", KIND_ASCII},
    [CS_MACCYRILLIC] = {"x-mac-cyrillic", "x-mac-cyrillic", KIND_ASCII},
    [CS_WIN874] = {"windows-874", "windows-874", KIND_ASCII},
    [CS_WIN1250] = {"windows-1250", "windows-1250", KIND_ASCII},
    [CS_WIN1251] = {"windows-1251", "windows-1251", KIND_ASCII},
    [CS_WIN1252] = {"windows-1252", "windows-1252", KIND_ASCII},
    [CS_WIN1253] = {"windows-1253", "windows-1253", KIND_ASCII},
    [CS_WIN1254] = {"windows-1254", "windows-1254", KIND_ASCII},
    [CS_WIN1255] = {"windows-1255", "windows-1255", KIND_ASCII},
    [CS_WIN1256] = {"windows-1256", "windows-1256", KIND_ASCII},
    [CS_WIN1257] = {"windows-1257", "windows-1257", KIND_ASCII},
    [CS_WIN1258] = {"windows-1258", "windows-1258", KIND_ASCII},
    [CS_GBK] = {"gbk", "gb18030", KIND_ASCII},
    [CS_GB18030] = {"gb18030", "gb18030", KIND_ASCII},
    [CS_BIG5] = {"big5", "Big5-HKSCS", KIND_ASCII},
    [CS_EUCJP] = {"euc-jp", "EUC-JP", KIND_ASCII},
    [CS_ISO2022JP] = {"iso-2022-jp", "ISO-2022-JP", KIND_7BIT},
    [CS_SHIFTJIS] = {"shift_jis", "windows-31j", KIND_ASCII},
    [CS_EUCKR] = {"euc-kr", "windows-949", KIND_ASCII},
};

/*
 * The WHATWG labels, plus a few Windows code page names, stored as
 * label_norm() leaves them: lower-case letters and digits only, which is
 * also how ICU compares names ("ISO_8859-1" = "iso88591").
 */
static const struct label {
	const char *norm;
	unsigned char cs;
} labels[] = {
    {"unicode11utf8", CS_UTF8},
    {"unicode20utf8", CS_UTF8},
    {"utf8", CS_UTF8},
    {"xunicode20utf8", CS_UTF8},
    {"csunicode", CS_UTF16LE},
    {"iso10646ucs2", CS_UTF16LE},
    {"ucs2", CS_UTF16LE},
    {"unicode", CS_UTF16LE},
    {"unicodefeff", CS_UTF16LE},
    {"utf16", CS_UTF16LE},
    {"utf16le", CS_UTF16LE},
    {"unicodefffe", CS_UTF16BE},
    {"utf16be", CS_UTF16BE},
    {"iso10646ucs4", CS_UTF32LE},
    {"ucs4", CS_UTF32LE},
    {"utf32", CS_UTF32LE},
    {"utf32le", CS_UTF32LE},
    {"utf32be", CS_UTF32BE},
    {"866", CS_IBM866},
    {"cp866", CS_IBM866},
    {"csibm866", CS_IBM866},
    {"ibm866", CS_IBM866},
    {"csisolatin2", CS_ISO8859_2},
    {"iso88592", CS_ISO8859_2},
    {"isoir101", CS_ISO8859_2},
    {"iso885921987", CS_ISO8859_2},
    {"l2", CS_ISO8859_2},
    {"latin2", CS_ISO8859_2},
    {"csisolatin3", CS_ISO8859_3},
    {"iso88593", CS_ISO8859_3},
    {"isoir109", CS_ISO8859_3},
    {"iso885931988", CS_ISO8859_3},
    {"l3", CS_ISO8859_3},
    {"latin3", CS_ISO8859_3},
    {"csisolatin4", CS_ISO8859_4},
    {"iso88594", CS_ISO8859_4},
    {"isoir110", CS_ISO8859_4},
    {"iso885941988", CS_ISO8859_4},
    {"l4", CS_ISO8859_4},
    {"latin4", CS_ISO8859_4},
    {"csisolatincyrillic", CS_ISO8859_5},
    {"cyrillic", CS_ISO8859_5},
    {"iso88595", CS_ISO8859_5},
    {"isoir144", CS_ISO8859_5},
    {"iso885951988", CS_ISO8859_5},
    {"arabic", CS_ISO8859_6},
    {"asmo708", CS_ISO8859_6},
    {"csiso88596e", CS_ISO8859_6},
    {"csiso88596i", CS_ISO8859_6},
    {"csisolatinarabic", CS_ISO8859_6},
    {"ecma114", CS_ISO8859_6},
    {"iso88596", CS_ISO8859_6},
    {"iso88596e", CS_ISO8859_6},
    {"iso88596i", CS_ISO8859_6},
    {"isoir127", CS_ISO8859_6},
    {"iso885961987", CS_ISO8859_6},
    {"csisolatingreek", CS_ISO8859_7},
    {"ecma118", CS_ISO8859_7},
    {"elot928", CS_ISO8859_7},
    {"greek", CS_ISO8859_7},
    {"greek8", CS_ISO8859_7},
    {"iso88597", CS_ISO8859_7},
    {"isoir126", CS_ISO8859_7},
    {"iso885971987", CS_ISO8859_7},
    {"suneugreek", CS_ISO8859_7},
    {"csiso88598e", CS_ISO8859_8},
    {"csiso88598i", CS_ISO8859_8},
    {"csisolatinhebrew", CS_ISO8859_8},
    {"hebrew", CS_ISO8859_8},
    {"iso88598", CS_ISO8859_8},
    {"iso88598e", CS_ISO8859_8},
    {"iso88598i", CS_ISO8859_8},
    {"isoir138", CS_ISO8859_8},
    {"iso885981988", CS_ISO8859_8},
    {"logical", CS_ISO8859_8},
    {"visual", CS_ISO8859_8},
    {"csisolatin6", CS_ISO8859_10},
    {"iso885910", CS_ISO8859_10},
    {"isoir157", CS_ISO8859_10},
    {"l6", CS_ISO8859_10},
    {"latin6", CS_ISO8859_10},
    {"iso885913", CS_ISO8859_13},
    {"iso885914", CS_ISO8859_14},
    {"csisolatin9", CS_ISO8859_15},
    {"iso885915", CS_ISO8859_15},
    {"l9", CS_ISO8859_15},
    {"iso885916", CS_ISO8859_16},
    {"cskoi8r", CS_KOI8R},
    {"koi", CS_KOI8R},
    {"koi8", CS_KOI8R},
    {"koi8r", CS_KOI8R},
    {"koi8ru", CS_KOI8U},
    {"koi8u", CS_KOI8U},
    {"csmacintosh", CS_MACINTOSH},
    {"mac", CS_MACINTOSH},
    {"macintosh", CS_MACINTOSH},
    {"xmacroman", CS_MACINTOSH},
    {"xmaccyrillic", CS_MACCYRILLIC},
    {"xmacukrainian", CS_MACCYRILLIC},
    {"cp874", CS_WIN874},
    {"dos874", CS_WIN874},
    {"iso885911", CS_WIN874},
    {"tis620", CS_WIN874},
    {"windows874", CS_WIN874},
    {"cp1250", CS_WIN1250},
    {"windows1250", CS_WIN1250},
    {"xcp1250", CS_WIN1250},
    {"cp1251", CS_WIN1251},
    {"windows1251", CS_WIN1251},
    {"xcp1251", CS_WIN1251},
    {"ansix341968", CS_WIN1252},
    {"ascii", CS_WIN1252},
    {"cp1252", CS_WIN1252},
    {"cp819", CS_WIN1252},
    {"csisolatin1", CS_WIN1252},
    {"ibm819", CS_WIN1252},
    {"iso88591", CS_WIN1252},
    {"isoir100", CS_WIN1252},
    {"iso885911987", CS_WIN1252},
    {"l1", CS_WIN1252},
    {"latin1", CS_WIN1252},
    {"usascii", CS_WIN1252},
    {"windows1252", CS_WIN1252},
    {"xcp1252", CS_WIN1252},
    {"cp1253", CS_WIN1253},
    {"windows1253", CS_WIN1253},
    {"xcp1253", CS_WIN1253},
    {"cp1254", CS_WIN1254},
    {"csisolatin5", CS_WIN1254},
    {"iso88599", CS_WIN1254},
    {"isoir148", CS_WIN1254},
    {"iso885991989", CS_WIN1254},
    {"l5", CS_WIN1254},
    {"latin5", CS_WIN1254},
    {"windows1254", CS_WIN1254},
    {"xcp1254", CS_WIN1254},
    {"cp1255", CS_WIN1255},
    {"windows1255", CS_WIN1255},
    {"xcp1255", CS_WIN1255},
    {"cp1256", CS_WIN1256},
    {"windows1256", CS_WIN1256},
    {"xcp1256", CS_WIN1256},
    {"cp1257", CS_WIN1257},
    {"windows1257", CS_WIN1257},
    {"xcp1257", CS_WIN1257},
    {"cp1258", CS_WIN1258},
    {"windows1258", CS_WIN1258},
    {"xcp1258", CS_WIN1258},
    {"chinese", CS_GBK},
    {"cp936", CS_GBK},
    {"csgb2312", CS_GBK},
    {"csiso58gb231280", CS_GBK},
    {"gb2312", CS_GBK},
    {"gb231280", CS_GBK},
    {"gbk", CS_GBK},
    {"isoir58", CS_GBK},
    {"ms936", CS_GBK},
    {"windows936", CS_GBK},
    {"xgbk", CS_GBK},
    {"gb18030", CS_GB18030},
    {"big5", CS_BIG5},
    {"big5hkscs", CS_BIG5},
    {"cnbig5", CS_BIG5},
    {"cp950", CS_BIG5},
    {"csbig5", CS_BIG5},
    {"windows950", CS_BIG5},
    {"xxbig5", CS_BIG5},
    {"cseucpkdfmtjapanese", CS_EUCJP},
    {"eucjp", CS_EUCJP},
    {"xeucjp", CS_EUCJP},
    {"csiso2022jp", CS_ISO2022JP},
    {"iso2022jp", CS_ISO2022JP},
    {"cp932", CS_SHIFTJIS},
    {"csshiftjis", CS_SHIFTJIS},
    {"ms932", CS_SHIFTJIS},
    {"mskanji", CS_SHIFTJIS},
    {"shiftjis", CS_SHIFTJIS},
    {"sjis", CS_SHIFTJIS},
    {"windows31j", CS_SHIFTJIS},
    {"windows932", CS_SHIFTJIS},
    {"xsjis", CS_SHIFTJIS},
    {"cp949", CS_EUCKR},
    {"cseuckr", CS_EUCKR},
    {"csksc56011987", CS_EUCKR},
    {"euckr", CS_EUCKR},
    {"isoir149", CS_EUCKR},
    {"korean", CS_EUCKR},
    {"ksc56011987", CS_EUCKR},
    {"ksc56011989", CS_EUCKR},
    {"ksc5601", CS_EUCKR},
    {"ms949", CS_EUCKR},
    {"uhc", CS_EUCKR},
    {"windows949", CS_EUCKR},
};

/* windows-1252 at 0x80-0x9f; the five holes map to C1 controls (WHATWG). */
static const uint16_t cp1252_c1[32] = {0x20ac, 0x0081, 0x201a, 0x0192, 0x201e,
    0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008d,
    0x017d, 0x008f, 0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013,
    0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x009d, 0x017e, 0x0178};

/* What was decided about one document. */
struct doc {
	const char *s;	   /* the bytes after any BOM */
	size_t n;	   /* their number */
	int valid;	   /* valid UTF-8: 1, not: 0, not checked: -1 */
	bool nul;	   /* valid UTF-8 that holds a NUL byte */
	bool json;	   /* a JSON document: no declaration */
	bool recovered;	   /* a label was wrong or bytes were bad */
	struct charset cs; /* the encoding chosen */
};

/* UTF-8 output with a small staging area in front of the sh_buf. */
struct sink {
	struct sh_buf buf;
	char tmp[1024];
	size_t n;
	int err;  /* SH_OK, or the first error of sh_buf_append() */
	bool bad; /* NUL or an invalid sequence was replaced */
};

/* The context of the ICU error callback. */
struct cb_ctx {
	bool *bad;
};

static bool
is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * Reduce a label to lower-case letters and digits.  Returns false for an
 * empty label or one too long to be a charset name.
 */
static bool
label_norm(const char *label, char *norm, size_t size)
{
	size_t n = 0;

	for (; *label != '\0'; label++) {
		unsigned char c = (unsigned char)*label;

		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		else if (!(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9'))
			continue;
		if (n + 1 >= size)
			return false;
		norm[n++] = (char)c;
	}
	norm[n] = '\0';
	return n > 0;
}

static bool
icu_available(const char *name)
{
	UErrorCode uerr = U_ZERO_ERROR;
	UConverter *cnv = ucnv_open(name, &uerr);

	ucnv_close(cnv);
	return U_SUCCESS(uerr);
}

/*
 * Tell whether an ICU converter reads printable ASCII as ASCII, as it must
 * for a label found in ASCII text (the declaration) or for a document we
 * will scan for ASCII markup.  EBCDIC and UTF-16 fail here.
 */
static bool
icu_ascii_compatible(UConverter *cnv)
{
	static const char probe[] = "\t\n\r !\"#$%&'()*+,-./0123456789:;<=>?@"
				    "ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`"
				    "abcdefghijklmnopqrstuvwxyz{|}~";
	UErrorCode uerr = U_ZERO_ERROR;
	UChar u[sizeof probe];
	int32_t n, i;

	switch (ucnv_getType(cnv)) {
	case UCNV_ISO_2022:
	case UCNV_HZ:
	case UCNV_UTF7:
	case UCNV_IMAP_MAILBOX:
	case UCNV_SCSU:
	case UCNV_BOCU1:
		/* Escape-driven: ASCII bytes need not be ASCII text. */
		return false;
	default:
		break;
	}
	n = ucnv_toUChars(cnv, u, (int32_t)(sizeof probe), probe,
	    (int32_t)(sizeof probe - 1), &uerr);
	if (U_FAILURE(uerr) || n != (int32_t)(sizeof probe - 1))
		return false;
	for (i = 0; i < n; i++)
		if (u[i] != (unsigned char)probe[i])
			return false;
	return true;
}

/*
 * Resolve a label that is not in our table through ICU.  The name reported
 * is ICU's IANA or MIME name for it, which lives in ICU's alias table for
 * the life of the process.
 */
static bool
resolve_icu(const char *label, struct charset *cs)
{
	UErrorCode uerr = U_ZERO_ERROR;
	UConverter *cnv;
	const char *name, *std;
	bool ok = false;

	/*
	 * Only names in ICU's alias table: for any other name ucnv_open()
	 * goes looking for a converter file, and the name came off the
	 * network.
	 */
	if (ucnv_countAliases(label, &uerr) == 0 || U_FAILURE(uerr))
		return false;
	cnv = ucnv_open(label, &uerr);
	if (U_FAILURE(uerr))
		goto out;
	switch (ucnv_getType(cnv)) {
	case UCNV_UTF8:
		*cs = charsets[CS_UTF8];
		ok = true;
		goto out;
	case UCNV_LATIN_1:
	case UCNV_US_ASCII:
		/* Any alias of latin1 or ASCII we have not listed. */
		*cs = charsets[CS_WIN1252];
		ok = true;
		goto out;
	default:
		break;
	}
	if (!icu_ascii_compatible(cnv))
		goto out;
	name = ucnv_getName(cnv, &uerr);
	if (U_FAILURE(uerr))
		goto out;
	/* The converter's own name, as stored in the alias table. */
	cs->icu = ucnv_getAlias(name, 0, &uerr);
	if (U_FAILURE(uerr) || cs->icu == NULL)
		goto out;
	std = ucnv_getStandardName(name, "IANA", &uerr);
	if (std == NULL) {
		uerr = U_ZERO_ERROR;
		std = ucnv_getStandardName(name, "MIME", &uerr);
	}
	cs->name = std != NULL ? std : cs->icu;
	cs->kind = KIND_ASCII;
	ok = true;
out:
	ucnv_close(cnv);
	return ok;
}

/*
 * Whether a label is made of the characters of XML's EncName and IANA's
 * names ("iso_8859-1:1987"); anything else is no charset, and ICU's
 * option syntax (",version=1") stays out of reach.
 */
static bool
label_is_name(const char *label)
{
	const char *p;

	for (p = label; *p != '\0'; p++)
		if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') &&
		    !(*p >= '0' && *p <= '9') && strchr("._:-", *p) == NULL)
			return false;
	return p != label;
}

/* Find the encoding a label names; false when nobody knows it. */
static bool
resolve_label(const char *label, struct charset *cs)
{
	char norm[LABEL_MAX];
	size_t i;

	if (!label_is_name(label) || !label_norm(label, norm, sizeof norm))
		return false;
	if (strcmp(norm, "utf8") == 0) {
		*cs = charsets[CS_UTF8];
		return true;
	}
	for (i = 0; i < sizeof labels / sizeof labels[0]; i++) {
		if (strcmp(norm, labels[i].norm) != 0)
			continue;
		*cs = charsets[labels[i].cs];
		/* The ICU data may have been built without it. */
		return cs->kind == KIND_UTF8 || icu_available(cs->icu);
	}
	return resolve_icu(label, cs);
}

/* A byte order mark; *bom gets its length. */
static bool
sniff_bom(const unsigned char *s, size_t n, struct charset *cs, size_t *bom)
{
	int id = -1;

	/* UTF-32LE first: its BOM starts with the UTF-16LE one. */
	if (n >= 4 && s[0] == 0xff && s[1] == 0xfe && s[2] == 0 && s[3] == 0) {
		id = CS_UTF32LE;
		*bom = 4;
	} else if (n >= 4 && s[0] == 0 && s[1] == 0 && s[2] == 0xfe &&
		   s[3] == 0xff) {
		id = CS_UTF32BE;
		*bom = 4;
	} else if (n >= 3 && s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf) {
		id = CS_UTF8;
		*bom = 3;
	} else if (n >= 2 && s[0] == 0xff && s[1] == 0xfe) {
		id = CS_UTF16LE;
		*bom = 2;
	} else if (n >= 2 && s[0] == 0xfe && s[1] == 0xff) {
		id = CS_UTF16BE;
		*bom = 2;
	}
	if (id < 0)
		return false;
	*cs = charsets[id];
	return true;
}

/* A character that can start a feed: markup, JSON, or white space. */
static bool
is_lead(unsigned char c)
{
	return c == '<' || c == '{' || c == '[' || is_space(c);
}

/*
 * BOM-less UTF-16 or UTF-32, from the zero bytes around the first two
 * characters (XML 1.0 appendix F, widened to JSON and leading space).
 */
static bool
sniff_wide(const unsigned char *s, size_t n, struct charset *cs)
{
	int id = -1;

	if (n < 4)
		return false;
	if (s[0] == 0 && s[1] == 0 && s[2] == 0 && is_lead(s[3]))
		id = CS_UTF32BE;
	else if (is_lead(s[0]) && s[1] == 0 && s[2] == 0 && s[3] == 0)
		id = CS_UTF32LE;
	else if (s[0] == 0 && is_lead(s[1]) && s[2] == 0 && s[3] != 0 &&
		 s[3] < 0x80)
		id = CS_UTF16BE;
	else if (is_lead(s[0]) && s[1] == 0 && s[2] != 0 && s[2] < 0x80 &&
		 s[3] == 0)
		id = CS_UTF16LE;
	if (id < 0)
		return false;
	*cs = charsets[id];
	return true;
}

static bool
looks_json(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && is_space((unsigned char)s[i]))
		i++;
	return i < n && (s[i] == '{' || s[i] == '[');
}

/* Copy a label of at most size - 1 bytes; false when empty or longer. */
static bool
copy_label(const char *p, size_t n, char *label, size_t size)
{
	if (n == 0 || n >= size)
		return false;
	memcpy(label, p, n);
	label[n] = '\0';
	return true;
}

/*
 * The charset parameter of a Content-Type value (RFC 9110 section 8.3),
 * quoted or not.  Space around "=" is tolerated because servers send it.
 */
static bool
http_charset(const char *ct, char *label, size_t size)
{
	const char *p = strchr(ct, ';'), *name, *v;
	size_t namelen;

	while (p != NULL) {
		p++;
		while (is_space((unsigned char)*p))
			p++;
		name = p;
		while (*p != '\0' && *p != '=' && *p != ';' &&
		       !is_space((unsigned char)*p))
			p++;
		namelen = (size_t)(p - name);
		while (is_space((unsigned char)*p))
			p++;
		if (*p != '=') {
			p = strchr(p, ';');
			continue;
		}
		p++;
		while (is_space((unsigned char)*p))
			p++;
		if (*p == '"') {
			v = ++p;
			while (*p != '\0' && *p != '"')
				p++;
		} else {
			v = p;
			while (*p != '\0' && *p != ';' && *p != ',' &&
			       !is_space((unsigned char)*p))
				p++;
		}
		if (namelen == 7 && strncasecmp(name, "charset", 7) == 0)
			return copy_label(v, (size_t)(p - v), label, size);
		p = strchr(p, ';');
	}
	return false;
}

/*
 * The encoding of the XML declaration, looked for in the first DECL_MAX
 * bytes.  Leading white space is allowed, though XML forbids it, because
 * feeds are often generated with a blank line first.
 */
static bool
xml_decl_encoding(const char *s, size_t n, char *label, size_t size)
{
	const char *p = s, *end = s + (n < DECL_MAX ? n : DECL_MAX), *v;
	char q;

	while (p < end && is_space((unsigned char)*p))
		p++;
	if (end - p < 6 || memcmp(p, "<?xml", 5) != 0 ||
	    !is_space((unsigned char)p[5]))
		return false;
	for (p += 5; end - p >= 8; p++) {
		if (p[0] == '?' && p[1] == '>')
			return false;
		if (is_space((unsigned char)p[-1]) &&
		    memcmp(p, "encoding", 8) == 0)
			break;
	}
	if (end - p < 8)
		return false;
	p += 8;
	while (p < end && is_space((unsigned char)*p))
		p++;
	if (p >= end || *p != '=')
		return false;
	p++;
	while (p < end && is_space((unsigned char)*p))
		p++;
	if (p >= end || (*p != '"' && *p != '\''))
		return false;
	q = *p++;
	for (v = p; p < end && *p != q; p++)
		if (*p == '<' || *p == '>')
			return false;
	if (p >= end)
		return false;
	return copy_label(v, (size_t)(p - v), label, size);
}

static size_t utf8_len(const unsigned char *s, size_t n);

/*
 * Whether s[0..n) is valid UTF-8, and in *nul whether it holds a NUL byte
 * (meaningful only when it is valid).  Feeds are mostly ASCII: with SSE2,
 * sixteen bytes at a time are checked for a high bit or a zero, both in
 * one test, since a zero byte compares equal to zero into 0xFF.  Bytes
 * that fail it are checked one character at a time.
 */
static bool
utf8_scan(const unsigned char *s, size_t n, bool *nul)
{
	size_t i = 0, stop, k;

	*nul = false;
	while (i < n) {
#ifdef __SSE2__
		for (; n - i >= 16; i += 16) {
			__m128i v = _mm_loadu_si128(
			    (const __m128i *)(const void *)(s + i));

			v = _mm_or_si128(v,
			    _mm_cmpeq_epi8(v, _mm_setzero_si128()));
			if (_mm_movemask_epi8(v) != 0)
				break;
		}
#endif
		/* At least the block that failed, one character at a time;
		 * a sequence may run past its end. */
		for (stop = n - i > 16 ? i + 16 : n; i < stop; i += k) {
			k = 1;
			if (s[i] == 0)
				*nul = true;
			else if (s[i] >= 0x80 &&
				 (k = utf8_len(s + i, n - i)) == 0)
				return false;
		}
	}
	return true;
}

static bool
doc_valid(struct doc *d)
{
	if (d->valid < 0)
		d->valid =
		    utf8_scan((const unsigned char *)d->s, d->n, &d->nul);
	return d->valid == 1;
}

/* Whether s[0..n) is ASCII: read eight bytes at a time. */
static bool
is_ascii(const char *s, size_t n)
{
	uint64_t acc = 0, w;
	size_t i = 0;

	for (; n - i >= 8; i += 8) {
		memcpy(&w, s + i, sizeof(w));
		acc |= w;
	}
	for (; i < n; i++)
		acc |= (unsigned char)s[i];
	return (acc & UINT64_C(0x8080808080808080)) == 0;
}

/*
 * Weigh one label against the bytes.  Returns true when it settles the
 * encoding (d->cs is set), false to go on with the next rule.
 */
static bool
try_label(struct doc *d, const char *label)
{
	struct charset cs;

	if (!resolve_label(label, &cs) || cs.kind == KIND_WIDE) {
		/* Unknown, or UTF-16/32 without a BOM or its zero bytes. */
		d->recovered = true;
		return false;
	}
	if (cs.kind == KIND_UTF8) {
		/* Skipped when wrong, so a legacy declaration can follow. */
		if (!doc_valid(d))
			return false;
		d->cs = cs;
		return true;
	}
	if (doc_valid(d) && !is_ascii(d->s, d->n)) {
		/* Multibyte UTF-8 under a legacy label: the label is wrong.
		 * RFC 8259 gives JSON no charset, so there it is no error. */
		if (!d->json)
			d->recovered = true;
		d->cs = charsets[CS_UTF8];
		return true;
	}
	d->cs = cs;
	return true;
}

static void
sink_flush(struct sink *k)
{
	if (k->n > 0 && k->err == SH_OK &&
	    sh_buf_append(&k->buf, k->tmp, k->n) != SH_OK)
		k->err = SH_EENCODING;
	k->n = 0;
}

static void
sink_write(struct sink *k, const char *p, size_t n)
{
	if (n == 0)
		return;
	sink_flush(k);
	if (k->err == SH_OK && sh_buf_append(&k->buf, p, n) != SH_OK)
		k->err = SH_EENCODING;
}

/* Append one code point; NUL and surrogates become U+FFFD. */
static void
sink_put(struct sink *k, uint32_t cp)
{
	char *t;

	if (cp == 0 || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) {
		cp = 0xfffd;
		k->bad = true;
	}
	if (k->n + 4 > sizeof k->tmp)
		sink_flush(k);
	t = k->tmp + k->n;
	if (cp < 0x80) {
		t[0] = (char)cp;
		k->n += 1;
	} else if (cp < 0x800) {
		t[0] = (char)(0xc0 | cp >> 6);
		t[1] = (char)(0x80 | (cp & 0x3f));
		k->n += 2;
	} else if (cp < 0x10000) {
		t[0] = (char)(0xe0 | cp >> 12);
		t[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		t[2] = (char)(0x80 | (cp & 0x3f));
		k->n += 3;
	} else {
		t[0] = (char)(0xf0 | cp >> 18);
		t[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		t[2] = (char)(0x80 | (cp >> 6 & 0x3f));
		t[3] = (char)(0x80 | (cp & 0x3f));
		k->n += 4;
	}
}

static uint32_t
cp1252(unsigned char c)
{
	return c >= 0x80 && c < 0xa0 ? cp1252_c1[c - 0x80] : c;
}

/*
 * The length of the well-formed UTF-8 sequence at s (Unicode table 3-7),
 * or 0 when there is none.
 */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t need, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		need = 1;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		need = 2;
		if (s[0] == 0xe0)
			lo = 0xa0;
		else if (s[0] == 0xed)
			hi = 0x9f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		need = 3;
		if (s[0] == 0xf0)
			lo = 0x90;
		else if (s[0] == 0xf4)
			hi = 0x8f;
	} else {
		return 0;
	}
	for (i = 1; i <= need; i++) {
		if (i >= n || s[i] < lo || s[i] > hi)
			return 0;
		lo = 0x80;
		hi = 0xbf;
	}
	return need + 1;
}

/*
 * Count the well-formed multibyte sequences in s and the high bytes that
 * belong to none.
 */
static void
count_utf8(const unsigned char *s, size_t n, size_t *good, size_t *stray)
{
	size_t i = 0, len;

	*good = *stray = 0;
	while (i < n) {
		if (s[i] < 0x80) {
			i++;
		} else if ((len = utf8_len(s + i, n - i)) > 0) {
			(*good)++;
			i += len;
		} else {
			(*stray)++;
			i++;
		}
	}
}

/*
 * Decode bytes that are not valid UTF-8, or that hold NUL.  Bytes outside
 * well-formed sequences are read as windows-1252; so are the sequences
 * too when whole is set.
 */
static void
repair_utf8(struct sink *k, const unsigned char *s, size_t n, bool whole)
{
	size_t i = 0, run = 0, len;

	while (i < n) {
		if (s[i] != 0 && s[i] < 0x80) {
			i++;
			continue;
		}
		if (!whole && s[i] >= 0x80 &&
		    (len = utf8_len(s + i, n - i)) > 0) {
			i += len;
			continue;
		}
		sink_write(k, (const char *)s + run, i - run);
		sink_put(k, cp1252(s[i]));
		run = ++i;
	}
	sink_write(k, (const char *)s + run, n - run);
}

/* Substitute U+FFFD for whatever ICU cannot convert, and note it. */
static void U_CALLCONV
on_invalid(const void *context, UConverterToUnicodeArgs *args,
    const char *units, int32_t len, UConverterCallbackReason reason,
    UErrorCode *uerr)
{
	static const UChar fffd = 0xfffd;
	const struct cb_ctx *ctx = context;

	(void)units;
	(void)len;
	/* Reset, close and clone calls have nothing to substitute. */
	if (reason > UCNV_IRREGULAR)
		return;
	*ctx->bad = true;
	*uerr = U_ZERO_ERROR;
	ucnv_cbToUWriteUChars(args, &fffd, 1, 0, uerr);
}

/*
 * Append UTF-16 units as UTF-8.  A lead surrogate at the end is held back
 * when more units follow (ICU may stop a call between the two halves):
 * it is moved to u[0] and 1 is returned.
 */
static size_t
put_utf16(struct sink *k, UChar *u, size_t n, bool more)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uint32_t c = u[i];

		if (c >= 0xd800 && c <= 0xdbff) {
			if (i + 1 == n && more) {
				u[0] = u[i];
				return 1;
			}
			if (i + 1 < n && u[i + 1] >= 0xdc00 &&
			    u[i + 1] <= 0xdfff) {
				c = 0x10000 + ((c - 0xd800) << 10) +
				    (u[i + 1] - 0xdc00);
				i++;
			}
		}
		sink_put(k, c);
	}
	return 0;
}

/* Convert with ICU, in chunks so that no UTF-16 copy of it all is made. */
static int
convert_icu(struct sink *k, const char *name, const char *s, size_t n)
{
	UErrorCode uerr = U_ZERO_ERROR;
	UConverter *cnv;
	UChar u[UCHUNK];
	UChar *t;
	const char *end = s + n;
	struct cb_ctx ctx = {&k->bad};
	size_t keep = 0;
	bool more;
	int rc = SH_EENCODING;

	cnv = ucnv_open(name, &uerr);
	if (U_FAILURE(uerr))
		goto out;
	uerr = U_ZERO_ERROR; /* drop U_AMBIGUOUS_ALIAS_WARNING */
	ucnv_setToUCallBack(cnv, on_invalid, &ctx, NULL, NULL, &uerr);
	if (U_FAILURE(uerr))
		goto out;
	do {
		t = u + keep;
		uerr = U_ZERO_ERROR;
		ucnv_toUnicode(cnv, &t, u + UCHUNK, &s, end, NULL, true, &uerr);
		more = uerr == U_BUFFER_OVERFLOW_ERROR;
		if (U_FAILURE(uerr) && !more)
			goto out;
		keep = put_utf16(k, u, (size_t)(t - u), more);
	} while (more);
	rc = SH_OK;
out:
	ucnv_close(cnv);
	return rc;
}

/* Choose the encoding of a document that has no BOM. */
static void
choose(struct doc *d, const char *content_type)
{
	char label[LABEL_MAX];

	if (content_type != NULL &&
	    http_charset(content_type, label, sizeof label) &&
	    try_label(d, label))
		return;
	if (!d->json && xml_decl_encoding(d->s, d->n, label, sizeof label) &&
	    try_label(d, label))
		return;
	d->cs = charsets[CS_UTF8];
}

int
feed_charset_to_utf8(const char *buf, size_t len, const char *content_type,
    char **out, size_t *outlen, size_t *skip, const char **encoding,
    bool *recovered)
{
	struct doc d = {.valid = -1};
	struct sink k = {.err = SH_OK};
	const char *name;
	size_t bom = 0, good, stray;
	bool whole;
	int rc = SH_OK;

	/*
	 * Every input byte gives at most 3 bytes of UTF-8 (U+FFFD, or a BMP
	 * character from a single byte); 4 leaves room for ICU's m:n
	 * mappings.  The caller has already bounded len.
	 */
	sh_buf_init(&k.buf,
	    len <= (SIZE_MAX - 64) / 4 ? len * 4 + 64 : SIZE_MAX);
	if (len == 0)
		buf = "";
	if (!sniff_bom((const unsigned char *)buf, len, &d.cs, &bom) &&
	    !sniff_wide((const unsigned char *)buf, len, &d.cs)) {
		d.s = buf;
		d.n = len;
		d.json = looks_json(buf, len);
		choose(&d, content_type);
	}
	d.s = buf + bom;
	d.n = len - bom;
	name = d.cs.name;

	/* The common case: nothing to convert, hand back the input. */
	if ((d.cs.kind == KIND_UTF8 || d.cs.kind == KIND_ASCII) &&
	    doc_valid(&d) && !d.nul) {
		*out = NULL;
		*outlen = d.n;
		*skip = bom;
		*encoding = name;
		*recovered = d.recovered;
		goto out;
	}

	if (d.cs.kind != KIND_UTF8) {
		rc = convert_icu(&k, d.cs.icu, d.s, d.n);
		if (rc != SH_OK)
			goto out;
	} else if (doc_valid(&d)) {
		/* Valid but for NUL bytes. */
		repair_utf8(&k, (const unsigned char *)d.s, d.n, false);
	} else {
		count_utf8((const unsigned char *)d.s, d.n, &good, &stray);
		whole = good <= stray / LEGACY_RATIO;
		if (whole)
			name = charsets[CS_WIN1252].name;
		d.recovered = true;
		repair_utf8(&k, (const unsigned char *)d.s, d.n, whole);
	}
	sink_flush(&k);
	if ((rc = k.err) != SH_OK)
		goto out;
	*outlen = k.buf.len;
	*out = sh_buf_steal(&k.buf);
	*skip = 0;
	*encoding = name;
	*recovered = d.recovered || k.bad;
out:
	sh_buf_clear(&k.buf);
	return rc;
}
