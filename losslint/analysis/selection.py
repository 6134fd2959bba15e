"""How a value was chosen by name, carried from the choice to the finding (shared by
registry.py and configs.py): the Selection on classes, instances, criteria and the
tensors a chosen model outputs; and the parameter-following both use to read a key
(`build(cfg.model)` -> ("model",))."""

from __future__ import annotations

from dataclasses import replace

from losslint.analysis import ir
from losslint.analysis.values import (
    CriterionV,
    Frame,
    InstanceV,
    Selection,
    TensorV,
    Value,
)


def placed(selection: Selection | None, node: ir.Call) -> Selection | None:
    """A selection made where no call site was at hand (`REGISTRY[key]`), placed at the
    call that builds the selected class."""
    if selection is not None and selection.site is None:
        return replace(selection, site=node.site)
    return selection


def tagged(evaluator, values: tuple[Value, ...], selection: Selection | None, node: ir.Call) -> tuple[Value, ...]:
    """What a factory chosen by name returned, remembering the choice."""
    if selection is None:
        return values
    selection = placed(selection, node)
    result = []
    for value in values:
        if isinstance(value, InstanceV) and value.selected is None:
            value = evaluator.instance(value.cls, value.ctor, value.frame, selection)
        elif isinstance(value, CriterionV) and value.selected is None:
            value = replace(value, selected=selection)
        result.append(value)
    return tuple(result)


def outputs(instance: Value, values: tuple[Value, ...]) -> tuple[Value, ...]:
    """A chosen model's outputs remember how it was chosen (the finding names it)."""
    selection = getattr(instance, "selected", None)
    if selection is None:
        return values
    return tuple(
        replace(v, selected=v.selected + (selection,)) if isinstance(v, TensorV) and selection not in v.selected else v
        for v in values
    )


def config_path(node: ir.IR, frame: Frame | None, project=None) -> tuple[str, ...] | None:
    """The keys read from a configuration object: ("model",) for `cfg.model`,
    `cfg["model"]`, or a parameter bound to one of them. None when not readable."""
    path: list[str] = []
    for _ in range(32):
        if isinstance(node, ir.Attr):
            path.insert(0, node.name)
            node = node.obj
        elif isinstance(node, ir.Item) and isinstance(node.index, ir.Const) and isinstance(node.index.value, str):
            path.insert(0, node.index.value)
            node = node.obj
        elif isinstance(node, ir.Param) and frame is not None:
            bound = argument(node, frame, project)
            if bound is None:
                break
            node, frame = bound
        else:
            break
    return tuple(path) or None


def argument(node: ir.Param, frame: Frame, project=None) -> tuple[ir.IR, Frame] | None:
    """The argument expression a parameter is bound to in `frame`, and its frame."""
    owner = frame
    while owner is not None and owner.func != node.func:
        owner = owner.caller
    if owner is None or not isinstance(owner.args, ir.Call) or owner.caller is None:
        return None
    call = owner.args
    for keyword, value in call.kwargs:
        if keyword == node.name:
            return value, owner.caller
    facts = project.functions.get(node.func) if project is not None else None
    if facts is None or node.name not in facts.params:
        return None
    position = facts.params.index(node.name) - owner.offset
    for index, arg in enumerate(call.args):
        if isinstance(arg, ir.Starred):
            return None
        if index == position:
            return arg, owner.caller
    return None
