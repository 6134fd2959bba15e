"""A small two-file PyTorch project, and ways to run losslint on it like a user does."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

# The model puts a softmax (wrong with CrossEntropyLoss) and a sigmoid (acceptable with
# BCELoss) in forward(); the training loop in another file computes the losses.
MODELS = '''
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
        self.act = nn.Softmax(dim=1)

    def forward(self, x):
        return self.act(self.body(x))


class Detector(nn.Module):
    def __init__(self):
        super().__init__()
        self.head = nn.Linear(64, 1)

    def forward(self, x):
        return self.head(x).sigmoid()
'''

TRAIN = '''
import torch.nn as nn

from models import Detector, Net

model = Net()
detector = Detector()
criterion = nn.CrossEntropyLoss()
bce = nn.BCELoss()


def train_step(x, y, z, t):
    loss = criterion(model(x), y)
    loss = loss + bce(detector(z), t)
    loss.backward()
    return loss
'''

# Rows in MODELS/TRAIN (after dedent and lstrip) that the tests refer to.
SOFTMAX_ROW = 8  # self.act = nn.Softmax(dim=1)
SIGMOID_ROW = 20  # return self.head(x).sigmoid()
CE_CALL_ROW = 12  # loss = criterion(model(x), y)
CE_CTOR_ROW = 7  # criterion = nn.CrossEntropyLoss()

# A single file with one wrong pair.
SINGLE = '''
import torch.nn as nn

model = nn.Sequential(nn.Linear(20, 3), nn.Softmax(dim=1))
criterion = nn.CrossEntropyLoss()


def step(x, y):
    return criterion(model(x), y)
'''


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    return root


def project(root: Path) -> Path:
    return write(root, {"models.py": MODELS, "train.py": TRAIN})


def run(args: list[str], cwd: Path, env: dict[str, str] | None = None, stdin: str | bytes | None = None):
    """`losslint ARGS` in a subprocess, the way a shell or CI runs it."""
    environment = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "GITHUB_WORKSPACE", "LOSSLINT_OUTPUT_FORMAT")}
    environment.update(env or {})
    data = stdin.encode() if isinstance(stdin, str) else stdin
    return subprocess.run(
        [sys.executable, "-m", "losslint", *args],
        cwd=cwd,
        env=environment,
        input=data,
        capture_output=True,
        timeout=120,
    )


def out(result) -> str:
    return result.stdout.decode()


def err(result) -> str:
    return result.stderr.decode()


def git_init(root: Path) -> None:
    subprocess.run(["git", "init", "-q", str(root)], check=True, capture_output=True)


class Cli:
    """`losslint ARGS` in this process (fast), from a given directory."""

    def __init__(self, capsys, monkeypatch) -> None:
        self.capsys = capsys
        self.monkeypatch = monkeypatch
        for name in ("NO_COLOR", "FORCE_COLOR", "GITHUB_WORKSPACE", "LOSSLINT_OUTPUT_FORMAT"):
            monkeypatch.delenv(name, raising=False)

    def __call__(self, args: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[int, str, str]:
        from losslint.cli import main

        self.monkeypatch.chdir(cwd)
        for name, value in (env or {}).items():
            self.monkeypatch.setenv(name, value)
        self.capsys.readouterr()
        code = main(args)
        captured = self.capsys.readouterr()
        return code, captured.out, captured.err
