"""Values passed around (issue 12, class 2): injected submodules, criteria and loss functions
passed as arguments or defaults, wrapped criteria, module attributes, explicit .forward()."""

import pytest

from tests.analysis.helpers import pairs

CORE = """
import torch
import torch.nn as nn
import torch.nn.functional as F


class Core(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        return F.softmax(self.fc(x), dim=1)


class Plain(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        return self.fc(x)
"""

FOLLOWED = {
    "injected_positional": """
        class System(nn.Module):
            def __init__(self, backbone):
                super().__init__()
                self.backbone = backbone

            def forward(self, x):
                return self.backbone(x)

        model = System(Core())

        def step(x, y):
            return F.cross_entropy(model(x), y)
    """,
    "injected_keyword_in_other_file": """
        from system import System

        def step(x, y):
            model = System(backbone=Core())
            return F.cross_entropy(model(x), y)
    """,
    "injected_default_or": """
        class System(nn.Module):
            def __init__(self, backbone=None):
                super().__init__()
                self.backbone = backbone or Core()

            def forward(self, x):
                return self.backbone(x)

        def step(x, y):
            return F.cross_entropy(System()(x), y)
    """,
    "criterion_default_argument": """
        class Wrapped(nn.Module):
            def __init__(self, base=nn.CrossEntropyLoss()):
                super().__init__()
                self.base = base

            def forward(self, out, y):
                return self.base(out, y)

        model = Core()
        criterion = Wrapped()

        def step(x, y):
            return criterion(model(x), y)
    """,
    "loss_function_passed_as_argument": """
        def loss_fn(out, y):
            return nn.CrossEntropyLoss()(out, y)

        def train(model, criterion, x, y):
            return criterion(model(x), y)

        def main(x, y):
            train(Core(), criterion=loss_fn, x=x, y=y)
    """,
    "loss_function_attribute_of_model": """
        class Net(Core):
            def __init__(self):
                super().__init__()
                self.loss_fn = nn.CrossEntropyLoss()

        net = Net()

        def step(x, y):
            return net.loss_fn(net(x), y)
    """,
    "explicit_forward_of_model_and_criterion": """
        model = Core()
        criterion = nn.CrossEntropyLoss()

        def step(x, y):
            return criterion.forward(model.forward(x), y)
    """,
    # A loss module nobody constructs in the project: its defaults are its configuration.
    "loss_module_defaults_without_construction": """
        class ProbLoss(nn.Module):
            def __init__(self, loss=nn.CrossEntropyLoss(reduction="sum"), normalize=nn.Softmax(dim=-1)):
                super().__init__()
                self.loss = loss
                self.normalize = normalize

            def forward(self, scores, target):
                return self.loss(self.normalize(scores), target)
    """,
    # Each row of a softmax output goes to the criterion.
    "rows_of_a_softmax_output": """
        class RowLoss(nn.Module):
            def __init__(self, loss=nn.CrossEntropyLoss()):
                super().__init__()
                self.loss = loss

            def forward(self, scores, target):
                total = 0
                for row in torch.softmax(scores, -1):
                    total = total + self.loss(row, target)
                return total
    """,
    # A model known on one path (the other restores a checkpoint nobody can read).
    "model_or_a_restored_checkpoint": """
        from checkpoints import restore

        def train(model, resume, x, y):
            if resume:
                model = restore(resume)
            return F.cross_entropy(model(x), y)

        def main(args, x, y):
            train(Core(), args.resume, x, y)
    """,
    # The loss runs when a target is given; the caller that passes it is not resolved.
    "loss_in_forward_behind_an_optional_target": """
        class Net(Core):
            def forward(self, x, target=None):
                probs = torch.exp(F.log_softmax(self.fc(x), dim=1))
                if target is not None:
                    return nn.CrossEntropyLoss()(probs, target)
                return probs

        def train(model, x, y):
            return model(x, y)
    """,
    # A model or None: None is never called.
    "model_or_none": """
        def train(model, x, y):
            if model is not None:
                return F.cross_entropy(model(x), y)

        def main(args, x, y):
            model = Core() if args.use_model else None
            train(model, x, y)
    """,
    # if/elif on a name: each model that can be selected can be trained.
    "model_selected_by_name_in_an_if_chain": """
        def main(args, x, y):
            if args.model == "plain":
                model = Plain()
            elif args.model in ("core", "core-large"):
                model = Core()
            criterion = nn.CrossEntropyLoss()
            return criterion(model(x), y)
    """,
    "conditional_expression_that_agrees": """
        def step(x, y, big):
            model = Core() if big else Core()
            return F.cross_entropy(model(x), y)
    """,
}

SYSTEM = """
import torch.nn as nn


class System(nn.Module):
    def __init__(self, backbone):
        super().__init__()
        self.backbone = backbone

    def forward(self, x):
        return self.backbone(x)
"""


@pytest.mark.parametrize("case", sorted(FOLLOWED))
def test_followed(tmp_path, case):
    files = {"main.py": CORE + FOLLOWED[case].replace("\n        ", "\n")}
    if "from system import" in FOLLOWED[case]:
        files["system.py"] = SYSTEM
    found = pairs(tmp_path, files)
    assert ("softmax", "CrossEntropyLoss") in found and set(found) <= {("softmax", "CrossEntropyLoss"), ("none", "CrossEntropyLoss")}


SILENT = {
    # An un-annotated parameter that nobody in the project passes a value for.
    "injected_but_never_constructed_with_a_model": """
        class System(nn.Module):
            def __init__(self, backbone):
                super().__init__()
                self.backbone = backbone

            def forward(self, x):
                return self.backbone(x)

        def step(system, x, y):
            return F.cross_entropy(system(x), y)
    """,
    # The plain model is the one injected; the softmax one is constructed elsewhere only.
    "injected_plain_model": """
        class System(nn.Module):
            def __init__(self, backbone):
                super().__init__()
                self.backbone = backbone

            def forward(self, x):
                return self.backbone(x)

        export = Core()
        model = System(Plain())

        def step(x, y):
            return F.cross_entropy(model(x), y)
    """,
    "loss_function_never_passed_a_model": """
        def loss_fn(out, y):
            return nn.CrossEntropyLoss()(out, y)

        def train(model, criterion, x, y):
            return criterion(model(x), y)

        def main(x, y):
            train(Plain(), criterion=loss_fn, x=x, y=y)
            probs = Core()(x)
    """,
    "default_criterion_replaced_by_the_caller": """
        class Wrapped(nn.Module):
            def __init__(self, base=nn.CrossEntropyLoss()):
                super().__init__()
                self.base = base

            def forward(self, out, y):
                return self.base(out, y)

        criterion = Wrapped(base=nn.MSELoss())

        def step(x, y):
            return criterion(Core()(x), y)
    """,
    # A parameter without a default that nobody passes stays unknown.
    "loss_module_parameter_without_default_or_caller": """
        class ProbLoss(nn.Module):
            def __init__(self, loss, normalize=nn.Softmax(dim=-1)):
                super().__init__()
                self.loss = loss
                self.normalize = normalize

            def forward(self, scores, target):
                return self.loss(self.normalize(scores), target)
    """,
    # A tensor known on one path only: the softmax may never run.
    "tensor_known_on_one_path_only": """
        def step(model, flag, x, y):
            out = model(x)
            if flag:
                out = F.softmax(out, dim=1)
            return F.cross_entropy(out, y)
    """,
    "conditional_expression_that_disagrees": """
        def step(x, y, big):
            model = Core() if big else Plain()
            return F.cross_entropy(model(x), y)
    """,
}


def test_script_importing_a_file_beside_it(tmp_path):
    """`from head import Head` in models/net.py, with models/ on sys.path (no package)."""
    files = {
        "models/__init__.py": "",
        "models/head.py": CORE,
        "models/net.py": "from head import Core\nimport torch.nn.functional as F\n\ndef step(x, y):\n    return F.cross_entropy(Core()(x), y)\n",
    }
    assert pairs(tmp_path, files) == [("softmax", "CrossEntropyLoss")]


@pytest.mark.parametrize("case", sorted(SILENT))
def test_silent(tmp_path, case):
    assert pairs(tmp_path, {"main.py": CORE + SILENT[case].replace("\n        ", "\n")}) in ([], [("none", "CrossEntropyLoss")])


def test_match_statement_picks_the_layer(tmp_path):
    source = CORE + '''

class Layer(nn.Module):
    def __init__(self, activation):
        super().__init__()
        self.fc = nn.Linear(4, 3)
        match activation:
            case "softmax" | "probs":
                self.fn = nn.Softmax(dim=1)
            case "relu":
                self.fn = nn.ReLU()
            case _:
                raise ValueError(activation)

    def forward(self, x):
        return self.fn(self.fc(x))


def step(x, y):
    model = copy.deepcopy(Layer("softmax"))
    return F.cross_entropy(model(x), y) + F.cross_entropy(Layer("relu")(x), y)
'''
    assert pairs(tmp_path, {"main.py": "import copy\n" + source}) == [("softmax", "CrossEntropyLoss")]
