"""Documents to analysis views: a responsibility matrix per plan or notice, a study table per
study (in its own framework, with Smith's components derived), and the studies compared on
each of Smith's components. Each document is read once (the answering layer's reader) and
every cell is cited through one CitationBook."""

from __future__ import annotations

import re
from collections import Counter

from assistant.analysis.extraction import (
    MAX_TITLE_WORDS,
    duties,
    read_document,
    study_candidates,
    task_number_stripped,
    task_title,
)
from assistant.analysis.frameworks import framework_of
from assistant.analysis.labelling import Similarity, label_items
from assistant.analysis.models import (
    COMPONENT_TITLES,
    COMPONENTS,
    AnalysisReport,
    ComparisonEntry,
    ComponentComparison,
    ResponsibilityCell,
    ResponsibilityMatrix,
    ResponsibilityRow,
    StudyAnalysis,
    StudyItem,
    parse_component,
)
from assistant.answering.citations import CitationBook
from assistant.answering.evidence import genre
from assistant.answering.models import Citation
from assistant.answering.reading import Reading, roles_of, table_responsibilities
from assistant.documents import Document

_POINT_ROLES = frozenset({"finding", "cause", "recommendation"})


def is_study(document: Document, reading: Reading) -> bool:
    """A study or evaluation: by its kind or opening (the answering layer's genre), or, for a
    document that is no policy text, by stating its design, by findings sections, or by
    headings for at least two of findings, causes and recommendations (a long report)."""
    kind = genre(document)
    if kind != "other":
        return kind == "study"
    if any(u.layer == "design" or u.label == "finding" for u in reading.units):
        return True
    roles = {role for h in reading.headings for role in roles_of(h.text, "") & _POINT_ROLES}
    return len(roles) >= 2


def build_report(
    documents: list[Document], similarity: Similarity, compare_studies: bool = True, component: str | None = None
) -> AnalysisReport:
    """The analysis views of `documents`: a matrix per document that assigns tasks to bodies, a
    study table per study, and (with `compare_studies`) the studies compared on each component.
    With `component`, only the studies' comparison on that component, its citations numbered
    afresh."""
    book = CitationBook({d.doc_id: d for d in documents}, {})
    report = AnalysisReport()
    for document in documents:
        reading = read_document(document)
        if is_study(document, reading):
            report.studies.append(_study(document, reading, book, similarity))
        tables = _not_restated(table_responsibilities(document), reading.responsibilities)
        if reading.responsibilities or tables:  # a report may both study a policy and assign its recommendations
            report.matrices.append(_matrix(document, reading, tables, book))
        elif genre(document) == "policy":
            listed = _listed_tasks(document, reading, book)
            if listed is not None:
                report.matrices.append(listed)
    if component is not None:
        return _renumbered(AnalysisReport(comparisons=[compare(report.studies, component)]))
    if compare_studies and report.studies:
        report.comparisons = [compare(report.studies, c) for c in COMPONENTS]
    return _renumbered(report)


def _bodies_of(statement) -> tuple[frozenset[str], str]:
    names = frozenset(" ".join(unit.text.lower().split()) for unit in statement.departments)
    return names, " ".join(statement.lead.text.lower().split()) if statement.lead is not None else ""


def _not_restated(table_rows: list, statements: list) -> list:
    """Table rows that do not restate one of the text's own assignments. A report often sums up
    its recommendations' departments in an annex table ("Responsibilities for the
    recommendations (summary)"); a row naming the same bodies and lead as a statement in the
    text is that statement again, not another task."""
    stated = {_bodies_of(statement) for statement in statements}
    return [row for row in table_rows if _bodies_of(row) not in stated]


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


def _citation(book: CitationBook, doc_id: str, start: int, end: int, section: str = "") -> Citation:
    number = book.cite(doc_id, start, end, section)
    return book.citations[number - 1]


def _matrix(document: Document, reading: Reading, tables: list, book: CitationBook) -> ResponsibilityMatrix:
    """A row per task. A task that is the only one under its heading is named by the heading
    ("(3) Medical insurance payment by global budget"); one clause assigning several duties ("is
    responsible for A, and for B") gives a row per duty. The lead is kept when the text names
    one among several bodies."""
    matrix = ResponsibilityMatrix(doc_id=document.doc_id, title=document.title, kind=document.kind)
    text = document.text
    statements = reading.responsibilities + tables
    per_heading = Counter(statement.heading for statement in statements)
    for statement in statements:
        start, end = statement.task_start, statement.task_end
        if end <= start:  # the heading names the task
            start, end = statement.passage_start, statement.passage_end
        citation = _citation(book, document.doc_id, start, end, statement.heading)
        heading = task_number_stripped(statement.heading)
        if statement.heading and per_heading[statement.heading] == 1 and len(heading.split()) <= MAX_TITLE_WORDS:
            tasks = [heading]
        else:
            tasks = duties(task_title(statement.task))
        departments = [
            ResponsibilityCell(
                department=text[unit.start:unit.end], start=unit.start, end=unit.end,
                citation=_citation(book, document.doc_id, unit.passage_start, unit.passage_end, statement.heading),
            )
            for unit in statement.departments
        ]
        lead = statement.lead.text if statement.lead is not None and len(departments) > 1 else None
        for task in tasks:
            matrix.rows.append(ResponsibilityRow(task=task, section=statement.heading, citation=citation,
                                                 lead=lead, departments=departments))
    return matrix


_TASKS = re.compile(r"\btasks?\b", re.IGNORECASE)


def _listed_tasks(document: Document, reading: Reading, book: CitationBook) -> ResponsibilityMatrix | None:
    """A notice (or news of one) that lists its tasks in a sentence ("deployed six reform tasks,
    including A, B and C") without saying who carries them out: the tasks, with no departments."""
    for sentence in (u for u in reading.units if u.kind == "sentence" and _TASKS.search(u.text)):
        items = [u for u in reading.units if u.kind == "item" and u.passage_start == sentence.start]
        if len(items) >= 2:
            citation = _citation(book, document.doc_id, sentence.start, sentence.end, sentence.section)
            return ResponsibilityMatrix(
                doc_id=document.doc_id, title=document.title, kind=document.kind,
                rows=[ResponsibilityRow(task=item.text, section=sentence.section, citation=citation) for item in items],
                note="The document names no department responsible for its tasks.")
    return None


def _study(document: Document, reading: Reading, book: CitationBook, similarity: Similarity) -> StudyAnalysis:
    framework = framework_of(document)
    # "from the four factors: the policy, the implementing agencies, ...": the framework, not a finding
    candidates = [c for c in study_candidates(document, reading) if not framework.is_label_name(c.text)]
    labelled = label_items(framework, candidates, similarity)
    study = StudyAnalysis(doc_id=document.doc_id, title=document.title, kind=document.kind,
                          framework=framework.key, framework_title=framework.title)
    for item in labelled:
        c = item.candidate
        study.items.append(StudyItem(
            kind=c.kind, label=item.label, component=item.component, labelled_by=item.labelled_by,
            cues=item.cues, text=c.text, start=c.start, end=c.end,
            citation=_citation(book, document.doc_id, c.passage_start, c.passage_end, c.section),
        ))
    return study


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
