"""A digit classifier built from an OrderedDict: the last layer emits raw logits."""

from collections import OrderedDict

import torch.nn as nn


def build_classifier(in_features: int = 64, num_classes: int = 10) -> nn.Sequential:
    return nn.Sequential(
        OrderedDict(
            [
                ("fc1", nn.Linear(in_features, 32)),
                ("relu1", nn.ReLU()),
                ("dropout", nn.Dropout(0.1)),
                ("logits", nn.Linear(32, num_classes)),
            ]
        )
    )
