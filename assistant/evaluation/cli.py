"""`evals`: run the question sets in evals/ through Assistant, report, and gate regressions.

    evals [SUITE|SET ...] [--check] [--update-baseline] [--report DIR] [--mode extractive|llm] [--top-k K]
        suites: seeds (evals/*.yaml on corpus/), field-dev and field-test (evals/field/, on the
        field corpus with the seeds beside it), field (both halves); default: all
    evals --sweep      retrieval alone over fusion weights and k
    evals import-feedback [--output PATH]   thumbs-down feedback from the UI as draft cases

Exit status: 0 when the run (and, with --check, the gate) is fine; 1 when the
gate finds a regression; 2 for bad input (an unknown set, a broken case, bad settings).
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

from assistant.settings import SettingsError, load_settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="evals", description="Regression-test answer quality on curated question sets."
    )
    parser.add_argument(
        "sets", nargs="*",
        help="suites (seeds, field, field-dev, field-test) or set names or paths (default: every suite)",
    )
    parser.add_argument("--check", action="store_true", help="compare with evals/baseline.json; exit 1 on a regression")
    parser.add_argument("--update-baseline", action="store_true", help="rewrite evals/baseline.json from this run")
    parser.add_argument("--report", type=Path, help="report folder (default evals/reports/<timestamp>)")
    parser.add_argument("--mode", choices=["extractive", "llm"], help="answering mode (default from settings)")
    parser.add_argument("--top-k", type=int, help="passages retrieved per question (default from settings)")
    parser.add_argument("--baseline", type=Path, help="baseline file (default evals/baseline.json)")
    parser.add_argument(
        "--sweep", action="store_true",
        help="measure retrieval alone over fusion weights and k (dense only, BM25 only, fused) and print a table",
    )
    return parser


def run(argv: list[str] | None = None, **overrides) -> int:
    """The `evals` command. `overrides` are Settings fields (tests pass a temporary project)."""
    args = _parser().parse_args(argv)
    if args.top_k is not None and args.top_k < 1:
        print("evals: --top-k must be at least 1", file=sys.stderr)
        return 2
    from assistant.api import Assistant
    from assistant.evaluation.analysis_scoring import attach_analysis
    from assistant.evaluation.cases import QuestionSetError, load_sets
    from assistant.evaluation.gate import check, update_baseline
    from assistant.evaluation.report import suites_table, summary_table, write_report
    from assistant.evaluation.runner import run_sets
    from assistant.evaluation.suites import build_field_corpus, field_settings, find_suites

    try:
        settings = load_settings(**overrides)
        evals_dir = settings.root / "evals"
        suites = find_suites(evals_dir, args.sets)
        loaded = {suite.name: load_sets(list(suite.sets)) for suite in suites}
    except (SettingsError, QuestionSetError) as exc:
        print(f"evals: {exc}", file=sys.stderr)
        return 2
    if not suites:
        print(f"no question sets yet ({evals_dir}/*.yaml)")
        return 0
    bots: dict[str, Assistant] = {}

    def bot_for(corpus: str) -> Assistant:
        if corpus not in bots:
            shared = next(iter(bots.values())).embedder if bots else None
            if corpus == "seeds":
                bots[corpus] = Assistant(settings, embedder=shared)
            else:
                own = field_settings(settings)
                build_field_corpus(settings, own)
                bots[corpus] = Assistant(own, embedder=shared)
            report = bots[corpus].ingest()  # incremental: a no-op when the index is current
            if report.changed or report.errors:
                print(f"index ({corpus}): {report.summary()}")
        return bots[corpus]

    if args.sweep:
        from assistant.evaluation.sweep import sweep, sweep_table

        for suite in suites:
            print(f"## {suite.name}\n" + sweep_table(sweep(bot_for(suite.corpus), loaded[suite.name])))
        return 0
    baseline_path = args.baseline or evals_dir / "baseline.json"
    folder = args.report or evals_dir / "reports" / datetime.now().strftime("%Y%m%d-%H%M%S")
    runs, gates = [], []
    for suite in suites:
        sets = loaded[suite.name]
        total = sum(len(c.turns) for s in sets for c in s.cases)
        print(f"{suite.name}: running {total} questions from {', '.join(s.name for s in sets)} "
              f"(mode {args.mode or settings.answering.mode}) ...", flush=True)
        bot = bot_for(suite.corpus)
        result = run_sets(bot, sets, mode=args.mode, top_k=args.top_k, suite=suite.name)
        analysis = attach_analysis(result, bot, evals_dir, [s.path for s in sets])
        gate = check(result, baseline_path) if args.check else None
        write_report(result, gate, folder / suite.name)
        print(summary_table(result))
        if analysis is not None:
            print("\nanalysis views: " + ", ".join(
                f"{name} {value:.3f}" for name, value in analysis.metrics.items() if value is not None
            ))
        print()
        runs.append(result)
        gates.append(gate)
    if len(runs) > 1:
        print(suites_table(runs))
    print(f"\nreport: {folder}/<suite>/report.md")
    for result in runs:
        failed = [s for s in result.scores if not s.passed]
        print(f"{result.suite}: {len(result.scores) - len(failed)}/{len(result.scores)} questions pass")
    if args.update_baseline:
        for result in runs:
            update_baseline(baseline_path, result)
        print(f"baseline updated: {baseline_path}")
    if not args.check:
        return 0
    passed = True
    for result, gate in zip(runs, gates, strict=True):
        for line in gate.notes:
            print(f"note ({result.suite}): {line}")
        for line in gate.improvements:
            print(f"improved ({result.suite}): {line}")
        if not gate.passed:
            passed = False
            print(f"gate ({result.suite}): REGRESSIONS against the baseline:", file=sys.stderr)
            for line in gate.regressions:
                print(f"  {line}", file=sys.stderr)
    if passed:
        print("gate: no regressions against the baseline")
        return 0
    return 1


def import_feedback(argv: list[str] | None = None, **overrides) -> int:
    """`evals import-feedback`: thumbs-down answers from the UI's feedback.jsonl become draft cases to review."""
    parser = argparse.ArgumentParser(
        prog="evals import-feedback",
        description="Turn thumbs-down feedback into draft eval cases (review: true) in evals/drafts/.",
    )
    parser.add_argument("--output", type=Path, help="draft file (default evals/drafts/feedback-<date>.yaml)")
    args = parser.parse_args(argv)
    from assistant.feedback import FEEDBACK_FILE, FeedbackStore, write_drafts

    try:
        settings = load_settings(**overrides)
    except SettingsError as exc:
        print(f"evals: {exc}", file=sys.stderr)
        return 2
    source = settings.data_dir / FEEDBACK_FILE
    records = FeedbackStore(source).latest()
    down = [r for r in records if r.rating == "down"]
    if not down:
        print(f"no thumbs-down feedback in {source}")
        return 0
    output = args.output or settings.root / "evals" / "drafts" / f"feedback-{datetime.now():%Y-%m-%d}.yaml"
    count = write_drafts(down, output)
    print(f"{count} new draft cases from {len(down)} thumbs-down answers: {output}")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["import-feedback"]:
        return import_feedback(argv[1:])
    return run(argv)


if __name__ == "__main__":
    sys.exit(main())
