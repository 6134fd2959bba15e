"""`losslint check` options for output, configuration, discovery and suppression, and
what they resolve to (Settings, the stdin source, the files to lint)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from losslint.cli.errors import UsageError
from losslint.cli.layout import Option
from losslint.core import notebook
from losslint.engine import config, linter
from losslint.engine.discovery import STDIN, find_files, read_stdin
from losslint.reporters import REPORTERS

FORMAT_VARIABLE = "LOSSLINT_OUTPUT_FORMAT"


def _codes(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _code_list(ctx, param, values: tuple[str, ...]) -> list[str] | None:
    """`--select A,B --select C` -> [A, B, C]; None when the option is not given."""
    return [code for value in values for code in _codes(value)] if values else None


def _code_list_or_empty(ctx, param, values: tuple[str, ...]) -> list[str]:
    return _code_list(ctx, param, values) or []


def params() -> list[click.Parameter]:
    output, conf, src = "Output", "Configuration", "Input and suppression"
    return [
        Option(
            ["--output-format"],
            section=output,
            type=click.Choice(sorted(REPORTERS)),
            value_name="FORMAT",
            help=f"How findings are printed (default: full, or ${FORMAT_VARIABLE})",
        ),
        Option(["--statistics"], section=output, is_flag=True,
               help="Print how many findings each rule has, not the findings"),
        Option(["--exit-zero"], section=output, is_flag=True, help="Exit 0 even when findings remain"),
        Option(["--exit-non-zero-on-fix"], section=output, is_flag=True,
               help="Exit 1 when a fix was applied, even if no finding remains"),
        Option(["-q", "--quiet"], section=output, is_flag=True, help="Print the findings only, nothing else"),
        Option(["-s", "--silent"], section=output, is_flag=True, help="Print nothing; the exit code tells"),
        Option(
            ["--color"],
            section=output,
            type=click.Choice(("auto", "always", "never")),
            default="auto",
            value_name="WHEN",
            help="Colour for the human formats (auto: on a terminal; NO_COLOR and FORCE_COLOR are honoured)",
        ),
        Option(["--config"], section=conf, multiple=True, metavar="PATH|KEY=VALUE",
               help="A configuration file to use instead of the nearest one, or a TOML `key = value` override"),
        Option(["--isolated"], section=conf, is_flag=True, help="Ignore every configuration file"),
        Option(["--select"], section=conf, multiple=True, metavar="CODES", callback=_code_list,
               help="Rules to enable (codes, names or prefixes), replacing the configured set"),
        Option(["--extend-select"], section=conf, multiple=True, metavar="CODES", callback=_code_list_or_empty,
               help="Rules to enable on top of the configured set"),
        Option(["--ignore"], section=conf, multiple=True, metavar="CODES", callback=_code_list_or_empty,
               help="Rules to disable"),
        Option(["--exclude"], section=conf, multiple=True, metavar="PATTERNS", callback=_code_list,
               help="File patterns to exclude, replacing the defaults"),
        Option(["--extend-exclude"], section=conf, multiple=True, metavar="PATTERNS", callback=_code_list_or_empty,
               help="File patterns to exclude on top of the defaults"),
        Option(["--include"], section=conf, multiple=True, metavar="PATTERNS", callback=_code_list,
               help="File patterns a directory walk lints, replacing the defaults"),
        Option(["--extend-include"], section=conf, multiple=True, metavar="PATTERNS", callback=_code_list_or_empty,
               help="File patterns to lint on top of the defaults"),
        Option(["--force-exclude/--no-force-exclude"], section=conf, default=None,
               help="Apply the excludes to files named on the command line too (for pre-commit)"),
        Option(["--respect-gitignore/--no-respect-gitignore"], section=conf, default=None,
               help="Skip files that .gitignore ignores (default: on)"),
        Option(["--show-settings"], section=conf, is_flag=True, help="Print the resolved settings and exit"),
        Option(["--show-files"], section=conf, is_flag=True, help="Print the files that would be linted and exit"),
        Option(["--stdin-filename"], section=src, metavar="PATH",
               help="Lint standard input as this file (with `-` or no path)"),
        Option(["--add-noqa"], section=src, is_flag=True,
               help="Add `# noqa: CODE` for every current finding and exit"),
    ]


def reads_stdin(args) -> bool:
    return args.paths == [STDIN] or (not args.paths and args.stdin_filename is not None)


def output_format(args) -> str:
    if args.output_format:
        return args.output_format
    name = os.environ.get(FORMAT_VARIABLE, "").strip()
    if not name:
        return "full"
    if name not in REPORTERS:
        raise UsageError(f"${FORMAT_VARIABLE}={name!r} is not an output format ({', '.join(sorted(REPORTERS))})")
    return name


def settings(args) -> config.Settings:
    """Configuration file + command line. Raises UsageError (exit 2) on any problem."""
    if STDIN in args.paths and args.paths != [STDIN]:
        raise UsageError("`-` (standard input) cannot be combined with other paths")
    files, inline = [], []
    try:
        for value in args.config:
            if "=" in value and not Path(value).is_file():
                inline.append(config.parse_inline(value))
            else:
                files.append(Path(value))
        if len(files) > 1:
            raise UsageError("--config names one file (use `--config 'key = value'` for overrides)")
        if files and args.isolated:
            raise UsageError("--config FILE and --isolated cannot be combined")
        overrides = config.Overrides(
            select=args.select,
            extend_select=args.extend_select,
            ignore=args.ignore,
            exclude=args.exclude,
            extend_exclude=args.extend_exclude,
            include=args.include,
            extend_include=args.extend_include,
            force_exclude=args.force_exclude,
            respect_gitignore=args.respect_gitignore,
            inline=inline,
        )
        return config.load(_start(args), files[0] if files else None, args.isolated, overrides)
    except config.ConfigError as exc:
        raise UsageError(str(exc)) from None


def _start(args) -> Path:
    """Where the search for a configuration file begins: the first path (stdin: the
    directory of --stdin-filename), else the current directory."""
    first = args.stdin_filename if reads_stdin(args) else (args.paths[0] if args.paths else None)
    if not first:
        return Path.cwd()
    path = Path(first).absolute()
    while not path.is_dir() and path != path.parent:
        path = path.parent
    return path


def stdin_path(args) -> str:
    return str(Path(args.stdin_filename).absolute()) if args.stdin_filename else STDIN


def check_stdin(args, settings: config.Settings) -> tuple[linter.Result, dict[str, str]]:
    """Lint standard input as --stdin-filename (alone). Returns the result and the
    in-memory source (reporters show frames from it; for a notebook it is the JSON
    text, which --fix echoes when it does not parse)."""
    path = stdin_path(args)
    source = read_stdin()
    if args.stdin_filename and settings.force_exclude and settings.is_excluded(Path(path)):
        return linter.Result(findings=[], files=[]), {path: source}
    if notebook.is_notebook(path):  # the JSON text of a notebook: its cells are linted
        return linter.check_notebook_text(path, source, settings), {path: source}
    result = linter.check_document_text(path, source, settings)  # Markdown, rST, doctests: their blocks
    if result is not None:
        return result, {path: source}
    return linter.Result(findings=linter.check_sources({path: source}, settings), files=[path]), {path: source}


def show_settings(settings: config.Settings) -> int:
    sys.stdout.write(config.describe(settings))
    return 0


def show_files(args, settings: config.Settings) -> int:
    if reads_stdin(args):
        sys.stdout.write(stdin_path(args) + "\n")
        return 0
    found = find_files(args.paths or ["."], settings)
    for warning in found.warnings:
        print(f"losslint: warning: {warning}", file=sys.stderr)
    sys.stdout.write("".join(f"{path}\n" for path in found.files))
    return 0
