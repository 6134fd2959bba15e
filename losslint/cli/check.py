"""`losslint check [PATHS]`: lint files and report findings."""

from __future__ import annotations

from types import SimpleNamespace

import click

from losslint.cli import fixing, options, output, speed
from losslint.cli import trace as tracing
from losslint.cli.errors import UsageError
from losslint.cli.layout import Command
from losslint.core import journal, notebook
from losslint.engine import linter
from losslint.engine.discovery import PathNotFound


def _run(paths: tuple[str, ...], **values) -> int:
    return run(SimpleNamespace(paths=list(paths), **values))


def run(args) -> int:
    fmt = options.output_format(args)
    settings = options.settings(args)  # pyproject.toml / losslint.toml + flags
    if args.show_settings:
        return options.show_settings(settings)
    try:
        if args.show_files:
            return options.show_files(args, settings)
        sources: dict[str, str] = {}  # in-memory sources (stdin), for the reporters' frames
        if options.reads_stdin(args):
            if args.add_noqa:
                raise UsageError("--add-noqa edits files; it cannot read standard input")
            result, sources = options.check_stdin(args, settings)
        else:
            journal.recover_paths(args.paths or ["."])  # a fix a killed run left half-written
            fast = speed.run_options(args, fmt)  # processes, cache, progress on a terminal
            result = linter.check_paths(args.paths or ["."], settings, fast)
            speed.finish(fast)
    except PathNotFound as exc:
        raise UsageError(f"path does not exist: {exc}") from None
    output.warn(args, result.warnings)
    if args.add_noqa:
        return output.add_noqa(result.findings, args)
    if fixing.requested(args):
        return fixing.run(args, settings, fmt, result, sources)
    if args.trace:
        tracing.attach_evidence(result.findings, args)
    findings = notebook.locate(result.findings, result.notebooks)  # `cell N` rows for notebooks
    output.report(findings, args, fmt, output.context(args, fmt, sources, result.notebooks))
    return output.exit_code(findings, args, fixed=0)


command = Command(
    "check",
    help="Lint files and directories (the default command: `losslint src/` checks src/).",
    arguments={"[PATHS]...": "Files or directories (default: .), `-` for standard input"},
    params=[
        click.Argument(["paths"], nargs=-1, type=click.Path()),
        *fixing.params(),  # --fix, --unsafe-fixes, --diff, --show-fixes
        *options.params(),  # output, configuration, discovery, suppression
        *speed.params(),  # --jobs, --no-cache, --cache-dir
        *tracing.check_params(),  # --trace: the tracer's numbers as evidence (torch)
    ],
    callback=_run,
)
