"""Take an activation out of the model's training path, in every shape the analyzer knows:

    nn.Sequential(..., nn.Softmax(dim=1))          the element goes (commas, comments kept tidy)
    OrderedDict([..., ("act", nn.Sigmoid())])      the (name, layer) pair goes
    layers.append(nn.Softmax())                    the statement goes
    layers["out"] = nn.Softmax(dim=1)              the statement goes
    self.act = nn.Sigmoid() ... self.act(x)        the call becomes `x`; the attribute goes
                                                   when nothing else uses it
    ACTS["soft"](x), self.heads["out"](x)          the call becomes `x`; the table stays
    return F.softmax(x, dim=1) / x.sigmoid()       the call becomes `x`
    torch.log(torch.sigmoid(x))                    both calls go
"""

from __future__ import annotations

import libcst as cst

from losslint.analysis.evaluate import TensorV
from losslint.fixes import calls
from losslint.fixes.changes import remove_element, remove_statement
from losslint.fixes.errors import Unfixable
from losslint.fixes.plan import Plan
from losslint.fixes.source import SourceFile

_APPEND = frozenset({"append", "add_module", "register_module"})
_MAPPINGS = ("collections.OrderedDict", "typing.OrderedDict", "torch.nn.ModuleDict")


def remove(plan: Plan, tensor: TensorV) -> None:
    if tensor.form == "log":
        if tensor.inner is None:
            raise Unfixable("log without its activation")
        unwrap_log(plan, tensor)
        remove(plan, tensor.inner)
        return
    source, node = plan.node_at(tensor.site, "activation")
    changes = plan.changes(tensor.site.path)
    if tensor.form == "function":
        calls.unwrap_to_input(changes, node)
    elif tensor.form == "method":
        calls.unwrap_to_receiver(changes, node)
    elif tensor.form == "layer":
        remove_layer(plan, tensor, source, node)
    else:
        raise Unfixable(f"unknown form {tensor.form}")


def unwrap_log(plan: Plan, tensor: TensorV) -> None:
    source, node = plan.node_at(tensor.site, "log")
    changes = plan.changes(tensor.site.path)
    if calls.is_function_form(source, node):
        calls.unwrap_to_input(changes, node)
    else:
        calls.unwrap_to_receiver(changes, node)


def remove_layer(plan: Plan, tensor: TensorV, source: SourceFile, ctor: cst.Call) -> None:
    if tensor.applied is not None:
        applied_source, applied = plan.node_at(tensor.applied, "layer call")
        if applied.func is ctor:  # nn.Softmax(dim=1)(x)
            calls.unwrap_to_input(plan.changes(tensor.applied.path), applied)
            return
        binding = binding_of(source, ctor)
        if binding is not None:  # self.act = nn.Sigmoid() ... self.act(x)
            calls.unwrap_to_input(plan.changes(tensor.applied.path), applied)
            drop_binding_if_unused(plan, source, binding)
            return
        if isinstance(applied.func, cst.Subscript):  # ACTS["soft"](x), self.heads["out"](x)
            # Picked out of its table by key and called: the call goes, the entry stays
            # (other keys, other uses; dropping it would make the lookup a KeyError).
            calls.unwrap_to_input(plan.changes(tensor.applied.path), applied)
            return
        # Otherwise the layer sits in a list that a loop applies (`for block in self.blocks:
        # x = block(x)`): it leaves the list, the loop stays.
    remove_from_container(plan, source, ctor)


def binding_of(source: SourceFile, ctor: cst.Call) -> cst.Assign | None:
    """The `self.act = nn.Sigmoid()` / `act = nn.Sigmoid()` statement that builds the layer."""
    parent = source.parent(ctor)
    if not isinstance(parent, cst.Assign) or len(parent.targets) != 1:
        return None
    target = parent.targets[0].target
    if isinstance(target, cst.Name) or (isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name)):
        return parent
    return None


def drop_binding_if_unused(plan: Plan, source: SourceFile, assign: cst.Assign) -> None:
    """Delete `self.act = nn.Sigmoid()` once its only call is gone; keep it when anything
    else names it (another call, `model.act`, getattr(model, "act"))."""
    target = assign.targets[0].target
    if isinstance(target, cst.Attribute):
        mentions = plan.view.attribute_mentions(target.attr.value)
    else:
        module_level = isinstance(source.parent(source.parent(assign)), cst.Module)
        mentions = plan.view.name_mentions(target.value, None if module_level else source.path)
    if mentions <= 2:  # the assignment and the call being unwrapped
        remove_statement(plan.changes(source.path), assign)


def remove_from_container(plan: Plan, source: SourceFile, ctor: cst.Call) -> None:
    changes = plan.changes(source.path)
    parent = source.parent(ctor)
    if isinstance(parent, cst.Arg):
        call = source.parent(parent)
        index = _index(call.args, parent)
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value in _APPEND and isinstance(source.parent(call), cst.Expr):
            remove_statement(changes, source.parent(call))  # layers.append(nn.Softmax())
            return
        names = calls.torch_names(source, func) | source.qualified_names(func)
        if parent.keyword is None and not parent.star and "torch.nn.Sequential" in names:
            changes.rewrite(call, lambda updated: remove_element(updated, index))
            return
        if parent.keyword is not None and names & set(_MAPPINGS):
            changes.rewrite(call, lambda updated: remove_element(updated, index))
            return
        raise Unfixable(f"the layer is an argument of `{source.snippet(func)}`")
    if isinstance(parent, cst.Element):
        sequence = source.parent(parent)
        outer = source.parent(sequence)
        if (
            isinstance(sequence, cst.Tuple)
            and len(sequence.elements) == 2
            and sequence.elements[1] is parent
            and isinstance(outer, cst.Element)
        ):
            # ("softmax", nn.Softmax(dim=1)) inside OrderedDict([...]): the pair goes.
            container = source.parent(outer)
            index = _index(container.elements, outer)
            changes.rewrite(container, lambda updated: remove_element(updated, index))
            return
        index = _index(sequence.elements, parent)
        changes.rewrite(sequence, lambda updated: remove_element(updated, index))
        return
    if isinstance(parent, cst.DictElement) and parent.value is ctor:
        container = source.parent(parent)
        index = _index(container.elements, parent)
        changes.rewrite(container, lambda updated: remove_element(updated, index))
        return
    if isinstance(parent, cst.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0].target, cst.Subscript):
        remove_statement(changes, parent)  # layers["out"] = nn.Softmax(dim=1)
        return
    raise Unfixable("the layer is built where losslint cannot remove it")


def _index(items, node) -> int:
    return next(i for i, item in enumerate(items) if item is node)
