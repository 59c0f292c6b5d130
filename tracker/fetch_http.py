"""HTTP GET for feeds and article pages: the network edge of the pipeline.

Every request is bounded: connect and read timeouts, an overall deadline, a
cap on the body's size after decompression (so neither an endless response nor
a gzip bomb fills memory), at most five redirects, only http and https, and
optionally no private, loopback or link-local addresses (checked on every hop).
Requests to one host are limited in number and spaced in time by a
:class:`HostGate` shared by all threads. Conditional headers (ETag,
Last-Modified) are sent when known; a 304 is an answer, not an error.

Failures are :class:`HttpError` (a :class:`FetchError`), marked transient or
not, so the caller can back off accordingly. URLs in messages are redacted.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

import httpx

from tracker import __version__
from tracker.errors import FetchError
from tracker.politeness import host_wait
from tracker.urls import host_key, is_http_url, redact

USER_AGENT = f"tracker/{__version__} (news feed reader; +https://pypi.org/project/tracker/)"
FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
MAX_REDIRECTS = 5
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_PERMANENT = frozenset({301, 308})
# Statuses worth retrying soon: the server is busy, down or asks us to wait.
_TRANSIENT_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


class HttpError(FetchError):
    """A request that did not return a usable answer."""

    def __init__(
        self,
        url: str,
        message: str,
        *,
        transient: bool,
        status: int | None = None,
        retry_after: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(redact(url), message, hint=hint)
        self.transient = transient
        self.status = status
        self.retry_after = retry_after

    @property
    def gone(self) -> bool:
        """The server says the resource is gone for good (410)."""
        return self.status == 410


@dataclass(frozen=True, slots=True)
class HttpSettings:
    timeout: float = 20.0
    deadline: float = 120.0
    max_bytes: int = 20_000_000
    per_host: int = 2
    host_delay: float = 1.0
    allow_private: bool = True
    user_agent: str = USER_AGENT

    @classmethod
    def from_config(cls, config: Any) -> HttpSettings:
        return cls(
            timeout=config["feeds.timeout"],
            deadline=config["feeds.deadline"],
            max_bytes=int(config["feeds.max_response_mb"] * 1_000_000),
            per_host=config["feeds.per_host"],
            host_delay=config["feeds.host_delay"],
            allow_private=config["feeds.allow_private"],
        )


@dataclass(frozen=True, slots=True)
class Response:
    """A 200 (with its body) or a 304 (without)."""

    status: int
    url: str
    body: bytes = b""
    moved_to: str | None = None  # the new address when every redirect was permanent
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    cache_control: str | None = None
    retry_after: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


class HostGate:
    """At most ``per_host`` requests at a time to one host, their starts at
    least ``delay`` seconds apart. Shared by threads."""

    def __init__(
        self,
        per_host: int,
        delay: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._per_host = per_host
        self._delay = delay
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._slots: dict[str, threading.Semaphore] = {}
        self._last: dict[str, float] = {}

    @contextmanager
    def slot(self, host: str) -> Iterator[None]:
        with self._lock:
            semaphore = self._slots.setdefault(host, threading.Semaphore(self._per_host))
        with semaphore:
            with self._lock:
                now = self._clock()
                wait = host_wait(self._last.get(host), now, self._delay)
                self._last[host] = now + wait
            if wait:
                self._sleep(wait)
            yield


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def check_public(url: str) -> None:
    """Refuse a URL whose host resolves to a private or local address."""
    parsed = httpx.URL(url)
    try:
        infos = socket.getaddrinfo(parsed.host, parsed.port or 443, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise HttpError(url, f"cannot resolve {parsed.host}: {exc}", transient=True) from None
    private = sorted({str(i[4][0]) for i in infos if not _is_public(str(i[4][0]))})
    if private:
        raise HttpError(
            url,
            f"refused: {parsed.host} resolves to a private or local address ({private[0]})",
            transient=False,
            hint="set feeds.allow_private = true to read feeds on your own network",
        )


class Fetcher:
    """One HTTP client for a whole poll, shared by its threads."""

    def __init__(self, settings: HttpSettings, *, pool_size: int = 10) -> None:
        self.settings = settings
        self.gate = HostGate(settings.per_host, settings.host_delay)
        self._client = httpx.Client(
            timeout=httpx.Timeout(settings.timeout),
            follow_redirects=False,
            headers={"User-Agent": settings.user_agent},
            limits=httpx.Limits(max_connections=pool_size, max_keepalive_connections=pool_size),
            trust_env=False,
        )

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def get(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str = FEED_ACCEPT,
    ) -> Response:
        """GET ``url``, following redirects; a 304 when the validators still hold."""
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        started = time.monotonic()
        permanent = True
        current = url
        for _hop in range(MAX_REDIRECTS + 1):
            if not is_http_url(current):
                raise HttpError(
                    url, f"refused: {redact(current)} is not an http(s) URL", transient=False
                )
            if not self.settings.allow_private:
                check_public(current)
            with self.gate.slot(host_key(current)):
                outcome = self._request(current, headers, started)
            if isinstance(outcome, Response):
                moved = outcome.url if permanent and outcome.url != url else None
                return _replace_moved(outcome, moved)
            status, location = outcome
            permanent = permanent and status in _PERMANENT
            current = str(httpx.URL(current).join(location))
        raise HttpError(url, f"more than {MAX_REDIRECTS} redirects", transient=False)

    def _request(
        self, url: str, headers: dict[str, str], started: float
    ) -> Response | tuple[int, str]:
        try:
            with self._client.stream("GET", url, headers=headers) as resp:
                status = resp.status_code
                if status in _REDIRECTS and resp.headers.get("location"):
                    return status, resp.headers["location"]
                if status == 304:
                    return _response(resp, url, b"")
                if not 200 <= status < 300:
                    raise _status_error(url, resp)
                return _response(resp, url, self._read(url, resp, started))
        except httpx.TimeoutException as exc:
            raise HttpError(
                url,
                f"timed out ({type(exc).__name__}, limit {self.settings.timeout:g}s)",
                transient=True,
            ) from exc
        except httpx.DecodingError as exc:
            raise HttpError(url, f"undecodable response: {exc}", transient=False) from exc
        except httpx.TransportError as exc:
            raise HttpError(url, f"cannot connect: {exc}", transient=True) from exc
        except httpx.InvalidURL as exc:
            raise HttpError(url, f"invalid URL: {exc}", transient=False) from exc

    def _read(self, url: str, resp: httpx.Response, started: float) -> bytes:
        limit = self.settings.max_bytes
        declared = resp.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise _oversize(url, limit, f"declares {int(declared) / 1e6:.1f} MB")
        chunks: list[bytes] = []
        size = 0
        for chunk in resp.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise _oversize(url, limit, "is larger")
            if time.monotonic() - started > self.settings.deadline:
                raise HttpError(
                    url,
                    f"still downloading after {self.settings.deadline:g}s; cut off",
                    transient=True,
                )
            chunks.append(chunk)
        return b"".join(chunks)


def _oversize(url: str, limit: int, what: str) -> HttpError:
    return HttpError(
        url,
        f"response {what} than the limit of {limit / 1e6:g} MB; cut off",
        transient=False,
        hint="raise feeds.max_response_mb if the feed is really that large",
    )


def _status_error(url: str, resp: httpx.Response) -> HttpError:
    status = resp.status_code
    phrase = resp.reason_phrase or ""
    hint = None
    if status == 410:
        hint = "the server says the feed is gone for good; the source is disabled"
    elif status in (401, 403):
        hint = "the feed needs credentials or refuses tracker"
    elif status == 404:
        hint = "check the URL"
    return HttpError(
        url,
        f"HTTP {status} {phrase}".rstrip(),
        transient=status in _TRANSIENT_STATUSES,
        status=status,
        retry_after=resp.headers.get("retry-after"),
        hint=hint,
    )


def _response(resp: httpx.Response, url: str, body: bytes) -> Response:
    h = resp.headers
    return Response(
        status=resp.status_code,
        url=url,
        body=body,
        content_type=h.get("content-type"),
        etag=h.get("etag"),
        last_modified=h.get("last-modified"),
        cache_control=h.get("cache-control"),
        retry_after=h.get("retry-after"),
    )


def _replace_moved(resp: Response, moved: str | None) -> Response:
    return resp if moved is None else replace(resp, moved_to=moved)
