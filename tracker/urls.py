"""URLs as identities and as things printed. Pure: strings in, strings out.

A canonical URL is the key under which the same article is recognised in two
feeds: scheme and host lower-cased, default ports, user names, fragments and
tracking parameters (``utm_*`` and a few click ids) dropped, the remaining query
kept in its order (order can matter to the server). Nothing is fetched or
resolved here.
"""

from __future__ import annotations

from urllib.parse import SplitResult, quote, urljoin, urlsplit, urlunsplit

HTTP_SCHEMES = frozenset({"http", "https"})
_DEFAULT_PORTS = {"http": 80, "https": 443}
_TRACKING_PARAMS = frozenset({"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid"})


def is_http_url(value: str) -> bool:
    """True for an absolute http(s) URL with a host."""
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in HTTP_SCHEMES and bool(parts.hostname)


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered.startswith("utm_") or lowered in _TRACKING_PARAMS


def _netloc(parts: SplitResult) -> str:
    host = (parts.hostname or "").lower().rstrip(".")
    if ":" in host:  # an IPv6 literal
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is not None and port != _DEFAULT_PORTS.get(parts.scheme.lower()):
        return f"{host}:{port}"
    return host


def canonical_url(url: str, base: str | None = None) -> str | None:
    """The canonical form of ``url`` (resolved against ``base``), or None when it
    is not an http(s) URL."""
    url = url.strip()
    if not url:
        return None
    try:
        if base:
            url = urljoin(base, url)
        parts = urlsplit(url)
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in HTTP_SCHEMES or not parts.hostname:
        return None
    # Parameters are kept as written (not decoded and re-encoded): servers differ
    # on "+" versus "%20" and on "?a" versus "?a=".
    query = "&".join(
        p for p in parts.query.split("&") if p and not _is_tracking(p.split("=", 1)[0])
    )
    path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~")
    return urlunsplit((scheme, _netloc(parts), path, query, ""))


def redact(url: str) -> str:
    """``url`` fit to print: a password in it is replaced by ``***``."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def host_key(url: str) -> str:
    """The host that politeness limits apply to (lower case, no port)."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""
