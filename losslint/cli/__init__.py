"""Command line: `losslint [check] PATHS`, `losslint rule CODE`, and the other subcommands.

One module per subcommand; each has `add_parser(subparsers)` and `run(args) -> exit code`.
Exit codes (ruff's): 0 clean, 1 findings, 2 usage/configuration/internal error.

Start-up: only the module of the subcommand that runs is imported (the others are listed
in --help from HELP alone), and `--version` imports nothing beyond losslint/__init__.py.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from losslint import __version__
from losslint.cli.errors import EXIT_USAGE, UsageError  # noqa: F401 - UsageError: re-exported

# Each subcommand's one-line help, for --help without importing the other subcommands.
HELP = {
    "check": "lint files and directories (the default command)",
    "rule": "show a rule's documentation",
    "server": "run the language server for editors (LSP over stdio; needs `pip install 'losslint[server]'`)",
    "trace": "run an activation/loss pair with torch and measure it (needs torch)",
}
SUBCOMMANDS = tuple(HELP)


def command_module(name: str):
    return importlib.import_module(f"losslint.cli.{name}")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, not argparse's usage dump
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; the subcommands' own options only for `command` (all when None)."""
    parser = _Parser(prog="losslint", description="Find final activations that do not fit the loss.")
    parser.add_argument("--version", action="version", version=f"losslint {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    for name in SUBCOMMANDS:
        if command is None or name == command:
            command_module(name).add_parser(sub)
        else:
            sub.add_parser(name, help=HELP[name])
    return parser


def _command_first(argv: list[str]) -> list[str]:
    """`losslint --no-cache check .` -> `losslint check --no-cache .`: options may come
    before the subcommand. A word that names an existing path stays a path."""
    import os

    if not argv or argv[0] in SUBCOMMANDS or not argv[0].startswith("-"):
        return argv
    for index, word in enumerate(argv):
        if word == "--":
            break
        if word in SUBCOMMANDS and not os.path.exists(word):
            return [word, *argv[:index], *argv[index + 1 :]]
    return argv


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv == ["--version"]:
        print(f"losslint {__version__}")
        return 0
    argv = _command_first(argv)
    # `losslint src/` means `losslint check src/`, like ruff.
    if not argv or (argv[0] not in SUBCOMMANDS and argv[0] not in ("-h", "--help", "--version")):
        argv.insert(0, "check")
    command = argv[0] if argv[0] in SUBCOMMANDS else None
    try:
        args = build_parser(command).parse_args(argv)
        return command_module(args.command).run(args)
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
