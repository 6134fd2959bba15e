"""The rules beyond the quiz that need more than an (activation, loss) pair.

verdicts.py judges plain pairs by the catalog (LL301, LL304, LL305, LL403, LL406 are pair
rules in rules/*.toml). The rules here also read a loss's flags, a softmax's dim, the size
of the output layer, a hand-written formula or the region a loss is computed in:

    LL302  KLDivLoss target vs log_target          LL401  softmax/log_softmax without dim
    LL303  KLDivLoss reduction="mean"              LL402  softmax over dim 0 into CE/NLL
    LL306  exp/softplus into PoissonNLLLoss(log_input=True)
    LL307  logits into PoissonNLLLoss(log_input=False)
    LL404  softmax into BCELoss (unless a column was picked: probs[:, 1])
    LL405  a one-unit output layer into CrossEntropyLoss
    LL408  softmax/log_softmax over a one-unit layer (single_unit.py)
    LL407  log-probabilities or logits into skorch's NeuralNetClassifier with NLLLoss
    LL501  hand-written binary cross-entropy on sigmoid probabilities
    LL502  hand-written cross-entropy on torch.log(softmax)
    LL601  BCELoss inside a CUDA autocast region

Precision first: an argument that is not a literal (or a module constant) keeps a rule
silent, except where torch's default decides (a missing `reduction` is "mean").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from losslint import claims, single_unit
from losslint.analysis import Analysis, arguments, handwritten, ir, torch_api
from losslint.analysis.arguments import IMPLICIT_DIM_OPS
from losslint.analysis.evaluate import Evaluator, Frame, TensorV
from losslint.analysis.facts import CallFact
from losslint.analysis.pairs import LossCall, Pair, find_loss_calls
from losslint.catalog import Catalog
from losslint.findings import Finding, Related, Site
from losslint.verdicts import loss_sites, make_finding

SnippetReader = Callable[[Site], str]

PROBABILITIES = ("softmax", "sigmoid")
LOG_PROBABILITIES = ("log_softmax", "logsigmoid")
# The multiclass losses whose class dimension is 1 (or 0 for one unbatched example).
CLASS_DIM_LOSSES = ("CrossEntropyLoss", "NLLLoss")
# Layout changes that move the class dimension before a softmax: x.t().softmax(0).
_TRANSPOSES = frozenset({"t", "transpose", "permute", "movedim", "swapaxes", "T", "mT"})
# The expression rules a hand-written loss finding replaces at the same log call.
_SUPERSEDED = {"binary": "LL206", "multiclass": "LL105"}


@dataclass(frozen=True, eq=False)
class Check:
    """Finding.origin for these rules: what the check saw. It has no `tensor`, `use` or
    `kind`, so fixes (fixes/build.py) leave it alone; the tracer runs `pair` for the rules
    it knows (tracer/from_finding.py); `site`/`applied` are what fixes/__init__ keys on."""

    code: str
    site: Site
    details: dict = field(default_factory=dict)  # activation, loss, flags: what the rule read
    applied: Site | None = None
    # The activation/loss pair the check judged, for the checks the tracer can run as a
    # pair (tracer/from_finding.TRACED_CHECKS); None for the others.
    pair: Pair | None = field(default=None, compare=False)


def judge(analysis: Analysis, catalog: Catalog, snippet: SnippetReader, findings: list[Finding]) -> list[Finding]:
    """`findings` (verdicts.judge's) plus these rules' findings, minus the LL105/LL206
    findings that a hand-written loss finding explains better."""
    checker = _Checker(analysis, catalog, snippet)
    checker.run()
    superseded = checker.superseded
    kept = [f for f in findings if (f.code, f.site) not in superseded and not single_unit.replaces(f, checker.single_unit)]
    return kept + sorted(checker.findings.values(), key=Finding.sort_key)


class _Checker:
    def __init__(self, analysis: Analysis, catalog: Catalog, snippet: SnippetReader) -> None:
        self.analysis = analysis
        self.evaluator: Evaluator = analysis.evaluator
        self.catalog = catalog
        self.snippet = snippet
        self.findings: dict[tuple, Finding] = {}
        self.superseded: set[tuple[str, Site]] = set()
        self._call_facts: dict[int, CallFact] | None = None
        self.single_unit: set[int] = set()  # ids of the pairs LL408 judges (their verdict is replaced)

    def run(self) -> None:
        loss_calls = find_loss_calls(self.analysis.project, self.evaluator)
        for loss_call in loss_calls:
            loss = loss_call.use.loss
            if loss == "KLDivLoss":
                self.kl_div(loss_call)
            elif loss == "PoissonNLLLoss":
                self.poisson(loss_call)
            elif loss == "BCELoss":
                self.autocast(loss_call)
        for pair in self.analysis.pairs:
            self.pair(pair)
        for pair in self.analysis.skorch_logged:
            self.skorch_logged(pair)
        self.hand_written()

    # --- KLDivLoss ------------------------------------------------------------------------

    def kl_div(self, loss_call: LossCall) -> None:
        use = loss_call.use
        reduction = arguments.reduction(self.evaluator, loss_call)
        if reduction == "mean":
            explicit = arguments.loss_option(self.evaluator, loss_call, "reduction") is not arguments.MISSING
            how = '`reduction="mean"`' if explicit else 'its default `reduction="mean"`'
            self.add("LL303", use.ctor_site or use.call_site, loss_sites(use), None, use.loss, {"how": how},
                     {"reduction": "mean", "explicit": explicit})
        log_target = arguments.flag(self.evaluator, loss_call, "log_target", False)
        target = use.call.arg(1, "target")
        if target is None:
            return
        for value in self.evaluator.values(target, use.frame):
            if not isinstance(value, TensorV) or log_target is None:
                continue
            if not log_target and value.kind in LOG_PROBABILITIES:
                why = ("is log-probabilities, but without `log_target=True` KLDivLoss reads its target as "
                       "probabilities: target * log(target) of a negative number is NaN")
            elif log_target and value.kind in PROBABILITIES:
                why = ("is probabilities, but `log_target=True` makes KLDivLoss read it as log-probabilities: "
                       "the model is pulled towards softmax(probabilities), nearly uniform")
            else:
                continue
            related = [Related(value.site, f"{value.kind} applied here (the target)")] + loss_sites(use)
            self.add("LL302", use.ctor_site or use.call_site, related, value, use.loss,
                     {"target": f"`{self.snippet(value.site)}`", "why": why},
                     {"target": value.kind, "log_target": log_target})
        for value in self.evaluator.values(target, use.frame):
            # The target's softmax is a classifier output too (a teacher's): LL401 there.
            if isinstance(value, TensorV):
                self.implicit_dim(value, use)

    # --- PoissonNLLLoss -----------------------------------------------------------------

    def poisson(self, loss_call: LossCall) -> None:
        use = loss_call.use
        log_input = arguments.flag(self.evaluator, loss_call, "log_input", True)
        first = use.call.arg(0, "input")
        if log_input is None or first is None:
            return
        for value in self.evaluator.values(first, use.frame):
            if not isinstance(value, TensorV):
                continue
            if log_input and value.kind in ("exp", "softplus"):
                self.add("LL306", value.site, loss_sites(use), value, use.loss, {}, {"log_input": True})
            elif not log_input and value.kind == "logits":
                related = [Related(value.site, "logits produced here")] + loss_sites(use)
                self.add("LL307", use.ctor_site or use.call_site, related, value, use.loss, {}, {"log_input": False})

    # --- autocast -------------------------------------------------------------------------

    def autocast(self, loss_call: LossCall) -> None:
        use = loss_call.use
        region = self.autocast_region(loss_call.fact, use.frame)
        if region is None:
            return
        first = use.call.arg(0, "input")
        values = self.evaluator.values(first, use.frame) if first is not None else ()
        tensor = next((v for v in values if isinstance(v, TensorV)), None)
        related = [Related(region, "CUDA autocast region entered here")]
        if use.ctor_site is not None:
            related.append(Related(use.ctor_site, f"{use.loss} created here"))
        self.add("LL601", use.call_site, related, tensor, use.loss, {}, {"autocast": "cuda"})

    def autocast_region(self, fact: CallFact, frame: Frame | None, depth: int = 0) -> Site | None:
        """The with-item of the innermost autocast around this call, following the calls
        into its function when the call itself is not inside one; None when autocast is
        off there, or unknown."""
        for context in reversed(fact.contexts):
            state = arguments.autocast_state(self.evaluator, context, frame) if frame is not None else None
            if state == "on":
                return context.site
            if state == "off":
                return None
        if frame is None or depth > 6 or not isinstance(frame.args, ir.Call):
            return None
        caller_fact = self.call_facts().get(id(frame.args))
        if caller_fact is None:
            return None
        return self.autocast_region(caller_fact, frame.caller, depth + 1)

    def call_facts(self) -> dict[int, CallFact]:
        if self._call_facts is None:
            self._call_facts = {id(c.call): c for f in self.analysis.project.files.values() for c in f.calls}
        return self._call_facts

    # --- pairs with conditions ------------------------------------------------------------

    def pair(self, pair: Pair) -> None:
        tensor, use = pair.tensor, pair.use
        inner = tensor.inner if tensor.form == "log" and tensor.inner is not None else tensor
        self.implicit_dim(tensor, use)
        if single_unit.over_single_unit(tensor):
            self.single_unit.add(id(pair))
            inner = single_unit.activation(tensor)
            self.add(single_unit.CODE, inner.site, loss_sites(use), inner, use.loss, single_unit.fields(inner), {"units": 1},
                     applied=inner.applied, pair=pair)
            return
        if inner.kind in ("softmax", "log_softmax") and use.loss in CLASS_DIM_LOSSES and not tensor.reshaped:
            # Only on a classifier's output (nn.Linear's logits): a softmax over dim 0 of an
            # unbatched (classes,) vector is right, and an unknown input may be one.
            if arguments.softmax_dim(inner) == 0 and _classifier_output(inner) and not _transposed_input(inner):
                self.add("LL402", inner.site, loss_sites(use), inner, use.loss, {}, {"dim": 0},
                         applied=inner.applied, pair=pair)
        # Two softmax columns against one-hot targets are a binary classifier (BCE is then
        # twice CE, not a multi-label mistake): left alone when the layer shows 2 outputs.
        two_columns = tensor.source is not None and tensor.source.units == 2
        if tensor.kind == "softmax" and use.loss == "BCELoss" and not tensor.reshaped and not two_columns:
            self.add("LL404", tensor.site, loss_sites(use), tensor, use.loss, {}, {}, applied=tensor.applied,
                     pair=pair)
        if tensor.kind == "logits" and use.loss == "CrossEntropyLoss" and not tensor.reshaped:
            if arguments.output_units(tensor) == 1:
                conditions = {"float_targets"} if claims.float_target(self.evaluator, use) else set()
                self.add("LL405", tensor.site, loss_sites(use), tensor, use.loss, self.claims("LL405", conditions),
                         {"units": 1, "conditions": sorted(conditions)})

    def skorch_logged(self, pair: Pair) -> None:
        """LL407: skorch takes the log of log-probabilities or logits (NaN below 0)."""
        tensor = pair.tensor
        if tensor.kind == "log_softmax" or (tensor.kind == "logits" and tensor.form == "layer"):
            related = [Related(pair.use.call_site, "NeuralNetClassifier created here: it takes torch.log of the output for NLLLoss")]
            self.add("LL407", tensor.site, related, tensor, "NLLLoss", {}, {}, applied=tensor.applied)

    def implicit_dim(self, tensor: TensorV, use) -> None:
        inner = tensor.inner if tensor.form == "log" and tensor.inner is not None else tensor
        if inner.kind in ("softmax", "log_softmax") and inner.op in IMPLICIT_DIM_OPS:
            if arguments.softmax_dim(inner) is None:
                self.add("LL401", inner.site, loss_sites(use), inner, use.loss, {},
                         {"dim": None}, applied=inner.applied)

    # --- hand-written losses --------------------------------------------------------------

    def hand_written(self) -> None:
        for match in handwritten.find(self.analysis.project):
            wanted = "sigmoid" if match.kind == "binary" else "softmax"
            tensor = self.first_activation(match, wanted)
            if tensor is None:
                continue
            code = "LL501" if match.kind == "binary" else "LL502"
            related = [Related(tensor.site, f"{tensor.kind} applied here")]
            related += [Related(log.site, "log taken here") for log in match.logs if log.site != match.site]
            conditions = {"eps"} if match.logs and all(claims.has_eps(log) for log in match.logs) else set()
            self.add(code, match.site, related, tensor, None, self.claims(code, conditions),
                     {"form": match.kind, "conditions": sorted(conditions)})
            for log in match.logs:
                self.superseded.add((_SUPERSEDED[match.kind], log.site))

    def first_activation(self, match: handwritten.HandWritten, kind: str) -> TensorV | None:
        for frame in self.evaluator.contexts(match.func):
            for value in self.evaluator.values(match.probs, frame):
                if isinstance(value, TensorV) and value.kind == kind:
                    return value
        return None

    # --- findings -------------------------------------------------------------------------

    def claims(self, code: str, conditions: set[str]) -> dict[str, str]:
        rule = self.catalog.by_code_or_name(code)
        return claims.fields(rule, conditions) if rule is not None else {}

    def add(self, code: str, site: Site, related: list[Related], tensor: TensorV | None, loss: str | None,
            fields: dict, details: dict, applied: Site | None = None, pair: Pair | None = None) -> None:
        rule = self.catalog.by_code_or_name(code)
        if rule is None:
            return
        activation = None
        if tensor is not None:
            activation = "none" if tensor.kind == "logits" else tensor.kind
        text = {
            "activation": f"`{self.snippet(tensor.site)}`" if tensor is not None else "the input",
            "loss": f"`{loss}`" if loss else "the loss",
            **fields,
        }
        related = [r for r in related if r.site != site]
        key = (code, site)
        existing = self.findings.get(key)
        if existing is not None:  # one finding per rule and site, like verdicts._add
            known = {r.site for r in existing.related}
            existing.related.extend(r for r in related if r.site not in known)
            return
        origin = Check(code, site, {"activation": activation, "loss": loss, **details}, applied, pair)
        self.findings[key] = make_finding(rule, rule.message.format(**text), site, related, activation, loss, origin)


def _classifier_output(tensor: TensorV) -> bool:
    """Whether the activation is applied to an output layer's logits in their own layout."""
    return tensor.source is not None and not tensor.source.reshaped


def _transposed_input(tensor: TensorV) -> bool:
    """Whether the softmax's input is visibly transposed first (x.t().softmax(0),
    F.softmax(x.permute(1, 0), 0)): then dim 0 may well be the class dimension."""
    call = tensor.call
    if call is None or tensor.form == "layer":
        return False
    source = call.func.obj if tensor.form == "method" and isinstance(call.func, ir.Attr) else call.arg(0, "input")
    if isinstance(source, ir.Attr) and source.name in _TRANSPOSES:
        return True
    if isinstance(source, ir.Call):
        func = source.func
        name = func.name if isinstance(func, ir.Attr) else func.name.rsplit(".", 1)[-1] if isinstance(func, ir.Global) else None
        return name in _TRANSPOSES or name in torch_api.LAYOUT_METHODS
    return False
