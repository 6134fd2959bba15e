"""The symbolic values that per-file facts are made of.

The extractor turns each expression into one of these, with local variables already
substituted, so that a fact like "the input of this loss call" is a small tree such as
`Call(Attr(Param(train, model)), ...)`. The evaluator later interprets the tree across
functions and files. Nodes compare by identity (cheap to hash, safe to share) and pickle.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from losslint.core.findings import Site


class IR:
    # Nodes are slotted (a third of the memory of a __dict__ each: a large project's facts
    # hold millions) and pickle as (class, fields), smaller and faster than the state of a
    # slotted dataclass (see compact_reduce).
    __slots__ = ()

    def __reduce__(self):
        return compact_reduce(self)


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def compact_reduce(obj) -> tuple:
    """pickle's (constructor, arguments) of a dataclass whose fields are all __init__
    arguments: the class and its field values, in order."""
    kind = type(obj)
    names = _FIELD_NAMES.get(kind)
    if names is None:
        names = _FIELD_NAMES[kind] = tuple(f.name for f in fields(kind))
    return (kind, tuple(getattr(obj, name) for name in names))


def children(node: IR) -> list[IR]:
    """The IR nodes directly inside `node`: fields, tuple items (call arguments), and the
    pairs of keyword arguments and dict items."""
    out: list[IR] = []
    for value in compact_reduce(node)[1]:
        if isinstance(value, IR):
            out.append(value)
        elif isinstance(value, tuple):
            for item in value:
                if isinstance(item, IR):
                    out.append(item)
                elif isinstance(item, tuple):  # kwargs, dict items
                    out.extend(x for x in item if isinstance(x, IR))
    return out


@dataclass(frozen=True, eq=False, slots=True)
class Unknown(IR):
    """Anything the analyzer does not model."""


UNKNOWN = Unknown()


@dataclass(frozen=True, eq=False, slots=True)
class Undefined(IR):
    """A variable not (yet) bound on some path."""


UNDEFINED = Undefined()


@dataclass(frozen=True, eq=False, slots=True)
class Slice(IR):
    """The index of `x[a:b]` (a slice: a part of a list, never one of its items)."""


SLICE = Slice()


@dataclass(frozen=True, eq=False, slots=True)
class Const(IR):
    value: object


@dataclass(frozen=True, eq=False, slots=True)
class Global(IR):
    """A module-level name: `module` is a dotted module name (import-resolved), `name`
    the attribute path inside it, e.g. Global('torch.nn', 'Softmax') or Global('models', 'Net')."""

    module: str
    name: str
    level: int = 0  # relative import level, resolved against `origin`
    origin: str = ""  # module key of the file that wrote it


@dataclass(frozen=True, eq=False, slots=True)
class Param(IR):
    func: str  # function key
    name: str


@dataclass(frozen=True, eq=False, slots=True)
class SelfRef(IR):
    cls: str  # class key


@dataclass(frozen=True, eq=False, slots=True)
class SuperRef(IR):
    cls: str  # class key whose parents to search


@dataclass(frozen=True, eq=False, slots=True)
class Training(IR):
    """`self.training`: true on the path that reaches the loss."""


TRAINING = Training()


@dataclass(frozen=True, eq=False, slots=True)
class Not(IR):
    operand: IR


@dataclass(frozen=True, eq=False, slots=True)
class IsNone(IR):
    operand: IR
    negated: bool


@dataclass(frozen=True, eq=False, slots=True)
class Attr(IR):
    obj: IR
    name: str


@dataclass(frozen=True, eq=False, slots=True)
class Item(IR):
    obj: IR
    index: IR  # Const for literal indices, UNKNOWN for slices


@dataclass(frozen=True, eq=False, slots=True)
class Call(IR):
    func: IR
    args: tuple[IR, ...]
    kwargs: tuple[tuple[str, IR], ...]
    site: Site

    def arg(self, index: int, keyword: str) -> IR | None:
        for key, value in self.kwargs:
            if key == keyword:
                return value
        if index < len(self.args) and not isinstance(self.args[index], Starred):
            return self.args[index]
        return None


@dataclass(frozen=True, eq=False, slots=True)
class Starred(IR):
    value: IR


@dataclass(frozen=True, eq=False, slots=True)
class TupleOf(IR):
    items: tuple[IR, ...]


@dataclass(frozen=True, eq=False, slots=True)
class ListOf(IR):
    items: tuple[IR, ...]


@dataclass(frozen=True, eq=False, slots=True)
class DictOf(IR):
    items: tuple[tuple[IR, IR], ...]


@dataclass(frozen=True, eq=False, slots=True)
class Appended(IR):
    """`base` with `items` appended (list.append/extend, Sequential.append/add_module)."""

    base: IR
    items: tuple[IR, ...]


@dataclass(frozen=True, eq=False, slots=True)
class LastOf(IR):
    """The loop variable of `for v in iterable:` after the loop: its last element."""

    iterable: IR


@dataclass(frozen=True, eq=False, slots=True)
class Comp(IR):
    """A comprehension with one `for`: `[value for loop in iterable]` (kind "list", also
    generators and sets) or `{key: value for ...}` (kind "dict"). `loop` is the LastOf node
    the target was bound to; the evaluator binds it to each element in turn."""

    kind: str
    loop: LastOf
    key: IR | None
    value: IR
    filtered: bool  # has `if` clauses: which elements are kept is not known


@dataclass(frozen=True, eq=False, slots=True)
class Merged(IR):
    """`base` after `base.update(other)` (dict.update), or `{**base, ...}`."""

    base: IR
    other: IR


@dataclass(frozen=True, eq=False, slots=True)
class Cond(IR):
    """`then` where `test` holds, else `orelse` (if/else joins, conditional returns)."""

    test: IR
    then: IR
    orelse: IR


@dataclass(frozen=True, eq=False, slots=True)
class FunctionRef(IR):
    """A function or lambda defined in this file (by key)."""

    key: str


@dataclass(frozen=True, eq=False, slots=True)
class ClassRef(IR):
    """A class defined in a linted file (by key)."""

    key: str


@dataclass(frozen=True, eq=False, slots=True)
class ModuleName(IR):
    """A module-level name of file `path`, looked up when evaluated (late binding)."""

    path: str
    name: str


@dataclass(frozen=True, eq=False, slots=True)
class AllOf(IR):
    """The conjunction of the if-tests on the path to a return."""

    tests: tuple[IR, ...]


@dataclass(frozen=True, eq=False, slots=True)
class AttrSet(IR):
    """`base` after `base.attr = value` (a pretrained model's head replaced: model.fc = ...)."""

    base: IR
    attr: str
    value: IR


@dataclass(frozen=True, eq=False, slots=True)
class ItemSet(IR):
    """`base` after `base[key] = value` (an OrderedDict of layers being built)."""

    base: IR
    key: IR
    value: IR


@dataclass(frozen=True, eq=False, slots=True)
class Compare(IR):
    """`left op right` for ==, !=, <, <=, >, >=, in, not in: decided when both are constants."""

    left: IR
    op: str
    right: IR


@dataclass(frozen=True, eq=False, slots=True)
class BoolOp(IR):
    """`left and right` / `left or right`, for if-tests."""

    op: str  # "and" | "or"
    left: IR
    right: IR


@dataclass(frozen=True, eq=False, slots=True)
class BinOp(IR):
    """`left op right` for arithmetic (+ - * / @ ...) and `x op= y`. The evaluator never
    interprets it (UNKNOWN); losslint/analysis/handwritten.py matches its shape to find
    hand-written losses such as `-(y * torch.log(p) + (1 - y) * torch.log(1 - p))`."""

    op: str  # "+", "-", "*", "/", "@", "**", "//", "%"
    left: IR
    right: IR


@dataclass(frozen=True, eq=False, slots=True)
class Neg(IR):
    """`-operand` for a non-constant operand (kept for the same shape matching as BinOp)."""

    operand: IR
