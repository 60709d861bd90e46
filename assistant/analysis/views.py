"""Analysis views: the tables analysts otherwise build by hand, each cell cited.

- A responsibility matrix for action plans and notices: each task and the
  departments named as responsible for it (evidence's TaskGroups).
- A Smith-model analysis for implementation studies: every finding, cause and
  countermeasure as one item, labelled with the component of Smith's policy
  implementation process model it concerns (the idealised policy, the
  implementing organisation, the target group, the policy environment).
- A comparison of the studies on one component, side by side.

The units come from `evidence.analyse` (segments, roles, enumerated items); this
module only refines them into table items and labels them. Labelling is
deterministic: cue phrases of each component decide; where they do not (no cue,
or a tie), the study's own order decides, since these studies give their points
in the model's order (policy, organisation, target group, environment), often
one component per sentence; where the order leaves a choice, the embedding
similarity to a short description of each component does.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel

from assistant.analysis.reading import DocumentAnalysis, Unit, _trimmed, analyse
from assistant.answering.citations import CitationBook
from assistant.answering.models import Citation
from assistant.documents import Document
from assistant.files import atomic_write

Component = Literal["policy", "organisation", "target_group", "environment"]
ItemKind = Literal["finding", "cause", "countermeasure"]
LabelSource = Literal["cue", "order", "embedding"]

COMPONENTS: list[Component] = ["policy", "organisation", "target_group", "environment"]
COMPONENT_TITLES: dict[str, str] = {
    "policy": "Idealised policy",
    "organisation": "Implementing organisation",
    "target_group": "Target group",
    "environment": "Policy environment",
}
ITEM_KINDS: list[ItemKind] = ["finding", "cause", "countermeasure"]
KIND_TITLES = {"finding": "Findings", "cause": "Causes", "countermeasure": "Countermeasures"}
TABLES = ["responsibility", "smith", "comparison"]

# What each component is about, for the embedding fallback.
DESCRIPTIONS: dict[str, str] = {
    "policy": "the policy itself: its design, content, goals, rules, coverage, clarity, rationality and "
              "supporting policies",
    "organisation": "the implementing organisation: agencies, departments, staff, doctors and talents, their "
                    "capacity, resources, cooperation, training, supervision and incentives",
    "target_group": "the target group: the people the policy serves, their understanding, awareness, cognition, "
                    "identity and participation, and the publicity aimed at them",
    "environment": "the policy environment: laws and legal guarantees, financial support and investment, "
                   "facilities, and the social, cultural, economic and administrative conditions and atmosphere",
}

_STRONG_CUES: dict[str, list[str]] = {
    "policy": [
        r"policy itself", r"top-level design", r"policy design", r"supporting (?:polic(?:y|ies)|system)",
        r"rules?", r"content of the polic(?:y|ies)", r"rationality", r"rational", r"coverage",
        r"identification", r"not clear",
    ],
    "organisation": [
        r"implement(?:ing|ation) (?:agenc(?:y|ies)|subjects?|bod(?:y|ies)|organi[sz]ations?)", r"agenc(?:y|ies)",
        r"departments?", r"staff", r"personnel", r"talents?", r"capacity", r"cooperation", r"doctors?",
        r"medical institutions?", r"incentives?", r"supervision", r"training",
    ],
    "target_group": [
        r"target (?:groups?|objects?|population)", r"understanding", r"participation", r"consciousness",
        r"awareness", r"cognition", r"publicity", r"propaganda", r"identity", r"educational level",
    ],
    "environment": [
        r"environment", r"legal", r"laws?", r"financial", r"atmosphere", r"investment",
        r"administrative divisions?",
    ],
}
_WEAK_CUES: dict[str, list[str]] = {"policy": [r"polic(?:y|ies)"]}
_WEAK = 0.3


def _compile(cues: dict[str, list[str]]) -> dict[str, list[re.Pattern[str]]]:
    return {c: [re.compile(rf"\b{p}\b", re.IGNORECASE) for p in ps] for c, ps in cues.items()}


_STRONG = _compile(_STRONG_CUES)
_WEAK_PATTERNS = _compile(_WEAK_CUES)

# An enumeration of the model's factors themselves ("the policy itself, the implementation
# subject, the target group, and the policy environment") is the study's framework, not a finding.
_FRAMEWORK_NAMES = {
    "policy itself", "idealised policy", "idealized policy", "policy", "implementation subject",
    "implementing subject", "implementing organisation", "implementing organization", "implementation agency",
    "implementing agency", "implementation agencies", "target group", "target groups", "policy environment",
    "environment", "implementation environment",
}
_PURPOSE = re.compile(r"^(?:so that|so as to|in order to)\b", re.IGNORECASE)
# "this paper puts forward targeted policy suggestions": the study announcing its
# recommendations; what comes before it is context, what follows it is the list.
_ANNOUNCEMENT = re.compile(
    r"\b(?:puts? forward|propose[sd]?|proposes|offers?|gives?)\b[^.;]*?"
    r"\b(?:suggestions?|countermeasures?|recommendations?|measures)\b",
    re.IGNORECASE,
)
_IMPERATIVE = (
    r"(?:improve|increase|strengthen|establish|promote|build|develop|enhance|formulate|implement|adhere|attract"
    r"|carry out|ensure|optimi[sz]e|take|give|expand|explore|support|accelerate|deepen|guide|adopt|encourage"
    r"|set up|speed up|perfect|raise|standardi[sz]e|enrich|reduce|make)"
)
# Coordinated recommendations: "... of policy and strengthen the cooperation ...".
_AND_VERB = re.compile(rf"\s+and\s+(?={_IMPERATIVE}\b)", re.IGNORECASE)
# Coordinated problems: "... short of talents and lack of positive incentives".
_AND_PROBLEM = re.compile(
    r"\s+and\s+(?=(?:a |an )?(?:lack|weak|low|insufficient|poor|inadequate|no)\b)", re.IGNORECASE
)
# A sentence boundary lost in the source: "... ability and level Take advantage of ...".
_RUN_ON = re.compile(
    r"(?<=[a-z])\s+(?=(?:Improve|Increase|Strengthen|Establish|Promote|Build|Develop|Enhance|Formulate|Implement"
    r"|Adhere|Attract|Ensure|Optimi[sz]e|Take|Give|Expand|Explore|Support|Accelerate|Deepen|Guide|Adopt"
    r"|Encourage|Perfect|Raise|Enrich)\b)"
)


# -- models ------------------------------------------------------------------------------------


class ResponsibilityCell(BaseModel):
    department: str  # verbatim, at [start, end) of the cleaned document
    start: int
    end: int
    citation: Citation  # the passage that names it (the department list)


class ResponsibilityRow(BaseModel):
    task: str  # the task's heading, or the task itself when the document lists tasks in a sentence
    section: str = ""
    citation: Citation  # the task's text
    departments: list[ResponsibilityCell] = []


class ResponsibilityMatrix(BaseModel):
    doc_id: str
    title: str
    kind: str
    rows: list[ResponsibilityRow] = []
    note: str = ""  # e.g. that the document names no responsible department


class StudyItem(BaseModel):
    kind: ItemKind
    component: Component
    labelled_by: LabelSource  # cue phrase, the study's order, or embedding similarity
    cues: list[str] = []  # the cue phrases found in the item
    text: str  # verbatim, at [start, end) of the cleaned document
    start: int
    end: int
    citation: Citation  # the sentence (segment) the item comes from


class StudyAnalysis(BaseModel):
    doc_id: str
    title: str
    kind: str
    items: list[StudyItem] = []

    def of(self, kind: str | None = None, component: str | None = None) -> list[StudyItem]:
        return [
            i for i in self.items
            if (kind is None or i.kind == kind) and (component is None or i.component == component)
        ]

    @property
    def findings(self) -> list[StudyItem]:
        return self.of("finding")

    @property
    def causes(self) -> list[StudyItem]:
        return self.of("cause")

    @property
    def countermeasures(self) -> list[StudyItem]:
        return self.of("countermeasure")


class ComparisonEntry(BaseModel):
    doc_id: str
    title: str
    findings: list[StudyItem] = []
    causes: list[StudyItem] = []
    countermeasures: list[StudyItem] = []


class ComponentComparison(BaseModel):
    component: Component
    title: str
    studies: list[ComparisonEntry] = []


class AnalysisReport(BaseModel):
    matrices: list[ResponsibilityMatrix] = []
    studies: list[StudyAnalysis] = []
    comparisons: list[ComponentComparison] = []
    citations: list[Citation] = []  # every passage cited above, numbered in order of first use


def parse_component(name: str) -> Component:
    """'target group', 'target-group', 'Target_Group', 'organization', 'org', 'env' ... -> a Component."""
    key = re.sub(r"[\s_-]+", "_", name.strip().lower())
    aliases = {
        "policy": "policy", "idealised_policy": "policy", "idealized_policy": "policy", "policy_itself": "policy",
        "organisation": "organisation", "organization": "organisation", "org": "organisation",
        "implementing_organisation": "organisation", "implementing_organization": "organisation",
        "target_group": "target_group", "target": "target_group", "target_groups": "target_group",
        "environment": "environment", "env": "environment", "policy_environment": "environment",
    }
    if key not in aliases:
        raise ValueError(
            f"unknown component {name!r}: choose one of policy, organisation, target group, environment"
        )
    return aliases[key]  # type: ignore[return-value]


# -- documents to views --------------------------------------------------------------------------

Similarity = Callable[[list[str], list[str]], np.ndarray]  # texts x descriptions -> cosine similarities


def is_study(document: Document) -> bool:
    kind = document.kind.lower()
    return "research" in kind or "study" in kind or "abstract" in kind


def is_plan_or_notice(document: Document, analysis: DocumentAnalysis) -> bool:
    kind = document.kind.lower()
    return bool(analysis.task_groups) or any(w in kind for w in ("plan", "notice", "programme", "program"))


def build_report(
    documents: list[Document], similarity: Similarity, compare_studies: bool = True, component: str | None = None
) -> AnalysisReport:
    """The analysis views of `documents`: a matrix per plan or notice, a Smith analysis per study,
    and (with `compare_studies`) the studies compared on each component. With `component`, only
    the studies' comparison on that component, its citations numbered afresh."""
    book = CitationBook({d.doc_id: d for d in documents}, {})
    report = AnalysisReport()
    for document in documents:
        analysis = analyse(document)
        if is_study(document):
            report.studies.append(_study(document, analysis, book, similarity))
        elif is_plan_or_notice(document, analysis):
            report.matrices.append(_matrix(document, analysis, book))
    if component is not None:
        return _renumbered(AnalysisReport(comparisons=[compare(report.studies, component)]))
    if compare_studies and report.studies:
        report.comparisons = [compare(report.studies, c) for c in COMPONENTS]
    return _renumbered(report)


def _renumbered(report: AnalysisReport) -> AnalysisReport:
    """Number the citations the report holds 1, 2, ... in the order of its tables (matrices,
    studies, comparisons), and list each once."""
    cited: list[Citation] = []
    for matrix in report.matrices:
        for row in matrix.rows:
            cited += [row.citation, *(cell.citation for cell in row.departments)]
    for study in report.studies:
        cited += [item.citation for item in study.items]
    for comparison in report.comparisons:
        for entry in comparison.studies:
            cited += [item.citation for item in entry.findings + entry.causes + entry.countermeasures]
    used: dict[int, Citation] = {}
    for citation in cited:  # the book shares one Citation object per passage
        used.setdefault(id(citation), citation)
    for number, citation in enumerate(used.values(), 1):
        citation.number = number
    report.citations = list(used.values())
    return report


def compare(studies: list[StudyAnalysis], component: str) -> ComponentComparison:
    component = parse_component(component)
    return ComponentComparison(
        component=component,
        title=COMPONENT_TITLES[component],
        studies=[
            ComparisonEntry(
                doc_id=s.doc_id, title=s.title,
                findings=s.of("finding", component), causes=s.of("cause", component),
                countermeasures=s.of("countermeasure", component),
            )
            for s in studies
        ],
    )


def _task_title(section: str) -> str:
    return section.split(" > ")[-1].strip().rstrip(":").strip()


def _matrix(document: Document, analysis: DocumentAnalysis, book: CitationBook) -> ResponsibilityMatrix:
    matrix = ResponsibilityMatrix(doc_id=document.doc_id, title=document.title, kind=document.kind)
    for group in analysis.task_groups:
        start, end = group.task_start, group.task_end
        while end > start and document.text[end - 1].isspace():
            end -= 1
        title = _task_title(group.section) or " ".join(document.text[start:end].split()[:8])
        row = ResponsibilityRow(
            task=title, section=group.section, citation=_citation(book, document.doc_id, start, end, group.section)
        )
        for unit in group.departments:
            row.departments.append(ResponsibilityCell(
                department=unit.text, start=unit.start, end=unit.end,
                citation=_citation(book, unit.doc_id, unit.passage_start, unit.passage_end, unit.section),
            ))
        matrix.rows.append(row)
    if not matrix.rows:
        # A notice that lists its tasks in a sentence ("deployed six reform tasks, including ...")
        # without saying who carries them out: the tasks, with no departments.
        for segment in analysis.segments:
            items = analysis.items_of(segment)
            if items and re.search(r"\btasks?\b", segment.text, re.IGNORECASE):
                for item in items:
                    matrix.rows.append(ResponsibilityRow(
                        task=item.text, section=item.section,
                        citation=_citation(book, item.doc_id, item.passage_start, item.passage_end, item.section),
                    ))
                break
        matrix.note = "The document names no department responsible for its tasks."
    return matrix


def _citation(book: CitationBook, doc_id: str, start: int, end: int, section: str = "") -> Citation:
    number = book.cite(doc_id, start, end, section)
    return book.citations[number - 1]


# -- study items -------------------------------------------------------------------------------


@dataclass
class _Item:
    kind: ItemKind
    start: int
    end: int
    text: str
    segment: Unit
    strong: dict[str, float] = field(default_factory=dict)
    weak: dict[str, float] = field(default_factory=dict)
    cues: list[str] = field(default_factory=list)
    component: str = ""
    labelled_by: str = ""


def _study(document: Document, analysis: DocumentAnalysis, book: CitationBook, similarity: Similarity) -> StudyAnalysis:
    items: list[_Item] = []
    for segment in analysis.segments:
        if segment.role in ITEM_KINDS:
            items.extend(_segment_items(document.text, segment, analysis.items_of(segment)))
    for kind in ITEM_KINDS:
        _label([i for i in items if i.kind == kind], similarity)
    study = StudyAnalysis(doc_id=document.doc_id, title=document.title, kind=document.kind)
    for item in items:
        study.items.append(StudyItem(
            kind=item.kind, component=item.component, labelled_by=item.labelled_by, cues=item.cues,
            text=item.text, start=item.start, end=item.end,
            citation=_citation(book, document.doc_id, item.segment.start, item.segment.end, item.segment.section),
        ))
    return study


def _segment_items(text: str, segment: Unit, units: list[Unit]) -> list[_Item]:
    """One item per finding, cause or recommendation of a segment, in document order."""
    spans = [(u.start, u.end) for u in units] or [_trimmed(text, segment.start, segment.end)]
    announced = _ANNOUNCEMENT.search(text, segment.start, segment.end)
    if announced:
        # Only what follows the announcement is a recommendation; an announcement that ends
        # the sentence ("... puts forward targeted policy suggestions.") lists nothing.
        spans = [(a, b) for a, b in spans if a >= announced.end()]
    pieces: list[tuple[int, int]] = []
    for a, b in spans:
        pieces.extend(_split(text, a, b, segment.role))
    items = []
    for a, b in pieces:
        piece = text[a:b]
        if b - a < 4 or _PURPOSE.match(piece) or _is_framework(piece):
            continue
        items.append(_Item(segment.role, a, b, piece, segment))  # type: ignore[arg-type]
    return items


def _is_framework(piece: str) -> bool:
    return re.sub(r"^(?:the|and|and the)\s+", "", piece.strip().lower()) in _FRAMEWORK_NAMES


def _inside_quotes(text: str, start: int, position: int) -> bool:
    opened = text.count("\u201c", start, position) - text.count("\u201d", start, position)
    return opened > 0 or text.count('"', start, position) % 2 == 1


def _split(text: str, start: int, end: int, role: str) -> list[tuple[int, int]]:
    """[start, end) cut where the source chains two points without a comma."""
    patterns = [_RUN_ON]
    patterns.append(_AND_VERB if role == "countermeasure" else _AND_PROBLEM)
    cuts: list[tuple[int, int]] = []
    for pattern in patterns:
        for match in pattern.finditer(text, start, end):
            left_words = len(text[start:match.start()].split())
            if left_words >= 3 and not _inside_quotes(text, start, match.start()):
                cuts.append((match.start(), match.end()))
    if not cuts:
        return [(start, end)]
    spans, cursor = [], start
    for cut_start, cut_end in sorted(cuts):
        if cut_start > cursor:
            spans.append((cursor, cut_start))
            cursor = cut_end
    spans.append((cursor, end))
    return [s for s in (_trimmed(text, a, b) for a, b in spans) if s[1] > s[0]]


# -- labelling ---------------------------------------------------------------------------------


def cue_scores(text: str) -> tuple[dict[str, float], dict[str, float], list[str]]:
    """Strong and weak cue scores per component, and the cue phrases found."""
    strong: dict[str, float] = {}
    weak: dict[str, float] = {}
    found: list[str] = []
    for component, patterns in _STRONG.items():
        for pattern in patterns:
            match = pattern.search(text)
            if match:
                strong[component] = strong.get(component, 0.0) + 1.0
                found.append(match.group(0))
    for component, patterns in _WEAK_PATTERNS.items():
        for pattern in patterns:
            if pattern.search(text):
                weak[component] = weak.get(component, 0.0) + _WEAK
    return strong, weak, list(dict.fromkeys(found))


def _leaders(scores: dict[str, float]) -> list[str]:
    if not scores:
        return []
    best = max(scores.values())
    return [c for c in COMPONENTS if scores.get(c) == best]


def _label(items: list[_Item], similarity: Similarity) -> None:
    """Label one kind of item of one study (document order): cues, then order, then embeddings."""
    for item in items:
        item.strong, item.weak, item.cues = cue_scores(item.text)
        leaders = _leaders(item.strong)
        if len(leaders) == 1:
            item.component, item.labelled_by = leaders[0], "cue"
    pending = [i for i, item in enumerate(items) if not item.component]
    if not pending:
        return
    choices: dict[int, list[str]] = {}
    for i in pending:
        allowed = _order_range(items, i)
        tied = _leaders(items[i].strong)
        candidates = [c for c in tied if c in allowed] or tied or allowed
        candidates = _by_position(items, i, candidates)
        if len(candidates) == 1:
            items[i].component, items[i].labelled_by = candidates[0], "order"
        else:
            choices[i] = candidates
    if not choices:
        return
    indices = list(choices)
    sims = similarity([items[i].text for i in indices], [DESCRIPTIONS[c] for c in COMPONENTS])
    for row, i in enumerate(indices):
        def score(component: str, row: int = row, i: int = i) -> float:
            return float(sims[row][COMPONENTS.index(component)]) + 0.1 * items[i].weak.get(component, 0.0)

        items[i].component = max(choices[i], key=score)
        items[i].labelled_by = "embedding"


def _by_position(items: list[_Item], i: int, candidates: list[str]) -> list[str]:
    """In an enumeration that walks the whole model (its labelled points run from the policy to the
    environment), the k-th of n points is expected near component k * 3 / (n - 1): keep the
    candidates nearest that position."""
    segment = items[i].segment
    members = [j for j, item in enumerate(items) if item.segment is segment]
    labelled = {items[j].component for j in members if items[j].labelled_by == "cue"}
    if len(candidates) < 2 or len(members) < 3 or not {COMPONENTS[0], COMPONENTS[-1]} <= labelled:
        return candidates
    expected = members.index(i) * (len(COMPONENTS) - 1) / (len(members) - 1)
    distance = {c: abs(COMPONENTS.index(c) - expected) for c in candidates}
    nearest = min(distance.values())
    return [c for c in candidates if distance[c] - nearest < 1e-9]


def _order_range(items: list[_Item], i: int) -> list[str]:
    """The components item i may take, given the labelled items around it: these studies
    give their points in the model's order, and often one component per sentence."""
    before = next((j for j in range(i - 1, -1, -1) if items[j].labelled_by == "cue"), None)
    after = next((j for j in range(i + 1, len(items)) if items[j].labelled_by == "cue"), None)
    lo = COMPONENTS.index(items[before].component) if before is not None else 0
    hi = COMPONENTS.index(items[after].component) if after is not None else len(COMPONENTS) - 1
    same_before = before is not None and items[before].segment is items[i].segment
    same_after = after is not None and items[after].segment is items[i].segment
    if same_after and not same_before:
        lo = hi
    elif same_before and not same_after:
        hi = lo
    if lo > hi:  # the labelled neighbours are out of the model's order: no constraint
        lo, hi = 0, len(COMPONENTS) - 1
    return COMPONENTS[lo : hi + 1]


# -- tables and exports --------------------------------------------------------------------------

_HEADERS = {
    "responsibility": [
        "doc_id", "task", "department", "department_start", "department_end",
        "citation", "citation_start", "citation_end", "citation_text",
    ],
    "smith": [
        "doc_id", "kind", "component", "item", "item_start", "item_end", "labelled_by",
        "citation", "citation_start", "citation_end", "citation_text",
    ],
    "comparison": [
        "component", "doc_id", "kind", "item", "item_start", "item_end", "labelled_by",
        "citation", "citation_start", "citation_end",
    ],
}


def table(report: AnalysisReport, name: str) -> tuple[list[str], list[list]]:
    """One of the report's tables as (header, rows): 'responsibility' (a row per task and
    department; a task with none has an empty department), 'smith' (a row per study item) or
    'comparison' (a row per item of each component's comparison)."""
    if name not in _HEADERS:
        raise ValueError(f"unknown table {name!r}: choose one of {', '.join(TABLES)}")
    rows: list[list] = []
    if name == "responsibility":
        for matrix in report.matrices:
            for row in matrix.rows:
                cells = row.departments or [None]
                for cell in cells:
                    c = cell.citation if cell else row.citation
                    rows.append([
                        matrix.doc_id, row.task, cell.department if cell else "",
                        cell.start if cell else "", cell.end if cell else "",
                        c.number, c.start, c.end, c.text,
                    ])
    elif name == "smith":
        for study in report.studies:
            for item in study.items:
                c = item.citation
                rows.append([
                    study.doc_id, item.kind, item.component, item.text, item.start, item.end, item.labelled_by,
                    c.number, c.start, c.end, c.text,
                ])
    else:
        for comparison in report.comparisons:
            for entry in comparison.studies:
                for item in entry.findings + entry.causes + entry.countermeasures:
                    c = item.citation
                    rows.append([
                        comparison.component, entry.doc_id, item.kind, item.text, item.start, item.end,
                        item.labelled_by, c.number, c.start, c.end,
                    ])
    return _HEADERS[name], rows


def available_tables(report: AnalysisReport) -> list[str]:
    present = {"responsibility": report.matrices, "smith": report.studies, "comparison": report.comparisons}
    return [name for name in TABLES if present[name]]


def to_csv(report: AnalysisReport, name: str) -> str:
    header, rows = table(report, name)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def _md(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _marked(items: list[StudyItem]) -> str:
    return "<br>".join(f"{_md(i.text)} [{i.citation.number}]" for i in items) or "–"


def to_markdown(report: AnalysisReport) -> str:
    parts: list[str] = []
    for matrix in report.matrices:
        parts += [f"## Who is responsible: {_md(matrix.title)}", "", f"`{matrix.doc_id}` · {matrix.kind}", ""]
        if matrix.note:
            parts += [f"_{matrix.note}_", ""]
        parts += ["| Task | Responsible departments |", "|---|---|"]
        for row in matrix.rows:
            groups: dict[int, list[str]] = {}
            for cell in row.departments:
                groups.setdefault(cell.citation.number, []).append(_md(cell.department))
            departments = "; ".join(f"{'; '.join(names)} [{n}]" for n, names in groups.items()) or "–"
            parts.append(f"| {_md(row.task)} [{row.citation.number}] | {departments} |")
        parts.append("")
    for study in report.studies:
        parts += [f"## Smith-model analysis: {_md(study.title)}", "", f"`{study.doc_id}` · {study.kind}", ""]
        parts += ["| Component | Findings | Causes | Countermeasures |", "|---|---|---|---|"]
        for component in COMPONENTS:
            cells = [_marked(study.of(kind, component)) for kind in ITEM_KINDS]
            parts.append(f"| {COMPONENT_TITLES[component]} | " + " | ".join(cells) + " |")
        parts.append("")
    for comparison in report.comparisons:
        parts += [f"## Compared: {comparison.title.lower()}", ""]
        parts += ["| Study | Findings | Causes | Countermeasures |", "|---|---|---|---|"]
        for entry in comparison.studies:
            cells = [_marked(entry.findings), _marked(entry.causes), _marked(entry.countermeasures)]
            parts.append(f"| {_md(entry.title)} | " + " | ".join(cells) + " |")
        parts.append("")
    if report.citations:
        parts += ["## Sources", ""]
        for c in report.citations:
            parts.append(f"[{c.number}] {_md(c.title)} (`{c.doc_id}`, chars {c.start}–{c.end}): “{_md(c.text)}”")
            parts.append("")
    return "\n".join(parts).rstrip() + "\n" if parts else "_Nothing to analyse in the chosen documents._\n"


def export(report: AnalysisReport, fmt: str, name: str | None = None) -> str:
    """The report as 'md', 'json', or 'csv' (one table: `name`, or the only one there is)."""
    if fmt == "md":
        return to_markdown(report)
    if fmt == "json":
        return report.model_dump_json(indent=2) + "\n"
    if fmt == "csv":
        if name is None:
            present = available_tables(report)
            if len(present) != 1:
                raise ValueError(
                    "CSV holds one table and this analysis has "
                    f"{len(present) or 'no'} ({', '.join(present) or 'none'}): choose one of {', '.join(TABLES)}"
                )
            name = present[0]
        return to_csv(report, name)
    raise ValueError(f"unknown format {fmt!r}: choose md, csv or json")


EXPORT_LABELS = {
    "md": "Markdown", "json": "JSON", "responsibility": "Responsibility CSV", "smith": "Smith analysis CSV",
    "comparison": "Comparison CSV",
}


def write_exports(report: AnalysisReport, folder: Path, stem: str = "analysis") -> dict[str, Path]:
    """Write the report to `folder` as Markdown, JSON and one CSV per table it holds; returns
    {'md' | 'json' | table name: path}. Each file is replaced whole, never half-written."""
    folder.mkdir(parents=True, exist_ok=True)
    contents = {"md": ("md", to_markdown(report)), "json": ("json", export(report, "json"))}
    for name in available_tables(report):
        contents[name] = (f"{name}.csv", to_csv(report, name))
    paths = {}
    for key, (suffix, text) in contents.items():
        path = folder / f"{stem}.{suffix}"
        atomic_write(path, text)
        paths[key] = path
    return paths
