"""The ONNX engine gives the vectors sentence-transformers gives, so an index built with one
engine answers questions embedded with the other; its export is cached per model."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from conftest import PROJECT, build_settings

from assistant.evaluation.cases import find_sets, load_sets
from assistant.indexing.embedding import Embedder, EmbeddingModelError, onnx_cache_dir
from assistant.indexing.onnx_engine import OnnxEngine, model_fingerprint
from assistant.indexing.state import load_state
from assistant.indexing.torch_engine import TorchEngine
from assistant.indexing.vectors import VectorStore

pytestmark = pytest.mark.slow


def eval_questions() -> list[str]:
    sets = load_sets(find_sets(PROJECT / "evals"))
    return [turn.question for qset in sets for case in qset.cases for turn in case.turns]


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


@pytest.fixture(scope="module")
def torch_engine(embedder):
    return TorchEngine(embedder.path)


def test_onnx_vectors_equal_sentence_transformers_on_every_seed_chunk_and_eval_question(
    seed_index, embedder, torch_engine
):
    chunks = [chunk.embed_text for chunk in load_state(seed_index.index_dir).chunks]
    questions = eval_questions()
    assert len(chunks) >= 20 and len(questions) >= 50
    # Beyond the seeds: a text past the model's 256-piece window (truncation), one with the
    # padding sentence-transformers strips, and a one-word text batched with long ones.
    extra = [" ".join(chunks), "  \n Who is responsible for medical insurance?\t ", "Guangdong"]
    texts = chunks + questions + extra
    onnx = OnnxEngine(embedder.path, onnx_cache_dir(embedder.settings)).embed(texts, batch_size=32)
    reference = torch_engine.embed(texts, batch_size=32)
    similarity = cosines(onnx, reference)
    worst = int(np.argmin(similarity))
    assert similarity.min() >= 0.99999, (similarity.min(), texts[worst][:80])
    assert np.allclose(np.linalg.norm(onnx, axis=1), 1.0, atol=1e-5)


def test_the_query_path_embeds_with_onnx_and_matches_the_index_built_by_the_ingest_engine(seed_index, embedder):
    assert embedder.settings.embedding.engine == "onnx"
    assert isinstance(embedder.answering_engine, OnnxEngine)
    # The stored chunk vectors came from the ingest engine; a text embedded on the query
    # path must land on them as a sentence-transformers vector would.
    store = VectorStore(seed_index)
    chunk = load_state(seed_index.index_dir).chunks[0]
    stored = np.asarray(store.collection.get(ids=[chunk.id], include=["embeddings"])["embeddings"][0])
    again = np.asarray(embedder.embed_passages([chunk.embed_text])[0])
    assert float(stored @ again) >= 0.99999


def copy_model(source, destination):
    shutil.copytree(source, destination, ignore=shutil.ignore_patterns("README.md", ".gitattributes"))
    return destination


def test_the_export_is_cached_per_model_and_redone_when_the_weights_change(tmp_path, embedder):
    from safetensors.numpy import load_file, save_file

    model = copy_model(embedder.path, tmp_path / "model")
    settings = build_settings(tmp_path, tmp_path / "corpus", embedding={"model": str(model)})
    cache = onnx_cache_dir(settings)

    first = Embedder(settings)
    vector = np.asarray(first.embed_query("Who funds the county medical community?"))
    exports = list(cache.glob("*.onnx"))
    assert [p.name for p in exports] == [f"{model_fingerprint(model)}.onnx"]
    stamp = exports[0].stat().st_mtime_ns

    Embedder(settings).embed_query("Who funds it?")  # a new process would find the export cached
    assert exports[0].stat().st_mtime_ns == stamp

    # Change the model's weights: the old export must not be used, a new one replaces it.
    weights = load_file(model / "model.safetensors")
    name = next(k for k in weights if "embeddings.word_embeddings" in k)
    weights[name] = (weights[name] * 1.5).astype(weights[name].dtype)
    save_file(weights, model / "model.safetensors", metadata={"format": "pt"})

    changed = Embedder(settings)
    changed_vector = np.asarray(changed.embed_query("Who funds the county medical community?"))
    assert [p.name for p in cache.glob("*.onnx")] == [f"{model_fingerprint(model)}.onnx"] != [exports[0].name]
    reference = TorchEngine(model).embed(["Who funds the county medical community?"], batch_size=1)[0]
    assert float(changed_vector @ reference) >= 0.99999
    assert float(changed_vector @ vector) < 0.999  # the old export would have given the old vector


def test_a_model_the_onnx_engine_cannot_run_is_named_with_the_setting_to_use_instead(tmp_path, embedder):
    model = copy_model(embedder.path, tmp_path / "model")
    modules = json.loads((model / "modules.json").read_text())
    modules.insert(2, {"idx": 2, "name": "2", "path": "2_Dense", "type": "sentence_transformers.models.Dense"})
    (model / "modules.json").write_text(json.dumps(modules))
    settings = build_settings(tmp_path, tmp_path / "corpus", embedding={"model": str(model)})
    with pytest.raises(EmbeddingModelError) as caught:
        Embedder(settings).embed_query("anything")
    message = str(caught.value)
    assert "Dense" in message and "embedding.engine = 'torch'" in message
    assert not list(onnx_cache_dir(settings).glob("*.onnx"))  # refused before any export
