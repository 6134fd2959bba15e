"""Fix small projects written to a temporary directory."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

from losslint.core.findings import Finding
from losslint.engine import linter
from losslint.fixes import apply


def dedent(source: str) -> str:
    return textwrap.dedent(source).lstrip("\n")


def write(tmp_path: Path, files: dict[str, str]) -> None:
    for name, source in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dedent(source))


@dataclass
class Fixed:
    before: list[Finding]  # findings of the original files, with their fixes
    after: list[Finding]  # what remains once fixed
    changed: dict[str, str]  # relative name -> fixed text
    applied: list[apply.Applied]

    def fix_of(self, code: str):
        fixes = [f.fix for f in self.before if f.code == code]
        assert len(fixes) == 1, [(f.code, f.site) for f in self.before]
        return fixes[0]


def fix(tmp_path: Path, files: dict[str, str], unsafe: bool = True) -> Fixed:
    """Write the files, fix them in memory (nothing is written) and check that the result
    compiles and is stable: fixing it again changes nothing."""
    write(tmp_path, files)
    result = linter.check_paths([str(tmp_path)])
    outcome = apply.fix_sources(result.sources, linter.check_sources, unsafe, result.findings)
    for path, text in outcome.changed.items():
        compile(text, path, "exec")
    again = apply.fix_sources(outcome.sources, linter.check_sources, unsafe)
    assert again.changed == {}, "fixing a fixed project changed it again"
    changed = {str(Path(p).relative_to(tmp_path)): text for p, text in outcome.changed.items()}
    return Fixed(result.findings, outcome.findings, changed, outcome.applied)


def expect(tmp_path: Path, before: dict[str, str], after: dict[str, str], unsafe: bool = True) -> Fixed:
    """Fixing `before` changes exactly the files in `after`, to exactly that text, and
    leaves no finding of the rules it fixed."""
    fixed = fix(tmp_path, before, unsafe)
    expected = {name: dedent(text) for name, text in after.items()}
    assert sorted(fixed.changed) == sorted(expected)
    for name, text in expected.items():
        assert fixed.changed[name] == text, f"{name}:\n{fixed.changed[name]}"
    fixed_codes = {a.finding.code for a in fixed.applied}
    assert not [f for f in fixed.after if f.code in fixed_codes], [f.code for f in fixed.after]
    return fixed
