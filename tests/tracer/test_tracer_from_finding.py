"""A finding's literal arguments -> the spec the tracer runs. No torch needed."""

from __future__ import annotations

import textwrap

from losslint.engine import linter
from losslint.tracer.from_finding import spec_for


def _findings(source: str, path: str = "/virtual/train.py"):
    return linter.check_sources({path: textwrap.dedent(source)})


def _only(source: str, code: str | None = None):
    found = [f for f in _findings(source) if f.code and (code is None or f.code == code)]
    assert len(found) == 1, [(f.code, f.message) for f in found]
    return found[0], spec_for(found[0])


def test_sequential_softmax_with_weighted_smoothed_criterion():
    finding, spec = _only(
        """
        import torch
        import torch.nn as nn

        model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 4), nn.Softmax(dim=-1))
        criterion = nn.CrossEntropyLoss(weight=torch.tensor([1.0, 3.0, 1.0, 0.5]), label_smoothing=0.05)

        def step(x, y):
            return criterion(model(x), y)
        """
    )
    assert finding.code == "LL103"
    assert (spec.activation, spec.loss, spec.spelling) == ("softmax", "CrossEntropyLoss", "direct")
    assert spec.dim == -1
    assert spec.weight == (1.0, 3.0, 1.0, 0.5) and spec.classes == 4
    assert spec.label_smoothing == 0.05
    assert spec.sources == {"dim": "code", "weight": "code", "label_smoothing": "code", "classes": "code"}


def test_functional_softmax_positional_dim_and_functional_loss_kwargs():
    _, spec = _only(
        """
        import torch.nn.functional as F

        def step(logits, y):
            probs = F.softmax(logits, 1)
            return F.nll_loss(probs, y, ignore_index=-1, reduction="sum")
        """
    )
    assert (spec.activation, spec.loss) == ("softmax", "NLLLoss")
    assert spec.dim == 1 and spec.ignore_index == -1 and spec.reduction == "sum"
    assert spec.classes is None  # unknown: the tracer uses 10


def test_method_softmax_and_positional_criterion_arguments():
    _, spec = _only(
        """
        import torch
        from torch import nn

        criterion = nn.CrossEntropyLoss(None, None, 3)

        def step(net, x, y):
            return criterion(net(x).softmax(0), y)
        """,
        code="LL103",  # LL402 reports the batch dim too
    )
    assert spec.dim == 0
    assert spec.ignore_index == 3
    assert spec.weight is None


def test_non_literal_arguments_keep_torchs_defaults_and_say_so():
    _, spec = _only(
        """
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.body = nn.Linear(10, 1)
                self.act = nn.Sigmoid()

            def forward(self, x):
                return self.act(self.body(x))

        def build(pos_weight, reduction):
            return nn.BCEWithLogitsLoss(pos_weight=pos_weight, reduction=reduction)

        def train(x, y, cfg):
            criterion = build(cfg.pos_weight, cfg.reduction)
            return criterion(Net()(x), y)
        """
    )
    assert (spec.activation, spec.loss) == ("sigmoid", "BCEWithLogitsLoss")
    assert spec.pos_weight is None and spec.reduction == "mean"
    assert spec.sources["pos_weight"] == "not literal" and spec.sources["reduction"] == "not literal"


def test_logits_from_a_linear_layer_give_the_number_of_classes():
    _, spec = _only(
        """
        import torch.nn as nn
        import torch.nn.functional as F

        head = nn.Linear(128, 7)

        def step(features, y):
            return F.nll_loss(head(features), y)
        """
    )
    assert (spec.activation, spec.loss, spec.classes) == ("none", "NLLLoss", 7)


def test_log_of_softmax_reaching_nll_reads_the_inner_dim():
    finding, spec = _only(
        """
        import torch
        import torch.nn.functional as F

        def step(logits, y):
            return F.nll_loss(torch.log(F.softmax(logits, dim=1)), y)
        """
    )
    assert finding.code == "LL105"
    assert (spec.activation, spec.spelling, spec.loss, spec.dim) == ("log_softmax", "log", "NLLLoss", 1)


def test_a_bce_pos_weight_tensor_inside_a_function():
    _, spec = _only(
        """
        import torch
        import torch.nn.functional as F

        def step(z, y):
            return F.binary_cross_entropy_with_logits(torch.sigmoid(z), y, pos_weight=torch.tensor([2.0, 1.0, 4.0]))
        """
    )
    assert spec.pos_weight == (2.0, 1.0, 4.0) and spec.classes == 3


def test_a_finding_without_origin_is_not_traced():
    class Bare:
        origin = None

    assert spec_for(Bare()) is None


def test_kl_div_with_batchmean():
    _, spec = _only(
        """
        import torch.nn as nn
        import torch.nn.functional as F

        kl = nn.KLDivLoss(reduction="batchmean")

        def distill(student_logits, teacher_probs):
            return kl(F.softmax(student_logits, dim=1), teacher_probs)
        """,
        code="LL301",
    )
    assert (spec.activation, spec.loss, spec.reduction, spec.dim) == ("softmax", "KLDivLoss", "batchmean", 1)


def test_classes_from_the_output_layer_before_the_activation():
    # nn.Linear(h, NUM_CLASSES) then nn.Softmax: the classes come from the layer the
    # softmax is applied to, through a module constant, a literal, or a constructor argument.
    source = """
        import torch.nn as nn
        import torch.nn.functional as F

        NUM_CLASSES = 7
        seq = nn.Sequential(nn.Linear(16, NUM_CLASSES), nn.Softmax(dim=1))

        class Net(nn.Module):
            def __init__(self, n_classes):
                super().__init__()
                self.fc = nn.Linear(16, n_classes)

            def forward(self, x):
                return F.softmax(self.fc(x), dim=1)

        class Log(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(16, 5)

            def forward(self, x):
                return self.fc(x).log_softmax(1)

        criterion = nn.CrossEntropyLoss()

        def step(x, y):
            return criterion(seq(x), y) + criterion(Net(3)(x), y) + criterion(Log()(x), y)
        """
    found = {f.site.start.row: spec_for(f) for f in _findings(source) if f.code in ("LL103", "LL104")}
    assert sorted((row, spec.classes, spec.sources.get("classes")) for row, spec in found.items()) == [
        (6, 7, "code"), (14, 3, "code"), (24, 5, "code"),  # LL104 points at the loss
    ]


def test_classes_unknown_when_the_layer_size_is_not_readable():
    _, spec = _only(
        """
        import torch.nn as nn

        def build(n):
            return nn.Sequential(nn.Linear(16, n), nn.Softmax(dim=1))

        def step(x, y, n):
            return nn.CrossEntropyLoss()(build(n)(x), y)
        """
    )
    assert spec.classes is None and "classes" not in spec.sources


def test_skorch_net_arguments_are_not_read_as_loss_options():
    _, spec = _only(
        """
        import torch.nn as nn
        from skorch import NeuralNet

        class Logits(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 4)

            def forward(self, x):
                return self.fc(x)

        net = NeuralNet(Logits, nn.NLLLoss, 0.1, 10, -100)
        """
    )
    assert (spec.activation, spec.loss) == ("none", "NLLLoss")
    assert spec.sources == {"classes": "code"} and spec.classes == 4  # nothing read from the net's own arguments
