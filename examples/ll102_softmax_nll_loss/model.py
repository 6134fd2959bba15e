"""A text classifier over bag-of-words vectors whose forward() ends in a softmax."""

import torch.nn as nn
import torch.nn.functional as F


class BagOfWords(nn.Module):
    def __init__(self, vocab_size: int = 100, hidden: int = 32, num_classes: int = 4):
        super().__init__()
        self.embed = nn.EmbeddingBag(vocab_size, hidden, mode="mean")
        self.fc = nn.Linear(hidden, num_classes)

    def forward(self, tokens):
        x = F.relu(self.embed(tokens))
        x = self.fc(x)
        return F.softmax(x, dim=1)
