#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A loopback-only HTTP server that tests configure and watch.

Usage:
  server.py [--routes FILE.json] [--route PATH=JSON]... [--log FILE]
            [--listen N] [--bind ADDR] [--port-file FILE] [--no-stdin]
            [--log-connections]

It binds N listeners (default 1) on ADDR (default 127.0.0.1; only loopback
addresses are accepted) at port 0, prints the chosen ports on one line of
stdout ("41234 41235"), and serves until stdin closes (unless --no-stdin)
or SIGTERM/SIGINT arrives.

Routes map a request path (without the query) to a spec; FILE.json holds
{"routes": {PATH: SPEC, ...}} or just {PATH: SPEC, ...}, and is read again
whenever it changes, so a test can change the answers between requests.
"*" is the route for every path not listed.  Unknown paths get 404.

A SPEC is an object; every key is optional:
  status         HTTP status (200, or 302 with "redirect")
  headers        {"Name": "value"} or [["Name", "value"], ...]
  body           text of the body
  body_file      file whose bytes are the body (relative to FILE.json)
  body_fill      ["x", 1048576]: a string repeated N times
  gzip           true: send the body gzip-compressed (Content-Encoding)
  etag           sent as ETag; a request whose If-None-Match equals it
                 gets 304
  last_modified  sent as Last-Modified; a request whose If-Modified-Since
                 equals it gets 304
  redirect       Location value (status 302 unless "status" says 301/307/308)
  delay          seconds to wait before the status line
  drip           seconds to wait between single body bytes
  content_length an integer to declare instead of the real length (a lie:
                 the connection closes after the real body)
  no_length      true: no Content-Length; the body ends when the
                 connection closes
  chunked        true: Transfer-Encoding: chunked
  endless        true: a body that never ends (until the client goes, or
                 120 s); chunked, or delimited by the close with no_length
  truncate       N: send only the first N bytes of the body, then close
                 the connection (Content-Length still says the whole
                 length; chunked: no last chunk)
  raw            text written as the whole answer, no status line or
                 headers of ours, then the connection closes
  raw_endless    text written again and again after raw (until the client
                 goes, or 120 s)
  header_fill    [N, SIZE]: N extra headers X-Fill-i of SIZE bytes each
  endless_headers true: headers that never end
  sequence       [SPEC, ...]: the n-th request of this path gets the n-th
                 SPEC, the last one repeats
In strings, {port} is the port of the listener that took the request and
{port0}, {port1}, ... the ports of each listener.

The log (--log) gets one block per request, written when the request
arrives, flushed at once:
  REQUEST <n> <port> <method> <target>
  <Header-Name>: <value exactly as received>
  ...
  <empty line>
With --log-connections, every accepted connection also gets a line
  CONNECT <n> <port>
before anything is read from it, so that a client speaking another
protocol (gopher, dict, ftp) to a listener is seen too.
"""

import argparse
import gzip
import ipaddress
import json
import os
import signal
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ENDLESS_SECONDS = 120


class State:
    """Routes, counters and the log, shared by every handler thread."""

    def __init__(self, args):
        self.lock = threading.Lock()
        self.routes_file = args.routes
        self.routes_mtime = None
        self.file_routes = {}
        self.cli_routes = {}
        for r in args.route or []:
            path, _, spec = r.partition("=")
            self.cli_routes[path] = json.loads(spec)
        self.log = open(args.log, "a", encoding="utf-8") if args.log else None
        self.nreq = 0
        self.nconn = 0
        self.log_connections = args.log_connections
        self.seen = {}
        self.ports = []

    def routes(self):
        if self.routes_file:
            try:
                mtime = os.stat(self.routes_file).st_mtime_ns
            except OSError:
                mtime = None
            if mtime != self.routes_mtime and mtime is not None:
                with open(self.routes_file, encoding="utf-8") as fp:
                    data = json.load(fp)
                self.file_routes = data.get("routes", data)
                self.routes_mtime = mtime
        merged = dict(self.file_routes)
        merged.update(self.cli_routes)
        return merged

    def record(self, port, method, target, headers):
        """Log a request; return its number and that of its path."""
        with self.lock:
            self.nreq += 1
            path = target.split("?", 1)[0]
            self.seen[path] = self.seen.get(path, 0) + 1
            if self.log:
                lines = ["REQUEST %d %d %s %s" % (self.nreq, port, method,
                                                  target)]
                lines += ["%s: %s" % (k, v) for k, v in headers]
                self.log.write("\n".join(lines) + "\n\n")
                self.log.flush()
            return self.nreq, self.seen[path]

    def record_connection(self, port):
        with self.lock:
            self.nconn += 1
            if self.log:
                self.log.write("CONNECT %d %d\n\n" % (self.nconn, port))
                self.log.flush()

    def spec_for(self, path, nth):
        with self.lock:
            routes = self.routes()
        spec = routes.get(path, routes.get("*"))
        if spec is None:
            return {"status": 404, "body": "not found\n"}
        seq = spec.get("sequence")
        if seq:
            spec = seq[min(nth, len(seq)) - 1]
        return spec


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "sheaf-test-httpd"
    sys_version = ""

    # Headers and body go out in separate writes: without this, Nagle's
    # algorithm and delayed ACKs stall every keep-alive response ~40 ms.
    disable_nagle_algorithm = True

    def log_message(self, format, *args):  # noqa: A002 (the base's name)
        pass

    def setup(self):
        super().setup()
        if self.server.state.log_connections:
            self.server.state.record_connection(self.server.server_address[1])

    def subst(self, s):
        st = self.server.state
        s = s.replace("{port}", str(self.server.server_address[1]))
        for i, p in enumerate(st.ports):
            s = s.replace("{port%d}" % i, str(p))
        return s

    def body_of(self, spec):
        if "body_file" in spec:
            base = os.path.dirname(self.server.state.routes_file or ".")
            with open(os.path.join(base, spec["body_file"]), "rb") as fp:
                return fp.read()
        if "body_fill" in spec:
            text, count = spec["body_fill"]
            return text.encode("utf-8") * int(count)
        return self.subst(spec.get("body", "")).encode("utf-8")

    def handle_any(self):
        st = self.server.state
        port = self.server.server_address[1]
        _, nth = st.record(port, self.command, self.path,
                           list(self.headers.items()))
        spec = st.spec_for(self.path.split("?", 1)[0], nth)
        try:
            self.answer(spec)
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            self.close_connection = True

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = handle_any

    def header_pairs(self, spec):
        h = spec.get("headers", {})
        pairs = list(h.items()) if isinstance(h, dict) else list(h)
        return [(k, self.subst(str(v))) for k, v in pairs]

    def not_modified(self, spec):
        inm = self.headers.get("If-None-Match")
        ims = self.headers.get("If-Modified-Since")
        if "etag" in spec and inm is not None:
            return inm == spec["etag"]
        if "last_modified" in spec and ims is not None:
            return ims == spec["last_modified"]
        return False

    def answer(self, spec):
        if spec.get("delay"):
            time.sleep(float(spec["delay"]))
        if "raw" in spec or "raw_endless" in spec:
            self.send_raw(spec)
            return
        status = int(spec.get("status", 302 if "redirect" in spec else 200))
        body = self.body_of(spec)
        headers = self.header_pairs(spec)
        if "etag" in spec:
            headers.append(("ETag", spec["etag"]))
        if "last_modified" in spec:
            headers.append(("Last-Modified", spec["last_modified"]))
        if "redirect" in spec:
            headers.append(("Location", self.subst(spec["redirect"])))
        if self.not_modified(spec):
            status, body = 304, b""
        elif spec.get("gzip"):
            body = gzip.compress(body, mtime=0)
            headers.append(("Content-Encoding", "gzip"))
        self.send_response_only(status)
        self.send_header("Date", self.date_time_string())
        for k, v in headers:
            self.send_header(k, v)
        if spec.get("endless_headers"):
            self.send_endless_headers()
            return
        n, size = spec.get("header_fill", [0, 0])
        for i in range(int(n)):
            self.send_header("X-Fill-%d" % i, "f" * int(size))
        self.send_body(spec, status, body)

    def send_raw(self, spec):
        self.wfile.write(self.subst(spec.get("raw", "")).encode("utf-8"))
        self.wfile.flush()
        if spec.get("raw_endless"):
            self.send_forever(spec["raw_endless"].encode("utf-8") * 1000)
        self.close_connection = True

    def send_forever(self, data, chunked=False):
        deadline = time.time() + ENDLESS_SECONDS
        if chunked:
            data = b"%x\r\n%s\r\n" % (len(data), data)
        while time.time() < deadline:
            self.wfile.write(data)
        self.close_connection = True

    def send_endless_headers(self):
        self.end_headers_partial()
        deadline = time.time() + ENDLESS_SECONDS
        i = 0
        while time.time() < deadline:
            self.wfile.write(b"X-Endless-%d: %s\r\n" % (i, b"e" * 1000))
            i += 1
        self.close_connection = True

    def end_headers_partial(self):
        if hasattr(self, "_headers_buffer"):
            self.wfile.write(b"".join(self._headers_buffer))
            self._headers_buffer = []
        self.wfile.flush()

    def send_body(self, spec, status, body):
        head = self.command == "HEAD" or status in (204, 304)
        chunked = spec.get("chunked") or (spec.get("endless") and
                                          not spec.get("no_length"))
        if chunked and not head:
            self.send_header("Transfer-Encoding", "chunked")
        elif spec.get("no_length"):
            self.close_connection = True
        elif "content_length" in spec:
            self.send_header("Content-Length", str(spec["content_length"]))
            if int(spec["content_length"]) != len(body):
                self.close_connection = True
        elif status != 304:
            self.send_header("Content-Length", str(len(body)))
        if "truncate" in spec:
            body = body[:int(spec["truncate"])]
            self.close_connection = True
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if head:
            return
        if spec.get("endless"):
            self.send_forever(
                b"<item><title>more</title></item>\n" * 1000, chunked)
        elif chunked and "truncate" in spec:
            self.wfile.write(b"%x\r\n%s" % (len(body) * 2, body))
        elif chunked:
            if body:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(body), body))
            self.wfile.write(b"0\r\n\r\n")
        elif spec.get("drip"):
            for i in range(len(body)):
                self.wfile.write(body[i:i + 1])
                self.wfile.flush()
                time.sleep(float(spec["drip"]))
        else:
            self.wfile.write(body)
        self.wfile.flush()


class Server(ThreadingHTTPServer):
    daemon_threads = True
    # A client may open a hundred connections at once (socketserver's
    # default backlog is 5, and the connections past it wait for SYN
    # retries, seconds each).
    request_queue_size = 128

    def handle_error(self, request, client_address):
        # Clients that hang up mid-answer are what the tests are about.
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


def loopback(addr):
    try:
        ok = ipaddress.ip_address(addr).is_loopback
    except ValueError:
        ok = False
    if not ok:
        raise argparse.ArgumentTypeError("%s is no loopback address" % addr)
    return addr


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--routes", help="JSON file of routes")
    ap.add_argument("--route", action="append", help="PATH=JSON-SPEC")
    ap.add_argument("--log", help="file that records every request")
    ap.add_argument("--listen", type=int, default=1, help="listeners")
    ap.add_argument("--bind", type=loopback, default="127.0.0.1")
    ap.add_argument("--port-file", help="also write the ports here")
    ap.add_argument("--no-stdin", action="store_true",
                    help="do not exit when stdin closes")
    ap.add_argument("--log-connections", action="store_true",
                    help="log every accepted connection too")
    args = ap.parse_args()

    state = State(args)
    state.routes()
    if ":" in args.bind:
        Server.address_family = socket.AF_INET6
    servers = []
    for _ in range(max(1, args.listen)):
        srv = Server((args.bind, 0), Handler)
        srv.state = state
        servers.append(srv)
        state.ports.append(srv.server_address[1])
    for srv in servers:
        threading.Thread(target=srv.serve_forever, daemon=True).start()

    line = " ".join(str(p) for p in state.ports)
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w", encoding="utf-8") as fp:
            fp.write(line + "\n")
        os.rename(tmp, args.port_file)
    print(line, flush=True)

    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    if not args.no_stdin:
        def watch_stdin():
            while sys.stdin.buffer.read(4096):
                pass
            done.set()
        threading.Thread(target=watch_stdin, daemon=True).start()
    while not done.wait(0.5):
        pass
    # Handler threads may be stuck in a drip or an endless body: leave
    # without waiting for them.
    os._exit(0)


if __name__ == "__main__":
    main()
