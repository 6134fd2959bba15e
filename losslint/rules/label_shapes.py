"""The output layer against the labels: a softmax over independent labels into BCELoss
(a multi-label problem read as one class per example), and a one-unit output layer into
CrossEntropyLoss (whose softmax over one class is always 1)."""

from __future__ import annotations

from losslint.analysis import arguments
from losslint.analysis.pairs import LossCall
from losslint.rules import claims
from losslint.rules.checker import Checker
from losslint.rules.emit import loss_sites

CODES = ("LL404", "LL405")


def check(checker: Checker, loss_calls: list[LossCall]) -> None:
    for pair in checker.analysis.pairs:
        tensor, use = pair.tensor, pair.use
        # Two softmax columns against one-hot targets are a binary classifier (BCE is then
        # twice CE, not a multi-label mistake): left alone when the layer shows 2 outputs.
        two_columns = tensor.source is not None and tensor.source.units == 2
        if tensor.kind == "softmax" and use.loss == "BCELoss" and not tensor.reshaped and not two_columns:
            checker.add("LL404", tensor.site, loss_sites(use), tensor, use.loss, {}, {}, applied=tensor.applied,
                        pair=pair)
        if tensor.kind == "logits" and use.loss == "CrossEntropyLoss" and not tensor.reshaped:
            if arguments.output_units(tensor) == 1:
                conditions = {"float_targets"} if claims.float_target(checker.evaluator, use) else set()
                checker.add("LL405", tensor.site, loss_sites(use), tensor, use.loss, checker.claims("LL405", conditions),
                            {"units": 1, "conditions": sorted(conditions)})
