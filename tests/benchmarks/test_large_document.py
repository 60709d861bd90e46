"""The first question on a large report (issue 16 item 1): its time and the memory it adds, in a
warm process, beside a question on the seed corpus in the same run.

A report of BENCH_LARGE_MB (default 20) MB from tests/hostile_files.py is uploaded into a copy of
the seed project (its ingest is not measured); the process then answers one seed question (warm-up),
and then the first question touching the report. Peak memory is the kernel's high-water mark of
this process, reset just before the question (/proc/self/clear_refs), minus the resident size then.
Writes results/large_document.json.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

import pytest
from harness import print_table, write_result

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests/, for hostile_files and conftest
from conftest import SEED_CORPUS, build_settings  # noqa: E402
from hostile_files import write_large_report_txt  # noqa: E402

from assistant import Assistant  # noqa: E402

pytestmark = pytest.mark.benchmark

MEGABYTES = float(os.environ.get("BENCH_LARGE_MB", "20"))
SEED_QUESTION = "What problems did the J Town study find?"
LARGE_QUESTION = "What did the medical insurance bureau do about the settlement of medical insurance claims?"


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def _timed(bot: Assistant, question: str) -> tuple[float, float]:
    """Seconds and the memory (MiB) the question added at its peak."""
    Path("/proc/self/clear_refs").write_text("5")  # reset the high-water mark to the current size
    before = _status_kib("VmRSS")
    began = time.perf_counter()
    answer = bot.ask(question)
    seconds = time.perf_counter() - began
    assert not answer.abstained and answer.citations, answer.text
    return seconds, (_status_kib("VmHWM") - before) / 1024


def test_first_question_on_a_large_report(tmp_path):
    shutil.copytree(SEED_CORPUS, tmp_path / "corpus")
    bot = Assistant(build_settings(tmp_path, tmp_path / "corpus"))
    bot.ingest()
    report = write_large_report_txt(tmp_path / "county-reform-evaluation.txt", MEGABYTES)
    added = bot.add_files([report]).added
    assert added

    _timed(bot, "Who is responsible for Internet + Social Security?")  # warm-up: engines loaded
    seed_seconds, seed_mib = _timed(bot, SEED_QUESTION)
    large_seconds, large_mib = _timed(bot, LARGE_QUESTION)
    rows = [
        ["seed corpus question", f"{seed_seconds:.2f} s", f"{seed_mib:.0f} MiB", "1.00"],
        [f"first question on a {MEGABYTES:g} MB report", f"{large_seconds:.2f} s", f"{large_mib:.0f} MiB",
         f"{large_seconds / seed_seconds:.2f}"],
    ]
    print_table("First question on a large report", ["question (warm process)", "time", "memory added at peak",
                "time ratio"], rows)
    write_result("large_document.json", {
        "megabytes": MEGABYTES, "seed_seconds": seed_seconds, "seed_peak_added_mib": seed_mib,
        "large_seconds": large_seconds, "large_peak_added_mib": large_mib,
    })
