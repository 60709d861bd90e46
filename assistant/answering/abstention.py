"""Does the evidence cover the question? If not, we say so instead of answering.

Signals, any one of which makes us abstain:
- a salient term of the question (a year or figure, a named place or body,
  "L County"-style names) appears nowhere in the retrieved documents;
- a large share of the question's topic words appear nowhere in the corpus
  (football, sourdough, "pension insurance", "dental premiums"), or a smaller
  share does and even the best passage is only loosely related;
- the question asks for a kind of answer (an amount of money, a share, a
  count, a year, a province) that the passages about its topic never give;
- the best passage is semantically too far from the question.
Framing words ("root causes", "in brief", "draw lessons") are not topics.
The thresholds are calibrated on the eval set (see README, design notes).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from assistant.answering.terms import QUESTION_WORDS, stems, topic_terms
from assistant.documents.structure import split_sentences

# Capitalised words that are about the form of the question, not a named thing.
_NOT_NAMES = frozenset(
    "what which who why how when where does do did is are can could should would "
    "according in on for the a an and of to please tell give list i internet".split()
)
_NAMED_UNIT = re.compile(r"\b([A-Z])\s+(County|Town|City|Village|Province|District|Township)\b")

_PROVINCES = (
    "anhui beijing chongqing fujian gansu guangdong guangxi guizhou hainan hebei heilongjiang henan hubei "
    "hunan inner mongolia jiangsu jiangxi jilin liaoning ningxia qinghai shaanxi shandong shanghai shanxi "
    "sichuan tianjin tibet xinjiang yunnan zhejiang hong kong macao macau taiwan"
).split()
_NUMBER_WORDS = r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens?|hundreds?|thousands?"

# What kind of answer the question asks for, and what such an answer looks like in a passage.
ANSWER_TYPES: dict[str, tuple[re.Pattern, re.Pattern]] = {
    "amount of money": (
        re.compile(r"\bhow much (?:money|funding|funds?|budget)\b|\bbudget\b|\bhow much\b.*\b(?:cost|spend|"
                   r"invest|allocat|fund)", re.I),
        re.compile(r"\d[\d,.]*\s*(?:billion|million|thousand|yuan|rmb|dollars?)|(?:yuan|rmb|¥|\$)\s*\d", re.I),
    ),
    "share or rate": (
        re.compile(r"\bwhat (?:share|percentage|proportion|ratio)\b|\bwhat per ?cent\b|\bhow much of\b", re.I),
        re.compile(r"\d+(?:\.\d+)?\s*(?:%|per ?cent)", re.I),
    ),
    "year or date": (
        re.compile(r"\b(?:what|which) year\b|\bwhen (?:did|was|were|will|is|does)\b|\bwhat date\b", re.I),
        re.compile(r"\b(?:19|20)\d\d\b|\b(?:january|february|march|april|may|june|july|august|september|"
                   r"october|november|december)\b", re.I),
    ),
    "number": (
        re.compile(r"\bhow many\b", re.I),
        # a count, not a year; "one-stop" is no count
        re.compile(rf"\b(?!(?:19|20)\d\d\b)\d+(?:[.,]\d+)?\b|\b(?:{_NUMBER_WORDS})\b(?!-)", re.I),
    ),
    "province": (
        re.compile(r"\b(?:which|what) province\b", re.I),
        re.compile(r"\b(?:" + "|".join(_PROVINCES) + r")\b", re.I),
    ),
}


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


class Vocabulary:
    """The corpus's word stems, with prefix lookup: 'settl' (settling) is known when
    'settlement' is, 'staf' (staffing) when 'staff' is."""

    def __init__(self, corpus_stems: set[str]):
        self.stems = corpus_stems
        self._sorted = sorted(corpus_stems)

    def knows(self, term: str) -> bool:
        if term in self.stems:
            return True
        if len(term) < 4 or term.isdigit():
            return False
        i = bisect.bisect_left(self._sorted, term)
        return i < len(self._sorted) and self._sorted[i].startswith(term)


def wanted_answer_type(question: str) -> str | None:
    for name, (asks, _) in ANSWER_TYPES.items():
        if asks.search(question):
            return name
    return None


def focus_sentences(question: str, passages: list[str]) -> list[str]:
    """The sentences of the passages that name the question's place ("L County"), if it names
    one, and share the most topic words with it. The words asking for the kind of answer
    ("which province", "how many") are not topic words."""
    asking = " ".join(m.group(0) for asks, _ in ANSWER_TYPES.values() for m in asks.finditer(question))
    terms = set(topic_terms(question)) - stems(asking)
    places = [f"{letter} {unit}".lower() for letter, unit in _NAMED_UNIT.findall(question)]
    scored = []
    for passage in passages:
        for sentence in split_sentences(passage):
            if all(place in sentence.text.lower() for place in places):
                scored.append((len(terms & stems(sentence.text)), sentence.text))
    best = max((score for score, _ in scored), default=0)
    return [text for score, text in scored if score == best and (best > 0 or places)]


def check_coverage(
    question: str,
    evidence_text: str,
    passages: list[str],
    vocabulary: Vocabulary,
    best_dense: float | None,
    min_dense: float,
    max_unknown_share: float = 0.4,
    loose_unknown_share: float = 0.3,
    loose_dense: float = 0.3,
) -> Coverage:
    """`evidence_text`: the retrieved documents in full; `passages`: the retrieved chunks."""
    lowered = evidence_text.lower()
    evidence_stems = stems(evidence_text)
    for term in salient_terms(question):
        if term[:1].isdigit() or " " in term:
            present = re.search(rf"(?<![\w.]){re.escape(term)}(?![\w])", lowered) is not None
        else:
            present = term in lowered or stems(term) <= evidence_stems
        if not present:
            return Coverage(True, f"the documents never mention '{term}'")
    terms = topic_terms(question)
    unknown = [t for t in terms if not vocabulary.knows(t)]
    share = len(unknown) / len(terms) if terms else 0.0
    loosely_related = best_dense is None or best_dense < loose_dense
    if share >= max_unknown_share or (share >= loose_unknown_share and loosely_related):
        return Coverage(True, f"the documents do not cover {', '.join(repr(u) for u in unknown)}")
    wanted = wanted_answer_type(question)
    if wanted and not any(ANSWER_TYPES[wanted][1].search(s) for s in focus_sentences(question, passages)):
        return Coverage(True, f"the passages on this topic give no {wanted}")
    if best_dense is not None and best_dense < min_dense:
        return Coverage(True, f"no passage is close enough to the question (best similarity {best_dense:.2f})")
    return Coverage(False)
