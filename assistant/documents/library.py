"""The user's own changes to what is indexed: uploaded files, and corpus files set aside.

Uploads live in `<data dir>/uploads/` and are indexed with the corpus under
the source name `uploads/<file>`. A corpus document the user removes is not
deleted (corpus/ is the user's folder, not ours): its source is recorded in
`<data dir>/excluded.json`, which the corpus scan honours, so it can be
restored later.
"""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ValidationError

from assistant.documents.readers import SUPPORTED, UnreadableDocument, human_size
from assistant.files import atomic_copy, atomic_write
from assistant.settings import Settings

UPLOADS = "uploads"
EXCLUDED_FILE = "excluded.json"
MAX_NAME_CHARS = 120


def uploads_dir(settings: Settings) -> Path:
    return settings.data_dir / UPLOADS


def is_upload(source: str) -> bool:
    """Whether a document's source names an uploaded file rather than a corpus file."""
    return source.startswith(f"{UPLOADS}/")


def safe_filename(name: str) -> str:
    """The file name an upload is stored under: its last path component, with
    anything but letters, digits, '-', '_', '.' and spaces replaced, so that
    "../../x.pdf" becomes "x.pdf". Raises UnreadableDocument when nothing usable is left."""
    base = unicodedata.normalize("NFKC", name).replace("\\", "/").rsplit("/", 1)[-1]
    base = re.sub(r"[^\w.\- ]+", "_", base, flags=re.UNICODE)
    base = re.sub(r"\s+", " ", base).strip(" .")  # no hidden files, no '..'
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = stem.strip(" .")[: MAX_NAME_CHARS - len(suffix) - 1]
    if not stem:
        raise UnreadableDocument("has no usable file name")
    return f"{stem}.{suffix.lower()}" if suffix else stem


def check_upload(path: Path, name: str, max_bytes: int) -> str:
    """The safe stored name for an upload, or UnreadableDocument saying why it is refused."""
    safe = safe_filename(name)
    suffix = Path(safe).suffix.lower()
    if suffix not in SUPPORTED:
        kinds = ", ".join(s for s in SUPPORTED if s != ".htm")
        raise UnreadableDocument(f"is not a supported type ('{suffix or 'no extension'}'; upload {kinds})")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise UnreadableDocument(f"cannot be opened ({exc.strerror})") from None
    if size > max_bytes:
        raise UnreadableDocument(f"is too large ({human_size(size)}; uploads are limited to {human_size(max_bytes)})")
    return safe


def store_upload(settings: Settings, path: Path, safe_name: str) -> Path:
    """Copy `path` into the uploads folder as `safe_name` (replacing an earlier upload of that name)."""
    folder = uploads_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    target = (folder / safe_name).resolve()
    if target.parent != folder.resolve():  # safe_filename makes this impossible; keep it so
        raise UnreadableDocument("has a file name that points outside the uploads folder")
    atomic_copy(path, target)
    return target


def upload_files(settings: Settings) -> list[tuple[Path, str]]:
    """(path, source) for every uploaded file, sources like "uploads/x.pdf"."""
    folder = uploads_dir(settings)
    if not folder.is_dir():
        return []
    return [
        (path, f"{UPLOADS}/{path.name}")
        for path in sorted(folder.iterdir())
        if path.is_file() and not path.name.startswith(".")
    ]


def delete_upload(settings: Settings, source: str) -> bool:
    """Delete an uploaded file by its source name; False if it was not there."""
    folder = uploads_dir(settings).resolve()
    path = (folder / source.removeprefix(f"{UPLOADS}/")).resolve()
    if path.parent != folder or not path.is_file():
        return False
    path.unlink()
    return True


class Exclusion(BaseModel):
    """A corpus file the user removed from the index; the file itself is untouched."""

    source: str  # relative to the corpus folder
    doc_id: str
    title: str
    excluded_at: str


def _exclusions_path(settings: Settings) -> Path:
    return settings.data_dir / EXCLUDED_FILE


def load_exclusions(settings: Settings) -> list[Exclusion]:
    path = _exclusions_path(settings)
    if not path.is_file():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return [Exclusion(**item) for item in data.get("excluded", [])]
    except (OSError, ValueError, TypeError, AttributeError, ValidationError) as exc:
        # Ignoring it would silently bring removed documents back; stop and say where it is.
        raise ValueError(f"{path} cannot be read ({exc}); fix or delete it") from None


def save_exclusions(settings: Settings, items: list[Exclusion]) -> None:
    payload = {"excluded": [item.model_dump() for item in items]}
    atomic_write(_exclusions_path(settings), json.dumps(payload, indent=2, ensure_ascii=False))


def exclude(settings: Settings, source: str, doc_id: str, title: str) -> Exclusion:
    items = [item for item in load_exclusions(settings) if item.source != source]
    entry = Exclusion(source=source, doc_id=doc_id, title=title, excluded_at=datetime.now(UTC).isoformat())
    save_exclusions(settings, [*items, entry])
    return entry


def restore(settings: Settings, source_or_id: str) -> Exclusion:
    """Take a corpus file off the exclusion list (by source or document id)."""
    items = load_exclusions(settings)
    found = next((item for item in items if source_or_id in (item.source, item.doc_id)), None)
    if found is None:
        raise ValueError(f"{source_or_id!r} is not among the removed corpus documents")
    save_exclusions(settings, [item for item in items if item is not found])
    return found
