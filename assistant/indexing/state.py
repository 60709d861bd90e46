"""The index's state file, which says which documents and chunks are live, and the lock
held while an ingest writes the index.

The state file is the single source of truth. It is replaced atomically at the end of
each ingest step, and names the keyword (BM25) folder built for exactly its chunks, so a
reader always sees one consistent version: vectors written by an ingest that has not yet
committed its state are invisible (retrieval keeps only chunk ids the state lists) and
are swept away by the next ingest.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

from pydantic import BaseModel, ValidationError

from assistant.documents import Document
from assistant.errors import AssistantError
from assistant.files import atomic_write
from assistant.indexing.chunking import Chunk

STATE_FILE = "state.json"
STATE_VERSION = 1


class IndexLockedError(AssistantError, RuntimeError):
    """Another process is writing the index."""


# What a message about a damaged part tells the user to do.
REBUILD = (
    "run `assistant ingest --rebuild` to build the index again from the documents "
    "(the damaged part is moved aside; the documents themselves are not touched)"
)
REPAIR = "run `assistant ingest` to repair it (only what is missing is embedded again)"


class IndexDamaged(AssistantError, RuntimeError):
    """A part of the index cannot be read or disagrees with the rest; the message names the
    part and the command that repairs it."""


class IndexState(BaseModel):
    version: int = STATE_VERSION
    fingerprint: str = ""
    generation: int = 0
    bm25_dir: str | None = None
    documents: dict[str, Document] = {}
    chunks: list[Chunk] = []


def load_state(index_dir: Path) -> IndexState:
    path = index_dir / STATE_FILE
    if not path.is_file():
        return IndexState()
    try:
        state = IndexState.model_validate_json(path.read_bytes())
    except ValidationError as exc:
        reason = exc.errors()[0]["msg"]
        raise IndexDamaged(f"the index state file {path} is damaged ({reason}); {REBUILD}") from None
    except OSError as exc:
        raise IndexDamaged(f"the index state file {path} cannot be read ({exc.strerror}); {REBUILD}") from None
    return state if state.version == STATE_VERSION else IndexState()


def save_state(index_dir: Path, state: IndexState) -> None:
    atomic_write(index_dir / STATE_FILE, state.model_dump_json())


class IndexLock:
    """An exclusive lock on the index folder, held for the length of an ingest.

    flock is released by the kernel when the holder dies, so a SIGKILLed
    ingest never leaves a stale lock behind."""

    def __init__(self, index_dir: Path):
        index_dir.mkdir(parents=True, exist_ok=True)
        self.path = index_dir / ".lock"
        self.handle = None

    def __enter__(self) -> IndexLock:
        handle = open(self.path, "a+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise IndexLockedError(
                f"index is locked by PID {holder} (an ingest is running on {self.path.parent}); "
                "wait for it to finish and try again"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self.handle = handle
        return self

    def __exit__(self, *exc) -> None:
        if self.handle is not None:
            self.handle.seek(0)
            self.handle.truncate()
            fcntl.flock(self.handle, fcntl.LOCK_UN)
            self.handle.close()
            self.handle = None


def set_aside(index_dir: Path, parts: list[Path]) -> Path:
    """Move damaged parts of the index into a fresh `damaged-<time>` folder beside them, for
    whoever wants to look at them; returns that folder. Nothing is deleted."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    folder = index_dir / f"damaged-{stamp}"
    serial = 1
    while folder.exists():
        serial += 1
        folder = index_dir / f"damaged-{stamp}-{serial}"
    folder.mkdir(parents=True)
    for part in parts:
        os.replace(part, folder / part.name)
    return folder
