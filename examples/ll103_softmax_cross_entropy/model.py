"""The multilayer perceptron of the "Losses Learned" quiz: layers appended to a list,
then wrapped in nn.Sequential. Its last layer is a softmax."""

import torch.nn as nn


class MultilayerPerceptron(nn.Module):
    def __init__(self, num_features: int, num_classes: int, hidden=(32, 16)):
        super().__init__()
        self.layers = []
        previous = num_features
        for width in hidden:
            self.layers.append(nn.Linear(previous, width))
            self.layers.append(nn.ReLU())
            previous = width
        self.layers.append(nn.Linear(previous, num_classes))
        self.layers.append(nn.Softmax(dim=1))
        self.net = nn.Sequential(*self.layers)

    def forward(self, x):
        return self.net(x)
