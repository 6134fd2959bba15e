"""One finding per flagged site, with every partner site the pairs give it (the verdict
step merges the pairs of one site), each named once and labelled by what happens there."""

from __future__ import annotations

from pathlib import Path

import pytest

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


def records(root: Path, source: str) -> list[dict]:
    write(root, {"train.py": source})
    return check_paths(root, isolated=True)


def test_a_log_softmax_into_cross_entropy_points_at_the_loss_and_names_the_activation(tmp_path):
    (ll104,) = records(tmp_path, """
        import torch.nn as nn
        import torch.nn.functional as F

        criterion = nn.CrossEntropyLoss()


        def step(z, y):
            return criterion(F.log_softmax(z, dim=1), y)
        """)
    assert ll104["code"] == "LL104" and ll104["location"] == {"row": 4, "column": 13}
    assert sites(ll104) == [("train.py", 8, 12, "CrossEntropyLoss computed here"), ("train.py", 8, 22, "log_softmax applied here")]


def test_a_two_step_log_reaching_a_loss_is_one_finding_naming_the_loss(tmp_path):
    found = records(tmp_path, """
        import torch
        import torch.nn.functional as F


        def step(z, y):
            return F.nll_loss(torch.log(F.softmax(z, dim=1)), y)


        def test_reference(x):
            return torch.log(torch.sigmoid(x))
        """)
    assert [r["code"] for r in found] == ["LL105", "LL206"]  # the later log is still reported
    ll105, ll206 = found
    assert ll105["message"].startswith("`torch.log(F.softmax(z, dim=1))`")
    assert "before it reaches `NLLLoss`" in ll105["message"] and ll105["loss"] == "NLLLoss"
    assert sites(ll105) == [("train.py", 6, 12, "NLLLoss computed here")]
    assert ll206["loss"] is None and ll206["related"] == []


def test_a_log_of_softmax_into_cross_entropy_is_only_the_pair_finding(tmp_path):
    """torch.log(softmax) reaching CrossEntropyLoss is the pair (log_softmax, CE): LL104,
    and not LL105 again for the same expression."""
    found = records(tmp_path, """
        import torch
        import torch.nn.functional as F


        def step(z, y):
            return F.cross_entropy(torch.log(F.softmax(z, dim=1)), y)
        """)
    assert [r["code"] for r in found] == ["LL104"]


FINE = """
def fine(x, y):
    return F.cross_entropy(head(x), y)
"""
WRONG = """
def wrong(z, y):
    return F.cross_entropy(F.softmax(z, dim=1), y)
"""


@pytest.mark.parametrize("fine_first", [True, False])
def test_a_fine_pair_does_not_hide_a_wrong_one(tmp_path, fine_first):
    functions = [FINE, WRONG] if fine_first else [WRONG, FINE]
    header = "import torch.nn as nn\nimport torch.nn.functional as F\n\nhead = nn.Linear(4, 3)\n\n"
    found = records(tmp_path, header + "\n".join(functions))
    assert [(r["code"], r["activation"]) for r in found] == [("LL103", "softmax")]
