"""Multi-label / multi-class confusions that reach a loss: sigmoid before the soft-margin
losses (LL304, LL305), softmax before BCE (LL403, LL404), a one-unit output into
CrossEntropyLoss (LL405), a sigmoid into NLLLoss (LL406)."""

import pytest

from tests.analysis.helpers import codes, lint

HEAD = """
import torch
import torch.nn as nn
import torch.nn.functional as F

fc = nn.Linear(32, 20)
unit = nn.Linear(32, 1)
"""


def check(tmp_path, body: str) -> list[str]:
    return codes(tmp_path, {"m.py": HEAD + body})


CASES = {
    # sigmoid before the losses that take logits
    "multilabel_soft_margin_layer": ("m = nn.Sequential(nn.Linear(32, 20), nn.Sigmoid())\ndef f(x, t): return nn.MultiLabelSoftMarginLoss()(m(x), t)", "LL304"),
    "multilabel_soft_margin_function": ("def f(x, t): return F.multilabel_soft_margin_loss(fc(x).sigmoid(), t)", "LL304"),
    "soft_margin": ("def f(x, t): return nn.SoftMarginLoss()(torch.sigmoid(unit(x)).squeeze(1), t)", "LL305"),
    # softmax before the binary losses
    "softmax_bce_with_logits": ("def f(x, t): return F.binary_cross_entropy_with_logits(F.softmax(fc(x), dim=1), t)", "LL403"),
    "softmax_column_bce_with_logits": ("def f(x, t): return F.binary_cross_entropy_with_logits(fc(x).softmax(1)[:, 1], t)", "LL403"),
    "softmax_bce": ("crit = nn.BCELoss()\ndef f(x, t): return crit(torch.softmax(fc(x), 1), t)", "LL404"),
    "softmax_layer_bce": ("m = nn.Sequential(nn.Linear(32, 20), nn.Softmax(dim=-1))\ndef f(x, t): return F.binary_cross_entropy(m(x), t)", "LL404"),
    # one unit into a multiclass loss
    "one_unit_cross_entropy": ("def f(x, y): return F.cross_entropy(unit(x), y)", "LL405"),
    "one_unit_in_sequential": ("m = nn.Sequential(nn.Linear(32, 8), nn.ReLU(), nn.Linear(8, out_features=1))\ndef f(x, y): return nn.CrossEntropyLoss()(m(x), y)", "LL405"),
    "lazy_linear": ("m = nn.LazyLinear(1)\ndef f(x, y): return nn.CrossEntropyLoss()(m(x), y)", "LL405"),
    "one_channel_segmentation": ("m = nn.Sequential(nn.Conv2d(3, 16, 3), nn.ReLU(), nn.Conv2d(16, 1, 1))\ndef f(x, y): return F.cross_entropy(m(x), y)", "LL405"),
    "one_unit_module_constant": ("OUT = 1\nm = nn.Sequential(nn.Linear(32, OUT))\ndef f(x, y): return F.cross_entropy(m(x), y)", "LL405"),
    "one_unit_constructor_argument": (
        "class Head(nn.Module):\n"
        "    def __init__(self, n_out):\n"
        "        super().__init__()\n"
        "        self.fc = nn.Linear(32, n_out)\n"
        "    def forward(self, x):\n"
        "        return self.fc(x)\n"
        "def f(x, y): return F.cross_entropy(Head(1)(x), y)",
        "LL405",
    ),
    # sigmoid into NLLLoss
    "sigmoid_nll_one_unit": ("m = nn.Sequential(nn.Linear(32, 1), nn.Sigmoid())\ndef f(x, y): return nn.NLLLoss()(m(x), y)", "LL406"),
    "sigmoid_nll_many_units": ("def f(x, y): return F.nll_loss(torch.sigmoid(fc(x)), y)", "LL406"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_reported(tmp_path, case):
    body, code = CASES[case]
    assert check(tmp_path, body) == [code]


def test_single_unit_points_at_the_layer(tmp_path):
    (finding,) = lint(tmp_path, {"m.py": HEAD + "def f(x, y):\n    return F.cross_entropy(unit(x), y)\n"})
    assert finding.code == "LL405" and finding.activation == "none" and finding.loss == "CrossEntropyLoss"
    assert finding.site.start.row == 6  # unit = nn.Linear(32, 1)
    assert "`nn.Linear(32, 1)`" in finding.message


SILENT = {
    # one column of a two-class softmax is a binary probability
    "softmax_column_into_bce": "two = nn.Linear(32, 2)\ndef f(x, t): return F.binary_cross_entropy(F.softmax(two(x), dim=1)[:, 1], t)",
    "logits_into_margin_losses": "def f(x, t): return F.multilabel_soft_margin_loss(fc(x), t) + F.soft_margin_loss(unit(x), t)",
    "softmax_as_bce_target": "def f(x, t): return F.binary_cross_entropy_with_logits(fc(x), F.softmax(t, dim=1))",
    # a one-unit scorer reshaped into choices is a proper multiple-choice cross-entropy
    "multiple_choice": "def f(x, y, n): return F.cross_entropy(unit(x).view(-1, n), y)",
    "squeezed_listwise": "def f(x, y): return F.cross_entropy(unit(x).squeeze(-1), y)",
    "two_units": "two = nn.Linear(32, 2)\ndef f(x, y): return F.cross_entropy(two(x), y)",
    "units_unknown": "def f(x, y, k): return F.cross_entropy(nn.Linear(32, k)(x), y)",
    "one_unit_bce": "def f(x, t): return F.binary_cross_entropy_with_logits(unit(x), t)",
    # two softmax columns against one-hot targets: a binary classifier, BCE = 2 x CE
    "two_column_softmax_bce": "two = nn.Linear(32, 2)\ndef f(x, t): return F.binary_cross_entropy(F.softmax(two(x), dim=1), t)",
    "two_column_softmax_layer_bce": "N = 2\nm = nn.Sequential(nn.Linear(32, N), nn.Softmax(dim=1))\ndef f(x, t): return nn.BCELoss()(m(x), t)",
}


@pytest.mark.parametrize("case", sorted(SILENT))
def test_silent(tmp_path, case):
    assert check(tmp_path, SILENT[case]) == []
