"""The corpus folder as a list of cleaned, described documents."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel

from assistant.documents.catalog import CatalogEntry, load_catalog
from assistant.documents.cleaning import CLEANER_VERSION, clean_text
from assistant.documents.describe import Guess, derive_entry, guess_details
from assistant.documents.ids import assign_ids, base_id, new_id
from assistant.documents.library import (
    UPLOADS,
    UploadDetails,
    check_upload,
    is_upload,
    link_refusal,
    load_details,
    load_exclusions,
    store_upload,
    upload_files,
    upload_name,
)
from assistant.documents.readers import ReadLimits, UnreadableDocument, read_document
from assistant.settings import Settings


class Document(BaseModel):
    doc_id: str
    title: str
    kind: str
    region: str | None = None
    year: int | None = None
    source: str  # path relative to the corpus folder, or "uploads/<file>" for an upload
    text: str  # cleaned; citations' offsets point into this
    content_hash: str


class FileError(BaseModel):
    source: str
    reason: str

    def __str__(self) -> str:
        return f"{self.source} {self.reason}"


def content_hash(raw: bytes, entry: CatalogEntry) -> str:
    """Changes when the file, its catalog metadata or the cleaner changes."""
    digest = hashlib.sha256(raw)
    digest.update(json.dumps(entry.model_dump(), sort_keys=True).encode())
    digest.update(f"cleaner={CLEANER_VERSION}".encode())
    return digest.hexdigest()


def described(entry: CatalogEntry, details: UploadDetails | None) -> CatalogEntry:
    """`entry` with an upload's recorded id and the details set for it."""
    if details is None:
        return entry
    fields = {"title": details.title, "kind": details.kind, "region": details.region, "year": details.year}
    return entry.model_copy(update={"id": details.id, **{k: v for k, v in fields.items() if v is not None}})


def load_document(
    path: Path,
    relative: str,
    entry: CatalogEntry | None,
    max_bytes: int,
    limits: ReadLimits | None = None,
    doc_id: str | None = None,
    details: UploadDetails | None = None,
) -> Document:
    """Read and clean one file; raises UnreadableDocument with the reason. `entry` is its catalog
    entry; without one, its metadata is derived from the file, under `doc_id` (default: the
    plain id of its name) and with an upload's `details` over it."""
    raw_text = read_document(path, max_bytes, limits)
    text = clean_text(raw_text)
    if not text:
        raise UnreadableDocument("has no text left after cleaning")
    entry = entry or described(derive_entry(path, relative, text, doc_id or base_id(relative), limits), details)
    return Document(
        doc_id=entry.id,
        title=entry.title,
        kind=entry.kind,
        region=entry.region,
        year=entry.year,
        source=relative,
        text=text,
        content_hash=content_hash(path.read_bytes(), entry),
    )


def corpus_files(settings: Settings) -> tuple[list[tuple[Path, str]], list[FileError]]:
    """(path, source) for every candidate file, sorted: the corpus folder's files
    (source relative to it) less those the user removed, then the uploads
    (source "uploads/<file>"); and the files not read, with the reason (symbolic links
    leading out of their folder, or any link unless corpus.allow_symlinks)."""
    root = settings.corpus_dir
    excluded = {item.source for item in load_exclusions(settings)}
    files, errors = [], []
    for path in sorted(root.rglob("*")) if root.is_dir() else []:  # does not descend into linked folders
        relative = path.relative_to(root).as_posix()
        if any(part.startswith(".") for part in Path(relative).parts):
            continue
        if relative == settings.corpus.catalog or relative in excluded:
            continue
        refusal = link_refusal(path, root, settings.corpus.allow_symlinks) if path.is_symlink() else None
        if refusal:
            errors.append(FileError(source=relative, reason=refusal))
        elif path.is_file():
            files.append((path, relative))
    uploads, refused = upload_files(settings)
    errors += [FileError(source=source, reason=reason) for source, reason in refused.items()]
    return files + uploads, errors


GUESSED = ("kind", "year")  # the details guessed on upload


@dataclass
class Survey:
    """The candidate files with their ids and what describes them, before any is read."""

    files: list[tuple[Path, str]]  # (path, source)
    ids: dict[str, str]  # source -> document id
    catalog: dict[str, CatalogEntry]  # source -> catalog entry
    details: dict[str, UploadDetails]  # source -> an upload's details
    errors: list[FileError]  # files that cannot even be described (a damaged details file)


def survey(settings: Settings) -> Survey:
    """Every candidate file with its id: the catalog's, an upload's recorded one, or derived from
    its name so that no two files share one (assistant/documents/ids.py)."""
    catalog = load_catalog(settings.corpus_dir / settings.corpus.catalog)
    files, details = [], {}
    candidates, errors = corpus_files(settings)
    for path, source in candidates:
        if is_upload(source):
            try:
                found = load_details(settings, source)
            except UnreadableDocument as exc:
                errors.append(FileError(source=source, reason=str(exc)))
                continue
            if found is not None:
                details[source] = found
        files.append((path, source))
    fixed = {source: entry.id for source, entry in catalog.items()}
    fixed.update({source: found.id for source, found in details.items() if found.id not in fixed.values()})
    ids = assign_ids([source for _, source in files], fixed)
    return Survey(files=files, ids=ids, catalog=catalog, details=details, errors=errors)


def scan_corpus(settings: Settings) -> tuple[list[Document], list[FileError]]:
    """Every readable document in the corpus folder and the uploads, and a reason for each file skipped."""
    found = survey(settings)
    max_bytes = int(settings.corpus.max_file_mb * 1_000_000)
    limits = ReadLimits.of(settings.corpus)
    documents: list[Document] = []
    errors: list[FileError] = list(found.errors)
    seen: dict[str, str] = {}
    for path, relative in found.files:
        try:
            document = load_document(
                path, relative, found.catalog.get(relative), max_bytes, limits,
                doc_id=found.ids[relative], details=found.details.get(relative),
            )
        except UnreadableDocument as exc:
            errors.append(FileError(source=relative, reason=str(exc)))
            continue
        if document.doc_id in seen:  # assign_ids makes this impossible; keep the check so
            reason = f"has the same id '{document.doc_id}' as {seen[document.doc_id]}"
            errors.append(FileError(source=relative, reason=reason))
            continue
        seen[document.doc_id] = relative
        documents.append(document)
    return documents, errors


def add_upload(
    settings: Settings, path: Path, name: str, max_bytes: int, limits: ReadLimits
) -> tuple[Document, Guess]:
    """Check, read and store one file a user uploads under the name they gave it; returns the
    document as it will be indexed and what was guessed about it. Raises UnreadableDocument
    (nothing stored).

    The stored name never replaces a different upload (see library.upload_name); the same file
    name uploaded again replaces its earlier copy and keeps its id and the details the user set.
    The kind and year the user has not set are guessed from the title and first lines, and
    recorded as guesses, for the user to correct."""
    stored = upload_name(settings, path, check_upload(path, name, max_bytes), name)
    source = f"{UPLOADS}/{stored}"
    details = load_details(settings, source)
    if details is None:
        details = UploadDetails(name=name, id=new_id(source, set(survey(settings).ids.values())))
    document = load_document(path, source, None, max_bytes, limits, doc_id=details.id, details=details)
    guess = guess_details(document.title, document.text)
    set_by_user = {f for f in GUESSED if getattr(details, f) is not None and f not in details.guessed}
    guessed = {f: getattr(guess, f) for f in GUESSED if f not in set_by_user}
    details = details.model_copy(update={**guessed, "guessed": sorted(f for f, v in guessed.items() if v is not None)})
    document = document.model_copy(update={f: v for f, v in guessed.items() if v is not None})
    store_upload(settings, path, stored, details)
    return document, Guess(**{f: v for f, v in guessed.items() if v is not None})
