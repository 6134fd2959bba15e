"""LL408: a softmax (or log_softmax) over a dimension of size 1.

`nn.Linear(64, 1)` then `nn.LogSoftmax(dim=1)`: the one value is normalized against
itself, so softmax gives 1 and log_softmax 0 whatever the input, and the gradient that
reaches the layer is exactly 0. The size is known only from the layer that made the
logits (TensorV.source: `units` read from `nn.Linear(·, 1)`, a convolution with one
output channel) and the dimension only from a literal `dim`: the class dimension of the
layer's output (1 or -1 after a Linear, 1 after a convolution); or from the softmax's own
input, reshaped to a size-1 dimension right before it (`x.unsqueeze(-1)`, `x.view(-1, 1)`)
with `dim` on that dimension. Anything unread stays silent. The finding replaces the pair's verdict (LL104 says "the same result" for
log_softmax before CrossEntropyLoss, which is true of a real class dimension only).
"""

from __future__ import annotations

from losslint.analysis import arguments, ir
from losslint.analysis.pairs import LossCall
from losslint.analysis.values import TensorV
from losslint.rules.checker import Checker
from losslint.rules.emit import loss_sites

CODE = "LL408"
CODES = (CODE,)
LINEAR = ("torch.nn.Linear", "torch.nn.LazyLinear")
CONV = ("torch.nn.Conv1d", "torch.nn.Conv2d", "torch.nn.Conv3d", "torch.nn.LazyConv1d", "torch.nn.LazyConv2d", "torch.nn.LazyConv3d")


def activation(tensor: TensorV) -> TensorV:
    """The softmax itself (inside torch.log(softmax(x)))."""
    return tensor.inner if tensor.form == "log" and tensor.inner is not None else tensor


def over_single_unit(tensor: TensorV) -> bool:
    """Whether this softmax/log_softmax normalizes over a dimension of size 1."""
    inner = activation(tensor)
    if inner.kind not in ("softmax", "log_softmax"):
        return False
    dim = arguments.softmax_dim(inner)
    if _reshaped_to_one(inner, dim):
        return True
    source = inner.source
    if source is None or source.units != 1 or source.reshaped:
        return False
    if source.op in LINEAR:
        return dim in (1, -1)
    if source.op in CONV:
        return dim == 1
    return False


def _reshaped_to_one(tensor: TensorV, dim: object) -> bool:
    """The softmax's own input made a size-1 dimension at `dim` just before:
    `x.unsqueeze(-1).softmax(-1)`, `F.softmax(x.view(-1, 1), dim=1)`."""
    call = tensor.call
    if call is None or not isinstance(dim, int) or isinstance(dim, bool):
        return False
    if tensor.form == "method" and isinstance(call.func, ir.Attr):
        node = call.func.obj
    elif tensor.form == "function":
        node = call.arg(0, "input")
    else:
        return False
    if not isinstance(node, ir.Call) or not isinstance(node.func, ir.Attr) or node.kwargs:
        return False
    args = [a.value if isinstance(a, ir.Const) else None for a in node.args]
    if node.func.name == "unsqueeze" and len(args) == 1 and isinstance(args[0], int):
        return args[0] == dim
    if node.func.name in ("view", "reshape") and len(args) == 2 and args[1] == 1:
        return dim in (1, -1)  # (n, 1): dim 1 and dim -1 are the size-1 one
    return False


def check(checker: Checker, loss_calls: list[LossCall]) -> None:
    for pair in checker.analysis.pairs:
        if over_single_unit(pair.tensor):
            inner = activation(pair.tensor)
            checker.add(CODE, inner.site, loss_sites(pair.use), inner, pair.use.loss, fields(inner), {"units": 1},
                        applied=inner.applied, pair=pair)
            checker.replaced_pairs.add(id(pair))


def fields(tensor: TensorV) -> dict[str, str]:
    """The message's claims for this activation: its own constant (not both), and what
    made the dimension size 1 (the layer, or the reshape right before)."""
    made = "the layer has one output"
    if _reshaped_to_one(activation(tensor), arguments.softmax_dim(activation(tensor))):
        made = "the reshape right before it makes that dimension"
    if tensor.kind == "log_softmax":
        return {"constant": "log_softmax of one value is always 0", "size_one": made}
    return {"constant": "softmax of one value is always 1", "size_one": made}
