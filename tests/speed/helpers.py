"""Small projects on disk, and running losslint on them with given speed options."""

from __future__ import annotations

from pathlib import Path

from losslint.engine import collect, linter
from losslint.engine.collect import RunOptions
from tests.cli.helpers import write  # noqa: F401  (write {name: dedented source} under root)


def findings(root: Path, **options) -> list[tuple[str, str, int]]:
    """(code or name, file name, row) of every finding, with collect.RunOptions(**options)."""
    result = linter.check_paths([str(root)], run=RunOptions(**options))
    return sorted((f.code or f.name, Path(f.site.path).name, f.site.start.row) for f in result.findings)


def collected(root: Path, **options) -> collect.Collected:
    sources = {str(p): p.read_text() for p in sorted(root.rglob("*.py"))}
    return collect.collect(sources, RunOptions(**options))


def parsed_names(result: collect.Collected) -> set[str]:
    return {Path(path).name for path, facts in result.facts.items() if facts.syntax_error is None}
