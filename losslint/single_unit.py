"""LL408: a softmax (or log_softmax) over a dimension of size 1.

`nn.Linear(64, 1)` then `nn.LogSoftmax(dim=1)`: the one value is normalized against
itself, so softmax gives 1 and log_softmax 0 whatever the input, and the gradient that
reaches the layer is exactly 0. The size is known only from the layer that made the
logits (TensorV.source: `units` read from `nn.Linear(·, 1)`, a convolution with one
output channel) and the dimension only from a literal `dim`: the class dimension of the
layer's output (1 or -1 after a Linear, 1 after a convolution). Anything unread stays
silent. The finding replaces the pair's verdict (LL104 says "the same result" for
log_softmax before CrossEntropyLoss, which is true of a real class dimension only).
"""

from __future__ import annotations

from losslint.analysis import arguments
from losslint.analysis.values import TensorV

CODE = "LL408"
LINEAR = ("torch.nn.Linear", "torch.nn.LazyLinear")
CONV = ("torch.nn.Conv1d", "torch.nn.Conv2d", "torch.nn.Conv3d", "torch.nn.LazyConv1d", "torch.nn.LazyConv2d", "torch.nn.LazyConv3d")


def activation(tensor: TensorV) -> TensorV:
    """The softmax itself (inside torch.log(softmax(x)))."""
    return tensor.inner if tensor.form == "log" and tensor.inner is not None else tensor


def over_single_unit(tensor: TensorV) -> bool:
    """Whether this softmax/log_softmax normalizes over a dimension of size 1."""
    inner = activation(tensor)
    source = inner.source
    if inner.kind not in ("softmax", "log_softmax") or source is None or source.units != 1 or source.reshaped:
        return False
    dim = arguments.softmax_dim(inner)
    if source.op in LINEAR:
        return dim in (1, -1)
    if source.op in CONV:
        return dim == 1
    return False


def replaces(finding, pairs: set[int]) -> bool:
    """Whether a pair verdict's finding is only about pairs LL408 judged (its "same
    result" or "double softmax" reading does not hold over one unit)."""
    origins = getattr(finding, "origins", None) or []
    return bool(origins) and all(id(origin) in pairs for origin in origins)


def fields(tensor: TensorV) -> dict[str, str]:
    """The message's claim for this activation (its own constant, not both)."""
    if tensor.kind == "log_softmax":
        return {"constant": "log_softmax of one value is always 0"}
    return {"constant": "softmax of one value is always 1"}
