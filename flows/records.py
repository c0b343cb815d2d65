"""The small frozen records that travel between the steps of the pipeline, and their error."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flows import sanitise

# The readers' records live in their own module; named here too, where steps take records.
from flows.reader_records import DEFAULT_DIGEST, DeliveryRecord, Feedback, Subscriber  # noqa: F401


class SourceError(Exception):
    """A whole source cannot be read; the message names the source and says why."""


@dataclass(frozen=True)
class RawItem:
    """What a source hands over: bytes plus whatever metadata came with them.

    `identity` names the item within its source (a file name, a feed guid, a
    Message-ID) so that seeing it again updates instead of duplicating.
    """

    source: str
    identity: str
    body: bytes
    content_type: str  # "text/plain", "text/markdown" or "text/html"
    fetched_at: datetime
    publisher: str | None = None  # the newsletter's own name, when known
    title: str | None = None
    url: str | None = None
    published_at: datetime | None = None
    date_how: str | None = None  # how published_at was known: "metadata", "feed", "header"
    charset: str | None = None  # declared by the source, may be wrong

    def __post_init__(self) -> None:
        """Made safe here, once, whatever the reader: later steps and the database get
        text of the right type, without control or bidi characters, within the columns'
        sizes; a value of a wrong type (a number for a title) is coerced or dropped."""
        for name, value in sanitise.raw_item_fields(self).items():
            object.__setattr__(self, name, value)


@dataclass(frozen=True)
class Document:
    """A normalised text, ready to deduplicate and store."""

    source: str
    identity: str
    publisher: str  # "" when unknown: readers then see the identity instead
    title: str
    text: str  # clean plain text, paragraphs separated by a blank line
    content_hash: str  # sha256 hex of the normalised text: exact-duplicate key
    published_at: datetime  # timezone-aware
    date_how: str  # "metadata" | "feed" | "header" | "text" | "first_seen"
    date_evidence: str  # what the date was read from, for people
    fetched_at: datetime
    url: str | None = None
    raw_hash: str = ""  # sha256 of the bytes fetched: an unchanged item is skipped next time
    raw_text: str = ""  # normalised text before boilerplate removal, to learn boilerplate from
    minhash: bytes = b""  # MinHash signature of `text` (flows.dedupe.near): no recomputing
    minhash_version: int = 0  # the format of `minhash` (dedupe.signature_format)
    sections: tuple[int, ...] = ()  # a newsletter's items: paragraph numbers where each starts


@dataclass(frozen=True)
class Failure:
    """An item or a whole source that could not be taken, and why."""

    source: str
    identity: str  # "" when the whole source failed
    reason: str

    def __post_init__(self) -> None:
        """A reason quotes what came from outside (a header, a parser's message): safe too."""
        object.__setattr__(self, "identity", sanitise.safe_identity(self.identity))
        reason = sanitise.single_line(self.reason, sanitise.REASON_LIMIT)
        object.__setattr__(self, "reason", reason or "unknown reason")


@dataclass(frozen=True)
class SourceStatus:
    """A source's health as last recorded."""

    name: str
    kind: str
    location: str | None
    disabled: bool
    last_status: str | None  # "ok" | "unchanged" | "failed" | ...
    last_error: str | None
    consecutive_failures: int
    last_run_at: datetime | None
    next_fetch_at: datetime | None
    counts: dict[str, int] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    configured: str | None = None  # the address the config named when the row was synced

    @classmethod
    def never_run(cls, name: str, kind: str) -> SourceStatus:
        """A source with no run recorded yet: nothing known of it."""
        return cls(name, kind, None, False, None, None, 0, None, None)


@dataclass(frozen=True)
class SourceReport:
    """What one ingest of one source did, for the run's table and artifact."""

    source: str
    status: str  # "ok" | "unchanged" | "partial" | "failed" | "skipped"
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicate: int = 0
    failures: tuple[Failure, ...] = ()
    error: str | None = None  # why the whole source failed

    @property
    def failed(self) -> int:
        return len(self.failures)


@dataclass(frozen=True)
class WeekReport:
    """What building (and delivering) one week's digest did."""

    week: str
    status: str  # "sent" | "already sent" | "partial" | "built" | "empty" | "failed" | "dry-run"
    stories: int = 0
    documents: int = 0
    files: tuple[str, ...] = ()
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    error: str | None = None
    digest: str = DEFAULT_DIGEST  # the name of the digest built


@dataclass(frozen=True)
class SaveOutcome:
    """What storing one document did: "new", "updated", "duplicate" or "unchanged"."""

    source: str
    identity: str
    outcome: str
    document_id: int


@dataclass(frozen=True)
class StoredDocument:
    """A document as the store knows it, with every source that carried it."""

    id: int
    title: str
    text: str
    publisher: str
    url: str | None
    published_at: datetime
    date_how: str
    sightings: tuple[Sighting, ...]
    duplicate_of: int | None = None  # the document this near-duplicate copies
    sections: tuple[int, ...] = ()  # a newsletter's items: paragraph numbers where each starts
    item: int = 0  # a newsletter item's place in its newsletter, the lead item 0


@dataclass(frozen=True)
class Sighting:
    """One source carrying one document: where and under what identity."""

    source: str
    identity: str
    publisher: str
    url: str | None
    title: str


@dataclass(frozen=True)
class Story:
    """One event or subject of the week, told by one or more documents."""

    key: str  # stable across reruns: a hash of its member document ids
    headline: str
    url: str | None
    extract: str
    published_at: datetime
    documents: tuple[StoredDocument, ...]
    continues: Continuation | None = None  # the earlier week's story this one goes on with

    @property
    def sources(self) -> tuple[Sighting, ...]:
        """Every (source, identity) that carried this story, first member first."""
        return tuple(s for d in self.documents for s in d.sightings)


@dataclass(frozen=True)
class Continuation:
    """The story of an earlier week that a story continues: the same event going on."""

    week: str  # the week of the story it continues, "2025-W43"
    key: str  # that story's key
    headline: str  # that story's headline
    first_week: str  # where the thread began: `week`, or earlier when that story continued one


@dataclass(frozen=True)
class PastStory:
    """A story of an earlier week's digest, as the decision of what continues it sees it."""

    key: str  # the earlier story's key
    week: str  # its ISO week, e.g. "2025-W43"
    headline: str
    texts: tuple[str, ...]  # its member documents' "title\n\ntext"
    published_at: datetime  # its newest member's time (aware, UTC)


@dataclass(frozen=True)
class StoredStory:
    """A story as a stored digest holds it: its members whole (a newsletter with all its
    items), and the earlier story it was linked to when stored."""

    week: str
    key: str
    headline: str
    extract: str
    documents: tuple[StoredDocument, ...]
    continues: Continuation | None = None


@dataclass(frozen=True)
class Digest:
    """One week's ranked stories, the model every rendering is made from."""

    week: str  # ISO week, "2025-W43"
    title: str
    starts: datetime
    ends: datetime
    stories: tuple[Story, ...]
    document_count: int = 0
    notes: tuple[str, ...] = field(default=())
    late: tuple[Story, ...] = ()  # documents of earlier weeks, stored after those were sent
    source_kinds: tuple[tuple[str, str], ...] = ()  # (source, kind): a story's coverage line


@dataclass(frozen=True)
class RenderedDigest:
    """The digest as the reader sees it."""

    week: str
    subject: str
    html: str
    text: str
    preheader: str


@dataclass(frozen=True)
class HttpResult:
    """What came back, in words a person can act on; never an exception."""

    url: str  # where the body finally came from
    status: str  # "ok" | "not_modified" | "gone" | "retry_later" | "error"
    reason: str = ""
    body: bytes = b""
    content_type: str | None = None
    charset: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    moved_to: str | None = None  # set when a 301/308 says the source has a new address
    retry_after: float | None = None  # seconds the server asked us to wait


@dataclass(frozen=True)
class Fetched:
    """What a source gave this time, and what to remember for the next time."""

    status: str  # "ok" | "unchanged" | "gone" | "retry_later"
    items: list[RawItem] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    reason: str = ""
    etag: str | None = None
    last_modified: str | None = None
    moved_to: str | None = None
    retry_after: float | None = None
