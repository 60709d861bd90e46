"""Does the evidence answer the question? If not, we say so instead of answering.

Signals, any one of which makes us abstain:
- a name the question gives (a figure or year, a named place or body) appears in none
  of the retrieved documents;
- a large share of the question's topic words appear nowhere in the corpus (after
  stemming, and allowing the corpus's own longer forms: 'pay' for 'payment');
- the topic words the question does share with the corpus are, weighted by how rare
  they are in it, mostly absent from the gathered evidence;
- the question asks for a kind of value (an amount of money, a share, a change, a
  count, a year, a place) that the evidence on its topic never gives;
- even the best evidence unit is too far from the question.
Thresholds are settings, chosen on the field corpus's dev half (see evals/README.md).
"""

from __future__ import annotations

import bisect
import math
import re
from collections import Counter
from dataclasses import dataclass

from assistant.answering.cues import cues
from assistant.answering.evidence import Evidence, named_documents, term_overlap, within_document
from assistant.answering.terms import stems


@dataclass
class Coverage:
    abstain: bool
    reason: str = ""


class Vocabulary:
    """The corpus's word stems with their document frequencies, with prefix lookup: 'settl'
    (settling) is known when 'settlement' is, 'pay' when 'payment' is."""

    def __init__(self, document_stems: dict[str, set[str]]):
        self.documents = max(1, len(document_stems))
        self.frequency: Counter[str] = Counter()
        self.holders: dict[str, list[str]] = {}  # stem -> the documents using it
        for doc_id, bag in document_stems.items():
            self.frequency.update(bag)
            for term in bag:
                self.holders.setdefault(term, []).append(doc_id)
        self._sorted = sorted(self.frequency)

    @property
    def stems(self) -> set[str]:
        return set(self.frequency)

    def _longer_forms(self, term: str) -> list[str]:
        i = bisect.bisect_left(self._sorted, term)
        found = []
        while i < len(self._sorted) and self._sorted[i].startswith(term) and len(found) < 20:
            if len(self._sorted[i]) - len(term) <= 5:
                found.append(self._sorted[i])
            i += 1
        return found

    def knows(self, term: str) -> bool:
        if term in self.frequency:
            return True
        if len(term) < 3 or term.isdigit():
            return False
        return bool(self._longer_forms(term))

    def documents_with(self, name: str) -> list[str]:
        """Documents using every word of a name ('zhejiang', 'l county')."""
        found: set[str] | None = None
        for term in stems(name):
            holders = set(self.holders.get(term, ()))
            found = holders if found is None else found & holders
        return sorted(found or ())

    def rarity(self, term: str) -> float:
        """Inverse document frequency (log), the corpus's own longer forms counted too."""
        count = self.frequency.get(term, 0) or sum(self.frequency[f] for f in self._longer_forms(term))
        return math.log((self.documents + 1) / (count + 0.5))


def _present(name: str, lowered_texts: list[str], evidence_stems: set[str]) -> bool:
    if name[:1].isdigit() or " " in name:
        pattern = re.compile(rf"(?<![\w.]){re.escape(name)}(?![\w])")
        return any(pattern.search(text) for text in lowered_texts)
    return any(name in text for text in lowered_texts) or stems(name) <= evidence_stems


def check_coverage(
    evidence: Evidence,
    vocabulary: Vocabulary,
    min_score: float,
    max_unknown_share: float = 0.4,
    min_rare_coverage: float = 0.25,
    filtered_to_documents: bool = False,
) -> Coverage:
    query = evidence.query
    if not evidence.units and not evidence.responsibilities:
        return Coverage(True, "no passage was found")
    doc_ids = evidence.doc_order()
    lowered = [evidence.documents[d].text.lower() + "\n" + evidence.documents[d].title.lower() for d in doc_ids]
    evidence_stems = evidence.text_stems
    for name in query.names:
        if not _present(name, lowered, evidence_stems):
            return Coverage(True, f"the documents never mention '{name}'")
    topic = list(query.topic)
    unknown = [t for t in topic if not vocabulary.knows(t)]
    if topic and len(unknown) / len(topic) >= max_unknown_share:
        return Coverage(True, f"the documents do not cover {', '.join(repr(u) for u in unknown)}")
    known = [t for t in topic if t not in unknown]
    # Weighted by rarity, how much of the question's known topic the gathered passages hold.
    if known and not filtered_to_documents:
        missing = [t for t in known if not term_overlap((t,), evidence_stems)]
        if _weighted_share(vocabulary, known, missing) < min_rare_coverage:
            return Coverage(True, f"the passages found do not cover {', '.join(repr(m) for m in missing)}")
    if query.answer_type:
        reason = _value_missing(evidence)
        if reason:
            return Coverage(True, reason)
    best = max((s.score for s in evidence.units), default=0.0)
    if best < min_score and not filtered_to_documents:
        return Coverage(True, f"no passage is close enough to the question (best evidence score {best:.2f})")
    return Coverage(False)


def _weighted_share(vocabulary: Vocabulary, terms, missing) -> float:
    weights = {t: max(vocabulary.rarity(t), 0.05) for t in terms}
    total = sum(weights.values())
    return 1.0 - sum(weights[t] for t in missing if t in weights) / total if total else 1.0


_COUNTED_NOUN = re.compile(
    r"\b(?:how many|what number of|the number of)\s+((?:[\w-]+\s+){0,2}?[\w-]+?)"
    r"(?:\s+(?:did|do|does|were|was|are|is|has|have|had|will|would|could|can|in|of|on|at|for|under|across)\b"
    r"|[?,.]|$)", re.I)


_SINGULAR = {"cities": "city", "counties": "county"}
_PLACE_UNIT = re.compile(r"\b(province|city|cities|county|counties|district|town|prefecture|region)", re.I)


def _value_missing(evidence: Evidence) -> str | None:
    """The kind of value asked for (a share, an amount, a count, a year, a place, a body) must stand
    in a passage on the question's own topic: for a count, next to the thing counted ("12 Internet
    hospitals"); for any other value, in a sentence holding a topic word of the question besides
    the words naming the document."""
    query = evidence.query
    answer_type = next(t for t in cues().answer_types if t.name == query.answer_type)
    question_names = {n for n in query.names}
    # Design statements count here: they hold a study's setting and sample ("its 11 township centres").
    units = list(evidence.units)
    # A question naming a place or body asks about it: the value must come from its documents.
    named = named_documents(query, evidence.doc_order(), evidence.documents)
    if named:
        units = [s for s in units if s.unit.doc_id in named]
    if query.answer_type == "count":
        counted = _COUNTED_NOUN.search(query.text)
        if counted:
            head = stems(counted.group(1).split()[-1])
            number = re.compile(
                r"(?:\d[\d,.]*|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
                r"forty|fifty|hundreds?|thousands?|dozens?|million|billion))((?:\s+[\w-]+){1,4})", re.I)
            for scored in units:
                for match in number.finditer(scored.unit.text):
                    if term_overlap(tuple(head), stems(match.group(1))):
                        return None
            if head and not any(term_overlap(tuple(head), stems(s.unit.text)) for s in units):
                return None  # the counted thing goes by another name here: leave it to the other checks
            return f"the passages give no number of {counted.group(1)}"
    if query.answer_type == "organisation" and evidence.responsibilities:
        if not named or any(r.doc_id in named for r in evidence.responsibilities):
            return None
    # The words asking for the value ("how much has ... grown") are no topic the value must stand beside.
    asking = answer_type.asks.search(query.text)
    asked = stems(asking.group(0)) if asking else set()
    unit_word = _PLACE_UNIT.search(asking.group(0)) if asking and query.answer_type == "place" else None
    place_unit = _SINGULAR.get(unit_word.group(1).lower(), unit_word.group(1).lower()) if unit_word else None
    for scored in units:
        topic = within_document(query.topic or query.terms, evidence.documents[scored.unit.doc_id])
        topic = tuple(t for t in topic if t not in asked)
        if topic and not term_overlap(topic, stems(scored.unit.text)):
            continue
        values = [m.group(0).lower() for m in answer_type.looks.finditer(scored.unit.text)]
        if place_unit:
            # "Which province": a named province ("Guangdong Province"), not the word "provinces".
            values = [v for v in values if place_unit in v and not v.startswith(place_unit)]
        if any(v not in question_names for v in values):
            return None
    return f"the passages on this topic give no {query.answer_type}"
