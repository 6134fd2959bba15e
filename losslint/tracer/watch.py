"""losslint.watch(): catch wrong activation/loss pairs while the real code runs.

    with losslint.watch():            # or @losslint.watch() on a function
        loss = criterion(model(x), y)

A TorchFunctionMode sees every torch call inside the block. It remembers which
activation produced a tensor (softmax, sigmoid, ..., or a Linear/conv layer: logits),
carries that through shape-only operations (view, reshape, squeeze, indexing, float,
to, ...), and when a loss (an nn loss module or an F.* loss) gets such a tensor as its
input, asks the rule catalog about the pair, like the static linter does. This sees
what static analysis cannot: models built from configuration, third-party classes.

- Results are unchanged: every call goes through untouched; the mode only looks.
- No tensor is kept alive: provenance is keyed by id() and guarded by a weak reference
  whose callback drops the entry.
- Off means off: nothing is installed outside the block.

Each report carries file:line of the activation and of the loss call: the innermost
stack frame outside torch and losslint (outside site-packages when there is one).
"""

from __future__ import annotations

import contextlib
import os
import sys
import warnings
import weakref
from dataclasses import dataclass

from losslint.rules import catalog as catalog_module
from losslint.tracer import require_torch

torch = require_torch()
F = torch.nn.functional
Tensor = torch.Tensor

from torch.overrides import TorchFunctionMode  # noqa: E402 - after the guarded import

ACTIONS = ("warn", "raise", "collect")


class LosslintWarning(UserWarning):
    """A wrong or unstable activation/loss pair ran under losslint.watch()."""


class WrongPairError(RuntimeError):
    """Raised at the loss call under losslint.watch(action="raise")."""


@dataclass(frozen=True)
class Origin:
    """What produced a tensor: kind is 'logits' or an activation name."""

    kind: str
    where: str  # file:line in the user's code
    what: str  # "nn.Softmax (child '3' of Sequential)", "F.softmax", "torch.log(softmax)"
    unstable: bool = False  # torch.log(softmax(x)) rather than log_softmax(x)


@dataclass
class Report:
    code: str
    name: str
    verdict: str
    activation: str  # the JSON contract's name ("none" for logits)
    loss: str  # the torch.nn class name
    activation_at: str
    activation_what: str
    loss_at: str
    loss_what: str
    summary: str
    count: int = 1

    def __str__(self) -> str:
        return (
            f"{self.code} {self.name} ({self.verdict}): {self.activation_what} at {self.activation_at} "
            f"reaches {self.loss_what} at {self.loss_at}: {self.summary}"
        )

    def to_json(self) -> dict:
        return dict(self.__dict__)


# --- what the mode recognizes -----------------------------------------------------------

_ACT, _LOG, _LOGITS, _SHAPE, _LOSS, _INPLACE, _OTHER = range(7)


def _tables():
    acts = {
        F.softmax: ("softmax", "F.softmax"),
        torch.softmax: ("softmax", "torch.softmax"),
        Tensor.softmax: ("softmax", "Tensor.softmax"),
        torch.special.softmax: ("softmax", "torch.special.softmax"),
        F.log_softmax: ("log_softmax", "F.log_softmax"),
        torch.log_softmax: ("log_softmax", "torch.log_softmax"),
        Tensor.log_softmax: ("log_softmax", "Tensor.log_softmax"),
        torch.special.log_softmax: ("log_softmax", "torch.special.log_softmax"),
        torch.sigmoid: ("sigmoid", "torch.sigmoid"),
        Tensor.sigmoid: ("sigmoid", "Tensor.sigmoid"),
        Tensor.sigmoid_: ("sigmoid", "Tensor.sigmoid_"),
        torch.special.expit: ("sigmoid", "torch.special.expit"),
        F.logsigmoid: ("logsigmoid", "F.logsigmoid"),
    }
    logs = {torch.log: "torch.log", Tensor.log: "Tensor.log", Tensor.log_: "Tensor.log_"}
    logits = {F.linear: "F.linear", F.bilinear: "F.bilinear", F.conv1d: "F.conv1d", F.conv2d: "F.conv2d",
              F.conv3d: "F.conv3d", F.conv_transpose1d: "F.conv_transpose1d",
              F.conv_transpose2d: "F.conv_transpose2d", F.conv_transpose3d: "F.conv_transpose3d"}
    shape = {
        getattr(Tensor, name)
        for name in (
            "view", "view_as", "reshape", "reshape_as", "squeeze", "unsqueeze", "flatten", "float", "double",
            "half", "bfloat16", "to", "cuda", "cpu", "contiguous", "permute", "transpose", "t", "clone", "detach",
            "type", "type_as", "expand", "expand_as", "__getitem__", "movedim", "swapaxes", "narrow", "select",
            "squeeze_", "unsqueeze_", "requires_grad_", "detach_",
        )
    }
    shape |= {getattr(torch, name) for name in (
        "squeeze", "unsqueeze", "flatten", "reshape", "transpose", "permute", "movedim", "swapaxes", "narrow", "select")}
    shape |= {F.dropout, Tensor.T.__get__, Tensor.mT.__get__, Tensor.data.__get__}
    losses = {
        F.cross_entropy: "CrossEntropyLoss",
        F.nll_loss: "NLLLoss",
        F.binary_cross_entropy: "BCELoss",
        F.binary_cross_entropy_with_logits: "BCEWithLogitsLoss",
        F.kl_div: "KLDivLoss",
        F.multilabel_soft_margin_loss: "MultiLabelSoftMarginLoss",
        F.soft_margin_loss: "SoftMarginLoss",
        F.poisson_nll_loss: "PoissonNLLLoss",
    }
    return acts, logs, logits, shape, losses


_ACTS, _LOGS, _LOGIT_FUNCS, _SHAPES, _LOSSES = _tables()
_LOG_OF = {"softmax": "log_softmax", "sigmoid": "logsigmoid"}
_KIND_CACHE: dict = {}


def _kind(func) -> int:
    try:
        return _KIND_CACHE[func]
    except KeyError:
        pass
    except TypeError:  # an unhashable callable: nothing we track
        return _OTHER
    if func in _ACTS:
        kind = _ACT
    elif func in _LOGS:
        kind = _LOG
    elif func in _LOGIT_FUNCS:
        kind = _LOGITS
    elif func in _SHAPES:
        kind = _SHAPE
    elif func in _LOSSES:
        kind = _LOSS
    else:
        name = getattr(func, "__name__", "")
        kind = _INPLACE if name.endswith("_") and not name.endswith("__") else _OTHER
    _KIND_CACHE[func] = kind
    return kind


# --- provenance, without keeping tensors alive -----------------------------------------------


class _Provenance:
    def __init__(self) -> None:
        self._table: dict[int, tuple[weakref.ref, Origin]] = {}

    def set(self, tensor, origin: Origin) -> None:
        if not isinstance(tensor, Tensor):
            return
        key = id(tensor)
        table = self._table

        def drop(ref, key=key):
            entry = table.get(key)
            if entry is not None and entry[0] is ref:
                del table[key]

        table[key] = (weakref.ref(tensor, drop), origin)

    def get(self, tensor) -> Origin | None:
        entry = self._table.get(id(tensor))
        if entry is None or entry[0]() is not tensor:
            return None
        return entry[1]

    def forget(self, tensor) -> None:
        self._table.pop(id(tensor), None)

    def __len__(self) -> int:
        return len(self._table)

    def clear(self) -> None:
        self._table.clear()


# --- where in the user's code ---------------------------------------------------------------

_TORCH_DIR = os.path.dirname(torch.__file__) + os.sep
_LOSSLINT_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_LIBRARY_MARKERS = (os.sep + "site-packages" + os.sep, os.sep + "dist-packages" + os.sep)


_CODE_PLACE: dict = {}  # code object -> 0 internal, 1 library (site-packages), 2 user


def _place(code) -> int:
    try:
        return _CODE_PLACE[code]
    except KeyError:
        pass
    filename = code.co_filename
    if filename.startswith((_TORCH_DIR, _LOSSLINT_DIR, "<frozen")) or filename == contextlib.__file__:
        place = 0
    elif any(marker in filename for marker in _LIBRARY_MARKERS):
        place = 1
    else:
        place = 2
    _CODE_PLACE[code] = place
    return place


def _caller():
    """(file:line of the user's frame, the torch nn.Modules whose forward() ran on the
    way there, innermost first, followed by the user frame's own module if it is one)."""
    frame = sys._getframe(1)
    modules = []
    first_outside = None
    while frame is not None:
        code = frame.f_code
        place = _place(code)
        if place == 0:
            if code.co_name == "forward":
                owner = frame.f_locals.get("self")
                if isinstance(owner, torch.nn.Module):
                    modules.append(owner)
        else:
            if first_outside is None:
                first_outside = frame
                if "self" in code.co_varnames:
                    owner = frame.f_locals.get("self")
                    if isinstance(owner, torch.nn.Module):
                        modules.append(owner)
            if place == 2:
                return f"{code.co_filename}:{frame.f_lineno}", modules
        frame = frame.f_back
    if first_outside is not None:
        return f"{first_outside.f_code.co_filename}:{first_outside.f_lineno}", modules
    return "?", modules


def _module_name(modules: list) -> str | None:
    """"nn.Softmax (child '3' of Sequential)" when the innermost module is torch's own."""
    if not modules or not type(modules[0]).__module__.startswith("torch.nn"):
        return None
    inner = modules[0]
    text = f"nn.{type(inner).__name__}"
    for parent in modules[1:]:
        for child_name, child in parent.named_children():
            if child is inner:
                return f"{text} (child '{child_name}' of {type(parent).__name__})"
    return text


# --- the mode ---------------------------------------------------------------------------------


class _Mode(TorchFunctionMode):
    def __init__(self, watch: "Watch") -> None:
        super().__init__()
        self.watch = watch

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        kind = _kind(func)
        if kind == _OTHER:
            return func(*args, **kwargs)
        provenance = self.watch._provenance
        if kind == _SHAPE:
            origin = provenance.get(args[0]) if args else None
            out = func(*args, **kwargs)
            if origin is not None and out is not args[0]:
                provenance.set(out, origin)
            return out
        if kind == _INPLACE:
            out = func(*args, **kwargs)
            if args:
                provenance.forget(args[0])  # its values changed in place
            return out
        if kind == _ACT:
            out = func(*args, **kwargs)
            activation, name = _ACTS[func]
            where, modules = _caller()
            provenance.set(out, Origin(activation, where, _module_name(modules) or name))
            return out
        if kind == _LOG:
            origin = provenance.get(args[0]) if args else None
            out = func(*args, **kwargs)
            if origin is not None and origin.kind in _LOG_OF and not origin.unstable:
                where, _ = _caller()
                provenance.set(out, Origin(_LOG_OF[origin.kind], where, f"torch.log({origin.kind})", unstable=True))
            elif out is (args[0] if args else None):
                provenance.forget(out)  # Tensor.log_ of something else: no longer what it was
            return out
        if kind == _LOGITS:
            out = func(*args, **kwargs)
            where, modules = _caller()
            provenance.set(out, Origin("logits", where, _module_name(modules) or _LOGIT_FUNCS[func]))
            return out
        # _LOSS: look before running, so that action="raise" stops a wrong step.
        target = args[0] if args else kwargs.get("input")
        origin = provenance.get(target)
        if origin is not None:
            self.watch._loss_call(origin, _LOSSES[func], func)
        return func(*args, **kwargs)


class Watch(contextlib.ContextDecorator):
    """Context manager and decorator; `reports` lists what it saw (deduplicated, counted)."""

    def __init__(self, action: str = "warn", catalog: catalog_module.Catalog | None = None) -> None:
        if action not in ACTIONS:
            raise ValueError(f"action must be one of {', '.join(ACTIONS)}, not {action!r}")
        self.action = action
        self.catalog = catalog or catalog_module.load()
        self.reports: list[Report] = []
        self._index: dict[tuple, Report] = {}
        self._modes: list[_Mode] = []
        self._provenance = _Provenance()

    def __enter__(self) -> "Watch":
        mode = _Mode(self)
        mode.__enter__()
        self._modes.append(mode)
        return self

    def __exit__(self, *exc) -> bool:
        self._modes.pop().__exit__(*exc)
        if not self._modes:
            self._provenance.clear()
        return False

    def __call__(self, func):
        wrapped = super().__call__(func)
        wrapped.losslint_watch = self  # so that a decorated function's reports can be read
        return wrapped

    @property
    def active(self) -> bool:
        return bool(self._modes)

    def _loss_call(self, origin: Origin, loss: str, func) -> None:
        activation = "none" if origin.kind == "logits" else origin.kind
        rule = self.catalog.pair_rule(activation, loss)
        if rule is None and origin.unstable:
            rule = self.catalog.expression_rule(origin.kind)
        if rule is None:
            return
        loss_at, modules = _caller()
        loss_what = _loss_name(modules, loss, func)
        key = (rule.code, origin.where, origin.what, loss_at)
        report = self._index.get(key)
        if report is not None:
            report.count += 1
            return
        report = Report(rule.code, rule.name, rule.verdict, activation, loss, origin.where, origin.what,
                        loss_at, loss_what, rule.summary)
        self._index[key] = report
        self.reports.append(report)
        if self.action == "raise":
            raise WrongPairError(str(report))
        if self.action == "warn":
            filename, _, line = loss_at.rpartition(":")
            warnings.warn_explicit(str(report), LosslintWarning, filename or "?", int(line) if line.isdigit() else 0)


def _loss_name(modules: list, loss: str, func) -> str:
    for module in modules:
        if type(module).__name__ == loss:
            return f"nn.{loss}"
    return f"F.{func.__name__}"


def watch(func=None, *, action: str = "warn", catalog: catalog_module.Catalog | None = None):
    """`with losslint.watch():`, `@losslint.watch()` or `@losslint.watch`.

    action: "warn" (a LosslintWarning at the loss call, once per pair of sites),
    "raise" (WrongPairError before the loss runs) or "collect" (only `.reports`)."""
    w = Watch(action=action, catalog=catalog)
    if func is not None:
        if not callable(func):
            raise TypeError("watch() takes a function to decorate, or keyword arguments only")
        return w(func)
    return w


__all__ = ["watch", "Watch", "Report", "Origin", "LosslintWarning", "WrongPairError"]
