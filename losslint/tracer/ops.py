"""A PairSpec as torch calls: the activation, the loss, the random logits and targets."""

from __future__ import annotations

import warnings

from losslint.tracer import TraceError, require_torch
from losslint.tracer.spec import PairSpec

torch = require_torch()
F = torch.nn.functional

LOSS_FUNCTIONS = {
    "CrossEntropyLoss": F.cross_entropy,
    "NLLLoss": F.nll_loss,
    "BCELoss": F.binary_cross_entropy,
    "BCEWithLogitsLoss": F.binary_cross_entropy_with_logits,
    "KLDivLoss": F.kl_div,
    "MultiLabelSoftMarginLoss": F.multilabel_soft_margin_loss,
    "SoftMarginLoss": F.soft_margin_loss,
}
# What each loss applies to its input itself before taking the log-likelihood; an
# activation that this changes nothing on is redundant work (verdict.py).
INTERNAL = {"CrossEntropyLoss": "log_softmax", "BCEWithLogitsLoss": "logsigmoid"}

BATCH = 512
LOGIT_SCALE = 3.0  # logits ~ 3·N(0, 1), the taxonomy's "normal range"


def dtype_of(name: str):
    return {"float64": torch.float64, "float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}[name]


def resolve_device(name: str) -> str:
    """'auto' -> cuda when available, else cpu; 'cuda' without a device is an error."""
    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise TraceError("--device cuda: torch sees no CUDA device on this machine")
    if name not in ("cpu", "cuda"):
        raise TraceError(f"unknown device {name!r} (choose auto, cpu or cuda)")
    return name


def activate(spec: PairSpec, z, dim: int | None = None):
    """The activation of `spec` applied to logits `z` (dim: the softmax dim)."""
    d = spec.dim if dim is None else dim
    act = spec.activation
    if spec.spelling == "log":
        inner = torch.softmax(z, d) if act == "log_softmax" else torch.sigmoid(z)
        return torch.log(inner)
    if act == "none":
        return z
    if act == "sigmoid":
        return torch.sigmoid(z)
    if act == "logsigmoid":
        return F.logsigmoid(z)
    if act == "softmax":
        return F.softmax(z, d)
    if act == "log_softmax":
        return F.log_softmax(z, d)
    raise ValueError(act)


def loss_kwargs(spec: PairSpec, device: str, dtype, reduction: str | None = None) -> dict:
    kwargs = {}
    for key, value in spec.options().items():
        if key in ("weight", "pos_weight"):
            value = torch.tensor(value, dtype=dtype, device=device)
        kwargs[key] = value
    if reduction is not None:
        kwargs["reduction"] = reduction
    return kwargs


def forward(spec: PairSpec, z, target, kwargs: dict, dim: int | None = None):
    """The pair's output: its loss, or the activation alone when spec.loss is None."""
    out = activate(spec, z, dim)
    if spec.loss is None:
        return out
    if out.device.type != "cpu":
        device_checks(spec.loss, out, target, kwargs)
    with warnings.catch_warnings():  # F.kl_div's note on reduction="mean" (rule LL303's business)
        warnings.filterwarnings("ignore", message="reduction: 'mean' divides")
        return LOSS_FUNCTIONS[spec.loss](out, target, **kwargs)


def device_checks(loss: str, out, target, kwargs: dict) -> None:
    """Raise on the host what the CPU kernels raise. On CUDA the same bad input (a logit
    into BCELoss, a class index out of range) is a device-side assert: it poisons the
    whole CUDA context, so every later pair of `trace --all` would fail too."""
    if loss == "BCELoss" and bool(((out < 0) | (out > 1)).any()):
        raise RuntimeError("all elements of input should be between 0 and 1")
    if loss in ("NLLLoss", "CrossEntropyLoss") and not target.is_floating_point() and out.dim() >= 2:
        ignore = kwargs.get("ignore_index", -100)
        valid = target[target != ignore]
        bad = valid[(valid < 0) | (valid >= out.shape[1])]
        if bad.numel():
            raise IndexError(f"Target {int(bad[0])} is out of bounds.")


def value_and_grad(spec: PairSpec, z, target, kwargs: dict, dim: int | None = None):
    """(output, d output.sum() / d z), both detached. Raises what torch raises."""
    z = z.detach().clone().requires_grad_(True)
    out = forward(spec, z, target, kwargs, dim)
    (grad,) = torch.autograd.grad(out.sum(), z)
    return out.detach(), grad


def make_data(spec: PairSpec, seed: int, batch: int = BATCH):
    """Random logits (float64 holding float32 values) and targets, drawn on the CPU as
    `torch.manual_seed(seed); torch.randn(...) * 3` would, so they are the same on every
    device and match the taxonomy's measurements (seed 0: softmax + CrossEntropyLoss
    gradient ratio 0.085).

    multiclass: logits (batch, C), integer targets; every 10th target is ignore_index
    when one is set. binary, multilabel: logits (batch,) or (batch, K), targets 0.0/1.0.
    margin: targets -1.0/+1.0. distribution: logits (batch, C), targets the softmax of
    other random logits (soft labels).
    """
    gen = torch.Generator().manual_seed(seed)
    n = spec.num_classes
    if spec.family == "distribution":
        z = (torch.randn(batch, n, generator=gen) * LOGIT_SCALE).double()
        target = torch.softmax(torch.randn(batch, n, generator=gen).double() * LOGIT_SCALE, dim=1)
        return z, target
    if spec.family == "multiclass":
        z = (torch.randn(batch, n, generator=gen) * LOGIT_SCALE).double()
        target = torch.randint(0, n, (batch,), generator=gen)
        if spec.ignore_index is not None:
            target[::10] = spec.ignore_index
        return z, target
    shape = (batch,) if n == 1 else (batch, n)
    z = (torch.randn(*shape, generator=gen) * LOGIT_SCALE).double()
    target = torch.randint(0, 2, shape, generator=gen).to(torch.float64)
    if spec.family == "margin":
        target = target * 2 - 1
    return z, target


def target_as(target, dtype, device):
    """Integer class targets stay integers; float targets take the logits' dtype."""
    if target.dtype == torch.int64:
        return target.to(device)
    return target.to(device=device, dtype=dtype)
