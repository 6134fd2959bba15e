"""A small multi-file project whose files the incremental tests edit: a model package
with a star import, a loss registry, a training loop in another package, a log helper."""

from __future__ import annotations

from pathlib import Path

OUTPUTS = {
    "logits": "self.out(x)",
    "softmax": "self.out(x).softmax(dim=1)",
    "log_softmax": "torch.log_softmax(self.out(x), dim=1)",
    "sigmoid": "torch.sigmoid(self.out(x))",
}
LOSSES = ("NLLLoss", "CrossEntropyLoss", "BCELoss", "BCEWithLogitsLoss")


def net(output: str = "softmax", comment: str = "") -> str:
    return f"""import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, features=8, classes=3):
        super().__init__()
        self.out = nn.Linear(features, classes)  {comment}

    def forward(self, x):
        return {OUTPUTS[output]}
"""


def registry(loss: str = "NLLLoss") -> str:
    return f"""import torch.nn as nn

LOSSES = {{"main": nn.{loss}, "other": nn.MSELoss}}


def build(name):
    return LOSSES[name]()
"""


def loop(direct: str | None = None, noqa: str = "", source: str = "from pkg.models import Net") -> str:
    criterion = f"nn.{direct}()" if direct else 'build("main")'
    return f"""import torch
import torch.nn as nn

{source}
from pkg.registry import build

model = Net()
criterion = {criterion}
for inputs, labels in loader:
    loss = criterion(model(inputs), labels){noqa}
    loss.backward()
"""


LOGS = """import torch


def scores(logits):
    return torch.log(torch.softmax(logits, dim=1))
"""

FILES = {
    "pkg/__init__.py": "",
    "pkg/models/__init__.py": "from .net import Net\n",
    "pkg/models/net.py": net(),
    "pkg/registry.py": registry(),
    "pkg/train/__init__.py": "",
    "pkg/train/loop.py": loop("NLLLoss"),
    "pkg/train/registry_loop.py": loop(),
    "pkg/train/logs.py": LOGS,
    "pkg/util.py": "SEED = 0\n",
}


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
