"""Command line (click): `losslint [check] PATHS`, `losslint rule CODE`, and the other subcommands.

One module per subcommand; each defines `command` (a click command whose callback builds a
namespace of the options and calls `run(args) -> exit code`). Exit codes (ruff's): 0 clean,
1 findings, 2 usage/configuration/internal error, printed as one line `losslint: error: ...`.

Start-up: a subcommand's module is imported only when that subcommand runs (click's lazy
group pattern: commands are found by import path; --help lists them from HELP alone), and
`--version` imports nothing beyond losslint/__init__.py (see __main__.py).

Shell completion is click's: `_LOSSLINT_COMPLETE=bash_source losslint` prints the script
(docs/usage.md).
"""

from __future__ import annotations

import importlib
import os
import sys

import click

from losslint import __version__
from losslint.cli.errors import EXIT_USAGE, UsageError  # noqa: F401 - UsageError: re-exported
from losslint.cli.layout import summary

# Each subcommand's one-line help, for --help without importing the subcommands.
HELP = {
    "check": "Lint files and directories (the default command)",
    "rule": "Show a rule's documentation",
    "server": "Run the language server for editors (LSP over stdio; needs `pip install 'losslint[server]'`)",
    "trace": "Run an activation/loss pair with torch and measure it (needs torch)",
}
SUBCOMMANDS = tuple(HELP)
DEFAULT = "check"
COMPLETE_VARIABLE = "_LOSSLINT_COMPLETE"
GROUP_OPTIONS = ("-h", "--help", "-V", "--version")


def command_first(argv: list[str]) -> list[str]:
    """`losslint --no-cache check .` -> `losslint check --no-cache .`: options may come
    before the subcommand. A word that names an existing path stays a path."""
    if not argv or argv[0] in SUBCOMMANDS or not argv[0].startswith("-"):
        return argv
    for index, word in enumerate(argv):
        if word == "--":
            break
        if word in SUBCOMMANDS and not os.path.exists(word):
            return [word, *argv[:index], *argv[index + 1 :]]
    return argv


def with_default(argv: list[str]) -> list[str]:
    """`losslint src/` means `losslint check src/`, and `losslint` alone `losslint check`, like ruff."""
    if argv and (argv[0] in SUBCOMMANDS or argv[0] in GROUP_OPTIONS):
        return argv
    return [DEFAULT, *argv]


class Group(click.Group):
    """The `losslint` group: lazy subcommands (imported by name when they run), a default
    command, and options accepted before the subcommand."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(SUBCOMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in SUBCOMMANDS:
            return None
        return importlib.import_module(f"losslint.cli.{name}").command

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        args = command_first(list(args))
        if args or not ctx.resilient_parsing:  # completing `losslint <TAB>`: offer the subcommands
            args = with_default(args)
        return super().parse_args(ctx, args)

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        summary(self, formatter)
        self.format_usage(ctx, formatter)
        with formatter.section("Commands"):
            formatter.write_dl([(name, HELP[name]) for name in self.list_commands(ctx)])
        self.format_options(ctx, formatter)
        formatter.write_paragraph()
        formatter.write_text(f"For help with a specific command, see: `{ctx.command_path} <COMMAND> --help`.")

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        records = [p.get_help_record(ctx) for p in self.get_params(ctx)]
        with formatter.section("Options"):
            formatter.write_dl(sorted(r for r in records if r is not None))


def _version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(f"losslint {__version__}")
        ctx.exit(0)


cli = Group(
    "losslint",
    help="losslint: find final activations that do not fit the loss.",
    options_metavar="[OPTIONS]",
    subcommand_metavar="[COMMAND] [PATHS]...",
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    params=[
        click.Option(["-V", "--version"], is_flag=True, expose_value=False, is_eager=True, callback=_version,
                     help="Print the version and exit"),
    ],
)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv == ["--version"]:
        print(f"losslint {__version__}")
        return 0
    instruction = os.environ.get(COMPLETE_VARIABLE)
    if instruction:
        from click.shell_completion import shell_complete

        return shell_complete(cli, {}, "losslint", COMPLETE_VARIABLE, instruction)
    try:
        with cli.make_context("losslint", argv) as ctx:
            return cli.invoke(ctx)
    except click.exceptions.Exit as exc:  # --help, --version
        return exc.exit_code
    except click.UsageError as exc:  # click's: a bad option or value; one line, not a usage dump
        where = exc.ctx.command_path if exc.ctx is not None else "losslint"
        print(f"losslint: error: {exc.format_message()} (see `{where} --help`)", file=sys.stderr)
        return EXIT_USAGE
    except click.ClickException as exc:  # ours (UsageError): configuration and input errors
        print(f"losslint: error: {exc.format_message()}", file=sys.stderr)
        return exc.exit_code
    except (KeyboardInterrupt, click.Abort):
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # noqa: BLE001 - last resort: one line, never a traceback
        print(f"losslint: internal error: {type(exc).__name__}: {exc} (please report it)", file=sys.stderr)
        return EXIT_USAGE
