"""BCELoss inside a CUDA autocast region (torch raises there: it is unsafe in float16)."""

from __future__ import annotations

from losslint.analysis import arguments, ir
from losslint.analysis.evaluate import Frame, TensorV
from losslint.analysis.facts import CallFact
from losslint.analysis.pairs import LossCall
from losslint.core.findings import Related, Site
from losslint.rules.checker import Checker, calls_of

CODES = ("LL601",)
# How many callers up a region is looked for, when the call itself is not inside one.
MAX_DEPTH = 6


def check(checker: Checker, loss_calls: list[LossCall]) -> None:
    calls = calls_of(loss_calls, "BCELoss")
    if not calls:
        return
    call_facts = _CallFacts(checker)
    for loss_call in calls:
        _autocast(checker, loss_call, call_facts)


def _autocast(checker: Checker, loss_call: LossCall, call_facts: "_CallFacts") -> None:
    use = loss_call.use
    region = _region(checker, loss_call.fact, use.frame, call_facts)
    if region is None:
        return
    first = use.call.arg(0, "input")
    values = checker.evaluator.values(first, use.frame) if first is not None else ()
    tensor = next((v for v in values if isinstance(v, TensorV)), None)
    related = [Related(region, "CUDA autocast region entered here")]
    if use.ctor_site is not None:
        related.append(Related(use.ctor_site, f"{use.loss} created here"))
    checker.add("LL601", use.call_site, related, tensor, use.loss, {}, {"autocast": "cuda"})


def _region(checker: Checker, fact: CallFact, frame: Frame | None, call_facts: "_CallFacts", depth: int = 0) -> Site | None:
    """The with-item of the innermost autocast around this call, following the calls
    into its function when the call itself is not inside one; None when autocast is
    off there, or unknown."""
    for context in reversed(fact.contexts):
        state = arguments.autocast_state(checker.evaluator, context, frame) if frame is not None else None
        if state == "on":
            return context.site
        if state == "off":
            return None
    if frame is None or depth > MAX_DEPTH or not isinstance(frame.args, ir.Call):
        return None
    caller_fact = call_facts.get(frame.args)
    if caller_fact is None:
        return None
    return _region(checker, caller_fact, frame.caller, call_facts, depth + 1)


class _CallFacts:
    """The CallFact of an ir.Call, by identity; the table is built when first asked."""

    def __init__(self, checker: Checker) -> None:
        self.checker = checker
        self._table: dict[int, CallFact] | None = None

    def get(self, call: ir.Call) -> CallFact | None:
        if self._table is None:
            files = self.checker.analysis.project.files.values()
            self._table = {id(c.call): c for f in files for c in f.calls}
        return self._table.get(id(call))
