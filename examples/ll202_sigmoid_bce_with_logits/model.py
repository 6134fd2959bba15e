"""A tiny segmentation network: one output channel per pixel, then a sigmoid layer
stored as self.act."""

import torch.nn as nn


class TinySegmenter(nn.Module):
    def __init__(self, in_channels: int = 3):
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Conv2d(in_channels, 8, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.Conv2d(8, 8, kernel_size=3, padding=1),
            nn.ReLU(),
        )
        self.classifier = nn.Conv2d(8, 1, kernel_size=1)
        self.act = nn.Sigmoid()

    def forward(self, images):
        features = self.encoder(images)
        mask = self.classifier(features)
        return self.act(mask)
