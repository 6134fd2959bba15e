"""Per-file facts: small picklable summaries of one file, made by extract.py.

Keys name things uniquely across the project: "<path>::<qualname>", e.g.
"/src/pkg/models.py::Net.forward"; the module body is "<path>::<module>".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from losslint.analysis.ir import IR, Call, compact_reduce
from losslint.core.findings import Site

MODULE_BODY = "<module>"
# CallFact.callee of a call through a subscript: `ZOO[arch](cfg)`, `self.criteria[k](out, y)`.
SUBSCRIPT_CALLEE = "[]"


class _Compact:
    """Slotted, and pickled as (class, fields) (ir.compact_reduce): there are hundreds of
    thousands of these in a large project."""

    __slots__ = ()

    def __reduce__(self):
        return compact_reduce(self)


def key_of(path: str, qualname: str) -> str:
    return f"{path}::{qualname}"


@dataclass(slots=True)
class FunctionFacts(_Compact):
    key: str
    name: str
    cls: str | None  # key of the class this is a method of
    params: tuple[str, ...]  # in order, `self` included
    defaults: dict[str, IR]
    returns: IR  # the value returned, conditional returns as Cond
    decorators: tuple[str, ...]  # last dotted component: "property", "staticmethod", ...
    self_attrs: dict[str, IR]  # self.X = ... assigned here (value at the end)
    site: Site


@dataclass(slots=True)
class ClassFacts(_Compact):
    key: str
    name: str
    bases: tuple[IR, ...]
    methods: dict[str, str]  # method name -> function key
    class_attrs: dict[str, IR]
    site: Site


@dataclass(slots=True)
class CallFact(_Compact):
    call: Call
    func: str  # key of the enclosing function (or module body)
    callee: str  # last name component of the callee, for finding callers
    # The `with` items whose block lexically encloses the call, outermost first (the IR of
    # `torch.autocast("cuda")` and the like; LL601 looks for BCELoss inside autocast).
    contexts: tuple[IR, ...] = ()
    # The conditions under which the statement holding the call runs (the enclosing `if`
    # tests, negated for `else`; UNKNOWN for loops and handlers): a loss call behind
    # `if self.from_probs:` is skipped where that is False (pairs.py).
    path: tuple[IR, ...] = ()


@dataclass(slots=True)
class Registration(_Compact):
    """A class or function under a decorator that may register it by name: `@register("x")`,
    `@MODELS.register_module()`, `@registry.register_model` (analysis/registry.py decides
    which really do)."""

    target: str  # class or function key
    decorator: IR  # the decorator expression, evaluated in the module's frame
    site: Site  # the name of the class or function decorated
    text: str  # its callee as written: "MODELS.register_module", "register"


@dataclass(slots=True)
class Store(_Compact):
    """`NAME[key] = value` inside a function, on a name the function does not bind: a
    module-level registry filled by a decorator (`REGISTRY[name] = cls`)."""

    func: str  # key of the function holding the statement
    name: str  # the container's name, looked up in the module
    key: IR
    value: IR


@dataclass
class SyntaxErrorFact:
    message: str
    row: int
    column: int


@dataclass
class FileFacts:
    path: str
    module: str  # dotted module name ("" when unknown)
    root: str  # directory that `module` is relative to (the import root)
    is_package: bool  # an __init__.py
    globals: dict[str, IR] = field(default_factory=dict)
    functions: dict[str, FunctionFacts] = field(default_factory=dict)
    classes: dict[str, ClassFacts] = field(default_factory=dict)
    calls: list[CallFact] = field(default_factory=list)
    star_imports: list[IR] = field(default_factory=list)  # Global of each `from m import *`
    registrations: list[Registration] = field(default_factory=list)
    stores: list[Store] = field(default_factory=list)
    syntax_error: SyntaxErrorFact | None = None
    # A very large file, read a chunk at a time (analysis/chunks.py): the first row of each
    # top-level statement (1 for the first), where the fixes cut it to parse only the
    # statements they change (fixes/chunked.py). Empty for a file read as one tree.
    cuts: tuple[int, ...] = ()
