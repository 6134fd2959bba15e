"""Every rule's fix does what its rules/*.toml says: the documented example, fixed, computes
the rule's `fix_to` pair (the pair the tracer checks against the recommended one)."""

import pytest

from losslint import analysis
from losslint.fixes.build import DEFAULT_FIX_TO
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


def test_defaults_agree_with_the_catalog():
    """build.DEFAULT_FIX_TO is only a fallback for rule files without fix_to; where a rule
    file has one, they must not disagree."""
    for rule in catalog.load().rules:
        if rule.code in DEFAULT_FIX_TO and rule.fix_to is not None:
            assert DEFAULT_FIX_TO[rule.code] == (rule.fix_to.activation, rule.fix_to.loss), rule.code
