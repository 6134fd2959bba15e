"""`--output-format json` (an array) and `json-lines` (one record per line)."""

from __future__ import annotations

import json

from losslint.findings import Finding


def json_array(findings: list[Finding]) -> str:
    return json.dumps([f.to_json() for f in findings], indent=2) + "\n"


def json_lines(findings: list[Finding]) -> str:
    return "".join(json.dumps(f.to_json()) + "\n" for f in findings)
