"""`digest send-test`: one week to one address or webhook, the ledger left alone."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from flows.cli.common import Config, app, console, known_digest, migrated_settings, week_option


@app.command("send-test")
def send_test(
    to: Annotated[str, typer.Option("--to", help="An e-mail address, or an apprise URL")],
    week: Annotated[
        str | None, typer.Option(help="ISO week, e.g. 2025-W43 (default: last week)")
    ] = None,
    digest: Annotated[
        str | None, typer.Option("--digest", help="This digest (default: the first configured)")
    ] = None,
    config: Config = None,
) -> None:
    """Send a week's digest to one address through the configured transport, or post it to
    one webhook, without reading or writing the delivery ledger.

    Example: digest send-test --to me@example.org --week 2025-W43
    """
    from flows.deliver.transports import DeliveryError
    from flows.deliver.webhooks import webhook_label
    from flows.pipeline.digests import digest_named
    from flows.pipeline.preview import load_week
    from flows.pipeline.send_test import NothingToSend
    from flows.pipeline.send_test import send_test as send_one
    from flows.weeks import last_complete_week

    if "://" not in to and "@" not in to:
        raise typer.BadParameter(f"{to!r} is neither an e-mail address nor a webhook URL")
    settings = migrated_settings(config)
    known_digest(settings, digest)
    chosen_digest = digest_named(settings, digest)
    chosen = week_option(week) or last_complete_week(datetime.now(UTC), settings.zone)
    shown = webhook_label(to) if "://" in to else to
    try:
        week_of_digest = load_week(settings, chosen, chosen_digest)
        where = send_one(settings, week_of_digest, to, chosen_digest.name)
    except (NothingToSend, DeliveryError) as err:
        console.print(f"[red]not sent:[/red] {err}")
        raise typer.Exit(1) from None
    console.print(f"sent {chosen} to {shown} ({where}); the ledger is unchanged")
