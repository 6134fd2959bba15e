"""Applying fixes: rounds until stable, whole fixes only, no overlapping edits, nothing
that stops a file from compiling."""

from losslint.core.findings import Edit, Finding, Fix, Position, Site
from losslint.engine import linter
from losslint.fixes import apply, plan
from tests.fixes.helpers import fix, write


def test_one_fix_reveals_another(tmp_path):
    """LogSoftmax spelled torch.log(softmax) + CrossEntropyLoss: round 1 switches to
    NLLLoss (LL104), round 2 sees the unstable spelling (LL105) and fixes it."""
    source = """
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    layer = nn.Linear(4, 3)
    criterion = nn.CrossEntropyLoss()

    def step(x, y):
        return criterion(torch.log(F.softmax(layer(x), dim=1)), y)
    """
    fixed = fix(tmp_path, {"a.py": source}, unsafe=False)
    assert [a.finding.code for a in fixed.applied] == ["LL104", "LL105"]
    assert "criterion = nn.NLLLoss()" in fixed.changed["a.py"]
    assert "return criterion(F.log_softmax(layer(x), dim=1), y)" in fixed.changed["a.py"]
    assert fixed.after == []


def test_fixing_a_fixed_project_changes_nothing(tmp_path):
    source = """
    import torch.nn as nn

    model = nn.Sequential(nn.Linear(4, 3), nn.Softmax(dim=1))
    criterion = nn.CrossEntropyLoss()

    def step(x, y):
        return criterion(model(x), y)
    """
    fixed = fix(tmp_path, {"a.py": source})
    again = apply.fix_sources({str(tmp_path / "a.py"): fixed.changed["a.py"]}, linter.check_sources, unsafe=True)
    assert again.changed == {} and again.applied == [] and again.findings == []


def _finding(code: str, edits: list[tuple[int, int, int, int, str]], path: str) -> Finding:
    fix_edits = tuple(Edit(text, Site(path, Position(r1, c1), Position(r2, c2))) for r1, c1, r2, c2, text in edits)
    site = Site(path, Position(1, 1), Position(1, 1))
    return Finding(code=code, name=code.lower(), message="", site=site, fix=Fix("safe", code, fix_edits))


def test_overlapping_fixes_wait_for_the_next_round():
    path = "/p/a.py"
    sources = {path: "abcdef\n"}
    first = _finding("A", [(1, 1, 1, 4, "X")], path)
    overlapping = _finding("B", [(1, 3, 1, 5, "Y")], path)
    elsewhere = _finding("C", [(1, 5, 1, 6, "Z")], path)
    same_as_first = _finding("D", [(1, 1, 1, 4, "X")], path)
    chosen = apply._choose([first, overlapping, elsewhere, same_as_first], sources)
    assert [f.code for f, _ in chosen] == ["A", "C", "D"]
    updated, kept = apply._apply(sources, chosen)
    assert updated[path] == "XdZf\n"
    assert [a.finding.code for a in kept] == ["A", "C", "D"]


def test_two_insertions_at_one_place_conflict():
    path = "/p/a.py"
    sources = {path: "x = 1\n"}
    a = _finding("A", [(1, 1, 1, 1, "import os\n")], path)
    b = _finding("B", [(1, 1, 1, 1, "import sys\n")], path)
    assert [f.code for f, _ in apply._choose([a, b], sources)] == ["A"]


def test_a_fix_is_applied_in_all_its_files_or_in_none():
    """B edits two files; its edit to b.py would not compile, so neither of its edits is
    applied, while A (a.py only) still is."""
    sources = {"/p/a.py": "x = 1\ny = 2\n", "/p/b.py": "z = 3\n"}
    a = _finding("A", [(1, 5, 1, 6, "10")], "/p/a.py")
    b = _finding("B", [(2, 5, 2, 6, "20")], "/p/a.py")
    b.fix = Fix("safe", "B", b.fix.edits + (Edit("z = (", Site("/p/b.py", Position(1, 1), Position(1, 5))),))
    updated, kept = apply._apply(sources, apply._choose([a, b], sources))
    assert [k.finding.code for k in kept] == ["A"]
    assert updated == {"/p/a.py": "x = 10\ny = 2\n", "/p/b.py": "z = 3\n"}


def test_fix_that_would_not_compile_is_not_offered(tmp_path, monkeypatch):
    """Plan.finish compiles every fixed file; a fix that breaks one is dropped and the
    finding says why."""
    monkeypatch.setattr(plan, "compiles", lambda text, path: "CrossEntropyLoss" not in text)
    write(
        tmp_path,
        {
            "a.py": """
            import torch.nn as nn

            layer = nn.Linear(4, 3)

            def step(x, y):
                return nn.NLLLoss()(layer(x), y)
            """
        },
    )
    (finding,) = linter.check_paths([str(tmp_path)]).findings
    assert finding.code == "LL101" and finding.fix is None
    assert finding.message.endswith("(no fix: it would produce code that does not compile)")


def test_rounds_are_bounded(monkeypatch):
    """A fix that never makes its finding go away is applied at most MAX_ROUNDS times."""
    path = "/p/a.py"
    calls = []

    def check(sources):
        calls.append(1)
        text = sources[path]
        return [_finding("A", [(1, 1, 1, 1, "#")], path)] if text else []

    outcome = apply.fix_sources({path: "x = 1\n"}, check)
    assert outcome.sources[path] == "#" * apply.MAX_ROUNDS + "x = 1\n"
    assert len(calls) == apply.MAX_ROUNDS + 1
