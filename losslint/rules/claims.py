"""Claims of a message that hold only for some code: each is shown where the code it
points at makes it true (an `eps` inside the log keeps a hand-written loss finite; float
targets never raise IndexError). The texts live in the rule's TOML (`[claims.FIELD]`,
one text per condition and a `default`); this module reads the conditions off the code.
"""

from __future__ import annotations

from losslint.analysis import ir
from losslint.analysis.values import ExternalV, TensorV

FLOAT_METHODS = frozenset({"float", "double", "half", "bfloat16"})
FLOAT_FACTORIES = frozenset({"rand", "randn", "rand_like", "randn_like", "ones", "zeros", "ones_like", "zeros_like"})
FLOAT_DTYPES = frozenset({"float", "float32", "float64", "float16", "double", "half", "bfloat16"})
CLAMPS = frozenset({"clamp", "clamp_min", "clip", "clamp_"})


def fields(rule, conditions: set[str]) -> dict[str, str]:
    """The text of each of the rule's claims under the conditions that hold."""
    out = {}
    for name, texts in rule.claims.items():
        out[name] = next((texts[c] for c in texts if c != "default" and c in conditions), texts["default"])
    return out


def log_argument(log: ir.Call) -> ir.IR | None:
    """x of torch.log(x) or x.log()."""
    if isinstance(log.func, ir.Attr) and not log.args:
        return log.func.obj
    return log.arg(0, "input")


def has_eps(log: ir.Call) -> bool:
    """torch.log(p + eps) / torch.log(p.clamp(min=eps)): the log never sees 0."""
    arg = log_argument(log)
    if isinstance(arg, ir.BinOp) and arg.op == "+":
        return any(_positive(side) for side in (arg.left, arg.right))
    if isinstance(arg, ir.Call) and isinstance(arg.func, ir.Attr) and arg.func.name in CLAMPS:
        low = arg.arg(0, "min")
        return low is not None and _positive(low)
    return False


def _positive(node: ir.IR) -> bool:
    if isinstance(node, ir.Const):
        return isinstance(node.value, (int, float)) and not isinstance(node.value, bool) and node.value > 0
    name = node.name if isinstance(node, (ir.Param, ir.ModuleName)) else None
    return name is not None and "eps" in name.lower()


def float_target(evaluator, use) -> bool:
    """Whether the loss's target is visibly floating point (soft labels): `y.float()`,
    `.to(torch.float32)`, `torch.rand(...)`, a float literal, probabilities."""
    node = use.call.arg(1, "target")
    if node is None or use.implicit:
        return False
    if isinstance(node, ir.Const):
        return isinstance(node.value, float)
    if isinstance(node, ir.Call):
        func = node.func
        if isinstance(func, ir.Attr) and func.name in FLOAT_METHODS:
            return True
        if isinstance(func, ir.Attr) and func.name in ("to", "type"):
            return any(_float_dtype(a) for a in (*node.args, *(v for _, v in node.kwargs)))
        names = {v.name for v in evaluator.values(func, use.frame) if isinstance(v, ExternalV)}
        if names and all(n.startswith("torch.") and n.rsplit(".", 1)[-1] in FLOAT_FACTORIES for n in names):
            return True
    values = evaluator.values(node, use.frame)
    return bool(values) and all(isinstance(v, TensorV) and v.kind in ("softmax", "sigmoid") for v in values)


def _float_dtype(node: ir.IR) -> bool:
    name = node.name if isinstance(node, (ir.Attr, ir.Global)) else None
    return name is not None and name.rsplit(".", 1)[-1] in FLOAT_DTYPES


def pair_fields(rule, pair) -> dict[str, str]:
    """The claims of a pair rule's message, by what the pair shows: the layer's size
    (LL406's IndexError needs one unit; a gradient ratio depends on the class count) and
    a literal reduction (a range per example is not the range of a sum)."""
    if not rule.claims:
        return {}
    source = pair.tensor.source
    units = source.units if source is not None else None
    conditions = {"one_unit"} if units == 1 else {"many_units"} if units is not None else set()
    if units is not None:
        conditions.add(f"classes_{units}")
    reduction = literal_reduction(pair.use)
    if reduction == "sum":
        conditions.add("reduction_sum")
    elif reduction is None:
        conditions.add("reduction_unread")
    return fields(rule, conditions)


# The losses whose claims depend on `reduction`: the number of positional arguments
# before the legacy size_average (constructor, functional form: input and target counted).
_BEFORE_LEGACY = {"NLLLoss": (1, 3), "CrossEntropyLoss": (1, 3)}


def literal_reduction(use) -> str | None:
    """The loss's `reduction` when written as a keyword literal at its construction or
    call ("mean" when left out); None when it is not a literal, or when legacy
    size_average/reduce (or positional arguments past `weight`) may decide it."""
    before = _BEFORE_LEGACY.get(use.loss)
    call = use.ctor if use.ctor is not None else use.call
    if before is None or call is None or use.implicit:
        return None
    keywords = {key for key, _ in call.kwargs}
    if keywords & {"size_average", "reduce", "**"} or len(call.args) > before[0 if use.ctor is not None else 1]:
        return None
    node = dict(call.kwargs).get("reduction")
    if node is None:
        return "mean"
    return node.value if isinstance(node, ir.Const) and isinstance(node.value, str) else None
