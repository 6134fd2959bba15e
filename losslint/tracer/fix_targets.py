"""Each rule's `fix_to` pair, traced: a fix must produce what the recommended pair computes.

rules/*.toml give every fixable rule the pair its fix produces (fix_to). That pair must be
numerically equivalent to the recommended pair of its loss family (for an NLLLoss target
that is log_softmax + NLLLoss, bitwise equal to CrossEntropyLoss on logits) and be stable
and free of redundant work, i.e. recomputed as best or fine. Anything else is a bug in
the rule: reported, never applied silently.
"""

from __future__ import annotations

from dataclasses import dataclass

from losslint.rules import catalog as catalog_module
from losslint.tracer import measure
from losslint.tracer.spec import LOSSES, PairSpec, SpecError
from losslint.tracer.verdict import unstable_text

GOOD = ("best", "fine")


@dataclass(frozen=True)
class FixCheck:
    code: str
    fix_to: PairSpec
    trace: dict | None  # None when the pair cannot be traced at all (see error)
    error: str | None = None
    skipped: bool = False  # a loss the tracer does not model yet: neither ok nor a bug

    @property
    def ok(self) -> bool:
        return self.trace is not None and self.trace["equivalent"] and self.trace["verdict"] in GOOD

    def problem(self) -> str | None:
        if self.ok or self.skipped:
            return None
        t = self.trace
        if t is None:
            what = f"cannot be traced: {self.error}"
        elif t["raises"]:
            what = f"raises {t['raises']}"
        elif not t["equivalent"]:
            what = f"is not equivalent to {t['recommended']['description']} (gradient ratio {t['grad_ratio']})"
        else:
            why = unstable_text(t["stability"] or {}) if not (t["stability"] or {}).get("stable") else "redundant"
            what = f"is only {t['verdict']} ({why})"
        return f"{self.code}: the fix produces {self.fix_to.label()}, which {what}"


def fix_spec(rule: catalog_module.Rule, base: PairSpec | None = None) -> PairSpec | None:
    """The pair after `rule`'s fix, with `base`'s loss arguments (a finding's) if given.

    An expression rule's fix respells the log (torch.log(softmax) -> log_softmax); its
    fix_to names the loss only when it has one, else the activation is traced alone."""
    if rule.fix_to is None:
        return None
    loss = rule.fix_to.loss or None
    if loss in ("*", "any"):
        loss = None
    if base is None:
        return PairSpec(rule.fix_to.activation, loss)
    return PairSpec(
        rule.fix_to.activation, loss, "direct", base.classes, base.dim, base.reduction,
        base.weight, base.pos_weight if loss == "BCEWithLogitsLoss" else None,
        base.ignore_index if loss in ("CrossEntropyLoss", "NLLLoss") else None,
        base.label_smoothing if loss == "CrossEntropyLoss" else 0.0, dict(base.sources),
    )


def check_rule(rule: catalog_module.Rule, device: str = "cpu", dtype: str = "float32",
               base: PairSpec | None = None, catalog: catalog_module.Catalog | None = None) -> FixCheck | None:
    spec = fix_spec(rule, base)
    if spec is None:
        return None
    if spec.loss is not None and spec.loss not in LOSSES:
        return FixCheck(rule.code, spec, None, f"the tracer does not model {spec.loss} yet", skipped=True)
    try:
        return FixCheck(rule.code, spec, measure.trace(spec, device=device, dtype=dtype, catalog=catalog))
    except SpecError as exc:
        return FixCheck(rule.code, spec, None, str(exc))


def check_all(device: str = "cpu", dtype: str = "float32",
              catalog: catalog_module.Catalog | None = None) -> list[FixCheck]:
    """Every rule with a fix_to in the catalog, traced."""
    cat = catalog or catalog_module.load()
    checks = [check_rule(rule, device, dtype, catalog=cat) for rule in cat.rules]
    return [c for c in checks if c is not None]
