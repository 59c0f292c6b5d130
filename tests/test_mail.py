"""Transports against a real SMTP server (aiosmtpd on a loopback port) and a real
outbox folder: plain, STARTTLS and implicit TLS, login, refusals, a server down."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from smtpserver import SmtpServer, client_context, self_signed

from tracker.config import load_config
from tracker.mail import DeliveryError, OutboxTransport, SmtpTransport, open_transport

SECRET = "s3cret-Pa55"


def message(ident: str = "<tracker.event.1.abc@localhost>") -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = "European Parliament: call for an antitrust inquiry — Microsoft / Mistral AI"
    msg["From"] = "tracker@example.org"
    msg["To"] = "analyst@example.org"
    msg["Message-ID"] = ident
    msg.set_content("body ünïcode €15M\n")
    return msg


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


def test_plain_smtp_delivers_to_the_envelope_recipient(smtp: SmtpServer) -> None:
    transport = SmtpTransport("127.0.0.1", smtp.port, security="none", timeout=5)
    try:
        transport.send(message(), "analyst@example.org")
        transport.send(message("<tracker.event.2.abc@localhost>"), "other@example.org")
    finally:
        transport.close()
    got = smtp.received
    assert [r.rcpt_tos for r in got] == [["analyst@example.org"], ["other@example.org"]]
    assert got[0].mail_from == "tracker@example.org"
    assert got[0].message["Message-ID"] == "<tracker.event.1.abc@localhost>"
    assert "€15M" in got[0].message.get_content()


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_tls_with_login(tls: tuple[Path, Path], security: str) -> None:
    with SmtpServer(security=security, tls=tls, users={"tracker": SECRET}) as smtp:
        transport = SmtpTransport(
            "127.0.0.1",
            smtp.port,
            security=security,
            username="tracker",
            password=SECRET,
            timeout=5,
            context=client_context(tls[0]),
        )
        transport.send(message(), "analyst@example.org")
        transport.close()
        assert len(smtp.messages) == 1

        wrong = SmtpTransport(
            "127.0.0.1",
            smtp.port,
            security=security,
            username="tracker",
            password="not-" + SECRET,
            timeout=5,
            context=client_context(tls[0]),
        )
        with pytest.raises(DeliveryError) as caught:
            wrong.send(message(), "analyst@example.org")
        assert "login refused" in str(caught.value)
        assert SECRET not in str(caught.value) and SECRET not in repr(wrong)
        assert not caught.value.permanent
        assert len(smtp.messages) == 1


def test_starttls_refuses_a_certificate_it_cannot_verify(tls: tuple[Path, Path]) -> None:
    with SmtpServer(security="starttls", tls=tls) as smtp:
        transport = SmtpTransport("127.0.0.1", smtp.port, security="starttls", timeout=5)
        with pytest.raises(DeliveryError, match="CERTIFICATE_VERIFY_FAILED"):
            transport.send(message(), "analyst@example.org")
        assert smtp.messages == []


@pytest.mark.parametrize(
    ("setup", "permanent", "words"),
    [
        (lambda s: s.refuse("analyst@example.org"), True, "550"),
        (lambda s: s.defer(1), False, "451"),
    ],
    ids=["recipient-refused-5xx", "deferred-4xx"],
)
def test_refusals_say_whether_to_retry(
    smtp: SmtpServer, setup: object, permanent: bool, words: str
) -> None:
    setup(smtp)  # type: ignore[operator]
    transport = SmtpTransport("127.0.0.1", smtp.port, security="none", timeout=5)
    with pytest.raises(DeliveryError) as caught:
        transport.send(message(), "analyst@example.org")
    assert caught.value.permanent is permanent
    assert words in str(caught.value)
    transport.close()


def test_server_down_then_back_on_the_same_port(smtp: SmtpServer) -> None:
    port = smtp.port
    smtp.stop()
    transport = SmtpTransport("127.0.0.1", port, security="none", timeout=5)
    with pytest.raises(DeliveryError) as caught:
        transport.send(message(), "analyst@example.org")
    assert f"127.0.0.1:{port}" in str(caught.value) and not caught.value.permanent
    smtp.start()
    assert smtp.port == port
    transport.send(message(), "analyst@example.org")
    transport.close()
    assert len(smtp.messages) == 1


def test_outbox_writes_one_file_per_message_id_atomically(tmp_path: Path) -> None:
    outbox = OutboxTransport(tmp_path / "outbox")
    outbox.send(message(), "analyst@example.org")
    outbox.send(message(), "analyst@example.org")
    files = sorted(p.name for p in (tmp_path / "outbox").iterdir())
    assert files == ["tracker.event.1.abc_localhost.eml"]
    data = (tmp_path / "outbox" / files[0]).read_bytes()
    assert b"\r\n" in data and b"Message-ID: <tracker.event.1.abc@localhost>" in data


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to read-only folders")
def test_outbox_that_cannot_be_written_is_a_delivery_error(tmp_path: Path) -> None:
    folder = tmp_path / "outbox"
    folder.mkdir()
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        with pytest.raises(DeliveryError, match=r"alerts\.outbox"):
            OutboxTransport(folder).send(message(), "analyst@example.org")
    finally:
        folder.chmod(stat.S_IRWXU)


def test_outbox_below_a_file_is_a_delivery_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(DeliveryError, match=r"alerts\.outbox"):
        OutboxTransport(tmp_path / "file" / "outbox").send(message(), "analyst@example.org")
    assert [p.name for p in tmp_path.iterdir()] == ["file"]


def test_open_transport_follows_the_config(tmp_path: Path) -> None:
    config_file = tmp_path / "config.toml"
    config_file.write_text('[alerts]\noutbox = "mail/out"\n')
    outbox = open_transport(load_config(config_file, environ={}))
    assert isinstance(outbox, OutboxTransport) and outbox.folder == tmp_path / "mail" / "out"
    smtp = open_transport(
        load_config(
            config_file,
            environ={
                "TRACKER_SMTP_HOST": "mail.example.org",
                "TRACKER_SMTP_SECURITY": "ssl",
                "TRACKER_SMTP_PORT": "465",
                "TRACKER_SMTP_USERNAME": "me",
                "TRACKER_SMTP_PASSWORD": SECRET,
            },
        )
    )
    assert isinstance(smtp, SmtpTransport)
    assert smtp.describe() == "smtp ssl me@mail.example.org:465"
    assert SECRET not in repr(smtp) and SECRET not in smtp.describe()
