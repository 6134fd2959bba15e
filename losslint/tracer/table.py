"""`losslint trace --all`: the taxonomy table recomputed from numbers on this device.

Every row is traced (measure.trace) and its verdict recomputed (verdict.py), side by
side with the rule catalog's verdict. A row the catalog has no verdict for yet shows
"-" and is not a disagreement; any other difference is a bug in one of the two.
"""

from __future__ import annotations

from losslint.rules import catalog as catalog_module
from losslint.tracer import measure, one_unit
from losslint.tracer.spec import ROW_FAMILIES, PairSpec
from losslint.tracer.verdict import reasons

# The quiz's twelve combinations (taxonomy.md, in its order) and the expression rules.
ROWS: tuple[PairSpec, ...] = (
    PairSpec("none", "BCEWithLogitsLoss"),
    PairSpec("sigmoid", "BCELoss"),
    PairSpec("none", "BCELoss"),
    PairSpec("sigmoid", "BCEWithLogitsLoss"),
    PairSpec("logsigmoid", "BCELoss"),
    PairSpec("logsigmoid", "BCEWithLogitsLoss"),
    PairSpec("none", "CrossEntropyLoss"),
    PairSpec("log_softmax", "NLLLoss"),
    PairSpec("log_softmax", "CrossEntropyLoss"),
    PairSpec("softmax", "CrossEntropyLoss"),
    PairSpec("softmax", "NLLLoss"),
    PairSpec("none", "NLLLoss"),
    PairSpec("log_softmax", "NLLLoss", spelling="log"),  # LL105: torch.log(softmax(x)) into NLLLoss
    PairSpec("logsigmoid", None, spelling="log"),  # LL206: torch.log(torch.sigmoid(z))
)
# Beyond the quiz: the same family of mistakes with other losses (taxonomy.md, issue 7).
BEYOND: tuple[PairSpec, ...] = (
    PairSpec("log_softmax", "KLDivLoss"),
    PairSpec("softmax", "KLDivLoss"),
    PairSpec("sigmoid", "KLDivLoss"),
    PairSpec("none", "MultiLabelSoftMarginLoss"),
    PairSpec("sigmoid", "MultiLabelSoftMarginLoss"),
    PairSpec("none", "SoftMarginLoss"),
    PairSpec("sigmoid", "SoftMarginLoss"),
    PairSpec("softmax", "BCEWithLogitsLoss", classes=10),  # softmax over 10 independent labels
    PairSpec("softmax", "BCELoss", classes=10),
    PairSpec("sigmoid", "NLLLoss"),
)

# One output unit (LL405, LL406, LL408): a class dimension of size 1 has nothing to compare
# with, so these rows show the numbers themselves (tracer/one_unit.py).
ONE_UNIT: tuple[tuple[str, str], ...] = (
    ("log_softmax", "CrossEntropyLoss"),
    ("softmax", "NLLLoss"),
    ("none", "CrossEntropyLoss"),
    ("sigmoid", "NLLLoss"),
)


def trace_all(device: str = "auto", dtype: str = "float32", seed: int = 0, classes: int | None = None,
              catalog: catalog_module.Catalog | None = None, beyond: bool = True) -> list[dict]:
    """The quiz's rows and the expression rules, then (beyond=True) the other losses'."""
    cat = catalog or catalog_module.load()
    results = []
    for row in ROWS + (BEYOND if beyond else ()):
        spec = row if classes is None or row.classes is not None or row.family not in ROW_FAMILIES else PairSpec(
            row.activation, row.loss, row.spelling, classes=classes)
        result = measure.trace(spec, device=device, dtype=dtype, seed=seed, catalog=cat)
        result["agree"] = result["static_verdict"] is None or result["static_verdict"] == result["verdict"]
        result["why"] = reasons(result)
        results.append(result)
    return results


def disagreements(results: list[dict]) -> list[dict]:
    return [r for r in results if not r["agree"]]


def failed(results: list[dict]) -> bool:
    """A disagreement is a bug in float32, the dtype the catalog's verdicts are stated for;
    in float16/bfloat16 it shows a pair that breaks in that precision."""
    return bool(disagreements(results)) and results[0]["dtype"] == "float32"


def render(results: list[dict]) -> str:
    first = results[0]
    lines = [
        f"losslint trace --all on {first['device']} ({first['device_name']}), {first['dtype']}, "
        f"torch {first['torch']}, seed {first['seed']}, {first['batch']} examples, logits ~ 3*N(0,1)",
        "",
    ]
    header = ("family", "activation", "loss", "static", "traced", "grad ratio", "rel. error", "what the numbers show")
    table = [header]
    for r in results:
        activation = r["activation"]
        if r["spelling"] == "log":
            activation = f"torch.log({'softmax' if activation == 'log_softmax' else 'sigmoid'})"
        table.append((
            r["family"],
            activation,
            r["loss"] or "-",
            r["static_verdict"] or "-",
            r["verdict"] + ("" if r["agree"] else "  <-- DISAGREES"),
            "-" if r["grad_ratio"] is None else f"{r['grad_ratio']:.3f}",
            "-" if r["max_rel_error"] is None else f"{r['max_rel_error']:.1e}",
            r["why"],
        ))
    widths = [max(len(str(row[i])) for row in table) for i in range(len(header) - 1)]
    for row in table:
        cells = [str(c).ljust(w) for c, w in zip(row, widths)]
        lines.append("  ".join(cells + [str(row[-1])]).rstrip())
    bad = disagreements(results)
    unknown = sum(1 for r in results if r["static_verdict"] is None)
    lines.append("")
    if bad and first["dtype"] != "float32":
        lines.append(f"{len(bad)} of {len(results)} verdicts differ from the catalog's, which are float32 facts: "
                     f"these pairs behave worse in {first['dtype']}.")
    elif bad:
        lines.append(f"{len(bad)} of {len(results)} verdicts disagree with the rule catalog: a bug in the catalog or the tracer.")
    else:
        lines.append(f"All {len(results) - unknown} catalog verdicts agree with the numbers"
                     + (f" ({unknown} rows have no catalog verdict yet)." if unknown else "."))
    lines.append("grad ratio: |d loss/d logits| / the recommended pair's; rel. error: against float64.")
    return "\n".join(lines) + "\n"


def one_unit_rows(dtype: str = "float32", seed: int = 0) -> list[dict]:
    return [one_unit.trace(activation, loss, dtype=dtype, seed=seed) for activation, loss in ONE_UNIT]


def render_one_unit(rows: list[dict]) -> str:
    """The one-unit rows under the table: each pair and what its numbers show."""
    lines = ["", "One output unit (LL405, LL406, LL408), class-index targets:"]
    width = max(len(f"{r['activation']} + {r['loss']}") for r in rows)
    for r in rows:
        shown = r["summary"].split(": ", 1)[1]
        lines.append(f"  {(r['activation'] + ' + ' + r['loss']).ljust(width)}  {shown}")
    return "\n".join(lines) + "\n"
