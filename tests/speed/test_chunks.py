"""A very large file is read a chunk of top-level statements at a time (analysis/chunks.py,
fixes/chunked.py): its facts, findings, fixes and fixed text must be exactly those of the
one-tree way. The files are generated here with every shape a cut can fall next to, and
checked with tiny chunks (hundreds of cuts) against the same check with chunking off."""

from __future__ import annotations

import pickle
from dataclasses import replace

import pytest

from losslint.analysis import chunks
from losslint.analysis.extract import extract
from losslint.engine import linter
from losslint.fixes import apply
from losslint.fixes.view import ProjectView

ProjectView_whole = ProjectView.whole

HEAD = '''"""A generated module.
def not_code(): at column 0 inside a docstring
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

CRITERION = nn.CrossEntropyLoss()
'''

# {n}: this unit's number; {p}: the number of the unit before it.
UNITS = [
    '''
def loss_{n}(logits, target):
    probabilities = F.softmax(logits, dim=1)
    return F.cross_entropy(probabilities, target)
''',
    '''
@torch.no_grad()
# a comment between the decorator and the definition

@staticmethod
def evaluate_{n}(model, x, y):
    return CRITERION(torch.softmax(model(x), dim=-1), y)
''',
    '''
class Head{n}(nn.Module):
    """A head.
class NotAClass: at column 0 inside a docstring
"""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 3)
        self.act = nn.Softmax(dim=1)

    def forward(self, x):
        return self.act(self.fc(x))
''',
    '''
def train_{n}(x, y):
    model = Head{p}()
    criterion = nn.CrossEntropyLoss()
    return criterion(model(x), y)
''',
    '''
TABLE_{n} = [
1, 2,
3]
value_{n} = 1 + \\
2
# a comment at column 0
    # and an indented one
''',
    '''
try:
    import numpy as np_{n}
except ImportError:
    np_{n} = None
else:
    pass
finally:
    pass
''',
    '''
if TABLE_{p}:
    def helper_{n}(z):
        return torch.sigmoid(z)
elif value_{p}:
    helper_{n} = None
else:
    helper_{n} = None
''',
    '''
SEQ_{n} = nn.Sequential(
    nn.Linear(8, 4),
)
NLL_{n} = nn.NLLLoss()


def step_{n}(x, y):
    return NLL_{n}(SEQ_{n}(x), y)


def stable_{n}(z):
    return torch.log(F.softmax(z, dim=1))


def bce_{n}(z, y):
    return F.binary_cross_entropy(torch.sigmoid(z), y)


def nll_{n}(z, y):
    return F.nll_loss(F.softmax(z, dim=1), y)
''',
    '''
async def fetch_{n}(batch):
    def inner(t):
        return t.softmax(-1)
    return inner(batch)


match value_{p}:
    case 1:
        mode_{n} = "sum"
    case _:
        mode_{n} = "mean"
''',
    '''
def crit_{n}(out, y):
    return CRITERION(F.softmax(out, dim=1), y)
''',
]

# A main block that reads a model's output at module level: a fix of Head2 must see the
# module scope, which spans the chunks (chunked.NeedsWholeFile: built on the whole tree).
TAIL = '''
import math as m_end  # an import at the end of the file

if __name__ == "__main__":
    head = Head2()
    out = head(torch.randn(2, 8))
    print(CRITERION(out, torch.tensor([0, 1])), m_end.pi)
'''
# The same in a function: every fix is built from the chunks alone.
TAIL_IN_FUNCTION = '''
import math as m_end  # an import at the end of the file


def main():
    head = Head2()
    out = head(torch.randn(2, 8))
    print(CRITERION(out, torch.tensor([0, 1])), m_end.pi)


if __name__ == "__main__":
    main()
'''


def generate(cycles: int, tail: str = TAIL) -> str:
    parts = [HEAD]
    for n in range(cycles * len(UNITS)):
        parts.append(UNITS[n % len(UNITS)].format(n=n, p=n - 1))
    parts.append(tail)
    return "".join(parts)


@pytest.fixture
def chunks_only(monkeypatch):
    """Fails the test if a fix needs the whole tree of a chunked file."""

    def whole(view, path):
        raise AssertionError(f"a fix needed the whole tree of {path}")

    monkeypatch.setattr(ProjectView, "whole", whole)


class TinyChunks:
    """Chunked from 1,000 characters on, in chunks of about 300; or not chunked at all."""

    def __init__(self, monkeypatch) -> None:
        self.monkeypatch = monkeypatch

    def __call__(self, on: bool) -> None:
        self.monkeypatch.setattr(chunks, "CHUNKED_FROM", 1_000 if on else 10**12)
        self.monkeypatch.setattr(chunks, "CHUNK_SIZE", 300)

    def both(self, function, *args):
        """(function(*args) chunked, function(*args) in one tree)."""
        self(True)
        chunked = function(*args)
        self(False)
        return chunked, function(*args)


@pytest.fixture
def tiny_chunks(monkeypatch):
    return TinyChunks(monkeypatch)


def _facts(path: str, source: str):
    facts = extract(path, source)
    return facts, pickle.dumps(replace(facts, cuts=()))


def test_generated_file_compiles_and_has_every_finding_kind():
    source = generate(2)
    compile(source, "big.py", "exec")
    codes = {f.code for f in linter.check_sources({"/p/big.py": source})}
    assert {"LL101", "LL102", "LL103", "LL105", "LL203"} <= codes, codes


def test_facts_of_a_chunked_file_equal_the_one_tree_facts(tiny_chunks):
    source = generate(6)
    (chunked, chunked_bytes), (whole, whole_bytes) = tiny_chunks.both(_facts, "/p/big.py", source)
    assert len(chunked.cuts) > 20 and whole.cuts == ()
    assert chunked.syntax_error is None
    assert chunked_bytes == whole_bytes


def test_cuts_fall_only_between_top_level_statements(tiny_chunks):
    tiny_chunks(True)
    source = generate(3)
    lines = source.split("\n")
    for row in chunks.rows(source)[1:]:
        previous = [line for line in lines[: row - 1] if line.strip() and not line.lstrip().startswith("#")][-1]
        assert not previous.startswith("@"), row
        assert not lines[row - 1].startswith((" ", "else", "elif", "except", "finally", "case")), row
        # whatever the cut, each side compiles alone (chunks.split checked it)
    rows = chunks.rows(source)
    assert rows[0] == 1 and list(rows) == sorted(set(rows))


def test_the_fixes_cut_before_each_top_level_statement_and_each_piece_compiles(tiny_chunks):
    tiny_chunks(True)
    source = generate(2)
    cuts = extract("/p/big.py", source).cuts
    lines = source.splitlines(keepends=True)
    pieces = ["".join(lines[a - 1 : b - 1]) for a, b in zip(cuts, [*cuts[1:], len(lines) + 1])]
    assert "".join(pieces) == source
    assert pieces[1] == "from __future__ import annotations\n\n"
    assert any(piece.startswith("@torch.no_grad()\n# a comment") for piece in pieces)
    for piece in pieces:
        compile(piece, "piece.py", "exec", dont_inherit=True)


def _check_json(source: str) -> list[dict]:
    return [f.to_json() for f in linter.check_sources({"/p/big.py": source})]


def test_findings_and_fixes_of_a_chunked_file_equal_the_one_tree_ones(tiny_chunks, chunks_only):
    source = generate(4, TAIL_IN_FUNCTION)
    chunked, whole = tiny_chunks.both(_check_json, source)
    assert chunked == whole
    fixed = [f for f in whole if f.get("fix")]
    assert len(fixed) >= 30  # removals, loss switches, stable spellings, respellings


def test_a_fix_that_needs_the_module_scope_is_built_on_the_whole_tree(tiny_chunks, monkeypatch):
    needed = []
    monkeypatch.setattr(ProjectView, "whole", lambda view, path: needed.append(path) or ProjectView_whole(view, path))
    source = generate(3)
    chunked, whole = tiny_chunks.both(_check_json, source)
    assert needed == ["/p/big.py"]
    assert chunked == whole


def _fixed(source: str) -> str:
    sources = {"/p/big.py": source}
    outcome = apply.fix_sources(sources, linter.check_sources, True, linter.check_sources(sources))
    return outcome.changed["/p/big.py"]


@pytest.mark.parametrize("tail", [TAIL, TAIL_IN_FUNCTION])
def test_fixes_applied_to_a_chunked_file_give_the_one_tree_text(tiny_chunks, tail):
    source = generate(3, tail)
    chunked, whole = tiny_chunks.both(_fixed, source)
    assert chunked == whole
    assert "F.softmax(logits, dim=1)" not in whole and "F.log_softmax" in whole
    compile(whole, "big.py", "exec")


@pytest.mark.parametrize(
    "broken",
    [
        "def oops(:\n    pass\n",  # a syntax error in the middle
        "x = (\n",  # an unclosed bracket at the end
        "        indented = 1\n",  # an unexpected indent
    ],
)
def test_a_syntax_error_is_reported_as_by_the_one_tree_way(tiny_chunks, broken):
    good = generate(2)
    middle = good.index("\ntry:")
    source = good[:middle] + "\n" + broken + good[middle:]
    chunked, whole = tiny_chunks.both(extract, "/p/big.py", source)
    assert chunked.syntax_error is not None
    assert chunked.syntax_error == whole.syntax_error
    assert chunked.cuts == ()


def test_crlf_line_ends_are_chunked_and_lone_cr_is_not(tiny_chunks):
    source = generate(2).replace("\n", "\r\n")
    (chunked, chunked_bytes), (_, whole_bytes) = tiny_chunks.both(_facts, "/p/big.py", source)
    assert chunked.cuts and chunked_bytes == whole_bytes
    tiny_chunks(True)
    assert not chunks.wanted(generate(2).replace("\n", "\r"))


def test_a_file_just_above_the_threshold_is_chunked_and_one_just_below_is_not():
    unit = "\n\ndef loss_{n}(logits, target):\n    return F.cross_entropy(F.softmax(logits, dim=1), target)\n"
    parts, size, n = [HEAD], len(HEAD), 0
    while size < chunks.CHUNKED_FROM:
        parts.append(unit.format(n=n))
        size += len(parts[-1])
        n += 1
    above = "".join(parts)
    below = "".join(parts[:-1])
    assert len(below) < chunks.CHUNKED_FROM <= len(above)
    assert not chunks.wanted(below)
    facts = extract("/p/big.py", above)
    assert len(facts.functions) == n
    assert len(facts.cuts) == n + 6  # a cut before each statement: the header has six


def test_thousands_of_fixes_built_by_several_processes_are_the_fixes_one_builds(monkeypatch):
    from losslint.engine.collect import RunOptions
    from losslint.fixes import forked

    source = generate(2, TAIL_IN_FUNCTION)
    alone = _check_json(source)
    forks = []
    real_fork = forked.os.fork
    monkeypatch.setattr(forked, "FORK_FROM", 4)  # 3 parts of at least 2 fixes
    monkeypatch.setattr(forked, "MEMORY_BUDGET_MIB", 10**6)  # whatever pytest's size
    monkeypatch.setattr(forked.os, "fork", lambda: forks.append(1) or real_fork())
    together = [f.to_json() for f in linter.check_sources({"/p/big.py": source}, run=RunOptions(jobs=3))]
    assert len(forks) == 2 and together == alone


def test_the_part_of_a_child_that_fails_is_built_by_the_parent(monkeypatch):
    from losslint.engine.collect import RunOptions
    from losslint.fixes import forked

    source = generate(1, TAIL_IN_FUNCTION)
    alone = _check_json(source)

    def broken(*args, **kwargs):
        raise RuntimeError("the child cannot send")

    monkeypatch.setattr(forked, "FORK_FROM", 4)
    monkeypatch.setattr(forked, "MEMORY_BUDGET_MIB", 10**6)
    received = []
    real_receive = forked._receive
    monkeypatch.setattr(forked, "_payload", broken)  # what a child sends
    monkeypatch.setattr(forked, "_receive", lambda child: received.append(real_receive(child)) or received[-1])
    together = [f.to_json() for f in linter.check_sources({"/p/big.py": source}, run=RunOptions(jobs=2))]
    assert received == [None]  # the child forked, failed, and sent nothing
    assert together == alone


def test_no_more_processes_than_fit_in_the_memory_budget(monkeypatch):
    from losslint.fixes import forked

    monkeypatch.setattr(forked, "FORK_FROM", 4)
    monkeypatch.setattr(forked.os, "fork", lambda: pytest.fail("forked"))
    monkeypatch.setattr(forked, "_resident_mib", lambda: 250.0)  # a 5 MB file's check: a child would not fit
    todo = {(n,): (None, n) for n in range(10)}
    built = forked.build_all(todo, None, lambda rule, origin, view: origin * 2, jobs=4)
    assert built == {(n,): n * 2 for n in range(10)}
