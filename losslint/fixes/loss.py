"""Switch a loss: nn.NLLLoss -> nn.CrossEntropyLoss, F.binary_cross_entropy ->
F.binary_cross_entropy_with_logits, nn.CrossEntropyLoss -> nn.NLLLoss.

The criterion is renamed where it is built, so every call of it changes: each must end in
a fine pair, and calls on inputs losslint cannot follow make the fix unsafe.
"""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst

from losslint.analysis import ir
from losslint.analysis.evaluate import TensorV
from losslint.analysis.pairs import LossUse
from losslint.core.findings import Site
from losslint.fixes import imports
from losslint.fixes.calls import rename_callee, torch_names
from losslint.fixes.changes import remove_element
from losslint.fixes.errors import Unfixable
from losslint.fixes.plan import Plan
from losslint.rules import catalog

FUNCTIONAL = {
    "CrossEntropyLoss": "cross_entropy",
    "NLLLoss": "nll_loss",
    "BCELoss": "binary_cross_entropy",
    "BCEWithLogitsLoss": "binary_cross_entropy_with_logits",
}
# The loss of the same family that takes the other kind of input.
COUNTERPART = {
    "NLLLoss": "CrossEntropyLoss",
    "CrossEntropyLoss": "NLLLoss",
    "BCELoss": "BCEWithLogitsLoss",
    "BCEWithLogitsLoss": "BCELoss",
}
GOOD = ("best", "fine")
# Positional parameters after which CrossEntropyLoss has label_smoothing, which NLLLoss lacks.
_CE_POSITIONAL = {"class": 5, "function": 7}


def good_loss(activation: str, loss: str) -> str | None:
    """`loss`, or its counterpart, whichever makes a fine pair with `activation`."""
    rules = catalog.load()
    for candidate in (loss, COUNTERPART.get(loss)):
        if candidate is not None and rules.verdict(activation, candidate) in GOOD:
            return candidate
    return None


def activation_of(value: TensorV) -> str:
    return "none" if value.kind == "logits" else value.kind


def switch(plan: Plan, use: LossUse, new_loss: str, after: Callable[[TensorV], str] = activation_of) -> None:
    """Rename the loss of `use` to `new_loss`. `after` gives the activation each input
    will have once the whole fix is applied."""
    if use.implicit:
        raise Unfixable(f"{use.loss} is chosen by a library's criterion argument")
    key = use.ctor_site or use.call_site
    if key in plan.switched:
        return
    if use.loss not in FUNCTIONAL or new_loss not in FUNCTIONAL:
        raise Unfixable(f"no switch from {use.loss} to {new_loss}")
    view = plan.view
    rules = catalog.load()
    site = use.ctor_site or use.call_site
    source, node = plan.node_at(site, "loss")
    changes = plan.changes(site.path)
    if use.ctor_site is not None:
        rename_callee(changes, node, use.loss, new_loss)
        call_sites = {use.call_site}
    else:
        call_sites = _rename_functional(plan, changes, node, FUNCTIONAL[use.loss], FUNCTIONAL[new_loss])
    calls = set()
    for call_site, value in view.criterion_inputs(use.ctor_site, call_sites):
        calls.add(call_site)
        if isinstance(value, TensorV):
            if rules.verdict(after(value), new_loss) not in GOOD:
                raise Unfixable(f"the {use.loss} at {call_site} also computes a pair that {new_loss} would get wrong")
        elif call_site not in plan.unknown_uses:
            plan.unknown_uses.append(call_site)
    if use.ctor_site is not None:
        plan.unknown_uses.extend(s for s in view.criterion_escapes(use.ctor_site) if s not in plan.unknown_uses)
    if use.loss == "CrossEntropyLoss" and new_loss == "NLLLoss":
        _check_cross_entropy_only_options(plan, use)
        _drop_keyword(changes, node, "label_smoothing")  # 0.0 here; NLLLoss does not take it
    plan.switched[key] = (use.loss, new_loss)
    plan.handled_losses |= calls


def _rename_functional(plan: Plan, changes, call: cst.Call, old: str, new: str) -> set[Site]:
    """Rename the functional loss a call uses: `F.nll_loss(...)` itself, or the one bound
    to the name it calls (`objective = F.nll_loss`, `loss_fn = partial(F.nll_loss, ...)`).
    Returns the loss calls that change: every call of that name."""
    source = changes.source
    if torch_names(source, call.func):
        rename_callee(changes, call, old, new)
        return {plan.view.file(source.path).site_of(call)}
    if not isinstance(call.func, cst.Name):
        raise Unfixable("the loss function is not named directly")
    bindings = [node for node, binds in source.variables(call.func.value) if binds]
    if len(bindings) != 1:
        raise Unfixable("the loss function's name is bound more than once")
    target = bindings[0]
    assign = source.parent(source.parent(target))
    if not (isinstance(source.parent(target), cst.AssignTarget) and isinstance(assign, cst.Assign)):
        raise Unfixable("the loss function's name is not bound by an assignment")
    references = [
        node
        for node in _names_within(assign.value)
        if f"torch.nn.functional.{old}" in source.qualified_names(node)
    ]
    if len(references) != 1:
        raise Unfixable("no single reference to the loss function")
    reference = references[0]
    if isinstance(reference, cst.Attribute):
        changes.replace(reference.attr, cst.Name(new))
    else:
        changes.replace(reference, cst.Name(imports.name_from(changes, new, reference.value)))
    return plan.view.calls_named(call.func.value)


def _drop_keyword(changes, call: cst.Call, keyword: str) -> None:
    for index, arg in enumerate(call.args):
        if arg.keyword is not None and arg.keyword.value == keyword:
            changes.rewrite(call, lambda updated, index=index: remove_element(updated, index))


def _names_within(node: cst.CSTNode) -> list[cst.CSTNode]:
    found: list[cst.CSTNode] = []

    class Collect(cst.CSTVisitor):
        def visit_Attribute(self, attribute: cst.Attribute) -> bool:
            found.append(attribute)
            return False

        def visit_Name(self, name: cst.Name) -> None:
            found.append(name)

    node.visit(Collect())
    return found


def _check_cross_entropy_only_options(plan: Plan, use: LossUse) -> None:
    """NLLLoss has no label_smoothing and no probability targets: leave those alone."""
    options = use.ctor if use.ctor is not None else use.call
    limit = _CE_POSITIONAL["class" if use.ctor is not None else "function"]
    if len([a for a in options.args if not isinstance(a, ir.Starred)]) > limit or any(isinstance(a, ir.Starred) for a in options.args):
        raise Unfixable("label_smoothing given by position")
    for keyword, value in options.kwargs:
        if keyword == "**":
            raise Unfixable("options passed as **kwargs")
        if keyword == "label_smoothing" and not (isinstance(value, ir.Const) and value.value in (0, 0.0)):
            raise Unfixable("label_smoothing has no NLLLoss equivalent")
    target = use.call.arg(1, "target")
    if target is None:
        return
    evaluator = plan.view.evaluator
    if any(isinstance(v, TensorV) for v in evaluator.values(target, use.frame)):
        raise Unfixable("the target is a probability tensor, which NLLLoss does not accept")
    source = plan.view.file(use.call_site.path)
    call = source.node_at(use.call_site) if source is not None else None
    if isinstance(call, cst.Call) and len(call.args) > 1:
        text = source.code(call.args[1].value)
        if any(word in text for word in ("one_hot", "softmax", "sigmoid", "soft", "prob")):
            raise Unfixable("the target looks like probabilities")
