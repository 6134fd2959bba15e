"""Printing a check's result: the chosen format or --statistics, warnings, the exit code;
and `--add-noqa`."""

from __future__ import annotations

import sys

from losslint.core.findings import Finding
from losslint.engine import noqa
from losslint.reporters import HUMAN_FORMATS, REPORTERS, statistics
from losslint.reporters.context import Context, use_color


def context(args, fmt: str, sources: dict[str, str] | None = None, notebooks: dict | None = None) -> Context:
    return Context(
        color=fmt in HUMAN_FORMATS and use_color(args.color, sys.stdout),
        sources=dict(sources or {}),
        notebooks=dict(notebooks or {}),
        unsafe_fixes=bool(getattr(args, "unsafe_fixes", False)),
        quiet=args.quiet,
    )


def warn(args, warnings: list[str]) -> None:
    if args.quiet or args.silent:
        return
    for warning in warnings:
        print(f"losslint: warning: {warning}", file=sys.stderr)


def report(findings: list[Finding], args, fmt: str, ctx: Context) -> None:
    if args.silent:
        return
    if args.statistics:
        text = statistics.as_json(findings, ctx) if fmt == "json" else statistics.as_text(findings, ctx)
    else:
        text = REPORTERS[fmt](findings, ctx)
    sys.stdout.write(text)
    sys.stdout.flush()


def exit_code(findings: list[Finding], args, fixed: int = 0) -> int:
    """ruff's: 1 when findings remain (or, with --exit-non-zero-on-fix, when something
    was fixed); --exit-zero makes both 0. Errors (exit 2) never get here."""
    if args.exit_zero:
        return 0
    if args.exit_non_zero_on_fix and fixed:
        return 1
    return 1 if findings else 0


def add_noqa(findings: list[Finding], args) -> int:
    added = noqa.add_noqa(findings)
    warn(args, added.skipped)
    if not args.silent:
        plural = "" if added.lines == 1 else "s"
        print(f"Added {added.lines} noqa directive{plural}.", file=sys.stderr)
    return 0
