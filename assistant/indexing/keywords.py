"""The keyword index: BM25 over the chunks' title, heading and text, via bm25s, one folder
per committed state (the state names its folder)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from assistant.files import atomic_write
from assistant.indexing.chunking import Chunk
from assistant.indexing.state import REPAIR, IndexDamaged, IndexState
from assistant.indexing.words import terms, terms_of_many


class KeywordIndexMissing(IndexDamaged):
    """The folder the state names is not there: being swapped by an ingest, or deleted."""


class KeywordIndex:
    """BM25 over the chunks' title, heading and text, via bm25s, with the package's one
    tokenizer and stemmer (words.py)."""

    def __init__(self, retriever, chunk_ids: list[str]):
        self.retriever = retriever
        self.chunk_ids = chunk_ids
        self._rows: dict[str, int] | None = None  # chunk id -> matrix row, made on the first filtered query

    @classmethod
    def build(cls, chunks: list[Chunk], tokens: KeywordTokens | None = None) -> KeywordIndex:
        import bm25s

        retriever = bm25s.BM25()
        if chunks:
            retriever.index((tokens or KeywordTokens()).tokenized(chunks), show_progress=False)
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

    @classmethod
    def open(cls, index_dir: Path, state: IndexState) -> KeywordIndex:
        """The keyword index the state names, checked to hold exactly the state's chunks.

        Raises KeywordIndexMissing when its folder is not there and IndexDamaged, naming the
        file, when it cannot be read or disagrees with the state."""
        folder = index_dir / str(state.bm25_dir)
        if state.bm25_dir is None or not (folder / "chunk_ids.json").is_file():
            raise KeywordIndexMissing(f"the keyword index {folder} is missing; {REPAIR}")
        try:
            index = cls.load(folder)
        except FileNotFoundError as exc:
            raise KeywordIndexMissing(f"the keyword index {folder} is missing {exc.filename}; {REPAIR}") from None
        except (ValueError, OSError, KeyError, EOFError) as exc:  # truncated arrays, broken JSON
            raise IndexDamaged(f"the keyword index {folder} is damaged ({exc}); {REPAIR}") from None
        expected = [chunk.id for chunk in state.chunks]  # the order it was built in
        rows = index.retriever.scores["num_docs"] if index.chunk_ids else 0
        if len(index.chunk_ids) != rows or index.chunk_ids != expected:
            raise IndexDamaged(
                f"the keyword index {folder} disagrees with the index state: {folder / 'chunk_ids.json'} "
                f"lists {len(index.chunk_ids)} passages, its BM25 matrix holds {rows}, the state "
                f"{len(expected)}; {REPAIR}"
            )
        return index

    def query(self, text: str, top_k: int, allowed: set[str] | None = None) -> list[tuple[str, float]]:
        """(chunk id, BM25 score), best first; only positive scores, only `allowed` chunks if given."""
        import numpy as np

        query_terms = terms(text)
        if not self.chunk_ids or not query_terms:
            return []
        mask = None
        if allowed is not None:
            # Scores outside the filter are zeroed inside bm25s's own top-k, instead of ranking
            # every chunk and dropping most of them here.
            if self._rows is None:
                self._rows = {chunk_id: row for row, chunk_id in enumerate(self.chunk_ids)}
            mask = np.zeros(len(self.chunk_ids), dtype=np.float32)
            mask[[self._rows[c] for c in allowed if c in self._rows]] = 1.0
        k = min(top_k, len(self.chunk_ids))
        documents, scores = self.retriever.retrieve(
            [query_terms], k=k, show_progress=False, n_threads=1, weight_mask=mask
        )
        return [
            (self.chunk_ids[int(index)], float(score))
            for index, score in zip(documents[0], scores[0], strict=True)
            if score > 0
        ]


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
        import numpy as np
        from bm25s.tokenization import Tokenized

        missing = [chunk for chunk in chunks if chunk.id not in self.ids]
        if missing:
            for chunk, chunk_terms in zip(missing, terms_of_many([c.embed_text for c in missing]), strict=True):
                chunk_terms = chunk_terms or [""]  # a passage without words, as bm25s's tokenizer has it
                ids = (self.vocab.setdefault(term, len(self.vocab)) for term in chunk_terms)
                self.ids[chunk.id] = np.fromiter(ids, dtype=np.int32, count=len(chunk_terms))
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
