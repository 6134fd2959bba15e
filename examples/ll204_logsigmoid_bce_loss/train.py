"""Mistake LL204: log-sigmoid output (always <= 0) into F.binary_cross_entropy, which
expects probabilities: it raises "all elements of input should be between 0 and 1"."""

import torch
import torch.nn.functional as F

from model import ClickModel


def main() -> None:
    torch.manual_seed(0)
    model = ClickModel()
    optimizer = torch.optim.Adagrad(model.parameters(), lr=0.1)
    users = torch.randint(0, 20, (32,))
    items = torch.randint(0, 30, (32,))
    clicked = torch.randint(0, 2, (32,)).float()
    for step in range(3):
        optimizer.zero_grad()
        scores = model(users, items)
        try:
            loss = F.binary_cross_entropy(scores, clicked)
        except RuntimeError as err:  # what this mistake does on the first batch
            print(f"step {step}: training stopped: {err}")
            return
        loss.backward()
        optimizer.step()
        print(f"step {step}: loss {loss.item():.4f}")


if __name__ == "__main__":
    main()
