"""The `digest` command as a program: NumPy's BLAS kept to one thread, and once a command is
done and what runs at exit has run (Prefect's last logs sent, pools and databases closed),
the process leaves at once."""

from __future__ import annotations

import atexit
import os
import sys

from flows.blas import one_blas_thread

_code: int | None = None  # the command's exit code, once it ended with one


def main() -> None:
    """Run the command line. Tearing down the interpreter would then free the objects of
    Prefect, SQLAlchemy and the pipeline one by one, a tenth of a second of an unchanged
    ingest, and nothing is left to write: the process ends with the command's code instead.
    An unexpected error ends the normal way, with its traceback and code."""
    global _code
    atexit.register(_leave)  # registered first, run last
    one_blas_thread()  # before NumPy loads
    from flows.cli.main import app

    try:
        app()
    except SystemExit as done:
        if done.code is None or isinstance(done.code, int):
            _code = done.code or 0
        raise


def _leave() -> None:
    if _code is None:
        return
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(_code)
