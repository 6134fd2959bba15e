"""`--output-format json` (an array) and `json-lines` (one record per line).

The record is losslint's public contract (Finding.to_json, see conventions.md)."""

from __future__ import annotations

import json

from losslint.core.findings import Finding
from losslint.reporters.context import Context


def json_array(findings: list[Finding], context: Context | None = None) -> str:
    return json.dumps([f.to_json() for f in findings], indent=2) + "\n"


def json_lines(findings: list[Finding], context: Context | None = None) -> str:
    return "".join(json.dumps(f.to_json()) + "\n" for f in findings)
