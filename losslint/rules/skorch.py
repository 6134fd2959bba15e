"""skorch's NeuralNetClassifier with NLLLoss takes torch.log of the module's output: the
module must return probabilities, not log-probabilities or logits (NaN below 0)."""

from __future__ import annotations

from losslint.analysis.pairs import LossCall
from losslint.core.findings import Related
from losslint.rules.checker import Checker

CODES = ("LL407",)


def check(checker: Checker, loss_calls: list[LossCall]) -> None:
    for pair in checker.analysis.skorch_logged:
        tensor = pair.tensor
        if tensor.kind == "log_softmax" or (tensor.kind == "logits" and tensor.form == "layer"):
            related = [Related(pair.use.call_site, "NeuralNetClassifier created here: it takes torch.log of the output for NLLLoss")]
            checker.add("LL407", tensor.site, related, tensor, "NLLLoss", {}, {}, applied=tensor.applied)
