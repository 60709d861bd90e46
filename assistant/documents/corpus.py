"""The corpus folder as a list of cleaned, described documents."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from pydantic import BaseModel

from assistant.documents.catalog import CatalogEntry, derive_entry, load_catalog
from assistant.documents.cleaning import CLEANER_VERSION, clean_text
from assistant.documents.library import load_exclusions, upload_files
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


def load_document(
    path: Path, relative: str, entry: CatalogEntry | None, max_bytes: int, limits: ReadLimits | None = None
) -> Document:
    """Read and clean one file; raises UnreadableDocument with the reason."""
    raw_text = read_document(path, max_bytes, limits)
    text = clean_text(raw_text)
    if not text:
        raise UnreadableDocument("has no text left after cleaning")
    entry = entry or derive_entry(relative, text)
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


def corpus_files(settings: Settings) -> list[tuple[Path, str]]:
    """(path, source) for every candidate file, sorted: the corpus folder's files
    (source relative to it) less those the user removed, then the uploads
    (source "uploads/<file>")."""
    root = settings.corpus_dir
    excluded = {item.source for item in load_exclusions(settings)}
    files = []
    for path in sorted(root.rglob("*")) if root.is_dir() else []:
        relative = path.relative_to(root).as_posix()
        if not path.is_file() or any(part.startswith(".") for part in Path(relative).parts):
            continue
        if relative == settings.corpus.catalog or relative in excluded:
            continue
        files.append((path, relative))
    return files + upload_files(settings)


def scan_corpus(settings: Settings) -> tuple[list[Document], list[FileError]]:
    """Every readable document in the corpus folder and the uploads, and a reason for each file skipped."""
    catalog = load_catalog(settings.corpus_dir / settings.corpus.catalog)
    max_bytes = int(settings.corpus.max_file_mb * 1_000_000)
    limits = ReadLimits.of(settings.corpus)
    documents: list[Document] = []
    errors: list[FileError] = []
    seen: dict[str, str] = {}
    for path, relative in corpus_files(settings):
        try:
            document = load_document(path, relative, catalog.get(relative), max_bytes, limits)
        except UnreadableDocument as exc:
            errors.append(FileError(source=relative, reason=str(exc)))
            continue
        if document.doc_id in seen:
            reason = f"has the same id '{document.doc_id}' as {seen[document.doc_id]}"
            errors.append(FileError(source=relative, reason=reason))
            continue
        seen[document.doc_id] = relative
        documents.append(document)
    return documents, errors
