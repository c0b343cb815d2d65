"""Files written whole: a reader (a mail client, a web server) never sees half of one."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_file(path: Path, data: bytes) -> Path:
    """Write through a temporary file and a rename: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temp, path)
    except BaseException:
        # A full disk or a name taken by a folder: no half-written file is left behind.
        Path(temp).unlink(missing_ok=True)
        raise
    return path
