"""The rules beyond the quiz (LL3xx-LL6xx) in the catalog: consistent fields, fix_to
pairs that are fine, messages that fill in, and the accepted rows they rely on."""

from __future__ import annotations

import string

import pytest

from losslint.rules import catalog

CATALOG = catalog.load()
BEYOND = [rule for rule in CATALOG.rules if rule.code[:3] in ("LL3", "LL4", "LL5", "LL6")]
IDS = [rule.code for rule in BEYOND]

EXPECTED = {
    "LL301": ("probabilities-into-kl-div", "pair", "wrong"),
    "LL302": ("kl-div-log-target-mismatch", "check", "wrong"),
    "LL303": ("kl-div-mean-reduction", "check", "warning"),
    "LL304": ("sigmoid-before-multilabel-soft-margin-loss", "pair", "wrong"),
    "LL305": ("sigmoid-before-soft-margin-loss", "pair", "wrong"),
    "LL306": ("exp-before-poisson-nll-loss", "check", "wrong"),
    "LL307": ("logits-as-poisson-rates", "check", "wrong"),
    "LL401": ("softmax-implicit-dim", "check", "warning"),
    "LL402": ("softmax-over-batch-dim", "check", "wrong"),
    "LL403": ("softmax-before-bce-with-logits", "pair", "wrong"),
    "LL404": ("softmax-before-bce-loss", "check", "wrong"),
    "LL405": ("single-unit-cross-entropy", "check", "wrong"),
    "LL406": ("sigmoid-before-nll-loss", "pair", "wrong"),
    "LL407": ("skorch-nll-on-log-probabilities", "check", "wrong"),
    "LL408": ("softmax-over-single-unit", "check", "wrong"),
    "LL501": ("hand-written-binary-cross-entropy", "check", "acceptable"),
    "LL502": ("hand-written-cross-entropy", "check", "acceptable"),
    "LL601": ("bce-loss-under-autocast", "check", "wrong"),
}
# The fields losslint/rules/ (checker.add and its callers) fill into these rules' messages.
FIELDS = {"activation", "loss", "how", "target", "why", "constant", "size_one", "nan", "index_error", "gradient", "range"}


def test_the_beyond_rules_are_all_there():
    assert {rule.code: (rule.name, rule.kind, rule.verdict) for rule in BEYOND} == EXPECTED


@pytest.mark.parametrize("rule", BEYOND, ids=IDS)
def test_message_fills_in(rule):
    used = {name for _, name, _, _ in string.Formatter().parse(rule.message) if name is not None}
    assert used <= FIELDS, used - FIELDS
    filled = rule.message.format(**{name: "`x`" for name in FIELDS})
    assert "{" not in filled and "}" not in filled and "\n" not in filled


@pytest.mark.parametrize("rule", BEYOND, ids=IDS)
def test_pair_rules_are_in_the_pair_index_and_check_rules_are_not(rule):
    if rule.kind == "pair":
        assert rule.pairs and rule.activation is None
    for pair in rule.pairs:
        found = CATALOG.pair_rule(pair.activation, pair.loss)
        if rule.kind == "pair":
            assert found is rule
        else:
            # A check rule's pairs are only reported under its conditions (a flag, a dim,
            # a layer size): they must not become unconditional pair verdicts.
            assert found is None or found.kind == "pair" and found is not rule


@pytest.mark.parametrize("rule", [r for r in BEYOND if r.fix_to is not None], ids=lambda r: r.code)
def test_fix_leads_to_a_silent_pair(rule):
    assert CATALOG.verdict(rule.fix_to.activation, rule.fix_to.loss) in ("best", "fine")


def test_each_family_has_at_most_one_best_pair():
    # The tracer compares a family's pairs with its one "best" row (tracer/spec.recommended).
    best: dict[str, int] = {}
    for row in CATALOG.accepted:
        if row.verdict == "best":
            best[row.family] = best.get(row.family, 0) + 1
    assert all(count == 1 for count in best.values()), best


def test_quiz_losses_keep_their_verdicts():
    # The new pair rules add losses and activations, they never change a quiz row.
    assert CATALOG.verdict("none", "CrossEntropyLoss") == "best"
    assert CATALOG.verdict("log_softmax", "NLLLoss") == "fine"
    assert CATALOG.verdict("log_softmax", "KLDivLoss") == "best"
    assert CATALOG.verdict("softmax", "KLDivLoss") == "wrong"
    assert CATALOG.verdict("softmax", "BCELoss") is None  # LL404 is a check: no pair verdict
