"""Doctest examples in the docstrings of Python files: linted with the module (doctest
runs them with the module's names), reported at the file's rows, fixed in place."""

from __future__ import annotations

import json

from losslint import documents
from losslint.engine import linter
from tests.documents.test_markdown import records, run

HEADS = '''\
"""Classification heads.

>>> import torch
>>> head = ClassifierHead(16, 4)
>>> scores = head(torch.randn(2, 16))
>>> torch.nn.functional.cross_entropy(torch.softmax(scores, dim=1),
...                                   torch.tensor([0, 3]))
tensor(1.3)
"""

import torch.nn as nn


class ClassifierHead(nn.Module):
    def __init__(self, features, classes):
        super().__init__()
        self.fc = nn.Linear(features, classes)

    def forward(self, x):
        """Scores for each class.

            >>> ClassifierHead(4, 2)(torch.zeros(1, 4)).shape
            torch.Size([1, 2])
        """
        return self.fc(x)
'''


def test_docstring_example_uses_the_module_and_is_reported_at_its_row(tmp_path, capsys, monkeypatch):
    (tmp_path / "heads.py").write_text(HEADS)
    monkeypatch.chdir(tmp_path)
    [record] = records(capsys, "heads.py")
    assert record["code"] == "LL103"
    assert record["location"] == {"row": 6, "column": HEADS.splitlines()[5].index("torch.softmax") + 1}
    assert record["related"][0]["location"] == {"row": 6, "column": 5}
    assert record["related"][0]["end_location"] == {"row": 7, "column": 60}


def test_examples_found_in_module_and_method_docstrings():
    page = documents.embedded("heads.py", HEADS)
    assert [(b.rows[0], b.prefixes[0]) for b in page.blocks[1:]] == [(3, ">>> "), (4, ">>> "), (5, ">>> "), (6, ">>> "), (22, "            >>> ")]
    assert page.source.startswith(HEADS)  # the module itself first, unchanged


def test_fix_inside_a_docstring_keeps_every_other_byte(tmp_path, capsys, monkeypatch):
    path = tmp_path / "heads.py"
    path.write_text(HEADS)
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "check", "heads.py", "--fix", "--no-cache")[0] == 0
    assert path.read_text() == HEADS.replace("cross_entropy(torch.softmax(scores, dim=1),", "cross_entropy(scores,")


def test_fix_in_the_module_and_in_a_docstring_together(tmp_path, capsys, monkeypatch):
    source = HEADS.replace("nn.Linear(features, classes)", "nn.Sequential(nn.Linear(features, classes), nn.Softmax(dim=1))")
    source = source.replace(">>> scores = head(torch.randn(2, 16))\n", ">>> scores = torch.softmax(head(torch.randn(2, 16)), dim=1)\n")
    path = tmp_path / "heads.py"
    path.write_text(source)
    monkeypatch.chdir(tmp_path)
    run(capsys, "check", "heads.py", "--fix", "--unsafe-fixes", "--no-cache")
    expected = source.replace("nn.Sequential(nn.Linear(features, classes), nn.Softmax(dim=1))", "nn.Sequential(nn.Linear(features, classes))")
    expected = expected.replace("torch.softmax(head(torch.randn(2, 16)), dim=1)", "head(torch.randn(2, 16))")
    expected = expected.replace("cross_entropy(torch.softmax(scores, dim=1),", "cross_entropy(scores,")
    assert path.read_text() == expected
    assert records(capsys, "heads.py") == []


def test_noqa_on_a_doctest_line(tmp_path, capsys, monkeypatch):
    (tmp_path / "heads.py").write_text(HEADS.replace("torch.nn.functional.cross_entropy(torch.softmax(scores, dim=1),",
                                                     "torch.nn.functional.cross_entropy(torch.softmax(scores, dim=1),  # noqa: LL103"))
    monkeypatch.chdir(tmp_path)
    assert records(capsys, "heads.py") == []


def test_a_file_without_doctests_is_its_own_source(tmp_path):
    text = '"""No examples here: 3 >>> 2 is not a prompt."""\nx = 1\n'
    (tmp_path / "plain.py").write_text(text)
    result = linter.check_paths([str(tmp_path / "plain.py")])
    assert result.sources[str(tmp_path / "plain.py")] == text and not result.notebooks


def test_a_syntax_error_keeps_its_row(tmp_path, capsys, monkeypatch):
    (tmp_path / "broken.py").write_text('"""\n>>> x = 1\n"""\ndef f(:\n    pass\n')
    monkeypatch.chdir(tmp_path)
    status, out = run(capsys, "check", "broken.py", "--output-format", "json", "--no-cache")
    [record] = json.loads(out)
    assert record["name"] == "invalid-syntax" and record["location"]["row"] == 4
