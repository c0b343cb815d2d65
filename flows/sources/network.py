"""The network under a fetch: every wait cut to what is left of the fetch's deadline (a
server that drips a byte at a time cannot hold a run: httpx's timeouts bound each read, not
their sum), and every new connection checked as it is made: a source configured outside
reaches no internal address, even by a name that resolved outside when its redirect was
judged (DNS rebinding)."""

from __future__ import annotations

import ssl
import time
import typing
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cached_property

import httpcore

from flows.sources.addresses import addresses_of, internal_addresses, is_internal


@dataclass
class _Fetch:
    deadline: float  # time.monotonic() when it must end
    configured: str  # the source's own address

    @cached_property
    def may_go_inside(self) -> bool:
        """A source configured on an internal address (an intranet, a test) goes anywhere."""
        return bool(internal_addresses(self.configured))


_current: ContextVar[_Fetch | None] = ContextVar("current_fetch", default=None)


@contextmanager
def fetching(seconds: float, configured: str) -> Iterator[None]:
    """Network waits inside the block end `seconds` from now (httpcore's ReadTimeout);
    connections are checked against `configured`, the source's own address."""
    token = _current.set(_Fetch(time.monotonic() + seconds, configured))
    try:
        yield
    finally:
        _current.reset(token)


def passed() -> bool:
    """Whether the current fetch's deadline has passed."""
    now = _current.get()
    return now is not None and time.monotonic() >= now.deadline


def connect_to(host: str) -> list[str]:
    """The addresses to connect to for `host` in the current fetch: those it resolves to
    (connected to as such, not resolved again), or httpcore's ConnectError when one is
    internal and the source's own address is not."""
    now = _current.get()
    found = addresses_of(host) if now is not None else []
    if not found:
        return [host]  # no fetch under way, or no answer: the connect says why
    inside = [a for a in found if is_internal(a)]
    if inside and not now.may_go_inside:  # type: ignore[union-attr]
        raise httpcore.ConnectError(
            f"refused: {host} resolves to an internal address ({', '.join(inside)})"
        )
    return found


def _bounded(timeout: float | None) -> float | None:
    now = _current.get()
    if now is None:
        return timeout
    left = now.deadline - time.monotonic()
    if left <= 0:
        raise httpcore.ReadTimeout("the fetch's deadline has passed")
    return left if timeout is None else min(timeout, left)


class GuardedBackend(httpcore.NetworkBackend):
    """httpcore's own socket backend, each wait cut to the deadline of the fetch under way,
    each connection checked; but for the proxy's (`exempt`), which the operator chose."""

    def __init__(self, exempt: str = "") -> None:
        self.sockets, self.exempt = httpcore.SyncBackend(), exempt

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.NetworkStream:
        failed: httpcore.ConnectError | None = None
        for address in [host] if host == self.exempt else connect_to(host):
            try:
                stream = self.sockets.connect_tcp(
                    address, port, _bounded(timeout), local_address, socket_options
                )
            except httpcore.ConnectError as err:  # the next address, as a resolver would
                failed = err
                continue
            return GuardedStream(stream)
        raise failed or httpcore.ConnectError(f"{host}: no address")

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.NetworkStream:
        return GuardedStream(self.sockets.connect_unix_socket(path, _bounded(timeout)))

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class GuardedStream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self.stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self.stream.read(max_bytes, _bounded(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.stream.write(buffer, _bounded(timeout))

    def close(self) -> None:
        self.stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        tls = self.stream.start_tls(ssl_context, server_hostname, _bounded(timeout))
        return GuardedStream(tls)

    def get_extra_info(self, info: str) -> typing.Any:
        return self.stream.get_extra_info(info)
