"""The local Prefect server's process: Prefect's API and UI under uvicorn, as `prefect server
start` serves them, with its SQLite writes waiting for the lock rather than refused."""

from __future__ import annotations

import argparse


def serve(port: int) -> None:
    """Serve Prefect's app on loopback until stopped, with the settings `prefect server
    start` reads."""
    from flows.loading import collector_paused

    with collector_paused():
        import uvicorn
        from prefect.settings import get_current_settings

        from flows.orchestration.prefect_internals import local_server_app

        app = local_server_app()
    server = get_current_settings().server
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=port,
        timeout_keep_alive=server.api.keepalive_timeout,
        ws_ping_interval=server.api.websocket_ping_interval,
        ws_ping_timeout=server.api.websocket_ping_timeout,
        log_level=server.logging_level.lower(),
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    serve(parser.parse_args().port)
