"""PoissonNLLLoss's `log_input`: rates already exponentiated into log_input=True, or
raw logits taken as rates with log_input=False."""

from __future__ import annotations

from losslint.analysis import arguments
from losslint.analysis.evaluate import TensorV
from losslint.analysis.pairs import LossCall
from losslint.core.findings import Related
from losslint.rules.checker import Checker, calls_of
from losslint.rules.emit import loss_sites

CODES = ("LL306", "LL307")


def check(checker: Checker, loss_calls: list[LossCall]) -> None:
    for loss_call in calls_of(loss_calls, "PoissonNLLLoss"):
        _poisson(checker, loss_call)


def _poisson(checker: Checker, loss_call: LossCall) -> None:
    use = loss_call.use
    log_input = arguments.flag(checker.evaluator, loss_call, "log_input", True)
    first = use.call.arg(0, "input")
    if log_input is None or first is None:
        return
    for value in checker.evaluator.values(first, use.frame):
        if not isinstance(value, TensorV):
            continue
        if log_input and value.kind in ("exp", "softplus"):
            checker.add("LL306", value.site, loss_sites(use), value, use.loss, {}, {"log_input": True})
        elif not log_input and value.kind == "logits":
            related = [Related(value.site, "logits produced here")] + loss_sites(use)
            checker.add("LL307", use.ctor_site or use.call_site, related, value, use.loss, {}, {"log_input": False})
