"""A document's details (title, kind, region, year), set by the user: for a file of the corpus
folder in corpus/catalog.yaml (written back with its comments), for an upload in the details file
beside it. Both are what the corpus scan reads, so the next ingest carries them into the index."""

from __future__ import annotations

from pathlib import PurePosixPath

from assistant.documents.catalog import CatalogEntry, load_catalog, save_entry
from assistant.documents.corpus import Document
from assistant.documents.library import UploadDetails, is_upload, load_details, save_details
from assistant.errors import InvalidRequest
from assistant.settings import Settings

FIELDS = ("title", "kind", "region", "year")
MAX_TEXT_CHARS = 500
YEARS = range(1900, 2101)


def checked(changes: dict) -> dict:
    """`changes` with each value cleaned (a blank text is None: the field is cleared), or
    InvalidRequest naming the field that cannot be taken."""
    unknown = sorted(set(changes) - set(FIELDS))
    if unknown:
        raise InvalidRequest(f"unknown document detail {unknown[0]!r} (the details are {', '.join(FIELDS)})")
    clean = {}
    for field, value in changes.items():
        if isinstance(value, str):
            value = " ".join(value.split()) or None
        if field == "year" and value is not None:
            try:
                value = int(value)
            except (TypeError, ValueError):
                raise InvalidRequest(f"the year must be a whole number such as 2016, not {value!r}") from None
            if value not in YEARS:
                raise InvalidRequest(f"the year must be between {YEARS.start} and {YEARS.stop - 1}, not {value}")
        elif value is not None and (not isinstance(value, str) or len(value) > MAX_TEXT_CHARS):
            raise InvalidRequest(f"the {field} must be a text of at most {MAX_TEXT_CHARS} characters")
        clean[field] = value
    return clean


def set_details(settings: Settings, document: Document, changes: dict) -> None:
    """Record `changes` to the details of `document` (an indexed document) where the corpus scan
    reads them. A cleared title or kind falls back to what is derived from the file (an upload)
    or to the current title and "document" (a catalog entry, which must have both)."""
    changes = checked(changes)
    if is_upload(document.source):
        details = load_details(settings, document.source) or UploadDetails(
            name=PurePosixPath(document.source).name, id=document.doc_id
        )
        guessed = [field for field in details.guessed if field not in changes]
        save_details(settings, document.source, details.model_copy(update={**changes, "guessed": guessed}))
        return
    path = settings.corpus_dir / settings.corpus.catalog
    entry = load_catalog(path).get(document.source) or CatalogEntry(
        id=document.doc_id, file=document.source, title=document.title, kind=document.kind,
        region=document.region, year=document.year,
    )
    if "title" in changes and changes["title"] is None:
        changes["title"] = entry.title
    if "kind" in changes and changes["kind"] is None:
        changes["kind"] = "document"
    save_entry(path, entry.model_copy(update=changes))
