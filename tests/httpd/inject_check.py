#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Look for executable markup in what the API served (100-hostile.sh).

Usage:
  inject_check.py WHAT ENTRIES STORIES STORY_EACH ATOM_DIR FEEDS

ENTRIES holds {"entries": [...]} of the injection feeds, STORIES the pages
of GET /v1/stories and STORY_EACH the replies of GET /v1/stories/ID, each
written one after the other; ATOM_DIR the pages of GET /v1/stories.atom,
one file each, and FEEDS the reply of GET /v1/feeds.  WHAT picks the fields to look at:

  html    content_html: parsed as HTML, no script-capable element, no
          event-handler attribute, no CSS expression, no URL with a
          scheme that runs code
  text    titles, headlines, summaries, feed titles: the same test when a
          careless reader renders them as HTML, and no control character
          but tab and line breaks
  labels  authors, categories and enclosure types, the same way
  urls    every link, enclosure and html_url: no javascript:, vbscript:
          or non-image data: URL
  atom    stories.atom: well-formed XML, no control characters, and its
          HTML content clean (URLs apart: those are "urls")

Prints one line per problem; exits 1 when there is any.
"""

import html
import json
import os
import re
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

BAD_TAGS = {
    "script", "iframe", "frame", "frameset", "object", "embed", "applet",
    "form", "input", "button", "meta", "base", "link", "style", "svg",
    "math", "noscript", "template", "textarea", "select", "body", "html",
    "head", "xml", "import", "portal",
}
URL_ATTRS = {
    "href", "src", "action", "formaction", "xlink:href", "data", "poster",
    "background", "cite", "ping", "codebase", "dynsrc", "lowsrc", "srcset",
}
CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
SAFE_DATA = re.compile(r"data:image/(png|gif|jpeg|webp)[;,]")


def bad_url(v):
    s = re.sub(r"[\x00-\x20\x7f]+", "", html.unescape(v or "")).lower()
    if SAFE_DATA.match(s):
        return False
    return re.match(r"(javascript|vbscript|livescript|mocha|data):", s)


class Checker(HTMLParser):
    def __init__(self, urls):
        super().__init__(convert_charrefs=True)
        self.urls = urls
        self.found = []

    def handle_starttag(self, tag, attrs):
        if tag in BAD_TAGS:
            self.found.append("<%s>" % tag)
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.found.append("%s= on <%s>" % (name, tag))
            elif name == "style" and re.search(
                    r"expression|javascript|behavior|url\s*\(", value, re.I):
                self.found.append("style=%r" % value)
            elif self.urls and name in URL_ATTRS and bad_url(value):
                self.found.append("%s=%r" % (name, value))

    handle_startendtag = handle_starttag

    @staticmethod
    def urls_in(text):
        """The values of the URL attributes in a fragment of HTML."""
        c = Checker(False)
        c.seen = []
        c.handle_starttag = lambda tag, attrs: c.seen.extend(
            v for k, v in attrs if k in URL_ATTRS and v is not None)
        c.handle_startendtag = c.handle_starttag
        c.feed(text or "")
        c.close()
        return c.seen


def html_problems(text, urls=True):
    c = Checker(urls)
    c.feed(text or "")
    c.close()
    return c.found


def atom_pages(path, out):
    """Parse each page in the directory; a page that does not parse, or
    holds control characters, is a problem of its own."""
    for name in sorted(os.listdir(path)):
        raw = open(os.path.join(path, name), "rb").read()
        label = "stories.atom page " + name
        try:
            text = raw.decode("utf-8")
            root = ET.fromstring(raw)
        except (UnicodeDecodeError, ET.ParseError) as e:
            out.append("%s is not well-formed: %s" % (label, e))
            continue
        if re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", text):
            out.append("%s holds control characters" % label)
        yield label, root


def lines(path):
    """The JSON values written one after the other into path."""
    with open(path, encoding="utf-8") as fp:
        text = fp.read()
    dec, out, i = json.JSONDecoder(), [], 0
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i == len(text):
            return out
        v, i = dec.raw_decode(text, i)
        out.append(v)


def main():
    what, entries, stories, each, atom, feeds = sys.argv[1:7]
    ents = [e for page in lines(entries) for e in page["entries"]]
    story_list = [s for page in lines(stories) for s in page["stories"]]
    story_each = lines(each)
    feed_list = json.load(open(feeds, encoding="utf-8"))["feeds"]
    out = []

    def html_field(where, v, urls=True):
        for p in html_problems(v, urls):
            out.append("%s: %s" % (where, p))
        # Terminal escapes and other controls: tab and line breaks only.
        if v is not None and CONTROLS.search(v):
            out.append("%s: control character in %r" % (where, v))

    def url_field(where, v):
        if v is not None and bad_url(v):
            out.append("%s: %r" % (where, v))

    if what == "html":
        for e in ents:
            html_field("entry %s content_html" % e["id"], e["content_html"])
    elif what == "text":
        for e in ents:
            html_field("entry %s title" % e["id"], e["title"])
            html_field("entry %s summary" % e["id"], e["summary"])
        for s in story_list:
            html_field("story %s headline" % s["id"], s["headline"])
        for s in story_each:
            for e in s["entries"]:
                html_field("story entry %s title" % e["seq"], e["title"])
                html_field("story entry %s feed_title" % e["seq"],
                           e["feed_title"])
        for f in feed_list:
            html_field("feed %s title" % f["id"], f["title"])
            html_field("feed %s doc_title" % f["id"], f["doc_title"])
    elif what == "labels":
        for e in ents:
            for a in e["authors"]:
                html_field("entry %s author" % e["id"], a)
            for c in e["categories"]:
                html_field("entry %s category" % e["id"], c)
            for n in e["enclosures"]:
                html_field("entry %s enclosure type" % e["id"], n["type"])
    elif what == "urls":
        for e in ents:
            url_field("entry %s link" % e["id"], e["link"])
            for n in e["enclosures"]:
                url_field("entry %s enclosure" % e["id"], n["url"])
        for s in story_list:
            url_field("story %s link" % s["id"], s["link"])
        for s in story_each:
            for e in s["entries"]:
                url_field("story entry %s link" % e["seq"], e["link"])
        for f in feed_list:
            url_field("feed %s html_url" % f["id"], f["html_url"])
        for name, root in atom_pages(atom, out):
            for el in root.iter():
                if el.get("href") is not None:
                    url_field(name + " href", el.get("href"))
                if el.get("type") == "html":
                    for p in Checker.urls_in(el.text):
                        url_field(name + " content", p)
    elif what == "atom":
        for name, root in atom_pages(atom, out):
            for el in root.iter():
                if el.get("type") == "html":
                    html_field("%s %s" % (name, el.tag), el.text, urls=False)
                elif el.get("type") == "xhtml":
                    html_field("%s %s" % (name, el.tag),
                               ET.tostring(el, encoding="unicode"),
                               urls=False)
    else:
        sys.exit("inject_check.py: unknown WHAT %r" % what)
    for ln in out:
        print(ln)
    sys.exit(1 if out else 0)


if __name__ == "__main__":
    main()
