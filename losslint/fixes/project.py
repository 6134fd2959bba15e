"""What the fixes ask the analyzer: every call that holds an activation's output, every use
of a criterion, every place a model object is handed to code outside the project.

Built lazily from `analysis.analyze`'s result and shared by all fixes of one check.
"""

from __future__ import annotations

import ast
import io
import tokenize
from collections import Counter, defaultdict
from functools import cached_property

from losslint.analysis import Analysis, ir
from losslint.analysis import torch_api
from losslint.analysis.evaluate import ClassV, CriterionV, ExternalV, InstanceV, MethodV, Opaque, SeqV, TensorV, Value
from losslint.analysis.pairs import Pair
from losslint.findings import Position, Site
from losslint.fixes.source import SourceFile


class ProjectView:
    def __init__(self, analysis: Analysis, sources: dict[str, str]) -> None:
        self.analysis = analysis
        self.sources = sources
        self._files: dict[str, SourceFile | None] = {}

    @property
    def evaluator(self):
        return self.analysis.evaluator

    @property
    def project(self):
        return self.analysis.project

    def file(self, path: str) -> SourceFile | None:
        if path not in self._files:
            text = self.sources.get(path)
            try:
                self._files[path] = SourceFile(path, text) if text is not None else None
            except Exception:  # noqa: BLE001 - a file libcst cannot parse gets no fix
                self._files[path] = None
        return self._files[path]

    # --- how often a name is mentioned (outside comments) ------------------------------------

    @cached_property
    def _mentions(self) -> tuple[Counter, dict[str, Counter]]:
        """(attribute names after a dot and string literals, all files; bare names per file)."""
        attributes: Counter = Counter()
        names: dict[str, Counter] = {}
        for path, text in self.sources.items():
            names[path] = Counter()
            try:
                previous = None
                for token in tokenize.generate_tokens(io.StringIO(text).readline):
                    if token.type == tokenize.NAME:
                        target = attributes if previous is not None and previous.string == "." else names[path]
                        target[token.string] += 1
                    elif token.type == tokenize.STRING:
                        try:
                            value = ast.literal_eval(token.string)
                        except (ValueError, SyntaxError):
                            value = None
                        if isinstance(value, str):
                            attributes[value] += 1
                    if token.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT):
                        previous = token
            except (tokenize.TokenError, SyntaxError):
                names[path][_UNREADABLE] += 1
        return attributes, names

    def attribute_mentions(self, name: str) -> int:
        """`.name` and "name" anywhere in the project (self.act, model.act, getattr(m, "act"))."""
        attributes, names = self._mentions
        if any(counter[_UNREADABLE] for counter in names.values()):
            return 1_000_000
        return attributes[name]

    def name_mentions(self, name: str, path: str | None = None) -> int:
        """Bare `name` in one file, or in every file."""
        attributes, names = self._mentions
        counters = [names.get(path, Counter())] if path is not None else list(names.values())
        if any(counter[_UNREADABLE] for counter in counters):
            return 1_000_000
        return sum(counter[name] for counter in counters) + attributes[name] * (path is None)

    # --- calls and their values -------------------------------------------------------------

    def _calls(self):
        for facts in self.project.files.values():
            for call_fact in facts.calls:
                yield call_fact

    def call_values(self, call_fact) -> list[Value]:
        values: list[Value] = []
        for frame in self.evaluator.contexts(call_fact.func):
            values.extend(self.evaluator.values(call_fact.call, frame))
        return values

    @cached_property
    def _tensor_calls(self) -> dict[Site, set[Site]]:
        """activation site -> sites of the calls whose value holds that activation's output."""
        index: dict[Site, set[Site]] = defaultdict(set)
        for call_fact in self._calls():
            for value in self.call_values(call_fact):
                if isinstance(value, TensorV):
                    index[value.site].add(call_fact.call.site)
                    if value.inner is not None:
                        index[value.inner.site].add(call_fact.call.site)
        return index

    def tensor_calls(self, site: Site) -> set[Site]:
        return self._tensor_calls.get(site, set())

    @cached_property
    def call_facts_by_site(self) -> dict[Site, object]:
        return {call_fact.call.site: call_fact for call_fact in self._calls()}

    def pairs_of_tensor(self, site: Site) -> list[Pair]:
        return [p for p in self.analysis.pairs if p.tensor.site == site]

    @cached_property
    def loss_call_sites(self) -> set[Site]:
        return {p.use.call_site for p in self.analysis.pairs}

    # --- criterion uses ---------------------------------------------------------------------

    def criterion_inputs(self, ctor_site: Site | None, call_sites: set[Site]) -> list[tuple[Site, Value]]:
        """(loss call, input value) for every call of the criterion built at `ctor_site`,
        or, for a functional loss, of the calls at `call_sites` in all their contexts."""
        found: list[tuple[Site, Value]] = []
        for call_fact in self._calls():
            call = call_fact.call
            if ctor_site is None and call.site not in call_sites:
                continue
            input_node = call.arg(0, "input")
            for frame in self.evaluator.contexts(call_fact.func):
                callees = self.evaluator.values(call.func, frame)
                if ctor_site is not None and not any(
                    isinstance(c, CriterionV) and c.site == ctor_site for c in callees
                ):
                    continue
                if input_node is None:
                    found.append((call.site, None))
                    continue
                for value in self.evaluator.values(input_node, frame):
                    found.append((call.site, value))
        return found

    def calls_named(self, name: str) -> set[Site]:
        return {c.call.site for c in self.project.calls_by_callee.get(name, ())}

    def criterion_escapes(self, ctor_site: Site) -> list[Site]:
        """Calls that receive the criterion object itself, outside the project (a trainer
        or a library loop calls it on inputs losslint cannot see)."""
        found: list[Site] = []
        for call_fact in self._calls():
            call = call_fact.call
            arguments = [a for a in call.args if not isinstance(a, ir.Starred)] + [v for k, v in call.kwargs if k != "**"]
            if not arguments:
                continue
            frames = self.evaluator.contexts(call_fact.func)
            for frame in frames:
                if not any(self._external(c) for c in self.evaluator.values(call.func, frame)):
                    continue
                for argument in arguments:
                    if any(isinstance(v, CriterionV) and v.site == ctor_site for v in self.evaluator.values(argument, frame)):
                        found.append(call.site)
        return sorted(set(found))

    # --- model objects handed to outside code ---------------------------------------------

    def model_escapes(self, sites: set[Site]) -> list[Site]:
        """Calls outside the project (torch.save, torch.onnx.export, a library's fit) that
        receive a model whose output is one of these activations."""
        found: set[Site] = set()
        for call_fact in self._calls():
            call = call_fact.call
            arguments = [a for a in call.args if not isinstance(a, ir.Starred)] + [v for k, v in call.kwargs if k != "**"]
            if not arguments or _harmless_callee(call):
                continue
            for frame in self.evaluator.contexts(call_fact.func):
                callees = self.evaluator.values(call.func, frame)
                if not any(self._external(c) for c in callees):
                    continue
                for argument in arguments:
                    for value in self.evaluator.values(argument, frame):
                        if self._outputs(value) & sites:
                            found.add(call.site)
        return sorted(found)

    def _external(self, callee: Value) -> bool:
        """Code losslint does not follow: a library function, or a call it cannot resolve."""
        if isinstance(callee, ExternalV):
            return callee.name not in _FOLLOWED and not callee.name.startswith("builtins.")
        if isinstance(callee, MethodV):
            return not isinstance(callee.obj, TensorV)
        return isinstance(callee, Opaque)

    def _outputs(self, value: Value) -> set[Site]:
        if isinstance(value, ClassV):
            value = self.evaluator.generic_instance(value.key)
        if not isinstance(value, (InstanceV, SeqV)):
            return set()
        if isinstance(value, SeqV) and not value.callable:
            return set()
        try:
            out = self.evaluator.apply(value, TensorV("logits", _NOWHERE, "function"), None)
        except RecursionError:
            return set()
        sites = set()
        if isinstance(out, TensorV):
            sites.add(out.site)
            if out.inner is not None:
                sites.add(out.inner.site)
        return sites


# Outside callees whose use of a model the analyzer follows: wrappers, containers.
_FOLLOWED = frozenset(
    {*torch_api.MODEL_WRAPPERS, torch_api.SEQUENTIAL, torch_api.MODULE_LIST, torch_api.MODULE_DICT, *torch_api.ORDERED_DICT}
)
_UNREADABLE = "\0unreadable"
_NOWHERE = Site("", Position(0, 0), Position(0, 0))

# Outside calls that only look at a model (printing it), or that run its own training and
# validation steps, which losslint analyzes (Lightning's trainer.fit).
_HARMLESS_CALLEES = frozenset(
    {"print", "repr", "str", "len", "isinstance", "id", "type", "hasattr", "getattr", "setattr", "vars",
     "fit", "validate", "test"}
)


def _harmless_callee(call: ir.Call) -> bool:
    func = call.func
    name = func.name if isinstance(func, (ir.Global, ir.Attr, ir.ModuleName)) else ""
    return name.rsplit(".", 1)[-1] in _HARMLESS_CALLEES
