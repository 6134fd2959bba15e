"""Mistake LL201: raw logits into BCELoss, which expects probabilities in [0, 1]. It works
only while every logit happens to lie in [0, 1]; the first one outside stops training
with "RuntimeError: all elements of input should be between 0 and 1"."""

import torch
import torch.nn as nn

from model import SpamDetector


def main() -> None:
    torch.manual_seed(0)
    model = SpamDetector()
    loss_fn = nn.BCELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    x = torch.rand(16, 50)
    y = torch.randint(0, 2, (16,)).float()
    for step in range(3):
        optimizer.zero_grad()
        logits = model(x)
        try:
            loss = loss_fn(logits, y)
        except RuntimeError as err:  # the usual outcome of this mistake
            print(f"step {step}: training stopped: {err}")
            return
        loss.backward()
        optimizer.step()
        print(f"step {step}: loss {loss.item():.4f}")


if __name__ == "__main__":
    main()
