"""Removing the activation from the training path, in every model shape: before/after pairs.

The training script feeds the model's output to CrossEntropyLoss (or a BCE loss) and uses
it for nothing else, so each fix here is safe.
"""

import pytest

from tests.fixes.helpers import expect, fix

TRAIN_CE = """
import torch.nn as nn
from model import build

model = build()
criterion = nn.CrossEntropyLoss()

def train(loader):
    for x, y in loader:
        out = model(x)
        loss = criterion(out, y)
        loss.backward()
        print((out.argmax(dim=1) == y).float().mean())
"""

# name -> (model.py before, model.py after)
CASES = {
    "sequential_one_line": (
        """
        import torch.nn as nn

        def build():
            return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3), nn.Softmax(dim=1))
        """,
        """
        import torch.nn as nn

        def build():
            return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
        """,
    ),
    "sequential_multi_line_comments": (
        """
        import torch.nn as nn

        def build():
            return nn.Sequential(
                nn.Linear(4, 8),  # hidden
                nn.ReLU(),
                nn.Linear(8, 3),  # scores
                # turn scores into probabilities
                nn.Softmax(dim=1),  # the mistake
            )
        """,
        """
        import torch.nn as nn

        def build():
            return nn.Sequential(
                nn.Linear(4, 8),  # hidden
                nn.ReLU(),
                nn.Linear(8, 3),  # scores
            )
        """,
    ),
    "sequential_no_trailing_comma": (
        """
        import torch.nn as nn

        def build():
            return nn.Sequential(
                nn.Linear(4, 3),
                nn.Softmax(dim=1)
            )
        """,
        """
        import torch.nn as nn

        def build():
            return nn.Sequential(
                nn.Linear(4, 3)
            )
        """,
    ),
    "sequential_followed_by_dropout": (
        """
        import torch.nn as nn

        def build():
            return nn.Sequential(
                nn.Linear(4, 3),
                nn.Softmax(dim=1),  # probabilities
                # regularize
                nn.Dropout(0.1),
            )
        """,
        """
        import torch.nn as nn

        def build():
            return nn.Sequential(
                nn.Linear(4, 3),
                # regularize
                nn.Dropout(0.1),
            )
        """,
    ),
    "ordered_dict_pairs": (
        """
        from collections import OrderedDict
        import torch.nn as nn

        def build():
            return nn.Sequential(OrderedDict([
                ("fc", nn.Linear(4, 3)),
                ("softmax", nn.Softmax(dim=1)),
            ]))
        """,
        """
        from collections import OrderedDict
        import torch.nn as nn

        def build():
            return nn.Sequential(OrderedDict([
                ("fc", nn.Linear(4, 3)),
            ]))
        """,
    ),
    "ordered_dict_keywords": (
        """
        import collections
        import torch.nn as nn

        def build():
            return nn.Sequential(collections.OrderedDict(fc=nn.Linear(4, 3), out=nn.Softmax(dim=1)))
        """,
        """
        import collections
        import torch.nn as nn

        def build():
            return nn.Sequential(collections.OrderedDict(fc=nn.Linear(4, 3)))
        """,
    ),
    "ordered_dict_items": (
        """
        import collections
        import torch.nn as nn

        def build():
            layers = collections.OrderedDict()
            layers["fc"] = nn.Linear(4, 3)
            layers["out"] = nn.Softmax(dim=1)
            return nn.Sequential(layers)
        """,
        """
        import collections
        import torch.nn as nn

        def build():
            layers = collections.OrderedDict()
            layers["fc"] = nn.Linear(4, 3)
            return nn.Sequential(layers)
        """,
    ),
    "dict_of_layers_picked_by_key": (
        # The layer is called by its key: the call goes and the table stays (dropping the
        # "soft" entry would make `ACTS["soft"]` a KeyError).
        """
        import torch.nn as nn

        ACTS = {"soft": nn.Softmax(1), "relu": nn.ReLU()}

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 3)

            def forward(self, x):
                return ACTS["soft"](self.fc(x))

        def build():
            return Net()
        """,
        """
        import torch.nn as nn

        ACTS = {"soft": nn.Softmax(1), "relu": nn.ReLU()}

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 3)

            def forward(self, x):
                return self.fc(x)

        def build():
            return Net()
        """,
    ),
    "module_dict_head_picked_by_key": (
        """
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 3)
                self.heads = nn.ModuleDict({"out": nn.Softmax(dim=1)})

            def forward(self, x):
                return self.heads["out"](self.fc(x))

        def build():
            return Net()
        """,
        """
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 3)
                self.heads = nn.ModuleDict({"out": nn.Softmax(dim=1)})

            def forward(self, x):
                return self.fc(x)

        def build():
            return Net()
        """,
    ),
    "list_append_quiz": (
        """
        import torch

        class MLP(torch.nn.Module):
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
            return MLP(4, 3)
        """,
        """
        import torch

        class MLP(torch.nn.Module):
            def __init__(self, num_features, num_classes):
                super().__init__()
                self.layers = []
                self.layers.append(torch.nn.Linear(num_features, 25))
                self.layers.append(torch.nn.ReLU())
                self.layers.append(torch.nn.Linear(25, num_classes))
                self.layers = torch.nn.Sequential(*self.layers)

            def forward(self, x):
                return self.layers(x)

        def build():
            return MLP(4, 3)
        """,
    ),
    "add_module": (
        """
        import torch.nn as nn

        def build():
            net = nn.Sequential()
            net.add_module("fc", nn.Linear(4, 3))
            net.add_module("softmax", nn.Softmax(dim=1))
            return net
        """,
        """
        import torch.nn as nn

        def build():
            net = nn.Sequential()
            net.add_module("fc", nn.Linear(4, 3))
            return net
        """,
    ),
    "list_extended_in_place": (
        """
        import torch.nn as nn

        def build(hidden=(16,)):
            layers, size = [], 4
            for width in hidden:
                layers.append(nn.Linear(size, width))
                size = width
            layers += [nn.Linear(size, 3), nn.Softmax(dim=-1)]
            return nn.Sequential(*layers)
        """,
        """
        import torch.nn as nn

        def build(hidden=(16,)):
            layers, size = [], 4
            for width in hidden:
                layers.append(nn.Linear(size, width))
                size = width
            layers += [nn.Linear(size, 3)]
            return nn.Sequential(*layers)
        """,
    ),
    "head_returned_by_factory": (
        """
        import torch.nn as nn

        def make_head(classes):
            return [nn.Linear(8, classes), nn.Softmax(dim=1)]

        def build():
            return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), *make_head(3))
        """,
        """
        import torch.nn as nn

        def make_head(classes):
            return [nn.Linear(8, classes)]

        def build():
            return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), *make_head(3))
        """,
    ),
    "module_list_loop": (
        """
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.blocks = nn.ModuleList([nn.Linear(4, 3), nn.Softmax(dim=1)])

            def forward(self, x):
                for block in self.blocks:
                    x = block(x)
                return x

        def build():
            return Net()
        """,
        """
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.blocks = nn.ModuleList([nn.Linear(4, 3)])

            def forward(self, x):
                for block in self.blocks:
                    x = block(x)
                return x

        def build():
            return Net()
        """,
    ),
    "attribute_layer_and_its_call": (
        """
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
        """
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 3)

            def forward(self, x):
                x = self.fc(x)
                return x

        def build():
            return Net()
        """,
    ),
    "attribute_layer_called_in_return": (
        """
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.head = nn.Linear(4, 3)
                self.out = nn.Softmax(dim=1)

            def forward(self, x):
                return self.out(self.head(x))

        def build():
            return Net()
        """,
        """
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.head = nn.Linear(4, 3)

            def forward(self, x):
                return self.head(x)

        def build():
            return Net()
        """,
    ),
    "layer_built_and_called_inline": (
        """
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 3)

            def forward(self, x):
                return nn.Softmax(dim=1)(self.fc(x))

        def build():
            return Net()
        """,
        """
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 3)

            def forward(self, x):
                return self.fc(x)

        def build():
            return Net()
        """,
    ),
    "functional_in_forward": (
        """
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
        """
        import torch.nn as nn
        import torch.nn.functional as F

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 3)

            def forward(self, x):
                return self.fc(x)

        def build():
            return Net()
        """,
    ),
    "functional_keyword_input_parenthesized": (
        """
        import torch
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.a = nn.Linear(4, 3)
                self.b = nn.Linear(4, 3)

            def forward(self, x):
                return (torch.softmax(input=self.a(x) + self.b(x), dim=1))

        def build():
            return Net()
        """,
        """
        import torch
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.a = nn.Linear(4, 3)
                self.b = nn.Linear(4, 3)

            def forward(self, x):
                return (self.a(x) + self.b(x))

        def build():
            return Net()
        """,
    ),
    "method_on_submodule_output": (
        """
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
        """
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))

            def forward(self, x):
                return self.net(x)

        def build():
            return Net()
        """,
    ),
    "softmax_then_reassigned_and_reshaped": (
        """
        import torch.nn as nn
        import torch.nn.functional as F

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 3)

            def forward(self, x):
                x = F.softmax(self.fc(x), 1)
                return x.view(x.size(0), -1)

        def build():
            return Net()
        """,
        """
        import torch.nn as nn
        import torch.nn.functional as F

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 3)

            def forward(self, x):
                x = self.fc(x)
                return x.view(x.size(0), -1)

        def build():
            return Net()
        """,
    ),
    "subclass_wraps_super_forward": (
        """
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
        """
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
                return super().forward(x)

        def build():
            return WithProbs()
        """,
    ),
    "wrapped_and_moved": (
        """
        import torch
        import torch.nn as nn

        def build():
            net = nn.Sequential(nn.Linear(4, 3), nn.Softmax(1)).to("cpu")
            return torch.compile(nn.DataParallel(net))
        """,
        """
        import torch
        import torch.nn as nn

        def build():
            net = nn.Sequential(nn.Linear(4, 3)).to("cpu")
            return torch.compile(nn.DataParallel(net))
        """,
    ),
    "pretrained_head": (
        """
        import torch.nn as nn
        import torchvision

        def build():
            model = torchvision.models.resnet18(weights="DEFAULT")
            model.fc = nn.Sequential(
                nn.Linear(512, 3),
                nn.Softmax(dim=1),  # probabilities
            )
            return model
        """,
        """
        import torch.nn as nn
        import torchvision

        def build():
            model = torchvision.models.resnet18(weights="DEFAULT")
            model.fc = nn.Sequential(
                nn.Linear(512, 3),
            )
            return model
        """,
    ),
}


@pytest.mark.parametrize("shape", sorted(CASES))
def test_softmax_removed(tmp_path, shape):
    before, after = CASES[shape]
    fixed = expect(tmp_path, {"model.py": before, "train.py": TRAIN_CE}, {"model.py": after}, unsafe=False)
    assert fixed.fix_of("LL103").applicability == "safe"


def test_activation_in_training_loop(tmp_path):
    train = """
    import torch.nn as nn
    import torch.nn.functional as F

    model = nn.Linear(4, 3)
    criterion = nn.CrossEntropyLoss()

    def step(x, y):
        probs = F.softmax(model(x), dim=1)
        loss = criterion(probs, y)
        accuracy = (probs.argmax(1) == y).float().mean()
        return loss, accuracy
    """
    after = """
    import torch.nn as nn
    import torch.nn.functional as F

    model = nn.Linear(4, 3)
    criterion = nn.CrossEntropyLoss()

    def step(x, y):
        probs = model(x)
        loss = criterion(probs, y)
        accuracy = (probs.argmax(1) == y).float().mean()
        return loss, accuracy
    """
    expect(tmp_path, {"train.py": train}, {"train.py": after}, unsafe=False)


def test_attribute_kept_when_used_elsewhere(tmp_path):
    """`self.act` is also read by predict_proba: only the training-path call goes, and
    the unsafe fix names the other reader."""
    model = """
    import torch.nn as nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 3)
            self.act = nn.Softmax(dim=1)

        def forward(self, x):
            return self.act(self.fc(x))

        def predict_proba(self, x):
            return self.act(self(x))

    def build():
        return Net()
    """
    after = """
    import torch.nn as nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 3)
            self.act = nn.Softmax(dim=1)

        def forward(self, x):
            return self.fc(x)

        def predict_proba(self, x):
            return self.act(self(x))

    def build():
        return Net()
    """
    fixed = expect(tmp_path, {"model.py": model, "train.py": TRAIN_CE}, {"model.py": after})
    fix = fixed.fix_of("LL103")
    assert fix.applicability == "unsafe"
    assert "model.py:13 `return self.act(self(x))` (returned by `predict_proba()`)" in fix.message


def test_only_statement_of_a_block_becomes_pass(tmp_path):
    model = """
    import torch
    import torch.nn as nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 3)
            self.act = nn.Softmax(dim=1)

        def forward(self, x):
            x = self.fc(x)
            with torch.autocast("cpu"):
                x = self.act(x)
            return x

    def build():
        return Net()
    """
    after = """
    import torch
    import torch.nn as nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 3)

        def forward(self, x):
            x = self.fc(x)
            with torch.autocast("cpu"):
                pass
            return x

    def build():
        return Net()
    """
    expect(tmp_path, {"model.py": model, "train.py": TRAIN_CE}, {"model.py": after})


@pytest.mark.parametrize(
    "loss, activation, after_loss",
    [
        ("BCEWithLogitsLoss", "nn.Sigmoid()", "BCEWithLogitsLoss"),  # LL202
        ("BCELoss", "nn.Sigmoid()", "BCEWithLogitsLoss"),  # LL203
        ("BCELoss", "nn.LogSigmoid()", "BCEWithLogitsLoss"),  # LL204
        ("BCEWithLogitsLoss", "nn.LogSigmoid()", "BCEWithLogitsLoss"),  # LL205
    ],
)
def test_binary_removal_and_loss_switch_span_two_files(tmp_path, loss, activation, after_loss):
    model = f"""
    import torch.nn as nn

    def build():
        return nn.Sequential(nn.Linear(4, 1), {activation})
    """
    train = f"""
    import torch.nn as nn
    from model import build

    model = build()
    criterion = nn.{loss}()

    def step(x, y):
        return criterion(model(x).squeeze(1), y)
    """
    after_model = """
    import torch.nn as nn

    def build():
        return nn.Sequential(nn.Linear(4, 1))
    """
    after = {"model.py": after_model}
    if after_loss != loss:
        after["train.py"] = train.replace(f"nn.{loss}()", f"nn.{after_loss}()")
    fixed = expect(tmp_path, {"model.py": model, "train.py": train}, after, unsafe=False)
    edits_in = {e.site.path.rsplit("/", 1)[-1] for e in fixed.before[0].fix.edits}
    assert edits_in == set(after)  # one fix, all its files


def test_log_of_sigmoid_removed_entirely(tmp_path):
    source = """
    import torch
    import torch.nn as nn

    layer = nn.Linear(4, 1)
    criterion = nn.BCEWithLogitsLoss()

    def step(x, y):
        scores = torch.log(torch.sigmoid(layer(x)))
        return criterion(scores, y)
    """
    after = """
    import torch
    import torch.nn as nn

    layer = nn.Linear(4, 1)
    criterion = nn.BCEWithLogitsLoss()

    def step(x, y):
        scores = layer(x)
        return criterion(scores, y)
    """
    expect(tmp_path, {"step.py": source}, {"step.py": after})


def test_layer_passed_to_a_constructor_gets_no_fix(tmp_path):
    """The activation is a constructor argument: Net's forward is shared with every other
    Net, so unwrapping `self.act(x)` could break them. No fix."""
    model = """
    import torch.nn as nn

    class Net(nn.Module):
        def __init__(self, act):
            super().__init__()
            self.fc = nn.Linear(4, 3)
            self.act = act

        def forward(self, x):
            return self.act(self.fc(x))

    def build():
        return Net(nn.Softmax(dim=1))
    """
    fixed = fix(tmp_path, {"model.py": model, "train.py": TRAIN_CE})
    assert [f.code for f in fixed.before] == ["LL103"]
    assert fixed.before[0].fix is None
    assert fixed.changed == {}
