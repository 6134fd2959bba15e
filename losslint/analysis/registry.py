"""Models and criteria chosen by name: a model that can be selected is a model that can
be trained.

Research code seldom writes `model = Net()`. It picks the class by a name that arrives
at run time, in one of a few shapes, each followed here:

    getattr(models, name)(...)      models.__dict__[name]()     vars(models)[name]
    globals()[name]()               a module's namespace: every model class or factory in it
    @register("x") class X          a registry: a decorator that stores the class by name,
    @MODELS.register_module()       either a project function filling a module-level dict
    @registry.register_model        (`REGISTRY[name] = cls`) or a registry object's
                                    `register*` method (mmengine's Registry and look-alikes)
    REGISTRY[key], REGISTRY.get(key), MODELS.get(key), get_model(name)(cfg)
    MODELS.build(cfg), build_from_cfg(cfg, MODELS), build_model(cfg) of an mm* library,
    with cfg = dict(type="X", ...) or a config file's `model = dict(type=...)`

Hydra's `instantiate(cfg.model)` is in configs.py. When the name is known (a literal, a
constant, a config value) the one candidate it names is taken; when it is not, every
candidate is (a union: each can be trained). Each candidate carries a `Selection`, which
the finding shows: "`Net` selected through registry MODELS ('net')".

A registry is known by where it is defined (the module-level name holding it, followed
through imports), not by its spelling at each use. A registry whose entries are all
outside the project has no candidates: it stays unknown, as before.

Everything here answers None when the expression is not a selection by name, so the
evaluator goes on as if this module did not exist (evaluate.py's hooks are one line each).
"""

from __future__ import annotations

from dataclasses import dataclass

from losslint.analysis import configs, ir
from losslint.analysis.selection import argument, config_path, outputs, placed, tagged
from losslint.analysis.values import (
    UNKNOWN,
    ClassV,
    ConstV,
    ExternalV,
    Frame,
    FuncV,
    InstanceV,
    ModuleV,
    Selection,
    Value,
)

# `MODELS.get(key)` and the like on a registry object (mmengine: get; others: get_module...).
LOOKUP_METHODS = frozenset({"get", "get_module", "get_class", "get_model", "__getitem__"})
BUILD_METHODS = frozenset({"build", "build_module"})
# build_from_cfg(cfg, registry) (mmcv, mmengine and their copies).
BUILD_FROM_CFG = "build_from_cfg"
MAX_PARAMS = 8  # parameters followed back to the registry argument
# The most candidates an unknown name selects among (evaluate.MAX_ALTERNATIVES): a
# registry or module holding more is a zoo, and the name stays unknown.
MAX_CANDIDATES = 8
SEQUENTIAL = "torch.nn.Sequential"
_INTERESTING = LOOKUP_METHODS | BUILD_METHODS | {BUILD_FROM_CFG, "getattr"}


@dataclass(frozen=True)
class Entry:
    """One registration: `target` (a class or function key) under `key` (None: unread)."""

    key: str | None
    target: str


@dataclass
class Registry:
    name: str  # as spelled where it is defined: "MODELS"
    entries: list[Entry]
    external: bool  # defined outside the project (mmdet.registry.MODELS)


class Names:
    """One evaluator's knowledge of names: registries and the instances built by name."""

    def __init__(self, evaluator) -> None:
        self.ev = evaluator
        self.project = evaluator.project
        self._registries: dict[object, Registry] | None = None
        self._made: dict[tuple, ir.Call] = {}  # synthetic construction calls, kept alive (memo ids)
        self._instances: dict[str, list[InstanceV]] | None = None
        self._keep: list[ir.IR] = []  # registry-defining nodes whose id is a key
        self._nodes: dict[tuple, ir.IR] = {}  # see node()
        self._nested: dict[int, Selection] = {}  # configs.py: nested targets' calls, by id

    def node(self, kind, *fields) -> ir.IR:
        """An IR node made here, made once: the evaluator memoizes by id(node), so a node
        must live as long as the evaluator (a freed one's id would be reused)."""
        key = (kind, *fields)
        made = self._nodes.get(key)
        if made is None:
            made = self._nodes[key] = kind(*fields)
        return made

    # --- hooks (evaluate.py) ------------------------------------------------------------------

    def item(self, node: ir.Item, frame: Frame) -> tuple[Value, ...] | None:
        """`REGISTRY[key]`, `models.__dict__[key]`, `vars(models)[key]`, `globals()[key]`."""
        owner = _namespace_owner(node.obj, self)
        if owner is not None:
            return self.from_namespace(owner, node.index, frame, None)
        registry = self.registry_of(node.obj)
        if registry is None:
            return None
        return self.from_registry(registry, self.keys(node.index, frame), None, frame)

    def call(self, node: ir.Call, frame: Frame) -> tuple[Value, ...] | None:
        """`getattr(models, name)`, `MODELS.get(key)`, `MODELS.build(cfg)`,
        `build_from_cfg(cfg, MODELS)`, `instantiate(cfg.model)` (configs.py)."""
        func = node.func
        name = _last_name(func)
        if name is None:
            return None
        if self._nested and id(node) in self._nested:
            return configs.nested(self, node, frame)
        if name in _INSTANTIATE and self.project.configs:
            if not any(isinstance(f, ExternalV) and f.name.startswith(_HYDRA) for f in self.ev.values(func, frame)):
                return None
            return configs.instantiate(self, node, frame)
        if name.startswith("build_") and name != BUILD_FROM_CFG:
            return self.library_build(node, frame)
        if name not in _INTERESTING:
            return None
        if name == "getattr" and isinstance(func, ir.ModuleName) and len(node.args) >= 2:
            return self.getattr(node, frame)
        if name == BUILD_FROM_CFG:
            cfg, where = node.arg(0, "cfg"), node.arg(1, "registry")
            registry = self.registry_of(where, frame) if where is not None else None
            if registry is None or cfg is None:
                return None
            return self.build(registry, cfg, node, frame, node.arg(2, "default_args"))
        receiver = _receiver(func, self)
        registry = self.registry_of(receiver) if receiver is not None else None
        if registry is None:
            return None
        if name in BUILD_METHODS:
            cfg = node.arg(0, "cfg")
            return self.build(registry, cfg, node, frame, node.arg(1, "default_args")) if cfg is not None else None
        key = node.arg(0, "key")
        if key is None:
            return None
        return self.from_registry(registry, self.keys(key, frame), node.site, frame)

    def library_build(self, node: ir.Call, frame: Frame) -> tuple[Value, ...] | None:
        """`build_classifier(cfg)`, `build_model(cfg)` of an mm* library: the project's
        classes registered in that library's registries (`@CLASSIFIERS.register_module()`
        with CLASSIFIERS imported from it), chosen by the cfg's type."""
        cfg = node.arg(0, "cfg")
        if cfg is None or not any(isinstance(f, ExternalV) for f in self.ev.values(node.func, frame)):
            return None
        external = [r for r in self.registries().values() if r.external]
        if not external:
            return None
        names = " / ".join(sorted({r.name for r in external}))
        merged = Registry(names, [e for r in external for e in r.entries], True)
        return self.build(merged, cfg, node, frame)

    def constructions(self, cls: str) -> list[InstanceV]:
        """Instances of `cls` built by name somewhere in the project (a Lightning module
        from `instantiate(cfg.model)` has no `Net(...)` call to find it by)."""
        if self._instances is None:
            self._instances = {}
            for callee in ("instantiate", *BUILD_METHODS, BUILD_FROM_CFG):
                for fact in self.project.calls_by_callee.get(callee, ()):
                    for value in self.ev.values(fact.call, self.ev.unbound_frame(fact.func)):
                        if isinstance(value, InstanceV):
                            self._instances.setdefault(value.cls, []).append(value)
        return self._instances.get(cls, [])

    # --- a module's namespace -----------------------------------------------------------------

    def getattr(self, node: ir.Call, frame: Frame) -> tuple[Value, ...] | None:
        facts = self.project.files.get(node.func.path)
        if facts is not None and "getattr" in facts.globals:
            return None  # a project function named getattr
        owner, key = node.args[0], node.args[1]
        result: list[Value] = []
        for value in self.ev.values(owner, frame):
            if isinstance(value, ModuleV):
                result.extend(self.from_namespace(value, key, frame, node.site))
                continue
            name = self.ev.value(key, frame)
            if isinstance(name, ConstV) and isinstance(name.value, str):
                result.extend(self.ev.attribute(value, name.value))  # getattr(x, "fc") is x.fc
            else:
                result.append(UNKNOWN)
        return tuple(result)

    def from_namespace(self, owner: ir.IR | ModuleV, key_node: ir.IR, frame: Frame, site) -> tuple[Value, ...]:
        modules = (owner,) if isinstance(owner, ModuleV) else self.ev.values(owner, frame)
        result: list[Value] = []
        for module in modules:
            if not isinstance(module, ModuleV):
                result.append(UNKNOWN)
                continue
            label = self.project.files[module.path].module or module.path
            keys = self.keys(key_node, frame)
            if keys is not None:
                for key in keys:
                    text = f"selected by name from module {label} ('{key}')"
                    result.extend(_tag(v, Selection(site, f"`{_label(self.project, v)}` {text}")) for v in self.ev.attribute(module, key))
                continue
            candidates = self.namespace_models(module.path)
            for value in candidates:
                text = f"`{_label(self.project, value)}` selected by name from module {label} (one of {len(candidates)}; the name is known at run time)"
                result.append(_tag(value, Selection(site, text)))
        return tuple(result) or (UNKNOWN,)

    def namespace_models(self, path: str) -> list[Value]:
        """The model classes and model factories a module holds (or star-imports); none
        for a zoo of more than MAX_CANDIDATES (see _choose)."""
        facts = self.project.files[path]
        frame = self.ev.module_frame(path)
        found: list[Value] = []
        names = list(facts.globals)
        for star in facts.star_imports:
            source, attrs, _ = self.project.resolve_global(star)
            if source is not None and not attrs:
                names += [n for n in self.project.files[source].globals if n not in facts.globals]
        for name in names:
            if name.startswith("_"):
                continue
            values = self.ev.values(self.node(ir.ModuleName, path, name), frame)
            if len(values) == 1 and self.is_model(values[0]):
                found.append(values[0])
                if len(found) > MAX_CANDIDATES:
                    return []  # a zoo (see _choose)
        return found

    def is_model(self, value: Value, depth: int = 0) -> bool:
        """A project model class, or a function returning a model (a factory): read from
        what its returns call, not by running it (a zoo has hundreds of factories), through
        one helper at most (`def resnet18(): return _resnet(BasicBlock, ...)`)."""
        if isinstance(value, ClassV):
            return self.ev.is_model_class(value.key)
        if isinstance(value, ExternalV):
            return value.name == SEQUENTIAL
        if not (isinstance(value, FuncV) and value.bound is None) or depth > 1:
            return False
        facts = self.project.functions.get(value.key)
        if facts is None or facts.cls is not None:
            return False
        frame = self.ev.module_frame(self.project.file_of(value.key).path)
        for node in _returned_calls(facts.returns):
            if any(self.is_model(v, depth + 1) for v in self.ev.values(node.func, frame)):
                return True
        return False

    # --- registries ---------------------------------------------------------------------------

    def registries(self) -> dict[object, Registry]:
        if self._registries is None:
            self._registries = {}
            for facts in list(self.project.files.values()):
                for registration in facts.registrations:
                    self.register(facts.path, registration)
        return self._registries

    def register(self, path: str, registration) -> None:
        deco = registration.decorator
        call = deco if isinstance(deco, ir.Call) else None
        callee = call.func if call is not None else deco
        frame = self.ev.module_frame(path)
        for value in self.ev.values(callee, frame):
            if isinstance(value, FuncV) and value.bound is None and value.key in self.project.functions:
                for store in self.stores_of(value.key):
                    identity = self.definition(self.node(ir.ModuleName, store.func.split("::", 1)[0], store.name))
                    if identity is not None:
                        key = self.stored_key(store.key, value.key, call, registration.target, frame)
                        self.add(identity, Entry(key, registration.target))
                return
        method = _last_name(callee)
        receiver = _receiver(callee, self)
        if method is None or receiver is None or not method.startswith("register"):
            return
        identity = self.definition(receiver)
        if identity is None:
            return
        keys = _literal_keys(call) if call is not None else None
        for key in keys or [_short_name(self.project, registration.target)]:
            self.add(identity, Entry(key, registration.target))

    def add(self, identity: tuple[object, str, bool], entry: Entry) -> None:
        key, name, external = identity
        registry = self._registries.setdefault(key, Registry(name, [], external))
        if entry not in registry.entries:
            registry.entries.append(entry)

    def stores_of(self, func: str) -> list:
        """The global stores of a function and of the functions nested in it that store
        the decorated object itself (the first parameter of the function receiving it):
        `REGISTRY[name] = cls`, not `_model_to_module[name] = module_name`."""
        path = func.split("::", 1)[0]
        facts = self.project.files.get(path)
        if facts is None:
            return []
        return [
            s for s in facts.stores
            if (s.func == func or s.func.startswith(func + ".")) and _stores_itsargument(s, self.project)
        ]

    def stored_key(self, node: ir.IR, decorator: str, call: ir.Call | None, target: str, frame: Frame) -> str | None:
        """The name a decorator function stores the class under: a literal, the decorator's
        argument (`register("x")` storing `REGISTRY[name]`), or the class's `__name__`."""
        if isinstance(node, ir.Const):
            return node.value if isinstance(node.value, str) else None
        if isinstance(node, ir.Attr) and node.name == "__name__":
            return _short_name(self.project, target)
        if isinstance(node, ir.BoolOp) and node.op == "or":  # name or cls.__name__
            left = self.stored_key(node.left, decorator, call, target, frame)
            return left if left is not None else self.stored_key(node.right, decorator, call, target, frame)
        if isinstance(node, ir.Param) and node.func == decorator and call is not None:
            facts = self.project.functions[decorator]
            bound = self.ev.frame(decorator, call, frame)
            values = self.ev._bound_param(facts, node.name, bound)
            if len(values) == 1 and isinstance(values[0], ConstV):
                return values[0].value if isinstance(values[0].value, str) else None
        return None

    def definition(self, node: ir.IR) -> tuple[object, str, bool] | None:
        """(identity, name, external) of the registry an expression names: where the
        module-level name holding it is bound, followed through imports."""
        name = ""
        for _ in range(16):
            if isinstance(node, ir.ModuleName):
                facts = self.project.files.get(node.path)
                value = facts.globals.get(node.name) if facts is not None else None
                if value is None:
                    return None
                name, node = node.name, value
                continue
            if isinstance(node, ir.Global):
                path, attrs, dotted = self.project.resolve_global(node)
                if path is None:
                    return (dotted, dotted.rsplit(".", 1)[-1], True) if dotted and attrs else None
                if len(attrs) != 1:
                    return None
                node = self.node(ir.ModuleName, path, attrs[0])
                continue
            if isinstance(node, (ir.Param, ir.Unknown, ir.SelfRef, ir.Attr, ir.Item)):
                return None
            self._keep.append(node)
            return (id(node), name or "registry", False)
        return None

    def registry_of(self, node: ir.IR, frame: Frame | None = None) -> Registry | None:
        for _ in range(MAX_PARAMS):  # build(cfg, registry) -> build_from_cfg(cfg, registry)
            bound = argument(node, frame, self.project) if isinstance(node, ir.Param) and frame is not None else None
            if bound is None:
                break
            node, frame = bound
        if not isinstance(node, (ir.ModuleName, ir.Global, ir.DictOf, ir.ItemSet, ir.Call)):
            return None
        registries = self.registries()
        if not registries:
            return None
        identity = self.definition(node)
        return registries.get(identity[0]) if identity is not None else None

    def keys(self, node: ir.IR, frame: Frame) -> list[str] | None:
        """The names a key expression can hold, or None when one of them is unknown."""
        values = self.ev.values(node, frame)
        if all(isinstance(v, ConstV) and isinstance(v.value, str) for v in values):
            return [v.value for v in values]
        return None

    def from_registry(self, registry: Registry, keys: list[str] | None, site, frame: Frame) -> tuple[Value, ...]:
        chosen = _choose(registry, keys)
        result: list[Value] = []
        for entry in chosen:
            how = f"('{entry.key}')" if keys is not None else f"(one of {len(registry.entries)}; the name is known at run time)"
            text = f"`{_short_name(self.project, entry.target)}` selected through registry {registry.name} {how}"
            result.append(_tag(_target_value(self.project, entry.target), Selection(site, text)))
        return tuple(result) or (UNKNOWN,)

    def build(self, registry: Registry, cfg: ir.IR, node: ir.Call, frame: Frame,
              defaults: ir.IR | None = None) -> tuple[Value, ...]:
        """`MODELS.build(cfg)`: the class `cfg["type"]` names, built with cfg's other keys
        and, for the keys cfg lacks, `default_args` (`build_from_cfg(cfg, HEADS,
        dict(cfg=cfg))`: mmcv's `args.setdefault`)."""
        fields = _config_fields(cfg, frame, self.ev)
        extra = _config_fields(defaults, frame, self.ev) if defaults is not None else None
        key = fields.get("type") if fields is not None else None
        keys = [key.value] if isinstance(key, ir.Const) and isinstance(key.value, str) else None
        configured: dict[str, list[dict[str, ir.IR]]] = {}
        if keys is None and fields is None:
            configured = self.configured(cfg, frame)
            keys = list(configured) or None
        chosen = _choose(registry, keys)
        result: list[Value] = []
        for entry in chosen:
            how = f"type='{entry.key}'" if keys is not None else f"one of {len(registry.entries)}; the type is known at run time"
            text = f"`{_short_name(self.project, entry.target)}` built through registry {registry.name} ({how})"
            value = _tag(_target_value(self.project, entry.target), Selection(node.site, text))
            variants = [fields] if fields is not None else configured.get(entry.key, [None])
            for variant in variants:
                made = self.made(node, entry.target, _with_defaults(variant, extra))
                result.extend(self.ev.call(value, made, frame))
        return tuple(result) or (UNKNOWN,)

    def made(self, node: ir.Call, target: str, fields: dict[str, ir.IR] | None) -> ir.Call:
        """The construction call a build amounts to: Target(**cfg without "type")."""
        key = (id(node), target, tuple((k, id(v)) for k, v in fields.items()) if fields is not None else None)
        call = self._made.get(key)
        if call is None:
            if fields is None:
                kwargs: tuple = (("**", ir.UNKNOWN),)
            else:
                kwargs = tuple((k, v) for k, v in fields.items() if k != "type")
            func = ir.ClassRef(target) if target in self.project.classes else ir.FunctionRef(target)
            call = self._made[key] = ir.Call(func, (), kwargs, node.site)
        return call

    def configured(self, cfg: ir.IR, frame: Frame) -> dict[str, list[dict[str, ir.IR]]]:
        """For `build(cfg.model)` with a cfg read at run time: what the project's Python
        config files give `model` (`model = dict(type="Net", depth=50)`), by type. The
        fields build the class, so a nested `build_head(exist)` in its __init__ reads them.
        Each config file is a way to run the project: a type keeps every variant that
        builds different classes inside it (`exist=dict(type="ExistHead")` in one file,
        none in another), read in path order, up to MAX_CANDIDATES variants in all."""
        path = config_path(cfg, frame, self.project)
        if not path:
            return {}
        found: dict[str, list[dict[str, ir.IR]]] = {}
        shapes: set[tuple] = set()
        for facts in sorted(self.project.files.values(), key=lambda f: f.path):
            node = facts.globals.get(path[0])
            for name in path[1:]:
                fields = _literal_fields(node) if node is not None else None
                node = fields.get(name) if fields is not None else None
            fields = _literal_fields(node) if node is not None else None
            kind = fields.get("type") if fields is not None else None
            if not (isinstance(kind, ir.Const) and isinstance(kind.value, str)):
                continue
            shape = _shape(fields)
            if shape in shapes or len(shapes) >= MAX_CANDIDATES:
                continue
            shapes.add(shape)
            found.setdefault(kind.value, []).append(fields)
        return found


def _shape(fields: dict[str, ir.IR]) -> tuple:
    """What a config builds, without its numbers: its type and the types nested in it."""
    parts = []
    for key, value in sorted(fields.items()):
        nested = _literal_fields(value)
        if nested is not None:
            parts.append((key, _shape(nested)))
        elif key == "type" and isinstance(value, ir.Const):
            parts.append((key, value.value))
    return tuple(parts)


# hydra.utils.instantiate / call (also as hydra.utils.instantiate, or imported as is).
_INSTANTIATE = frozenset({"instantiate", "call"})
_HYDRA = ("hydra.", "omegaconf.")


def _stores_itsargument(store, project) -> bool:
    value = store.value
    facts = project.functions.get(store.func)
    return isinstance(value, ir.Param) and value.func == store.func and facts is not None and facts.params[:1] == (value.name,)


def _returned_calls(node: ir.IR) -> list[ir.Call]:
    """The calls a function's return value may be (its Cond branches)."""
    found: list[ir.Call] = []
    stack = [node]
    while stack and len(found) < 8:
        node = stack.pop()
        if isinstance(node, ir.Cond):
            stack += [node.then, node.orelse]
        elif isinstance(node, ir.Call):
            found.append(node)
    return found


def _choose(registry: Registry, keys: list[str] | None) -> list[Entry]:
    """The entries a lookup can return: those under one of `keys`; for an unknown key, all
    of them, unless they are more than MAX_CANDIDATES (a zoo of hundreds, timm's: no one
    of them is the model trained, and running each would cost more than the check may).
    A key that matches nothing may be a name the registry computes (lower case, a
    prefix): the entries whose name could not be read are then the candidates."""
    if keys is None:
        return registry.entries if len(registry.entries) <= MAX_CANDIDATES else []
    chosen = [e for e in registry.entries if e.key in keys]
    return (chosen or [e for e in registry.entries if e.key is None])[:MAX_CANDIDATES]


def _tag(value: Value, selection: Selection) -> Value:
    if isinstance(value, ClassV):
        return ClassV(value.key, selection)
    if isinstance(value, FuncV) and value.bound is None:
        return FuncV(value.key, None, selection)
    return value


def _config_fields(cfg: ir.IR, frame: Frame, evaluator) -> dict[str, ir.IR] | None:
    """The keys of a literal config: dict(type="X", depth=50) or {"type": "X", ...}."""
    fields = _literal_fields(cfg)
    if fields is not None:
        return fields
    if isinstance(cfg, ir.Param):
        bound = argument(cfg, frame, evaluator.project)
        if bound is not None:
            return _config_fields(bound[0], bound[1], evaluator)
    return None


def _with_defaults(fields: dict[str, ir.IR] | None, defaults: dict[str, ir.IR] | None) -> dict[str, ir.IR] | None:
    """A config's fields completed by default arguments it does not set; unknown fields
    stay unknown (a `**` of nobody knows what)."""
    if not defaults:
        return fields
    if fields is None:
        return {**defaults, "**": ir.UNKNOWN}
    return {**defaults, **fields}


def _literal_fields(node: ir.IR) -> dict[str, ir.IR] | None:
    if isinstance(node, ir.Call) and isinstance(node.func, ir.ModuleName) and node.func.name == "dict" and not node.args:
        if any(k == "**" for k, _ in node.kwargs):
            return None
        return dict(node.kwargs)
    if isinstance(node, ir.DictOf) and all(isinstance(k, ir.Const) and isinstance(k.value, str) for k, _ in node.items):
        return {k.value: v for k, v in node.items}
    return None


def _literal_keys(call: ir.Call) -> list[str] | None:
    """`register_module(name="x")`, `register("x")`, `register_module(name=["a", "b"])`."""
    node = call.arg(0, "name")
    if node is None:
        node = next((v for k, v in call.kwargs if k in ("key", "module_name")), None)
    if isinstance(node, ir.Const) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, (ir.ListOf, ir.TupleOf)):
        keys = [i.value for i in node.items if isinstance(i, ir.Const) and isinstance(i.value, str)]
        return keys if len(keys) == len(node.items) else None
    return None


def _namespace_owner(node: ir.IR, names: Names) -> ir.IR | ModuleV | None:
    """What `models.__dict__`, `vars(models)` and `globals()` are the namespace of."""
    project = names.project
    if isinstance(node, ir.Attr) and node.name == "__dict__":
        return node.obj
    if isinstance(node, ir.Global) and (node.name == "__dict__" or node.name.endswith(".__dict__")):
        return names.node(ir.Global, node.module, node.name[: -len("__dict__")].rstrip("."), node.level, node.origin)
    if isinstance(node, ir.Call) and isinstance(node.func, ir.ModuleName):
        facts = project.files.get(node.func.path)
        if facts is None or node.func.name in facts.globals:
            return None
        if node.func.name == "vars" and len(node.args) == 1:
            return node.args[0]
        if node.func.name == "globals" and not node.args:
            return ModuleV(node.func.path)
    return None


def _last_name(node: ir.IR) -> str | None:
    if isinstance(node, ir.ModuleName):
        return node.name
    if isinstance(node, ir.Attr):
        return node.name
    if isinstance(node, ir.Global):
        return (node.name or node.module).rsplit(".", 1)[-1]
    return None


def _receiver(node: ir.IR, names: Names) -> ir.IR | None:
    """`MODELS` in `MODELS.build`, whichever way the attribute was spelled."""
    if isinstance(node, ir.Attr):
        return node.obj
    if isinstance(node, ir.Global) and "." in node.name:
        return names.node(ir.Global, node.module, node.name.rsplit(".", 1)[0], node.level, node.origin)
    return None


def _short_name(project, key: str) -> str:
    facts = project.classes.get(key) or project.functions.get(key)
    return facts.name if facts is not None else key.rsplit("::", 1)[-1]


def _target_value(project, key: str) -> Value:
    return ClassV(key) if key in project.classes else FuncV(key)


def _label(project, value: Value) -> str:
    if isinstance(value, (ClassV, FuncV)):
        return _short_name(project, value.key)
    return "model"


__all__ = ["Entry", "Names", "Registry", "outputs", "placed", "tagged"]  # evaluate.py's hooks
