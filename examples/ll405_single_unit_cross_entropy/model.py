"""A churn classifier with one output unit: the shape of a binary classifier."""

import torch.nn as nn


class ChurnClassifier(nn.Module):
    def __init__(self, num_features: int = 12):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(num_features, 16), nn.ReLU())
        self.out = nn.Linear(16, 1)

    def forward(self, x):
        return self.out(self.body(x))
