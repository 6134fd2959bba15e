"""A rule's finding at a site, with its partner sites; one finding per rule and site.

Every rule module (the pair table and the checks) builds its findings here, so that a
softmax feeding three loss calls is one mistake, with the three calls as related sites.
"""

from __future__ import annotations

from losslint.core.findings import Finding, Origin, Related, Site
from losslint.rules.catalog import Rule


class FindingSet(dict):
    """(code, site) -> the one finding of that rule there."""

    def merged(self, code: str, site: Site, related: list[Related]) -> bool:
        """Give the finding of `code` at `site`, when there is one already, the partner
        sites it lacks. -> whether there was one."""
        existing = self.get((code, site))
        if existing is None:
            return False
        known = {r.site for r in existing.related}
        existing.related.extend(r for r in related if r.site not in known)
        return True

    def add(self, finding: Finding) -> None:
        if not self.merged(finding.code, finding.site, finding.related):
            self[(finding.code, finding.site)] = finding

    def sorted(self) -> list[Finding]:
        return sorted(self.values(), key=Finding.sort_key)


def computed_here(use) -> str:
    """The related site's message for the loss call."""
    if use.implicit:  # NeuralNetClassifier(Module, criterion=...): skorch calls the loss
        return f"{use.loss} applied to the module's output by the net created here"
    return f"{use.loss} computed here"


def loss_sites(use) -> list[Related]:
    """Where a loss is: computed, created (a criterion object), and the loss module whose
    forward computes it (criterion(out, y) with a FocalLoss)."""
    related = [Related(use.call_site, computed_here(use))]
    if use.selected is not None and use.selected.site is not None:  # built from a config by name
        related.append(Related(use.selected.site, use.selected.text))
    if use.ctor_site is not None:
        related.append(Related(use.ctor_site, f"{use.loss} created here"))
    if use.via is not None:
        related.append(Related(use.via, f"loss module computing {use.loss} called here"))
    return related


def selection_sites(tensor) -> list[Related]:
    """How the model that produced a tensor was chosen by name (analysis/registry.py)."""
    return [Related(s.site, s.text) for s in tensor.selected if s.site is not None]


def make_finding(rule: Rule, message: str, site: Site, related: list[Related], activation: str | None,
                 loss: str | None, origin: Origin | None) -> Finding:
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
