"""Score the analysis views (`Assistant.analyze`) against a gold: evals/analysis_gold.yaml for
the seeds, evals/field/analysis-<half>.yaml for each half of the field corpus.

Items are matched one to one: an extracted item matches a gold item when one
contains the other after normalising case, whitespace and quotes, and each item
matches at most one other (a sentence holding four findings stands for one of
them, not all four). On the studies: item precision and recall; label accuracy
over matched items in the study's own framework (a gold item without a `label` is
labelled by its component, as in a Smith study); Smith component accuracy over
matched items whose gold gives a component; and precision/recall per component.
On the responsibility matrices: tasks matched the same way, then the departments
of matched tasks; cell precision and recall count (task, department) pairs; lead
accuracy counts the gold tasks whose text names a lead and whose row names it.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel

from assistant.analysis import COMPONENTS, ITEM_KINDS, AnalysisReport
from assistant.analysis.models import Component
from assistant.evaluation.cases import normalise
from assistant.evaluation.suites import FIELD, field_dir

GOLD_FILE = "analysis_gold.yaml"
_KIND_KEYS = {"finding": "findings", "cause": "causes", "countermeasure": "countermeasures"}


class GoldItem(BaseModel):
    text: str
    label: str = ""  # in the study's own framework; empty: the component is the label
    component: Component | None = None

    @property
    def own_label(self) -> str:
        return self.label or (self.component or "")


class GoldStudy(BaseModel):
    framework: str = "smith"
    findings: list[GoldItem] = []
    causes: list[GoldItem] = []
    countermeasures: list[GoldItem] = []


class GoldTask(BaseModel):
    task: str
    lead: str | None = None
    departments: list[str] = []


class AnalysisGold(BaseModel):
    description: str = ""
    responsibility: dict[str, list[GoldTask]] = {}
    studies: dict[str, GoldStudy] = {}


class Mismatch(BaseModel):
    doc_id: str
    kind: str  # finding | cause | countermeasure | task | department
    text: str
    problem: str  # "missed", "extra", or "labelled X, gold Y"


class AnalysisScore(BaseModel):
    metrics: dict[str, float | None]  # the gated figures, also merged into the run's metrics
    by_kind: dict[str, dict[str, float | int | None]]  # finding / cause / countermeasure: counts and P/R
    counts: dict[str, int]
    mismatches: list[Mismatch]
    gold: str  # the gold file scored against


def load_gold(path: Path) -> AnalysisGold:
    return AnalysisGold(**(yaml.safe_load(path.read_text(encoding="utf-8")) or {}))


def find_gold(evals_dir: Path, suite: str, set_paths: list[Path] = ()) -> Path | None:
    """The gold of a suite: analysis_gold.yaml for the seeds, analysis-dev.yaml for field-dev,
    ..., in the project's evals/ (evals/field/ for the field halves), else beside the question
    sets being run; None when there is none."""
    if suite == "seeds":
        name, folders = GOLD_FILE, [evals_dir]
    else:
        name, folders = f"analysis-{suite.removeprefix(FIELD + '-')}.yaml", [field_dir(evals_dir)]
    for folder in [*folders, *dict.fromkeys(p.parent for p in set_paths)]:
        if (folder / name).exists():
            return folder / name
    return None


def _same(got: str, want: str) -> bool:
    def key(label: str) -> str:
        return " ".join(label.lower().replace("_", " ").replace("-", " ").split())
    return key(got) == key(want)


def match(extracted: list[str], gold: list[str]) -> dict[int, int]:
    """A maximum one-to-one matching (extracted index -> gold index) under mutual containment;
    among equals, the pair closest in length is tried first."""
    ex = [normalise(t) for t in extracted]
    go = [normalise(t) for t in gold]
    edges = {
        i: sorted(
            (j for j, g in enumerate(go) if e and g and (e in g or g in e)), key=lambda j: abs(len(go[j]) - len(e))
        )
        for i, e in enumerate(ex)
    }
    owner: dict[int, int] = {}  # gold index -> extracted index

    def augment(i: int, seen: set[int]) -> bool:
        for j in edges[i]:
            if j in seen:
                continue
            seen.add(j)
            if j not in owner or augment(owner[j], seen):
                owner[j] = i
                return True
        return False

    for i in range(len(ex)):
        augment(i, set())
    return {i: j for j, i in owner.items()}


def _ratio(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def score(report: AnalysisReport, gold: AnalysisGold, gold_path: str = "") -> AnalysisScore:
    mismatches: list[Mismatch] = []
    studies = {s.doc_id: s for s in report.studies}
    per_kind = {k: {"extracted": 0, "gold": 0, "matched": 0, "labelled_right": 0, "with_component": 0,
                    "component_right": 0} for k in ITEM_KINDS}
    predicted = dict.fromkeys(COMPONENTS, 0)  # matched items labelled c
    expected = dict.fromkeys(COMPONENTS, 0)  # matched items whose gold is c
    right = dict.fromkeys(COMPONENTS, 0)
    for doc_id, gold_study in gold.studies.items():
        study = studies.get(doc_id)
        for kind in ITEM_KINDS:
            gold_items = getattr(gold_study, _KIND_KEYS[kind])
            items = study.of(kind) if study else []
            pairs = match([i.text for i in items], [g.text for g in gold_items])
            counts = per_kind[kind]
            counts["extracted"] += len(items)
            counts["gold"] += len(gold_items)
            counts["matched"] += len(pairs)
            for i, j in pairs.items():
                if _same(items[i].label, gold_items[j].own_label):
                    counts["labelled_right"] += 1
                else:
                    mismatches.append(Mismatch(doc_id=doc_id, kind=kind, text=items[i].text,
                                               problem=f"labelled {items[i].label}, gold {gold_items[j].own_label}"))
                got, want = items[i].component, gold_items[j].component
                if got is not None:
                    predicted[got] += 1
                if want is None:
                    continue
                expected[want] += 1
                counts["with_component"] += 1
                if got == want:
                    right[got] += 1
                    counts["component_right"] += 1
                else:
                    mismatches.append(Mismatch(doc_id=doc_id, kind=kind, text=items[i].text,
                                               problem=f"component {got}, gold {want}"))
            matched_gold = set(pairs.values())
            mismatches += [
                Mismatch(doc_id=doc_id, kind=kind, text=g.text, problem="missed")
                for j, g in enumerate(gold_items) if j not in matched_gold
            ]
            mismatches += [
                Mismatch(doc_id=doc_id, kind=kind, text=item.text, problem="extra")
                for i, item in enumerate(items) if i not in pairs
            ]

    matrices = {m.doc_id: m for m in report.matrices}
    cells = {"extracted": 0, "gold": 0, "matched": 0}
    leads = {"named": 0, "right": 0}
    tasks = {"extracted": 0, "gold": 0, "matched": 0}
    for doc_id, gold_tasks in gold.responsibility.items():
        rows = matrices[doc_id].rows if doc_id in matrices else []
        task_pairs = match([r.task for r in rows], [t.task for t in gold_tasks])
        tasks["extracted"] += len(rows)
        tasks["gold"] += len(gold_tasks)
        tasks["matched"] += len(task_pairs)
        cells["extracted"] += sum(len(r.departments) for r in rows)
        cells["gold"] += sum(len(t.departments) for t in gold_tasks)
        leads["named"] += sum(1 for t in gold_tasks if t.lead)
        for i, j in task_pairs.items():
            want = gold_tasks[j].lead
            got = rows[i].lead
            if want and got and (normalise(want) in normalise(got) or normalise(got) in normalise(want)):
                leads["right"] += 1
            elif want or got:
                mismatches.append(Mismatch(doc_id=doc_id, kind="lead", text=gold_tasks[j].task,
                                           problem=f"lead {got or 'none'}, gold {want or 'none'}"))
            names = [c.department for c in rows[i].departments]
            department_pairs = match(names, gold_tasks[j].departments)
            cells["matched"] += len(department_pairs)
            missed = set(range(len(gold_tasks[j].departments))) - set(department_pairs.values())
            mismatches += [
                Mismatch(doc_id=doc_id, kind="department", text=f"{gold_tasks[j].task}: {gold_tasks[j].departments[k]}",
                         problem="missed")
                for k in sorted(missed)
            ]
            mismatches += [
                Mismatch(doc_id=doc_id, kind="department", text=f"{rows[i].task}: {names[k]}", problem="extra")
                for k in range(len(names)) if k not in department_pairs
            ]
        mismatches += [
            Mismatch(doc_id=doc_id, kind="task", text=t.task, problem="missed")
            for j, t in enumerate(gold_tasks) if j not in set(task_pairs.values())
        ]
        mismatches += [
            Mismatch(doc_id=doc_id, kind="task", text=r.task, problem="extra")
            for i, r in enumerate(rows) if i not in task_pairs
        ]

    total = {key: sum(c[key] for c in per_kind.values())
             for key in ("extracted", "gold", "matched", "labelled_right", "with_component", "component_right")}
    metrics: dict[str, float | None] = {
        "analysis_item_precision": _ratio(total["matched"], total["extracted"]),
        "analysis_item_recall": _ratio(total["matched"], total["gold"]),
        "analysis_label_accuracy": _ratio(total["labelled_right"], total["matched"]),
        "analysis_component_accuracy": _ratio(total["component_right"], total["with_component"]),
    }
    for component in COMPONENTS:
        metrics[f"analysis_{component}_precision"] = _ratio(right[component], predicted[component])
        metrics[f"analysis_{component}_recall"] = _ratio(right[component], expected[component])
    metrics.update({
        "responsibility_task_precision": _ratio(tasks["matched"], tasks["extracted"]),
        "responsibility_task_recall": _ratio(tasks["matched"], tasks["gold"]),
        "responsibility_cell_precision": _ratio(cells["matched"], cells["extracted"]),
        "responsibility_cell_recall": _ratio(cells["matched"], cells["gold"]),
        "responsibility_lead_accuracy": _ratio(leads["right"], leads["named"]),
    })
    by_kind = {
        kind: {
            **counts,
            "precision": _ratio(counts["matched"], counts["extracted"]),
            "recall": _ratio(counts["matched"], counts["gold"]),
            "label_accuracy": _ratio(counts["labelled_right"], counts["matched"]),
            "component_accuracy": _ratio(counts["component_right"], counts["with_component"]),
        }
        for kind, counts in per_kind.items()
    }
    counts = {f"items_{k}": v for k, v in total.items()}
    counts.update({f"tasks_{k}": v for k, v in tasks.items()})
    counts.update({f"cells_{k}": v for k, v in cells.items()})
    counts.update({f"leads_{k}": v for k, v in leads.items()})
    return AnalysisScore(metrics=metrics, by_kind=by_kind, counts=counts, mismatches=mismatches, gold=gold_path)


METRICS = [
    "analysis_item_precision", "analysis_item_recall", "analysis_label_accuracy", "analysis_component_accuracy",
    *[f"analysis_{c}_{m}" for c in COMPONENTS for m in ("precision", "recall")],
    "responsibility_task_precision", "responsibility_task_recall",
    "responsibility_cell_precision", "responsibility_cell_recall", "responsibility_lead_accuracy",
]


def attach_analysis(run, bot, evals_dir: Path, set_paths: list[Path]) -> AnalysisScore | None:
    """Score `bot.analyze()` against the suite's gold and add it to an EvalRun: the figures to
    `run.metrics` (where the gate sees them), the details to `run.analysis`."""
    path = find_gold(evals_dir, run.suite, set_paths)
    if path is None:
        return None
    result = score(bot.analyze(), load_gold(path), str(path))
    run.metrics.update(result.metrics)
    run.analysis = result.model_dump()
    return result


def markdown(analysis: dict) -> list[str]:
    """The report's section on the analysis views."""
    result = AnalysisScore(**analysis)
    lines = [
        "## Analysis views",
        "",
        f"Scored against `{result.gold}`: items match one to one when one contains the other (case and "
        "whitespace normalised); label accuracy is over matched items.",
        "",
        "| metric | value |",
        "|---|---|",
    ]
    lines += [f"| {name} | {'–' if result.metrics.get(name) is None else f'{result.metrics[name]:.3f}'} |"
              for name in METRICS]
    lines += ["", "| kind | extracted | gold | matched | precision | recall | label accuracy | component accuracy |",
              "|---" * 8 + "|"]
    for kind, c in result.by_kind.items():
        cells = [c["extracted"], c["gold"], c["matched"]] + [
            "–" if c.get(k) is None else f"{c[k]:.3f}"
            for k in ("precision", "recall", "label_accuracy", "component_accuracy")
        ]
        lines.append(f"| {kind} | " + " | ".join(str(x) for x in cells) + " |")
    if result.mismatches:
        lines += ["", "| document | kind | item | problem |", "|---|---|---|---|"]
        lines += [f"| {m.doc_id} | {m.kind} | {m.text.replace('|', '/')} | {m.problem} |" for m in result.mismatches]
    lines.append("")
    return lines
