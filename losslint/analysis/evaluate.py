"""Interpret IR across functions and files: what does this expression hold at run time?

`Evaluator.values(node, frame)` returns the possible values of an IR node as a tuple of
alternatives. Alternatives come only from calling contexts (a `train(model, criterion)`
called from two places); inside one function, an if/else whose branches disagree gives
UNKNOWN, so a finding is never a guess. Everything is memoized per (node, frame).
"""

from __future__ import annotations

import itertools
import operator
from collections import defaultdict
from dataclasses import replace

from losslint.analysis import ir, registry, torch_api
from losslint.analysis.facts import SUBSCRIPT_CALLEE, FunctionFacts
from losslint.analysis.project import Project
from losslint.analysis.values import (  # noqa: F401 - re-exported: evaluate is their usual home
    OPAQUE_ARGS,
    SPLICE,
    UNKNOWN,
    BufferV,
    ChoiceV,
    ClassV,
    ConstV,
    CriterionV,
    DerivedV,
    DictV,
    ExternalV,
    Frame,
    FuncV,
    InstanceV,
    LayerV,
    LossFnV,
    MethodV,
    ModuleV,
    OneHotV,
    Opaque,
    PretrainedV,
    SeqV,
    SuperV,
    TensorV,
    TupleV,
    Value,
)
from losslint.core.findings import Site

# Caps that keep evaluation linear in practice (docs/design.md, "Phase two"): a value is
# a set of at most MAX_ALTERNATIVES candidates, calls are followed MAX_DEPTH deep, a
# function is evaluated in at most MAX_CALLERS calling contexts, and a loop or
# comprehension is unrolled over at most MAX_ITEMS known elements (one at a time).
MAX_DEPTH = 12  # nested calls followed
MAX_ALTERNATIVES = 12
MAX_CALLERS = 16
MAX_ITEMS = 16
MAX_UNROLLED = 2  # loop variables unrolled together at one loss call
MAX_NESTED_BUILDS = 3  # a builder run again from the constructors of what it builds


def _normalize(name: str) -> str:
    # torch.nn.modules.activation.Softmax -> torch.nn.Softmax
    parts = name.split(".")
    if parts[:3] == ["torch", "nn", "modules"] and len(parts) >= 5:
        return "torch.nn." + parts[-1]
    return name


_COMPARE = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "in": lambda a, b: operator.contains(b, a),
    "not in": lambda a, b: not operator.contains(b, a),
}

_BUILTINS = frozenset({"list", "tuple", "enumerate", "reversed", "dict", "zip"})


class Evaluator:
    def __init__(self, project: Project) -> None:
        self.project = project
        self._memo: dict[tuple[int, int], tuple[Value, ...]] = {}
        self._active: set[tuple[int, int]] = set()
        self._frames: dict[tuple, Frame] = {}
        self._instances: dict[tuple, InstanceV] = {}
        self._callers: dict[str, list[Frame]] = {}
        self._finding_callers: set[str] = set()  # callers() under way (see callers)
        self._guard_hit: set[str] = set()
        self._instance_callers: dict[str, list[Frame]] = defaultdict(list)  # see add_caller
        self._loop_frames: dict[tuple, tuple[Frame, Value]] = {}
        self._subscript_calls: dict[str, list] | None = None
        self._mro: dict[str, list[str]] = {}
        self._subclasses: dict[str, list[str]] | None = None
        self.names = registry.Names(self)  # models and criteria chosen by name
        self.subscript_calls()  # at the top level: see subscript_calls

    # --- frames -----------------------------------------------------------------------------

    def frame(self, func: str, args: object = None, caller: Frame | None = None,
              self_value: Value | None = None, offset: int = 0) -> Frame:
        key = (func, id(args), id(caller), id(self_value), offset)
        frame = self._frames.get(key)
        if frame is None:
            depth = caller.depth + 1 if caller is not None else 0
            frame = Frame(func, args, caller, self_value, offset, depth)
            self._frames[key] = frame
        return frame

    def loop_frame(self, frame: Frame, loop: ir.IR, element: Value) -> Frame:
        """`frame` with the loop variable `loop` (or a selection key) bound to one element."""
        key = (id(frame), id(loop), id(element))
        found = self._loop_frames.get(key)
        if found is None:  # the element is kept with its frame, so its id stays unique
            found = self._loop_frames[key] = (replace(frame, loop=frame.loop + ((loop, element),)), element)
        return found[0]

    def iterations(self, nodes: tuple[ir.IR, ...], frame: Frame) -> list[Frame]:
        """The frames of each iteration of the loops whose variables `nodes` read: a loss
        call `crit[k](out[k], y[k])` inside `for k in heads:` runs once per key, with the
        same k on both sides. Loops over unknown or long iterables stay as they are."""
        frames = [frame]
        loops = [n for n in _loop_variables(nodes) if all(b is not n for b, _ in frame.loop)]
        for loop in loops[:MAX_UNROLLED]:
            elements = self.elements_of(loop.iterable, frame)
            if elements is None:
                continue
            frames = [self.loop_frame(f, loop, e) for f in frames for e in elements][:MAX_ITEMS]
        return frames

    def elements_of(self, node: ir.IR, frame: Frame) -> tuple[Value, ...] | None:
        """Every element an iterable may yield (list items, dict keys), or None when some
        are unknown or there are more than MAX_ITEMS."""
        found: list[Value] = []
        for value in self.values(node, frame):
            if isinstance(value, (SeqV, TupleV)) and all(item is not SPLICE for item in value.items):
                found.extend(o for item in value.items for o in options(item))
            elif isinstance(value, DictV):
                found.extend(ConstV(k) for k, _ in value.items)
            else:
                return None
        return tuple(found) if 0 < len(found) <= MAX_ITEMS else None

    def slot(self, node: ir.IR, frame: Frame) -> Value:
        """What a container slot holds: the node's one value, or a ChoiceV of them all."""
        values = self.values(node, frame)
        return values[0] if len(values) == 1 else ChoiceV(values)

    def module_frame(self, path: str) -> Frame:
        return self.frame(self.project.module_body_key(path))

    def unbound_frame(self, func: str) -> Frame:
        facts = self.project.functions.get(func)
        self_value = self.generic_instance(facts.cls) if facts is not None and facts.cls else None
        return self.frame(func, None, None, self_value, 1 if self_value is not None else 0)

    def generic_instance(self, cls: str) -> InstanceV:
        return self.instance(cls, None, None)

    def instance(self, cls: str, ctor: ir.Call | None, frame: Frame | None, selected=None) -> InstanceV:
        key = (cls, id(ctor), id(frame), selected)
        value = self._instances.get(key)
        if value is None:
            value = self._instances[key] = InstanceV(cls, ctor, frame, selected)
        return value

    def contexts(self, func: str) -> list[Frame]:
        """Frames to evaluate a call site inside `func` in: one per caller, or unbound."""
        facts = self.project.functions.get(func)
        if facts is None:
            return [self.unbound_frame(func)]
        frames = self.callers(func)
        if frames:
            return frames
        if facts.cls is not None and facts.name != "__init__":
            # A method nobody in the project calls (a Lightning training_step, a
            # trainer's fit): evaluate it once per construction of its class.
            instances = self.constructions(facts.cls)
            if instances:
                return [self.frame(func, None, None, inst, 1) for inst in instances]
        return [self.unbound_frame(func)]

    def add_caller(self, func: str, frame: Frame) -> None:
        """A call that reaches `func` without naming it: `criterion(out, y)` running a
        loss module's forward (pairs.link_loss_modules finds them)."""
        if len(self._instance_callers[func]) < MAX_CALLERS:
            self._instance_callers[func].append(frame)
        self._callers.pop(func, None)

    def callers(self, func: str) -> list[Frame]:
        if func in self._callers:
            if func in self._finding_callers:
                self._guard_hit.add(func)
            return self._callers[func]
        self._callers[func] = []  # recursion guard
        self._finding_callers.add(func)
        start = len(self._memo)
        try:
            return self._find_callers(func)
        finally:
            self._finding_callers.discard(func)
            if func in self._guard_hit:
                # Something evaluated while looking for the callers asked for them (a
                # `model.train()` inside `def train(model)` is a call named "train") and
                # saw none: what was computed since is forgotten, computed again later.
                self._guard_hit.discard(func)
                _forget_since(self._memo, start)

    def _find_callers(self, func: str) -> list[Frame]:
        facts = self.project.functions[func]
        frames: list[Frame] = list(self._instance_callers.get(func, ()))
        if facts.name == "__init__" and facts.cls is not None:
            for inst in self.constructions(facts.cls):
                if inst.ctor is not None:
                    frames.append(self.init_frame(inst, facts.cls))
        else:
            for call_fact, unbound, callees in self.calls_named(facts.name, func):
                if not any(isinstance(c, FuncV) and c.key == func for c in callees):
                    continue
                for caller in self.self_contexts(call_fact, unbound):
                    for callee in self.values(call_fact.call.func, caller):
                        if isinstance(callee, FuncV) and callee.key == func:
                            offset = 1 if callee.bound is not None else 0
                            if "classmethod" in facts.decorators:
                                offset = 1
                            frames.append(self.frame(func, call_fact.call, caller, callee.bound, offset))
                if len(frames) >= MAX_CALLERS:
                    break
        self._callers[func] = frames[:MAX_CALLERS]
        return self._callers[func]

    def self_contexts(self, call_fact, unbound: Frame) -> list[Frame]:
        """Where `self.helper(x)` runs: in each context of the calling method that knows
        its instance (a base class's fit() of each subclass built), else unbound."""
        func = call_fact.call.func
        if not (isinstance(func, ir.Attr) and isinstance(func.obj, ir.SelfRef)):
            return [unbound]
        frames = [f for f in self.contexts(call_fact.func) if f.self_value is not None]
        return frames or [unbound]

    def calls_named(self, name: str, key: str):
        """(call fact, its unbound frame, what its callee may be) for the calls that may
        run function or class `key` named `name`: those spelled with its name, and those
        through a subscript whose callee may be it (`ZOO[arch](...)`)."""
        for call_fact in self.project.calls_by_callee.get(name, ()):
            caller = self.unbound_frame(call_fact.func)
            yield call_fact, caller, self.values(call_fact.call.func, caller)
        yield from self.subscript_calls().get(key, ())

    def subscript_calls(self) -> dict[str, list]:
        """Calls through a subscript, by the key of each function or class they may call
        (built once, when the evaluator is made: one evaluation of each such callee; the
        callers looked up while it is being built do not see it yet)."""
        if self._subscript_calls is None:
            self._subscript_calls = {}
            table: dict[str, list] = defaultdict(list)
            for call_fact in self.project.calls_by_callee.get(SUBSCRIPT_CALLEE, ()):
                caller = self.unbound_frame(call_fact.func)
                callees = self.values(call_fact.call.func, caller)
                for key in {v.key for v in callees if isinstance(v, (FuncV, ClassV))}:
                    table[key].append((call_fact, caller, callees))
            self._subscript_calls = table
            if table:  # what was computed without the table is computed again with it
                self._memo.clear()
                self._callers.clear()
        return self._subscript_calls

    def constructions(self, cls: str) -> list[InstanceV]:
        """Instances of `cls` or its project subclasses, one per construction call."""
        found: list[InstanceV] = []
        for klass in [cls, *self.all_subclasses(cls)]:
            name = self.project.classes[klass].name
            for call_fact, caller, callees in self.calls_named(name, klass):
                for callee in callees:
                    if isinstance(callee, ClassV) and callee.key == klass:
                        found.append(self.instance(klass, call_fact.call, caller))
                if len(found) >= MAX_CALLERS:
                    return found
            found.extend(self.names.constructions(klass))  # built by name (registry.py)
        return found[:MAX_CALLERS]

    # --- classes ------------------------------------------------------------------------------

    def mro(self, cls: str) -> list[str]:
        """Project classes in method resolution order (depth-first; enough for models)."""
        if cls in self._mro:
            return self._mro[cls]
        self._mro[cls] = [cls]
        order = [cls]
        module = self.module_frame(self.project.file_of(cls).path)
        for base in self.project.classes[cls].bases:
            for value in self.values(base, module):
                if isinstance(value, ClassV) and value.key in self.project.classes:
                    order += [c for c in self.mro(value.key) if c not in order]
        self._mro[cls] = order
        return order

    def all_subclasses(self, cls: str) -> list[str]:
        if self._subclasses is None:
            table: dict[str, list[str]] = defaultdict(list)
            for key in self.project.classes:
                for parent in self.mro(key)[1:]:
                    table[parent].append(key)
            self._subclasses = table
        return self._subclasses.get(cls, [])

    def is_model_class(self, cls: str) -> bool:
        module = self.module_frame(self.project.file_of(cls).path)
        for klass in self.mro(cls):
            for base in self.project.classes[klass].bases:
                for value in self.values(base, module):
                    if isinstance(value, ExternalV) and value.name in torch_api.MODULE_BASES:
                        return True
        return False

    def init_owner(self, cls: str) -> str | None:
        for klass in self.mro(cls):
            if "__init__" in self.project.classes[klass].methods:
                return klass
        return None

    def init_frame(self, inst: InstanceV, owner: str) -> Frame:
        """The frame in which `owner.__init__` ran while constructing `inst`."""
        init = self.project.classes[owner].methods["__init__"]
        if inst.ctor is None:
            return self.frame(init, None, None, inst, 1)
        nearest = self.init_owner(inst.cls)
        if nearest == owner:
            return self.frame(init, inst.ctor, inst.frame, inst, 1)
        # owner's __init__ ran through super().__init__(...) in a subclass's __init__.
        chain = self.mro(inst.cls)
        for klass in chain[: chain.index(owner)] if owner in chain else ():
            sub_init = self.project.classes[klass].methods.get("__init__")
            if sub_init is None:
                continue
            for call_fact in self.project.calls_by_callee.get("__init__", ()):
                func = call_fact.call.func
                if call_fact.func == sub_init and isinstance(func, ir.Attr) and _is_super(func.obj):
                    return self.frame(init, call_fact.call, self.init_frame(inst, klass), inst, 1)
        return self.frame(init, OPAQUE_ARGS, None, inst, 1)

    def instance_attr(self, inst: InstanceV, name: str) -> tuple[Value, ...]:
        for klass in self.mro(inst.cls):
            facts = self.project.classes[klass]
            init_key = facts.methods.get("__init__")
            if init_key is not None and name in self.project.functions[init_key].self_attrs:
                node = self.project.functions[init_key].self_attrs[name]
                values = self.values(node, self.init_frame(inst, klass))
                if all(_is_none(v) for v in values):
                    # `self.model = None` in __init__, set for real by a set_model() of
                    # the class or a subclass: that setter's value.
                    later = self.set_later(inst, name, init_key)
                    if later is not None:
                        return later
                return values
            if name in facts.methods:
                method = self.project.functions[facts.methods[name]]
                if "property" in method.decorators:
                    return self.values(method.returns, self.frame(method.key, OPAQUE_ARGS, None, inst, 1))
                if "staticmethod" in method.decorators:
                    return (FuncV(method.key),)
                return (FuncV(method.key, inst),)
            setters = [
                self.project.functions[key]
                for key in facts.methods.values()
                if key != init_key and name in self.project.functions[key].self_attrs
            ]
            if len(setters) == 1:  # Lightning's setup(), a build() or set_loss(loss) method
                return self.set_by(setters[0], inst, name)
            if setters:
                return (UNKNOWN,)
            if name in facts.class_attrs:
                return self.values(facts.class_attrs[name], self.module_frame(self.project.file_of(klass).path))
        if name == "__call__":  # self.__call__(x) is self(x)
            return (inst,)
        if name in torch_api.MODEL_SELF_METHODS and self.is_model_class(inst.cls):
            # nn.Module's own .to(device) / .cuda() / .train(): `model = Net().to(device)`
            # is still that Net (call_method returns the instance).
            return (MethodV(inst, name),)
        return (UNKNOWN,)

    def set_later(self, inst: InstanceV, name: str, init_key: str) -> tuple[Value, ...] | None:
        """The value of `self.name` from the one method (not an __init__) of the class or
        its bases that assigns it, or None when none or several do."""
        setters = [
            self.project.functions[key]
            for klass in self.mro(inst.cls)
            for method, key in self.project.classes[klass].methods.items()
            if method != "__init__" and name in self.project.functions[key].self_attrs
        ]
        if len(setters) != 1:
            return None
        return self.set_by(setters[0], inst, name)

    def set_by(self, method: FunctionFacts, inst: InstanceV, name: str) -> tuple[Value, ...]:
        """`self.name` as `method` sets it on `inst`: in each call of the method on that
        instance (`model.compile("adam", "binary_crossentropy")`: that call's loss, not
        every loss any model is compiled with), else with its parameters unbound."""
        frames = [f for f in self.callers(method.key) if f.self_value is inst]
        if not frames:
            frames = [self.frame(method.key, None, None, inst, 1)]
        return tuple(v for f in frames for v in self.values(method.self_attrs[name], f))

    # --- evaluation ---------------------------------------------------------------------------

    def value(self, node: ir.IR, frame: Frame) -> Value:
        """The single value of `node`, or UNKNOWN when it has several."""
        values = self.values(node, frame)
        return values[0] if len(values) == 1 else UNKNOWN

    def values(self, node: ir.IR, frame: Frame) -> tuple[Value, ...]:
        for bound, element in frame.loop:  # a loop variable or a selection key, bound
            if bound is node:
                return (element,)
        key = (id(node), id(frame))
        cached = self._memo.get(key)
        if cached is not None:
            return cached
        if key in self._active or frame.depth > MAX_DEPTH:
            return (UNKNOWN,)
        self._active.add(key)
        try:
            result = self._eval(node, frame)
        finally:
            self._active.discard(key)
        result = _dedupe(result)[:MAX_ALTERNATIVES] or (UNKNOWN,)
        self._memo[key] = result
        return result

    def _eval(self, node: ir.IR, frame: Frame) -> tuple[Value, ...]:
        method = getattr(self, "_eval_" + type(node).__name__, None)
        if method is None:
            return (UNKNOWN,)
        return method(node, frame)

    def _eval_Const(self, node: ir.Const, frame: Frame):
        return (ConstV(node.value),)

    def _eval_Global(self, node: ir.Global, frame: Frame):
        path, attrs, dotted = self.project.resolve_global(node)
        if path is None:
            return (ExternalV(_normalize(dotted)),) if dotted else (UNKNOWN,)
        values: tuple[Value, ...] = (ModuleV(path),)
        if len(attrs) == 1 and node.level > 0:  # from ..layers import Head: maybe star-exported
            found = self.reexported(path, attrs[0])
            if found is not None:
                return found
        for attr in attrs:
            values = tuple(v for value in values for v in self.attribute(value, attr))
        return values

    def reexported(self, path: str, name: str) -> tuple[Value, ...] | None:
        """`from .pkg import Name` where pkg's __init__ gets Name through `from .core
        import *`: the star imports are searched as Python would (relative imports of a
        project package only, so a zoo's absolute imports are not all loaded)."""
        facts = self.project.files[path]
        if name in facts.globals or not facts.is_package:
            return None
        for star in facts.star_imports:
            if star.level > 0:
                found = self.star_imported(star, name)
                if found is not None:
                    return found
        return None

    def _eval_ModuleName(self, node: ir.ModuleName, frame: Frame):
        facts = self.project.files.get(node.path)
        if facts is not None and node.name in facts.globals:
            return self.values(facts.globals[node.name], self.module_frame(node.path))
        if facts is not None:
            for star in facts.star_imports:  # from models import *
                found = self.star_imported(star, node.name)
                if found is not None:
                    return found
        if node.name in _BUILTINS:
            return (ExternalV("builtins." + node.name),)
        return (UNKNOWN,)

    def star_imported(self, star: ir.Global, name: str, depth: int = 0) -> tuple[Value, ...] | None:
        """`name` as `from <star> import *` binds it, also through a package whose
        __init__ star-imports its modules."""
        path, attrs, dotted = self.project.resolve_global(star)
        if path is not None and not attrs:
            facts = self.project.files[path]
            if name in facts.globals:
                return self.values(facts.globals[name], self.module_frame(path))
            if depth < 3:  # a package whose __init__ star-imports its modules
                for inner in facts.star_imports:
                    found = self.star_imported(inner, name, depth + 1)
                    if found is not None:
                        return found
            return None
        # `from torch.nn import *`: only names losslint knows are taken from it.
        candidate = ExternalV(_normalize(f"{dotted}.{name}"))
        return (candidate,) if torch_api.is_known(candidate.name) else None

    def _eval_ClassRef(self, node: ir.ClassRef, frame: Frame):
        return (ClassV(node.key),)

    def _eval_FunctionRef(self, node: ir.FunctionRef, frame: Frame):
        return (FuncV(node.key),)

    def _eval_SelfRef(self, node: ir.SelfRef, frame: Frame):
        if frame.self_value is not None:
            return (frame.self_value,)
        return (self.generic_instance(node.cls),)

    def _eval_SuperRef(self, node: ir.SuperRef, frame: Frame):
        return (SuperV(node.cls, frame.self_value),)

    def _eval_Training(self, node, frame):
        return (ConstV(True),)

    def _eval_Param(self, node: ir.Param, frame: Frame):
        # Find the frame of the function that owns the parameter (closures look outward).
        owner = frame
        while owner is not None and owner.func != node.func:
            owner = owner.caller
        facts = self.project.functions.get(node.func)
        if facts is None:
            return (UNKNOWN,)
        if owner is None or owner.args is None:
            frames = self.callers(node.func)
            result: list[Value] = []
            for bound in frames:
                result.extend(self._bound_param(facts, node.name, bound))
            if not frames and node.name in facts.defaults:
                # Nobody in the project calls it: a parameter whose default is an object
                # holds it (a loss module's `loss=nn.BCELoss()`). A constant default
                # (`target=None`, `use_softmax=False`) is what callers override: unknown.
                default = self.values(facts.defaults[node.name], self.module_frame(self.project.file_of(facts.key).path))
                return default if not any(isinstance(v, ConstV) for v in default) else (UNKNOWN,)
            return tuple(result) or (UNKNOWN,)
        if owner.args is OPAQUE_ARGS:
            return (UNKNOWN,)
        return self._bound_param(facts, node.name, owner)

    def _bound_param(self, facts: FunctionFacts, name: str, frame: Frame) -> tuple[Value, ...]:
        call = frame.args
        if not isinstance(call, ir.Call):
            return (UNKNOWN,)
        argument = _argument(call, facts.params, name, frame.offset)
        if argument is ir.UNKNOWN:
            return (UNKNOWN,)
        if argument is not None:
            return self.values(argument, frame.caller)
        default = facts.defaults.get(name)
        for keyword, value in call.kwargs:
            if keyword == "**":  # f(**config): the dict's item, else the default
                result: list[Value] = []
                for mapping in self.values(value, frame.caller):
                    if not isinstance(mapping, DictV):
                        return (UNKNOWN,)
                    found = [v for k, v in mapping.items if k == name]
                    if found:
                        result.extend(options(found[-1]))
                    elif default is not None:
                        result.extend(self.values(default, self.module_frame(self.project.file_of(facts.key).path)))
                    else:
                        result.append(UNKNOWN)
                return tuple(result)
        if default is None:
            return (UNKNOWN,)
        return self.values(default, self.module_frame(self.project.file_of(facts.key).path))

    def _eval_Attr(self, node: ir.Attr, frame: Frame):
        return tuple(v for obj in self.values(node.obj, frame) for v in self.attribute(obj, node.name))

    def attribute(self, obj: Value, name: str) -> tuple[Value, ...]:
        if isinstance(obj, InstanceV):
            return self.instance_attr(obj, name)
        if isinstance(obj, ModuleV):
            facts = self.project.files[obj.path]
            if name in facts.globals:
                return self.values(facts.globals[name], self.module_frame(obj.path))
            submodule = self.project.resolve_module(f"{facts.module}.{name}", obj.path) if facts.module else None
            return (ModuleV(submodule),) if submodule else (UNKNOWN,)
        if isinstance(obj, ExternalV):
            if obj.name in torch_api.MODEL_WRAPPERS and name == "module":
                return (UNKNOWN,)
            return (ExternalV(_normalize(f"{obj.name}.{name}")),)
        if isinstance(obj, ClassV):
            facts = self.project.classes[obj.key]
            for klass in self.mro(obj.key):
                method_key = self.project.classes[klass].methods.get(name)
                if method_key is not None:
                    method = self.project.functions[method_key]
                    bound = obj if "classmethod" in method.decorators else None
                    return (FuncV(method_key, bound),)
            if name in facts.class_attrs:
                return self.values(facts.class_attrs[name], self.module_frame(self.project.file_of(obj.key).path))
            return (UNKNOWN,)
        if isinstance(obj, SuperV):
            mro = self.mro(obj.self_value.cls) if isinstance(obj.self_value, InstanceV) else self.mro(obj.cls)
            start = mro.index(obj.cls) + 1 if obj.cls in mro else len(mro)
            for klass in mro[start:]:
                method_key = self.project.classes[klass].methods.get(name)
                if method_key is not None:
                    return (FuncV(method_key, obj.self_value),)
            return (UNKNOWN,)
        if isinstance(obj, TensorV) and name in torch_api.SHAPE_ATTRIBUTES:
            return (replace(obj, reshaped=True) if name in torch_api.LAYOUT_ATTRIBUTES else obj,)
        if isinstance(obj, (TensorV, SeqV, LayerV, Opaque, DerivedV)):
            # Methods: tensor.softmax(1), model.to(device), seq.forward(x).
            return (MethodV(obj, name),)
        if isinstance(obj, (CriterionV, PretrainedV)) and name in torch_api.MODEL_SELF_METHODS:
            return (MethodV(obj, name),)  # nn.CrossEntropyLoss().to(device)
        if isinstance(obj, (CriterionV, PretrainedV)) and name == "forward":
            return (obj,)  # criterion.forward(out, y) is criterion(out, y)
        if isinstance(obj, DictV) and name in _DICT_METHODS:
            return (MethodV(obj, name),)  # outputs.items(), heads.values()
        if isinstance(obj, ConstV) and isinstance(obj.value, str) and name in _STR_METHODS:
            return (MethodV(obj, name),)  # act_name.lower() == "sigmoid"
        if isinstance(obj, (BufferV, OneHotV)) and (name in torch_api.SHAPE_METHODS or name in torch_api.SCATTER_METHODS):
            return (MethodV(obj, name),)  # torch.zeros(...).to(device), one_hot(y).float()
        return (UNKNOWN,)

    # --- containers: every slot holds a set of candidates ------------------------------------
    #
    # Lists, tuples and dicts keep one value per slot (a ChoiceV where the slot has several
    # candidates); reading a slot gives every candidate. A dict read with a key that is not
    # a known constant gives the union of its values (`ZOO[arch]`, `outputs[k]`), a list
    # read with an unknown index the union of its items (tuples, records of different
    # things, do not). SPLICE stands for items nobody knows (`*make_layers(cfg)`): the
    # items after it are still known, so a known last layer still decides.

    def _eval_Item(self, node: ir.Item, frame: Frame):
        chosen = self.names.item(node, frame)  # REGISTRY[key], models.__dict__[name]
        if chosen is not None:
            return chosen
        indexes = (UNKNOWN,) if node.index is ir.SLICE else self.values(node.index, frame)
        result: list[Value] = []
        for obj in self.values(node.obj, frame):
            if isinstance(obj, TensorV):
                result.append(replace(obj, reshaped=True))  # indexing keeps what the values are
            elif isinstance(obj, DerivedV):
                result.append(_reshaped(obj))
            elif node.index is ir.SLICE:
                result.append(UNKNOWN)
            elif isinstance(obj, (TupleV, SeqV)):
                for index in indexes:
                    if isinstance(index, ConstV) and isinstance(index.value, int) and not isinstance(index.value, bool):
                        result.extend(options(_at(obj.items, index.value)))
                    elif isinstance(obj, SeqV) and index is UNKNOWN:
                        result.extend(o for item in obj.items if item is not SPLICE for o in options(item))
                    else:
                        result.append(UNKNOWN)
            elif isinstance(obj, DictV):
                for index in indexes:
                    if isinstance(index, ConstV):
                        matches = [v for k, v in obj.items if k == index.value]
                        result.extend(options(matches[-1]) if matches else (UNKNOWN,))
                    else:
                        result.extend(o for _, v in obj.items for o in options(v))
            else:
                result.append(UNKNOWN)
        return tuple(result)

    def _eval_LastOf(self, node: ir.LastOf, frame: Frame):
        result: list[Value] = []
        for obj in self.values(node.iterable, frame):
            if isinstance(obj, (SeqV, TupleV)) and obj.items and obj.items[-1] is not SPLICE:
                result.extend(options(obj.items[-1]))
            elif isinstance(obj, TensorV):  # for out in outputs: a slice of the same kind
                result.append(replace(obj, reshaped=True))
            elif isinstance(obj, DictV) and obj.items:
                result.append(ConstV(obj.items[-1][0]))
            else:
                result.append(UNKNOWN)
        return tuple(result)

    def _eval_Comp(self, node: ir.Comp, frame: Frame):
        result: list[Value] = []
        elements = self.elements_of(node.loop.iterable, frame)
        if elements is None or (node.filtered and node.kind == "list"):
            # range(n), an unknown list, or an `if` choosing which: items nobody knows,
            # unless every item is the same whatever the element (`[activation_layer(
            # "sigmoid", sizes[i + 1]) for i in range(n)]`): then each one is that value.
            if node.kind != "list":
                return (UNKNOWN,)
            same = self.values(node.value, frame) if not node.filtered else (UNKNOWN,)
            if len(same) == 1 and not isinstance(same[0], (Opaque, ChoiceV)):
                return (SeqV((SPLICE, same[0]), False),)
            return (SeqV((SPLICE,), False),)
        frames = [self.loop_frame(frame, node.loop, e) for e in elements]
        if node.kind == "list":
            return (SeqV(tuple(self.slot(node.value, f) for f in frames), False),)
        items: list[tuple[object, Value]] = []
        for f in frames:
            key = self.value(node.key, f)
            if not isinstance(key, ConstV):
                return (UNKNOWN,)
            items.append((key.value, self.slot(node.value, f)))
        result.append(DictV(tuple(items)))
        return tuple(result)

    def _eval_TupleOf(self, node: ir.TupleOf, frame: Frame):
        return (TupleV(self._items(node.items, frame)),)

    def _eval_ListOf(self, node: ir.ListOf, frame: Frame):
        return (SeqV(self._items(node.items, frame), callable=False),)

    def _eval_DictOf(self, node: ir.DictOf, frame: Frame):
        items = []
        for key, value in node.items:
            k = self.value(key, frame)
            if not isinstance(k, ConstV):
                return (UNKNOWN,)
            items.append((k.value, self.slot(value, frame)))
        return (DictV(tuple(items)),)

    def _eval_Merged(self, node: ir.Merged, frame: Frame):
        result: list[Value] = []
        for base in self.values(node.base, frame):
            for other in self.values(node.other, frame):
                if isinstance(base, DictV) and isinstance(other, DictV):
                    result.append(_with_items(base, other.items))
                else:
                    result.append(UNKNOWN)
        return tuple(result)

    def _eval_Appended(self, node: ir.Appended, frame: Frame):
        extra = self._items(node.items, frame)
        result: list[Value] = []
        for base in self.values(node.base, frame):
            if isinstance(base, SeqV):
                result.append(SeqV(base.items + extra, base.callable))
            elif isinstance(base, TupleV):
                result.append(TupleV(base.items + extra))
            else:  # a list from somewhere unknown, then known items appended
                result.append(SeqV((SPLICE,) + extra, False))
        return tuple(result)

    def _eval_AttrSet(self, node: ir.AttrSet, frame: Frame):
        # Only a pretrained model's head matters; any other attribute set keeps the value.
        return tuple(
            PretrainedV(base.name, self.value(node.value, frame))
            if isinstance(base, PretrainedV) and node.attr in torch_api.HEAD_ATTRIBUTES
            else base
            for base in self.values(node.base, frame)
        )

    def _eval_ItemSet(self, node: ir.ItemSet, frame: Frame):
        result: list[Value] = []
        for base in self.values(node.base, frame):
            if isinstance(base, DictV):
                result.append(self._dict_set(base, node, frame))
            elif isinstance(base, (BufferV, TensorV)):
                # outputs[t] = step_out on a buffer from torch.zeros(...): the buffer holds
                # what is written (in a new layout); constants written keep what it holds.
                written = [v for v in self.values(node.value, frame) if not isinstance(v, ConstV)]
                if not written:
                    result.append(base)
                elif all(isinstance(v, TensorV) for v in written) and (
                    isinstance(base, BufferV) or all(v.kind == base.kind for v in written)
                ):
                    result.extend(replace(v, reshaped=True) for v in written)
                else:
                    result.append(_partly_sigmoid(base, written))
            elif isinstance(base, DerivedV):
                written = [v for v in self.values(node.value, frame) if not isinstance(v, ConstV)]
                result.append(base if _partly_sigmoid(base, written) is not UNKNOWN else UNKNOWN)
            else:
                result.append(UNKNOWN)
        return tuple(result)

    def _dict_set(self, base: DictV, node: ir.ItemSet, frame: Frame) -> Value:
        """`d[key] = value`; with the key a loop variable, one item per iteration."""
        frames = [frame]
        if isinstance(node.key, ir.LastOf) and all(b is not node.key for b, _ in frame.loop):
            elements = self.elements_of(node.key.iterable, frame)
            if elements is not None:
                frames = [self.loop_frame(frame, node.key, e) for e in elements]
        items: list[tuple[object, Value]] = []
        for f in frames:
            key = self.value(node.key, f)
            if not isinstance(key, ConstV):
                return UNKNOWN
            items.append((key.value, self.slot(node.value, f)))
        return _with_items(base, tuple(items))

    def _items(self, nodes: tuple[ir.IR, ...], frame: Frame) -> tuple[Value, ...]:
        """Evaluate list items, splicing *starred ones (SPLICE where one is unknown)."""
        items: list[Value] = []
        for item in nodes:
            if isinstance(item, ir.Starred):
                inner = self.value(item.value, frame)
                items.extend(inner.items if isinstance(inner, (SeqV, TupleV)) else (SPLICE,))
            else:
                items.append(self.slot(item, frame))
        return tuple(items)

    def _eval_BoolOp(self, node: ir.BoolOp, frame: Frame):
        """`backbone or Core()`, `loss_fn and loss_fn(x)`: by the left side's truth."""
        result: list[Value] = []
        for left in self.values(node.left, frame):
            truth = _truth_of(left)
            if truth is None:
                result.append(UNKNOWN)
            elif truth == (node.op == "or"):
                result.append(left)
            else:
                result.extend(self.values(node.right, frame))
        return tuple(result)

    def _eval_Cond(self, node: ir.Cond, frame: Frame):
        # A function with many returns is a long chain Cond(t1, a1, Cond(t2, a2, ...)):
        # walk it in a loop, not by recursion, and let the undecided branches agree.
        branches: list[ir.IR] = []
        tests: list[ir.IR] = []  # the undecided ones
        current: ir.IR = node
        while isinstance(current, ir.Cond):
            truth = self.truth(current.test, frame)
            if truth is True or current.orelse is ir.UNDEFINED:
                current = current.then
                break
            if not (truth is False or current.then is ir.UNDEFINED):
                branches.append(current.then)
                tests.append(current.test)
            current = current.orelse
        if current is not ir.UNDEFINED:
            branches.append(current)
        if len(branches) == 1:
            return self.values(branches[0], frame)
        values = tuple(v for branch in branches for v in self.values(branch, frame))
        if all(_by_name(test) for test in tests):
            # `if args.model == "mlp": model = MLP() elif ...`: a model selected by name
            # is a model that can be trained; each one is a candidate.
            models = tuple(v for v in values if v is not UNKNOWN and not _is_none(v))
            if models and all(isinstance(v, (InstanceV, ClassV)) for v in models):
                return models
        return self.agree(values)

    def agree(self, values: tuple[Value, ...]) -> tuple[Value, ...]:
        """The branches of an undecided if/else: keep them only when they agree on what
        matters (the kind of tensor, the loss, what a model outputs), else UNKNOWN.
        Agreeing branches are all kept, so each site can be reported."""
        known = tuple(v for v in values if v is not UNKNOWN and not _is_none(v) and not _unknown_modules(v))
        if known and len(known) < len(values) and all(isinstance(v, _OBJECTS) for v in known):
            # `model = restore(path) if resume else Net()`, `d = D() if gan else None`: a
            # model or criterion known on one path is the one trained there; the unknown
            # path is not this step, and None is never called. (A tensor known on one path
            # only stays unknown: `x if flag else softmax(x)`.)
            return self.agree(known)
        first = values[0]
        if all(v is first for v in values):
            return (first,)
        if all(isinstance(v, _OBJECTS) and getattr(v, "selected", None) is not None for v in values):
            # Models a registry or config selects by a name known at run time (a build
            # helper's dict branch, its list branch unknown): each can be trained.
            return values
        if all(isinstance(v, TensorV) for v in values):
            return values if len({(v.kind, v.unstable) for v in values}) == 1 else (UNKNOWN,)
        if all(isinstance(v, CriterionV) for v in values):
            return values if len({v.loss for v in values}) == 1 else (UNKNOWN,)
        if all(isinstance(v, (InstanceV, SeqV, LayerV, PretrainedV)) for v in values):
            outputs = [self.apply(v, UNKNOWN, None) for v in values]
            if all(isinstance(o, TensorV) for o in outputs) and len({(o.kind, o.unstable) for o in outputs}) == 1:
                return values
            known = tuple(v for v, o in zip(values, outputs) if o is not UNKNOWN)
            if known and len(known) < len(values) and all(isinstance(v, InstanceV) for v in values):
                # `Darknet(cfg) if cfg.use_darknet else Yolov4()`, two project models, with
                # Darknet's forward not modelled: like an unknown path, the model whose
                # output is unknown is not this step, the known ones decide (if they agree).
                # Not for torch layers: a ReLU's output is unknown because it is no
                # activation losslint judges, and a Sigmoid beside it is no model.
                return self.agree(known)
            return (UNKNOWN,)
        if all(type(v) is type(first) and v == first for v in values) and isinstance(first, (ConstV, ExternalV, ModuleV, ClassV)):
            return (first,)
        return (UNKNOWN,)

    def truth(self, node: ir.IR, frame: Frame) -> bool | None:
        if isinstance(node, ir.Not):
            inner = self.truth(node.operand, frame)
            return None if inner is None else not inner
        if isinstance(node, ir.AllOf):
            results = [self.truth(test, frame) for test in node.tests]
            if False in results:
                return False
            return True if all(r is True for r in results) else None
        if isinstance(node, ir.IsNone):
            value = self.value(node.operand, frame)
            if isinstance(value, ConstV):
                return (value.value is None) != node.negated
            if value is UNKNOWN:
                # `forward(x, size=img.shape[2:])` then `if size is None:` in forward: the
                # argument's value is not modelled, but its form is never None.
                return node.negated if self.never_none(node.operand, frame) else None
            return node.negated  # a known object is not None
        if isinstance(node, ir.BoolOp):
            left, right = self.truth(node.left, frame), self.truth(node.right, frame)
            if node.op == "and":
                return False if False in (left, right) else (True if left and right else None)
            return True if True in (left, right) else (False if left is False and right is False else None)
        truths = {self.truth_of(v) for v in self.values(node, frame)}
        return truths.pop() if len(truths) == 1 else None

    def truth_of(self, value: Value) -> bool | None:
        """`if self.exist:` on a head built in __init__: a module, layer or criterion object
        is true unless its class can say otherwise (`__len__`, `__bool__`, or a base outside
        the project other than nn.Module). Tensors and names from outside stay undecided."""
        if isinstance(value, InstanceV):
            return True if self.plain_object(value.cls) else None
        if isinstance(value, (LayerV, CriterionV, PretrainedV, ClassV, FuncV, ModuleV)):
            return True
        if isinstance(value, (ConstV, SeqV, TupleV, DictV)):
            return _truth_of(value)
        return None

    def plain_object(self, cls: str) -> bool:
        """A project class whose instances are always true (no `__len__` or `__bool__`)."""
        module = self.module_frame(self.project.file_of(cls).path)
        for klass in self.mro(cls):
            facts = self.project.classes[klass]
            if "__len__" in facts.methods or "__bool__" in facts.methods:
                return False
            for base in facts.bases:
                for value in self.values(base, module):
                    if isinstance(value, ExternalV) and value.name not in torch_api.MODULE_BASES:
                        return False
                    if not isinstance(value, (ExternalV, ClassV)):
                        return False
        return True

    def never_none(self, node: ir.IR, frame: Frame, budget: int = MAX_DEPTH) -> bool:
        """Whether `node` is, by its form, never None, whatever its value: a slice
        (`img.shape[2:]`), a tuple, list, dict or comprehension, arithmetic, a comparison, a
        constant other than None. A parameter is the argument its call passes (followed up
        through callers that pass their own parameters on); a parameter left to its default,
        or bound in no known call, is not decided here (its value decides, if known)."""
        if budget <= 0:
            return False
        if isinstance(node, ir.Const):
            return node.value is not None
        if isinstance(node, ir.Item):
            return node.index is ir.SLICE
        if isinstance(node, (ir.TupleOf, ir.ListOf, ir.DictOf, ir.Comp, ir.BinOp, ir.Neg, ir.Compare, ir.Not)):
            return True
        if isinstance(node, ir.Cond):
            return self.never_none(node.then, frame, budget - 1) and self.never_none(node.orelse, frame, budget - 1)
        if isinstance(node, ir.Param):
            owner = frame
            while owner is not None and owner.func != node.func:
                owner = owner.caller
            facts = self.project.functions.get(node.func)
            if facts is None:
                return False
            if owner is None or owner.args is None:  # unbound: every caller must pass one
                frames = self.callers(node.func)
                return bool(frames) and all(self._passes_never_none(facts, node.name, f, budget) for f in frames)
            return self._passes_never_none(facts, node.name, owner, budget)
        return False

    def _passes_never_none(self, facts: FunctionFacts, name: str, frame: Frame, budget: int) -> bool:
        if frame.caller is None or not isinstance(frame.args, ir.Call):
            return False
        argument = _argument(frame.args, facts.params, name, frame.offset)
        return argument is not None and self.never_none(argument, frame.caller, budget - 1)

    def _eval_Compare(self, node: ir.Compare, frame: Frame):
        left, right = self.value(node.left, frame), self.value(node.right, frame)
        if isinstance(right, TupleV) and node.op in ("in", "not in"):
            if not all(isinstance(item, ConstV) for item in right.items):
                return (UNKNOWN,)
            right = ConstV(tuple(item.value for item in right.items))
        if not (isinstance(left, ConstV) and isinstance(right, ConstV)):
            return (UNKNOWN,)
        try:
            return (ConstV(_COMPARE[node.op](left.value, right.value)),)
        except Exception:  # noqa: BLE001 - e.g. comparing None with an int
            return (UNKNOWN,)

    def _eval_Call(self, node: ir.Call, frame: Frame):
        if _is_builtin(node.func, "isinstance", self) and len(node.args) == 2:
            return self.instance_check(node.args[0], node.args[1], frame)
        chosen = self.names.call(node, frame)  # getattr(models, name), MODELS.build(cfg), instantiate(cfg.model)
        if chosen is not None:
            return chosen
        result: list[Value] = []
        for selected in self.selections(node.func, frame):
            for func in self.values(node.func, selected):
                result.extend(self.call(func, node, selected))
        return tuple(result)

    def instance_check(self, obj: ir.IR, types: ir.IR, frame: Frame) -> tuple[Value, ...]:
        """`isinstance(cfg, list)` against builtin container and scalar types, where the
        value's kind settles it (a dict config is not a list: a build helper's list branch
        is not taken). Anything else is unknown."""
        names = types.items if isinstance(types, ir.TupleOf) else (types,)
        wanted = {n.name for n in names if _is_builtin(n, n.name if isinstance(n, ir.ModuleName) else "", self)}
        if len(wanted) != len(names) or not wanted <= _TYPE_NAMES:
            return (UNKNOWN,)
        result: list[Value] = []
        for value in self.values(obj, frame):
            answers = {_is_instance(value, name, self) for name in wanted}
            result.append(UNKNOWN if None in answers else ConstV(True in answers))
        return tuple(result)

    def selections(self, func: ir.IR, frame: Frame) -> list[Frame]:
        """`configs[name]["model"](**configs[name]["args"])` with `name` unknown: one
        context per key of the dict, so the class and its arguments come from the same
        entry (a selection by name is a context, like a loop's iteration)."""
        for item in _unknown_keys(func):
            if any(bound is item.index for bound, _ in frame.loop):
                continue
            if any(isinstance(i, ConstV) for i in self.values(item.index, frame)):
                continue
            mappings = self.values(item.obj, frame)
            if len(mappings) != 1 or not isinstance(mappings[0], DictV) or not 1 < len(mappings[0].items) <= MAX_ITEMS:
                continue
            return [self.loop_frame(frame, item.index, ConstV(key)) for key, _ in mappings[0].items]
        return [frame]

    # --- calls --------------------------------------------------------------------------------

    def call(self, func: Value, node: ir.Call, frame: Frame) -> tuple[Value, ...]:
        if isinstance(func, ExternalV):
            return self.call_external(func.name, node, frame)
        if isinstance(func, ClassV):
            return (self.instance(func.key, node, frame, registry.placed(func.selected, node)),)
        if isinstance(func, FuncV):
            facts = self.project.functions.get(func.key)
            if facts is None or _recursing(frame, func.key):
                # A recursive function (unwrap(model.module)) would be followed into itself
                # once per call site and level: exponential. Its value is not modelled.
                return (UNKNOWN,)
            offset = 1 if func.bound is not None else 0
            callee = self.frame(func.key, node, frame, func.bound, offset)
            return registry.tagged(self, self.values(facts.returns, callee), func.selected, node)
        if isinstance(func, InstanceV):
            forward = self.instance_attr(func, "forward")
            outputs = tuple(v for f in forward if isinstance(f, FuncV) for v in self.call(f, node, frame)) or (UNKNOWN,)
            return registry.outputs(func, outputs)
        if isinstance(func, (LayerV, SeqV, PretrainedV)):
            first = node.arg(0, "input")
            inputs = self.values(first, frame) if first is not None else (UNKNOWN,)
            return tuple(self.apply(func, x, node.site) for x in inputs)
        if isinstance(func, MethodV):
            return self.call_method(func, node, frame)
        return (UNKNOWN,)

    def call_external(self, name: str, node: ir.Call, frame: Frame) -> tuple[Value, ...]:
        site = node.site
        if name in torch_api.ACTIVATION_FUNCTIONS:
            kind = torch_api.ACTIVATION_FUNCTIONS[name]
            return tuple(self.activation(kind, x, node, "function", name) for x in self.first_arg(node, frame))
        if name in torch_api.CLAMP_FUNCTIONS:
            return tuple(_guarded(x) if isinstance(x, TensorV) else UNKNOWN for x in self.first_arg(node, frame))
        if name in torch_api.PASSTHROUGH_FUNCTIONS:
            return self.first_arg(node, frame)
        if name in torch_api.MATMUL_FUNCTIONS and len(node.args) >= 2:
            return tuple(
                self.matmul(a, b) for a in self.values(node.args[0], frame) for b in self.values(node.args[1], frame)
            )
        if name in torch_api.FACTORY_FUNCTIONS:
            return (BufferV(),)
        if name in torch_api.ONE_HOT:
            return (OneHotV(),)
        if name in torch_api.LOG_FUNCTIONS:
            return tuple(self.log_of(x, site) for x in self.first_arg(node, frame))
        if name in torch_api.LOGIT_FUNCTIONS:
            return (TensorV("logits", site, "function", call=node, op=name),)
        if name in torch_api.SHAPE_FUNCTIONS:
            return tuple(replace(x, reshaped=True) if isinstance(x, TensorV) else x for x in self.first_arg(node, frame))
        if name in torch_api.JOIN_FUNCTIONS:
            return tuple(t for v in self.values(node.arg(0, "tensors"), frame) for t in self.joined(v)) if node.args else (UNKNOWN,)
        if name in torch_api.MODEL_WRAPPERS:
            return self.first_arg(node, frame)
        if name in ("builtins.list", "builtins.tuple"):
            return self.first_arg(node, frame)
        if name == "builtins.enumerate":
            return tuple(
                SeqV(tuple(TupleV((_index_of(seq, i), item)) for i, item in enumerate(seq.items)), False)
                if isinstance(seq, SeqV) else UNKNOWN
                for seq in self.first_arg(node, frame)
            )
        if name == "builtins.dict":
            return (self.ordered_dict(node, frame),)
        if name == "builtins.zip":
            return (self.zipped(node, frame),)
        if name == "functools.partial":
            # partial(F.cross_entropy, label_smoothing=0.1) is still that loss.
            return tuple(
                ExternalV(v.name, partial=node) if isinstance(v, ExternalV) and torch_api.loss_function(v.name) else UNKNOWN
                for v in self.first_arg(node, frame)
            )
        loss = torch_api.loss_class(name)
        if loss is not None:
            return (CriterionV(loss, site, node, frame),)
        loss = torch_api.loss_function(name)
        if loss is not None:
            return (UNKNOWN,)  # a loss value; the call itself is judged by pairs.py
        if name == torch_api.SEQUENTIAL:
            return (self.sequential(node, frame, callable=True),)
        if name == torch_api.MODULE_LIST:
            return tuple(
                SeqV(v.items, False) if isinstance(v, (SeqV, TupleV)) else UNKNOWN for v in self.first_arg(node, frame)
            ) if node.args else (SeqV((), False),)
        if name in torch_api.ORDERED_DICT or name == torch_api.MODULE_DICT:
            return (self.ordered_dict(node, frame),)
        if name.startswith("torch.nn.") and name[9:10].isupper():
            return (LayerV(name, site, node, frame),)
        if torch_api.is_model_zoo(name) or (name == "torch.hub.load" and _torchvision_hub(node)):
            return (PretrainedV(name),)
        return (UNKNOWN,)

    @staticmethod
    def joined(tensors: Value) -> tuple[Value, ...]:
        """torch.cat/stack of a list or tuple: when the items' kinds agree, each item in a
        new layout (stacking adds a dimension, cat may join along the classes), so that
        every activation joined is reported and fixed."""
        items = tuple(o for i in tensors.items for o in options(i)) if isinstance(tensors, (SeqV, TupleV)) else ()
        if not items or not all(isinstance(v, TensorV) for v in items):
            return (UNKNOWN,)
        if len({(v.kind, v.unstable) for v in items}) != 1:
            return (UNKNOWN,)
        return tuple(replace(v, reshaped=True) for v in items)

    def first_arg(self, node: ir.Call, frame: Frame) -> tuple[Value, ...]:
        first = node.arg(0, "input")
        return self.values(first, frame) if first is not None else (UNKNOWN,)

    def log_of(self, value: Value, site: Site) -> Value:
        if isinstance(value, TensorV) and value.kind in torch_api.LOG_OF and not value.unstable:
            if value.guarded:  # log(p + eps): log-probabilities, finite; no fix respells it
                return TensorV(torch_api.LOG_OF[value.kind], site, "log", reshaped=value.reshaped)
            return TensorV(torch_api.LOG_OF[value.kind], site, "log", unstable=True, inner=value, reshaped=value.reshaped)
        return UNKNOWN

    def sequential(self, node: ir.Call, frame: Frame, callable: bool) -> Value:
        if len(node.args) == 1 and not isinstance(node.args[0], ir.Starred):
            only = self.value(node.args[0], frame)
            if isinstance(only, DictV):  # nn.Sequential(OrderedDict([...]))
                return SeqV(tuple(v for _, v in only.items), callable)
        items = self._items(node.args, frame)
        return SeqV(items, callable) if items is not None else UNKNOWN

    def ordered_dict(self, node: ir.Call, frame: Frame) -> Value:
        items: list[tuple[object, Value]] = []
        if node.args:
            source = self.value(node.args[0], frame)
            if isinstance(source, DictV):
                items.extend(source.items)
            elif isinstance(source, (SeqV, TupleV)):
                for pair in source.items:
                    if not (isinstance(pair, TupleV) and len(pair.items) == 2 and isinstance(pair.items[0], ConstV)):
                        return UNKNOWN
                    items.append((pair.items[0].value, pair.items[1]))
            else:
                return UNKNOWN
        for keyword, value in node.kwargs:
            if keyword == "**":
                return UNKNOWN
            items.append((keyword, self.value(value, frame)))
        return DictV(tuple(items))

    def call_method(self, method: MethodV, node: ir.Call, frame: Frame) -> tuple[Value, ...]:
        obj, name = method.obj, method.name
        if name in torch_api.ACTIVATION_METHODS:
            return (self.activation(torch_api.ACTIVATION_METHODS[name], obj, node, "method", name),)
        if isinstance(obj, DerivedV):  # only reshaped, never computed with
            return (_reshaped(obj) if name in torch_api.SHAPE_METHODS else UNKNOWN,)
        if isinstance(obj, TensorV):
            if name in torch_api.LOG_METHODS:
                return (self.log_of(obj, node.site),)
            if name in torch_api.SHAPE_METHODS:
                return (replace(obj, reshaped=True) if name in torch_api.LAYOUT_METHODS else obj,)
            if name in torch_api.CLAMP_METHODS:
                return (_guarded(obj),)  # p.clamp(min=eps) still holds probabilities
            if name in torch_api.MATMUL_METHODS:
                return tuple(self.matmul(obj, other) for other in self.first_arg(node, frame))
            return (UNKNOWN,)
        if name in torch_api.SCATTER_METHODS and isinstance(obj, (BufferV, Opaque)) and _scatters_one(node, frame, self):
            return (OneHotV(),)  # torch.zeros(n, c).scatter_(1, y, 1): a one-hot matrix
        if isinstance(obj, (BufferV, OneHotV)):
            return (obj,)  # made above for SHAPE_METHODS only
        if isinstance(obj, Opaque) and name in torch_api.FACTORY_METHODS:
            return (BufferV(),)  # x.new_zeros(T, B, V): a buffer to fill
        if isinstance(obj, DictV):
            return self.dict_method(obj, name, node, frame)
        if isinstance(obj, ConstV) and name in _STR_METHODS and not node.args and not node.kwargs:
            return (ConstV(getattr(obj.value, name)()),)
        if isinstance(obj, InstanceV) and name in torch_api.MODEL_SELF_METHODS:
            return (obj,)  # only made by instance_attr for a model class without its own method
        if isinstance(obj, (CriterionV, PretrainedV)):
            return (obj,)  # made above for MODEL_SELF_METHODS only
        if isinstance(obj, (SeqV, LayerV)):
            if name in torch_api.MODEL_SELF_METHODS:
                return (obj,)
            if name == "forward":
                return self.call(obj, node, frame)
        return (UNKNOWN,)

    def zipped(self, node: ir.Call, frame: Frame) -> Value:
        """zip(a, b): tuples of the known lists' items, UNKNOWN in the place of an unknown
        list (its items are not this step)."""
        columns: list[tuple[Value, ...] | None] = []
        for arg in node.args:
            if isinstance(arg, ir.Starred):
                return UNKNOWN
            value = self.value(arg, frame)
            if isinstance(value, (SeqV, TupleV)) and all(item is not SPLICE for item in value.items):
                columns.append(value.items)
            elif isinstance(value, DictV):
                columns.append(tuple(ConstV(k) for k, _ in value.items))
            else:
                columns.append(None)
        known = [c for c in columns if c is not None]
        if not known:
            return UNKNOWN
        length = min(len(c) for c in known)
        return SeqV(tuple(TupleV(tuple(c[i] if c is not None else UNKNOWN for c in columns)) for i in range(length)), False)

    def dict_method(self, obj: DictV, name: str, node: ir.Call, frame: Frame) -> tuple[Value, ...]:
        if name == "items":
            return (SeqV(tuple(TupleV((ConstV(k), v)) for k, v in obj.items), False),)
        if name == "keys":
            return (SeqV(tuple(ConstV(k) for k, _ in obj.items), False),)
        if name == "values":
            return (SeqV(tuple(v for _, v in obj.items), False),)
        if name == "copy":
            return (obj,)
        # get(key[, default])
        key = node.arg(0, "key")
        keys = self.values(key, frame) if key is not None else (UNKNOWN,)
        result: list[Value] = []
        for k in keys:
            matches = [v for kk, v in obj.items if isinstance(k, ConstV) and kk == k.value]
            if matches:
                result.extend(options(matches[-1]))
            elif isinstance(k, ConstV):
                default = node.arg(1, "default")
                result.extend(self.values(default, frame) if default is not None else (ConstV(None),))
            else:
                result.extend(o for _, v in obj.items for o in options(v))
        return tuple(result)

    # --- value algebra: what a formula of activations still holds ----------------------------

    def activation(self, kind: str, x: Value, node: ir.Call, form: str, op: str) -> TensorV:
        """An activation applied to `x`: exp(log_softmax(z)) is a softmax (and exp of a
        logsigmoid a sigmoid); log_softmax(softmax(z)) keeps the softmax inside (`over`)."""
        if kind == "exp" and isinstance(x, TensorV) and x.kind in _EXP_OF and not x.unstable:
            return TensorV(_EXP_OF[x.kind], node.site, form, call=node, op=op, source=x.source, reshaped=x.reshaped)
        over = x if kind == "log_softmax" and isinstance(x, TensorV) and x.kind == "softmax" else None
        return TensorV(kind, node.site, form, call=node, op=op, source=_logits((x,)), over=over,
                       below=_activation((x,)))

    def matmul(self, a: Value, b: Value) -> Value:
        """Probabilities mixed by a one-hot matrix (bmm/matmul/@) are still probabilities."""
        for probs, other in ((a, b), (b, a)):
            if isinstance(probs, TensorV) and probs.kind in _PROBABILITIES and isinstance(other, OneHotV):
                return replace(probs, reshaped=True)
        return UNKNOWN

    def _eval_BinOp(self, node: ir.BinOp, frame: Frame):
        """`p + eps` of probabilities is still probabilities (log(p + eps) is a log-softmax
        spelled unstably); `probs @ one_hot` too. Other arithmetic is not modelled."""
        # Arithmetic is everywhere in model code: the operands are evaluated only where the
        # formula can be one of these (an epsilon added, a product of two things).
        if node.op == "+":
            for small, other in ((node.right, node.left), (node.left, node.right)):
                if isinstance(small, (ir.Const, ir.ModuleName, ir.Attr, ir.Param)) and all(
                    _epsilon(v) for v in self.values(small, frame)
                ):
                    return tuple(
                        _guarded(t) if isinstance(t, TensorV) and t.kind in _PROBABILITIES else UNKNOWN
                        for t in self.values(other, frame)
                    )
            return (UNKNOWN,)
        if node.op == "-":
            # sigmoid(a) - sigmoid(b) (a pairwise score): in (-1, 1), squashed again by a
            # loss that takes logits. Right side evaluated only when the left one is such.
            left = self.values(node.left, frame)
            if not all(_sigmoid(v) for v in left) or not all(_sigmoid(v) for v in self.values(node.right, frame)):
                return (UNKNOWN,)
            how = "a difference of two sigmoid outputs"
            return tuple(DerivedV(replace(v, reshaped=True), torch_api.SIGMOID_LOGIT_LOSSES, how) for v in left)
        if node.op == "@":
            left = self.values(node.left, frame)
            if not any(isinstance(a, OneHotV) or (isinstance(a, TensorV) and a.kind in _PROBABILITIES) for a in left):
                return (UNKNOWN,)
            return tuple(self.matmul(a, b) for a in left for b in self.values(node.right, frame))
        return (UNKNOWN,)

    def output_size(self, layer: LayerV) -> int | None:
        """An output layer's number of outputs (nn.Linear(h, NUM_CLASSES)), when every value
        its argument can hold is the same int."""
        where = torch_api.OUTPUT_SIZE.get(layer.name)
        if where is None:
            return None
        node = layer.call.arg(*where)
        if node is None or any(isinstance(a, ir.Starred) for a in layer.call.args[: where[0] + 1]):
            return None
        values = self.values(node, layer.frame)
        sizes = {v.value for v in values if isinstance(v, ConstV)}
        if len(sizes) != 1 or not all(isinstance(v, ConstV) for v in values):
            return None
        size = sizes.pop()
        return size if isinstance(size, int) and not isinstance(size, bool) else None

    def apply(self, layer: Value, x: Value, applied: Site | None) -> Value:
        """The output of calling `layer` on a tensor whose value is `x`."""
        if isinstance(layer, ChoiceV):  # a slot with several layers: they must agree
            outputs = [self.apply(option, x, applied) for option in layer.options]
            return outputs[0] if _same_kind(outputs) else UNKNOWN
        if isinstance(layer, LayerV):
            kind = torch_api.ACTIVATION_LAYERS.get(layer.name)
            if kind is not None:
                return TensorV(kind, layer.site, "layer", applied=applied, call=layer.call, op=layer.name, source=_logits((x,)),
                               below=_activation((x,)))
            if layer.name in torch_api.LOGIT_LAYERS:
                return TensorV("logits", layer.site, "layer", call=layer.call, op=layer.name, units=self.output_size(layer))
            if layer.name in torch_api.PASSTHROUGH_LAYERS:
                if isinstance(x, TensorV) and layer.name in torch_api.LAYOUT_LAYERS:
                    return replace(x, reshaped=True)  # nn.Flatten / nn.Unflatten
                return x
            return UNKNOWN
        if isinstance(layer, PretrainedV):  # whatever the backbone does, the head comes last
            return self.apply(layer.head, UNKNOWN, applied) if layer.head is not None else UNKNOWN
        if isinstance(layer, SeqV) and layer.callable:
            for item in layer.items:
                x = self.apply(item, x, None)
            return x
        if isinstance(layer, InstanceV):
            forward = self.instance_attr(layer, "forward")
            if len(forward) == 1 and isinstance(forward[0], FuncV):
                facts = self.project.functions[forward[0].key]
                output = self.value(facts.returns, self.frame(facts.key, OPAQUE_ARGS, None, layer, 1))
                return registry.outputs(layer, (output,))[0]
        return UNKNOWN


# Objects (not tensors) that an if/else may pick from, next to an unknown path (agree).
_OBJECTS = (InstanceV, LayerV, PretrainedV, CriterionV, ClassV)
_DICT_METHODS = frozenset({"items", "keys", "values", "get", "copy"})
_EXP_OF = {"log_softmax": "softmax", "logsigmoid": "sigmoid"}
_PROBABILITIES = frozenset({"softmax", "sigmoid"})


def _epsilon(value: Value) -> bool:
    """A small non-negative constant (`1e-8`, EPS): what `p + eps` adds before a log."""
    return isinstance(value, ConstV) and type(value.value) in (int, float) and 0 <= value.value <= 1e-3


def _forget_since(memo: dict, start: int) -> None:
    """Drop the entries added to `memo` after it held `start` (dicts keep insertion order;
    entries are only ever added, or all cleared)."""
    for key in list(itertools.islice(reversed(memo), max(0, len(memo) - start))):
        del memo[key]


def _by_name(test: ir.IR) -> bool:
    """A test that selects by a name: `x == "mlp"`, `x in ("a", "b")`, and/or/not of them."""
    if isinstance(test, ir.Not):
        return _by_name(test.operand)
    if isinstance(test, ir.AllOf):
        return all(_by_name(t) for t in test.tests)
    if isinstance(test, ir.BoolOp):
        return _by_name(test.left) and _by_name(test.right)
    if not (isinstance(test, ir.Compare) and test.op in ("==", "!=", "in", "not in")):
        return False
    names = test.right.items if isinstance(test.right, (ir.TupleOf, ir.ListOf)) else (test.right,)
    return all(isinstance(n, ir.Const) and isinstance(n.value, str) for n in names)


def _is_super(node: ir.IR) -> bool:
    """`super()` or `super(Cls, self)` (a call of SuperRef), as the extractor writes them."""
    return isinstance(node, ir.SuperRef) or (isinstance(node, ir.Call) and isinstance(node.func, ir.SuperRef))


def _is_none(value: Value) -> bool:
    return isinstance(value, ConstV) and value.value is None


# str methods without arguments whose result on a known constant is known (names compared
# case-insensitively: `act_name.lower() == "sigmoid"`).
_STR_METHODS = frozenset({"lower", "upper", "casefold", "strip", "lstrip", "rstrip", "title"})
_TYPE_NAMES = frozenset({"list", "tuple", "dict", "str", "int", "float", "bool"})


def _is_builtin(node: ir.IR, name: str, evaluator) -> bool:
    """`node` names the builtin `name`: not a module-level name of its file. (A star
    import that rebinds `isinstance` or `list` is not looked for: resolving every star
    import of a file would load modules nothing else asks for.)"""
    if not (isinstance(node, ir.ModuleName) and node.name == name):
        return False
    facts = evaluator.project.files.get(node.path)
    return facts is not None and name not in facts.globals


def _is_instance(value: Value, name: str, evaluator) -> bool | None:
    """isinstance(value, builtins.<name>), or None when the value's kind does not say.
    A list value may be an nn.ModuleList and a dict an nn.ModuleDict, so only the answers
    that hold for both are given."""
    if isinstance(value, ConstV):
        kind = {"list": list, "tuple": tuple, "dict": dict, "str": str, "int": int, "float": float, "bool": bool}[name]
        return isinstance(value.value, kind)
    if isinstance(value, DictV):
        return False if name != "dict" else None
    if isinstance(value, TupleV):
        return name == "tuple"
    if isinstance(value, SeqV):
        return False if name != "list" else None
    if isinstance(value, InstanceV):
        return False if evaluator.plain_object(value.cls) else None
    if isinstance(value, (LayerV, CriterionV, TensorV, ClassV, FuncV, ModuleV)):
        return False
    return None


def _unknown_modules(value: Value) -> bool:
    """`nn.Sequential(*modules)` of modules nobody knows (a build helper's list branch):
    an unknown path, like UNKNOWN itself, next to a model known on another path."""
    return isinstance(value, SeqV) and value.callable and all(isinstance(i, Opaque) for i in value.items)


def _sigmoid(value: Value) -> bool:
    return isinstance(value, TensorV) and value.kind == "sigmoid"


def _reshaped(value: DerivedV) -> DerivedV:
    return DerivedV(replace(value.tensor, reshaped=True), value.losses, value.how)


def _partly_sigmoid(base: Value, written: list[Value]) -> Value:
    """`out[..., 4:] = torch.sigmoid(out[..., 4:])` on logits (or again on such a tensor):
    logits with a sigmoid in part of them, named by its one site; else unknown."""
    sites = {v.site for v in written if _sigmoid(v)}
    if len(sites) != 1 or not all(_sigmoid(v) for v in written):
        return UNKNOWN
    if isinstance(base, DerivedV):
        return base if base.tensor.site in sites else UNKNOWN
    if not (isinstance(base, TensorV) and base.kind == "logits"):
        return UNKNOWN
    how = "a sigmoid written into part of the logits"
    return DerivedV(replace(written[0], reshaped=True), torch_api.UNIT_INTERVAL_LOSSES, how)


def _guarded(tensor: TensorV) -> TensorV:
    return replace(tensor, guarded=True) if tensor.kind in _PROBABILITIES else tensor


def _scatters_one(node: ir.Call, frame: Frame, evaluator: Evaluator) -> bool:
    """x.scatter_(dim, index, 1): ones written at the labels."""
    value = node.arg(2, "value")
    return value is not None and any(isinstance(v, ConstV) and v.value == 1 for v in evaluator.values(value, frame))


def _same_kind(outputs: list[Value]) -> bool:
    return all(isinstance(o, TensorV) for o in outputs) and len({(o.kind, o.unstable) for o in outputs}) == 1


def _index_of(seq: SeqV, index: int) -> Value:
    return ConstV(index) if all(item is not SPLICE for item in seq.items[:index]) else UNKNOWN


def _torchvision_hub(node: ir.Call) -> bool:
    repo = node.arg(0, "repo_or_dir")
    return isinstance(repo, ir.Const) and isinstance(repo.value, str) and repo.value.startswith("pytorch/vision")


def _logits(values: tuple[Value, ...]) -> TensorV | None:
    """The logits an activation is applied to, when its input is known to be one."""
    if len(values) == 1 and isinstance(values[0], TensorV) and values[0].kind == "logits":
        return values[0]
    return None


def _activation(values: tuple[Value, ...]) -> TensorV | None:
    """The activation an activation is applied to (softmax of a softmax), when its input
    is known to be one: a fix of the outer one must see the whole chain."""
    if len(values) == 1 and isinstance(values[0], TensorV) and values[0].kind != "logits" and values[0].form != "log":
        return values[0]
    return None


def _recursing(frame: Frame | None, func: str) -> bool:
    """Whether `func` is already being evaluated in this chain of calls. A builder called
    again from the constructor of what it builds (`build(cfg.heads)` -> `Head.__init__`
    -> `build(exist_cfg)`: nested configs) is not recursion: it is followed through up to
    MAX_NESTED_BUILDS constructors, each level separated by one (a level may select
    several classes, so the nesting is kept shallow)."""
    constructing = False
    seen = 0
    while frame is not None:
        if frame.func == func:
            if not constructing or seen == MAX_NESTED_BUILDS - 1:
                return True
            seen += 1
            constructing = False
        elif frame.func.endswith(".__init__"):
            constructing = True
        frame = frame.caller
    return False


def _dedupe(values: tuple[Value, ...]) -> tuple[Value, ...]:
    seen: list[Value] = []
    for value in values:
        if not any(value is s or (isinstance(value, (ConstV, TensorV, ExternalV, ModuleV, ClassV)) and value == s) for s in seen):
            seen.append(value)
    return tuple(seen)


def options(value: Value) -> tuple[Value, ...]:
    """The candidates a container slot holds."""
    return value.options if isinstance(value, ChoiceV) else (value,)


def _at(items: tuple[Value, ...], index: int) -> Value:
    """items[index], unless unknown items (SPLICE) come before it (after it, from the end)."""
    part = items[: index + 1] if index >= 0 else items[index:]
    if any(item is SPLICE for item in part):
        return UNKNOWN
    try:
        return items[index]
    except IndexError:
        return UNKNOWN


def _with_items(base: DictV, items: tuple[tuple[object, Value], ...]) -> DictV:
    """`base` with `items` set: an existing key keeps its position, a new one goes last."""
    merged = list(base.items)
    for key, value in items:
        keys = [k for k, _ in merged]
        if key in keys:
            merged[keys.index(key)] = (key, value)
        else:
            merged.append((key, value))
    return DictV(tuple(merged))


def _argument(call: ir.Call, params: tuple[str, ...], name: str, offset: int) -> ir.IR | None:
    """The argument `call` passes explicitly for parameter `name` (by keyword or by
    position, `offset` counting a bound self); None when it passes none; ir.UNKNOWN when
    that cannot be told (a `*args` before its position, a name that is no parameter)."""
    for keyword, value in call.kwargs:
        if keyword == name:
            return value
    if name not in params:
        return ir.UNKNOWN
    position = params.index(name) - offset
    for index, arg in enumerate(call.args):
        if isinstance(arg, ir.Starred):
            return ir.UNKNOWN
        if index == position:
            return arg
    return None


def _truth_of(value: Value) -> bool | None:
    if isinstance(value, ConstV):
        return bool(value.value)
    if isinstance(value, (SeqV, TupleV, DictV)):
        return bool(value.items) if SPLICE not in value.items else None
    if isinstance(value, (Opaque, ChoiceV)):
        return None
    return True  # a model, a layer, a criterion, a function: an object


def _unknown_keys(node: ir.IR, budget: int = 60) -> list[ir.Item]:
    """The subscripts with a non-literal index inside a callee's IR, outermost first."""
    found: list[ir.Item] = []
    stack = [node]
    while stack and budget > 0:
        budget -= 1
        current = stack.pop()
        if isinstance(current, ir.Item):
            if not isinstance(current.index, (ir.Const, ir.Slice)):
                found.append(current)
            stack.append(current.obj)
        elif isinstance(current, ir.Attr):
            stack.append(current.obj)
        elif isinstance(current, ir.Call):
            stack.append(current.func)
    return found


def _loop_variables(nodes: tuple[ir.IR, ...], budget: int = 400) -> list[ir.LastOf]:
    """The LastOf nodes (loop variables) inside some IR trees, outermost first."""
    found: list[ir.LastOf] = []
    stack = [n for n in reversed(nodes) if n is not None]
    while stack and budget > 0:
        budget -= 1
        node = stack.pop()
        if isinstance(node, ir.LastOf):
            if all(node is not f for f in found):
                found.append(node)
            continue
        if not isinstance(node, (ir.Const, ir.Global, ir.Param, ir.ModuleName, ir.Unknown)):
            stack.extend(ir.children(node))
    return found
