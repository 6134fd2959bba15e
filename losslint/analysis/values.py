"""What the evaluator computes: values (what an expression holds at run time) and frames
(the calling context an expression is evaluated in). Picklable, compared by identity
except where noted."""

from __future__ import annotations

from dataclasses import dataclass, field

from losslint.analysis import ir
from losslint.core.findings import Site

# --- values ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Selection:
    """How a model or criterion was chosen by name (analysis/registry.py, configs.py):
    where, and how, e.g. "model `ResNet` selected through registry MODELS ('resnet')".
    Carried on the class, the instance and its outputs, and shown on the finding."""

    # The selecting expression: MODELS.build(cfg), instantiate(cfg.model), ...; None until
    # the call that builds what `REGISTRY[key]` selected is reached (registry.placed).
    site: Site | None
    text: str


class Value:
    __slots__ = ()


@dataclass(frozen=True, eq=False)
class Opaque(Value):
    pass


UNKNOWN = Opaque()
# Zero or more items nobody knows, inside a list or nn.Sequential (`*make_layers(cfg)`, a
# list returned by an unknown helper): the items after it are still known (partial
# knowledge: the known last layer decides), but positions counted across it are not.
SPLICE = Opaque()


@dataclass(frozen=True)
class ConstV(Value):
    value: object


@dataclass(frozen=True)
class TensorV(Value):
    """A tensor whose last operation is known: an activation or raw logits."""

    kind: str  # "logits" or an activation name ("softmax", "log_softmax", ...)
    site: Site  # the activation (layer construction or call), or the last logit layer
    form: str  # "layer" | "function" | "method" | "log" (torch.log of an activation)
    applied: Site | None = None  # where a layer stored on self is called: self.act(x)
    unstable: bool = False  # torch.log(softmax(x)) rather than log_softmax(x)
    inner: "TensorV | None" = None  # for form "log": the activation inside the log
    call: ir.Call | None = None  # the activation's call: nn.Softmax(dim=1), F.softmax(x, 1), ...
    # What made it: "torch.nn.Softmax", "torch.nn.functional.softmax", "torch.nn.Linear",
    # or a tensor method's name ("softmax"). Rules that read the call's arguments need it.
    op: str = ""
    # Indexed, viewed, squeezed or transposed since: its layout may not be the one the
    # activation or layer produced (probs[:, 1], logits.view(-1, n_choices)).
    reshaped: bool = False
    # For logits from an output layer: its number of outputs, when readable (the classes).
    units: int | None = field(default=None, compare=False)
    # For an activation: the logits it was applied to, when known (nn.Linear's output): its
    # input is a classifier's output, and source.units its number of classes.
    source: "TensorV | None" = field(default=None, compare=False)
    # For an activation applied to another activation's output (a softmax in a helper,
    # another in the loop): that one. Fixes remove the whole chain (fixes/build.py).
    below: "TensorV | None" = field(default=None, compare=False)
    # The selections by name the tensor came through (a registry's model's output).
    selected: tuple[Selection, ...] = field(default=(), compare=False)
    # For log_softmax applied to probabilities (log_softmax(softmax(z))): the activation it
    # was applied to. NLLLoss on it is CrossEntropyLoss on those probabilities.
    over: "TensorV | None" = field(default=None, compare=False)
    # Probabilities kept away from 0 (p + eps, p.clamp(min=eps)): their log is a
    # log-probability, but a finite one (no unstable-log rule).
    guarded: bool = False


@dataclass(frozen=True)
class ExternalV(Value):
    name: str  # dotted name outside the linted project, e.g. "torch.nn.Softmax"
    # functools.partial(F.kl_div, reduction="batchmean"): the partial call, whose keyword
    # arguments the loss call inherits (LL303 reads them); None for the plain name.
    partial: ir.Call | None = field(default=None, compare=False)


@dataclass(frozen=True)
class ModuleV(Value):
    path: str


@dataclass(frozen=True)
class ClassV(Value):
    key: str
    selected: Selection | None = field(default=None, compare=False)  # chosen by name


@dataclass(frozen=True, eq=False)
class FuncV(Value):
    key: str
    bound: Value | None = None  # the instance of a bound method
    selected: Selection | None = None  # a model factory chosen by name


@dataclass(frozen=True, eq=False)
class InstanceV(Value):
    cls: str
    ctor: ir.Call | None  # the construction call, when known
    frame: "Frame | None"  # where the construction call is evaluated
    selected: Selection | None = None  # built from a class chosen by name


@dataclass(frozen=True, eq=False)
class PretrainedV(Value):
    """A model from a model zoo (torchvision.models.resnet18(), timm.create_model(...)):
    its forward is unknown except that it ends in its classifier head, so once user code
    replaces the head (model.fc = nn.Sequential(nn.Linear(512, 10), nn.Softmax(1))) the
    model's output is the head's output."""

    name: str  # "torchvision.models.resnet18"
    head: Value | None = None  # the layer assigned to its head attribute


@dataclass(frozen=True, eq=False)
class LayerV(Value):
    name: str  # "torch.nn.Softmax"
    site: Site
    call: ir.Call
    frame: "Frame"


@dataclass(frozen=True, eq=False)
class CriterionV(Value):
    loss: str  # "CrossEntropyLoss"
    site: Site  # construction
    call: ir.Call
    frame: "Frame"
    selected: Selection | None = None  # built from a config (_target_: torch.nn.X)


@dataclass(frozen=True, eq=False)
class LossFnV(Value):
    loss: str
    name: str  # "torch.nn.functional.cross_entropy"


@dataclass(frozen=True, eq=False)
class SeqV(Value):
    items: tuple[Value, ...]
    callable: bool  # nn.Sequential (callable) vs a list / ModuleList


@dataclass(frozen=True, eq=False)
class TupleV(Value):
    items: tuple[Value, ...]


@dataclass(frozen=True, eq=False)
class DictV(Value):
    items: tuple[tuple[object, Value], ...]


@dataclass(frozen=True, eq=False)
class ChoiceV(Value):
    """A container slot that holds one of several candidates (a dict value written on two
    paths, a list item computed per calling context). Reading the slot gives every option
    (Evaluator.options); nothing else ever sees a ChoiceV."""

    options: tuple[Value, ...]


@dataclass(frozen=True, eq=False)
class BufferV(Value):
    """A tensor made by a factory (torch.zeros(T, B, V), x.new_empty(...)) to be filled in
    place: after `outputs[t] = step_out` it holds what was written (a TensorV)."""


@dataclass(frozen=True, eq=False)
class OneHotV(Value):
    """F.one_hot(...) (or a float copy): a 0/1 matrix. Probabilities multiplied by it
    (torch.bmm, matmul, @) are still probabilities."""


@dataclass(frozen=True, eq=False)
class DerivedV(Value):
    """A tensor made from an activation's outputs that holds that activation's kind only
    for some losses (`losses`, torch.nn class names): a difference of two sigmoid outputs
    (in (-1, 1): squashed again by a loss that takes logits), logits with a sigmoid written
    into part of them (BCELoss, which raises outside [0, 1], can only read that part).
    Everything but reading a part or reshaping makes it unknown; pairs.py pairs `tensor`
    with those losses only, and such a pair gets no fix (its edit is not one site's)."""

    tensor: TensorV
    losses: frozenset[str]
    how: str  # "a difference of two sigmoid outputs", ...


@dataclass(frozen=True, eq=False)
class MethodV(Value):
    obj: Value
    name: str


@dataclass(frozen=True, eq=False)
class SuperV(Value):
    cls: str
    self_value: Value | None


# --- frames -----------------------------------------------------------------------------------


class _Opaque:
    """Frame.args for a call whose arguments are unknown (a layer inside nn.Sequential)."""


OPAQUE_ARGS = _Opaque()


@dataclass(frozen=True, eq=False)
class Frame:
    func: str  # function key, or a module body key
    args: object  # ir.Call (bound), None (unbound: look at callers), or OPAQUE_ARGS
    caller: "Frame | None"
    self_value: Value | None
    offset: int  # 1 when `self` is bound implicitly, so args[0] is params[1]
    depth: int
    # IR nodes bound to one value each ((node, Value), ...): a loop variable (ir.LastOf) in
    # one iteration of a comprehension or of a loop holding a loss call, or the unknown key
    # of a selection from a dict (Evaluator.selections).
    loop: tuple = ()
