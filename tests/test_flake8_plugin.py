"""The flake8 plugin `LL`, run through flake8 itself in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys

from losslint.cli import main

TRAIN = """\
import torch
from torch import nn

model = nn.Sequential(nn.Linear(10, 2), nn.LogSoftmax(dim=1))
criterion = nn.CrossEntropyLoss()


def fit(inputs, labels):
    return criterion(model(inputs), labels)
"""


def flake8(cwd, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flake8", *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_flake8_prints_losslint_findings_with_losslint_columns(tmp_path, capsys):
    (tmp_path / "train.py").write_text(TRAIN)
    result = flake8(tmp_path, "--select", "LL", "train.py")
    assert result.returncode == 1, result.stderr
    [line] = result.stdout.splitlines()
    assert line.startswith("train.py:5:13: LL104 ")
    # The same 1-based position as losslint's own report.
    main(["check", str(tmp_path / "train.py"), "--output-format", "json", "--isolated"])
    [record] = json.loads(capsys.readouterr().out)
    assert (record["code"], record["location"]) == ("LL104", {"row": 5, "column": 13})


def test_flake8_noqa_and_clean_files(tmp_path):
    (tmp_path / "clean.py").write_text("import torch.nn as nn\n\nmodel = nn.Linear(3, 2)\nloss_fn = nn.CrossEntropyLoss()\n")
    (tmp_path / "waived.py").write_text(TRAIN.replace("CrossEntropyLoss()", "CrossEntropyLoss()  # noqa: LL104"))
    result = flake8(tmp_path, "--select", "LL", "clean.py", "waived.py")
    assert (result.returncode, result.stdout) == (0, ""), result.stderr


def test_flake8_runs_the_plugin_by_default_and_survives_syntax_errors(tmp_path):
    (tmp_path / "train.py").write_text(TRAIN)
    (tmp_path / "broken.py").write_text("def broken(:\n    pass\n")
    result = flake8(tmp_path, "train.py", "broken.py")
    assert "Traceback" not in result.stderr
    assert "train.py:5:13: LL104 " in result.stdout
    assert "broken.py:1:" in result.stdout and "E999 SyntaxError" in result.stdout
