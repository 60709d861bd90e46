"""The analysis views' data: responsibility matrices, study tables and comparisons, each cell
carrying the Citation of the passage it comes from.

A study item has two labels: `label`, in the framework the study itself uses (a CFIR domain, a
WHO building block, one of Hood's instruments, "barrier", Smith's component, or for a study with
no named framework result / problem / cause / recommendation), and `component`, Smith's
component, derived where the mapping is sound and None where it is not (an outcome figure is a
result of the policy, not one of its components).
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel

from assistant.answering.models import Citation

Component = Literal["policy", "organisation", "target_group", "environment"]
ItemKind = Literal["finding", "cause", "countermeasure"]
LabelSource = Literal["text", "cue", "similar", "embedding", "kind"]

COMPONENTS: list[Component] = ["policy", "organisation", "target_group", "environment"]
COMPONENT_TITLES: dict[str, str] = {
    "policy": "Idealised policy",
    "organisation": "Implementing organisation",
    "target_group": "Target group",
    "environment": "Policy environment",
}
ITEM_KINDS: list[ItemKind] = ["finding", "cause", "countermeasure"]
KIND_TITLES = {"finding": "Findings", "cause": "Causes", "countermeasure": "Countermeasures"}
TABLES = ["responsibility", "studies", "comparison"]


# -- models ------------------------------------------------------------------------------------


class ResponsibilityCell(BaseModel):
    department: str  # verbatim, at [start, end) of the cleaned document
    start: int
    end: int
    citation: Citation  # the passage that names it (the department list)


class ResponsibilityRow(BaseModel):
    task: str  # the task as the document words it: its heading, its opening sentence, or the clause
    section: str = ""
    citation: Citation  # the task's text
    departments: list[ResponsibilityCell] = []
    lead: str | None = None  # the department that leads, when the text says which one does


class ResponsibilityMatrix(BaseModel):
    doc_id: str
    title: str
    kind: str
    rows: list[ResponsibilityRow] = []
    note: str = ""  # e.g. that the document names no responsible department


class StudyItem(BaseModel):
    kind: ItemKind
    label: str  # in the study's own framework (see the module's docstring)
    component: Component | None  # Smith's component, where the label maps to one soundly
    labelled_by: LabelSource  # text: the document names it; cue, similar (to a labelled item), embedding, kind
    cues: list[str] = []  # the cue phrases found in the item
    text: str  # verbatim, at [start, end) of the cleaned document
    start: int
    end: int
    citation: Citation  # the sentence (segment) the item comes from


class StudyAnalysis(BaseModel):
    doc_id: str
    title: str
    kind: str
    framework: str = "own"  # the framework the study analyses by (frameworks.yaml)
    framework_title: str = ""
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
        "policy": "policy", "idealised_policy": "policy", "idealized_policy": "policy",
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


