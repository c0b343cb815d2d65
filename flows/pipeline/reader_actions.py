"""What the readers' endpoint does to the store: unsubscribe, feedback kept and undone.
One short transaction per request, so the endpoint's threads never wait on each other long."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from db import feedback as feedback_store
from db import subscribers as subscriber_store
from db.engine import session_scope
from flows.records import Feedback, Subscriber
from flows.stories.preferences import profile


class StoredReaderActions:
    """flows.deliver.unsubscribe.ReaderActions on the database at `database_url`."""

    def __init__(self, database_url: str, clock: Callable[[], datetime] | None = None) -> None:
        self.url = database_url
        self.clock = clock or (lambda: datetime.now(UTC))

    def unsubscribe(self, token: str) -> str | None:
        with session_scope(self.url) as session:
            return subscriber_store.unsubscribe_token(session, token, self.clock())

    def reader(self, reader_id: int) -> Subscriber | None:
        with session_scope(self.url) as session:
            return subscriber_store.by_id(session, reader_id)

    def feedback(self, reader_id: int) -> list[Feedback]:
        with session_scope(self.url) as session:
            return feedback_store.feedback_of(session, reader_id)

    def story(self, week: str, key: str) -> str | None:
        with session_scope(self.url) as session:
            found = feedback_store.stored_story(session, week, key)
        return found[0] if found else None

    def mute(self, reader_id: int, name: str) -> None:
        with session_scope(self.url) as session:
            feedback_store.remember(session, reader_id, "mute", name, name, self.clock())

    def less(self, reader_id: int, week: str, key: str) -> bool:
        """Keep "less like" a stored story, with its text and names; False when it is gone."""
        with session_scope(self.url) as session:
            found = feedback_store.stored_story(session, week, key)
        if found is None:
            return False
        headline, extract, texts = found
        text, names = profile(headline, extract, texts)
        with session_scope(self.url) as session:
            feedback_store.remember(session, reader_id, "less", f"{week}.{key}", headline,
                                    self.clock(), text=text, names=names)  # fmt: skip
        return True

    def undo(self, reader_id: int, feedback_id: int) -> bool:
        with session_scope(self.url) as session:
            return feedback_store.forget(session, reader_id, feedback_id)
