"""The dimension of a softmax: left implicit (torch guesses it, with a warning), or the
batch dimension (dim 0) of a classifier's output going into CrossEntropyLoss/NLLLoss."""

from __future__ import annotations

from losslint.analysis import arguments, ir, torch_api
from losslint.analysis.arguments import IMPLICIT_DIM_OPS
from losslint.analysis.evaluate import TensorV
from losslint.analysis.pairs import LossCall
from losslint.rules.checker import Checker
from losslint.rules.emit import loss_sites

CODES = ("LL401", "LL402")
# The multiclass losses whose class dimension is 1 (or 0 for one unbatched example).
CLASS_DIM_LOSSES = ("CrossEntropyLoss", "NLLLoss")
# Layout changes that move the class dimension before a softmax: x.t().softmax(0).
_TRANSPOSES = frozenset({"t", "transpose", "permute", "movedim", "swapaxes", "T", "mT"})


def check(checker: Checker, loss_calls: list[LossCall]) -> None:
    for loss_call in loss_calls:
        use = loss_call.use
        target = use.call.arg(1, "target") if use.loss == "KLDivLoss" else None
        if target is None:
            continue
        for value in checker.evaluator.values(target, use.frame):
            # The target's softmax is a classifier output too (a teacher's): LL401 there.
            if isinstance(value, TensorV):
                _implicit_dim(checker, value, use)
    for pair in checker.analysis.pairs:
        tensor, use = pair.tensor, pair.use
        _implicit_dim(checker, tensor, use)
        inner = _activation(tensor)
        if inner.kind in ("softmax", "log_softmax") and use.loss in CLASS_DIM_LOSSES and not tensor.reshaped:
            # Only on a classifier's output (nn.Linear's logits): a softmax over dim 0 of an
            # unbatched (classes,) vector is right, and an unknown input may be one.
            if arguments.softmax_dim(inner) == 0 and _classifier_output(inner) and not _transposed_input(inner):
                checker.add("LL402", inner.site, loss_sites(use), inner, use.loss, {}, {"dim": 0},
                            applied=inner.applied, pair=pair)


def _activation(tensor: TensorV) -> TensorV:
    """The softmax itself, also under a log: torch.log(softmax(x))."""
    return tensor.inner if tensor.form == "log" and tensor.inner is not None else tensor


def _implicit_dim(checker: Checker, tensor: TensorV, use) -> None:
    inner = _activation(tensor)
    if inner.kind in ("softmax", "log_softmax") and inner.op in IMPLICIT_DIM_OPS:
        if arguments.softmax_dim(inner) is None:
            checker.add("LL401", inner.site, loss_sites(use), inner, use.loss, {},
                        {"dim": None}, applied=inner.applied)


def _classifier_output(tensor: TensorV) -> bool:
    """Whether the activation is applied to an output layer's logits in their own layout."""
    return tensor.source is not None and not tensor.source.reshaped


def _transposed_input(tensor: TensorV) -> bool:
    """Whether the softmax's input is visibly transposed first (x.t().softmax(0),
    F.softmax(x.permute(1, 0), 0)): then dim 0 may well be the class dimension."""
    call = tensor.call
    if call is None or tensor.form == "layer":
        return False
    source = call.func.obj if tensor.form == "method" and isinstance(call.func, ir.Attr) else call.arg(0, "input")
    if isinstance(source, ir.Attr) and source.name in _TRANSPOSES:
        return True
    if isinstance(source, ir.Call):
        func = source.func
        name = func.name if isinstance(func, ir.Attr) else func.name.rsplit(".", 1)[-1] if isinstance(func, ir.Global) else None
        return name in _TRANSPOSES or name in torch_api.LAYOUT_METHODS
    return False
