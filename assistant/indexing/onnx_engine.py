"""A sentence-transformers model run through onnxruntime, without torch.

Importing torch and sentence-transformers takes seconds, most of a cold `assistant ask`;
onnxruntime and `tokenizers` import in a fraction of one. The ONNX file is exported here,
once, from the model's own weights (never downloaded) and cached under the index folder,
named by a fingerprint of the model's files so that a changed model is exported again.
Tokenisation, pooling and normalisation follow the model folder's own configuration
(tokenizer.json, sentence_bert_config.json, modules.json, the pooling config), so the
vectors are those sentence-transformers gives (a test holds them to cosine >= 0.99999).
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.errors import AssistantError
from assistant.files import atomic_copy, atomic_write

log = logging.getLogger(__name__)

# Bump when the export itself changes (inputs, outputs, opset), so cached files are redone.
EXPORT_VERSION = 1
OPSET = 17
# The model files that decide the vectors; README, licence and training notes do not.
MODEL_FILE_SUFFIXES = (".json", ".safetensors", ".bin", ".txt", ".model")
SKIPPED_FILES = {"README.md", "data_config.json", ".gitattributes"}

# Module classes by name, whichever sentence-transformers package path modules.json gives them.
TRANSFORMER, POOLING, NORMALIZE = "Transformer", "Pooling", "Normalize"
POOLING_MODES = {  # pooling config flag -> the mode we compute
    "pooling_mode_mean_tokens": "mean",
    "pooling_mode_cls_token": "cls",
    "pooling_mode_max_tokens": "max",
    "pooling_mode_mean_sqrt_len_tokens": "mean_sqrt_len",
}


class OnnxEngineError(AssistantError, RuntimeError):
    """The model cannot be exported to or run with ONNX Runtime."""


@dataclass(frozen=True)
class ModelLayout:
    """What sentence-transformers does around the transformer, read from the model folder."""

    max_seq_length: int
    do_lower_case: bool
    pooling: str  # one of POOLING_MODES' values
    normalize: bool


def _read_json(path: Path) -> dict | list:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise OnnxEngineError(f"cannot read {path}: {exc}") from exc


def read_layout(model_dir: Path) -> ModelLayout:
    unsupported = "; set embedding.engine = 'torch' to run it with sentence-transformers"
    modules_file = model_dir / "modules.json"
    modules = _read_json(modules_file) if modules_file.is_file() else [
        {"type": TRANSFORMER, "path": ""}, {"type": POOLING, "path": "1_Pooling"}
    ]
    types = [module["type"].rsplit(".", 1)[-1] for module in modules]
    extra = [t for t in types if t not in (TRANSFORMER, POOLING, NORMALIZE)]
    if not types or types[0] != TRANSFORMER or POOLING not in types or extra:
        raise OnnxEngineError(f"{model_dir} has modules {types}: only Transformer, Pooling, Normalize run on ONNX"
                              + unsupported)

    pooling_dir = model_dir / modules[types.index(POOLING)]["path"]
    pooling_config = _read_json(pooling_dir / "config.json") if (pooling_dir / "config.json").is_file() else {
        "pooling_mode_mean_tokens": True
    }
    modes = [mode for flag, mode in POOLING_MODES.items() if pooling_config.get(flag)]
    others = [k for k, v in pooling_config.items() if k.startswith("pooling_mode") and v and k not in POOLING_MODES]
    if len(modes) != 1 or others:
        raise OnnxEngineError(f"{pooling_dir / 'config.json'}: pooling {modes + others} is not supported on ONNX"
                              + unsupported)

    st_config_file = model_dir / "sentence_bert_config.json"
    st_config = _read_json(st_config_file) if st_config_file.is_file() else {}
    max_length = st_config.get("max_seq_length")
    if max_length is None:  # as sentence-transformers: the tokenizer's limit, else the model's
        tokenizer_config = model_dir / "tokenizer_config.json"
        limit = _read_json(tokenizer_config).get("model_max_length") if tokenizer_config.is_file() else None
        positions = _read_json(model_dir / "config.json").get("max_position_embeddings", 512)
        max_length = min(limit, positions) if isinstance(limit, int) else positions
    return ModelLayout(
        max_seq_length=int(max_length),
        do_lower_case=bool(st_config.get("do_lower_case", False)),
        pooling=modes[0],
        normalize=NORMALIZE in types,
    )


def model_fingerprint(model_dir: Path) -> str:
    """A hash of the files that decide the vectors (weights, configs, vocabulary)."""
    digest = hashlib.sha256(f"export {EXPORT_VERSION}\n".encode())
    files = sorted(
        path for path in model_dir.rglob("*")
        if path.is_file() and path.suffix in MODEL_FILE_SUFFIXES and path.name not in SKIPPED_FILES
    )
    for path in files:
        digest.update(f"{path.relative_to(model_dir).as_posix()}\n".encode())
        with open(path, "rb") as handle:
            digest.update(hashlib.file_digest(handle, "sha256").digest())
    return digest.hexdigest()[:20]


def export_onnx(model_dir: Path) -> bytes:
    """The model's transformer as ONNX, traced from its own weights with torch.onnx."""
    import torch

    from assistant.indexing.torch_engine import load_sentence_transformer

    transformer = load_sentence_transformer(model_dir, device="cpu")[0]
    names = [name for name in transformer.tokenizer.model_input_names
             if name in ("input_ids", "attention_mask", "token_type_ids")]
    sample = transformer.tokenizer(["A sample sentence to trace.", "Another."], padding=True, return_tensors="pt")

    class TokenEmbeddings(torch.nn.Module):
        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, *inputs):
            return self.model(**dict(zip(names, inputs, strict=True))).last_hidden_state

    buffer = io.BytesIO()
    axes = {name: {0: "batch", 1: "sequence"} for name in [*names, "token_embeddings"]}
    # The tracer warns about every data-dependent branch of the model; the export is checked
    # against sentence-transformers by tests instead, so the warnings would only be noise.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            TokenEmbeddings(transformer.auto_model.eval()),
            tuple(sample[name] for name in names),
            buffer,
            input_names=names,
            output_names=["token_embeddings"],
            dynamic_axes=axes,
            opset_version=OPSET,
            dynamo=False,  # the TorchScript exporter: needs only the `onnx` package, not onnxscript
        )
    return buffer.getvalue()


def exported_model(model_dir: Path, cache_dir: Path, copy_of: Path | None = None) -> Path:
    """The cached ONNX file for this model, exported now if it is missing or the model changed.

    `copy_of`: an export of the same model found elsewhere (another index's), copied instead."""
    target = cache_dir / f"{model_fingerprint(model_dir)}.onnx"
    if target.is_file():
        return target
    if copy_of is not None and copy_of.name == target.name and copy_of.is_file():
        atomic_copy(copy_of, target)
        return target
    log.info("exporting %s to ONNX (once per model) at %s", model_dir, target)
    try:
        data = export_onnx(model_dir)
    except ImportError as exc:
        raise OnnxEngineError(f"exporting {model_dir} to ONNX needs torch and onnx installed: {exc}") from exc
    except Exception as exc:  # any exporter failure: name the model and the way out
        raise OnnxEngineError(
            f"cannot export the embedding model {model_dir} to ONNX: {exc}; "
            "set embedding.engine = 'torch' to run it with sentence-transformers"
        ) from exc
    atomic_write(target, data)
    for stale in cache_dir.glob("*.onnx"):  # exports of models no longer configured here
        if stale != target:
            stale.unlink(missing_ok=True)
    return target


class OnnxEngine:
    """Embeds texts with an exported model; vectors as sentence-transformers' encode gives them."""

    def __init__(self, model_dir: Path, cache_dir: Path, threads: int = 0):
        import onnxruntime
        from tokenizers import Tokenizer

        self.layout = read_layout(model_dir)
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=self.layout.max_seq_length)
        # Padded positions are masked out of attention and pooling, so the pad id never shows.
        pad_token = self.tokenizer.padding["pad_token"] if self.tokenizer.padding else "[PAD]"
        self.tokenizer.enable_padding(pad_id=self.tokenizer.token_to_id(pad_token) or 0, pad_token=pad_token)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads  # 0: one per core
        options.inter_op_num_threads = 1
        # A spinning thread pool waits for work by burning a core; on a shared machine that
        # core is somebody else's, and a descheduled spinner stalls the next call.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.file = exported_model(model_dir, cache_dir)
        self.session = onnxruntime.InferenceSession(str(self.file), options, providers=["CPUExecutionProvider"])
        self.inputs = [item.name for item in self.session.get_inputs()]

    def _forward(self, texts: list[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(texts)
        feeds = {
            "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
        }
        tokens = self.session.run(None, {name: feeds[name] for name in self.inputs})[0]
        mask = feeds["attention_mask"][..., None].astype(tokens.dtype)
        if self.layout.pooling == "cls":
            pooled = tokens[:, 0]
        elif self.layout.pooling == "max":
            pooled = np.where(mask > 0, tokens, -1e9).max(axis=1)
        else:
            summed, counts = (tokens * mask).sum(axis=1), np.clip(mask.sum(axis=1), 1e-9, None)
            pooled = summed / (np.sqrt(counts) if self.layout.pooling == "mean_sqrt_len" else counts)
        return pooled.astype(np.float32)

    def embed(self, texts: list[str], batch_size: int, normalize: bool = True) -> np.ndarray:
        # As sentence-transformers: texts stripped, longest first so each batch pads little.
        texts = [text.strip() for text in texts]
        if self.layout.do_lower_case:
            texts = [text.lower() for text in texts]
        order = np.argsort([-len(text) for text in texts], kind="stable")
        vectors = np.empty((len(texts), 0), dtype=np.float32)
        parts = [self._forward([texts[i] for i in order[at : at + batch_size]])
                 for at in range(0, len(texts), batch_size)]
        if parts:
            vectors = np.concatenate(parts)[np.argsort(order, kind="stable")]
        if normalize or self.layout.normalize:
            vectors /= np.clip(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12, None)
        return vectors
