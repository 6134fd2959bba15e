"""One huge generated file: losslint's time and peak memory must grow linearly with size.

    python benchmarks/big_file.py                 # 1, 2 and 5 MB (the issue 14 target at 5 MB: <= 20 s, <= 500 MiB)
    python benchmarks/big_file.py --mb 0.25 0.5 1 2 5   # the scaling

The file is many small functions, each computing F.cross_entropy, one in four on a
softmax (LL103, with its fix): the shape that once took 18 minutes and 4 GB at 5 MB
(difflib's quadratic matcher in the fixes, then one libcst tree of the whole file). Each
size runs `losslint check FILE --no-cache --output-format concise` once in a fresh process;
the time is wall-clock (and the CPU time of all processes, which the load of a shared
machine inflates less), the memory the peak RSS of the largest process (os.wait4), the
peak of the sum of all processes' RSS, and of their PSS (sampled; the target is on PSS:
a process forked after the analysis shares the parent's pages, which RSS counts twice). The load
average before each run is printed: timings on a loaded machine are not comparable.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench import _RssSampler, measure  # noqa: E402


class _Sampler(_RssSampler):
    """bench's sampler of the process tree's RSS, plus the sum of its PSS (proportional set
    size, /proc/PID/smaps_rollup): a process forked after the analysis (fixes/forked.py)
    shares the parent's pages, which the RSS of each counts in full and PSS once."""

    PERIOD = 0.05  # smaps_rollup walks the page tables: slower to read than statm
    last: _Sampler | None = None  # the sampler of the last measure()

    def __init__(self, pid: int) -> None:
        super().__init__(pid)
        self.pss_mib = 0.0
        _Sampler.last = self

    def _loop(self) -> None:
        while not self._done.is_set():
            tree = self._tree()
            self.total_mib = max(self.total_mib, sum(self._rss(pid) for pid in tree))
            self.pss_mib = max(self.pss_mib, sum(self._pss(pid) for pid in tree))
            self._done.wait(self.PERIOD)

    @staticmethod
    def _pss(pid: int) -> float:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as handle:
                for line in handle:
                    if line.startswith("Pss:"):
                        return int(line.split()[1]) / 1024
        except (OSError, ValueError):
            pass
        return 0.0


HEADER = "import torch\nimport torch.nn.functional as F\n\n"
CLEAN = '''

def loss_{n}(logits, target, weight={w}):
    scaled = logits * weight
    return F.cross_entropy(scaled, target)
'''
WRONG = '''

def loss_{n}(logits, target):
    probabilities = F.softmax(logits, dim=1)
    return F.cross_entropy(probabilities, target)
'''
TARGET_SECONDS = 20.0
TARGET_MIB = 500.0


def write(path: Path, megabytes: float) -> int:
    """Write the file; -> its number of functions."""
    parts, size, n = [HEADER], len(HEADER), 0
    while size < megabytes * 1_000_000:
        text = (WRONG if n % 4 == 0 else CLEAN).format(n=n, w=1 + n % 7)
        parts.append(text)
        size += len(text)
        n += 1
    path.write_text("".join(parts))
    return n


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, nargs="+", default=[1.0, 2.0, 5.0], help="sizes in MB (default: 1 2 5)")
    args = parser.parse_args(argv)
    failed = False
    with tempfile.TemporaryDirectory() as work:
        for megabytes in args.mb:
            path = Path(work) / f"big_{megabytes:g}mb.py"
            functions = write(path, megabytes)
            command = [sys.executable, "-m", "losslint", "check", str(path), "--no-cache", "--output-format", "concise"]
            load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
            seconds, largest, cpu, rss_sum, _main = measure(command, Path(__file__).resolve().parent.parent, _Sampler)
            pss_sum = _Sampler.last.pss_mib or largest
            print(
                f"{megabytes:g} MB ({functions:,} functions): {seconds:.1f} s ({cpu:.1f} s CPU); peak RSS "
                f"{largest:.0f} MiB (largest process), {rss_sum:.0f} MiB (sum of all processes), PSS sum "
                f"{pss_sum:.0f} MiB; load average before: {load:.1f}",
                flush=True,
            )
            if megabytes >= 5 and (seconds > TARGET_SECONDS or pss_sum > TARGET_MIB):
                failed = True
    if failed:
        print(f"over the target for 5 MB: {TARGET_SECONDS:g} s, {TARGET_MIB:g} MiB", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
