"""`losslint check [PATHS]`: lint files and report findings."""

from __future__ import annotations

import sys

from losslint import linter
from losslint.discovery import PathNotFound
from losslint.reporters import REPORTERS


def add_parser(sub) -> None:
    parser = sub.add_parser("check", help="lint files and directories (the default command)")
    parser.add_argument("paths", nargs="*", default=["."], help="files or directories (default: .)")
    parser.add_argument(
        "--output-format",
        choices=sorted(REPORTERS),
        default="full",
        help="how findings are printed (default: full)",
    )


def run(args) -> int:
    from losslint.cli import UsageError

    try:
        result = linter.check_paths(args.paths)
    except PathNotFound as exc:
        raise UsageError(f"path does not exist: {exc}") from None
    sys.stdout.write(REPORTERS[args.output_format](result.findings))
    return 1 if result.findings else 0
