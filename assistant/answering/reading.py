"""Reading a stretch of a document the way an analyst reads it.

`read_window` turns a span of a cleaned document (a retrieved passage and its
neighbours) into citable units: sentences, the items of an enumerating sentence,
and the departments of a responsibility statement. Layout and metadata lines —
titles, author and affiliation lines, section labels, citation, licence and
keyword lines — are never units. Each unit knows the structured-abstract section
it sits in (results, conclusions, ...), whether it states the study's design or
its background, and which roles its wording signals (finding, cause,
recommendation, responsibility). All cues come from cues.yaml.

Everything is a span of the cleaned text, so any unit can be cited verbatim with
its offsets; the cost is bounded by the window, never the document's length.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import lru_cache
from threading import Lock

from assistant.answering.cues import cues
from assistant.documents import Document
from assistant.documents.structure import Span, heading_level, lines_with_offsets, split_sentences

LABEL_WORDS = r"[A-Za-z][A-Za-z ]{1,30}?"
# A label ends at its punctuation, or is set off by Markdown emphasis ("**Results** Use was ...").
_LABEL_PREFIX = re.compile(
    rf"^(?:({LABEL_WORDS})\s*(?::|：|—|–|-\s|\.\s)|(?:\*\*|__)({LABEL_WORDS})\s*[:：.]?(?:\*\*|__)\s*[:：.]?)\s*")
_LABEL_ALONE = re.compile(rf"^#*\s*(?:\*\*|__)?({LABEL_WORDS})\s*[:：.]?(?:\*\*|__)?\s*[:：.]?$")
_SUPERSCRIPTED_NAME = re.compile(r"[A-Za-z][0-9*†‡§]+(?:,[0-9]+)*(?=[,;\s]|$)")
_WORDS = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_NAME_PARTICLES = frozenset({"and", "de", "van", "von", "der", "et", "al", "da", "le", "la"})
_BRACKETED_NUMBER = re.compile(r"\[(\d{1,3}(?:\s*[,–-]\s*\d{1,3})*)\]")


@dataclass(frozen=True)
class Unit:
    """A citable piece of a document: a sentence, an item of one, or a department."""

    doc_id: str
    start: int
    end: int
    text: str
    kind: str  # sentence | item | department
    layer: str  # content | design | background
    label: str  # the section label it sits under: results, conclusion, design, background, finding, ""
    section: str  # the heading it sits under
    roles: frozenset[str]
    passage_start: int  # what a citation quotes: the sentence the unit comes from
    passage_end: int

    @property
    def words(self) -> int:
        return len(self.text.split())


@dataclass(frozen=True)
class Responsibility:
    """A task and the bodies a document makes responsible for it."""

    doc_id: str
    task: str  # the task as written (a heading, a sentence or a clause)
    task_start: int
    task_end: int
    departments: tuple[Unit, ...]
    lead: Unit | None  # when the text names a lead body
    passage_start: int  # the statement naming the bodies: what a citation quotes
    passage_end: int
    heading: str = ""


@dataclass
class Reading:
    units: list[Unit] = field(default_factory=list)
    responsibilities: list[Responsibility] = field(default_factory=list)
    headings: list[Span] = field(default_factory=list)


# -- lines that are not content ---------------------------------------------------------------


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip(" #*|").lower()


_AFFILIATION_START = re.compile(r"^\s*(?:\d{1,2}|[*†‡§]|\([0-9a-z]\))\s*[A-Z]")


def is_author_line(line: str) -> bool:
    """Names with superscripts, commas and 'and', or an affiliation address."""
    if "@" in line:
        return True
    words = _WORDS.findall(line)
    if not words or len(words) > 60:
        return False
    ends_sentence = line.rstrip().endswith((".", "?", ":"))
    separators = line.count(",") + line.count(";") + len(re.findall(r"\band\b", line))
    if _AFFILIATION_START.match(line) and line.count(",") >= 1 and not ends_sentence and len(words) <= 30:
        return True  # "2 Changxing County Health Bureau, Huzhou 313100, China"
    if any(w in cues().affiliation_words for w in words):
        if separators >= 2 and not ends_sentence and len(words) <= 40 and not cues().roles["finding"].search(line):
            return True
    if cues().organisation.search(line):  # a list of bodies, not of people
        return False
    lowercase = [w for w in words if w[0].islower() and w not in _NAME_PARTICLES]
    capitalised = [w for w in words if w[0].isupper()]
    superscripts = len(_SUPERSCRIPTED_NAME.findall(line))
    return (
        len(capitalised) >= 2 and len(lowercase) <= 1 and len(words) <= 40
        and (superscripts >= 2 or (separators >= 2 and not ends_sentence))
    )


_DOT_LEADER = re.compile(r"(?:\.\s?){4,}\s*\d+")


def is_metadata_line(line: str) -> bool:
    """Citation, licence, keyword and similar lines, references, and table-of-contents lines."""
    stripped = line.strip(" |#*-•")
    return bool(cues().metadata_line.match(stripped) or cues().reference_line.match(stripped)
                or _DOT_LEADER.search(stripped))


def label_of(word: str) -> str | None:
    """The group of a section label ('Results' -> finding), or None if it is no label."""
    return cues().labels.get(word.strip().lower())


def _split_label(text: str) -> tuple[str | None, int]:
    """A leading section label ('Results:', 'METHODS —') and how many characters it takes."""
    match = _LABEL_PREFIX.match(text)
    if match and label_of(match.group(1) or match.group(2)):
        return label_of(match.group(1) or match.group(2)), match.end()
    return None, 0


# -- roles and layers ---------------------------------------------------------------------------


def roles_of(text: str, label: str, previous: frozenset[str] = frozenset()) -> frozenset[str]:
    """The roles a piece's wording signals. 'problem' marks a finding that something is wrong.
    A list of causes or recommendations often runs on over several sentences: a problem stated
    right after a cause is one more cause, an instruction right after a recommendation one more."""
    found = {role for role, pattern in cues().roles.items() if pattern.search(text)}
    if label == "finding":
        found.add("finding")
    if cues().problem_words.search(text):
        found.add("problem")
    if cues().imperative.match(text):
        found.add("recommendation")
    if not found & {"cause", "recommendation"}:
        if "cause" in previous and "problem" in found:
            found.add("cause")
    return frozenset(found)


_SEGMENT_BREAK = re.compile(
    r",?\s*\band finally\b|(?<=[,;])\s*(?=(?:finally|secondly|thirdly|lastly|in addition)\b)|;\s*", re.I)


def segments(text: str, start: int, end: int, min_words: int = 8) -> list[tuple[int, int]]:
    """A long sentence that strings several points together ("...; ... , and finally ..."), cut
    at its discourse markers, when every piece is a point of its own (min_words or more)."""
    if len(text[start:end].split()) < 2 * min_words:
        return []
    pieces, cursor = [], start
    for match in _SEGMENT_BREAK.finditer(text, start, end):
        pieces.append(_trim(text, cursor, match.start()))
        cursor = match.end()
    pieces.append(_trim(text, cursor, end))
    if len(pieces) < 2 or any(len(text[a:b].split()) < min_words or cues().dangling_openers.match(text[a:b])
                              for a, b in pieces):
        return []
    return pieces


@lru_cache(maxsize=4096)
def _study_begins(doc_id: str, content_hash: str, head: str) -> int:
    """Where an unstructured abstract stops giving background and starts on its own study:
    the first design statement or 'this study/paper' sentence in the document's opening."""
    marker = re.compile(r"\b(?:this|the present|our) (?:study|paper|article|research|review|survey|thesis)\b", re.I)
    for sentence in split_sentences(head):
        if cues().design_statement.search(sentence.text) or marker.search(sentence.text):
            return sentence.start
    return 0


def study_begins(document: Document) -> int:
    return _study_begins(document.doc_id, document.content_hash, document.text[:6000])


# -- enumerations -----------------------------------------------------------------------------


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in " ,;:.、，；":
        start += 1
    while end > start and text[end - 1] in " ,;:、，；":
        end -= 1
    lead = re.match(r"(?:and|or|as well as|also)\s+", text[start:end], re.I)
    if lead and end - start - lead.end() > 8:
        start += lead.end()
    return start, end


def _pieces(text: str, start: int, end: int, separators: str) -> list[tuple[int, int]]:
    bounds, cursor = [], start
    for match in re.finditer(separators, text[start:end]):
        bounds.append((cursor, start + match.start()))
        cursor = start + match.end()
    bounds.append((cursor, end))
    trimmed = [_trim(text, a, b) for a, b in bounds]
    return [(a, b - 1) if text[b - 1 : b] == "." else (a, b) for a, b in trimmed]


def enumerated_items(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The points of an enumerating sentence, each a complete point on its own: the items after
    a trigger ("such as", "including", a colon) or the clauses of a semicolon list. Nothing
    when the pieces would be fragments (fewer than two words, or a dangling connective)."""
    sentence = text[start:end]
    # The innermost trigger that opens a list of complete points ("findings are as follows: ... has
    # problems, such as A, B and C" lists A, B and C), else an earlier one.
    for trigger in reversed(list(cues().list_triggers.finditer(sentence))):
        stop = re.search(r",?\s+\b(?:so as to|so that|in order to|to ensure)\b", sentence[trigger.end():])
        list_end = start + trigger.end() + stop.start() if stop else end
        # Items separated by semicolons may hold commas of their own.
        semicolons = ";" in text[start + trigger.end():list_end]
        separator = r";\s*(?:and\s+|or\s+)?" if semicolons else r",\s+(?:and\s+|or\s+)?"
        pieces = _pieces(text, start + trigger.end(), list_end, separator)
        if len(pieces) >= 3 and _complete(text, pieces, min_words=2):
            return pieces
    if sentence.count(";") >= 1 and len(sentence.split()) >= 30:
        pieces = _pieces(text, start, end, r";\s*")
        if len(pieces) >= 2 and _complete(text, pieces, min_words=5):
            return pieces
    return []


_CLAUSE_OPENER = re.compile(r"(?:which|who|whose|whom|where|but|yet|so that|while|whereas|although|though)\b", re.I)


def _complete(text: str, pieces: list[tuple[int, int]], min_words: int) -> bool:
    for a, b in pieces:
        piece = text[a:b]
        if len(piece.split()) < min_words or len(piece.split()) > 45:
            return False
        if cues().dangling_openers.match(piece) or re.search(r"\b(?:of|to|the|and|with|by|for|in|on|a|an)$", piece):
            return False
        if _CLAUSE_OPENER.match(piece):  # "..., which did not fit": the commas are a clause's, not a list's
            return False
    return True


# -- responsibility statements ----------------------------------------------------------------


def _bodies(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The named bodies in text[start:end], in order. "X Commission and the Y Bureau" is two
    bodies; "Human Resources and Social Security Department" is one."""
    between = _between_bodies()
    found = []
    for match in cues().organisation.finditer(text, start, end):
        a, b = match.start(), match.end()
        lead_in = _NOT_PART_OF_NAME.match(text, a, b)
        if lead_in:
            a = lead_in.end()
        cursor = a
        for split in between.finditer(text, a, b):
            group = 1 if split.group(1) is not None else 2
            found.append((cursor, split.start(group)))
            cursor = split.end(group)
        found.append((cursor, b))
    return [(a, b) for a, b in found if b - a > 3 and cues().organisation.search(text, a, b)]


@lru_cache(maxsize=1)
def _between_bodies() -> re.Pattern[str]:
    """Where one named body ends and the next begins: after a head noun ("Commission, the Bureau"),
    or before an administrative level ("... Technology and Provincial Big Data Center")."""
    heads = "|".join(cues().organisation_heads)
    levels = "|".join(cues().administrative_levels)
    return re.compile(
        rf"\b(?:{heads})\b(\s+(?:and|&)\s+(?:the\s+)?|\s*,\s*)(?=[A-Z]|the\b)"
        rf"|\w(\s+(?:and|&)\s+(?:the\s+)?)(?=(?:{levels})\s+[A-Z])"
    )


_NOT_PART_OF_NAME = re.compile(
    r"(?:(?:responsible|lead(?:ing)?|led|with|by|the|and|for|under|co-?operating|cooperating|participating"
    r"|units?|jointly|while|supported)\b[:\s]*)+", re.I)
_PARENTHESIS = re.compile(r"[(（]([^()（）]{4,600})[)）]")
_RESPONSIBLE_LIST = re.compile(
    r"^(?:responsible|lead(?:ing)?|co-?operating|cooperating|participating|implementing|assisting|supporting)"
    r"(?:\s+(?:units?|departments?|bodies|agenc(?:y|ies)|organi[sz]ations?|for))?\s*[:：]", re.I)
_LED_BY = re.compile(r"\b(?:led by|under the (?:leadership|lead) of|headed by|coordinated by)\s", re.I)
_TAKES_LEAD = re.compile(
    r"\b(?:shall|will|should|is to|are to)\s+take the lead\b|\btakes? the lead\b"
    r"|\bas the lead(?:ing)? (?:department|unit|body)\b", re.I)
_IS_RESPONSIBLE = re.compile(
    r"\b(?:is|are|shall be|will be|should be)\s+(?:mainly |primarily |chiefly |jointly )?responsible for\b", re.I)
_FIRST_LEADS = re.compile(
    r"\bfirst (?:one |listed |named )?(?:being|is|as) (?:the )?lead|\bthe first (?:one|unit|department|body|listed)"
    r"(?: \w+)? (?:being|is|shall be|acts as) (?:the )?lead"
    r"|\blead(?:ing)? (?:department|unit|body|agency)\b[^.]{0,40}?"
    r"\b(?:is|are|will be|shall be) (?:named|listed|given|placed|put) first\b",
    re.I)
# "This task is led by ...": the task is the text before, not these words.
_TASK_REFERENCE = re.compile(
    r"^(?:this|that|the|these|such|each|the above|the said)\s+(?:\w+\s+)?(?:task|work|item|measure|action|effort|"
    r"project|reform)s?\s*(?:is|are|will be|shall be|should be)?\s*(?:jointly\s+)?$", re.I)
# "(3) ", "3. ", "III. ", "（三）": a task's number, not its name.
TASK_NUMBER = re.compile(
    r"^\s*(?:\(?\d{1,2}[.)、]|[（(][一二三四五六七八九十\d]+[)）]|[IVX]{1,4}\.|[一二三四五六七八九十]+、)\s*")


def _department_units(document: Document, spans, passage: Span, roles) -> tuple[Unit, ...]:
    text = document.text
    return tuple(
        Unit(document.doc_id, a, b, text[a:b], "department", "content", "", "", roles, passage.start, passage.end)
        for a, b in spans
    )


@lru_cache(maxsize=4096)
def _first_listed_leads(doc_id: str, content_hash: str, text: str) -> bool:
    return _FIRST_LEADS.search(text) is not None


def first_listed_leads(document: Document) -> bool:
    """Whether the document says, anywhere, that the first body listed for a task leads it."""
    return _first_listed_leads(document.doc_id, document.content_hash, document.text)


Spans = list[tuple[int, int]]


def responsibility_in(document: Document, sentence: Span) -> tuple[Spans, int | None, tuple[int, int] | None]:
    """The bodies a sentence makes responsible: (body spans, index of the lead, span of the task
    inside the sentence if the sentence states it, else None — the task is then the text before)."""
    text, s, e = document.text, sentence.start, sentence.end
    body = sentence.text
    # "Responsible units: X, Y" / "Lead department: X"
    listed = _RESPONSIBLE_LIST.match(body.strip(" -•*"))
    if listed:
        spans = _bodies(text, s + body.index(listed.group(0)) + len(listed.group(0)), e)
        leads = re.match(r"lead", listed.group(0), re.I) or (len(spans) > 1 and first_listed_leads(document))
        lead = 0 if leads and spans else None
        return spans, lead, None
    # "... (X, Y and Z are responsible)" / "(Responsible: X; Y)" / a line that is only a list of bodies
    for match in _PARENTHESIS.finditer(body):
        inner = match.group(1)
        spans = _bodies(text, s + match.start(1), s + match.end(1))
        if spans and (re.search(r"responsib|lead|in charge|participat|cooperat", inner, re.I)
                      or sum(b - a for a, b in spans) >= 0.6 * len(inner.replace(",", "").replace(" and ", " "))):
            lead = 0 if _FIRST_LEADS.search(body) or re.search(r"\blead", inner, re.I) else None
            if lead is None and len(spans) > 1 and first_listed_leads(document):
                lead = 0
            before = body[: match.start()].strip(" ,;:.")
            task = (s, s + match.start()) if len(before.split()) >= 3 else None
            return spans, lead, task
    # "led by X, with Y and Z participating"
    led = _LED_BY.search(body)
    if led:
        spans = _bodies(text, s + led.end(), e)
        if spans:
            before = body[: led.start()]
            states_task = len(before.split()) >= 3 and not _TASK_REFERENCE.match(before.strip())
            return spans, 0, (s, s + led.start()) if states_task else None
    # "X shall take the lead, and Y shall cooperate"
    takes = _TAKES_LEAD.search(body)
    if takes:
        before = _bodies(text, s, s + takes.start())
        after = _bodies(text, s + takes.end(), e)
        if before:
            return before + after, 0, None
    # "X is responsible for T"
    responsible = _IS_RESPONSIBLE.search(body)
    if responsible:
        spans = _bodies(text, s, s + responsible.start()) or _subject_body(text, s, s + responsible.start())
        if spans:
            return spans, (0 if len(spans) == 1 else None), (s + responsible.end(), e)
    return [], None, None


_SUBJECT = re.compile(r"(?:^|[,;:]\s+)(?:the\s+)?([A-Za-z][\w’'() -]{2,100}?)\s*$", re.I)


def _subject_body(text: str, start: int, end: int) -> Spans:
    """The subject of "... are responsible for", when it names bodies by their kind rather than
    by name ("Provincial healthcare security departments", "Health commissions at all levels"):
    the clause's last noun phrase, when it is a body named by kind."""
    match = _SUBJECT.search(text[start:end])
    return _named_by_kind(text, start + match.start(1), start + match.end(1)) if match else []


def _named_by_kind(text: str, start: int, end: int) -> Spans:
    """text[start:end] as one body when it names bodies by their kind ("Finance departments at
    all levels"): a head noun of a body in a short phrase."""
    heads = "|".join(cues().organisation_heads)
    phrase = text[start:end]
    return [(start, end)] if re.search(rf"\b(?:{heads})\b", phrase, re.I) and len(phrase.split()) <= 10 else []


# -- responsibility tables ----------------------------------------------------------------------

# A header cell naming the bodies ("Responsible departments", "Lead unit", "Other departments") or
# the tasks ("Task", "Key task", "Measure", "Recommendation").
_BODY_HEADER = re.compile(r"\b(?:responsib\w*|lead(?:ing)?|departments?|units?|agenc(?:y|ies)|bod(?:y|ies)|"
                          r"cooperat\w*|participat\w*|in charge)\b", re.I)
_TASK_HEADER = re.compile(r"\b(?:tasks?|measures?|actions?|recommendations?|work items?|items?|contents?|"
                          r"objectives?)\b", re.I)
_LEAD_HEADER = re.compile(r"\blead(?:ing)?\b|\bin charge\b", re.I)
_CELL = re.compile(r"[^;]+")


def _cells(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The cells of a table row as cleaning writes it ("a; b; c"), as trimmed spans."""
    spans = []
    for match in _CELL.finditer(text, start, end):
        a, b = match.start(), match.end()
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        spans.append((a, b))
    return spans


def table_responsibilities(document: Document) -> list[Responsibility]:
    """Tasks and bodies from a table whose header names a task column and one or more columns of
    bodies ("Task; Lead department; Other departments"): a row per task, the bodies of its body
    columns, the lead from a column whose header says lead. The table ends at the first line with
    another number of cells."""
    text = document.text
    found: list[Responsibility] = []
    lines = [(line.start, line.end) for line in lines_with_offsets(text)]
    index = 0
    while index < len(lines):
        start, end = lines[index]
        header = _cells(text, start, end)
        names = [text[a:b] for a, b in header]
        task_columns = [k for k, name in enumerate(names)
                        if _TASK_HEADER.search(name) and not _BODY_HEADER.search(name)]
        body_columns = [k for k, name in enumerate(names) if _BODY_HEADER.search(name)]
        if len(header) < 2 or not task_columns or not body_columns or any(len(n.split()) > 6 for n in names):
            index += 1
            continue
        lead_column = next((k for k in body_columns if _LEAD_HEADER.search(names[k])), None)
        index += 1
        while index < len(lines):
            row_start, row_end = lines[index]
            row = _cells(text, row_start, row_end)
            if len(row) > len(header) and len(header) - 1 in body_columns:
                # "A; B" inside the last cell reads like two cells: they are that column's bodies
                row = row[:len(header) - 1] + [(row[len(header) - 1][0], row[-1][1])]
            if len(row) != len(header):
                break
            task_a, task_b = row[task_columns[0]]
            spans: Spans = []
            lead_at = None
            for column in body_columns:
                bodies = _bodies(text, *row[column]) or _named_by_kind(text, *row[column])
                if column == lead_column and bodies:
                    lead_at = len(spans)
                spans += bodies
            if spans:
                passage = Span(row_start, row_end, text[row_start:row_end])
                departments = _department_units(document, spans, passage, frozenset({"responsibility"}))
                found.append(Responsibility(
                    document.doc_id, TASK_NUMBER.sub("", text[task_a:task_b]), task_a, task_b, departments,
                    departments[lead_at] if lead_at is not None else None, row_start, row_end, "",
                ))
            index += 1
    return found


# -- reading a window ---------------------------------------------------------------------------


def _is_title(document: Document, line: str, first_line: bool) -> bool:
    """The document's title line: its known title, or a first line that is no sentence."""
    normal = _normal(line)
    if not normal:
        return True
    title = _normal(document.title)
    if normal == title or (len(normal) > 20 and (normal in title or title in normal)):
        return True
    return first_line and len(line.split()) <= 40 and not re.search(r"[.!?。]\W*$", line)


def read_window(document: Document, start: int, end: int, section: str = "") -> Reading:
    """The units and responsibility statements of document.text[start:end]."""
    text = document.text
    reading = Reading()
    begins = study_begins(document)
    label = ""
    heading = section
    task_start: int | None = None
    previous_roles: frozenset[str] = frozenset()
    line_kinds: dict[int, str] = {}
    for sentence in split_sentences(text, start, end):
        line_start = text.rfind("\n", 0, sentence.start) + 1
        line_end = text.find("\n", sentence.end)
        line_end = len(text) if line_end < 0 else line_end
        if line_start not in line_kinds:
            line = text[line_start:line_end].strip()
            if _is_title(document, line, line_start == 0):
                line_kinds[line_start] = "title"
            elif is_metadata_line(line):
                line_kinds[line_start] = "metadata"
            elif is_author_line(line):
                line_kinds[line_start] = "author"
            else:
                line_kinds[line_start] = "text"
        if line_kinds[line_start] != "text":
            continue
        alone = _LABEL_ALONE.match(sentence.text)
        if alone and label_of(alone.group(1)):
            label = label_of(alone.group(1)) or ""
            task_start = None
            continue
        if heading_level(sentence.text, is_first_line=sentence.start == 0) is not None:
            reading.headings.append(sentence)
            heading = sentence.text.lstrip("#").strip().rstrip(":：").strip()
            task_start = None
            continue
        found_label, skip = _split_label(sentence.text)
        if found_label:
            label = found_label
        a, b = sentence.start + skip, sentence.end
        a, b = _trim(text, a, b)
        if b - a < 3:
            continue
        piece = Span(a, b, text[a:b])
        spans, lead, task = responsibility_in(document, piece)
        if spans:
            roles = frozenset({"responsibility"})
            departments = _department_units(document, spans, piece, roles)
            if task is not None:
                task_a, task_b = _trim(text, *task)
            else:
                task_a = task_start if task_start is not None else piece.start
                task_b = piece.start
                if task_b <= task_a:  # nothing before it in this section: the heading names the task
                    task_a = task_b = piece.start
            task_text = text[task_a:task_b].strip() or heading
            task_text = TASK_NUMBER.sub("", task_text)
            reading.responsibilities.append(Responsibility(
                document.doc_id, task_text, task_a, task_b, departments,
                departments[lead] if lead is not None else None, piece.start, piece.end, heading,
            ))
            reading.units.append(Unit(document.doc_id, piece.start, piece.end, piece.text, "sentence", "content",
                                      label, heading, roles, piece.start, piece.end))
            task_start = None
            continue
        if task_start is None:
            task_start = piece.start
        layer = _layer(piece.text, label, piece.start < begins)
        roles = roles_of(piece.text, label, previous_roles)
        previous_roles = roles
        reading.units.append(Unit(document.doc_id, piece.start, piece.end, piece.text, "sentence", layer, label,
                                  heading, roles, piece.start, piece.end))
        parts = [(piece.start, piece.end)] + segments(text, piece.start, piece.end)
        for number, (c, d) in enumerate(parts):
            part_layer, part_roles = layer, roles
            if number:  # a segment: its own wording decides
                part_layer = _layer(text[c:d], label, c < begins)
                part_roles = roles_of(text[c:d], label, previous_roles) | (roles - {"problem"})
                reading.units.append(Unit(document.doc_id, c, d, text[c:d], "segment", part_layer, label, heading,
                                          part_roles, piece.start, piece.end))
            # The items of a sentence that states the design ("we propose countermeasures in terms
            # of A, B and C") are the study's points, not its design.
            item_layer = "content" if part_layer == "design" and part_roles & _POINT_ROLES else part_layer
            lead_roles, lead_from = part_roles, c
            for e, f in enumerated_items(text, c, d):
                if e - lead_from > ENUMERATION_GAP:
                    # A new enumeration: its lead-in ("the causes are ...:", "and proposes measures:")
                    # says what its items are, whatever else the sentence around it says.
                    said = roles_of(text[lead_from:e], label) & _POINT_ROLES
                    lead_roles = said | (part_roles - _POINT_ROLES) if said else part_roles
                lead_from = f
                item_roles = lead_roles | ({"problem"} if cues().problem_words.search(text[e:f]) else set())
                reading.units.append(Unit(document.doc_id, e, f, text[e:f], "item", item_layer, label, heading,
                                          frozenset(item_roles), piece.start, piece.end))
    return reading


_POINT_ROLES = frozenset({"finding", "cause", "recommendation"})
ENUMERATION_GAP = 12  # characters between two items of one enumeration ("A, B and C")


def _layer(text: str, label: str, before_study: bool) -> str:
    if label == "design" or cues().design_statement.search(text):
        return "design"
    if label == "background" or (not label and before_study):
        return "background"
    return "content"


class ReadingCache:
    """Readings of document windows, keyed by document version and span; bounded, and a reader
    always gets a complete Reading (entries are replaced whole, never read half-evicted)."""

    def __init__(self, size: int = 2048):
        self.size = size
        self._entries: OrderedDict[tuple, Reading] = OrderedDict()
        self._lock = Lock()

    def read(self, document: Document, start: int, end: int, section: str = "") -> Reading:
        key = (document.doc_id, document.content_hash, start, end)
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        reading = read_window(document, start, end, section)
        with self._lock:
            self._entries[key] = reading
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return reading


def quoted(text: str) -> str:
    """Document text as an answer quotes it: a bracketed number of the document's own ("[1]", a
    reference or a forged marker) is shown in parentheses, so only our markers look like ours."""
    return _BRACKETED_NUMBER.sub(r"(\1)", text)
