"""Output formats: each reporter turns findings into text for stdout.

Every reporter is `render(findings, context=None) -> str`; the context (reporters.context)
carries colour, --quiet and the sources of files that are not on disk (stdin).
"""

from __future__ import annotations

from typing import Callable, Optional

from losslint.core.findings import Finding
from losslint.reporters import concise, full, github, json_format, sarif
from losslint.reporters.context import Context

Reporter = Callable[[list[Finding], Optional[Context]], str]

REPORTERS: dict[str, Reporter] = {
    "full": full.render,
    "concise": concise.render,
    "json": json_format.json_array,
    "json-lines": json_format.json_lines,
    "github": github.render,
    "sarif": sarif.render,
}

# The formats read by people: colour applies to these only.
HUMAN_FORMATS = frozenset({"full", "concise"})
