"""Which of the configured digests a run builds, and of which weeks, and each digest's own
settings: its rules for flows.stories.select, its readers, title and outbox folder."""

from __future__ import annotations

from dataclasses import replace

from db import digests as digest_store
from db import documents as doc_store
from db.engine import session_scope
from flows.digest_settings import DigestSettings
from flows.records import DEFAULT_DIGEST
from flows.settings import Settings, SettingsError
from flows.stories.select import Rules
from flows.weeks import week_range, weeks_with


class UnknownDigestError(SettingsError):
    """--digest names no configured digest."""


def chosen_digests(settings: Settings, name: str | None = None) -> tuple[DigestSettings, ...]:
    """The digest named `name`, or every digest when `name` is None."""
    if name is None:
        return settings.digests
    return (digest_named(settings, name),)


def digest_named(settings: Settings, name: str | None = None) -> DigestSettings:
    """The digest called `name`; the first one configured when `name` is None."""
    if name is None:
        return settings.digests[0]
    for digest in settings.digests:
        if digest.name == name:
            return digest
    known = ", ".join(d.name for d in settings.digests)
    raise UnknownDigestError(f"--digest: no digest is named {name!r} (digests: {known})")


def rules_of(digest: DigestSettings) -> Rules:
    return Rules(
        sources=digest.sources,
        include_words=digest.include_words,
        include_sources=digest.include_sources,
        exclude_words=digest.exclude_words,
        exclude_sources=digest.exclude_sources,
    )


def settings_for(settings: Settings, digest: DigestSettings) -> Settings:
    """The settings as one digest's delivery sees them: its title, its readers, and its own
    outbox folder (a subfolder named after it, but for the default digest's), so that two
    digests of one week never write the same file."""
    outbox = settings.outbox if digest.name == DEFAULT_DIGEST else settings.outbox / digest.name
    return replace(settings, title=digest.title, recipients=digest.recipients, outbox=outbox)


def digest_readers(settings: Settings, name: str, emails: list[str]) -> list[str]:
    """Those of the readers (config recipients and subscribers) who get the digest `name`:
    its own recipients; the first digest also gets every other reader (subscribers added
    by command), but those whom another digest lists and it does not."""
    own = {e.lower() for e in settings.recipients}
    others = {e.lower() for d in settings.digests if d.name != name for e in d.recipients}
    first = not settings.digests or settings.digests[0].name == name
    return [e for e in emails if e.lower() in own or (first and e.lower() not in others)]


def list_prefix(name: str) -> str:
    """Each digest is its own list (List-Id), the default one as it always was."""
    return "" if name == DEFAULT_DIGEST else f"{name}."


def weeks_to_build(
    settings: Settings,
    from_week: str | None,
    to_week: str | None,
    names: list[str] | None = None,
) -> list[str]:
    """The weeks of the range (all by default) that have documents or a stored digest (of
    the digests `names`, every configured one by default)."""
    names = names if names is not None else [d.name for d in settings.digests]
    with session_scope(settings.database_url) as session:
        have = set(weeks_with(doc_store.publication_dates(session), settings.zone))
        # A week built of late arrivals alone has no document of its own, and may need a retry.
        for name in names:
            have |= set(digest_store.stored_weeks(session, name))
        have = sorted(have)
    wanted = set(week_range(from_week or have[0], to_week or have[-1])) if have else set()
    return [w for w in have if w in wanted]
