"""Where the loss sits, and how its input is traced back to the model."""

import pytest

from tests.analysis.helpers import lint, pairs

MODEL = """
import torch.nn as nn


class Classifier(nn.Module):
    def __init__(self, classes=3):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(4, classes), nn.LogSoftmax(dim=1))

    def forward(self, x):
        return self.net(x)
"""


def test_criterion_stored_on_a_trainer(tmp_path):
    train = """
    import torch
    import torch.nn as nn
    from model import Classifier

    class Trainer:
        def __init__(self, model, lr=0.1):
            self.model = model
            self.criterion = nn.CrossEntropyLoss()
            self.optimizer = torch.optim.Adam(model.parameters(), lr=lr)

        def fit(self, loader):
            for x, y in loader:
                logits = self.model(x)
                loss = self.criterion(logits, y)
                loss.backward()

    Trainer(Classifier()).fit([])
    """
    assert pairs(tmp_path, {"model.py": MODEL, "train.py": train}) == [("log_softmax", "CrossEntropyLoss")]


def test_criterion_and_model_passed_as_arguments(tmp_path):
    train = """
    import torch.nn as nn
    from model import Classifier

    def train_epoch(model, loader, criterion, optimizer=None):
        model.train()
        for batch in loader:
            inputs, targets = batch
            outputs = model(inputs)
            loss = criterion(outputs, targets)
            loss.backward()

    def main():
        model = Classifier(classes=10)
        train_epoch(model, [], nn.CrossEntropyLoss())

    if __name__ == "__main__":
        main()
    """
    assert pairs(tmp_path, {"model.py": MODEL, "train.py": train}) == [("log_softmax", "CrossEntropyLoss")]


def test_each_caller_is_its_own_context(tmp_path):
    """train(a, nll) and train(b, ce) must not be mixed into a-with-ce."""
    train = """
    import torch.nn as nn

    def train(model, criterion, x, y):
        return criterion(model(x), y)

    a = nn.Sequential(nn.Linear(4, 3), nn.LogSoftmax(1))
    b = nn.Sequential(nn.Linear(4, 3))
    train(a, nn.NLLLoss(), 1, 2)
    train(b, nn.CrossEntropyLoss(), 1, 2)
    """
    assert pairs(tmp_path, {"train.py": train}) == [("log_softmax", "NLLLoss"), ("none", "CrossEntropyLoss")]


def test_trainer_constructed_twice(tmp_path):
    train = """
    import torch.nn as nn

    class Trainer:
        def __init__(self, model, criterion):
            self.model = model
            self.criterion = criterion

        def step(self, x, y):
            return self.criterion(self.model(x), y)

    Trainer(nn.Sequential(nn.Linear(4, 3), nn.Softmax(1)), nn.NLLLoss())
    Trainer(nn.Sequential(nn.Linear(4, 3)), nn.CrossEntropyLoss())
    """
    assert pairs(tmp_path, {"train.py": train}) == [("none", "CrossEntropyLoss"), ("softmax", "NLLLoss")]


def test_lightning_training_step_uses_self(tmp_path):
    source = """
    import lightning as L
    import torch.nn as nn
    import torch.nn.functional as F

    class LitClassifier(L.LightningModule):
        def __init__(self):
            super().__init__()
            self.backbone = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))

        def forward(self, x):
            return F.softmax(self.backbone(x), dim=-1)

        def training_step(self, batch, batch_idx):
            x, y = batch
            y_hat = self(x)
            loss = F.cross_entropy(y_hat, y)
            self.log("train_loss", loss)
            return loss
    """
    assert pairs(tmp_path, {"lit.py": source}) == [("softmax", "CrossEntropyLoss")]


def test_input_traced_through_shape_ops_and_unpacking(tmp_path):
    source = """
    import torch.nn as nn
    import torch.nn.functional as F

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 1)

        def forward(self, x):
            features = x.mean(1)
            return features, self.fc(x).sigmoid()

    model = Net()
    bce = nn.BCEWithLogitsLoss()

    def step(x, y):
        _, out = model(x)
        out = out.view(-1).float()
        preds = out[:, 0].squeeze()
        return bce(preds.to("cpu"), y.float())
    """
    assert pairs(tmp_path, {"a.py": source}) == [("sigmoid", "BCEWithLogitsLoss")]


def test_across_a_package_with_relative_imports(tmp_path):
    files = {
        "proj/pkg/__init__.py": "",
        "proj/pkg/models/__init__.py": "from .mlp import MLP\n",
        "proj/pkg/models/mlp.py": """
            import torch.nn as nn

            class MLP(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.layers = nn.Sequential(nn.Linear(4, 2), nn.Sigmoid())

                def forward(self, x):
                    return self.layers(x)
        """,
        "proj/pkg/engine.py": """
            from . import models
            from .losses import make_loss

            def run(batch):
                model = models.MLP()
                return make_loss()(model(batch[0]), batch[1])
        """,
        "proj/pkg/losses.py": """
            import torch.nn as nn

            def make_loss():
                return nn.BCEWithLogitsLoss()
        """,
    }
    assert pairs(tmp_path, files) == [("sigmoid", "BCEWithLogitsLoss")]


def test_absolute_import_of_a_package_module(tmp_path):
    files = {
        "src/app/__init__.py": "",
        "src/app/net.py": "import torch.nn as nn\n\ndef get():\n    return nn.Sequential(nn.Linear(2, 2), nn.Softmax(-1))\n",
        "src/app/train.py": """
            import torch.nn.functional as F
            import app.net

            def loss(x, y):
                return F.nll_loss(app.net.get()(x), y)
        """,
    }
    assert pairs(tmp_path, files) == [("softmax", "NLLLoss")]


def test_user_loss_wrapper_function(tmp_path):
    source = """
    import torch.nn.functional as F

    def compute_loss(pred, target):
        return F.cross_entropy(pred, target, label_smoothing=0.1)

    def step(logits, y):
        return compute_loss(F.softmax(logits, 1), y)
    """
    assert pairs(tmp_path, {"a.py": source}) == [("softmax", "CrossEntropyLoss")]


def test_model_returning_dict(tmp_path):
    source = """
    import torch.nn as nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 3)

        def forward(self, x):
            logits = self.fc(x)
            return {"logits": logits, "probs": logits.softmax(-1)}

    def step(model: Net, x, y, criterion=nn.NLLLoss()):
        return criterion(model(x)["probs"], y)

    step(Net(), 1, 2)
    """
    assert pairs(tmp_path, {"a.py": source}) == [("softmax", "NLLLoss")]


def test_criterion_and_model_moved_to_a_device(tmp_path):
    # The tutorial shape: model and criterion both `.to(device)`, torch.max for the
    # predictions beside the loss.
    train = """
    import torch
    import torch.nn as nn
    from model import Classifier

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = Classifier().to(device)
    criterion = nn.CrossEntropyLoss().to(device)
    nll = nn.NLLLoss().cuda().float()

    def train(loader):
        model.train()
        for inputs, labels in loader:
            inputs, labels = inputs.to(device), labels.to(device)
            outputs = model(inputs)
            _, preds = torch.max(outputs, 1)
            loss = criterion(outputs, labels) + nll(outputs, labels)
            loss.backward()
    """
    assert pairs(tmp_path, {"model.py": MODEL, "train.py": train}) == [
        ("log_softmax", "CrossEntropyLoss"), ("log_softmax", "NLLLoss"),
    ]


LOSS_MODULE = """
import torch
import torch.nn as nn
import torch.nn.functional as F


class FocalLoss(nn.Module):
    def __init__(self, gamma=2.0):
        super().__init__()
        self.gamma = gamma

    def forward(self, inputs, targets):
        ce = F.cross_entropy(inputs, targets, reduction="none")
        pt = torch.exp(-ce)
        return ((1 - pt) ** self.gamma * ce).mean()


class SmoothedNLL(nn.Module):
    def forward(self, logits, targets):
        return F.nll_loss(logits.log_softmax(dim=-1), targets)
"""


def test_loss_module_forward_sees_the_callers_tensor(tmp_path):
    # A project nn.Module whose forward computes a loss: `criterion(model(x), y)` runs
    # that forward, so the loss inside it gets the model's output.
    train = """
    import torch.nn as nn
    from losses import FocalLoss
    from model import Classifier

    class Trainer:
        def __init__(self):
            self.model = Classifier()
            self.criterion = FocalLoss(gamma=1.0)

        def step(self, x, y):
            return self.criterion(self.model(x), y)
    """
    found = pairs(tmp_path, {"model.py": MODEL, "losses.py": LOSS_MODULE, "train.py": train})
    # (SmoothedNLL's own log_softmax + NLLLoss is a pair wherever its input comes from.)
    assert found == [("log_softmax", "CrossEntropyLoss"), ("log_softmax", "NLLLoss")]


def test_loss_module_that_normalizes_itself_is_a_fine_pair(tmp_path):
    train = """
    from losses import SmoothedNLL
    from model import Classifier

    model, criterion = Classifier(), SmoothedNLL()

    def step(x, y):
        return criterion(model(x), y)
    """
    assert pairs(tmp_path, {"model.py": MODEL, "losses.py": LOSS_MODULE, "train.py": train}) == [
        ("log_softmax", "NLLLoss"),
    ]


SKORCH_MODULES = """
import torch
import torch.nn as nn
import torch.nn.functional as F


class Probabilities(nn.Module):
    def __init__(self):
        super().__init__()
        self.out = nn.Linear(20, 3)

    def forward(self, X):
        return F.softmax(self.out(X), dim=-1)


class Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 1)

    def forward(self, x):
        return torch.sigmoid(self.fc(x)).squeeze(-1)


class Logits(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 3)

    def forward(self, x):
        return self.fc(x)
"""

SKORCH_LOSS_NETS = {
    # skorch passes the module's output to the criterion as it is...
    "classifier_with_cross_entropy": ("NeuralNetClassifier(Probabilities, criterion=nn.CrossEntropyLoss, max_epochs=5)",
                                      [("softmax", "CrossEntropyLoss")]),
    "criterion_instance": ("NeuralNetClassifier(Probabilities, criterion=nn.CrossEntropyLoss())",
                           [("softmax", "CrossEntropyLoss")]),
    "binary_default_criterion": ("NeuralNetBinaryClassifier(Tagger, max_epochs=3)", [("sigmoid", "BCEWithLogitsLoss")]),
    "neural_net_positional_criterion": ("skorch.NeuralNet(Logits, nn.NLLLoss, lr=0.1)", [("none", "NLLLoss")]),
    # (skorch takes the log for NLLLoss only: KLDivLoss gets the probabilities, LL301)
    "classifier_with_kl_div": ("NeuralNetClassifier(Probabilities, criterion=nn.KLDivLoss)", [("softmax", "KLDivLoss")]),
    "module_instance": ("NeuralNetClassifier(Logits(), criterion=nn.CrossEntropyLoss)", [("none", "CrossEntropyLoss")]),
    # ...except NeuralNetClassifier with NLLLoss (its default), which takes the log first
    "classifier_default_nll": ("NeuralNetClassifier(Probabilities)", []),
    "classifier_explicit_nll": ("NeuralNetClassifier(Probabilities, criterion=torch.nn.NLLLoss)", []),
    # A criterion chosen by name: a constant name is that criterion (analysis/registry.py)...
    "criterion_by_constant_name": ("NeuralNetClassifier(Probabilities, criterion=getattr(nn, name))", [("softmax", "CrossEntropyLoss")]),
    # ...a name read at run time is not known.
    "criterion_from_configuration": ("NeuralNetClassifier(Probabilities, criterion=getattr(nn, sys.argv[1]))", []),
}


@pytest.mark.parametrize("case", sorted(SKORCH_LOSS_NETS))
def test_skorch_nets_are_loss_sites(tmp_path, case):
    net, expected = SKORCH_LOSS_NETS[case]
    train = f"""
    import sys
    import torch
    import torch.nn as nn
    import skorch
    from skorch import NeuralNetBinaryClassifier, NeuralNetClassifier
    from modules import Logits, Probabilities, Tagger

    name = "CrossEntropyLoss"
    net = {net}
    """
    assert pairs(tmp_path, {"modules.py": SKORCH_MODULES, "train.py": train}) == expected


def test_a_criterion_created_where_it_is_called_is_one_partner_site(tmp_path):
    source = """
import torch.nn as nn

fc = nn.Sequential(nn.Linear(4, 1), nn.Sigmoid())

def step(x, t):
    return nn.BCEWithLogitsLoss()(fc(x), t)
"""
    (finding,) = lint(tmp_path, {"m.py": source})
    assert finding.code == "LL202"
    assert [(r.site.start.row, r.message) for r in finding.related] == [(6, "BCEWithLogitsLoss computed here")]


BRANCHING_LOSSES = """
import torch
import torch.nn as nn
import torch.nn.functional as F


class BinaryFocal(nn.Module):
    def __init__(self, gamma=2.0, logits=False):
        super().__init__()
        self.gamma, self.logits = gamma, logits

    def forward(self, p, t):
        if self.logits:
            bce = F.binary_cross_entropy_with_logits(p, t, reduction="none")
        else:
            bce = F.binary_cross_entropy(p, t, reduction="none")
        return ((1 - torch.exp(-bce)) ** self.gamma * bce).mean()


def bce(p, t, from_logits=True):
    if not from_logits:
        return F.binary_cross_entropy(p, t)
    return F.binary_cross_entropy_with_logits(p, t)
"""


def test_a_branch_not_taken_in_that_context_computes_no_loss(tmp_path):
    # The loss module is built with logits=False and the helper called with
    # from_logits=False: only their BCELoss branch runs on the sigmoid output.
    train = """
    import torch.nn as nn
    from losses import BinaryFocal, bce

    net = nn.Sequential(nn.Linear(16, 1), nn.Sigmoid())
    focal = BinaryFocal(logits=False)

    def step(x, t):
        return focal(net(x), t) + bce(net(x), t, from_logits=False)
    """
    # (no BCEWithLogitsLoss: that would be a double sigmoid, LL202, on correct code)
    assert pairs(tmp_path, {"losses.py": BRANCHING_LOSSES, "train.py": train}) == [("sigmoid", "BCELoss")]


def test_a_branch_that_cannot_be_decided_keeps_both_losses(tmp_path):
    train = """
    import torch.nn as nn
    from losses import bce

    net = nn.Sequential(nn.Linear(16, 1), nn.Sigmoid())

    def step(x, t, flag):
        return bce(net(x), t, from_logits=flag)
    """
    assert pairs(tmp_path, {"losses.py": BRANCHING_LOSSES, "train.py": train}) == [
        ("sigmoid", "BCELoss"), ("sigmoid", "BCEWithLogitsLoss"),
    ]


def test_every_activation_joined_by_cat_is_a_pair(tmp_path):
    train = """
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    src, tgt = nn.Linear(16, 4), nn.Linear(16, 4)

    def step(xs, xt, y):
        z = torch.cat([F.softmax(src(xs), dim=1), F.softmax(tgt(xt), dim=1)], dim=0)
        return F.cross_entropy(z, y)
    """
    found = lint(tmp_path, {"train.py": train})
    assert sorted((f.code, f.site.start.column) for f in found) == [("LL103", 20), ("LL103", 47)]
