"""Change how an activation is spelled, keeping where it is:

    softmax -> log_softmax   nn.Softmax -> nn.LogSoftmax, F.softmax -> F.log_softmax,
                             torch.softmax -> torch.log_softmax, x.softmax -> x.log_softmax
    sigmoid -> logsigmoid    nn.Sigmoid -> nn.LogSigmoid, torch.sigmoid(x) / x.sigmoid() ->
                             F.logsigmoid(x)
    torch.log(F.softmax(x, d)) -> F.log_softmax(x, d); torch.log(torch.sigmoid(x)) -> F.logsigmoid(x)
"""

from __future__ import annotations

import libcst as cst

from losslint.analysis.evaluate import TensorV
from losslint.fixes import calls, imports
from losslint.fixes.changes import strip_parens
from losslint.fixes.errors import Unfixable
from losslint.fixes.plan import Plan
from losslint.fixes.remove import binding_of, drop_binding_if_unused, unwrap_log

# (activation, target) -> name changes by spelling
_LAYERS = {
    ("softmax", "log_softmax"): {"Softmax": "LogSoftmax", "Softmax2d": "LogSoftmax"},
    ("sigmoid", "logsigmoid"): {"Sigmoid": "LogSigmoid"},
}
_FUNCTIONS = {
    ("softmax", "log_softmax"): {"softmax": "log_softmax"},
    ("sigmoid", "logsigmoid"): {"sigmoid": "logsigmoid"},
}
_FUNCTIONAL_NAME = {"log_softmax": "log_softmax", "logsigmoid": "logsigmoid"}
# Softmax2d normalizes over the channel dimension.
_SOFTMAX2D_DIM = "-3"


def swap(plan: Plan, tensor: TensorV, target: str) -> None:
    """Respell the activation at tensor.site as `target` (its log form)."""
    key = (tensor.kind, target)
    if key not in _LAYERS:
        raise Unfixable(f"no {target} spelling of {tensor.kind}")
    source, node = plan.node_at(tensor.site, "activation")
    changes = plan.changes(tensor.site.path)
    names = calls.torch_names(source, node.func)
    if tensor.form == "layer":
        cls = next((q.rsplit(".", 1)[-1] for q in names if q.rsplit(".", 1)[-1] in _LAYERS[key]), None)
        if cls is None:
            raise Unfixable("unknown activation layer")
        calls.rename_callee(changes, node, cls, _LAYERS[key][cls])
        if cls == "Softmax2d":
            changes.rewrite(node, lambda updated: updated.with_changes(args=[_dim_arg(_SOFTMAX2D_DIM)]))
    elif tensor.form == "function":
        if tensor.kind == "sigmoid" and not any(q == "torch.nn.functional.sigmoid" for q in names):
            calls.call_functional(changes, node, "logsigmoid")  # torch.sigmoid has no log twin in torch
            return
        old = next((q.rsplit(".", 1)[-1] for q in names if q.rsplit(".", 1)[-1] in _FUNCTIONS[key]), None)
        if old is None:
            raise Unfixable("unknown activation function")
        calls.rename_callee(changes, node, old, _FUNCTIONS[key][old])
    elif tensor.form == "method":
        method = node.func.attr.value if isinstance(node.func, cst.Attribute) else ""
        if method == "softmax":
            changes.replace(node.func.attr, cst.Name("log_softmax"))
        elif method == "sigmoid":
            calls.method_to_functional(changes, node, "logsigmoid")
        else:
            raise Unfixable(f"no log spelling of .{method}()")
    else:
        raise Unfixable(f"cannot respell form {tensor.form}")


def stable_log(plan: Plan, tensor: TensorV) -> None:
    """torch.log(softmax(x)) -> log_softmax(x), torch.log(sigmoid(x)) -> F.logsigmoid(x),
    when the activation is computed right inside the log."""
    inner = tensor.inner
    if tensor.form != "log" or inner is None:
        raise Unfixable("not a log of an activation")
    source, log_call = plan.node_at(tensor.site, "log")
    if calls.is_function_form(source, log_call):
        argument = log_call.args[calls.input_index(log_call)].value
    elif isinstance(log_call.func, cst.Attribute):
        argument = log_call.func.value
    else:
        raise Unfixable("unusual log call")
    inner_site = inner.applied if inner.form == "layer" else inner.site
    if inner_site is None or source.site_of(argument) != inner_site:
        _stable_from_binding(plan, tensor, source, log_call, argument)
        return
    if inner.form == "layer":
        _layer_call_to_functional(plan, inner, argument, tensor.kind)
    else:
        swap(plan, inner, tensor.kind)
    unwrap_log(plan, tensor)


def _stable_from_binding(plan: Plan, tensor: TensorV, source, log_call: cst.Call, argument) -> None:
    """`probs = F.softmax(z, 1)` ... `torch.log(probs)` ->
    `log_probs = F.log_softmax(z, 1)`, `probs = log_probs.exp()` ... `log_probs`:
    the log comes from the stable function and `probs` keeps its values."""
    inner = tensor.inner
    if not isinstance(argument, cst.Name) or inner.form not in ("function", "method") or inner.site.path != source.path:
        raise Unfixable("the activation is computed away from the log")
    name = argument.value
    inner_call = source.node_at(inner.site)
    assign = source.parent(inner_call) if inner_call is not None else None
    if not (isinstance(assign, cst.Assign) and assign.value is inner_call and len(assign.targets) == 1):
        raise Unfixable("the activation is not bound to a name")
    target = assign.targets[0].target
    line = source.parent(assign)
    if not (isinstance(target, cst.Name) and target.value == name and isinstance(line, cst.SimpleStatementLine) and len(line.body) == 1):
        raise Unfixable("the activation is not bound to this name")
    if source.enclosing_function(argument) is not source.enclosing_function(assign):
        raise Unfixable("the log and the activation are in different functions")
    begin, end = source.end(assign), source.start(log_call)
    if not begin < end:
        raise Unfixable("the log comes first")
    for node, binds in source.variables(name, source.enclosing_function(assign)):
        # Any other binding of the name in this function before the log: the log may read
        # it (`probs = ...` in a branch above), and the renamed one would then be unbound.
        if binds and node is not target and source.start(node) < end:
            raise Unfixable(f"`{name}` is rebound before the log")
    new = f"log_{name}"
    if plan.view.name_mentions(new, source.path) or plan.view.attribute_mentions(new):
        raise Unfixable(f"`{new}` is taken")
    changes = plan.changes(source.path)
    swap(plan, inner, tensor.kind)
    changes.replace(target, cst.Name(new))
    keep = cst.parse_statement(f"{name} = {new}.exp()\n")
    changes.rewrite(line, lambda updated: cst.FlattenSentinel([updated, keep]))
    changes.rewrite(log_call, lambda updated: strip_parens(cst.Name(new), updated))


def _layer_call_to_functional(plan: Plan, inner: TensorV, applied: cst.Call, target: str) -> None:
    """`torch.log(self.act(x))` with `self.act = nn.Softmax(dim=1)` -> `F.log_softmax(x, dim=1)`."""
    ctor_source, ctor = plan.node_at(inner.site, "layer")
    layer = next(iter(q.rsplit(".", 1)[-1] for q in calls.torch_names(ctor_source, ctor.func)), "")
    if layer == "Softmax2d":
        options = [_dim_arg(_SOFTMAX2D_DIM)]
    else:
        options = [a.with_changes(comma=cst.MaybeSentinel.DEFAULT) for a in ctor.args]
    changes = plan.changes(inner.applied.path)
    alias = imports.functional_name(changes)
    index = calls.input_index(applied)

    def rewrite(updated: cst.Call) -> cst.Call:
        value = updated.args[index].value
        args = [cst.Arg(value)] + [_with_comma_before(o) for o in options]
        args = [a.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))) for a in args[:-1]] + args[-1:]
        new = cst.Call(func=cst.Attribute(value=cst.Name(alias), attr=cst.Name(_FUNCTIONAL_NAME[target])), args=args)
        return strip_parens(new, updated)

    changes.rewrite(applied, rewrite)
    if applied.func is not ctor:
        binding = binding_of(ctor_source, ctor)
        if binding is not None:
            drop_binding_if_unused(plan, ctor_source, binding)


def _with_comma_before(arg: cst.Arg) -> cst.Arg:
    return arg.with_changes(comma=cst.MaybeSentinel.DEFAULT)


def _dim_arg(value: str) -> cst.Arg:
    return cst.Arg(
        keyword=cst.Name("dim"),
        value=cst.parse_expression(value),
        equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")),
    )
