"""A set of node changes to one file, rendered by one libcst transform.

Each change maps an original node to a function of its updated node, so changes nested in
one another compose (a call unwrapped inside a list that loses an element). Everything
not named keeps its exact text: comments, blank lines and formatting survive.
"""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst

from losslint.fixes import imports
from losslint.fixes.errors import Unfixable
from losslint.fixes.source import SourceFile

Rewrite = Callable[[cst.CSTNode], "cst.CSTNode | cst.RemovalSentinel"]


class FileChanges:
    def __init__(self, source: SourceFile) -> None:
        self.source = source
        self.rewrites: dict[int, list[Rewrite]] = {}
        self.nodes: dict[int, cst.CSTNode] = {}  # the rewritten nodes, by id
        self.imports: list[tuple] = []  # imports.Need records, added after the rewrite

    def rewrite(self, node: cst.CSTNode, fn: Rewrite) -> None:
        self.rewrites.setdefault(id(node), []).append(fn)
        self.nodes[id(node)] = node

    def replace(self, node: cst.CSTNode, new: cst.CSTNode) -> None:
        self.rewrite(node, lambda _updated: new)

    def render(self) -> str:
        module = self.source.module
        if self.rewrites:
            module = module.visit(_Apply(self.rewrites, self._on_path()))
        for need in self.imports:
            module = imports.add(module, need)
        return module.code


    def pieces(self) -> list[tuple[int, str, str]] | None:
        """The change as (offset, old text, new text) per top-level statement it touches,
        rendering only those statements: a fix in a 5 MB file must not print the whole
        file again (libcst's code generation runs at a few hundred KB/s). None when the
        change cannot be cut so (an import to add, a top-level statement removed, no
        position known): then render() the whole file."""
        if self.imports or not self.rewrites:
            return None
        parents, source = self.source.parents, self.source
        on_path = self._on_path()
        tops: dict[int, tuple[cst.CSTNode, int | None]] = {}
        for node in self.nodes.values():
            row = None
            # Up to the module (a chunk's module in a very large file: fixes/chunked.py).
            while not isinstance(parents.get(node), cst.Module):
                row = row or source.fast_start_row(node)
                node = parents.get(node)
                if node is None:
                    return None
            if id(node) in self.rewrites:  # a top-level statement rewritten (removed) itself
                return None
            if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
                row = row or source.fast_start_row(node.name)
            known = tops.get(id(node), (node, None))[1]
            tops[id(node)] = (node, known or row)
        found = []
        for statement, row in tops.values():
            if row is None:
                return None
            old = source.code(statement)
            offset = _line_start_of(source.text, source.line_starts, old, row)
            if offset is None:
                return None
            new = statement.visit(_Apply(self.rewrites, on_path))
            if not isinstance(new, cst.CSTNode):
                return None
            found.append((offset, old, source.code(new, within=statement)))
        return sorted(found)

    def _on_path(self) -> set[int]:
        """The ids of the rewritten nodes and of every node above them: the transform enters
        nothing else (a fix in a 6,000-line file rewrites a few nodes)."""
        parents = self.source.parents
        found: set[int] = set()
        for node in self.nodes.values():
            while node is not None and id(node) not in found:
                found.add(id(node))
                node = parents.get(node)
        return found


def _line_start_of(text: str, starts: list[int], piece: str, row: int) -> int | None:
    """The offset of the line start where `piece` (a top-level statement's text, which
    begins at a line start) stands in `text`, given a row inside it."""
    for first in range(row, max(0, row - piece.count("\n") - 1), -1):
        if text.startswith(piece, starts[first - 1]):
            return starts[first - 1]
    return None


class _Apply(cst.CSTTransformer):
    def __init__(self, rewrites: dict[int, list[Rewrite]], on_path: set[int]) -> None:
        super().__init__()
        self.rewrites = rewrites
        self.on_path = on_path

    def on_visit(self, node) -> bool:
        return id(node) in self.on_path

    def on_leave(self, original_node, updated_node):
        for fn in self.rewrites.get(id(original_node), ()):
            if not isinstance(updated_node, cst.CSTNode):
                break
            updated_node = fn(updated_node)
        return updated_node


# --- small node surgery -----------------------------------------------------------------------


def unwrap(replacement: cst.BaseExpression, context: cst.CSTNode | None) -> cst.BaseExpression:
    """`replacement` standing where a call was: parenthesized when the context binds tighter."""
    if _is_atom(replacement) or isinstance(
        context, (cst.Arg, cst.Return, cst.Assign, cst.AnnAssign, cst.Element, cst.Expr, cst.DictElement, cst.Index)
    ):
        return replacement
    return replacement.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])


def _is_atom(node: cst.BaseExpression) -> bool:
    if getattr(node, "lpar", None):
        return True
    return isinstance(
        node,
        (cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.Integer, cst.Float, cst.SimpleString, cst.List, cst.Dict, cst.Tuple),
    )


def strip_parens(node: cst.BaseExpression, keep_from: cst.BaseExpression) -> cst.BaseExpression:
    """`node` with the parentheses that `keep_from` had (a call's parens survive its unwrap)."""
    if getattr(keep_from, "lpar", None) and not getattr(node, "lpar", None):
        return node.with_changes(lpar=keep_from.lpar, rpar=keep_from.rpar)
    return node


def remove_element(container: cst.CSTNode, index: int) -> cst.CSTNode:
    """Remove item `index` from a call's arguments or a list/tuple's elements, keeping the
    commas and line layout tidy: the comment after the previous item stays with it, the
    removed item's own trailing comment goes with it."""
    field = "args" if isinstance(container, cst.Call) else "elements"
    items = list(getattr(container, field))
    removed = items.pop(index)
    if index > 0 and index == len(items):  # the last item: its predecessor ends the list
        previous = items[index - 1]
        changes = {"comma": _merge_comma(previous.comma, removed.comma)}
        if isinstance(removed, cst.Arg):  # the space before `)` moves to the new last argument
            changes["whitespace_after_arg"] = removed.whitespace_after_arg
        items[index - 1] = previous.with_changes(**changes)
    elif index > 0:
        previous = items[index - 1]
        if isinstance(previous.comma, cst.Comma) and isinstance(removed.comma, cst.Comma):
            items[index - 1] = previous.with_changes(comma=_merge_comma(previous.comma, removed.comma))
    if isinstance(container, cst.Tuple) and len(items) == 1 and not isinstance(items[0].comma, cst.Comma):
        items[0] = items[0].with_changes(comma=cst.Comma())  # (a,) stays a tuple
    return container.with_changes(**{field: items})


def _merge_comma(previous, removed):
    """The comma after the previous item once the next item is gone."""
    if not isinstance(removed, cst.Comma):
        return removed  # no trailing comma: the list now ends at the previous item
    if not isinstance(previous, cst.Comma):
        return removed
    before = previous.whitespace_after
    after = removed.whitespace_after
    if isinstance(before, cst.ParenthesizedWhitespace) and isinstance(after, cst.ParenthesizedWhitespace):
        # Keep the previous item's own trailing comment, take the removed item's line break
        # and the comments that belong to the item after it.
        merged = before.with_changes(empty_lines=after.empty_lines, indent=after.indent, last_line=after.last_line)
        return previous.with_changes(whitespace_after=merged)
    return previous.with_changes(whitespace_after=after)


def remove_statement(changes: FileChanges, statement: cst.BaseSmallStatement) -> None:
    """Delete a small statement (`layers.append(nn.Softmax())`, `self.act = ...`): its line,
    or just it when the line holds several; an indented block left empty gets `pass`."""
    source = changes.source
    line = source.parent(statement)
    if not isinstance(line, cst.SimpleStatementLine):
        raise Unfixable("statement is not on a simple line")
    if len(line.body) > 1:
        changes.rewrite(statement, lambda _u: cst.RemovalSentinel.REMOVE)
        changes.rewrite(line, _drop_trailing_semicolon)
        return
    changes.rewrite(line, lambda _u: cst.RemovalSentinel.REMOVE)
    block = source.parent(line)
    if isinstance(block, cst.IndentedBlock):
        changes.rewrite(block, never_empty)


def _drop_trailing_semicolon(line):
    body = list(line.body)
    if body:
        body[-1] = body[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
    return line.with_changes(body=body)


def never_empty(block):
    if block.body:
        return block
    return block.with_changes(body=[cst.SimpleStatementLine([cst.Pass()])])
