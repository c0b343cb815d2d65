"""The files source: a folder of .txt, .md and .html texts, with an optional metadata.toml."""

from __future__ import annotations

import logging
import tomllib
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flows.records import Failure, RawItem, SourceError

log = logging.getLogger(__name__)

CONTENT_TYPES = {
    ".txt": "text/plain",
    ".md": "text/markdown",
    ".html": "text/html",
    ".htm": "text/html",
}
METADATA_FILE = "metadata.toml"
MAX_BYTES = 10 * 1024 * 1024


def read_folder(
    source: str, folder: Path, zone: ZoneInfo, now: datetime, max_bytes: int = MAX_BYTES
) -> tuple[list[RawItem], list[Failure]]:
    """Every text file of `folder`, in name order, with what metadata.toml says of it."""
    if not folder.is_dir():
        raise SourceError(f"{source}: {folder} is not a folder")
    metadata = _metadata(source, folder)
    items: list[RawItem] = []
    failures: list[Failure] = []
    for path in sorted(folder.iterdir()):
        content_type = CONTENT_TYPES.get(path.suffix.lower())
        if content_type is None or not path.is_file():
            continue
        size = path.stat().st_size
        if size == 0:
            failures.append(Failure(source, path.name, "empty file"))
            continue
        if size > max_bytes:
            failures.append(
                Failure(
                    source, path.name, f"file of {size:,} bytes is over the {max_bytes:,} limit"
                )
            )
            continue
        facts = metadata.get(path.name, {})
        published = facts.get("published")
        try:
            body = path.read_bytes()
        except OSError as err:  # unreadable (permissions, gone meanwhile): this file alone
            failures.append(Failure(source, path.name, f"cannot be read: {err.strerror or err}"))
            continue
        items.append(
            RawItem(
                source=source,
                identity=path.name,
                body=body,
                content_type=content_type,
                fetched_at=now,
                publisher=facts.get("publisher"),
                title=facts.get("title"),
                url=facts.get("url"),
                published_at=_as_datetime(published, zone) if published else None,
                date_how="metadata" if published else None,
            )
        )
    return items, failures


def _metadata(source: str, folder: Path) -> dict[str, dict[str, Any]]:
    path = folder / METADATA_FILE
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise SourceError(f"{source}: {path} is not valid TOML: {err}") from err
    for name, facts in data.items():
        if not isinstance(facts, dict):
            raise SourceError(f"{source}: {path}: [{name!r}] must be a table")
        published = facts.get("published")
        if published is not None and not isinstance(published, date):
            raise SourceError(f"{source}: {path}: {name}.published must be a TOML date")
    return data


def _as_datetime(value: date, zone: ZoneInfo) -> datetime:
    """A date alone means midday local time, so no zone shift moves it to another day."""
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=zone)).astimezone(UTC)
    return datetime.combine(value, time(12), tzinfo=zone).astimezone(UTC)
