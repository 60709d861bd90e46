"""Incremental ingest: embed only what changed, keep Chroma and BM25 in step.

Order of work, chosen so that a crash at any point leaves a usable index:
1. sweep vectors no committed state refers to (left by a crashed run);
2. embed and add the chunks of new and changed documents (ids carry the
   content hash, so a new version never overwrites the live one);
3. commit: build BM25 for the new chunk list, then atomically replace the
   state file that names it;
4. delete the vectors of removed documents and of replaced versions.
Long ingests commit every `index.commit_every_s` seconds so a crash loses little.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from pydantic import BaseModel

from assistant.documents import Document, FileError, scan_corpus
from assistant.indexing.chunking import Chunk, chunk_document
from assistant.indexing.embedding import Embedder
from assistant.indexing.store import (
    IndexLock,
    IndexState,
    VectorStore,
    load_state,
    remove_stale_keyword_indexes,
    save_state,
    write_keyword_index,
)
from assistant.settings import Settings

EMBED_BATCH = 64

Progress = Callable[[int, int, str], None]  # (chunks done, chunks to embed, current file)


class IngestReport(BaseModel):
    added: list[str] = []
    updated: list[str] = []
    removed: list[str] = []
    unchanged: list[str] = []
    chunks: int = 0  # chunks in the index after this ingest
    embedded: int = 0  # chunks embedded by this ingest
    errors: list[FileError] = []
    rebuilt: bool = False
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    def summary(self) -> str:
        return (
            f"added {len(self.added)}, updated {len(self.updated)}, removed {len(self.removed)}, "
            f"unchanged {len(self.unchanged)}, chunks {self.chunks}, errors {len(self.errors)}"
        )


def _commit(settings: Settings, state: IndexState, store: VectorStore, obsolete: list[str]) -> None:
    state.generation += 1
    state.bm25_dir = write_keyword_index(settings.index_dir, state)
    save_state(settings.index_dir, state)
    remove_stale_keyword_indexes(settings.index_dir, keep=state.bm25_dir)
    if obsolete:
        store.delete(obsolete)
        obsolete.clear()


def _replace_document(state: IndexState, document: Document, chunks: list[Chunk]) -> list[str]:
    """Swap a document's chunks in the state; returns the ids it no longer uses."""
    old = [chunk.id for chunk in state.chunks if chunk.doc_id == document.doc_id]
    state.chunks = [chunk for chunk in state.chunks if chunk.doc_id != document.doc_id] + chunks
    state.documents[document.doc_id] = document
    return old


def ingest(
    settings: Settings,
    embedder: Embedder | None = None,
    rebuild: bool = False,
    progress: Progress | None = None,
) -> IngestReport:
    began = time.perf_counter()
    report = IngestReport()
    index_dir = settings.index_dir
    with IndexLock(index_dir):
        state = load_state(index_dir)
        store = VectorStore(settings)
        fingerprint = settings.index_fingerprint()
        if rebuild or state.fingerprint != fingerprint:
            # Vectors from another model or chunking must never mix with ours. Commit
            # the empty index first: if this run dies, the next one starts from it.
            report.rebuilt = bool(rebuild or state.documents)
            state = IndexState(fingerprint=fingerprint, generation=state.generation)
            _commit(settings, state, store, [])
            store.reset()

        live = {chunk.id for chunk in state.chunks}
        orphans = sorted(store.ids() - live)
        if orphans:
            store.delete(orphans)

        documents, report.errors = scan_corpus(settings)
        current = {document.doc_id: document for document in documents}
        to_embed: list[Document] = []
        for document in documents:
            known = state.documents.get(document.doc_id)
            if known is None:
                report.added.append(document.doc_id)
                to_embed.append(document)
            elif known.content_hash != document.content_hash:
                report.updated.append(document.doc_id)
                to_embed.append(document)
            else:
                report.unchanged.append(document.doc_id)
        report.removed = sorted(set(state.documents) - set(current))

        if not to_embed and not report.removed and state.bm25_dir is not None:
            report.chunks = len(state.chunks)
            report.seconds = time.perf_counter() - began
            return report

        embedder = embedder or Embedder(settings)
        planned = [
            (document, chunk_document(
                document,
                embedder.count_tokens,
                embedder.tokenizer,
                settings.chunking.max_tokens,
                settings.chunking.overlap_tokens,
            ))
            for document in to_embed
        ]
        total = sum(len(chunks) for _, chunks in planned)
        obsolete: list[str] = []
        last_commit = time.monotonic()
        for document, chunks in planned:
            for first in range(0, len(chunks), EMBED_BATCH):
                batch = chunks[first : first + EMBED_BATCH]
                store.add(batch, embedder.embed_passages([chunk.embed_text for chunk in batch]))
                report.embedded += len(batch)
                if progress:
                    progress(report.embedded, total, document.source)
            obsolete += _replace_document(state, document, chunks)
            if time.monotonic() - last_commit > settings.index.commit_every_s:
                _commit(settings, state, store, obsolete)
                last_commit = time.monotonic()

        for doc_id in report.removed:
            obsolete += [chunk.id for chunk in state.chunks if chunk.doc_id == doc_id]
            state.chunks = [chunk for chunk in state.chunks if chunk.doc_id != doc_id]
            del state.documents[doc_id]
        _commit(settings, state, store, obsolete)
        report.chunks = len(state.chunks)
    report.seconds = time.perf_counter() - began
    return report
