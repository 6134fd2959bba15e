"""What a check produces: findings with their sites, and their JSON record.

The JSON record is a public interface (see README, "JSON output"): ruff's record shape
plus losslint's `verdict`, `activation`, `loss` and `related`. Change it only by adding keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Union

if TYPE_CHECKING:  # the layers above, which make the origins of findings
    from losslint.analysis.evaluate import TensorV
    from losslint.analysis.pairs import Pair
    from losslint.rules.checker import Check

# What the analysis saw behind a finding, for fixes and the tracer (never in the JSON
# record): the Pair of a pair rule, and of an expression rule whose log reaches a loss;
# the unstable TensorV of an expression rule computed anywhere; the Check of a rule of
# losslint/rules/checks.py.
Origin = Union["Pair", "TensorV", "Check"]


@dataclass(frozen=True, order=True, slots=True)
class Position:
    """1-based line and column (columns count characters, end exclusive)."""

    row: int
    column: int

    def __reduce__(self):
        return (Position, (self.row, self.column))

    def to_json(self) -> dict[str, int]:
        return {"row": self.row, "column": self.column}


@dataclass(frozen=True, order=True, slots=True)
class Site:
    """A span of source code in one file."""

    path: str
    start: Position
    end: Position
    # Jupyter notebooks only: the 1-based cell (counting every cell, like ruff), and then
    # start/end are relative to that cell. None for Python files. See losslint/core/notebook.py.
    cell: int | None = None

    def __reduce__(self):
        return (Site, (self.path, self.start, self.end, self.cell))

    @property
    def row(self) -> int:
        return self.start.row

    def location_json(self) -> dict[str, Any]:
        """`location`/`end_location`, plus `cell` for a notebook site (ruff's key)."""
        record: dict[str, Any] = {"location": self.start.to_json(), "end_location": self.end.to_json()}
        if self.cell is not None:
            record["cell"] = self.cell
        return record


@dataclass(frozen=True)
class Related:
    """The partner site of a finding (the loss for an activation, and vice versa)."""

    site: Site
    message: str


@dataclass(frozen=True)
class Edit:
    content: str
    site: Site


@dataclass(frozen=True)
class Fix:
    applicability: str  # "safe" | "unsafe"
    message: str
    edits: tuple[Edit, ...]


# What a problem means for its file, said in the message itself so that every format (a
# one-line report, a JSON consumer, an editor) tells that nothing in the file was checked.
PROBLEM_CONSEQUENCES = {"invalid-syntax": "the file was not checked"}


def with_consequence(message: str, consequence: str) -> str:
    """`SyntaxError: invalid syntax; the file was not checked`, or after a message that
    ends a sentence (`Did you mean print(...)?`) a sentence of its own."""
    message = message.rstrip()
    if message.lower().endswith(consequence.lower()):  # already said
        return message
    if message.endswith((".", "?", "!")):
        return f"{message} {consequence[0].upper()}{consequence[1:]}"
    return f"{message}; {consequence}"


@dataclass
class Finding:
    code: str | None  # None only for invalid-syntax, like ruff
    name: str
    message: str
    site: Site
    severity: str = "error"  # "error" for wrong, "warning" for acceptable
    verdict: str | None = None  # "wrong" | "acceptable"
    activation: str | None = None
    loss: str | None = None
    related: list[Related] = field(default_factory=list)
    fix: Fix | None = None
    url: str | None = None
    noqa_row: int | None = None
    # Not part of the JSON record: what the analysis saw (Origin), for fixes and the tracer.
    origin: Origin | None = field(default=None, repr=False, compare=False)
    # Attached by `check --trace`: the tracer's numbers (added to the JSON only when set).
    evidence: dict[str, Any] | None = None

    @property
    def cell(self) -> int | None:
        """The notebook cell of the finding's site (None outside notebooks)."""
        return self.site.cell

    @classmethod
    def problem(cls, name: str, message: str, path: str, row: int = 1, column: int = 1) -> "Finding":
        """A finding that is not a rule's: invalid-syntax, io-error (code None, like ruff)."""
        position = Position(row, column)
        consequence = PROBLEM_CONSEQUENCES.get(name)
        if consequence:
            message = with_consequence(message, consequence)
        return cls(code=None, name=name, message=message, site=Site(path, position, position), severity="error")

    def fixable(self, unsafe: bool = False) -> bool:
        """Whether --fix applies this finding's fix: a safe one, or any with --unsafe-fixes."""
        return self.fix is not None and (self.fix.applicability == "safe" or unsafe)

    def sort_key(self) -> tuple:
        return (self.site.path, self.site.cell or 0, self.site.start.row, self.site.start.column, self.code or "")

    def to_json(self) -> dict[str, Any]:
        record = {
            "code": self.code,
            "name": self.name,
            "message": self.message,
            "severity": self.severity,
            "filename": self.site.path,
            "location": self.site.start.to_json(),
            "end_location": self.site.end.to_json(),
            "noqa_row": self.noqa_row,
            "url": self.url,
            "fix": _fix_json(self.fix),
            "verdict": self.verdict,
            "activation": self.activation,
            "loss": self.loss,
            "related": [
                {"filename": r.site.path, **r.site.location_json(), "message": r.message}
                for r in self.related
            ],
        }
        if self.site.cell is not None:
            record["cell"] = self.site.cell
        if self.evidence is not None:
            record["evidence"] = self.evidence
        return record


def _fix_json(fix: Fix | None) -> dict[str, Any] | None:
    if fix is None:
        return None
    return {
        "applicability": fix.applicability,
        "message": fix.message,
        "edits": [
            {"content": e.content, "filename": e.site.path, **e.site.location_json()}
            for e in fix.edits
        ],
    }
