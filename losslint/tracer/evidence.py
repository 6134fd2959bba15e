"""`losslint check --trace`: trace each finding's pair with its own arguments.

Sets finding.evidence (added to the JSON record as "evidence") with the numbers and a
one-line "summary" that the text reporter prints under the finding. When the finding's
rule has a fix, the pair after the fix is traced too; a fix whose pair does not compute
what the recommended pair computes is reported as a losslint bug.
"""

from __future__ import annotations

from losslint.rules import catalog as catalog_module
from losslint.rules.checker import Check
from losslint.tracer import fix_targets, measure, one_unit
from losslint.tracer.from_finding import spec_for
from losslint.tracer.spec import LOSSES, SpecError
from losslint.tracer.verdict import unstable_text

# The trace's keys that go into the evidence object.
KEPT = (
    "device", "dtype", "torch", "classes", "options", "recommended", "equivalent", "bitwise_equal",
    "loss_value", "reference_value", "max_rel_error", "grad_ratio", "redundant", "raises", "stability",
    "verdict",
)


def attach(findings, device: str = "auto", dtype: str = "float32", seed: int = 0,
           catalog: catalog_module.Catalog | None = None) -> None:
    """Set .evidence on every finding that has a rule code."""
    cat = catalog or catalog_module.load()
    cache: dict = {}
    for finding in findings:
        if finding.code is None:
            continue
        finding.evidence = evidence_for(finding, device, dtype, seed, cat, cache)


def evidence_for(finding, device: str, dtype: str, seed: int, cat, cache: dict) -> dict:
    if one_unit.applies(finding):  # one class: nothing to compare with, the numbers themselves
        return one_unit.evidence(finding, dtype, seed)
    spec = spec_for(finding)
    if spec is None:
        if finding.loss and finding.loss not in LOSSES:
            reason = f"the tracer does not model {finding.loss}"
        elif isinstance(finding.origin, Check):  # a condition the tracer cannot run as a pair
            reason = f"{finding.code} checks a condition (a flag, a shape, a region), not a pair the tracer runs"
        else:
            reason = "the analyzer kept no activation/loss pair for this finding"
        return {"traced": False, "reason": reason, "summary": f"not traced: {reason}"}
    try:
        trace = _cached(cache, spec, device, dtype, seed, cat)
    except SpecError as exc:
        return {"traced": False, "reason": str(exc), "summary": f"not traced: {exc}"}
    evidence = {"traced": True, "pair": spec.to_json(), **{k: trace[k] for k in KEPT}}
    not_literal = sorted(k for k, v in spec.sources.items() if v == "not literal")
    if not_literal:
        evidence["not_literal"] = not_literal  # traced with torch's defaults for these
    evidence["fix"] = _fix(finding, spec, device, dtype, cat, cache, seed)
    evidence["summary"] = summary(trace, finding.verdict, evidence["fix"])
    return evidence


def _fix(finding, spec, device, dtype, cat, cache, seed) -> dict | None:
    rule = cat.by_code_or_name(finding.code)
    if rule is None:
        return None
    after = fix_targets.fix_spec(rule, spec)  # fix_to's pair, with the finding's loss arguments
    if after is None:
        return None
    try:
        trace = _cached(cache, after, device, dtype, seed, cat)
    except SpecError as exc:
        return {"pair": after.to_json(), "verified": False, "problem": f"cannot be traced: {exc}"}
    check = fix_targets.FixCheck(rule.code, after, trace)
    return {
        "pair": after.to_json(),
        "equivalent": trace["equivalent"],
        "verdict": trace["verdict"],
        "verified": check.ok,
        "problem": check.problem(),
    }


def summary(trace: dict, static_verdict: str | None, fix: dict | None) -> str:
    """One line: what the numbers show, e.g. 'traced on cpu float32: gradient 11.8x
    smaller than CrossEntropyLoss on logits (loss 2.05 vs 1.09)'."""
    head = f"traced on {trace['device']} {trace['dtype']}: "
    rec = trace["recommended"]["description"]
    if trace["raises"]:
        text = trace["raises"]
    elif not trace["equivalent"]:
        losses = f"(loss {_num(trace['loss_value'])} vs {_num(trace['reference_value'])})"
        text = f"{_gradient(trace['grad_ratio'])} than {rec} {losses}"
        if trace["grad_ratio"] is None:
            text = f"not finite where {rec} is {losses}"
    else:
        text = f"matches {rec}" + (" bitwise" if trace["bitwise_equal"] else f" (rel. error {trace['max_rel_error']:.1e})")
        stability = trace["stability"] or {}
        if not stability.get("stable", True):
            text = f"matches {rec} on ordinary logits, but {unstable_text(stability)}"
        elif trace["redundant"]:
            text += ", and repeats the normalization the loss applies itself"
    if static_verdict is not None and trace["verdict"] != static_verdict:
        text += f"; the numbers say {trace['verdict']}"
    if fix is not None and not fix.get("verified", True):
        text += f"; losslint bug: {fix['problem']}"
    return head + text


def _gradient(ratio) -> str:
    if ratio is None:
        return "gradient not finite"
    if ratio < 1:
        return f"gradient {1 / ratio:.1f}x smaller"
    return f"gradient {ratio:.1f}x larger"


def _num(value) -> str:
    return "n/a" if value is None else f"{value:.3g}"


def _cached(cache: dict, spec, device, dtype, seed, cat) -> dict:
    key = (spec, device, dtype, seed)
    if key not in cache:
        cache[key] = measure.trace(spec, device=device, dtype=dtype, seed=seed, catalog=cat)
    return cache[key]
