"""Doctest examples in the docstrings of Python files: linted with the module (doctest
runs them with the module's names), reported at the file's rows, fixed in place."""

from __future__ import annotations

from losslint import documents
from losslint.engine import linter

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


def test_docstring_example_uses_the_module_and_is_reported_at_its_row(docs):
    docs.write("heads.py", HEADS)
    [record] = docs.records("heads.py")
    assert record["code"] == "LL103"
    assert record["location"] == {"row": 6, "column": HEADS.splitlines()[5].index("torch.softmax") + 1}
    assert record["related"][0]["location"] == {"row": 6, "column": 5}
    assert record["related"][0]["end_location"] == {"row": 7, "column": 60}


def test_examples_found_in_module_and_method_docstrings():
    page = documents.embedded("heads.py", HEADS)
    examples = [b for b in page.blocks if b.doctest]
    assert [(b.rows[0], b.prefixes[0]) for b in examples] == [(3, ">>> "), (4, ">>> "), (5, ">>> "), (6, ">>> "), (22, "            >>> ")]
    assert page.source.startswith(HEADS)  # the module itself first, unchanged


def test_fix_inside_a_docstring_keeps_every_other_byte(docs):
    path = docs.write("heads.py", HEADS)
    assert docs.run("check", "heads.py", "--fix", "--no-cache")[0] == 0
    assert path.read_text() == HEADS.replace("cross_entropy(torch.softmax(scores, dim=1),", "cross_entropy(scores,")


def test_fix_in_the_module_and_in_a_docstring_together(docs):
    source = HEADS.replace("nn.Linear(features, classes)", "nn.Sequential(nn.Linear(features, classes), nn.Softmax(dim=1))")
    source = source.replace(">>> scores = head(torch.randn(2, 16))\n", ">>> scores = torch.softmax(head(torch.randn(2, 16)), dim=1)\n")
    path = docs.write("heads.py", source)
    docs.run("check", "heads.py", "--fix", "--unsafe-fixes", "--no-cache")
    expected = source.replace("nn.Sequential(nn.Linear(features, classes), nn.Softmax(dim=1))", "nn.Sequential(nn.Linear(features, classes))")
    expected = expected.replace("torch.softmax(head(torch.randn(2, 16)), dim=1)", "head(torch.randn(2, 16))")
    expected = expected.replace("cross_entropy(torch.softmax(scores, dim=1),", "cross_entropy(scores,")
    assert path.read_text() == expected
    assert docs.records("heads.py") == []


def test_noqa_on_a_doctest_line(docs):
    docs.write("heads.py", HEADS.replace("torch.nn.functional.cross_entropy(torch.softmax(scores, dim=1),",
                                                     "torch.nn.functional.cross_entropy(torch.softmax(scores, dim=1),  # noqa: LL103"))
    assert docs.records("heads.py") == []


def test_a_file_without_doctests_is_its_own_source(docs):
    text = '"""No examples here: 3 >>> 2 is not a prompt."""\nx = 1\n'
    path = str(docs.write("plain.py", text))
    result = linter.check_paths([path])
    assert result.sources[path] == text and not result.notebooks


def test_a_syntax_error_keeps_its_row(docs):
    docs.write("broken.py", '"""\n>>> x = 1\n"""\ndef f(:\n    pass\n')
    [record] = docs.records("broken.py")
    assert record["name"] == "invalid-syntax" and record["location"]["row"] == 4


def test_add_noqa_on_a_doctest_line(docs):
    path = docs.write("heads.py", HEADS)
    docs.run("check", "heads.py", "--add-noqa", "--no-cache")
    line = ">>> torch.nn.functional.cross_entropy(torch.softmax(scores, dim=1),"
    assert path.read_text() == HEADS.replace(line, line + "  # noqa: LL103")


def test_examples_do_not_rebind_the_module_s_names(docs):
    """doctest runs examples with a copy of the module's names: an example that imports
    the module's own class through its package (or binds `model`) changes nothing for
    the module. Found on a real project, where the class stopped resolving."""
    docs.write("pkg/__init__.py", "from pkg.lit import Trainer\n")
    docs.write("pkg/lit.py", '''"""Training wrapper.

>>> from pkg import Trainer
>>> model = None
>>> trainer = Trainer(model)
"""
import torch.nn.functional as F


class Trainer:
    def __init__(self, model):
        self.model = model

    def step(self, x, y):
        return F.binary_cross_entropy(self.model(x), y)
''')
    docs.write("pkg/net.py", "import torch.nn as nn\n\n\ndef net():\n    return nn.Sequential(nn.Linear(4, 1), nn.Sigmoid())\n")
    docs.write("train.py", "from pkg import Trainer\nfrom pkg.net import net\n\n\ndef run(x, y):\n    return Trainer(net()).step(x, y)\n")
    assert [(r["code"], r["filename"].rsplit("/", 1)[-1]) for r in docs.records(".")] == [("LL203", "net.py")]
