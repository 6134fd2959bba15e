"""Positions from CPython's parser are exactly libcst's PositionProvider positions."""

from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from losslint.analysis import parsing, positions

REPOSITORY = Path(__file__).resolve().parents[2]

TRICKY = '''
import torch.nn.functional as F


@register("net", size=(3, 4))
@torch.no_grad()
class Net(Base, metaclass=Meta):
    """Docstring with a call in it: f(x)."""

    def forward(self, x, *args, scale=float("1.5"), **kw):
        h = (self.body(x))
        y = ( F.softmax(h, dim=1) ).log()
        z = self.head(h)(x)(y) if cond(x) else other(x).then(y)
        label = f"{name(x)!r:>{width(y)}} and {g(h)}"
        numbers = [v(i) for i in range(n(3)) if keep(i)]
        total = sum(w(v) for v in values(x))
        lookup = {k(a): v(b) for a, b in pairs(x)}
        fn = lambda t: t.sigmoid()
        if (walrus := probe(x)) is not None:
            walrus = F.log_softmax(walrus, -1)
        return F.cross_entropy(
            y,
            target(x),  # a comment (with a paren
        )


async def fetch(é, ü=défaut("ß")):
    return await é.get(ü) + call_after_unicode("ñ")


try:
    risky(1)
except (ValueError, make_error("x")) as error:
    handle(error)
finally:
    cleanup()

match command(x):
    case Point(x=0):
        hit()
    case _ if guard(y):
        miss()

result = outer(inner(1), \\
    inner(2))
'''


def _provider(module: cst.Module) -> dict:
    found = {}
    ranges = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)

    class Collect(cst.CSTVisitor):
        def visit_Call(self, node):
            found[node] = ranges[node]

        def visit_FunctionDef(self, node):
            found[node.name] = ranges[node.name]

        def visit_ClassDef(self, node):
            found[node.name] = ranges[node.name]

    module.visit(Collect())
    return {node: (r.start.line, r.start.column, r.end.line, r.end.column) for node, r in found.items()}


def _check(source: str) -> dict:
    module = cst.parse_module(source)
    fast = positions.fast_positions(module, source)
    expected = _provider(module)
    assert fast is not None
    assert fast == expected
    return fast


def test_tricky_code():
    assert len(_check(TRICKY)) > 40


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_line_endings_and_tabs(newline):
    source = TRICKY.replace("        ", "\t\t").replace("    ", "\t").replace("\n", newline)
    _check(source)


def test_losslints_own_source():
    # Real code of every shape this repository has, compared node for node.
    files = sorted((REPOSITORY / "losslint").rglob("*.py"))
    assert len(files) > 20
    for path in files:
        _check(path.read_text())


def test_syntax_cpython_cannot_read_falls_back_to_libcst():
    source = "type Alias[T] = list[T]\n\ndef first[T](items: list[T]) -> T:\n    return pick(items)\n"
    module = cst.parse_module(source)
    table = positions.Positions(module, source)
    call = module.body[1].body.body[0].body[0].value
    if positions.fast_positions(module, source) is None:  # Python < 3.12
        assert table[call] == (4, 11, 4, 22) and table.used_fallback
    else:
        assert table[call] == (4, 11, 4, 22)


def test_unknown_node_types_fall_back_to_libcst():
    source = "value = compute(1) + 2\n"
    module = cst.parse_module(source)
    table = positions.Positions(module, source)
    binary = module.body[0].body[0].value
    assert table[binary.left] == (1, 8, 1, 18) and not table.used_fallback
    assert table[binary] == (1, 8, 1, 22) and table.used_fallback


def test_parsing_without_validation_builds_the_same_tree_and_restores_validation():
    tree = parsing.parse_module(TRICKY)
    assert tree.deep_equals(cst.parse_module(TRICKY))
    with pytest.raises(cst.CSTValidationError):
        cst.Name("not a name")  # construction is checked again after the parse
