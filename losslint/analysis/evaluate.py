"""Interpret IR across functions and files: what does this expression hold at run time?

`Evaluator.values(node, frame)` returns the possible values of an IR node as a tuple of
alternatives. Alternatives come only from calling contexts (a `train(model, criterion)`
called from two places); inside one function, an if/else whose branches disagree gives
UNKNOWN, so a finding is never a guess. Everything is memoized per (node, frame).
"""

from __future__ import annotations

import operator
from collections import defaultdict
from dataclasses import replace

from losslint.analysis import ir, registry, torch_api
from losslint.analysis.facts import FunctionFacts
from losslint.analysis.project import Project
from losslint.analysis.values import (  # noqa: F401 - re-exported: evaluate is their usual home
    OPAQUE_ARGS,
    UNKNOWN,
    ClassV,
    ConstV,
    CriterionV,
    DictV,
    ExternalV,
    Frame,
    FuncV,
    InstanceV,
    LayerV,
    LossFnV,
    MethodV,
    ModuleV,
    Opaque,
    PretrainedV,
    SeqV,
    SuperV,
    TensorV,
    TupleV,
    Value,
)
from losslint.core.findings import Site

MAX_DEPTH = 12  # nested calls followed
MAX_ALTERNATIVES = 8
MAX_CALLERS = 16


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

_BUILTINS = frozenset({"list", "tuple", "enumerate", "reversed"})


class Evaluator:
    def __init__(self, project: Project) -> None:
        self.project = project
        self._memo: dict[tuple[int, int], tuple[Value, ...]] = {}
        self._active: set[tuple[int, int]] = set()
        self._frames: dict[tuple, Frame] = {}
        self._instances: dict[tuple, InstanceV] = {}
        self._callers: dict[str, list[Frame]] = {}
        self._instance_callers: dict[str, list[Frame]] = defaultdict(list)  # see add_caller
        self._mro: dict[str, list[str]] = {}
        self._subclasses: dict[str, list[str]] | None = None
        self.names = registry.Names(self)  # models and criteria chosen by name

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
            return self._callers[func]
        self._callers[func] = []  # recursion guard
        facts = self.project.functions[func]
        frames: list[Frame] = list(self._instance_callers.get(func, ()))
        if facts.name == "__init__" and facts.cls is not None:
            for inst in self.constructions(facts.cls):
                if inst.ctor is not None:
                    frames.append(self.init_frame(inst, facts.cls))
        else:
            for call_fact in self.project.calls_by_callee.get(facts.name, ()):
                caller = self.unbound_frame(call_fact.func)
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

    def constructions(self, cls: str) -> list[InstanceV]:
        """Instances of `cls` or its project subclasses, one per construction call."""
        found: list[InstanceV] = []
        for klass in [cls, *self.all_subclasses(cls)]:
            name = self.project.classes[klass].name
            for call_fact in self.project.calls_by_callee.get(name, ()):
                caller = self.unbound_frame(call_fact.func)
                for callee in self.values(call_fact.call.func, caller):
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
                if call_fact.func == sub_init and isinstance(func, ir.Attr) and isinstance(func.obj, ir.SuperRef):
                    return self.frame(init, call_fact.call, self.init_frame(inst, klass), inst, 1)
        return self.frame(init, OPAQUE_ARGS, None, inst, 1)

    def instance_attr(self, inst: InstanceV, name: str) -> tuple[Value, ...]:
        for klass in self.mro(inst.cls):
            facts = self.project.classes[klass]
            init_key = facts.methods.get("__init__")
            if init_key is not None and name in self.project.functions[init_key].self_attrs:
                node = self.project.functions[init_key].self_attrs[name]
                return self.values(node, self.init_frame(inst, klass))
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
                method = setters[0]
                return self.values(method.self_attrs[name], self.frame(method.key, None, None, inst, 1))
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

    # --- evaluation ---------------------------------------------------------------------------

    def value(self, node: ir.IR, frame: Frame) -> Value:
        """The single value of `node`, or UNKNOWN when it has several."""
        values = self.values(node, frame)
        return values[0] if len(values) == 1 else UNKNOWN

    def values(self, node: ir.IR, frame: Frame) -> tuple[Value, ...]:
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
        for attr in attrs:
            values = tuple(v for value in values for v in self.attribute(value, attr))
        return values

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

    def star_imported(self, star: ir.Global, name: str) -> tuple[Value, ...] | None:
        path, attrs, dotted = self.project.resolve_global(star)
        if path is not None and not attrs:
            facts = self.project.files[path]
            if name in facts.globals:
                return self.values(facts.globals[name], self.module_frame(path))
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
            return tuple(result) or (UNKNOWN,)
        if owner.args is OPAQUE_ARGS:
            return (UNKNOWN,)
        return self._bound_param(facts, node.name, owner)

    def _bound_param(self, facts: FunctionFacts, name: str, frame: Frame) -> tuple[Value, ...]:
        call = frame.args
        if not isinstance(call, ir.Call):
            return (UNKNOWN,)
        for keyword, value in call.kwargs:
            if keyword == name:
                return self.values(value, frame.caller)
        try:
            position = facts.params.index(name) - frame.offset
        except ValueError:
            return (UNKNOWN,)
        for index, arg in enumerate(call.args):
            if isinstance(arg, ir.Starred):
                return (UNKNOWN,)
            if index == position:
                return self.values(arg, frame.caller)
        if any(keyword == "**" for keyword, _ in call.kwargs):
            return (UNKNOWN,)
        default = facts.defaults.get(name)
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
        if isinstance(obj, (TensorV, SeqV, LayerV, Opaque)):
            # Methods: tensor.softmax(1), model.to(device), seq.forward(x).
            return (MethodV(obj, name),)
        if isinstance(obj, (CriterionV, PretrainedV)) and name in torch_api.MODEL_SELF_METHODS:
            return (MethodV(obj, name),)  # nn.CrossEntropyLoss().to(device)
        return (UNKNOWN,)

    def _eval_Item(self, node: ir.Item, frame: Frame):
        chosen = self.names.item(node, frame)  # REGISTRY[key], models.__dict__[name]
        if chosen is not None:
            return chosen
        index = self.value(node.index, frame)
        result: list[Value] = []
        for obj in self.values(node.obj, frame):
            if isinstance(obj, TensorV):
                result.append(replace(obj, reshaped=True))  # indexing keeps what the values are
            elif isinstance(obj, (TupleV, SeqV)) and isinstance(index, ConstV) and isinstance(index.value, int):
                try:
                    result.append(obj.items[index.value])
                except IndexError:
                    result.append(UNKNOWN)
            elif isinstance(obj, DictV) and isinstance(index, ConstV):
                matches = [v for k, v in obj.items if k == index.value]
                result.append(matches[-1] if matches else UNKNOWN)
            else:
                result.append(UNKNOWN)
        return tuple(result)

    def _eval_LastOf(self, node: ir.LastOf, frame: Frame):
        result: list[Value] = []
        for obj in self.values(node.iterable, frame):
            if isinstance(obj, (SeqV, TupleV)) and obj.items:
                result.append(obj.items[-1])
            elif isinstance(obj, DictV) and obj.items:
                result.append(ConstV(obj.items[-1][0]))
            else:
                result.append(UNKNOWN)
        return tuple(result)

    def _eval_TupleOf(self, node: ir.TupleOf, frame: Frame):
        items = self._items(node.items, frame)
        return (TupleV(items),) if items is not None else (UNKNOWN,)

    def _eval_ListOf(self, node: ir.ListOf, frame: Frame):
        items = self._items(node.items, frame)
        return (SeqV(items, callable=False),) if items is not None else (UNKNOWN,)

    def _eval_DictOf(self, node: ir.DictOf, frame: Frame):
        items = []
        for key, value in node.items:
            k = self.value(key, frame)
            if not isinstance(k, ConstV):
                return (UNKNOWN,)
            items.append((k.value, self.value(value, frame)))
        return (DictV(tuple(items)),)

    def _eval_Appended(self, node: ir.Appended, frame: Frame):
        base = self.value(node.base, frame)
        extra = self._items(node.items, frame)
        if extra is None:
            return (UNKNOWN,)
        if isinstance(base, SeqV):
            return (SeqV(base.items + extra, base.callable),)
        if isinstance(base, TupleV):
            return (TupleV(base.items + extra),)
        return (UNKNOWN,)

    def _eval_AttrSet(self, node: ir.AttrSet, frame: Frame):
        # Only a pretrained model's head matters; any other attribute set keeps the value.
        return tuple(
            PretrainedV(base.name, self.value(node.value, frame))
            if isinstance(base, PretrainedV) and node.attr in torch_api.HEAD_ATTRIBUTES
            else base
            for base in self.values(node.base, frame)
        )

    def _eval_ItemSet(self, node: ir.ItemSet, frame: Frame):
        base = self.value(node.base, frame)
        key = self.value(node.key, frame)
        if isinstance(base, DictV) and isinstance(key, ConstV):
            item = (key.value, self.value(node.value, frame))
            keys = [k for k, _ in base.items]
            if key.value in keys:  # reassigning a key keeps its position
                at = keys.index(key.value)
                return (DictV(base.items[:at] + (item,) + base.items[at + 1 :]),)
            return (DictV(base.items + (item,)),)
        return (UNKNOWN,)

    def _items(self, nodes: tuple[ir.IR, ...], frame: Frame) -> tuple[Value, ...] | None:
        """Evaluate list items, splicing *starred ones; None when a splice is unknown."""
        items: list[Value] = []
        for item in nodes:
            if isinstance(item, ir.Starred):
                inner = self.value(item.value, frame)
                if not isinstance(inner, (SeqV, TupleV)):
                    return None
                items.extend(inner.items)
            else:
                items.append(self.value(item, frame))
        return tuple(items)

    def _eval_Cond(self, node: ir.Cond, frame: Frame):
        # A function with many returns is a long chain Cond(t1, a1, Cond(t2, a2, ...)):
        # walk it in a loop, not by recursion, and let the undecided branches agree.
        branches: list[ir.IR] = []
        current: ir.IR = node
        while isinstance(current, ir.Cond):
            truth = self.truth(current.test, frame)
            if truth is True or current.orelse is ir.UNDEFINED:
                current = current.then
                break
            if not (truth is False or current.then is ir.UNDEFINED):
                branches.append(current.then)
            current = current.orelse
        if current is not ir.UNDEFINED:
            branches.append(current)
        if len(branches) == 1:
            return self.values(branches[0], frame)
        return self.agree(tuple(v for branch in branches for v in self.values(branch, frame)))

    def agree(self, values: tuple[Value, ...]) -> tuple[Value, ...]:
        """The branches of an undecided if/else: keep them only when they agree on what
        matters (the kind of tensor, the loss, what a model outputs), else UNKNOWN.
        Agreeing branches are all kept, so each site can be reported."""
        first = values[0]
        if all(v is first for v in values):
            return (first,)
        if all(isinstance(v, TensorV) for v in values):
            return values if len({(v.kind, v.unstable) for v in values}) == 1 else (UNKNOWN,)
        if all(isinstance(v, CriterionV) for v in values):
            return values if len({v.loss for v in values}) == 1 else (UNKNOWN,)
        if all(isinstance(v, (InstanceV, SeqV, LayerV, PretrainedV)) for v in values):
            outputs = [self.apply(v, UNKNOWN, None) for v in values]
            if all(isinstance(o, TensorV) for o in outputs) and len({(o.kind, o.unstable) for o in outputs}) == 1:
                return values
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
                return None
            return node.negated  # a known object is not None
        if isinstance(node, ir.BoolOp):
            left, right = self.truth(node.left, frame), self.truth(node.right, frame)
            if node.op == "and":
                return False if False in (left, right) else (True if left and right else None)
            return True if True in (left, right) else (False if left is False and right is False else None)
        value = self.value(node, frame)
        if isinstance(value, ConstV):
            return bool(value.value)
        return None

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
        chosen = self.names.call(node, frame)  # getattr(models, name), MODELS.build(cfg), instantiate(cfg.model)
        if chosen is not None:
            return chosen
        result: list[Value] = []
        for func in self.values(node.func, frame):
            result.extend(self.call(func, node, frame))
        return tuple(result)

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
            inputs = self.first_arg(node, frame)
            return (TensorV(torch_api.ACTIVATION_FUNCTIONS[name], site, "function", call=node, op=name, source=_logits(inputs),
                            below=_activation(inputs)),)
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
                SeqV(tuple(TupleV((UNKNOWN, item)) for item in seq.items), False) if isinstance(seq, SeqV) else UNKNOWN
                for seq in self.first_arg(node, frame)
            )
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
        items = tensors.items if isinstance(tensors, (SeqV, TupleV)) else ()
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
            source = _logits((obj,))
            return (TensorV(torch_api.ACTIVATION_METHODS[name], node.site, "method", call=node, op=name, source=source,
                            below=_activation((obj,))),)
        if isinstance(obj, TensorV):
            if name in torch_api.LOG_METHODS:
                return (self.log_of(obj, node.site),)
            if name in torch_api.SHAPE_METHODS:
                return (replace(obj, reshaped=True) if name in torch_api.LAYOUT_METHODS else obj,)
            return (UNKNOWN,)
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
    """Whether `func` is already being evaluated in this chain of calls."""
    while frame is not None:
        if frame.func == func:
            return True
        frame = frame.caller
    return False


def _dedupe(values: tuple[Value, ...]) -> tuple[Value, ...]:
    seen: list[Value] = []
    for value in values:
        if not any(value is s or (isinstance(value, (ConstV, TensorV, ExternalV, ModuleV, ClassV)) and value == s) for s in seen):
            seen.append(value)
    return tuple(seen)
