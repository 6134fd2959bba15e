"""Realistic code the rules beyond the quiz must leave alone (tests/analysis/test_silent.py
has the quiz's own negatives)."""

import pytest

from tests.analysis.helpers import codes

PROJECTS = {
    "distillation_done_right": {
        "models.py": """
            import torch.nn as nn

            def make(width):
                return nn.Sequential(nn.Linear(32, width), nn.ReLU(), nn.Linear(width, 10))
        """,
        "train.py": """
            import torch
            import torch.nn as nn
            import torch.nn.functional as F
            from models import make

            teacher, student = make(256), make(32)
            kl = nn.KLDivLoss(reduction="batchmean", log_target=True)

            def step(x, y, T=4.0, alpha=0.7):
                with torch.no_grad():
                    t = teacher(x)
                s = student(x)
                soft = kl(F.log_softmax(s / T, dim=1), F.log_softmax(t / T, dim=1)) * T * T
                soft2 = F.kl_div(F.log_softmax(s / T, dim=-1), F.softmax(t / T, dim=-1), reduction="batchmean")
                hard = F.cross_entropy(s, F.softmax(t, dim=1))  # soft labels as the target
                return alpha * (soft + soft2) + (1 - alpha) * hard + F.cross_entropy(s, y)
        """,
    },
    "transformer_with_attention": {
        "model.py": """
            import math
            import torch
            import torch.nn as nn
            import torch.nn.functional as F

            class Block(nn.Module):
                def __init__(self, d):
                    super().__init__()
                    self.qkv = nn.Linear(d, 3 * d)
                    self.gate = nn.Linear(d, d)

                def forward(self, x):
                    q, k, v = self.qkv(x).chunk(3, dim=-1)
                    w = F.softmax(q @ k.transpose(-2, -1) / math.sqrt(q.size(-1)), dim=-1)
                    return x + torch.sigmoid(self.gate(x)) * (w @ v)

            class Classifier(nn.Module):
                def __init__(self, d=64, classes=5):
                    super().__init__()
                    self.blocks = nn.Sequential(Block(d), Block(d))
                    self.head = nn.Linear(d, classes)

                def forward(self, x):
                    return self.head(self.blocks(x).mean(1))

                @torch.no_grad()
                def predict_proba(self, x):
                    return F.softmax(self(x), dim=-1)
        """,
        "train.py": """
            import torch.nn as nn
            from model import Classifier

            model = Classifier().to("cpu")
            criterion = nn.CrossEntropyLoss(label_smoothing=0.1)

            def step(x, y):
                return criterion(model(x), y)
        """,
    },
    "skorch_probabilities": {
        "net.py": """
            import torch.nn as nn
            from skorch import NeuralNetClassifier

            class Module(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.net = nn.Sequential(nn.Linear(20, 10), nn.ReLU(), nn.Linear(10, 2), nn.Softmax(dim=-1))

                def forward(self, X):
                    return self.net(X)

            net = NeuralNetClassifier(Module, criterion=nn.NLLLoss, max_epochs=10)
        """,
    },
    "multi_label_tagger": {
        "tagger.py": """
            import torch
            import torch.nn as nn
            import torch.nn.functional as F

            class Tagger(nn.Module):
                def __init__(self, tags=20):
                    super().__init__()
                    self.body = nn.Linear(300, 128)
                    self.out = nn.Linear(128, tags)

                def forward(self, x):
                    return self.out(F.relu(self.body(x)))

            model = Tagger()

            def step(x, tags, pos_weight):
                logits = model(x)
                loss = F.binary_cross_entropy_with_logits(logits, tags, pos_weight=pos_weight)
                loss2 = nn.MultiLabelSoftMarginLoss()(logits, tags)
                predicted = torch.sigmoid(logits) > 0.5
                return loss + loss2, predicted
        """,
    },
    "two_class_softmax_column": {
        "binary.py": """
            import torch.nn as nn
            import torch.nn.functional as F

            model = nn.Sequential(nn.Linear(16, 2), nn.Softmax(dim=1))

            def step(x, y):
                p_positive = model(x)[:, 1]
                return F.binary_cross_entropy(p_positive, y.float())
        """,
    },
    "multiple_choice_scorer": {
        "mc.py": """
            import torch.nn as nn
            import torch.nn.functional as F

            class Scorer(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.classifier = nn.Linear(768, 1)

                def forward(self, pooled, num_choices):
                    logits = self.classifier(pooled)
                    return logits.view(-1, num_choices)

            def step(pooled, labels):
                return F.cross_entropy(Scorer()(pooled, 4), labels)
        """,
    },
    "poisson_regression": {
        "counts.py": """
            import torch
            import torch.nn as nn

            class CountNet(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(8, 1)

                def forward(self, x):
                    return self.fc(x)  # log-rate

                def predict_rate(self, x):
                    return torch.exp(self.forward(x))

            model = CountNet()
            criterion = nn.PoissonNLLLoss(log_input=True, full=True)

            def step(x, k):
                return criterion(model(x), k)

            def rate_loss(x, k):
                return nn.PoissonNLLLoss(log_input=False)(model.predict_rate(x), k)
        """,
    },
    "mixed_precision_done_right": {
        "amp.py": """
            import torch
            import torch.nn as nn
            import torch.nn.functional as F

            model = nn.Sequential(nn.Linear(20, 1))
            scaler = torch.cuda.amp.GradScaler()

            def step(x, y, label_probs, optimizer):
                with torch.autocast("cuda", dtype=torch.float16):
                    logits = model(x)
                    loss = F.binary_cross_entropy_with_logits(logits, y)
                    with torch.autocast("cuda", enabled=False):
                        agreement = F.binary_cross_entropy(label_probs.float(), y.float())
                scaler.scale(loss).backward()
                return loss, agreement
        """,
    },
    "stable_hand_written_losses": {
        "losses.py": """
            import torch
            import torch.nn.functional as F

            def soft_target_ce(logits, soft):
                return -(soft * F.log_softmax(logits, dim=1)).sum(1).mean()

            def entropy_bonus(logits):
                p = F.softmax(logits, dim=1)
                return (p * F.log_softmax(logits, dim=1)).sum(1).mean()

            def bce_from_logits(z, y):
                return -(y * F.logsigmoid(z) + (1 - y) * F.logsigmoid(-z)).mean()

            def focal(z, y, gamma=2.0):
                ce = F.binary_cross_entropy_with_logits(z, y, reduction="none")
                p = torch.sigmoid(z)
                p_t = p * y + (1 - p) * (1 - y)
                return (ce * (1 - p_t) ** gamma).mean()
        """,
    },
}


@pytest.mark.parametrize("project", sorted(PROJECTS))
def test_silent(tmp_path, project):
    assert codes(tmp_path, PROJECTS[project]) == []
