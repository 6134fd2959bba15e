"""Acceptable but unstable, LL206: log(sigmoid(z)) in two steps inside a hand-written
loss. In float32 its gradient is NaN from z <= -88.7 (fp16: -11.1); F.logsigmoid, or
BCEWithLogitsLoss(pos_weight=...), computes the same thing stably."""

import torch

from model import FraudScorer, weighted_bce


def main() -> None:
    torch.manual_seed(0)
    model = FraudScorer()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    x = torch.randn(64, 10)
    y = (torch.rand(64) < 0.1).float()
    for step in range(3):
        optimizer.zero_grad()
        loss = weighted_bce(model(x), y)
        loss.backward()
        optimizer.step()
        print(f"step {step}: loss {loss.item():.4f}")


if __name__ == "__main__":
    main()
