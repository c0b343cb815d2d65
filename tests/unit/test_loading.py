"""The collector paused while a command's modules load, restarted and their objects frozen."""

from __future__ import annotations

import gc

import pytest

from flows.loading import collector_paused


def test_the_collector_waits_while_modules_load_and_skips_them_after() -> None:
    assert gc.isenabled()
    frozen = gc.get_freeze_count()
    try:
        with collector_paused():
            assert not gc.isenabled()
            loaded = [[i] for i in range(1000)]  # what an import keeps
            with collector_paused():  # a command inside another leaves it paused
                assert not gc.isenabled()
            assert not gc.isenabled()
        assert gc.isenabled()
        assert gc.get_freeze_count() >= frozen + len(loaded)
    finally:
        gc.unfreeze()
        gc.enable()


def test_the_collector_restarts_when_loading_fails() -> None:
    with pytest.raises(ImportError), collector_paused():
        raise ImportError("no such module")
    assert gc.isenabled()
    gc.unfreeze()
