"""How one answer is scored against its gold, and how scores add up to metrics.

Citation support is judged per claim: each bullet or sentence of the answer
that carries content (a line introducing a list, ending in ':', is
scaffolding). Two methods, named in every report:

- containment (extractive answers): the claim, without its markers, label
  ("Problem: ") and source title, occurs verbatim in a cited passage.
- similarity (LLM answers, which paraphrase): the cosine similarity between
  the claim and a cited passage is at least SIMILARITY_THRESHOLD.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

from pydantic import BaseModel

from assistant.answering.models import Answer
from assistant.documents.structure import split_sentences
from assistant.evaluation.cases import Turn, contains_fact, normalise

SIMILARITY_THRESHOLD = 0.5
_MARKER = re.compile(r"\s*\[(\d+)\]")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
_LABEL = re.compile(r"^(?:[A-Z][a-z]+(?: [a-z]+)?): ")
_SOURCES_HEADING = re.compile(r"^\s*(?:#+\s*)?sources\s*:?\s*$", re.IGNORECASE)


class Claim(BaseModel):
    text: str  # as written, markers removed
    markers: list[int]
    supported_by: list[int] = []  # markers whose passage supports the claim


class TurnScore(BaseModel):
    """Everything the report and the gate need about one answered question."""

    case_id: str
    turn: int  # 1-based position in its conversation; 1 for single questions
    set_name: str
    question: str
    question_as_answered: str
    intent: str  # gold
    detected_intent: str
    answerable: bool
    abstained: bool
    expected_docs: list[str]
    cited_docs: list[str]
    retrieved_docs: list[str]  # distinct, in rank order
    doc_rank: int | None = None  # rank of the first passage from an expected document
    passage_rank: int | None = None  # rank of the first passage containing a key fact
    facts_total: int = 0
    facts_missing: list[str] = []  # first phrasing of each missing fact
    claims: list[Claim] = []
    seconds: float
    answer: str
    answer_words: int = 0  # words of the answer as shown (markers not counted)
    fragments: list[str] = []  # bullets that are no complete point (see is_fragment)
    passed: bool = False

    @property
    def fact_recall(self) -> float | None:
        if not self.facts_total:
            return None
        return (self.facts_total - len(self.facts_missing)) / self.facts_total


def split_claims(text: str) -> list[Claim]:
    """The answer's bullets and sentences with their markers; list introductions and the sources block are left out."""
    claims: list[Claim] = []
    for line in text.splitlines():
        if _SOURCES_HEADING.match(line):
            break  # an LLM may append its own list of sources
        line = line.strip()
        if not line:
            continue
        pieces = [_BULLET.sub("", line)] if _BULLET.match(line) else _sentences(line)
        for piece in pieces:
            stripped = piece.strip()
            if not stripped or stripped.endswith(":"):
                continue
            markers = [int(n) for n in _MARKER.findall(stripped)]
            claims.append(Claim(text=_MARKER.sub("", stripped).strip(), markers=markers))
    return claims


def _sentences(line: str) -> list[str]:
    """Sentences, with markers written after the full stop ("... database. [2]") kept on their sentence."""
    sentences: list[str] = []
    for sentence in (s.text for s in split_sentences(line)):
        if sentences and not _MARKER.sub("", sentence).strip():
            sentences[-1] += " " + sentence.strip()
        else:
            sentences.append(sentence)
    return sentences


def _claim_core(claim: str, titles: list[str]) -> str:
    """The quoted part of an extractive bullet: no label prefix, no '(title)' source note."""
    core = _LABEL.sub("", claim)
    for title in titles:
        core = core.replace(f" ({title})", "")
    return core.strip().rstrip(".;,").strip()


_DANGLING_END = re.compile(r"\b(?:of|to|the|and|or|with|by|for|in|on|a|an|as|than|that|which|from|at)$", re.I)
_DANGLING_START = re.compile(
    r"^(?:combined with|based on|according to|in order to|such as|including|as well as|so as to|together with)\b"
    r"|^(?:finally|firstly|secondly|thirdly|lastly|at the same time|in addition|moreover|meanwhile|to be specific"
    r"|specifically|therefore|however)\s*,?\s*$",
    re.I,
)


def is_fragment(bullet: str) -> bool:
    """A bullet that is no complete point on its own: one word, a dangling connective or
    participial opener ("Finally, combined with the experience of ..."), or a piece cut off
    after a function word ("... the problem of"). List items that are noun phrases ("lack of
    primary medical staff") are complete points."""
    core = _MARKER.sub("", bullet).strip().rstrip(".;,:").strip()
    core = _LABEL.sub("", core)
    if len(core.split()) < 2:
        return True
    if _DANGLING_END.search(core) or _DANGLING_START.search(core):
        return True
    return bool(re.match(r"^(?:finally|firstly|secondly|lastly)\s*,\s*(?:combined|based|drawing|taking)\b", core, re.I))


def answer_bullets(text: str) -> list[str]:
    return [_BULLET.sub("", line).strip() for line in text.splitlines() if _BULLET.match(line)]


def judge_citations(
    answer: Answer, similarity: Callable[[str, str], float] | None = None
) -> list[Claim]:
    """Claims with the markers whose passage supports them (containment, or similarity when given)."""
    passages = {c.number: c.text for c in answer.citations}
    titles = sorted({c.title for c in answer.citations}, key=len, reverse=True)
    claims = split_claims(answer.text)
    for claim in claims:
        for number in claim.markers:
            passage = passages.get(number)
            if passage is None:
                continue
            if similarity is None:
                supported = normalise(_claim_core(claim.text, titles)) in normalise(passage)
            else:
                supported = similarity(claim.text, passage) >= SIMILARITY_THRESHOLD
            if supported:
                claim.supported_by.append(number)
    return claims


def score_turn(
    answer: Answer,
    turn: Turn,
    passage_texts: list[str],
    seconds: float,
    similarity: Callable[[str, str], float] | None = None,
) -> dict:
    """The per-turn fields of TurnScore that come from comparing the answer with the gold."""
    retrieved_docs = [p.doc_id for p in answer.retrieved]
    doc_rank = next((i for i, d in enumerate(retrieved_docs, 1) if d in turn.expected_docs), None)
    passage_rank = None
    if turn.key_facts:
        passage_rank = next(
            (i for i, text in enumerate(passage_texts, 1) if any(contains_fact(text, f) for f in turn.key_facts)),
            None,
        )
    missing = [fact[0] for fact in turn.key_facts if not contains_fact(answer.text, fact)]
    claims = [] if answer.abstained else judge_citations(answer, similarity)
    cited_docs = list(dict.fromkeys(c.doc_id for c in answer.citations))
    if turn.answerable:
        passed = (
            not answer.abstained
            and not missing
            and any(d in turn.expected_docs for d in cited_docs)
        )
    else:
        passed = answer.abstained
    return dict(
        question_as_answered=answer.question,
        detected_intent=answer.intent,
        abstained=answer.abstained,
        cited_docs=cited_docs,
        retrieved_docs=list(dict.fromkeys(retrieved_docs)),
        doc_rank=doc_rank,
        passage_rank=passage_rank,
        facts_total=len(turn.key_facts),
        facts_missing=missing,
        claims=claims,
        seconds=round(seconds, 4),
        answer=answer.text,
        answer_words=len(_MARKER.sub("", answer.text).split()),
        fragments=[] if answer.abstained else [b for b in answer_bullets(answer.text) if is_fragment(b)],
        passed=passed,
    )


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def _ratio(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def summarise(scores: list[TurnScore]) -> dict[str, int | float | None]:
    """The metrics of a group of answered questions. None where the group has nothing to measure."""
    answerable = [s for s in scores if s.answerable]
    unanswerable = [s for s in scores if not s.answerable]
    abstained = [s for s in scores if s.abstained]
    ranks = [s.doc_rank for s in answerable]
    passage_ranks = [s.passage_rank for s in answerable]
    claims = [c for s in scores if not s.abstained for c in s.claims]
    markers = sum(len(c.markers) for c in claims)
    supported_markers = sum(len(c.supported_by) for c in claims)
    recalls = [s.fact_recall for s in answerable if s.fact_recall is not None]
    seconds = [s.seconds for s in scores]
    metrics: dict[str, int | float | None] = {
        "questions": len(scores),
        "pass_rate": _ratio(sum(s.passed for s in scores), len(scores)),
        "doc_hit@1": _ratio(sum(r is not None and r <= 1 for r in ranks), len(ranks)),
        "doc_hit@3": _ratio(sum(r is not None and r <= 3 for r in ranks), len(ranks)),
        "doc_hit@k": _ratio(sum(r is not None for r in ranks), len(ranks)),
        "doc_mrr": _mean([1 / r if r else 0.0 for r in ranks]),
        "passage_hit@k": _ratio(sum(r is not None for r in passage_ranks), len(passage_ranks)),
        "passage_mrr": _mean([1 / r if r else 0.0 for r in passage_ranks]),
        "key_fact_recall": _mean(recalls),
        "citation_precision": _ratio(supported_markers, markers),
        "citation_recall": _ratio(sum(bool(c.supported_by) for c in claims), len(claims)),
        "abstention_precision": _ratio(sum(not s.answerable for s in abstained), len(abstained)),
        "abstention_recall": _ratio(sum(s.abstained for s in unanswerable), len(unanswerable)),
        "false_abstentions": sum(s.abstained for s in answerable),
        "intent_accuracy": _ratio(sum(s.detected_intent == s.intent for s in answerable), len(answerable)),
        "cites_expected_doc": _ratio(
            sum(any(d in s.expected_docs for d in s.cited_docs) for s in answerable), len(answerable)
        ),
        "answer_words_p50": percentile([s.answer_words for s in answerable if not s.abstained], 50) or None,
        "fragment_bullets": sum(len(s.fragments) for s in scores),
        "latency_p50_ms": round(percentile(seconds, 50) * 1000, 1),
        "latency_p95_ms": round(percentile(seconds, 95) * 1000, 1),
    }
    return metrics
