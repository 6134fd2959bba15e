"""Mistake LL205: log-sigmoid output into BCEWithLogitsLoss (a functional bound to a
name). Its input is <= 0, so the probability it implies never exceeds 0.5: positive
tags cost at least ln 2 = 0.69 each, however long you train."""

import torch
import torch.nn.functional as F

from model import Tagger

objective = F.binary_cross_entropy_with_logits


def run_epoch(model, batches, optimizer):
    for step, (features, tags) in enumerate(batches):
        optimizer.zero_grad()
        out = model(features)
        loss = objective(out, tags)
        loss.backward()
        optimizer.step()
        print(f"step {step}: loss {loss.item():.4f}")


def main() -> None:
    torch.manual_seed(0)
    model = Tagger()
    batches = [(torch.randn(16, 24), torch.randint(0, 2, (16, 5)).float()) for _ in range(3)]
    run_epoch(model, batches, torch.optim.SGD(model.parameters(), lr=0.1))


if __name__ == "__main__":
    main()
