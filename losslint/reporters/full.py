"""`--output-format full` (the default): each finding with a source frame for its site and
for every partner site, and its fix as a unified diff. Like ruff's:

    models.py:12:9: LL103 softmax-before-cross-entropy (wrong): ...
       |
    11 |         nn.Linear(128, 10),
    12 |         nn.Softmax(dim=1),
       |         ^^^^^^^^^^^^^^^^^ LL103
    13 |     )
       |
       ::: train.py:30:16
       |
    30 |         loss = criterion(model(x), y)
       |                ^^^^^^^^^^^^^^^^^^^^^^ CrossEntropyLoss computed here
       |
       = unsafe fix: Remove the softmax from the model
"""

from __future__ import annotations

import difflib
import unicodedata
from collections import defaultdict

from losslint.core.findings import Edit, Finding, Site
from losslint.core.sources import display_path
from losslint.reporters.context import Context, Style
from losslint.reporters.text import headline, location, summary

CONTEXT_LINES = 2  # around a site, like ruff
MAX_SITE_LINES = 8  # a longer site shows its first and last lines around a `...`
TAB = "    "


def render(findings: list[Finding], context: Context | None = None) -> str:
    context = context or Context()
    style = Style(context.color)
    blocks = [_finding(f, context, style) for f in findings]
    text = "".join(block + "\n" for block in blocks)
    return text if context.quiet else text + summary(findings, style, context)


def _finding(finding: Finding, context: Context, style: Style) -> str:
    sites = [finding.site, *(r.site for r in finding.related)]
    width = max(len(str(s.end.row + CONTEXT_LINES)) for s in sites)
    pad = " " * width
    color = style.severity(finding.severity)
    lines = [headline(finding, style, context)]
    lines += _frame(finding.site, finding.code or finding.name, color, context, style, width)
    for related in finding.related:
        lines.append(f"{pad} {style(':::', 'blue', 'bold')} {location(related.site)}")
        lines += _frame(related.site, related.message, "cyan", context, style, width)
    if finding.evidence and finding.evidence.get("summary"):  # `check --trace`
        lines.append(f"{pad} {style('=', 'blue', 'bold')} {finding.evidence['summary']}")
    if finding.fix is not None:
        lines.append(f"{pad} {style('=', 'blue', 'bold')} {finding.fix.applicability} fix: {finding.fix.message}")
        lines += [f"{pad}   {line}" for line in fix_diff(finding.fix.edits, context, style)]
    return "\n".join(lines) + "\n"


def _frame(site: Site, label: str, color: str, context: Context, style: Style, width: int) -> list[str]:
    source = context.lines(site)
    if source is None or not 0 < site.start.row <= max(len(source), 1):
        return []
    source = source or [""]
    end_row = min(max(site.end.row, site.start.row), len(source))
    first = max(1, site.start.row - CONTEXT_LINES)
    last = min(len(source), end_row + CONTEXT_LINES)
    while first < site.start.row and not source[first - 1].strip():
        first += 1
    while last > end_row and not source[last - 1].strip():
        last -= 1
    marks = _underlines(site, source, end_row)
    label_row = max(marks) if marks else site.start.row
    bar = style("|", "blue", "bold")
    pad = " " * width
    out = [f"{pad} {bar}"]
    elided = False
    for row in range(first, last + 1):
        if site.start.row + 3 < row < end_row - 3 and end_row - site.start.row + 1 > MAX_SITE_LINES:
            if not elided:
                out.append(f"{style('...', 'blue', 'bold')}")
                elided = True
            continue
        number = style(f"{row:>{width}}", "blue", "bold")
        out.append(f"{number} {bar} {_expand(source[row - 1])}".rstrip())
        if row in marks:
            start, end = marks[row]
            carets = style("^" * (end - start), color, "bold")
            tail = f" {style(label, color, 'bold')}" if row == label_row and label else ""
            out.append(f"{pad} {bar} {' ' * start}{carets}{tail}")
    out.append(f"{pad} {bar}")
    return out


def _underlines(site: Site, source: list[str], end_row: int) -> dict[int, tuple[int, int]]:
    """row -> (start, end) display columns of the carets, for each row the site covers."""
    marks = {}
    for row in range(site.start.row, end_row + 1):
        text = source[row - 1]
        start = site.start.column - 1 if row == site.start.row else len(text) - len(text.lstrip())
        end = site.end.column - 1 if row == site.end.row else len(text)
        if row != site.start.row and end <= start:
            continue  # the site ends at the very start of this line
        start = min(start, len(text))
        begin, stop = _width(text[:start]), _width(text[: max(end, start)])
        marks[row] = (begin, max(stop, begin + 1))
    return marks


def _expand(text: str) -> str:
    return text.replace("\t", TAB)


def _width(text: str) -> int:
    """Terminal columns of a text: tabs as four, East Asian wide characters as two."""
    total = 0
    for char in text:
        if char == "\t":
            total += len(TAB)
        elif unicodedata.east_asian_width(char) in ("W", "F"):
            total += 2
        elif not unicodedata.combining(char):
            total += 1
    return total


def apply_edits(lines: list[str], edits: list[Edit]) -> list[str]:
    """The lines after the edits (1-based rows/columns, end exclusive, no overlaps)."""
    text = "\n".join(lines)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)

    def offset(row: int, column: int) -> int:
        row = min(max(row, 1), len(starts) - 1)
        return min(starts[row - 1] + column - 1, len(text))

    for edit in sorted(edits, key=lambda e: (e.site.start, e.site.end), reverse=True):
        start = offset(edit.site.start.row, edit.site.start.column)
        end = offset(edit.site.end.row, edit.site.end.column)
        text = text[:start] + edit.content + text[end:]
    return text.split("\n")


def fix_diff(edits: tuple[Edit, ...], context: Context, style: Style) -> list[str]:
    """A unified diff of what the fix changes, file by file (cell by cell in notebooks)."""
    by_file: dict[tuple[str, int | None], list[Edit]] = defaultdict(list)
    for edit in edits:
        by_file[(edit.site.path, edit.site.cell)].append(edit)
    out: list[str] = []
    for (path, cell), file_edits in sorted(by_file.items(), key=lambda item: (item[0][0], item[0][1] or 0)):
        before = context.lines(file_edits[0].site)
        if before is None:
            continue
        after = apply_edits(before, file_edits)
        name = display_path(path) + (f":cell {cell}" if cell is not None else "")
        for line in difflib.unified_diff(before, after, name, name, n=1, lineterm=""):
            color = {"-": "red", "+": "green", "@": "cyan"}.get(line[:1]) if not line.startswith(("---", "+++")) else "bold"
            out.append(style(_expand(line), color) if color else _expand(line))
    return out
