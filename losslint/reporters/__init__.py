"""Output formats: each reporter turns findings into text for stdout."""

from __future__ import annotations

from typing import Callable

from losslint.findings import Finding
from losslint.reporters import json_format, text

# name -> render(findings, context) -> str
REPORTERS: dict[str, Callable[[list[Finding]], str]] = {
    "full": text.full,
    "concise": text.concise,
    "json": json_format.json_array,
    "json-lines": json_format.json_lines,
}
