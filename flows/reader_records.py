"""The records of readers: who gets the digest, what each said by a link, what was sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# The implicit digest's name (settings without [[digests]]), and that of rows stored before
# there were several digests.
DEFAULT_DIGEST = "weekly"


@dataclass(frozen=True)
class DeliveryRecord:
    """One line of the delivery ledger."""

    week: str
    recipient: str
    transport: str
    state: str  # "pending" | "sending" | "sent" | "failed"
    message_id: str
    attempts: int
    error: str | None
    location: str | None
    updated_at: datetime
    digest: str = DEFAULT_DIGEST  # the digest's name: the ledger is per digest, week, reader


@dataclass(frozen=True)
class Subscriber:
    """A reader of the digest."""

    email: str
    origin: str  # "command" or "config"
    token: str  # the secret in the reader's unsubscribe link
    added_at: datetime
    unsubscribed_at: datetime | None = None
    id: int = 0  # the database's: names the reader in feedback links


@dataclass(frozen=True)
class Feedback:
    """What a reader said by a link: "mute" a source (`target` is its name as shown), or
    "less" like a story (`target` is "week.key"; `text` and `names` are that story's)."""

    id: int
    kind: str
    target: str
    label: str
    created_at: datetime
    text: str = ""
    names: tuple[str, ...] = ()
