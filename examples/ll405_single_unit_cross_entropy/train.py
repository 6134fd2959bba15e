"""Mistake LL405: one output unit into CrossEntropyLoss. Over a single class log_softmax is
0, so with all-zero targets the loss is exactly 0 and nothing is learned; a target of 1
raises IndexError (caught and printed). BCEWithLogitsLoss is the loss for one unit."""

import torch
import torch.nn as nn

from model import ChurnClassifier


def main() -> None:
    torch.manual_seed(0)
    model = ChurnClassifier()
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    x = torch.randn(32, 12)
    for step, y in enumerate([torch.zeros(32, dtype=torch.long), torch.randint(0, 2, (32,))]):
        optimizer.zero_grad()
        try:
            loss = criterion(model(x), y)
        except IndexError as exc:
            print(f"step {step}: IndexError: {exc}")
            continue
        loss.backward()
        optimizer.step()
        print(f"step {step}: loss {loss.item():.4f}, gradient {model.out.weight.grad.abs().sum().item():.4f}")


if __name__ == "__main__":
    main()
