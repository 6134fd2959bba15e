"""Hand-written cross-entropy on probabilities: binary (LL501) and multiclass (LL502)."""

import pytest

from losslint.engine import collect, linter
from tests.analysis.helpers import codes, lint

HEAD = """
import torch
import torch.nn as nn
import torch.nn.functional as F

head = nn.Linear(20, 1)
classifier = nn.Linear(20, 10)
"""


def check(tmp_path, body: str) -> list[str]:
    return codes(tmp_path, {"loss.py": HEAD + body})


# The seed article's from-scratch losses, fed sigmoid probabilities at module level.
SEED = """
y_targets = torch.tensor([1., 1., 0., 0., 0.])
logits = torch.tensor([1.1, 2.2, 0.5, -1.1, -2.2])
probas = torch.sigmoid(logits)


def binary_logistic_loss_v1(probas, y_targets):
    res = 0.
    for i in range(y_targets.shape[0]):
        if y_targets[i] == 1.:
            res += torch.log(probas[i])
        elif y_targets[i] == 0.:
            res += torch.log(1-probas[i])
        else:
            raise ValueError(f'Value {y_targets[i]} not allowed')
    res *= -1
    res /= y_targets.shape[0]
    return res


def binary_logistic_loss_v2(probas, y_targets):
    first = -y_targets.matmul(torch.log(probas))
    second = -(1 - y_targets).matmul(torch.log(1 - probas))
    return (first + second) / y_targets.shape[0]


def binary_logistic_loss_v3(logits, y_targets):
    first = -y_targets.matmul(F.logsigmoid(logits))
    second = -(1 - y_targets).matmul(F.logsigmoid(logits) - logits)
    return (first + second) / y_targets.shape[0]


binary_logistic_loss_v1(probas, y_targets)
binary_logistic_loss_v2(probas, y_targets)
binary_logistic_loss_v3(logits, y_targets)
"""


def test_seed_v1_and_v2_are_reported_and_v3_is_not(tmp_path):
    findings = lint(tmp_path, {"seed.py": HEAD + SEED})
    lines = (HEAD + SEED).lstrip("\n").splitlines()
    found = {(f.code, lines[f.site.start.row - 1].strip()) for f in findings}
    assert found == {
        ("LL501", "res += torch.log(probas[i])"),
        ("LL501", "first = -y_targets.matmul(torch.log(probas))"),
    }
    for finding in findings:
        assert finding.activation == "sigmoid" and finding.loss is None
        assert "`torch.sigmoid(logits)`" in finding.message
        assert {r.message for r in finding.related} == {"sigmoid applied here", "log taken here"}


BINARY = {
    "mean": "def f(x, y):\n    p = torch.sigmoid(head(x))\n    return -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()",
    "terms_swapped_and_negated": "def f(x, y):\n    p = head(x).sigmoid()\n    return (-(1 - y) * torch.log(1 - p) - y * torch.log(p)).sum()",
    "log_first": "def f(x, y):\n    p = torch.sigmoid(head(x))\n    return -torch.mean(torch.log(p) * y + torch.log(1. - p) * (1. - y))",
    "eps": "EPS = 1e-7\ndef f(x, y):\n    p = torch.sigmoid(head(x))\n    return -(y * torch.log(p + EPS) + (1 - y) * torch.log(1 - p + EPS)).mean()",
    "clamp": "def f(x, y):\n    p = torch.sigmoid(head(x)).clamp(1e-6, 1 - 1e-6)\n    return -(y * p.log() + (1 - y) * (1 - p).log()).mean()",
    "torch_clamp": "def f(x, y):\n    p = torch.clamp(torch.sigmoid(head(x)), min=1e-6)\n    return -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()",
    "where": "def f(x, y):\n    p = torch.sigmoid(head(x))\n    return -torch.where(y == 1, torch.log(p), torch.log(1 - p)).mean()",
    "model_output": "m = nn.Sequential(nn.Linear(20, 1), nn.Sigmoid())\ndef f(x, y):\n    p = m(x)\n    return -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()",
    "inline_sigmoid_twice": "def f(x, y):\n    z = head(x)\n    return -(y * torch.log(torch.sigmoid(z)) + (1 - y) * torch.log(1 - torch.sigmoid(z))).mean()",
}


@pytest.mark.parametrize("case", sorted(BINARY))
def test_binary(tmp_path, case):
    assert check(tmp_path, BINARY[case]) == ["LL501"]


ACROSS_FILES = {
    "losses.py": "import torch\n\ndef bce(p, y):\n    return -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()\n",
    "train.py": "import torch\nfrom losses import bce\n\ndef step(model, x, y):\n    return bce(torch.sigmoid(model(x)), y)\n",
}


def test_binary_across_files(tmp_path):
    for name, source in ACROSS_FILES.items():
        (tmp_path / name).write_text(source)
    sources = {str(tmp_path / name): source for name, source in ACROSS_FILES.items()}
    (finding,) = linter.check_sources(sources, run=collect.RunOptions(prefilter=False))
    assert finding.code == "LL501" and finding.site.path.endswith("losses.py")
    assert finding.related[0].site.path.endswith("train.py")  # the sigmoid


def test_binary_across_files_with_the_prefilter(tmp_path):
    # train.py, the caller that passes the sigmoid in, is parsed on demand (losslint/engine/collect.py).
    assert codes(tmp_path, ACROSS_FILES) == ["LL501"]


def test_binary_finding_spans_the_formula_and_replaces_log_of_sigmoid(tmp_path):
    body = "def f(x, y):\n    p = torch.sigmoid(head(x))\n    return -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()\n"
    (finding,) = lint(tmp_path, {"loss.py": HEAD + body})  # no LL206 at torch.log(p)
    assert finding.code == "LL501"
    line = body.splitlines()[-1]
    span = (line.index("(y") + 1, len(line) + 1)  # (y * ... ).mean(), 1-based, end exclusive
    assert (finding.site.start.column, finding.site.end.column) == span


BINARY_SILENT = {
    "stable_v3": "def f(z, y): return -(y * F.logsigmoid(z) + (1 - y) * (F.logsigmoid(z) - z)).mean()",
    "probabilities_unknown": "def f(p, y): return -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()",
    "not_a_sigmoid": "def f(x, y):\n    p = F.softmax(classifier(x), 1)[:, 0]\n    return -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()",
    "library_loss": "def f(x, y): return F.binary_cross_entropy_with_logits(head(x), y)",
    "only_one_term": "def f(x, y):\n    p = torch.sigmoid(head(x))\n    return (y * (1 - p)).mean()",
}


@pytest.mark.parametrize("case", sorted(BINARY_SILENT))
def test_binary_silent(tmp_path, case):
    found = check(tmp_path, BINARY_SILENT[case])
    assert "LL501" not in found and "LL502" not in found
    assert set(found) <= {"LL105"}  # torch.log of a softmax column is still log-of-softmax


OTHER_LOSSES = {
    # an extra factor that depends on p: focal loss, not binary cross-entropy
    "focal": "def f(x, y, g=2.0):\n    p = torch.sigmoid(head(x))\n    return -((1 - p) ** g * y * torch.log(p) + p ** g * (1 - y) * torch.log(1 - p)).mean()",
    # the binary entropy of the prediction
    "entropy": "def f(x):\n    p = torch.sigmoid(head(x))\n    return -(p * torch.log(p) + (1 - p) * torch.log(1 - p)).mean()",
    # weighted: left to LL206 (log of sigmoid), like examples/ll206_log_of_sigmoid
    "weighted": "def f(x, y, w=5.0):\n    p = torch.sigmoid(head(x))\n    return -(w * y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()",
}


@pytest.mark.parametrize("case", sorted(OTHER_LOSSES))
def test_other_binary_losses_keep_only_the_log_of_sigmoid_finding(tmp_path, case):
    assert check(tmp_path, OTHER_LOSSES[case]) == ["LL206"]


MULTICLASS = {
    "onehot_sum_mean": "def f(x, y):\n    onehot = F.one_hot(y, 10).float()\n    return -(onehot * torch.log(F.softmax(classifier(x), 1))).sum(1).mean()",
    "log_first_torch_sum": "def f(x, t):\n    return -torch.sum(torch.log(torch.softmax(classifier(x), dim=1)) * t, dim=1).mean()",
    "eps": "def f(x, t):\n    probs = F.softmax(classifier(x), dim=1)\n    return -(t * torch.log(probs + 1e-8)).sum(dim=1).mean()",
    "model_output": "m = nn.Sequential(nn.Linear(20, 10), nn.Softmax(dim=1))\ndef f(x, t):\n    return (-t * m(x).log()).sum(1).mean()",
    "distillation": "def f(x, teacher_logits, T=2.0):\n    soft = F.softmax(teacher_logits / T, 1)\n    return -(soft * torch.log(F.softmax(classifier(x) / T, 1))).sum(1).mean() * T * T",
}


@pytest.mark.parametrize("case", sorted(MULTICLASS))
def test_multiclass(tmp_path, case):
    assert check(tmp_path, MULTICLASS[case]) == ["LL502"]


def test_multiclass_replaces_log_of_softmax_at_the_same_log(tmp_path):
    body = "def f(x, y):\n    onehot = F.one_hot(y, 10).float()\n    return -(onehot * torch.log(F.softmax(classifier(x), 1))).sum(1).mean()\n"
    (finding,) = lint(tmp_path, {"loss.py": HEAD + body})
    assert finding.code == "LL502" and finding.activation == "softmax"
    assert finding.site.start.column == 13  # (onehot * ...).sum(1)


MULTICLASS_SILENT = {
    "stable_log_softmax": "def f(x, t): return -(t * F.log_softmax(classifier(x), 1)).sum(1).mean()",
    "library": "def f(x, y): return F.cross_entropy(classifier(x), y)",
    "log_of_unknown": "def f(p, t): return -(t * torch.log(p)).sum(1).mean()",
    "log_of_sigmoid_times_target": "def f(x, t): return -(t * F.logsigmoid(head(x))).mean()",
}


@pytest.mark.parametrize("case", sorted(MULTICLASS_SILENT))
def test_multiclass_silent(tmp_path, case):
    assert check(tmp_path, MULTICLASS_SILENT[case]) == []


def test_entropy_bonus_is_not_a_cross_entropy(tmp_path):
    body = "def f(x):\n    p = F.softmax(classifier(x), dim=1)\n    return -(p * torch.log(p)).sum(1).mean()\n"
    assert check(tmp_path, body) == ["LL105"]  # the unstable log, nothing more
