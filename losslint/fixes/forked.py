"""Thousands of fixes (a 5 MB generated file has 10,000) built by two processes.

Each fix is built on its own from the analysis (fixes/build.py): none reads another. So
when there are at least FORK_FROM of them and the check may use more than one process, this
process forks once, after the analysis: the child builds the second half (the findings
come sorted by file and position, so each half reads its own part of the files) and sends
back the outcomes, pickled, with the callee names its fixes looked up
(ProjectView.names_asked); the parent builds the first half meanwhile. Fixes and notes are
plain data; a child that fails sends nothing and the parent builds its half too, so the
outcome is the same either way. Only where os.fork exists and this process runs no other
thread (a fork copies no thread, and a lock held by one would stay held: the language
server never forks here).
"""

from __future__ import annotations

import os
import pickle
import threading
from typing import Callable

FORK_FROM = 2000  # fixes to build; fewer are built in this process


def build_all(todo: dict[tuple, tuple], view, outcome: Callable, jobs: int) -> dict[tuple, object]:
    """{key: outcome(rule, origin, view)} for todo's {key: (rule, origin)}."""
    keys = list(todo)
    if jobs < 2 or len(keys) < FORK_FROM or not hasattr(os, "fork") or threading.active_count() > 1:
        return {key: outcome(*todo[key], view) for key in keys}
    half = len(keys) // 2
    mine, theirs = keys[:half], keys[half:]
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: build, send, and leave without running any cleanup of the parent's
        status = 1
        try:
            os.close(read)
            data = pickle.dumps(({key: outcome(*todo[key], view) for key in theirs}, view.names_asked))
            with os.fdopen(write, "wb") as pipe:
                pipe.write(data)
            status = 0
        finally:
            os._exit(status)
    os.close(write)
    try:
        built = {key: outcome(*todo[key], view) for key in mine}
    finally:
        with os.fdopen(read, "rb") as pipe:
            data = pipe.read()
        _, status = os.waitpid(pid, 0)
    if status == 0 and data:
        theirs_built, names = pickle.loads(data)
        built.update(theirs_built)
        view.names_asked |= names
    else:  # the child failed: its half here
        built.update({key: outcome(*todo[key], view) for key in theirs})
    return built
