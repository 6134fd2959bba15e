"""Mutation testing of losslint with mutmut 3 (issue 17): which one-line bugs do the tests miss?

    python benchmarks/mutation.py                       # the default targets, one after another
    python benchmarks/mutation.py losslint/reporters/sarif.py --budget 900 --jobs 2
    python benchmarks/mutation.py --list                # the targets and the tests each runs
    python benchmarks/mutation.py losslint/fixes/spelling.py --only '*stable_log*'   # some functions

Needs the `mutation` extra (`pip install -e '.[mutation]'`). Not run in CI: a module takes
minutes to tens of minutes. Each target runs in its own scratch copy of the repository
(under --work, default a temporary directory) so that mutmut's `mutants/` tree and its
configuration never touch the working tree: the copy's pyproject.toml gets a
`[tool.mutmut]` table that mutates only that module and runs only the test files listed for
it below (the fast tests that exercise it; mutmut then runs, for each mutant, only the tests
that reached the mutated function). Tests that start `python -m losslint` in a subprocess
run the unmutated code and so can neither kill nor wrongly kill a mutant.

mutmut 3 mutates function and method bodies, not module-level statements: the spelling
tables of analysis/torch_api.py and the catalog's data are covered by tests parametrised
from the tables themselves (tests/analysis/test_spelling_tables.py), not by this run.

Output: per target, killed / survived / timeout / other counts and the score
(killed + timeout) / (all mutants that ran); with --survivors, each survivor's diff.
A target that runs past --budget seconds is stopped; the counts are then partial and the
report says so. docs/mutation.md records a run and explains each survivor.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# Module -> the test files that exercise it quickly (a tuple of paths: the first that exists
# is the target, so an entry can survive a module's move).
TARGETS: list[tuple[tuple[str, ...], list[str]]] = [
    (("losslint/reporters/sarif.py",), ["tests/cli/test_output_formats.py", "tests/test_json_contract.py"]),
    (("losslint/analysis/project.py",), ["tests/analysis", "tests/test_api.py", "tests/speed/test_prefilter.py"]),
    (("losslint/analysis/torch_api.py",), ["tests/analysis"]),
    (("losslint/fixes/spelling.py",), ["tests/fixes/test_spelling.py", "tests/fixes/test_apply.py", "tests/fixes/test_examples_fix.py"]),
    (("losslint/rules/pair_table.py",), ["tests/test_catalog.py", "tests/analysis", "tests/test_json_contract.py", "tests/cli/test_output_formats.py"]),
    (("losslint/rules/emit.py",), ["tests/test_catalog.py", "tests/analysis", "tests/test_json_contract.py", "tests/cli/test_output_formats.py", "tests/cli/test_noqa.py"]),
    (("losslint/reporters/json_format.py",), ["tests/cli/test_output_formats.py", "tests/test_json_contract.py"]),
    (("losslint/reporters/github.py",), ["tests/cli/test_output_formats.py"]),
    (("losslint/reporters/full.py",), ["tests/cli/test_output_formats.py"]),
    (("losslint/reporters/text.py",), ["tests/cli/test_output_formats.py"]),
    (("losslint/reporters/statistics.py",), ["tests/cli/test_output_formats.py"]),
    (("losslint/rules/catalog.py",), ["tests/test_catalog.py", "tests/test_catalog_beyond.py", "tests/cli/test_output_formats.py"]),
    (("losslint/rules/checks.py",), ["tests/test_catalog_beyond.py", "tests/analysis"]),
    (("losslint/rules/checker.py",), ["tests/test_catalog_beyond.py", "tests/analysis"]),
    (("losslint/rules/kl_div.py",), ["tests/test_catalog_beyond.py", "tests/analysis"]),
    (("losslint/rules/poisson.py",), ["tests/test_catalog_beyond.py", "tests/analysis"]),
    (("losslint/rules/softmax_dim.py",), ["tests/test_catalog_beyond.py", "tests/analysis"]),
    (("losslint/rules/autocast.py",), ["tests/test_catalog_beyond.py", "tests/analysis"]),
    (("losslint/analysis/pairs.py",), ["tests/analysis"]),
    (("losslint/analysis/values.py",), ["tests/analysis"]),
    (("losslint/analysis/handwritten.py",), ["tests/analysis"]),
    (("losslint/analysis/arguments.py",), ["tests/analysis"]),
    (("losslint/fixes/remove.py",), ["tests/fixes"]),
    (("losslint/fixes/loss.py",), ["tests/fixes"]),
    (("losslint/fixes/imports.py",), ["tests/fixes"]),
]
DEFAULT = 6  # the first six are the default run (the others when time allows)

# What the tests need besides losslint/ and tests/ (mutmut copies tests/ and pyproject.toml).
COPY = ["losslint", "tests", "rules", "examples", "docs", "README.md", "pyproject.toml", ".pre-commit-hooks.yaml"]
PYTEST_ARGS = ["-x", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", "-m", "not slow and not cuda"]


def resolve(paths: tuple[str, ...]) -> str | None:
    return next((p for p in paths if (REPO / p).is_file()), None)


def targets(names: list[str]) -> list[tuple[str, list[str]]]:
    chosen = []
    table = [(resolve(paths), tests) for paths, tests in TARGETS]
    if not names:
        return [(t, tests) for t, tests in table[:DEFAULT] if t]
    for name in names:
        match = [(t, tests) for t, tests in table if t and (t == name or t.endswith("/" + name))]
        if not match:
            sys.exit(f"mutation.py: no target {name!r} (see --list)")
        chosen += match
    return chosen


def scratch_copy(work: Path, target: str, tests: list[str]) -> Path:
    root = work / target.replace("/", "_").removesuffix(".py")
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    for name in COPY:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, root / name, ignore=shutil.ignore_patterns("__pycache__", ".losslint_cache"))
        elif source.is_file():
            shutil.copy2(source, root / name)
    tests = [t for t in tests if (root / t).exists()]
    table = (
        "\n[tool.mutmut]\n"
        'source_paths = ["losslint"]\n'
        f"only_mutate = [{json.dumps(target)}]\n"
        f"pytest_add_cli_args = {json.dumps(PYTEST_ARGS)}\n"
        f"pytest_add_cli_args_test_selection = {json.dumps(tests)}\n"
        # torch is imported by some test modules: fork workers from a clean server process.
        'process_isolation = "forkserver"\n'
        "use_git_change_detection = false\n"
        # mutmut runs the tests from mutants/: the catalog (rules/) and the files tests read.
        f"also_copy = {json.dumps([n for n in COPY if n not in ('losslint', 'tests', 'pyproject.toml') and (root / n).exists()])}\n"
    )
    with open(root / "pyproject.toml", "a", encoding="utf-8") as f:
        f.write(table)
    return root


def mutmut(root: Path, args: list[str], timeout: float | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root)}
    env.pop("LOSSLINT_CACHE_DIR", None)
    command = [sys.executable, "-m", "mutmut", *args]
    process = subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True, text=True)
    try:
        out, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGTERM)  # mutmut and its forked workers: our own group
        out, _ = process.communicate()
        return subprocess.CompletedProcess(command, 124, out)
    return subprocess.CompletedProcess(command, process.returncode, out)


def statuses(root: Path) -> dict[str, str]:
    """Mutant name -> status, from mutmut's results (every mutant, killed ones included)."""
    result = mutmut(root, ["results", "--all", "true"])
    found = {}
    for line in result.stdout.splitlines():
        name, sep, status = line.strip().rpartition(": ")
        if sep and "__mutmut_" in name:
            found[name] = status.strip()
    return found


def score(found: dict[str, str]) -> dict[str, object]:
    counts: dict[str, int] = {}
    for status in found.values():
        counts[status] = counts.get(status, 0) + 1
    killed = counts.get("killed", 0) + counts.get("timeout", 0) + counts.get("caught by type check", 0)
    ran = killed + counts.get("survived", 0)
    return {"counts": counts, "score": round(100 * killed / ran, 1) if ran else None, "ran": ran}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("targets", nargs="*", help="module paths (default: the first five targets)")
    parser.add_argument("--budget", type=float, default=1200, help="seconds per target (default 1200)")
    parser.add_argument("--jobs", type=int, default=2, help="mutmut --max-children (default 2)")
    parser.add_argument("--work", type=Path, help="where the scratch copies go (default: a temporary directory)")
    parser.add_argument("--only", nargs="+", metavar="PATTERN", default=[],
                        help="run only the mutants whose names match (fnmatch), e.g. '*stable_log*'")
    parser.add_argument("--survivors", action="store_true", help="print each survivor's diff")
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--list", action="store_true", help="list the targets and their tests")
    args = parser.parse_args()
    if args.list:
        for paths, tests in TARGETS:
            print(f"{resolve(paths) or paths[0] + ' (missing)'}: {' '.join(tests)}")
        return 0
    work = args.work or Path(tempfile.mkdtemp(prefix="losslint-mutation-"))
    report = {}
    for target, tests in targets(args.targets):
        root = scratch_copy(work, target, tests)
        started = time.monotonic()
        run = mutmut(root, ["run", "--max-children", str(args.jobs), *args.only], timeout=args.budget)
        elapsed = round(time.monotonic() - started)
        found = statuses(root)
        if args.only:  # the mutants left out are "not checked": leave them out of the counts
            found = {n: s for n, s in found.items() if any(fnmatch.fnmatch(n, p) for p in args.only)}
        entry = {**score(found), "seconds": elapsed, "complete": run.returncode != 124, "tests": tests, "only": args.only}
        survivors = sorted(n for n, s in found.items() if s == "survived")
        entry["survivors"] = survivors
        if not found:
            entry["error"] = run.stdout[-2000:]
        report[target] = entry
        partial = "" if entry["complete"] else f" (stopped after {args.budget:.0f} s: partial)"
        print(f"{target}: score {entry['score']}% of {entry['ran']} mutants, {entry['counts']}, {elapsed} s{partial}", flush=True)
        for name in survivors:
            print(f"  survived {name}")
            if args.survivors:
                print(mutmut(root, ["show", name]).stdout)
        if not found:
            print(entry["error"])
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
