"""KLDivLoss: probabilities as input (LL301), the target against log_target (LL302), and
reduction="mean" (LL303)."""

import pytest

from losslint.rules import catalog
from tests.analysis.helpers import codes, lint

MODELS = """
import functools
import torch
import torch.nn as nn
import torch.nn.functional as F

student = nn.Linear(64, 10)
teacher = nn.Linear(64, 10)
"""


def check(tmp_path, body: str) -> list[str]:
    return codes(tmp_path, {"kd.py": MODELS + body})


def row(body: str, needle: str) -> int:
    """The 1-based row of the first line containing `needle` in the linted kd.py."""
    lines = (MODELS + body).lstrip("\n").splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


# --- LL301: probabilities as the input --------------------------------------------------

PROBS_INPUT = {
    "functional": "def f(x): return F.kl_div(F.softmax(student(x), 1), F.softmax(teacher(x), 1), reduction='batchmean')",
    "criterion": "kl = nn.KLDivLoss(reduction='sum')\ndef f(x): return kl(student(x).softmax(dim=1), F.softmax(teacher(x), 1))",
    "sigmoid": "def f(x, t): return F.kl_div(torch.sigmoid(student(x)), t, reduction='batchmean')",
    "layer": "m = nn.Sequential(nn.Linear(64, 10), nn.Softmax(dim=1))\ndef f(x, t): return nn.KLDivLoss(reduction='batchmean')(m(x), t)",
}


@pytest.mark.parametrize("case", sorted(PROBS_INPUT))
def test_probabilities_as_input(tmp_path, case):
    assert check(tmp_path, PROBS_INPUT[case]) == ["LL301"]


def test_probabilities_as_input_points_at_the_softmax(tmp_path):
    body = "def f(x, t):\n    p = F.softmax(student(x), dim=1)\n    return F.kl_div(p, t, reduction='batchmean')\n"
    (finding,) = lint(tmp_path, {"kd.py": MODELS + body})
    assert finding.code == "LL301" and finding.activation == "softmax" and finding.loss == "KLDivLoss"
    assert finding.site.start.row == row(body, "p = F.softmax")
    assert [r.message for r in finding.related] == ["KLDivLoss computed here"]


def test_log_of_softmax_as_input_is_the_unstable_spelling_not_probabilities(tmp_path):
    body = "def f(x, t): return F.kl_div(torch.log(F.softmax(student(x), 1)), t, reduction='batchmean')"
    assert check(tmp_path, body) == ["LL105"]


# --- LL302: the target against log_target ---------------------------------------------

MISMATCH = {
    "log_probs_without_flag": "def f(x): return F.kl_div(F.log_softmax(student(x), 1), F.log_softmax(teacher(x), 1), reduction='batchmean')",
    "log_probs_flag_false": "def f(x): return F.kl_div(F.log_softmax(student(x), 1), F.log_softmax(teacher(x), 1), None, None, 'batchmean', False)",
    "logsigmoid_target": "def f(x): return F.kl_div(F.logsigmoid(student(x)), F.logsigmoid(teacher(x)), reduction='sum')",
    "probs_with_flag": "kl = nn.KLDivLoss(reduction='batchmean', log_target=True)\ndef f(x): return kl(F.log_softmax(student(x), 1), F.softmax(teacher(x), 1))",
    "probs_with_positional_flag": "kl = nn.KLDivLoss(None, None, 'batchmean', True)\ndef f(x): return kl(F.log_softmax(student(x), 1), target=torch.sigmoid(teacher(x)))",
    "probs_with_module_constant": "LOG_T = True\ndef f(x): return F.kl_div(F.log_softmax(student(x), 1), F.softmax(teacher(x), 1), reduction='batchmean', log_target=LOG_T)",
    "probs_with_flag_in_partial": "kl = functools.partial(F.kl_div, reduction='batchmean', log_target=True)\ndef f(x): return kl(F.log_softmax(student(x), 1), F.softmax(teacher(x), 1))",
}


@pytest.mark.parametrize("case", sorted(MISMATCH))
def test_target_in_the_wrong_space(tmp_path, case):
    assert check(tmp_path, MISMATCH[case]) == ["LL302"]


def test_target_mismatch_points_at_the_loss_and_names_the_target(tmp_path):
    body = "kl = nn.KLDivLoss(reduction='batchmean')\n\ndef f(x):\n    return kl(F.log_softmax(student(x), 1), F.log_softmax(teacher(x), 1))\n"
    (finding,) = lint(tmp_path, {"kd.py": MODELS + body})
    assert finding.code == "LL302"
    assert finding.site.start.row == row(body, "kl = nn.KLDivLoss")  # the criterion's construction
    assert "`F.log_softmax(teacher(x), 1)`" in finding.message and "NaN" in finding.message
    assert {r.message for r in finding.related} == {"log_softmax applied here (the target)", "KLDivLoss computed here"}


RIGHT_TARGET = {
    "probs_default": "def f(x): return F.kl_div(F.log_softmax(student(x), 1), F.softmax(teacher(x), 1), reduction='batchmean')",
    "log_probs_with_flag": "def f(x): return F.kl_div(F.log_softmax(student(x), 1), F.log_softmax(teacher(x), 1), reduction='batchmean', log_target=True)",
    "flag_unknown": "def f(x, flag): return F.kl_div(F.log_softmax(student(x), 1), F.log_softmax(teacher(x), 1), reduction='batchmean', log_target=flag)",
    "flag_from_kwargs": "def f(x, **kw): return F.kl_div(F.log_softmax(student(x), 1), F.log_softmax(teacher(x), 1), reduction='batchmean', **kw)",
    "target_unknown": "def f(x, t): return F.kl_div(F.log_softmax(student(x), 1), t, reduction='batchmean', log_target=True)",
    "logits_target": "def f(x): return F.kl_div(F.log_softmax(student(x), 1), teacher(x), reduction='batchmean', log_target=True)",
}


@pytest.mark.parametrize("case", sorted(RIGHT_TARGET))
def test_target_in_the_right_space_or_unknown(tmp_path, case):
    assert check(tmp_path, RIGHT_TARGET[case]) == []


# --- LL303: reduction="mean" ----------------------------------------------------------

MEAN = {
    "default_criterion": "kl = nn.KLDivLoss()\ndef f(x): return kl(F.log_softmax(student(x), 1), F.softmax(teacher(x), 1))",
    "explicit_criterion": "kl = nn.KLDivLoss(reduction='mean')\ndef f(x): return kl(F.log_softmax(student(x), 1), F.softmax(teacher(x), 1))",
    "default_functional": "def f(x): return F.kl_div(F.log_softmax(student(x), 1), F.softmax(teacher(x), 1))",
    "positional": "def f(x): return F.kl_div(F.log_softmax(student(x), 1), F.softmax(teacher(x), 1), None, None, 'mean')",
    "input_unknown": "def f(a, b): return F.kl_div(a, b)",
}


@pytest.mark.parametrize("case", sorted(MEAN))
def test_mean_reduction(tmp_path, case):
    assert check(tmp_path, MEAN[case]) == ["LL303"]


def test_mean_reduction_says_whether_it_is_the_default(tmp_path):
    body = "kl = nn.KLDivLoss()\nkl2 = nn.KLDivLoss(reduction='mean')\ndef f(a, b): return kl(a, b) + kl2(a, b)\n"
    findings = lint(tmp_path, {"kd.py": MODELS + body})
    assert [f.code for f in findings] == ["LL303", "LL303"]
    assert "its default" in findings[0].message and "its default" not in findings[1].message
    assert findings[0].site.start.row == row(body, "kl = nn.KLDivLoss()")  # at the construction


def test_mean_reduction_message_does_not_claim_a_factor_for_every_shape(tmp_path):
    """For per-example scores of shape (batch,), "mean" equals "batchmean": the rule still
    fires (torch warns whatever the shape), but its message and docs say when the loss is
    C times too small instead of claiming it for every input."""
    body = "def f(scores, target):\n    return F.kl_div(F.logsigmoid(scores), target)  # scores: (batch,)\n"
    (finding,) = lint(tmp_path, {"kd.py": MODELS + body})
    assert finding.code == "LL303"
    assert "not the KL divergence" not in finding.message
    assert "divides by the number of elements, not the batch size: with C classes per row" in finding.message
    assert "torch warns on every call" in finding.message and 'use `reduction="batchmean"`' in finding.message
    rule = catalog.load().by_code_or_name("LL303")
    assert "not the KL divergence" not in rule.summary
    assert "1-D input of shape (batch,)" in rule.docs["why_bad"]
    assert '"mean"` and `"batchmean"` give the same value' in rule.docs["why_bad"]


def test_one_finding_per_criterion_used_twice(tmp_path):
    body = "kl = nn.KLDivLoss()\ndef f(a, b): return kl(a, b)\ndef g(a, b): return kl(b, a)\n"
    (finding,) = lint(tmp_path, {"kd.py": MODELS + body})
    assert finding.code == "LL303" and len(finding.related) == 2


NOT_MEAN = {
    "batchmean": "def f(a, b): return F.kl_div(a, b, reduction='batchmean')",
    "sum": "kl = nn.KLDivLoss(reduction='sum')\ndef f(a, b): return kl(a, b)",
    "module_constant": "RED = 'batchmean'\ndef f(a, b): return F.kl_div(a, b, reduction=RED)",
    "partial": "kl = functools.partial(F.kl_div, reduction='batchmean')\ndef f(a, b): return kl(a, b)",
    "unknown": "def f(a, b, red): return F.kl_div(a, b, reduction=red)",
    "kwargs": "def f(a, b, **kw): return F.kl_div(a, b, **kw)",
    "star_args": "def f(a, b, *rest): return F.kl_div(a, b, *rest)",
    "legacy_size_average": "def f(a, b): return F.kl_div(a, b, size_average=False)",
    "never_called": "kl = nn.KLDivLoss()",
}


@pytest.mark.parametrize("case", sorted(NOT_MEAN))
def test_not_mean_or_unknown(tmp_path, case):
    assert check(tmp_path, NOT_MEAN[case]) == []


# --- distillation -------------------------------------------------------------------------


def test_distillation_written_right_is_silent(tmp_path):
    body = """
def distill(x, y, T=4.0, alpha=0.9):
    s, t = student(x), teacher(x).detach()
    soft = F.kl_div(F.log_softmax(s / T, dim=1), F.softmax(t / T, dim=1), reduction="batchmean") * T * T
    return alpha * soft + (1 - alpha) * F.cross_entropy(s, y)
"""
    assert check(tmp_path, body) == []


def test_distillation_without_dims_and_reduction_gets_only_the_deprecation_warnings(tmp_path):
    """F.kl_div(F.log_softmax(s/T), F.softmax(t/T)): the arguments are in the right spaces
    (no LL301/LL302), but both softmaxes lack dim and the reduction is the default "mean":
    torch warns about both at run time, and so does losslint (warnings, not errors)."""
    body = "def distill(x, T=2.0):\n    s, t = student(x), teacher(x)\n    return F.kl_div(F.log_softmax(s / T), F.softmax(t / T))\n"
    findings = lint(tmp_path, {"kd.py": MODELS + body})
    assert sorted(f.code for f in findings) == ["LL303", "LL401", "LL401"]
    assert {f.severity for f in findings} == {"warning"}
