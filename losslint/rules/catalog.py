"""The rule catalog: rules/*.toml read as data.

One TOML file per rule (code, name, verdict, the taxonomy rows it reports, message,
documentation, examples) plus rules/accepted.toml for the pairs that are fine. The
verdict step, `losslint rule` and the tests all read this one source.
"""

from __future__ import annotations

import functools
import sys
from dataclasses import dataclass, field
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DOCS_URL = "https://github.com/losslint/losslint/blob/main/docs/rules.md"

# Display names of the activations, as used in the JSON contract.
ACTIVATIONS = ("none", "sigmoid", "logsigmoid", "softmax", "log_softmax")


@dataclass(frozen=True)
class PairNames:
    """An (activation, loss) pair by name, as the TOMLs write it."""

    activation: str
    loss: str


@dataclass(frozen=True, eq=False)
class Rule:
    code: str
    name: str
    family: str
    verdict: str  # "wrong" | "acceptable" | "warning"
    summary: str
    message: str
    primary: str  # "activation" | "loss": which site the finding points at
    pairs: tuple[PairNames, ...]
    # Expression rules (kind = "expression") report an unstable spelling of an
    # activation, e.g. torch.log(softmax(x)), wherever it reaches a loss.
    kind: str
    activation: str | None  # expression rules: the activation whose spelling is reported
    # The pair the fix produces (None when the rule has no fix): the tracer checks that
    # it computes what the recommended pair computes.
    fix_to: PairNames | None
    docs: dict
    examples: dict
    source: str  # the TOML file it came from
    # Expression rules: the message when the expression reaches no loss (a test's expected
    # value, a metric), with {activation} only. None: `message`, its {loss} "the loss".
    message_without_loss: str | None = None
    # A caveat the fix's message ends with; a fix with one is never safe (it picks one of
    # two intents the code does not show).
    fix_note: str | None = None
    # The rules whose finding at the same site this rule's finding replaces (a
    # hand-written loss explains its torch.log(sigmoid(x)) better than LL206 does).
    supersedes: tuple[str, ...] = ()
    # Check rules: whether the tracer runs the pair the check judged (`check --trace`).
    traced: bool = False
    # Claims of the message that hold only for some code ([claims.FIELD] in the TOML):
    # {condition: text}, "default" when no condition of the code applies (rules/claims.py).
    claims: dict = field(default_factory=dict)

    @property
    def severity(self) -> str:
        return "error" if self.verdict == "wrong" else "warning"

    @property
    def url(self) -> str:
        return f"{DOCS_URL}#{self.code.lower()}-{self.name}"

    def format_message(self, activation: str, loss: str | None) -> str:
        """The message of a finding: `loss` is the loss's spelling (`` `NLLLoss` ``), or
        None when the expression of an expression rule reaches no loss."""
        if loss is None:
            if self.message_without_loss is not None:
                return self.message_without_loss.format(activation=activation)
            loss = "the loss"
        return self.message.format(activation=activation, loss=loss, **self.claim_defaults())

    def claim_defaults(self) -> dict[str, str]:
        """Each conditional claim's text when nothing about the code is known."""
        return {name: texts["default"] for name, texts in self.claims.items()}


@dataclass(frozen=True)
class AcceptedPair:
    family: str
    activation: str
    loss: str
    verdict: str  # "best" | "fine"
    reason: str


@dataclass(frozen=True, eq=False)
class Catalog:
    rules: tuple[Rule, ...]
    accepted: tuple[AcceptedPair, ...]

    def by_code_or_name(self, key: str) -> Rule | None:
        key_upper = key.upper()
        for rule in self.rules:
            if rule.code == key_upper or rule.name == key.lower():
                return rule
        return None

    def pair_rule(self, activation: str, loss: str) -> Rule | None:
        return _pair_index(self).get((activation, loss))

    def of_kind(self, kind: str) -> tuple[Rule, ...]:
        """The rules of one `kind`: "pair" and "expression" (the pair table judges them),
        "check" (a module of losslint/rules/checks.py each), "meta" (engine/noqa.py)."""
        return tuple(rule for rule in self.rules if rule.kind == kind)

    def expression_rule(self, activation: str) -> Rule | None:
        for rule in self.rules:
            if rule.kind == "expression" and rule.activation == activation:
                return rule
        return None

    def verdict(self, activation: str, loss: str) -> str | None:
        """The taxonomy verdict of a pair, or None when the taxonomy says nothing."""
        rule = self.pair_rule(activation, loss)
        if rule is not None:
            return rule.verdict
        for row in self.accepted:
            if row.activation == activation and row.loss == loss:
                return row.verdict
        return None


@functools.lru_cache(maxsize=None)
def _pair_index(catalog: Catalog) -> dict[tuple[str, str], Rule]:
    index: dict[tuple[str, str], Rule] = {}
    for rule in catalog.rules:
        if rule.kind != "pair":
            continue
        for pair in rule.pairs:
            index[(pair.activation, pair.loss)] = rule
    return index


class CatalogError(Exception):
    """The catalog files are malformed (a packaging bug, reported as exit 2)."""


def rules_dir() -> Path:
    """rules/ inside the installed wheel, or at the top of a source checkout."""
    packaged = Path(__file__).parent.parent / "_rules"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent.parent / "rules"


@functools.lru_cache(maxsize=None)
def load(directory: str | None = None) -> Catalog:
    root = Path(directory) if directory else rules_dir()
    if not root.is_dir():
        raise CatalogError(f"rule catalog not found at {root}")
    rules = []
    accepted: list[AcceptedPair] = []
    for path in sorted(root.glob("*.toml")):
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise CatalogError(f"cannot read {path}: {exc}") from exc
        if path.name == "accepted.toml":
            accepted.extend(_accepted(data, path))
        else:
            rules.append(_rule(data, path))
    rules.sort(key=lambda r: r.code)
    return Catalog(tuple(rules), tuple(accepted))


_REQUIRED = ("code", "name", "family", "verdict", "summary", "message", "docs", "examples")


def _rule(data: dict, path: Path) -> Rule:
    missing = [k for k in _REQUIRED if k not in data]
    if missing:
        raise CatalogError(f"{path.name}: missing {', '.join(missing)}")
    pairs = tuple(PairNames(p["activation"], p["loss"]) for p in data.get("pairs", []))
    return Rule(
        code=data["code"],
        name=data["name"],
        family=data["family"],
        verdict=data["verdict"],
        summary=data["summary"],
        message=data["message"],
        primary=data.get("primary", "activation"),
        pairs=pairs,
        kind=data.get("kind", "pair"),
        activation=data.get("activation"),
        fix_to=PairNames(data["fix_to"]["activation"], data["fix_to"]["loss"]) if "fix_to" in data else None,
        docs=data["docs"],
        examples=data["examples"],
        source=str(path),
        message_without_loss=data.get("message_without_loss"),
        fix_note=data.get("fix_note"),
        supersedes=tuple(data.get("supersedes", ())),
        traced=data.get("traced", False),
        claims=data.get("claims", {}),
    )


def _accepted(data: dict, path: Path) -> list[AcceptedPair]:
    try:
        return [
            AcceptedPair(row["family"], row["activation"], row["loss"], row["verdict"], row["reason"])
            for row in data.get("pairs", [])
        ]
    except KeyError as exc:
        raise CatalogError(f"{path.name}: a pair lacks {exc}") from exc
