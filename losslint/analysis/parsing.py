"""libcst.parse_module, guarded against input that crashes it, and minus the validation
of every node it builds.

The guard. libcst's native parser recurses on the C stack: a file with a few thousand
nested parentheses, a 10,000-term `1 + 1 + ...` or a 10,000-operand `a and b and ...`
kills the process with a segfault, and with it the whole run, before Python can raise
anything. So every source goes through CPython's own parser first (in C, with bounds
of its own: 200 nested brackets, a recursion limit that ends in RecursionError or
MemoryError, never a crash). What CPython cannot take either becomes `Unparsable` (an
invalid-syntax finding for that file). CPython flattens `and`/`or` chains, so those get a
bound of ours, measured on CPython's tree with an explicit stack (no recursion). When
CPython rejects a file for another reason (syntax newer than the running Python, which
libcst may read; or a plain error, which libcst then reports in its own words), libcst
runs only if the file's bracket depth, counted by a linear scan, is within CPython's
bound. CPython's tree is returned too: positions.py reuses it instead of parsing again.

The validation. libcst checks each node as it is constructed (CSTNode.__post_init__ ->
_validate), which catches hand-built trees that could not print back as valid Python. A
tree that comes out of the parser is valid by construction, and those checks are a
quarter of the parse time (libcst says as much in a PERF comment on __post_init__). So
they are switched off for the duration of a parse, and only then: transforms built later
(the fixes) are still checked.
"""

from __future__ import annotations

import ast
import re
import sys
import warnings
from contextlib import contextmanager

import libcst as cst

# Operands of one `and`/`or` chain: libcst nests them pairwise and crashes between 5,000
# and 10,000; CPython takes any number.
MAX_BOOL_OPERANDS = 3000
# Brackets open at once, for a file CPython rejected anyway: CPython's own bound is 200
# (its tokenizer's MAXLEVEL); libcst crashes beyond about 2,000.
MAX_BRACKET_DEPTH = 1000

# The recursion limit while CPython parses (_python_bound): trees about 1,000 deep (x3 on
# 3.11). libcst crashes at about 10,000 and takes time quadratic in the depth (a
# 1,000-deep expression: 2 s; 3,000: 100 s), so real code (rarely 50 deep) stays far
# inside and the time per byte stays bounded.
PARSER_FRAMES = 350

_BOOL_WORD = re.compile(r"\b(?:and|or)\b")
_BRACKET = re.compile(r"[()\[\]{}]")


class Unparsable(Exception):
    """A source no parser here can take safely: reported as invalid-syntax."""

    def __init__(self, message: str, row: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message, self.row, self.column = message, row, column


def guard(source: str) -> ast.Module | None:
    """CPython's tree of `source` (None when CPython rejects it but libcst may read it);
    raises Unparsable when handing it to libcst could crash the process."""
    try:
        with warnings.catch_warnings(), _python_bound():
            warnings.simplefilter("ignore")  # invalid escapes and the like: not ours to report
            tree = compile(source, "<losslint>", "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except (RecursionError, MemoryError):
        raise Unparsable("SyntaxError: too deeply nested for losslint's parser (about 1,000 levels at most)") from None
    except SyntaxError as error:
        if error.msg in ("too many nested parentheses", "too many statically nested blocks"):
            raise Unparsable(f"SyntaxError: {error.msg}", error.lineno or 1, error.offset or 1) from None
        _bracket_depth(source)
        return None
    except ValueError:  # null bytes: libcst's message is as good
        _bracket_depth(source)
        return None
    if len(_BOOL_WORD.findall(source)) > MAX_BOOL_OPERANDS:  # cheap: the tree only when it may matter
        _bool_chains(tree)
    return tree


@contextmanager
def _python_bound():
    """CPython (3.11) bounds the depth of the tree it builds by the recursion limit (x3),
    which losslint.analysis raises to 10,000: deep enough for libcst to crash. For this
    parse the limit is PARSER_FRAMES above the frames in use, whoever the caller is."""
    frame, used = sys._getframe(), 0
    while frame is not None:
        frame, used = frame.f_back, used + 1
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(used + PARSER_FRAMES)
    try:
        yield
    finally:
        sys.setrecursionlimit(limit)


def _bool_chains(tree: ast.AST) -> None:
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.BoolOp) and len(node.values) > MAX_BOOL_OPERANDS:
            raise Unparsable(
                f"SyntaxError: {len(node.values)} operands of one `and`/`or` chain, more than losslint's parser "
                f"can take ({MAX_BOOL_OPERANDS})",
                node.lineno,
                node.col_offset + 1,
            )
        stack.extend(ast.iter_child_nodes(node))


def _bracket_depth(source: str) -> None:
    """A linear count of open brackets (strings and comments included: an overestimate)."""
    depth = 0
    for match in _BRACKET.finditer(source):
        depth += 1 if match.group() in "([{" else -1
        if depth > MAX_BRACKET_DEPTH:
            row = source.count("\n", 0, match.start()) + 1
            raise Unparsable("SyntaxError: too many nested parentheses", row, match.start() - source.rfind("\n", 0, match.start()))


def _unchecked(self) -> None:
    pass


def parse(source: str) -> tuple[cst.Module, ast.Module | None]:
    """(libcst's tree, CPython's tree or None). Raises Unparsable (see guard) or
    libcst.ParserSyntaxError."""
    tree = guard(source)
    return parse_guarded(source), tree


def parse_guarded(source: str) -> cst.Module:
    """libcst's tree of a source that went through guard() already (a chunk of a large
    file: chunks.split). Raises libcst.ParserSyntaxError."""
    node = cst.CSTNode
    checked = node.__dict__.get("__post_init__")
    if checked is None:  # a libcst that validates some other way: leave it alone
        return cst.parse_module(source)
    node.__post_init__ = _unchecked
    try:
        return cst.parse_module(source)
    finally:
        node.__post_init__ = checked


def parse_module(source: str) -> cst.Module:
    return parse(source)[0]
