"""Files that must survive a crash before anything in the database refers to them."""

from __future__ import annotations

import os
from pathlib import Path


def write_durably(path: Path, content: bytes) -> None:
    """Create ``path`` (never overwrite), fsync the bytes and the folder's new entry. On any
    failure — a full disk takes part of the bytes — the half-written file goes at once, not
    in an hour when the space is needed most (tests/faults/test_disk_full.py)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(path, "xb") as fh:
            fh.write(content)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)  # the new name itself must survive a crash
    finally:
        os.close(dir_fd)
