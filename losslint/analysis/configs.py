"""Hydra/OmegaConf configs: `instantiate(cfg.model)` builds what a YAML `_target_` names.

    # configs/model/net.yaml                 # train.py
    _target_: src.models.net.Net             model = hydra.utils.instantiate(cfg.model)
    num_classes: 10                          criterion = instantiate(cfg.loss)
    # configs/config.yaml
    loss:
      _target_: torch.nn.CrossEntropyLoss

The project's YAML files are read once per run (read(): every mapping with a `_target_`,
where it is, and the keys that lead to it). `instantiate(X)` reads the keys X selects
(`cfg.model` -> ("model",)), takes the targets found under those keys, and builds each
as the call its mapping spells: `Net(num_classes=10)`, nested `_target_`s built first as
Hydra does. A target is named by its dotted path: a project class or function, or a
torch class (a criterion); anything else evaluates to unknown and stays silent. When the
keys cannot be read, every target is a candidate.

Which keys lead to a target: the mapping keys inside its file, after the file's config
group, which Hydra takes from its directory (configs/model/net.yaml is the `model`
group). The config root is not known, so every directory counts, and a selection
matches when its keys end the target's (("model",) matches configs/model/net.yaml and
`model:` in configs/config.yaml). `# @package _global_` files have no group.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import PurePath

from losslint.analysis import ir
from losslint.analysis.selection import config_path, tagged
from losslint.analysis.values import (
    UNKNOWN,
    ClassV,
    Frame,
    FuncV,
    Selection,
    Value,
)

TARGET = "_target_"
# Hydra's own keys in a target's mapping; not constructor arguments.
_RESERVED = frozenset({"_target_", "_recursive_", "_convert_", "_partial_", "_args_"})


@dataclass(frozen=True)
class Target:
    path: str  # the YAML file
    line: int  # 1-based line of the `_target_` key
    keys: tuple[str, ...]  # the directories and mapping keys leading to the mapping
    target: str  # "src.models.net.Net"
    kwargs: tuple[tuple[str, object], ...]  # constant values, nested Targets, or UNKNOWN
    partial: bool = False  # `_partial_: true`: a functools.partial, not an instance


def read(path: str, text: str) -> list[Target]:
    """Every mapping with a `_target_` in one YAML file; [] for a file that is not valid
    YAML (a template, another tool's syntax): it selects nothing."""
    if TARGET not in text:
        return []
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        documents = list(yaml.compose_all(text, Loader=loader))
    except (yaml.YAMLError, ValueError, RecursionError):
        return []
    group = () if "@package _global_" in text else tuple(PurePath(path).parent.parts[-3:])
    found: list[Target] = []
    for document in documents:
        if document is not None:
            _walk(path, document, group, found)
    return found


def read_all(configs: dict[str, str]) -> list[Target]:
    return [target for path, text in sorted(configs.items()) for target in read(path, text)]


def _walk(path: str, node, keys: tuple[str, ...], found: list[Target]) -> Target | None:
    import yaml

    if not isinstance(node, yaml.MappingNode):
        if isinstance(node, yaml.SequenceNode):
            for item in node.value:
                _walk(path, item, keys, found)
        return None
    target_line, target, partial = 0, None, False
    kwargs: list[tuple[str, object]] = []
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            continue
        key = key_node.value
        inner = _walk(path, value_node, keys + (key,), found)
        if key == TARGET and isinstance(value_node, yaml.ScalarNode):
            target, target_line = value_node.value, key_node.start_mark.line + 1
        elif key == "_partial_":
            partial = _scalar(value_node) is True
        elif key not in _RESERVED and key.isidentifier():
            kwargs.append((key, inner if inner is not None else _scalar(value_node)))
    if not target:
        return None
    made = Target(path, target_line, keys, target, tuple(kwargs), partial)
    found.append(made)
    return made


def _scalar(node) -> object:
    """A YAML scalar as Python would see it after Hydra's load: int, float, bool, None,
    str; UNKNOWN for interpolations (${...}), sequences and plain mappings."""
    import yaml

    if not isinstance(node, yaml.ScalarNode) or "${" in node.value:
        return UNKNOWN
    tag = node.tag.rsplit(":", 1)[-1]
    value = node.value
    try:
        if tag == "int":
            return int(value, 0) if value.lower().startswith(("0x", "0o")) else int(value.replace("_", ""))
        if tag == "float":
            return float(value)
    except ValueError:
        return UNKNOWN
    if tag == "bool":
        return value.lower() in ("true", "yes", "on", "y")
    if tag == "null":
        return None
    return value


def matching(targets: list[Target], keys: tuple[str, ...] | None) -> list[Target]:
    if keys is None:
        return list(targets)
    return [t for t in targets if t.keys[-len(keys):] == keys]


def instantiate(names, node: ir.Call, frame: Frame) -> tuple[Value, ...] | None:
    """`instantiate(cfg.model, **overrides)` (hydra.utils.instantiate, or `call`): what
    the matching targets build. None when the project has no `_target_` at all."""
    targets = getattr(names.project, "configs", None)
    config = node.arg(0, "config")
    if not targets or config is None:
        return None
    keys = config_path(config, frame, names.project)
    chosen = matching(targets, keys)
    result: list[Value] = []
    for target in chosen:
        call = made(names, target, node, frame, top=True)
        result.extend(_built(names, call, frame, selection(target, node)))
    return tuple(result) or (UNKNOWN,)


def selection(target: Target, node: ir.Call) -> Selection:
    text = f"built from {_shown(target.path)}:{target.line} (_target_: {target.target})"
    return Selection(node.site, f"{_what(target)} {text}")


def nested(names, node: ir.Call, frame: Frame) -> tuple[Value, ...] | None:
    """A nested target's call (`net: {_target_: ...}` inside the model's mapping), built
    when the outer class reads its argument: it remembers its YAML too."""
    found = names._nested.get(id(node))
    return _built(names, node, frame, found) if found is not None else None


def _built(names, call: ir.Call, frame: Frame, selection: Selection) -> tuple[Value, ...]:
    """The target's call evaluated, the class, instance or criterion remembering how."""
    result: list[Value] = []
    for func in names.ev.values(call.func, frame):
        if isinstance(func, ClassV):
            func = ClassV(func.key, selection)
        elif isinstance(func, FuncV) and func.bound is None:
            func = FuncV(func.key, None, selection)
        values = names.ev.call(func, call, frame)
        result.extend(tagged(names.ev, values, selection, call))
    return tuple(result)


def made(names, target: Target, node: ir.Call, frame: Frame, top: bool = False) -> ir.Call:
    """The call a target's mapping spells, kept (the evaluator memoizes by node); the
    top one also takes instantiate's own extra arguments (instantiate(cfg.x, n=10))."""
    key = ("yaml", id(target), id(node))
    call = names._made.get(key)
    if call is None:
        site = node.site
        origin = frame.func.split("::", 1)[0]
        kwargs: list[tuple[str, ir.IR]] = []
        for name, value in target.kwargs:
            if isinstance(value, Target) and not value.partial:
                inner = made(names, value, node, frame)
                names._nested[id(inner)] = selection(value, node)
                kwargs.append((name, inner))
            elif isinstance(value, Target) or value is UNKNOWN:
                kwargs.append((name, ir.UNKNOWN))
            else:
                kwargs.append((name, ir.Const(value)))
        args: tuple[ir.IR, ...] = ()
        if top:
            args = tuple(node.args[1:])
            kwargs += [(k, v) for k, v in node.kwargs if k != "config"]
        func: ir.IR = ir.Global(target.target, "", origin=origin) if not target.partial else ir.UNKNOWN
        call = names._made[key] = ir.Call(func, args, tuple(kwargs), site)
    return call


def _what(target: Target) -> str:
    return f"`{target.target.rsplit('.', 1)[-1]}`"


def _shown(path: str) -> str:
    """A config file's path as a message shows it: relative to the working directory."""
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return path
    return path if relative.startswith("..") else relative
