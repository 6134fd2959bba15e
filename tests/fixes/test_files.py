"""Writing fixed files: atomic, only when changed, all or none; mode, CRLF and BOM kept."""

import os
import stat

import pytest

from losslint import cli
from losslint.core import atomic
from losslint.fixes import files

SEQUENTIAL = "import torch.nn as nn\n\nmodel = nn.Sequential(nn.Linear(4, 3), nn.Softmax(dim=1))\n"
TRAIN = "import torch.nn as nn\nfrom model import model\n\ncriterion = nn.BCELoss()\n\ndef step(x, y):\n    return criterion(model(x), y)\n"


def _project(tmp_path):
    model = tmp_path / "model.py"
    train = tmp_path / "train.py"
    model.write_text("import torch.nn as nn\n\nmodel = nn.Sequential(nn.Linear(4, 1), nn.Sigmoid())\n")
    train.write_text(TRAIN)
    return model, train


def test_mode_crlf_and_bom_survive(tmp_path):
    path = tmp_path / "a.py"
    original = (
        "\ufeffimport torch.nn as nn\r\n\r\n"
        "model = nn.Sequential(\r\n    nn.Linear(4, 3),\r\n    nn.Softmax(dim=1),\r\n)\r\n"
        "criterion = nn.CrossEntropyLoss()\r\n\r\ndef step(x, y):\r\n    return criterion(model(x), y)\r\n"
    )
    path.write_bytes(original.encode("utf-8"))
    os.chmod(path, 0o751)
    assert cli.main([str(path), "--fix", "--quiet"]) == 0
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert "nn.Softmax" not in text
    assert text.count("\r\n") == text.count("\n") == original.count("\n") - 1
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o751
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".losslint-tmp")]


def test_unchanged_files_are_not_touched(tmp_path):
    _project(tmp_path)
    clean = tmp_path / "clean.py"
    clean.write_text("x = 1\n")
    before = os.stat(clean)
    assert cli.main([str(tmp_path), "--fix", "--quiet"]) == 0
    after = os.stat(clean)
    assert (before.st_ino, before.st_mtime_ns) == (after.st_ino, after.st_mtime_ns)


def test_two_files_written_both_or_neither(tmp_path, monkeypatch, capsys):
    """The Sigmoid + BCELoss fix edits model.py and train.py. If replacing the second file
    fails, the first is put back: the project is never half fixed."""
    model, train = _project(tmp_path)
    originals = {model: model.read_bytes(), train: train.read_bytes()}
    real_pwrite = os.pwrite
    written = []

    def failing_pwrite(fd, data, offset):
        written.append(fd)
        if len(written) == 2:  # the second file of the fix, once
            raise OSError(28, "No space left on device")
        return real_pwrite(fd, data, offset)

    monkeypatch.setattr(os, "pwrite", failing_pwrite)
    assert cli.main([str(tmp_path), "--fix"]) == 2
    assert "No space left on device" in capsys.readouterr().err
    assert {p: p.read_bytes() for p in originals} == originals
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".losslint-tmp")]


def test_failure_while_preparing_leaves_everything(tmp_path, monkeypatch, capsys):
    model, train = _project(tmp_path)
    originals = {model: model.read_bytes(), train: train.read_bytes()}

    def no_temporary(*args, **kwargs):
        raise OSError(13, "Permission denied", str(tmp_path))

    monkeypatch.setattr(atomic.tempfile, "mkstemp", no_temporary)
    assert cli.main([str(tmp_path), "--fix"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Permission denied" in err
    assert {p: p.read_bytes() for p in originals} == originals


def test_file_changed_meanwhile_is_not_overwritten(tmp_path):
    path = tmp_path / "a.py"
    path.write_text("x = 1\n")
    with pytest.raises(files.WriteError, match="changed while it was being fixed"):
        files.write_all({str(path): "x = 2\n"}, {str(path): "x = 0\n"})
    assert path.read_text() == "x = 1\n"


def test_write_all_reports_only_what_changed(tmp_path):
    a, b = tmp_path / "a.py", tmp_path / "b.py"
    a.write_text("x = 1\n")
    b.write_text("y = 1\n")
    written = files.write_all({str(a): "x = 2\n", str(b): "y = 1\n"}, {str(a): "x = 1\n", str(b): "y = 1\n"})
    assert written == [str(a)]
    assert a.read_text() == "x = 2\n"
