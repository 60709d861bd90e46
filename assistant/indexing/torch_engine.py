"""A sentence-transformers model run with torch: the reference the ONNX engine is held to,
the exporter's source, and an engine of its own where it measures faster (large batches)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from assistant.settings import offline_environment


def load_sentence_transformer(model_dir: Path, device: str = "cpu"):
    offline_environment()
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    # transformers prints a bare "Loading weights: 100%" bar on every load, i.e. on every CLI command.
    transformers_logging.disable_progress_bar()
    # Empty prompts, as llama-index's HuggingFaceEmbedding passes for a model named by path.
    return SentenceTransformer(str(model_dir), device=device, prompts={"query": "", "text": ""})


class TorchEngine:
    def __init__(self, model_dir: Path, device: str = "cpu", threads: int = 0):
        self.model = load_sentence_transformer(model_dir, device)
        self.threads = threads

    def embed(self, texts: list[str], batch_size: int, normalize: bool = True) -> np.ndarray:
        import torch

        before = torch.get_num_threads()
        if self.threads:
            torch.set_num_threads(self.threads)
        try:
            # encode() sorts the texts by length before batching and returns them in the given order.
            return self.model.encode(
                texts, batch_size=batch_size, prompt_name="text", normalize_embeddings=normalize,
                show_progress_bar=False,
            ).astype(np.float32)
        finally:
            torch.set_num_threads(before)
