"""examples/: each project reports exactly the rule its directory is named after, the
clean one reports nothing, and every train.py really runs (when torch is installed)."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from losslint import documents
from losslint.core import notebook
from losslint.engine.linter import check_paths
from losslint.rules import catalog

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
PROJECTS = sorted(p for p in EXAMPLES.iterdir() if p.is_dir() and (p / "train.py").is_file())
RULE_PROJECTS = [p for p in PROJECTS if re.match(r"ll[0-9]{3}_", p.name)]
# Documents (losslint/documents/): a book chapter in Markdown, its mistake and its row.
DOCS_CHAPTER = EXAMPLES / "docs_chapter" / "chapter.md"
DOCS_FINDING = ("LL408", 24)
HAS_TORCH = importlib.util.find_spec("torch") is not None


def code_of(project: Path) -> str:
    return project.name.split("_", 1)[0].upper()


def test_layout():
    names = {p.name for p in PROJECTS}
    assert "clean" in names
    assert set(names) == {p.name for p in RULE_PROJECTS} | {"clean"}, "every project is llNNN_* or clean"
    assert {p.name for p in EXAMPLES.iterdir() if p.is_dir()} - names == {"docs_chapter"}
    for project in PROJECTS:
        assert (project / "model.py").is_file(), project.name
        for source in project.glob("*.py"):
            assert len(source.read_text().splitlines()) < 80, f"{source} is not small"
    assert (EXAMPLES / "README.md").is_file()


def test_every_quiz_rule_has_an_example():
    quiz_rules = {rule.code for rule in catalog.load().rules if rule.code[:3] in ("LL1", "LL2")}
    assert quiz_rules <= {code_of(p) for p in RULE_PROJECTS}


@pytest.mark.parametrize("project", RULE_PROJECTS, ids=lambda p: p.name)
def test_example_reports_its_rule(project):
    findings = check_paths([str(project)]).findings
    assert [f.code for f in findings] == [code_of(project)], [f"{f.code} {f.message}" for f in findings]


def test_clean_example_is_silent():
    findings = check_paths([str(EXAMPLES / "clean")]).findings
    assert findings == [], [f"{f.code} {f.site} {f.message}" for f in findings]


def test_whole_examples_directory():
    # The README quick start: `losslint examples/` shows every rule once.
    codes = [f.code for f in check_paths([str(EXAMPLES)]).findings]
    assert sorted(codes) == sorted([code_of(p) for p in RULE_PROJECTS] + [DOCS_FINDING[0]])


def test_docs_chapter_reports_its_rule_at_the_chapter_row():
    (finding,) = check_paths([str(DOCS_CHAPTER.parent)]).findings
    located = notebook.locate([finding], {str(DOCS_CHAPTER): documents.read(DOCS_CHAPTER)})[0]
    assert (located.code, located.site.start.row) == DOCS_FINDING
    assert DOCS_CHAPTER.read_text().splitlines()[located.site.start.row - 1].strip() == "nn.LogSoftmax(dim=1),"


@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
def test_docs_chapter_code_runs_and_learns_nothing():
    source = documents.read(DOCS_CHAPTER).source
    result = subprocess.run([sys.executable, "-c", source], capture_output=True, text=True, timeout=60,
                            env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "epoch 4: loss -0.0000"


def _run(project: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "train.py"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "OMP_NUM_THREADS": "1"},  # tiny tensors: threads only contend
    )


@pytest.fixture(scope="module")
def train_runs():
    # Importing torch dominates each run (~2 s): start them all, one per CPU, and let
    # each test wait for its own.
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        yield {project.name: pool.submit(_run, project) for project in PROJECTS}


@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
@pytest.mark.parametrize("project", PROJECTS, ids=lambda p: p.name)
def test_train_script_runs(project, train_runs):
    result = train_runs[project.name].result()
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip(), "the script prints its losses"
    assert "Traceback" not in result.stderr
