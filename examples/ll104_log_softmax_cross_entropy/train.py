"""Acceptable but not ideal, LL104: log_softmax output into F.cross_entropy, which applies
log_softmax again. The loss is right (log_softmax is idempotent) but the work is wasted;
F.nll_loss is what this model's output calls for."""

import torch

from model import ConvClassifier


def main() -> None:
    torch.manual_seed(0)
    model = ConvClassifier()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    batches = [(torch.randn(8, 1, 12, 12), torch.randint(0, 10, (8,))) for _ in range(3)]
    model.train()
    for batch_idx, batch in enumerate(batches):
        optimizer.zero_grad()
        loss = model.training_step(batch, batch_idx)
        loss.backward()
        optimizer.step()
        print(f"batch {batch_idx}: loss {loss.item():.4f}")


if __name__ == "__main__":
    main()
