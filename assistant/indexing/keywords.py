"""The keyword index: BM25 over the chunks' title, heading and text, via bm25s, one folder
per committed state (the state names its folder)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from assistant.files import atomic_write
from assistant.indexing.chunking import Chunk
from assistant.indexing.state import REPAIR, IndexDamaged, IndexState


class KeywordIndexMissing(IndexDamaged):
    """The folder the state names is not there: being swapped by an ingest, or deleted."""


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
        expected = [chunk.id for chunk in state.chunks]
        rows = index.retriever.scores["num_docs"] if index.chunk_ids else 0
        if len(index.chunk_ids) != rows or sorted(index.chunk_ids) != sorted(expected):
            raise IndexDamaged(
                f"the keyword index {folder} disagrees with the index state: {folder / 'chunk_ids.json'} "
                f"lists {len(index.chunk_ids)} passages, its BM25 matrix holds {rows}, the state "
                f"{len(expected)}; {REPAIR}"
            )
        return index

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
