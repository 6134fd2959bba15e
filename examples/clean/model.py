"""Models whose final activation fits their loss, and softmax/sigmoid where it belongs."""

import torch.nn as nn
import torch.nn.functional as F


class DigitNet(nn.Module):
    """Logits in training; probabilities only at inference time."""

    def __init__(self, num_features: int = 64, num_classes: int = 10):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(num_features, 32), nn.ReLU(), nn.Linear(32, num_classes))

    def forward(self, x):
        logits = self.body(x)
        if not self.training:
            return F.softmax(logits, dim=1)
        return logits

    def predict_proba(self, x):
        return F.softmax(self.body(x), dim=1)


class AttentionPool(nn.Module):
    """Softmax in the middle (attention weights over tokens); the output is logits."""

    def __init__(self, dim: int = 16, num_classes: int = 4):
        super().__init__()
        self.score = nn.Linear(dim, 1)
        self.head = nn.Linear(dim, num_classes)

    def forward(self, tokens):
        weights = F.softmax(self.score(tokens), dim=1)
        pooled = (weights * tokens).sum(dim=1)
        return self.head(pooled)


class TwoOutputs(nn.Module):
    """Returns (logits, probs): the loss takes the logits, the metrics the probs."""

    def __init__(self, num_features: int = 64, num_classes: int = 10):
        super().__init__()
        self.fc = nn.Linear(num_features, num_classes)

    def forward(self, x):
        logits = self.fc(x)
        return logits, logits.softmax(dim=1)


class SpamNet(nn.Module):
    """Binary: one logit; sigmoid only when predicting."""

    def __init__(self, num_features: int = 20):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(num_features, 16), nn.ReLU(), nn.Linear(16, 1))

    def forward(self, x):
        return self.net(x).squeeze(1)

    def predict(self, x, threshold=0.5):
        return self.forward(x).sigmoid() > threshold


def log_softmax_mlp(num_features: int = 64, num_classes: int = 10) -> nn.Sequential:
    """LogSoftmax + NLLLoss: the same loss as logits + CrossEntropyLoss."""
    return nn.Sequential(
        nn.Linear(num_features, 32),
        nn.ReLU(),
        nn.Linear(32, num_classes),
        nn.LogSoftmax(dim=1),
    )
