"""Source positions of the nodes the extractor turns into Sites, at a fraction of the cost
of libcst's PositionProvider.

PositionProvider renders the whole tree again (codegen) to learn where every node is, which
costs about twice the parse itself. The extractor only needs positions of calls and of
function/class names, and CPython's own parser (`ast`, written in C) knows those. So the
k-th call of the libcst tree in source order is paired with the k-th call of the `ast` tree
in source order, and so are definitions. Every pairing is checked against the text; when
anything disagrees (newer syntax than this Python's `ast` reads, a count mismatch, a node
type this module does not know), the file falls back to PositionProvider, so positions are
exactly libcst's either way (tests/speed/test_positions.py compares them on real code).

Positions are (line, column, end line, end column): 1-based lines, 0-based columns in
characters, end exclusive, like libcst's CodeRange.
"""

from __future__ import annotations

import ast
import dataclasses
import re
import warnings

import libcst as cst

Range = tuple[int, int, int, int]

# Fields that never hold a call or a definition: skipped by the walk.
_SKIP_PREFIXES = (
    "whitespace", "lpar", "rpar", "comma", "semicolon", "leading_lines", "lines_after",
    "header", "footer", "newline", "indent", "trailing_whitespace", "dot", "equal", "colon",
    "operator", "lbr", "rbr", "star", "asynchronous", "first_colon", "second_colon",
    "separator", "conversion", "encoding", "default_indent", "default_newline",
    "has_trailing_newline", "value_whitespace",
)

# libcst dataclasses whose field order is not source order: (fields in source order).
SOURCE_ORDER = {
    cst.FunctionDef: ("decorators", "name", "type_parameters", "params", "returns", "body"),
    cst.ClassDef: ("decorators", "name", "type_parameters", "bases", "keywords", "body"),
    cst.IfExp: ("body", "test", "orelse"),
    cst.ExceptHandler: ("type", "name", "body"),
    cst.ExceptStarHandler: ("type", "name", "body"),
    cst.MatchCase: ("pattern", "guard", "body"),
    cst.Parameters: ("posonly_params", "params", "star_arg", "kwonly_params", "star_kwarg"),
    cst.TypeAlias: ("name", "type_parameters", "value"),
}

_FIELDS: dict[type, tuple[str, ...]] = {}

_DEF_NAME = re.compile(r"(?:async[ \t]+)?def[ \t]+(\w+)")
_CLASS_NAME = re.compile(r"class[ \t]+(\w+)")
_NEWLINES = re.compile(r"\r\n?|\n")


class Positions:
    """node -> Range for one parsed module; a Mapping as far as the extractor cares."""

    def __init__(self, module: cst.Module, source: str, tree: ast.Module | None = None) -> None:
        self.module = module
        self.source = source
        self.tree = tree  # CPython's, when the caller has it
        self._fast: dict[cst.CSTNode, Range] | None = None
        self._fast_done = False
        self._slow = None

    def __getitem__(self, node: cst.CSTNode) -> Range:
        if not self._fast_done:
            self._fast_done = True
            self._fast = fast_positions(self.module, self.source, self.tree)
            self.tree = None
        if self._fast is not None:
            found = self._fast.get(node)
            if found is not None:
                return found
        return self._slow_range(node)

    @property
    def used_fallback(self) -> bool:
        return self._slow is not None

    def _slow_range(self, node: cst.CSTNode) -> Range:
        if self._slow is None:
            from libcst.metadata import MetadataWrapper, PositionProvider

            self._slow = MetadataWrapper(self.module, unsafe_skip_copy=True).resolve(PositionProvider)
        code_range = self._slow[node]
        return (code_range.start.line, code_range.start.column, code_range.end.line, code_range.end.column)


def fast_positions(module: cst.Module, source: str, tree: ast.Module | None = None) -> dict[cst.CSTNode, Range] | None:
    """Ranges of every Call and of every def/class name, or None when `ast` can't vouch.
    `tree`: CPython's tree of `source`, when the caller has it already."""
    try:
        if tree is None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # invalid escapes and the like: not ours to report
                tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    ast_calls, ast_defs = _ast_nodes(tree)
    # Source order; a call that starts where another starts and ends later encloses it
    # (`f(x)(y)`, `a(x).b(y)`), and pre-order puts the enclosing one first.
    ast_calls.sort(key=lambda n: (n.lineno, n.col_offset, -n.end_lineno, -n.end_col_offset))
    ast_defs.sort(key=lambda n: (n.lineno, n.col_offset))

    cst_calls: list[cst.Call] = []
    cst_defs: list[cst.FunctionDef | cst.ClassDef] = []
    try:
        _fields(cst.Module)
        _walk(module, cst_calls, cst_defs)
    except RecursionError:
        return None
    if len(cst_calls) != len(ast_calls) or len(cst_defs) != len(ast_defs):
        return None

    lines = _NEWLINES.split(source) if "\r" in source else source.split("\n")
    result: dict[cst.CSTNode, Range] = {}
    for node, anode in zip(cst_calls, ast_calls):
        found = _call_range(node, anode, lines)
        if found is None:
            return None
        result[node] = found
    for node, anode in zip(cst_defs, ast_defs):
        found = _name_range(node, anode, lines)
        if found is None:
            return None
        result[node.name] = found
    return result


_AST_LEAVES = (ast.expr_context, ast.Constant, ast.Name, ast.operator, ast.cmpop, ast.unaryop, ast.boolop, ast.alias)
_AST_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _ast_nodes(tree: ast.AST) -> tuple[list[ast.Call], list[ast.AST]]:
    """The calls and definitions of an `ast` tree, in no particular order (ast.walk, minus
    the leaves that can hold neither: twice as fast)."""
    calls: list[ast.Call] = []
    defs: list[ast.AST] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        if type(node) is ast.Call:
            calls.append(node)
        elif isinstance(node, _AST_DEFS):
            defs.append(node)
        for name in node._fields:
            value = getattr(node, name, None)
            if type(value) is list:
                stack.extend(v for v in value if isinstance(v, ast.AST) and not isinstance(v, _AST_LEAVES))
            elif isinstance(value, ast.AST) and not isinstance(value, _AST_LEAVES):
                stack.append(value)
    return calls, defs


def _walk(node: cst.CSTNode, calls: list, defs: list) -> None:
    """Pre-order, children in source order: the order `ast` positions sort into. Leaves
    (names, numbers, strings, whitespace) are not entered."""
    kind = type(node)
    if kind is cst.Call:
        calls.append(node)
    elif kind is cst.FunctionDef or kind is cst.ClassDef:
        defs.append(node)
    for name in _FIELDS[kind]:
        value = getattr(node, name)
        if type(value) is tuple or type(value) is list:
            for item in value:
                if _FIELDS.get(type(item)) or (isinstance(item, cst.CSTNode) and _fields(type(item))):
                    _walk(item, calls, defs)
        elif _FIELDS.get(type(value)) or (isinstance(value, cst.CSTNode) and _fields(type(value))):
            _walk(value, calls, defs)


def _fields(kind: type) -> tuple[str, ...]:
    """The fields of a node type that may hold a call or a definition; () for leaves."""
    names = _FIELDS.get(kind)
    if names is None:
        names = _FIELDS[kind] = _child_fields(kind)
    return names


def _child_fields(kind: type) -> tuple[str, ...]:
    if kind in SOURCE_ORDER:
        return SOURCE_ORDER[kind]
    if not dataclasses.is_dataclass(kind):
        return ()
    return tuple(f.name for f in dataclasses.fields(kind) if not f.name.startswith(_SKIP_PREFIXES))


def _column(lines: list[str], line: int, byte_offset: int) -> int | None:
    """`ast` counts columns in UTF-8 bytes, libcst in characters."""
    if not 0 < line <= len(lines):
        return None
    text = lines[line - 1]
    if text.isascii():
        return byte_offset
    return len(text.encode("utf-8")[:byte_offset].decode("utf-8", errors="replace"))


def _call_range(node: cst.Call, anode: ast.Call, lines: list[str]) -> Range | None:
    start = _column(lines, anode.lineno, anode.col_offset)
    end = _column(lines, anode.end_lineno, anode.end_col_offset)
    if start is None or end is None:
        return None
    # The pairing is right only if the text agrees: a call ends with ")" and starts with
    # its callee's leftmost token.
    if lines[anode.end_lineno - 1][end - 1 : end] != ")":
        return None
    head = node.func
    while not head.lpar and isinstance(head, (cst.Attribute, cst.Call, cst.Subscript)):
        head = head.value if not isinstance(head, cst.Call) else head.func
    text = lines[anode.lineno - 1]
    if head.lpar:
        if text[start : start + 1] != "(":
            return None
    elif isinstance(head, cst.Name) and not text.startswith(head.value, start):
        return None
    return (anode.lineno, start, anode.end_lineno, end)


def _name_range(node: cst.FunctionDef | cst.ClassDef, anode: ast.AST, lines: list[str]) -> Range | None:
    start = _column(lines, anode.lineno, anode.col_offset)
    if start is None:
        return None
    pattern = _CLASS_NAME if isinstance(node, cst.ClassDef) else _DEF_NAME
    match = pattern.match(lines[anode.lineno - 1], start)
    if match is None or match.group(1) != node.name.value:
        return None
    return (anode.lineno, match.start(1), anode.lineno, match.end(1))
