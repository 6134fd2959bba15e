"""What every check module (losslint/rules/checks.py runs them) works with: the analysis,
its evaluator, the catalog, and `add`, which turns what a check saw into the rule's
finding, one per rule and site. `Check` is the origin of those findings."""

from __future__ import annotations

from dataclasses import dataclass, field

from losslint.analysis import Analysis
from losslint.analysis.evaluate import Evaluator, TensorV
from losslint.analysis.pairs import LossCall, Pair
from losslint.core.findings import Finding, Related, Site
from losslint.core.sources import SnippetReader
from losslint.rules import claims
from losslint.rules.catalog import Catalog
from losslint.rules.emit import FindingSet, make_finding

PROBABILITIES = ("softmax", "sigmoid")
LOG_PROBABILITIES = ("log_softmax", "logsigmoid")


def calls_of(loss_calls: list[LossCall], loss: str) -> list[LossCall]:
    """The calls of one loss (its torch.nn class name, also for the functional form)."""
    return [call for call in loss_calls if call.use.loss == loss]


@dataclass(frozen=True, eq=False)
class Check:
    """Finding.origin for these rules: what the check saw. It has no `tensor`, `use` or
    `kind`, so fixes (fixes/build.py) leave it alone; the tracer runs `pair` for the rules
    whose TOML says `traced = true` (tracer/from_finding.py)."""

    code: str
    site: Site
    details: dict = field(default_factory=dict)  # activation, loss, flags: what the rule read
    applied: Site | None = None
    # The activation/loss pair the check judged, for the rules the tracer can run as a
    # pair; None for the others.
    pair: Pair | None = field(default=None, compare=False)


class Checker:
    def __init__(self, analysis: Analysis, catalog: Catalog, snippet: SnippetReader) -> None:
        self.analysis = analysis
        self.evaluator: Evaluator = analysis.evaluator
        self.catalog = catalog
        self.snippet = snippet
        self.findings = FindingSet()
        # (code, site) of the findings of other rules that one of these explains better.
        self.superseded: set[tuple[str, Site]] = set()
        # ids of the pairs a check judged instead of the pair table (LL408: a softmax over
        # one unit is neither "the same result" nor a "double softmax"): their pair
        # findings are dropped.
        self.replaced_pairs: set[int] = set()

    def add(self, code: str, site: Site, related: list[Related], tensor: TensorV | None, loss: str | None,
            fields: dict, details: dict, applied: Site | None = None, pair: Pair | None = None) -> None:
        rule = self.catalog.by_code_or_name(code)
        if rule is None:
            return
        related = [r for r in related if r.site != site]
        if self.findings.merged(code, site, related):
            return
        activation = None
        if tensor is not None:
            activation = "none" if tensor.kind == "logits" else tensor.kind
        text = {
            "activation": f"`{self.snippet(tensor.site)}`" if tensor is not None else "the input",
            "loss": f"`{loss}`" if loss else "the loss",
            **fields,
        }
        origin = Check(code, site, {"activation": activation, "loss": loss, **details}, applied, pair)
        self.findings.add(make_finding(rule, rule.message.format(**text), site, related, activation, loss, origin))

    def claims(self, code: str, conditions: set[str]) -> dict[str, str]:
        """The texts of a rule's conditional claims under these conditions (rules/claims.py)."""
        rule = self.catalog.by_code_or_name(code)
        return claims.fields(rule, conditions) if rule is not None else {}

    def _replaced(self, finding: Finding) -> bool:
        return finding.origin is not None and id(finding.origin) in self.replaced_pairs

    def judged(self, findings: list[Finding]) -> list[Finding]:
        """`findings` (the pair table's) less those superseded, plus these."""
        kept = [f for f in findings if (f.code, f.site) not in self.superseded and not self._replaced(f)]
        return kept + self.findings.sorted()
