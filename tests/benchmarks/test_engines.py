"""The two embedding engines side by side, to choose each path's default (`embedding.engine`
for answering, `embedding.ingest_engine` for ingest): ONNX Runtime against sentence-transformers
on torch, same model, same texts, alternating which goes first, in one run.

- questions: every eval question embedded alone, on `embedding.query_threads` (1) and on 2;
- answer sentences: the sentences of the seed documents in batches of 32, as the answering
  layer embeds them;
- ingest batches: chunks of the seed corpus and of a synthetic corpus (tests/synthetic.py),
  as ingest cuts them, in windows of 256 on every core;
- a cold process: import, load and embed one question.

Prints ratios onnx/torch and writes results/engines.json.

    BENCH_ROUNDS      alternating rounds (default 3)
    BENCH_COLD_RUNS   cold processes per engine (default 5)
    BENCH_CHUNKS      chunks in the ingest sample (default 512)
"""

from __future__ import annotations

import os
import statistics
import time

import pytest
from harness import MIB, latency_summary, machine, print_table, questions, ratio, run_measured, worker, write_result

pytestmark = pytest.mark.benchmark

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
COLD_RUNS = int(os.environ.get("BENCH_COLD_RUNS", "5"))
CHUNKS = int(os.environ.get("BENCH_CHUNKS", "512"))
WINDOW = 256  # ingest embeds at most this many chunks per call (assistant/indexing/ingest.py)


def per_text(engine, texts: list[str], batch: int) -> list[float]:
    seconds = []
    for at in range(0, len(texts), batch):
        began = time.perf_counter()
        engine.embed(texts[at : at + batch], batch_size=32)
        seconds.append(time.perf_counter() - began)
    return seconds


def test_engines(tmp_path, copy_corpus):
    from conftest import build_settings
    from synthetic import make_corpus

    from assistant.documents import scan_corpus
    from assistant.documents.structure import split_sentences
    from assistant.indexing.chunking import chunk_document
    from assistant.indexing.embedding import Embedder, onnx_cache_dir
    from assistant.indexing.onnx_engine import OnnxEngine
    from assistant.indexing.torch_engine import TorchEngine

    root = tmp_path / "project"
    corpus = copy_corpus(root)
    make_corpus(corpus / "synthetic", max(1, CHUNKS // 10), 1250)
    settings = build_settings(root, corpus)
    embedder = Embedder(settings)
    documents, _ = scan_corpus(settings)
    seeds = [d for d in documents if not d.source.startswith("synthetic")]
    chunks = [c.embed_text for d in documents for c in chunk_document(d, embedder.tokenizer, 200, 40)][:CHUNKS]
    sentences = [s.text for d in seeds for s in split_sentences(d.text)]
    asked = questions()

    cache = onnx_cache_dir(settings)
    engines = {
        "onnx": {"query": OnnxEngine(embedder.path, cache, 1), "query2": OnnxEngine(embedder.path, cache, 2),
                 "bulk": OnnxEngine(embedder.path, cache, 0)},
        "torch": {"query": TorchEngine(embedder.path, threads=1), "query2": TorchEngine(embedder.path, threads=2),
                  "bulk": TorchEngine(embedder.path)},
    }
    for by_use in engines.values():
        for engine in by_use.values():
            engine.embed(asked[:4], batch_size=32)  # warm up

    timings = {name: {"query": [], "query2": [], "sentences": [], "bulk_s": 0.0} for name in engines}
    for number in range(ROUNDS):
        order = list(engines) if number % 2 == 0 else list(reversed(engines))
        for name in order:
            timings[name]["query"] += per_text(engines[name]["query"], asked, 1)
            timings[name]["query2"] += per_text(engines[name]["query2"], asked, 1)
            timings[name]["sentences"] += per_text(engines[name]["query"], sentences, 32)
            began = time.perf_counter()
            per_text(engines[name]["bulk"], chunks, WINDOW)
            timings[name]["bulk_s"] += time.perf_counter() - began

    cold = {name: [] for name in engines}
    for number in range(COLD_RUNS):
        for name in (list(engines) if number % 2 == 0 else list(reversed(engines))):
            cold[name].append(run_measured(worker("embed-cold", root, name), root))

    median = statistics.median
    figures = {"rounds": ROUNDS, "questions": len(asked), "sentences": len(sentences), "chunks": len(chunks),
               "machine": machine()}
    for name in engines:
        t = timings[name]
        figures[name] = {
            "question_1_thread": latency_summary(t["query"]),
            "question_2_threads": latency_summary(t["query2"]),
            "answer_sentences_per_s": round(len(sentences) * ROUNDS / sum(t["sentences"]), 1),
            "ingest_chunks_per_s": round(len(chunks) * ROUNDS / t["bulk_s"], 2),
            "cold_embed_one_question_s": round(median(m.seconds for m in cold[name]), 3),
            "cold_peak_rss_mib": round(median(m.peak_rss for m in cold[name]) / MIB, 1),
            "cold_runs_s": [round(m.seconds, 3) for m in cold[name]],
        }
    figures["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    path = write_result("engines.json", figures)

    o, t = figures["onnx"], figures["torch"]
    rows = [
        ["question alone, 1 thread, p50 (ms)", o["question_1_thread"]["p50_ms"], t["question_1_thread"]["p50_ms"]],
        ["question alone, 1 thread, p95 (ms)", o["question_1_thread"]["p95_ms"], t["question_1_thread"]["p95_ms"]],
        ["question alone, 2 threads, p50 (ms)", o["question_2_threads"]["p50_ms"], t["question_2_threads"]["p50_ms"]],
        ["question alone, 2 threads, p95 (ms)", o["question_2_threads"]["p95_ms"], t["question_2_threads"]["p95_ms"]],
        ["answer sentences per second (batches of 32, 1 thread)", o["answer_sentences_per_s"],
         t["answer_sentences_per_s"]],
        ["ingest chunks per second (windows of 256, every core)", o["ingest_chunks_per_s"], t["ingest_chunks_per_s"]],
        ["cold process: import, load, embed a question (s)", o["cold_embed_one_question_s"],
         t["cold_embed_one_question_s"]],
        ["cold process peak RSS (MiB)", o["cold_peak_rss_mib"], t["cold_peak_rss_mib"]],
    ]
    for row in rows:
        row.append(ratio(row[1], row[2]))
    print_table(f"Embedding engines ({len(asked)} questions, {len(sentences)} sentences, {len(chunks)} chunks, "
                f"{ROUNDS} rounds, {COLD_RUNS} cold runs; {path})", ["figure", "onnx", "torch", "onnx/torch"], rows)
