"""Acceptable but unstable, LL105: the training loop takes torch.log of softmax
probabilities (computed anyway for the accuracy) and feeds them to NLLLoss. Fine here;
once a logit gap reaches ~104 in float32 the loss becomes inf."""

import torch
import torch.nn as nn
import torch.nn.functional as F

from model import make_model


def main() -> None:
    torch.manual_seed(0)
    model = make_model()
    criterion = nn.NLLLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    x = torch.randn(32, 12)
    y = torch.randint(0, 5, (32,))
    for step in range(3):
        optimizer.zero_grad()
        probs = F.softmax(model(x), dim=1)
        loss = criterion(torch.log(probs), y)
        loss.backward()
        optimizer.step()
        accuracy = (probs.argmax(dim=1) == y).float().mean()
        print(f"step {step}: loss {loss.item():.4f} accuracy {accuracy.item():.2f}")


if __name__ == "__main__":
    main()
