"""Respelling an activation: softmax -> log_softmax (LL102), and the stable spellings of
torch.log(softmax) (LL105) and torch.log(sigmoid) (LL206)."""

import pytest

from tests.fixes.helpers import expect, fix


def model(imports: str, expression: str) -> str:
    return f"""
{imports}
import torch.nn


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(8, 4)

    def forward(self, x):
        h = self.fc(x)
        return {expression}
"""


def train(loss: str) -> str:
    return f"""
import torch.nn as nn
from model import Net

model = Net()
criterion = nn.{loss}()

def step(x, y):
    return criterion(model(x), y)
"""


# LL102: (imports, softmax spelling, imports after, log_softmax spelling)
TO_LOG_SOFTMAX = [
    ("import torch.nn as nn", "nn.Softmax(dim=1)(h)", None, "nn.LogSoftmax(dim=1)(h)"),
    ("from torch import nn", "nn.Softmax2d()(h)", None, "nn.LogSoftmax(dim=-3)(h)"),
    ("from torch.nn import Softmax", "Softmax(dim=1)(h)", "from torch.nn import Softmax, LogSoftmax", "LogSoftmax(dim=1)(h)"),
    ("import torch.nn.functional as F", "F.softmax(h, dim=1)", None, "F.log_softmax(h, dim=1)"),
    ("import torch", "torch.nn.functional.softmax(h, -1)", None, "torch.nn.functional.log_softmax(h, -1)"),
    (
        "from torch.nn.functional import softmax",
        "softmax(h, dim=-1)",
        "from torch.nn.functional import softmax, log_softmax",
        "log_softmax(h, dim=-1)",
    ),
    ("import torch", "torch.softmax(h, 1)", None, "torch.log_softmax(h, 1)"),
    ("import torch", "torch.special.softmax(h, 1)", None, "torch.special.log_softmax(h, 1)"),
    ("", "h.softmax(1)", None, "h.log_softmax(1)"),
]


@pytest.mark.parametrize("imports, before, imports_after, after", TO_LOG_SOFTMAX, ids=[c[1] for c in TO_LOG_SOFTMAX])
def test_softmax_to_log_softmax(tmp_path, imports, before, imports_after, after):
    fixed = expect(
        tmp_path,
        {"model.py": model(imports, before), "train.py": train("NLLLoss")},
        {"model.py": model(imports_after if imports_after is not None else imports, after)},
        unsafe=False,
    )
    assert fixed.fix_of("LL102").applicability == "safe"  # only the loss reads the output


# LL105 / LL206 inside one expression: (imports, unstable, stable, import added)
ADDED = "import torch.nn.functional as F"
STABLE = [
    ("import torch\nimport torch.nn.functional as F", "torch.log(F.softmax(h, 1))", "F.log_softmax(h, 1)", None),
    ("import torch.nn.functional as F", "F.softmax(h, dim=1).log()", "F.log_softmax(h, dim=1)", None),
    ("import torch", "torch.log(torch.softmax(h, 1))", "torch.log_softmax(h, 1)", None),
    ("import torch", "torch.log(h.softmax(dim=1))", "h.log_softmax(dim=1)", None),
    ("import torch\nimport torch.nn as nn", "torch.log(nn.Softmax(dim=1)(h))", "F.log_softmax(h, dim=1)", ADDED),
    ("import torch\nfrom torch.nn import functional as fn", "torch.log(torch.sigmoid(h))", "fn.logsigmoid(h)", None),
    ("import torch", "torch.log(torch.sigmoid(h))", "F.logsigmoid(h)", ADDED),
    ("import torch", "h.sigmoid().log()", "F.logsigmoid(h)", ADDED),
    ("import torch", "torch.log((h + 1).sigmoid())", "F.logsigmoid(h + 1)", ADDED),
]


@pytest.mark.parametrize("imports, before, after, added", STABLE, ids=[c[1] for c in STABLE])
def test_stable_spelling(tmp_path, imports, before, after, added):
    # NLLLoss for the softmax ones (LL105); a loss the taxonomy has no rule for with
    # logsigmoid, so that LL206 itself is reported.
    loss = "NLLLoss" if "softmax" in before.lower() else "PoissonNLLLoss"
    expected = model(imports, after)
    if added:  # after the file's last torch import
        expected = expected.replace("import torch.nn\n", f"import torch.nn\n{added}\n", 1)
    fixed = expect(
        tmp_path,
        {"model.py": model(imports, before), "train.py": train(loss)},
        {"model.py": expected},
        unsafe=False,
    )
    assert [a.fix.applicability for a in fixed.applied] == ["safe"]


def test_log_of_probabilities_computed_earlier(tmp_path):
    """probs is also used for accuracy: it stays, computed from the stable log."""
    source = """
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    model = nn.Linear(4, 3)
    criterion = nn.NLLLoss()

    def step(x, y):
        probs = F.softmax(model(x), dim=1)
        loss = criterion(torch.log(probs), y)
        accuracy = (probs.argmax(dim=1) == y).float().mean()
        return loss, accuracy
    """
    after = """
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    model = nn.Linear(4, 3)
    criterion = nn.NLLLoss()

    def step(x, y):
        log_probs = F.log_softmax(model(x), dim=1)
        probs = log_probs.exp()
        loss = criterion(log_probs, y)
        accuracy = (probs.argmax(dim=1) == y).float().mean()
        return loss, accuracy
    """
    expect(tmp_path, {"train.py": source}, {"train.py": after}, unsafe=False)


def test_hand_written_bce_with_log_of_sigmoid(tmp_path):
    source = """
    import torch


    def weighted_bce(logits, target, pos_weight=5.0):
        log_p = torch.log(torch.sigmoid(logits))
        log_not_p = torch.log(1 - torch.sigmoid(logits))
        return -(pos_weight * target * log_p + (1 - target) * log_not_p).mean()
    """
    after = """
    import torch
    import torch.nn.functional as F


    def weighted_bce(logits, target, pos_weight=5.0):
        log_p = F.logsigmoid(logits)
        log_not_p = torch.log(1 - torch.sigmoid(logits))
        return -(pos_weight * target * log_p + (1 - target) * log_not_p).mean()
    """
    expect(tmp_path, {"loss.py": source}, {"loss.py": after}, unsafe=False)


def test_alias_for_functional_avoids_a_taken_name(tmp_path):
    source = """
    import torch

    F = 3  # a constant that happens to be called F

    def log_probability(z):
        return torch.log(torch.sigmoid(z))
    """
    after = """
    import torch
    import torch.nn.functional as TF

    F = 3  # a constant that happens to be called F

    def log_probability(z):
        return TF.logsigmoid(z)
    """
    expect(tmp_path, {"a.py": source}, {"a.py": after})


def test_import_added_after_future_import_when_torch_is_imported_locally(tmp_path):
    source = '''
    """Scores."""
    from __future__ import annotations


    def log_probability(z):
        import torch

        return torch.log(torch.sigmoid(z))
    '''
    after = '''
    """Scores."""
    from __future__ import annotations
    import torch.nn.functional as F


    def log_probability(z):
        import torch

        return F.logsigmoid(z)
    '''
    expect(tmp_path, {"a.py": source}, {"a.py": after})


def test_torch_name_that_is_not_torch(tmp_path):
    source = '''
    from mylib import torch_alias as torch


    def log_probability(z):
        return torch.log(torch.sigmoid(z))
    '''
    fixed = fix(tmp_path, {"a.py": source})
    assert fixed.before == [] and fixed.changed == {}


def test_separate_statements_with_rebinding_get_no_fix(tmp_path):
    source = """
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    model = nn.Linear(4, 3)
    criterion = nn.NLLLoss()

    def step(x, y):
        probs = F.softmax(model(x), dim=1)
        probs2 = probs
        return criterion(torch.log(probs2), y)
    """
    fixed = fix(tmp_path, {"a.py": source})
    assert all(f.fix is None for f in fixed.before if f.code == "LL105")


def test_log_of_sigmoid_computed_earlier(tmp_path):
    source = """
    import torch


    def score(z, y):
        p = torch.sigmoid(z)
        log_likelihood = (y * torch.log(p)).sum()
        return log_likelihood, p.mean()
    """
    after = """
    import torch
    import torch.nn.functional as F


    def score(z, y):
        log_p = F.logsigmoid(z)
        p = log_p.exp()
        log_likelihood = (y * log_p).sum()
        return log_likelihood, p.mean()
    """
    expect(tmp_path, {"a.py": source}, {"a.py": after})


# --- torch.log of a layer bound in __init__ (LL105 / LL206) --------------------------------


def layer_model(layer: str, output: str, extra: str = "", fc: str = "nn.Linear(8, 4)", imports: str = "import torch\n") -> str:
    return f"""
{imports}import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = {fc}
{layer}
    def forward(self, x):
        return {output}
{extra}"""


ACT = "        self.act = {}\n"
LOG_OF_LAYER = [
    # (layer, its stable functional form), the layer applied inside torch.log
    ("nn.Softmax(dim=1)", "F.log_softmax(self.fc(x), dim=1)", "NLLLoss"),
    ("nn.Softmax(1)", "F.log_softmax(self.fc(x), 1)", "NLLLoss"),
    ("nn.Softmax2d()", "F.log_softmax(self.fc(x), dim=-3)", "NLLLoss"),
    ("nn.Sigmoid()", "F.logsigmoid(self.fc(x))", "PoissonNLLLoss"),
]


@pytest.mark.parametrize("layer, stable, loss", LOG_OF_LAYER, ids=[c[0] for c in LOG_OF_LAYER])
def test_log_of_a_layer_becomes_the_functional_log_and_the_unused_layer_goes(tmp_path, layer, stable, loss):
    fc = "nn.Conv2d(3, 4, 1)" if layer == "nn.Softmax2d()" else "nn.Linear(8, 4)"
    before = layer_model(ACT.format(layer), "torch.log(self.act(self.fc(x)))", fc=fc)
    after = layer_model("", stable, fc=fc, imports="import torch\nimport torch.nn.functional as F\n")
    after = after.replace("import torch.nn.functional as F\nimport torch.nn as nn\n", "import torch.nn as nn\nimport torch.nn.functional as F\n")
    fixed = expect(tmp_path, {"model.py": before, "train.py": train(loss)}, {"model.py": after}, unsafe=False)
    assert [a.fix.applicability for a in fixed.applied] == ["safe"]


def test_log_of_a_layer_used_elsewhere_keeps_the_layer(tmp_path):
    predict = "\n    def predict(self, x):\n        return self.act(self.fc(x))\n"
    before = layer_model(ACT.format("nn.Softmax(dim=1)"), "torch.log(self.act(self.fc(x)))", extra=predict)
    after = layer_model(ACT.format("nn.Softmax(dim=1)"), "F.log_softmax(self.fc(x), dim=1)", extra=predict)
    after = after.replace("import torch.nn as nn\n", "import torch.nn as nn\nimport torch.nn.functional as F\n")
    expect(tmp_path, {"model.py": before, "train.py": train("NLLLoss")}, {"model.py": after}, unsafe=False)


# --- torch.log(probs) of probs computed earlier: when the rewrite is not sound, no fix ------

EARLIER = """
import torch
import torch.nn as nn
import torch.nn.functional as F

model = nn.Linear(4, 3)
criterion = nn.NLLLoss()
{module_level}

def step(x, y):
{body}
    return criterion(torch.log(probs), y), probs
"""

NO_FIX = {
    "two targets": ("", "    probs = other = F.softmax(model(x), dim=1)"),
    "two statements on the line": ("", "    probs = F.softmax(model(x), dim=1); other = 1"),
    "log_probs is taken": ("log_probs = None", "    probs = F.softmax(model(x), dim=1)"),
    "computed in another scope": ("probs = F.softmax(model(torch.zeros(2, 4)), dim=1)", "    pass"),
    "an attribute is called log_probs": ("model.log_probs = None", "    probs = F.softmax(model(x), dim=1)"),
}


@pytest.mark.parametrize("case", sorted(NO_FIX))
def test_log_of_probabilities_computed_earlier_without_a_sound_rewrite(tmp_path, case):
    module_level, body = NO_FIX[case]
    fixed = fix(tmp_path, {"a.py": EARLIER.format(module_level=module_level, body=body)})
    found = [f for f in fixed.before if f.code == "LL105"]
    assert len(found) == 1 and found[0].fix is None, case
    assert fixed.changed == {}


def test_log_of_probabilities_computed_earlier_with_a_sound_rewrite(tmp_path):
    """The control for the cases above: the plain binding is fixed."""
    fixed = fix(tmp_path, {"a.py": EARLIER.format(module_level="", body="    probs = F.softmax(model(x), dim=1)")})
    assert "log_probs = F.log_softmax(model(x), dim=1)\n    probs = log_probs.exp()\n" in fixed.changed["a.py"]


def test_log_of_probabilities_computed_earlier_by_a_method_in_parentheses(tmp_path):
    """A method spelling (`z.softmax(dim=1)`) bound earlier is fixed too, and the log call's
    own parentheses stay around its replacement."""
    source = """
    import torch
    import torch.nn as nn

    criterion = nn.NLLLoss()

    def step(z, y):
        p = z.softmax(dim=1)
        return criterion((torch.log(p)), y), p
    """
    after = """
    import torch
    import torch.nn as nn

    criterion = nn.NLLLoss()

    def step(z, y):
        log_p = z.log_softmax(dim=1)
        p = log_p.exp()
        return criterion((log_p), y), p
    """
    expect(tmp_path, {"a.py": source}, {"a.py": after}, unsafe=False)


def test_probabilities_rebound_between_the_activation_and_the_log_get_no_fix(tmp_path):
    """`probs` may be the second softmax when the log reads it: renaming the first binding
    to log_probs would change the result."""
    source = """
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    criterion = nn.NLLLoss()

    def step(z, z2, y, second):
        probs = F.softmax(z, dim=1)
        if second:
            probs = F.softmax(z2, dim=1)
        return criterion(torch.log(probs), y)
    """
    fixed = fix(tmp_path, {"a.py": source})
    found = [f for f in fixed.before if f.code == "LL105"]
    assert found and all(f.fix is None for f in found), [(f.code, f.fix) for f in fixed.before]


def test_a_same_name_in_another_function_does_not_block_the_fix(tmp_path):
    source = """
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    criterion = nn.NLLLoss()

    def predict(z):
        probs = z.sigmoid()
        return probs

    def step(z, y):
        probs = F.softmax(z, dim=1)
        return criterion(torch.log(probs), y)
    """
    fixed = fix(tmp_path, {"a.py": source})
    assert "    log_probs = F.log_softmax(z, dim=1)\n    probs = log_probs.exp()\n" in fixed.changed["a.py"]
