"""What a document says, as analysis items: a study's findings, causes and recommendations, and
a plan's tasks with the bodies responsible for them.

Both come from the answering layer's reader (`read_window` over the whole document), so the
analysis and the answers read a document the same way: layout, metadata, design and background
statements are never items; an enumeration's items are the items, and its lead-in ("barriers
included", "measures need to be taken; these include") says what they are. The refinements are
the analysis's own, because a table wants one point per row:
- recommendations coordinated in one clause ("that the city pay A, align B, and open C", "... of
  policy and strengthen ...") are cut before each verb that opens an action of its own;
- problems chained in one sentence ("X is not allocated well, there is a lack of Y") are cut
  before each clause that states one;
- two findings set against each other ("A was simple, but B required booking") are cut at the
  contrast;
- in a long report, only its chapters of findings, causes and recommendations give items (and a
  chapter's summary section stands for the chapter).
Every item is a span of the cleaned text, cited by the sentence it comes from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from assistant.analysis.frameworks import catalogue
from assistant.answering.cues import cues
from assistant.answering.reading import TASK_NUMBER, Reading, Unit, read_window, roles_of
from assistant.documents import Document
from assistant.documents.structure import find_headings, heading_chain

KIND_OF_ROLE = (("recommendation", "countermeasure"), ("cause", "cause"), ("finding", "finding"),
                ("problem", "finding"))
_POINT_ROLES = frozenset({"finding", "cause", "recommendation", "problem"})
# A figure that measures a result: a share, a multiple, a change in points, a decimal.
_RESULT_FIGURE = re.compile(r"\d+(?:\.\d+)?\s*(?:%|per ?cent\b|percentage points?\b|times\b|-fold\b)|\b\d+\.\d+\b")
# A label written before a colon at the start of a line ("- Outer setting: ..."), at most six words.
_LINE_PREFIX = re.compile(r"^[\s\-•*#>|]*(?:\*\*|__)?([A-Za-z][\w ,'’/&-]{1,60}?)(?:\*\*|__)?\s*[:：]\s")
_CONTRAST = re.compile(r"[,;]\s+(?:but|while|whereas|yet)\s+", re.I)
_ACTION_BREAK = re.compile(r",\s+(?:and\s+)?|;\s+(?:and\s+)?")
_AND_WORD = re.compile(r"\s+and\s+(?=([A-Za-z]+)\b)")
_AND_ARTICLE = re.compile(r"\s+and\s+(?:a |an |the )?")
_RUN_ON = re.compile(r"(?<=[a-z])\s+(?=([A-Z][a-z]+)\s)")
MIN_PIECE_WORDS = 3
MIN_CONTRAST_WORDS = 5


@dataclass(frozen=True)
class Candidate:
    """One finding, cause or recommendation, and what the text around it says of its label."""

    kind: str  # finding | cause | countermeasure
    start: int
    end: int
    text: str
    passage_start: int  # the sentence it comes from: what a citation quotes
    passage_end: int
    section: str
    problem: bool  # a finding that something is wrong (not a result)
    heading: str  # the chain of headings above it
    near: str  # the line's label prefix ("Outer setting:") and the enumeration's lead-in ("Barriers included")


def read_document(document: Document) -> Reading:
    """The whole document, read once for all its tables."""
    return read_window(document, 0, len(document.text))


# -- study items --------------------------------------------------------------------------------


def kind_of(roles: frozenset[str]) -> str | None:
    for role, kind in KIND_OF_ROLE:
        if role in roles:
            return kind
    return None


def _heading_kinds(text: str) -> tuple[list, dict[int, str | None]]:
    """The document's headings, and for each the kind of item its words name first ("Chapter 5
    Causes of the remaining problems" -> cause), None when it names none."""
    headings = find_headings(text)
    kinds = {}
    for heading in headings:
        positions = [(match.start(), kind) for kind, pattern in catalogue().chapter_kinds.items()
                     if (match := pattern.search(heading.title))]
        kinds[heading.start] = min(positions)[1] if positions else None
    return headings, kinds


def _kind_under(chain: list, kinds: dict[int, str | None]) -> str | None:
    """The kind the innermost role-naming heading of the chain names."""
    named = [kinds[h.start] for h in chain if kinds[h.start]]
    return named[-1] if named else None


_SUMMARY = re.compile(r"\bsummary\b|\bsummari[sz]", re.IGNORECASE)


def _summarised(headings: list, kinds: dict[int, str | None]) -> set[int]:
    """The role-naming headings (by start) that hold a section summarising them ("4.7 Summary of
    the main problems" under "Chapter 4 Findings"): there, the summary is what the report finds."""
    summarised = set()
    for heading in headings:
        if _SUMMARY.search(heading.title):
            chain = heading_chain(headings, heading.start)[:-1]
            summarised |= {h.start for h in chain if kinds[h.start]}
    return summarised


def study_candidates(document: Document, reading: Reading) -> list[Candidate]:
    """The findings, causes and recommendations of a study, in document order. In a report whose
    headings name at least two kinds of item (chapters of findings, causes, recommendations),
    only what stands under such a heading is an item, and of the kind its heading names."""
    text = document.text
    headings, heading_kinds = _heading_kinds(text)
    by_heading = len({k for k in heading_kinds.values() if k}) >= 2
    assignments = {(r.passage_start, r.passage_end) for r in reading.responsibilities}
    summarised = _summarised(headings, heading_kinds) if by_heading else set()
    by_passage: dict[tuple[int, int], list[Unit]] = {}
    for unit in reading.units:
        by_passage.setdefault((unit.passage_start, unit.passage_end), []).append(unit)
    found: list[Candidate] = []
    for (p_start, p_end), units in by_passage.items():
        sentence = next((u for u in units if u.kind == "sentence"), None)
        if sentence is None or (p_start, p_end) in assignments:
            continue
        chain = heading_chain(headings, p_start)
        under = _kind_under(chain, heading_kinds)
        if by_heading and under is None:
            continue
        if any(h.start in summarised for h in chain) and not any(_SUMMARY.search(h.title) for h in chain):
            continue  # the chapter's own summary stands for it
        # The items of a design statement are its samples and methods, unless its lead-in names
        # points ("we propose measures in terms of A, B and C").
        items = [u for u in units if u.kind == "item"]
        if items and sentence.layer == "design" and not roles_of(text[p_start:items[0].start], "") & _POINT_ROLES:
            items = []
        pieces = items or [u for u in units if u.kind == "segment"] or [sentence]
        prefix = _line_prefix(text, p_start)
        path = " > ".join(h.title for h in chain)
        for unit in pieces:
            if unit.layer != "content":
                continue
            kind = (under if by_heading else None) or kind_of(unit.roles & _POINT_ROLES)
            if kind is None and _RESULT_FIGURE.search(unit.text) and sentence.label in ("", "finding"):
                kind = "finding"  # a measured result: "38.6% had signed", "2.3 times as likely"
            if kind is None:
                continue
            lead_in = _lead_in(text, p_start, pieces[0].start) if unit.kind == "item" else ""
            near = " | ".join(part for part in (prefix, lead_in) if part)
            begin = unit.start
            label_at = text.find(prefix, begin, begin + len(prefix) + 6) if prefix else -1
            if label_at >= 0:  # "- Outer setting: remote ..." -> "remote ..."
                begin = _after_label(text, label_at + len(prefix), unit.end)
            for a, b in _split(text, begin, unit.end, kind):
                if not is_item(text[a:b]):
                    continue
                found.append(Candidate(kind, a, b, text[a:b], p_start, p_end, sentence.section,
                                       "problem" in unit.roles, path, near))
    # A sentence and its segments can list the same enumeration: one item per span.
    unique = {(c.start, c.end): c for c in sorted(found, key=lambda c: (c.start, c.end), reverse=True)}
    return sorted(unique.values(), key=lambda c: (c.start, c.end))


def is_item(piece: str) -> bool:
    """Not a statement about the document itself, not a broken-off list of bodies."""
    if catalogue().not_items.search(piece.strip()):
        return False
    if piece.count("(") != piece.count(")"):
        return False  # "(Responsible: X", "Y)": a department list broken over lines
    bodies = sum(m.end() - m.start() for m in cues().organisation.finditer(piece))
    return bodies < 0.6 * len(piece)


LEAD_IN_CHARS = 60  # "Barriers included", "measures need to be taken; these include": a short clause


def _lead_in(text: str, start: int, first_item: int) -> str:
    """The clause that introduces an enumeration: what stands before its first item, back to the
    last comma, semicolon or colon before that, and never more than LEAD_IN_CHARS."""
    before = text[max(start, first_item - LEAD_IN_CHARS):first_item].rstrip(" :：")
    cut = max(before.rfind(mark) for mark in (",", ";", ":", "："))
    return before[cut + 1:].strip() if cut >= 0 else before.strip()


def _after_label(text: str, position: int, end: int) -> int:
    while position < end and text[position] in "*_:： ":
        position += 1
    return position


def _line_prefix(text: str, position: int) -> str:
    line_start = text.rfind("\n", 0, position) + 1
    match = _LINE_PREFIX.match(text[line_start:line_start + 80])
    return match.group(1).strip() if match and len(match.group(1).split()) <= 6 else ""


def _split(text: str, start: int, end: int, kind: str) -> list[tuple[int, int]]:
    if kind == "countermeasure":
        return _coordinated_actions(text, start, end)
    pieces = _contrasted(text, start, end)
    return [piece for a, b in pieces for piece in _chained_problems(text, a, b)]


def _chained_problems(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """'X is not allocated well, there is a lack of cooperation, and the industry is short of
    talents' -> one problem per clause: cut at a comma when what follows states a problem of its
    own; a clause that states none stays with the one before."""
    problem = cues().problem_words
    cuts = []
    for match in _ACTION_BREAK.finditer(text, start, end):
        following_end = next((m.start() for m in _ACTION_BREAK.finditer(text, match.end(), end)), end)
        if problem.search(text, match.end(), following_end) and not _inside_brackets(text, start, match.start()):
            cuts.append(match)
    # "... short of talents and lack of positive incentives": 'and' before a problem stated first thing
    for match in _AND_ARTICLE.finditer(text, start, end):
        if problem.match(text, match.end()) and not _inside_brackets(text, start, match.start()):
            cuts.append(match)
    return _cut(text, start, end, sorted(cuts, key=lambda m: m.start()), MIN_PIECE_WORDS)


@lru_cache(maxsize=8192)
def _lemmas(word: str) -> dict[str, tuple[str, ...]]:
    """lemminflect's lemmas of a word by part of speech; imported here, on the first analysis,
    so that answering a question (which imports this package) does not pay for it."""
    from lemminflect import getAllLemmas

    return getAllLemmas(word.lower())


def is_base_verb(word: str) -> bool:
    """'align', 'open', 'pay': a verb in its base form, as an action written in the imperative or
    after 'should' begins (lemminflect's lexicon)."""
    return word.lower() in _lemmas(word).get("VERB", ())


def _coordinated_actions(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """'... recommend that the city pay A, align B, and open C' -> three actions: cut at a comma
    that a base-form verb follows, when every piece keeps a few words."""
    # "improving A, strengthening B and ...": actions in the -ing form, when the point opens with one
    gerunds = re.match(r"[A-Za-z]+ing\b", text[start:end]) is not None and is_verb_form(text[start:end].split()[0])
    cuts = []
    for match in _ACTION_BREAK.finditer(text, start, end):
        following = re.match(r"[A-Za-z]+", text[match.end():end])
        word = following.group(0) if following else ""
        opens_action = is_base_verb(word) or (gerunds and word.endswith("ing") and is_verb_form(word))
        if opens_action and not _inside_brackets(text, start, match.start()):
            cuts.append(match)
    # "... of policy and strengthen the cooperation": 'and' before a word that is only ever a verb;
    # "improving A and strengthening B": 'and' between two actions in the -ing form
    for match in _AND_WORD.finditer(text, start, end):
        word = match.group(1)
        if is_only_verb(word) or (gerunds and word.endswith("ing") and is_verb_form(word)):
            cuts.append(match)
    # a sentence boundary lost in the source: "... ability and level Take advantage of ..."
    cuts += [m for m in _RUN_ON.finditer(text, start, end) if is_only_verb(m.group(1))]
    return _cut(text, start, end, sorted(cuts, key=lambda m: m.start()), MIN_PIECE_WORDS)


def is_verb_form(word: str) -> bool:
    """'strengthening', 'improving': a form of a verb and of nothing else."""
    return set(_lemmas(word)) == {"VERB"}


def is_only_verb(word: str) -> bool:
    """'strengthen', 'improve': a base-form verb that is no noun or adjective as well."""
    return is_verb_form(word) and is_base_verb(word)


def _contrasted(text: str, start: int, end: int) -> list[tuple[int, int]]:
    cuts = list(_CONTRAST.finditer(text, start, end))
    return _cut(text, start, end, cuts, MIN_CONTRAST_WORDS)


def _inside_brackets(text: str, start: int, position: int) -> bool:
    return text.count("(", start, position) > text.count(")", start, position)


def _cut(text: str, start: int, end: int, cuts: list[re.Match], min_words: int) -> list[tuple[int, int]]:
    spans, cursor = [], start
    for match in cuts:
        if match.start() < cursor:  # overlaps the cut before it (", and " and " and ")
            continue
        spans.append((cursor, match.start()))
        cursor = match.end()
    spans.append((cursor, end))
    spans = [(a, b - 1) if text[b - 1:b] == "." else (a, b) for a, b in spans]
    if len(spans) < 2 or any(len(text[a:b].split()) < min_words for a, b in spans):
        return [(start, end)]
    return spans


# -- responsibilities --------------------------------------------------------------------------


_FIRST_SENTENCE = re.compile(r"^(.{3,160}?[.。])\s")
MAX_TITLE_WORDS = 14


# "Recommendation 3. ", "Task 2: ": a numbered label before the task itself.
_NUMBERED_LABEL = re.compile(r"^[A-Z][a-z]+\s+\d{1,3}[.:]\s+")


def task_title(task: str) -> str:
    """A task as a row names it: its opening sentence when that is short ("Developing Internet
    hospitals. Medical institutions ..." -> "Developing Internet hospitals"), else the task."""
    task = _NUMBERED_LABEL.sub("", task)
    first = _FIRST_SENTENCE.match(task)
    if first and len(first.group(1).split()) <= MAX_TITLE_WORDS:
        return first.group(1).rstrip(".。")
    return task.rstrip(" .。")


# Where one duty ends and the next begins: "for A, and for B", "for A and for B", "A, B, and C"
# when each opens with a verb's -ing form.
_NEXT_DUTY = re.compile(r",?\s+and for\s+|,\s+(?:and\s+)?(?!including\b)(?=[a-z]+ing\b)")


def task_number_stripped(heading: str) -> str:
    return TASK_NUMBER.sub("", heading).strip().rstrip(":：").strip()


def duties(task: str) -> list[str]:
    """The duties of one assignment: 'issuing A, and for organising B' -> two; a task written as
    a sentence or paragraph stays whole."""
    if not re.match(r"[a-z]+ing\b", task):
        return [task]
    pieces = [p.strip().rstrip(".") for p in _NEXT_DUTY.split(task)]
    return pieces if len(pieces) > 1 and all(len(p.split()) >= 2 for p in pieces) else [task.rstrip(".")]
