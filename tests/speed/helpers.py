"""Small projects on disk, and running losslint on them with given speed options."""

from __future__ import annotations

import textwrap
from pathlib import Path

from losslint import collect, linter
from losslint.collect import RunOptions


def write(root: Path, files: dict[str, str]) -> Path:
    for name, source in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source).lstrip("\n"))
    return root


def findings(root: Path, **options) -> list[tuple[str, str, int]]:
    """(code or name, file name, row) of every finding, with collect.RunOptions(**options)."""
    result = linter.check_paths([str(root)], run=RunOptions(**options))
    return sorted((f.code or f.name, Path(f.site.path).name, f.site.start.row) for f in result.findings)


def collected(root: Path, **options) -> collect.Collected:
    sources = {str(p): p.read_text() for p in sorted(root.rglob("*.py"))}
    return collect.collect(sources, RunOptions(**options))


def parsed_names(result: collect.Collected) -> set[str]:
    return {Path(path).name for path, facts in result.facts.items() if facts.syntax_error is None}
