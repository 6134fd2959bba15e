"""The analysis of log calls looks up callers on demand (analysis/log_lookups.py): a file
that calls a method of the same name as a log's helper, or a function whose parameter
only indexes a container, is not parsed for it; a caller a log value does come from
still is, and the findings are those of a parse of every file."""

from tests.speed.helpers import collected, findings, parsed_names, write

# The log's helper runs through self._log_probs(...) from refresh(); refresh's own callers
# would only give it other instances, and a Timer elsewhere has a refresh() of its own.
CALIBRATOR = """
import torch
import torch.nn as nn


class Calibrator(nn.Module):
    def __init__(self, classes):
        super().__init__()
        self.logits = nn.Parameter(torch.zeros(classes))
        self.refresh()

    def refresh(self):
        self.table = self._log_probs(self.logits.softmax(-1))

    def _log_probs(self, p):
        return torch.log(p)


def apply_block(blocks, x, i):
    return blocks[i](x)
"""

CLOCK = """
import losses


class Timer:
    def refresh(self):
        self.count = 0


def tick(obj):
    obj.refresh()
"""

# apply_block's callers fill its container with layers: no log value comes from them.
ZOO = """
import torch.nn as nn

from losses import apply_block


class Tower(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = nn.ModuleList([nn.Linear(4, 4), nn.Linear(4, 4)])

    def forward(self, x):
        return apply_block(self.blocks, x, 1)
"""


def test_a_self_helper_does_not_pull_in_every_method_of_its_callers_name(tmp_path):
    write(tmp_path, {"losses.py": CALIBRATOR, "clock.py": CLOCK, "zoo.py": ZOO})
    assert parsed_names(collected(tmp_path)) == {"losses.py"}
    got = findings(tmp_path)
    assert got == [("LL105", "losses.py", 15)]  # log of the softmax, through self._log_probs
    assert got == findings(tmp_path, prefilter=False)


# A hand-written binary cross-entropy called through a dict of losses: the sigmoid comes
# from train.py, a caller of pick(), which names no loss and takes no log.
LOSSES = """
import torch


def binary_ce(p, y):
    return -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()


def plain(p, y):
    return (p - y).abs().mean()


TABLE = {"bce": binary_ce, "plain": plain}


def pick(kind, p, y):
    return TABLE[kind](p, y)
"""

TRAIN = """
from losses import pick
from models import Classifier

model = Classifier()
for x, y in loader:
    pick("bce", model(x).sigmoid(), y).backward()
"""

MODELS = """
import torch.nn as nn


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.out = nn.Linear(8, 1)

    def forward(self, x):
        return self.out(x)
"""


def test_a_log_helper_called_through_a_subscript_still_finds_its_callers(tmp_path):
    write(tmp_path, {"losses.py": LOSSES, "train.py": TRAIN, "models.py": MODELS, "clock.py": CLOCK})
    assert parsed_names(collected(tmp_path)) == {"losses.py", "train.py", "models.py"}
    got = findings(tmp_path)
    assert ("LL501", "losses.py", 5) in got
    assert got == findings(tmp_path, prefilter=False)
