"""`losslint check --fix / --unsafe-fixes / --diff / --show-fixes`, like ruff's.

    --fix            apply the safe fixes, write the files, report what remains
    --unsafe-fixes   also apply (with --fix) or count as fixable (without) the unsafe ones
    --diff           print what --fix would change as a unified diff; write nothing;
                     exit 1 when there is a diff
    --show-fixes     after --fix, list what was fixed
Standard input (`-`) with --fix: the fixed code goes to stdout, the report to stderr.
"""

from __future__ import annotations

import difflib
import sys
from collections import Counter
from typing import TYPE_CHECKING

from losslint import linter, notebook
from losslint.cli import output
from losslint.reporters import HUMAN_FORMATS, REPORTERS
from losslint.reporters.text import display_path

if TYPE_CHECKING:
    from losslint.fixes import apply


def add_arguments(parser) -> None:
    group = parser.add_argument_group("fixes")
    group.add_argument("--fix", action="store_true", help="apply the safe fixes and report what remains")
    group.add_argument(
        "--unsafe-fixes",
        action="store_true",
        help="also apply the unsafe fixes (they change what the model outputs; read their messages)",
    )
    group.add_argument("--diff", action="store_true", help="print the changes --fix would make as a diff; write nothing")
    group.add_argument("--show-fixes", action="store_true", help="with --fix, list what was fixed")


def requested(args) -> bool:
    return bool(getattr(args, "fix", False) or getattr(args, "diff", False))


def run(args, settings, fmt: str, result: linter.Result, stdin_sources: dict[str, str]) -> int:
    """Fix, then report. `stdin_sources` is the stdin source ({path: text}) or empty."""
    from losslint.fixes import apply, files  # libcst: only when fixing

    sources = dict(stdin_sources or result.sources)
    linted = [f for f in result.findings if f.site.path in sources]
    unreadable = [f for f in result.findings if f.site.path not in sources]  # io errors stay
    outcome = apply.fix_sources(sources, lambda s: linter.check_sources(s, settings), args.unsafe_fixes, linted)
    remaining = sorted(outcome.findings + unreadable, key=lambda f: f.sort_key())
    if getattr(args, "trace", False) and not args.diff:
        from losslint.cli import trace as tracing

        tracing.attach_evidence(remaining, args)
    if args.diff:
        return _diff(args, sources, outcome, remaining)
    if stdin_sources:
        return _stdin(args, fmt, sources, outcome, remaining)
    from losslint.cli import UsageError

    try:
        files.write_all(outcome.changed, sources)
    except files.WriteError as exc:
        raise UsageError(f"{exc}") from None
    notebooks = {path: notebook.read(path) for path in result.notebooks} if outcome.changed else result.notebooks
    located = notebook.locate(remaining, notebooks)
    ctx = output.context(args, fmt, {}, notebooks)
    ctx.fixed = len(outcome.applied)
    output.report(located, args, fmt, ctx)
    if args.show_fixes and not args.silent:
        stream = sys.stdout if fmt in HUMAN_FORMATS else sys.stderr
        stream.write(fixed_list(outcome.applied))
    return output.exit_code(remaining, args, fixed=len(outcome.applied))


def _diff(args, sources: dict[str, str], outcome: apply.Outcome, remaining) -> int:
    text = unified_diff(sources, outcome.changed)
    if not args.silent:
        sys.stdout.write(text)
        count = len(outcome.applied)
        if not args.quiet:
            print(f"Would fix {count} error{'s' if count != 1 else ''} ({len(remaining)} remaining).", file=sys.stderr)
    return 1 if text and not args.exit_zero else 0


def _stdin(args, fmt: str, sources: dict[str, str], outcome: apply.Outcome, remaining) -> int:
    (path, original), = sources.items()
    sys.stdout.write(outcome.sources.get(path, original))
    sys.stdout.flush()
    if not args.silent:
        ctx = output.context(args, fmt, outcome.sources)
        ctx.color = False
        ctx.fixed = len(outcome.applied)
        sys.stderr.write(REPORTERS[fmt](remaining, ctx))
    return output.exit_code(remaining, args, fixed=len(outcome.applied))


def unified_diff(sources: dict[str, str], changed: dict[str, str]) -> str:
    chunks = []
    for path in sorted(changed):
        name = display_path(path)
        before = sources[path].splitlines(keepends=True)
        after = changed[path].splitlines(keepends=True)
        lines = list(difflib.unified_diff(before, after, name, name))
        chunks.append("".join(line if line.endswith(("\n", "\r")) else line + "\n" for line in lines))
    return "".join(chunks)


def fixed_list(applied: list[apply.Applied]) -> str:
    """ruff's --show-fixes list: per file, how many findings of each rule were fixed."""
    if not applied:
        return "No errors fixed.\n"
    by_file: dict[str, Counter] = {}
    for item in applied:
        by_file.setdefault(item.finding.site.path, Counter())[(item.finding.code, item.finding.name)] += 1
    count = len(applied)
    lines = [f"Fixed {count} error{'s' if count != 1 else ''}:"]
    for path in sorted(by_file):
        lines.append(f"- {display_path(path)}:")
        for (code, name), n in sorted(by_file[path].items()):
            lines.append(f"    {n} × {code} ({name})")
    return "\n".join(lines) + "\n"
