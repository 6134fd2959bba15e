"""The prefilter never costs a finding: files it skips are parsed when the analysis of a
parsed file reaches them, and a prefiltered run reports what a parse of every file does."""

from pathlib import Path

import pytest

from tests.speed.helpers import collected, findings, parsed_names, write

REPOSITORY = Path(__file__).resolve().parents[2]

# The model's definition names no loss and no activation: only nn.Linear layers.
MODELS = """
import torch.nn as nn


class Classifier(nn.Module):
    def __init__(self, features=20, classes=5):
        super().__init__()
        self.hidden = nn.Linear(features, 64)
        self.out = nn.Linear(64, classes)

    def forward(self, x):
        return self.out(self.hidden(x).relu())
"""

TRAIN_NLL = """
import torch
import torch.nn as nn

from models import Classifier

model = Classifier()
criterion = nn.NLLLoss()
optimizer = torch.optim.Adam(model.parameters())
for inputs, labels in loader:
    optimizer.zero_grad()
    loss = criterion(model(inputs), labels)
    loss.backward()
    optimizer.step()
"""


def test_model_file_without_trigger_words_is_analyzed_through_the_import(tmp_path):
    write(tmp_path, {"models.py": MODELS, "train.py": TRAIN_NLL, "notes.py": "TITLE = 'runs'\n"})
    result = collected(tmp_path)
    assert "models.py" in parsed_names(result)  # loaded on demand
    assert "notes.py" not in parsed_names(result)  # never needed
    assert result.stats.rounds == 2
    got = findings(tmp_path)
    assert got == [("LL101", "train.py", 7)]  # logits of models.py into nn.NLLLoss()
    assert got == findings(tmp_path, prefilter=False)


def test_training_file_without_trigger_words_is_a_root(tmp_path):
    write(
        tmp_path,
        {
            "models.py": MODELS.replace("self.out(self.hidden(x).relu())", "self.out(self.hidden(x)).softmax(dim=1)"),
            "losses.py": "import torch.nn as nn\n\n\ndef make_criterion():\n    return nn.CrossEntropyLoss()\n",
            "train.py": (
                "from losses import make_criterion\nfrom models import Classifier\n\n"
                "model = Classifier()\ncriterion = make_criterion()\n"
                "for inputs, labels in loader:\n    criterion(model(inputs), labels).backward()\n"
            ),
        },
    )
    got = findings(tmp_path)
    assert [code for code, _, _ in got] == ["LL103"]
    assert got == findings(tmp_path, prefilter=False)


def test_a_package_chain_is_followed_file_by_file(tmp_path):
    write(
        tmp_path,
        {
            "proj/__init__.py": "from proj.nets import build\n",
            "proj/nets/__init__.py": "from .factory import build\n",
            "proj/nets/factory.py": "from .layers import Head\n\n\ndef build():\n    return Head()\n",
            "proj/nets/layers.py": MODELS.replace("class Classifier", "class Head"),
            "train.py": TRAIN_NLL.replace("from models import Classifier", "from proj import build").replace(
                "model = Classifier()", "model = build()"
            ),
        },
    )
    result = collected(tmp_path)
    assert {"factory.py", "layers.py"} <= parsed_names(result)
    got = findings(tmp_path)
    assert any(code == "LL101" for code, _, _ in got), got
    assert got == findings(tmp_path, prefilter=False)


def test_a_log_whose_argument_comes_from_a_caller(tmp_path):
    # losses.py says log but names no activation; train.py, which names nothing, passes
    # the sigmoid model's output in: both are contexts the analysis needs.
    write(
        tmp_path,
        {
            "models.py": MODELS.replace("self.out(self.hidden(x).relu())", "self.out(self.hidden(x)).sigmoid()"),
            "losses.py": (
                "import torch\n\n\ndef binary_ce(p, y):\n"
                "    return -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()\n\n\n"
                "def log_scores(p):\n    return torch.log(p)\n"
            ),
            "train.py": (
                "from losses import binary_ce, log_scores\nfrom models import Classifier\n\n"
                "model = Classifier()\nfor x, y in loader:\n    binary_ce(model(x), y).backward()\n"
                "    scores = log_scores(model(x))\n"
            ),
        },
    )
    got = findings(tmp_path)
    assert [code for code, _, _ in got] == ["LL206", "LL501"]
    assert got == findings(tmp_path, prefilter=False)


def test_files_the_rules_beyond_the_pairs_look_into_are_parsed_too(tmp_path):
    # The reduction is read by LL303's check, after the analysis: config.py is loaded then.
    write(
        tmp_path,
        {
            "config.py": 'REDUCTION = "mean"\n',
            "train.py": (
                "import torch.nn as nn\nimport torch.nn.functional as F\n\nimport config\n\n"
                "criterion = nn.KLDivLoss(reduction=config.REDUCTION)\n\n\n"
                "def step(student_logits, teacher_probs):\n"
                "    return criterion(F.log_softmax(student_logits, dim=1), teacher_probs)\n"
            ),
        },
    )
    assert "config.py" not in parsed_names(collected(tmp_path))
    got = findings(tmp_path)
    assert got == [("LL303", "train.py", 6)]
    assert got == findings(tmp_path, prefilter=False)


def test_syntax_errors_are_reported_in_files_the_prefilter_skips(tmp_path):
    write(tmp_path, {"train.py": TRAIN_NLL, "models.py": MODELS, "broken.py": "def oops(:\n    pass\n"})
    got = findings(tmp_path)
    assert ("invalid-syntax", "broken.py", 1) in got
    assert got == findings(tmp_path, prefilter=False)


def test_a_broken_file_sharing_a_module_name_does_not_change_resolution(tmp_path):
    # Two files named `models` under different roots: the broken one drops out, as in a
    # full parse, so `from models import Classifier` resolves to the good one.
    write(tmp_path, {"app/train.py": TRAIN_NLL, "lib/models.py": MODELS, "old/models.py": "class (:\n"})
    got = findings(tmp_path)
    assert ("invalid-syntax", "models.py", 1) in got
    assert got == findings(tmp_path, prefilter=False)


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_example_projects_give_the_same_findings_either_way(jobs, monkeypatch):
    from losslint.engine import workers

    monkeypatch.setattr(workers, "POOL_MIN_BYTES", 0)  # let jobs=2 really use processes
    examples = REPOSITORY / "examples"
    assert findings(examples, jobs=jobs) == findings(examples, prefilter=False)
