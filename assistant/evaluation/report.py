"""Write an eval run as evals/reports/<timestamp>/: report.md, report.json and intents.png."""

from __future__ import annotations

import json
from pathlib import Path

from assistant.evaluation.analysis_scoring import markdown as analysis_markdown
from assistant.evaluation.gate import GateResult
from assistant.evaluation.runner import EvalRun, turn_key

SUMMARY_ORDER = [
    "questions", "pass_rate", "doc_hit@1", "doc_hit@3", "doc_hit@k", "doc_mrr", "passage_hit@k", "passage_mrr",
    "key_fact_recall", "citation_precision", "citation_recall", "abstention_precision", "abstention_recall",
    "false_abstentions", "intent_accuracy", "cites_expected_doc", "answer_words_p50", "fragment_bullets",
    "latency_p50_ms", "latency_p95_ms",
]
CHART_METRICS = ["doc_hit@k", "key_fact_recall", "citation_precision", "citation_recall", "pass_rate"]


def _fmt(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float) and value <= 1.0:
        return f"{value:.3f}"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _cell(text: str, limit: int = 90) -> str:
    text = " ".join(text.split()).replace("|", "\\|")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def summary_table(run: EvalRun) -> str:
    intents = list(run.by_intent)
    header = "| metric | all | " + " | ".join(intents) + " |"
    lines = [header, "|" + "---|" * (len(intents) + 2)]
    for name in SUMMARY_ORDER:
        row = [_fmt(run.metrics.get(name))] + [_fmt(run.by_intent[i].get(name)) for i in intents]
        lines.append(f"| {name} | " + " | ".join(row) + " |")
    return "\n".join(lines)


SUITES_ORDER = [
    "questions", "pass_rate", "doc_hit@k", "key_fact_recall", "citation_precision", "cites_expected_doc",
    "abstention_precision", "abstention_recall", "answer_words_p50", "fragment_bullets", "latency_p50_ms",
]


# The analysis views' figures shown beside each suite's answer figures (all are in report.md).
ANALYSIS_HEADLINE = [
    "analysis_item_precision", "analysis_item_recall", "analysis_label_accuracy", "analysis_component_accuracy",
    "responsibility_cell_precision", "responsibility_cell_recall", "responsibility_lead_accuracy",
]


def suites_table(runs: list[EvalRun]) -> str:
    """The headline figures of several suites side by side, then key-fact recall by intent."""
    header = "| metric | " + " | ".join(r.suite for r in runs) + " |"
    lines = [header, "|" + "---|" * (len(runs) + 1)]
    for name in SUITES_ORDER:
        lines.append(f"| {name} | " + " | ".join(_fmt(r.metrics.get(name)) for r in runs) + " |")
    intents = list(dict.fromkeys(i for r in runs for i in r.by_intent))
    for intent in intents:
        cells = [_fmt(r.by_intent.get(intent, {}).get("key_fact_recall")) for r in runs]
        lines.append(f"| recall: {intent} | " + " | ".join(cells) + " |")
    for name in ANALYSIS_HEADLINE:
        if any(r.metrics.get(name) is not None for r in runs):
            lines.append(f"| {name} | " + " | ".join(_fmt(r.metrics.get(name)) for r in runs) + " |")
    return "\n".join(lines)


def markdown(run: EvalRun, gate: GateResult | None) -> str:
    config = ", ".join(f"{k}={v}" for k, v in run.config.items() if v is not None)
    parts = [
        f"# Eval report: {run.suite}, {run.started}",
        "",
        f"Configuration: {config}",
        "",
        f"Citation precision method: {run.citation_method}.",
        "",
        "How to read this: `doc_hit@k` is the share of answerable questions with a passage from an expected "
        "document among the k retrieved, `passage_hit@k` the share with a retrieved passage containing a key "
        "fact, MRR the mean reciprocal rank of the first such passage. `key_fact_recall` is the share of gold "
        "facts the answer states. `citation_precision` is the share of markers whose passage supports the "
        "bullet or sentence they are attached to; `citation_recall` the share of bullets and sentences with a "
        "supporting marker. Abstention precision and recall treat 'the documents do not say' as the positive "
        "class. A case passes when it abstains if and only if it is unanswerable and, when answerable, states "
        "every key fact and cites an expected document.",
        "",
        "## Summary",
        "",
        summary_table(run),
        "",
    ]
    if gate is not None:
        parts += ["## Regression gate", ""]
        parts += [f"- REGRESSION {line}" for line in gate.regressions] or ["- no regressions"]
        parts += [f"- improved {line}" for line in gate.improvements]
        parts += [f"- note: {line}" for line in gate.notes]
        parts.append("")
    if run.analysis is not None:
        parts += analysis_markdown(run.analysis)
    parts += [
        "## Cases",
        "",
        "| case | intent | question | result | missing facts | cited documents | abstained | ms |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for s in run.scores:
        question = s.question if s.question == s.question_as_answered else f"{s.question} → {s.question_as_answered}"
        parts.append(
            f"| {turn_key(s)} | {s.intent} | {_cell(question)} | {'pass' if s.passed else 'FAIL'} | "
            f"{_cell('; '.join(s.facts_missing), 60)} | {', '.join(s.cited_docs)} | "
            f"{'yes' if s.abstained else 'no'} | {s.seconds * 1000:.0f} |"
        )
    parts += ["", "![per-intent scores](intents.png)", ""]
    return "\n".join(parts)


def chart(run: EvalRun, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    intents = list(run.by_intent)
    fig, ax = plt.subplots(figsize=(11, 4.5))
    width = 0.8 / len(CHART_METRICS)
    for i, name in enumerate(CHART_METRICS):
        values = [run.by_intent[intent].get(name) or 0.0 for intent in intents]
        ax.bar([x + i * width for x in range(len(intents))], values, width, label=name)
    ax.set_xticks([x + 0.4 - width / 2 for x in range(len(intents))], intents)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("score")
    ax.set_title(f"Per-intent scores ({run.config['mode']}, top_k={run.config['top_k']})")
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_report(run: EvalRun, gate: GateResult | None, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    payload = run.model_dump(mode="json")
    if gate is not None:
        payload["gate"] = gate.model_dump(mode="json") | {"passed": gate.passed}
    (folder / "report.json").write_text(json.dumps(payload, indent=2, ensure_ascii=False), encoding="utf-8")
    (folder / "report.md").write_text(markdown(run, gate), encoding="utf-8")
    chart(run, folder / "intents.png")
    return folder
