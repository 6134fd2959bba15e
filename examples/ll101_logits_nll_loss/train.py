"""Mistake LL101: F.nll_loss on raw logits. The loss is -logit[y]: it goes negative and
keeps falling without bound, because nothing normalizes the logits."""

import torch
import torch.nn.functional as F

from model import build_classifier


def main() -> None:
    torch.manual_seed(0)
    model = build_classifier()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    x = torch.randn(16, 64)
    y = torch.randint(0, 10, (16,))
    for step in range(3):
        optimizer.zero_grad()
        logits = model(x)
        loss = F.nll_loss(logits, y)  # expects log-probabilities
        loss.backward()
        optimizer.step()
        print(f"step {step}: loss {loss.item():.4f}")


if __name__ == "__main__":
    main()
