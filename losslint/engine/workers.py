"""Per-file work, in this process or in a pool of processes.

Two kinds of task:
  "facts"   parse a file and extract its FileFacts (analysis.file_facts);
  "syntax"  only check that a file the prefilter skipped parses (CPython's parser, ~5x
            faster than libcst; libcst gets the last word, and writes the message, when
            CPython disagrees, e.g. on syntax newer than the running Python).

A task's result is FileFacts, or None for a file whose syntax is fine; it crosses process
boundaries (and sits in the cache) as factcache.dumps bytes. Files are parsed largest first
so that one huge file does not end the run alone; a pool is only started when there is
enough work to pay for it (starting workers costs tens of milliseconds each).
"""

from __future__ import annotations

import ast
import gc
import os
import sys
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator

from losslint.engine import factcache

# Below this much source text, a pool costs more than it saves.
POOL_MIN_BYTES = 200_000
POOL_MIN_FILES = 4


@dataclass(frozen=True)
class Task:
    kind: str  # "facts" | "syntax"
    path: str
    source: str


@contextmanager
def gc_paused():
    """No cyclic garbage collection inside: parsing and analyzing build millions of
    objects that live to the end (libcst trees, facts, the evaluator's values), which the
    collector would scan again and again for nothing (40% of a libcst parse, 8x the time
    of loading cached facts). They hold no reference cycles, so refcounting frees them;
    any cycle made meanwhile waits for the next collection after the check."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


# After a task on a file this large, the freed memory of its tree goes back to the OS.
TRIM_BYTES = 64_000


def run_task(task: Task):
    """One task -> FileFacts, or None for a "syntax" task on a file that parses. A worker
    holds one file's tree at a time: after a large file, its memory is given back (trim)."""
    with gc_paused():
        result = _run_task(task)
    if len(task.source) >= TRIM_BYTES:
        trim()
    return result


_malloc_trim = None


def trim() -> None:
    """Give freed heap memory back to the OS (glibc's malloc_trim; elsewhere nothing).
    A libcst tree is millions of small objects: once it is freed, glibc keeps the pages
    (torch's 1.4 MB common_methods_invocations.py: 780 MiB held after the task, 76 MiB
    after a trim), so each worker stayed at the size of the largest file it parsed."""
    global _malloc_trim
    if _malloc_trim is None:
        _malloc_trim = False
        if sys.platform.startswith("linux"):
            try:
                import ctypes

                _malloc_trim = ctypes.CDLL("libc.so.6").malloc_trim
            except (OSError, AttributeError):
                pass
    if _malloc_trim:
        _malloc_trim(0)


def _run_task(task: Task):
    from losslint import analysis

    if task.kind == "syntax":
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ast.parse(task.source)
            return None
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            pass
    facts = analysis.file_facts(task.path, task.source)
    if task.kind == "syntax" and facts.syntax_error is None:
        return None  # newer syntax than this Python reads: libcst's word is final
    return facts


def encode(result) -> bytes:
    return b"" if result is None else factcache.dumps(result)


def decode(data: bytes):
    return None if not data else factcache.loads(data)


def _remote(task: Task, work=None) -> bytes:
    return encode(run_task(task) if work is None else work(task))


def cpu_count() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


Done = Callable[[Task, object, "bytes | None"], None]


class Runner:
    """Runs the batches of tasks of one run (the analysis asks for files in rounds). A
    pool of processes starts with the first batch of a run big enough (`expected`: its
    total source size) to pay for it, and serves every later batch. A context manager.

    (Running the syntax checks in the background while this process analyzes was tried:
    on 2 CPUs it gained nothing measurable, the analysis being on a CPU of its own.)"""

    def __init__(self, jobs: int, expected: int = 0) -> None:
        self.jobs = max(1, jobs)
        self.expected = expected
        self._pool = None  # a concurrent.futures.ProcessPoolExecutor, once started

    def __enter__(self) -> "Runner":
        return self

    def __exit__(self, *exc) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def run(self, tasks: list[Task], on_done: Done, work=None) -> None:
        """Run every task, calling on_done(task, result, encoded result or None) in this
        process as each finishes; the encoding comes free from a worker, else it is None.
        `work`: a module-level function of a Task to run instead of run_task (noqa's)."""
        tasks = sorted(tasks, key=lambda t: len(t.source), reverse=True)
        if not self._worth_a_pool(tasks):
            for task in tasks:
                on_done(task, run_task(task) if work is None else work(task), None)
            return
        if self._pool is None:
            from concurrent.futures import (
                ProcessPoolExecutor,  # here: a cached run needs none
            )

            self._pool = ProcessPoolExecutor(max_workers=self.jobs, mp_context=_context())
        for task, data in _pooled(self._pool, tasks, self.jobs, work):
            on_done(task, decode(data), data)

    def _worth_a_pool(self, tasks: list[Task]) -> bool:
        if self.jobs == 1 or len(tasks) < 2:
            return False
        if self._pool is not None:
            return True
        size = max(self.expected, sum(len(t.source) for t in tasks))
        return len(tasks) >= POOL_MIN_FILES and size >= POOL_MIN_BYTES


def _pooled(pool, tasks: list[Task], jobs: int, work=None) -> Iterator[tuple[Task, bytes]]:
    from concurrent.futures import FIRST_COMPLETED, wait

    # A bounded window of tasks in flight keeps memory flat on huge trees.
    pending = {}
    queue = iter(tasks)
    for task in queue:
        pending[pool.submit(_remote, task, work)] = task
        if len(pending) >= jobs * 4:
            break
    while pending:
        done, _ = wait(pending, return_when=FIRST_COMPLETED)
        for future in done:
            task = pending.pop(future)
            yield task, future.result()
            following = next(queue, None)
            if following is not None:
                pending[pool.submit(_remote, following, work)] = following


def _context():
    # fork is the cheap start (the parent already imported libcst), but unsafe with threads
    # and on macOS; elsewhere workers start fresh.
    import multiprocessing
    import threading

    methods = multiprocessing.get_all_start_methods()
    if sys.platform.startswith("linux") and "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")
