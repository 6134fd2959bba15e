"""A finding's own literal arguments -> the PairSpec to trace. torch-free, read-only IR.

finding.origin is an analysis.pairs.Pair for pair rules (and for expression rules whose
log reaches a loss), or the TensorV of an expression rule computed anywhere. From it:

  the softmax dim   nn.Softmax(dim=1), F.softmax(x, 1), torch.softmax(x, dim=1), x.softmax(1)
  loss arguments    the criterion's construction (nn.CrossEntropyLoss(reduction="sum")) or
                    the functional call (F.cross_entropy(x, y, label_smoothing=0.1)):
                    reduction, weight, pos_weight, ignore_index, label_smoothing, when literal
  the classes       the length of a literal weight, or the size of the output layer
                    (nn.Linear's out_features, read by the evaluator: a literal, a
                    module constant, a constructor argument) whose output is the loss
                    input or the activation's input; else 10

Only literals count (ir.Const, torch.tensor([...]) of constants): anything else keeps the
default, and spec.sources says which options came from the code.
"""

from __future__ import annotations

from losslint.analysis import ir
from losslint.rules import catalog
from losslint.rules.checker import Check
from losslint.tracer.spec import LOSS_OPTIONS, LOSSES, ROW_FAMILIES, PairSpec

# Positional parameters after (input, target) of the functional losses, and of the
# criterion classes' constructors.
FUNCTIONAL_PARAMS = {
    "CrossEntropyLoss": ("weight", "size_average", "ignore_index", "reduce", "reduction", "label_smoothing"),
    "NLLLoss": ("weight", "size_average", "ignore_index", "reduce", "reduction"),
    "BCELoss": ("weight", "size_average", "reduce", "reduction"),
    "BCEWithLogitsLoss": ("weight", "size_average", "reduce", "reduction", "pos_weight"),
    "KLDivLoss": ("size_average", "reduce", "reduction", "log_target"),
    "MultiLabelSoftMarginLoss": ("weight", "size_average", "reduce", "reduction"),
    "SoftMarginLoss": ("size_average", "reduce", "reduction"),
}
CLASS_PARAMS = FUNCTIONAL_PARAMS  # the constructors take the same parameters in the same order
TENSOR_FACTORIES = frozenset({"tensor", "as_tensor", "Tensor", "FloatTensor", "DoubleTensor"})


def spec_for(finding) -> PairSpec | None:
    """The spec to trace for a finding, or None when the tracer cannot run it."""
    origin = finding.origin
    if isinstance(origin, Check):  # traced only as the pair it judged, when its TOML says `traced`
        rule = catalog.load().by_code_or_name(origin.code)
        if rule is None or not rule.traced or origin.pair is None:
            return None
        origin = origin.pair
    tensor = getattr(origin, "tensor", origin)
    use = getattr(origin, "use", None)
    if tensor is None or not hasattr(tensor, "kind"):
        return None
    activation = "none" if tensor.kind == "logits" else tensor.kind
    spelling = "log" if getattr(tensor, "unstable", False) else "direct"
    loss = use.loss if use is not None else None
    if loss is not None and loss not in LOSSES:
        return None
    if loss is None and spelling != "log":
        return None
    sources: dict[str, str] = {}
    options: dict = {}
    dim = _dim(tensor)
    if dim is not None:
        options["dim"] = dim
        sources["dim"] = "code"
    if use is not None and not use.implicit:  # skorch: no loss call to read
        options.update(_loss_options(use, loss, sources))
    classes = _classes(tensor, options, loss)
    if classes is not None:
        options["classes"] = classes
        sources["classes"] = "code"
    elif tensor.kind == "softmax" and loss is not None and LOSSES[loss] == "binary":
        options["classes"] = 10  # a softmax over one binary output is constant: trace 10 labels
    return PairSpec(activation, loss, spelling, sources=sources, **options)


def _dim(tensor) -> int | None:
    """The literal softmax dim of the activation (inside the log for torch.log(softmax))."""
    source = tensor.inner if tensor.form == "log" and tensor.inner is not None else tensor
    call = source.call
    if call is None or source.kind not in ("softmax", "log_softmax"):
        return None
    if source.form == "layer":
        node = call.arg(0, "dim")
    elif source.form == "method":
        node = call.arg(0, "dim")
    else:  # F.softmax(x, 1), torch.softmax(x, dim=1)
        node = call.arg(1, "dim")
    value = _const(node)
    return value if isinstance(value, int) and not isinstance(value, bool) and value in (0, 1, -1, -2) else None


def _loss_options(use, loss: str, sources: dict) -> dict:
    if use.ctor is not None:
        call, params, skip = use.ctor, CLASS_PARAMS[loss], 0
    else:
        call, params, skip = use.call, FUNCTIONAL_PARAMS[loss], 2  # after input, target
    accepted = LOSS_OPTIONS[loss]
    options: dict = {}
    for position, name in enumerate(params):
        if name not in accepted:
            continue
        node = call.arg(skip + position, name)
        if node is None:
            continue
        value = _literal(name, node)
        if value is None:
            sources[name] = "not literal"
            continue
        options[name] = value
        sources[name] = "code"
    return options


def _literal(name: str, node: ir.IR):
    if name in ("weight", "pos_weight"):
        return _tensor_literal(node)
    value = _const(node)
    if name == "reduction":
        return value if value in ("mean", "sum", "none", "batchmean") else None
    if name == "ignore_index":
        return value if isinstance(value, int) and not isinstance(value, bool) else None
    if name == "label_smoothing":
        return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    return None


def _tensor_literal(node: ir.IR) -> tuple[float, ...] | None:
    """torch.tensor([1.0, 2.0]) / torch.tensor(3.0) -> (1.0, 2.0) / (3.0,)."""
    if not isinstance(node, ir.Call) or not node.args:
        return None
    if not _is_torch_factory(node.func):
        return None
    data = node.args[0]
    items = data.items if isinstance(data, (ir.ListOf, ir.TupleOf)) else (data,)
    values = [_const(item) for item in items]
    if not values or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return None
    return tuple(float(v) for v in values)


def _is_torch_factory(func: ir.IR) -> bool:
    """torch.tensor as the IR spells it: Global('torch', 'tensor') at module level, or
    Attr(ModuleName(path, 'torch'), 'tensor') inside a function (late-bound module name;
    without the evaluator at hand, a module-level name `torch` is taken to be torch)."""
    if isinstance(func, ir.Global):
        return func.module == "torch" and func.name in TENSOR_FACTORIES
    return (
        isinstance(func, ir.Attr)
        and func.name in TENSOR_FACTORIES
        and isinstance(func.obj, ir.ModuleName)
        and func.obj.name == "torch"
    )


def _classes(tensor, options: dict, loss: str | None) -> int | None:
    weight = options.get("weight")
    if weight is not None and (loss in ("CrossEntropyLoss", "NLLLoss", "MultiLabelSoftMarginLoss") or len(weight) > 1):
        return len(weight)
    pos_weight = options.get("pos_weight")
    if pos_weight is not None and len(pos_weight) > 1:
        return len(pos_weight)
    # The output layer's size: of the logits themselves, or of the logits the activation
    # (inside the log, for torch.log(softmax)) was applied to.
    source = tensor.inner if tensor.form == "log" and tensor.inner is not None else tensor
    if source.kind != "logits":
        source = source.source
    out = source.units if source is not None and source.form == "layer" else None
    rows = loss is not None and LOSSES[loss] in ROW_FAMILIES  # one distribution per row
    if out is not None and out >= (2 if rows else 1):
        return out
    return None


def _const(node: ir.IR | None):
    return node.value if isinstance(node, ir.Const) else None
