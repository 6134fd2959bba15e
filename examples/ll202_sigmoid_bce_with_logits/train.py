"""Mistake LL202: sigmoid output into BCEWithLogitsLoss, which applies sigmoid again.
The implied probability is stuck in (0.5, 0.731): background pixels can never be
predicted, and the loss cannot fall below 0.31."""

import torch
import torch.nn as nn

from model import TinySegmenter


def train(model, loader, criterion, lr=1e-2):
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    for step, (images, masks) in enumerate(loader):
        optimizer.zero_grad()
        pred = model(images)
        loss = criterion(pred, masks)
        loss.backward()
        optimizer.step()
        print(f"step {step}: loss {loss.item():.4f}")


def main() -> None:
    torch.manual_seed(0)
    loader = [(torch.randn(4, 3, 16, 16), (torch.rand(4, 1, 16, 16) > 0.7).float()) for _ in range(3)]
    model = TinySegmenter()
    criterion = nn.BCEWithLogitsLoss()
    train(model, loader, criterion)


if __name__ == "__main__":
    main()
