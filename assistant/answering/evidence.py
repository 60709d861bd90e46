"""Gathering evidence for a question: the units of the retrieved passages and their
neighbours, each scored against the Query.

A unit's score mixes its sentence-level similarity to the question (the index's
own embedding model), the share of the question's topic words it holds, whether
its wording plays the role the question asks for (a finding, a cause, a
recommendation), whether it holds the kind of value asked for (a share, a year,
an amount), and the rank of the passage it came from. Design statements count
only when the question is about method; a study's background counts less than
its own results. The cost is bounded by the passages, never by a document's length.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from threading import Lock

import numpy as np

from assistant.answering.cues import cues
from assistant.answering.query import Query
from assistant.answering.reading import ReadingCache, Responsibility, Unit
from assistant.answering.terms import stems
from assistant.documents import Document
from assistant.retrieval import Hit, Snapshot

ROLE_FOR_INTENT = {
    "finding": "finding",
    "cause": "cause",
    "countermeasure": "recommendation",
    "responsibility": "responsibility",
}

# Weights of a unit's score; chosen on the field corpus's dev half (evals/README.md).
W_DENSE, W_LEXICAL, W_ROLE, W_TYPE = 0.55, 0.30, 0.20, 0.10
W_TOP_PASSAGE = 0.04
W_IDENTITY = 0.0
DESIGN_PENALTY, BACKGROUND_PENALTY = 0.30, 0.12


class SentenceVectors:
    """Embeddings of unit texts, cached by text. Bounded; a call always returns vectors for all
    the texts it was given, whatever the cache evicts meanwhile."""

    def __init__(self, embedder, size: int = 20000):
        self.embedder = embedder
        self.size = size
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = Lock()

    def __len__(self) -> int:
        return len(self._cache)

    def __call__(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for text in texts:
                vector = self._cache.get(text)
                if vector is not None:
                    self._cache.move_to_end(text)
                    found[text] = vector
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        if missing:
            vectors = np.asarray(self.embedder.embed_passages(missing), dtype=np.float32)
            vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
            with self._lock:
                for text, vector in zip(missing, vectors, strict=True):
                    found[text] = vector
                    self._cache[text] = vector
                while len(self._cache) > self.size:
                    self._cache.popitem(last=False)
        return np.stack([found[t] for t in texts])


@dataclass
class Scored:
    unit: Unit
    score: float
    dense: float
    lexical: float
    hit_rank: int | None  # rank of the retrieved passage holding it; None for a neighbour


@dataclass
class Evidence:
    query: Query
    hits: list[Hit]
    documents: dict[str, Document]
    units: list[Scored] = field(default_factory=list)  # best first
    responsibilities: list[Responsibility] = field(default_factory=list)
    vectors: SentenceVectors | None = None  # for composing: embeds further texts (task names) the same way
    text_stems: set[str] = field(default_factory=set)  # every word of the passages read, titles included

    def doc_order(self) -> list[str]:
        """Documents in the order retrieval ranked them."""
        return list(dict.fromkeys(h.chunk.doc_id for h in self.hits))

    def of(self, doc_id: str) -> list[Scored]:
        return [s for s in self.units if s.unit.doc_id == doc_id]


def term_overlap(topic: tuple[str, ...], unit_stems: set[str]) -> float:
    """Share of the topic stems in the unit, allowing for stemming gaps ('pay' in 'payment')."""
    if not topic:
        return 0.0
    hits = 0
    for term in topic:
        if term in unit_stems or (len(term) >= 3 and any(
            s.startswith(term) and len(s) - len(term) <= 5 for s in unit_stems
        )):
            hits += 1
    return hits / len(topic)


def within_document(topic: tuple[str, ...], document: Document) -> tuple[str, ...]:
    """The topic words that can tell one sentence of a document from another: the words naming the
    document itself (its title, region, kind: 'Guangdong', 'plan', '2015') say nothing about which
    of its sentences answers, and every sentence near them would otherwise look on topic."""
    identity = stems(f"{document.title} {document.region or ''} {document.kind}")
    return tuple(t for t in topic if t not in identity)


def windows(hits: list[Hit], snapshot: Snapshot, neighbours: int = 1) -> dict[str, list[tuple[int, int, str]]]:
    """Per document, the merged spans of the retrieved passages and their neighbouring passages
    (start, end, the section heading at the start)."""
    spans: dict[str, list[tuple[int, int, str]]] = {}
    for hit in hits:
        chunk = hit.chunk
        order = snapshot.doc_chunks.get(chunk.doc_id, [chunk.id])
        position = chunk.ordinal if chunk.ordinal < len(order) and order[chunk.ordinal] == chunk.id else (
            order.index(chunk.id) if chunk.id in order else 0
        )
        first = snapshot.chunks.get(order[max(0, position - neighbours)], chunk)
        last = snapshot.chunks.get(order[min(len(order) - 1, position + neighbours)], chunk)
        spans.setdefault(chunk.doc_id, []).append((first.start, max(last.end, chunk.end), first.section))
    merged: dict[str, list[tuple[int, int, str]]] = {}
    for doc_id, items in spans.items():
        out: list[tuple[int, int, str]] = []
        for start, end, section in sorted(items):
            if out and start <= out[-1][1]:
                out[-1] = (out[-1][0], max(out[-1][1], end), out[-1][2])
            else:
                out.append((start, end, section))
        merged[doc_id] = out
    return merged


class EvidenceGatherer:
    def __init__(self, embedder):
        self.vectors = SentenceVectors(embedder)
        self.readings = ReadingCache()

    def gather(self, query: Query, hits: list[Hit], snapshot: Snapshot) -> Evidence:
        documents = snapshot.documents
        evidence = Evidence(query, hits, documents, vectors=self.vectors)
        units: list[Unit] = []
        seen: set[tuple[str, int, int]] = set()
        for doc_id, spans in windows(hits, snapshot).items():
            document = documents[doc_id]
            evidence.text_stems |= stems(document.title)
            for start, end, section in spans:
                evidence.text_stems |= stems(document.text[start:end])
                reading = self.readings.read(document, start, end, section)
                for unit in reading.units:
                    key = (unit.doc_id, unit.start, unit.end)
                    if key not in seen:
                        seen.add(key)
                        units.append(unit)
                known = {(r.doc_id, r.passage_start) for r in evidence.responsibilities}
                evidence.responsibilities += [
                    r for r in reading.responsibilities if (r.doc_id, r.passage_start) not in known
                ]
        evidence.units = self.score(query, units, hits, documents)
        return evidence

    def score(self, query: Query, units: list[Unit], hits: list[Hit], documents: dict[str, Document]) -> list[Scored]:
        if not units:
            return []
        dense = np.zeros(len(units), dtype=np.float32)
        if query.vector.size:
            vectors = self.vectors([u.text for u in units])
            dense = vectors @ query.vector
            # Similarity a sentence owes to being about the document at all (its title's subject:
            # "Gansu", "poverty") says nothing about whether it answers; take part of it away.
            doc_ids = sorted({u.doc_id for u in units})
            titles = dict(zip(doc_ids, self.vectors([documents[d].title for d in doc_ids]), strict=True))
            about = np.einsum("ij,ij->i", vectors, np.stack([titles[u.doc_id] for u in units]))
            dense = dense - W_IDENTITY * np.maximum(about, 0.0)
        topic = query.topic or query.terms
        topics = {doc_id: within_document(topic, documents[doc_id]) for doc_id in {u.doc_id for u in units}}
        role = ROLE_FOR_INTENT.get(query.aspect)
        answer_type = next((t for t in cues().answer_types if t.name == query.answer_type), None)
        scored = []
        for unit, similarity in zip(units, dense, strict=True):
            lexical = term_overlap(topics[unit.doc_id], stems(unit.text))
            score = W_DENSE * float(similarity) + W_LEXICAL * lexical
            if role and role in unit.roles:
                score += W_ROLE
                if query.wants_problems and "problem" in unit.roles:
                    score += W_ROLE / 2
                if query.wants_positive and "problem" in unit.roles:
                    score -= W_ROLE  # "what helped" is not asking what held it back
                if role in ("finding", "cause") and "recommendation" in unit.roles:
                    score -= W_ROLE / 2  # a finding question is not asking what should be done
                if role == "finding" and "cause" in unit.roles and "finding" not in unit.roles - {"cause"}:
                    score -= W_ROLE / 2
            if answer_type is not None:
                score += W_TYPE if answer_type.looks.search(unit.text) else -W_TYPE
            if unit.layer == "design" and not (query.asks_method or query.intent == "overview"):
                score -= DESIGN_PENALTY
            elif unit.layer == "background":
                # A study's context is not its findings; for other questions it may be the answer.
                score -= BACKGROUND_PENALTY if query.aspect in ("finding", "countermeasure") else BACKGROUND_PENALTY / 3
            rank = next(
                (i for i, h in enumerate(hits, 1)
                 if h.chunk.doc_id == unit.doc_id and h.chunk.start <= unit.start < h.chunk.end),
                None,
            )
            if rank is not None:
                score += W_TOP_PASSAGE / rank
            scored.append(Scored(unit, score, float(similarity), lexical, rank))
        scored.sort(key=lambda s: -s.score)
        return scored



# -- which documents a question is about --------------------------------------------------------

_GENRE_WORDS = {
    "study": re.compile(r"\b(?:research|study|abstract|survey|review|paper|article|thesis)\b", re.I),
    "policy": re.compile(
        r"\b(?:plan|notice|opinions?|policy document|circular|guidelines?|measures|programme|program)\b", re.I),
}
_STUDY_TEXT = re.compile(
    r"\b(?:this|the present|our) (?:study|paper|article|research|survey|review)\b"
    r"|\bwe (?:found|conducted|surveyed|interviewed)\b"
    r"|^\s*(?:objectives?|background|methods?|results?|conclusions?)\s*[:：.]", re.I | re.M)
_POLICY_TEXT = re.compile(r"\b(?:shall|responsible|notice|action plan|implementation plan|opinions)\b", re.I)
_COMPARED_STUDIES = re.compile(r"\b(?:stud(?:y|ies)|papers?|surveys?|articles?|research)\b", re.I)
_COUNTED = re.compile(
    r"\b(two|three|four|five|both|\d)\b\s*(?:\w+\s+){0,2}?(?:stud|document|paper|report|plan|notice|survey)", re.I)
_NUMBER_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "both": 2}


def genre(document: Document) -> str:
    """study | policy | other: from the catalog kind, else from how the text opens."""
    for name, pattern in _GENRE_WORDS.items():
        if pattern.search(document.kind):
            return name
    head = document.text[:3000]
    if _STUDY_TEXT.search(head):
        return "study"
    if _POLICY_TEXT.search(head):
        return "policy"
    return "other"


def named_documents(query: Query, doc_order: list[str], documents: dict[str, Document]) -> list[str]:
    """Documents a name of the question points to ("the Zhejiang study"): those with it in their
    title, else, when only one or two of the documents at hand use it at all, those."""
    names = [n for n in query.names if not n[:1].isdigit()]
    if not names:
        return []
    patterns = [re.compile(rf"\b{re.escape(name)}\b", re.IGNORECASE) for name in names]
    in_title = [d for d in doc_order if any(p.search(documents[d].title) for p in patterns)]
    if in_title:
        return in_title
    for pattern in patterns:
        in_text = [d for d in doc_order if pattern.search(documents[d].text)]
        if 0 < len(in_text) <= 2:
            return in_text
    return []


def comparison_scope(query: Query, doc_order: list[str], documents: dict[str, Document]) -> list[str]:
    """The documents a comparison covers: for each name it gives ("Hefei and Xiamen"), the
    best-ranked document with that name in its title (else in its text); failing two names, the
    best-ranked documents of the kind it compares ('the three studies': three studies)."""
    named: list[str] = []
    for name in (n for n in query.names if not n[:1].isdigit()):
        holders = named_documents(replace(query, names=(name,)), doc_order, documents)
        if holders and holders[0] not in named:
            named.append(holders[0])
    if len(named) >= 2:
        return named[:4]
    counted = _COUNTED.search(query.text)
    count = None
    if counted:
        word = counted.group(1).lower()
        count = int(word) if word.isdigit() else _NUMBER_WORDS[word]
    wanted = "study" if _COMPARED_STUDIES.search(query.text) else None
    ranked = [d for d in doc_order if wanted is None or genre(documents[d]) == wanted] or doc_order
    return (named + [d for d in ranked if d not in named])[: max(2, min(count or 3, 4))]
