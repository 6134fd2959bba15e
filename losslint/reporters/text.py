"""Pieces shared by the human formats (`full`, `concise`): paths, headlines, summary."""

from __future__ import annotations

from losslint.core.findings import Finding, Site
from losslint.core.sources import display_path
from losslint.reporters.context import Context, Style


def location(site: Site) -> str:
    cell = f"cell {site.cell}:" if site.cell is not None else ""  # ruff's `nb.ipynb:cell 3:2:8`
    return f"{display_path(site.path)}:{cell}{site.start.row}:{site.start.column}"


def is_fixable(finding: Finding, context: Context | None = None) -> bool:
    return finding.fixable(unsafe=bool(context and context.unsafe_fixes))


def headline(finding: Finding, style: Style | None = None, context: Context | None = None) -> str:
    style = style or Style(False)
    where = style(location(finding.site), "bold")
    if finding.code is None:
        return f"{where}: {style(finding.name, 'bold', 'red')}: {finding.message}"
    code = style(finding.code, "bold", style.severity(finding.severity))
    fixable = " " + style("[*]", "cyan") if is_fixable(finding, context) else ""
    verdict = f" ({finding.verdict})" if finding.verdict else ""
    return f"{where}: {code}{fixable} {finding.name}{verdict}: {finding.message}"


def counted(severities: list[str]) -> str:
    """`2 errors`, `1 warning`, or `4 findings (1 error, 3 warnings)` when they differ."""
    if len(set(severities)) == 1:
        return plural(len(severities), severities[0])
    return f"{plural(len(severities), 'finding')} ({by_severity(severities)})"


def by_severity(severities: list[str]) -> str:
    """`1 error, 3 warnings`: errors first, a severity that does not occur left out."""
    kinds = sorted(set(severities), key=lambda s: (s != "error", s))
    return ", ".join(plural(severities.count(kind), kind) for kind in kinds)


def plural(count: int, word: str) -> str:
    """`1 error`, `2 errors`."""
    return f"{count} {word}{'s' if count != 1 else ''}"


def summary(findings: list[Finding], style: Style | None = None, context: Context | None = None) -> str:
    """ruff's closing lines: the count, and how many `--fix` / `--unsafe-fixes` would fix.

    ruff's `Found 3 errors.` when every finding is an error (and `Found 3 warnings.` when
    every one is a warning); otherwise `Found 4 findings (1 error, 3 warnings).`. After
    `--fix`: `Found 3 errors (1 fixed, 2 remaining).`, or with mixed severities
    `Found 5 findings (2 fixed, 3 remaining: 1 error, 2 warnings).`."""
    style = style or Style(False)
    fixed = context.fixed if context else 0
    if not findings and not fixed:
        return style("All checks passed!", "green", "bold") + "\n"
    remaining = [f.severity for f in findings]
    if fixed:
        # The severities of the fixed findings, when the caller knows them (else errors).
        known = context.fixed_severities[:fixed] if context else []
        everything = remaining + known + ["error"] * (fixed - len(known))
        if len(set(everything)) == 1:  # ruff's `Found 3 errors (1 fixed, 2 remaining).`
            text = f"Found {counted(everything)} ({fixed} fixed, {len(findings)} remaining).\n"
        else:
            left = f": {by_severity(remaining)}" if remaining else ""
            text = f"Found {plural(len(everything), 'finding')} ({fixed} fixed, {len(findings)} remaining{left}).\n"
    else:
        text = f"Found {counted(remaining)}.\n"
    fixable = sum(is_fixable(f, context) for f in findings)
    hidden = sum(f.fix is not None for f in findings) - fixable
    hint = ""
    if hidden:
        hint = f"{hidden} hidden fix{'es' if hidden != 1 else ''} can be enabled with the `--unsafe-fixes` option"
    if fixable:
        text += style("[*]", "cyan") + f" {fixable} fixable with the `--fix` option" + (f" ({hint})" if hint else "") + ".\n"
    elif hint:
        text += f"No fixes available ({hint}).\n"
    return text
