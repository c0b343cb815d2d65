"""Deliver to chat and webhooks (Slack, Matrix, Discord, ntfy, JSON...) through apprise;
a webhook URL holds its tokens, so it is only ever shown masked."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from urllib.parse import urlsplit

import apprise

from flows.deliver.transports import PermanentDeliveryError, TemporaryDeliveryError
from flows.webhook_urls import mask_library_logs, mask_urls

log = logging.getLogger(__name__)
mask_library_logs()  # before apprise logs any URL of ours


def webhook_label(url: str) -> str:
    """The URL as it may be shown and kept in the ledger: apprise's own masking of the
    service's secrets, the path and query dropped (a JSON hook's token lives there), and a
    fingerprint of the whole URL so that two hooks on one host stay two readers."""
    plugin = apprise.Apprise.instantiate(url, suppress_exceptions=True)
    shown = plugin.url(privacy=True) if plugin else url
    parts = urlsplit(shown)
    netloc = parts.netloc if plugin else parts.netloc.rpartition("@")[2]
    fingerprint = hashlib.sha256(url.encode("utf-8")).hexdigest()[:8]
    return f"{parts.scheme or 'unknown'}://{netloc}/… #{fingerprint}"


def unknown_webhooks(urls: tuple[str, ...]) -> list[str]:
    """The labels of the URLs apprise cannot send to (an unknown scheme, a missing token)."""
    return [
        webhook_label(url)
        for url in urls
        if apprise.Apprise.instantiate(url, suppress_exceptions=True) is None
    ]


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
        label = webhook_label(url)
        hooks = apprise.Apprise()
        if not hooks.add(url):
            raise PermanentDeliveryError(f"{label}: not a URL apprise can send to")
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
