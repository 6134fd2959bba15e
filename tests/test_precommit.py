"""The pre-commit hooks, tested for real: `pre-commit try-repo` against this checkout,
in a temporary git repository. Slow (pre-commit pip-installs losslint into a fresh
hook environment for each try-repo, which needs PyPI), but in the default run.

try-repo clones the hook repository at HEAD plus tracked changes; files not yet
committed (new modules, the hooks file itself while it is being written) would be
missing, so the tests try a snapshot of the checkout's working tree instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

CHECKOUT = Path(__file__).resolve().parent.parent
SKIP_DIRS = {".git", ".venv", "venv", "__pycache__", ".pytest_cache", ".losslint_cache", "build", "dist", ".hypothesis"}

GIT_ENV = {
    "GIT_AUTHOR_NAME": "losslint tests",
    "GIT_AUTHOR_EMAIL": "tests@losslint.invalid",
    "GIT_COMMITTER_NAME": "losslint tests",
    "GIT_COMMITTER_EMAIL": "tests@losslint.invalid",
}

BAD = """\
import torch.nn as nn

classifier = nn.Sequential(nn.Linear(32, 10), nn.Softmax(dim=1))
loss_fn = nn.CrossEntropyLoss()


def training_loss(images, digits):
    return loss_fn(classifier(images), digits)
"""
GOOD = BAD.replace(", nn.Softmax(dim=1))", ")")

NOTEBOOK_CELLS = [
    ["%load_ext autoreload\n", "import torch\n", "import torch.nn as nn"],
    ["scorer = nn.Sequential(nn.Linear(5, 1), nn.Sigmoid())\n", "loss = nn.BCEWithLogitsLoss()(scorer(x), y)"],
]


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, env={**os.environ, **GIT_ENV})


def snapshot(dest: Path) -> Path:
    """The checkout's working tree (tracked and untracked, not ignored) as a one-commit repo."""
    dest.mkdir()
    if (CHECKOUT / ".git").exists():
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=CHECKOUT, check=True, capture_output=True,
        ).stdout.decode()
        names = [n for n in listed.split("\0") if n]
    else:  # an unpacked sdist
        names = [
            str(p.relative_to(CHECKOUT))
            for p in CHECKOUT.rglob("*")
            if p.is_file() and not SKIP_DIRS & set(p.relative_to(CHECKOUT).parts)
        ]
    for name in names:
        source = CHECKOUT / name
        if source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    git(dest, "init", "-q")
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "--no-gpg-sign", "-m", "snapshot")
    return dest


def notebook_json(cells: list[list[str]]) -> str:
    import json

    return json.dumps(
        {
            "cells": [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": c} for c in cells],
            "metadata": {"language_info": {"name": "python"}},
            "nbformat": 4,
            "nbformat_minor": 5,
        },
        indent=1,
    ) + "\n"


def try_repo(repo: Path, project: Path, hook: str, staged: str | None = None) -> subprocess.CompletedProcess:
    """Run `hook` on every file, or (`staged`) on that one file, staged alone, as a commit
    of it would."""
    git(project, "add", staged or "-A")
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(project.parent / "pre-commit-home"), "NO_COLOR": "1"}
    which = [] if staged else ["--all-files"]
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(repo), hook, *which, "--color", "never"],
        cwd=project, capture_output=True, text=True, env=env, timeout=540,
    )


@pytest.fixture
def project(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    git(project, "init", "-q")
    (project / "pyproject.toml").write_text('[project]\nname = "digits"\n\n[tool.losslint]\nextend-exclude = ["legacy"]\n')
    (project / "train.py").write_text(BAD)
    (project / "data.py").write_text("import torch\n\n\ndef batches(n):\n    return [torch.randn(4, 32) for _ in range(n)]\n")
    (project / "explore.ipynb").write_text(notebook_json(NOTEBOOK_CELLS))
    (project / "legacy").mkdir()
    (project / "legacy" / "old_train.py").write_text(BAD)  # excluded by the configuration
    (project / "README.md").write_text("# digits\n")
    return project


def test_manifest_is_valid():
    from pre_commit.clientlib import load_manifest

    hooks = {h["id"]: h for h in load_manifest(str(CHECKOUT / ".pre-commit-hooks.yaml"))}
    assert set(hooks) == {"losslint", "losslint-fix"}
    assert hooks["losslint"]["entry"] == "losslint check --force-exclude"
    assert hooks["losslint-fix"]["entry"] == "losslint check --fix --force-exclude"
    for hook in hooks.values():
        assert hook["language"] == "python" and hook["require_serial"] is True
        assert hook["types_or"] == ["python", "pyi", "jupyter", "markdown", "rst"]  # documents: their Python blocks
        assert hook["minimum_pre_commit_version"] == "2.9.2"


def test_hook_fails_on_mistakes_and_passes_once_fixed(tmp_path, project):
    repo = snapshot(tmp_path / "losslint-repo")

    result = try_repo(repo, project, "losslint")
    assert result.returncode == 1, result.stdout + result.stderr
    output = result.stdout
    assert "losslint" in output and "Failed" in output
    assert "train.py:3:47: LL103 " in output
    assert "explore.ipynb:cell 2:1:41: LL202 " in output  # notebooks are passed (`jupyter` type)
    assert "old_train.py" not in output  # --force-exclude honours the configured excludes
    assert "data.py" not in output

    (project / "train.py").write_text(GOOD)
    (project / "explore.ipynb").write_text(notebook_json([NOTEBOOK_CELLS[0], [NOTEBOOK_CELLS[1][0].replace(", nn.Sigmoid()", ""), NOTEBOOK_CELLS[1][1]]]))
    result = try_repo(repo, project, "losslint")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Passed" in result.stdout


def test_fix_hook_fixes_then_passes(tmp_path, project):
    repo = snapshot(tmp_path / "losslint-repo")
    (project / "train.py").write_text(GOOD)
    (project / "explore.ipynb").unlink()
    (project / "losses.py").write_text(
        "import torch\nimport torch.nn.functional as F\n\n\n"
        "def nll(scores, labels):\n    return F.nll_loss(torch.log(F.softmax(scores, dim=1)), labels)\n"
    )

    result = try_repo(repo, project, "losslint-fix")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "files were modified by this hook" in result.stdout
    assert "F.nll_loss(F.log_softmax(scores, dim=1), labels)" in (project / "losses.py").read_text()

    result = try_repo(repo, project, "losslint-fix")
    assert result.returncode == 0, result.stdout + result.stderr


MODEL = "import torch.nn as nn\n\nnet = nn.Sequential(nn.Linear(32, 10))\n"
TRAIN_USES = "import torch.nn as nn\n\nfrom model import net\n\n"
TRAIN_LOSS = TRAIN_USES + "loss_fn = nn.CrossEntropyLoss()\n\n\ndef step(x, y):\n    return loss_fn(net(x), y)\n"
WRONG_MODEL = MODEL.replace("nn.Linear(32, 10))", "nn.Linear(32, 10), nn.Softmax(dim=1))")


def _committed(project: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (project / name).write_text(text)
    git(project, "add", "-A")
    git(project, "commit", "-q", "--no-gpg-sign", "-m", "base")


def test_staged_model_alone_is_judged_with_its_training_loop(tmp_path):
    """Defect 1 of issue 14: the commit adds the softmax to model.py only; train.py, with
    the CrossEntropyLoss, is committed already and not passed to the hook."""
    repo = snapshot(tmp_path / "losslint-repo")
    project = tmp_path / "project"
    project.mkdir()
    git(project, "init", "-q")
    _committed(project, {"pyproject.toml": '[project]\nname = "digits"\n', "model.py": MODEL, "train.py": TRAIN_LOSS})
    (project / "model.py").write_text(WRONG_MODEL)
    result = try_repo(repo, project, "losslint", staged="model.py")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "model.py:3:40: LL103 " in result.stdout
    assert "train.py:9:12" in result.stdout  # the partner site, shown with the finding


def test_staged_training_loop_alone_is_judged_with_its_model(tmp_path):
    """The other side: the commit adds the loss to train.py; the softmax is committed."""
    repo = snapshot(tmp_path / "losslint-repo")
    project = tmp_path / "project"
    project.mkdir()
    git(project, "init", "-q")
    _committed(project, {"pyproject.toml": '[project]\nname = "digits"\n', "model.py": WRONG_MODEL, "train.py": TRAIN_USES})
    result = try_repo(repo, project, "losslint", staged="train.py")
    assert result.returncode == 0, result.stdout + result.stderr  # no loss yet: no pair
    (project / "train.py").write_text(TRAIN_LOSS)
    result = try_repo(repo, project, "losslint", staged="train.py")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "model.py:3:40: LL103 " in result.stdout
