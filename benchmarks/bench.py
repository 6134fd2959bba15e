"""How long losslint takes on a tree, beside the libcst parse floor and ruff, in one run.

    python benchmarks/bench.py TREE [TREE...] [--jobs 2] [--repeat 3] [--json results.json]
    python benchmarks/bench.py --synthetic 300          # a generated tree, for CI-size runs

Every step runs in a fresh process, on a private copy of the tree's Python files; the time
is wall-clock (the median of --repeat runs) and the memory is the peak RSS of the largest
process of the step (os.wait4: the main process or one of its workers, whichever is
larger), of all its processes together and of the main process alone (both sampled from
/proc on Linux). With several trees, a summary line per tree ends the output. Steps:

  parse, 1 / 2 processes   bare libcst.parse_module of every file: the floor a libcst
                           linter cannot go below without skipping files
  losslint cold            `losslint check` with an empty cache
  losslint warm            the same again: cache present, nothing changed
  losslint touched         after appending a comment to one file (a file it parses)
  losslint edited          after appending a statement to that file (its facts change)
  losslint function added  after adding a function to a model file (a class with a
                           `forward`; --model PATH): a real edit, with new calls
  ruff cold / warm         `ruff check --select ALL --isolated`, without / with its cache
  ruff function added      ruff's warm run after the same kind of edit
  scaling                  losslint cold on 1x, 2x and 4x copies of the tree
  big file                 losslint cold on one generated 20,000-line file

Targets (issues 6 and 15): cold <= parse with 2 processes; warm <= ruff warm; touched
(and edited) <= 0.3 s on timm and pytorch-lightning, <= 1 s on torch's package, and below
ruff's warm run; peak RSS on torch's package <= 1.2 GiB for all processes, <= 300 MiB for
the main one; time and memory linear in the number of copies; the big file in seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synthetic  # noqa: E402

SUFFIXES = (".py", ".pyi")
EXCLUDED_DIRS = {"__pycache__", ".git", ".venv", "venv", "build", "dist", "node_modules"}

# The floor: parse every file listed in argv[1] with libcst, in argv[2] processes.
_PARSE_FLOOR = r"""
import sys
from multiprocessing import get_context
import libcst

def parse(path):
    with open(path, "rb") as handle:
        source = handle.read().decode("utf-8-sig", "replace")
    try:
        libcst.parse_module(source)
    except Exception:
        pass

if __name__ == "__main__":
    paths = open(sys.argv[1]).read().split("\n")
    jobs = int(sys.argv[2])
    if jobs == 1:
        for path in paths:
            parse(path)
    else:
        paths.sort(key=lambda p: -len(open(p, "rb").read()))
        with get_context("fork" if sys.platform.startswith("linux") else "spawn").Pool(jobs) as pool:
            for _ in pool.imap_unordered(parse, paths, chunksize=1):
                pass
"""


def measure(command: list[str], cwd: Path | None = None, sampler_class: type | None = None) -> tuple[float, float, float, float, float]:
    """(wall seconds, peak RSS of the largest process in MiB, CPU seconds of the process
    and its workers, peak RSS of all its processes together in MiB, peak RSS of the main
    process in MiB) of one run. The sums come from sampling /proc (Linux; elsewhere they
    repeat the largest process's peak). `sampler_class`: a _RssSampler that samples more."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    sampler = (sampler_class or _RssSampler)(process.pid)
    sampler.start()
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    sampler.stop()
    process.returncode = os.waitstatus_to_exitcode(status)
    stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
    if process.stderr:
        process.stderr.close()
    rss_kib = usage.ru_maxrss / (1024 if sys.platform == "darwin" else 1)  # bytes on macOS
    if process.returncode not in (0, 1):
        raise SystemExit(f"bench: `{' '.join(command)}` failed ({process.returncode}):\n{stderr[-2000:]}")
    largest = rss_kib / 1024
    total = max(sampler.total_mib, largest)
    return elapsed, largest, usage.ru_utime + usage.ru_stime, total, sampler.main_mib or largest


class _RssSampler:
    """Every few milliseconds, the resident memory of a process and its descendants
    (/proc/PID/statm, /proc/PID/task/TID/children): the peak of the sum, and of the process
    alone. Hand-written because psutil is not a dependency; sampling can miss a peak
    shorter than its period (ru_maxrss, exact, still gives the largest process)."""

    PERIOD = 0.01

    def __init__(self, pid: int) -> None:
        import threading

        self.pid = pid
        self.total_mib = 0.0
        self.main_mib = 0.0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._page = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096

    def start(self) -> None:
        if Path(f"/proc/{self.pid}").exists():
            self._thread.start()

    def stop(self) -> None:
        self._done.set()
        if self._thread.is_alive():
            self._thread.join()

    def _loop(self) -> None:
        while not self._done.is_set():
            sizes = {pid: self._rss(pid) for pid in self._tree()}
            self.total_mib = max(self.total_mib, sum(sizes.values()))
            self.main_mib = max(self.main_mib, sizes.get(self.pid, 0.0))
            self._done.wait(self.PERIOD)

    def _tree(self) -> list[int]:
        found, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            try:
                for task in os.listdir(f"/proc/{pid}/task"):
                    with open(f"/proc/{pid}/task/{task}/children") as handle:
                        todo += [int(child) for child in handle.read().split()]
            except OSError:
                pass
        return found

    def _rss(self, pid: int) -> float:
        try:
            with open(f"/proc/{pid}/statm") as handle:
                return int(handle.read().split()[1]) * self._page / 2**20
        except (OSError, IndexError, ValueError):
            return 0.0


def python_files(tree: Path) -> list[Path]:
    found = []
    for directory, dirnames, filenames in os.walk(tree):
        dirnames[:] = sorted(d for d in dirnames if d not in EXCLUDED_DIRS and not d.startswith("."))
        found += [Path(directory) / name for name in sorted(filenames) if name.endswith(SUFFIXES)]
    return found


def copy_tree(source: Path, target: Path) -> Path:
    """Copy only the Python files (and so every __init__.py) of `source` into target/name."""
    destination = target / source.name
    for path in python_files(source):
        out = destination / path.relative_to(source)
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, out)
    return destination


def count_lines(paths: list[Path]) -> int:
    return sum(path.read_bytes().count(b"\n") for path in paths)


class Bench:
    def __init__(self, args, work: Path) -> None:
        self.args = args
        self.work = work
        self.rows: list[dict] = []
        self.commands: dict[str, str] = {}
        self._caches = 0

    def losslint(self, paths: list[Path], cache: Path | None) -> list[str]:
        command = [sys.executable, "-m", "losslint", "check", *map(str, paths), "--isolated"]
        command += ["--output-format", "concise", "--jobs", str(self.args.jobs)]
        command += ["--cache-dir", str(cache)] if cache is not None else ["--no-cache"]
        return command

    def fresh_cache(self) -> Path:
        self._caches += 1
        return self.work / f"cache-{self._caches}"

    def step(self, name: str, make_command, repeat: int | None = None, before=None) -> dict:
        """Run a step --repeat times (make_command() gives each run's command)."""
        times, peaks, cpus, totals, mains = [], [], [], [], []
        for _ in range(repeat or self.args.repeat):
            if before is not None:
                before()
            command = make_command()
            elapsed, peak, cpu, total, main = measure(command, cwd=self.work)
            times.append(elapsed)
            peaks.append(peak)
            cpus.append(cpu)
            totals.append(total)
            mains.append(main)
        row = {
            "step": name,
            "seconds": statistics.median(times),
            "cpu_seconds": statistics.median(cpus),
            "runs": times,
            "peak_rss_mib": max(peaks),
            "peak_rss_all_mib": max(totals),
            "peak_rss_main_mib": max(mains),
        }
        self.commands[name] = " ".join(command)
        self.rows.append(row)
        print(
            f"  {name:<44} {row['seconds']:7.2f} s {row['cpu_seconds']:8.2f} s {row['peak_rss_mib']:7.1f} MiB"
            f" {row['peak_rss_all_mib']:8.1f} MiB {row['peak_rss_main_mib']:7.1f} MiB",
            flush=True,
        )
        return row

    def floor(self, files: list[Path], jobs: int) -> dict:
        listing = self.work / "files.txt"
        listing.write_text("\n".join(map(str, files)))
        script = self.work / "parse_floor.py"
        script.write_text(_PARSE_FLOOR)
        label = f"libcst parse, {jobs} process{'es' if jobs > 1 else ''}"
        return self.step(label, lambda: [sys.executable, str(script), str(listing), str(jobs)])


def run(args, tree: str | None = None) -> dict:
    work = Path(tempfile.mkdtemp(prefix="losslint-bench-"))
    try:
        return _run(args, work, tree)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def _run(args, work: Path, tree_arg: str | None) -> dict:
    if args.synthetic:
        source = synthetic.write_tree(work / "generated", args.synthetic, lines=args.lines)
    else:
        source = Path(tree_arg).resolve()
        if not source.is_dir():
            raise SystemExit(f"bench: not a directory: {tree_arg}")
    tree = copy_tree(source, work / "tree")
    files = python_files(tree)
    if not files:
        raise SystemExit(f"bench: no Python files under {source}")
    lines = count_lines(files)
    bench = Bench(args, work)
    print(
        f"tree: {source} ({len(files):,} files, {lines:,} lines); --jobs {args.jobs}; "
        f"median of {args.repeat}; {os.cpu_count()} CPUs; Python {platform.python_version()}; {platform.platform()}"
    )
    print(f"  {'step':<44} {'wall':>9} {'CPU':>10} {'peak RSS':>11} {'all procs':>12} {'main':>11}")
    parse1 = None if args.no_serial_floor else bench.floor(files, 1)
    parse2 = bench.floor(files, 2)
    cold = bench.step("losslint cold (empty cache)", lambda: bench.losslint([tree], bench.fresh_cache()))
    cache = bench.fresh_cache()
    measure(bench.losslint([tree], cache), cwd=work)  # fill the cache for warm / touched
    warm = bench.step("losslint warm (cache, no change)", lambda: bench.losslint([tree], cache))
    victim = tree / args.victim if args.victim else _victim(files)
    counter = iter(range(1_000_000))
    touched = bench.step(
        f"losslint touched ({victim.relative_to(tree)})",
        lambda: bench.losslint([tree], cache),
        before=lambda: _append(victim, f"# touched {next(counter)}\n"),
    )
    # A real edit: one more statement, so the file's facts change (the touched step's
    # comment leaves them as they were, and the last run's findings replay).
    edited = bench.step(
        f"losslint edited ({victim.relative_to(tree)})",
        lambda: bench.losslint([tree], cache),
        before=lambda: _append(victim, f"_losslint_bench_{next(counter)} = 0\n"),
    )
    model = tree / args.model if args.model else _model_file(files)
    added = bench.step(
        f"losslint function added ({model.relative_to(tree)})",
        lambda: bench.losslint([tree], cache),
        before=lambda: _append(model, _function(next(counter))),
    )
    ruff = shutil.which("ruff") or _beside_python("ruff")
    ruff_rows = {}
    if ruff and not args.no_ruff:
        command = [ruff, "check", "--select", "ALL", "--isolated", "--exit-zero", "--quiet"]
        warm_ruff = [*command, "--cache-dir", str(work / "ruff-cache"), str(tree)]
        ruff_rows["cold"] = bench.step("ruff --select ALL, no cache", lambda: [*command, "--no-cache", str(tree)])
        measure(warm_ruff, cwd=work)  # fill ruff's cache
        ruff_rows["warm"] = bench.step("ruff --select ALL, warm cache", lambda: warm_ruff)
        ruff_rows["added"] = bench.step(
            "ruff --select ALL, function added", lambda: warm_ruff, before=lambda: _append(model, _function(next(counter)))
        )
    scaling = []
    if not args.no_scaling:
        for copies in (1, 2, 4):
            roots = []
            for index in range(copies):
                roots.append(copy_tree(tree, work / f"scale-{copies}" / f"copy{index}"))
            label = f"losslint cold, {copies}x copies"
            scaling.append(bench.step(label, lambda: bench.losslint(roots, bench.fresh_cache()), repeat=1))
    if not args.no_big_file:
        big_file = synthetic.write_big_file(work / "big" / "big_module.py", lines=args.big_lines)
        bench.step(f"losslint cold, one {args.big_lines:,}-line file", lambda: bench.losslint([big_file], None), repeat=1)

    print("ratios:")
    _ratio("cold / libcst parse 2 processes", cold, parse2, "target <= 1")
    if parse1 is not None:
        _ratio("cold / libcst parse 1 process", cold, parse1, "")
    if ruff_rows:
        _ratio("warm / ruff warm", warm, ruff_rows["warm"], "target <= 1")
        _ratio("warm / ruff no cache", warm, ruff_rows["cold"], "")
        _ratio("touched / ruff warm", touched, ruff_rows["warm"], "target <= 1")
        _ratio("edited / ruff warm", edited, ruff_rows["warm"], "target <= 1")
        _ratio("function added / ruff function added", added, ruff_rows["added"], "target <= 1")
    _ratio("touched / libcst parse 2 processes", touched, parse2, "")
    _ratio("edited / libcst parse 2 processes", edited, parse2, "")
    _ratio("touched / warm", touched, warm, "close to 1")
    _ratio("cold / touched", cold, touched, "")
    if scaling:
        base = scaling[0]
        for row in scaling[1:]:
            copies = row["step"].split(", ")[1].split("x")[0]
            print(
                f"  {copies}x copies / 1x: time {row['seconds'] / base['seconds']:.2f}, "
                f"peak RSS {row['peak_rss_mib'] / base['peak_rss_mib']:.2f} (linear: {copies})"
            )
    peak = max(r["peak_rss_mib"] for r in (cold, warm, touched, edited, added))
    total = max(r["peak_rss_all_mib"] for r in (cold, warm, touched, edited, added))
    main = max(r["peak_rss_main_mib"] for r in (cold, warm, touched, edited, added))
    print(f"  peak RSS of cold/warm/touched/edited/function added: largest process {peak:.1f} MiB, all processes {total:.1f} MiB, main {main:.1f} MiB")
    print("commands (run in the work directory, a copy of the tree):")
    for name, command in bench.commands.items():
        print(f"  {name}: {command}")
    return {
        "tree": str(source),
        "files": len(files),
        "lines": lines,
        "jobs": args.jobs,
        "repeat": args.repeat,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "rows": bench.rows,
        "commands": bench.commands,
    }


def _victim(files: list[Path]) -> Path:
    """The file to touch: the first one that names a loss (losslint always parses those),
    else the first file."""
    from losslint.engine import prefilter

    for path in files:
        if prefilter.scan(path.read_text(encoding="utf-8", errors="replace")).loss:
            return path
    return files[0]


def _model_file(files: list[Path]) -> Path:
    """The file to add a function to: the first that defines a torch module (a class
    with a `forward`), one under a path that says "model" first; else the first file."""
    for path in sorted(files, key=lambda p: "model" not in str(p).lower()):
        text = path.read_text(encoding="utf-8", errors="replace")
        if "nn.Module" in text and "def forward(" in text:
            return path
    return files[0]


def _function(index: int) -> str:
    """New functions at the end of a file: a helper and its caller (new calls of a new
    name, as a real edit makes them); nothing above them moves."""
    return (
        f"\n\ndef _losslint_bench_step_{index}(x):\n    return x.clamp(min=0)\n"
        f"\n\ndef _losslint_bench_scaled_{index}(x, scale=2.0):\n    return _losslint_bench_step_{index}(x).mul(scale).sum(dim=1)\n"
    )


def _append(path: Path, text: str) -> None:
    with path.open("a") as handle:
        handle.write(text)


def _beside_python(name: str) -> str | None:
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else None


def _ratio(label: str, row: dict, base: dict, target: str) -> None:
    value = row["seconds"] / base["seconds"] if base["seconds"] else float("inf")
    print(f"  {label}: {value:.2f}" + (f" ({target})" if target else ""))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tree", nargs="*", help="directories of Python files (each benchmarked in turn)")
    parser.add_argument("--synthetic", type=int, metavar="N", help="generate a tree of N files instead")
    parser.add_argument("--lines", type=int, default=300, help="lines per generated file (default: 300)")
    parser.add_argument("--jobs", type=int, default=2, help="losslint --jobs (default: 2)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per step; the median is kept (default: 3)")
    parser.add_argument("--no-ruff", action="store_true", help="skip ruff even if installed")
    parser.add_argument("--no-scaling", action="store_true", help="skip the 1x/2x/4x copies")
    parser.add_argument("--no-serial-floor", action="store_true", help="skip the 1-process parse floor (torch: a minute)")
    parser.add_argument("--victim", metavar="PATH", help="the file to touch and edit, relative to TREE (default: the first that names a loss)")
    parser.add_argument("--model", metavar="PATH", help="the file to add a function to, relative to TREE (default: the first defining a module)")
    parser.add_argument("--no-big-file", action="store_true", help="skip the single big file")
    parser.add_argument("--big-lines", type=int, default=20_000, help="lines of the big file (default: 20000)")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args(argv)
    if bool(args.tree) == bool(args.synthetic):
        parser.error("give TREEs or --synthetic N (one of them)")
    results = [run(args, tree) for tree in args.tree] if args.tree else [run(args)]
    if len(results) > 1:
        summary(results)
    if args.json:
        Path(args.json).write_text(json.dumps(results[0] if len(results) == 1 else results, indent=2) + "\n")
    return 0


SUMMARY = (
    ("cold / parse 2p", "losslint cold", "libcst parse, 2 processes"),
    ("touched s", "losslint touched", None),
    ("touched / ruff warm", "losslint touched", "ruff --select ALL, warm cache"),
    ("edited s", "losslint edited", None),
    ("edited / ruff warm", "losslint edited", "ruff --select ALL, warm cache"),
    ("function s", "losslint function added", None),
    ("function / ruff", "losslint function added", "ruff --select ALL, function added"),
)


def summary(results: list[dict]) -> None:
    """One line per tree: the issue-15 figures side by side."""
    print("summary (medians; ratios measured in the same run):")
    print("  " + f"{'tree':<28}" + "".join(f"{label:>21}" for label, _, _ in SUMMARY) + f"{'peak RSS all / main':>24}")
    for result in results:
        rows = {row["step"].split(" (")[0]: row for row in result["rows"]}
        cells = []
        for _, top, bottom in SUMMARY:
            if top not in rows or (bottom is not None and bottom not in rows):
                cells.append(f"{'-':>21}")
            elif bottom is None:
                cells.append(f"{rows[top]['seconds']:>19.2f} s")
            else:
                cells.append(f"{rows[top]['seconds'] / rows[bottom]['seconds']:>21.2f}")
        steps = [rows[name] for name in ("losslint cold", "losslint warm", "losslint touched", "losslint edited", "losslint function added")
                 if name in rows]
        memory = f"{max(r['peak_rss_all_mib'] for r in steps):.0f} / {max(r['peak_rss_main_mib'] for r in steps):.0f} MiB"
        print("  " + f"{Path(result['tree']).name:<28}" + "".join(cells) + f"{memory:>24}")


if __name__ == "__main__":
    sys.exit(main())
