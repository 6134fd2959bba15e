"""Start-up time of the command line: the median wall-clock time of repeated runs.

    python benchmarks/startup.py [--repeat 20]

    losslint --version                     target <= 60 ms
    losslint check (no candidate file)     target <= 150 ms  (a tree of non-Python files)
    python -c pass                         the floor: the interpreter itself

Each run is a fresh process (`python -m losslint ...`), so the time includes Python's own
start; nothing is cached between runs but the OS's file cache.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
TARGETS = {"losslint --version": 0.060, "losslint check (no candidate file)": 0.150}


def median_seconds(command: list[str], cwd: Path, repeat: int) -> tuple[float, float]:
    """(median wall-clock seconds, median CPU seconds): on a busy machine the CPU time
    tells what the wall-clock time would be on an idle one."""
    times, cpu = [], []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return statistics.median(times), statistics.median(cpu)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as work:
        tree = Path(work)
        for n in range(20):  # files, but none losslint lints
            (tree / f"notes_{n}.txt").write_text("nothing to lint\n")
        (tree / "data").mkdir()
        (tree / "data" / "table.csv").write_text("a,b\n1,2\n")
        runs = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "losslint --version": [sys.executable, "-m", "losslint", "--version"],
            "losslint check (no candidate file)": [sys.executable, "-m", "losslint", "check", ".", "--no-cache"],
        }
        failed = False
        for label, command in runs.items():
            seconds, cpu = median_seconds(command, tree if "check" in label else CHECKOUT, args.repeat)
            target = TARGETS.get(label)
            verdict = "" if target is None else (" ok" if seconds <= target else f" OVER the {target * 1000:.0f} ms target")
            failed |= target is not None and seconds > target
            print(f"{label:40s} {seconds * 1000:6.0f} ms wall, {cpu * 1000:4.0f} ms CPU (medians of {args.repeat}){verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
