"""Shared by the benchmarks and their worker processes: timing, peak memory, the eval
questions, the machine's description, and writing results."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
MIB = 1024 * 1024


def percentile(values: list[float], q: float) -> float:
    """Linear-interpolated percentile, q in [0, 100]."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def latency_summary(seconds: list[float]) -> dict:
    return {
        "count": len(seconds),
        "p50_ms": round(percentile(seconds, 50) * 1000, 2),
        "p95_ms": round(percentile(seconds, 95) * 1000, 2),
        "mean_ms": round(statistics.fmean(seconds) * 1000, 2) if seconds else None,
        "max_ms": round(max(seconds) * 1000, 2) if seconds else None,
        # one client asking one question after another
        "queries_per_second": round(len(seconds) / sum(seconds), 2) if seconds else None,
    }


def questions() -> list[str]:
    """The eval questions that stand alone: every single-turn case and the first turn of
    each conversation (later turns lean on earlier answers)."""
    from assistant.evaluation.cases import find_sets, load_sets

    found = []
    for qset in load_sets(find_sets(PROJECT / "evals")):
        for case in qset.cases:
            found.append(case.turns[0].question)
    return found


def peak_rss_self_bytes() -> int:
    """This process's peak resident set (VmHWM)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def bench_env(extra: dict | None = None) -> dict:
    """The environment for a measured child: offline, and no ASSISTANT_* setting from the shell."""
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("ASSISTANT_")}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    env.update(extra or {})
    return env


@dataclass
class Measured:
    seconds: float  # wall clock, from start to exit
    peak_rss: int  # bytes: the child's ru_maxrss, taken by peak.py
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> dict:
        """The last stdout line, where the workers print their figures."""
        return json.loads(self.stdout.strip().splitlines()[-1])


def run_measured(command: list[str], cwd: Path, env: dict | None = None) -> Measured:
    """Run a child process to completion: its wall time and its own peak RSS (see peak.py)."""
    report = cwd / f".bench-peak-{os.getpid()}-{time.monotonic_ns()}.json"
    try:
        completed = subprocess.run(
            [sys.executable, str(HERE / "peak.py"), str(report), *map(str, command)],
            cwd=cwd, env=env or bench_env(), capture_output=True, text=True, errors="replace",
        )
        if completed.returncode != 0:
            raise RuntimeError(
                f"{' '.join(map(str, command))} failed ({completed.returncode}):\n{completed.stderr[-3000:]}"
            )
        figures = json.loads(report.read_text(encoding="utf-8"))
    finally:
        report.unlink(missing_ok=True)
    return Measured(figures["seconds"], figures["peak_rss"], completed.returncode, completed.stdout, completed.stderr)


def worker(*args: str) -> list[str]:
    return [sys.executable, str(HERE / "worker.py"), *map(str, args)]


def machine() -> dict:
    info = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }
    try:
        info["nproc"] = int(subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip())
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("Model name:"):
                info["cpu_model"] = line.split(":", 1)[1].strip()
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                info["ram_gib"] = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    try:
        import torch

        info["torch"] = torch.__version__
        info["torch_threads"] = torch.get_num_threads()
        info["gpu"] = torch.cuda.is_available()
    except ImportError:
        pass
    return info


def write_result(name: str, data: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / name
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return path


def ratio(ours: float | None, plain: float | None) -> str:
    if not ours or not plain:
        return "–"
    return f"{ours / plain:.2f}"


def print_table(title: str, header: list[str], rows: list[list]) -> None:
    """A Markdown table on stdout (`make bench` runs pytest with -s)."""
    print(f"\n{title}\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for row in rows:
        print("| " + " | ".join(str(cell) for cell in row) + " |")
    print()
