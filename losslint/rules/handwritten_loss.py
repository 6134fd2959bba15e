"""Hand-written cross-entropy: -(y * log(p) + (1 - y) * log(1 - p)) on sigmoid
probabilities, -(y * log(softmax(x))).sum(...) on softmax ones (the formulas are found by
analysis/handwritten.py). Their findings replace the LL105/LL206 findings at the same
log call: each rule's TOML says which (`supersedes`)."""

from __future__ import annotations

from losslint.analysis import handwritten
from losslint.analysis.evaluate import TensorV
from losslint.analysis.pairs import LossCall
from losslint.core.findings import Related
from losslint.rules import claims
from losslint.rules.checker import Checker

CODES = ("LL501", "LL502")
# The rule of each form of hand-written loss, and the activation its probabilities need.
_RULES = {"binary": ("LL501", "sigmoid"), "multiclass": ("LL502", "softmax")}


def check(checker: Checker, loss_calls: list[LossCall]) -> None:
    for match in handwritten.find(checker.analysis.project):
        code, wanted = _RULES[match.kind]
        tensor = _first_activation(checker, match, wanted)
        if tensor is None:
            continue
        related = [Related(tensor.site, f"{tensor.kind} applied here")]
        related += [Related(log.site, "log taken here") for log in match.logs if log.site != match.site]
        conditions = {"eps"} if match.logs and all(claims.has_eps(log) for log in match.logs) else set()
        checker.add(code, match.site, related, tensor, None, checker.claims(code, conditions),
                    {"form": match.kind, "conditions": sorted(conditions)})
        rule = checker.catalog.by_code_or_name(code)
        for superseded in rule.supersedes if rule is not None else ():
            checker.superseded.update((superseded, log.site) for log in match.logs)


def _first_activation(checker: Checker, match: handwritten.HandWritten, kind: str) -> TensorV | None:
    for frame in checker.evaluator.contexts(match.func):
        for value in checker.evaluator.values(match.probs, frame):
            if isinstance(value, TensorV) and value.kind == kind:
                return value
    return None
