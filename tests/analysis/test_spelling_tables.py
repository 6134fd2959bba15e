"""Every spelling in torch_api's activation and loss tables, parametrised from the tables
themselves (a new entry gets its tests without anyone writing them) and from a hand-written
list of the same spellings (an entry dropped from a table, or given the wrong kind, still
gets its test and fails it). test_spellings.py holds hand-picked spellings in context.

Each spelling is written four ways (a module alias, a from-import alias, the full dotted
name, a star import) into a small model + training program whose pair is wrong or questionable, and the
finding the rules give that pair must come out, naming the spelling's activation and loss.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from losslint.analysis import torch_api
from losslint.api import check_paths
from tests.cli.helpers import write

# The spellings written down by hand, with what each is: a spelling dropped from a table (or
# given the wrong kind) still gets its test, and fails it.
KNOWN_LAYERS = {
    "torch.nn.Softmax": "softmax", "torch.nn.Softmax2d": "softmax", "torch.nn.LogSoftmax": "log_softmax",
    "torch.nn.Sigmoid": "sigmoid", "torch.nn.LogSigmoid": "logsigmoid", "torch.nn.Softplus": "softplus",
}
KNOWN_FUNCTIONS = {
    "torch.nn.functional.softmax": "softmax", "torch.nn.functional.log_softmax": "log_softmax",
    "torch.nn.functional.sigmoid": "sigmoid", "torch.nn.functional.logsigmoid": "logsigmoid",
    "torch.nn.functional.softplus": "softplus",
    "torch.softmax": "softmax", "torch.log_softmax": "log_softmax", "torch.sigmoid": "sigmoid", "torch.exp": "exp",
    "torch.special.softmax": "softmax", "torch.special.log_softmax": "log_softmax", "torch.special.expit": "sigmoid",
}
KNOWN_METHODS = {
    "softmax": "softmax", "log_softmax": "log_softmax", "sigmoid": "sigmoid", "sigmoid_": "sigmoid",
    "exp": "exp", "exp_": "exp",
}
KNOWN_LOGS = ["torch.log", "torch.special.log", ".log", ".log_"]
KNOWN_LOSS_CLASSES = {
    "CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss", "KLDivLoss", "MultiLabelSoftMarginLoss",
    "SoftMarginLoss", "PoissonNLLLoss",
}
KNOWN_LOSS_FUNCTIONS = {
    "cross_entropy": "CrossEntropyLoss", "nll_loss": "NLLLoss", "binary_cross_entropy": "BCELoss",
    "binary_cross_entropy_with_logits": "BCEWithLogitsLoss", "kl_div": "KLDivLoss",
    "multilabel_soft_margin_loss": "MultiLabelSoftMarginLoss", "soft_margin_loss": "SoftMarginLoss",
    "poisson_nll_loss": "PoissonNLLLoss",
}


def both(known: dict, table: dict) -> dict:
    """Every spelling of the table or of the hand-written list, with its kind (the
    hand-written one where both have it)."""
    return {**table, **known}


LAYERS = both(KNOWN_LAYERS, torch_api.ACTIVATION_LAYERS)
FUNCTIONS = both(KNOWN_FUNCTIONS, torch_api.ACTIVATION_FUNCTIONS)
METHODS = both(KNOWN_METHODS, torch_api.ACTIVATION_METHODS)
LOGS = sorted({*KNOWN_LOGS, *torch_api.LOG_FUNCTIONS, *(f".{m}" for m in torch_api.LOG_METHODS)})
LOSS_CLASSES = sorted(KNOWN_LOSS_CLASSES | torch_api.LOSS_CLASSES)
LOSS_FUNCTIONS = both(KNOWN_LOSS_FUNCTIONS, torch_api.LOSS_FUNCTIONS)

# Activation kind -> (a loss it does not fit, the rule that says so).
PARTNER_LOSS = {
    "softmax": ("CrossEntropyLoss", "LL103"),
    "log_softmax": ("CrossEntropyLoss", "LL104"),
    "sigmoid": ("BCEWithLogitsLoss", "LL202"),
    "logsigmoid": ("BCEWithLogitsLoss", "LL205"),
    "exp": ("PoissonNLLLoss", "LL306"),
    "softplus": ("PoissonNLLLoss", "LL306"),
}
# Loss -> (an activation it does not fit, written with F., and the rule that says so).
PARTNER_ACTIVATION = {
    "CrossEntropyLoss": ("softmax", "F.softmax(h, dim=1)", "LL103"),
    "NLLLoss": ("softmax", "F.softmax(h, dim=1)", "LL102"),
    "BCELoss": ("logsigmoid", "F.logsigmoid(h)", "LL204"),
    "BCEWithLogitsLoss": ("sigmoid", "F.sigmoid(h)", "LL202"),
    "KLDivLoss": ("softmax", "F.softmax(h, dim=1)", "LL301"),
    "MultiLabelSoftMarginLoss": ("sigmoid", "F.sigmoid(h)", "LL304"),
    "SoftMarginLoss": ("sigmoid", "F.sigmoid(h)", "LL305"),
    "PoissonNLLLoss": ("exp", "F.softplus(h).exp()", "LL306"),
}
# The arguments each activation takes after its input.
ARGUMENTS = {"softmax": ", dim=1", "log_softmax": ", dim=1"}
LAYER_ARGUMENTS = {"torch.nn.Softmax": "dim=1", "torch.nn.LogSoftmax": "dim=1"}


def spellings(qualname: str) -> list[tuple[str, str]]:
    """(import lines, callee) for `qualname`, four ways."""
    module, name = qualname.rsplit(".", 1)
    return [
        (f"import {module} as mod", f"mod.{name}"),
        (f"from {module} import {name} as spelled", "spelled"),
        (f"import {module}", qualname),
        (f"from {module} import *", name),
    ]


def cases(table) -> list:
    return [pytest.param(qualname, imports, callee, id=f"{qualname}-{i}")
            for qualname in sorted(table) for i, (imports, callee) in enumerate(spellings(qualname))]


MODEL = """
{imports}
import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(16, 4)
        self.act = {layer}

    def forward(self, x):
        h = self.fc(x)
        return {output}
"""

TRAIN = """
{imports}
import torch.nn as nn
from model import Net

model = Net()
criterion = {criterion}


def step(x, y):
    return {loss_call}
"""


def lint(root: Path, model: str, train: str) -> set[tuple[str, str | None, str | None]]:
    write(root, {"model.py": model, "train.py": train})
    return {(r["code"], r["activation"], r["loss"]) for r in check_paths(root, isolated=True)}


def program(root: Path, *, model_imports="", layer="nn.Identity()", output="self.act(h)",
            train_imports="", criterion="None", loss_call="criterion(model(x), y)"):
    model = MODEL.format(imports=model_imports, layer=layer, output=output)
    train = TRAIN.format(imports=train_imports, criterion=criterion, loss_call=loss_call)
    return lint(root, model, train)


def paired(root: Path, kind: str, **model) -> set:
    loss, _ = PARTNER_LOSS[kind]
    return program(root, criterion=f"nn.{loss}()", **model)


def expected(kind: str) -> tuple[str, str, str]:
    loss, code = PARTNER_LOSS[kind]
    return (code, kind, loss)


def test_every_kind_in_the_tables_has_a_partner():
    kinds = {*LAYERS.values(), *FUNCTIONS.values(), *METHODS.values(), *torch_api.LOG_OF, *torch_api.LOG_OF.values()}
    assert kinds <= set(PARTNER_LOSS), kinds - set(PARTNER_LOSS)
    losses = {*LOSS_CLASSES, *LOSS_FUNCTIONS.values()}
    assert losses == set(PARTNER_ACTIVATION)


# --- activations ------------------------------------------------------------------------


@pytest.mark.parametrize("qualname, imports, callee", cases(LAYERS))
def test_activation_layer(tmp_path, qualname, imports, callee):
    kind = LAYERS[qualname]
    layer = f"{callee}({LAYER_ARGUMENTS.get(qualname, '')})"
    assert expected(kind) in paired(tmp_path, kind, model_imports=imports, layer=layer)


@pytest.mark.parametrize("qualname, imports, callee", cases(FUNCTIONS))
def test_activation_function(tmp_path, qualname, imports, callee):
    kind = FUNCTIONS[qualname]
    output = f"{callee}(h{ARGUMENTS.get(kind, '')})"
    assert expected(kind) in paired(tmp_path, kind, model_imports=imports, output=output)


@pytest.mark.parametrize("method", sorted(METHODS))
def test_activation_method(tmp_path, method):
    kind = METHODS[method]
    output = f"h.{method}({ARGUMENTS.get(kind, '').lstrip(', ')})"
    assert expected(kind) in paired(tmp_path, kind, output=output)


# The log of an activation is the unstable spelling of its log form (LOG_OF): what reaches
# the loss is the log form; reaching no loss, the two-step log is reported (LL105 / LL206).
TWO_STEP = {"softmax": "LL105", "sigmoid": "LL206"}


@pytest.mark.parametrize("activation", sorted(torch_api.LOG_OF))
@pytest.mark.parametrize("log", LOGS)
def test_log_of_an_activation(tmp_path, log, activation):
    inner = f"torch.{activation}(h{ARGUMENTS.get(activation, '')})"
    if log.startswith("."):
        output, imports = f"{inner}{log}()", ""
    else:
        module, name = log.rsplit(".", 1)
        output, imports = f"logmod.{name}({inner})", f"import {module} as logmod"
    log_form = torch_api.LOG_OF[activation]
    assert expected(log_form) in paired(tmp_path, log_form, model_imports=imports, output=output)
    # Reaching no loss, the two-step log is reported on its own.
    alone = program(tmp_path, model_imports=imports, output=output, loss_call="model(x)")
    assert {code for code, _, _ in alone} == {TWO_STEP[activation]}


# --- losses ------------------------------------------------------------------------------


def loss_class_cases() -> list:
    qualnames = [f"{prefix}{name}" for name in LOSS_CLASSES for prefix in ("torch.nn.", "torch.nn.modules.loss.")]
    return cases(qualnames)


@pytest.mark.parametrize("qualname, imports, callee", loss_class_cases())
def test_loss_class(tmp_path, qualname, imports, callee):
    loss = torch_api.loss_class(qualname)
    assert loss == qualname.rsplit(".", 1)[1]
    kind, output, code = PARTNER_ACTIVATION[loss]
    found = program(tmp_path, output=output, train_imports=imports, criterion=f"{callee}()")
    assert (code, kind, loss) in found


@pytest.mark.parametrize("qualname, imports, callee", cases([f"torch.nn.functional.{f}" for f in LOSS_FUNCTIONS]))
def test_loss_function(tmp_path, qualname, imports, callee):
    loss = LOSS_FUNCTIONS[qualname.rsplit(".", 1)[1]]
    kind, output, code = PARTNER_ACTIVATION[loss]
    found = program(tmp_path, output=output, train_imports=imports, loss_call=f"{callee}(model(x), y)")
    assert (code, kind, loss) in found


def test_a_name_outside_the_tables_is_not_interpreted(tmp_path):
    """The control: a softmax-like function torch does not have stays unknown (silence)."""
    found = paired(tmp_path, "softmax", model_imports="import torch.nn.functional as mod", output="mod.softermax(h, dim=1)")
    assert found == set()


def test_star_imports_bring_the_whole_vocabulary_and_nothing_else(tmp_path):
    """`from torch.nn import *` gives the names losslint knows (layers, containers, the
    Module base, passthrough layers, logits functions) and no other name: a project module
    star-imported after it still provides its own."""
    models = """
    import torch.nn as nn


    class Other(nn.Module):
        def forward(self, x):
            return nn.functional.softmax(x, dim=1)
    """
    train = """
    from torch.nn import *
    from torch.nn.functional import *
    from models import *


    class Net(Module):
        def __init__(self):
            super().__init__()
            self.body = Sequential(Linear(8, 4), Dropout(0.1), Identity())

        def forward(self, x):
            return self.body(x)


    criterion = NLLLoss()


    def with_a_model(x, y):
        return criterion(Net()(x), y)


    def with_a_function(x, w, y):
        return nll_loss(linear(x, w), y)


    def with_a_project_model(x, y):
        return cross_entropy(Other()(x), y)
    """
    write(tmp_path, {"models.py": models, "train.py": train})
    found = sorted((r["code"], Path(r["filename"]).name, r["location"]["row"], r["activation"]) for r in check_paths(tmp_path, isolated=True))
    # NLLLoss created on line 15 and F.nll_loss on line 23 get logits; Other's softmax (line 6).
    assert found == [("LL101", "train.py", 15, "none"), ("LL101", "train.py", 23, "none"), ("LL103", "models.py", 6, "softmax")]
