"""How ingest and queries scale: synthetic corpora of 100, 1,000 and 10,000 documents
(about 10 chunks each, so ~100,000 chunks at the top), built from the seed sentences and
distractor text by tests/synthetic.py.

At each size, each job in its own process (so each peak RSS is that job's):
- ingest: chunks per second, the share of that time spent inside the embedding model,
  and a second ingest of the unchanged corpus;
- sentence-transformers alone encoding the same chunk texts (just before and just after
  our ingest, averaged): the ceiling for ingest;
- queries: Assistant.ask over the eval questions, p50/p95 the first time each is asked
  and warm, and warm with a region filter (keeps one document in five).

Writes results/growth.json (after each size, so a long run leaves its evidence as it goes)
and results/growth.png.

    BENCH_SIZES      document counts (default 100,1000,10000; e.g. 20,100 while developing)
    BENCH_BARE_MAX   encode an evenly spaced sample of at most this many chunks with
                     sentence-transformers alone (default 10000; 0 = all): the rate depends
                     on the texts' lengths, not on how many there are
    BENCH_WORKDIR    where the corpora and indexes go (default: pytest's tmp_path)
    BENCH_KEEP       keep them afterwards (default: removed after each size)
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from harness import MIB, machine, print_table, run_measured, worker, write_result

pytestmark = pytest.mark.benchmark

SIZES = [int(s) for s in os.environ.get("BENCH_SIZES", "100,1000,10000").split(",") if s.strip()]
WORDS_PER_DOCUMENT = 1250  # about 10 chunks of at most 200 word pieces (40 overlap) each
BARE_MAX = int(os.environ.get("BENCH_BARE_MAX", "10000"))
FILTER_REGION = "Fujian"  # one synthetic document in five
QUERY_TARGET_MS = 250


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    chunks = [r["chunks"] for r in rows]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    left.plot(chunks, [r["ingest"]["chunks_per_s"] for r in rows], "o-", label="our ingest (whole pipeline)")
    left.plot(chunks, [r["ingest"]["model_chunks_per_s"] for r in rows], "s--",
              label="inside the model during our ingest")
    left.plot(chunks, [r["bare"]["chunks_per_s"] for r in rows], "^:", label="sentence-transformers alone")
    left.set(xscale="log", xlabel="chunks in the index", ylabel="chunks per second",
             title="Ingest throughput")
    left.set_ylim(bottom=0)
    left.legend(fontsize=8)
    right.plot(chunks, [r["query"]["warm"]["p50_ms"] for r in rows], "o-", label="warm p50")
    right.plot(chunks, [r["query"]["warm"]["p95_ms"] for r in rows], "o:", label="warm p95")
    right.plot(chunks, [r["query"]["first_pass"]["p50_ms"] for r in rows], "s--",
               label="question asked the first time, p50")
    right.plot(chunks, [r["query"]["warm_filtered"]["p50_ms"] for r in rows], "^-.",
               label=f"warm p50, filtered to region {FILTER_REGION}")
    right.axhline(QUERY_TARGET_MS, color="grey", linewidth=0.8, linestyle="--")
    right.set(xscale="log", xlabel="chunks in the index", ylabel="milliseconds",
              title="Assistant.ask latency (retrieval + extractive answer)")
    right.set_ylim(bottom=0)
    right.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def test_growth(tmp_path):
    from synthetic import make_corpus

    from assistant.settings import Settings

    workdir = Path(os.environ.get("BENCH_WORKDIR") or tmp_path)
    results = {
        "sizes": SIZES,
        "words_per_document": WORDS_PER_DOCUMENT,
        "chunking": "max 200 word pieces, overlap 40 (the defaults)",
        "bare_encode_sample": BARE_MAX or "all",
        "machine": machine(),
        "rows": [],
    }
    for size in SIZES:
        root = workdir / f"growth-{size}"
        shutil.rmtree(root, ignore_errors=True)
        make_corpus(root, size, words_per_document=WORDS_PER_DOCUMENT, catalog=True)
        # Bare encoding just before and just after our ingest, so a change in the machine's
        # load during the (long) ingest weighs on both sides of the comparison alike.
        batch = Settings(root=root).embedding.batch_size
        bare_before = run_measured(worker("bare-encode", root, batch, BARE_MAX), root)
        ingest = run_measured(worker("ours-ingest", root), root)
        bare_after = run_measured(worker("bare-encode", root, batch, BARE_MAX), root)
        query = run_measured(worker("ours-query", root, FILTER_REGION), root)
        bare_runs = [bare_before.json(), bare_after.json()]
        row = {
            "documents": size,
            "chunks": ingest.json()["chunks"],
            "ingest": {**ingest.json(), "process_peak_rss_mib": round(ingest.peak_rss / MIB, 1)},
            "query": {**query.json(), "process_peak_rss_mib": round(query.peak_rss / MIB, 1)},
            "bare": {
                "chunks_per_s": round(sum(r["chunks_per_s"] for r in bare_runs) / 2, 2),
                "runs": bare_runs,
                "process_peak_rss_mib": round(max(bare_before.peak_rss, bare_after.peak_rss) / MIB, 1),
            },
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
        }
        row["ingest_vs_bare"] = round(row["ingest"]["chunks_per_s"] / row["bare"]["chunks_per_s"], 3)
        results["rows"].append(row)
        write_result("growth.json", results)
        print(f"\n{size} documents: {row}", flush=True)
        if not os.environ.get("BENCH_KEEP"):
            shutil.rmtree(root, ignore_errors=True)

    plot(results["rows"], write_result("growth.json", results).with_name("growth.png"))
    rows = [
        [
            r["documents"], r["chunks"],
            f"{r['ingest']['ingest_s']:.0f}",
            f"{r['ingest']['chunks_per_s']:.1f}",
            f"{r['bare']['chunks_per_s']:.1f}",
            f"{r['ingest_vs_bare']:.2f}",
            f"{r['ingest']['model_share']:.0%}",
            f"{r['ingest']['reingest_s']:.2f} ({r['ingest']['reingest_share']:.1%})",
            f"{r['query']['warm']['p50_ms']:.0f} / {r['query']['warm']['p95_ms']:.0f}",
            f"{r['query']['first_pass']['p50_ms']:.0f}",
            f"{r['query']['warm_filtered']['p50_ms']:.0f}",
            f"{r['ingest']['process_peak_rss_mib']:.0f} / {r['query']['process_peak_rss_mib']:.0f}",
        ]
        for r in results["rows"]
    ]
    print_table(
        "Growth (results/growth.json, results/growth.png)",
        ["documents", "chunks", "ingest (s)", "ingest chunks/s", "bare encode chunks/s", "ours/bare",
         "time in model", "re-ingest unchanged (s, share)", "warm ask p50 / p95 (ms)",
         "first-time ask p50 (ms)", "warm ask p50, region filter (ms)", "peak RSS ingest / query (MiB)"],
        rows,
    )
