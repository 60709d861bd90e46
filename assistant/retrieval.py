"""Hybrid retrieval: dense (Chroma) and BM25, fused by weighted reciprocal rank.

Results are restricted to the chunks of the committed index state, which is
re-read whenever an ingest replaces it, so a new upload is searchable at once
and a query never sees half an ingest.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel

from assistant.documents import Document
from assistant.errors import AssistantError
from assistant.indexing.chunking import Chunk
from assistant.indexing.embedding import Embedder
from assistant.indexing.keywords import KeywordIndex, KeywordIndexMissing
from assistant.indexing.state import REPAIR, STATE_FILE, IndexDamaged, IndexState, load_state
from assistant.indexing.vectors import VectorStore
from assistant.settings import Settings

# Filtered dense search (see Retriever._dense): at most this many allowed chunks are scored
# exactly from their stored vectors (reading one costs ~50 us: 500 take ~15 ms at 100,000 chunks).
EXACT_MAX = 500


class Filters(BaseModel):
    """Restrict retrieval to documents matching every given field (any of its values)."""

    doc_ids: list[str] | None = None
    kinds: list[str] | None = None
    regions: list[str] | None = None
    years: list[int] | None = None

    def active(self) -> bool:
        return any(value for value in self.model_dump().values())

    def matches(self, document: Document) -> bool:
        checks = (
            (self.doc_ids, document.doc_id),
            (self.kinds, document.kind),
            (self.regions, document.region),
            (self.years, document.year),
        )
        return all(not wanted or value in wanted for wanted, value in checks)

    def chroma_where(self) -> dict | None:
        """The same filter for Chroma, on the metadata written with every chunk (and rewritten
        when a document's catalog entry changes): Chroma indexes these fields, where a
        `doc_id IN (~2,000 ids)` list was evaluated id by id."""
        clauses = [
            {field: {"$in": list(values)}}
            for field, values in (
                ("doc_id", self.doc_ids), ("kind", self.kinds), ("region", self.regions), ("year", self.years)
            )
            if values
        ]
        if len(clauses) > 1:
            return {"$and": clauses}
        return clauses[0] if clauses else None


@dataclass
class Hit:
    chunk: Chunk
    score: float  # fused
    dense: float | None = None  # cosine similarity
    bm25: float | None = None
    dense_rank: int | None = None
    bm25_rank: int | None = None


@dataclass
class Snapshot:
    """One committed version of the index, as loaded in memory."""

    state: IndexState
    keywords: KeywordIndex
    chunks: dict[str, Chunk] = field(default_factory=dict)
    stamp: int = 0
    doc_chunks: dict[str, list[str]] = field(default_factory=dict)  # doc id -> its chunk ids

    @property
    def documents(self) -> dict[str, Document]:
        return self.state.documents


class IndexNotReady(AssistantError, RuntimeError):
    """Nothing has been ingested yet."""


def fuse(
    dense: list[tuple[str, float]],
    keyword: list[tuple[str, float]],
    dense_weight: float,
    rrf_k: int,
) -> dict[str, float]:
    """Weighted reciprocal rank fusion of two rankings."""
    scores: dict[str, float] = {}
    for weight, ranking in ((dense_weight, dense), (1.0 - dense_weight, keyword)):
        for rank, (chunk_id, _) in enumerate(ranking, start=1):
            scores[chunk_id] = scores.get(chunk_id, 0.0) + weight / (rrf_k + rank)
    return scores


class Retriever:
    def __init__(self, settings: Settings, embedder: Embedder, store: VectorStore | None = None):
        self.settings = settings
        self.embedder = embedder
        self.store = store or VectorStore(settings)
        self._snapshot: Snapshot | None = None
        self._lock = threading.Lock()

    @property
    def state_path(self) -> Path:
        return self.settings.index_dir / STATE_FILE

    def snapshot(self) -> Snapshot:
        """The current committed index, reloaded when an ingest has replaced it."""
        try:
            stamp = self.state_path.stat().st_mtime_ns
        except FileNotFoundError:
            raise IndexNotReady(
                f"nothing is indexed yet in {self.settings.index_dir}: run `assistant ingest` "
                "(or `make run`) to index the documents in "
                f"{self.settings.corpus_dir}"
            ) from None
        with self._lock:
            if self._snapshot is None or self._snapshot.stamp != stamp:
                state, keywords = self._open_keywords()
                self._check_vectors(state)
                doc_chunks: dict[str, list[str]] = {}
                for chunk in state.chunks:
                    doc_chunks.setdefault(chunk.doc_id, []).append(chunk.id)
                self._snapshot = Snapshot(
                    state=state,
                    keywords=keywords,
                    chunks={chunk.id: chunk for chunk in state.chunks},
                    stamp=stamp,
                    doc_chunks=doc_chunks,
                )
            return self._snapshot

    def _open_keywords(self) -> tuple[IndexState, KeywordIndex]:
        """The committed state and the keyword index it names. An ingest may swap the keyword
        folder as we read: then the state names a newer one, and we read again. A folder still
        missing under an unchanged state was deleted, and says so."""
        for _ in range(3):
            state = load_state(self.settings.index_dir)
            try:
                return state, KeywordIndex.open(self.settings.index_dir, state)
            except KeywordIndexMissing:
                if load_state(self.settings.index_dir).bm25_dir == state.bm25_dir:
                    raise
        raise IndexNotReady("the index is being rewritten; try again in a moment")

    def _check_vectors(self, state: IndexState) -> None:
        """Refuse to answer from keywords alone when the vector store lost passages (its folder
        deleted, another server): the dense half and semantic abstention would silently go."""
        if not (self.settings.retrieval.use_dense and state.chunks):
            return
        if self._snapshot is not None:
            self.store.refresh()  # a rebuild replaces the Chroma collection
        held = self.store.count()
        if held < len(state.chunks):
            raise IndexDamaged(
                f"the vector store ({self.store.where}) holds {held} of the {len(state.chunks)} "
                f"passages the index lists; {REPAIR}"
            )

    def _dense(
        self, embedding, candidates: int, snapshot: Snapshot, where: dict | None, allowed: set[str] | None
    ) -> list[tuple[str, float]]:
        """The nearest committed chunks, within the filter if there is one.

        Chroma's own filtered search is slow at scale whatever the filter says: ~200 ms at
        100,000 chunks for one document in five, ~270 ms for a single document, against 2 ms
        unfiltered (tests/benchmarks/test_filters.py). A filter that keeps few chunks (a
        document, a handful) is therefore scored exactly from their stored vectors; a wider
        one goes to Chroma's filter, on the metadata it indexes."""
        def committed(hits):  # the state has the last word on what exists and what matches
            return [(c, score) for c, score in hits if c in snapshot.chunks and (allowed is None or c in allowed)]

        if allowed is None:
            return committed(self.store.query(embedding, candidates))
        if len(allowed) <= EXACT_MAX:
            return committed(self.store.similarities(embedding, sorted(allowed)))[:candidates]
        return committed(self.store.query(embedding, candidates, where))

    def search(
        self,
        question: str,
        top_k: int | None = None,
        filters: Filters | None = None,
        query_embedding: list[float] | None = None,
        snapshot: Snapshot | None = None,
    ) -> list[Hit]:
        """The top chunks for a question. Pass the snapshot a caller already reads from, so an
        ingest committing between two calls cannot hand back chunks that snapshot lacks."""
        config = self.settings.retrieval
        top_k = top_k or config.top_k
        snapshot = snapshot or self.snapshot()
        allowed_docs = None
        where = None
        if filters is not None and filters.active():
            where = filters.chroma_where()
            allowed_docs = [d.doc_id for d in snapshot.documents.values() if filters.matches(d)]
            if not allowed_docs:
                return []
        # From the documents' own chunk lists: scanning every chunk against the allowed
        # documents took seconds per filtered query at 100,000 chunks.
        allowed_chunks = (
            {chunk_id for doc_id in allowed_docs for chunk_id in snapshot.doc_chunks.get(doc_id, ())}
            if allowed_docs is not None
            else None
        )
        candidates = max(config.candidates, top_k)

        dense: list[tuple[str, float]] = []
        if config.use_dense and snapshot.chunks:
            embedding = query_embedding or self.embedder.embed_query(question)
            dense = self._dense(embedding, candidates, snapshot, where, allowed_chunks)
        keyword = (
            snapshot.keywords.query(question, candidates, allowed_chunks) if config.use_bm25 else []
        )
        keyword = [(chunk_id, score) for chunk_id, score in keyword if chunk_id in snapshot.chunks]

        weight = config.dense_weight if (config.use_dense and config.use_bm25) else (
            1.0 if config.use_dense else 0.0
        )
        fused = fuse(dense, keyword, weight, config.rrf_k)
        dense_info = {cid: (rank, score) for rank, (cid, score) in enumerate(dense, start=1)}
        bm25_info = {cid: (rank, score) for rank, (cid, score) in enumerate(keyword, start=1)}
        ranked = sorted(fused.items(), key=lambda item: (-item[1], item[0]))[:top_k]
        return [
            Hit(
                chunk=snapshot.chunks[chunk_id],
                score=score,
                dense=dense_info.get(chunk_id, (None, None))[1],
                bm25=bm25_info.get(chunk_id, (None, None))[1],
                dense_rank=dense_info.get(chunk_id, (None, None))[0],
                bm25_rank=bm25_info.get(chunk_id, (None, None))[0],
            )
            for chunk_id, score in ranked
        ]
