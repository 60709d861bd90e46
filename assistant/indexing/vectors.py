"""The vector store: a Chroma collection, embedded under the index folder or on a
`chroma run` server, written through llama-index's ChromaVectorStore and read directly."""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.errors import AssistantError
from assistant.indexing.chunking import Chunk
from assistant.settings import Settings, offline_environment


class VectorStoreUnavailable(AssistantError, RuntimeError):
    """The Chroma server (or folder) cannot be reached; the message names where."""


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
