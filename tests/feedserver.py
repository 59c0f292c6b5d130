"""A real HTTP server on 127.0.0.1, port 0, for the feed tests.

Each path is a :class:`Route`: a body with status and headers, honouring
``If-None-Match`` / ``If-Modified-Since`` when it has an ETag or a
Last-Modified, or a behaviour (redirect, slow, endless, gzip bomb). Every
request is logged with its headers and the time it arrived.
"""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str | None = "application/rss+xml; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    gzip: bool = False
    delay: float = 0.0
    endless: bool = False


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    at: float


class FeedServer:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Request] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: object) -> None:
                pass

            def do_GET(self) -> None:
                server.requests.append(
                    Request(self.path, {k.lower(): v for k, v in self.headers.items()}, time.time())
                )
                route = server.routes.get(self.path.split("?")[0])
                if route is None:
                    self._send(404, b"not found", {"Content-Type": "text/plain"})
                    return
                if route.delay:
                    time.sleep(route.delay)
                if route.endless:
                    self._endless(route)
                    return
                if self._not_modified(route):
                    self._send(304, b"", {"ETag": route.etag or ""} if route.etag else {})
                    return
                headers = dict(route.headers)
                if route.content_type:
                    headers["Content-Type"] = route.content_type
                if route.etag:
                    headers["ETag"] = route.etag
                if route.last_modified:
                    headers["Last-Modified"] = route.last_modified
                body = route.body
                if route.gzip:
                    body = gzip.compress(body)
                    headers["Content-Encoding"] = "gzip"
                self._send(route.status, body, headers)

            def _not_modified(self, route: Route) -> bool:
                inm = self.headers.get("If-None-Match")
                ims = self.headers.get("If-Modified-Since")
                if route.etag and inm:
                    return inm == route.etag
                return bool(route.last_modified and ims == route.last_modified)

            def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                if status != 304:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if status != 304:
                    self.wfile.write(body)

            def _endless(self, route: Route) -> None:
                self.send_response(200)
                self.send_header("Content-Type", route.content_type or "application/xml")
                self.send_header("Connection", "close")
                self.end_headers()
                chunk = b"<item><title>more</title></item>" * 2000
                try:
                    for _ in range(20_000):  # stops at 1.3 GB even if nobody hangs up
                        self.wfile.write(chunk)
                except OSError:
                    pass
                self.close_connection = True

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        # A client that hangs up on purpose (timeouts, size caps) is no error here.
        self.httpd.handle_error = lambda *_args: None  # type: ignore[method-assign]
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    def add(self, path: str, body: bytes | str = b"", **options: object) -> str:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.routes[path] = Route(data, **options)  # type: ignore[arg-type]
        return self.url(path)

    def redirect(self, path: str, to: str, status: int = 301) -> str:
        return self.add(path, status=status, content_type=None, headers={"Location": to})

    def hits(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path.split("?")[0] == path]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def serve_feeds() -> Iterator[FeedServer]:
    """The body of a test module's ``feed_server`` fixture."""
    server = FeedServer()
    try:
        yield server
    finally:
        server.close()


def rss(*items: tuple[str, str, str], title: str = "Test feed", extra: str = "") -> str:
    """An RSS 2.0 document of (title, link, description) items, guid = link."""
    body = "".join(
        f"<item><title>{t}</title><link>{link}</link><guid>{link}</guid>"
        f"<description>{d}</description><pubDate>Mon, 23 Nov 2026 10:00:00 GMT</pubDate></item>"
        for t, link, d in items
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}'
        f"</title><link>https://example.com/</link>{extra}{body}</channel></rss>"
    )
