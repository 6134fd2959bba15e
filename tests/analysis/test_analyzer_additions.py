"""What issue 7 taught the analyzer: model.to(device) keeps the model, exp/softplus are
activations, TensorV records its maker (op) and later layout changes (reshaped), arithmetic
keeps its shape in the IR, and calls remember their `with` regions."""

import pytest

from losslint import analysis
from losslint.analysis import ir
from losslint.analysis.evaluate import TensorV
from tests.analysis.helpers import pairs

NET = """
import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        return F.softmax(self.fc(x), dim=1)
"""


@pytest.mark.parametrize("spelling", ['Net().to("cuda")', "Net().cuda().train()", "Net().to(device).float()"])
def test_model_moved_to_a_device_is_still_the_model(tmp_path, spelling):
    source = NET + f"\ndevice = 'cpu'\nmodel = {spelling}\n\ndef step(x, y):\n    return F.cross_entropy(model(x), y)\n"
    assert pairs(tmp_path, {"a.py": source}) == [("softmax", "CrossEntropyLoss")]


def test_a_class_with_its_own_to_method_is_not_assumed_to_return_itself(tmp_path):
    source = NET + """
class Wrapper(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = Net()

    def to(self, device):
        return self.net  # odd, but it is what the code says

model = Wrapper().to("cpu")

def step(x, y):
    return F.cross_entropy(model(x), y)
"""
    assert pairs(tmp_path, {"a.py": source}) == [("softmax", "CrossEntropyLoss")]


def test_a_plain_object_with_to_stays_unknown(tmp_path):
    source = NET + "\nclass Box:\n    pass\n\nbox = Box().to('cpu')\n\ndef step(x, y):\n    return F.cross_entropy(box(x), y)\n"
    assert pairs(tmp_path, {"a.py": source}) == []


EXP = """
import torch
import torch.nn as nn
import torch.nn.functional as F

head = nn.Linear(4, 1)

def step(x, k):
    return F.poisson_nll_loss({expr}, k)
"""


@pytest.mark.parametrize(
    ("expr", "kind"),
    [("torch.exp(head(x))", "exp"), ("head(x).exp()", "exp"), ("F.softplus(head(x))", "softplus"), ("nn.Softplus()(head(x))", "softplus")],
)
def test_rates_are_activations(tmp_path, expr, kind):
    assert pairs(tmp_path, {"a.py": EXP.format(expr=expr)}) == [(kind, "PoissonNLLLoss")]


def tensors(tmp_path, source: str) -> list[TensorV]:
    path = tmp_path / "a.py"
    path.write_text(source)
    result = analysis.analyze([analysis.file_facts(str(path), source)])
    return [p.tensor for p in result.pairs]


LAYOUT = """
import torch
import torch.nn as nn
import torch.nn.functional as F

fc = nn.Linear(4, 3)

def step(x, y):
    return F.nll_loss({expr}, y)
"""


@pytest.mark.parametrize(
    ("expr", "reshaped"),
    [
        ("F.log_softmax(fc(x), 1)", False),
        ("F.log_softmax(fc(x), 1).float().to('cpu').detach()", False),  # dtype and device only
        ("F.log_softmax(fc(x), 1)[:, :2]", True),
        ("F.log_softmax(fc(x), 1).view(-1, 3)", True),
        ("F.log_softmax(fc(x), 1).T", True),
        ("torch.flatten(F.log_softmax(fc(x), 1))", True),
        ("nn.Flatten()(F.log_softmax(fc(x), 1))", True),
    ],
)
def test_layout_changes_after_the_activation_are_recorded(tmp_path, expr, reshaped):
    (tensor,) = tensors(tmp_path, LAYOUT.format(expr=expr))
    assert tensor.kind == "log_softmax" and tensor.reshaped is reshaped


@pytest.mark.parametrize(
    ("expr", "op"),
    [
        ("F.log_softmax(fc(x), 1)", "torch.nn.functional.log_softmax"),
        ("nn.LogSoftmax(dim=1)(fc(x))", "torch.nn.LogSoftmax"),
        ("fc(x).log_softmax(1)", "log_softmax"),
        ("fc(x)", "torch.nn.Linear"),
    ],
)
def test_tensor_records_what_made_it(tmp_path, expr, op):
    (tensor,) = tensors(tmp_path, LAYOUT.format(expr=expr))
    assert tensor.op == op


def test_arithmetic_and_with_regions_are_kept_in_the_facts():
    source = "import torch\ndef f(p, y):\n    with torch.autocast('cuda'):\n        return -(y * torch.log(p)).mean()\n"
    facts = analysis.file_facts("m.py", source)
    log = next(c for c in facts.calls if c.callee == "log")
    assert len(log.contexts) == 1 and isinstance(log.contexts[0], ir.Call)
    mean = next(c for c in facts.calls if c.callee == "mean")
    product = mean.call.func.obj
    assert isinstance(product, ir.BinOp) and product.op == "*" and product.right is log.call
    assert isinstance(facts.functions["m.py::f"].returns, ir.Neg)
