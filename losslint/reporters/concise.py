"""`--output-format concise`: one line a finding (`path:row:col: CODE name: message`)."""

from __future__ import annotations

from losslint.core.findings import Finding
from losslint.reporters.context import Context, Style
from losslint.reporters.text import headline, summary


def render(findings: list[Finding], context: Context | None = None) -> str:
    context = context or Context()
    style = Style(context.color)
    body = "".join(headline(f, style, context) + "\n" for f in findings)
    return body if context.quiet else body + summary(findings, style, context)
