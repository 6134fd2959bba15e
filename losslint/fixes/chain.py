"""Stacked activations: a softmax in a helper and another in the training loop, both
before `F.cross_entropy`. The verdict depends on every one of them, so a fix removes
them all or offers nothing (and the finding says why): removing only the outer one
would leave a softmax before the loss and call it fixed.
"""

from __future__ import annotations

from losslint.analysis.values import TensorV
from losslint.core.sources import display_path
from losslint.fixes import remove
from losslint.fixes.errors import Unfixable
from losslint.fixes.plan import Plan

DEPTH = 8  # deeper stacks are not real code; a cycle never gets this far either


class StackedUnfixable(Unfixable):
    """An activation under the finding's one cannot be removed: no fix at all."""

    def __init__(self, tensor: TensorV, why: str) -> None:
        site = tensor.site
        super().__init__(f"no fix: the {tensor.kind} under it at {display_path(site.path)}:{site.start.row} cannot be removed: {why}")


def below(tensor: TensorV) -> list[TensorV]:
    """The activations this one is applied on top of, nearest first."""
    found: list[TensorV] = []
    current = tensor.below
    while current is not None and len(found) < DEPTH and all(t.site != current.site for t in (tensor, *found)):
        found.append(current)
        current = current.below
    return found


def remove_all(plan: Plan, stacked: list[TensorV]) -> None:
    for tensor in stacked:
        try:
            remove.remove(plan, tensor)
        except Unfixable as exc:
            raise StackedUnfixable(tensor, str(exc)) from None


def describe(snippets: list[str]) -> str:
    """The fix message's mention of the activations it removes besides the finding's."""
    return " and the " + ", ".join(f"`{s}`" for s in snippets) + " under it (stacked: each one normalizes before the loss)"
