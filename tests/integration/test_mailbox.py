"""Newsletters by email: Maildir, mbox, .eml folders and a real IMAP server (Dovecot)."""

from __future__ import annotations

import mailbox
import os
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from flows.normalise.documents import normalise_items
from flows.records import SourceError
from flows.sources.mailbox import (
    message_to_item,
    read_eml_folder,
    read_imap,
    read_maildir,
    read_mbox,
)
from flows.sources.tracking import strip_tracking
from tests.support.imap_server import PASSWORD, USER, can_run, imap_server

NOW = datetime(2025, 10, 27, 7, tzinfo=UTC)


def multipart() -> bytes:
    message = EmailMessage()
    message["From"] = "Harbour Weekly <editor@harbour.example>"
    message["List-Id"] = '"Harbour Weekly" <weekly.harbour.example>'
    message["Subject"] = "Bridge opens, ferries end"
    message["Date"] = "Fri, 24 Oct 2025 09:30:00 +0200"
    message["Message-ID"] = "<issue-42@harbour.example>"
    message.set_content("The bridge opened on Friday.\n")
    message.add_alternative(
        "<html><body><p>The bridge opened on <b>Friday</b>.</p>"
        '<p><a href="https://click.harbour.example/c?u=https%3A%2F%2Fharbour.example%2Fbridge">'
        "Read more</a></p>"
        '<img src="https://t.harbour.example/open/42.gif" width="1" height="1" alt="">'
        "</body></html>",
        subtype="html",
    )
    return bytes(message)


def text_only() -> bytes:
    message = EmailMessage()
    message["From"] = "rail@trains.example"
    message["Subject"] = "Night trains"
    message["Date"] = "Thu, 23 Oct 2025 08:00:00 +0000"
    message["Message-ID"] = "<rail-7@trains.example>"
    message.set_content("Night trains return in December.\n")
    return bytes(message)


def latin1_quoted_printable() -> bytes:
    return (
        "From: =?iso-8859-1?q?Caf=E9_Z=FCrich?= <cafe@zurich.example>\r\n"
        "Subject: =?iso-8859-1?q?Cr=E8me_br=FBl=E9e?=\r\n"
        "Date: Wed, 22 Oct 2025 12:00:00 +0200\r\n"
        "Message-ID: <cafe-1@zurich.example>\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=iso-8859-1\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        "Le caf=E9 de Z=FCrich sert une cr=E8me br=FBl=E9e depuis lundi.\r\n"
    ).encode("ascii")


MESSAGES = [multipart(), text_only(), latin1_quoted_printable()]


def test_a_multipart_newsletter_uses_its_html_without_tracking() -> None:
    item = message_to_item("mail", MESSAGES[0], NOW)
    assert (item.identity, item.publisher, item.title) == (
        "<issue-42@harbour.example>", "Harbour Weekly", "Bridge opens, ferries end")  # fmt: skip
    assert item.published_at == datetime(2025, 10, 24, 7, 30, tzinfo=UTC)
    assert item.date_how == "header" and item.content_type == "text/html"
    body = item.body.decode()
    assert "t.harbour.example" not in body  # the pixel is gone
    assert 'href="https://harbour.example/bridge"' in body  # the redirect unwrapped


def test_a_text_only_message_and_the_sender_as_name() -> None:
    item = message_to_item("mail", MESSAGES[1], NOW)
    assert (item.content_type, item.publisher) == ("text/plain", "rail@trains.example")


def test_quoted_printable_latin1_comes_out_right() -> None:
    item = message_to_item("mail", MESSAGES[2], NOW)
    assert item.title == "Crème brûlée" and item.publisher == "Café Zürich"
    [doc], _ = normalise_items([item], {}, ZoneInfo("UTC"))
    assert "Le café de Zürich sert une crème brûlée depuis lundi." in doc.text


def test_maildir_mbox_and_eml_folders_give_the_same_items(tmp_path: Path) -> None:
    maildir = mailbox.Maildir(tmp_path / "Maildir", create=True)
    mbox = mailbox.mbox(tmp_path / "news.mbox", create=True)
    (tmp_path / "eml").mkdir()
    for number, raw in enumerate(MESSAGES):
        maildir.add(raw)
        mbox.add(raw)
        (tmp_path / "eml" / f"{number}.eml").write_bytes(raw)
    mbox.flush()
    expected = {"<issue-42@harbour.example>", "<rail-7@trains.example>", "<cafe-1@zurich.example>"}
    for items, failures in (read_maildir("m", tmp_path / "Maildir", NOW),
                            read_mbox("m", tmp_path / "news.mbox", NOW),
                            read_eml_folder("m", tmp_path / "eml", NOW)):  # fmt: skip
        assert {i.identity for i in items} == expected and not failures


def test_a_wrong_path_names_the_source(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"m: .* is not a Maildir"):
        read_maildir("m", tmp_path, NOW)
    with pytest.raises(SourceError, match="not an mbox file"):
        read_mbox("m", tmp_path / "none.mbox", NOW)


def test_tracking_pixels_and_redirects() -> None:
    html = (
        '<img src="https://x.example/logo.png" alt="Logo" width="120">'
        '<img src="https://x.example/p.gif" style="display: none" alt="">'
        '<a href="https://links.example/track?id=9">Offer</a>'
        '<a href="https://r.example/?redirect=https://real.example/a">Article</a>'
    )
    cleaned = strip_tracking(html)
    assert "logo.png" in cleaned and "p.gif" not in cleaned
    assert "links.example" not in cleaned and "Offer" in cleaned
    assert 'href="https://real.example/a"' in cleaned


@pytest.fixture
def imap():  # type: ignore[no-untyped-def]
    reason = can_run()
    if reason:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    with imap_server() as server:
        yield server


def test_imap_over_tls_reads_and_marks_read(imap) -> None:  # type: ignore[no-untyped-def]
    for number, raw in enumerate(MESSAGES):
        imap.deliver(f"{number}.eml", raw)

    def read(mark_read: bool) -> list[str]:
        items, _ = read_imap("inbox", host="127.0.0.1", port=imap.port, user=USER,
                          password=PASSWORD, now=NOW, mark_read=mark_read,
                          ssl_context=imap.client_context)  # fmt: skip
        return sorted(i.identity for i in items)

    assert len(read(mark_read=False)) == 3
    assert len(read(mark_read=False)) == 3  # reading without marking changes nothing
    assert len(read(mark_read=True)) == 3
    assert read(mark_read=True) == []  # all read now
    imap.deliver("3.eml", text_only().replace(b"rail-7", b"rail-8"))
    assert read(mark_read=True) == ["<rail-8@trains.example>"]


def test_imap_with_a_wrong_password_fails_with_the_reason(imap) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SourceError, match=r"inbox: IMAP 127\.0\.0\.1") as caught:
        read_imap("inbox", host="127.0.0.1", port=imap.port, user=USER, password="nope",
                  now=NOW, ssl_context=imap.client_context)  # fmt: skip
    assert "nope" not in str(caught.value)


@pytest.mark.usefixtures("prefect_harness")
def test_a_maildir_source_in_the_ingest_flow(database_url: str, tmp_path: Path) -> None:
    from flows.orchestration.ingest_flow import ingest_flow
    from tests.conftest import write_config

    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    for raw in MESSAGES:
        box.add(raw)
    config = str(write_config(tmp_path, database_url, None, [
        {"name": "letters", "kind": "mailbox", "path": str(tmp_path / "Maildir")},
        {"name": "broken", "kind": "mailbox", "path": str(tmp_path / "nowhere.mbox")},
    ]))  # fmt: skip
    reports = {r.source: r for r in ingest_flow(config=config)}
    assert (reports["letters"].status, reports["letters"].new) == ("ok", 3)
    assert reports["broken"].status == "failed" and "broken:" in reports["broken"].error
    again = {r.source: r for r in ingest_flow(config=config)}
    assert (again["letters"].new, again["letters"].unchanged) == (0, 3)
