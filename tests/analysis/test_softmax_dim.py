"""softmax/log_softmax without dim (LL401) or over the batch dimension (LL402), where
the output reaches a loss."""

import pytest

from tests.analysis.helpers import codes, lint

HEAD = """
import torch
import torch.nn as nn
import torch.nn.functional as F

fc = nn.Linear(32, 10)
"""


def check(tmp_path, body: str) -> list[str]:
    return codes(tmp_path, {"m.py": HEAD + body})


IMPLICIT = {
    "log_softmax_layer": "m = nn.Sequential(nn.Linear(32, 10), nn.LogSoftmax())\ndef f(x, y): return F.nll_loss(m(x), y)",
    "log_softmax_function": "def f(x, y): return nn.NLLLoss()(F.log_softmax(fc(x)), y)",
    "dim_none": "def f(x, y): return F.nll_loss(F.log_softmax(fc(x), dim=None), y)",
    "layer_on_self": """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(32, 10)
        self.act = torch.nn.LogSoftmax()

    def forward(self, x):
        return self.act(self.fc(x))

def f(x, y):
    return F.nll_loss(Net()(x), y)
""",
    "kl_target": "def f(x): return F.kl_div(F.log_softmax(fc(x), 1), F.softmax(fc(x)), reduction='batchmean')",
}


@pytest.mark.parametrize("case", sorted(IMPLICIT))
def test_implicit_dim(tmp_path, case):
    assert check(tmp_path, IMPLICIT[case]) == ["LL401"]


def test_implicit_dim_also_reported_beside_the_pair_rule(tmp_path):
    # The quiz's own MLP: nn.Softmax() appended to a list, then CrossEntropyLoss.
    body = """
class MLP(torch.nn.Module):
    def __init__(self, num_features, num_classes):
        super().__init__()
        self.layers = []
        self.layers.append(torch.nn.Linear(num_features, 25))
        self.layers.append(torch.nn.ReLU())
        self.layers.append(torch.nn.Linear(25, num_classes))
        self.layers.append(torch.nn.Softmax())
        self.layers = torch.nn.Sequential(*self.layers)

    def forward(self, x):
        return self.layers(x)

def f(x, y):
    return F.cross_entropy(MLP(4, 3)(x), y)
"""
    findings = lint(tmp_path, {"m.py": HEAD + body})
    assert sorted(f.code for f in findings) == ["LL103", "LL401"]
    implicit = next(f for f in findings if f.code == "LL401")
    assert implicit.severity == "warning" and implicit.verdict == "warning"
    assert "`torch.nn.Softmax()`" in implicit.message


IMPLICIT_SILENT = {
    "explicit_dims": "def f(x, y): return F.nll_loss(F.log_softmax(fc(x), 1), y) + F.nll_loss(nn.LogSoftmax(dim=-1)(fc(x)), y)",
    "softmax2d_has_its_own_dim": "m = nn.Sequential(nn.Conv2d(3, 4, 1), nn.Softmax2d())\ndef f(x, s): return F.kl_div(s, m(x), reduction='batchmean')",
    "attention_mid_network": """
class Attn(nn.Module):
    def __init__(self):
        super().__init__()
        self.q = nn.Linear(32, 32)
        self.out = nn.Linear(32, 10)

    def forward(self, x):
        w = F.softmax(self.q(x) @ x.transpose(1, 2))
        return self.out((w @ x).mean(1))

def f(x, y):
    return F.cross_entropy(Attn()(x), y)
""",
    "metrics_only": "def f(x, y):\n    z = fc(x)\n    acc = (F.softmax(z).argmax(1) == y).float().mean()\n    return F.cross_entropy(z, y), acc",
    "dim_from_star_args": "def f(x, y, *a): return F.nll_loss(F.log_softmax(fc(x), *a), y)",
}


@pytest.mark.parametrize("case", sorted(IMPLICIT_SILENT))
def test_implicit_dim_silent(tmp_path, case):
    assert check(tmp_path, IMPLICIT_SILENT[case]) == []


BATCH_DIM = {
    "function": "def f(x, y): return F.nll_loss(F.log_softmax(fc(x), dim=0), y)",
    "positional": "def f(x, y): return F.nll_loss(torch.log_softmax(fc(x), 0), y)",
    "method": "def f(x, y): return F.nll_loss(fc(x).log_softmax(0), y)",
    "layer": "m = nn.Sequential(nn.Linear(32, 10), nn.LogSoftmax(dim=0))\ndef f(x, y): return nn.NLLLoss()(m(x), y)",
    "unstable_log": "def f(x, y): return F.nll_loss(torch.log(F.softmax(fc(x), dim=0)), y)",
    "model_output": """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.head = nn.Linear(32, 10)
        self.drop = nn.Dropout(0.1)

    def forward(self, x):
        x = self.drop(self.head(x))
        return x.log_softmax(dim=0)

def f(x, y):
    return nn.NLLLoss()(Net()(x), y)
""",
}


@pytest.mark.parametrize("case", sorted(BATCH_DIM))
def test_softmax_over_the_batch(tmp_path, case):
    found = check(tmp_path, BATCH_DIM[case])
    assert "LL402" in found
    assert set(found) <= {"LL402", "LL105"}  # torch.log(softmax) is also LL105


def test_softmax_over_the_batch_with_cross_entropy_reports_both_mistakes(tmp_path):
    body = "def f(x, y): return F.cross_entropy(F.softmax(fc(x), dim=0), y)"
    assert check(tmp_path, body) == ["LL103", "LL402"]


BATCH_DIM_SILENT = {
    "dim_1": "def f(x, y): return F.nll_loss(F.log_softmax(fc(x), dim=1), y)",
    "dim_minus_1": "def f(x, y): return F.nll_loss(F.log_softmax(fc(x), dim=-1), y)",
    "transposed_before": "def f(x, y): return F.nll_loss(F.log_softmax(fc(x).t(), dim=0).t(), y)",
    "transposed_input_only": "def f(x, y): return F.nll_loss(F.log_softmax(fc(x).T, dim=0), y)",
    "method_on_transposed": "def f(x, y): return F.nll_loss(fc(x).permute(1, 0).log_softmax(0), y)",
    "reshaped_after": "def f(x, y): return F.nll_loss(F.log_softmax(fc(x), dim=0).view(-1, 10), y)",
    "not_a_class_loss": "def f(x, t): return F.kl_div(F.log_softmax(fc(x), dim=0), t, reduction='batchmean')",
    "dim_unknown": "def f(x, y, d): return F.nll_loss(F.log_softmax(fc(x), dim=d), y)",
    # one unbatched (classes,) example: dim 0 is its class dimension
    "unbatched_vector": "def f(y):\n    v = torch.randn(10)\n    return F.nll_loss(torch.log_softmax(v, dim=0), y)",
    "input_of_unknown_origin": "def f(scores, y): return F.nll_loss(F.log_softmax(scores, dim=0), y)",
    "reshaped_logits": "def f(x, y): return F.nll_loss(F.log_softmax(fc(x).view(10, -1), dim=0), y)",
}


@pytest.mark.parametrize("case", sorted(BATCH_DIM_SILENT))
def test_softmax_over_the_batch_silent(tmp_path, case):
    assert check(tmp_path, BATCH_DIM_SILENT[case]) == []
