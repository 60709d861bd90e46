"""Run a command and report its wall time and peak resident memory to a JSON file:

    python peak.py REPORT.json COMMAND [ARGS...]

Why a separate launcher: Linux carries a process's high-water RSS across fork and exec,
so a child forked straight from the benchmark (a process holding two loaded models) would
report at least the benchmark's own size. Forked from this small launcher instead, the
child's figure is its own (plus at most this launcher's ~10 MiB)."""

import json
import resource
import subprocess
import sys
import time

began = time.perf_counter()
code = subprocess.call(sys.argv[2:])
seconds = time.perf_counter() - began
usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # the one child this launcher ran
with open(sys.argv[1], "w", encoding="utf-8") as report:
    json.dump({"seconds": seconds, "peak_rss": usage.ru_maxrss * 1024, "returncode": code}, report)
sys.exit(code)
