"""Messages state only what holds for the code they point at: an eps inside the log of
a hand-written loss means no NaN claim; float targets mean no IndexError claim."""

import pytest

from tests.analysis.helpers import lint

HEAD = """
import torch
import torch.nn as nn
import torch.nn.functional as F

fc = nn.Linear(32, 10)
unit = nn.Linear(32, 1)
"""


def only(tmp_path, body: str, code: str):
    (finding,) = [f for f in lint(tmp_path, {"m.py": HEAD + body}) if f.code == code]
    return finding


def test_hand_written_cross_entropy_without_eps_claims_nan(tmp_path):
    body = "def f(x, t):\n    p = F.softmax(fc(x), dim=1)\n    return -(t * torch.log(p)).sum(1).mean()\n"
    message = only(tmp_path, body, "LL502").message
    assert "makes the loss NaN" in message and "finite" not in message


def test_hand_written_cross_entropy_with_eps_claims_zero_gradient(tmp_path):
    body = "def f(x, t):\n    p = F.softmax(fc(x), dim=1)\n    return -(t * torch.log(p + 1e-20)).sum(1).mean()\n"
    finding = only(tmp_path, body, "LL502")
    assert "NaN" not in finding.message and "gradient is exactly 0" in finding.message
    assert finding.origin.details["conditions"] == ["eps"]


def test_clamp_with_a_named_eps_counts_as_eps(tmp_path):
    body = "EPS = 1e-7\ndef f(x, t):\n    p = F.softmax(fc(x), dim=1)\n    return -(t * torch.log(p.clamp(min=EPS))).sum(1).mean()\n"
    assert "NaN" not in only(tmp_path, body, "LL502").message


def test_hand_written_binary_cross_entropy_eps(tmp_path):
    plain = "def f(x, y):\n    p = torch.sigmoid(unit(x))\n    return -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()\n"
    assert "gradient NaN" in only(tmp_path, plain, "LL501").message
    eps = plain.replace("torch.log(p)", "torch.log(p + 1e-8)").replace("torch.log(1 - p)", "torch.log(1 - p + 1e-8)")
    message = only(tmp_path, eps, "LL501").message
    assert "NaN" not in message and "inf" not in message and "finite" in message


def test_single_unit_index_error_only_for_class_index_targets(tmp_path):
    ints = "def f(x, y): return F.cross_entropy(unit(x), y)"
    assert "IndexError" in only(tmp_path, ints, "LL405").message
    for soft in ("def f(x, y): return F.cross_entropy(unit(x), y.float())",
                 "def f(x): return F.cross_entropy(unit(x), torch.rand(8, 1))",
                 "def f(x, y): return nn.CrossEntropyLoss()(unit(x), y.to(torch.float32))"):
        finding = only(tmp_path, soft, "LL405")
        assert "IndexError" not in finding.message and "exactly 0" in finding.message, soft
        assert finding.origin.details["conditions"] == ["float_targets"]


UNKNOWN_SIZE_HEAD = (
    "class M(nn.Module):\n    def __init__(self, n):\n        super().__init__()\n        self.head = nn.Linear(4, n)\n"
    "def g(x, y, n): return f(M(n), x, y)\n"
)

# (rule, code, what the message says, what it must not say): each claim under each condition.
PAIR_CLAIMS = {
    # LL406's IndexError follows the layer's size
    "index_error_one_unit": ("LL406", "def f(x, y): return F.nll_loss(torch.sigmoid(unit(x)), y)",
                             "with its one output unit targets of 1 raise IndexError", None),
    "index_error_many_units": ("LL406", "def f(x, y): return F.nll_loss(torch.sigmoid(fc(x)), y)",
                               "in [-1, 0]; use", "IndexError"),
    "index_error_unknown_size": ("LL406", "def f(m, x, y): return F.nll_loss(torch.sigmoid(m.head(x)), y)\n" + UNKNOWN_SIZE_HEAD,
                                 "with one output unit targets of 1 raise IndexError", None),
    # the gradient ratio follows the class count
    "gradient_ten_classes": ("LL103", "def f(x, y): return F.cross_entropy(F.softmax(fc(x), dim=1), y)",
                             "gradients ~12x smaller", None),
    "gradient_two_classes": ("LL103", "two = nn.Linear(32, 2)\ndef f(x, y): return F.cross_entropy(F.softmax(two(x), dim=1), y)",
                             "gradients ~5x smaller", "12x"),
    "gradient_unknown_classes": ("LL102", "def f(m, x, y): return F.nll_loss(F.softmax(m(x), dim=1), y)\ndef g(x, y, n): return f(nn.Linear(4, n), x, y)",
                                 "several times smaller (~12x with 10 classes", None),
    # the negative range follows a literal reduction
    "range_mean": ("LL102", "def f(x, y): return F.nll_loss(F.softmax(fc(x), dim=1), y)", "stuck in [-1, 0] (", None),
    "range_sum_criterion": ("LL102", "crit = nn.NLLLoss(reduction='sum')\ndef f(x, y): return crit(F.softmax(fc(x), dim=1), y)",
                            "stuck in [-N, 0] for N examples", "[-1, 0]"),
    "range_sum_functional": ("LL406", "def f(x, y): return F.nll_loss(torch.sigmoid(unit(x)), y, reduction='sum')",
                             "in [-N, 0] for N examples", "[-1, 0]"),
    "range_unread": ("LL102", "def f(x, y, r): return F.nll_loss(F.softmax(fc(x), dim=1), y, reduction=r)",
                     "stuck in [-1, 0] per example", None),
}


@pytest.mark.parametrize("case", sorted(PAIR_CLAIMS))
def test_pair_rule_claims_follow_the_code(tmp_path, case):
    code, body, said, unsaid = PAIR_CLAIMS[case]
    message = only(tmp_path, body, code).message
    assert said in message
    assert unsaid is None or unsaid not in message
