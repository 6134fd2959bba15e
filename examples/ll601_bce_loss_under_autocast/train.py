"""Mistake LL601: F.binary_cross_entropy inside a CUDA autocast region. This runs on a CPU
(autocast is off without CUDA) and raises "torch.nn.functional.binary_cross_entropy and
torch.nn.BCELoss are unsafe to autocast" the first time it runs on a GPU."""

import torch
import torch.nn.functional as F

from model import Segmenter


def main() -> None:
    torch.manual_seed(0)
    use_amp = torch.cuda.is_available()
    model = Segmenter()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    images = torch.randn(4, 1, 16, 16)
    masks = (torch.rand(4, 1, 16, 16) > 0.5).float()
    for step in range(3):
        optimizer.zero_grad()
        with torch.autocast("cuda", dtype=torch.float16, enabled=use_amp):
            probs = model(images)
            loss = F.binary_cross_entropy(probs, masks)
        loss.backward()
        optimizer.step()
        print(f"step {step}: loss {loss.item():.4f}")


if __name__ == "__main__":
    main()
