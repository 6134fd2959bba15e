"""Values made from an activation's output that keep its kind only for some losses
(values.DerivedV; issue 12, value algebra): a difference of two sigmoid outputs into a loss
that takes logits, a sigmoid written into part of the logits then read by BCELoss; and the
deprecated `.resize(...)` spelling of a reshape."""

import pytest

from tests.analysis.helpers import codes, lint, pairs

HEAD = """
import torch
import torch.nn as nn
import torch.nn.functional as F


class Scorer(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(16, 1)

    def prob(self, h):
        return torch.sigmoid(self.fc(h).squeeze(-1))

    def logit(self, h):
        return self.fc(h).squeeze(-1)
"""

DIFFERENCES = {
    # sigmoid(a) - sigmoid(b) lies in (-1, 1): BCEWithLogitsLoss squashes it again
    "bce_with_logits_module": ("""
        def pretrain(net, a, b):
            gap = net.prob(a) - net.prob(b)
            return nn.BCEWithLogitsLoss()(gap, torch.ones_like(gap))
    """, [("sigmoid", "BCEWithLogitsLoss")]),
    "functional_after_a_view": ("""
        def pretrain(net, a, b):
            gap = (net.prob(a) - net.prob(b)).view(-1)
            return F.binary_cross_entropy_with_logits(gap, torch.ones_like(gap))
    """, [("sigmoid", "BCEWithLogitsLoss")]),
    # look-alikes: the difference of logits (BPR), a sigmoid of the difference, a
    # difference into BCELoss (no pair is claimed), a logit minus a probability
    "difference_of_logits": ("""
        def pretrain(net, a, b):
            gap = net.logit(a) - net.logit(b)
            return F.binary_cross_entropy_with_logits(gap, torch.ones_like(gap))
    """, []),
    "sigmoid_of_the_difference": ("""
        def pretrain(net, a, b):
            p = torch.sigmoid(net.logit(a) - net.logit(b))
            return F.binary_cross_entropy(p, torch.ones_like(p))
    """, [("sigmoid", "BCELoss")]),
    "difference_into_bce_loss": ("""
        def pretrain(net, a, b):
            gap = net.prob(a) - net.prob(b)
            return F.binary_cross_entropy(gap, torch.ones_like(gap))
    """, []),
    "logit_minus_probability": ("""
        def pretrain(net, a, b):
            gap = net.logit(a) - net.prob(b)
            return F.binary_cross_entropy_with_logits(gap, torch.ones_like(gap))
    """, []),
    "difference_then_computed_with": ("""
        def pretrain(net, a, b):
            gap = (net.prob(a) - net.prob(b)).abs()
            return F.binary_cross_entropy_with_logits(gap, torch.ones_like(gap))
    """, []),
}

TAIL = "\npretrain(Scorer(), torch.randn(4, 16), torch.randn(4, 16))\n"


@pytest.mark.parametrize("case", sorted(DIFFERENCES))
def test_difference_of_sigmoids(tmp_path, case):
    source, expected = DIFFERENCES[case]
    assert pairs(tmp_path, {"main.py": HEAD + source.replace("\n        ", "\n") + TAIL}) == expected


def test_difference_finding_has_no_fix(tmp_path):
    """Removing the sigmoid is not one site's edit here (two operands): no fix is offered."""
    source = HEAD + DIFFERENCES["bce_with_logits_module"][0].replace("\n        ", "\n") + TAIL
    (finding,) = lint(tmp_path, {"main.py": source})
    assert finding.code == "LL202" and finding.fix is None


DETECTOR = """
import torch
import torch.nn as nn
import torch.nn.functional as F


class Head(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(8, 3 * 7, 1)

    def forward(self, x):
        return self.conv(x)


def loss(out, target):
    out = out.view(2, 3, 7, 4, 4).permute(0, 1, 3, 4, 2)
    out[..., 4:] = torch.sigmoid(out[..., 4:])
    {read}


head = Head()
loss(head(torch.randn(2, 8, 4, 4)), torch.rand(2, 3, 4, 4, 7))
"""

PARTS = {
    # BCELoss raises outside [0, 1]: of logits with a sigmoid in part, it reads that part
    "bce_reads_objectness": ("return F.binary_cross_entropy(out[..., 4], target[..., 4])", ["LL203"]),
    "bce_module_reads_classes": ("return nn.BCELoss()(out[..., 5:], target[..., 5:])", ["LL203"]),
    # look-alikes: a loss that accepts any value may read the logits part
    "bce_with_logits_reads_a_part": ("return F.binary_cross_entropy_with_logits(out[..., 4], target[..., 4])", []),
    "mse_reads_the_boxes": ("return F.mse_loss(out[..., :4], target[..., :4])", []),
    "sigmoid_of_part_kept_apart": ("p = torch.sigmoid(out[..., 4])\n    return F.mse_loss(p, target[..., 4])", []),
}


@pytest.mark.parametrize("case", sorted(PARTS))
def test_sigmoid_written_into_part_of_the_logits(tmp_path, case):
    read, expected = PARTS[case]
    assert codes(tmp_path, {"main.py": DETECTOR.replace("{read}", read)}) == expected


def test_part_written_into_an_unknown_tensor_stays_silent(tmp_path):
    """The rest of the tensor might already be probabilities: which part BCELoss reads is
    not known."""
    source = DETECTOR.replace("{read}", "return F.binary_cross_entropy(out[..., 4], target[..., 4])")
    source = source.replace("loss(head(torch.randn(2, 8, 4, 4)), ", "loss(torch.load('maps.pt'), ")
    assert codes(tmp_path, {"main.py": source}) == []


def test_part_written_finding_has_no_fix(tmp_path):
    source = DETECTOR.replace("{read}", "return F.binary_cross_entropy(out[..., 4], target[..., 4])")
    (finding,) = lint(tmp_path, {"main.py": source})
    assert finding.fix is None


RESIZED = """
import torch
import torch.nn as nn
import torch.nn.functional as F


class Ranker(nn.Module):
    def __init__(self):
        super().__init__()
        self.score = nn.Linear(8, 1)

    def forward(self, docs):
        return F.{act}(self.score(docs), dim=0)


model = Ranker()
out = model(torch.randn(5, 8))
loss = nn.{loss}()(out.resize(1, 5), torch.zeros(1, dtype=torch.long))
"""


def test_resize_keeps_the_softmax(tmp_path):
    """`.resize(...)` is the deprecated spelling of a reshape."""
    assert codes(tmp_path, {"main.py": RESIZED.format(act="softmax", loss="CrossEntropyLoss")}) == ["LL103"]


def test_resize_of_log_softmax_into_nll_is_fine(tmp_path):
    assert codes(tmp_path, {"main.py": RESIZED.format(act="log_softmax", loss="NLLLoss")}) == []
