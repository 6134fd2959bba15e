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
from types import SimpleNamespace

import click

from losslint.cli.errors import UsageError
from losslint.cli.layout import Command, Option
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


def _choice(values) -> click.Choice:
    return click.Choice(list(values))


def _options() -> list[click.Parameter]:
    what, loss, how = "What to trace", "The loss's arguments (torch's defaults when left out)", "How"
    return [
        Option(["--activation"], section=what, type=_choice(ACTIVATIONS), value_name="ACTIVATION",
               help="The activation before the loss"),
        Option(["--loss"], section=what, type=_choice(sorted(LOSSES)), value_name="LOSS", help="The torch.nn loss class"),
        Option(["--spelling"], section=what, type=_choice(SPELLINGS), default="direct", value_name="SPELLING",
               help="log: torch.log(softmax(x)) / torch.log(sigmoid(x)) for log_softmax / logsigmoid"),
        Option(["--all"], section=what, is_flag=True,
               help="Every combination of the taxonomy, beside the catalog's verdict"),
        Option(["--fixes"], section=what, is_flag=True,
               help="Check that every rule's fix produces the recommended pair"),
        Option(["--speed"], section=what, is_flag=True, help="Time fused against separate ops on the device"),
        Option(["--classes"], section=loss, type=int,
               help="Number of classes (default 10; binary: output units, default 1)"),
        Option(["--dim"], section=loss, type=int, default=1,
               help="The softmax dim on (batch, classes) logits (default 1)"),
        Option(["--reduction"], section=loss, type=_choice(REDUCTIONS), default="mean", value_name="REDUCTION"),
        Option(["--weight"], section=loss, metavar="W1,W2,...", callback=_floats, help="Comma-separated per-class weights"),
        Option(["--pos-weight"], section=loss, metavar="W1,W2,...", callback=_floats,
               help="Comma-separated pos_weight (BCEWithLogitsLoss)"),
        Option(["--ignore-index"], section=loss, type=int, help="A target value that does not count"),
        Option(["--label-smoothing"], section=loss, type=float, default=0.0, help="Default 0.0"),
        Option(["--device"], section=how, type=_choice(("auto", "cpu", "cuda")), default="auto", value_name="DEVICE",
               help="Default: cuda when available"),
        Option(["--dtype"], section=how, type=_choice(DTYPES), default="float32", value_name="DTYPE"),
        Option(["--seed"], section=how, type=int, default=0),
        Option(["--batch"], section=how, type=int, default=512, help="Examples in the normal-range run (default 512)"),
        Option(["--no-timing"], section=how, is_flag=True, help="Skip timing the pair against the recommended pair"),
        Option(["--output-format"], section=how, type=_choice(("text", "json")), default="text", value_name="FORMAT"),
    ]


def check_params() -> list[click.Parameter]:
    """`losslint check --trace [--trace-device D] [--trace-dtype T]`."""
    section = "Runtime tracer (needs torch)"
    return [
        Option(["--trace"], section=section, is_flag=True,
               help="Run each finding's pair with torch and attach the numbers (evidence)"),
        Option(["--trace-device"], section=section, type=_choice(("auto", "cpu", "cuda")), default="auto",
               value_name="DEVICE"),
        Option(["--trace-dtype"], section=section, type=_choice(DTYPES), default="float32", value_name="DTYPE"),
    ]


def attach_evidence(findings, args) -> None:
    """Set finding.evidence for `check --trace`; no torch -> one-line error, exit 2."""
    try:
        from losslint.tracer import evidence

        evidence.attach(findings, device=args.trace_device, dtype=args.trace_dtype)
    except TorchMissing:
        raise UsageError(MISSING_TORCH) from None
    except TraceError as exc:
        raise UsageError(str(exc)) from None


def _floats(ctx, param, text: str | None) -> tuple[float, ...] | None:
    if text is None:
        return None
    try:
        return tuple(float(part) for part in text.split(","))
    except ValueError:
        raise click.BadParameter(f"expected comma-separated numbers, got {text!r}") from None


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


command = Command(
    "trace",
    help="Run an activation/loss pair with torch and measure it (needs torch).",
    params=_options(),
    callback=lambda **values: run(SimpleNamespace(**values)),
)
