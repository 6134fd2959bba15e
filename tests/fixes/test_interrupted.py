"""All or nothing across files, even when killed (issue 14, defect 4): SIGKILL between the
two files of a fix leaves a journal that the next run uses to roll back, and says so;
SIGTERM and SIGINT roll back at once; no temporary file survives, and those a killed run
left are removed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from losslint.core import atomic, journal
from losslint.fixes.files import PAUSE_ENV

CHECKOUT = Path(__file__).resolve().parents[2]
MODEL = "import torch.nn as nn\n\nmodel = nn.Sequential(nn.Linear(4, 1), nn.Sigmoid())\n"
TRAIN = "import torch.nn as nn\nfrom model import model\n\ncriterion = nn.BCELoss()\n\ndef step(x, y):\n    return criterion(model(x), y)\n"


def _project(root: Path) -> dict[Path, str]:
    root.mkdir(exist_ok=True)
    (root / "pyproject.toml").write_text('[project]\nname = "p"\n')
    files = {root / "model.py": MODEL, root / "train.py": TRAIN}
    for path, text in files.items():
        path.write_text(text)
    return files


def _env(**more: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "LOSSLINT_OUTPUT_FORMAT")}
    env["PYTHONPATH"] = str(CHECKOUT)
    env.update(more)
    return env


def _paused_fix(root: Path, tmp_path: Path) -> subprocess.Popen:
    """`losslint --fix .` stopped after writing the first of the two files."""
    marker = tmp_path / "paused"
    process = subprocess.Popen([sys.executable, "-m", "losslint", ".", "--fix", "--no-cache"], cwd=root,
                               env=_env(**{PAUSE_ENV: str(marker)}), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the fix never reached its pause"
        time.sleep(0.05)
    return process


def _half_fixed(files: dict[Path, str]) -> bool:
    changed = [path.read_text() != text for path, text in files.items()]
    return any(changed) and not all(changed)


def _run(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "losslint", *args, "--no-cache"], cwd=root, env=_env(),
                          capture_output=True, text=True, timeout=120)


def test_sigkill_between_files_is_rolled_back_by_the_next_run(tmp_path):
    root = tmp_path / "project"
    files = _project(root)
    process = _paused_fix(root, tmp_path)
    assert _half_fixed(files)  # the moment that used to leave the project half fixed
    process.kill()
    process.wait()
    assert (root / journal.NAME).exists()

    result = _run(root, "--diff")  # any run, even one that writes nothing
    assert "losslint: warning: an interrupted --fix was rolled back: restored model.py\n" in result.stderr
    assert {p: p.read_text() for p in files} == files
    assert not (root / journal.NAME).exists()
    assert [p.name for p in root.iterdir() if p.name.endswith(atomic.SUFFIX)] == []

    result = _run(root, ".", "--fix")  # and the fix then lands whole
    assert result.returncode == 0, result.stderr
    assert "interrupted" not in result.stderr
    assert all(path.read_text() != text for path, text in files.items())


def test_journal_of_a_completed_fix_is_just_removed(tmp_path):
    root = tmp_path / "project"
    files = _project(root)
    process = _paused_fix(root, tmp_path)
    process.kill()
    process.wait()
    record = (root / journal.NAME).read_bytes()
    assert _run(root, ".", "--fix").returncode == 0  # the rollback runs first, then the fix
    (root / journal.NAME).write_bytes(record)  # as if killed after the last file, before the commit
    fixed = {p: p.read_text() for p in files}
    result = _run(root, ".")
    assert "an interrupted --fix had written every file (model.py, train.py); it is complete" in result.stderr
    assert {p: p.read_text() for p in files} == fixed


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_and_sigint_roll_back_at_once(tmp_path, signum):
    root = tmp_path / "project"
    files = _project(root)
    process = _paused_fix(root, tmp_path)
    process.send_signal(signum)
    _out, err = process.communicate(timeout=60)
    assert process.returncode == 128 + signum
    assert err.decode().endswith(f"losslint: interrupted by {signal.Signals(signum).name}; the files being fixed were put back as they were\n")
    assert {p: p.read_text() for p in files} == files
    assert sorted(p.name for p in root.iterdir()) == ["model.py", "pyproject.toml", "train.py"]


def test_temporary_files_of_a_killed_run_are_removed(tmp_path):
    root = tmp_path / "project"
    _project(root)
    sub = root / "pkg"
    sub.mkdir()
    old = [root / ".model.py.k3j_x9.losslint-tmp", sub / ".util.py.ab12cd.losslint-tmp"]  # older losslint's names
    dead = root / ".train.py.999999999.q1w2e3.losslint-tmp"  # no such process
    fresh = root / ".train.py.a1b2c3.losslint-tmp"  # maybe being written right now
    mine = root / f".model.py.{os.getppid()}.zz9.losslint-tmp"  # a live process's
    for path in (*old, dead, fresh, mine):
        path.write_text("x")
    for path in old:
        os.utime(path, (time.time() - 3600, time.time() - 3600))
    assert _run(root, ".").returncode == 1  # the LL203 warning
    assert sorted(p.name for p in root.rglob("*.losslint-tmp")) == sorted([fresh.name, mine.name])
    os.utime(fresh, (time.time() - 3600, time.time() - 3600))
    assert _run(root, "model.py").returncode == 1  # a named file: its directory is looked at
    assert [p.name for p in root.rglob("*.losslint-tmp")] == [mine.name]
