"""`--statistics`: how many findings each rule has, instead of the findings (ruff's)."""

from __future__ import annotations

import json
from collections import Counter

from losslint.core.findings import Finding
from losslint.reporters.context import Context, Style
from losslint.reporters.text import is_fixable


def rows(findings: list[Finding], context: Context | None = None) -> list[dict]:
    """[{code, name, count, fixable}] most frequent first, then by code."""
    counts = Counter((f.code or "", f.name) for f in findings)
    fixable = {(f.code or "", f.name) for f in findings if is_fixable(f, context)}
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [
        {"code": code or None, "name": name, "count": count, "fixable": (code, name) in fixable}
        for (code, name), count in ordered
    ]


def as_json(findings: list[Finding], context: Context | None = None) -> str:
    return json.dumps(rows(findings, context), indent=2) + "\n"


def as_text(findings: list[Finding], context: Context | None = None) -> str:
    """`3\tLL103\t[*] softmax-before-cross-entropy`, columns aligned."""
    table = rows(findings, context)
    if not table:
        return ""
    style = Style(bool(context and context.color))
    count_width = max(len(str(r["count"])) for r in table)
    code_width = max(len(r["code"] or "") for r in table)
    any_fixable = any(r["fixable"] for r in table)
    lines = []
    for r in table:
        mark = ("[*] " if r["fixable"] else "[ ] ") if any_fixable else ""
        code = style(f"{r['code'] or '':<{code_width}}", "bold", "red")
        lines.append(f"{r['count']:>{count_width}}\t{code}\t{style(mark, 'cyan')}{r['name']}")
    return "\n".join(lines) + "\n"
