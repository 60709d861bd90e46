"""One measured job per process, so each peak RSS belongs to one job. Prints its figures
as one JSON line at the end of stdout.

    worker.py ours-ingest ROOT            ingest ROOT/corpus into ROOT/index, then again unchanged
    worker.py ours-query ROOT             Assistant.ask over the eval questions, unfiltered and filtered
    worker.py ours-session ROOT           ingest, then ask every question once (a whole session)
    worker.py plain-session CORPUS        the plain pipeline: build, then retrieve for every question
    worker.py bare-encode ROOT BATCH MAX  SentenceTransformer.encode alone over the same chunks
    worker.py embed-cold ROOT ENGINE      import, load the engine (onnx | torch), embed one question

Add `--profile FILE` to write a cProfile of the job.
"""

from __future__ import annotations

import cProfile
import json
import sys
import time
from pathlib import Path

from harness import latency_summary, peak_rss_self_bytes, questions


def settings_for(root: Path, **overrides):
    from assistant.settings import Settings, offline_environment

    offline_environment()
    return Settings(root=root, **overrides)  # corpus/, index/ and data/ under root; the parent cleared ASSISTANT_*


class EmbedTimer:
    """Wraps Embedder.embed_chunks (what ingest calls): the time spent inside the model, and the batches it saw."""

    def __init__(self, embedder):
        self.seconds = 0.0
        self.batches = 0
        self.texts = 0
        self._inner = embedder.embed_chunks
        embedder.embed_chunks = self

    def __call__(self, texts):
        began = time.perf_counter()
        try:
            return self._inner(texts)
        finally:
            self.seconds += time.perf_counter() - began
            self.batches += 1
            self.texts += len(texts)


def loaded_embedder(settings):
    """The embedder with its model loaded and warmed, so ingest times exclude loading."""
    from assistant.indexing.embedding import Embedder

    began = time.perf_counter()
    embedder = Embedder(settings)
    embedder.embed_chunks(["warm up the model"])
    embedder.embed_query("warm up the answering engine")
    embedder.count_tokens("warm up the tokenizer")
    return embedder, time.perf_counter() - began


def ours_ingest(root: Path) -> dict:
    from assistant.indexing.ingest import ingest

    settings = settings_for(root)
    embedder, load_seconds = loaded_embedder(settings)
    timer = EmbedTimer(embedder)
    began = time.perf_counter()
    first = ingest(settings, embedder)
    first_seconds = time.perf_counter() - began
    assert not first.errors, first.errors
    embed_seconds, batches = timer.seconds, timer.batches
    began = time.perf_counter()
    again = ingest(settings, embedder)
    again_seconds = time.perf_counter() - began
    assert again.embedded == 0 and not again.changed, again.summary()
    return {
        "model_load_s": round(load_seconds, 3),
        "documents": len(first.added),
        "chunks": first.chunks,
        "embedded": first.embedded,
        "ingest_s": round(first_seconds, 3),
        "embed_s": round(embed_seconds, 3),
        "embed_batches": batches,
        "model_share": round(embed_seconds / first_seconds, 4),
        "chunks_per_s": round(first.embedded / first_seconds, 2),
        "model_chunks_per_s": round(first.embedded / embed_seconds, 2),
        "reingest_s": round(again_seconds, 3),
        "reingest_share": round(again_seconds / first_seconds, 4),
        "peak_rss": peak_rss_self_bytes(),
    }


def ours_query(root: Path, filter_region: str | None) -> dict:
    from assistant.api import Assistant
    from assistant.retrieval import Filters

    asked = questions()
    began = time.perf_counter()
    bot = Assistant(settings_for(root))
    bot.ask(asked[0])
    first_ask = time.perf_counter() - began

    def one_pass(filters=None) -> list[float]:
        seconds = []
        for question in asked:
            began = time.perf_counter()
            bot.ask(question, filters=filters)
            seconds.append(time.perf_counter() - began)
        return seconds

    first_pass = one_pass()  # each question for the first time: its passages' sentences are not cached yet
    warm = one_pass() + one_pass()
    result = {
        "chunks": len(bot.retriever.snapshot().state.chunks),
        "first_ask_in_process_s": round(first_ask, 3),
        "first_pass": latency_summary(first_pass),
        "warm": latency_summary(warm),
    }
    if filter_region:
        filters = Filters(regions=[filter_region])
        one_pass(filters)
        result["filter"] = f"regions=[{filter_region}]"
        result["warm_filtered"] = latency_summary(one_pass(filters))
    result["peak_rss"] = peak_rss_self_bytes()
    return result


def ours_session(root: Path) -> dict:
    from assistant.api import Assistant

    bot = Assistant(settings_for(root))
    report = bot.ingest()
    for question in questions():
        bot.ask(question)
    return {"chunks": report.chunks, "peak_rss": peak_rss_self_bytes()}


def plain_session(corpus: Path) -> dict:
    import plain

    index = plain.build(corpus)
    retriever = plain.retriever(index)
    for question in questions():
        retriever.retrieve(question)
    return {"chunks": len(index.index_struct.nodes_dict), "peak_rss": peak_rss_self_bytes()}


def bare_encode(root: Path, batch_size: int, most: int) -> dict:
    """Encode the chunks an ingest of ROOT embeds (title + heading + passage, chunked as
    ingest chunks them) with sentence-transformers alone. `most` > 0 encodes an evenly
    spaced sample of that many: the rate depends on the texts' lengths, not their number."""
    from assistant.documents import scan_corpus
    from assistant.indexing.chunking import chunk_document
    from assistant.indexing.embedding import Embedder

    settings = settings_for(root)
    embedder = Embedder(settings)  # for its tokenizer only: chunking needs no model
    documents, _ = scan_corpus(settings)
    texts = [
        chunk.embed_text
        for document in documents
        for chunk in chunk_document(document, embedder.tokenizer,
                                    settings.chunking.max_tokens, settings.chunking.overlap_tokens)
    ]
    total = len(texts)
    if 0 < most < total:
        step = total / most
        texts = [texts[int(i * step)] for i in range(most)]
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(embedder.path), device=settings.embedding.device)
    model.encode(["warm up the model"])
    began = time.perf_counter()
    model.encode(texts, batch_size=batch_size, normalize_embeddings=True)
    seconds = time.perf_counter() - began
    return {
        "chunks_in_corpus": total,
        "encoded": len(texts),
        "batch_size": batch_size,
        "encode_s": round(seconds, 3),
        "chunks_per_s": round(len(texts) / seconds, 2),
        "peak_rss": peak_rss_self_bytes(),
    }


def embed_cold(root: Path, engine: str) -> dict:
    from assistant.indexing.embedding import Embedder

    embedder = Embedder(settings_for(root, embedding={"engine": engine}))
    vector = embedder.embed_query("Who takes charge of the medical insurance settlement platform?")
    return {"engine": engine, "dimensions": len(vector), "peak_rss": peak_rss_self_bytes()}


def main(argv: list[str]) -> int:
    profile = None
    if "--profile" in argv:
        at = argv.index("--profile")
        profile = argv[at + 1]
        argv = argv[:at] + argv[at + 2 :]
    job, args = argv[0], argv[1:]
    jobs = {
        "ours-ingest": lambda: ours_ingest(Path(args[0])),
        "ours-query": lambda: ours_query(Path(args[0]), args[1] if len(args) > 1 else None),
        "ours-session": lambda: ours_session(Path(args[0])),
        "plain-session": lambda: plain_session(Path(args[0])),
        "bare-encode": lambda: bare_encode(Path(args[0]), int(args[1]), int(args[2])),
        "embed-cold": lambda: embed_cold(Path(args[0]), args[1]),
    }
    profiler = cProfile.Profile() if profile else None
    if profiler:
        profiler.enable()
    result = jobs[job]()
    if profiler:
        profiler.disable()
        profiler.dump_stats(profile)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
