"""Thousands of fixes (a 5 MB generated file has 10,000) built by several processes.

Each fix is built on its own from the analysis (fixes/build.py): none reads another. So
when there are at least FORK_FROM of them and the check may use more than one process, this
process forks, after the analysis, one child per further part (at most `jobs` parts of at
least FORK_FROM / 2 fixes, as many as fit in MEMORY_BUDGET_MIB): each child builds its
part (the findings come sorted by file and position, so each part reads its own stretch of
the files) and sends back the outcomes, pickled, with the callee names its fixes looked up
(ProjectView.names_asked); this process builds the first part meanwhile. Fixes and notes
are plain data; a child that fails sends nothing and its part is built here, so the
outcome is the same either way. Only where os.fork exists and this process runs no other
thread (a fork copies no thread, and a lock one held would stay held).
"""

from __future__ import annotations

import os
import pickle
import sys
import threading
from typing import Callable

FORK_FROM = 2000  # fixes to build; fewer are built in this process
# The memory all processes together may hold (their PSS). A child shares its parent's
# pages only until it touches them, and CPython touches every object it reads (reference
# counts), so a child ends up with a copy of much of its parent, and the parent grows
# while it builds its part (measured: 2 MB file, a parent of 150 MiB at the end and 76 MiB
# more for its child; 5 MB, 313 and 180, over the budget). So each part counts as a
# whole parent, in 90% of the budget: a 5 MB file's fixes are built in one process.
MEMORY_BUDGET_MIB = 500


def build_all(todo: dict[tuple, tuple], view, outcome: Callable, jobs: int) -> dict[tuple, object]:
    """{key: outcome(rule, origin, view)} for todo's {key: (rule, origin)}."""
    keys = list(todo)
    parts = 1
    if jobs > 1 and len(keys) >= FORK_FROM:
        fit = int(0.9 * MEMORY_BUDGET_MIB / _resident_mib())
        parts = min(jobs, len(keys) // max(1, FORK_FROM // 2), fit)
    if parts < 2 or not hasattr(os, "fork") or threading.active_count() > 1:
        return {key: outcome(*todo[key], view) for key in keys}
    size = -(-len(keys) // parts)
    mine, *others = [keys[i : i + size] for i in range(0, len(keys), size)]
    children = [(_fork(part, todo, view, outcome), part) for part in others]
    built: dict[tuple, object] = {}
    try:
        built.update({key: outcome(*todo[key], view) for key in mine})
    finally:
        received = [(_receive(child), part) for child, part in children]
    for data, part in received:
        if data is not None:
            theirs, names = data
            built.update(theirs)
            view.names_asked |= names
        else:  # the child failed: its part here
            built.update({key: outcome(*todo[key], view) for key in part})
    return built


def _fork(part: list[tuple], todo: dict, view, outcome: Callable) -> tuple[int, int]:
    """(pid, the read end of its pipe) of a child building `part`."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: build, send, and leave without running any cleanup of the parent's
        status = 1
        try:
            os.close(read)
            data = _payload(part, todo, view, outcome)
            with os.fdopen(write, "wb") as pipe:
                pipe.write(data)
            status = 0
        finally:
            os._exit(status)
    os.close(write)
    return pid, read


def _payload(part: list[tuple], todo: dict, view, outcome: Callable) -> bytes:
    return pickle.dumps(({key: outcome(*todo[key], view) for key in part}, view.names_asked))


def _receive(child: tuple[int, int]):
    """What the child sent, or None when it failed."""
    pid, read = child
    with os.fdopen(read, "rb") as pipe:
        data = pipe.read()
    _, status = os.waitpid(pid, 0)
    return pickle.loads(data) if status == 0 and data else None


def _resident_mib() -> float:
    """This process's resident memory now (Linux); elsewhere its peak so far."""
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError, AttributeError):
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / (2**20 if sys.platform == "darwin" else 2**10)
