"""Who else reads an activation's output: the places a fix that changes it must name.

Starting from every call whose value holds the activation's output (`model(x)` in
training, `probs = model(x)` in predict code, `self.act(x)` in forward), follow each value
to what reads it. The loss calls the fix takes care of and `argmax` (the same classes for
probabilities and logits) are harmless; anything else (a threshold, a metric, a return
value nobody in the project reads, a list it is stored in) is a consumer. When unsure,
it is a consumer: a fix is only safe when losslint sees every reader.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import libcst as cst

from losslint.analysis import ir
from losslint.analysis.extract import dotted_name as dotted
from losslint.core.findings import Site
from losslint.fixes.source import SourceFile
from losslint.fixes.view import ProjectView

# Reads that give the same answer for logits, probabilities and log-probabilities.
ORDER_ONLY = frozenset({"argmax", "argmin", "argsort"})
# Tensor attributes that say nothing about the values.
METADATA = frozenset({"shape", "dtype", "device", "ndim", "size", "dim", "numel", "requires_grad", "is_cuda"})
# Attributes that keep the values (evaluate.py's SHAPE_ATTRIBUTES).
SAME_VALUES = frozenset({"T", "mT", "data"})
ENTRY_POINTS = frozenset({"forward", "__call__"})


@dataclass(frozen=True)
class Consumer:
    site: Site
    text: str  # the code that reads the value, for the fix message


def find(view: ProjectView, sites: set[Site], handled_losses: set[Site]) -> list[Consumer]:
    """Readers of the outputs of the activations at `sites`, other than `handled_losses`."""
    holders: set[Site] = set()
    for site in sites:
        holders |= view.tensor_calls(site)
    finder = _Finder(view, holders, handled_losses)
    for site in sorted(holders):
        finder.start(site)
    for site in view.model_escapes(sites):
        finder.add_site(site, "receives the model")
    return sorted(finder.found.values(), key=lambda c: (c.site.path, c.site.start))


def module_reads_only_loss(view: ProjectView, use) -> bool:
    """Whether a loss module's forward (the callee of `use.via`, `criterion(out, y)`)
    reads the parameters that reach its loss only inside that loss call: then the module's
    call is just the loss, not another reader of the output (an entropy term on `p` is)."""
    facts = view.project.functions.get(use.frame.func)
    first = use.call.arg(0, "input")
    source = view.file(use.call_site.path)
    if facts is None or first is None or source is None:
        return False
    names = _params_in(first, facts.key)
    name_node = source.node_at(facts.site, cst.Name)
    function = source.parent(name_node) if name_node is not None else None
    if not names or not isinstance(function, cst.FunctionDef):
        return False
    inside = use.call_site
    for name in names:
        for node in source.names_below(function.body, name):  # the function's own, not the file's
            where = source.site_of(node)
            if not _is_read(source, node):
                continue
            if not (inside.start <= where.start and where.end <= inside.end):
                return False
    return True


def _params_in(node: ir.IR, func: str) -> set[str]:
    """The parameters of `func` an IR tree reads."""
    found: set[str] = set()
    stack: list[object] = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, ir.Param):
            if item.func == func:
                found.add(item.name)
        elif isinstance(item, tuple):
            stack.extend(item)
        elif dataclasses.is_dataclass(item) and isinstance(item, ir.IR):
            stack.extend(getattr(item, f.name) for f in dataclasses.fields(item) if f.name != "site")
    return found


def _is_read(source: SourceFile, node: cst.Name) -> bool:
    """A Name that reads a variable (not `x.name`, `f(name=...)` or a parameter list)."""
    parent = source.parent(node)
    if isinstance(parent, cst.Attribute) and parent.attr is node:
        return False
    if isinstance(parent, cst.Arg) and parent.keyword is node:
        return False
    return not isinstance(parent, (cst.Param, cst.FunctionDef, cst.ClassDef))


class _Finder:
    def __init__(self, view: ProjectView, holders: set[Site], handled: set[Site]) -> None:
        self.view = view
        self.holders = holders
        self.handled = handled
        self.found: dict[Site, Consumer] = {}
        self.seen: set[tuple[str, int]] = set()

    def start(self, site: Site) -> None:
        source = self.view.file(site.path)
        node = source.node_at(site) if source is not None else None
        if node is None:
            self.found[site] = Consumer(site, "?")
            return
        self.use(source, node)

    def add(self, source: SourceFile, node: cst.CSTNode, note: str = "") -> None:
        site = source.site_of(node)
        text = f"`{source.snippet(node)}`" + (f" {note}" if note else "")
        self.found.setdefault(site, Consumer(site, text))

    def add_site(self, site: Site, note: str) -> None:
        source = self.view.file(site.path)
        node = source.node_at(site) if source is not None else None
        if node is None:
            self.found.setdefault(site, Consumer(site, note))
        else:
            self.add(source, node, note)

    def holds(self, source: SourceFile, node: cst.CSTNode) -> bool:
        return isinstance(node, cst.Call) and source.site_of(node) in self.holders

    def use(self, source: SourceFile, node: cst.CSTNode) -> None:
        """Classify what reads the value of expression `node`."""
        key = (source.path, id(node))
        if key in self.seen:
            return
        self.seen.add(key)
        parent = source.parent(node)
        if isinstance(parent, cst.Arg):
            self.argument(source, parent)
        elif isinstance(parent, cst.Attribute) and parent.value is node:
            self.attribute(source, parent)
        elif isinstance(parent, cst.Subscript) and parent.value is node:
            self.use(source, parent)  # indexing keeps the values
        elif isinstance(parent, cst.Assign) and parent.value is node:
            self.assigned(source, parent)
        elif isinstance(parent, cst.Return):
            self.returned(source, parent)
        elif isinstance(parent, cst.Expr):
            return  # computed and dropped
        else:
            self.add(source, _statement_part(source, node))

    def argument(self, source: SourceFile, arg: cst.Arg) -> None:
        call = source.parent(arg)
        if not isinstance(call, cst.Call):
            self.add(source, arg)
            return
        if self.holds(source, call):
            return  # a shape-only call or a layer: it holds the value too, and is followed
        site = source.site_of(call)
        if site in self.handled:
            return
        name = dotted(call.func).rsplit(".", 1)[-1]
        if name in ORDER_ONLY:
            return
        if name in ("max", "min", "topk") and _indices_only(source, call):
            return
        self.add(source, call)

    def attribute(self, source: SourceFile, attribute: cst.Attribute) -> None:
        name = attribute.attr.value
        outer = source.parent(attribute)
        if isinstance(outer, cst.Call) and outer.func is attribute:
            if self.holds(source, outer):
                return
            if name in ORDER_ONLY or name in METADATA:
                return
            if name in ("max", "min", "topk") and _indices_only(source, outer):
                return
            self.add(source, outer)
        elif name in METADATA:
            return
        elif name in SAME_VALUES:
            self.use(source, attribute)
        else:
            self.add(source, attribute)

    def assigned(self, source: SourceFile, assign: cst.Assign) -> None:
        for target in assign.targets:
            if isinstance(target.target, cst.Name):
                for reference in _later_references(source, assign, target.target):
                    self.use(source, reference)
            else:
                self.add(source, assign)

    def returned(self, source: SourceFile, statement: cst.Return) -> None:
        function = _enclosing_function(source, statement)
        if function is None:
            self.add(source, statement)
            return
        name = function.name.value
        if name in ENTRY_POINTS:
            return  # its callers (model(x)) hold the value and are followed
        callers = self.view.calls_of(name)
        if any(c.call.site in self.holders for c in callers):
            return
        self.add(source, statement, f"(returned by `{name}()`)")


def _statement_part(source: SourceFile, node: cst.CSTNode) -> cst.CSTNode:
    """The expression that reads `node`, worth quoting (`probs > 0.5`, `[out, feats]`)."""
    parent = source.parent(node)
    while isinstance(parent, (cst.Element, cst.DictElement, cst.StarredElement, cst.ComparisonTarget)):
        parent = source.parent(parent)
    return parent if isinstance(parent, cst.BaseExpression) else node


def _indices_only(source: SourceFile, call: cst.Call) -> bool:
    """`x.max(1)[1]`, `x.max(dim=1).indices`, `_, pred = x.max(1)`: only the positions are read."""
    parent = source.parent(call)
    if isinstance(parent, cst.Subscript) and len(parent.slice) == 1:
        index = parent.slice[0].slice
        return isinstance(index, cst.Index) and isinstance(index.value, cst.Integer) and index.value.value == "1"
    if isinstance(parent, cst.Attribute) and parent.value is call:
        return parent.attr.value == "indices"
    if isinstance(parent, cst.Assign) and len(parent.targets) == 1:
        target = parent.targets[0].target
        if isinstance(target, (cst.Tuple, cst.List)) and len(target.elements) == 2:
            first = target.elements[0].value
            return isinstance(first, cst.Name) and first.value == "_"
    return False


def _enclosing_function(source: SourceFile, node: cst.CSTNode) -> cst.FunctionDef | None:
    current = source.parent(node)
    while current is not None and not isinstance(current, cst.FunctionDef):
        if isinstance(current, cst.Lambda):
            return None
        current = source.parent(current)
    return current


def _later_references(source: SourceFile, assign: cst.Assign, target: cst.Name) -> list[cst.CSTNode]:
    """Reads of the name bound by `assign` in the same function, after it and up to the
    next binding of the name (the right-hand side of `x = x.view(-1)` still reads the old
    value). Loops are taken in source order."""
    scope = source.enclosing_function(assign)
    start = source.end(assign)
    uses = source.variables(target.value, scope)
    stops = []
    for node, binds in uses:
        if binds and node is not target:
            statement = source.parent(source.parent(node)) if isinstance(source.parent(node), cst.AssignTarget) else node
            stops.append(source.end(statement))
    stop = min((p for p in stops if p > start), default=None)
    return [
        node
        for node, binds in uses
        if not binds and source.start(node) >= start and (stop is None or source.start(node) < stop)
    ]
