"""`losslint check --fix / --unsafe-fixes / --diff / --show-fixes`, like ruff's.

    --fix            apply the safe fixes, write the files, report what remains
    --unsafe-fixes   also apply (with --fix) or count as fixable (without) the unsafe ones
    --diff           print what --fix would change as a unified diff; write nothing;
                     exit 1 when there is a diff
    --show-fixes     after --fix, list what was fixed
Standard input (`-`) with --fix: the fixed code goes to stdout, the report to stderr;
for a notebook (--stdin-filename x.ipynb), the notebook's JSON with the fixed cells.
In notebooks --diff shows each changed cell, like ruff.
"""

from __future__ import annotations

import difflib
import sys
from collections import Counter
from typing import TYPE_CHECKING

import click

from losslint import documents
from losslint.cli import output
from losslint.cli.errors import UsageError
from losslint.cli.layout import Option
from losslint.core import notebook
from losslint.core.sources import display_path
from losslint.engine import context, linter
from losslint.reporters import HUMAN_FORMATS, REPORTERS
from losslint.reporters.text import by_severity, counted, plural

if TYPE_CHECKING:
    from losslint.fixes import apply


def params() -> list[click.Parameter]:
    return [
        Option(["--fix"], is_flag=True, help="Apply the safe fixes and report what remains"),
        Option(["--unsafe-fixes"], is_flag=True,
               help="Also apply the unsafe fixes (they change what the model outputs; read their messages)"),
        Option(["--diff"], is_flag=True, help="Print the changes --fix would make as a diff; write nothing"),
        Option(["--show-fixes"], is_flag=True, help="With --fix, list what was fixed"),
    ]


def requested(args) -> bool:
    return bool(getattr(args, "fix", False) or getattr(args, "diff", False))


def run(args, settings, fmt: str, result: linter.Result, stdin_sources: dict[str, str]) -> int:
    """Fix, then report. `stdin_sources` is the stdin source ({path: text}) or empty."""
    from losslint.fixes import apply, files  # libcst: only when fixing

    sources = _stdin_linted(stdin_sources, result) if stdin_sources else dict(result.sources)
    linted = [f for f in result.findings if f.site.path in sources]
    unreadable = [f for f in result.findings if f.site.path not in sources]  # io errors stay
    scope = None if stdin_sources else result.scope  # named files in their project: fix only theirs

    def check(fixed: dict[str, str]) -> list:
        return context.narrow(linter.check_sources(fixed, settings), scope)

    outcome = apply.fix_sources(sources, check, args.unsafe_fixes, linted)
    remaining = sorted(outcome.findings + unreadable, key=lambda f: f.sort_key())
    if getattr(args, "trace", False) and not args.diff:
        from losslint.cli import trace as tracing

        tracing.attach_evidence(remaining, args)
    if args.diff:
        return _diff(args, sources, outcome, remaining, result.notebooks)
    if stdin_sources:
        return _stdin(args, fmt, stdin_sources, result.notebooks, outcome, remaining)
    try:
        files.write_all(outcome.changed, sources)
    except files.WriteError as exc:
        raise UsageError(f"{exc}") from None
    except files.Interrupted as exc:
        print(f"losslint: interrupted by {exc}; the files being fixed were put back as they were", file=sys.stderr)
        return 128 + exc.signum
    notebooks = {path: _reread(path) for path in result.notebooks} if outcome.changed else result.notebooks
    located = notebook.locate(remaining, notebooks)
    ctx = output.context(args, fmt, {}, notebooks)
    ctx.fixed = len(outcome.applied)
    ctx.fixed_severities = [item.finding.severity for item in outcome.applied]
    output.report(located, args, fmt, ctx)
    if args.show_fixes and not args.silent:
        stream = sys.stdout if fmt in HUMAN_FORMATS else sys.stderr
        stream.write(fixed_list(outcome.applied))
    return output.exit_code(remaining, args, fixed=len(outcome.applied))


def _reread(path: str):
    return notebook.read(path) if notebook.is_notebook(path) else documents.read(path)


def _stdin_linted(stdin_sources: dict[str, str], result: linter.Result) -> dict[str, str]:
    """What was linted from stdin, which the fixes edit: a notebook's joined cells (none
    when its JSON did not parse), not its JSON."""
    (path, text), = stdin_sources.items()
    book = result.notebooks.get(path)
    if not notebook.is_notebook(path):
        return {path: book.source if book is not None else text}  # a document: its joined blocks
    return {path: book.source} if book is not None else {}


def _diff(args, sources: dict[str, str], outcome: apply.Outcome, remaining, notebooks: dict) -> int:
    text = unified_diff(sources, outcome.changed, notebooks)
    if not args.silent:
        sys.stdout.write(text)
        if not args.quiet:
            print(would_fix(outcome.applied, len(remaining)), file=sys.stderr)
    return 1 if text and not args.exit_zero else 0


def would_fix(applied: list[apply.Applied], remaining: int) -> str:
    """ruff's `Would fix 2 errors (1 remaining).`; with mixed severities
    `Would fix 3 findings (1 error, 2 warnings; 1 remaining).`"""
    severities = [item.finding.severity for item in applied]
    if len(set(severities)) > 1:
        return f"Would fix {plural(len(severities), 'finding')} ({by_severity(severities)}; {remaining} remaining)."
    return f"Would fix {plural(len(severities), severities[0] if severities else 'error')} ({remaining} remaining)."


def _stdin(args, fmt: str, stdin_sources: dict[str, str], notebooks: dict, outcome: apply.Outcome, remaining) -> int:
    """The fixed text on stdout (unchanged when nothing was fixed, or when it did not
    parse), the report on stderr, its frames taken from the fixed text."""
    (path, original), = stdin_sources.items()
    book = notebooks.get(path)
    if isinstance(book, notebook.Notebook):  # the fixed cells back into the notebook's JSON
        text = notebook.apply_source(book, outcome.sources[path])
        fixed_books = {path: notebook.parse(text, path)}
        remaining = notebook.locate(remaining, fixed_books)
        frames: dict[str, str] = {}
    elif book is not None:  # a document: the fixed blocks back into its text
        text = book.apply_source(outcome.sources[path])
        fixed_books = {path: documents.embedded(path, text) or book}
        remaining = notebook.locate(remaining, fixed_books)
        frames = {path: text}
    else:
        text = outcome.sources.get(path, original)
        fixed_books = {}
        frames = {path: text}
    sys.stdout.write(text)
    sys.stdout.flush()
    if not args.silent:
        ctx = output.context(args, fmt, frames, fixed_books)
        ctx.color = False
        ctx.fixed = len(outcome.applied)
        ctx.fixed_severities = [item.finding.severity for item in outcome.applied]
        sys.stderr.write(REPORTERS[fmt](remaining, ctx))
    return output.exit_code(remaining, args, fixed=len(outcome.applied))


def unified_diff(sources: dict[str, str], changed: dict[str, str], notebooks: dict | None = None) -> str:
    chunks = []
    for path in sorted(changed):
        name = display_path(path)
        book = (notebooks or {}).get(path)
        if isinstance(book, notebook.Notebook):  # rows of the joined cells mean nothing to a reader
            chunks.append(cell_diff(book, changed[path], name))
            continue
        before = sources[path].splitlines(keepends=True)
        after = changed[path].splitlines(keepends=True)
        if book is not None:  # a document: the diff of the document itself
            before, after = book.text.splitlines(keepends=True), book.apply_source(changed[path]).splitlines(keepends=True)
        lines = list(difflib.unified_diff(before, after, name, name))
        chunks.append("".join(line if line.endswith(("\n", "\r")) else line + "\n" for line in lines))
    return "".join(chunks)


def cell_diff(book: notebook.Notebook, fixed_source: str, name: str) -> str:
    """A unified diff per changed code cell (`--- name:cell 3`), rows within the cell."""
    after = notebook.parse(notebook.apply_source(book, fixed_source), book.path)
    chunks = []
    for number, cell in enumerate(book.data["cells"], 1):
        if cell.get("cell_type") != "code":
            continue
        label = f"{name}:cell {number}"
        lines = difflib.unified_diff(book.cell_lines(number), after.cell_lines(number), label, label, lineterm="")
        chunks.extend(line + "\n" for line in lines)
    return "".join(chunks)


def fixed_list(applied: list[apply.Applied]) -> str:
    """ruff's --show-fixes list: per file, how many findings of each rule were fixed."""
    if not applied:
        return "No errors fixed.\n"
    by_file: dict[str, Counter] = {}
    for item in applied:
        by_file.setdefault(item.finding.site.path, Counter())[(item.finding.code, item.finding.name)] += 1
    lines = [f"Fixed {counted([item.finding.severity for item in applied])}:"]
    for path in sorted(by_file):
        lines.append(f"- {display_path(path)}:")
        for (code, name), n in sorted(by_file[path].items()):
            lines.append(f"    {n} × {code} ({name})")
    return "\n".join(lines) + "\n"
