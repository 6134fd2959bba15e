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

from losslint.analysis import Analysis, ir, torch_api
from losslint.analysis.evaluate import (
    ClassV,
    CriterionV,
    ExternalV,
    InstanceV,
    MethodV,
    Opaque,
    SeqV,
    TensorV,
    Value,
)
from losslint.core.findings import Position, Site
from losslint.fixes.chunked import ChunkedSourceFile
from losslint.fixes.source import SourceFile, parsed


class ProjectView:
    def __init__(self, analysis: Analysis, sources: dict[str, str]) -> None:
        self.analysis = analysis
        self.sources = sources
        self._files: dict[str, SourceFile | ChunkedSourceFile | None] = {}
        self._whole: set[str] = set()  # very large files a fix needed whole (chunked.NeedsWholeFile)
        # Callee names whose calls the fixes looked up (calls_of): a file not parsed yet
        # that calls one of them is parsed, and the fixes are built again (linter.py).
        self.names_asked: set[str] = set()

    @property
    def evaluator(self):
        return self.analysis.evaluator

    @property
    def project(self):
        return self.analysis.project

    def file(self, path: str) -> SourceFile | ChunkedSourceFile | None:
        if path not in self._files:
            text = self.sources.get(path)
            facts = self.project.files.get(path)
            if text is not None and facts is not None and facts.cuts and path not in self._whole:
                self._files[path] = ChunkedSourceFile(path, text, facts.cuts)  # a very large file
                return self._files[path]
            try:
                self._files[path] = parsed(path, text) if text is not None else None
            except Exception:  # noqa: BLE001 - a file libcst cannot parse gets no fix
                self._files[path] = None
        return self._files[path]

    def whole(self, path: str) -> None:
        """From now on, the whole tree of this very large file (chunked.NeedsWholeFile)."""
        self._whole.add(path)
        self._files.pop(path, None)

    def release(self) -> None:
        """One fix is built: the chunks it parsed may be freed (chunked.py)."""
        for source in self._files.values():
            if isinstance(source, ChunkedSourceFile):
                source.release()

    # --- the pairs, indexed: a fix asks about a few of them, a 5 MB file has 50,000 -----------

    @cached_property
    def _pairs_by_tensor(self) -> dict[Site, list[int]]:
        found: dict[Site, list[int]] = defaultdict(list)
        for index, pair in enumerate(self.analysis.pairs):
            found[pair.tensor.site].append(index)
        return found

    def pairs_of_tensors(self, sites: set[Site]) -> list:
        """The pairs whose tensor is made at one of `sites`, in the analysis's order."""
        pairs = self.analysis.pairs
        return [pairs[i] for i in sorted(i for site in sites for i in self._pairs_by_tensor.get(site, ()))]

    @cached_property
    def ctor_sites(self) -> set[Site]:
        """Where the criteria of the pairs are constructed."""
        return {pair.use.ctor_site for pair in self.analysis.pairs}

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
            yield from facts.calls

    @cached_property
    def _index(self) -> _Index:
        """One pass over every call of the project, in all its contexts."""
        index = _Index()
        evaluator = self.evaluator
        for call_fact in self._calls():
            call = call_fact.call
            input_node = call.arg(0, "input")
            arguments = [a for a in call.args if not isinstance(a, ir.Starred)] + [v for k, v in call.kwargs if k != "**"]
            for frame in evaluator.contexts(call_fact.func):
                for value in evaluator.values(call, frame):
                    if isinstance(value, TensorV):
                        index.tensor_calls[value.site].add(call.site)
                        if value.inner is not None:
                            index.tensor_calls[value.inner.site].add(call.site)
                callees = evaluator.values(call.func, frame)
                losses = [c for c in callees if isinstance(c, CriterionV)]
                if losses or any(isinstance(c, ExternalV) and torch_api.loss_function(c.name) for c in callees):
                    inputs = evaluator.values(input_node, frame) if input_node is not None else (None,)
                    for callee in losses:
                        index.criterion_inputs[callee.site] += [(call.site, v) for v in inputs]
                    if len(losses) < len(callees):
                        index.call_inputs[call.site] += [(call.site, v) for v in inputs]
                if arguments and not _harmless_callee(call) and any(self._external(c) for c in callees):
                    for argument in arguments:
                        for value in evaluator.values(argument, frame):
                            if isinstance(value, CriterionV):
                                index.criterion_escapes[value.site].add(call.site)
                            for site in self._outputs(value):
                                index.model_escapes[site].add(call.site)
        return index

    def tensor_calls(self, site: Site) -> set[Site]:
        """Calls whose value holds the output of the activation at `site`."""
        return self._index.tensor_calls.get(site, set())

    # --- criterion uses ---------------------------------------------------------------------

    def criterion_inputs(self, ctor_site: Site | None, call_sites: set[Site]) -> list[tuple[Site, Value]]:
        """(loss call, input value) for every call of the criterion built at `ctor_site`,
        or, for a functional loss, of the calls at `call_sites` in all their contexts."""
        if ctor_site is not None:
            return list(self._index.criterion_inputs.get(ctor_site, ()))
        return [item for site in sorted(call_sites) for item in self._index.call_inputs.get(site, ())]

    def calls_of(self, name: str) -> list:
        """The CallFacts of every call whose callee's last name is `name`."""
        self.names_asked.add(name)
        return self.project.calls_by_callee.get(name, ())

    def calls_named(self, name: str) -> set[Site]:
        return {c.call.site for c in self.calls_of(name)}

    def criterion_escapes(self, ctor_site: Site) -> list[Site]:
        """Calls outside the project that receive the criterion object itself (a trainer or
        a library loop calls it on inputs losslint cannot see)."""
        return sorted(self._index.criterion_escapes.get(ctor_site, ()))

    # --- model objects handed to outside code ---------------------------------------------

    def model_escapes(self, sites: set[Site]) -> list[Site]:
        """Calls outside the project (torch.save, torch.onnx.export, a library's fit) that
        receive a model whose output is one of these activations."""
        found: set[Site] = set()
        for site in sites:
            found |= self._index.model_escapes.get(site, set())
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


class _Index:
    def __init__(self) -> None:
        self.tensor_calls: dict[Site, set[Site]] = defaultdict(set)
        self.criterion_inputs: dict[Site, list] = defaultdict(list)  # criterion site -> (call, input)
        self.call_inputs: dict[Site, list] = defaultdict(list)  # functional loss call -> (call, input)
        self.criterion_escapes: dict[Site, set[Site]] = defaultdict(set)
        self.model_escapes: dict[Site, set[Site]] = defaultdict(set)


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
