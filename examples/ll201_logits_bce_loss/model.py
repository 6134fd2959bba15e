"""A spam detector over hashed word counts: one output unit, raw logits."""

import torch.nn as nn


class SpamDetector(nn.Module):
    def __init__(self, num_features: int = 50):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(num_features, 16), nn.Tanh())
        self.head = nn.Linear(16, 1)

    def forward(self, x):
        return self.head(self.body(x)).squeeze(1)
