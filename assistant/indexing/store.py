"""Where the index lives: Chroma for vectors, bm25s for keywords, and a state
file that says which documents and chunks are live.

The state file is the single source of truth. It is replaced atomically at
the end of each ingest step, and names the BM25 folder built for exactly its
chunks, so a reader always sees one consistent version: vectors written by an
ingest that has not yet committed its state are invisible (retrieval keeps
only chunk ids the state lists) and are swept away by the next ingest.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel

from assistant.documents import Document
from assistant.errors import AssistantError
from assistant.files import atomic_write
from assistant.indexing.chunking import Chunk
from assistant.settings import Settings, offline_environment

STATE_FILE = "state.json"
STATE_VERSION = 1


class IndexLockedError(AssistantError, RuntimeError):
    """Another process is writing the index."""


class VectorStoreUnavailable(AssistantError, RuntimeError):
    """The Chroma server (or folder) cannot be reached; the message names where."""


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
    state = IndexState.model_validate_json(path.read_text(encoding="utf-8"))
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


def chroma_client(settings: Settings):
    offline_environment()
    import chromadb
    from chromadb.config import Settings as ChromaClientSettings

    client_settings = ChromaClientSettings(anonymized_telemetry=False)
    if settings.chroma.host:
        where = f"{settings.chroma.host}:{settings.chroma.port}"
        try:
            client = chromadb.HttpClient(
                host=settings.chroma.host,
                port=settings.chroma.port,
                ssl=settings.chroma.ssl,
                settings=client_settings,
            )
            client.heartbeat()
        except Exception as exc:
            raise VectorStoreUnavailable(
                f"cannot reach the Chroma server at {where} "
                f"({exc.__class__.__name__}); is `chroma run --host {settings.chroma.host} "
                f"--port {settings.chroma.port}` running?"
            ) from None
        return client
    path = settings.index_dir / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=client_settings)


@dataclass
class VectorStore:
    """The Chroma collection, written and read through llama-index's ChromaVectorStore."""

    settings: Settings
    _collection: object = field(default=None, init=False)
    _store: object = field(default=None, init=False)

    def _open(self):
        """llama-index's store over the collection, for writing (ingest)."""
        if self._store is None:
            from llama_index.vector_stores.chroma import ChromaVectorStore

            self._store = ChromaVectorStore(chroma_collection=self.collection)
        return self._store

    @property
    def collection(self):
        if self._collection is None:
            client = chroma_client(self.settings)
            self._collection = client.get_or_create_collection(
                self.settings.index.collection, metadata={"hnsw:space": "cosine"}
            )
        return self._collection

    def add(self, chunks: list[Chunk], embeddings: list[list[float]]) -> None:
        from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode

        # llama-index writes the node's source document id into the `doc_id` metadata
        # field (overwriting ours), so the source relationship must name our document:
        # the doc-id filter of dense queries depends on it.
        nodes = [
            TextNode(
                id_=chunk.id, text=chunk.text, metadata=chunk.metadata(), embedding=vector,
                relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=chunk.doc_id)},
            )
            for chunk, vector in zip(chunks, embeddings, strict=True)
        ]
        for first in range(0, len(nodes), 1000):  # Chroma caps a batch's size
            self._open().add(nodes[first : first + 1000])

    def ids(self) -> set[str]:
        return set(self.collection.get(include=[])["ids"])

    def delete(self, ids: list[str]) -> None:
        for first in range(0, len(ids), 1000):
            self.collection.delete(ids=ids[first : first + 1000])

    def refresh(self) -> None:
        """Forget the open collection: another process may have rebuilt it."""
        self._store = self._collection = None

    def reset(self) -> None:
        client = chroma_client(self.settings)
        try:
            client.delete_collection(self.settings.index.collection)
        except Exception:  # not there yet: nothing to reset
            pass
        self._store = self._collection = None

    def query(self, embedding: list[float], top_k: int, doc_ids: list[str] | None) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity), best first.

        Straight to the Chroma collection, with the same `doc_id IN (...)` filter that
        ChromaVectorStore would send: reading needs no llama-index, which keeps the import
        of llama-index-core (~1.5 s) out of every `assistant ask`."""
        where = {"doc_id": {"$in": list(doc_ids)}} if doc_ids is not None else None
        result = self.collection.query(
            query_embeddings=[embedding], n_results=top_k, where=where, include=["distances"]
        )
        # With cosine space Chroma's distance is 1 - cos.
        return [
            (chunk_id, 1.0 - distance)
            for chunk_id, distance in zip(result["ids"][0], result["distances"][0], strict=True)
        ]


class KeywordIndex:
    """BM25 over the chunks' title, heading and text, via bm25s with a stemmer."""

    def __init__(self, retriever, chunk_ids: list[str]):
        self.retriever = retriever
        self.chunk_ids = chunk_ids

    @staticmethod
    def _stemmer():
        import Stemmer

        return Stemmer.Stemmer("english")

    @classmethod
    def build(cls, chunks: list[Chunk], tokens: KeywordTokens | None = None) -> KeywordIndex:
        import bm25s

        retriever = bm25s.BM25()
        if chunks:
            if tokens is None:
                texts = [chunk.embed_text for chunk in chunks]
                corpus = bm25s.tokenize(texts, stopwords="en", stemmer=cls._stemmer(), show_progress=False)
            else:
                corpus = tokens.tokenized(chunks)
            retriever.index(corpus, show_progress=False)
        return cls(retriever, [chunk.id for chunk in chunks])

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        if self.chunk_ids:
            self.retriever.save(str(folder))
        atomic_write(folder / "chunk_ids.json", json.dumps(self.chunk_ids))

    @classmethod
    def load(cls, folder: Path) -> KeywordIndex:
        import bm25s

        chunk_ids = json.loads((folder / "chunk_ids.json").read_text(encoding="utf-8"))
        retriever = bm25s.BM25.load(str(folder)) if chunk_ids else bm25s.BM25()
        return cls(retriever, chunk_ids)

    def query(self, text: str, top_k: int, allowed: set[str] | None = None) -> list[tuple[str, float]]:
        """(chunk id, BM25 score), best first; only positive scores."""
        import bm25s

        if not self.chunk_ids:
            return []
        tokens = bm25s.tokenize([text], stopwords="en", stemmer=self._stemmer(), show_progress=False)
        if not tokens.vocab:
            return []
        k = len(self.chunk_ids) if allowed is not None else min(top_k, len(self.chunk_ids))
        documents, scores = self.retriever.retrieve(tokens, k=k, show_progress=False, n_threads=1)
        hits = []
        for index, score in zip(documents[0], scores[0], strict=True):
            chunk_id = self.chunk_ids[int(index)]
            if score <= 0 or (allowed is not None and chunk_id not in allowed):
                continue
            hits.append((chunk_id, float(score)))
            if len(hits) == top_k:
                break
        return hits


class KeywordTokens:
    """Each chunk's BM25 tokens, as ids into one vocabulary, kept for the length of an ingest.

    Every commit rebuilds BM25 over all chunks; with this each commit tokenizes only the
    chunks that are new since the last one. At 100,000 chunks a commit's BM25 took 11.5 s,
    of which tokenizing everything again was 5 s (and the rest gets faster from ids).
    Scores are the same as from tokenizing the texts afresh."""

    def __init__(self):
        self.vocab: dict[str, int] = {"": 0}  # bm25s's empty token, as its own tokenizer has it
        self.ids: dict[str, object] = {}  # chunk id -> int32 array (a list of ints would take ~5x the memory)

    def tokenized(self, chunks: list[Chunk]):
        import bm25s
        import numpy as np
        from bm25s.tokenization import Tokenized

        missing = [chunk for chunk in chunks if chunk.id not in self.ids]
        if missing:
            words = bm25s.tokenize(
                [chunk.embed_text for chunk in missing], stopwords="en", stemmer=KeywordIndex._stemmer(),
                return_ids=False, show_progress=False,
            )
            for chunk, tokens in zip(missing, words, strict=True):
                ids = (self.vocab.setdefault(token, len(self.vocab)) for token in tokens)
                self.ids[chunk.id] = np.fromiter(ids, dtype=np.int32, count=len(tokens))
        # bm25s indexes lists faster than arrays, and adds to the vocabulary it is given: a copy
        return Tokenized(ids=[self.ids[chunk.id].tolist() for chunk in chunks], vocab=dict(self.vocab))


def write_keyword_index(index_dir: Path, state: IndexState, tokens: KeywordTokens | None = None) -> str:
    """Build BM25 for the state's chunks in a fresh folder; returns its name."""
    name = f"bm25-{state.generation:06d}"
    folder = index_dir / name
    shutil.rmtree(folder, ignore_errors=True)
    KeywordIndex.build(state.chunks, tokens).save(folder)
    return name


def remove_stale_keyword_indexes(index_dir: Path, keep: str | None) -> None:
    for folder in index_dir.glob("bm25-*"):
        if folder.name != keep:
            shutil.rmtree(folder, ignore_errors=True)
