"""`digest archive`: each digest's weeks as stored documents make them now, as a static site."""

from __future__ import annotations

from email.utils import parseaddr
from pathlib import Path

from db import digests as digest_store
from db import documents as doc_store
from db import feeds as feed_store
from db.engine import session_scope
from flows.pipeline.digests import chosen_digests
from flows.pipeline.preview import load_week
from flows.records import DEFAULT_DIGEST
from flows.render.archive import write_archive
from flows.render.feed import write_feed
from flows.settings import Settings
from flows.weeks import weeks_with


def archive_folder(out: Path, name: str) -> Path:
    """The default digest's archive is the folder itself; another's, a folder of its name
    (where flows.orchestration.digest_flow.archive_url points)."""
    return out if name == DEFAULT_DIGEST else out / name


def archive_digests(
    settings: Settings, out: Path, name: str | None = None
) -> list[tuple[Path, list[Path]]]:
    """Write the archive of each digest (or of `name`): its pages and the Atom feed of its
    sent weeks; (folder, files written) of each."""
    with session_scope(settings.database_url) as session:
        have = set(weeks_with(doc_store.publication_dates(session), settings.zone))
        stored = {d.name: set(digest_store.stored_weeks(session, d.name)) for d in settings.digests}
        sent = {d.name: feed_store.first_sent(session, d.name) for d in settings.digests}
    author = parseaddr(settings.sender)[0] or settings.title
    written = []
    for digest in chosen_digests(settings, name):
        weeks = [load_week(settings, w, digest) for w in sorted(have | stored[digest.name])]
        folder = archive_folder(out, digest.name)
        pages = write_archive(weeks, folder, digest.title)
        own = "" if digest.name == DEFAULT_DIGEST else f"/{digest.name}"
        base = f"{settings.base_url}{own}" if settings.base_url else ""
        pages.append(write_feed(weeks, sent[digest.name], folder, title=digest.title,
                                author=author, base_url=base))  # fmt: skip
        written.append((folder, pages))
    return written
