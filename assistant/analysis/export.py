"""The analysis report as files and tables: Markdown (what the UI and MCP show), JSON, and one
CSV per table (responsibility, study items, comparison), written atomically."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from assistant.analysis.frameworks import catalogue
from assistant.analysis.models import (
    COMPONENT_TITLES,
    COMPONENTS,
    ITEM_KINDS,
    TABLES,
    AnalysisReport,
    StudyAnalysis,
    StudyItem,
)
from assistant.files import atomic_write

# -- tables and exports --------------------------------------------------------------------------

_HEADERS = {
    "responsibility": [
        "doc_id", "task", "department", "lead", "department_start", "department_end",
        "citation", "citation_start", "citation_end", "citation_text",
    ],
    "studies": [
        "doc_id", "framework", "kind", "label", "component", "item", "item_start", "item_end", "labelled_by",
        "citation", "citation_start", "citation_end", "citation_text",
    ],
    "comparison": [
        "component", "doc_id", "kind", "item", "item_start", "item_end", "labelled_by",
        "citation", "citation_start", "citation_end",
    ],
}


def table(report: AnalysisReport, name: str) -> tuple[list[str], list[list]]:
    """One of the report's tables as (header, rows): 'responsibility' (a row per task and
    department; a task with none has an empty department), 'studies' (a row per study item, with its
    label in the study's framework and Smith's component) or
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
                        "yes" if cell and cell.department == row.lead else "",
                        cell.start if cell else "", cell.end if cell else "",
                        c.number, c.start, c.end, c.text,
                    ])
    elif name == "studies":
        for study in report.studies:
            for item in study.items:
                c = item.citation
                rows.append([
                    study.doc_id, study.framework, item.kind, item.label, item.component or "", item.text,
                    item.start, item.end, item.labelled_by,
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
    present = {"responsibility": report.matrices, "studies": report.studies, "comparison": report.comparisons}
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


def _labels_in_order(study: StudyAnalysis) -> list[str]:
    return list(dict.fromkeys(item.label for item in study.items))


def _study_table(study: StudyAnalysis, field: str, rows: list[str], heading: str,
                 titles: dict[str, str] | None = None) -> list[str]:
    """A table of the study's items: a row per label (or component), a column per kind of item."""
    lines = [f"| {heading} | Findings | Causes | Recommendations |", "|---|---|---|---|"]
    for value in rows:
        items = [i for i in study.items if getattr(i, field) == value]
        if not items:
            continue
        cells = [_marked([i for i in items if i.kind == kind]) for kind in ITEM_KINDS]
        lines.append(f"| {_md((titles or {}).get(value, value))} | " + " | ".join(cells) + " |")
    return lines + [""]


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
                name = _md(cell.department) + (" (lead)" if cell.department == row.lead else "")
                groups.setdefault(cell.citation.number, []).append(name)
            departments = "; ".join(f"{'; '.join(names)} [{n}]" for n, names in groups.items()) or "–"
            parts.append(f"| {_md(row.task)} [{row.citation.number}] | {departments} |")
        parts.append("")
    for study in report.studies:
        parts += [f"## Study: {_md(study.title)}", "",
                  f"`{study.doc_id}` · {study.kind} · labels from {study.framework_title}", ""]
        parts += _study_table(study, "label", _labels_in_order(study), "Label")
        if study.framework != "smith" and any(i.component for i in study.items):
            parts += [f"Derived: {catalogue().frameworks['smith'].title} (items whose label maps to a component).", ""]
            parts += _study_table(study, "component", COMPONENTS, "Smith component", COMPONENT_TITLES)
    for comparison in report.comparisons:
        parts += [f"## Compared: {comparison.title.lower()}", ""]
        parts += ["| Study | Findings | Causes | Recommendations |", "|---|---|---|---|"]
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
    "md": "Markdown", "json": "JSON", "responsibility": "Responsibility CSV", "studies": "Study items CSV",
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
