"""The command line's errors, in a module of their own so that every subcommand can
raise them without importing the package that imports the subcommands."""

import click

EXIT_USAGE = 2


class UsageError(click.ClickException):
    """Bad input or configuration from the user: printed as one line, exit 2 (click's
    ClickException would exit 1)."""

    exit_code = EXIT_USAGE
