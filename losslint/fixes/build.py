"""Which fix a finding gets: the edit that turns its pair into the rule's `fix_to` pair.

    same activation, other loss     loss.switch          LL101, LL104, LL201
    activation -> none              remove.remove        LL103, LL202-LL205 (+ loss.switch)
    softmax -> log_softmax          spelling.swap        LL102
    expression rules                spelling.stable_log  LL105, LL206

Safety. A fix that changes what the model outputs (removal, respelling) is safe only when
losslint sees every reader of that output and each is a loss the fix takes care of or an
argmax; otherwise it is unsafe and its message names the readers. A loss switch is safe
only when the loss value stays the same (CrossEntropyLoss -> NLLLoss on log-probabilities,
LL104); NLLLoss -> CrossEntropyLoss and BCELoss -> BCEWithLogitsLoss change the loss value
(to the right one) and are unsafe. The stable spellings (LL105, LL206) are safe.
"""

from __future__ import annotations

from losslint.analysis.evaluate import TensorV
from losslint.analysis.pairs import Pair
from losslint.core.findings import Fix, Site
from losslint.fixes import chain, consumers, loss, remove, spelling
from losslint.fixes.errors import Unfixable
from losslint.fixes.plan import Plan
from losslint.fixes.view import ProjectView
from losslint.rules import catalog
from losslint.rules.catalog import Rule


def project_files(rule: Rule, origin, pairs: list[Pair]) -> set[str]:
    """The files where what this finding's fix changes comes from: the activation (and
    the layer it is applied through) and every loss it reaches, when the fix looks for the
    other uses of the model's output or of the criterion (ProjectView's index of every
    call of the project); empty when it does not (the stable spellings, no fix). Their
    users are the files that import them (collect.users)."""
    if rule.kind == "expression" or not isinstance(origin, Pair) or rule.fix_to is None:
        return set()
    tensor = origin.tensor
    sites = {tensor.site} | ({tensor.inner.site} if tensor.inner is not None else set())
    uses = [origin.use] + [p.use for p in pairs if p.tensor.site in sites]
    found = {site.path for site in sites}
    found |= {tensor.applied.path} if tensor.applied is not None else set()
    found |= {tensor.inner.applied.path} if tensor.inner is not None and tensor.inner.applied is not None else set()
    for use in uses:
        found |= {site.path for site in (use.call_site, use.ctor_site, use.via) if site is not None}
    return found


def build(rule: Rule, origin, view: ProjectView) -> Fix:
    """The fix of one finding; raises Unfixable (no fix) or plan.InvalidFix."""
    if rule.kind == "expression":
        tensor = origin.tensor if isinstance(origin, Pair) else origin
        return _stable(tensor, view)
    if not isinstance(origin, Pair):
        raise Unfixable("no pair")
    if origin.derived is not None:
        raise Unfixable(f"the loss input is {origin.derived}")
    if rule.fix_to is None:
        raise Unfixable(f"{rule.code} has no fix")
    activation, new_loss = rule.fix_to.activation, rule.fix_to.loss
    if activation == origin.activation:
        return _switch_only(origin, new_loss, view)
    return _change_activation(origin, activation, new_loss, view, rule.fix_note)


def _stable(tensor: TensorV, view: ProjectView) -> Fix:
    plan = Plan(view)
    spelling.stable_log(plan, tensor)
    name = "F.log_softmax" if tensor.kind == "log_softmax" else "F.logsigmoid"
    return plan.finish("safe", f"Use `{name}`: the same values, without the overflow of the separate log")


def _switch_only(pair: Pair, new_loss: str, view: ProjectView) -> Fix:
    plan = Plan(view)
    loss.switch(plan, pair.use, new_loss)
    # Only CrossEntropyLoss -> NLLLoss on log-probabilities computes the same loss; the
    # other switches change the loss value (to the right one), so training changes.
    same_value = pair.use.loss == "CrossEntropyLoss" and new_loss == "NLLLoss"
    applicability = "safe" if same_value and plan.safe else "unsafe"
    if same_value:
        why = "the input is already log-probabilities, so the loss value stays the same"
    elif new_loss == "CrossEntropyLoss":
        why = "it applies log_softmax to the logits itself; the model is unchanged, the loss value changes"
    else:
        why = "it applies the sigmoid to the logits itself, stably; the model is unchanged, the loss value changes"
    message = f"Use `{_spelled(pair.use, new_loss)}`: {why}"
    return plan.finish(applicability, message + plan.readers_note("the criterion is also used at"))


def _change_activation(pair: Pair, activation: str, new_loss: str, view: ProjectView, caveat: str | None = None) -> Fix:
    tensor = pair.tensor
    plan = Plan(view)
    stacked = chain.below(tensor)  # activations under this one (a softmax in a helper): all go, or no fix
    sites = {tensor.site} | ({tensor.inner.site} if tensor.inner is not None else set()) | {t.site for t in stacked}

    def after(value: TensorV) -> str:
        if value.site in sites:
            return activation
        return loss.activation_of(value)

    # Every loss this activation reaches must end in a fine pair: switch those that need it.
    readers_of_loss: list[Pair] = []
    uses = {}
    for other in view.pairs_of_tensors(sites):
        uses.setdefault((other.use.ctor_site, other.use.call_site), other)
    own_key = (pair.use.ctor_site, pair.use.call_site)
    uses.setdefault(own_key, pair)
    if catalog.load().verdict(activation, new_loss) not in loss.GOOD:
        raise Unfixable(f"fix_to ({activation}, {new_loss}) is not a fine pair")
    for key, other in sorted(uses.items(), key=lambda kv: (kv[0] != own_key, str(kv[0]))):
        target_loss = new_loss if key == own_key else loss.good_loss(activation, other.use.loss)
        if target_loss is None:
            readers_of_loss.append(other)
            continue
        if target_loss != other.use.loss:
            loss.switch(plan, other.use, target_loss, after)
        else:
            plan.handled_losses.add(other.use.call_site)

    if activation == "none":
        remove.remove(plan, tensor)
        verb = f"Remove `{_snippet(view, tensor)}`"
    else:
        spelling.swap(plan, tensor, activation)
        verb = f"Use {activation} instead of `{_snippet(view, tensor)}`"
    if stacked:
        chain.remove_all(plan, stacked)
        verb += chain.describe([_snippet(view, t) for t in stacked])

    # A loss module's call (criterion(out, y) running a FocalLoss) is the loss it computes.
    plan.handled_losses |= {
        other.use.via for other in uses.values() if other.use.via is not None and consumers.module_reads_only_loss(view, other.use)
    }
    plan.consumers = consumers.find(view, sites, plan.handled_losses)
    plan.consumers += [
        consumers.Consumer(p.use.call_site, f"`{p.use.loss}`") for p in readers_of_loss if p.use.call_site not in {c.site for c in plan.consumers}
    ]
    switched = [f"`{_spelled_site(view, site, new)}`" for site, (_, new) in plan.switched.items()]
    goal = f"so `{new_loss}` gets {'logits' if activation == 'none' else 'log-probabilities'}"
    message = verb + (f" and use {', '.join(sorted(set(switched)))}" if switched else "") + f" {goal}"
    if activation == "none":
        message += plan.readers_note(f"the model then returns logits; apply {tensor.kind} where its output is read as probabilities")
    else:
        message += plan.readers_note(f"the output becomes {activation}; check where it is read")
    if caveat is not None:
        message += f"; {caveat}"
    return plan.finish("safe" if plan.safe and caveat is None else "unsafe", message)


def _snippet(view: ProjectView, tensor: TensorV) -> str:
    source = view.file(tensor.site.path)
    node = source.node_at(tensor.site) if source is not None else None
    return source.snippet(node, 40) if node is not None else tensor.kind


def _spelled(use, new_loss: str) -> str:
    return new_loss if use.ctor_site is not None else f"F.{loss.FUNCTIONAL[new_loss]}"


def _spelled_site(view: ProjectView, site: Site, new_loss: str) -> str:
    is_ctor = site in view.ctor_sites
    return new_loss if is_ctor else f"F.{loss.FUNCTIONAL[new_loss]}"

