"""A multi-label tagger (5 independent tags) whose forward() returns F.logsigmoid."""

import torch.nn as nn
import torch.nn.functional as F


class Tagger(nn.Module):
    def __init__(self, num_features: int = 24, num_tags: int = 5):
        super().__init__()
        self.hidden = nn.Linear(num_features, 32)
        self.out = nn.Linear(32, num_tags)

    def forward(self, x):
        h = F.gelu(self.hidden(x))
        return F.logsigmoid(self.out(h))
