"""(activation, loss) pairs -> findings, by the taxonomy in the rule catalog (rules/)."""

from __future__ import annotations

from typing import Callable

from losslint import claims
from losslint.analysis.evaluate import TensorV
from losslint.analysis.pairs import Pair
from losslint.catalog import Catalog, Rule
from losslint.findings import Finding, Related, Site

# Reads the source text of a site, for messages ("`nn.Softmax(dim=1)` output reaches ...").
SnippetReader = Callable[[Site], str]


def judge(pairs: list[Pair], logs: list[TensorV], catalog: Catalog, snippet: SnippetReader) -> list[Finding]:
    findings: dict[tuple, Finding] = {}
    flagged_sites: set[Site] = set()
    for pair in pairs:
        rule = catalog.pair_rule(pair.activation, pair.use.loss)
        if rule is not None:
            finding = _pair_finding(rule, pair, snippet)
            flagged_sites.add(pair.tensor.site)
        elif pair.tensor.unstable and (rule := catalog.expression_rule(pair.activation)) is not None:
            finding = _expression_finding(rule, pair.tensor, snippet, pair)
            flagged_sites.add(pair.tensor.site)  # the loop over logs below must not repeat it
        else:
            continue  # best or fine pair, or one the taxonomy says nothing about
        _add(findings, finding)
    for tensor in logs:
        rule = catalog.expression_rule(tensor.kind)
        if rule is None or tensor.site in flagged_sites:
            continue
        _add(findings, _expression_finding(rule, tensor, snippet, None))
    return sorted(findings.values(), key=Finding.sort_key)


def _add(findings: dict[tuple, Finding], finding: Finding) -> None:
    """One finding per rule and site: a softmax feeding three loss calls is one mistake,
    with the three calls as related sites and the three pairs in `origins`."""
    key = (finding.code, finding.site)
    existing = findings.get(key)
    if existing is None:
        findings[key] = finding
        return
    known = {r.site for r in existing.related}
    existing.related.extend(r for r in finding.related if r.site not in known)
    if finding.origin is not None and all(o is not finding.origin for o in existing.origins):
        existing.origins.append(finding.origin)


def computed_here(use) -> str:
    """The related site's message for the loss call."""
    if use.implicit:  # NeuralNetClassifier(Module, criterion=...): skorch calls the loss
        return f"{use.loss} applied to the module's output by the net created here"
    return f"{use.loss} computed here"


def loss_sites(use) -> list[Related]:
    """Where a loss is: computed, created (a criterion object), and the loss module whose
    forward computes it (criterion(out, y) with a FocalLoss)."""
    related = [Related(use.call_site, computed_here(use))]
    if use.ctor_site is not None:
        related.append(Related(use.ctor_site, f"{use.loss} created here"))
    if use.via is not None:
        related.append(Related(use.via, f"loss module computing {use.loss} called here"))
    return related


def _pair_finding(rule: Rule, pair: Pair, snippet: SnippetReader) -> Finding:
    use, tensor = pair.use, pair.tensor
    loss_spelling = f"`{use.loss}`"
    activation_text = f"`{snippet(tensor.site)}`"
    message = rule.message.format(activation=activation_text, loss=loss_spelling, **claims.pair_fields(rule, pair))
    produced = "logits produced here" if pair.activation == "none" else f"{pair.activation} applied here"
    if rule.primary == "loss":  # (make_finding drops the loss site the finding is at)
        site = use.ctor_site or use.call_site
        related = [Related(tensor.site, produced), *loss_sites(use)]
    else:
        site = tensor.site
        related = loss_sites(use)
    return make_finding(rule, message, site, related, pair.activation, use.loss, pair)


def _expression_finding(rule: Rule, tensor: TensorV, snippet: SnippetReader, pair: Pair | None) -> Finding:
    message = rule.format_message(f"`{snippet(tensor.site)}`", f"`{pair.use.loss}`" if pair else None)
    related = [Related(pair.use.call_site, computed_here(pair.use))] if pair else []
    return make_finding(rule, message, tensor.site, related, tensor.kind, pair.use.loss if pair else None, pair or tensor)


def make_finding(rule: Rule, message: str, site: Site, related: list[Related], activation: str, loss: str | None, origin) -> Finding:
    return Finding(
        code=rule.code,
        name=rule.name,
        message=message,
        site=site,
        severity=rule.severity,
        verdict=rule.verdict,
        activation=activation,
        loss=loss,
        related=distinct(site, related),
        url=rule.url,
        noqa_row=site.row,
        origin=origin,
        origins=[origin],
    )


def distinct(site: Site, related: list[Related]) -> list[Related]:
    """The partner sites, without one that starts where the finding or an earlier partner
    does: `nn.BCELoss()(p, t)` is created and computed at the same place."""
    starts = {(site.path, site.start)}
    kept = []
    for entry in related:
        start = (entry.site.path, entry.site.start)
        if start not in starts:
            starts.add(start)
            kept.append(entry)
    return kept
