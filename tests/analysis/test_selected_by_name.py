"""Models and criteria chosen by name (analysis/registry.py, analysis/configs.py): a model
that can be selected is a model that can be trained. Each shape is reported, the finding
names how the model was chosen, and each has a look-alike that must stay silent."""

from __future__ import annotations

import pytest

from losslint.engine import prefilter
from tests.analysis.helpers import lint

NETS = """
import torch.nn as nn


class SoftmaxNet(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.fc = nn.Linear(8, num_classes)
        self.act = nn.Softmax(dim=1)

    def forward(self, x):
        return self.act(self.fc(x))


class LogitNet(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.fc = nn.Linear(8, num_classes)

    def forward(self, x):
        return self.fc(x)
"""

# The training loop every project below shares: `model` is chosen by name above it.
LOOP = """
criterion = nn.CrossEntropyLoss()


def train(loader):
    for x, y in loader:
        loss = criterion(model(x), y)
        loss.backward()
"""


def softmax_into_ce(findings) -> list:
    """The findings of SoftmaxNet's softmax reaching CrossEntropyLoss."""
    return [f for f in findings if f.activation == "softmax" and f.loss == "CrossEntropyLoss"]


def selection(finding) -> str:
    """The related-site messages of a finding, joined (where the selection is named)."""
    return " | ".join(r.message for r in finding.related)


def train(head: str) -> str:
    return "import sys\nimport torch.nn as nn\n" + head.strip("\n") + "\n" + LOOP


# --- getattr on a module, a module's namespace --------------------------------------------

NAMESPACE = {
    "models/__init__.py": "from .nets import SoftmaxNet, LogitNet\n\n\ndef count_parameters(model):\n    return 0\n",
    "models/nets.py": NETS,
}

NAMESPACE_REPORTED = {
    "getattr_unknown_name": ("import models\nmodel = getattr(models, sys.argv[1])(num_classes=3)", "selected by name from module models (one of 2"),
    "getattr_constant": ('import models\nARCH = "SoftmaxNet"\nmodel = getattr(models, ARCH)()', "selected by name from module models ('SoftmaxNet')"),
    "module_dict": ("import models\nmodel = models.__dict__[sys.argv[1]]()", "`SoftmaxNet` selected by name from module models"),
    "vars_of_module": ("import models\nmodel = vars(models)[sys.argv[1]]()", "`SoftmaxNet` selected by name from module models"),
    "globals_of_script": ("from models import SoftmaxNet, LogitNet\nmodel = globals()[sys.argv[1]]()", "`SoftmaxNet` selected by name from module train"),
    "getattr_in_a_helper": (
        "import models\n\ndef build(name):\n    return getattr(models, name)(num_classes=3)\n\nmodel = build('SoftmaxNet')",
        "('SoftmaxNet')",
    ),
}

NAMESPACE_SILENT = {
    # The name is known and picks the model that returns logits.
    "getattr_constant_logits": "import models\nmodel = getattr(models, 'LogitNet')()",
    "module_dict_constant_logits": "import models\nmodel = models.__dict__['LogitNet']()",
    # A module of logit models only, chosen by a run-time name.
    "getattr_logit_module": "import logit_models\nmodel = getattr(logit_models, sys.argv[1])()",
    # getattr on something that is not a module of the project: nothing to enumerate.
    "getattr_torchvision": "import torchvision.models\nmodel = getattr(torchvision.models, sys.argv[1])()",
}

LOGIT_MODELS = """
import torch.nn as nn


class A(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 3)

    def forward(self, x):
        return self.fc(x)


def softmax(x):  # a helper, not a model
    return x.softmax(1)
"""


@pytest.mark.parametrize("case", sorted(NAMESPACE_REPORTED))
def test_namespace_selection_is_reported(tmp_path, case):
    head, named = NAMESPACE_REPORTED[case]
    findings = softmax_into_ce(lint(tmp_path, {**NAMESPACE, "train.py": train(head)}))
    assert len(findings) == 1, findings
    assert findings[0].site.path.endswith("nets.py")
    assert named in selection(findings[0])


@pytest.mark.parametrize("case", sorted(NAMESPACE_SILENT))
def test_namespace_look_alikes_stay_silent(tmp_path, case):
    files = {**NAMESPACE, "logit_models.py": LOGIT_MODELS, "train.py": train(NAMESPACE_SILENT[case])}
    assert lint(tmp_path, files) == []


# --- decorator registries -------------------------------------------------------------------

DICT_REGISTRY = """
MODEL_REGISTRY = {}


def register(name):
    def deco(cls):
        MODEL_REGISTRY[name] = cls
        return cls
    return deco


def get_model(name):
    return MODEL_REGISTRY[name]
"""

REGISTERED_NETS = NETS.replace(
    "import torch.nn as nn\n", "import torch.nn as nn\nfrom registry import register\n"
).replace("class SoftmaxNet", '@register("softmax_net")\nclass SoftmaxNet').replace(
    "class LogitNet", '@register("logit_net")\nclass LogitNet'
)

# A registry object (mmengine's Registry, external): register_module() keys by class name
# unless given a name.
MM_REGISTRY = """
from mmengine.registry import Registry

MODELS = Registry("models")
"""

MM_NETS = NETS.replace("import torch.nn as nn\n", "import torch.nn as nn\nfrom registry import MODELS\n").replace(
    "class SoftmaxNet", "@MODELS.register_module()\nclass SoftmaxNet"
).replace("class LogitNet", '@MODELS.register_module(name="logit")\nclass LogitNet')

# timm-style: factories registered under their own name by a bare decorator.
FACTORY_REGISTRY = """
_entrypoints = {}


def register_model(fn):
    _entrypoints[fn.__name__] = fn
    return fn


def create_model(name, **kwargs):
    return _entrypoints[name](**kwargs)
"""

FACTORIES = NETS + """

import registry


@registry.register_model
def softmax_net(**kwargs):
    return SoftmaxNet(**kwargs)


@registry.register_model
def logit_net(**kwargs):
    return LogitNet(**kwargs)
"""

REGISTRIES = {
    "dict": {"registry.py": DICT_REGISTRY, "nets.py": REGISTERED_NETS},
    "mm": {"registry.py": MM_REGISTRY, "nets.py": MM_NETS},
    "factory": {"registry.py": FACTORY_REGISTRY, "nets.py": FACTORIES},
}

REGISTRY_REPORTED = {
    "get_model_unknown": ("dict", "from registry import get_model\nmodel = get_model(sys.argv[1])(num_classes=3)",
                          "`SoftmaxNet` selected through registry MODEL_REGISTRY (one of 2"),
    "get_model_literal": ("dict", "from registry import get_model\nmodel = get_model('softmax_net')()",
                          "selected through registry MODEL_REGISTRY ('softmax_net')"),
    "subscript_of_cfg_type": ("dict", "from registry import MODEL_REGISTRY\ncfg = {'type': 'softmax_net'}\nmodel = MODEL_REGISTRY[cfg['type']](**cfg)",
                              "('softmax_net')"),
    "dict_get": ("dict", "import registry\nmodel = registry.MODEL_REGISTRY.get(sys.argv[1])()", "registry MODEL_REGISTRY"),
    "mm_build_literal_dict": ("mm", "from registry import MODELS\nmodel = MODELS.build(dict(type='SoftmaxNet', num_classes=3))",
                              "`SoftmaxNet` built through registry MODELS (type='SoftmaxNet')"),
    "mm_build_unknown_cfg": ("mm", "from registry import MODELS\nmodel = MODELS.build(cfg)", "built through registry MODELS (one of 2"),
    "mm_get": ("mm", "from registry import MODELS\nmodel = MODELS.get('SoftmaxNet')()", "selected through registry MODELS ('SoftmaxNet')"),
    "mm_build_from_cfg": ("mm", ("from mmengine.registry import build_from_cfg\nfrom registry import MODELS\n"
                                 "model = build_from_cfg(dict(type='SoftmaxNet'), MODELS)"), "built through registry MODELS"),
    "factory_create": ("factory", "from registry import create_model\nmodel = create_model(sys.argv[1], num_classes=3)",
                       "`softmax_net` selected through registry _entrypoints"),
    "factory_create_literal": ("factory", "from registry import create_model\nmodel = create_model('softmax_net')", "('softmax_net')"),
}

REGISTRY_SILENT = {
    # A known name that picks the logit model.
    "get_model_literal_logits": ("dict", "from registry import get_model\nmodel = get_model('logit_net')()"),
    "mm_build_logits": ("mm", "from registry import MODELS\nmodel = MODELS.build(dict(type='logit'))"),
    "factory_logits": ("factory", "from registry import create_model\nmodel = create_model('logit_net')"),
    # A registry of third-party things only (registered by a call, nothing of the project).
    "third_party_registry": ("third", "from registry import get_model\nmodel = get_model(sys.argv[1])()"),
}

THIRD_PARTY = DICT_REGISTRY + """

import torchvision

register("resnet")(torchvision.models.resnet18)
"""


@pytest.mark.parametrize("case", sorted(REGISTRY_REPORTED))
def test_registry_selection_is_reported(tmp_path, case):
    kind, head, named = REGISTRY_REPORTED[case]
    findings = softmax_into_ce(lint(tmp_path, {**REGISTRIES[kind], "train.py": train(head)}))
    assert len(findings) == 1, findings
    assert findings[0].site.path.endswith("nets.py")
    assert named in selection(findings[0])


@pytest.mark.parametrize("case", sorted(REGISTRY_SILENT))
def test_registry_look_alikes_stay_silent(tmp_path, case):
    kind, head = REGISTRY_SILENT[case]
    files = {"registry.py": THIRD_PARTY, "nets.py": NETS} if kind == "third" else dict(REGISTRIES[kind])
    assert lint(tmp_path, {**files, "train.py": train(head)}) == []


def test_a_registered_model_is_parsed_though_nothing_imports_it(tmp_path):
    """The registering file is imported by no file with a loss (importlib at run time):
    the prefilter must not skip it."""
    head = "import importlib\nfrom registry import get_model\nimportlib.import_module('nets')\nmodel = get_model(sys.argv[1])()"
    files = {**REGISTRIES["dict"], "train.py": train(head), "other.py": "import os\n"}
    assert len(softmax_into_ce(lint(tmp_path, files))) == 1
    scans = {name: prefilter.scan(source) for name, source in files.items()}
    table = prefilter.ModuleTable(list(files))
    roots = prefilter.plan(scans, table, files).roots
    assert "nets.py" in roots and "other.py" not in roots


# --- mmcv-style Python config files ---------------------------------------------------------

MM_CONFIG_TRAIN = "from registry import MODELS\ncfg = Config.fromfile(sys.argv[1])\nmodel = MODELS.build(cfg.model)"


def test_python_config_type_picks_the_model(tmp_path):
    files = {**REGISTRIES["mm"], "configs/softmax.py": "model = dict(type='SoftmaxNet', num_classes=3)\n",
             "train.py": train(MM_CONFIG_TRAIN)}
    findings = softmax_into_ce(lint(tmp_path, files))
    assert len(findings) == 1
    assert "built through registry MODELS (type='SoftmaxNet')" in selection(findings[0])


def test_python_config_naming_the_logit_model_stays_silent(tmp_path):
    files = {**REGISTRIES["mm"], "configs/logit.py": "model = dict(type='logit', num_classes=3)\n",
             "train.py": train(MM_CONFIG_TRAIN)}
    assert lint(tmp_path, files) == []


# --- Hydra / OmegaConf: _target_ in the project's YAML files --------------------------------

HYDRA_TRAIN = """
import hydra
from hydra.utils import instantiate


@hydra.main(config_path="configs", config_name="config")
def main(cfg):
    model = instantiate(cfg.model)
    criterion = hydra.utils.instantiate(cfg.loss)
    for x, y in cfg.loader:
        loss = criterion(model(x), y)
        loss.backward()
"""

HYDRA_CONFIG = """
defaults:
  - model: net
  - _self_

loss:
  _target_: {loss}
"""

HYDRA_REPORTED = {
    # configs/model/net.yaml is the `model` group.
    "group_file": ({"configs/model/net.yaml": "_target_: nets.SoftmaxNet\nnum_classes: 3\n"}, "torch.nn.CrossEntropyLoss"),
    # A nested mapping in the primary config.
    "nested_key": ({"configs/extra.yaml": "model:\n  _target_: nets.SoftmaxNet\n"}, "torch.nn.CrossEntropyLoss"),
}


@pytest.mark.parametrize("case", sorted(HYDRA_REPORTED))
def test_hydra_targets_are_followed(tmp_path, case):
    extra, loss = HYDRA_REPORTED[case]
    files = {"nets.py": NETS, "train.py": HYDRA_TRAIN, **extra}
    for name, text in {"configs/config.yaml": HYDRA_CONFIG.format(loss=loss), **extra}.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    findings = softmax_into_ce(lint(tmp_path, {k: v for k, v in files.items() if k.endswith(".py")}))
    assert len(findings) == 1, findings
    text = selection(findings[0])
    assert "_target_: nets.SoftmaxNet" in text  # the model's
    assert "config.yaml:7 (_target_: torch.nn.CrossEntropyLoss)" in text  # the criterion's


def test_hydra_model_in_a_lightning_module(tmp_path):
    """The YAML builds a LightningModule whose `net` is itself a `_target_`; its
    training_step runs on the instance instantiate() built."""
    (tmp_path / "configs/model").mkdir(parents=True)
    (tmp_path / "configs/model/lit.yaml").write_text(
        "_target_: lit.LitModel\nnet:\n  _target_: nets.SoftmaxNet\n  num_classes: 3\n"
    )
    lit = """
    import lightning as L
    import torch.nn as nn


    class LitModel(L.LightningModule):
        def __init__(self, net):
            super().__init__()
            self.net = net
            self.criterion = nn.CrossEntropyLoss()

        def training_step(self, batch, batch_idx):
            x, y = batch
            return self.criterion(self.net(x), y)
    """
    run = "import hydra\n\n\n@hydra.main(config_path='configs')\ndef main(cfg):\n    model = hydra.utils.instantiate(cfg.model)\n"
    findings = softmax_into_ce(lint(tmp_path, {"nets.py": NETS, "lit.py": lit, "run.py": run}))
    assert len(findings) == 1
    assert "lit.yaml:3 (_target_: nets.SoftmaxNet)" in selection(findings[0])  # the nested target's line


HYDRA_SILENT = {
    # The target is a class outside the project and outside torch.
    "outside_target": ({"configs/model/net.yaml": "_target_: somelib.models.SoftmaxNet\n"}, "torch.nn.CrossEntropyLoss"),
    # The model the YAML selects returns logits.
    "logit_target": ({"configs/model/net.yaml": "_target_: nets.LogitNet\n"}, "torch.nn.CrossEntropyLoss"),
    # The criterion is not a torch class (a project-less library's loss): unknown.
    "outside_criterion": ({"configs/model/net.yaml": "_target_: nets.SoftmaxNet\n"}, "somelib.losses.CrossEntropy"),
}


@pytest.mark.parametrize("case", sorted(HYDRA_SILENT))
def test_hydra_look_alikes_stay_silent(tmp_path, case):
    extra, loss = HYDRA_SILENT[case]
    for name, text in {"configs/config.yaml": HYDRA_CONFIG.format(loss=loss), **extra}.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert lint(tmp_path, {"nets.py": NETS, "train.py": HYDRA_TRAIN}) == []


def test_invalid_yaml_selects_nothing(tmp_path):
    (tmp_path / "configs").mkdir()
    (tmp_path / "configs/bad.yaml").write_text("model: [\n  _target_: nets.SoftmaxNet\n")
    assert lint(tmp_path, {"nets.py": NETS, "train.py": HYDRA_TRAIN}) == []


# --- criteria chosen by name through a registry ---------------------------------------------

LOSSES = """
import torch.nn as nn
import torch.nn.functional as F
from registry import MODELS


@MODELS.register_module()
class SoftCE(nn.Module):
    def forward(self, pred, target):
        return F.cross_entropy(pred, target)
"""


@pytest.mark.parametrize(("net", "expected"), [("SoftmaxNet", 1), ("LogitNet", 0)])
def test_a_criterion_built_through_a_registry(tmp_path, net, expected):
    head = f"from registry import MODELS\nfrom nets import {net}\nmodel = {net}()\ncriterion = MODELS.build(dict(type='SoftCE'))"
    source = train(head).replace("criterion = nn.CrossEntropyLoss()\n", "")
    files = {"registry.py": MM_REGISTRY, "nets.py": NETS, "losses.py": LOSSES, "train.py": source}
    findings = [f for f in lint(tmp_path, files) if f.activation == "softmax"]
    assert len(findings) == expected


# --- an mm* library's build_*(cfg) over the project's classes registered in its registry -----

LIBRARY_NETS = NETS.replace("import torch.nn as nn\n", "import torch.nn as nn\nfrom mmcls.models import CLASSIFIERS\n").replace(
    "class SoftmaxNet", "@CLASSIFIERS.register_module()\nclass SoftmaxNet"
).replace("class LogitNet", "@CLASSIFIERS.register_module()\nclass LogitNet")


@pytest.mark.parametrize(("kind", "expected"), [("SoftmaxNet", 1), ("LogitNet", 0)])
def test_library_builder_of_registered_project_classes(tmp_path, kind, expected):
    head = f"from mmcls.models import build_classifier\nmodel = build_classifier(dict(type='{kind}'))"
    findings = softmax_into_ce(lint(tmp_path, {"nets.py": LIBRARY_NETS, "train.py": train(head)}))
    assert len(findings) == expected
    if findings:
        assert "`SoftmaxNet` built through registry CLASSIFIERS (type='SoftmaxNet')" in selection(findings[0])
