"""Mistake LL103: softmax output into CrossEntropyLoss, which applies log_softmax again.
Nothing crashes; the loss just sits near ln(9) = 2.20 and the gradients are ~12x smaller."""

import torch
import torch.nn as nn

from model import MultilayerPerceptron


class Trainer:
    def __init__(self, model, lr=0.05):
        self.model = model
        self.criterion = nn.CrossEntropyLoss()
        self.optimizer = torch.optim.SGD(model.parameters(), lr=lr)

    def step(self, features, targets):
        self.optimizer.zero_grad()
        probas = self.model(features)
        loss = self.criterion(probas, targets)
        loss.backward()
        self.optimizer.step()
        return loss.item()


def main() -> None:
    torch.manual_seed(0)
    trainer = Trainer(MultilayerPerceptron(num_features=20, num_classes=9))
    features = torch.randn(32, 20)
    targets = torch.randint(0, 9, (32,))
    for step in range(3):
        print(f"step {step}: loss {trainer.step(features, targets):.4f}")


if __name__ == "__main__":
    main()
