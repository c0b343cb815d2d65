"""Deliver to chat and webhooks (Slack, Matrix, Discord, ntfy, JSON...) through apprise;
a webhook URL holds its tokens, so it is only ever shown masked."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable

from flows.deliver.transports import PermanentDeliveryError, TemporaryDeliveryError
from flows.webhook_urls import mask_library_logs, mask_urls, shown_host

log = logging.getLogger(__name__)
# Generic webhooks get a week in one request, however long: a program reads them, not a chat.
GENERIC = frozenset({"json", "jsons", "xml", "xmls", "form", "forms"})


def webhook_label(url: str) -> str:
    """The URL as it may be shown and kept in the ledger: its scheme, its host when it is a
    host name (slack://TokenA/... has a token there), and a fingerprint of the whole URL so
    that two hooks on one host stay two readers. Our own rule, not apprise's masking: a new
    apprise release must not rename a ledger's readers (and so post old weeks again)."""
    scheme, _, rest = url.partition("://")
    netloc = rest.split("/", 1)[0].split("?", 1)[0]
    fingerprint = hashlib.sha256(url.encode("utf-8")).hexdigest()[:8]
    return f"{scheme or 'unknown'}://{shown_host(netloc)}/… #{fingerprint}"


class WebhookSender:
    """Posts a week's digest to webhooks, one URL at a time; a context manager like the
    e-mail transports, with nothing to connect first."""

    writes_files = False

    def __enter__(self) -> WebhookSender:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def send(
        self, title: str, body: str, url: str, before_data: Callable[[], None] | None = None
    ) -> str:
        """`before_data()`, then one notification (Markdown) to `url`; returns its label.
        apprise says only yes or no: a refused or unreachable hook is a temporary failure
        (a later run tries again), an URL apprise cannot use a permanent one."""
        mask_library_logs()  # before apprise logs any URL of ours
        import apprise  # here: a run without webhooks never pays for its import

        label = webhook_label(url)
        plugin = apprise.Apprise.instantiate(url, suppress_exceptions=True)
        if plugin is None:
            raise PermanentDeliveryError(f"{label}: not a URL apprise can send to")
        if "overflow=" not in url and url.partition("://")[0].lower() not in GENERIC:
            # A week longer than a chat takes (Discord: 2,000 characters) goes as several
            # posts rather than being refused every week; the URL may say otherwise.
            plugin.overflow_mode = apprise.OverflowMode.SPLIT
        hooks = apprise.Apprise()
        hooks.add(plugin)
        if before_data is not None:
            before_data()
        markdown = apprise.NotifyFormat.MARKDOWN
        with apprise.LogCapture(level=logging.WARNING) as said:
            delivered = hooks.notify(body=body, title=title, body_format=markdown)
        if not delivered:
            lines = said.getvalue().strip().splitlines()
            reason = lines[-1].split(" - ", 2)[-1] if lines else "not delivered"
            raise TemporaryDeliveryError(f"{label}: {mask_urls(reason)}")
        return label
