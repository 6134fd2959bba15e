"""`losslint check` options for output, configuration, discovery and suppression, and
what they resolve to (Settings, the stdin source, the files to lint)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from losslint.cli.errors import UsageError
from losslint.core import notebook
from losslint.engine import config, linter
from losslint.engine.discovery import STDIN, find_files, read_stdin
from losslint.reporters import REPORTERS

FORMAT_VARIABLE = "LOSSLINT_OUTPUT_FORMAT"


def _codes(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def add_arguments(parser) -> None:
    out = parser.add_argument_group("output")
    out.add_argument(
        "--output-format",
        choices=sorted(REPORTERS),
        default=None,
        help=f"how findings are printed (default: full, or ${FORMAT_VARIABLE})",
    )
    out.add_argument("--statistics", action="store_true", help="print how many findings each rule has, not the findings")
    out.add_argument("--exit-zero", action="store_true", help="exit 0 even when findings remain")
    out.add_argument(
        "--exit-non-zero-on-fix",
        action="store_true",
        help="exit 1 when a fix was applied, even if no finding remains",
    )
    out.add_argument("-q", "--quiet", action="store_true", help="print the findings only, nothing else")
    out.add_argument("-s", "--silent", action="store_true", help="print nothing; the exit code tells")
    out.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour for the human formats (auto: on a terminal; NO_COLOR and FORCE_COLOR are honoured)",
    )

    conf = parser.add_argument_group("configuration")
    conf.add_argument(
        "--config",
        action="append",
        default=[],
        metavar="PATH|KEY=VALUE",
        help="a configuration file to use instead of the nearest one, or a TOML `key = value` override",
    )
    conf.add_argument("--isolated", action="store_true", help="ignore every configuration file")
    conf.add_argument("--select", type=_codes, action="append", help="rules to enable (codes, names or prefixes), replacing the configured set")
    conf.add_argument("--extend-select", type=_codes, action="append", default=[], help="rules to enable on top of the configured set")
    conf.add_argument("--ignore", type=_codes, action="append", default=[], help="rules to disable")
    conf.add_argument("--exclude", type=_codes, action="append", help="file patterns to exclude, replacing the defaults")
    conf.add_argument("--extend-exclude", type=_codes, action="append", default=[], help="file patterns to exclude on top of the defaults")
    conf.add_argument("--include", type=_codes, action="append", help="file patterns a directory walk lints, replacing the defaults")
    conf.add_argument("--extend-include", type=_codes, action="append", default=[], help="file patterns to lint on top of the defaults")
    conf.add_argument(
        "--force-exclude",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="apply the excludes to files named on the command line too (for pre-commit)",
    )
    conf.add_argument(
        "--respect-gitignore",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="skip files that .gitignore ignores (default: on)",
    )
    conf.add_argument("--show-settings", action="store_true", help="print the resolved settings and exit")
    conf.add_argument("--show-files", action="store_true", help="print the files that would be linted and exit")

    src = parser.add_argument_group("input and suppression")
    src.add_argument("--stdin-filename", metavar="PATH", help="lint standard input as this file (with `-` or no path)")
    src.add_argument("--add-noqa", action="store_true", help="add `# noqa: CODE` for every current finding and exit")


def _flatten(groups: list[list[str]] | None) -> list[str] | None:
    return None if groups is None else [code for group in groups for code in group]


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
            select=_flatten(args.select),
            extend_select=_flatten(args.extend_select) or [],
            ignore=_flatten(args.ignore) or [],
            exclude=_flatten(args.exclude),
            extend_exclude=_flatten(args.extend_exclude) or [],
            include=_flatten(args.include),
            extend_include=_flatten(args.extend_include) or [],
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
