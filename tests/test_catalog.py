"""The rule catalog (rules/*.toml): well-formed, faithful to the taxonomy, and every
rule's documented examples behave as documented (Fixit's habit: docs can't drift)."""

from __future__ import annotations

import json
import re
import string
from pathlib import Path

import pytest

from losslint.cli import main
from losslint.engine.linter import check_sources
from losslint.rules import catalog

CATALOG = catalog.load()
RULES = CATALOG.rules
RULE_IDS = [rule.code for rule in RULES]
# The taxonomy's rules (LL1xx multiclass, LL2xx binary); meta rules (LL9xx) and later
# families share the file format but not the activation/loss fields.
QUIZ_RULES = [rule for rule in RULES if rule.code[:3] in ("LL1", "LL2")]
QUIZ_IDS = [rule.code for rule in QUIZ_RULES]

# The two quiz tables of shared/design/taxonomy.md: (activation, loss) -> (verdict, code).
BINARY = {
    ("none", "BCEWithLogitsLoss"): ("best", None),
    ("sigmoid", "BCELoss"): ("acceptable", "LL203"),
    ("none", "BCELoss"): ("wrong", "LL201"),
    ("sigmoid", "BCEWithLogitsLoss"): ("wrong", "LL202"),
    ("logsigmoid", "BCELoss"): ("wrong", "LL204"),
    ("logsigmoid", "BCEWithLogitsLoss"): ("wrong", "LL205"),
}
MULTICLASS = {
    ("none", "CrossEntropyLoss"): ("best", None),
    ("log_softmax", "NLLLoss"): ("fine", None),
    ("log_softmax", "CrossEntropyLoss"): ("acceptable", "LL104"),
    ("softmax", "CrossEntropyLoss"): ("wrong", "LL103"),
    ("softmax", "NLLLoss"): ("wrong", "LL102"),
    ("none", "NLLLoss"): ("wrong", "LL101"),
}
# "Beyond the quiz": torch.log(softmax(x)) and torch.log(sigmoid(z)), acceptable (unstable).
EXPRESSIONS = {"log_softmax": "LL105", "logsigmoid": "LL206"}

EXPECTED_RULES = {
    "LL101": "logits-into-nll-loss",
    "LL102": "softmax-before-nll-loss",
    "LL103": "softmax-before-cross-entropy",
    "LL104": "log-softmax-before-cross-entropy",
    "LL105": "log-of-softmax",
    "LL201": "logits-into-bce-loss",
    "LL202": "sigmoid-before-bce-with-logits",
    "LL203": "sigmoid-before-bce-loss",
    "LL204": "logsigmoid-before-bce-loss",
    "LL205": "logsigmoid-before-bce-with-logits",
    "LL206": "log-of-sigmoid",
}


def test_catalog_has_every_taxonomy_rule():
    assert {rule.code: rule.name for rule in QUIZ_RULES} == EXPECTED_RULES


def test_codes_and_names_are_unique_and_well_formed():
    codes = [rule.code for rule in RULES]
    names = [rule.name for rule in RULES]
    assert len(set(codes)) == len(codes)
    assert len(set(names)) == len(names)
    for rule in RULES:
        assert re.fullmatch(r"LL[0-9]{3}", rule.code), rule.code
        assert re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", rule.name), rule.name


@pytest.mark.parametrize("rule", RULES, ids=RULE_IDS)
def test_file_name_matches_code_and_name(rule):
    assert Path(rule.source).name == f"{rule.code}-{rule.name}.toml"


@pytest.mark.parametrize("rule", RULES, ids=RULE_IDS)
def test_docs_present(rule):
    assert rule.verdict in ("wrong", "acceptable", "warning")
    assert rule.summary.strip() and "\n" not in rule.message
    for section in ("what_it_does", "why_bad", "fix_safety"):
        assert rule.docs[section].strip(), section
    assert rule.docs["references"]
    assert all(ref.startswith("https://") for ref in rule.docs["references"])


@pytest.mark.parametrize("rule", QUIZ_RULES, ids=QUIZ_IDS)
def test_quiz_rule_fields(rule):
    assert rule.family == {"1": "multiclass", "2": "binary"}[rule.code[2]]
    assert rule.verdict in ("wrong", "acceptable")
    assert rule.primary in ("activation", "loss")
    assert rule.kind in ("pair", "expression")
    if rule.kind == "pair":
        assert rule.pairs and rule.activation is None
    else:
        assert not rule.pairs and rule.activation in catalog.ACTIVATIONS


@pytest.mark.parametrize("rule", QUIZ_RULES, ids=QUIZ_IDS)
def test_message_placeholders(rule):
    fields = {name for _, name, _, _ in string.Formatter().parse(rule.message) if name is not None}
    assert fields <= {"activation", "loss"} | set(rule.claims)  # claims: texts chosen by the code
    assert "{activation}" in rule.message
    # Fills in without error and leaves no braces behind.
    filled = rule.message.format(activation="`nn.Softmax(dim=1)`", loss="`NLLLoss`", **rule.claim_defaults())
    assert "{" not in filled and "}" not in filled


EXPRESSION_RULES = [rule for rule in RULES if rule.kind == "expression"]


@pytest.mark.parametrize("rule", EXPRESSION_RULES, ids=[rule.code for rule in EXPRESSION_RULES])
def test_expression_message_without_a_loss_claims_none(rule):
    """torch.log(torch.sigmoid(x)) in a unit test reaches no loss: the message must not
    say "before it reaches the loss", but still say what goes wrong and what to use."""
    assert rule.message_without_loss is not None and "\n" not in rule.message_without_loss
    fields = {name for _, name, _, _ in string.Formatter().parse(rule.message_without_loss) if name is not None}
    assert fields == {"activation"}
    alone = rule.format_message("`torch.log(torch.sigmoid(x))`", None)
    assert alone == rule.message_without_loss.format(activation="`torch.log(torch.sigmoid(x))`")
    assert "loss" not in alone.lower().replace("`torch.log(torch.sigmoid(x))`", "")
    assert "two steps" in alone and "-inf" in alone and "88.7" in alone and "; use `F.log" in alone
    # With a loss, the message that names it.
    assert rule.format_message("`p`", "`NLLLoss`") == rule.message.format(activation="`p`", loss="`NLLLoss`")
    assert "before it reaches `NLLLoss`" in rule.format_message("`p`", "`NLLLoss`")


def test_format_message_of_a_rule_without_the_second_template():
    rule = next(rule for rule in RULES if rule.code == "LL103")
    assert rule.message_without_loss is None
    assert rule.format_message("`s`", None) == rule.message.format(activation="`s`", loss="the loss", **rule.claim_defaults())


@pytest.mark.parametrize("rule", QUIZ_RULES, ids=QUIZ_IDS)
def test_fix_leads_to_a_silent_pair(rule):
    assert rule.fix_to is not None
    assert CATALOG.verdict(rule.fix_to.activation, rule.fix_to.loss) in ("best", "fine")


TAXONOMY_ROWS = [
    pytest.param(activation, loss, verdict, code, id=f"{activation}+{loss}")
    for (activation, loss), (verdict, code) in {**BINARY, **MULTICLASS}.items()
]


@pytest.mark.parametrize(("activation", "loss", "verdict", "code"), TAXONOMY_ROWS)
def test_taxonomy_verdicts(activation, loss, verdict, code):
    assert CATALOG.verdict(activation, loss) == verdict
    rule = CATALOG.pair_rule(activation, loss)
    assert (rule.code if rule else None) == code


def test_every_pair_rule_row_is_in_the_taxonomy():
    table = {**BINARY, **MULTICLASS}
    for rule in QUIZ_RULES:
        for pair in rule.pairs:
            assert table[(pair.activation, pair.loss)] == (rule.verdict, rule.code)
            family = "binary" if (pair.activation, pair.loss) in BINARY else "multiclass"
            assert rule.family == family


def test_accepted_pairs_are_the_silent_rows():
    table = {**BINARY, **MULTICLASS}
    silent = {pair: verdict for pair, (verdict, code) in table.items() if code is None}
    accepted = {(row.activation, row.loss): row.verdict for row in CATALOG.accepted}
    # Later families may accept more pairs (KLDivLoss, ...); the quiz rows must be exact.
    assert {pair: v for pair, v in accepted.items() if pair in table} == silent


@pytest.mark.parametrize(("activation", "code"), sorted(EXPRESSIONS.items()))
def test_expression_rules(activation, code):
    rule = CATALOG.expression_rule(activation)
    assert rule is not None and rule.code == code
    assert rule.verdict == "acceptable"


@pytest.mark.parametrize("rule", RULES, ids=RULE_IDS)
def test_example_is_reported_by_this_rule(rule):
    findings = check_sources({"example.py": rule.examples["example"]})
    assert [f.code for f in findings] == [rule.code], [f.message for f in findings]
    finding = findings[0]
    if rule.kind == "pair":
        assert finding.verdict == rule.verdict
        assert (finding.activation, finding.loss) in {(p.activation, p.loss) for p in rule.pairs}
        assert finding.related, "a pair finding names the other site"
    elif rule.kind == "expression":
        assert finding.verdict == rule.verdict
        assert finding.activation == rule.activation


@pytest.mark.parametrize("rule", RULES, ids=RULE_IDS)
def test_use_instead_is_silent(rule):
    findings = check_sources({"example.py": rule.examples["use_instead"]})
    assert findings == [], [f"{f.code} {f.message}" for f in findings]


@pytest.mark.parametrize("rule", RULES, ids=RULE_IDS)
def test_examples_are_valid_python(rule):
    for key in ("example", "use_instead"):
        compile(rule.examples[key], f"{rule.code}-{key}.py", "exec")


# `losslint rule ...`


def test_rule_by_code(capsys):
    assert main(["rule", "LL103"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# softmax-before-cross-entropy (LL103)")
    for heading in ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## Fix safety", "## References"):
        assert heading in out
    assert "nn.Softmax(dim=1)," in out  # the example code is shown
    assert "https://pytorch.org/docs/stable/generated/torch.nn.CrossEntropyLoss.html" in out


def test_rule_by_name_equals_rule_by_code(capsys):
    assert main(["rule", "LL202"]) == 0
    by_code = capsys.readouterr().out
    assert main(["rule", "sigmoid-before-bce-with-logits"]) == 0
    assert capsys.readouterr().out == by_code
    assert main(["rule", "ll202"]) == 0  # codes are case-insensitive, like ruff
    assert capsys.readouterr().out == by_code


def test_rule_all(capsys):
    assert main(["rule", "--all"]) == 0
    out = capsys.readouterr().out
    for code, name in EXPECTED_RULES.items():
        assert f"# {name} ({code})" in out
    assert out.count("## Why is this bad?") == len(RULES)


def test_rule_json(capsys):
    assert main(["rule", "--output-format", "json", "LL201"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["code"] == "LL201"
    assert data["name"] == "logits-into-bce-loss"
    assert data["verdict"] == "wrong"
    assert data["pairs"] == [{"activation": "none", "loss": "BCELoss"}]
    assert "## Why is this bad?" in data["explanation"]
    assert data["url"].startswith("https://")


def test_rule_all_json(capsys):
    assert main(["rule", "--all", "--output-format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [entry["code"] for entry in data] == sorted(rule.code for rule in RULES)


@pytest.mark.parametrize("key", ["LL999", "softmax-before-mse", "LL1030"])
def test_unknown_rule_is_a_one_line_usage_error(capsys, key):
    assert main(["rule", key]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert captured.err.startswith("losslint: error: unknown rule")
    assert key in captured.err
    assert "Traceback" not in captured.err
