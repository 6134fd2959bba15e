"""libcst.parse_module, minus the validation of every node it builds.

libcst checks each node as it is constructed (CSTNode.__post_init__ -> _validate), which
catches hand-built trees that could not print back as valid Python. A tree that comes out
of the parser is valid by construction, and those checks are a quarter of the parse time
(libcst says as much in a PERF comment on __post_init__). So they are switched off for the
duration of a parse, and only then: transforms built later (the fixes) are still checked.
"""

from __future__ import annotations

import libcst as cst


def _unchecked(self) -> None:
    pass


def parse_module(source: str) -> cst.Module:
    node = cst.CSTNode
    checked = node.__dict__.get("__post_init__")
    if checked is None:  # a libcst that validates some other way: leave it alone
        return cst.parse_module(source)
    node.__post_init__ = _unchecked
    try:
        return cst.parse_module(source)
    finally:
        node.__post_init__ = checked
