"""`losslint check --fix / --unsafe-fixes / --diff / --show-fixes`, and the fix in output."""

import difflib
import io
import json
import sys

from losslint import cli
from tests.fixes.helpers import dedent

SAFE = """
import torch.nn as nn

model = nn.Sequential(nn.Linear(4, 3), nn.Softmax(dim=1))
criterion = nn.CrossEntropyLoss()

def step(x, y):
    return criterion(model(x), y)
"""
UNSAFE = """
import torch
import torch.nn as nn

net = nn.Sequential(nn.Linear(4, 1), nn.Sigmoid())
bce = nn.BCEWithLogitsLoss()

def step(x, y):
    return bce(net(x), y)

def predict(x):
    return net(x) > 0.5
"""


def _project(tmp_path):
    (tmp_path / "safe.py").write_text(dedent(SAFE))
    (tmp_path / "unsafe.py").write_text(dedent(UNSAFE))
    return {p.name: p.read_text() for p in tmp_path.glob("*.py")}


def _texts(tmp_path):
    return {p.name: p.read_text() for p in tmp_path.glob("*.py")}


def test_fix_applies_safe_fixes_and_reports_what_remains(tmp_path, capsys):
    before = _project(tmp_path)
    assert cli.main([str(tmp_path), "--fix", "--output-format", "concise"]) == 1
    out = capsys.readouterr().out
    assert "LL202" in out and "LL103" not in out
    assert "Found 2 errors (1 fixed, 1 remaining)." in out
    after = _texts(tmp_path)
    assert after["unsafe.py"] == before["unsafe.py"]
    assert "nn.Softmax" not in after["safe.py"]


def test_unsafe_fixes_fix_everything(tmp_path, capsys):
    _project(tmp_path)
    assert cli.main([str(tmp_path), "--fix", "--unsafe-fixes", "--show-fixes"]) == 0
    out = capsys.readouterr().out
    assert "Found 2 errors (2 fixed, 0 remaining)." in out
    assert "Fixed 2 errors:\n- " in out and "1 × LL103 (softmax-before-cross-entropy)" in out
    assert "1 × LL202 (sigmoid-before-bce-with-logits)" in out
    assert cli.main([str(tmp_path)]) == 0


def test_diff_writes_nothing_and_shows_what_fix_writes(tmp_path, capsys):
    before = _project(tmp_path)
    assert cli.main([str(tmp_path), "--diff", "--unsafe-fixes"]) == 1
    captured = capsys.readouterr()
    assert _texts(tmp_path) == before
    assert "Would fix 2 errors (0 remaining)." in captured.err
    assert cli.main([str(tmp_path), "--fix", "--unsafe-fixes", "--quiet"]) == 0
    after = _texts(tmp_path)
    expected = ""
    for name in sorted(before):
        label = str(tmp_path / name)
        lines = difflib.unified_diff(before[name].splitlines(True), after[name].splitlines(True), label, label)
        expected += "".join(lines)
    assert _strip_paths(captured.out) == _strip_paths(expected)


def _strip_paths(diff: str) -> str:
    return "\n".join(line.rsplit("/", 1)[-1] if line.startswith(("---", "+++")) else line for line in diff.splitlines())


def test_diff_without_changes_exits_zero(tmp_path, capsys):
    _project(tmp_path)
    assert cli.main([str(tmp_path / "unsafe.py"), "--diff"]) == 0  # only an unsafe fix there
    assert capsys.readouterr().out == ""


def test_fix_exit_code_zero_when_nothing_remains(tmp_path, capsys):
    (tmp_path / "safe.py").write_text(dedent(SAFE))
    assert cli.main([str(tmp_path), "--fix"]) == 0
    assert "Found 1 error (1 fixed, 0 remaining)." in capsys.readouterr().out
    assert cli.main([str(tmp_path), "--fix"]) == 0
    assert "All checks passed!" in capsys.readouterr().out


# An acceptable pair (a warning) with a safe fix.
LOG_OF_SOFTMAX = """
import torch
import torch.nn as nn
import torch.nn.functional as F

head = nn.Linear(4, 3)

def step(x, y):
    return F.nll_loss(torch.log(F.softmax(head(x), dim=1)), y)
"""


def test_fix_summary_counts_warnings_apart_from_errors(tmp_path, capsys):
    """LL103 (an error) and LL105 (a warning) fixed, LL202 (an error) left: not "3 errors"."""
    _project(tmp_path)
    (tmp_path / "log.py").write_text(dedent(LOG_OF_SOFTMAX))
    before = _texts(tmp_path)
    assert cli.main([str(tmp_path), "--diff"]) == 1
    assert "Would fix 2 findings (1 error, 1 warning; 1 remaining)." in capsys.readouterr().err
    assert cli.main([str(tmp_path), "--fix", "--show-fixes", "--output-format", "concise"]) == 1
    out = capsys.readouterr().out
    assert "Found 3 findings (2 fixed, 1 remaining: 1 error)." in out
    assert "Fixed 2 findings (1 error, 1 warning):\n" in out and "1 × LL105 (log-of-softmax)" in out
    (tmp_path / "log.py").write_text(before["log.py"])
    assert cli.main([str(tmp_path / "log.py"), "--fix", "--show-fixes"]) == 0
    out = capsys.readouterr().out
    assert "Found 1 warning (1 fixed, 0 remaining)." in out and "Fixed 1 warning:\n" in out


def test_exit_non_zero_on_fix(tmp_path, capsys):
    (tmp_path / "safe.py").write_text(dedent(SAFE))
    assert cli.main([str(tmp_path), "--fix", "--exit-non-zero-on-fix", "--quiet"]) == 1


def test_stdin_fix_writes_the_fixed_code_to_stdout(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(dedent(SAFE).encode())))
    monkeypatch.chdir(tmp_path)
    assert cli.main(["-", "--stdin-filename", "f.py", "--fix"]) == 0
    captured = capsys.readouterr()
    assert captured.out == dedent(SAFE).replace("nn.Sequential(nn.Linear(4, 3), nn.Softmax(dim=1))", "nn.Sequential(nn.Linear(4, 3))")
    assert "1 fixed, 0 remaining" in captured.err
    assert list(tmp_path.iterdir()) == []


def test_stdin_fix_with_nothing_to_fix_echoes_the_input(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(dedent(UNSAFE).encode())))
    monkeypatch.chdir(tmp_path)
    assert cli.main(["-", "--stdin-filename", "g.py", "--fix"]) == 1
    captured = capsys.readouterr()
    assert captured.out == dedent(UNSAFE)
    assert "LL202" in captured.err


def test_json_shows_the_fix(tmp_path, capsys):
    _project(tmp_path)
    assert cli.main([str(tmp_path), "--output-format", "json"]) == 1
    records = {r["code"]: r for r in json.loads(capsys.readouterr().out)}
    safe = records["LL103"]["fix"]
    assert safe["applicability"] == "safe"
    assert safe["edits"] == [
        # `, nn.Softmax(dim=1)` goes: from the comma after nn.Linear(4, 3) to the `)`
        {"content": "", "filename": records["LL103"]["filename"],
         "location": {"row": 3, "column": 38}, "end_location": {"row": 3, "column": 57}}
    ]
    unsafe = records["LL202"]["fix"]
    assert unsafe["applicability"] == "unsafe"
    assert "unsafe.py:11 `net(x) > 0.5`" in unsafe["message"]


def test_text_marks_safe_fixes(tmp_path, capsys):
    _project(tmp_path)
    cli.main([str(tmp_path), "--output-format", "concise"])
    lines = capsys.readouterr().out.splitlines()
    assert any("LL103 [*] softmax-before-cross-entropy" in line for line in lines)
    assert any("LL202 sigmoid-before-bce-with-logits" in line for line in lines)
    assert "[*] 1 fixable with the `--fix` option (1 hidden fix can be enabled with the `--unsafe-fixes` option)." in lines


def test_notebook_fix_rewrites_only_the_changed_cell(tmp_path, capsys):
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": ["# Training\n"]},
        {
            "cell_type": "code",
            "execution_count": 1,
            "metadata": {},
            "outputs": [{"output_type": "stream", "name": "stdout", "text": ["built\n"]}],
            "source": ["import torch.nn as nn\n", "model = nn.Sequential(nn.Linear(4, 3), nn.Softmax(dim=1))\n", "print('built')"],
        },
        {
            "cell_type": "code",
            "execution_count": 2,
            "metadata": {},
            "outputs": [],
            "source": ["criterion = nn.CrossEntropyLoss()\n", "loss = criterion(model(x), y)"],
        },
    ]
    book = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "train.ipynb"
    path.write_text(json.dumps(book, indent=1) + "\n")
    assert cli.main([str(path), "--fix", "--quiet"]) == 0
    data = json.loads(path.read_text())
    assert data["cells"][1]["source"] == [
        "import torch.nn as nn\n",
        "model = nn.Sequential(nn.Linear(4, 3))\n",
        "print('built')",
    ]
    assert data["cells"][1]["outputs"] == cells[1]["outputs"]
    assert data["cells"][2] == cells[2] and data["cells"][0] == cells[0]
