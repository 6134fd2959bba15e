"""--fix honours the file system (issue 14, defect 2): read-only files are refused, and a
fixed file keeps its owner, group, mode, hard links and symlinks; errors name the file."""

from __future__ import annotations

import os
import stat
import subprocess
from contextlib import contextmanager
from pathlib import Path

import pytest

from losslint import cli

MODEL = "import torch.nn as nn\n\nmodel = nn.Sequential(nn.Linear(4, 1), nn.Sigmoid())\n"
TRAIN = "import torch.nn as nn\nfrom model import model\n\ncriterion = nn.BCELoss()\n\ndef step(x, y):\n    return criterion(model(x), y)\n"
root_only = pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root (chown, another uid)")


def _project(tmp_path: Path) -> tuple[Path, Path]:
    """A two-file fix: Sigmoid out of model.py, BCELoss -> BCEWithLogitsLoss in train.py."""
    model, train = tmp_path / "model.py", tmp_path / "train.py"
    model.write_text(MODEL)
    train.write_text(TRAIN)
    return model, train


def _fix(tmp_path, monkeypatch, capsys, *more: str) -> tuple[int, str]:
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    code = cli.main([".", "--fix", "--no-cache", *more])
    return code, capsys.readouterr().err


def _leftovers(directory: Path) -> list[str]:
    return [p.name for p in directory.iterdir() if p.name.endswith(".losslint-tmp") or "journal" in p.name]


def test_read_only_file_is_refused_and_nothing_is_written(tmp_path, monkeypatch, capsys):
    model, train = _project(tmp_path)
    os.chmod(train, 0o444)
    code, err = _fix(tmp_path, monkeypatch, capsys)
    assert code == 2
    assert err == "losslint: error: cannot fix train.py: the file is read-only (mode 0444); nothing was written\n"
    assert (model.read_text(), train.read_text()) == (MODEL, TRAIN)  # not even the writable one
    assert stat.S_IMODE(train.stat().st_mode) == 0o444
    assert _leftovers(tmp_path) == []


@root_only
def test_owner_group_and_mode_stay(tmp_path, monkeypatch, capsys):
    model, train = _project(tmp_path)
    for path in (model, train):
        os.chown(path, 4242, 4343)
        os.chmod(path, 0o664)
    code, err = _fix(tmp_path, monkeypatch, capsys)
    assert code == 0, err
    assert "nn.Sigmoid" not in model.read_text() and "BCEWithLogitsLoss" in train.read_text()
    for path in (model, train):
        st = path.stat()
        assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (4242, 4343, 0o664), path.name


def test_hard_links_and_symlinks_stay(tmp_path, monkeypatch, capsys):
    project = tmp_path / "project"
    project.mkdir()
    model, train = _project(project)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    os.link(model, elsewhere / "model_copy.txt")
    (elsewhere / "train_real.txt").write_text(TRAIN)
    train.unlink()
    train.symlink_to(elsewhere / "train_real.txt")
    inode = model.stat().st_ino
    code, err = _fix(project, monkeypatch, capsys)
    assert code == 0, err
    assert model.stat().st_ino == inode and model.stat().st_nlink == 2
    assert (elsewhere / "model_copy.txt").read_text() == model.read_text()
    assert "nn.Sigmoid" not in model.read_text()
    assert train.is_symlink() and "BCEWithLogitsLoss" in (elsewhere / "train_real.txt").read_text()


@contextmanager
def _immutable(path: Path):
    """chattr +i: not even root may write the file, or create a file in the directory."""
    if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not available here")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


@root_only
def test_directory_nobody_may_write_in(tmp_path, monkeypatch, capsys):
    """Files in a directory where no file can be created are fixed in place; the journal
    goes to the user's cache directory. Before, the error named a temporary file."""
    project = tmp_path / "project"
    project.mkdir()
    model, train = _project(project)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    with _immutable(project):
        code, err = _fix(project, monkeypatch, capsys)
        listed = sorted(p.name for p in project.iterdir())
    assert code == 0, err
    assert "nn.Sigmoid" not in model.read_text() and "BCEWithLogitsLoss" in train.read_text()
    assert listed == ["model.py", "train.py"]
    assert list((tmp_path / "cache" / "losslint").iterdir()) == []  # the journal came and went


@root_only
def test_file_this_user_may_not_write_is_named(tmp_path, monkeypatch, capsys):
    model, train = _project(tmp_path)
    with _immutable(train):
        code, err = _fix(tmp_path, monkeypatch, capsys)
    assert code == 2
    assert err == "losslint: error: cannot fix train.py: the file is not writable by this user; nothing was written\n"
    assert (model.read_text(), train.read_text()) == (MODEL, TRAIN)
