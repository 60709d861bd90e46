"""What a filter costs at ~100,000 chunks, without embedding 100,000 texts first.

The index is written through our own code (VectorStore, the state file, the keyword index)
with random unit vectors in place of the model's: filtering cost depends on the filter and
the number of chunks, not on what the vectors mean. 10,000 documents of 10 chunks; regions
and years cycle so a region keeps one document in five. Timed in one process, interleaved,
on the same query vectors, dense retrieval only (`Retriever.search` with BM25 off):
- unfiltered: the baseline of the ratios;
- Chroma's own filter as sent before issue 15, `doc_id $in [the 2,000 matching ids]`, and
  on the metadata Chroma indexes, `region $in [...]` (VectorStore.query);
- `Retriever.search` with filters that keep 20%, 10%, 1% and 0.01% of the chunks (the last,
  one document, scored exactly from its stored vectors instead of through Chroma's filter).

    BENCH_FILTER_DOCS   documents (default 10000; 10 chunks each)

Writes results/filters.json.
"""

from __future__ import annotations

import os
import time

import pytest
from harness import latency_summary, machine, print_table, write_result

pytestmark = pytest.mark.benchmark

DOCUMENTS = int(os.environ.get("BENCH_FILTER_DOCS", "10000"))
CHUNKS_PER_DOCUMENT = 10
REGIONS = ["Fujian", "Guangdong", "Sichuan", "Zhejiang", "Jiangsu"]  # one document in five each
QUERIES = 40
ROUNDS = 5


def test_filter_cost_at_scale(tmp_path):
    import numpy as np

    from assistant.documents import Document
    from assistant.indexing.chunking import Chunk
    from assistant.indexing.keywords import write_keyword_index
    from assistant.indexing.state import IndexState, save_state
    from assistant.indexing.vectors import VectorStore
    from assistant.retrieval import Filters, Retriever
    from assistant.settings import Settings

    settings = Settings(root=tmp_path, index={"path": str(tmp_path / "index")}, retrieval={"use_bm25": False})
    store = VectorStore(settings)
    rng = np.random.default_rng(7)

    def unit(n: int) -> np.ndarray:
        vectors = rng.standard_normal((n, 384)).astype(np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    state = IndexState(fingerprint=settings.index_fingerprint())
    began = time.perf_counter()
    for first in range(0, DOCUMENTS, 500):
        chunks = []
        for d in range(first, min(first + 500, DOCUMENTS)):
            document = Document(doc_id=f"doc-{d:05d}", title=f"Document {d}", kind="action plan",
                                region=REGIONS[d % len(REGIONS)], year=2015 + d % 10, source=f"doc-{d:05d}.txt",
                                text="x", content_hash=str(d))
            state.documents[document.doc_id] = document
            chunks += [Chunk(id=f"{document.doc_id}:{c:04d}", doc_id=document.doc_id, title=document.title,
                             kind=document.kind, region=document.region, year=document.year, ordinal=c,
                             start=0, end=1, text=f"passage {c} of document {d}")
                       for c in range(CHUNKS_PER_DOCUMENT)]
        store.add(chunks, unit(len(chunks)).tolist())
        state.chunks += chunks
    state.generation = 1
    state.bm25_dir = write_keyword_index(settings.index_dir, state)
    save_state(settings.index_dir, state)
    build_s = time.perf_counter() - began

    retriever = Retriever(settings, embedder=None)  # every query brings its own vector
    fujian = [f"doc-{d:05d}" for d in range(DOCUMENTS) if REGIONS[d % len(REGIONS)] == "Fujian"]
    share = {
        "region (20%)": Filters(regions=["Fujian"]),
        "region and year (10%)": Filters(regions=["Fujian"], years=[2015]),
        "100 documents (1%)": Filters(doc_ids=fujian[:100]),
        "one document (0.01%)": Filters(doc_ids=fujian[:1]),
    }
    one_document = share["one document (0.01%)"]
    candidates = settings.retrieval.candidates

    def searching(filters):
        return lambda vector: retriever.search("", filters=filters, query_embedding=vector)

    forms = {
        "unfiltered": searching(None),
        f"Chroma filter doc_id $in [{len(fujian)} ids] (before)": lambda vector: store.query(
            vector, candidates, {"doc_id": {"$in": fujian}}),
        "Chroma filter region $in [Fujian]": lambda vector: store.query(
            vector, candidates, share["region (20%)"].chroma_where()),
        "Chroma filter, one document (before)": lambda vector: store.query(
            vector, candidates, one_document.chroma_where()),
        **{f"search, {name}": searching(filters) for name, filters in share.items()},
    }
    queries = unit(QUERIES).tolist()

    # Against the exact nearest allowed chunks (every allowed vector scored): the share of them
    # each way finds. HNSW is approximate, filtered or not.
    recall: dict[str, dict[str, float]] = {}
    for name, filters in share.items():
        allowed = [c.id for c in state.chunks if filters.matches(state.documents[c.doc_id])]
        found = {"ours": [], "chroma filter": []}
        for vector in queries[:10]:
            ours = {hit.chunk.id for hit in retriever.search("", filters=filters, query_embedding=vector)}
            # search returns its top_k of the candidates: compare like with like
            exact = {c for c, _ in store.similarities(vector, allowed)[: len(ours)]}
            theirs = {c for c, _ in store.query(vector, len(ours), filters.chroma_where())}
            found["ours"].append(len(ours & exact) / len(exact))
            found["chroma filter"].append(len(theirs & exact) / len(exact))
        recall[name] = {way: round(sum(values) / len(values), 3) for way, values in found.items()}
        assert recall[name]["ours"] >= recall[name]["chroma filter"] - 0.05, (name, recall[name])

    seconds: dict[str, list[float]] = {name: [] for name in forms}
    for _ in range(ROUNDS):
        for vector in queries:
            for name, run in forms.items():
                started = time.perf_counter()
                run(vector)
                seconds[name].append(time.perf_counter() - started)

    summaries = {name: latency_summary(values) for name, values in seconds.items()}
    baseline = summaries["unfiltered"]["p50_ms"]
    result = {
        "chunks": DOCUMENTS * CHUNKS_PER_DOCUMENT,
        "documents": DOCUMENTS,
        "build_s": round(build_s, 1),
        "recall_vs_exact": recall,
        "queries": {name: {**summary, "p50_vs_unfiltered": round(summary["p50_ms"] / baseline, 2)}
                    for name, summary in summaries.items()},
        "machine": machine(),
    }
    write_result("filters.json", result)
    print_table(
        f"Dense retrieval with filters, {DOCUMENTS * CHUNKS_PER_DOCUMENT:,} chunks (results/filters.json)",
        ["query", "p50 (ms)", "p95 (ms)", "p50 / unfiltered"],
        [[name, f"{s['p50_ms']:.1f}", f"{s['p95_ms']:.1f}", f"{s['p50_vs_unfiltered']:.2f}"]
         for name, s in result["queries"].items()],
    )
    print(f"\nrecall of the exact nearest allowed chunks: {recall}")
