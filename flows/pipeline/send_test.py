"""The e-mail of a week as every reader gets it, and `digest send-test`: that e-mail (or the
webhook post) sent to one address, with the ledger neither read nor written."""

from __future__ import annotations

from email.utils import make_msgid, parseaddr

from flows.deliver.transports import OutboxWriter, SmtpSender
from flows.deliver.webhooks import WebhookSender
from flows.pipeline.delivery import reader_message, sender_domain
from flows.records import DEFAULT_DIGEST, Digest, RenderedDigest
from flows.render.archive import page_name
from flows.render.digest import render_digest
from flows.render.footer import mail_footer, web_footer
from flows.render.markdown import render_markdown
from flows.settings import Settings
from flows.tls import verified_context


class NothingToSend(Exception):
    """The week has no story: there is no digest to try."""


def archive_page(settings: Settings, week: str, name: str = DEFAULT_DIGEST) -> str | None:
    """The week's page in the web archive (`digest archive`), when it is published: the
    default digest's at its root, another digest's in a folder of its name."""
    if not settings.base_url:
        return None
    folder = "" if name == DEFAULT_DIGEST else f"{name}/"
    return f"{settings.base_url}/{folder}{page_name(week)}"


def render_email(
    settings: Settings, digest: Digest, name: str = DEFAULT_DIGEST, feedback_base: str | None = None
) -> RenderedDigest:
    """The week's e-mail: its archive links, and the footer every e-mail carries: links to
    the readers' endpoint at `feedback_base` (each reader's copy made theirs: see
    reader_digests), else mailto links to the sender, whom List-Unsubscribe names too."""
    by_mail = mail_footer(parseaddr(settings.sender)[1])
    return render_digest(
        digest,
        archive_url=archive_page(settings, digest.week, name),
        week_url=lambda week: archive_page(settings, week, name),
        footer=web_footer(feedback_base) if feedback_base else by_mail,
        feedback_base=feedback_base,
    )


def send_test(settings: Settings, digest: Digest, to: str, name: str = DEFAULT_DIGEST) -> str:
    """Send the week of the digest `name` to `to` through the configured transport (or to
    the webhook `to` is): where it went. A Message-ID of its own, so a mail client never
    takes the real digest, later, for a copy of this one and drops it."""
    if not (digest.stories or digest.late):
        raise NothingToSend(f"{digest.week} has no story to send")
    rendered = render_email(settings, digest, name)
    if "://" in to:
        page = archive_page(settings, digest.week, name)
        with WebhookSender() as hooks:
            return hooks.send(rendered.subject, render_markdown(digest, archive_url=page), to)
    test_id = make_msgid("digest-test", domain=sender_domain(settings))
    message = reader_message(settings, rendered, to, test_id, name)
    if settings.transport == "outbox":
        with OutboxWriter(settings.outbox, f"test-{digest.week}") as outbox:
            return outbox.send(message, to)
    with SmtpSender(settings.smtp, ssl_context=verified_context(settings.ca_file)) as smtp:
        return f"{to} via {smtp.send(message, to)}"
