"""The command line's errors, in a module of their own so that every subcommand can
raise them without importing the package that imports the subcommands."""

EXIT_USAGE = 2


class UsageError(Exception):
    """Bad input from the user: printed as one line, exit 2."""
