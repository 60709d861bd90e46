"""The default answerer: offline, deterministic, and it writes nothing the
documents do not say beyond connective scaffolding ("According to [1], ...").

It picks units (segments, enumerated items, department names) from the
documents behind the retrieved passages, chosen by the question's intent,
ranked by semantic similarity and keyword overlap, and lays them out as a lead
sentence and bullets, each bullet ending with the marker of the passage that
contains it verbatim.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from assistant.answering.evidence import DocumentAnalysis, Unit, analyse
from assistant.answering.intents import secondary_intent
from assistant.answering.models import Answer, Citation, Intent
from assistant.answering.terms import content_terms, overlap, stems, topic_terms
from assistant.documents import Document
from assistant.indexing.embedding import Embedder
from assistant.retrieval import Hit

_ROLE_FOR_INTENT = {"finding": "finding", "cause": "cause", "countermeasure": "countermeasure"}
_LEAD = {
    "finding": "the problems identified are",
    "cause": "the reasons given are",
    "countermeasure": "the recommended measures are",
}


_LABEL = {"finding": "Problem: ", "cause": "Cause: ", "countermeasure": "Recommendation: "}


class UnitScorer:
    """Similarity of units to the question: embeddings (cached per text) plus keyword overlap."""

    def __init__(self, embedder: Embedder, cache_size: int = 20000):
        self.embedder = embedder
        self.cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self.cache_size = cache_size

    def vectors(self, texts: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self.cache]
        if missing:
            for text, vector in zip(missing, self.embedder.embed_passages(missing), strict=True):
                self.cache[text] = np.asarray(vector, dtype=np.float32)
                if len(self.cache) > self.cache_size:
                    self.cache.popitem(last=False)
        return np.stack([self.cache[t] for t in texts]) if texts else np.zeros((0, 384))

    def scores(self, query_vector: list[float], terms: list[str], texts: list[str]) -> list[float]:
        if not texts:
            return []
        semantic = self.vectors(texts) @ np.asarray(query_vector, dtype=np.float32)
        lexical = [overlap(terms, stems(text)) for text in texts]
        return [0.65 * float(s) + 0.35 * lx for s, lx in zip(semantic, lexical, strict=True)]


@dataclass
class Bullet:
    unit: Unit
    prefix: str = ""


class CitationBook:
    """Numbers passages in order of first use."""

    def __init__(self, documents: dict[str, Document], hit_scores: dict[str, float]):
        self.documents = documents
        self.hit_scores = hit_scores
        self.citations: list[Citation] = []
        self._numbers: dict[tuple[str, int, int], int] = {}

    def cite(self, doc_id: str, start: int, end: int, section: str = "") -> int:
        key = (doc_id, start, end)
        if key not in self._numbers:
            document = self.documents[doc_id]
            number = len(self.citations) + 1
            self._numbers[key] = number
            self.citations.append(Citation(
                number=number, doc_id=doc_id, title=document.title, source=document.source,
                kind=document.kind, year=document.year, section=section,
                text=document.text[start:end], start=start, end=end,
                score=round(self.hit_scores.get(doc_id, 0.0), 4),
            ))
        return self._numbers[key]

    def cite_unit(self, unit: Unit) -> int:
        return self.cite(unit.doc_id, unit.passage_start, unit.passage_end, unit.section)

    @property
    def doc_ids(self) -> list[str]:
        return list(dict.fromkeys(c.doc_id for c in self.citations))


def _doc_order(hits: list[Hit]) -> list[str]:
    return list(dict.fromkeys(hit.chunk.doc_id for hit in hits))


def _topic_terms(question: str, documents: list[Document]) -> list[str]:
    """Question words that are about a topic inside a document, not about which document."""
    identity = set()
    for document in documents:
        identity |= stems(f"{document.title} {document.region or ''} {document.kind}")
    generic = stems("policy implementation study smith model county town province")
    return [t for t in topic_terms(question) if t not in identity and t not in generic]


_ISSUING = re.compile(r"\b(?:issue[sd]?|publish(?:ed|es)?|put out|release[sd]?|promulgat\w*)\b", re.I)
_PLACE = re.compile(r"\b[A-Z]\s+(?:County|Town|City|Village|District|Township)\b")


def _named_documents(question: str, documents: list[Document]) -> set[str]:
    """Documents whose title carries a place the question names ("L County", "J Town")."""
    places = [p.lower() for p in _PLACE.findall(question)]
    return {d.doc_id for d in documents if any(p in d.title.lower() for p in places)}


def _mentions(topic: list[str], text: str) -> bool:
    """A topic term occurs in the text, allowing for stemming gaps ('staf' in 'staff')."""
    text_stems = stems(text)
    return any(t in text_stems or (len(t) >= 4 and any(s.startswith(t) for s in text_stems)) for t in topic)


def _in_hits(unit: Unit, hits: list[Hit]) -> bool:
    return any(h.chunk.doc_id == unit.doc_id and h.chunk.start <= unit.start < h.chunk.end for h in hits)


class ExtractiveAnswerer:
    def __init__(self, embedder: Embedder, max_bullets: int = 12):
        self.scorer = UnitScorer(embedder)
        self.max_bullets = max_bullets

    def answer(
        self,
        question: str,
        intent: Intent,
        hits: list[Hit],
        documents: dict[str, Document],
        query_vector: list[float],
    ) -> Answer:
        book = CitationBook(documents, self._doc_scores(hits))
        doc_ids = _doc_order(hits)
        analyses = {doc_id: analyse(documents[doc_id]) for doc_id in doc_ids}
        terms = content_terms(question)
        named = _named_documents(question, [documents[d] for d in doc_ids])
        if named and intent != "comparison":  # "the L County paper": answer from that document only
            hits = [h for h in hits if h.chunk.doc_id in named] or hits
            analyses = {d: a for d, a in analyses.items() if d in named} or analyses
        sections: list[tuple[str, list[Bullet]]] = []
        if intent == "responsibility" and _ISSUING.search(question):
            pass  # who issued a document is a fact stated in its text, not a task's department list
        elif intent == "responsibility":
            sections = self._responsibility(question, analyses, hits, query_vector, terms, book)
        elif intent in _ROLE_FOR_INTENT:
            sections = self._by_role(question, intent, analyses, hits, query_vector, book, single=True)
        elif intent == "comparison":
            sections = self._by_role(
                question, secondary_intent(question), analyses, hits, query_vector, book, single=False
            )
        elif intent == "overview":
            sections = self._overview(analyses, doc_ids[:1], book)
        if not any(bullets for _, bullets in sections):
            sections = self._facts(hits, analyses, query_vector, terms, book)
        text = self._render(sections, book, comparison=intent == "comparison")
        return Answer(text=text, citations=book.citations, intent=intent, question=question)

    @staticmethod
    def _doc_scores(hits: list[Hit]) -> dict[str, float]:
        scores: dict[str, float] = {}
        for hit in hits:
            scores[hit.chunk.doc_id] = max(scores.get(hit.chunk.doc_id, 0.0), hit.dense or hit.score)
        return scores

    # -- intents -----------------------------------------------------------

    def _responsibility(self, question, analyses, hits, query_vector, terms, book):
        groups = [(a, g) for a in analyses.values() for g in a.task_groups]
        if not groups:
            return []
        texts = [
            f"{g.section.split(' > ')[-1]}\n{a.text(g.task_start, g.departments_end)}" for a, g in groups
        ]
        scores = self.scorer.scores(query_vector, terms, texts)
        best = max(scores)
        chosen = [pair for pair, s in zip(groups, scores, strict=True) if s >= best - 0.05][:3]
        sections = []
        for analysis, group in chosen:
            task_units = [
                u for u in analysis.segments
                if group.task_start <= u.start < group.task_end and u.role != "heading"
            ]
            heading = group.section.split(" > ")[-1] or "this task"
            bullets = []
            if task_units:
                task_scores = self.scorer.scores(query_vector, terms, [u.text for u in task_units])
                best_task = task_units[int(np.argmax(task_scores))]
                bullets.append(Bullet(best_task, prefix="Task: "))
            bullets += [Bullet(unit) for unit in group.departments]
            number = book.cite(analysis.document.doc_id, group.departments_start, group.departments_end,
                               group.section)
            title = analysis.document.title
            lead = f'According to {title} [{number}], the departments responsible for "{heading}" are:'
            sections.append((lead, bullets))
        return sections

    def _role_units(self, analysis: DocumentAnalysis, role: str) -> list[Unit]:
        units = []
        for segment in analysis.units(role):
            if segment.kind != "segment":
                continue
            items = analysis.items_of(segment)
            units += items or [segment]
        return units

    def _by_role(self, question, intent, analyses, hits, query_vector, book, single: bool):
        role = _ROLE_FOR_INTENT.get(intent)
        candidates = [a for a in analyses.values() if role is None or self._role_units(a, role)]
        if not candidates:
            return []
        if single:
            candidates = [self._best_document(question, candidates[:3], role, query_vector)]
        else:
            studies = [a for a in candidates if "research" in a.document.kind]
            if "stud" in question.lower() and len(studies) >= 2:
                candidates = studies
            candidates = candidates[:4]
        topic = _topic_terms(question, [a.document for a in analyses.values()])
        sections = []
        for analysis in candidates:
            if role is None:
                # "What do the studies say about the target group?": findings,
                # causes and recommendations on that topic, each labelled.
                units = [u for r in _ROLE_FOR_INTENT for u in self._role_units(analysis, r)]
            else:
                units = self._role_units(analysis, role)
            # Topic words this document never uses ("authors", words of the rewritten
            # follow-up) cannot decide what in it is on topic.
            here = [t for t in topic if _mentions([t], analysis.document.text)]
            on_topic = [u for u in units if _mentions(here, u.text)] if here else units
            passages_only = not on_topic and self._better_elsewhere(analysis, units, query_vector, question)
            if passages_only:
                # The question is about something these points never touch ("why Guangdong
                # as a case", "research methods"): quote the sentences that answer it instead.
                units = [u for u in analysis.segments if u.role != "heading"]
                units = self._top(units, query_vector, topic + content_terms(question), 3)
            elif not on_topic:
                on_topic = units
                units = self._top(units, query_vector, content_terms(question), 4) if not single else units
            elif not single or role is None:
                units = self._top(on_topic, query_vector, topic or content_terms(question), 6)
            else:
                units = on_topic
            units = sorted(units, key=lambda u: u.start)[: self.max_bullets]
            if not units:
                continue
            number = book.cite_unit(units[0])
            phrase = "the relevant passages are" if passages_only else _LEAD.get(intent, "the relevant points are")
            if role == "countermeasure" and "research" not in analysis.document.kind and not passages_only:
                phrase = "the measures set out are"
            lead = f"According to {analysis.document.title} [{number}], {phrase}:"
            labelled = role is None and not single and not passages_only
            sections.append((lead, [Bullet(u, _LABEL.get(u.role, "") if labelled else "") for u in units]))
        return sections

    def _better_elsewhere(self, analysis, units, query_vector, question, margin: float = 0.1) -> bool:
        """Does some other sentence of the document answer the question clearly better than
        any of these points? Then the question is not really asking for them."""
        if not units:
            return True
        terms = content_terms(question)
        others = [u.text for u in analysis.segments if u.role != "heading"]
        best_point = max(self.scorer.scores(query_vector, terms, [u.text for u in units]))
        best_other = max(self.scorer.scores(query_vector, terms, others), default=0.0)
        return best_other > best_point + margin

    def _best_document(self, question, candidates, role, query_vector) -> DocumentAnalysis:
        """Of the top retrieved documents that state this kind of point, the one whose
        statements of it, and whose title, best match the question."""
        terms = content_terms(question)

        def score(analysis: DocumentAnalysis) -> float:
            segments = [u.text for u in analysis.units(role) if u.kind == "segment"]
            best = max(self.scorer.scores(query_vector, terms, segments), default=0.0)
            document = analysis.document
            identity = stems(f"{document.title} {document.region or ''} {document.kind}")
            return best + 0.3 * overlap(terms, identity)

        return max(candidates, key=score)  # max keeps the first (best retrieved) of equals

    def _top(self, units: list[Unit], query_vector, terms, k: int) -> list[Unit]:
        if not units:
            return []
        scores = self.scorer.scores(query_vector, terms, [u.text for u in units])
        order = sorted(range(len(units)), key=lambda i: -scores[i])
        return [units[i] for i in order[:k]]

    def _overview(self, analyses, doc_ids, book):
        sections = []
        for doc_id in doc_ids:
            analysis = analyses[doc_id]
            segments = [u for u in analysis.segments if u.role != "heading"]
            picked: list[Unit] = []
            purpose = [u for u in segments if any(w in u.text.lower() for w in (
                "this paper", "this article", "this study", "focuses on", "issued"))]
            picked += purpose[:2] or segments[:1]
            for role in ("finding", "cause", "countermeasure"):
                first = next((u for u in segments if u.role == role and u not in picked), None)
                if first:
                    picked.append(first)
            for heading in analysis.segments:
                if heading.role == "heading" and len(picked) < 6:
                    body = next((u for u in segments if u.start > heading.end and u not in picked), None)
                    if body:
                        picked.append(body)
            picked = sorted(picked, key=lambda u: u.start)
            number = book.cite_unit(picked[0])
            lead = f"{analysis.document.title} ({analysis.document.kind}) [{number}] in brief:"
            sections.append((lead, [Bullet(u) for u in picked]))
        return sections

    def _facts(self, hits, analyses, query_vector, terms, book):
        units = [
            u for a in analyses.values() for u in a.segments
            if u.role != "heading" and _in_hits(u, hits[:4])
        ]
        if not units:
            return []
        scores = self.scorer.scores(query_vector, terms, [u.text for u in units])
        order = sorted(range(len(units)), key=lambda i: -scores[i])
        best = scores[order[0]]
        picked = [units[i] for i in order[:3] if scores[i] >= best - 0.08]
        number = book.cite_unit(picked[0])
        if len({u.doc_id for u in picked}) == 1:
            lead = f"According to {analyses[picked[0].doc_id].document.title} [{number}]:"
        else:
            lead = "According to the documents:"
        return [(lead, [Bullet(u) for u in picked])]

    # -- layout ------------------------------------------------------------

    def _render(self, sections, book: CitationBook, comparison: bool) -> str:
        bullets_seen: set[tuple[str, int, int]] = set()
        lines: list[str] = []
        rendered: list[tuple[str, list[str]]] = []
        for lead, bullets in sections:
            rows = []
            for bullet in bullets:
                key = (bullet.unit.doc_id, bullet.unit.start, bullet.unit.end)
                if key in bullets_seen:
                    continue
                bullets_seen.add(key)
                number = book.cite_unit(bullet.unit)
                rows.append((bullet, number))
            rendered.append((lead, rows))
        several_docs = len(book.doc_ids) > 1
        for lead, rows in rendered:
            if not rows:
                continue
            if lines:
                lines.append("")
            lines.append(lead)
            for bullet, number in rows:
                source = ""
                if several_docs and not comparison:
                    source = f" ({book.documents[bullet.unit.doc_id].title})"
                lines.append(f"- {bullet.prefix}{bullet.unit.text}{source} [{number}]")
        return "\n".join(lines)
