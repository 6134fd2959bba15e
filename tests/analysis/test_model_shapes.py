"""Where the model's last activation sits: every model shape the analyzer understands."""

import pytest

from tests.analysis.helpers import pairs

TRAIN = """
import torch.nn as nn
from model import build

model = build()
criterion = nn.CrossEntropyLoss()

def train(loader):
    for x, y in loader:
        loss = criterion(model(x), y)
        loss.backward()
"""

MODELS = {
    "sequential": """
        import torch.nn as nn

        def build():
            return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3), nn.Softmax(dim=1))
    """,
    "sequential_with_dropout_after": """
        import torch.nn as nn

        def build():
            return nn.Sequential(nn.Linear(4, 3), nn.Softmax(dim=1), nn.Dropout(0.1), nn.Identity())
    """,
    "ordered_dict": """
        from collections import OrderedDict
        import torch.nn as nn

        def build():
            return nn.Sequential(OrderedDict([
                ("fc1", nn.Linear(4, 8)),
                ("relu", nn.ReLU()),
                ("fc2", nn.Linear(8, 3)),
                ("softmax", nn.Softmax(dim=1)),
            ]))
    """,
    "ordered_dict_built_by_item": """
        import collections
        import torch.nn as nn

        def build():
            layers = collections.OrderedDict()
            layers["fc"] = nn.Linear(4, 3)
            layers["out"] = nn.Softmax(dim=1)
            return nn.Sequential(layers)
    """,
    "nested_sequential": """
        import torch.nn as nn

        def build():
            head = nn.Sequential(nn.Linear(8, 3), nn.Softmax(dim=1))
            return nn.Sequential(nn.Sequential(nn.Linear(4, 8), nn.ReLU()), head)
    """,
    "seed_quiz_append": """
        import torch

        class PyTorchMLP(torch.nn.Module):
            def __init__(self, num_features, num_classes):
                super().__init__()
                self.layers = []
                self.layers.append(torch.nn.Linear(num_features, 25))
                self.layers.append(torch.nn.ReLU())
                self.layers.append(torch.nn.Linear(25, num_classes))
                self.layers.append(torch.nn.Softmax())
                self.layers = torch.nn.Sequential(*self.layers)

            def forward(self, x):
                return self.layers(x)

        def build():
            return PyTorchMLP(4, 3)
    """,
    "append_in_loop_then_head": """
        import torch.nn as nn

        def build(hidden=(16, 16)):
            layers = []
            size = 4
            for width in hidden:
                layers.append(nn.Linear(size, width))
                layers.append(nn.ReLU())
                size = width
            layers += [nn.Linear(size, 3), nn.Softmax(dim=-1)]
            return nn.Sequential(*layers)
    """,
    "forward_returns_functional": """
        import torch.nn as nn
        import torch.nn.functional as F

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 3)

            def forward(self, x):
                return F.softmax(self.fc(x), dim=1)

        def build():
            return Net()
    """,
    "attribute_activation": """
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 3)
                self.act = nn.Softmax(dim=1)

            def forward(self, x):
                x = self.fc(x)
                x = self.act(x)
                return x

        def build():
            return Net()
    """,
    "method_on_submodule_output": """
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))

            def forward(self, x):
                return self.net(x).softmax(dim=1)

        def build():
            return Net()
    """,
    "module_list_loop": """
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.blocks = nn.ModuleList([nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3), nn.Softmax(dim=1)])

            def forward(self, x):
                for block in self.blocks:
                    x = block(x)
                return x

        def build():
            return Net()
    """,
    "module_list_enumerate_then_head": """
        import torch.nn as nn
        import torch.nn.functional as F

        class Net(nn.Module):
            def __init__(self, depth=3):
                super().__init__()
                self.hidden = nn.ModuleList([nn.Linear(4, 4) for _ in range(depth)])
                self.head = nn.Linear(4, 3)
                self.out = nn.Softmax(dim=1)

            def forward(self, x):
                for i, layer in enumerate(self.hidden):
                    x = F.relu(layer(x))
                return self.out(self.head(x))

        def build():
            return Net()
    """,
    "inherited_forward": """
        import torch.nn as nn

        class Base(nn.Module):
            def forward(self, x):
                return self.classifier(self.features(x))

        class Net(Base):
            def __init__(self):
                super().__init__()
                self.features = nn.Sequential(nn.Linear(4, 8), nn.ReLU())
                self.classifier = nn.Sequential(nn.Linear(8, 3), nn.Softmax(dim=1))

        def build():
            return Net()
    """,
    "subclass_calls_super_forward": """
        import torch.nn as nn
        import torch.nn.functional as F

        class Base(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 3)

            def forward(self, x):
                return self.fc(x)

        class WithProbs(Base):
            def forward(self, x):
                return F.softmax(super().forward(x), dim=1)

        def build():
            return WithProbs()
    """,
    "head_passed_to_constructor": """
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self, head):
                super().__init__()
                self.body = nn.Linear(4, 8)
                self.head = head

            def forward(self, x):
                return self.head(self.body(x))

        def build():
            return Net(nn.Sequential(nn.Linear(8, 3), nn.Softmax(1)))
    """,
    "wrapped_and_moved": """
        import torch
        import torch.nn as nn

        def build():
            net = nn.Sequential(nn.Linear(4, 3), nn.Softmax(1)).to("cpu")
            return torch.compile(nn.DataParallel(net))
    """,
    "factory_chain": """
        import torch.nn as nn

        def make_head(classes):
            return [nn.Linear(8, classes), nn.Softmax(dim=1)]

        def build():
            return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), *make_head(3))
    """,
    "eval_only_branch_is_ignored": """
        import torch.nn as nn
        import torch.nn.functional as F

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 3)

            def forward(self, x):
                x = F.softmax(self.fc(x), 1)
                if not self.training:
                    return x.argmax(1)
                return x

        def build():
            return Net()
    """,
    # A pretrained classifier whose head is replaced: its forward ends in the head.
    "torchvision_head_replaced": """
        import torch.nn as nn
        from torchvision import models

        def build():
            model = models.resnet18(weights=models.ResNet18_Weights.DEFAULT)
            for p in model.parameters():
                p.requires_grad = False
            model.fc = nn.Sequential(nn.Linear(model.fc.in_features, 3), nn.Softmax(dim=1))
            return model.to("cpu")
    """,
    "timm_head_on_self": """
        import timm
        import torch.nn as nn

        class Wrapper(nn.Module):
            def __init__(self):
                super().__init__()
                self.backbone = timm.create_model("efficientnet_b0", pretrained=True)
                self.backbone.classifier = nn.Linear(1280, 3)
                self.act = nn.Softmax(dim=1)

            def forward(self, x):
                return self.act(self.backbone(x))

        def build():
            return Wrapper()
    """,
    "torchvision_hub_head": """
        import torch
        import torch.nn as nn

        def build():
            model = torch.hub.load("pytorch/vision:v0.10.0", "resnet18", pretrained=True)
            model.fc = nn.Sequential(nn.Dropout(0.2), nn.Linear(512, 3), nn.Softmax(dim=-1))
            return model
    """,
}


@pytest.mark.parametrize("shape", sorted(MODELS))
def test_model_shape(tmp_path, shape):
    assert pairs(tmp_path, {"model.py": MODELS[shape], "train.py": TRAIN}) == [("softmax", "CrossEntropyLoss")]


LOGIT_MODELS = {
    "sequential": "nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))",
    "conv_head": "nn.Sequential(nn.Conv2d(3, 8, 3), nn.Flatten(), nn.Dropout(), nn.Linear(8, 3))",
}


PRETRAINED_SILENT = {
    # the head is not replaced: the model's output is unknown
    "untouched": "model = models.resnet18()",
    "identity_head": "model = models.resnet18()\nmodel.fc = nn.Identity()",
    # not a head attribute, and not a model zoo
    "other_attribute": "model = models.resnet18()\nmodel.act = nn.Softmax(dim=1)",
    "not_a_zoo": "import mylib\nmodel = mylib.build()\nmodel.fc = nn.Sequential(nn.Linear(512, 3), nn.Softmax(dim=1))",
    # other hub repositories may keep a head that forward never applies (DINO's ViTs)
    "other_hub_repo": "model = torch.hub.load('facebookresearch/dino:main', 'dino_vits16')\nmodel.head = nn.Sequential(nn.Linear(384, 3), nn.Softmax(dim=1))",
}


@pytest.mark.parametrize("case", sorted(PRETRAINED_SILENT))
def test_pretrained_model_without_a_known_head_is_silent(tmp_path, case):
    model = f"import torch\nimport torch.nn as nn\nfrom torchvision import models\n{PRETRAINED_SILENT[case]}\ndef build():\n    return model\n"
    assert pairs(tmp_path, {"model.py": model, "train.py": TRAIN}) == []


def test_pretrained_linear_head_gives_logits(tmp_path):
    model = """
import torch.nn as nn
import torchvision

def build():
    net = torchvision.models.densenet121()
    net.classifier = nn.Linear(1024, 3)
    return net
"""
    assert pairs(tmp_path, {"model.py": model, "train.py": TRAIN}) == [("none", "CrossEntropyLoss")]


@pytest.mark.parametrize("shape", sorted(LOGIT_MODELS))
def test_logits_are_known(tmp_path, shape):
    model = f"import torch.nn as nn\n\ndef build():\n    return {LOGIT_MODELS[shape]}\n"
    assert pairs(tmp_path, {"model.py": model, "train.py": TRAIN}) == [("none", "CrossEntropyLoss")]


def test_module_level_model_and_script_loop(tmp_path):
    script = """
    import torch
    import torch.nn as nn

    model = nn.Sequential(nn.Linear(4, 1), nn.Sigmoid())
    criterion = nn.BCEWithLogitsLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

    if __name__ == "__main__":
        for epoch in range(3):
            for x, y in []:
                optimizer.zero_grad()
                out = model(x).squeeze(1)
                loss = criterion(out, y.float())
                loss.backward()
    """
    assert pairs(tmp_path, {"script.py": script}) == [("sigmoid", "BCEWithLogitsLoss")]


JOINED = {
    # a decoder's per-step probabilities, concatenated for the loss
    "cat_of_appended_steps": """
class Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.cell = nn.GRUCell(16, 16)
        self.proj = nn.Linear(16, 3)

    def forward(self, h, steps):
        outs = []
        for _ in range(steps):
            h = self.cell(h, h)
            outs.append(F.softmax(self.proj(h), dim=1))
        return torch.cat(outs, 0)

def build():
    return Decoder()
""",
    "stack_of_a_literal_list": """
class Pair(nn.Module):
    def __init__(self):
        super().__init__()
        self.head = nn.Linear(16, 3)

    def forward(self, x):
        return torch.stack([F.softmax(self.head(x), 1), F.softmax(self.head(-x), 1)])

def build():
    return Pair()
""",
    "concat_of_a_tuple": """
class Two(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Sequential(nn.Linear(4, 3), nn.Softmax(dim=1))

    def forward(self, x):
        return torch.concat((self.a(x), self.a(x * 2)), dim=0)

def build():
    return Two()
""",
}


@pytest.mark.parametrize("shape", sorted(JOINED))
def test_joined_activations(tmp_path, shape):
    model = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n" + JOINED[shape]
    assert pairs(tmp_path, {"model.py": model, "train.py": TRAIN}) == [("softmax", "CrossEntropyLoss")]


def test_joined_tensors_of_different_kinds_are_unknown(tmp_path):
    model = """
import torch
import torch.nn as nn

class Mixed(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        return torch.cat([self.fc(x), torch.softmax(self.fc(x), 1)], 0)

def build():
    return Mixed()
"""
    assert pairs(tmp_path, {"model.py": model, "train.py": TRAIN}) == []
