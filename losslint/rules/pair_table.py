"""(activation, loss) pairs -> findings, by the taxonomy in the rule catalog (rules/).

The rules judged here are data only: every rule whose TOML has `kind = "pair"` (the
pairs it reports) or `kind = "expression"` (an unstable spelling of an activation).
Adding one is adding its TOML; the rules of `kind = "check"` live in checks.py's modules.
"""

from __future__ import annotations

from losslint.analysis.evaluate import TensorV
from losslint.analysis.pairs import Pair
from losslint.core.findings import Finding, Related, Site
from losslint.core.sources import SnippetReader
from losslint.rules.catalog import Catalog, Rule
from losslint.rules.emit import (
    FindingSet,
    computed_here,
    loss_sites,
    make_finding,
    selection_sites,
)


def judge(pairs: list[Pair], logs: list[TensorV], catalog: Catalog, snippet: SnippetReader) -> list[Finding]:
    findings = FindingSet()
    flagged_sites: set[Site] = set()
    for pair in pairs:
        rule = catalog.pair_rule(pair.activation, pair.use.loss)
        if rule is not None and pair.tensor.guarded and rule.verdict == "acceptable":
            # p.clamp(eps, 1 - eps) or p + eps: the instability an "acceptable" pair warns
            # about is what the guard is for (a wrong pair stays wrong).
            continue
        if rule is not None:
            finding = _pair_finding(rule, pair, snippet)
            flagged_sites.add(pair.tensor.site)
        elif pair.tensor.unstable and (rule := catalog.expression_rule(pair.activation)) is not None:
            finding = _expression_finding(rule, pair.tensor, snippet, pair)
            flagged_sites.add(pair.tensor.site)  # the loop over logs below must not repeat it
        else:
            continue  # best or fine pair, or one the taxonomy says nothing about
        findings.add(finding)
    for tensor in logs:
        rule = catalog.expression_rule(tensor.kind)
        if rule is None or tensor.site in flagged_sites:
            continue
        findings.add(_expression_finding(rule, tensor, snippet, None))
    return findings.sorted()


def _pair_finding(rule: Rule, pair: Pair, snippet: SnippetReader) -> Finding:
    use, tensor = pair.use, pair.tensor
    loss_spelling = f"`{use.loss}`"
    activation_text = f"`{snippet(tensor.site)}`"
    message = rule.message.format(activation=activation_text, loss=loss_spelling)
    produced = "logits produced here" if pair.activation == "none" else f"{pair.activation} applied here"
    if rule.primary == "loss":  # (make_finding drops the loss site the finding is at)
        site = use.ctor_site or use.call_site
        related = [Related(tensor.site, produced), *loss_sites(use), *selection_sites(tensor)]
    else:
        site = tensor.site
        related = [*loss_sites(use), *selection_sites(tensor)]
    return make_finding(rule, message, site, related, pair.activation, use.loss, pair)


def _expression_finding(rule: Rule, tensor: TensorV, snippet: SnippetReader, pair: Pair | None) -> Finding:
    message = rule.format_message(f"`{snippet(tensor.site)}`", f"`{pair.use.loss}`" if pair else None)
    related = [Related(pair.use.call_site, computed_here(pair.use))] if pair else []
    return make_finding(rule, message, tensor.site, related, tensor.kind, pair.use.loss if pair else None, pair or tensor)
