"""Run question sets through `Assistant`, exactly as a user's questions go, and score them."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

import numpy as np
from pydantic import BaseModel

from assistant.api import Assistant
from assistant.evaluation.cases import QuestionSet
from assistant.evaluation.scoring import SIMILARITY_THRESHOLD, TurnScore, score_turn, summarise

INTENTS = ["responsibility", "finding", "cause", "countermeasure", "fact", "overview", "comparison"]


class EvalRun(BaseModel):
    suite: str = "seeds"  # which corpus and sets (evaluation/suites.py)
    started: str
    config: dict
    citation_method: str
    metrics: dict[str, int | float | None]
    by_intent: dict[str, dict[str, int | float | None]]
    scores: list[TurnScore]
    analysis: dict | None = None  # the analysis views scored against evals/analysis_gold.yaml (analysis_scoring)

    def case_outcomes(self) -> dict[str, str]:
        """'pass' or 'fail' per question; a conversation's turns are 'id#2', 'id#3', ..."""
        return {turn_key(s): "pass" if s.passed else "fail" for s in self.scores}


def turn_key(score: TurnScore) -> str:
    return score.case_id if score.turn == 1 else f"{score.case_id}#{score.turn}"


def embedding_similarity(bot: Assistant) -> Callable[[str, str], float]:
    """Cosine similarity of two texts under the index's own embedding model."""

    def similarity(claim: str, passage: str) -> float:
        a, b = (np.asarray(v) for v in bot.embedder.embed_passages([claim, passage]))
        return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))

    return similarity


def run_sets(
    bot: Assistant,
    sets: list[QuestionSet],
    mode: str | None = None,
    top_k: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    suite: str = "seeds",
) -> EvalRun:
    mode = mode or bot.settings.answering.mode
    top_k = top_k or bot.settings.retrieval.top_k
    similarity = embedding_similarity(bot) if mode == "llm" else None
    texts: dict[str, str] = {}

    def passage_text(doc_id: str, start: int, end: int) -> str:
        if doc_id not in texts:
            texts[doc_id] = bot.document_text(doc_id)
        return texts[doc_id][start:end]

    bot.ask("warm-up: which departments are responsible?", mode="extractive")  # load the model outside the timings
    cases = [case for qset in sets for case in qset.cases]
    total = sum(len(case.turns) for case in cases)
    scores: list[TurnScore] = []
    for case in cases:
        conversation = bot.conversation()
        for position, turn in enumerate(case.turns, 1):
            began = time.perf_counter()
            answer = conversation.ask(turn.question, top_k=top_k, mode=mode)
            seconds = time.perf_counter() - began
            passages = [passage_text(p.doc_id, p.start, p.end) for p in answer.retrieved]
            scores.append(TurnScore(
                case_id=case.id, turn=position, set_name=case.set_name, question=turn.question,
                intent=turn.intent, answerable=turn.answerable, expected_docs=turn.expected_docs,
                **score_turn(answer, turn, passages, seconds, similarity),
            ))
            if progress:
                progress(len(scores), total)
    by_intent = {
        intent: summarise([s for s in scores if s.intent == intent])
        for intent in INTENTS
        if any(s.intent == intent for s in scores)
    }
    settings = bot.settings
    return EvalRun(
        suite=suite,
        started=datetime.now(UTC).isoformat(timespec="seconds"),
        config={
            "sets": [qset.name for qset in sets],
            "mode": mode,
            "top_k": top_k,
            "candidates": settings.retrieval.candidates,
            "dense_weight": settings.retrieval.dense_weight,
            "use_dense": settings.retrieval.use_dense,
            "use_bm25": settings.retrieval.use_bm25,
            "embedding_model": settings.embedding.model,
            "llm_model": settings.llm.model if mode == "llm" else None,
            "settings_fingerprint": settings.fingerprint(),
        },
        citation_method=(
            f"similarity: cosine >= {SIMILARITY_THRESHOLD} between claim and cited passage (embedding model)"
            if mode == "llm"
            else "containment: the claim's text occurs verbatim in the cited passage"
        ),
        metrics=summarise(scores),
        by_intent=by_intent,
        scores=scores,
    )
