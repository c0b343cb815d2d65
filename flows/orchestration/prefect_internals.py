"""Every use of Prefect beyond its documented flow and task API, in one place: each is here
for speed or to work around a known problem, and tests/integration/test_prefect_internals.py
fails when a Prefect release changes one (pyproject.toml pins the tested minor version)."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any, TypeVar

from prefect import Flow
from prefect.context import FlowRunContext, SettingsContext, get_settings_context
from prefect.settings import Settings as PrefectSettings
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.utilities.annotations import quote

T = TypeVar("T")
F = TypeVar("F", bound=Flow)
_PLAIN = (str, int, float, bool, type(None))  # parameters sent as they are
HEARTBEAT_SETTING = "flows.heartbeat_frequency"

_quiet: tuple[PrefectSettings, PrefectSettings] | None = None  # (settings, without heartbeats)


def v1_models_looked_for_once_loaded() -> None:
    """Prefect looks for pydantic v1 models among a flow's parameters as the flow is defined,
    importing pydantic.v1 to do so, in every command. Nothing can be a v1 model before
    something has imported pydantic.v1, so until then the answer is no."""
    from prefect._internal.pydantic import v1_schema

    looks = v1_schema.is_v1_model

    def is_v1_model(value: Any) -> bool:
        return "pydantic.v1" in sys.modules and looks(value)

    v1_schema.is_v1_model = is_v1_model


# At import: the flow modules import this one before they define their flows.
v1_models_looked_for_once_loaded()


def on_thread_runner() -> bool:
    """Whether the flow run under way submits its tasks to threads of this process."""
    context = FlowRunContext.get()
    return context is not None and isinstance(context.task_runner, ThreadPoolTaskRunner)


def uninspected(value: T) -> T:
    """`value` wrapped so that Prefect does not walk it for futures to wait on (a task's
    argument or result): for a large collection that walk costs more than the task. Prefect
    unwraps an argument before the task runs; a returned value is unwrapped by `unwrapped`.
    On threads only: a Dask worker receives the wrapper as a bare tuple."""
    return quote(value)  # type: ignore[return-value]


def unwrapped(value: Any) -> Any:
    """What `uninspected` wrapped, as a task returned it."""
    return value.unquote() if isinstance(value, quote) else value


def plain_parameters(flow: F) -> F:
    """`flow` sending its parameters to the API as they are when each is a string, a number,
    a bool or None (as Prefect's encoder would); any other, Prefect's own way. Its encoder
    is FastAPI's, and a command that imports it for a few strings loads a web framework.
    A copy made by `with_options` encodes Prefect's way again: wrap it too."""
    encode = flow.serialize_parameters

    def serialize(parameters: dict[str, Any]) -> dict[str, Any]:
        if all(type(value) in _PLAIN for value in parameters.values()):
            return dict(parameters)
        return encode(parameters)

    flow.serialize_parameters = serialize  # type: ignore[method-assign]
    return flow


@contextmanager
def without_heartbeats() -> Iterator[None]:
    """Prefect's settings with flow-run heartbeats off, for the runs started inside.

    The copy of the settings is kept, and made again only when the settings in force
    change. It is pydantic's copy, without validation: Prefect's `copy_with_update`
    validates every setting again, 0.13 s of each command on the loaded machine."""
    context = get_settings_context()
    global _quiet
    if _quiet is None or _quiet[0] is not context.settings:
        settings = context.settings
        flows = settings.flows.model_copy(update={HEARTBEAT_SETTING.split(".")[1]: None})
        _quiet = (settings, settings.model_copy(update={"flows": flows}))
    with SettingsContext(profile=context.profile, settings=_quiet[1]):
        yield


def ephemeral_api_url() -> str:
    """The address of the temporary local API server this process's runs talk to when no
    PREFECT_API_URL is set, started if it is not yet: Prefect keeps one per process
    (SubprocessASGIServer is a singleton by port, None for the default one)."""
    from prefect.server.api.server import SubprocessASGIServer  # the server's import is heavy

    server = SubprocessASGIServer()
    server.start()
    return server.api_url


def settings_from_environment() -> None:
    """Prefect's settings outside any flow read again from the environment: Prefect reads
    them once, when imported, and the local server's address can change after that (its
    port taken by another program while it started)."""
    from prefect.context import refresh_global_settings_context

    refresh_global_settings_context()


def begin_writes_immediate() -> None:
    """The Prefect server in this process begins its SQLite transactions IMMEDIATE.

    Prefect begins one that may write as DEFERRED: it reads, then asks for the write lock.
    When another writer (one of the server's own services) holds the lock at that moment,
    SQLite refuses at once rather than wait out its busy timeout (a reader's snapshot cannot
    become a writer's): a 503, and Prefect's client waits two seconds or more before it tries
    again. Begun IMMEDIATE, a transaction takes the write lock first, and waits for it."""
    from prefect.server.database.configurations import AioSqliteConfiguration

    deferred = AioSqliteConfiguration.begin_transaction

    @asynccontextmanager
    async def immediate(
        self: AioSqliteConfiguration, session: Any, with_for_update: bool = False
    ) -> AsyncIterator[Any]:
        async with deferred(self, session, with_for_update=True) as transaction:
            yield transaction

    AioSqliteConfiguration.begin_transaction = immediate  # type: ignore[method-assign]


# The API's routers a flow run calls, by prefix: the version check, the run and its states,
# the CSRF token, logs, artifacts and events.
RUN_ROUTERS = ("/admin", "/flows", "/flow_runs", "/csrf-token", "/logs", "/artifacts", "/events")


def local_server_app() -> Any:
    """Prefect's server app (its API, UI and services) as `prefect server start` serves it,
    with its SQLite transactions begun IMMEDIATE, and the routers a flow run calls first.

    FastAPI prepares a router's routes when a request first passes through it, and a request
    passes through every router listed before its own. In Prefect's order a run's first call,
    the version check, comes last but one, so a new server prepared nearly every router
    before its first answer, while the command that started it waited. The others are
    prepared when first reached (the UI's); no path of theirs starts with these prefixes."""
    from prefect.server.api import server

    routers = server.API_ROUTERS
    first = tuple(r for r in routers if r.prefix in RUN_ROUTERS)
    server.API_ROUTERS = first + tuple(r for r in routers if r not in first)
    begin_writes_immediate()
    app = server.create_app(final=True)
    create_app = server.create_app

    def served_app(settings: Any = None, ephemeral: bool = False, webserver_only: bool = False,
                   final: bool = False, ignore_cache: bool = False) -> Any:  # fmt: skip
        """The app served, for the clients the server's services make of it: Prefect would
        dump every setting for its cache key and set its logging up again, per client."""
        if settings is None and not (ephemeral or webserver_only or ignore_cache):
            return app
        return create_app(settings, ephemeral, webserver_only, final, ignore_cache)

    server.create_app = served_app
    return app
