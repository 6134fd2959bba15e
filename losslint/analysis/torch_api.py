"""What losslint knows about torch's API, by fully qualified name.

Only names here are ever interpreted; everything else evaluates to "unknown", which
keeps the analyzer silent (precision first).
"""

from __future__ import annotations

# --- activations ---------------------------------------------------------------------

# Layer classes whose output is an activation (the JSON contract's activation names).
ACTIVATION_LAYERS = {
    "torch.nn.Softmax": "softmax",
    "torch.nn.Softmax2d": "softmax",
    "torch.nn.LogSoftmax": "log_softmax",
    "torch.nn.Sigmoid": "sigmoid",
    "torch.nn.LogSigmoid": "logsigmoid",
    # Positive outputs used as rates (PoissonNLLLoss with log_input=False; LL306).
    "torch.nn.Softplus": "softplus",
}

# Functions whose first argument is activated.
ACTIVATION_FUNCTIONS = {
    "torch.nn.functional.softmax": "softmax",
    "torch.nn.functional.log_softmax": "log_softmax",
    "torch.nn.functional.sigmoid": "sigmoid",
    "torch.nn.functional.logsigmoid": "logsigmoid",
    "torch.softmax": "softmax",
    "torch.log_softmax": "log_softmax",
    "torch.sigmoid": "sigmoid",
    "torch.special.softmax": "softmax",
    "torch.special.log_softmax": "log_softmax",
    "torch.special.expit": "sigmoid",
    "torch.exp": "exp",
    "torch.nn.functional.softplus": "softplus",
}

# Tensor methods: x.softmax(1), x.sigmoid().
ACTIVATION_METHODS = {
    "softmax": "softmax",
    "log_softmax": "log_softmax",
    "sigmoid": "sigmoid",
    "sigmoid_": "sigmoid",
    "exp": "exp",
    "exp_": "exp",
}

# torch.log(p) / p.log() of these is the unstable spelling of the second.
LOG_OF = {"softmax": "log_softmax", "sigmoid": "logsigmoid"}
LOG_FUNCTIONS = frozenset({"torch.log", "torch.special.log"})
LOG_METHODS = frozenset({"log", "log_"})

# --- layers whose output is known to be raw logits ----------------------------------

LOGIT_LAYERS = frozenset(
    {
        "torch.nn.Linear",
        "torch.nn.LazyLinear",
        "torch.nn.Bilinear",
        "torch.nn.Conv1d",
        "torch.nn.Conv2d",
        "torch.nn.Conv3d",
        "torch.nn.LazyConv1d",
        "torch.nn.LazyConv2d",
        "torch.nn.LazyConv3d",
        "torch.nn.ConvTranspose1d",
        "torch.nn.ConvTranspose2d",
        "torch.nn.ConvTranspose3d",
    }
)
LOGIT_FUNCTIONS = frozenset({"torch.nn.functional.linear", "torch.nn.functional.bilinear"})

# Where an output layer's number of outputs is: nn.Linear(in, out), nn.LazyLinear(out),
# nn.Conv2d(in, out, k) (out channels are the classes of a segmentation map).
OUTPUT_SIZE = {
    "torch.nn.Linear": (1, "out_features"),
    "torch.nn.LazyLinear": (0, "out_features"),
    "torch.nn.Bilinear": (2, "out_features"),
    "torch.nn.Conv1d": (1, "out_channels"),
    "torch.nn.Conv2d": (1, "out_channels"),
    "torch.nn.Conv3d": (1, "out_channels"),
    "torch.nn.LazyConv1d": (0, "out_channels"),
    "torch.nn.LazyConv2d": (0, "out_channels"),
    "torch.nn.LazyConv3d": (0, "out_channels"),
}

# Layers that pass their input through unchanged in kind (a softmax stays a softmax).
PASSTHROUGH_LAYERS = frozenset(
    {
        "torch.nn.Identity",
        "torch.nn.Dropout",
        "torch.nn.Dropout1d",
        "torch.nn.Dropout2d",
        "torch.nn.Dropout3d",
        "torch.nn.AlphaDropout",
        "torch.nn.FeatureAlphaDropout",
        "torch.nn.Flatten",
        "torch.nn.Unflatten",
    }
)

# --- containers ---------------------------------------------------------------------

SEQUENTIAL = "torch.nn.Sequential"
MODULE_LIST = "torch.nn.ModuleList"
MODULE_DICT = "torch.nn.ModuleDict"
ORDERED_DICT = frozenset({"collections.OrderedDict", "typing.OrderedDict"})
# Wrappers whose call is the wrapped model's call.
MODEL_WRAPPERS = frozenset(
    {
        "torch.nn.DataParallel",
        "torch.nn.parallel.DataParallel",
        "torch.nn.parallel.DistributedDataParallel",
        "torch.compile",
        "torch.jit.script",
    }
)
# Base classes that make a class a model (its call is its forward()).
MODULE_BASES = frozenset(
    {
        "torch.nn.Module",
        "pytorch_lightning.LightningModule",
        "lightning.LightningModule",
        "lightning.pytorch.LightningModule",
        "lightning.pytorch.core.LightningModule",
        "pytorch_lightning.core.LightningModule",
    }
)

# --- losses -------------------------------------------------------------------------

LOSS_CLASSES = frozenset(
    {
        "CrossEntropyLoss",
        "NLLLoss",
        "BCELoss",
        "BCEWithLogitsLoss",
        "KLDivLoss",
        "MultiLabelSoftMarginLoss",
        "SoftMarginLoss",
        "PoissonNLLLoss",
    }
)
LOSS_FUNCTIONS = {
    "cross_entropy": "CrossEntropyLoss",
    "nll_loss": "NLLLoss",
    "binary_cross_entropy": "BCELoss",
    "binary_cross_entropy_with_logits": "BCEWithLogitsLoss",
    "kl_div": "KLDivLoss",
    "multilabel_soft_margin_loss": "MultiLabelSoftMarginLoss",
    "soft_margin_loss": "SoftMarginLoss",
    "poisson_nll_loss": "PoissonNLLLoss",
}


def loss_class(qualname: str) -> str | None:
    """'torch.nn.CrossEntropyLoss' -> 'CrossEntropyLoss' (also torch.nn.modules.loss.X)."""
    for prefix in ("torch.nn.", "torch.nn.modules.loss."):
        if qualname.startswith(prefix) and qualname[len(prefix):] in LOSS_CLASSES:
            return qualname[len(prefix):]
    return None


def loss_function(qualname: str) -> str | None:
    """'torch.nn.functional.cross_entropy' -> 'CrossEntropyLoss'."""
    prefix = "torch.nn.functional."
    if qualname.startswith(prefix):
        return LOSS_FUNCTIONS.get(qualname[len(prefix):])
    return None


# --- shape-only operations: they keep what kind of values a tensor holds -------------

SHAPE_METHODS = frozenset(
    {
        "view", "view_as", "reshape", "reshape_as", "squeeze", "squeeze_", "unsqueeze",
        "unsqueeze_", "flatten", "float", "double", "half", "bfloat16", "to", "cuda", "cpu",
        "contiguous", "permute", "transpose", "t", "clone", "detach", "type", "type_as",
        "expand", "expand_as", "requires_grad_", "movedim", "swapaxes", "squeeze_",
        "resize", "resize_as",  # deprecated spellings of view/reshape (legacy code)
    }
)
SHAPE_ATTRIBUTES = frozenset({"T", "mT", "data"})
SHAPE_FUNCTIONS = frozenset(
    {
        "torch.squeeze", "torch.unsqueeze", "torch.flatten", "torch.reshape",
        "torch.transpose", "torch.permute", "torch.movedim", "torch.swapaxes",
    }
)
# Operations that keep what a tensor holds: p.clamp(min=eps) of probabilities is still
# probabilities (torch.log of it is a log-softmax spelled unstably).
CLAMP_METHODS = frozenset({"clamp", "clamp_", "clip", "clip_", "clamp_min", "clamp_min_", "clamp_max", "clamp_max_"})
CLAMP_FUNCTIONS = frozenset({"torch.clamp", "torch.clip", "torch.clamp_min", "torch.clamp_max"})
# Matrix products: probabilities mixed by a one-hot matrix are still probabilities.
MATMUL_METHODS = frozenset({"bmm", "matmul", "mm"})
MATMUL_FUNCTIONS = frozenset({"torch.bmm", "torch.matmul", "torch.mm"})
ONE_HOT = frozenset({"torch.nn.functional.one_hot"})
SCATTER_METHODS = frozenset({"scatter", "scatter_"})
# Functions that return their first argument as it is (or a copy): Variable(x), deepcopy(model).
PASSTHROUGH_FUNCTIONS = frozenset({"torch.autograd.Variable", "torch.autograd.variable.Variable", "copy.deepcopy", "copy.copy"})
# New tensors to be filled in place (outputs[t] = step_out).
FACTORY_FUNCTIONS = frozenset(
    {"torch.zeros", "torch.ones", "torch.empty", "torch.full", "torch.zeros_like", "torch.ones_like",
     "torch.empty_like", "torch.full_like"}
)
FACTORY_METHODS = frozenset({"new_zeros", "new_ones", "new_empty", "new_full"})
# Joining tensors: torch.cat(step_outputs, 0) of per-step softmax outputs is softmax output.
JOIN_FUNCTIONS = frozenset({"torch.cat", "torch.concat", "torch.concatenate", "torch.stack"})
# The shape-only operations above that change the layout (not just dtype or device):
# after them the class dimension may have moved or been selected (TensorV.reshaped).
LAYOUT_METHODS = frozenset(
    {
        "view", "view_as", "reshape", "reshape_as", "squeeze", "squeeze_", "unsqueeze",
        "unsqueeze_", "flatten", "permute", "transpose", "t", "expand", "expand_as", "movedim",
        "swapaxes", "resize", "resize_as",
    }
)
LAYOUT_ATTRIBUTES = frozenset({"T", "mT"})
LAYOUT_LAYERS = frozenset({"torch.nn.Flatten", "torch.nn.Unflatten"})

# Losses that apply a sigmoid to their input (they take logits): an input already
# squashed by sigmoids, even combined (sigmoid(a) - sigmoid(b)), is squashed twice.
SIGMOID_LOGIT_LOSSES = frozenset({"BCEWithLogitsLoss", "MultiLabelSoftMarginLoss", "SoftMarginLoss"})
# Losses whose input must lie in [0, 1] (BCELoss raises outside): of a tensor holding
# logits and, in part, a sigmoid, they can only read the sigmoid part.
UNIT_INTERVAL_LOSSES = frozenset({"BCELoss"})

# Mixed precision regions: `with torch.autocast("cuda"):` and its older spellings.
# Value: the device type when the spelling fixes it, else None (read device_type).
AUTOCAST = {
    "torch.autocast": None,
    "torch.amp.autocast": None,
    "torch.amp.autocast_mode.autocast": None,
    "torch.cuda.amp.autocast": "cuda",
    "torch.cuda.amp.autocast_mode.autocast": "cuda",
    "torch.cpu.amp.autocast": "cpu",
    "torch.cpu.amp.autocast_mode.autocast": "cpu",
}

# skorch's nets call their criterion on the module's output: the net's construction is a
# loss site. The default criterion of each; NeuralNet takes it as its second argument.
# NeuralNetClassifier takes the log of the output first when the criterion is NLLLoss (so
# it expects probabilities there): not a taxonomy pair, LL407 judges it.
SKORCH_LOSS_NETS = {
    "skorch.NeuralNet": None,
    "skorch.net.NeuralNet": None,
    "skorch.NeuralNetClassifier": "NLLLoss",
    "skorch.classifier.NeuralNetClassifier": "NLLLoss",
    "skorch.NeuralNetBinaryClassifier": "BCEWithLogitsLoss",
    "skorch.classifier.NeuralNetBinaryClassifier": "BCEWithLogitsLoss",
}
SKORCH_LOGS_NLL = frozenset({"skorch.NeuralNetClassifier", "skorch.classifier.NeuralNetClassifier"})

# Model zoos whose classifiers end in their head attribute: torchvision's and timm's
# classifiers return `self.fc(x)` / `self.classifier(x)` / `self.head(x)` last.
# (torch.hub.load counts for the pytorch/vision repository only: other hub models, like
# DINO's ViTs, keep a head their forward never applies.)
MODEL_ZOOS = ("torchvision.models.", "timm.create_model", "timm.models.", "pretrainedmodels.",
              "efficientnet_pytorch.EfficientNet.")
HEAD_ATTRIBUTES = frozenset({"fc", "classifier", "head", "heads", "last_linear", "_fc"})


def is_model_zoo(name: str) -> bool:
    return name.startswith(MODEL_ZOOS)


# Methods of a model that return the model itself.
MODEL_SELF_METHODS = frozenset(
    {"to", "cuda", "cpu", "train", "eval", "float", "double", "half", "bfloat16", "requires_grad_"}
)


def is_known(qualname: str) -> bool:
    """Whether losslint interprets this name (used for `from torch.nn import *`)."""
    return (
        qualname in ACTIVATION_LAYERS
        or qualname in ACTIVATION_FUNCTIONS
        or qualname in LOGIT_LAYERS
        or qualname in LOGIT_FUNCTIONS
        or qualname in PASSTHROUGH_LAYERS
        or qualname in (SEQUENTIAL, MODULE_LIST, MODULE_DICT)
        or qualname in MODULE_BASES
        or loss_class(qualname) is not None
        or loss_function(qualname) is not None
    )
