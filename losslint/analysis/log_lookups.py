"""Which callee names the analysis of log calls looks up, for the prefilter: the names
whose callers a file left unparsed may hold (engine/collect.py parses the files among the
log's possible callers whose text calls one, and analyzes again).

The log rules (LL105/LL206: torch.log(p) of probabilities; LL501/LL502: hand-written
losses) start from every torch.log call and draw `p` from the callers of the function
that computes it, and from theirs in turn. A plain Evaluator also looks up what no log
value waits on, and on a model zoo each such name pulls in more files (timm: 192 files
parsed instead of 110, most of them models that no loss or log reaches). Two lookups are
made on demand here:

  - `self.helper(x)` in a method M. A plain Evaluator runs the helper in each context of
    M (Evaluator.self_contexts: M's callers, else its class's constructions), so it looks
    up the callers of M, and of every method so named in the project, whatever their
    class, before the helper reads anything. Here the helper runs in M's unbound frame:
    what it reads from M's parameters looks up M's callers (Evaluator._eval_Param), and
    what it reads from `self` the constructions of M's class and its subclasses (a
    generic instance's __init__ parameters), when and only when it is read.
  - calls through a subscript (`ZOO[arch](...)`, `self.heads[k](x)`). A plain Evaluator
    evaluates every such call of the project when it is made (Evaluator.subscript_calls).
    Here a call is evaluated once the callers of a function or class that the container
    it indexes may hold are looked up (the index only picks among the container's items):
    a container that holds no function or class looked for leaves the call out, whatever
    its index. What the container holds is read from the parsed files without remembering
    the names it looks up: a function or class gets into a container in a file that
    names it (defines or imports it), and those files are parsed by the lookups of their
    own names. Registries and namespaces (`MODELS[key]`, `models.__dict__[name]`) may
    return anything: such a call is evaluated when any callers are looked up.

Every other lookup is the plain Evaluator's. tests/speed compares prefiltered checks with
checks that parse every file.
"""

from __future__ import annotations

from collections import defaultdict
from contextlib import contextmanager

from losslint.analysis import handwritten, ir, registry
from losslint.analysis.evaluate import Evaluator, options
from losslint.analysis.facts import SUBSCRIPT_CALLEE
from losslint.analysis.pairs import find_unstable_logs
from losslint.analysis.project import Project
from losslint.analysis.values import ClassV, DictV, FuncV, SeqV, TupleV

ANY = "*"  # a subscript call that may call anything (a registry, a namespace)


def asked_names(project: Project) -> set[str]:
    """The callee names the log rules look up (project.calls_by_callee.asked), or none
    when the project was built from every file."""
    table = project.calls_by_callee
    if not hasattr(table, "asked"):
        return set()
    table.asked = set()
    evaluator = LookupEvaluator(project)
    find_unstable_logs(project, evaluator)
    for match in handwritten.find(project):  # as rules/handwritten_loss.py evaluates them (LL501/LL502)
        for frame in evaluator.contexts(match.func):
            evaluator.values(match.probs, frame)
    return table.asked


class LookupEvaluator(Evaluator):
    """An Evaluator whose self-helper contexts and subscript calls are looked up on demand."""

    def __init__(self, project: Project) -> None:
        # Each subscript call, with every function or class key its container may hold
        # (ANY: not bounded by a container), or None once the call is evaluated.
        self._containers: list[tuple[object, set[str] | None]] = []
        super().__init__(project)

    def self_contexts(self, call_fact, unbound):
        return [unbound]

    def subscript_calls(self) -> dict[str, list]:
        if self._subscript_calls is None:  # from Evaluator.__init__; filled by calls_named
            self._subscript_calls = defaultdict(list)
            with self._unremembered():
                self._containers = [
                    (call_fact, self._container_keys(call_fact.call.func, self.unbound_frame(call_fact.func)))
                    for call_fact in self.project.calls_by_callee.get(SUBSCRIPT_CALLEE, ())
                ]
        return self._subscript_calls

    def calls_named(self, name: str, key: str):
        self._evaluate_subscript_calls(key)
        yield from super().calls_named(name, key)

    def _evaluate_subscript_calls(self, key: str) -> None:
        """Evaluate, each once, the subscript calls whose container may hold `key`."""
        containers = self._containers
        for index, (call_fact, keys) in enumerate(containers):
            if keys is None or (key not in keys and ANY not in keys):
                continue
            containers[index] = (call_fact, None)  # evaluated
            caller = self.unbound_frame(call_fact.func)
            callees = self.values(call_fact.call.func, caller)
            for callee in {v.key for v in callees if isinstance(v, (FuncV, ClassV))}:
                self._subscript_calls[callee].append((call_fact, caller, callees))

    def _container_keys(self, func: ir.IR, frame) -> set[str]:
        if not isinstance(func, ir.Item) or func.index is ir.SLICE:
            return {ANY}
        if registry._namespace_owner(func.obj, self.names) is not None or self.names.registry_of(func.obj) is not None:
            return {ANY}  # Evaluator._eval_Item: names.item
        keys: set[str] = set()
        for obj in self.values(func.obj, frame):
            if isinstance(obj, (TupleV, SeqV)):
                items = obj.items
            elif isinstance(obj, DictV):
                items = tuple(value for _, value in obj.items)
            else:  # Evaluator._eval_Item: nothing else indexed gives a function or class
                continue
            keys.update(o.key for item in items for o in options(item) if isinstance(o, (FuncV, ClassV)))
        return keys

    @contextmanager
    def _unremembered(self):
        """Lookups made inside are not remembered (calls_by_callee.asked), and nothing
        computed inside is kept (computed again, its lookups are remembered then)."""
        table = self.project.calls_by_callee
        asked = set(table.asked)
        try:
            yield
        finally:
            table.asked = asked
            self._memo.clear()
            self._callers.clear()
            self._mro.clear()
            self._subclasses = None
            self.names = registry.Names(self)
