"""BCELoss inside a CUDA autocast region (torch raises there: it is unsafe in float16)."""

from __future__ import annotations

from collections import defaultdict

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
    # The losses each call may compute in each context: more than one is a criterion
    # chosen at run time (`LOSSES[cfg.loss](...)`, an if/elif on a name).
    losses: dict[tuple[int, int], set[str]] = defaultdict(set)
    for loss_call in loss_calls:
        losses[(id(loss_call.fact), id(loss_call.use.frame))].add(loss_call.use.loss)
    call_facts = _CallFacts(checker)
    for loss_call in calls:
        chosen = len(losses[(id(loss_call.fact), id(loss_call.use.frame))]) > 1
        _autocast(checker, loss_call, call_facts, chosen)


def _autocast(checker: Checker, loss_call: LossCall, call_facts: "_CallFacts", chosen: bool) -> None:
    use = loss_call.use
    found = _region(checker, loss_call.fact, use.frame, call_facts)
    if found is None:
        return
    region, state = found
    if state == "maybe" and chosen:
        # Two run-time choices (which criterion, whether autocast is on) that only a
        # configuration joins: BCELoss under autocast might happen, it is not shown to.
        return
    first = use.call.arg(0, "input")
    values = checker.evaluator.values(first, use.frame) if first is not None else ()
    tensor = next((v for v in values if isinstance(v, TensorV)), None)
    related = [Related(region, "CUDA autocast region entered here")]
    if use.ctor_site is not None:
        related.append(Related(use.ctor_site, f"{use.loss} created here"))
    checker.add("LL601", use.call_site, related, tensor, use.loss, {}, {"autocast": "cuda"})


def _region(checker: Checker, fact: CallFact, frame: Frame | None, call_facts: "_CallFacts",
            depth: int = 0) -> tuple[Site, str] | None:
    """The with-item of the innermost autocast around this call, following the calls
    into its function when the call itself is not inside one, and whether it is "on" or
    "maybe" (enabled by a run-time value); None when autocast is off there, or unknown."""
    for context in reversed(fact.contexts):
        state = arguments.autocast_state(checker.evaluator, context, frame) if frame is not None else None
        if state in ("on", "maybe"):
            return context.site, state
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
