"""A branch guarded by `param is None` is decided in each calling context by the argument
the call passes: an argument that is never None by its form (a slice, a tuple, arithmetic)
decides it even when its value is not modelled (issue 12: call-site sensitivity)."""

import pytest

from tests.analysis.helpers import codes

MODELS = """
import torch.nn as nn
import torch.nn.functional as F


class Head(nn.Module):
    def __init__(self, n, probs=False):
        super().__init__()
        self.fc = nn.Linear(8, n)
        self.probs = probs

    def forward(self, x, size=None):
        x = self.fc(x)
        if self.probs:
            return F.softmax(x, dim=1)
        return F.log_softmax(x, dim=1)


class Wrapper(nn.Module):
    def __init__(self, head, crit):
        super().__init__()
        self.head = head
        self.crit = crit

    def forward(self, batch, *, size=None):
        if size is None:
            out = self.head(batch["x"])
            return self.crit(out, batch["y"])
        return self.head(batch["x"], size=size)


def run(net, batch, size=None):
    return net(batch, size=size)
"""

PREDICT = """
import torch.nn as nn
from models import Head, Wrapper, run


def load(path):
    return path


img = load("a.png")
net = Wrapper(Head(10, probs=True), nn.NLLLoss())
{call}
"""

# The probabilities head is only ever run on the inference path: the loss is dead there.
INFERENCE_ONLY = {
    "slice_of_a_shape": "scores = net({'x': img}, size=img.shape[2:])",
    "tuple_literal": "scores = net({'x': img}, size=(img.h, img.w))",
    "arithmetic": "scores = net({'x': img}, size=img.h * 2)",
    "conditional_of_two_sizes": "scores = net({'x': img}, size=img.shape[2:] if img.big else (8, 8))",
    "passed_on_by_a_helper": "scores = run(net, {'x': img}, img.shape[-2:])",
}

# The loss branch may run with the probabilities head: reported.
TRAINED = {
    "size_left_out": "loss = net({'x': img, 'y': 1})",
    "size_passed_as_none": "loss = net({'x': img, 'y': 1}, size=None)",
    "size_of_unknown_form": "loss = net({'x': img, 'y': 1}, size=img.size_or_none)",
    "helper_leaves_it_out": "loss = run(net, {'x': img, 'y': 1})",
    "helper_called_twice_once_without": "a = run(net, {'x': img}, (8, 8))\nloss = run(net, {'x': img, 'y': 1})",
}


@pytest.mark.parametrize("case", sorted(INFERENCE_ONLY))
def test_loss_branch_dead_in_the_inference_context(tmp_path, case):
    predict = PREDICT.format(call=INFERENCE_ONLY[case])
    assert codes(tmp_path, {"models.py": MODELS, "predict.py": predict}) == []


@pytest.mark.parametrize("case", sorted(TRAINED))
def test_loss_branch_live_is_reported(tmp_path, case):
    predict = PREDICT.format(call=TRAINED[case])
    assert codes(tmp_path, {"models.py": MODELS, "predict.py": predict}) == ["LL102"]


def test_each_context_keeps_its_own_verdict(tmp_path):
    """A training script (log-probabilities head, loss path) and an inference script
    (probabilities head, size passed): neither is a mistake."""
    train = PREDICT.format(call="").replace("probs=True", "probs=False") + "loss = net({'x': img, 'y': 1})\n"
    predict = PREDICT.format(call="scores = net({'x': img}, size=img.shape[2:])")
    assert codes(tmp_path, {"models.py": MODELS, "train.py": train, "predict.py": predict}) == []


# --- a model chosen by a flag, one of them not readable ------------------------------------

CHOICE = """
import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 4)

    def forward(self, x):
        return F.softmax(self.fc(x), dim=1)


class FromFile(nn.Module):
    def __init__(self, path):
        super().__init__()
        self.blocks = torch.load(path)

    def forward(self, x):
        for block in self.blocks:
            x = block(x)
        return x


def set_mode(net):
    net.train()


def train(model, x, y, log=print):
    log(x)
    set_mode(model)
    criterion = Criterion()
    return criterion(model(x), y)


class Criterion(nn.Module):
    def forward(self, out, y):
        return F.cross_entropy(out, y)


def main(cfg):
    model = {choice}
    train(model, torch.randn(2, 8), torch.tensor([0, 1]))
"""


def test_known_model_beside_an_unreadable_one_decides(tmp_path):
    """FromFile's output is not known: it is not this step; Net's softmax reaches the loss."""
    source = CHOICE.replace("{choice}", "FromFile(cfg.path) if cfg.from_file else Net()")
    assert codes(tmp_path, {"main.py": source}) == ["LL103"]


def test_torch_layers_chosen_by_name_still_disagree(tmp_path):
    """A ReLU's output is unknown because it is no activation losslint judges: beside it a
    Sigmoid is one candidate of several, not the model."""
    source = """
import torch.nn as nn


def act(name):
    if name == "sigmoid":
        return nn.Sigmoid()
    elif name == "relu":
        return nn.ReLU()
    return nn.Tanh()


def step(name, x, y):
    net = nn.Sequential(nn.Linear(4, 1), act(name))
    return nn.BCEWithLogitsLoss()(net(x), y)
"""
    assert codes(tmp_path, {"main.py": source}) == []


def test_callers_found_while_a_call_of_the_same_name_is_evaluated(tmp_path):
    """Looking for the callers of `train` (for `log(x)`) evaluates `net.train()`, a call
    named like it, which asks for `train`'s `model` while its callers are not known yet:
    that answer must not stay for the rest of the run (the loss module's forward sees
    `model(x)` evaluated in train's own frame)."""
    source = CHOICE.replace("{choice}", "Net()")
    assert codes(tmp_path, {"main.py": source}) == ["LL103"]
