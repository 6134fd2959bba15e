"""Value algebra (issue 12, class 4): what a formula of activations still holds."""

import pytest

from tests.analysis.helpers import codes, pairs

HEAD = """
import torch
import torch.nn as nn
import torch.nn.functional as F

EPS = 1e-8
"""

FOLLOWED = {
    # exp(log_softmax(z)) is a softmax
    "exp_of_log_softmax": ("""
        def step(z, y):
            probs = torch.exp(F.log_softmax(z, dim=1))
            return F.cross_entropy(probs, y)
    """, ("softmax", "CrossEntropyLoss")),
    "exp_method_of_log_softmax": ("""
        def step(z, y):
            return nn.CrossEntropyLoss()(z.log_softmax(-1).exp(), y)
    """, ("softmax", "CrossEntropyLoss")),
    "exp_of_logsigmoid": ("""
        def step(z, y):
            return F.binary_cross_entropy_with_logits(F.logsigmoid(z).exp(), y)
    """, ("sigmoid", "BCEWithLogitsLoss")),
    # log_softmax(softmax(z)) into NLLLoss is CrossEntropyLoss on probabilities
    "log_softmax_of_softmax": ("""
        def step(z, y):
            p = F.softmax(z, dim=1)
            return F.nll_loss(F.log_softmax(p, dim=1), y)
    """, ("softmax", "CrossEntropyLoss")),
    # log of clamped or shifted probabilities is a log-probability
    "log_of_clamped_sigmoid": ("""
        def step(z, y):
            p = torch.sigmoid(z)
            return F.binary_cross_entropy_with_logits(torch.log(p.clamp(min=EPS)), y)
    """, ("logsigmoid", "BCEWithLogitsLoss")),
    "log_of_softmax_plus_eps": ("""
        def step(z, y):
            p = F.softmax(z, dim=1)
            return F.cross_entropy(torch.log(p + 1e-6), y)
    """, ("log_softmax", "CrossEntropyLoss")),
    # a softmax mixed with a one-hot matrix is still probabilities
    "softmax_bmm_one_hot": ("""
        def step(z, idx, y, n):
            attn = F.softmax(z, dim=-1)
            mixed = torch.bmm(attn, F.one_hot(idx, n).float())
            return F.nll_loss(mixed.view(-1, n), y)
    """, ("softmax", "NLLLoss")),
    "one_hot_matmul_softmax_operator": ("""
        def step(z, idx, y, n):
            mixed = F.one_hot(idx, n).float() @ torch.softmax(z, -1)
            return F.nll_loss(mixed, y)
    """, ("softmax", "NLLLoss")),
}


@pytest.mark.parametrize("case", sorted(FOLLOWED))
def test_followed(tmp_path, case):
    source, pair = FOLLOWED[case]
    assert pairs(tmp_path, {"main.py": HEAD + source.replace("\n        ", "\n")}) == [pair]


def test_guarded_log_is_a_log_probability_not_an_unstable_log(tmp_path):
    """log(p + eps) is finite: the pair rules see log-probabilities, LL105/LL206 stay quiet."""
    source = HEAD + """
def fine(z, y):
    return F.nll_loss(torch.log(F.softmax(z, 1) + EPS), y)

def wrong(z, y):
    p = torch.sigmoid(z)
    return F.binary_cross_entropy_with_logits(torch.log(p.clamp(min=EPS)), y)
"""
    assert codes(tmp_path, {"main.py": source}) == ["LL205"]


def test_one_hot_built_by_scatter(tmp_path):
    source = HEAD + """
def step(z, labels, y, n):
    one_hot = torch.zeros(labels.size(0), n)
    one_hot.scatter_(1, labels, 1)
    preds = F.softmax(z, dim=1).unsqueeze(1).bmm(one_hot.cuda()).squeeze()
    return F.cross_entropy(preds, y)
"""
    assert pairs(tmp_path, {"main.py": source}) == [("softmax", "CrossEntropyLoss")]


def test_in_place_sigmoid_is_followed(tmp_path):
    source = HEAD + """
def step(x, y):
    out = nn.Linear(4, 1)(x)
    out.sigmoid_()
    return nn.BCEWithLogitsLoss()(out, y)
"""
    assert pairs(tmp_path, {"main.py": source}) == [("sigmoid", "BCEWithLogitsLoss")]


SILENT = {
    # exp of logits is not a softmax; a softmax of exp'd values is not either
    "exp_of_logits": """
        def step(z, y):
            return F.cross_entropy(torch.exp(nn.Linear(4, 3)(z)).log(), y)
    """,
    # a big constant added is not an epsilon; the result is not modelled
    "softmax_plus_a_tensor": """
        def step(z, prior, y):
            p = F.softmax(z, dim=1)
            return F.nll_loss(torch.log(p + prior), y)
    """,
    "softmax_plus_one": """
        def step(z, y):
            p = F.softmax(z, dim=1)
            return F.cross_entropy(p + 1, y)
    """,
    # a scatter of values that are not ones is not a one-hot matrix
    "scatter_of_scores": """
        def step(z, idx, scores, y, n):
            m = torch.zeros(idx.size(0), n)
            m.scatter_(1, idx, scores)
            return F.cross_entropy(torch.softmax(z, 1).bmm(m), y)
    """,
    # a softmax mixed with values (attention) is not probabilities
    "attention_mix_with_values": """
        def step(z, v, y):
            attn = F.softmax(z, dim=-1)
            return F.cross_entropy(torch.bmm(attn, v), y)
    """,
    "log_softmax_of_logits": """
        def step(z, y):
            return F.nll_loss(F.log_softmax(nn.Linear(4, 3)(z), dim=1), y)
    """,
}


@pytest.mark.parametrize("case", sorted(SILENT))
def test_silent(tmp_path, case):
    files = {"main.py": HEAD + SILENT[case].replace("\n        ", "\n")}
    assert set(pairs(tmp_path, files)) <= {("log_softmax", "NLLLoss"), ("none", "CrossEntropyLoss")}
    assert codes(tmp_path, files) == []


def test_guarded_probabilities_silence_only_the_instability_rules(tmp_path):
    """sigmoid(z).clamp(eps, 1 - eps) into BCELoss is the guard LL203 asks about; a clamped
    softmax into CrossEntropyLoss is still a double softmax."""
    source = HEAD + """
def bce(z, y):
    return F.binary_cross_entropy(torch.sigmoid(z).clamp(1e-6, 1 - 1e-6), y)

def ce(z, y):
    return F.cross_entropy(F.softmax(z, 1).clamp(min=EPS), y)
"""
    assert codes(tmp_path, {"main.py": source}) == ["LL103"]
