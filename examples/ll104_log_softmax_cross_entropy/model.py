"""A small convolutional classifier written in the Lightning style (a training_step
method on the module itself), kept as a plain nn.Module so it runs without Lightning."""

import torch.nn as nn
import torch.nn.functional as F


class ConvClassifier(nn.Module):
    def __init__(self, num_classes: int = 10):
        super().__init__()
        self.conv = nn.Conv2d(1, 8, kernel_size=3, padding=1)
        self.pool = nn.AdaptiveAvgPool2d(4)
        self.head = nn.Linear(8 * 4 * 4, num_classes)

    def forward(self, x):
        x = self.pool(F.relu(self.conv(x)))
        x = self.head(x.flatten(1))
        return x.log_softmax(1)

    def training_step(self, batch, batch_idx):
        images, labels = batch
        log_probs = self(images)
        loss = F.cross_entropy(log_probs, labels)
        return loss
