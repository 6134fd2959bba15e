"""The rules that need more than an (activation, loss) pair, one module per family.

pair_table.py judges plain pairs by the catalog (LL301, LL304, LL305, LL403, LL406 are
pair rules in rules/*.toml). The rules here also read a loss's flags, a softmax's dim,
the size of the output layer, a hand-written formula or the region a loss is computed in:

    kl_div.py            LL302 target vs log_target, LL303 reduction="mean"
    poisson.py           LL306 exp/softplus into log_input=True, LL307 logits as rates
    softmax_dim.py       LL401 softmax without dim, LL402 softmax over dim 0 into CE/NLL
    label_shapes.py      LL404 softmax into BCELoss, LL405 one output unit into CE
    single_unit.py       LL408 softmax/log_softmax over a dimension of size 1
    skorch.py            LL407 log-probabilities or logits into NeuralNetClassifier + NLLLoss
    handwritten_loss.py  LL501/LL502 hand-written cross-entropy
    autocast.py          LL601 BCELoss inside a CUDA autocast region

Each lists its rules in CODES and has `check(checker, loss_calls)`. Precision first: an
argument that is not a literal (or a module constant) keeps a rule silent, except where
torch's default decides (a missing `reduction` is "mean").
"""

from __future__ import annotations

from losslint.analysis import Analysis
from losslint.analysis.pairs import find_loss_calls
from losslint.core.findings import Finding
from losslint.core.sources import SnippetReader
from losslint.rules import autocast, handwritten_loss, kl_div, label_shapes, poisson, single_unit, skorch, softmax_dim
from losslint.rules.catalog import Catalog
from losslint.rules.checker import Checker

FAMILIES = (kl_div, poisson, autocast, softmax_dim, label_shapes, single_unit, skorch, handwritten_loss)


def judge(analysis: Analysis, catalog: Catalog, snippet: SnippetReader, findings: list[Finding]) -> list[Finding]:
    """`findings` (pair_table.judge's) plus these rules' findings, minus the findings that
    one of these explains better (a rule's `supersedes`)."""
    checker = Checker(analysis, catalog, snippet)
    loss_calls = find_loss_calls(analysis.project, checker.evaluator)
    for family in FAMILIES:
        family.check(checker, loss_calls)
    return checker.judged(findings)
