"""Operations on one call: rename what it calls, or replace it by its input."""

from __future__ import annotations

import libcst as cst
import libcst.matchers as m

from losslint.fixes import imports
from losslint.fixes.changes import (
    FileChanges,
    never_empty,
    strip_parens,
    unwrap,
)
from losslint.fixes.errors import Unfixable
from losslint.fixes.source import SourceFile


def torch_names(source: SourceFile, func: cst.BaseExpression) -> set[str]:
    return {q for q in source.qualified_names(func) if q.startswith("torch.")}


def rename_callee(changes: FileChanges, call: cst.Call, old: str, new: str) -> None:
    """`nn.NLLLoss(...)` -> `nn.CrossEntropyLoss(...)` under the user's spelling: the same
    module alias, or the name added to the from-import that brought in `old`."""
    source = changes.source
    func = call.func
    if not any(q.rsplit(".", 1)[-1] == old for q in torch_names(source, func)):
        raise Unfixable(f"`{source.snippet(func)}` is not a direct reference to torch's {old}")
    if isinstance(func, cst.Attribute):
        changes.replace(func.attr, cst.Name(new))
    elif isinstance(func, cst.Name):
        changes.replace(func, cst.Name(imports.name_from(changes, new, func.value)))
    else:
        raise Unfixable("unusual callee")


def call_functional(changes: FileChanges, call: cst.Call, name: str) -> None:
    """`torch.sigmoid(x)` -> `F.logsigmoid(x)`: the same arguments, a torch.nn.functional callee."""
    alias = imports.functional_name(changes)
    changes.rewrite(call.func, lambda _u: cst.Attribute(value=_dotted_expr(alias), attr=cst.Name(name)))


def method_to_functional(changes: FileChanges, call: cst.Call, name: str) -> None:
    """`x.sigmoid()` -> `F.logsigmoid(x)`."""
    if call.args:
        raise Unfixable("method call with arguments")
    alias = imports.functional_name(changes)

    def rewrite(updated: cst.Call) -> cst.Call:
        receiver = updated.func.value
        new = cst.Call(
            func=cst.Attribute(value=_dotted_expr(alias), attr=cst.Name(name)),
            args=[cst.Arg(receiver.with_changes(lpar=[], rpar=[]) if _plain_parens(receiver) else receiver)],
        )
        return strip_parens(new, updated)

    changes.rewrite(call, rewrite)


def _plain_parens(node: cst.BaseExpression) -> bool:
    return bool(getattr(node, "lpar", None)) and not isinstance(node, (cst.Tuple, cst.GeneratorExp))


def _dotted_expr(name: str) -> cst.BaseExpression:
    parts = name.split(".")
    node: cst.BaseExpression = cst.Name(parts[0])
    for part in parts[1:]:
        node = cst.Attribute(value=node, attr=cst.Name(part))
    return node


def input_index(call: cst.Call) -> int:
    """The index in call.args of the tensor argument (first positional, or `input=`)."""
    for index, arg in enumerate(call.args):
        if arg.keyword is not None and arg.keyword.value == "input":
            return index
    if call.args and call.args[0].keyword is None and not call.args[0].star:
        return 0
    raise Unfixable("call without a tensor argument")


def unwrap_to_input(changes: FileChanges, call: cst.Call) -> None:
    """`F.softmax(x, dim=1)` -> `x`, `self.act(x)` -> `x`, `torch.log(p)` -> `p`."""
    index = input_index(call)
    context = changes.source.parent(call)

    def rewrite(updated: cst.Call) -> cst.BaseExpression:
        value = updated.args[index].value
        return strip_parens(unwrap(value, context), updated)

    changes.rewrite(call, rewrite)
    _drop_if_self_assignment(changes, call)


def unwrap_to_receiver(changes: FileChanges, call: cst.Call) -> None:
    """`x.softmax(1)` -> `x`, `p.log()` -> `p`."""
    if not isinstance(call.func, cst.Attribute):
        raise Unfixable("not a method call")
    context = changes.source.parent(call)

    def rewrite(updated: cst.Call) -> cst.BaseExpression:
        value = updated.func.value
        return strip_parens(unwrap(value, context), updated)

    changes.rewrite(call, rewrite)
    _drop_if_self_assignment(changes, call)


# `name = ...`, `name = other_name`, and a line of one statement.
_TO_ONE_NAME = m.Assign(targets=[m.AssignTarget(target=m.Name())])
_NAME_TO_NAME = m.Assign(targets=[m.AssignTarget(target=m.Name())], value=m.Name())
_ONE_STATEMENT = m.SimpleStatementLine(body=[m.DoNotCare()])


def _drop_if_self_assignment(changes: FileChanges, call: cst.Call) -> None:
    """`x = self.act(x)` unwrapped is `x = x`: drop the line instead."""
    source = changes.source
    assign = source.parent(call)
    if not (m.matches(assign, _TO_ONE_NAME) and assign.value is call):
        return
    line = source.parent(assign)
    if not m.matches(line, _ONE_STATEMENT):
        return

    def drop(updated: cst.SimpleStatementLine):
        statement = updated.body[0] if len(updated.body) == 1 else None
        if m.matches(statement, _NAME_TO_NAME) and statement.value.value == statement.targets[0].target.value:
            return cst.RemovalSentinel.REMOVE
        return updated

    changes.rewrite(line, drop)
    block = source.parent(line)
    if isinstance(block, cst.IndentedBlock):
        changes.rewrite(block, never_empty)


def is_function_form(source: SourceFile, call: cst.Call) -> bool:
    """torch.log(p), a torch function of its argument, rather than the method p.log()."""
    return bool(call.args) and bool(torch_names(source, call.func))
