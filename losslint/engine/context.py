"""Files named on the command line, judged in the context of their project.

A mistake spans two files (the activation in the model, the loss in the training loop),
but pre-commit passes only the staged files: `losslint model.py` alone would see no pair.
So a named file inside a project (the nearest directory up with pyproject.toml or .git,
as for the cache) is checked together with the project's other files (the prefilter
parses only those that matter; the fact cache has the rest), and the findings are then
narrowed to the named files: every finding with a site (its own or its partner's) in
one of them, and only those.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from losslint.core.findings import Finding
from losslint.core.sources import marked_root

MARKERS = ("pyproject.toml", ".git")


def roots(paths: Iterable[str]) -> list[Path]:
    """The project roots of the named files (directories need none: they are walked)."""
    found: dict[Path, None] = {}
    for raw in paths:
        path = Path(raw)
        if path.is_dir() or not path.exists():
            continue
        root = marked_root(path.absolute().parent)
        if root is not None:
            found[root] = None
    return list(found)


def narrow(findings: list[Finding], scope: set[str] | None) -> list[Finding]:
    """The findings with a site in `scope` (paths as the linter keys them); all when None."""
    if scope is None:
        return findings
    return [f for f in findings if f.site.path in scope or any(r.site.path in scope for r in f.related)]
