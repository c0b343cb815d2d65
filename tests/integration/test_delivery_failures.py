"""A failed delivery belongs to its reader (flows/pipeline/delivery.py, without Prefect): a
hostile subject, a refused login, a server without STARTTLS, an outbox that cannot be
written, a run that died mid-send; and the readers of a run are that run's alone.
Real SMTP servers on loopback ports; waits between tries are recorded, never slept."""

from __future__ import annotations

import email
import time
from dataclasses import replace
from datetime import UTC, datetime
from email import policy
from pathlib import Path

from sqlalchemy.orm import Session

from db import digests as digest_store
from db import subscribers as subscriber_store
from db.engine import session_scope
from db.migrate import upgrade
from flows.deliver.transports import SmtpSender
from flows.pipeline.delivery import deliver_week, transport_for
from flows.records import Digest, RenderedDigest, WeekReport
from flows.settings import Settings, SmtpSettings, load_settings
from tests.conftest import write_config
from tests.support.smtp_servers import USER, Inbox, free_port, smtp_server

WEEK = "2025-W43"
READERS = ["ana@example.org", "bo@example.org"]
DIGEST = Digest(WEEK, "Weekly digest", datetime(2025, 10, 20, tzinfo=UTC),
                datetime(2025, 10, 27, tzinfo=UTC), (), 1)  # fmt: skip
BIDI = "\u202e\u2066"


def rendered(subject: str = "Weekly digest 2025-W43: Talks", week: str = WEEK) -> RenderedDigest:
    return RenderedDigest(week, subject, f"<p>Talks {BIDI}gpj.exe</p>", f"Talks {BIDI}gpj.exe\n",
                          "Talks")  # fmt: skip


def stored(tmp_path: Path, week: str = WEEK, **delivery: object) -> tuple[Settings, int]:
    url = f"sqlite:///{tmp_path / 'd.db'}"
    delivery.setdefault("recipients", READERS)
    settings = load_settings(write_config(tmp_path, url, None, **delivery))
    upgrade(url)
    with session_scope(url) as session:
        digest_id = digest_store.save_week(
            session, week, (), rendered(week=week), "h", 1, datetime.now(UTC)
        )
    return settings, digest_id


def smtp_to(settings: Settings, port: int, **smtp: object) -> Settings:
    return replace(settings, transport="smtp",
                   smtp=SmtpSettings("127.0.0.1", port, security="none", timeout=5, **smtp))  # type: ignore[arg-type]  # fmt: skip


def deliver(
    settings: Settings, digest_id: int, transport: object, *, subject: str | None = None,
    week: str = WEEK, resend: bool = False,
) -> WeekReport:  # fmt: skip
    digest = replace(DIGEST, week=week)
    shown = rendered(subject, week) if subject else rendered(week=week)
    return deliver_week(settings, digest_id, digest, shown, resend=resend, preview="",
                        transport=transport)  # type: ignore[arg-type]  # fmt: skip


def ledger(settings: Settings, week: str = WEEK) -> dict[str, tuple[str, str | None]]:
    with session_scope(settings.database_url) as session:
        rows = digest_store.deliveries_for_week(session, week)
    return {r.recipient: (r.state, r.error) for r in rows}


def in_doubt(session: Session, digest_id: int, reader: str, transport: str) -> None:
    """What a run killed between "sending" and "sent" leaves in the ledger."""
    digest_store.set_delivery(session, digest_id, reader, state="sending", transport=transport,
                              message_id="<m>", now=datetime.now(UTC))  # fmt: skip


def test_a_title_with_line_breaks_makes_a_one_line_subject_and_everyone_gets_it(
    tmp_path: Path,
) -> None:
    hostile = ("Weekly digest 2025-W43: Harbour\r\nBcc: victim@example.org\u2028closes "
               f"{BIDI}gpj.exe\x00 " + "and a very long tail " * 12)  # fmt: skip
    inbox = Inbox()
    with smtp_server(inbox) as port:
        settings, digest_id = stored(tmp_path)
        report = deliver(settings, digest_id, transport_for(smtp_to(settings, port), WEEK),
                         subject=hostile)  # fmt: skip
    assert (report.status, report.sent, report.failed) == ("sent", 2, 0)
    assert [rcpts for rcpts, _ in inbox.messages] == [["ana@example.org"], ["bo@example.org"]]
    arrived = email.message_from_bytes(inbox.messages[0][1], policy=policy.default)
    subject = arrived["Subject"]
    assert subject.startswith("Weekly digest 2025-W43: Harbour Bcc: victim@example.org closes ")
    assert len(subject) <= 150 and subject.endswith(" very long…")  # cut between words
    assert not any(c in subject for c in "\r\n\u2028\x00" + BIDI)
    assert arrived["Bcc"] is None
    for part in ("plain", "html"):
        body = arrived.get_body((part,)).get_content()
        assert "gpj.exe" in body and not any(c in body for c in BIDI)


def test_a_refused_login_fails_every_reader_at_once_naming_the_server(tmp_path: Path) -> None:
    inbox, waits = Inbox(), []
    with smtp_server(inbox, auth=True) as port:
        settings, digest_id = stored(tmp_path)
        settings = smtp_to(settings, port, username=USER, password="wrong-password")
        started = time.monotonic()
        report = deliver(settings, digest_id, SmtpSender(settings.smtp, sleep=waits.append))
    assert time.monotonic() - started < 3 and waits == []
    assert (report.status, report.sent, report.failed) == ("failed", 0, 2)
    reason = f"permanent: 127.0.0.1:{port}: login refused: 535 5.7.8"
    assert all(state == "failed" and error and error.startswith(reason)
               for state, error in ledger(settings).values())  # fmt: skip
    assert report.error and "wrong-password" not in report.error + str(ledger(settings))


def test_a_server_without_starttls_fails_every_reader_at_once(tmp_path: Path) -> None:
    inbox = Inbox()
    with smtp_server(inbox) as port:
        settings, digest_id = stored(tmp_path)
        settings = replace(smtp_to(settings, port), smtp=SmtpSettings(
            "127.0.0.1", port, security="starttls", timeout=5))  # fmt: skip
        started = time.monotonic()
        report = deliver(settings, digest_id, transport_for(settings, WEEK))
    assert time.monotonic() - started < 3 and inbox.messages == []
    assert report.status == "failed"
    assert {error for _, error in ledger(settings).values()} == {
        f'permanent: 127.0.0.1:{port}: the server does not offer STARTTLS (smtp.security = '
        '"starttls"); nothing was sent in clear'
    }  # fmt: skip


def test_nobody_listening_fails_every_reader_as_temporary_after_the_waits(tmp_path: Path) -> None:
    settings, digest_id = stored(tmp_path)
    settings, waits = smtp_to(settings, free_port()), []
    report = deliver(settings, digest_id, SmtpSender(settings.smtp, sleep=waits.append))
    assert (report.status, report.failed, waits) == ("failed", 2, [1.0, 2.0])
    assert all(error and error.startswith("temporary: ") and "cannot connect" in error
               for _, error in ledger(settings).values())  # fmt: skip


def test_a_refused_reader_fails_alone_and_the_week_is_partial(tmp_path: Path) -> None:
    inbox = Inbox(refuse={"bo@example.org"})
    with smtp_server(inbox) as port:
        settings, digest_id = stored(tmp_path, recipients=["ana@example.org", "bo@example.org",
                                                           "cy@example.org"])  # fmt: skip
        report = deliver(settings, digest_id, transport_for(smtp_to(settings, port), WEEK))
        assert (report.status, report.sent, report.failed) == ("partial", 2, 1)
        assert report.error and report.error.startswith("bo@example.org: permanent: ")
        again = deliver(settings, digest_id, transport_for(smtp_to(settings, port), WEEK))
    # The next run tries bo again, and only bo: still partial, nobody gets a second copy.
    assert (again.status, again.sent, again.skipped, again.failed) == ("partial", 0, 2, 1)
    assert [rcpts for rcpts, _ in inbox.messages] == [["ana@example.org"], ["cy@example.org"]]


def test_an_outbox_write_that_fails_fails_that_reader_with_the_reason(tmp_path: Path) -> None:
    settings, digest_id = stored(tmp_path)
    # A folder where bo's file should go: the write fails as on a full or read-only disk.
    (settings.outbox / f"{WEEK}_bo@example.org.eml").mkdir(parents=True)
    report = deliver(settings, digest_id, transport_for(settings, WEEK))
    assert (report.status, report.sent, report.failed) == ("partial", 1, 1)
    state, error = ledger(settings)["bo@example.org"]
    assert state == "failed" and error
    assert error.startswith(
        f"permanent: bo@example.org: cannot write to the outbox {settings.outbox}"
    )
    assert sorted(p.name for p in settings.outbox.iterdir()) == [
        f"{WEEK}_ana@example.org.eml",
        f"{WEEK}_bo@example.org.eml",
    ]  # no temporary file left
    assert (settings.outbox / f"{WEEK}_bo@example.org.eml").is_dir()


def test_an_outbox_that_is_not_a_folder_fails_every_reader(tmp_path: Path) -> None:
    settings, digest_id = stored(tmp_path)
    settings.outbox.write_text("not a folder")
    report = deliver(settings, digest_id, transport_for(settings, WEEK))
    assert (report.status, report.sent, report.failed) == ("failed", 0, 2)
    assert {state for state, _ in ledger(settings).values()} == {"failed"}


def test_an_outbox_write_left_in_doubt_is_looked_at_again(tmp_path: Path) -> None:
    settings, digest_id = stored(tmp_path)
    first = deliver(settings, digest_id, transport_for(settings, WEEK))
    assert first.sent == 2
    # A run died after marking both "sending": ana's file was written, bo's was not.
    (settings.outbox / f"{WEEK}_bo@example.org.eml").unlink()
    written = (settings.outbox / f"{WEEK}_ana@example.org.eml").stat().st_mtime_ns
    with session_scope(settings.database_url) as session:
        for reader in READERS:
            in_doubt(session, digest_id, reader, "outbox")
    again = deliver(settings, digest_id, transport_for(settings, WEEK))
    assert (again.status, again.sent, again.skipped) == ("sent", 1, 1)
    assert ledger(settings) == dict.fromkeys(READERS, ("sent", None))
    assert (settings.outbox / f"{WEEK}_ana@example.org.eml").stat().st_mtime_ns == written
    assert (settings.outbox / f"{WEEK}_bo@example.org.eml").is_file()


def test_an_smtp_send_left_in_doubt_is_reported_not_repeated(tmp_path: Path) -> None:
    inbox = Inbox()
    with smtp_server(inbox) as port:
        settings, digest_id = stored(tmp_path)
        settings = smtp_to(settings, port)
        with session_scope(settings.database_url) as session:
            in_doubt(session, digest_id, "ana@example.org", "smtp")
        report = deliver(settings, digest_id, transport_for(settings, WEEK))
    assert (report.sent, report.skipped, report.failed) == (1, 1, 0)
    assert report.error and "in doubt, not sent again: ana@example.org" in report.error
    assert [rcpts for rcpts, _ in inbox.messages] == [["bo@example.org"]]


def test_an_address_one_run_named_is_not_mailed_by_the_next(tmp_path: Path) -> None:
    """DIGEST_DELIVERY_RECIPIENTS=extra@x for one run (whose delivery failed, then one that
    worked); the next runs, with the file's list only, never mail extra@x again."""
    settings, w43 = stored(tmp_path)
    with_extra = replace(settings, recipients=("extra@example.org",))
    dead = smtp_to(with_extra, free_port())
    failed = deliver(dead, w43, SmtpSender(dead.smtp, sleep=lambda _: None))
    assert (failed.status, failed.failed) == ("failed", 1)
    assert deliver(with_extra, w43, transport_for(with_extra, WEEK)).sent == 1

    _, w44 = stored(tmp_path, week="2025-W44")
    later = deliver(settings, w44, transport_for(settings, "2025-W44"), week="2025-W44")
    assert sorted(ledger(settings, "2025-W44")) == READERS and later.sent == 2
    resent = deliver(settings, w43, transport_for(settings, WEEK), resend=True)
    assert resent.sent == 2 and "extra@example.org" in ledger(settings)  # history is kept
    outbox = sorted(p.name for p in settings.outbox.iterdir())
    assert [name for name in outbox if "extra" in name] == [f"{WEEK}_extra@example.org.eml"]
    with session_scope(settings.database_url) as session:
        # Subscribed by command, an address is a reader whatever the settings say.
        subscriber_store.add(session, "extra@example.org", datetime.now(UTC))
        assert subscriber_store.would_receive(session, READERS) == [*READERS, "extra@example.org"]


def test_an_address_that_cannot_be_a_header_fails_alone(tmp_path: Path) -> None:
    inbox = Inbox()
    with smtp_server(inbox) as port:
        settings, digest_id = stored(tmp_path)
        with session_scope(settings.database_url) as session:
            subscriber_store.add(
                session, "eve@example.org\r\nBcc: all@example.org", datetime.now(UTC)
            )
        report = deliver(settings, digest_id, transport_for(smtp_to(settings, port), WEEK))
    assert (report.status, report.sent, report.failed) == ("partial", 2, 1)
    [(state, error)] = [v for k, v in ledger(settings).items() if k.startswith("eve")]
    assert state == "failed" and error and "linefeed" in error
    assert [rcpts for rcpts, _ in inbox.messages] == [["ana@example.org"], ["bo@example.org"]]
