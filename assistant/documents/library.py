"""The user's own changes to what is indexed: uploaded files, and corpus files set aside.

Uploads live in `<data dir>/uploads/` and are indexed with the corpus under
the source name `uploads/<file>`. Beside each one, `<file>.details.json` keeps the name the user
gave it, its document id (fixed when it was uploaded) and the details the user set or the
library guessed (title, kind, region, year). A corpus document the user removes is not
deleted (corpus/ is the user's folder, not ours): its source is recorded in
`<data dir>/excluded.json`, which the corpus scan honours, so it can be
restored later.
"""

from __future__ import annotations

import filecmp
import json
import os
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
DETAILS_SUFFIX = ".details.json"
MAX_NAME_CHARS = 120


class UploadDetails(BaseModel):
    """What is kept beside an upload. Unset fields are derived from the file when it is read."""

    name: str  # as the user gave it, before it was made safe
    id: str
    title: str | None = None
    kind: str | None = None
    region: str | None = None
    year: int | None = None
    guessed: list[str] = []  # the fields set by guessing from the text, not by the user


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


def details_path(settings: Settings, source: str) -> Path:
    return uploads_dir(settings) / (source.removeprefix(f"{UPLOADS}/") + DETAILS_SUFFIX)


def load_details(settings: Settings, source: str) -> UploadDetails | None:
    """The details kept beside an upload, None if there are none (an upload from before they
    were kept). A damaged details file raises UnreadableDocument naming it."""
    path = details_path(settings, source)
    if not path.is_file():
        return None
    try:
        return UploadDetails.model_validate_json(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise UnreadableDocument(f"has a details file {path} that cannot be read ({exc}); fix or delete it") from None


def save_details(settings: Settings, source: str, details: UploadDetails) -> None:
    atomic_write(details_path(settings, source), details.model_dump_json(indent=2))


def upload_name(settings: Settings, path: Path, safe_name: str, given_name: str) -> str:
    """The name to store the upload `path` under: `safe_name`, unless a different upload has it
    already (`a?b.txt` and `a*b.txt` are both `a_b.txt`), then `a_b-2.txt`, `a_b-3.txt`, ...
    A file the user uploads again under the same name replaces the earlier copy; so does the
    same content again under a name stored before names were kept."""
    folder = uploads_dir(settings)
    stem, suffix = Path(safe_name).stem, Path(safe_name).suffix
    for number in range(1, 10_000):
        candidate = safe_name if number == 1 else f"{stem}-{number}{suffix}"
        stored = folder / candidate
        if not stored.exists() and not stored.is_symlink():
            return candidate
        try:
            details = load_details(settings, f"{UPLOADS}/{candidate}")
        except UnreadableDocument:
            continue
        if details is not None and details.name == given_name:
            return candidate
        if details is None and stored.is_file() and not stored.is_symlink() and filecmp.cmp(stored, path, False):
            return candidate
    raise UnreadableDocument("cannot be stored: too many uploads share its name")


def store_upload(settings: Settings, path: Path, safe_name: str, details: UploadDetails) -> str:
    """Copy `path` into the uploads folder as `safe_name`, with its details beside it; returns
    its source name ("uploads/<safe_name>")."""
    folder = uploads_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    target = (folder / safe_name).resolve()
    if target.parent != folder.resolve():  # safe_filename makes this impossible; keep it so
        raise UnreadableDocument("has a file name that points outside the uploads folder")
    source = f"{UPLOADS}/{safe_name}"
    save_details(settings, source, details)
    atomic_copy(path, target)
    return source


def link_refusal(path: Path, folder: Path, allow_links: bool) -> str | None:
    """Why a symbolic link `path` in `folder` is not read, or None to read it. A link is only ever
    followed when the setting allows it and its real path stays inside the (real) folder: a link
    to /etc/passwd in corpus/ was indexed and listed with the title "root:x:0:0:root:…"."""
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):  # a dangling or looping link
        return "is a symbolic link to nothing that can be read"
    if not real.is_relative_to(folder.resolve()):
        return f"is a symbolic link to a file outside the {folder.name} folder; it is not read"
    if not allow_links:
        return "is a symbolic link; set corpus.allow_symlinks = true to read links that stay inside the corpus folder"
    return None


def upload_files(settings: Settings) -> tuple[list[tuple[Path, str]], dict[str, str]]:
    """(path, source) for every uploaded file, sources like "uploads/x.pdf", and {source: reason}
    for files not read (a link out of the uploads folder: uploads are our own copies)."""
    folder = uploads_dir(settings)
    if not folder.is_dir():
        return [], {}
    files, refused = [], {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.name.endswith(DETAILS_SUFFIX):
            continue
        source = f"{UPLOADS}/{path.name}"
        reason = link_refusal(path, folder, allow_links=False) if path.is_symlink() else None
        if reason:
            refused[source] = reason
        elif path.is_file():
            files.append((path, source))
    return files, refused


def delete_upload(settings: Settings, source: str) -> bool:
    """Delete an uploaded file (and its details) by its source name; False if it was not there."""
    folder = uploads_dir(settings).resolve()
    path = Path(os.path.normpath(folder / source.removeprefix(f"{UPLOADS}/")))  # the link itself, if one
    if path.parent != folder or not (path.is_file() or path.is_symlink()):
        return False
    path.unlink()
    details_path(settings, source).unlink(missing_ok=True)
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
