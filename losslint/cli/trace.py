"""`losslint trace`: run an (activation, loss) pair with torch and show what it computes.

    losslint trace --activation softmax --loss CrossEntropyLoss [--classes 10] ...
    losslint trace --all       the taxonomy table recomputed from numbers (exit 1 on a
                               disagreement in float32, the catalog's dtype)
    losslint trace --fixes     every rule's fix_to pair checked (exit 1 when one fails)
    losslint trace --speed     fused vs separate ops timed on the device

torch is imported only when the command runs (losslint/tracer/); without it the command
prints one line naming the `trace` extra and exits 2.
"""

from __future__ import annotations

import json
import sys

from losslint.cli.errors import UsageError
from losslint.tracer import MISSING_TORCH, TorchMissing, TraceError
from losslint.tracer.spec import (
    ACTIVATIONS,
    DTYPES,
    LOSSES,
    REDUCTIONS,
    SPELLINGS,
    PairSpec,
    SpecError,
)


def add_parser(sub) -> None:
    parser = sub.add_parser("trace", help="run an activation/loss pair with torch and measure it (needs torch)")
    what = parser.add_argument_group("what to trace")
    what.add_argument("--activation", choices=ACTIVATIONS, help="the activation before the loss")
    what.add_argument("--loss", choices=sorted(LOSSES), help="the torch.nn loss class")
    what.add_argument("--spelling", choices=SPELLINGS, default="direct",
                      help="log: torch.log(softmax(x)) / torch.log(sigmoid(x)) for log_softmax / logsigmoid")
    what.add_argument("--all", action="store_true", help="every combination of the taxonomy, beside the catalog's verdict")
    what.add_argument("--fixes", action="store_true", help="check that every rule's fix produces the recommended pair")
    what.add_argument("--speed", action="store_true", help="time fused against separate ops on the device")
    args = parser.add_argument_group("the loss's arguments (torch's defaults when left out)")
    args.add_argument("--classes", type=int, help="number of classes (default 10; binary: output units, default 1)")
    args.add_argument("--dim", type=int, default=1, help="the softmax dim on (batch, classes) logits (default 1)")
    args.add_argument("--reduction", choices=REDUCTIONS, default="mean")
    args.add_argument("--weight", type=_floats, help="comma-separated per-class weights")
    args.add_argument("--pos-weight", type=_floats, help="comma-separated pos_weight (BCEWithLogitsLoss)")
    args.add_argument("--ignore-index", type=int)
    args.add_argument("--label-smoothing", type=float, default=0.0)
    how = parser.add_argument_group("how")
    how.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto", help="default: cuda when available")
    how.add_argument("--dtype", choices=DTYPES, default="float32")
    how.add_argument("--seed", type=int, default=0)
    how.add_argument("--batch", type=int, default=512, help="examples in the normal-range run (default 512)")
    how.add_argument("--no-timing", action="store_true", help="skip timing the pair against the recommended pair")
    how.add_argument("--output-format", choices=("text", "json"), default="text")


def add_check_arguments(parser) -> None:
    """`losslint check --trace [--trace-device D] [--trace-dtype T]`."""
    group = parser.add_argument_group("runtime tracer (needs torch)")
    group.add_argument("--trace", action="store_true",
                       help="run each finding's pair with torch and attach the numbers (evidence)")
    group.add_argument("--trace-device", choices=("auto", "cpu", "cuda"), default="auto")
    group.add_argument("--trace-dtype", choices=DTYPES, default="float32")


def attach_evidence(findings, args) -> None:
    """Set finding.evidence for `check --trace`; no torch -> one-line error, exit 2."""
    try:
        from losslint.tracer import evidence

        evidence.attach(findings, device=args.trace_device, dtype=args.trace_dtype)
    except TorchMissing:
        raise UsageError(MISSING_TORCH) from None
    except TraceError as exc:
        raise UsageError(str(exc)) from None


def _floats(text: str) -> tuple[float, ...]:
    try:
        return tuple(float(part) for part in text.split(","))
    except ValueError:
        import argparse

        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {text!r}") from None


def run(args) -> int:
    modes = [m for m in ("all", "fixes", "speed") if getattr(args, m)]
    if len(modes) > 1 or (modes and (args.activation or args.loss)):
        raise UsageError("use one of --all, --fixes, --speed, or --activation with --loss")
    if not modes and not args.activation:
        raise UsageError("trace needs --activation and --loss (or --all, --fixes, --speed)")
    if args.batch < 1:
        raise UsageError("--batch must be at least 1")
    try:
        if args.all:
            return _all(args)
        if args.fixes:
            return _fixes(args)
        if args.speed:
            return _speed(args)
        return _one(args)
    except TorchMissing:
        raise UsageError(MISSING_TORCH) from None
    except (TraceError, SpecError) as exc:
        raise UsageError(str(exc)) from None


def _one(args) -> int:
    spec = PairSpec(
        args.activation, args.loss, args.spelling, args.classes, args.dim, args.reduction,
        args.weight, args.pos_weight, args.ignore_index, args.label_smoothing,
    )
    from losslint.tracer import measure

    result = measure.trace(spec, device=args.device, dtype=args.dtype, seed=args.seed,
                           batch=args.batch, timing=not args.no_timing)
    if args.output_format == "json":
        _write(json.dumps(result, indent=2, allow_nan=False) + "\n")
    else:
        from losslint.tracer.report import render_one

        _write(render_one(result))
    return 0


def _all(args) -> int:
    from losslint.tracer import table

    results = table.trace_all(device=args.device, dtype=args.dtype, seed=args.seed, classes=args.classes)
    if args.output_format == "json":
        _write(json.dumps(results, indent=2, allow_nan=False) + "\n")
    else:
        _write(table.render(results) + table.render_one_unit(table.one_unit_rows(args.dtype, args.seed)))
    return 1 if table.failed(results) else 0


def _fixes(args) -> int:
    from losslint.tracer import fix_targets

    checks = fix_targets.check_all(device=args.device, dtype=args.dtype)
    if args.output_format == "json":
        records = [{"code": c.code, "fix_to": c.fix_to.to_json(), "ok": c.ok, "skipped": c.skipped,
                    "problem": c.problem(), "trace": c.trace} for c in checks]
        _write(json.dumps(records, indent=2, allow_nan=False) + "\n")
    else:
        from losslint.tracer.report import render_fixes

        _write(render_fixes(checks))
    return 1 if any(c.problem() for c in checks) else 0


def _speed(args) -> int:
    from losslint.tracer import op_timing

    rows = op_timing.fused_vs_separate(device=args.device, dtype=args.dtype, seed=args.seed)
    if args.output_format == "json":
        _write(json.dumps(rows, indent=2, allow_nan=False) + "\n")
    else:
        from losslint.tracer.report import render_speed

        _write(render_speed(rows))
    return 0


def _write(text: str) -> None:
    sys.stdout.write(text)
