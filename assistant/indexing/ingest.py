"""Incremental ingest: embed only what changed, keep Chroma and BM25 in step.

Order of work, chosen so that a crash at any point leaves a usable index:
1. sweep vectors no committed state refers to (left by a crashed run);
2. embed and add the chunks of new and changed documents (ids carry the
   content hash, so a new version never overwrites the live one);
3. commit: build BM25 for the new chunk list, then atomically replace the
   state file that names it;
4. delete the vectors of removed documents and of replaced versions.
Long ingests commit every `index.commit_every_s` seconds so a crash loses little, or
less often when a commit itself grows costly (see COMMIT_SPACING).

Each ingest also repairs what is missing: vectors the state lists but the store lost are
embedded again (only those), and a keyword index that is missing or disagrees with the state
is built again. A document whose catalog entry changed only in what filters read (kind,
region, year) is relabelled in place, without embedding. `rebuild` first moves the parts that
cannot be opened (state file, Chroma database) aside, to `index/damaged-<time>/`.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from itertools import accumulate

from pydantic import BaseModel

from assistant.documents import Document, FileError, scan_corpus
from assistant.indexing.chunking import Chunk, chunk_document
from assistant.indexing.embedding import Embedder
from assistant.indexing.keywords import (
    KeywordIndex,
    KeywordTokens,
    remove_stale_keyword_indexes,
    write_keyword_index,
)
from assistant.indexing.state import (
    STATE_FILE,
    IndexDamaged,
    IndexLock,
    IndexState,
    load_state,
    save_state,
    set_aside,
)
from assistant.indexing.vectors import VectorStore, chroma_client, forget_local_clients, local_folder
from assistant.settings import Settings

# Chunks embedded per call, across document boundaries: the embedder sorts a call's texts
# by length, so batches carry little padding (~4% in 256 chunks; a document's own ~10
# chunks batched alone carry ~13%). A window is kept shorter than the commit interval,
# so commits keep their pace however small `index.commit_every_s` is.
MIN_WINDOW, MAX_WINDOW = 32, 256

# A commit rebuilds BM25 over every chunk and rewrites the state file, so its cost grows
# with the index: ~10 s at 100,000 chunks. Committing every 60 s regardless spent ~7% of
# a 100,000-chunk ingest in commits; spacing each commit at least this many times its own
# cost after the last keeps commits under ~3% of any ingest.
COMMIT_SPACING = 30

Progress = Callable[[int, int, str], None]  # (chunks done, chunks to embed, current file)


class IngestReport(BaseModel):
    added: list[str] = []
    updated: list[str] = []
    relabelled: list[str] = []  # catalog details changed (kind, region, year): metadata rewritten, nothing embedded
    removed: list[str] = []
    unchanged: list[str] = []
    chunks: int = 0  # chunks in the index after this ingest
    embedded: int = 0  # chunks embedded by this ingest
    errors: list[FileError] = []
    rebuilt: bool = False
    repaired: list[str] = []  # what a plain ingest found missing or damaged in the index and put right
    set_aside: str | None = None  # where a rebuild moved the damaged parts of the old index
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.relabelled or self.removed)

    def summary(self) -> str:
        return (
            f"added {len(self.added)}, updated {len(self.updated)}, removed {len(self.removed)}, "
            f"unchanged {len(self.unchanged)}, chunks {self.chunks}, errors {len(self.errors)}"
        ) + (f", relabelled {len(self.relabelled)}" if self.relabelled else "")


def _commit(
    settings: Settings, state: IndexState, store: VectorStore, obsolete: list[str], tokens: KeywordTokens | None = None
) -> None:
    state.generation += 1
    state.bm25_dir = write_keyword_index(settings.index_dir, state, tokens)
    save_state(settings.index_dir, state)
    remove_stale_keyword_indexes(settings.index_dir, keep=state.bm25_dir)
    if obsolete:
        store.delete(obsolete)
        obsolete.clear()


def _only_labels_changed(known: Document, document: Document) -> bool:
    """Whether only the catalog details filters read changed: the text and title (which the
    vectors and BM25 were made from, see Chunk.embed_text) are the same."""
    return known.text == document.text and known.title == document.title and known.source == document.source


def _relabel(state: IndexState, store: VectorStore, documents: list[Document]) -> None:
    """Give the documents' chunks their new kind, region and year, in Chroma first and then in
    the state (committed by the caller), keeping their vectors and ids."""
    changed = {document.doc_id: document for document in documents}
    chunks = []
    for index, chunk in enumerate(state.chunks):
        document = changed.get(chunk.doc_id)
        if document is not None:
            chunk = chunk.model_copy(update={"kind": document.kind, "region": document.region, "year": document.year})
            state.chunks[index] = chunk
            chunks.append(chunk)
    store.relabel(chunks)
    state.documents.update(changed)


def _apply(state: IndexState, finished: list[tuple[Document, list[Chunk]]], removed: list[str]) -> list[str]:
    """Put finished documents' chunks into the state in place of their old ones and drop the
    removed documents; returns the chunk ids no longer used. One pass over the state's chunks
    for any number of documents: done per document, this was quadratic in a large ingest."""
    replaced = {document.doc_id for document, _ in finished} | set(removed)
    if not replaced:
        return []
    old = [chunk.id for chunk in state.chunks if chunk.doc_id in replaced]
    state.chunks = [chunk for chunk in state.chunks if chunk.doc_id not in replaced] + [
        chunk for _, chunks in finished for chunk in chunks
    ]
    for document, _ in finished:
        state.documents[document.doc_id] = document
    for doc_id in removed:
        del state.documents[doc_id]
    return old


def _set_aside_damaged(settings: Settings) -> str | None:
    """Move the parts of the index that cannot be opened (the state file, the embedded Chroma
    database) into `index/damaged-<time>/`, so a rebuild starts without reading them."""
    parts = []
    try:
        load_state(settings.index_dir)
    except IndexDamaged:
        parts.append(settings.index_dir / STATE_FILE)
    if not settings.chroma.host:
        try:
            chroma_client(settings)
        except IndexDamaged:
            parts.append(local_folder(settings))
    if not parts:
        return None
    folder = set_aside(settings.index_dir, parts)
    forget_local_clients()
    return str(folder)


def _restore_vectors(store: VectorStore, embedder: Embedder, chunks: list[Chunk], progress: Progress | None) -> None:
    """Embed again the committed chunks the vector store lost; the state already lists them."""
    for first in range(0, len(chunks), MAX_WINDOW):
        window = chunks[first : first + MAX_WINDOW]
        store.add(window, embedder.embed_chunks([chunk.embed_text for chunk in window]))
        if progress:
            progress(first + len(window), len(chunks), "(vectors missing from the index)")


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
        if rebuild:
            report.set_aside = _set_aside_damaged(settings)
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
        stored = store.ids()
        orphans = sorted(stored - live)
        if orphans:
            store.delete(orphans)
        lost = [chunk for chunk in state.chunks if chunk.id not in stored]
        if lost:
            embedder = embedder or Embedder(settings)
            _restore_vectors(store, embedder, lost, progress)
            report.embedded += len(lost)
            report.repaired.append(
                f"{len(lost)} of {len(live)} passages were missing from the vector store "
                f"({store.where}): embedded again"
            )
        keywords_sound = state.bm25_dir is not None
        if state.chunks or state.bm25_dir is not None:
            try:
                KeywordIndex.open(index_dir, state)
            except IndexDamaged as exc:
                keywords_sound = False
                report.repaired.append(f"{str(exc).split('; ')[0]}: built again")

        documents, report.errors = scan_corpus(settings)
        current = {document.doc_id: document for document in documents}
        to_embed: list[Document] = []
        relabel: list[Document] = []
        for document in documents:
            known = state.documents.get(document.doc_id)
            if known is None:
                report.added.append(document.doc_id)
                to_embed.append(document)
            elif known.content_hash != document.content_hash and _only_labels_changed(known, document):
                report.relabelled.append(document.doc_id)
                relabel.append(document)
            elif known.content_hash != document.content_hash:
                report.updated.append(document.doc_id)
                to_embed.append(document)
            else:
                report.unchanged.append(document.doc_id)
        report.removed = sorted(set(state.documents) - set(current))

        if relabel:
            _relabel(state, store, relabel)
        if not to_embed and not relabel and not report.removed and keywords_sound:
            report.chunks = len(state.chunks)
            report.seconds = time.perf_counter() - began
            return report

        if to_embed:
            embedder = embedder or Embedder(settings)
        planned = [
            (document, chunk_document(
                document,
                embedder.tokenizer,
                settings.chunking.max_tokens,
                settings.chunking.overlap_tokens,
            ))
            for document in to_embed
        ]
        flat = [(document, chunk) for document, chunks in planned for chunk in chunks]
        total = len(flat)
        waiting = deque(planned)  # documents with chunks still to embed, in order
        last_chunk = list(accumulate(len(chunks) for _, chunks in planned))  # position of each one's end
        finished: list[tuple[Document, list[Chunk]]] = []  # embedded and stored, not yet in the state
        obsolete: list[str] = []
        tokens = KeywordTokens()
        last_commit = time.monotonic()
        commit_interval = settings.index.commit_every_s
        size = MIN_WINDOW
        done = 0
        while done < total:
            window = [chunk for _, chunk in flat[done : done + size]]
            window_began = time.monotonic()
            store.add(window, embedder.embed_chunks([chunk.embed_text for chunk in window]))
            rate = len(window) / max(time.monotonic() - window_began, 1e-3)
            size = max(MIN_WINDOW, min(MAX_WINDOW, int(rate * settings.index.commit_every_s)))
            done += len(window)
            if progress:
                progress(done, total, flat[done - 1][0].source)
            while waiting and last_chunk[len(planned) - len(waiting)] <= done:
                finished.append(waiting.popleft())
            if time.monotonic() - last_commit > commit_interval:
                commit_began = time.monotonic()
                obsolete += _apply(state, finished, [])
                finished.clear()
                _commit(settings, state, store, obsolete, tokens)
                last_commit = time.monotonic()
                commit_interval = max(settings.index.commit_every_s, COMMIT_SPACING * (last_commit - commit_began))

        report.embedded += done
        obsolete += _apply(state, finished + list(waiting), report.removed)  # waiting: only if nothing was embedded
        _commit(settings, state, store, obsolete, tokens)
        report.chunks = len(state.chunks)
        if total:
            embedder.prepare(settings)  # e.g. the ONNX export, here rather than in the first question
    report.seconds = time.perf_counter() - began
    return report
