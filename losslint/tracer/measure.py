"""Run one pair against its recommended pair and a float64 reference.

Equivalence is what torch.testing.assert_close would say about the pair and the
recommended pair computed in the same dtype, with its default tolerances for that dtype
(two computations of the same thing in the same precision is what those tolerances are
made for; against float64, even the fused loss in float16 misses rtol 1e-3 by an ulp).
The gradient is compared after dividing both sides by the recommended gradient's largest
|element|: with reduction="mean" every element is ~1/batch, and an absolute tolerance of
1e-5 would otherwise hide a gradient ten times too small.

The float64 reference (the recommended pair on the CPU in float64, on exactly the logits
the pair sees, i.e. after rounding to the dtype) gives the errors reported
(max_rel_error) and is what the stability probe measures departures from.
"""

from __future__ import annotations

import math

from losslint.rules import catalog as catalog_module
from losslint.tracer import TraceError, op_timing, ops, verdict
from losslint.tracer.spec import (
    ROW_FAMILIES,
    TOLERANCES,
    PairSpec,
    describe,
    recommended,
    validate,
)

torch = ops.torch

PROBE_STEP = 0.125
PROBE_MAX = 200.0  # beyond every float32 threshold of the taxonomy (104 is the largest)
GROSS = 0.10  # a probed loss off by more than 10% has stopped following the reference
VANISHED = 1e-6  # a gradient below 1e-6 of the reference's has vanished


def trace(
    spec: PairSpec,
    device: str = "auto",
    dtype: str = "float32",
    seed: int = 0,
    batch: int = ops.BATCH,
    timing: bool = False,
    catalog: catalog_module.Catalog | None = None,
) -> dict:
    """Measure `spec` against its recommended pair; the JSON object of `losslint trace`."""
    cat = catalog or catalog_module.load()
    validate(spec)
    rec = recommended(spec, cat)
    dev = ops.resolve_device(device)
    dt = ops.dtype_of(dtype)
    rtol, atol = TOLERANCES[dtype]
    floor = resolution(dt, atol)

    z64, target = ops.make_data(spec, seed, batch)
    z = z64.to(device=dev, dtype=dt)
    seen = z.to(device="cpu", dtype=torch.float64)  # the values the pair really gets
    target_d = ops.target_as(target, dt, dev)
    kwargs = ops.loss_kwargs(spec, dev, dt)
    rec_kwargs = ops.loss_kwargs(rec, dev, dt)

    try:
        ref_out, ref_grad = ops.value_and_grad(rec, seen, target, ops.loss_kwargs(rec, "cpu", torch.float64))
        rec_out, rec_grad = ops.value_and_grad(rec, z, target_d, rec_kwargs)
    except (RuntimeError, NotImplementedError, ValueError) as exc:
        raise TraceError(f"the recommended pair {rec.label()} cannot run in {dtype} on {dev}: {_first_line(exc)}") from None

    result = {
        # The family's best row itself (verdict.py: only it can come out "best").
        "is_recommended": spec.loss is not None and (spec.activation, spec.spelling, spec.loss) == (
            rec.activation, "direct", rec.loss),
        "activation": spec.activation,
        "spelling": spec.spelling,
        "loss": spec.loss,
        "family": spec.family,
        "classes": spec.num_classes,
        "options": _options_json(spec),
        "recommended": {**rec.to_json(), "description": describe(rec)},
        "device": dev,
        "device_name": _device_name(dev),
        "dtype": dtype,
        "torch": torch.__version__,
        "seed": seed,
        "batch": batch,
        "tolerance": {"rtol": rtol, "atol": atol, "gradient_atol": floor},
        "raises": None,
        "equivalent": False,
        "loss_equivalent": False,
        "grad_equivalent": False,
        "bitwise_equal": False,
        "loss_value": None,
        "reference_value": _scalar(ref_out),
        "recommended_value": _scalar(rec_out),
        "loss_rel_error": None,
        "grad_rel_error": None,
        "max_rel_error": None,
        "recommended_rel_error": None,
        "grad_ratio": None,
        "redundant": False,
        "stability": None,
        "timing": None,
    }
    try:
        out, grad = ops.value_and_grad(spec, z, target_d, kwargs)
    except (RuntimeError, ValueError, NotImplementedError) as exc:
        result["raises"] = f"{type(exc).__name__}: {_first_line(exc)}"
    else:
        out64, grad64 = out.to("cpu", torch.float64), grad.to("cpu", torch.float64)
        rec64, rec_grad64 = rec_out.to("cpu", torch.float64), rec_grad.to("cpu", torch.float64)
        loss_ok = _close(out64, rec64, rtol, atol)
        scale = float(rec_grad64.abs().max()) or 1.0
        grad_ok = _close(grad64 / scale, rec_grad64 / scale, rtol, floor)
        result.update(
            equivalent=bool(loss_ok and grad_ok),
            loss_equivalent=bool(loss_ok),
            grad_equivalent=bool(grad_ok),
            bitwise_equal=bool(torch.equal(out, rec_out) and torch.equal(grad, rec_grad)),
            loss_value=_scalar(out64),
            loss_rel_error=_rel_error(out64, ref_out),
            grad_rel_error=_rel_error(grad64, ref_grad),
            grad_ratio=_ratio(grad64.norm(), ref_grad.norm()),
            redundant=_redundant(spec, z, rtol, floor),
            recommended_rel_error=_max(_rel_error(rec64, ref_out), _rel_error(rec_grad64, ref_grad)),
        )
        result["max_rel_error"] = _max(result["loss_rel_error"], result["grad_rel_error"])
        result["stability"] = probe(spec, rec, dev, dtype, check_values=result["equivalent"])
    if timing:
        result["timing"] = op_timing.time_pairs(spec, rec, z, target_d, kwargs, rec_kwargs, dev, raises=result["raises"] is not None)
    result["verdict"] = verdict.numeric_verdict(result)
    result["static_verdict"] = static_verdict(spec, cat)
    return result


def static_verdict(spec: PairSpec, cat: catalog_module.Catalog) -> str | None:
    """The rule catalog's verdict: the pair's rule or accepted row; for the log spelling,
    the expression rule (LL105/LL206), which applies wherever the spelling reaches."""
    if spec.spelling == "log":
        rule = cat.expression_rule(spec.activation)
        pair_verdict = cat.verdict(spec.activation, spec.loss) if spec.loss else None
        if pair_verdict == "wrong":  # a wrong pair stays wrong whatever the spelling
            return pair_verdict
        return rule.verdict if rule is not None else None
    found = cat.verdict(spec.activation, spec.loss)
    if found is None and spec.loss is not None:
        # A pair only a check rule judges (softmax + BCELoss over several labels: LL404).
        checks = {r.verdict for r in cat.rules if r.kind == "check" and any(
            (p.activation, p.loss) == (spec.activation, spec.loss) for p in r.pairs)}
        found = checks.pop() if len(checks) == 1 else None
    return found


# --- the stability probe ------------------------------------------------------------------


def probe(spec: PairSpec, rec: PairSpec, device: str, dtype: str, check_values: bool) -> dict:
    """The smallest |logit| (binary) or logit gap (multiclass) at which the pair's loss or
    gradient departs from the float64 reference, on single examples:

      nan / inf   the pair's value is not finite where the reference's is;
      zero        the gradient is exactly zero where the reference's is significant
                  (above atol, and above 4 eps in float16/bfloat16);
      vanished    the gradient is below 1e-6 of a significant reference gradient;
      clamped     the value is off by more than 10% (checked only for a pair that is
                  equivalent in the normal range: a wrong pair is off everywhere).

    The activation is applied over the class dim here whatever spec.dim says.
    """
    dt = ops.dtype_of(dtype)
    floor = resolution(dt, TOLERANCES[dtype][1])
    grid = torch.arange(1, int(PROBE_MAX / PROBE_STEP) + 1, dtype=torch.float64) * PROBE_STEP
    found: dict[str, dict | None] = {"loss": None, "gradient": None}
    try:
        for name, build in _scenarios(spec):
            refined: dict[int, tuple] = {}  # grid index -> (fine grid, its departures)
            for quantity, kinds in _departures(spec, rec, build, grid, device, dt, floor, check_values).items():
                hit = next((i for i, k in enumerate(kinds) if k), None)
                if hit is None:
                    continue
                if hit not in refined:  # bisect the grid step by a 2001-point linspace
                    low = float(grid[hit - 1]) if hit > 0 else 0.0
                    fine = torch.linspace(low, float(grid[hit]), 2001, dtype=torch.float64)
                    refined[hit] = (fine, _departures(spec, rec, build, fine, device, dt, floor, check_values))
                fine, fine_departures = refined[hit]
                fine_kinds = fine_departures[quantity]
                j = next((i for i, k in enumerate(fine_kinds) if k), len(fine) - 1)
                at = float(fine[j].to(dt).to(torch.float64))  # the logit as the dtype holds it
                previous = found[quantity]
                if previous is None or at < previous["from"]:
                    found[quantity] = {"from": round(at, 4), "how": fine_kinds[j] or kinds[hit], "scenario": name}
    except (RuntimeError, ValueError) as exc:
        return {"stable": False, "threshold": None, "error": f"{type(exc).__name__}: {_first_line(exc)}"}
    thresholds = [v["from"] for v in found.values() if v is not None]
    return {
        "stable": not thresholds,
        "threshold": min(thresholds) if thresholds else None,
        "loss": found["loss"],
        "gradient": found["gradient"],
        "variable": "logit gap" if spec.family in ROW_FAMILIES else "|logit|",
        "probe_max": PROBE_MAX,
    }


def _scenarios(spec: PairSpec):
    """(name, build(t) -> (logits float64, target)) for the confidently wrong and right cases."""
    n = spec.num_classes
    if spec.family in ROW_FAMILIES:
        usable = [c for c in range(n) if c != spec.ignore_index]
        top, other = usable[0], usable[1]

        def rows(t, label):
            z = torch.zeros(len(t), n, dtype=torch.float64)
            z[:, top] = t
            if spec.family == "distribution":  # a one-hot target distribution
                target = torch.zeros(len(t), n, dtype=torch.float64)
                target[:, label] = 1.0
                return z, target
            return z, torch.full((len(t),), label, dtype=torch.int64)

        if spec.loss is None:
            return [("logits [t, 0, ...]", lambda t: rows(t, top))]
        return [
            (f"logits [t, 0, ...], target class {other}: confidently wrong", lambda t: rows(t, other)),
            (f"logits [t, 0, ...], target class {top}: confidently right", lambda t: rows(t, top)),
        ]

    def units(t, sign, label):
        z = (sign * t).unsqueeze(1).expand(len(t), n).clone() if n > 1 else sign * t
        value = (2.0 * label - 1.0) if spec.family == "margin" else float(label)  # margin: -1/+1
        return z, torch.full_like(z, value)

    def scenario(sign: str, label: int):
        if spec.loss is None:  # the activation alone: no target
            name = f"z = {sign}t"
        else:
            confidence = "confidently right" if (sign == "+") == (label == 1) else "confidently wrong"
            name = f"z = {sign}t, target {label}: {confidence}"
        return name, lambda t: units(t, 1.0 if sign == "+" else -1.0, label)

    pairs = (("+", 0), ("-", 1), ("+", 1), ("-", 0)) if spec.loss else (("+", 0), ("-", 0))
    return [scenario(sign, label) for sign, label in pairs]


def _departures(spec, rec, build, t, device, dt, floor, check_values) -> dict[str, list]:
    z64, target = build(t)
    z = z64.to(device=device, dtype=dt)
    seen = z.to("cpu", torch.float64)
    pair_kwargs = ops.loss_kwargs(spec, device, dt, reduction="none") if spec.loss else {}
    ref_kwargs = ops.loss_kwargs(rec, "cpu", torch.float64, reduction="none") if rec.loss else {}
    out, grad = ops.value_and_grad(spec, z, ops.target_as(target, dt, device), pair_kwargs, dim=1)
    ref_out, ref_grad = ops.value_and_grad(rec, seen, target, ref_kwargs, dim=1)  # targets: int64 or float64
    rows = len(t)
    out = out.to("cpu", torch.float64).reshape(rows, -1)
    grad = grad.to("cpu", torch.float64).reshape(rows, -1)
    ref_out, ref_grad = ref_out.reshape(rows, -1), ref_grad.reshape(rows, -1)
    return {
        "loss": _classify(out, ref_out, floor, check_values, gradient=False),
        "gradient": _classify(grad, ref_grad, floor, check_values, gradient=True),
    }


def _classify(x, ref, floor: float, check_values: bool, gradient: bool) -> list:
    finite_ref = torch.isfinite(ref).all(1)
    kinds = [None] * len(x)
    ref_size = ref.abs().amax(1)
    size = x.abs().nan_to_num(0.0, 0.0, 0.0).amax(1)
    checks = [
        ("nan", torch.isnan(x).any(1) & finite_ref),
        ("inf", torch.isinf(x).any(1) & finite_ref),
    ]
    if gradient:
        significant = ref_size > floor
        checks.append(("zero", significant & (x == 0).all(1)))
        checks.append(("vanished", significant & (size <= VANISHED * ref_size)))
    if check_values:
        tolerance = floor + GROSS * (ref_size.unsqueeze(1) if gradient else ref.abs())
        checks.append(("clamped", ~((x - ref).abs() <= tolerance).all(1)))
    for name, mask in reversed(checks):  # the first check that matches wins
        for i in torch.nonzero(mask).flatten().tolist():
            kinds[i] = name
    return kinds


# --- helpers ------------------------------------------------------------------------------


def resolution(dt, atol: float) -> float:
    """The smallest difference that means something on O(1) quantities (probabilities,
    log-probabilities, a gradient divided by its largest element): atol in float32,
    4 eps in float16 (3.9e-3) and bfloat16 (3.1e-2), where one rounding is larger."""
    return max(atol, 4 * torch.finfo(dt).eps)


def _redundant(spec: PairSpec, z, rtol: float, atol: float) -> bool:
    """The loss applies again a normalization that changes nothing on the activated input
    (log_softmax before CrossEntropyLoss): wasted work, one of the two can go."""
    internal = ops.INTERNAL.get(spec.loss or "")
    if internal is None or spec.activation == "none":
        return False
    a = ops.activate(spec, z).detach()
    again = torch.log_softmax(a, 1) if internal == "log_softmax" else torch.nn.functional.logsigmoid(a)
    return _close(again.to(torch.float64), a.to(torch.float64), rtol, atol)


def _close(actual, expected, rtol: float, atol: float) -> bool:
    if actual.shape != expected.shape:
        return False
    return bool(torch.isclose(actual, expected, rtol=rtol, atol=atol).all())


def _rel_error(actual, expected) -> float | None:
    """Normwise: max |actual - expected| / max |expected|; None when the pair's values are
    not finite (JSON has no inf) or have another shape."""
    if actual.shape != expected.shape:
        return None
    diff = float((actual - expected).abs().max())
    size = float(expected.abs().max())
    if not math.isfinite(diff):
        return None
    return diff / size if size > 0 else diff


def _max(*errors) -> float | None:
    """The largest error, or None when any is unknown (not finite)."""
    return None if any(e is None for e in errors) else max(errors)


def _ratio(a, b) -> float | None:
    a, b = float(a), float(b)
    if b == 0 or not math.isfinite(a):
        return None
    return a / b


def _scalar(x) -> float | None:
    x = x.to(torch.float64)
    value = float(x) if x.dim() == 0 else float(x.mean())
    return value if math.isfinite(value) else None


def _options_json(spec: PairSpec) -> dict:
    options = dict(spec.options())
    if spec.activation in ("softmax", "log_softmax"):
        options["dim"] = spec.dim
    for key in ("weight", "pos_weight"):
        if key in options:
            options[key] = list(options[key])
    if spec.sources:
        options["from_code"] = sorted(k for k, v in spec.sources.items() if v == "code")
    return options


def _device_name(device: str) -> str:
    if device == "cuda":
        return torch.cuda.get_device_name()
    import platform

    return platform.processor() or platform.machine() or "cpu"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
