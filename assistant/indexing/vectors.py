"""The vector store: a Chroma collection, embedded under the index folder or on a
`chroma run` server, written through llama-index's ChromaVectorStore and read directly."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from assistant.errors import AssistantError
from assistant.indexing.chunking import Chunk
from assistant.indexing.state import REBUILD, IndexDamaged
from assistant.settings import Settings, offline_environment


class VectorStoreUnavailable(AssistantError, RuntimeError):
    """The Chroma server (or folder) cannot be reached; the message names where."""


def server_address(settings: Settings) -> str:
    return f"{settings.chroma.host}:{settings.chroma.port}"


def unavailable(settings: Settings, exc: BaseException) -> VectorStoreUnavailable:
    """The one message for a Chroma server that cannot be reached, on every path."""
    return VectorStoreUnavailable(
        f"cannot reach the Chroma server at {server_address(settings)} "
        f"({exc.__class__.__name__}); is `chroma run --host {settings.chroma.host} "
        f"--port {settings.chroma.port}` running?"
    )


def local_folder(settings: Settings) -> Path:
    """Where the embedded Chroma keeps its database (used when no server is configured)."""
    return settings.index_dir / "chroma"


def damaged(settings: Settings, exc: BaseException) -> IndexDamaged:
    database = local_folder(settings) / "chroma.sqlite3"
    return IndexDamaged(f"the vector store {database} cannot be read ({exc}); {REBUILD}")


def forget_local_clients() -> None:
    """Drop chromadb's per-folder cache of open databases: after a failed open it keeps the
    broken one, and every later client for that folder would be handed it again."""
    from chromadb.api.shared_system_client import SharedSystemClient

    SharedSystemClient.clear_system_cache()


def chroma_client(settings: Settings):
    offline_environment()
    import chromadb
    from chromadb.config import Settings as ChromaClientSettings

    client_settings = ChromaClientSettings(anonymized_telemetry=False)
    if settings.chroma.host:
        try:
            client = chromadb.HttpClient(
                host=settings.chroma.host,
                port=settings.chroma.port,
                ssl=settings.chroma.ssl,
                settings=client_settings,
            )
            client.heartbeat()
        except Exception as exc:
            raise unavailable(settings, exc) from None
        return client
    path = local_folder(settings)
    path.mkdir(parents=True, exist_ok=True)
    try:
        return chromadb.PersistentClient(path=str(path), settings=client_settings)
    except Exception as exc:  # chromadb's InternalError for a malformed or foreign database file
        forget_local_clients()
        raise damaged(settings, exc) from None


def _lost_connection(exc: BaseException) -> bool:
    """Whether `exc`, or an error it wraps, is the transport failing (server down or gone)."""
    import httpx

    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, (httpx.TransportError, ConnectionError)):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


_OPENING = threading.Lock()


@dataclass
class VectorStore:
    """The Chroma collection, written and read through llama-index's ChromaVectorStore."""

    settings: Settings
    _collection: object = field(default=None, init=False)
    _store: object = field(default=None, init=False)

    @contextmanager
    def _reaching(self):
        """Turn a server lost mid-session into the same VectorStoreUnavailable that opening
        reports, on every operation (ask, search, ingest), and forget the connection so the
        next call reconnects once the server is back."""
        try:
            yield
        except AssistantError:
            raise
        except Exception as exc:
            if self.settings.chroma.host and _lost_connection(exc):
                self.refresh()
                raise unavailable(self.settings, exc) from None
            raise

    def _open(self):
        """llama-index's store over the collection, for writing (ingest)."""
        if self._store is None:
            from llama_index.vector_stores.chroma import ChromaVectorStore

            self._store = ChromaVectorStore(chroma_collection=self.collection)
        return self._store

    @property
    def where(self) -> str:
        """Where the vectors live, as a person would look for them."""
        if self.settings.chroma.host:
            return f"the Chroma server at {server_address(self.settings)}"
        return str(local_folder(self.settings))

    @property
    def collection(self):
        if self._collection is None:
            # Questions arriving together at a fresh server would otherwise each open the client,
            # which is not safe to do from several threads at once.
            with _OPENING, self._reaching():
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
        with self._reaching():
            for first in range(0, len(nodes), 1000):  # Chroma caps a batch's size
                self._open().add(nodes[first : first + 1000])

    def ids(self) -> set[str]:
        collection = self.collection
        with self._reaching():
            return set(collection.get(include=[])["ids"])

    def count(self) -> int:
        collection = self.collection
        with self._reaching():
            return collection.count()

    def delete(self, ids: list[str]) -> None:
        collection = self.collection
        with self._reaching():
            for first in range(0, len(ids), 1000):
                collection.delete(ids=ids[first : first + 1000])

    def refresh(self) -> None:
        """Forget the open collection: another process may have rebuilt it."""
        self._store = self._collection = None

    def reset(self) -> None:
        client = chroma_client(self.settings)
        try:
            client.delete_collection(self.settings.index.collection)
        except Exception as exc:  # not there yet: nothing to reset
            if self.settings.chroma.host and _lost_connection(exc):
                raise unavailable(self.settings, exc) from None
        self._store = self._collection = None

    def relabel(self, chunks: list[Chunk]) -> None:
        """Rewrite the metadata filters read (kind, region, year) of stored chunks; their
        vectors stay. Chroma merges an update into the stored metadata; None removes a key."""
        collection = self.collection
        with self._reaching():
            for first in range(0, len(chunks), 1000):
                batch = chunks[first : first + 1000]
                collection.update(
                    ids=[chunk.id for chunk in batch],
                    metadatas=[{"kind": c.kind, "region": c.region, "year": c.year} for c in batch],
                )

    def similarities(self, embedding: list[float], ids: list[str]) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) of the given stored chunks, best first, computed exactly
        from their stored vectors."""
        import numpy as np

        collection = self.collection
        with self._reaching():
            stored = collection.get(ids=list(ids), include=["embeddings"])
        if not stored["ids"]:
            return []
        vectors = np.asarray(stored["embeddings"], dtype=np.float32)
        query = np.asarray(embedding, dtype=np.float32)
        scores = (vectors @ query) / np.maximum(np.linalg.norm(vectors, axis=1) * np.linalg.norm(query), 1e-12)
        order = np.argsort(-scores, kind="stable")
        return [(stored["ids"][i], float(scores[i])) for i in order]

    def query(self, embedding: list[float], top_k: int, where: dict | None = None) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity), best first, among chunks whose metadata matches
        `where` (a Chroma filter).

        Straight to the Chroma collection: reading needs no llama-index, which keeps the import
        of llama-index-core (~1.5 s) out of every `assistant ask`."""
        collection = self.collection
        with self._reaching():
            result = collection.query(
                query_embeddings=[embedding], n_results=top_k, where=where, include=["distances"]
            )
        # With cosine space Chroma's distance is 1 - cos.
        return [
            (chunk_id, 1.0 - distance)
            for chunk_id, distance in zip(result["ids"][0], result["distances"][0], strict=True)
        ]
