"""A document read the way an analyst reads it: sentences split into
discourse segments, each labelled with its role (background, finding, cause,
countermeasure, ...), enumerations split into items, and the action plan's
department lists tied to the tasks they follow.

Everything here is a span of the cleaned text, so any unit can be cited
verbatim with its offsets. Analyses are cached per document version.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.documents import Document
from assistant.documents.structure import Heading, find_headings, section_path, split_sentences

Role = str  # background | finding | cause | countermeasure | achievement | responsibility | task | heading | statement

_ORG_WORDS = (
    r"(?:Commission|Department|Bureau|Administration|Office|Ministry|Council|Committee|Government"
    r"|Agency|Center|Centre|Authority)"
)
_RESPONSIBILITY_LINE = re.compile(rf"^\((?:Responsible(?: for)?:?\s*)?[^()]*\b{_ORG_WORDS}\b[^()]*\)\.?$")
_STUDY_MARKER = re.compile(r"\b(?:this|the) (?:paper|article|study|research|thesis)\b", re.IGNORECASE)

_ROLE_CUES: list[tuple[Role, re.Pattern[str]]] = [
    ("cause", re.compile(
        r"\b(?:main |root )?reasons?\b|\bcaused by\b|\bbecause\b|\bstems? from\b|\battributed to\b",
        re.IGNORECASE)),
    ("countermeasure", re.compile(
        r"\bsuggest|\brecommend|\bcountermeasures?\b|\bit is necessary to\b|\bpropose|\bwe (?:should|need|must|will)\b"
        r"|\bshould\b|\bneed to\b|^(?:To optimi[sz]e|In order to optimi[sz]e|To improve)\b"
        r"|^(?:Give play|Strengthen|Improve|Increase|Establish|Promote|Enhance)\b", re.IGNORECASE)),
    ("achievement", re.compile(r"\bachievements?\b|\bsuccess(?:es|fully)?\b", re.IGNORECASE)),
    ("finding", re.compile(
        r"\bproblems?\b|\bshortcomings?\b|\bfindings?\b|\bfinds\b|\bfound\b|\bperformance of\b", re.IGNORECASE)),
    # Problem words alone: a finding, unless a list of causes or measures is running on.
    ("weak-finding", re.compile(
        r"\binsufficient\b|\black of\b|\blacks?\b|\bweak\b|\bnot in place\b|\bbarriers?\b|\bincomplete\b"
        r"|\bdifficult\b|\bnot effective\b|\blow participation\b|\bdeficienc|\bobstacles?\b|\bbottleneck\b",
        re.IGNORECASE)),
]
# Discourse markers that start a new segment inside one long sentence.
_SEGMENT_BREAK = re.compile(r"(?:,?\s*\band finally\b|\bFinally\b|\bSecondly\b|\bThirdly\b|;)\s*,?", re.IGNORECASE)
_LIST_TRIGGER = re.compile(
    r"\b(?:such as|including|as follows|consists? of|in terms of|namely|for example)\b\s*:?|:(?=\s)",
    re.IGNORECASE,
)
_LIST_TAIL = re.compile(r",?\s*\b(?:so as to|so that|in order to)\b", re.IGNORECASE)
_LEAD_IN = re.compile(  # used with .match(text, pos): anchored at pos
    r"(?:and |or |but )?(?:to be specific, |at the same time, )?(?:it is (?:necessary|suggested|recommended) to |"
    r"we (?:should|need(?: to)?|must|will) |need to |the main reasons? (?:for this problem )?(?:are|is)(?: that)? )?",
    re.IGNORECASE,
)
_PURPOSE_CLAUSE = re.compile(r"^(?:To|In order to)\s+\w+", re.IGNORECASE)


@dataclass(frozen=True)
class Unit:
    """A citable piece of a document: a segment, an enumerated item or a department."""

    doc_id: str
    start: int
    end: int
    text: str
    role: Role
    kind: str  # segment | item | department
    section: str
    passage_start: int  # the segment the unit comes from: what a citation quotes
    passage_end: int
    group: int = -1  # task group (responsibility lists)


@dataclass
class TaskGroup:
    """A task (the text since the previous department list or heading) and
    the departments named as responsible for it."""

    index: int
    section: str
    task_start: int
    task_end: int
    departments_start: int
    departments_end: int
    departments: list[Unit] = field(default_factory=list)


@dataclass
class DocumentAnalysis:
    document: Document
    segments: list[Unit]
    items: list[Unit]
    task_groups: list[TaskGroup]
    headings: list[Heading]

    def units(self, role: Role | None = None) -> list[Unit]:
        pool = self.segments + self.items + [d for g in self.task_groups for d in g.departments]
        return [u for u in pool if role is None or u.role == role]

    def items_of(self, segment: Unit) -> list[Unit]:
        return [u for u in self.items if u.passage_start == segment.start and u.passage_end == segment.end]

    def text(self, start: int, end: int) -> str:
        return self.document.text[start:end]


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink [start, end) past spaces, list punctuation and lead-in words."""
    while start < end and text[start] in " ,;:":
        start += 1
    while end > start and text[end - 1] in " ,;:.":
        end -= 1
    lead = _LEAD_IN.match(text, start, end)
    if lead and lead.end() < end:
        start = lead.end()
    for article in ("and the ", "the ", "and "):
        if text[start:end].lower().startswith(article) and end - start > len(article) + 3:
            start += len(article)
            break
    return start, end


def classify(text: str) -> Role:
    for role, pattern in _ROLE_CUES:
        if pattern.search(text):
            return role
    return "statement"


def _segments(text: str, start: int, end: int) -> list[tuple[int, int]]:
    pieces, cursor = [], start
    for match in _SEGMENT_BREAK.finditer(text, start, end):
        if match.start() - cursor > 20:
            pieces.append((cursor, match.start()))
            cursor = match.start()
    pieces.append((cursor, end))
    return [(a, b) for a, b in (_trimmed_plain(text, a, b) for a, b in pieces) if b - a > 3]


def _trimmed_plain(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in " ,;":
        start += 1
    while end > start and text[end - 1] in " ,;":
        end -= 1
    return start, end


def _split_clauses(text: str, start: int, end: int, min_words: int = 3) -> list[tuple[int, int]]:
    """Comma/semicolon clauses of [start, end), short fragments merged into the previous one."""
    bounds, cursor = [], start
    for match in re.finditer(r"[,;]\s|\s(?:and|as well as) (?=\w+ing\b)", text[start:end]):
        bounds.append((cursor, start + match.start()))
        cursor = start + match.end()
    bounds.append((cursor, end))
    merged: list[tuple[int, int]] = []
    for a, b in bounds:
        if merged and len(text[a:b].split()) < min_words:
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    if len(merged) > 1 and len(text[merged[0][0]:merged[0][1]].split()) < min_words:
        merged[1] = (merged[0][0], merged[1][1])
        merged.pop(0)
    return merged


def _items(text: str, start: int, end: int, role: Role) -> list[tuple[int, int]]:
    """Enumerated items of a segment: after a list trigger, or its clauses when
    it chains several findings, causes or recommendations."""
    trigger = None
    for match in _LIST_TRIGGER.finditer(text, start, end):
        trigger = match  # the last trigger introduces the list ("findings are as follows: ... such as")
    if trigger is not None:
        tail = _LIST_TAIL.search(text, trigger.end(), end)
        stop = tail.start() if tail else end
        clauses = _split_clauses(text, trigger.end(), stop, min_words=2)
        if len(clauses) >= 2:
            return [_trimmed(text, a, b) for a, b in clauses]
    if role in ("finding", "cause", "countermeasure") and len(text[start:end].split()) > 18:
        clauses = _split_clauses(text, start, end, min_words=4)
        if clauses and _PURPOSE_CLAUSE.match(text[clauses[0][0]:clauses[0][1]]):
            clauses = clauses[1:]
        if len(clauses) >= 2:
            return [_trimmed(text, a, b) for a, b in clauses]
    return []


def _departments(text: str, start: int, end: int) -> list[tuple[int, int]]:
    closing = 2 if text[end - 2 : end] == ")." else 1
    inner_start, inner_end = start + 1, end - closing
    lead = re.match(r"Responsible(?: for)?:?\s*", text[inner_start:inner_end])
    if lead:
        inner_start += lead.end()
    spans = []
    for a, b in _split_clauses(text, inner_start, inner_end, min_words=1):
        a, b = _trimmed(text, a, b)
        if b > a:
            spans.append((a, b))
    return spans


_CACHE: dict[tuple[str, str], DocumentAnalysis] = {}
_CACHE_SIZE = 4096


def analyse(document: Document) -> DocumentAnalysis:
    key = (document.doc_id, document.content_hash)
    if key not in _CACHE:
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = _analyse(document)
    return _CACHE[key]


def _analyse(document: Document) -> DocumentAnalysis:
    doc_id = document.doc_id
    text = document.text
    headings = find_headings(text)
    heading_starts = {h.start for h in headings}
    sentences = split_sentences(text)
    is_study = "research" in document.kind or "study" in document.kind or "abstract" in document.kind
    study_begins = next(
        (s.start for s in sentences if _STUDY_MARKER.search(s.text)), 0
    ) if is_study else 0

    segments: list[Unit] = []
    items: list[Unit] = []
    groups: list[TaskGroup] = []
    previous_role: Role = "statement"
    task_start: int | None = None
    for sentence in sentences:
        section = section_path(headings, sentence.start)
        if sentence.start in heading_starts:
            segments.append(Unit(doc_id, sentence.start, sentence.end, sentence.text, "heading",
                                 "segment", section, sentence.start, sentence.end))
            task_start, previous_role = None, "statement"
            continue
        if _RESPONSIBILITY_LINE.match(sentence.text):
            group = TaskGroup(len(groups), section, task_start if task_start is not None else sentence.start,
                              sentence.start, sentence.start, sentence.end)
            for a, b in _departments(text, sentence.start, sentence.end):
                group.departments.append(Unit(doc_id, a, b, text[a:b], "responsibility", "department",
                                              section, sentence.start, sentence.end, group.index))
            groups.append(group)
            segments.append(Unit(doc_id, sentence.start, sentence.end, sentence.text, "responsibility",
                                 "segment", section, sentence.start, sentence.end, group.index))
            task_start = None
            continue
        if task_start is None:
            task_start = sentence.start
        for a, b in _segments(text, sentence.start, sentence.end):
            piece = text[a:b]
            if sentence.start < study_begins:
                role = "background"
            else:
                role = classify(piece)
                fresh = re.match(r"(?:and )?finally\b", piece, re.IGNORECASE) is not None
                running = previous_role in ("finding", "cause", "countermeasure") and is_study and not fresh
                if running and role in ("statement", "weak-finding"):
                    role = previous_role  # a list of causes runs on over several sentences
                elif role == "weak-finding":
                    role = "finding"
            previous_role = role
            segment = Unit(doc_id, a, b, piece, role, "segment", section, a, b)
            segments.append(segment)
            for c, d in _items(text, a, b, role):
                if d - c > 3:
                    items.append(Unit(doc_id, c, d, text[c:d], role, "item", section, a, b))
    return DocumentAnalysis(document, segments, items, groups, headings)
