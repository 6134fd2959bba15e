"""The JSON record is a public interface (conventions.md): exact keys, types and values."""

import json
import textwrap

from losslint.cli import main

RECORD_KEYS = {
    "code", "name", "message", "severity", "filename", "location", "end_location",
    "noqa_row", "url", "fix", "verdict", "activation", "loss", "related",
}

MODEL = """
import torch.nn as nn


def build():
    return nn.Sequential(
        nn.Linear(8, 3),
        nn.Softmax(dim=1),
    )
"""

TRAIN = """
import torch.nn as nn
from model import build

model = build()
criterion = nn.CrossEntropyLoss()


def step(x, y):
    return criterion(model(x), y)
"""


def run_json(tmp_path, capsys, *args):
    code = main(["check", str(tmp_path), "--output-format", "json", "--isolated", *args])
    return code, json.loads(capsys.readouterr().out)


def test_record_shape_and_values(tmp_path, capsys):
    (tmp_path / "model.py").write_text(textwrap.dedent(MODEL))
    (tmp_path / "train.py").write_text(textwrap.dedent(TRAIN))
    code, records = run_json(tmp_path, capsys)
    assert code == 1
    assert len(records) == 1
    record = records[0]
    assert set(record) == RECORD_KEYS
    assert record["code"] == "LL103"
    assert record["name"] == "softmax-before-cross-entropy"
    assert record["severity"] == "error"
    assert record["verdict"] == "wrong"
    assert record["activation"] == "softmax"
    assert record["loss"] == "CrossEntropyLoss"
    assert record["filename"] == str(tmp_path / "model.py")
    # `nn.Softmax(dim=1)` on line 8, columns 1-based, end exclusive
    assert record["location"] == {"row": 8, "column": 9}
    assert record["end_location"] == {"row": 8, "column": 26}
    assert record["noqa_row"] == 8
    assert record["url"].endswith("#ll103-softmax-before-cross-entropy")
    assert isinstance(record["message"], str) and "\n" not in record["message"]
    related = {(r["filename"], r["location"]["row"], r["message"]) for r in record["related"]}
    assert (str(tmp_path / "train.py"), 10, "CrossEntropyLoss computed here") in related
    assert (str(tmp_path / "train.py"), 6, "CrossEntropyLoss created here") in related
    for r in record["related"]:
        assert set(r) == {"filename", "location", "end_location", "message"}
    fix = record["fix"]
    assert fix is None or (fix["applicability"] in ("safe", "unsafe") and isinstance(fix["edits"], list))


def test_clean_project_prints_an_empty_array(tmp_path, capsys):
    (tmp_path / "ok.py").write_text("import torch.nn as nn\nm = nn.Linear(2, 2)\n")
    code, records = run_json(tmp_path, capsys)
    assert (code, records) == (0, [])


def test_syntax_error_record_is_ruff_like(tmp_path, capsys):
    (tmp_path / "bad.py").write_text("def f(:\n")
    code, records = run_json(tmp_path, capsys)
    assert code == 1
    (record,) = records
    assert record["code"] is None and record["name"] == "invalid-syntax"
    assert record["message"] == "SyntaxError: invalid syntax; the file was not checked"
    assert record["verdict"] is None and record["activation"] is None and record["loss"] is None


def test_json_lines_has_the_same_records(tmp_path, capsys):
    (tmp_path / "model.py").write_text(textwrap.dedent(MODEL))
    (tmp_path / "train.py").write_text(textwrap.dedent(TRAIN))
    _, records = run_json(tmp_path, capsys)
    main(["check", str(tmp_path), "--output-format", "json-lines", "--isolated"])
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line) for line in lines] == records
