"""skorch nets: NeuralNetClassifier takes torch.log of the module's output when its
criterion is NLLLoss (the default), so the module must return probabilities (LL407);
with any other criterion the output goes to the loss as it is (the usual pair rules)."""

import pytest

from tests.analysis.helpers import codes

MODULES = """
import torch.nn as nn
import torch.nn.functional as F


class LogProbs(nn.Module):
    def __init__(self):
        super().__init__()
        self.out = nn.Linear(20, 3)

    def forward(self, X):
        return F.log_softmax(self.out(X), dim=-1)


class Logits(nn.Module):
    def __init__(self):
        super().__init__()
        self.out = nn.Linear(20, 3)

    def forward(self, X):
        return self.out(X)


class Probs(nn.Module):
    def __init__(self):
        super().__init__()
        self.out = nn.Linear(20, 3)

    def forward(self, X):
        return F.softmax(self.out(X), dim=-1)
"""


def check(tmp_path, net: str) -> list[str]:
    train = f"""
import torch
import torch.nn as nn
import skorch
from skorch import NeuralNet, NeuralNetClassifier
from modules import Logits, LogProbs, Probs

net = {net}
"""
    return codes(tmp_path, {"modules.py": MODULES, "train.py": train})


REPORTED = {
    "log_softmax_default_criterion": ("NeuralNetClassifier(LogProbs, max_epochs=10)", ["LL407"]),
    "logits_explicit_nll": ("NeuralNetClassifier(Logits, criterion=nn.NLLLoss)", ["LL407"]),
    "log_softmax_layer_in_sequential": (
        "skorch.classifier.NeuralNetClassifier(nn.Sequential(nn.Linear(20, 3), nn.LogSoftmax(dim=1)))", ["LL407"]),
    # other criteria get the output as it is
    "softmax_with_cross_entropy": ("NeuralNetClassifier(Probs, criterion=nn.CrossEntropyLoss)", ["LL103"]),
    "log_softmax_with_cross_entropy": ("NeuralNetClassifier(LogProbs, criterion=nn.CrossEntropyLoss)", ["LL104"]),
    "base_net_logits_nll": ("NeuralNet(Logits, criterion=torch.nn.NLLLoss)", ["LL101"]),
}


@pytest.mark.parametrize("case", sorted(REPORTED))
def test_reported(tmp_path, case):
    net, expected = REPORTED[case]
    assert check(tmp_path, net) == expected


SILENT = {
    "probabilities_default_criterion": "NeuralNetClassifier(Probs, max_epochs=10)",
    "logits_with_cross_entropy": "NeuralNetClassifier(Logits, criterion=nn.CrossEntropyLoss)",
    "base_net_does_not_take_the_log": "NeuralNet(LogProbs, nn.NLLLoss)",
    "criterion_from_configuration": "NeuralNetClassifier(LogProbs, criterion=getattr(nn, args.loss))",
    "module_unknown": "NeuralNetClassifier(torch.hub.load('x/y', 'net'))",
}


@pytest.mark.parametrize("case", sorted(SILENT))
def test_silent(tmp_path, case):
    assert check(tmp_path, SILENT[case]) == []
