"""Writing files so that a reader never sees half of one: write beside, then replace.

Every file the package writes that someone else reads (the index state, the keyword
index's id list, uploads, the exclusion list, the catalog, exports) goes through here,
so a crash or a full disk leaves the old file, never a truncated one.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path


def _replace_with(path: Path, fill) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            fill(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write(path: Path, data: str | bytes) -> None:
    """Replace `path` with `data` (str is written as UTF-8) in one step."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    _replace_with(path, lambda handle: handle.write(payload))


def atomic_copy(source: Path, path: Path) -> None:
    """Replace `path` with a copy of `source` in one step."""
    with open(source, "rb") as src:
        _replace_with(path, lambda handle: shutil.copyfileobj(src, handle))
