"""Score the analysis views (`Assistant.analyze`) against evals/analysis_gold.yaml.

Items are matched one to one: an extracted item matches a gold item when one
contains the other after normalising case, whitespace and quotes, and each item
matches at most one other (a sentence holding four findings stands for one of
them, not all four). On the studies: item precision and recall, label accuracy
over matched items, and precision/recall per Smith component. On the
responsibility matrices: tasks matched the same way, then the departments of
matched tasks; cell precision and recall count (task, department) pairs.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel

from assistant.analysis.views import COMPONENTS, ITEM_KINDS, AnalysisReport, Component
from assistant.evaluation.cases import normalise

GOLD_FILE = "analysis_gold.yaml"
_KIND_KEYS = {"finding": "findings", "cause": "causes", "countermeasure": "countermeasures"}


class GoldItem(BaseModel):
    text: str
    component: Component


class GoldStudy(BaseModel):
    findings: list[GoldItem] = []
    causes: list[GoldItem] = []
    countermeasures: list[GoldItem] = []


class GoldTask(BaseModel):
    task: str
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


def find_gold(evals_dir: Path, set_paths: list[Path]) -> Path | None:
    """evals/analysis_gold.yaml, or the one beside the question sets being run."""
    for folder in [evals_dir, *dict.fromkeys(p.parent for p in set_paths)]:
        if (folder / GOLD_FILE).exists():
            return folder / GOLD_FILE
    return None


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
    per_kind = {k: {"extracted": 0, "gold": 0, "matched": 0, "labelled_right": 0} for k in ITEM_KINDS}
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
                got, want = items[i].component, gold_items[j].component
                predicted[got] += 1
                expected[want] += 1
                if got == want:
                    right[got] += 1
                    counts["labelled_right"] += 1
                else:
                    mismatches.append(Mismatch(doc_id=doc_id, kind=kind, text=items[i].text,
                                               problem=f"labelled {got}, gold {want}"))
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
    tasks = {"extracted": 0, "gold": 0, "matched": 0}
    for doc_id, gold_tasks in gold.responsibility.items():
        rows = matrices[doc_id].rows if doc_id in matrices else []
        task_pairs = match([r.task for r in rows], [t.task for t in gold_tasks])
        tasks["extracted"] += len(rows)
        tasks["gold"] += len(gold_tasks)
        tasks["matched"] += len(task_pairs)
        cells["extracted"] += sum(len(r.departments) for r in rows)
        cells["gold"] += sum(len(t.departments) for t in gold_tasks)
        for i, j in task_pairs.items():
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

    total = {key: sum(c[key] for c in per_kind.values()) for key in ("extracted", "gold", "matched", "labelled_right")}
    metrics: dict[str, float | None] = {
        "analysis_item_precision": _ratio(total["matched"], total["extracted"]),
        "analysis_item_recall": _ratio(total["matched"], total["gold"]),
        "analysis_label_accuracy": _ratio(total["labelled_right"], total["matched"]),
    }
    for component in COMPONENTS:
        metrics[f"analysis_{component}_precision"] = _ratio(right[component], predicted[component])
        metrics[f"analysis_{component}_recall"] = _ratio(right[component], expected[component])
    metrics.update({
        "responsibility_task_precision": _ratio(tasks["matched"], tasks["extracted"]),
        "responsibility_task_recall": _ratio(tasks["matched"], tasks["gold"]),
        "responsibility_cell_precision": _ratio(cells["matched"], cells["extracted"]),
        "responsibility_cell_recall": _ratio(cells["matched"], cells["gold"]),
    })
    by_kind = {
        kind: {
            **counts,
            "precision": _ratio(counts["matched"], counts["extracted"]),
            "recall": _ratio(counts["matched"], counts["gold"]),
            "label_accuracy": _ratio(counts["labelled_right"], counts["matched"]),
        }
        for kind, counts in per_kind.items()
    }
    counts = {f"items_{k}": v for k, v in total.items()}
    counts.update({f"tasks_{k}": v for k, v in tasks.items()})
    counts.update({f"cells_{k}": v for k, v in cells.items()})
    return AnalysisScore(metrics=metrics, by_kind=by_kind, counts=counts, mismatches=mismatches, gold=gold_path)


METRICS = [
    "analysis_item_precision", "analysis_item_recall", "analysis_label_accuracy",
    *[f"analysis_{c}_{m}" for c in COMPONENTS for m in ("precision", "recall")],
    "responsibility_task_precision", "responsibility_task_recall",
    "responsibility_cell_precision", "responsibility_cell_recall",
]


def attach_analysis(run, bot, evals_dir: Path, set_paths: list[Path]) -> AnalysisScore | None:
    """Score `bot.analyze()` against the gold and add it to an EvalRun: the figures to
    `run.metrics` (where the gate sees them), the details to `run.analysis`."""
    path = find_gold(evals_dir, set_paths)
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
    lines += ["", "| kind | extracted | gold | matched | precision | recall | label accuracy |", "|---" * 7 + "|"]
    for kind, c in result.by_kind.items():
        cells = [c["extracted"], c["gold"], c["matched"]] + [
            "–" if c[k] is None else f"{c[k]:.3f}" for k in ("precision", "recall", "label_accuracy")
        ]
        lines.append(f"| {kind} | " + " | ".join(str(x) for x in cells) + " |")
    if result.mismatches:
        lines += ["", "| document | kind | item | problem |", "|---|---|---|---|"]
        lines += [f"| {m.doc_id} | {m.kind} | {m.text.replace('|', '/')} | {m.problem} |" for m in result.mismatches]
    lines.append("")
    return lines
