"""The tables, as typed SQLAlchemy 2 models; Alembic migrations create them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from flows.records import DEFAULT_DIGEST

# Named constraints so that migrations can refer to them on every backend.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Source(Base):
    """A configured source and its health after the last fetch."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    location: Mapped[str | None] = mapped_column(Text)  # folder, feed URL or mailbox, as fetched
    configured: Mapped[str | None] = mapped_column(Text)  # as the config says: a 301 moves only
    disabled: Mapped[bool] = mapped_column(default=False)
    last_status: Mapped[str | None] = mapped_column(String(20))
    last_error: Mapped[str | None] = mapped_column(Text)
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    last_run_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    next_fetch_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    last_counts: Mapped[str | None] = mapped_column(Text)  # JSON: new/unchanged/duplicate/failed


class Document(Base):
    """One normalised text, stored once whatever number of sources carried it."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    publisher: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    date_how: Mapped[str] = mapped_column(String(20))
    date_evidence: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    minhash: Mapped[bytes | None] = mapped_column(LargeBinary)  # flows.dedupe.near signature
    minhash_version: Mapped[int | None] = mapped_column(SmallInteger)  # the format of minhash
    duplicate_of: Mapped[int | None] = mapped_column(
        ForeignKey("documents.id", ondelete="SET NULL")
    )  # the document this near-duplicate copies
    sections: Mapped[str] = mapped_column(Text, default="", server_default="")  # "0,3,5"

    sightings: Mapped[list[Sighting]] = relationship(
        back_populates="document", order_by="Sighting.id", cascade="all, delete-orphan"
    )


class NearDupBand(Base):
    """One LSH band key of a document's signature: equal keys make near-duplicate candidates."""

    __tablename__ = "neardup_bands"
    __table_args__ = ({"sqlite_with_rowid": False},)  # found only by key: see migration 0007

    key: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Sighting(Base):
    """One source carrying one document, under the identity it has in that source."""

    __tablename__ = "sightings"
    __table_args__ = (UniqueConstraint("source_id", "identity"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    identity: Mapped[str] = mapped_column(String(500))
    title: Mapped[str] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    raw_hash: Mapped[str] = mapped_column(String(64))  # of the bytes fetched: skip unchanged
    raw_text: Mapped[str] = mapped_column(Text)  # normalised, boilerplate kept: to learn it
    first_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    document: Mapped[Document] = relationship(back_populates="sightings")
    source: Mapped[Source] = relationship()


class Story(Base):
    """A story of one week's digest; rebuilt with the digest until it is sent."""

    __tablename__ = "stories"
    __table_args__ = (UniqueConstraint("digest", "week", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest: Mapped[str] = mapped_column(String(100), server_default=DEFAULT_DIGEST)  # its name
    week: Mapped[str] = mapped_column(String(10), index=True)
    key: Mapped[str] = mapped_column(String(64))
    rank: Mapped[int] = mapped_column()
    headline: Mapped[str] = mapped_column(Text)
    extract: Mapped[str] = mapped_column(Text)
    # The earlier week's story this one continues, by (week, key) and not by row: a story
    # of an unsent week is deleted and written again at each build, under the same key.
    continues_week: Mapped[str | None] = mapped_column(String(10))
    continues_key: Mapped[str | None] = mapped_column(String(64))
    continues_headline: Mapped[str | None] = mapped_column(Text)
    first_week: Mapped[str | None] = mapped_column(String(10))  # where the thread began


class StoryDocument(Base):
    __tablename__ = "story_documents"

    story_id: Mapped[int] = mapped_column(
        ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True
    )
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column()


class Digest(Base):
    """One rendered week of one digest."""

    __tablename__ = "digests"
    __table_args__ = (UniqueConstraint("name", "week"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), server_default=DEFAULT_DIGEST)
    week: Mapped[str] = mapped_column(String(10))
    subject: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    story_count: Mapped[int] = mapped_column()
    document_count: Mapped[int] = mapped_column()
    built_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Delivery(Base):
    """The ledger: one row per (digest, recipient), a digest being one week of one named
    digest, so each reader gets each digest's week once."""

    __tablename__ = "deliveries"
    __table_args__ = (UniqueConstraint("digest_id", "recipient"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest_id: Mapped[int] = mapped_column(ForeignKey("digests.id", ondelete="CASCADE"))
    recipient: Mapped[str] = mapped_column(String(320))
    transport: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(10))  # pending | sending | sent | failed
    message_id: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(Text)  # outbox file, or the SMTP host
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    digest: Mapped[Digest] = relationship()


class Subscriber(Base):
    """A reader: added by command, or a config recipient seen at delivery; never deleted,
    so that an unsubscribe is remembered even for an address the config still lists."""

    __tablename__ = "subscribers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    origin: Mapped[str] = mapped_column(String(10))  # "command" | "config"
    token: Mapped[str] = mapped_column(String(64), unique=True)  # for unsubscribe links
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    unsubscribed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ReaderFeedback(Base):
    """What a reader said by a link in the email: mute a source, or less like a story.
    Deleted when the reader undoes it on the manage page."""

    __tablename__ = "reader_feedback"
    __table_args__ = (UniqueConstraint("subscriber_id", "kind", "target"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey("subscribers.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(10))  # "mute" | "less"
    target: Mapped[str] = mapped_column(String(300))  # the source's name, or "week.story key"
    label: Mapped[str] = mapped_column(Text)  # as the manage page shows it
    profile: Mapped[str] = mapped_column(Text, default="")  # JSON: the story's text and names
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
