"""The literal arguments of calls the rules beyond the quiz read: a loss's flags
(KLDivLoss's reduction and log_target, PoissonNLLLoss's log_input), a softmax's dim, an
output layer's size, and what an autocast region says about its device.

Every reader answers a value, MISSING (not passed: torch's default applies) or UNREAD
(passed, but not as something losslint can read: a variable of unknown value, `*args`,
`**kwargs`). Rules report only on values and MISSING: precision first.
"""

from __future__ import annotations

from losslint.analysis import ir, torch_api
from losslint.analysis.evaluate import ConstV, Evaluator, ExternalV, Frame, TensorV
from losslint.analysis.pairs import LossCall


class _Marker:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


MISSING = _Marker("MISSING")
UNREAD = _Marker("UNREAD")

# Parameters in order: the functional form (after nothing: input and target included) and
# the criterion class's constructor, for the losses whose options the rules read.
FUNCTIONAL_PARAMS = {
    "KLDivLoss": ("input", "target", "size_average", "reduce", "reduction", "log_target"),
    "PoissonNLLLoss": ("input", "target", "log_input", "full", "size_average", "eps", "reduce", "reduction"),
}
CLASS_PARAMS = {
    "KLDivLoss": ("size_average", "reduce", "reduction", "log_target"),
    "PoissonNLLLoss": ("log_input", "full", "size_average", "eps", "reduce", "reduction"),
}
# size_average / reduce (deprecated) override `reduction` when either is passed.
LEGACY_REDUCTION = ("size_average", "reduce")


def loss_option(evaluator: Evaluator, loss_call: LossCall, name: str) -> object:
    """The value of the loss option `name` at this call: from the criterion's
    construction (nn.KLDivLoss(reduction="sum")), or from the functional call and the
    functools.partial it may come from (partial(F.kl_div, reduction="batchmean"))."""
    use = loss_call.use
    if use.ctor is not None:
        params = CLASS_PARAMS.get(use.loss)
        if params is None or name not in params:
            return UNREAD
        return _argument(evaluator, use.ctor, params, name, use.ctor_frame)
    params = FUNCTIONAL_PARAMS.get(use.loss)
    if params is None or name not in params:
        return UNREAD
    callee = loss_call.callee
    partial = callee.partial if isinstance(callee, ExternalV) else None
    if partial is None:
        return _argument(evaluator, use.call, params, name, use.frame)
    # partial(F.kl_div, *leading, **bound)(*rest, **more): the call's keywords win.
    if any(isinstance(a, ir.Starred) for a in partial.args) or any(k == "**" for k, _ in partial.kwargs):
        return UNREAD
    combined = ir.Call(
        partial.func,
        tuple(partial.args[1:]) + use.call.args,
        tuple(kv for kv in partial.kwargs if kv[0] not in {k for k, _ in use.call.kwargs}) + use.call.kwargs,
        use.call.site,
    )
    # The partial's own arguments were written elsewhere: only their literal values count.
    return _argument(evaluator, combined, params, name, use.frame)


def reduction(evaluator: Evaluator, loss_call: LossCall) -> object:
    """The loss's reduction ("mean" when not passed), UNREAD when the legacy
    size_average/reduce arguments decide it or it cannot be read."""
    for legacy in LEGACY_REDUCTION:
        if loss_option(evaluator, loss_call, legacy) not in (MISSING, None):
            return UNREAD
    value = loss_option(evaluator, loss_call, "reduction")
    return "mean" if value is MISSING else value


def flag(evaluator: Evaluator, loss_call: LossCall, name: str, default: bool) -> bool | None:
    """A boolean option (log_target, log_input): True/False, or None when unread."""
    value = loss_option(evaluator, loss_call, name)
    if value is MISSING:
        return default
    return value if isinstance(value, bool) else None


def _argument(evaluator: Evaluator, call: ir.Call, params: tuple[str, ...], name: str, frame: Frame | None) -> object:
    for keyword, node in call.kwargs:
        if keyword == name:
            return _literal(evaluator, node, frame)
    position = params.index(name)
    for index, node in enumerate(call.args):
        if isinstance(node, ir.Starred):
            return UNREAD  # f(*args): any later parameter may come from it
        if index == position:
            return _literal(evaluator, node, frame)
    if any(keyword == "**" for keyword, _ in call.kwargs):
        return UNREAD
    return MISSING


def _literal(evaluator: Evaluator, node: ir.IR, frame: Frame | None) -> object:
    if isinstance(node, ir.Const):
        return node.value
    if frame is None:
        return UNREAD
    value = evaluator.value(node, frame)  # a module constant, a default argument...
    return value.value if isinstance(value, ConstV) else UNREAD


# --- activations and layers --------------------------------------------------------------

# The softmax spellings that have a `dim` and where it sits: layers take it first, the
# functions after their input; torch.softmax and x.softmax() cannot omit it (TypeError).
_DIM_POSITION = {
    "torch.nn.Softmax": 0,
    "torch.nn.LogSoftmax": 0,
    "torch.nn.functional.softmax": 1,
    "torch.nn.functional.log_softmax": 1,
    "torch.softmax": 1,
    "torch.log_softmax": 1,
    "torch.special.softmax": 1,
    "torch.special.log_softmax": 1,
    "softmax": 0,  # x.softmax(dim)
    "log_softmax": 0,
}
# Spellings whose dim may be left out (deprecated; torch picks one from the input's rank).
IMPLICIT_DIM_OPS = frozenset(
    {"torch.nn.Softmax", "torch.nn.LogSoftmax", "torch.nn.functional.softmax", "torch.nn.functional.log_softmax"}
)


def softmax_dim(tensor: TensorV) -> object:
    """The literal `dim` of a softmax/log_softmax TensorV (None when it was left out or
    passed as None), MISSING-free: UNREAD when it cannot be read."""
    if tensor.form == "log" and tensor.inner is not None:
        tensor = tensor.inner
    position = _DIM_POSITION.get(tensor.op)
    call = tensor.call
    if position is None or call is None or tensor.kind not in ("softmax", "log_softmax"):
        return UNREAD
    value = _argument_literal(call, position, "dim")
    if value is MISSING:
        return None
    return value


def _argument_literal(call: ir.Call, position: int, name: str) -> object:
    """Like _argument for literals only (the activation's frame is not kept)."""
    for keyword, node in call.kwargs:
        if keyword == name:
            return _const(node)
    for index, node in enumerate(call.args):
        if isinstance(node, ir.Starred):
            return UNREAD
        if index == position:
            return _const(node)
    if any(keyword == "**" for keyword, _ in call.kwargs):
        return UNREAD
    return MISSING


def _const(node: ir.IR) -> object:
    return node.value if isinstance(node, ir.Const) else UNREAD


def output_units(tensor: TensorV) -> int | None:
    """How many outputs the layer that produced these logits has, when the evaluator could
    read it (a literal, a module constant, a default or literal constructor argument)."""
    return tensor.units if tensor.kind == "logits" and tensor.form == "layer" else None


# --- autocast ---------------------------------------------------------------------------


def autocast_state(evaluator: Evaluator, context: ir.IR, frame: Frame) -> str | None:
    """What a `with` item does to CUDA autocast: "on" (`torch.autocast("cuda")`,
    `torch.cuda.amp.autocast()`, enabled left out or true), "maybe" (enabled read at run
    time: `enabled=cfg.amp`), "off" (enabled false, or another device), None when it is
    not autocast or cannot be read."""
    if not isinstance(context, ir.Call):
        return None
    names = {v.name for v in evaluator.values(context.func, frame) if isinstance(v, ExternalV)}
    if len(names) != 1:
        return None
    name = names.pop()
    if name not in torch_api.AUTOCAST:
        return None
    device = torch_api.AUTOCAST[name]
    if device is None:
        value = _argument(evaluator, context, ("device_type", "dtype", "enabled", "cache_enabled"), "device_type", frame)
        device = value if isinstance(value, str) else None
        if device is None:
            return None
    params = ("device_type", "dtype", "enabled", "cache_enabled") if torch_api.AUTOCAST[name] is None else ("enabled", "dtype", "cache_enabled")
    enabled = _argument(evaluator, context, params, "enabled", frame)
    if enabled is False or device.split(":")[0] != "cuda":
        return "off"
    return "maybe" if enabled is UNREAD else "on"
