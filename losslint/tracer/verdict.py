"""The taxonomy's verdicts recomputed from a trace's numbers. torch-free.

The criteria, applied in this order to a trace of the pair in the normal range
(512 examples, logits ~ 3·N(0,1)) and to its stability probe (measure.probe):

  wrong       the pair raises (BCELoss on values outside [0, 1]), or its loss or its
              gradient with respect to the logits is not within the dtype's
              torch.testing.assert_close tolerances of the float64 reference (the
              recommended pair): it computes something else.
  acceptable  equivalent in the normal range, but
                unstable: the probe finds a |logit| (or logit gap) below its end where
                the loss or gradient departs from the reference (nan, inf, a zero or
                vanished gradient, a value clamped off by more than 10%); or
                redundant: the loss applies again a normalization that changes nothing
                on its input (log_softmax before CrossEntropyLoss): wasted work.
  best        the family's recommended pair itself (rules/accepted.toml's "best" row:
              logits into CrossEntropyLoss / BCEWithLogitsLoss / MultiLabelSoftMarginLoss /
              SoftMarginLoss, log_softmax into KLDivLoss), confirmed stable by the probe.
              The numbers can demote it (an unstable best row comes out acceptable), never
              promote another pair to it.
  fine        equivalent, stable, not redundant, and not the recommended pair itself
              (log_softmax + NLLLoss; F.logsigmoid traced alone).
"""

from __future__ import annotations


def numeric_verdict(trace: dict) -> str:
    if trace["raises"] is not None or not trace["equivalent"]:
        return "wrong"
    stability = trace["stability"] or {}
    if not stability.get("stable", False) or trace["redundant"]:
        return "acceptable"
    if trace.get("is_recommended"):
        return "best"
    return "fine"


def reasons(trace: dict) -> str:
    """Why the numbers give this verdict, in a few words (the table's last column)."""
    if trace["raises"] is not None:
        return f"raises {trace['raises']}"
    if not trace["equivalent"]:
        parts = []
        if not trace.get("loss_equivalent", False):
            loss, ref = trace["loss_value"], trace["reference_value"]
            if loss is not None and ref is not None and abs(loss - ref) <= 1e-3 * abs(ref):
                parts.append(f"loss elementwise outside assert_close's tolerance (normwise error {trace['loss_rel_error']:.1e})")
            else:
                parts.append(f"loss {_fmt(loss)} vs {_fmt(ref)}")
        if not trace.get("grad_equivalent", False):
            ratio = trace["grad_ratio"]
            parts.append(f"gradient x{ratio:.3g}" if ratio is not None else "gradient not finite")
        return "not equivalent: " + ", ".join(parts)
    parts = []
    stability = trace["stability"] or {}
    if not stability.get("stable", False):
        parts.append(unstable_text(stability))
    if trace["redundant"]:
        parts.append("redundant: the loss repeats the activation")
    if not parts:
        parts.append("bitwise equal to the recommended pair" if trace["bitwise_equal"] else "equivalent and stable")
    return "; ".join(parts)


def unstable_text(stability: dict) -> str:
    if "error" in stability:
        return f"probe raises {stability['error']}"
    variable = stability.get("variable", "|logit|")
    parts = []
    for quantity in ("loss", "gradient"):
        hit = stability.get(quantity)
        if hit is not None:
            parts.append(f"{quantity} {HOW[hit['how']]} from {variable} {hit['from']:.2f}")
    return ", ".join(parts)


HOW = {
    "nan": "NaN",
    "inf": "infinite",
    "zero": "exactly zero",
    "vanished": "vanishes",
    "clamped": "clamped",
}


def _fmt(value) -> str:
    return "n/a" if value is None else f"{value:.4g}"
