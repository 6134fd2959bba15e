"""Evidence for a one-unit output (LL405, LL408, LL406 on one unit): what the layer's
single column does to the activation, the loss and the gradient, measured.

measure.trace compares a pair with its family's best pair on C >= 2 classes; over one
class there is nothing to compare with (CrossEntropyLoss of one logit is 0 too), so this
runs the pair on (batch, 1) logits as the code has them and states what the numbers are:
the activation's output (constant?), the loss, the largest |gradient|, and what targets
of 1 do. The claims follow the same conditions as the finding's message (float targets:
no IndexError is measured or stated).
"""

from __future__ import annotations

from losslint.tracer import ops

torch = ops.torch
F = ops.F


def trace(activation: str, loss: str, float_targets: bool = False, dtype: str = "float32", seed: int = 0,
          batch: int = ops.BATCH) -> dict:
    dt = ops.dtype_of(dtype)
    generator = torch.Generator().manual_seed(seed)
    z = (torch.randn(batch, 1, generator=generator, dtype=torch.float64) * ops.LOGIT_SCALE).to(dt).requires_grad_(True)
    out = _activate(activation, z)
    if float_targets:  # soft labels over the one class: probabilities, all 1
        target = torch.ones(batch, 1, dtype=dt)
    else:
        target = torch.zeros(batch, dtype=torch.long)  # the one valid class index
    value = _loss(loss, out, target)
    (grad,) = torch.autograd.grad(value, z)
    result = {
        "traced": True,
        "device": "cpu",
        "dtype": dtype,
        "torch": torch.__version__,
        "units": 1,
        "activation": activation,
        "loss": loss,
        "targets": "float" if float_targets else "class indices",
        "output_constant": bool(out.detach().min() == out.detach().max()),
        "output_value": float(out.detach()[0, 0]),
        "loss_value": float(value.detach()),
        "grad_max": float(grad.abs().max()),
        "raises": None,
    }
    if not float_targets:
        try:
            _loss(loss, _activate(activation, z.detach()), torch.ones(batch, dtype=torch.long))
        except (IndexError, RuntimeError) as exc:
            result["raises"] = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    result["summary"] = summary(result)
    return result


def _activate(activation: str, z):
    if activation == "softmax":
        return F.softmax(z, dim=1)
    if activation == "log_softmax":
        return F.log_softmax(z, dim=1)
    if activation == "sigmoid":
        return torch.sigmoid(z)
    return z


def _loss(loss: str, out, target):
    if loss == "NLLLoss":
        return F.nll_loss(out, target)
    return F.cross_entropy(out, target)


def summary(result: dict) -> str:
    head = f"traced on cpu {result['dtype']} with one output unit: "
    parts = []
    if result["activation"] in ("softmax", "log_softmax") and result["output_constant"]:
        parts.append(f"{result['activation']} is {result['output_value']:g} for every example")
    elif result["activation"] == "none" and result["loss"] == "CrossEntropyLoss":
        parts.append("log_softmax of the one logit is 0 for every example")
    parts.append(f"the loss is {result['loss_value']:.3g}")
    gradient = "exactly 0" if result["grad_max"] == 0.0 else f"at most {result['grad_max']:.3g}"
    parts.append(f"the gradient {gradient}")
    text = head + ", ".join(parts)
    if result["raises"]:
        text += f"; targets of 1 raise {result['raises']}"
    return text


def applies(finding) -> bool:
    """Whether the finding is about a one-unit output this module traces."""
    origin = finding.origin
    details = getattr(origin, "details", None) or {}
    if getattr(origin, "code", None) in ("LL405", "LL408"):
        return details.get("units") == 1
    tensor = getattr(origin, "tensor", None)  # LL406, a pair: one unit when the layer shows it
    source = getattr(tensor, "source", None)
    return finding.code == "LL406" and source is not None and source.units == 1


def evidence(finding, dtype: str = "float32", seed: int = 0) -> dict:
    details = getattr(finding.origin, "details", None) or {}
    activation = finding.activation or "none"
    return trace(activation, finding.loss, "float_targets" in details.get("conditions", ()), dtype=dtype, seed=seed)
