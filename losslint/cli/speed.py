"""`losslint check` options for speed: --jobs, --no-cache, --cache-dir (and the
LOSSLINT_CACHE_DIR variable), and the progress indicator they come with."""

from __future__ import annotations

from pathlib import Path

import click

from losslint.cli.layout import Option
from losslint.engine import factcache, progress, workers
from losslint.engine.collect import RunOptions


def _jobs(ctx, param, value: str) -> int:
    try:
        jobs = int(value)
    except ValueError:
        raise click.BadParameter(f"invalid job count: {value!r}") from None
    if jobs < 0:
        raise click.BadParameter(f"invalid job count: {value!r}")
    return jobs


def params() -> list[click.Parameter]:
    return [
        Option(["-j", "--jobs"], section="Speed", default="0", metavar="N", callback=_jobs,
               help="Processes that parse files (default: 0, one per CPU; 1: no extra process)"),
        Option(["--no-cache"], section="Speed", is_flag=True,
               help="Neither read nor write the cache of per-file facts"),
        Option(["--cache-dir"], section="Speed", metavar="DIR",
               help=f"Where the cache lives (default: ${factcache.ENV_VAR}, else {factcache.DEFAULT_NAME}/ in the project root)"),
    ]


def run_options(args, output_format: str) -> RunOptions:
    jobs = args.jobs or workers.cpu_count()
    cache = None
    if not args.no_cache:
        directory = Path(args.cache_dir) if args.cache_dir else factcache.default_dir()
        cache = factcache.FactsCache(directory)
    quiet = getattr(args, "quiet", False) or getattr(args, "silent", False) or getattr(args, "statistics", False)
    # Findings of an unchanged project can be replayed, unless something needs the analysis
    # behind them (fixes and the tracer use each finding's origin).
    needs_analysis = any(getattr(args, flag, False) for flag in ("fix", "diff", "unsafe_fixes", "trace"))
    return RunOptions(
        jobs=jobs,
        cache=cache,
        progress=progress.for_output(output_format, quiet),
        reuse_results=not needs_analysis,
    )


def finish(options: RunOptions) -> None:
    """After a run: drop cache entries nobody used for a month (at most once a day)."""
    if options.cache is not None:
        options.cache.prune()
