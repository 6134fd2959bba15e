"""Which files to lint, from the paths given on the command line."""

from __future__ import annotations

import os
from pathlib import Path

# Like ruff's defaults: never descend into these.
DEFAULT_EXCLUDES = frozenset(
    {
        ".bzr", ".direnv", ".eggs", ".git", ".git-rewrite", ".hg", ".ipynb_checkpoints",
        ".mypy_cache", ".nox", ".pants.d", ".pyenv", ".pytest_cache", ".pytype", ".ruff_cache",
        ".svn", ".tox", ".venv", ".vscode", "__pypackages__", "_build", "buck-out", "build",
        "dist", "node_modules", "site-packages", "venv", ".losslint_cache", "__pycache__",
    }
)


class PathNotFound(Exception):
    pass


def discover(paths: list[str]) -> list[Path]:
    """Python files under `paths`, sorted, each once. Named files are always included."""
    found: dict[Path, None] = {}
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise PathNotFound(raw)
        if path.is_file():
            found[path.resolve()] = None
            continue
        for dirpath, dirnames, filenames in os.walk(path):
            dirnames[:] = sorted(d for d in dirnames if d not in DEFAULT_EXCLUDES)
            for name in sorted(filenames):
                if name.endswith((".py", ".pyi")):
                    found[(Path(dirpath) / name).resolve()] = None
    return sorted(found)
