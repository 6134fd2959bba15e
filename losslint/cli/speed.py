"""`losslint check` options for speed: --jobs, --no-cache, --cache-dir (and the
LOSSLINT_CACHE_DIR variable), and the progress indicator they come with."""

from __future__ import annotations

import argparse
from pathlib import Path

from losslint.engine import factcache, progress, workers
from losslint.engine.collect import RunOptions


def _jobs(value: str) -> int:
    try:
        jobs = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid job count: {value!r}") from None
    if jobs < 0:
        raise argparse.ArgumentTypeError(f"invalid job count: {value!r}")
    return jobs


def add_arguments(parser) -> None:
    group = parser.add_argument_group("speed")
    group.add_argument(
        "-j",
        "--jobs",
        type=_jobs,
        default=0,
        metavar="N",
        help="processes that parse files (default: 0, one per CPU; 1: no extra process)",
    )
    group.add_argument("--no-cache", action="store_true", help="neither read nor write the cache of per-file facts")
    group.add_argument(
        "--cache-dir",
        metavar="DIR",
        help=f"where the cache lives (default: ${factcache.ENV_VAR}, else {factcache.DEFAULT_NAME}/ in the project root)",
    )


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
