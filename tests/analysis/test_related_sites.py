"""One finding per flagged site, with every partner site the pairs give it (the verdict
step merges the pairs of one site), each named once and labelled by what happens there."""

from __future__ import annotations

from pathlib import Path

from losslint.api import check_paths
from tests.cli.helpers import write

MODEL = """
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 4)
        self.act = nn.Softmax(dim=1)

    def forward(self, x):
        return self.act(self.fc(x))


class Plain(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 4)

    def forward(self, x):
        return self.fc(x)
"""

# The softmax model reaches CrossEntropyLoss three times (twice through one criterion, once
# through a loss module); the plain model's logits reach NLLLoss.
TRAIN = """
import torch.nn as nn
import torch.nn.functional as F
from model import Net, Plain


class SmoothedLoss(nn.Module):
    def forward(self, logits, target):
        return F.cross_entropy(logits, target, label_smoothing=0.1)


model = Net()
plain = Plain()
criterion = nn.CrossEntropyLoss()
smoothed = SmoothedLoss()
nll = nn.NLLLoss()


def step(x, y):
    return criterion(model(x), y)


def other_step(x, y):
    return criterion(model(x), y) + smoothed(model(x), y)


def plain_step(x, y):
    return nll(plain(x), y)
"""


def lint(root: Path) -> dict[str, dict]:
    write(root, {"model.py": MODEL, "train.py": TRAIN})
    records = check_paths(root, isolated=True)
    assert [r["code"] for r in records] == ["LL103", "LL101"]
    return {r["code"]: r for r in records}


def sites(record: dict) -> list[tuple[str, int, int, str]]:
    return sorted((Path(r["filename"]).name, r["location"]["row"], r["location"]["column"], r["message"]) for r in record["related"])


def test_one_finding_for_a_softmax_that_reaches_three_loss_calls(tmp_path):
    ll103 = lint(tmp_path)["LL103"]
    assert (Path(ll103["filename"]).name, ll103["location"]) == ("model.py", {"row": 8, "column": 20})
    assert ll103["message"].startswith("`nn.Softmax(dim=1)` output reaches `CrossEntropyLoss`, which applies log_softmax itself")
    assert (ll103["activation"], ll103["loss"], ll103["noqa_row"]) == ("softmax", "CrossEntropyLoss", 8)
    assert sites(ll103) == [
        ("train.py", 8, 16, "CrossEntropyLoss computed here"),  # inside SmoothedLoss.forward
        ("train.py", 13, 13, "CrossEntropyLoss created here"),
        ("train.py", 19, 12, "CrossEntropyLoss computed here"),
        ("train.py", 23, 12, "CrossEntropyLoss computed here"),
        ("train.py", 23, 37, "loss module computing CrossEntropyLoss called here"),
    ]


def test_a_finding_at_the_loss_names_where_the_logits_come_from(tmp_path):
    ll101 = lint(tmp_path)["LL101"]
    assert (Path(ll101["filename"]).name, ll101["location"]) == ("train.py", {"row": 15, "column": 7})
    assert ll101["message"].startswith("`NLLLoss` receives the raw logits of `nn.Linear(8, 4)` but expects log-probabilities")
    assert (ll101["activation"], ll101["loss"], ll101["noqa_row"]) == ("none", "NLLLoss", 15)
    assert ll101["url"].endswith("#ll101-logits-into-nll-loss")
    assert sites(ll101) == [
        ("model.py", 17, 19, "logits produced here"),
        ("train.py", 27, 12, "NLLLoss computed here"),
    ]
