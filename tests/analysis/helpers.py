"""Lint small projects written to a temporary directory."""

from __future__ import annotations

import textwrap
from pathlib import Path

from losslint.engine import linter


def lint(tmp_path: Path, files: dict[str, str]):
    """Write {relative path: source} under tmp_path and lint the whole directory."""
    for name, source in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source).lstrip("\n"))
    return linter.check_paths([str(tmp_path)]).findings


def codes(tmp_path: Path, files: dict[str, str]) -> list[str]:
    return sorted(f.code or f.name for f in lint(tmp_path, files))


def one(tmp_path: Path, files: dict[str, str]):
    findings = lint(tmp_path, files)
    assert len(findings) == 1, [f"{f.code} {f.site}" for f in findings]
    return findings[0]


def pairs(tmp_path: Path, files: dict[str, str]) -> list[tuple[str, str]]:
    """The (activation, loss) pairs the analyzer sees, before any verdict."""
    from losslint import analysis

    facts = []
    for name, source in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source).lstrip("\n"))
        facts.append(analysis.file_facts(str(path), path.read_text()))
    result = analysis.analyze(facts)
    return sorted({(p.activation, p.use.loss) for p in result.pairs})
