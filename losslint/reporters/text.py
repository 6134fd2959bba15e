"""Human output: `concise` (one line a finding) and `full` (with the partner sites)."""

from __future__ import annotations

import os

from losslint.findings import Finding, Site


def display_path(path: str) -> str:
    """Paths relative to the current directory when below it, like ruff."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return path
    return path if relative.startswith("..") else relative


def location(site: Site) -> str:
    return f"{display_path(site.path)}:{site.start.row}:{site.start.column}"


def headline(finding: Finding) -> str:
    if finding.code is None:
        return f"{location(finding.site)}: {finding.name}: {finding.message}"
    fixable = " [*]" if finding.fix is not None and finding.fix.applicability == "safe" else ""
    verdict = f" ({finding.verdict})" if finding.verdict else ""
    return f"{location(finding.site)}: {finding.code}{fixable} {finding.name}{verdict}: {finding.message}"


def summary(findings: list[Finding]) -> str:
    if not findings:
        return "All checks passed!\n"
    count = len(findings)
    return f"Found {count} error{'s' if count != 1 else ''}.\n"


def concise(findings: list[Finding]) -> str:
    return "".join(headline(f) + "\n" for f in findings) + summary(findings)


def full(findings: list[Finding]) -> str:
    lines = []
    for finding in findings:
        lines.append(headline(finding))
        for related in finding.related:
            lines.append(f"  {location(related.site)}: {related.message}")
    body = "\n".join(lines) + ("\n" if lines else "")
    return body + summary(findings)
