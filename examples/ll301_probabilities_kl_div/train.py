"""Mistake LL301: the student's probabilities (softmax) as the *input* of KLDivLoss, which
expects log-probabilities. The printed divergence goes negative, which a KL divergence
never is; F.log_softmax for the student fixes it (the teacher's softmax target is right)."""

import torch
import torch.nn as nn
import torch.nn.functional as F

from model import make_student, make_teacher


def distillation_loss(student_logits, teacher_logits, criterion, T=2.0):
    student_probs = F.softmax(student_logits / T, dim=1)
    teacher_probs = F.softmax(teacher_logits / T, dim=1)
    return criterion(student_probs, teacher_probs) * T * T


def main() -> None:
    torch.manual_seed(0)
    teacher, student = make_teacher(), make_student()
    criterion = nn.KLDivLoss(reduction="batchmean")
    optimizer = torch.optim.SGD(student.parameters(), lr=0.1)
    x = torch.randn(64, 20)
    with torch.no_grad():
        teacher_logits = teacher(x)
    for step in range(3):
        optimizer.zero_grad()
        loss = distillation_loss(student(x), teacher_logits, criterion)
        loss.backward()
        optimizer.step()
        print(f"step {step}: 'KL divergence' {loss.item():.4f}")


if __name__ == "__main__":
    main()
