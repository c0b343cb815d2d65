"""`digest subscribers` and unsubscribing: who gets the digest."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.table import Table

from flows.cli.common import Config, app, console, migrated_settings, shown, stop
from flows.settings_check import address_problem

subscribers_app = typer.Typer(help="Readers beyond the config's recipients.", no_args_is_help=True)
app.add_typer(subscribers_app, name="subscribers")


@subscribers_app.command("add")
def subscribers_add(email: str, config: Config = None) -> None:
    """Subscribe an address. Example: digest subscribers add ana@example.org"""
    if problem := address_problem(email):
        stop(problem)
    settings = migrated_settings(config)
    from db import subscribers as subscriber_store
    from db.engine import session_scope

    with session_scope(settings.database_url) as session:
        subscriber_store.add(session, email, datetime.now(UTC))
    console.print(f"subscribed {shown(email)}")


@subscribers_app.command("remove")
def subscribers_remove(email: str, config: Config = None) -> None:
    """Stop sending to an address. Example: digest subscribers remove ana@example.org"""
    unsubscribe(email, config)


@subscribers_app.command("list")
def subscribers_list(config: Config = None) -> None:
    """Every subscriber and whether they still get the digest. Example: digest subscribers list"""
    settings = migrated_settings(config)
    from db import subscribers as subscriber_store
    from db.engine import session_scope

    with session_scope(settings.database_url) as session:
        rows = subscriber_store.list_all(session)
    table = Table("email", "from", "since", "status")
    configured = {e.strip().lower() for e in settings.recipients}
    for r in rows:
        status = f"unsubscribed {r.unsubscribed_at:%Y-%m-%d}" if r.unsubscribed_at else "active"
        if not r.unsubscribed_at and r.origin == "config" and r.email not in configured:
            status = "not mailed: the settings no longer name it"  # kept for its history
        table.add_row(shown(r.email), r.origin, f"{r.added_at:%Y-%m-%d}", status)
    console.print(table)


@app.command()
def unsubscribe(email: str, config: Config = None) -> None:
    """Honour a request sent to the unsubscribe mailto address.

    Example: digest unsubscribe ana@example.org
    """
    settings = migrated_settings(config)
    from db import subscribers as subscriber_store
    from db.engine import session_scope

    with session_scope(settings.database_url) as session:
        changed = subscriber_store.unsubscribe_email(session, email, datetime.now(UTC))
    console.print(f"{shown(email)} {'unsubscribed' if changed else 'was already unsubscribed'}")


@app.command("serve-unsubscribe")
def serve_unsubscribe(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8025,
    config: Config = None,
) -> None:
    """Serve the unsubscribe links, feedback links and manage page of delivery.base_url.

    Example: digest serve-unsubscribe --port 8025
    """
    from flows.deliver.unsubscribe import make_app, make_server
    from flows.pipeline.reader_actions import StoredReaderActions

    settings = migrated_settings(config)
    server = make_server(make_app(StoredReaderActions(settings.database_url)), host, port)
    console.print(f"reader endpoint on http://{host}:{server.effective_port}/ "
                  "(unsubscribe, feedback, manage)")  # fmt: skip
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
