"""The examples/ projects, fixed: the issue's done criterion and a property test.

`losslint examples/ --fix --unsafe-fixes` leaves no finding of a rule that has a fix
(so no wrong-verdict one of the quiz rules), every fixed file compiles and every training
script still runs; `--diff` shows the same change without writing. Over the examples with
random comments, blank lines and line endings, fix(fix(x)) == fix(x), comments survive,
and no finding that has a fix is left. (Rules without a fix, such as the check rules of
LL4xx-LL6xx, keep their findings.)
"""

from __future__ import annotations

import difflib
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from losslint import cli
from losslint.engine import linter
from losslint.fixes import apply
from losslint.rules import catalog

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PROJECTS = sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir() and any(p.glob("*.py"))) if EXAMPLES.is_dir() else []

pytestmark = pytest.mark.skipif(not PROJECTS, reason="examples/ not present")

# Rules with a fix: a `fix_to` pair on a pair or expression rule.
FIXABLE = {r.code for r in catalog.load().rules if r.fix_to is not None and r.kind in ("pair", "expression")}


@pytest.fixture(scope="module")
def fixed_copy(tmp_path_factory):
    root = tmp_path_factory.mktemp("examples")
    shutil.copytree(EXAMPLES, root / "examples")
    copy = root / "examples"
    code = cli.main([str(copy), "--fix", "--unsafe-fixes", "--quiet"])
    return copy, code


def test_fix_leaves_no_finding_of_a_fixable_rule(fixed_copy):
    copy, code = fixed_copy
    findings = linter.check_paths([str(copy)]).findings
    assert [f.code for f in findings if f.code in FIXABLE] == []
    assert [f for f in findings if f.fix is not None] == []
    assert code == (1 if findings else 0)
    for path in copy.rglob("*.py"):
        compile(path.read_text(), str(path), "exec")


def test_every_example_with_a_fix_changed(fixed_copy):
    copy, _ = fixed_copy
    for project in PROJECTS:
        fixable = any(f.fix is not None for f in linter.check_paths([str(EXAMPLES / project)]).findings)
        changed = [
            p.name
            for p in (EXAMPLES / project).glob("*.py")
            if p.read_text() != (copy / project / p.name).read_text()
        ]
        assert bool(changed) == fixable, project
    assert sum(p.startswith("ll") for p in PROJECTS) > 10


# Runs every fixed train.py in one interpreter (torch is imported once).
_RUNNER = """
import os, runpy, sys
for directory in sys.argv[1:]:
    os.chdir(directory)
    sys.path.insert(0, directory)
    for name in ("model", "train"):
        sys.modules.pop(name, None)
    print("==", os.path.basename(directory), flush=True)
    runpy.run_path("train.py", run_name="__main__")
    sys.path.remove(directory)
"""


def test_fixed_training_scripts_run(fixed_copy):
    copy, _ = fixed_copy
    pytest.importorskip("torch")
    directories = [str(copy / p) for p in PROJECTS if (copy / p / "train.py").is_file()]
    result = subprocess.run([sys.executable, "-c", _RUNNER, *directories], capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stdout[-1000:] + result.stderr[-2000:]
    assert result.stdout.count("== ") == len(directories)
    assert "training stopped" not in result.stdout  # the RuntimeError examples now train


def test_diff_shows_the_same_change_without_writing(fixed_copy, tmp_path, capsys):
    copy, _ = fixed_copy
    untouched = tmp_path / "examples"
    shutil.copytree(EXAMPLES, untouched)
    assert cli.main([str(untouched), "--diff", "--unsafe-fixes"]) == 1
    shown = capsys.readouterr().out
    for path in untouched.rglob("*.py"):
        relative = path.relative_to(untouched)
        assert path.read_text() == (EXAMPLES / relative).read_text()
    expected = []
    for path in sorted(untouched.rglob("*.py")):
        before = path.read_text().splitlines(True)
        after = (copy / path.relative_to(untouched)).read_text().splitlines(True)
        expected += [line for line in difflib.unified_diff(before, after, "x", "x") if not line.startswith(("---", "+++"))]
    assert [line for line in shown.splitlines(True) if not line.startswith(("---", "+++"))] == expected


# --- property: fixing is stable under harmless formatting changes ---------------------------


def _sources(project: str) -> dict[str, str]:
    return {f"/virtual/{project}/{p.name}": p.read_text() for p in sorted((EXAMPLES / project).glob("*.py"))}


def _decorate(text: str, data, newline: str) -> str:
    """Comments and blank lines between top-level statements, and a newline style."""
    lines = text.split("\n")
    out = []
    for number, line in enumerate(lines):
        top_level = line and not line[0].isspace() and not line.startswith((")", "]", "}", '"""', "'''"))
        if top_level and _outside_strings(lines, number) and data.draw(st.booleans()):
            out.append(data.draw(st.sampled_from(["", "# note: kept as is", "#: tidy"])))
        out.append(line)
    return newline.join(out)


def _outside_strings(lines: list[str], number: int) -> bool:
    return "".join(lines[:number]).count('"""') % 2 == 0


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(project=st.sampled_from(PROJECTS or ["clean"]), newline=st.sampled_from(["\n", "\r\n"]), data=st.data())
def test_fix_is_idempotent(project, newline, data):
    sources = {path: _decorate(text, data, newline) for path, text in _sources(project).items()}
    first = apply.fix_sources(sources, linter.check_sources, unsafe=True)
    second = apply.fix_sources(first.sources, linter.check_sources, unsafe=True)
    assert second.changed == {}
    assert [f for f in first.findings if f.fix is not None or f.code in FIXABLE] == []
    for path, text in first.sources.items():
        compile(text, path, "exec")
        assert text.count("# note: kept as is") == sources[path].count("# note: kept as is")
        if newline == "\r\n":
            assert not re.search(r"(?<!\r)\n", text), "a fix wrote a bare \\n into a CRLF file"
