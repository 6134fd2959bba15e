"""`--output-format github`: GitHub Actions workflow commands, one annotation a finding.

    ::error title=losslint (LL103),file=src/m.py,line=12,col=24,endLine=12,endColumn=42::src/m.py:12:24: LL103 ...

`::error` for a wrong pair (and syntax/io errors), `::warning` for acceptable ones and
meta rules. Paths are relative to $GITHUB_WORKSPACE (else the current directory). The
partner sites follow the message on their own lines (an annotation shows them).
GitHub shows at most 10 annotations of each level per step; SARIF has no such limit.
"""

from __future__ import annotations

import os
from pathlib import Path

from losslint.core.findings import Finding, Site
from losslint.reporters.context import Context


def workspace() -> Path:
    return Path(os.environ.get("GITHUB_WORKSPACE") or os.getcwd()).resolve()


def workspace_path(path: str, root: Path | None = None) -> str:
    """A path relative to the workspace, `/`-separated, without `./`; absolute outside it."""
    root = root or workspace()
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(root).as_posix()
    except ValueError:
        try:
            return absolute.resolve().relative_to(root).as_posix()
        except ValueError:
            return absolute.as_posix()


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _where(site: Site, root: Path) -> str:
    path = workspace_path(site.path, root)
    cell = f"cell {site.cell}:" if site.cell is not None else ""
    return f"{path}:{cell}{site.start.row}:{site.start.column}"


def annotation(finding: Finding, root: Path) -> str:
    level = "error" if finding.severity == "error" else "warning"
    site = finding.site
    label = finding.code or finding.name
    params = [("title", f"losslint ({label})"), ("file", workspace_path(site.path, root))]
    if site.cell is None:  # a notebook's rows are not lines of the .ipynb file
        params += [
            ("line", str(site.start.row)),
            ("col", str(site.start.column)),
            ("endLine", str(site.end.row)),
            ("endColumn", str(site.end.column)),
        ]
    message = f"{_where(site, root)}: {label} {finding.message}"
    for related in finding.related:
        message += f"\n{_where(related.site, root)}: {related.message}"
    if finding.evidence is not None:  # `--trace`: the tracer's one-line summary
        message += f"\n{finding.evidence['summary']}"
    rendered = ",".join(f"{key}={escape_property(value)}" for key, value in params)
    return f"::{level} {rendered}::{escape_data(message)}"


def render(findings: list[Finding], context: Context | None = None) -> str:
    root = workspace()
    return "".join(annotation(f, root) + "\n" for f in findings)
