"""Mistake LL102: softmax probabilities into NLLLoss. The loss is -p[y], stuck in
[-1, 0]: the printed losses are negative."""

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

from model import BagOfWords


def train(model, loader, criterion, epochs=1):
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    model.train()
    for epoch in range(epochs):
        for tokens, labels in loader:
            optimizer.zero_grad()
            output = model(tokens)
            loss = criterion(output, labels)
            loss.backward()
            optimizer.step()
            print(f"epoch {epoch}: loss {loss.item():.4f}")


def main() -> None:
    torch.manual_seed(0)
    tokens = torch.randint(0, 100, (24, 12))
    labels = torch.randint(0, 4, (24,))
    loader = DataLoader(TensorDataset(tokens, labels), batch_size=8)
    train(BagOfWords(), loader, nn.NLLLoss())


if __name__ == "__main__":
    main()
