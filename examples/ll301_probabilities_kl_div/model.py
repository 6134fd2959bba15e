"""A teacher and a smaller student for knowledge distillation. Both return logits."""

import torch.nn as nn


def make_teacher(num_features: int = 20, num_classes: int = 5) -> nn.Module:
    return nn.Sequential(nn.Linear(num_features, 64), nn.ReLU(), nn.Linear(64, num_classes))


def make_student(num_features: int = 20, num_classes: int = 5) -> nn.Module:
    return nn.Sequential(nn.Linear(num_features, 8), nn.ReLU(), nn.Linear(8, num_classes))
