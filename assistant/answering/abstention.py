"""Does the evidence cover the question? If not, we say so instead of answering.

Three signals, any one of which makes us abstain:
- a salient term of the question (a year or figure, a named place or body,
  "L County"-style names) appears nowhere in the documents retrieved;
- half the question's content words appear nowhere in the corpus (a topic
  it never mentions: football, sourdough), or a third of them do and the
  best passage is only loosely related (Shenzhen's parking rules);
- the best passage is semantically too far from the question.
The thresholds are calibrated on the eval set (see README, design notes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.answering.terms import QUESTION_WORDS, content_terms, stems

# Capitalised words that are about the form of the question, not a named thing.
_NOT_NAMES = frozenset(
    "what which who why how when where does do did is are can could should would "
    "according in on for the a an and of to please tell give list i internet".split()
)
_NAMED_UNIT = re.compile(r"\b([A-Z])\s+(County|Town|City|Village|Province|District|Township)\b")


@dataclass
class Coverage:
    abstain: bool
    reason: str = ""


def salient_terms(question: str) -> list[str]:
    """Years and figures, single-letter place names, and capitalised names
    (not the first word of the question)."""
    terms = re.findall(r"(?<![\w.])\d+(?:[.,]\d+)?%?(?![\w])", question)
    terms += [f"{letter} {unit}".lower() for letter, unit in _NAMED_UNIT.findall(question)]
    tokens = re.findall(r"[A-Za-z][A-Za-z'’-]*", question)
    for index, token in enumerate(tokens):
        bare = re.sub(r"['’]s$", "", token)
        if (index > 0 and bare[:1].isupper() and len(bare) > 1 and bare.lower() not in _NOT_NAMES
                and bare.lower() not in QUESTION_WORDS):
            terms.append(bare.lower())
    return terms


def check_coverage(
    question: str,
    evidence_text: str,
    corpus_stems: set[str],
    best_dense: float | None,
    min_dense: float,
    max_unknown_share: float = 0.3,
    loose_dense: float = 0.35,
) -> Coverage:
    lowered = evidence_text.lower()
    evidence_stems = stems(evidence_text)
    for term in salient_terms(question):
        if term[:1].isdigit() or " " in term:
            present = re.search(rf"(?<![\w.]){re.escape(term)}(?![\w])", lowered) is not None
        else:
            present = term in lowered or stems(term) <= evidence_stems
        if not present:
            return Coverage(True, f"the documents never mention '{term}'")
    terms = content_terms(question)
    unknown = [t for t in terms if t not in corpus_stems]
    share = len(unknown) / len(terms) if terms else 0.0
    loosely_related = best_dense is None or best_dense < loose_dense
    if share >= 0.5 or (share >= max_unknown_share and loosely_related):
        return Coverage(True, f"the documents do not cover {', '.join(repr(u) for u in unknown)}")
    if best_dense is not None and best_dense < min_dense:
        return Coverage(True, f"no passage is close enough to the question (best similarity {best_dense:.2f})")
    return Coverage(False)
