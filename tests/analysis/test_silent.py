"""What must stay silent: softmax/sigmoid that never reaches a loss's input, and unknowns."""

import pytest

from tests.analysis.helpers import codes, pairs

SILENT = {
    "predict_proba_only": """
        import torch.nn as nn
        import torch.nn.functional as F

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 3)

            def forward(self, x):
                return self.fc(x)

            def predict_proba(self, x):
                return F.softmax(self.forward(x), dim=1)

            def predict(self, x):
                return self.predict_proba(x).argmax(1)

        model = Net()
        criterion = nn.CrossEntropyLoss()

        def step(x, y):
            loss = criterion(model(x), y)
            probs = model.predict_proba(x)
            return loss, probs
    """,
    "eval_mode_branch": """
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 3)
                self.softmax = nn.Softmax(dim=1)

            def forward(self, x):
                logits = self.fc(x)
                if not self.training:
                    return self.softmax(logits)
                return logits

        criterion = nn.CrossEntropyLoss()

        def step(model: Net, x, y):
            return criterion(model(x), y)

        step(Net(), 1, 2)
    """,
    "eval_mode_conditional_expression": """
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 1)

            def forward(self, x):
                z = self.fc(x)
                return z if self.training else z.sigmoid()

        def step(x, y):
            return nn.BCEWithLogitsLoss()(Net()(x), y)
    """,
    "metrics_and_argmax": """
        import torch
        import torch.nn as nn
        import torch.nn.functional as F

        model = nn.Sequential(nn.Linear(4, 3))
        criterion = nn.CrossEntropyLoss()

        def step(x, y):
            logits = model(x)
            loss = criterion(logits, y)
            probs = F.softmax(logits, dim=1)
            confidence = probs.max(1).values.mean()
            accuracy = (probs.argmax(1) == y).float().mean()
            auc_input = torch.sigmoid(logits[:, 1]).detach().cpu().numpy()
            return loss, accuracy, confidence, auc_input
    """,
    "export_wrapper": """
        import torch
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 3)

            def forward(self, x):
                return self.fc(x)

        class Deployable(nn.Module):
            def __init__(self, model):
                super().__init__()
                self.model = model

            def forward(self, x):
                return torch.softmax(self.model(x), dim=-1)

        model = Net()
        criterion = nn.CrossEntropyLoss()

        def train(x, y):
            return criterion(model(x), y)

        def export(path):
            torch.onnx.export(Deployable(model).eval(), torch.zeros(1, 4), path)
    """,
    "attention_and_gates_mid_network": """
        import torch
        import torch.nn as nn
        import torch.nn.functional as F

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.q = nn.Linear(8, 8)
                self.k = nn.Linear(8, 8)
                self.gate = nn.Linear(8, 8)
                self.sigmoid = nn.Sigmoid()
                self.head = nn.Linear(8, 3)

            def forward(self, x):
                attn = F.softmax(self.q(x) @ self.k(x).transpose(-2, -1), dim=-1)
                x = attn @ x
                x = x * self.sigmoid(self.gate(x))
                x = x * torch.sigmoid(self.gate(x))
                return self.head(x.mean(1))

        def step(x, y):
            return F.cross_entropy(Net()(x), y)
    """,
    "logits_and_probs_returned": """
        import torch.nn as nn
        import torch.nn.functional as F

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 3)

            def forward(self, x):
                logits = self.fc(x)
                return logits, F.softmax(logits, dim=1)

        def step(x, y):
            logits, probs = Net()(x)
            return F.cross_entropy(logits, y) + 0 * probs.sum()
    """,
    "soft_label_targets": """
        import torch.nn as nn
        import torch.nn.functional as F

        student = nn.Sequential(nn.Linear(4, 3))
        teacher = nn.Sequential(nn.Linear(4, 3))

        def distill(x, T=2.0):
            soft_targets = F.softmax(teacher(x) / T, dim=1)
            ce = nn.CrossEntropyLoss()(student(x), soft_targets)
            kl = F.kl_div(F.log_softmax(student(x), 1), target=F.softmax(teacher(x), 1), reduction="batchmean")
            return ce + kl
    """,
    "skorch_expects_probabilities": """
        import torch.nn as nn
        from skorch import NeuralNetClassifier

        class Module(nn.Module):
            def __init__(self):
                super().__init__()
                self.net = nn.Sequential(nn.Linear(20, 10), nn.ReLU(), nn.Linear(10, 2), nn.Softmax(dim=-1))

            def forward(self, X):
                return self.net(X)

        net = NeuralNetClassifier(Module, criterion=nn.NLLLoss, max_epochs=10, lr=0.1)
    """,
    "loss_from_configuration": """
        import torch.nn as nn

        model = nn.Sequential(nn.Linear(4, 3), nn.Softmax(dim=1))

        def step(cfg, x, y):
            criterion = getattr(nn, cfg.loss)()
            return criterion(model(x), y)
    """,
    "loss_chosen_at_run_time": """
        import torch.nn as nn

        model = nn.Sequential(nn.Linear(4, 3), nn.Softmax(dim=1))

        def step(name, x, y):
            if name == "nll":
                criterion = nn.NLLLoss()
            else:
                criterion = nn.CrossEntropyLoss()
            return criterion(model(x), y)
    """,
    "activation_chosen_by_flag": """
        import torch.nn as nn

        def build(use_softmax):
            layers = [nn.Linear(4, 3)]
            if use_softmax:
                layers.append(nn.Softmax(dim=1))
            return nn.Sequential(*layers)

        def step(flag, x, y):
            return nn.CrossEntropyLoss()(build(flag)(x), y)
    """,
    "third_party_model": """
        import torch.nn as nn
        import torchvision

        model = torchvision.models.resnet18(num_classes=10)
        criterion = nn.CrossEntropyLoss()

        def step(x, y):
            return criterion(model(x), y)
    """,
    "temperature_scaled_logits": """
        import torch.nn as nn
        import torch.nn.functional as F

        model = nn.Sequential(nn.Linear(4, 3))

        def step(x, y, t=2.0):
            return F.cross_entropy(model(x) / t, y)
    """,
}


FINE_PAIRS = {
    ("none", "CrossEntropyLoss"),
    ("none", "BCEWithLogitsLoss"),
    ("log_softmax", "NLLLoss"),
    ("log_softmax", "KLDivLoss"),
}


@pytest.mark.parametrize("case", sorted(SILENT))
def test_silent(tmp_path, case):
    files = {"case.py": SILENT[case]}
    assert codes(tmp_path, files) == []
    # and for the right reason: no wrong pair was even seen
    assert set(pairs(tmp_path, files)) <= FINE_PAIRS


def test_activation_chosen_by_literal_flag_is_followed(tmp_path):
    """Precision is not blindness: a literal argument decides the branch."""
    source = """
    import torch.nn as nn

    def build(use_softmax=False):
        layers = [nn.Linear(4, 3)]
        if use_softmax:
            layers.append(nn.Softmax(dim=1))
        return nn.Sequential(*layers)

    def step(x, y):
        return nn.CrossEntropyLoss()(build(use_softmax=True)(x), y)
    """
    assert pairs(tmp_path, {"a.py": source}) == [("softmax", "CrossEntropyLoss")]


def test_syntax_error_is_reported_and_other_files_checked(tmp_path):
    files = {
        "bad.py": "def broken(:\n    pass\n",
        "good.py": "import torch.nn as nn\nm = nn.Sequential(nn.Linear(2, 2), nn.Softmax(1))\nl = nn.CrossEntropyLoss()(m(1), 2)\n",
    }
    from tests.analysis.helpers import lint

    findings = lint(tmp_path, files)
    names = sorted((f.name, f.code) for f in findings)
    assert names == [("invalid-syntax", None), ("softmax-before-cross-entropy", "LL103")]
    syntax = next(f for f in findings if f.name == "invalid-syntax")
    assert syntax.site.path.endswith("bad.py") and syntax.site.start.row == 1
    assert syntax.message.startswith("SyntaxError")
