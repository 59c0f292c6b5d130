"""Outbound I/O: deliver a built email over SMTP, or write it as a ``.eml`` file.

A :class:`Transport` sends one message to one recipient and raises
:class:`DeliveryError` when it cannot; ``permanent`` says whether trying again
can help (the server refused the recipient or the message for good). The SMTP
password is used for the login only and never appears in an error.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import smtplib
import ssl
import tempfile
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from pathlib import Path
from typing import Any, Protocol

from tracker.errors import AlertError

log = logging.getLogger(__name__)


class DeliveryError(AlertError):
    """A message was not delivered; ``permanent`` when retrying cannot help."""

    def __init__(self, message: str, *, hint: str | None = None, permanent: bool = False) -> None:
        super().__init__(message, hint=hint)
        self.permanent = permanent


class Transport(Protocol):
    """Where messages go. ``describe()`` names it for logs and the CLI."""

    def send(self, message: EmailMessage, recipient: str) -> None: ...

    def close(self) -> None: ...

    def describe(self) -> str: ...


class OutboxTransport:
    """Writes each message to ``folder/<message-id>.eml``, atomically (a temporary
    file renamed into place), so a reader never sees half a message and a message
    written twice is one file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def describe(self) -> str:
        return f"outbox folder {self.folder}"

    def path_for(self, message: EmailMessage) -> Path:
        ident = str(message["Message-ID"] or "message").strip("<>")
        return self.folder / (re.sub(r"[^A-Za-z0-9._-]", "_", ident) + ".eml")

    def send(self, message: EmailMessage, recipient: str) -> None:
        target = self.path_for(message)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as out:
                    out.write(message.as_bytes(policy=SMTP_POLICY))
                    out.flush()
                    os.fsync(out.fileno())
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise DeliveryError(
                f"cannot write {target}: {exc.strerror or exc}",
                hint="check alerts.outbox: the folder must be writable",
            ) from exc
        log.info("alert written to=%s file=%s", recipient, target)

    def close(self) -> None:
        return None


class SmtpTransport:
    """Delivers over SMTP: plain (``none``), ``starttls`` or implicit TLS (``ssl``),
    with an optional login. One connection serves a pass and is reopened after
    an error."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        security: str = "starttls",
        username: str = "",
        password: str = "",
        timeout: float = 30,
        context: ssl.SSLContext | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self._password = password
        self.timeout = timeout
        self.context = context
        self._conn: smtplib.SMTP | None = None

    def __repr__(self) -> str:
        return f"SmtpTransport({self.describe()})"

    def describe(self) -> str:
        user = f"{self.username}@" if self.username else ""
        return f"smtp {self.security} {user}{self.host}:{self.port}"

    def _context(self) -> ssl.SSLContext:
        return self.context or ssl.create_default_context()

    def _connect(self) -> smtplib.SMTP:
        conn: smtplib.SMTP
        if self.security == "ssl":
            conn = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=self._context()
            )
        else:
            conn = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            conn.ehlo()
            if self.security == "starttls":
                conn.starttls(context=self._context())
                conn.ehlo()
            if self.username:
                conn.login(self.username, self._password)
        except BaseException:
            _quietly_close(conn)
            raise
        return conn

    def send(self, message: EmailMessage, recipient: str) -> None:
        try:
            if self._conn is None:
                self._conn = self._connect()
            refused = self._conn.send_message(message, to_addrs=[recipient])
        except smtplib.SMTPAuthenticationError as exc:
            self.close()
            raise DeliveryError(
                f"{self.describe()}: login refused ({exc.smtp_code})",
                hint="check smtp.username and TRACKER_SMTP_PASSWORD",
            ) from None
        except smtplib.SMTPRecipientsRefused as exc:
            self.close()
            codes = [code for code, _ in exc.recipients.values()]
            reply = _reply(codes, exc.recipients)
            raise DeliveryError(
                f"{self.describe()}: recipient {recipient} refused ({reply})",
                hint="check alerts.to",
                permanent=all(500 <= c < 600 for c in codes),
            ) from None
        except smtplib.SMTPResponseException as exc:
            self.close()
            raise DeliveryError(
                f"{self.describe()}: server said {exc.smtp_code} {_text(exc.smtp_error)}",
                permanent=isinstance(exc, smtplib.SMTPDataError) and 500 <= exc.smtp_code < 600,
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            raise DeliveryError(
                f"{self.describe()}: {type(exc).__name__}: {exc}",
                hint="check smtp.host, smtp.port and smtp.security; alerts stay queued",
            ) from None
        if refused:
            raise DeliveryError(f"{self.describe()}: recipient {recipient} refused", permanent=True)
        log.info("alert sent to=%s via=%s", recipient, self.describe())

    def close(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            try:
                conn.quit()
            except (smtplib.SMTPException, OSError):
                _quietly_close(conn)


def _quietly_close(conn: smtplib.SMTP) -> None:
    with contextlib.suppress(OSError):
        conn.close()


def _text(reply: Any) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return " ".join(text.split())[:200]


def _reply(codes: list[int], recipients: dict[str, tuple[int, Any]]) -> str:
    return "; ".join(f"{code} {_text(msg)}" for code, msg in recipients.values()) or str(codes)


def open_transport(config: Any) -> Transport:
    """SMTP when ``smtp.host`` is set, else the outbox folder (relative to the
    configuration file's folder, like sources' paths)."""
    host = str(config["smtp.host"]).strip()
    if host:
        return SmtpTransport(
            host,
            int(config["smtp.port"]),
            security=str(config["smtp.security"]),
            username=str(config["smtp.username"]),
            password=str(config["smtp.password"] or ""),
            timeout=float(config["smtp.timeout"]),
        )
    folder = Path(str(config["alerts.outbox"])).expanduser()
    base = getattr(config, "path", None)
    if base is not None and not folder.is_absolute():
        folder = Path(base).parent / folder
    return OutboxTransport(folder)
