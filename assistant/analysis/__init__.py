"""Analysis views: responsibility matrices of plans and notices, study tables of findings,
causes and recommendations in each study's own framework (with Smith's components derived),
and comparisons across studies, every cell cited.

models      the report's data (pydantic)
frameworks  the frameworks of frameworks.yaml, and which one a study uses
extraction  items and responsibilities, from the answering layer's reader
labelling   a label in the study's framework, and Smith's component
report      documents to a report
export      Markdown, JSON and CSV
"""

from assistant.analysis.export import EXPORT_LABELS, available_tables, export, table, to_csv, to_markdown, write_exports
from assistant.analysis.models import (
    COMPONENT_TITLES,
    COMPONENTS,
    ITEM_KINDS,
    TABLES,
    AnalysisReport,
    ComponentComparison,
    ResponsibilityMatrix,
    StudyAnalysis,
    StudyItem,
    parse_component,
)
from assistant.analysis.report import build_report, compare

__all__ = [
    "COMPONENTS", "COMPONENT_TITLES", "EXPORT_LABELS", "ITEM_KINDS", "TABLES", "AnalysisReport",
    "ComponentComparison", "ResponsibilityMatrix", "StudyAnalysis", "StudyItem", "available_tables",
    "build_report", "compare", "export", "parse_component", "table", "to_csv", "to_markdown", "write_exports",
]
