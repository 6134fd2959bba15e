"""Find every loss call in the project and what its input holds: (activation, loss) pairs.

A loss call is a call whose callee evaluates to a criterion object (`nn.X()`, however it
got there: a local, self.criterion, a parameter) or to a functional loss (`F.x`, also
bound to a name). Its input is evaluated in the same calling context as its callee, so
`train(model_a, ce)` and `train(model_b, nll)` are never mixed up.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from losslint.analysis import ir, torch_api
from losslint.analysis.evaluate import (
    UNKNOWN,
    ClassV,
    CriterionV,
    DerivedV,
    Evaluator,
    ExternalV,
    Frame,
    FuncV,
    InstanceV,
    LossFnV,
    TensorV,
    Value,
)
from losslint.analysis.facts import CallFact
from losslint.analysis.project import Project
from losslint.analysis.values import Selection
from losslint.core.findings import Site


@dataclass(frozen=True)
class LossUse:
    loss: str  # the torch.nn class name, also for the functional form
    call_site: Site  # where the loss is computed
    ctor_site: Site | None  # where the criterion object is created (class API only)
    call: ir.Call  # the loss call
    ctor: ir.Call | None  # the criterion construction
    frame: Frame  # context the call was evaluated in
    ctor_frame: Frame | None
    # The loss is applied by a library on the model's output (skorch's NeuralNetClassifier(
    # module, criterion=...)): `call` is the library object's construction, not a loss call.
    implicit: bool = False
    # The criterion was built from a config by name (_target_: torch.nn.CrossEntropyLoss).
    selected: Selection | None = None

    @property
    def via(self) -> Site | None:
        """The call that ran the loss module computing this loss (`criterion(out, y)` with
        a FocalLoss whose forward calls F.cross_entropy), when reached through one."""
        args = self.frame.args
        return args.site if isinstance(args, ir.Call) and self.frame.func.endswith(".forward") else None


@dataclass(frozen=True)
class Pair:
    tensor: TensorV  # what the loss input holds
    use: LossUse
    # How the input was made from the activation's output, when not as it is (a
    # difference of two sigmoid outputs, a sigmoid written into part of the logits:
    # values.DerivedV). Such a pair gets no fix: the edit is not the activation's alone.
    derived: str | None = None

    @property
    def activation(self) -> str:
        return "none" if self.tensor.kind == "logits" else self.tensor.kind


def _calls_with_callees(project: Project, evaluator: Evaluator):
    """(call fact, its function's unbound frame, what its callee may be) for every call
    with arguments. The callee values are memoized, so each pass after the first is cheap.
    Pathologically deep code (RecursionError) is skipped: nothing is said about it."""
    for facts in project.files.values():
        for call_fact in facts.calls:
            if not call_fact.call.args and not call_fact.call.kwargs:
                continue
            try:
                unbound = evaluator.unbound_frame(call_fact.func)
                callees = evaluator.values(call_fact.call.func, unbound)
            except RecursionError:
                continue
            yield call_fact, unbound, callees


def link_loss_modules(project: Project, evaluator: Evaluator) -> None:
    """`criterion(model(x), y)` where criterion is a project module whose forward computes
    a loss (a FocalLoss, a label-smoothing loss), or a user loss function passed around
    (`train(model, criterion=loss_fn)`): that call becomes a caller of the forward or the
    function, so the loss inside it sees the caller's tensor. Functions that call such a
    loss function or module compute a loss too (one more round)."""
    loss_functions: set[str] = set()
    indirect: list[tuple[CallFact, Frame, Value]] = []
    unknown: list[CallFact] = []
    for call_fact, unbound, callees in _calls_with_callees(project, evaluator):
        if any(_loss_of(v) for v in callees):
            loss_functions.add(call_fact.func)
        indirect.extend((call_fact, unbound, v) for v in callees if isinstance(v, (InstanceV, FuncV)))
        if len(call_fact.call.args) >= 2 and all(v is UNKNOWN for v in callees):
            unknown.append(call_fact)
    if not loss_functions:
        return
    # A callee unknown without its context (`self.loss_function` set by the subclass that
    # was built): evaluated in each context of its method. Trainers and pipelines only
    # (a model's methods are many, and their criteria come through their constructors).
    for call_fact in unknown:
        facts = project.functions.get(call_fact.func)
        if facts is None or facts.cls is None or evaluator.is_model_class(facts.cls):
            continue
        try:
            for frame in evaluator.contexts(call_fact.func):
                indirect.extend(
                    (call_fact, frame, v)
                    for v in evaluator.values(call_fact.call.func, frame)
                    if isinstance(v, (InstanceV, FuncV))
                )
        except RecursionError:
            continue
    for _ in range(2):  # wrappers of wrappers: loss_fn -> total_loss -> criterion=total_loss
        grown = {
            call_fact.func
            for call_fact, _, callee in indirect
            if (target := _target(evaluator, callee)) is not None and target[0].key in loss_functions
        }
        if grown <= loss_functions:
            break
        loss_functions |= grown
    for call_fact, caller, callee in indirect:
        target = _target(evaluator, callee)
        if target is None or target[0].key not in loss_functions:
            continue
        func, bound = target
        facts = project.functions.get(func.key)
        if isinstance(callee, FuncV) and (facts is None or facts.name == call_fact.callee):
            continue  # called by its own name: evaluator.callers() finds it
        offset = 1 if bound is not None else 0
        evaluator.add_caller(func.key, evaluator.frame(func.key, call_fact.call, caller, bound, offset))


def _target(evaluator: Evaluator, callee: Value) -> tuple[FuncV, Value | None] | None:
    """The function a call of `callee` runs, and the instance it is bound to."""
    if isinstance(callee, FuncV):
        return callee, callee.bound
    if isinstance(callee, InstanceV):
        for forward in evaluator.instance_attr(callee, "forward"):
            if isinstance(forward, FuncV):
                return forward, callee
    return None


def find_pairs(project: Project, evaluator: Evaluator) -> tuple[list[Pair], list[Pair]]:
    """The (activation, loss) pairs; and apart, skorch's NeuralNetClassifier pairs whose
    NLLLoss gets torch.log of the module's output (the module must return probabilities:
    judged by LL407 only, not as taxonomy pairs)."""
    pairs: list[Pair] = []
    logged: list[Pair] = []
    for call_fact, unbound, callees in _calls_with_callees(project, evaluator):
        try:
            for callee in callees:
                if isinstance(callee, ExternalV) and callee.name in torch_api.SKORCH_LOSS_NETS:
                    found, takes_log = _skorch_pairs(callee.name, call_fact.call, unbound, evaluator)
                    (logged if takes_log else pairs).extend(found)
            if not any(_loss_of(v) for v in callees) and not _per_instance(call_fact, callees):
                continue
            for frame in evaluator.contexts(call_fact.func):
                if _runs(call_fact, frame, evaluator):
                    pairs.extend(_pairs_at(call_fact.call, frame, evaluator))
        except RecursionError:
            continue  # pathologically deep code: say nothing about this call
    return pairs, logged


def _per_instance(call_fact: CallFact, callees: tuple[Value, ...]) -> bool:
    """A call of an attribute of `self` with an input and a target, unknown without its
    instance (`self.loss_func(y_pred, y)`, the loss chosen by each model's `compile(loss=
    "binary_crossentropy")`): what it is is asked in each context of its method."""
    func = call_fact.call.func
    return (
        all(v is UNKNOWN for v in callees)
        and len(call_fact.call.args) >= 2
        and isinstance(func, ir.Attr)
        and isinstance(func.obj, ir.SelfRef)
    )


def _runs(call_fact: CallFact, frame: Frame, evaluator: Evaluator) -> bool:
    """False when one of the call's conditions is known to be false in this context: the
    other branch of `if self.logits:` in a loss module built with logits=False."""
    return not any(evaluator.truth(test, frame) is False for test in call_fact.path)


def _skorch_pairs(net: str, call: ir.Call, frame: Frame, evaluator: Evaluator) -> tuple[list[Pair], bool]:
    """NeuralNetClassifier(Module, criterion=nn.CrossEntropyLoss): the module's output
    paired with the criterion; and whether skorch takes its log first (NeuralNetClassifier
    with NLLLoss)."""
    default = torch_api.SKORCH_LOSS_NETS[net]
    if default is None:  # NeuralNet(module, criterion, ...)
        node = call.arg(1, "criterion")
    else:  # keyword-only on the classifiers
        node = next((value for key, value in call.kwargs if key == "criterion"), None)
    if node is None:
        losses = {default}
    else:
        losses = {_criterion_class(v) for v in evaluator.values(node, frame)}
    module = call.arg(0, "module")
    if len(losses) != 1 or None in losses or module is None:
        return [], False
    loss = losses.pop()
    use = LossUse(loss, call.site, None, call, None, frame, None, implicit=True)
    pairs = []
    for value in evaluator.values(module, frame):
        if isinstance(value, ClassV):  # skorch instantiates the class itself
            value = evaluator.generic_instance(value.key)
        output = evaluator.apply(value, UNKNOWN, None)
        if isinstance(output, TensorV):
            pairs.append(Pair(output, use))
    return pairs, loss == "NLLLoss" and net in torch_api.SKORCH_LOGS_NLL


def _criterion_class(value: Value) -> str | None:
    """The loss of a criterion passed as a class (nn.CrossEntropyLoss) or an instance."""
    if isinstance(value, ExternalV):
        return torch_api.loss_class(value.name)
    if isinstance(value, CriterionV):
        return value.loss
    return None


@dataclass(frozen=True)
class LossCall:
    """A loss call in one calling context, whatever its input holds."""

    fact: CallFact
    use: LossUse
    callee: Value  # CriterionV, or ExternalV of the functional loss (its .partial if any)


def find_loss_calls(project: Project, evaluator: Evaluator) -> list[LossCall]:
    """Every loss call in each of its calling contexts. The rules about a loss's own
    arguments and surroundings (KLDivLoss's reduction and log_target, PoissonNLLLoss's
    log_input, BCELoss under autocast) start here, not from pairs."""
    found: list[LossCall] = []
    for call_fact, _, callees in _calls_with_callees(project, evaluator):
        if not any(_loss_of(v) for v in callees):
            continue
        for frame in evaluator.contexts(call_fact.func):
            if not _runs(call_fact, frame, evaluator):
                continue
            for callee in evaluator.values(call_fact.call.func, frame):
                use = _use(callee, call_fact.call, frame)
                if use is not None:
                    found.append(LossCall(call_fact, use, callee))
    return found


def find_unstable_logs(project: Project, evaluator: Evaluator) -> list[TensorV]:
    """torch.log(softmax(x)) and the like, wherever they are computed."""
    found: list[TensorV] = []
    for facts in project.files.values():
        for call_fact in facts.calls:
            if call_fact.callee not in ("log", "log_"):
                continue
            frame = evaluator.unbound_frame(call_fact.func)
            try:
                values = evaluator.values(call_fact.call, frame)
            except RecursionError:
                continue
            for value in values:
                if isinstance(value, TensorV) and value.form == "log" and value.unstable and value.site == call_fact.call.site:
                    found.append(value)
    return found


def _loss_of(value: Value) -> str | None:
    if isinstance(value, CriterionV):
        return value.loss
    if isinstance(value, LossFnV):
        return value.loss
    if isinstance(value, ExternalV):
        return torch_api.loss_function(value.name)
    return None


def _pairs_at(call: ir.Call, frame: Frame, evaluator: Evaluator) -> list[Pair]:
    pairs = []
    input_node = call.arg(0, "input")
    if input_node is None:
        return pairs
    # Inside `for k in heads:`, each iteration is a context: crit[k] meets out[k].
    for iteration in evaluator.iterations((call.func, input_node), frame):
        for callee in evaluator.values(call.func, iteration):
            use = _use(callee, call, iteration)
            if use is None:
                continue
            for value in evaluator.values(input_node, iteration):
                if isinstance(value, TensorV):
                    pairs.append(_double_softmax(value, use))
                elif isinstance(value, DerivedV) and use.loss in value.losses:
                    pairs.append(Pair(value.tensor, use, derived=value.how))
    return pairs


def _double_softmax(tensor: TensorV, use: LossUse) -> Pair:
    """log_softmax(softmax(z)) into NLLLoss or CrossEntropyLoss is CrossEntropyLoss on
    the softmax's output: the pair is the softmax's, the loss CrossEntropyLoss."""
    if tensor.over is not None and use.loss in ("NLLLoss", "CrossEntropyLoss"):
        return Pair(tensor.over, replace(use, loss="CrossEntropyLoss"))
    return Pair(tensor, use)


def _use(callee: Value, call: ir.Call, frame: Frame) -> LossUse | None:
    loss = _loss_of(callee)
    if loss is None:
        return None
    if isinstance(callee, CriterionV):
        return LossUse(loss, call.site, callee.site, call, callee.call, frame, callee.frame, selected=callee.selected)
    return LossUse(loss, call.site, None, call, None, frame, None)
