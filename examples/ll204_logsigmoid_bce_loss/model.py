"""A click-through-rate model whose forward() ends in a LogSigmoid layer."""

import torch
import torch.nn as nn


class ClickModel(nn.Module):
    def __init__(self, num_users: int = 20, num_items: int = 30, dim: int = 8):
        super().__init__()
        self.users = nn.Embedding(num_users, dim)
        self.items = nn.Embedding(num_items, dim)
        self.mlp = nn.Sequential(nn.Linear(2 * dim, 16), nn.ReLU(), nn.Linear(16, 1))
        self.logsigmoid = nn.LogSigmoid()

    def forward(self, user_ids, item_ids):
        x = torch.cat([self.users(user_ids), self.items(item_ids)], dim=1)
        x = self.mlp(x).squeeze(-1)
        x = self.logsigmoid(x)
        return x
