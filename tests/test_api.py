"""The library API: losslint.check_paths / check_source return the JSON records."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import losslint
from losslint.cli import main

MODEL = """\
import torch.nn as nn


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Linear(16, 4)
        self.act = nn.Softmax(dim=-1)

    def forward(self, x):
        return self.act(self.body(x))
"""

TRAIN = """\
import torch.nn.functional as F

from models import Classifier

net = Classifier()


def train_step(batch, target):
    return F.cross_entropy(net(batch), target)
"""


@pytest.fixture
def project(tmp_path):
    (tmp_path / "models.py").write_text(MODEL)
    (tmp_path / "train.py").write_text(TRAIN)
    return tmp_path


def test_import_stays_light():
    # The CLI's --version and flake8's plugin loading import losslint: no libcst then.
    code = "import sys, losslint; print(losslint.__version__); print('libcst' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == [losslint.__version__, "False"]


def test_check_paths_returns_the_cli_json_records(project, capsys):
    records = losslint.check_paths([project])
    assert main(["check", str(project), "--output-format", "json"]) == 1
    assert records == json.loads(capsys.readouterr().out)
    [record] = records
    assert record["code"] == "LL103" and record["filename"] == str(project / "models.py")
    assert record["location"] == {"row": 8, "column": 20}
    assert record["related"][0]["filename"] == str(project / "train.py")
    # A single path (str or Path) works too.
    assert losslint.check_paths(str(project)) == records


def test_check_paths_honours_the_project_configuration(project):
    (project / "pyproject.toml").write_text('[tool.losslint]\nignore = ["softmax-before-cross-entropy"]\n')
    assert losslint.check_paths(project) == []
    assert [r["code"] for r in losslint.check_paths(project, isolated=True)] == ["LL103"]


def test_check_paths_missing_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="does-not-exist"):
        losslint.check_paths([tmp_path / "does-not-exist"])


def test_check_source(tmp_path):
    source = (
        "import torch\n\n"
        "def loss_fn(scores, labels):\n"
        "    return torch.nn.functional.nll_loss(torch.log(torch.softmax(scores, 1)), labels)\n"
    )
    [record] = losslint.check_source(source, filename=str(tmp_path / "loss.py"))
    assert record["code"] == "LL105" and record["filename"] == str(tmp_path / "loss.py")
    assert record["location"] == {"row": 4, "column": 41}
    assert losslint.check_source("print('clean')\n") == []
    [syntax] = losslint.check_source("def f(:\n")
    assert (syntax["code"], syntax["name"], syntax["filename"]) == (None, "invalid-syntax", "<stdin>")


def test_check_source_of_a_notebook():
    cells = [
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": ["%pip install torch\n", "import torch.nn as nn"]},
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
         "source": ["head = nn.Sequential(nn.Linear(3, 1), nn.Sigmoid())\n", "loss = nn.BCEWithLogitsLoss()(head(x), y)"]},
    ]
    text = json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    [record] = losslint.check_source(text, filename="eda.ipynb")
    assert (record["code"], record["cell"], record["location"]) == ("LL202", 2, {"row": 1, "column": 39})
    [broken] = losslint.check_source("{not json", filename="eda.ipynb")
    assert broken["name"] == "io-error" and "not valid JSON" in broken["message"]
