"""Switching the loss (LL101, LL104, LL201): every spelling, the user's aliases kept."""

import pytest

from tests.fixes.helpers import expect, fix


def step(imports: str, body: str) -> str:
    return f"""
{imports}
import torch.nn as nn2

layer = nn2.Linear(4, 3)

def step(x, y, w):
    out = layer(x)
    {body}
"""


# (imports, loss line before, imports after, loss line after)
SPELLINGS = [
    ("import torch.nn as nn", "return nn.NLLLoss()(out, y)", None, "return nn.CrossEntropyLoss()(out, y)"),
    ("import torch.nn.functional as F", "return F.nll_loss(out, y)", None, "return F.cross_entropy(out, y)"),
    (
        "from torch.nn.functional import nll_loss",
        "return nll_loss(out, y)",
        "from torch.nn.functional import nll_loss, cross_entropy",
        "return cross_entropy(out, y)",
    ),
    (
        "from torch.nn.functional import nll_loss, cross_entropy as ce",
        "return nll_loss(out, y)",
        None,
        "return ce(out, y)",
    ),
    ("import torch", "return torch.nn.functional.nll_loss(out, y)", None, "return torch.nn.functional.cross_entropy(out, y)"),
    (
        "from torch.nn import functional as fn",
        "return fn.nll_loss(out, y, reduction='sum')",
        None,
        "return fn.cross_entropy(out, y, reduction='sum')",
    ),
    (
        "import torch.nn as nn",
        "return nn.NLLLoss(reduction='sum')(input=out, target=y)",
        None,
        "return nn.CrossEntropyLoss(reduction='sum')(input=out, target=y)",
    ),
    (
        "from torch.nn import NLLLoss as N",
        "return N(ignore_index=0)(out, y)",
        "from torch.nn import NLLLoss as N, CrossEntropyLoss",
        "return CrossEntropyLoss(ignore_index=0)(out, y)",
    ),
    (
        "from torch.nn import (\n    Linear,\n    NLLLoss,\n)",
        "return NLLLoss()(out, y)",
        "from torch.nn import (\n    Linear,\n    NLLLoss,\n    CrossEntropyLoss,\n)",
        "return CrossEntropyLoss()(out, y)",
    ),
    ("import torch.nn.modules.loss as L", "return L.NLLLoss()(out, y)", None, "return L.CrossEntropyLoss()(out, y)"),
    (
        "import functools\nimport torch.nn.functional as F\nloss_fn = functools.partial(F.nll_loss, reduction='sum')",
        "return loss_fn(out, y)",
        "import functools\nimport torch.nn.functional as F\nloss_fn = functools.partial(F.cross_entropy, reduction='sum')",
        "return loss_fn(out, y)",
    ),
    (
        "import torch.nn.functional as F\nobjective = F.nll_loss",
        "return objective(out, y)",
        "import torch.nn.functional as F\nobjective = F.cross_entropy",
        "return objective(out, y)",
    ),
    # LL201
    ("import torch.nn as nn", "return nn.BCELoss()(out, y)", None, "return nn.BCEWithLogitsLoss()(out, y)"),
    (
        "import torch.nn.functional as F",
        "return F.binary_cross_entropy(out, y, weight=w)",
        None,
        "return F.binary_cross_entropy_with_logits(out, y, weight=w)",
    ),
    # LL104
    (
        "import torch.nn as nn",
        "return nn.CrossEntropyLoss(weight=w)(out.log_softmax(1), y)",
        None,
        "return nn.NLLLoss(weight=w)(out.log_softmax(1), y)",
    ),
    (
        "from torch.nn import CrossEntropyLoss",
        "return CrossEntropyLoss()(out.log_softmax(1), y)",
        "from torch.nn import CrossEntropyLoss, NLLLoss",
        "return NLLLoss()(out.log_softmax(1), y)",
    ),
]


@pytest.mark.parametrize("imports, before, imports_after, after", SPELLINGS, ids=[s[1] for s in SPELLINGS])
def test_loss_spelling(tmp_path, imports, before, imports_after, after):
    fixed = expect(
        tmp_path,
        {"step.py": step(imports, before)},
        {"step.py": step(imports_after or imports, after)},
    )
    # Only LL104's switch keeps the loss value: it alone is safe.
    expected = "safe" if "log_softmax" in before else "unsafe"
    assert [a.fix.applicability for a in fixed.applied] == [expected]


def test_criterion_shared_by_compatible_calls(tmp_path):
    source = """
    import torch.nn as nn

    model = nn.Linear(4, 3)
    criterion = nn.NLLLoss()

    def train_step(x, y):
        return criterion(model(x), y)

    def val_step(x, y):
        return criterion(model(x), y)
    """
    fixed = expect(tmp_path, {"a.py": source}, {"a.py": source.replace("nn.NLLLoss()", "nn.CrossEntropyLoss()")})
    assert len(fixed.applied) == 1
    assert "(criterion used on" not in fixed.applied[0].fix.message  # both calls are known


def test_criterion_shared_with_a_pair_the_switch_would_break(tmp_path):
    """criterion also computes NLLLoss on log-probabilities: switching it to
    CrossEntropyLoss would double the log_softmax there. No fix."""
    source = """
    import torch.nn as nn

    model = nn.Linear(4, 3)
    other = nn.Sequential(nn.Linear(4, 3), nn.LogSoftmax(dim=1))
    criterion = nn.NLLLoss()

    def train_step(x, y):
        return criterion(model(x), y) + criterion(other(x), y)
    """
    fixed = fix(tmp_path, {"a.py": source})
    assert [f.code for f in fixed.before] == ["LL101"]
    assert fixed.before[0].fix is None


def test_criterion_also_used_on_unknown_input_is_named(tmp_path):
    source = """
    import torch.nn as nn

    model = nn.Linear(4, 3)
    criterion = nn.NLLLoss()

    def train_step(x, y):
        return criterion(model(x), y)

    def score(outputs, y):
        return criterion(outputs, y)
    """
    fixed = fix(tmp_path, {"a.py": source})
    fix_ = fixed.fix_of("LL101")
    assert fix_.applicability == "unsafe"
    assert "a.py:10 (criterion used on an input losslint cannot follow)" in fix_.message


def test_criterion_handed_to_a_library_makes_ll104_unsafe(tmp_path):
    source = """
    import torch.nn as nn
    from somewhere import Trainer

    model = nn.Sequential(nn.Linear(4, 3), nn.LogSoftmax(dim=1))
    criterion = nn.CrossEntropyLoss()

    def train_step(x, y):
        return criterion(model(x), y)

    Trainer(model, criterion).fit()
    """
    fixed = fix(tmp_path, {"a.py": source})
    fix_ = fixed.fix_of("LL104")
    assert fix_.applicability == "unsafe"
    assert "a.py:10 (criterion used on an input losslint cannot follow)" in fix_.message


@pytest.mark.parametrize(
    "loss_call",
    [
        "nn.CrossEntropyLoss(label_smoothing=0.1)(out.log_softmax(1), y)",
        "nn.CrossEntropyLoss(None, None, -100, None, 'mean', 0.1)(out.log_softmax(1), y)",
        "F.cross_entropy(out.log_softmax(1), F.softmax(teacher, dim=1))",
        "F.cross_entropy(out.log_softmax(1), F.one_hot(y, 3).float())",
    ],
)
def test_no_nll_loss_where_cross_entropy_options_matter(tmp_path, loss_call):
    """NLLLoss has no label_smoothing and takes no probability targets."""
    source = f"""
    import torch.nn as nn
    import torch.nn.functional as F

    layer = nn.Linear(4, 3)

    def step(x, y, teacher):
        out = layer(x)
        return {loss_call}
    """
    fixed = fix(tmp_path, {"a.py": source})
    assert [f.code for f in fixed.before] == ["LL104"]
    assert fixed.before[0].fix is None


def test_label_smoothing_zero_is_fine(tmp_path):
    source = """
    import torch.nn as nn

    layer = nn.Linear(4, 3)

    def step(x, y):
        return nn.CrossEntropyLoss(label_smoothing=0.0)(layer(x).log_softmax(1), y)
    """
    after = source.replace("nn.CrossEntropyLoss(label_smoothing=0.0)", "nn.NLLLoss()")
    fixed = expect(tmp_path, {"a.py": source}, {"a.py": after}, unsafe=False)
    assert fixed.fix_of("LL104").applicability == "safe"
