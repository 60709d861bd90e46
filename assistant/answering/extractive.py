"""The default answerer: offline, deterministic, and it writes nothing the documents do
not say beyond connective scaffolding ("According to <title>:").

It takes the scored evidence units and lays them out by intent — the bodies
responsible for a task, a study's findings, causes or recommendations, a fact, a
document in brief, or one section per document compared — each bullet a verbatim
sentence, list item or department ending in the marker of the passage holding it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.answering.citations import CitationBook
from assistant.answering.cues import cues
from assistant.answering.evidence import (
    ROLE_FOR_INTENT,
    Evidence,
    Scored,
    comparison_scope,
    genre,
    named_documents,
    term_overlap,
)
from assistant.answering.models import Answer
from assistant.answering.reading import ENUMERATION_GAP, Responsibility, Unit, quoted
from assistant.answering.terms import stems
from assistant.documents import Document

WORD_BUDGET = 110  # words of quoted text in an answer (a comparison: per document, see below)
COMPARISON_BUDGET = 55
MIN_TASK_SCORE = 0.25  # a listed task matching the question less than this is not what it asks about
LIST_MARGIN = 0.2  # list answers: points scoring this far below the best are not worth the reader's time
FACT_MARGIN = 0.06
_LEADS = {
    "finding": "the findings include",
    "cause": "the reasons given include",
    "countermeasure": "the recommendations include",
}
_LIST_MARK = re.compile(r"^(?:[-*•]\s+)+")


def _enumerations(items: list[Unit]) -> list[list[Unit]]:
    """Items (in document order) grouped into runs that stand close together: one run is one
    enumeration, so a sentence listing causes and then measures gives two."""
    runs: list[list[Unit]] = []
    for item in items:
        if runs and item.start - runs[-1][-1].end <= ENUMERATION_GAP:
            runs[-1].append(item)
        else:
            runs.append([item])
    return runs


@dataclass
class Bullet:
    unit: Unit
    label: str = ""  # "Lead: " and the like; scaffolding, not quoted


def short_title(document: Document, words: int = 14) -> str:
    title = document.title.strip()
    parts = title.split()
    return title if len(parts) <= words else " ".join(parts[:words]) + " …"


class ExtractiveAnswerer:
    def __init__(self, max_bullets: int = 12):
        self.max_bullets = max_bullets

    def compose(self, evidence: Evidence) -> Answer:
        query = evidence.query
        book = CitationBook(evidence.documents, self._doc_scores(evidence))
        sections: list[tuple[str, list[Bullet]]] = []
        if query.intent == "responsibility" and not _ISSUING.search(query.text):
            sections = self._responsibility(evidence)
        elif query.intent in _LEADS:
            sections = self._by_role(evidence)
        elif query.intent == "comparison":
            sections = self._comparison(evidence)
        elif query.intent == "overview":
            sections = self._overview(evidence)
        if not any(bullets for _, bullets in sections):
            sections = self._facts(evidence)
        text = self._render(sections, book, several_sections=query.intent == "comparison")
        return Answer(text=text, citations=book.citations, intent=query.intent, question=query.text)

    @staticmethod
    def _doc_scores(evidence: Evidence) -> dict[str, float]:
        scores: dict[str, float] = {}
        for hit in evidence.hits:
            doc_id = hit.chunk.doc_id
            scores[doc_id] = max(scores.get(doc_id, 0.0), hit.dense if hit.dense is not None else hit.score)
        return scores

    # -- which documents ----------------------------------------------------------------------

    def _focus(self, evidence: Evidence, role: str | None) -> str | None:
        """The one document a single-document answer comes from: a document the question names,
        else the one whose statements of the asked-for kind best match the question."""
        named = named_documents(evidence.query, evidence.doc_order(), evidence.documents)
        candidates = named or evidence.doc_order()
        if not candidates:
            return None
        terms = evidence.query.terms

        def score(doc_id: str) -> float:
            units = [s for s in evidence.of(doc_id) if role is None or role in s.unit.roles] or evidence.of(doc_id)
            best = max((s.score for s in units), default=-1.0)
            title = stems(evidence.documents[doc_id].title)
            return best + 0.15 * term_overlap(terms, title)

        return max(candidates[:4], key=score)

    # -- intents ------------------------------------------------------------------------------

    def _select(
        self,
        pool: list[Scored],
        budget: int,
        margin: float = LIST_MARGIN,
        limit: int | None = None,
        lists: bool = True,
        role: str | None = None,
    ) -> list[Unit]:
        """The best units of `pool` (best first) within the margin and the word budget. An item of
        an enumeration brings its sibling items along (the document's own list of points), and a
        unit is never chosen together with a unit it contains or is contained in."""
        if not pool:
            return []
        best = pool[0].score
        siblings: dict[tuple[str, int], list[Unit]] = {}
        for scored in pool:
            if scored.unit.kind == "item":
                siblings.setdefault((scored.unit.doc_id, scored.unit.passage_start), []).append(scored.unit)
        score_of = {s.unit: s.score for s in pool}
        chosen: list[Unit] = []
        words = 0
        limit = limit or self.max_bullets
        for scored in pool:
            if scored.score < best - margin or len(chosen) >= limit:
                break
            unit = scored.unit
            group = [unit]
            if lists:
                family = sorted(siblings.get((unit.doc_id, unit.passage_start), []), key=lambda u: u.start)
                inside = family if unit.kind == "item" else [
                    u for u in family if unit.start <= u.start <= u.end <= unit.end]
                runs = _enumerations(inside)
                if unit.kind == "item":
                    group = next((run for run in runs if unit in run), group)
                elif runs and len(best_run := max(runs, key=lambda run: max(score_of[u] for u in run))) >= 2:
                    # A sentence that enumerates its points is answered as its points, one bullet each
                    # (of its enumerations, the one that best answers).
                    group = best_run
            group = [u for u in group if not any(_overlaps(u, other) for other in chosen)]
            if not group:
                continue
            size = sum(u.words for u in group)
            if chosen and words + size > budget:
                group = [scored.unit] if scored.unit in group and words + scored.unit.words <= budget else []
                size = sum(u.words for u in group)
            if not group:
                continue
            chosen += group[: limit - len(chosen)]
            words += size
        if role is not None:
            chosen += self._gaps(chosen, pool, role, budget - words, limit - len(chosen))
        return sorted(chosen, key=lambda u: (u.doc_id, u.start))

    @staticmethod
    def _gaps(chosen: list[Unit], pool: list[Scored], role: str, words: int, room: int) -> list[Unit]:
        """Sentences of the asked-for role lying between two chosen ones: a document's list of causes
        or measures often runs over consecutive sentences, and a point in the middle of it belongs to
        it even when its wording matches the question less."""
        sentences = [u for u in chosen if u.kind == "sentence"]
        found: list[Unit] = []
        for scored in sorted(pool, key=lambda s: s.unit.start):
            unit = scored.unit
            if (unit.kind != "sentence" or role not in unit.roles or unit in chosen or room <= len(found)
                    or unit.words > words or any(_overlaps(unit, other) for other in chosen)):
                continue
            before = [u for u in sentences if u.doc_id == unit.doc_id and u.end <= unit.start]
            after = [u for u in sentences if u.doc_id == unit.doc_id and u.start >= unit.end]
            if before and after and role in max(before, key=lambda u: u.end).roles and (
                    role in min(after, key=lambda u: u.start).roles):
                between = [s.unit for s in pool if s.unit.kind == "sentence" and s.unit.doc_id == unit.doc_id
                           and max(u.end for u in before) <= s.unit.start and s.unit.end <= min(u.start for u in after)]
                if all(role in u.roles for u in between):
                    found.append(unit)
                    words -= unit.words
        return found

    def _responsibility(self, evidence: Evidence) -> list[tuple[str, list[Bullet]]]:
        """Who is responsible for the task the question is about: the task in the lead, one bullet per
        body (the lead body marked). A question naming a body ("What must the Provincial Health
        Commission do?") gets that body's tasks instead."""
        query = evidence.query
        named = named_documents(query, evidence.doc_order(), evidence.documents)
        groups = [g for g in evidence.responsibilities if not named or g.doc_id in named]
        if not groups:
            return []
        body = _asked_body(query.text)
        if body is not None:
            return self._tasks_of(evidence, body, groups)
        scored = sorted(((self._task_score(evidence, g), g) for g in groups), key=lambda pair: -pair[0])
        best = scored[0][0]
        if best < MIN_TASK_SCORE:
            return []  # no listed task is what the question is about: answer from the statements
        sections = []
        for score, group in scored[:2]:
            if score < best - 0.05:
                break
            title = evidence.documents[group.doc_id].title
            task = _task_phrase(group)
            lead = f"According to {title}, the bodies responsible for “{task}” are:" if task else (
                f"According to {title}, the responsible bodies are:")
            bullets = [Bullet(d, "Lead: " if d is group.lead and len(group.departments) > 1 else "")
                       for d in group.departments]
            sections.append((lead, bullets))
        return sections

    def _tasks_of(self, evidence: Evidence, body: str, groups: list[Responsibility]) -> list[tuple[str, list[Bullet]]]:
        mine = [g for g in groups if any(body in d.text.lower() or d.text.lower() in body for d in g.departments)]
        units = []
        for group in mine:
            end = max(group.task_end, group.task_start + 1)
            inside = [s.unit for s in evidence.of(group.doc_id)
                      if s.unit.kind == "sentence" and group.task_start <= s.unit.start < end]
            units += inside or [s.unit for s in evidence.of(group.doc_id)
                                if s.unit.kind == "sentence" and s.unit.start == group.passage_start]
        units = list(dict.fromkeys(units))[: self.max_bullets]
        if not units:
            return []
        title = evidence.documents[units[0].doc_id].title
        return [(f"According to {title}, the tasks it gives the {body.title()} include:", [Bullet(u) for u in units])]

    def _task_score(self, evidence: Evidence, group: Responsibility) -> float:
        text = f"{group.heading}\n{group.task}\n" + " ".join(d.text for d in group.departments)
        query = evidence.query
        lexical = term_overlap(query.topic or query.terms, stems(text))
        dense = 0.0
        if query.vector.size:
            vector = evidence.vectors([f"{group.heading}. {group.task}"[:1000]])[0]
            dense = float(vector @ query.vector)
        return 0.55 * dense + 0.45 * lexical

    def _by_role(self, evidence: Evidence) -> list[tuple[str, list[Bullet]]]:
        query = evidence.query
        role = ROLE_FOR_INTENT[query.aspect]
        doc_id = self._focus(evidence, role)
        if doc_id is None:
            return []
        pool = [s for s in evidence.of(doc_id) if s.unit.layer != "design" or query.asks_method]
        units = self._select(pool, WORD_BUDGET, role=role)
        if not units:
            return []
        document = evidence.documents[doc_id]
        phrase = _LEADS[query.aspect]
        if query.aspect == "countermeasure" and genre(document) == "policy":
            phrase = "the measures it lists include"
        return [(f"According to {document.title}, {phrase}:", [Bullet(u) for u in units])]

    def _comparison(self, evidence: Evidence) -> list[tuple[str, list[Bullet]]]:
        query = evidence.query
        sections = []
        role = ROLE_FOR_INTENT.get(query.aspect)
        for doc_id in comparison_scope(evidence.query, evidence.doc_order(), evidence.documents):
            pool = [s for s in evidence.of(doc_id) if s.unit.layer != "design" or query.asks_method]
            # Three points a document: when the compared aspect is a role (its recommendations, its
            # causes), the points that play it.
            pool = [s for s in pool if role in s.unit.roles] or pool if role else pool
            units = self._select(pool, COMPARISON_BUDGET, limit=3, lists=False)
            if units:
                sections.append((f"{evidence.documents[doc_id].title}:", [Bullet(u) for u in units]))
        return sections

    def _overview(self, evidence: Evidence) -> list[tuple[str, list[Bullet]]]:
        """A document in brief, the way it presents itself: what it is for (its objective or purpose
        statement), then for a study its main results and conclusion, for a plan or notice the tasks
        it lists, for anything else its opening sentences."""
        doc_id = self._focus(evidence, None)
        if doc_id is None:
            return []
        document = evidence.documents[doc_id]
        pool = sorted((s for s in evidence.of(doc_id) if s.unit.kind != "department"), key=lambda s: s.unit.start)
        sentences = [s for s in pool if s.unit.kind == "sentence"]
        purpose = [s for s in sentences if cues().purpose_statement.search(s.unit.text)]
        kind = genre(document)
        if kind == "study":
            results = sorted((s for s in sentences if s.unit.label == "finding" or (
                "finding" in s.unit.roles and s.unit.layer == "content")), key=lambda s: -s.score)
            closing = [s for s in sentences if s.unit.label == "conclusion"]
            groups = [purpose[:1], results[:2], closing[:1]]
        elif kind == "policy":
            tasks = [s for s in pool if _is_task_title(s.unit)]
            groups = [purpose[:1], tasks[:8]]
        else:
            opening = [s for s in sentences if s.unit.layer != "design"][:3]
            groups = [purpose[:1], opening]
        picked: list[Unit] = []
        words = 0
        for group in groups:
            for scored in group:
                unit = scored.unit
                if any(_overlaps(unit, other) for other in picked) or (picked and words + unit.words > WORD_BUDGET):
                    continue
                picked.append(unit)
                words += unit.words
        if not picked:
            picked = self._select(pool, WORD_BUDGET, limit=3, lists=False)  # a document in brief: whole sentences
        picked.sort(key=lambda u: u.start)
        return [(f"{document.title} in brief:", [Bullet(u) for u in picked])]

    def _facts(self, evidence: Evidence) -> list[tuple[str, list[Bullet]]]:
        query = evidence.query
        pool = [s for s in evidence.units if s.unit.layer != "design" or query.asks_method]
        named = named_documents(evidence.query, evidence.doc_order(), evidence.documents)
        if named:
            pool = [s for s in pool if s.unit.doc_id in named] or pool
        answer_type = next((t for t in cues().answer_types if t.name == query.answer_type), None)
        if answer_type is not None and pool:
            # "How much / how many / by when": the statements holding such a value answer it, and
            # among the best few of them, one that gives none is no answer.
            typed = [s for s in pool[:8] if answer_type.looks.search(s.unit.text)]
            pool = typed or pool
        units = self._select(pool, WORD_BUDGET // 2 + 20, margin=FACT_MARGIN, limit=3, lists=False)
        if not units:
            return []
        docs = list(dict.fromkeys(u.doc_id for u in units))
        lead = (f"According to {evidence.documents[docs[0]].title}:" if len(docs) == 1
                else "According to the documents:")
        return [(lead, [Bullet(u) for u in units])]

    # -- layout -------------------------------------------------------------------------------

    def _render(self, sections, book: CitationBook, several_sections: bool) -> str:
        lines: list[str] = []
        seen: set[tuple[str, int, int]] = set()
        doc_ids = {b.unit.doc_id for _, bullets in sections for b in bullets}
        for lead, bullets in sections:
            rows = []
            for bullet in bullets:
                key = (bullet.unit.doc_id, bullet.unit.start, bullet.unit.end)
                if key in seen:
                    continue
                seen.add(key)
                number = book.cite_unit(bullet.unit)
                source = ""
                if len(doc_ids) > 1 and not several_sections:
                    source = f" ({book.documents[bullet.unit.doc_id].title})"
                body = _LIST_MARK.sub("", quoted(bullet.unit.text))  # the document's own bullet, not a second one
                rows.append(f"- {bullet.label}{body}{source} [{number}]")
            if not rows:
                continue
            if lines:
                lines.append("")
            lines.append(lead)
            lines += rows
        return "\n".join(lines)


_ISSUING = re.compile(r"\b(?:issue[sd]?|publish(?:ed|es)?|put out|release[sd]?|promulgat\w*)\b", re.I)
_ASKS_WHO = re.compile(
    r"\b(?:who|whom|which|what (?:department|bod|agenc|organi|office|bureau|ministr|authorit))", re.I)


def _asked_body(question: str) -> str | None:
    """The body a question asks about ("What must the Provincial Health Commission do?"), lowercased;
    None when it asks who is responsible."""
    if _ASKS_WHO.search(question):
        return None
    match = cues().organisation.search(question)
    return match.group(0).lower().removeprefix("the ") if match else None


_TASK_TITLE = re.compile(
    r"^\s*(?:\(?\d{1,2}[.)、]|[（(][一二三四五六七八九十\d]+[)）]|[一二三四五六七八九十]+、|[IVX]{1,4}\.)\s*\S")


def _is_task_title(unit: Unit) -> bool:
    """A numbered line short enough to be the name of a task ("(3) Promoting electronic prescriptions.")."""
    return unit.kind == "sentence" and unit.words <= 14 and _TASK_TITLE.match(unit.text) is not None


def _overlaps(a: Unit, b: Unit) -> bool:
    return a.doc_id == b.doc_id and a.start < b.end and b.start < a.end


def _task_phrase(group: Responsibility, max_words: int = 16) -> str:
    """A task named short enough for a lead: its heading, else the first sentence of the task."""
    heading = group.heading.strip()
    task = re.split(r"(?<=[.;。])\s", group.task.strip(), maxsplit=1)[0].rstrip(" .;。")
    candidate = task if task and (not heading or len(task.split()) <= max_words) else heading
    parts = candidate.split()
    return candidate if len(parts) <= max_words else " ".join(parts[:max_words]) + " …"

