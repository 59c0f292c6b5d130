"""A real SMTP server for tests: aiosmtpd on a free loopback port, capturing what
it accepts. It can be stopped and started again on the same port (a server that
is down for a while), refuse recipients, answer 4xx to the next messages, and
speak STARTTLS or implicit TLS with a login."""

from __future__ import annotations

import shutil
import ssl
import subprocess
import threading
from collections.abc import Awaitable
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = message_from_bytes(self.data, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class _Handler:
    received: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    defer_next: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            if self.defer_next > 0:
                self.defer_next -= 1
                return "451 4.3.0 try again later"
            self.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
            )
        return "250 OK"


class _Controller(Controller):
    """aiosmtpd's controller, learning its port when asked for port 0."""

    def _create_server(self) -> Awaitable[Any]:
        create = super()._create_server()

        async def bound() -> Any:
            server = await create
            self.port = server.sockets[0].getsockname()[1]
            return server

        return bound()


class SmtpServer:
    """``with SmtpServer() as smtp:`` ... ``smtp.messages``."""

    def __init__(
        self,
        *,
        security: str = "none",
        tls: tuple[Path, Path] | None = None,
        users: dict[str, str] | None = None,
    ) -> None:
        self.security = security
        self.tls = tls
        self.users = users
        self.handler = _Handler()
        self.port = 0
        self._controller: _Controller | None = None

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        ok = (
            isinstance(data, LoginPassword)
            and self.users is not None
            and self.users.get(data.login.decode()) == data.password.decode()
        )
        return AuthResult(success=ok, handled=False)

    def _server_context(self) -> ssl.SSLContext:
        assert self.tls is not None, "give tls=(cert, key) for starttls or ssl"
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(*self.tls)
        return context

    def start(self) -> SmtpServer:
        kwargs: dict[str, Any] = {}
        if self.security == "starttls":
            kwargs.update(tls_context=self._server_context(), require_starttls=True)
        if self.security == "ssl":
            kwargs["ssl_context"] = self._server_context()
        if self.users is not None:
            kwargs.update(
                authenticator=self._authenticate,
                auth_required=True,
                # aiosmtpd counts only STARTTLS as TLS; implicit TLS is TLS all along
                auth_require_tls=self.security == "starttls",
            )
        self._controller = _Controller(self.handler, hostname="127.0.0.1", port=self.port, **kwargs)
        self._controller.start()
        self.port = self._controller.port
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def received(self) -> list[Received]:
        return list(self.handler.received)

    @property
    def messages(self) -> list[EmailMessage]:
        return [r.message for r in self.received]

    def refuse(self, *addresses: str) -> None:
        self.handler.refuse.update(addresses)

    def defer(self, count: int) -> None:
        """Answer 451 to the next ``count`` messages."""
        self.handler.defer_next = count


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost, and its key (made with openssl)."""
    if shutil.which("openssl") is None:
        import pytest

        pytest.skip("openssl is needed to make a test certificate")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def client_context(cert: Path) -> ssl.SSLContext:
    """A client context that trusts only the test certificate."""
    return ssl.create_default_context(cafile=str(cert))
