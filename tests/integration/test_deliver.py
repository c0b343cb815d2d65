"""Sending over SMTP to real servers: TLS, STARTTLS, AUTH, and servers that misbehave.
Waits between tries are recorded, never slept: `sleep=waits.append`."""

from __future__ import annotations

import email
import time
from datetime import UTC, datetime
from email import policy
from pathlib import Path

import pytest

from flows.deliver.message import build_message, stable_message_id
from flows.deliver.transports import (
    PermanentDeliveryError,
    SmtpSender,
    TemporaryDeliveryError,
    write_outbox,
)
from flows.records import RenderedDigest
from flows.settings import SmtpSettings
from tests.support.smtp_servers import (
    PASSWORD,
    USER,
    Certificates,
    Inbox,
    certificates,
    smtp_server,
)

RENDERED = RenderedDigest("2025-W43", "Weekly digest 2025-W43: Talks in Kuala Lumpur",
                          "<html><body><p>Talks — in Kuala Lumpur</p></body></html>",
                          "Talks — in Kuala Lumpur\n", "Talks")  # fmt: skip


def message(to: str) -> email.message.EmailMessage:
    return build_message(
        RENDERED, sender="Digest <digest@example.org>", reply_to="editor@example.org",
        recipient=to, message_id=stable_message_id("2025-W43", to, "example.org"),
        date=datetime(2025, 10, 27, 7, tzinfo=UTC), list_id="Weekly digest <digest.example.org>",
        unsubscribe_mailto="mailto:digest@example.org?subject=unsubscribe",
        unsubscribe_url="https://digest.example.org/unsubscribe?token=abc",
    )  # fmt: skip


@pytest.fixture(scope="module")
def certs() -> Certificates:
    return certificates()


def settings(port: int, security: str, auth: bool = False) -> SmtpSettings:
    user, password = (USER, PASSWORD) if auth else ("", "")
    return SmtpSettings(host="127.0.0.1", port=port, security=security, timeout=10,
                        username=user, password=password)  # fmt: skip


@pytest.mark.parametrize(("security", "auth"), [("none", False), ("starttls", True), ("tls", True)])
def test_one_connection_carries_every_recipient(
    security: str, auth: bool, certs: Certificates
) -> None:
    inbox = Inbox()
    with smtp_server(inbox, security=security, auth=auth, certs=certs) as port:
        before_data: list[str] = []
        with SmtpSender(settings(port, security, auth), ssl_context=certs.client) as sender:
            for to in ("ana@example.org", "bo@example.org"):
                sender.send(message(to), to, before_data=lambda t=to: before_data.append(t))
    assert before_data == ["ana@example.org", "bo@example.org"]
    assert [rcpt for rcpt, _ in inbox.messages] == [["ana@example.org"], ["bo@example.org"]]
    arrived = email.message_from_bytes(inbox.messages[0][1], policy=policy.default)
    assert arrived["Subject"] == RENDERED.subject
    assert arrived["Message-ID"] == stable_message_id("2025-W43", "ana@example.org", "example.org")
    assert arrived["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert arrived.get_body(("plain",)).get_content().strip() == "Talks — in Kuala Lumpur"
    assert "Talks — in Kuala Lumpur" in arrived.get_body(("html",)).get_content()


def test_a_wrong_password_is_a_permanent_failure_without_the_password(certs: Certificates) -> None:
    with smtp_server(Inbox(), security="starttls", auth=True, certs=certs) as port:
        wrong = SmtpSettings(host="127.0.0.1", port=port, security="starttls", timeout=10,
                             username=USER, password="not-the-password")  # fmt: skip
        with pytest.raises(PermanentDeliveryError, match="login refused") as caught:
            SmtpSender(wrong, ssl_context=certs.client).__enter__()
    assert "not-the-password" not in str(caught.value)


def sender(port: int, security: str, waits: list[float], **kwargs: object) -> SmtpSender:
    return SmtpSender(settings(port, security), sleep=waits.append, **kwargs)  # type: ignore[arg-type]


def test_a_451_is_retried_after_a_wait_and_arrives_once() -> None:
    inbox, waits = Inbox(script=["451 4.7.1 try again later"]), []
    with smtp_server(inbox) as port, sender(port, "none", waits) as smtp:
        smtp.send(message("ana@example.org"), "ana@example.org")
    assert len(inbox.messages) == 1
    assert waits == [1.0]


def test_a_4xx_every_time_is_tried_three_times_with_growing_waits() -> None:
    inbox, waits = Inbox(script=["452 4.3.1 mailbox full"] * 5), []
    with (
        smtp_server(inbox) as port,
        sender(port, "none", waits, backoff=(5, 30)) as smtp,
        pytest.raises(TemporaryDeliveryError, match=r"127\.0\.0\.1:\d+: .*452 4\.3\.1"),
    ):
        smtp.send(message("ana@example.org"), "ana@example.org")
    assert waits == [5, 30] and inbox.script == ["452 4.3.1 mailbox full"] * 2


def test_a_535_fails_at_once_naming_the_server() -> None:
    waits: list[float] = []
    with smtp_server(Inbox(), auth=True) as port:
        wrong = SmtpSettings(host="127.0.0.1", port=port, security="none", timeout=10,
                             username=USER, password="not-the-password")  # fmt: skip
        started = time.monotonic()
        with pytest.raises(PermanentDeliveryError) as caught:
            SmtpSender(wrong, sleep=waits.append).__enter__()
    assert time.monotonic() - started < 2 and waits == []
    assert str(caught.value) == (
        f"127.0.0.1:{port}: login refused: 535 5.7.8 Authentication credentials invalid"
    )


def test_a_server_without_starttls_fails_at_once_and_nothing_goes_in_clear() -> None:
    inbox, waits = Inbox(), []
    with smtp_server(inbox, security="none") as port:
        started = time.monotonic()
        with pytest.raises(PermanentDeliveryError, match="does not offer STARTTLS") as caught:
            sender(port, "starttls", waits).__enter__()
    assert time.monotonic() - started < 2 and waits == []
    assert f"127.0.0.1:{port}" in str(caught.value) and inbox.messages == []


def test_a_certificate_not_trusted_fails_at_once(certs: Certificates) -> None:
    waits: list[float] = []
    with (
        smtp_server(Inbox(), security="tls", certs=certs) as port,
        pytest.raises(PermanentDeliveryError, match="certificate not trusted") as caught,
    ):
        sender(port, "tls", waits).__enter__()  # the system's CAs, not the test's
    assert f"127.0.0.1:{port}" in str(caught.value) and waits == []


def test_a_550_fails_that_recipient_and_the_others_still_get_theirs() -> None:
    inbox = Inbox(refuse={"gone@example.org"})
    with smtp_server(inbox) as port, SmtpSender(settings(port, "none")) as sender:
        sender.send(message("ana@example.org"), "ana@example.org")
        with pytest.raises(PermanentDeliveryError, match=r"550 5\.1\.1 <gone@example\.org>"):
            sender.send(message("gone@example.org"), "gone@example.org")
        sender.send(message("bo@example.org"), "bo@example.org")
    assert [rcpt for rcpt, _ in inbox.messages] == [["ana@example.org"], ["bo@example.org"]]


def test_a_connection_dropped_after_data_is_retried_on_a_new_one() -> None:
    inbox, waits = Inbox(drop_after_data=1), []
    with smtp_server(inbox) as port, sender(port, "none", waits) as smtp:
        smtp.send(message("ana@example.org"), "ana@example.org")
        smtp.send(message("bo@example.org"), "bo@example.org")
    assert [rcpt for rcpt, _ in inbox.messages] == [["ana@example.org"], ["bo@example.org"]]
    assert waits == [1.0]


def test_a_server_that_keeps_dropping_is_a_temporary_failure() -> None:
    inbox, waits = Inbox(drop_after_data=10), []
    with (
        smtp_server(inbox) as port,
        sender(port, "none", waits) as smtp,
        pytest.raises(TemporaryDeliveryError, match=r"ana@example\.org"),
    ):
        smtp.send(message("ana@example.org"), "ana@example.org")
    assert inbox.messages == [] and waits == [1.0, 2.0]


def test_a_server_gone_mid_run_fails_the_rest_without_waiting_for_each() -> None:
    inbox, waits = Inbox(), []
    with smtp_server(inbox) as port:
        smtp = sender(port, "none", waits).__enter__()
        smtp.send(message("ana@example.org"), "ana@example.org")
    # The server has stopped: bo is tried through the waits, cy is not tried at all.
    with pytest.raises(TemporaryDeliveryError, match=rf"127\.0\.0\.1:{port}: cannot connect"):
        smtp.send(message("bo@example.org"), "bo@example.org")
    assert waits == [1.0, 2.0]
    with pytest.raises(TemporaryDeliveryError, match=r"cy@example\.org: not tried: 127"):
        smtp.send(message("cy@example.org"), "cy@example.org")
    assert waits == [1.0, 2.0] and [r for r, _ in inbox.messages] == [["ana@example.org"]]
    smtp.__exit__()


def test_nobody_listening_is_a_temporary_failure_tried_again() -> None:
    from tests.support.smtp_servers import free_port

    waits: list[float] = []
    port = free_port()
    with pytest.raises(TemporaryDeliveryError, match=rf"127\.0\.0\.1:{port}: cannot connect"):
        sender(port, "none", waits).__enter__()
    assert waits == [1.0, 2.0]


def test_the_outbox_file_is_the_message(tmp_path: Path) -> None:
    path = write_outbox(message("ana@example.org"), tmp_path, "2025-W43_ana@example.org")
    assert path.name == "2025-W43_ana@example.org.eml"
    parsed = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert parsed["To"] == "ana@example.org"
    assert [p for p in tmp_path.iterdir()] == [path]  # no temporary file left behind


def test_headers_outside_ascii_are_encoded_words() -> None:
    rendered = RenderedDigest("2025-W43", "Digest 2025-W43: Zürich — café talks", "<p>x</p>",
                              "x\n", "x")  # fmt: skip
    built = build_message(
        rendered, sender="Dïgest <digest@example.org>", reply_to="r@example.org",
        recipient="ana@example.org", message_id="<m@example.org>",
        date=datetime(2025, 10, 27, tzinfo=UTC), list_id="l <l.example.org>",
    )  # fmt: skip
    headers = bytes(built).split(b"\n\n")[0]
    assert b"=?utf-8?" in headers and not any(byte > 127 for byte in headers)
    parsed = email.message_from_bytes(bytes(built), policy=policy.default)
    assert parsed["Subject"] == "Digest 2025-W43: Zürich — café talks"
    assert parsed["From"].addresses[0].display_name == "Dïgest"
