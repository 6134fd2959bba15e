"""When a fix that changes the model's output is safe, and what its message names.

Safe only when every reader of the output that losslint sees is a loss the fix takes care
of or an argmax-like read; anything else makes it unsafe and is named in the message.
"""

import pytest

from tests.fixes.helpers import fix

MODEL = """
import torch.nn as nn

def build():
    return nn.Sequential(nn.Linear(4, 3), nn.Softmax(dim=1))
"""


def train(extra: str, imports: str = "") -> str:
    return f"""
import torch
import torch.nn as nn
{imports}
from model import build

model = build()
criterion = nn.CrossEntropyLoss()

def train_step(x, y):
    out = model(x)
    loss = criterion(out, y)
    return loss

{extra}
"""


HARMLESS = {
    "argmax_method": "def accuracy(x, y):\n    return (model(x).argmax(dim=1) == y).float().mean()\n",
    "torch_argmax": "def predict(x):\n    return torch.argmax(model(x), 1).tolist()\n",
    "max_indices_unpacked": "def predict(x):\n    _, pred = model(x).max(1)\n    return pred\n",
    "max_indices_subscript": "def predict(x):\n    return model(x).max(1)[1]\n",
    "max_indices_attribute": "def predict(x):\n    return model(x).max(dim=1).indices\n",
    "shape_only": "def batch(x):\n    out = model(x).detach().cpu()\n    return out.shape[0], out.argmax(1)\n",
    "print_model": "print(model)\n",
    "lightning_style_fit": "trainer = torch.nn.Module()\ntrainer.fit(model)\n",
    "second_loss_on_same_output": "def val_step(x, y):\n    return nn.CrossEntropyLoss(reduction='sum')(model(x), y)\n",
}


@pytest.mark.parametrize("name", sorted(HARMLESS))
def test_harmless_readers_keep_the_fix_safe(tmp_path, name):
    fixed = fix(tmp_path, {"model.py": MODEL, "train.py": train(HARMLESS[name])})
    fix_ = fixed.fix_of("LL103")
    assert fix_.applicability == "safe", fix_.message


READERS = {
    "threshold": (
        "def predict(x):\n    probs = model(x)\n    return probs > 0.5\n",
        "train.py:16 `probs > 0.5`",
    ),
    "max_values": (
        "def confidence(x):\n    return model(x).max(1)[0]\n",
        "train.py:15 `model(x).max(1)`",
    ),
    "returned_without_caller": (
        "def predict_proba(x):\n    return model(x)\n",
        "train.py:15 `return model(x)` (returned by `predict_proba()`)",
    ),
    "through_a_helper": (
        "def forward_only(x):\n    return model(x)\n\ndef report(x):\n    print(forward_only(x).numpy())\n",
        "train.py:18 `forward_only(x).numpy()`",
    ),
    "stored_in_a_list": (
        "outputs = []\n\ndef collect(x):\n    outputs.append(model(x))\n",
        "train.py:17 `outputs.append(model(x))`",
    ),
    "saved_whole": (
        "torch.save(model, 'model.pt')\n",
        "train.py:14 `torch.save(model, 'model.pt')` receives the model",
    ),
    "exported": (
        "torch.onnx.export(model, torch.zeros(1, 4), 'model.onnx')\n",
        "receives the model",
    ),
    "metric_from_a_library": (
        "def auc(x, y):\n    return roc_auc_score(y, model(x)[:, 1].detach().numpy())\n",
        "train.py:15 `model(x)[:, 1].detach().numpy()`",
    ),
}


@pytest.mark.parametrize("name", sorted(READERS))
def test_other_readers_make_it_unsafe_and_are_named(tmp_path, name):
    extra, named = READERS[name]
    imports = "from sklearn.metrics import roc_auc_score" if "roc_auc" in extra else ""
    fixed = fix(tmp_path, {"model.py": MODEL, "train.py": train(extra, imports)})
    fix_ = fixed.fix_of("LL103")
    assert fix_.applicability == "unsafe"
    assert named in fix_.message, fix_.message
    assert "apply softmax where its output is read as probabilities" in fix_.message


def test_unsafe_fix_is_not_applied_without_unsafe_fixes(tmp_path):
    files = {"model.py": MODEL, "train.py": train(READERS["threshold"][0])}
    fixed = fix(tmp_path, files, unsafe=False)
    assert fixed.changed == {} and [f.code for f in fixed.after] == ["LL103"]
    fixed = fix(tmp_path, files, unsafe=True)
    assert list(fixed.changed) == ["model.py"] and fixed.after == []


def test_a_loss_the_fix_cannot_handle_is_a_reader(tmp_path):
    """The same probabilities also go into KLDivLoss: removing the softmax changes that
    loss too, and no counterpart fixes it; the fix is unsafe and names the call."""
    extra = "def distill(x, target):\n    return nn.KLDivLoss()(model(x), target)\n"
    fixed = fix(tmp_path, {"model.py": MODEL, "train.py": train(extra)})
    fix_ = fixed.fix_of("LL103")
    assert fix_.applicability == "unsafe"
    assert "train.py:15 `nn.KLDivLoss()(model(x), target)`" in fix_.message


def test_log_softmax_swap_names_the_readers(tmp_path):
    """LL102: the model returns log-probabilities after the fix."""
    model = """
    import torch.nn as nn

    def build():
        return nn.Sequential(nn.Linear(4, 3), nn.Softmax(dim=1))
    """
    script = """
    import torch.nn as nn
    from model import build

    model = build()
    criterion = nn.NLLLoss()

    def step(x, y):
        return criterion(model(x), y)

    def predict(x):
        return model(x).tolist()
    """
    fixed = fix(tmp_path, {"model.py": model, "train.py": script})
    fix_ = fixed.fix_of("LL102")
    assert fix_.applicability == "unsafe"
    assert "the output becomes log_softmax" in fix_.message and "train.py:11" in fix_.message


def test_binary_threshold_named(tmp_path):
    model = """
    import torch
    import torch.nn as nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 1)

        def forward(self, x):
            return torch.sigmoid(self.fc(x)).squeeze(1)
    """
    script = """
    import torch.nn as nn
    from model import Net

    model = Net()
    criterion = nn.BCELoss()

    def step(x, y):
        return criterion(model(x), y)

    def is_spam(x):
        return model(x) >= 0.5
    """
    fixed = fix(tmp_path, {"model.py": model, "train.py": script})
    fix_ = fixed.fix_of("LL203")
    assert fix_.applicability == "unsafe"
    assert "train.py:11 `model(x) >= 0.5`" in fix_.message
    assert fixed.changed["train.py"].count("BCEWithLogitsLoss") == 1
    assert "return self.fc(x).squeeze(1)" in fixed.changed["model.py"]


def test_softmax_into_bce_with_logits_is_never_safe(tmp_path):
    # Only the loss reads the output, which would make a removal safe, but the code does
    # not show whether the labels are independent (the fix) or exclusive (CE instead).
    source = """
import torch.nn as nn
import torch.nn.functional as F

model = nn.Sequential(nn.Linear(4, 6), nn.Softmax(dim=1))

def train_step(x, t):
    return F.binary_cross_entropy_with_logits(model(x), t)
"""
    safe_only = fix(tmp_path, {"m.py": source}, unsafe=False)
    assert safe_only.changed == {}
    (finding,) = [f for f in safe_only.before if f.code == "LL403"]
    assert finding.fix.applicability == "unsafe"
    assert "use CrossEntropyLoss on the logits with class indices instead" in finding.fix.message
    fixed = fix(tmp_path, {"m.py": source}, unsafe=True)
    assert "nn.Softmax" not in fixed.changed["m.py"]


def test_a_loss_module_call_is_the_loss_it_computes(tmp_path):
    # criterion(out, y) runs a FocalLoss whose forward calls F.cross_entropy: that call is
    # not another reader of the probabilities, so removing the softmax stays safe.
    losses = """
import torch
import torch.nn as nn
import torch.nn.functional as F

class FocalLoss(nn.Module):
    def forward(self, inputs, targets):
        ce = F.cross_entropy(inputs, targets, reduction="none")
        return ((1 - torch.exp(-ce)) ** 2 * ce).mean()
"""
    train = """
from model import build
from losses import FocalLoss

model = build()
criterion = FocalLoss()

def train_step(x, y):
    return criterion(model(x), y)
"""
    fixed = fix(tmp_path, {"model.py": MODEL, "losses.py": losses, "train.py": train}, unsafe=False)
    (finding,) = [f for f in fixed.before if f.code == "LL103"]
    assert finding.fix.applicability == "safe"
    assert [r.message for r in finding.related][-1] == "loss module computing CrossEntropyLoss called here"
    assert "nn.Softmax" not in fixed.changed["model.py"]


SKORCH = """
import torch.nn as nn
import torch.nn.functional as F
from skorch import NeuralNet, NeuralNetClassifier

class Module(nn.Module):
    def __init__(self):
        super().__init__()
        self.out = nn.Linear(20, 3)

    def forward(self, X):
        return F.softmax(self.out(X), dim=-1)

class Logits(nn.Module):
    def __init__(self):
        super().__init__()
        self.out = nn.Linear(20, 3)

    def forward(self, X):
        return self.out(X)

net = NeuralNetClassifier(Module, criterion=nn.CrossEntropyLoss, max_epochs=5)
plain = NeuralNet(Logits, nn.NLLLoss)
"""


def test_skorch_fixes_name_the_net_and_never_rename_its_criterion(tmp_path):
    fixed = fix(tmp_path, {"m.py": SKORCH}, unsafe=True)
    by_code = {f.code: f for f in fixed.before}
    removal = by_code["LL103"].fix
    assert removal.applicability == "unsafe"  # skorch's predict_proba reads the output
    assert "`NeuralNetClassifier(Module, criterion=nn.CrossE...` receives the model" in removal.message
    assert by_code["LL101"].fix is None  # the loss is skorch's criterion argument, not a call
    after = fixed.changed["m.py"]
    assert "return self.out(X)\n\nclass Logits" in after
    assert "NeuralNet(Logits, nn.NLLLoss)" in after and "criterion=nn.CrossEntropyLoss" in after


def test_a_loss_module_that_also_reads_the_probabilities_is_a_reader(tmp_path):
    # Its forward adds an entropy term on `p`: removing the softmax changes that term, so
    # the module's call is a reader the fix must name, not just the loss.
    losses = """
import torch
import torch.nn as nn
import torch.nn.functional as F

class EntropyRegularized(nn.Module):
    def forward(self, p, y):
        entropy = -(p * torch.log(p + 1e-8)).sum(1).mean()
        return F.cross_entropy(p, y) - 0.1 * entropy
"""
    train = """
from model import build
from losses import EntropyRegularized

model = build()
criterion = EntropyRegularized()

def train_step(x, y):
    return criterion(model(x), y)
"""
    fixed = fix(tmp_path, {"model.py": MODEL, "losses.py": losses, "train.py": train}, unsafe=False)
    (finding,) = [f for f in fixed.before if f.code == "LL103"]
    assert finding.fix.applicability == "unsafe"
    assert finding.fix.message.endswith("train.py:8 `criterion(model(x), y)`")
    assert fixed.changed == {}
