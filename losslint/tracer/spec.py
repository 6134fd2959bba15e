"""What the tracer runs: an (activation, loss) pair with the loss's arguments. torch-free.

A PairSpec names the activation by the JSON contract's names and the loss by its
torch.nn class name, like a finding does. `spelling="log"` is the unstable way of
writing a log-activation (torch.log(softmax(x)), torch.log(sigmoid(x))) that the
expression rules LL105/LL206 report; `loss=None` traces the activation's output alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from losslint.rules import catalog as catalog_module

ACTIVATIONS = ("none", "sigmoid", "logsigmoid", "softmax", "log_softmax")
SPELLINGS = ("direct", "log")
# torch.log(x) of these activations is the unstable spelling of the log-activation.
LOG_SPELLED = {"log_softmax": "softmax", "logsigmoid": "sigmoid"}

# The loss -> its family, which decides the data (targets) and, through rules/accepted.toml's
# "best" row of that family, the recommended pair. The BCE losses are "binary" also with
# several output units (multi-label BCE): their best pair is logits into BCEWithLogitsLoss.
LOSSES = {
    "CrossEntropyLoss": "multiclass",
    "NLLLoss": "multiclass",
    "BCELoss": "binary",
    "BCEWithLogitsLoss": "binary",
    "KLDivLoss": "distribution",
    "MultiLabelSoftMarginLoss": "multilabel",
    "SoftMarginLoss": "margin",
}
# The keyword arguments each loss accepts (beyond input and target) that the tracer sets.
LOSS_OPTIONS = {
    "CrossEntropyLoss": ("weight", "ignore_index", "reduction", "label_smoothing"),
    "NLLLoss": ("weight", "ignore_index", "reduction"),
    "BCELoss": ("weight", "reduction"),
    "BCEWithLogitsLoss": ("weight", "reduction", "pos_weight"),
    "KLDivLoss": ("reduction",),
    "MultiLabelSoftMarginLoss": ("weight", "reduction"),
    "SoftMarginLoss": ("reduction",),
}
ACTIVATION_FAMILY = {"softmax": "multiclass", "log_softmax": "multiclass", "sigmoid": "binary", "logsigmoid": "binary"}
REDUCTIONS = ("mean", "sum", "none", "batchmean")  # batchmean: KLDivLoss only
DTYPES = ("float32", "float16", "bfloat16")
DEFAULT_CLASSES = {"multiclass": 10, "binary": 1, "distribution": 10, "multilabel": 10, "margin": 1}
# Families whose logits are (batch, classes) with one distribution per row.
ROW_FAMILIES = ("multiclass", "distribution")

# torch.testing.assert_close's default (rtol, atol) per dtype (see taxonomy.md, "Tolerances").
TOLERANCES = {
    "float64": (1e-7, 1e-7),
    "float32": (1.3e-6, 1e-5),
    "float16": (1e-3, 1e-5),
    "bfloat16": (1.6e-2, 1e-5),
}


class SpecError(ValueError):
    """A pair the tracer cannot run (bad combination of options): one-line usage error."""


@dataclass(frozen=True)
class PairSpec:
    activation: str
    loss: str | None
    spelling: str = "direct"
    classes: int | None = None  # None: 10 for multiclass, 1 output unit for binary
    dim: int = 1  # the softmax dim; the logits are (batch, classes)
    reduction: str = "mean"
    weight: tuple[float, ...] | None = None
    pos_weight: tuple[float, ...] | None = None
    ignore_index: int | None = None
    label_smoothing: float = 0.0
    # Where each option came from when read off user code: {"dim": "code", "classes": "default"}.
    sources: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def family(self) -> str:
        if self.loss is not None:
            return LOSSES[self.loss]
        return ACTIVATION_FAMILY[self.activation]

    @property
    def num_classes(self) -> int:
        return self.classes if self.classes is not None else DEFAULT_CLASSES[self.family]

    def options(self) -> dict:
        """The loss's keyword arguments this spec sets (those the loss accepts)."""
        if self.loss is None:
            return {}
        values = {
            "weight": self.weight,
            "ignore_index": self.ignore_index,
            "reduction": self.reduction,
            "label_smoothing": self.label_smoothing,
            "pos_weight": self.pos_weight,
        }
        return {k: values[k] for k in LOSS_OPTIONS[self.loss] if values[k] is not None}

    def label(self) -> str:
        """A short human name: 'softmax + CrossEntropyLoss', 'torch.log(softmax) + NLLLoss'."""
        if self.spelling == "log":
            act = f"torch.log({LOG_SPELLED[self.activation]})"
        else:
            act = "logits" if self.activation == "none" else self.activation
        return act if self.loss is None else f"{act} + {self.loss}"

    def to_json(self) -> dict:
        return {"activation": self.activation, "spelling": self.spelling, "loss": self.loss}


def validate(spec: PairSpec) -> PairSpec:
    """Raise SpecError for combinations no trace can run; return the spec."""
    if spec.activation not in ACTIVATIONS:
        raise SpecError(f"unknown activation {spec.activation!r} (choose from {', '.join(ACTIVATIONS)})")
    if spec.loss is not None and spec.loss not in LOSSES:
        raise SpecError(f"the tracer does not know the loss {spec.loss!r} (choose from {', '.join(LOSSES)})")
    if spec.spelling not in SPELLINGS:
        raise SpecError(f"unknown spelling {spec.spelling!r}")
    if spec.spelling == "log" and spec.activation not in LOG_SPELLED:
        raise SpecError("--spelling log applies to log_softmax and logsigmoid only")
    if spec.loss is None and spec.activation not in LOG_SPELLED:
        raise SpecError("a trace without a loss is for log_softmax or logsigmoid (and their log spelling)")
    if spec.reduction not in REDUCTIONS:
        raise SpecError(f"unknown reduction {spec.reduction!r}")
    if spec.reduction == "batchmean" and spec.loss != "KLDivLoss":
        raise SpecError("reduction 'batchmean' is KLDivLoss's only")
    family = spec.family
    n = spec.num_classes
    if family in ROW_FAMILIES and n < 2:
        raise SpecError(f"a {family} loss needs at least 2 classes")
    if n < 1 or n > 100_000:
        raise SpecError(f"--classes must be between 1 (binary) and 100000, not {n}")
    if spec.dim not in (0, 1, -1, -2):
        raise SpecError(f"dim {spec.dim} does not exist on (batch, classes) logits")
    if spec.weight is not None and family in ("multiclass", "multilabel") and len(spec.weight) != n:
        raise SpecError(f"weight has {len(spec.weight)} values for {n} classes")
    if spec.weight is not None and family == "binary" and len(spec.weight) not in (1, n):
        raise SpecError(f"weight has {len(spec.weight)} values for {n} outputs")
    if spec.pos_weight is not None and len(spec.pos_weight) not in (1, n):
        raise SpecError(f"pos_weight has {len(spec.pos_weight)} values for {n} outputs")
    if not 0.0 <= spec.label_smoothing <= 1.0:
        raise SpecError("label_smoothing must lie in [0, 1]")
    return spec


def recommended(spec: PairSpec, catalog: catalog_module.Catalog | None = None) -> PairSpec:
    """The pair `spec` is compared with: the family's "best" row of rules/accepted.toml,
    with the same loss arguments where that loss accepts them. For an activation traced
    without a loss it is the direct spelling (F.log_softmax, F.logsigmoid)."""
    if spec.loss is None:
        return replace(spec, spelling="direct")
    cat = catalog or catalog_module.load()
    rows = [row for row in cat.accepted if row.family == spec.family]
    # The family's best row; a family whose only accepted pair is merely acceptable
    # (SoftMarginLoss: unstable by construction) is compared with that pair.
    best = [row for row in rows if row.verdict == "best"] or (rows if len(rows) == 1 else [])
    if len(best) != 1:
        raise SpecError(f"rules/accepted.toml has {len(best)} best pairs for the {spec.family} family, not one")
    row = best[0]
    accepted = LOSS_OPTIONS[row.loss]
    return replace(
        spec,
        activation=row.activation,
        loss=row.loss,
        spelling="direct",
        weight=spec.weight if "weight" in accepted else None,
        pos_weight=spec.pos_weight if "pos_weight" in accepted else None,
        ignore_index=spec.ignore_index if "ignore_index" in accepted else None,
        label_smoothing=spec.label_smoothing if "label_smoothing" in accepted else 0.0,
    )


def describe(spec: PairSpec) -> str:
    """How a summary line names the recommended pair: 'CrossEntropyLoss on logits'."""
    if spec.loss is None:
        return {"log_softmax": "F.log_softmax", "logsigmoid": "F.logsigmoid"}[spec.activation]
    if spec.activation == "none":
        return f"{spec.loss} on logits"
    return spec.label()
