"""NumPy's BLAS kept to one thread per process: the process pool is the parallelism."""

from __future__ import annotations

import os


def one_blas_thread() -> None:
    """One BLAS thread in this process and those it starts, unless the user chose: read
    when NumPy loads. On two cores BLAS's own threads, which spin while they wait, took a
    quarter more CPU to group a week into stories, for no gain in time."""
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        os.environ.setdefault(name, "1")
