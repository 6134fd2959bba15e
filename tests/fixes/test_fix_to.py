"""Every rule's fix does what its rules/*.toml says: the documented example, fixed, computes
the rule's `fix_to` pair (the pair the tracer checks against the recommended one)."""

import pytest

from losslint import analysis
from losslint.engine import linter
from losslint.fixes import apply
from losslint.rules import catalog
from tests.fixes.helpers import fix

FIXABLE = [r for r in catalog.load().rules if r.fix_to is not None and r.kind in ("pair", "expression")]


@pytest.mark.parametrize("rule", FIXABLE, ids=[r.code for r in FIXABLE])
def test_documented_example_is_fixed_to_fix_to(tmp_path, rule):
    fixed = fix(tmp_path, {"example.py": rule.examples["example"]})
    assert [f.code for f in fixed.before if f.code == rule.code] == [rule.code]
    assert fixed.changed, "the example was not fixed"
    assert [f.code for f in fixed.after if f.code == rule.code] == []
    if rule.kind == "expression":
        return  # a respelling, whatever the loss: torch.log(softmax) -> log_softmax
    path = tmp_path / "example.py"
    result = analysis.analyze([analysis.file_facts(str(path), fixed.changed["example.py"])])
    pairs = {(p.activation, p.use.loss) for p in result.pairs}
    assert (rule.fix_to.activation, rule.fix_to.loss) in pairs
    assert not pairs & {(p.activation, p.loss) for p in rule.pairs}


# Each rule's TOML `fixed` example is what the rule's fixes make of its `example` (unsafe
# fixes included), the way Fixit tests a rule's `expected_replacement`.
RULES = catalog.load().rules
WITH_FIXED = [r for r in RULES if "fixed" in r.examples]


def _fixed(source: str) -> tuple[list, apply.Outcome]:
    findings = linter.check_sources({"example.py": source})
    return findings, apply.fix_sources({"example.py": source}, linter.check_sources, True, findings)


@pytest.mark.parametrize("rule", WITH_FIXED, ids=[r.code for r in WITH_FIXED])
def test_example_fixes_to_the_fixed_example(rule):
    findings, outcome = _fixed(rule.examples["example"])
    assert [f.code for f in findings if f.code == rule.code and f.fix is not None] == [rule.code]
    assert outcome.sources["example.py"] == rule.examples["fixed"]
    assert [f.code for f in outcome.findings if f.code == rule.code] == []


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_every_fixable_rule_has_a_fixed_example(rule):
    findings = linter.check_sources({"example.py": rule.examples["example"]})
    fixable = any(f.fix is not None for f in findings if f.code == rule.code)
    assert fixable == ("fixed" in rule.examples), "a rule whose example gets a fix needs a `fixed` example, and only then"

