"""LL408: softmax/log_softmax over a dimension of size 1 (a one-unit layer's output)."""

import pytest

from tests.analysis.helpers import codes, lint

HEAD = """
import torch
import torch.nn as nn
import torch.nn.functional as F

unit = nn.Linear(64, 1)
two = nn.Linear(64, 2)
conv = nn.Conv2d(16, 1, 3)
"""

REPORTED = {
    # the model: LL104 called this "acceptable: same result"
    "log_softmax_layer_cross_entropy": "m = nn.Sequential(nn.Linear(64, 1), nn.LogSoftmax(dim=1))\ndef f(x, y): return nn.CrossEntropyLoss()(m(x), y)",
    "log_softmax_nll": "def f(x, y): return F.nll_loss(F.log_softmax(unit(x), dim=-1), y)",
    "softmax_method_cross_entropy": "def f(x, y): return F.cross_entropy(unit(x).softmax(1), y)",
    "softmax_nll": "def f(x, y): return F.nll_loss(torch.softmax(unit(x), dim=1), y)",
    "one_channel_conv": "def f(x, y): return F.cross_entropy(F.softmax(conv(x), dim=1), y)",
    "unsqueezed_scores": "def f(x, y): return F.nll_loss(F.log_softmax(two(x)[:, 1].unsqueeze(-1), dim=-1), y)",
    "viewed_to_one_column": "def f(x, y): return F.cross_entropy(two(x)[:, 0].view(-1, 1).softmax(1), y)",
    "module_constant": "OUT = 1\nhead = nn.Linear(64, OUT)\ndef f(x, y): return F.nll_loss(F.log_softmax(head(x), 1), y)",
}

SILENT = {
    "two_units": "def f(x, y): return F.nll_loss(F.log_softmax(two(x), dim=1), y)",
    "unknown_size": "def f(x, y, n):\n    head = nn.Linear(64, n)\n    return F.nll_loss(F.log_softmax(head(x), dim=1), y)",
    "unknown_dim": "def f(x, y, d): return F.nll_loss(F.log_softmax(unit(x), dim=d), y)",
    "conv_over_width": "def f(x, y): return F.cross_entropy(F.softmax(conv(x), dim=-1), y)",
    "unsqueezed_other_dim": "def f(x, y): return F.nll_loss(F.log_softmax(two(x).unsqueeze(0), dim=-1), y)",
    "viewed_to_many_columns": "def f(x, y): return F.cross_entropy(two(x).view(-1, 4).softmax(1), y)",
    "reshaped_first": "def f(x, y): return F.cross_entropy(F.softmax(unit(x).view(-1, 4), dim=1), y)",
}


@pytest.mark.parametrize("case", sorted(REPORTED))
def test_reported(tmp_path, case):
    assert codes(tmp_path, {"m.py": HEAD + REPORTED[case]}) == ["LL408"]


@pytest.mark.parametrize("case", sorted(SILENT))
def test_not_ll408(tmp_path, case):
    assert "LL408" not in codes(tmp_path, {"m.py": HEAD + SILENT[case]})


def test_two_units_keeps_the_pair_verdict(tmp_path):
    body = "m = nn.Sequential(nn.Linear(64, 2), nn.LogSoftmax(dim=1))\ndef f(x, y): return nn.CrossEntropyLoss()(m(x), y)"
    assert codes(tmp_path, {"m.py": HEAD + body}) == ["LL104"]


def test_message_states_the_constant_of_its_own_activation(tmp_path):
    (log,) = lint(tmp_path, {"m.py": HEAD + REPORTED["log_softmax_nll"]})
    assert "log_softmax of one value is always 0" in log.message and "always 1" not in log.message
    assert log.activation == "log_softmax" and log.loss == "NLLLoss" and log.fix is None
    (soft,) = lint(tmp_path, {"m.py": HEAD + REPORTED["softmax_nll"]})
    assert "softmax of one value is always 1" in soft.message and "always 0" not in soft.message


def test_message_says_what_made_the_dimension_size_one(tmp_path):
    (layer,) = lint(tmp_path, {"m.py": HEAD + REPORTED["log_softmax_nll"]})
    assert "(the layer has one output)" in layer.message
    (reshaped,) = lint(tmp_path, {"m.py": HEAD + REPORTED["unsqueezed_scores"]})
    assert "(the reshape right before it makes that dimension)" in reshaped.message and "layer has one output" not in reshaped.message
