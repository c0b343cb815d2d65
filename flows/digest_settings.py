"""The `[[digests]]` of the settings: several digests from one store, each with its own
sources, rules, readers and schedule; without them, one implicit digest as before."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flows.records import DEFAULT_DIGEST
from flows.settings import Settings, SettingsError
from flows.settings_check import did_you_mean

WEEKLY_CRON = "0 7 * * 1"  # Mondays 07:00: last week is complete, readers start theirs
# The keys a [[digests]] table may have, for the check of unknown keys.
DIGEST_KEYS = ("name", "title", "sources", "include", "exclude", "recipients", "schedule")
RULE_KEYS = ("words", "sources")  # of its include and exclude tables
CRON_FIELD = re.compile(r"[0-9A-Za-z*,/-]+")


class DigestSettingsError(SettingsError):
    """A [[digests]] table is wrong; the message names the key and what to do."""


@dataclass(frozen=True)
class DigestSettings:
    """One digest: which sources it is made of (empty: all), what it keeps and drops
    (words and phrases, sources), who gets it and when (a cron string, in the settings'
    time zone)."""

    name: str
    title: str
    recipients: tuple[str, ...]
    sources: tuple[str, ...] = ()
    include_words: tuple[str, ...] = ()
    include_sources: tuple[str, ...] = ()
    exclude_words: tuple[str, ...] = ()
    exclude_sources: tuple[str, ...] = ()
    schedule: str = WEEKLY_CRON


def implicit_digest(title: str, recipients: tuple[str, ...]) -> DigestSettings:
    """The digest of settings without [[digests]]: every source, [delivery] recipients."""
    return DigestSettings(name=DEFAULT_DIGEST, title=title, recipients=recipients)


def parse_digests(value: Any, settings: Settings) -> tuple[DigestSettings, ...]:
    """The [[digests]] tables, checked; the implicit digest when there are none. A digest
    without a title or recipients takes those of [digest] and [delivery]."""
    title, recipients = settings.title, settings.recipients
    source_names = [s.name for s in settings.sources]
    if value is None or value == []:
        return (implicit_digest(title, recipients),)
    if not isinstance(value, list):
        raise DigestSettingsError("digests: expected [[digests]] tables")
    digests: list[DigestSettings] = []
    for index, entry in enumerate(value):
        where = f"digests[{index}]"
        if not isinstance(entry, Mapping):
            raise DigestSettingsError(f"{where}: expected a table")
        _only_known(entry, DIGEST_KEYS, where)
        name = entry.get("name")
        if not isinstance(name, str) or not _is_name(name):
            raise DigestSettingsError(
                f"{where}.name: every digest needs a name of letters, digits, - or _, got {name!r}"
            )
        if name in {d.name for d in digests}:
            raise DigestSettingsError(f"{where}.name: {name!r} is used twice")
        where = f"digests[{name}]"
        include, exclude = (
            _rules(entry, key, where, source_names) for key in ("include", "exclude")
        )
        digests.append(
            DigestSettings(
                name=name,
                title=_text(entry, "title", where, title),
                recipients=_addresses(entry.get("recipients", list(recipients)), where),
                sources=_names(entry.get("sources", "all"), f"{where}.sources", source_names),
                include_words=include[0],
                include_sources=include[1],
                exclude_words=exclude[0],
                exclude_sources=exclude[1],
                schedule=_schedule(_text(entry, "schedule", where, WEEKLY_CRON), where),
            )
        )
    return tuple(digests)


def _only_known(table: Mapping[str, Any], known: Sequence[str], where: str) -> None:
    """A key the settings do not read is an error, said with the nearest known key (the
    known ones listed when none is near), as for the other tables."""
    unknown = sorted(set(table) - set(known))
    if unknown:
        hint = did_you_mean(unknown[0], known, repr) or f" (known: {', '.join(known)})"
        raise DigestSettingsError(f"{where}: unknown key {unknown[0]!r}{hint}")


def _is_name(name: str) -> bool:
    # The name goes into folders, file names and deployment names.
    return bool(name) and len(name) <= 100 and all(c.isalnum() or c in "-_" for c in name)


def _text(entry: Mapping[str, Any], key: str, where: str, default: str) -> str:
    value = entry.get(key, default)
    if not isinstance(value, str) or not value.strip():
        raise DigestSettingsError(f"{where}.{key}: expected text, got {value!r}")
    return value


def _rules(
    entry: Mapping[str, Any], key: str, where: str, source_names: Sequence[str]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(words and phrases, source names) of an include or exclude table."""
    table = entry.get(key, {})
    if not isinstance(table, Mapping):
        raise DigestSettingsError(f"{where}.{key}: expected a table with words and sources")
    _only_known(table, RULE_KEYS, f"{where}.{key}")
    words = table.get("words", [])
    if not isinstance(words, list) or not all(isinstance(w, str) and w.strip() for w in words):
        raise DigestSettingsError(f"{where}.{key}.words: expected a list of words or phrases")
    sources = _names(table.get("sources", []), f"{where}.{key}.sources", source_names)
    return tuple(w.strip() for w in words), sources


def _names(value: Any, where: str, source_names: Sequence[str]) -> tuple[str, ...]:
    """Source names, each configured; "all" (or nothing) means every source."""
    if value == "all":
        return ()
    if not isinstance(value, list) or not all(isinstance(n, str) for n in value):
        raise DigestSettingsError(f'{where}: expected "all" or a list of source names')
    for name in value:
        if name not in source_names:
            known = ", ".join(source_names) or "none"
            raise DigestSettingsError(f"{where}: no source is named {name!r} (sources: {known})")
    return tuple(value)


def _addresses(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = value.replace(";", ",").split(",")
    if not isinstance(value, list) or not all(isinstance(r, str) for r in value):
        raise DigestSettingsError(f"{where}.recipients: expected a list of addresses")
    addresses = tuple(r.strip() for r in value if r.strip())
    for address in addresses:
        if "@" not in address:
            raise DigestSettingsError(f"{where}.recipients: {address!r} is not an email address")
    return addresses


def _schedule(cron: str, where: str) -> str:
    """A cron string of five fields, as Prefect's Cron schedule takes it (Prefect checks
    the values when it deploys; this catches the wrong shape when the settings are read)."""
    fields = cron.split()
    if len(fields) != 5 or not all(CRON_FIELD.fullmatch(f) for f in fields):
        raise DigestSettingsError(
            f"{where}.schedule: {cron!r} is not a cron string of five fields (e.g. {WEEKLY_CRON!r})"
        )
    return cron


@dataclass(frozen=True)
class WeeklySchedule:
    """A weekly deployment: its name, cron string, and the digest it runs (None: all)."""

    deployment: str
    cron: str
    digest: str | None


def weekly_schedules(digests: Sequence[DigestSettings]) -> list[WeeklySchedule]:
    """One "weekly" deployment when every digest has the same schedule (one ingest then
    serves them all); else a "weekly-<name>" deployment per digest, on its own schedule."""
    crons = {d.schedule for d in digests}
    if len(crons) <= 1:
        return [WeeklySchedule("weekly", crons.pop() if crons else WEEKLY_CRON, None)]
    return [WeeklySchedule(f"weekly-{d.name}", d.schedule, d.name) for d in digests]
