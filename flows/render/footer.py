"""The footer every e-mail ends with: Unsubscribe and Manage links, by mail without a web
address, else to the readers' endpoint, the unsubscribe link holding a placeholder that
each reader's copy gets its own token in."""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import quote

from flows.records import RenderedDigest
from flows.render.links import manage_url

UNSUBSCRIBE_PLACEHOLDER = "READER-UNSUBSCRIBE-TOKEN"


@dataclass(frozen=True)
class Footer:
    """The links every e-mail ends with: to unsubscribe, and to manage what one gets."""

    unsubscribe: str
    manage: str
    by_mail: str | None = None  # the address both links write to, when they are mailto links


def mail_footer(address: str) -> Footer:
    """The footer without a web address: mailto links a reader's mail client fills in."""
    return Footer(f"mailto:{address}?subject=unsubscribe",
                  f"mailto:{address}?subject=manage%20my%20digest", address)  # fmt: skip


def web_footer(base: str) -> Footer:
    """The footer with the readers' endpoint at `base`: its unsubscribe page (a GET asks, a
    POST does it) and the manage page, each made a reader's at delivery."""
    return Footer(f"{base}/unsubscribe?token={UNSUBSCRIBE_PLACEHOLDER}", manage_url(base))


def with_unsubscribe_token(rendered: RenderedDigest, token: str) -> RenderedDigest:
    """A reader's copy: the footer's unsubscribe link carries their own token."""
    mine = quote(token, safe="")
    return replace(rendered, html=rendered.html.replace(UNSUBSCRIBE_PLACEHOLDER, mine),
                   text=rendered.text.replace(UNSUBSCRIBE_PLACEHOLDER, mine))  # fmt: skip
