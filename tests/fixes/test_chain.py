"""Stacked activations: the fix removes every activation between the last layer and the
loss that the verdict depends on (a softmax in a helper and one in the loop), or none,
and says so. Before, it removed only the outer one and called the finding fixed."""

from __future__ import annotations

from losslint.engine import linter
from tests.fixes.helpers import dedent, expect, write

HELPER_AND_LOOP = """
    import torch.nn as nn
    import torch.nn.functional as F

    model = nn.Linear(20, 5)


    def predict(x):
        return F.softmax(model(x), dim=1)


    def step(x, y):
        probs = predict(x)
        probs = F.softmax(probs, dim=1)
        return F.cross_entropy(probs, y)
"""


def findings(tmp_path, source: str):
    write(tmp_path, {"train.py": source})
    return [f for f in linter.check_paths([str(tmp_path)]).findings if f.code]


def test_one_fix_removes_both_softmaxes_in_one_round(tmp_path):
    (finding,) = findings(tmp_path, HELPER_AND_LOOP)
    assert finding.code == "LL103" and finding.fix is not None and finding.fix.applicability == "safe"
    assert "and the `F.softmax(model(x), dim=1)` under it" in finding.fix.message
    assert {edit.site.start.row for edit in finding.fix.edits} == {8, 13}  # the helper and the loop


def test_fixed_code_has_no_softmax_left(tmp_path):
    fixed = expect(tmp_path, {"train.py": HELPER_AND_LOOP}, {"train.py": HELPER_AND_LOOP
                   .replace("return F.softmax(model(x), dim=1)", "return model(x)")
                   .replace("        probs = F.softmax(probs, dim=1)\n", "")})
    assert len(fixed.applied) == 1  # one fix, not a second round finding the softmax left


def test_layer_under_a_functional_softmax(tmp_path):
    source = """
        import torch.nn as nn
        import torch.nn.functional as F

        model = nn.Sequential(nn.Linear(20, 5), nn.Softmax(dim=1))


        def step(x, y):
            return F.cross_entropy(F.softmax(model(x), dim=1), y)
    """
    expect(tmp_path, {"train.py": source}, {"train.py": source
           .replace("nn.Sequential(nn.Linear(20, 5), nn.Softmax(dim=1))", "nn.Sequential(nn.Linear(20, 5))")
           .replace("F.softmax(model(x), dim=1)", "model(x)")})


def test_a_reader_of_the_inner_softmax_makes_it_unsafe(tmp_path):
    source = HELPER_AND_LOOP + "\n\n    def confident(x):\n        return predict(x) > 0.9\n"
    (finding,) = findings(tmp_path, source)
    assert finding.fix.applicability == "unsafe" and "`predict(x) > 0.9`" in finding.fix.message


def test_no_fix_when_the_inner_one_cannot_be_removed_and_it_says_so(tmp_path):
    source = """
        import torch.nn as nn
        import torch.nn.functional as F


        def build(head):
            return nn.Sequential(nn.Linear(20, 5), head)


        model = build(nn.Softmax(dim=1))


        def step(x, y):
            return F.cross_entropy(F.softmax(model(x), dim=1), y)
    """
    (finding,) = findings(tmp_path, source)
    assert finding.fix is None
    assert "(no fix: the softmax under it at " in finding.message
    assert finding.message.endswith("train.py:9 cannot be removed: the layer is an argument of `build`)")
    assert dedent(source) == (tmp_path / "train.py").read_text()
