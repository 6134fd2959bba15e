"""Acceptable but unstable, LL501: binary cross-entropy written out on sigmoid
probabilities. Same value as F.binary_cross_entropy_with_logits for moderate logits, but
in float32 sigmoid(z) is exactly 1.0 from z = 16.7: one confidently wrong example makes
the loss inf and the gradient NaN (shown on the last line)."""

import torch
import torch.nn.functional as F

from model import SpamFilter, binary_logistic_loss


def main() -> None:
    torch.manual_seed(0)
    model = SpamFilter()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    x = torch.randn(64, 30)
    y = (torch.rand(64) < 0.3).float()
    for step in range(3):
        optimizer.zero_grad()
        loss = binary_logistic_loss(torch.sigmoid(model(x)), y)
        loss.backward()
        optimizer.step()
        print(f"step {step}: loss {loss.item():.4f}")
    z, wrong = torch.tensor([20.0]), torch.tensor([0.0])
    print(f"logit 20, label 0: hand-written {binary_logistic_loss(torch.sigmoid(z), wrong).item()}, "
          f"with logits {F.binary_cross_entropy_with_logits(z, wrong).item():.1f}")


if __name__ == "__main__":
    main()
