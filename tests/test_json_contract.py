"""The JSON record is a public interface (conventions.md): exact keys, types and values."""

import json
import textwrap

import pytest

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
    # The fix deletes the whole `nn.Softmax(dim=1),` line of the Sequential.
    assert record["fix"] == {
        "applicability": "safe",
        "message": "Remove `nn.Softmax(dim=1)` so `CrossEntropyLoss` gets logits",
        "edits": [{"content": "", "filename": str(tmp_path / "model.py"),
                   "location": {"row": 8, "column": 1}, "end_location": {"row": 9, "column": 1}}],
    }
    check_fix(record["fix"])


def check_fix(fix):
    """A fix record: exact keys and types, at least one edit, each a well-ordered span."""
    assert set(fix) == {"applicability", "message", "edits"}
    assert fix["applicability"] in ("safe", "unsafe")
    assert isinstance(fix["message"], str) and fix["message"].strip() and "\n" not in fix["message"]
    assert isinstance(fix["edits"], list) and fix["edits"]
    for edit in fix["edits"]:
        assert set(edit) == {"content", "filename", "location", "end_location"}
        assert isinstance(edit["filename"], str) and edit["filename"]
        assert isinstance(edit["content"], str)
        start, end = edit["location"], edit["end_location"]
        assert set(start) == set(end) == {"row", "column"}
        assert all(isinstance(v, int) and v >= 1 for v in (*start.values(), *end.values()))
        assert (start["row"], start["column"]) <= (end["row"], end["column"])
        assert edit["content"] or (start != end), "an edit that neither deletes nor inserts"


# A fix that inserts (LL102: F.softmax -> F.log_softmax) and one that edits two files
# (LL203: remove the sigmoid, BCELoss -> BCEWithLogitsLoss).
FIXABLE_MODEL = """
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 3)

    def forward(self, x):
        return F.softmax(self.fc(x), dim=1)


class Detector(nn.Module):
    def __init__(self):
        super().__init__()
        self.head = nn.Linear(8, 1)

    def forward(self, x):
        return self.head(x).sigmoid()
"""

FIXABLE_TRAIN = """
import torch.nn as nn
from model import Detector, Net

net = Net()
detector = Detector()
nll = nn.NLLLoss()
bce = nn.BCELoss()


def step(x, y, t):
    return nll(net(x), y) + bce(detector(x), t)
"""


def test_every_fix_record_is_well_formed(tmp_path, capsys):
    (tmp_path / "model.py").write_text(textwrap.dedent(FIXABLE_MODEL))
    (tmp_path / "train.py").write_text(textwrap.dedent(FIXABLE_TRAIN))
    code, records = run_json(tmp_path, capsys)
    assert code == 1
    by_code = {r["code"]: r for r in records}
    assert sorted(by_code) == ["LL102", "LL203"]
    for record in records:
        assert record["fix"] is not None, record["code"]
        check_fix(record["fix"])
    # The softmax's output reaches only the loss: F.softmax -> F.log_softmax is safe.
    assert by_code["LL102"]["fix"]["applicability"] == "safe"
    assert by_code["LL102"]["fix"]["edits"] == [
        {"content": "log_", "filename": by_code["LL102"]["filename"],
         "location": {"row": 12, "column": 18}, "end_location": {"row": 12, "column": 18}}
    ]
    assert by_code["LL203"]["fix"]["applicability"] == "safe"
    assert [e["content"] for e in by_code["LL203"]["fix"]["edits"]] == ["", "WithLogits"]


def test_an_edit_in_another_file_names_its_file(tmp_path, capsys):
    (tmp_path / "model.py").write_text(textwrap.dedent(FIXABLE_MODEL))
    (tmp_path / "train.py").write_text(textwrap.dedent(FIXABLE_TRAIN))
    _, records = run_json(tmp_path, capsys)
    (record,) = [r for r in records if r["code"] == "LL203"]
    # ruff's edit records have no filename (its fixes are single-file); a losslint fix may edit
    # the model and the loss, so every edit names its file, the finding's own included
    files = [edit["filename"] for edit in record["fix"]["edits"]]
    assert files == [str(tmp_path / "model.py"), str(tmp_path / "train.py")]


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
