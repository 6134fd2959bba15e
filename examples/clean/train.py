"""Nothing for losslint to report: every loss gets the input it expects."""

import torch
import torch.nn as nn
import torch.nn.functional as F

from model import AttentionPool, DigitNet, SpamNet, TwoOutputs, log_softmax_mlp


def fit(model, x, y, criterion, steps=2):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    model.train()
    for _ in range(steps):
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
    return loss.item()


def main() -> None:
    torch.manual_seed(0)
    x, y = torch.randn(16, 64), torch.randint(0, 10, (16,))

    digits = DigitNet()
    print("logits + CrossEntropyLoss:", fit(digits, x, y, nn.CrossEntropyLoss()))
    digits.eval()
    with torch.no_grad():
        accuracy = (digits(x).argmax(dim=1) == y).float().mean()
    print("eval accuracy:", accuracy.item(), "first proba row sums to", digits.predict_proba(x)[0].sum().item())

    print("LogSoftmax + NLLLoss:", fit(log_softmax_mlp(), x, y, nn.NLLLoss()))

    tokens, labels = torch.randn(8, 5, 16), torch.randint(0, 4, (8,))
    print("attention + CrossEntropyLoss:", fit(AttentionPool(), tokens, labels, nn.CrossEntropyLoss()))

    two = TwoOutputs()
    logits, probs = two(x)
    loss = F.cross_entropy(logits, y)
    print("(logits, probs):", loss.item(), "confidence", probs.max(dim=1).values.mean().item())

    # Distillation: the teacher's probabilities are the *target* (soft labels).
    student = TwoOutputs()
    with torch.no_grad():
        soft_targets = F.softmax(digits.body(x) / 2.0, dim=1)
    student_logits, _ = student(x)
    print("soft labels:", F.cross_entropy(student_logits, soft_targets).item())

    spam_x, spam_y = torch.randn(16, 20), torch.randint(0, 2, (16,)).float()
    spam = SpamNet()
    print("logits + BCEWithLogitsLoss:", fit(spam, spam_x, spam_y, nn.BCEWithLogitsLoss()))
    print("predicted spam:", spam.predict(spam_x).sum().item())


if __name__ == "__main__":
    main()
