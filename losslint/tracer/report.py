"""Text output of `losslint trace` (one pair, --fixes, --speed). torch-free."""

from __future__ import annotations

from losslint.tracer.verdict import reasons, unstable_text


def render_one(r: dict) -> str:
    label = _label(r)
    units = "classes" if r["family"] in ("multiclass", "distribution") else "output unit(s)"
    shape = f"{r['batch']} examples x {r['classes']} {units}"
    tol = r["tolerance"]
    lines = [
        f"{label} on {r['device']} ({r['device_name']}) {r['dtype']}, torch {r['torch']}, {shape}, seed {r['seed']}",
        f"compared with {r['recommended']['description']} in {r['dtype']}, and with it in float64 (the reference)",
        "",
    ]
    rows = []
    if r["raises"]:
        rows.append(("raises", r["raises"]))
    else:
        value = "loss" if r["loss"] else "value (mean)"
        rows.append((value, f"{_num(r['loss_value'])}   (recommended {_num(r['recommended_value'])}, "
                            f"float64 reference {_num(r['reference_value'])})"))
        rows.append(("max rel. error", f"{_sci(r['max_rel_error'])}   against float64 "
                                       f"(the recommended pair in {r['dtype']}: {_sci(r['recommended_rel_error'])})"))
        ratio = r["grad_ratio"]
        note = "" if ratio is None or abs(ratio - 1) < 1e-3 else (
            f"   ({1 / ratio:.1f}x smaller)" if ratio < 1 else f"   ({ratio:.1f}x larger)")
        rows.append(("gradient ratio", ("not finite" if ratio is None else f"{ratio:.4g}") + note))
        rows.append(("equivalent", f"{'yes' if r['equivalent'] else 'no'}   (assert_close rtol {tol['rtol']:g}, "
                                   f"atol {tol['atol']:g}; gradient atol {tol['gradient_atol']:g} of its largest element)"))
        rows.append(("bitwise equal", "yes" if r["bitwise_equal"] else "no"))
        rows.append(("redundant", "yes: the loss repeats the activation" if r["redundant"] else "no"))
        rows.append(("stability", _stability(r["stability"])))
    timing = r.get("timing")
    if timing:
        if timing["pair_us"] is None:
            rows.append(("timing", f"recommended {timing['recommended_us']} us (forward + backward)"))
        else:
            rows.append(("timing", f"pair {timing['pair_us']} us, recommended {timing['recommended_us']} us "
                                   f"(pair/recommended {timing['pair_over_recommended']}x; forward + backward, best block)"))
    static = r["static_verdict"] or "no catalog verdict"
    rows.append(("verdict", f"{r['verdict']}   (catalog: {static}): {reasons(r)}"))
    width = max(len(k) for k, _ in rows)
    lines += [f"  {k.ljust(width)}  {v}" for k, v in rows]
    return "\n".join(lines) + "\n"


def render_fixes(checks) -> str:
    lines = []
    for c in checks:
        if c.skipped:
            status = f"skipped ({c.error})"
        elif c.ok:
            status = f"ok: {c.trace['verdict']}, matches {c.trace['recommended']['description']}"
        else:
            status = f"BUG: {c.problem()}"
        lines.append(f"{c.code}  fix -> {c.fix_to.label():40s} {status}")
    bad = sum(1 for c in checks if c.problem())
    lines.append("")
    lines.append(f"{len(checks)} fixes checked, {bad} failing." if checks else "No rule has a fix_to yet.")
    return "\n".join(lines) + "\n"


def render_speed(rows: list[dict]) -> str:
    if not rows:
        return "nothing timed\n"
    first = rows[0]
    lines = [f"fused vs separate ops, forward + backward per call (fastest block of torch.utils.benchmark), "
             f"on {first['device']} {first['dtype']}", ""]
    header = ("family", "shape", "fused", "us", "separate", "us", "separate/fused")
    table = [header]
    for r in rows:
        shape = "x".join(str(n) for n in r["shape"])
        if "error" in r:
            table.append((r["family"], shape, r["fused"], "-", r["separate"], "-", r["error"]))
        else:
            table.append((r["family"], shape, r["fused"], f"{r['fused_us']:.1f}", r["separate"],
                          f"{r['separate_us']:.1f}", f"{r['speedup']:.2f}x"))
    widths = [max(len(str(row[i])) for row in table) for i in range(len(header))]
    for row in table:
        lines.append("  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip())
    return "\n".join(lines) + "\n"


def _label(r: dict) -> str:
    if r["spelling"] == "log":
        act = f"torch.log({'softmax' if r['activation'] == 'log_softmax' else 'sigmoid'})"
    else:
        act = "logits" if r["activation"] == "none" else r["activation"]
    return act if r["loss"] is None else f"{act} + {r['loss']}"


def _stability(s: dict | None) -> str:
    if s is None:
        return "not probed"
    if s.get("stable"):
        return f"stable: no departure from the float64 reference up to {s['variable']} {s['probe_max']:g}"
    where = [s[q]["scenario"] for q in ("loss", "gradient") if s.get(q)]
    return unstable_text(s) + (f"   [probe: {where[0]}]" if where else "")


def _num(value) -> str:
    return "n/a" if value is None else f"{value:.6g}"


def _sci(value) -> str:
    return "n/a" if value is None else f"{value:.1e}"
