"""KLDivLoss's own arguments: a target in the wrong form for `log_target`, and the
`reduction="mean"` that divides by the number of elements, not of examples."""

from __future__ import annotations

from losslint.analysis import arguments
from losslint.analysis.evaluate import TensorV
from losslint.analysis.pairs import LossCall
from losslint.core.findings import Related
from losslint.rules.checker import LOG_PROBABILITIES, PROBABILITIES, Checker, calls_of
from losslint.rules.emit import loss_sites

CODES = ("LL302", "LL303")


def check(checker: Checker, loss_calls: list[LossCall]) -> None:
    for loss_call in calls_of(loss_calls, "KLDivLoss"):
        _kl_div(checker, loss_call)


def _kl_div(checker: Checker, loss_call: LossCall) -> None:
    evaluator, use = checker.evaluator, loss_call.use
    reduction = arguments.reduction(evaluator, loss_call)
    if reduction == "mean":
        explicit = arguments.loss_option(evaluator, loss_call, "reduction") is not arguments.MISSING
        how = '`reduction="mean"`' if explicit else 'its default `reduction="mean"`'
        checker.add("LL303", use.ctor_site or use.call_site, loss_sites(use), None, use.loss, {"how": how},
                    {"reduction": "mean", "explicit": explicit})
    log_target = arguments.flag(evaluator, loss_call, "log_target", False)
    target = use.call.arg(1, "target")
    if target is None or log_target is None:
        return
    for value in evaluator.values(target, use.frame):
        if not isinstance(value, TensorV):
            continue
        if not log_target and value.kind in LOG_PROBABILITIES:
            why = ("is log-probabilities, but without `log_target=True` KLDivLoss reads its target as "
                   "probabilities: target * log(target) of a negative number is NaN")
        elif log_target and value.kind in PROBABILITIES:
            why = ("is probabilities, but `log_target=True` makes KLDivLoss read it as log-probabilities: "
                   "the model is pulled towards softmax(probabilities), nearly uniform")
        else:
            continue
        related = [Related(value.site, f"{value.kind} applied here (the target)")] + loss_sites(use)
        checker.add("LL302", use.ctor_site or use.call_site, related, value, use.loss,
                    {"target": f"`{checker.snippet(value.site)}`", "why": why},
                    {"target": value.kind, "log_target": log_target})
