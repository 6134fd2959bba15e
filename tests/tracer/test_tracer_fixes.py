"""Every rule's fix_to pair must compute what the recommended pair computes."""

from __future__ import annotations

import dataclasses

import pytest

torch = pytest.importorskip("torch")

from losslint.rules import catalog  # noqa: E402
from losslint.tracer import fix_targets  # noqa: E402
from losslint.tracer.spec import PairSpec  # noqa: E402

CATALOG = catalog.load()
FIXABLE = [rule for rule in CATALOG.rules if rule.fix_to is not None]


def test_the_catalog_has_fixable_rules():
    assert {"LL103", "LL105", "LL206"} <= {rule.code for rule in FIXABLE}


@pytest.mark.parametrize("rule", FIXABLE, ids=lambda r: r.code)
def test_fix_to_pair_matches_the_recommended_pair(rule):
    check = fix_targets.check_rule(rule, device="cpu", catalog=CATALOG)
    if check.skipped:
        pytest.skip(check.error)
    assert check.problem() is None
    assert check.trace["equivalent"]
    assert check.trace["verdict"] in ("best", "fine")


def test_nll_fixes_land_on_log_softmax_bitwise_equal_to_cross_entropy():
    for rule in FIXABLE:
        if rule.fix_to.loss == "NLLLoss":
            check = fix_targets.check_rule(rule, device="cpu", catalog=CATALOG)
            assert check.trace["bitwise_equal"], rule.code


def _with_fix(code: str, activation: str, loss: str) -> catalog.Rule:
    return dataclasses.replace(CATALOG.by_code_or_name(code), fix_to=catalog.PairNames(activation, loss))


def test_a_fix_to_a_wrong_pair_is_a_bug():
    check = fix_targets.check_rule(_with_fix("LL103", "sigmoid", "BCEWithLogitsLoss"), device="cpu", catalog=CATALOG)
    assert not check.ok
    assert check.problem().startswith("LL103: the fix produces sigmoid + BCEWithLogitsLoss, which is not equivalent")


def test_a_fix_to_an_unstable_pair_is_a_bug_too():
    check = fix_targets.check_rule(_with_fix("LL202", "sigmoid", "BCELoss"), device="cpu", catalog=CATALOG)
    assert check.trace["equivalent"] and not check.ok
    assert "is only acceptable" in check.problem()


def test_a_fix_to_soft_margin_loss_would_be_a_bug():
    # torch computes SoftMarginLoss as log(1 + exp(-y*x)): inf / NaN from a margin of -88.72.
    check = fix_targets.check_rule(_with_fix("LL305", "none", "SoftMarginLoss"), device="cpu", catalog=CATALOG)
    assert check.trace["equivalent"] and not check.ok
    assert "is only acceptable (loss infinite from |logit| 88.72" in check.problem()


def test_a_fix_that_raises_is_a_bug():
    check = fix_targets.check_rule(_with_fix("LL202", "none", "BCELoss"), device="cpu", catalog=CATALOG)
    assert "raises RuntimeError" in check.problem()


def test_a_loss_the_tracer_does_not_model_is_skipped_not_failed():
    check = fix_targets.check_rule(_with_fix("LL103", "exp", "PoissonNLLLoss"), device="cpu", catalog=CATALOG)
    assert check.skipped and check.problem() is None and not check.ok


def test_fix_spec_keeps_the_findings_loss_arguments():
    rule = CATALOG.by_code_or_name("LL102")  # softmax + NLLLoss -> log_softmax + NLLLoss
    base = PairSpec("softmax", "NLLLoss", classes=3, weight=(1.0, 2.0, 3.0), ignore_index=1, reduction="sum")
    after = fix_targets.fix_spec(rule, base)
    assert (after.activation, after.loss) == (rule.fix_to.activation, rule.fix_to.loss)
    assert (after.classes, after.weight, after.ignore_index, after.reduction) == (3, (1.0, 2.0, 3.0), 1, "sum")


def test_check_all_covers_every_fixable_rule():
    assert [c.code for c in fix_targets.check_all(device="cpu", catalog=CATALOG)] == [r.code for r in FIXABLE]
