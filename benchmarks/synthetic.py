"""Deterministic synthetic PyTorch projects for benchmarks/bench.py (and its smoke test).

A package of N modules in the proportions of a real training repository: most files are
helpers and data code that name no loss or activation, some define models (logits out, a
softmax only in predict_proba), a few train them with CrossEntropyLoss or
BCEWithLogitsLoss. The code is correct (no finding), so a run takes losslint's fast path.
Same arguments, same bytes.
"""

from __future__ import annotations

import random
from pathlib import Path

_HELPER = '''

def {name}(values, scale={scale}, offset={offset}):
    """Scale and shift a list of numbers; drop the ones below zero."""
    result = []
    for index, value in enumerate(values):
        shifted = value * scale + offset
        if shifted < 0:
            continue
        if index % {modulo} == 0:
            shifted = round(shifted, 3)
        result.append(shifted)
    total = sum(result) if result else 0.0
    return [value / total for value in result] if total else result


class {cls}:
    """A small record of settings, read from a dict."""

    def __init__(self, config):
        self.width = int(config.get("width", {scale}))
        self.depth = int(config.get("depth", {modulo}))
        self.name = str(config.get("name", "{name}"))

    def describe(self):
        parts = [self.name, str(self.width), str(self.depth)]
        return "-".join(parts)

    def scaled(self, factor):
        return {cls}({{"width": self.width * factor, "depth": self.depth, "name": self.name}})
'''

_MODEL = '''

class {cls}(nn.Module):
    """A {depth}-layer MLP classifier with {classes} classes."""

    def __init__(self, features={features}, hidden={hidden}, classes={classes}):
        super().__init__()
        layers = []
        width = features
        for _ in range({depth}):
            layers.append(nn.Linear(width, hidden))
            layers.append(nn.ReLU())
            width = hidden
        self.body = nn.Sequential(*layers)
        self.dropout = nn.Dropout(0.1)
        self.head = nn.Linear(hidden, classes)

    def forward(self, x):
        h = self.body(x.flatten(1))
        return self.head(self.dropout(h))

    @torch.no_grad()
    def predict_proba(self, x):
        return torch.softmax(self(x), dim=1)
'''

_TRAIN = '''

def {name}(model, loader, epochs={epochs}, lr={lr}):
    """Train with plain SGD; returns the last epoch's mean loss."""
    criterion = nn.{loss}()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    mean = 0.0
    for _ in range(epochs):
        total, count = 0.0, 0
        for inputs, targets in loader:
            optimizer.zero_grad()
            logits = model(inputs)
            loss = criterion(logits, {target})
            loss.backward()
            optimizer.step()
            total += float(loss)
            count += 1
        mean = total / max(count, 1)
    return mean
'''


def _fill(header: str, lines: int, block) -> list[str]:
    """header, then block(0), block(1), ... until the parts hold at least `lines` lines."""
    parts = [header]
    count = header.count("\n")
    index = 0
    while count < lines:
        parts.append(block(index))
        count += parts[-1].count("\n")
        index += 1
    return parts


def _helpers(rng: random.Random, index: int, lines: int) -> str:
    return "".join(
        _fill(
            f'"""Helpers, part {index}."""\n\nimport math\nimport os\n',
            lines,
            lambda block: _HELPER.format(
                name=f"helper_{index}_{block}",
                cls=f"Record{index}x{block}",
                scale=rng.randint(2, 9),
                offset=rng.randint(-3, 3),
                modulo=rng.randint(2, 5),
            ),
        )
    )


def _models(rng: random.Random, index: int, lines: int) -> str:
    return "".join(
        _fill(
            f'"""Models, part {index}."""\n\nimport torch\nimport torch.nn as nn\n',
            lines,
            lambda block: _MODEL.format(
                cls=f"Net{index}x{block}",
                depth=rng.randint(1, 4),
                features=rng.choice([32, 64, 784]),
                hidden=rng.choice([64, 128, 256]),
                classes=rng.choice([2, 10, 100]),
            ),
        )
    )


def _training(rng: random.Random, index: int, lines: int, model_module: str, model_class: str) -> str:
    def block(number: int) -> str:
        binary = rng.random() < 0.3
        return _TRAIN.format(
            name=f"train_{index}_{number}",
            epochs=rng.randint(1, 20),
            lr=rng.choice([0.1, 0.01, 0.001]),
            loss="BCEWithLogitsLoss" if binary else "CrossEntropyLoss",
            target="targets.float()" if binary else "targets",
        )

    header = (
        f'"""Training, part {index}."""\n\nimport torch\nimport torch.nn as nn\n\n'
        f"from synth.{model_module} import {model_class}\n"
    )
    parts = _fill(header, lines, block)
    parts.append(f"\n\ndef main(loader):\n    return train_{index}_0({model_class}(), loader)\n")
    return "".join(parts)


def write_tree(root: Path, files: int, lines: int = 300, seed: int = 0) -> Path:
    """A package `synth` of `files` modules under root; returns the package directory."""
    rng = random.Random(seed)
    package = Path(root) / "synth"
    package.mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text('"""A synthetic project for losslint\'s benchmark."""\n')
    models: list[tuple[str, str]] = []
    for index in range(max(files - 1, 1)):
        kind = index % 10
        if kind in (1, 5):
            name = f"models_{index}"
            (package / f"{name}.py").write_text(_models(rng, index, lines))
            models.append((name, f"Net{index}x0"))
        elif kind == 7 and models:
            module, cls = models[rng.randrange(len(models))]
            (package / f"train_{index}.py").write_text(_training(rng, index, lines, module, cls))
        else:
            (package / f"helpers_{index}.py").write_text(_helpers(rng, index, lines))
    return package


def write_big_file(path: Path, lines: int = 20_000, seed: int = 0) -> Path:
    """One module of about `lines` lines: models and their training, in one file."""
    rng = random.Random(seed)
    parts = ['"""One very long module."""\n\nimport torch\nimport torch.nn as nn\n']
    index = 0
    while sum(p.count("\n") for p in parts) < lines:
        parts.append(_models(rng, index, 40).split("\n", 4)[-1])
        parts.append(_TRAIN.format(name=f"train_{index}", epochs=3, lr=0.01, loss="CrossEntropyLoss", target="targets"))
        parts.append(_helpers(rng, index, 40).split("\n", 5)[-1])
        index += 1
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(parts))
    return path
