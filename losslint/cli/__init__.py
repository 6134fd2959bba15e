"""Command line: `losslint [check] PATHS`, `losslint rule CODE`, and the other subcommands.

One module per subcommand; each has `add_parser(subparsers)` and `run(args) -> exit code`.
Exit codes (ruff's): 0 clean, 1 findings, 2 usage/configuration/internal error.
"""

from __future__ import annotations

import argparse
import sys

from losslint import __version__
from losslint.cli import check, rule, server, trace
from losslint.cli.errors import EXIT_USAGE, UsageError

SUBCOMMANDS = {"check": check, "rule": rule, "server": server, "trace": trace}
class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, not argparse's usage dump
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="losslint", description="Find final activations that do not fit the loss.")
    parser.add_argument("--version", action="version", version=f"losslint {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    for module in SUBCOMMANDS.values():
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # `losslint src/` means `losslint check src/`, like ruff.
    if not argv or (argv[0] not in SUBCOMMANDS and argv[0] not in ("-h", "--help", "--version")):
        argv.insert(0, "check")
    try:
        args = build_parser().parse_args(argv)
        return SUBCOMMANDS[args.command].run(args)
    except UsageError as exc:
        print(f"losslint: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # noqa: BLE001 - last resort: one line, never a traceback
        print(f"losslint: internal error: {type(exc).__name__}: {exc} (please report it)", file=sys.stderr)
        return EXIT_USAGE
