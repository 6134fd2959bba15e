"""Values followed through real project structure (issue 12): nested registry builds with
default arguments and per-file config variants, heads merged with dict.update behind
`if self.head:`, a loss picked by a string in a `compile()` method per model, base-class
constructor arguments through `super(Cls, self).__init__`, names re-exported through
package star imports, homogeneous lists built by comprehension over `range(n)`. Each
shape has a look-alike that must stay silent."""

from __future__ import annotations

import textwrap

import pytest

from tests.analysis.helpers import lint, pairs

# --- a registry whose build helper runs again inside the classes it builds ----------------

REGISTRY = """
import torch.nn as nn


class Registry:
    def __init__(self, name):
        self.name = name
        self.entries = {}

    def register_module(self, cls):
        self.entries[cls.__name__] = cls
        return cls

    def get(self, key):
        return self.entries.get(key)


HEADS = Registry("heads")
NETS = Registry("nets")


def build_from_cfg(cfg, registry, default_args=None):
    args = cfg.copy()
    obj_cls = registry.get(args.pop("type"))
    if default_args is not None:
        for name, value in default_args.items():
            args.setdefault(name, value)
    return obj_cls(**args)


def build(cfg, registry, default_args=None):
    if isinstance(cfg, list):
        return nn.Sequential(*[build_from_cfg(c, registry, default_args) for c in cfg])
    return build_from_cfg(cfg, registry, default_args)


def build_head(split_cfg, cfg):
    return build(split_cfg, HEADS, default_args=dict(cfg=cfg))


def build_heads(cfg):
    return build(cfg.heads, HEADS, default_args=dict(cfg=cfg))


def build_net(cfg):
    return build(cfg.net, NETS, default_args=dict(cfg=cfg))
"""

HEADS = """
import torch
import torch.nn as nn
from registry import HEADS, NETS, build_head, build_heads


@HEADS.register_module
class ExistHead(nn.Module):
    def __init__(self, cfg=None):
        super().__init__()
        self.fc = nn.Linear(16, 4)

    def forward(self, x):
        return {"exist": torch.sigmoid(self.fc(x))}


@HEADS.register_module
class SegDecoder(nn.Module):
    def __init__(self, cfg=None):
        super().__init__()
        self.conv = nn.Linear(16, 5)

    def forward(self, x):
        return {"seg": self.conv(x)}


@HEADS.register_module
class SegHead(nn.Module):
    def __init__(self, decoder, exist=None, cfg=None):
        super().__init__()
        self.decoder = build_head(decoder, cfg)
        self.exist = build_head(exist, cfg) if exist else None

    def forward(self, x):
        output = {}
        output.update(self.decoder(x))
        if self.exist:
            output.update(self.exist(x))
        return output

    def loss(self, output, batch):
        criterion_exist = nn.BCEWithLogitsLoss()
        loss = 0.0
        if "exist" in output:
            loss = loss + criterion_exist(output["exist"], batch["exist"])
        return loss


@NETS.register_module
class Detector(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.heads = build_heads(cfg)

    def forward(self, batch):
        out = self.heads(batch["img"])
        return self.heads.loss(out, batch)
"""

TRAIN = """
from registry import build_net


def train(cfg, loader):
    net = build_net(cfg)
    for batch in loader:
        net(batch).backward()
"""

# Two config files: the first builds the head without its exist branch, the second with it.
CONFIG_PLAIN = 'net = dict(type="Detector")\nheads = dict(type="SegHead", decoder=dict(type="SegDecoder"))\n'
CONFIG_EXIST = (
    'net = dict(type="Detector")\n'
    'heads = dict(type="SegHead", decoder=dict(type="SegDecoder"), exist=dict(type="ExistHead"))\n'
)


def test_nested_registry_builds_reach_the_head_a_config_adds(tmp_path):
    files = {
        "registry.py": REGISTRY,
        "heads.py": HEADS,
        "train.py": TRAIN,
        "configs/a_plain.py": CONFIG_PLAIN,
        "configs/b_exist.py": CONFIG_EXIST,
    }
    found = [f for f in lint(tmp_path, files) if f.code == "LL202"]
    assert len(found) == 1, found
    assert found[0].site.path.endswith("heads.py")
    assert found[0].site.start.row == 13  # torch.sigmoid in ExistHead.forward


def test_no_config_adds_the_head_stays_silent(tmp_path):
    files = {"registry.py": REGISTRY, "heads.py": HEADS, "train.py": TRAIN, "configs/a_plain.py": CONFIG_PLAIN}
    assert lint(tmp_path, files) == []


# --- a loss named by a string in each model's compile() ----------------------------------

COMPILED = """
import torch
import torch.nn as nn
import torch.nn.functional as F


class Prediction(nn.Module):
    def __init__(self, task="binary"):
        super().__init__()
        self.task = task

    def forward(self, x):
        if self.task == "binary":
            x = torch.sigmoid(x)
        return x


class Base(nn.Module):
    def __init__(self, features, task="binary"):
        super(Base, self).__init__()
        self.fc = nn.Linear(features, 1)
        self.out = Prediction(task)

    def forward(self, x):
        return self.out(self.fc(x))

    def compile(self, optimizer, loss=None):
        self.optim = optimizer
        self.loss_func = self._get_loss_func(loss)

    def _get_loss_func(self, loss):
        if isinstance(loss, str):
            loss_func = self._get_loss_func_single(loss)
        else:
            loss_func = loss
        return loss_func

    def _get_loss_func_single(self, loss):
        if loss.lower() == "binary_crossentropy":
            loss_func = F.binary_cross_entropy
        elif loss == "mse":
            loss_func = F.mse_loss
        else:
            raise NotImplementedError
        return loss_func

    def fit(self, loader):
        model = self.train()
        loss_func = self.loss_func
        for x, y in loader:
            y_pred = model(x).squeeze()
            loss = loss_func(y_pred, y.squeeze(), reduction="sum")
            loss.backward()


class Wide(Base):
    def __init__(self, features, task="binary"):
        super(Wide, self).__init__(features, task=task)
"""


def test_loss_named_in_compile_meets_the_model_compiled_with_it(tmp_path):
    script = (
        "from models import Wide\n\n"
        "clf = Wide(8)\n"
        'clf.compile("adam", "binary_crossentropy")\n'
        "clf.fit([])\n"
        'reg = Wide(8, task="regression")\n'
        'reg.compile("adam", "mse")\n'
        "reg.fit([])\n"
    )
    found = lint(tmp_path, {"models.py": COMPILED, "run.py": script})
    assert [(f.code, f.activation, f.loss) for f in found] == [("LL203", "sigmoid", "BCELoss")]


@pytest.mark.parametrize(
    "script",
    [
        # The binary model compiled with a regression loss: no classification pair.
        'from models import Wide\n\nm = Wide(8)\nm.compile("adam", "mse")\nm.fit([])\n',
        # A regression model (no sigmoid, task passed through super(Wide, self)) with BCE.
        'from models import Wide\n\nm = Wide(8, task="regression")\nm.compile("adam", "BINARY_CROSSENTROPY")\nm.fit([])\n',
    ],
    ids=["binary_model_with_mse", "regression_model_through_super_with_bce"],
)
def test_compile_look_alikes_stay_silent(tmp_path, script):
    found = lint(tmp_path, {"models.py": COMPILED, "run.py": script})
    assert [f for f in found if f.activation == "sigmoid"] == []


# --- smaller shapes, as pairs ---------------------------------------------------------------

HEAD = """
import torch
import torch.nn as nn
import torch.nn.functional as F
"""

FOLLOWED = {
    # Every item of a comprehension over range(n) is the same layer: the last one too.
    "homogeneous_comprehension": """
        def activation_layer(name):
            if name.lower() == "sigmoid":
                return nn.Sigmoid()
            return nn.ReLU()

        class MLP(nn.Module):
            def __init__(self, sizes, activation):
                super().__init__()
                self.linears = nn.ModuleList([nn.Linear(sizes[i], sizes[i + 1]) for i in range(len(sizes) - 1)])
                self.acts = nn.ModuleList([activation_layer(activation) for i in range(len(sizes) - 1)])

            def forward(self, x):
                for i in range(len(self.linears)):
                    x = self.acts[i](self.linears[i](x))
                return x

        aux = MLP([8, 4, 1], "Sigmoid")

        def step(x, y):
            return F.binary_cross_entropy(aux(x), y)
    """,
    # `if self.head:` on a submodule built in __init__ is taken.
    "truth_of_a_submodule": """
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 3)
                self.act = nn.Softmax(dim=1)

            def forward(self, x):
                x = self.fc(x)
                if self.act:
                    x = self.act(x)
                return x

        def step(x, y):
            return F.cross_entropy(Net()(x), y)
    """,
}

SILENT = {
    # A comprehension whose items differ with the index: nothing said about the last one.
    "comprehension_depending_on_the_index": """
        class Net(nn.Module):
            def __init__(self, n):
                super().__init__()
                self.blocks = [nn.Softmax(dim=1), nn.Linear(3, 3)]
                self.layers = nn.ModuleList([self.blocks[i % 2] for i in range(n)])

            def forward(self, x):
                for layer in self.layers:
                    x = layer(x)
                return x

        def step(n, x, y):
            return F.cross_entropy(Net(n)(x), y)
    """,
    # The same comprehension of ReLUs: no activation of interest at the end.
    "homogeneous_relu": """
        class MLP(nn.Module):
            def __init__(self, n):
                super().__init__()
                self.acts = nn.ModuleList([nn.ReLU() for i in range(n)])

            def forward(self, x):
                for i in range(len(self.acts)):
                    x = self.acts[i](x)
                return x

        def step(n, x, y):
            return F.binary_cross_entropy_with_logits(MLP(n)(x), y)
    """,
    # `if self.act:` where act is None: the branch is not taken.
    "truth_of_none": """
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 3)
                self.act = None

            def forward(self, x):
                x = self.fc(x)
                if self.act:
                    x = torch.softmax(x, 1)
                return x

        def step(x, y):
            return F.cross_entropy(Net()(x), y)
    """,
    # isinstance on a value nobody knows stays undecided: the branches disagree.
    "isinstance_of_unknown": """
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 3)

            def forward(self, x, mode):
                if isinstance(mode, list):
                    return torch.softmax(self.fc(x), 1)
                return self.fc(x)

        def step(x, mode, y):
            return F.cross_entropy(Net()(x, mode), y)
    """,
}


@pytest.mark.parametrize("case", sorted(FOLLOWED))
def test_followed(tmp_path, case):
    found = pairs(tmp_path, {"m.py": HEAD + textwrap.dedent(FOLLOWED[case])})
    assert any(activation in ("sigmoid", "softmax") for activation, _ in found), found


@pytest.mark.parametrize("case", sorted(SILENT))
def test_silent(tmp_path, case):
    found = pairs(tmp_path, {"m.py": HEAD + textwrap.dedent(SILENT[case])})
    assert all(activation not in ("sigmoid", "softmax") for activation, _ in found), found


def test_name_reexported_through_package_star_imports(tmp_path):
    files = {
        "pkg/__init__.py": "",
        "pkg/layers/__init__.py": "from .core import *\n",
        "pkg/layers/core.py": HEAD + (
            "\n\nclass Head(nn.Module):\n"
            "    def __init__(self):\n"
            "        super().__init__()\n"
            "        self.fc = nn.Linear(8, 1)\n\n"
            "    def forward(self, x):\n"
            "        return torch.sigmoid(self.fc(x))\n"
        ),
        "pkg/models/__init__.py": "",
        "pkg/models/net.py": HEAD + (
            "from ..layers import *\n\n\n"
            "def step(x, y):\n"
            "    return nn.BCEWithLogitsLoss()(Head()(x), y)\n"
        ),
    }
    found = [f for f in lint(tmp_path, files) if f.code == "LL202"]
    assert len(found) == 1 and found[0].site.path.endswith("core.py"), found
