"""The regression gate: compare a run with evals/baseline.json.

The baseline is written only by `evals --update-baseline` from a real run,
one entry per answering mode and suite (seeds, field-dev, field-test). A metric regresses when it falls by more than
its tolerance; a case regresses when it goes from pass to fail. Latency is
reported, not gated: it depends on the machine, not on the change.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel

from assistant.evaluation.analysis_scoring import METRICS as ANALYSIS_METRICS
from assistant.evaluation.runner import EvalRun

# Absolute drops allowed (metrics are shares in 0..1). The extractive mode is
# deterministic, so these only absorb float noise and LLM sampling.
TOLERANCE = 0.02
INTENT_TOLERANCE = 0.05
GATED = [
    "pass_rate", "doc_hit@1", "doc_hit@3", "doc_hit@k", "doc_mrr", "passage_hit@k", "passage_mrr",
    "key_fact_recall", "citation_precision", "citation_recall", "abstention_precision", "abstention_recall",
    *ANALYSIS_METRICS,
]
GATED_PER_INTENT = ["pass_rate", "doc_hit@k", "key_fact_recall", "citation_precision"]
NOTE = "Written by `evals --update-baseline` from a real run. Never edit by hand."


class GateResult(BaseModel):
    regressions: list[str] = []  # metric and case messages, one per line
    improvements: list[str] = []
    notes: list[str] = []

    @property
    def passed(self) -> bool:
        return not self.regressions


def load_baseline(path: Path) -> dict:
    if not path.exists():
        return {"note": NOTE, "runs": {}}
    return json.loads(path.read_text(encoding="utf-8"))


def _entries(baseline: dict, mode: str) -> dict:
    """The baseline's entries of one mode, by suite."""
    return baseline["runs"].setdefault(mode, {})


def update_baseline(path: Path, run: EvalRun) -> None:
    baseline = load_baseline(path)
    baseline["note"] = NOTE
    _entries(baseline, run.config["mode"])[run.suite] = {
        "updated": datetime.now(UTC).isoformat(timespec="seconds"),
        "config": run.config,
        "metrics": run.metrics,
        "by_intent": run.by_intent,
        "cases": run.case_outcomes(),
    }
    path.write_text(json.dumps(baseline, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def _compare(name: str, before, now, tolerance: float, result: GateResult) -> None:
    if before is None:
        return
    if now is None:
        result.regressions.append(f"{name}: {before:.3f} -> not measured")
    elif before - now > tolerance:
        result.regressions.append(f"{name}: {before:.3f} -> {now:.3f} (fell {before - now:.3f}, tolerance {tolerance})")
    elif now - before > tolerance:
        result.improvements.append(f"{name}: {before:.3f} -> {now:.3f}")


def check(run: EvalRun, baseline_path: Path) -> GateResult:
    result = GateResult()
    entry = load_baseline(baseline_path)["runs"].get(run.config["mode"], {}).get(run.suite)
    if entry is None:
        result.regressions.append(
            f"no baseline for suite {run.suite!r} in mode {run.config['mode']!r} in {baseline_path}: "
            "run `evals --update-baseline` first"
        )
        return result
    for key in ("top_k", "dense_weight", "use_dense", "use_bm25", "candidates", "embedding_model"):
        if entry["config"].get(key) != run.config.get(key):
            before, now = entry["config"].get(key), run.config.get(key)
            result.notes.append(f"config differs from the baseline's: {key} {before} -> {now}")
    if sorted(entry["config"]["sets"]) == sorted(run.config["sets"]):
        for name in GATED:
            _compare(name, entry["metrics"].get(name), run.metrics.get(name), TOLERANCE, result)
        for intent, metrics in entry["by_intent"].items():
            for name in GATED_PER_INTENT:
                now = run.by_intent.get(intent, {}).get(name)
                _compare(f"{intent}/{name}", metrics.get(name), now, INTENT_TOLERANCE, result)
    else:
        result.notes.append("a subset of the baseline's sets was run: only per-case outcomes are compared")
    outcomes = run.case_outcomes()
    for case, before in entry["cases"].items():
        now = outcomes.get(case)
        if before == "pass" and now == "fail":
            result.regressions.append(f"case {case}: pass -> fail")
        elif before == "fail" and now == "pass":
            result.improvements.append(f"case {case}: fail -> pass")
    new = sorted(set(outcomes) - set(entry["cases"]))
    if new:
        result.notes.append(f"{len(new)} case(s) not in the baseline yet: {', '.join(new)}")
    return result
