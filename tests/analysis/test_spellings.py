"""Every spelling of an activation and of a loss, under any import alias."""

import pytest

from tests.analysis.helpers import codes, lint, pairs

# (imports, expression applied to `h`, the activation it is)
ACTIVATIONS = [
    ("import torch.nn as nn", "nn.Softmax(dim=1)(h)", "softmax"),
    ("import torch.nn as tnn", "tnn.Softmax(dim=1)(h)", "softmax"),
    ("from torch import nn", "nn.LogSoftmax(dim=1)(h)", "log_softmax"),
    ("from torch.nn import Softmax", "Softmax(dim=1)(h)", "softmax"),
    ("from torch.nn import Sigmoid as Sig", "Sig()(h)", "sigmoid"),
    ("import torch", "torch.nn.LogSigmoid()(h)", "logsigmoid"),
    ("import torch.nn.functional as F", "F.softmax(h, dim=1)", "softmax"),
    ("from torch.nn import functional as fn", "fn.log_softmax(h, 1)", "log_softmax"),
    ("import torch.nn.functional as F", "F.sigmoid(h)", "sigmoid"),
    ("import torch.nn.functional as F", "F.logsigmoid(h)", "logsigmoid"),
    ("import torch", "torch.nn.functional.softmax(h, -1)", "softmax"),
    ("from torch.nn.functional import log_softmax", "log_softmax(h, dim=-1)", "log_softmax"),
    ("import torch", "torch.softmax(h, 1)", "softmax"),
    ("import torch", "torch.log_softmax(h, 1)", "log_softmax"),
    ("import torch", "torch.sigmoid(h)", "sigmoid"),
    ("import torch as T", "T.sigmoid(h)", "sigmoid"),
    ("", "h.softmax(1)", "softmax"),
    ("", "h.log_softmax(dim=1)", "log_softmax"),
    ("", "h.sigmoid()", "sigmoid"),
    ("import torch\nimport torch.nn.functional as F", "torch.log(F.softmax(h, 1))", "log_softmax"),
    ("import torch", "torch.log(torch.sigmoid(h))", "logsigmoid"),
    ("import torch.nn.functional as F", "F.softmax(h, 1).log()", "log_softmax"),
]

# For each activation: the loss it is wrong with, and the rule that says so.
WRONG_WITH = {
    "softmax": ("CrossEntropyLoss", "LL103"),
    "log_softmax": ("CrossEntropyLoss", "LL104"),
    "sigmoid": ("BCEWithLogitsLoss", "LL202"),
    "logsigmoid": ("BCEWithLogitsLoss", "LL205"),
}


def model_source(imports: str, expression: str) -> str:
    return f"""
{imports}
import torch.nn


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(8, 4)

    def forward(self, x):
        h = self.fc(x)
        return {expression}
"""


@pytest.mark.parametrize("imports, expression, activation", ACTIVATIONS)
def test_activation_spelling(tmp_path, imports, expression, activation):
    loss, code = WRONG_WITH[activation]
    train = f"""
import torch.nn as nn
from model import Net

model = Net()
criterion = nn.{loss}()

def step(x, y):
    return criterion(model(x), y)
"""
    files = {"model.py": model_source(imports, expression), "train.py": train}
    assert pairs(tmp_path, files) == [(activation, loss)]


@pytest.mark.parametrize(
    "imports, call, loss",
    [
        ("import torch.nn as nn", "nn.CrossEntropyLoss()(out, y)", "CrossEntropyLoss"),
        ("import torch.nn.functional as F", "F.cross_entropy(out, y)", "CrossEntropyLoss"),
        ("from torch.nn.functional import cross_entropy", "cross_entropy(out, y)", "CrossEntropyLoss"),
        ("import torch", "torch.nn.functional.cross_entropy(out, y)", "CrossEntropyLoss"),
        ("from torch.nn import functional as fn", "fn.nll_loss(out, y)", "NLLLoss"),
        ("import torch.nn as nn", "nn.NLLLoss(reduction='sum')(input=out, target=y)", "NLLLoss"),
        ("from torch.nn import CrossEntropyLoss as CE", "CE(label_smoothing=0.1)(out, y)", "CrossEntropyLoss"),
        ("import torch.nn.modules.loss as L", "L.CrossEntropyLoss()(out, y)", "CrossEntropyLoss"),
    ],
)
def test_loss_spelling(tmp_path, imports, call, loss):
    source = f"""
{imports}
import torch.nn.functional as F2

def step(logits, y):
    out = F2.softmax(logits, dim=1)
    return {call}
"""
    assert pairs(tmp_path, {"step.py": source}) == [("softmax", loss)]


def test_functional_bound_to_a_name(tmp_path):
    source = """
    import torch.nn.functional as F

    objective = F.cross_entropy

    def step(logits, y):
        return objective(logits.softmax(1), y)
    """
    assert codes(tmp_path, {"a.py": source}) == ["LL103"]


def test_functional_partial(tmp_path):
    source = """
    import functools
    import torch.nn.functional as F

    loss_fn = functools.partial(F.nll_loss, reduction="sum")

    def step(logits, y):
        return loss_fn(F.softmax(logits, 1), y)
    """
    assert pairs(tmp_path, {"a.py": source}) == [("softmax", "NLLLoss")]


def test_loss_class_stored_then_called_inline(tmp_path):
    source = """
    import torch
    import torch.nn as nn

    def step(logits, y):
        probs = torch.sigmoid(logits)
        return nn.BCEWithLogitsLoss(pos_weight=torch.tensor(3.0))(probs, y)
    """
    assert pairs(tmp_path, {"a.py": source}) == [("sigmoid", "BCEWithLogitsLoss")]


# --- the two-step logs (LL105, LL206): a loss is named only where there is one --------------

REFERENCE_TEST = """
import torch
import torch.nn.functional as F


def test_reference():
    x = torch.randn(4, 3)
    expected = -torch.log(torch.sigmoid(x)).sum()
    log_probs = torch.log(F.softmax(x, dim=1))
    assert expected.isfinite() and log_probs.isfinite().all()
"""


def test_log_of_activation_reaching_no_loss_mentions_no_loss(tmp_path):
    findings = lint(tmp_path, {"test_reference.py": REFERENCE_TEST})
    assert sorted(f.code for f in findings) == ["LL105", "LL206"]
    for finding in findings:
        assert finding.loss is None and finding.related == []
        assert "loss" not in finding.message.lower(), finding.message  # no "before it reaches the loss"
        assert "in two steps:" in finding.message and "-inf" in finding.message


def test_log_of_activation_reaching_a_loss_names_it(tmp_path):
    source = REFERENCE_TEST + "\n\ndef step(z, y):\n    return F.nll_loss(torch.log(F.softmax(z, dim=1)), y)\n"
    findings = lint(tmp_path, {"train.py": source})
    assert sorted(f.code for f in findings) == ["LL105", "LL105", "LL206"]
    (reaching,) = [f for f in findings if f.loss is not None]
    assert reaching.code == "LL105" and "in two steps before it reaches `NLLLoss`:" in reaching.message
