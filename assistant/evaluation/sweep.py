"""Retrieval alone, measured over fusion weights and k: how top_k and dense_weight are chosen.

Only standalone questions count (single questions and the first turn of each
conversation): a follow-up's retrieval depends on the rewriting, not on fusion.
"""

from __future__ import annotations

from pydantic import BaseModel

from assistant.api import Assistant
from assistant.evaluation.cases import QuestionSet, contains_fact
from assistant.retrieval import Retriever

WEIGHTS = [0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 1.0]  # share of the dense ranking in the fusion; 0 = BM25 only
KS = [1, 3, 5, 6, 8, 10]


class SweepRow(BaseModel):
    dense_weight: float
    label: str
    doc_hit: dict[int, float]  # k -> share of questions with an expected document in the top k
    passage_hit: dict[int, float]  # k -> share with a passage containing a key fact in the top k
    doc_mrr: float
    passage_mrr: float


def _label(weight: float) -> str:
    return {0.0: "BM25 only", 1.0: "dense only"}.get(weight, f"fused, dense weight {weight}")


def sweep(bot: Assistant, sets: list[QuestionSet]) -> list[SweepRow]:
    turns = [case.turns[0] for qset in sets for case in qset.cases if case.turns[0].answerable]
    texts = {d.doc_id: bot.document_text(d.doc_id) for d in bot.documents()}
    depth = max(KS)
    rows = []
    for weight in WEIGHTS:
        retrieval = bot.settings.retrieval.model_copy(
            update={"dense_weight": weight, "use_dense": weight > 0, "use_bm25": weight < 1}
        )
        retriever = Retriever(
            bot.settings.model_copy(update={"retrieval": retrieval}), bot.embedder, store=bot.retriever.store
        )
        doc_ranks, passage_ranks = [], []
        for turn in turns:
            hits = retriever.search(turn.question, top_k=depth)
            doc_ranks.append(next((i for i, h in enumerate(hits, 1) if h.chunk.doc_id in turn.expected_docs), None))
            passage_ranks.append(next(
                (i for i, h in enumerate(hits, 1)
                 if any(contains_fact(texts[h.chunk.doc_id][h.chunk.start:h.chunk.end], f) for f in turn.key_facts)),
                None,
            ))
        n = len(turns)
        rows.append(SweepRow(
            dense_weight=weight,
            label=_label(weight),
            doc_hit={k: round(sum(r is not None and r <= k for r in doc_ranks) / n, 3) for k in KS},
            passage_hit={k: round(sum(r is not None and r <= k for r in passage_ranks) / n, 3) for k in KS},
            doc_mrr=round(sum(1 / r for r in doc_ranks if r) / n, 3),
            passage_mrr=round(sum(1 / r for r in passage_ranks if r) / n, 3),
        ))
    return rows


def sweep_table(rows: list[SweepRow]) -> str:
    header = "| retrieval | doc hit@1 | doc MRR | " + " | ".join(f"passage hit@{k}" for k in KS) + " | passage MRR |"
    lines = [header, "|" + "---|" * (len(KS) + 4)]
    for row in rows:
        cells = [f"{row.doc_hit[1]:.3f}", f"{row.doc_mrr:.3f}"] + [f"{row.passage_hit[k]:.3f}" for k in KS]
        lines.append(f"| {row.label} | " + " | ".join(cells) + f" | {row.passage_mrr:.3f} |")
    return "\n".join(lines)
